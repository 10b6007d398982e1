"""What keeps the app fast stays right: new weights re-combine, caches follow the store, maps once.

No timing is asserted (a loaded machine is slow, not wrong): each test checks that a shortcut
gives what the long way gives, or that it is taken.
"""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo import settings
from zoneplan.analysis import analyse, reweigh
from zoneplan.ui import mapframe
from zoneplan.zone import ZoneData, store_version

APP = settings.REPO_DIR / "app.py"
WEIGHTS = ({"attractiveness": 1.0, "border": 2.5, "gold": 0.5}, {"border": 0.0, "gold": 3.0})


def _same(left, right) -> None:
    for a, b in ((left.places, right.places), (left.units, right.units)):
        pd.testing.assert_frame_equal(
            pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry"))
        )
    pd.testing.assert_frame_equal(left.table, right.table)
    assert left.summary == right.summary


@pytest.mark.parametrize("verb", ["gaps", "criteria"])
def test_new_weights_recombine_to_what_a_new_analysis_gives(sample_store, verb):
    kw = {"zone": "kangaba", "units": "h3:7", "store": sample_store, "lang": "fr", "min_criteria": 1}
    base = analyse(verb, **kw)
    for weights in WEIGHTS:
        again = reweigh(base, weights)
        _same(again, analyse(verb, weights=weights, **kw))
        assert again.summary["places_meeting"] == base.summary["places_meeting"]
    assert reweigh(base, None) is base  # the weights it ran with: nothing to do


def test_new_weights_are_refused_where_they_change_more_than_a_score(sample_store):
    from geo.errors import InputError

    access = analyse("access", zone="kangaba", units="h3:7", store=sample_store)
    with pytest.raises(InputError, match="access"):
        reweigh(access, WEIGHTS[0])


def test_a_zone_is_read_again_after_a_write(store):
    from zoneplan.sample import load_sample

    before = ZoneData.load("kangaba", store=store)
    assert ZoneData.load("kangaba", store=store).places is before.places  # shared, not re-read
    version = store_version(store)
    load_sample(store)  # a write: the store's version changes, the zone is read anew
    assert store_version(store) != version
    after = ZoneData.load("kangaba", store=store)
    assert after.places is not before.places
    assert after.notes == [] and after.notes is not before.notes


def test_each_zone_data_has_its_own_notes(sample_store):
    one = ZoneData.load("kangaba", store=sample_store)
    one.notes.append("a note of one analysis")
    assert ZoneData.load("kangaba", store=sample_store).notes == []


def test_a_rerun_sends_the_same_map_rendered_once_with_its_ready_mark(sample_store, monkeypatch):
    renders = []
    real = mapframe.render

    def counting(m):
        renders.append(m)
        return real(m)

    monkeypatch.setattr(mapframe, "render", counting)
    monkeypatch.setattr(sys, "argv", ["app.py", "--store", str(sample_store.path)])
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["page"] = "access"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    first = json.loads(at.get("component_instance")[0].proto.json_args)
    at.run()  # a rerun that changes nothing
    at.sidebar.checkbox(key="internal").check().run()
    at.sidebar.checkbox(key="internal").uncheck().run()  # back to the first view
    assert not at.exception, [e.message for e in at.exception]
    again = json.loads(at.get("component_instance")[0].proto.json_args)
    assert again["script"] == first["script"]
    assert len(renders) == 2  # the public view once, the internal one once
    assert mapframe.READY_ATTR in first["script"] and '"access"' in first["script"]
