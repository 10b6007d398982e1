"""The Streamlit app under ``AppTest``: every page runs, widgets change what is shown.

Each test runs the real ``app.py`` on a store in a temporary folder (``--store`` passed through
``sys.argv`` exactly as ``zoneplan app`` does).
"""

from __future__ import annotations

import json
import re
import sys

import pytest
from streamlit.testing.v1 import AppTest

import layers
from geo import settings
from geo.i18n import t
from geo.store import Store
from geo.webmap import escape
from zoneplan.ui.pages import PAGES

APP = settings.REPO_DIR / "app.py"


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory) -> Store:
    """One store for the tests that only read: the app's caches then serve their reruns."""
    return Store(tmp_path_factory.mktemp("app") / "store.gpkg")


def _runner(store: Store, monkeypatch):
    def run(page: str | None = None, lang: str | None = None, **state) -> AppTest:
        argv = ["app.py", "--store", str(store.path)]
        if lang:
            argv += ["--lang", lang]
        monkeypatch.setattr(sys, "argv", argv)
        at = AppTest.from_file(str(APP), default_timeout=60)
        if page:
            at.query_params["page"] = page
        for key, value in state.items():
            at.session_state[key] = value
        return at.run()

    return run


@pytest.fixture
def run_app(shared_store, monkeypatch):
    """Run the app on the shared read-only store (page by URL, optional session state)."""
    return _runner(shared_store, monkeypatch)


@pytest.fixture
def run_sample(sample_store, monkeypatch):
    """Run the app on the shared read-only sample store."""
    return _runner(sample_store, monkeypatch)


@pytest.fixture
def run_app_rw(store, monkeypatch):
    """Run the app on a fresh store of its own (for tests that write)."""
    return _runner(store, monkeypatch)


def map_payload(at: AppTest) -> str:
    """Return the Leaflet script the page sends to the browser for its first map."""
    components = at.get("component_instance")
    assert components, "no map component on the page"
    return json.loads(components[0].proto.json_args)["script"]


def shows(text: str, script: str) -> bool:
    """Return whether ``text`` is in the map script (as typed or HTML-escaped, maybe JSON-escaped)."""

    def jinja(form: str) -> str:  # Jinja's tojson also escapes &, <, > and '
        return (
            json.dumps(form)[1:-1]
            .replace("&", "\\u0026")
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("'", "\\u0027")
        )

    return any(
        form in script or json.dumps(form)[1:-1] in script or jinja(form) in script
        for form in (text, escape(text))
    )


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs_with_its_title_and_a_map(run_app, page):
    at = run_app(page, units="h3:7")
    no_exception(at)
    assert at.title[0].value == t(f"app.page.{page}", "fr")
    assert "L.map(" in map_payload(at)


def test_english_switch_changes_every_label(run_app):
    at = run_app("access", units="h3:7")
    assert at.title[0].value == "Centres et accès"
    at.sidebar.radio(key="lang").set_value("en").run()
    no_exception(at)
    assert at.title[0].value == "Centres and access"
    assert at.sidebar.selectbox(key="programme").label == "Programme"
    assert at.sidebar.selectbox(key="units").label == "Planning units"


def test_lang_argument_sets_the_first_language(run_app):
    at = run_app("data", lang="en")
    no_exception(at)
    assert at.title[0].value == "Data"


def test_changing_the_zone_changes_the_map(run_app):
    at = run_app("access")
    before = map_payload(at)
    at.sidebar.selectbox(key="programme").set_value("rompre_le_silence").run()
    at.sidebar.selectbox(key="zone.rompre_le_silence").set_value("bamako").run()
    no_exception(at)
    after = map_payload(at)
    assert after != before
    assert shows("Bamako", after)


def test_changing_the_page_widget_changes_the_page(run_app):
    at = run_app("coverage")
    at.sidebar.radio(key="page").set_value("export").run()
    no_exception(at)
    assert at.title[0].value == t("app.page.export", "fr")
    assert at.query_params["page"] == ["export"] or at.query_params["page"] == "export"


def test_internal_work_is_flagged(run_app):
    at = run_app("access", units="h3:7")
    assert not any(t("app.internal_banner", "fr") in i.value for i in at.info)
    at.sidebar.checkbox(key="internal").check().run()
    no_exception(at)
    assert any(t("app.internal_banner", "fr") in i.value for i in at.info)


def test_selection_without_records_says_no_data(run_app):
    at = run_app("coverage")
    no_exception(at)
    assert any(w.value == t("no_data", "fr") for w in at.warning)


def test_data_status_lists_every_layer_with_its_attribution(run_app):
    at = run_app("data")
    no_exception(at)
    frames = [df.value for df in at.dataframe]
    status = next(f for f in frames if t("table.col.attribution", "fr") in f.columns)
    assert len(status) == len(layers.names())
    assert "Made with Natural Earth." in set(status[t("table.col.attribution", "fr")])


def test_unlocated_place_gets_a_location(run_app_rw, store):
    at = run_app_rw("data")
    assert any("Danga" in i.value for i in at.info)
    form_inputs = [n for n in at.number_input if n.label in ("lat", "lon")]
    form_inputs[0].set_value(11.70)
    form_inputs[1].set_value(-8.72)
    at.button[[b.label for b in at.button].index(t("app.data.places.save", "fr"))].click().run()
    no_exception(at)
    placed = layers.module("places").load_all(store).set_index("place_id")
    assert placed.loc["danga", "located"]
    assert placed.loc["danga"].geometry.y == pytest.approx(11.70)


def _save_zone(at: AppTest, zone_id: str, name: str) -> AppTest:
    at.text_input[[x.label for x in at.text_input].index(t("app.zone.id", "fr"))].input(zone_id)
    at.text_input[[x.label for x in at.text_input].index(t("app.zone.name", "fr"))].input(name)
    return at.button[[b.label for b in at.button].index(t("app.zone.save", "fr"))].click().run()


def test_drawn_zone_is_saved_and_appears_everywhere(run_app_rw, store):
    corners = [(12.00, -8.80), (12.00, -8.60), (11.60, -8.60), (11.60, -8.80)]
    at = run_app_rw("data", **{"zone.vertices": list(corners)})
    assert any(t("app.zone.vertices", "fr", n=4) in m.value for m in at.markdown)
    at = _save_zone(at, "kangaba_nord", "Kangaba nord")
    no_exception(at)
    assert not at.error
    zones = layers.load("zones", store=store).set_index("zone_id")
    assert zones.loc["kangaba_nord", "method"] == "drawn"
    assert zones.loc["kangaba_nord"].geometry.contains(
        layers.load("places", store=store).set_index("place_id").loc["kokoyo"].geometry
    )
    at = run_app_rw("access")
    assert (
        "kangaba_nord" in at.sidebar.selectbox(key="zone.kangaba").options
        or "Kangaba nord" in at.sidebar.selectbox(key="zone.kangaba").options
    )


def test_half_drawn_zone_is_refused(run_app_rw, store):
    at = run_app_rw("data", **{"zone.vertices": [(11.80, -8.75), (11.80, -8.60)]})
    at = _save_zone(at, "moitie", "À moitié")
    no_exception(at)
    assert at.error
    assert "moitie" not in set(layers.load("zones", store=store)["zone_id"])


def test_built_in_zone_id_is_refused(run_app_rw, store):
    corners = [(11.80, -8.75), (11.80, -8.60), (11.65, -8.60)]
    at = run_app_rw("data", **{"zone.vertices": corners})
    at = _save_zone(at, "kangaba", "Kangaba bis")
    assert at.error
    assert layers.load("zones", store=store).set_index("zone_id").loc["kangaba", "method"] != "drawn"


def test_weight_slider_changes_the_criteria_request(run_app):
    at = run_app("criteria", units="h3:7")
    no_exception(at)
    before = map_payload(at)
    at.slider(key="criteria.min_n").set_value(3).run()
    no_exception(at)
    assert at.slider(key="criteria.min_n").value == 3
    gaps_before = next(df.value for df in at.dataframe)
    weight = at.select_slider(key="criteria.weight.border")
    assert weight.value == 1.0 and weight.format_func(1.5) == "1,5" and weight.format_func(2.0) == "2"
    weight.set_value(0.0).run()
    no_exception(at)
    assert (
        next(df.value for df in at.dataframe)["total_score"].tolist()
        != gaps_before["total_score"].tolist()
    )
    at.radio(key="criteria.show").set_value("gaps").run()
    no_exception(at)
    after = map_payload(at)
    assert after != before and shows(t("export.view.gaps.title", "fr"), after)
    assert not shows(t("export.layer.next_sites", "fr"), after)
    at.toggle(key="criteria.with_next").set_value(True).run()
    no_exception(at)
    sites = map_payload(at)
    assert shows(t("export.layer.next_sites", "fr"), sites)
    assert shows(t("export.next.site_alone", "fr", n=1), sites)
    assert len(at.dataframe) == 2  # gaps and where next


def test_sample_data_is_flagged_and_fills_the_coverage_page(run_sample):
    at = run_sample("coverage")
    no_exception(at)
    warnings = [w.value for w in at.warning]
    assert t("sample.banner", "fr") in warnings
    assert t("no_data", "fr") not in warnings
    state = t("table.col.status", "fr")  # a word in a coloured cell, not a glyph
    progress = next(df.value for df in at.dataframe if state in df.value.columns)
    words = {t(f"export.pack.status.{s}", "fr") for s in ("green", "amber", "red", "no_data")}
    assert set(progress[state]) <= words
    assert len(progress) > 0
    # Achievement as a bar in its cell (no separate chart: no Vega bundle for the first page).
    assert len(at.get("vega_lite_chart")) == 0
    element = next(df for df in at.dataframe if state in df.value.columns)
    config = json.loads(element.proto.columns)
    share = t("table.col.achievement", "fr")
    bar = config[share]
    assert bar["type_config"]["type"] == "progress", bar
    assert bar["type_config"]["max_value"] == 100 and bar["type_config"]["format"] == "%.0f %%"
    assert progress[share].max() > 1  # percentages (46, 270), not shares (0.46)
    at.sidebar.selectbox(key="indicator.kangaba").set_value("kg_focus_groups").run()
    no_exception(at)
    filtered = next(df.value for df in at.dataframe if state in df.value.columns)
    assert len(filtered) == 1


def _radii(script: str) -> list[float]:
    """Return the circle radii the map script sets per feature (proportional symbols)."""
    return [float(r) for r in re.findall(r'"radius": ?([0-9.]+)', script)]


def test_coverage_measure_switches_circles_and_choropleth(run_sample):
    at = run_sample("coverage", **{"units": "h3:7"})
    no_exception(at)
    circles = map_payload(at)
    assert shows(t("export.measure.people", "fr"), circles)
    radii = _radii(circles)
    assert len(set(radii)) > 2  # sizes differ with the counts
    at.radio(key="coverage.measure").set_value("pct_target").run()
    no_exception(at)
    rates = map_payload(at)
    assert shows(t("export.measure.pct_target", "fr"), rates)
    assert "h3:7" in rates and "Polygon" in rates
    at.radio(key="coverage.measure").set_value("per_1000_children").run()
    no_exception(at)  # no population installed: explicit no-data state, not an empty map
    assert any(w.value == t("no_data", "fr") for w in at.warning)
    assert shows(t("export.coverage.no_population", "fr"), map_payload(at))


def test_coverage_follows_partner_activity_type_and_period(run_sample):
    at = run_sample("coverage")
    before = map_payload(at)
    at.sidebar.multiselect(key="partner.kangaba").set_value(["ACESEM"]).run()
    no_exception(at)
    partner = map_payload(at)
    assert partner != before and _radii(partner) != _radii(before)
    at.sidebar.selectbox(key="activity.kangaba").set_value("focus_group").run()
    no_exception(at)
    assert shows("focus group", map_payload(at))
    at.sidebar.selectbox(key="activity.kangaba").set_value("plan_action").run()
    at.sidebar.multiselect(key="partner.kangaba").set_value([]).run()
    slider = at.sidebar.slider(key="period.kangaba")
    start, _end = slider.value
    slider.set_value((start, start)).run()  # one day: nothing recorded
    no_exception(at)
    assert any(w.value == t("no_data", "fr") for w in at.warning)


#: Modules only other pages need: the first page must not wait for them.
NOT_ON_FIRST_PAGE = (
    "matplotlib",
    "mapclassify",
    "sklearn",
    "scipy",
    "openpyxl",
    "zoneplan.analysis",
    "zoneplan.exports",
    "zoneplan.ui.pages.data",
    "zoneplan.ui.pages.export",
)


def test_first_page_loads_only_what_it_draws(sample_store):
    """In a fresh interpreter, the coverage page of the sample imports none of the others' needs."""
    import subprocess

    code = (
        "import json, sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"sys.argv = ['app.py', '--store', {str(sample_store.path)!r}]\n"
        f"at = AppTest.from_file({str(APP)!r}, default_timeout=60).run()\n"
        "assert not at.exception, [e.message for e in at.exception]\n"
        "assert at.get('component_instance'), 'no map'\n"
        f"print(json.dumps([m for m in {list(NOT_ON_FIRST_PAGE)!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=settings.REPO_DIR
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == []


def test_fresh_store_offers_the_fictitious_sample_on_the_coverage_page(run_app_rw, store):
    at = run_app_rw("coverage")
    no_exception(at)
    assert t("sample.banner", "fr") not in [w.value for w in at.warning]
    button = at.button(key="coverage.sample")
    assert button.label == t("app.data.sample.load", "fr") and "fictif" in button.label
    assert any(t("app.data.sample.help", "fr") == c.value for c in at.caption)
    button.click().run()
    no_exception(at)
    from zoneplan.sample import is_sample

    assert is_sample(store)
    assert t("sample.banner", "fr") in [w.value for w in at.warning]  # flagged on the page
    assert t("no_data", "fr") not in [w.value for w in at.warning]  # and the map has data
    assert t("app.data.sample.loaded", "fr") in [s.value for s in at.success]
    assert not any(b.key == "coverage.sample" for b in at.button)  # no longer offered


# --- Critères et lacunes: the ranked places and their reasons ---------------------------------------


def _headers(table) -> list[str]:
    """Return the headers a person reads, in the order the table shows its columns."""
    config = json.loads(table.proto.columns)
    return [config[c]["label"] for c in table.proto.column_order]


def _shown(table):
    """Return the columns the table shows (those a person sees), in order."""
    return table.value[list(table.proto.column_order)]


def _box(at: AppTest, name: str) -> str:
    """Return the explanation box of place ``name`` ("" if it is not shown)."""
    from zoneplan.ui.widgets import plain

    return next((m.value for m in at.markdown if m.value.startswith(f"**{plain(name)}**")), "")


def test_criteria_page_ranks_places_a_person_can_read(run_sample, sample_store):
    from zoneplan.analysis import analyse

    at = run_sample("criteria")
    no_exception(at)
    assert at.radio(key="criteria.show").value == "sensitisation"
    table = at.dataframe[0]
    headers = _headers(table)
    assert headers[:3] == [t("app.criteria.col.name", "fr"), "Commune", "Cercle"]
    for col in ("n_criteria", "centre", "people_sensitised", "reasons"):
        assert t(f"app.criteria.col.{col}", "fr") in headers
    assert not any("_" in h for h in headers)  # words, not column names
    shown = _shown(table)
    places = analyse("gaps", zone="kangaba", store=sample_store).places
    assert not shown.isin(set(places["place_id"])).any().any()  # no ids (gaz:..., place ids)
    sens = places[places["gap_kinds"].map(lambda k: "sensitisation" in k)]
    assert list(shown["name"]) == list(sens["name"])  # highest priority first
    assert not shown["name"].str.fullmatch(r"[0-9a-f]{15}|gaz:.*").any()
    assert re.fullmatch(r".+, [\d\u202f]+(,\d)? km", shown["centre"].iloc[0])
    assert shown["reasons"].str.contains("sensibilisation").all()
    first = sens.iloc[0]
    assert first["explanation"] in _box(at, first["name"])  # the first row, until another is picked

    at.radio(key="criteria.show").set_value("access").run()
    no_exception(at)
    access = _shown(at.dataframe[0])
    assert list(access["name"]) != list(shown["name"])
    assert access["reasons"].str.contains("centre").all()
    third = access["name"].iloc[2]
    at.session_state["criteria.places.access"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    no_exception(at)
    assert "centre" in _box(at, third)

    at.sidebar.radio(key="lang").set_value("en").run()
    no_exception(at)
    assert _headers(at.dataframe[0])[:3] == ["Place", "Commune", "Cercle"]
    assert "Reasons" in _headers(at.dataframe[0])


def test_criteria_numbers_read_in_french():
    from zoneplan.ui.pages.criteria import centre_text
    from zoneplan.ui.widgets import number

    assert number(1234.5, "fr", 1) == "1\u202f234,5"
    assert number(1234.5, "en", 1) == "1,234.5"
    assert centre_text("Bamako", 111.45, "fr") == "Bamako, 111 km"
    assert centre_text("Kangaba", 2.46, "fr") == "Kangaba, 2,5 km"
    assert centre_text(None, float("nan"), "fr") == t("analyses.gap.no_centre", "fr")


def test_criteria_period_without_records_says_nothing_was_recorded(run_sample):
    at = run_sample("criteria")
    slider = at.sidebar.slider(key="period.kangaba")
    start, _end = slider.value
    slider.set_value((start, start)).run()  # one day: nothing recorded
    no_exception(at)
    period = f"{start.isoformat()}/{start.isoformat()}"
    assert t("analyses.nothing_recorded_period", "fr", period=period) in [i.value for i in at.info]
    assert set(_shown(at.dataframe[0])["people_sensitised"]) == {"0"}


def test_criteria_zone_without_places_says_so(run_app_rw, store):
    from shapely.geometry import box

    from zoneplan.datastore import save_drawn_zone

    save_drawn_zone(store, "vide", "Zone vide", box(-8.55, 11.85, -8.54, 11.86))
    at = run_app_rw("criteria", **{"zone.kangaba": "vide"})
    no_exception(at)
    assert t("analyses.no_places", "fr", zone="Zone vide") in [i.value for i in at.info]
    assert not at.dataframe and not at.error


def test_where_next_names_the_sites_or_says_why_none(run_sample):
    at = run_sample("criteria", **{"criteria.with_next": True})
    no_exception(at)
    sites = at.dataframe[1]
    assert _headers(sites)[:2] == [
        t("app.criteria.next.col.step", "fr"),
        t("app.criteria.next.col.name", "fr"),
    ]
    assert t("app.criteria.next.col.gain", "fr") in _headers(sites)
    assert sites.value["covers"].str.len().gt(0).all()
    at.sidebar.selectbox(key="programme").set_value("rompre_le_silence").run()
    at.sidebar.selectbox(key="zone.rompre_le_silence").set_value("bamako").run()
    no_exception(at)
    assert len(at.dataframe) == 1  # the places; no site to suggest, and one line says why
    why = t("analyses.next.none_beyond", "fr", n=0, km=0).split(":")[0]
    assert any(i.value.startswith(why) for i in at.info)
