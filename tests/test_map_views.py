"""Map views: classes tell apart suppressed, zero and no data; escaping; bad names; no-data state."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import layers
from geo import mapview as gv
from geo import settings
from geo import symbology as sym
from geo.disclosure import protect
from geo.errors import UnknownNameError
from geo.i18n import t
from geo.render_folium import legend_html, line_labels, to_folium
from geo.webmap import escape, standalone_html
from zoneplan.maps import build_view


def _communes() -> gpd.GeoDataFrame:
    boxes = [shapely.box(-8.8 + i * 0.1, 11.7, -8.7 + i * 0.1, 11.8) for i in range(5)]
    frame = pd.DataFrame(
        {"name": ["A", "B <b>", "C", "D", "E"], "cases": [0, 3, 12, np.nan, 40], "cercle": ["K"] * 5},
        index=[10, 11, 12, 13, 14],
    )
    return gpd.GeoDataFrame(frame, geometry=boxes, crs="EPSG:4326")


def test_choropleth_tells_apart_suppressed_zero_and_no_data():
    frame = protect(_communes(), "cases", level="commune", parent_col="cercle")
    before = frame.copy()
    layer = sym.choropleth(
        frame,
        key="cases",
        title="Cas",
        value_col="cases",
        lang="fr",
        display_col="cases_display",
        suppressed_col="cases_suppressed",
    )
    status = layer.frame["_status"]
    assert list(layer.frame.index) == [10, 11, 12, 13, 14]
    assert status[10] == "zero" and status[11] == "suppressed" and status[13] == "no_data"
    assert status[14] in ("value", "suppressed")
    # the hidden count never reaches the page, only its display text
    assert "3" not in layer.frame.loc[11, "_tip"].replace("<5", "")
    kinds = {e.status for e in layer.legend}
    assert {"suppressed", "zero", "no_data"} <= kinds
    pd.testing.assert_frame_equal(frame, before)  # input untouched


def test_tooltips_and_legend_escape_user_text():
    layer = sym.choropleth(_communes(), key="c", title="T <i>", value_col="cases", lang="en")
    tip = layer.frame.loc[11, "_tip"]
    assert "B &lt;b&gt;" in tip and "B <b>" not in tip
    view = gv.make_view(
        "coverage", lang="en", title="x", subtitle="", layers=[layer], disclosure=gv.Disclosure()
    )
    html = legend_html(view)
    assert "T &lt;i&gt;" in html and "<i>" not in html


def test_make_view_states_no_data_when_every_unit_lacks_a_value():
    frame = _communes().assign(cases=np.nan)
    layer = sym.choropleth(frame, key="c", title="T", value_col="cases", lang="fr")
    view = gv.make_view(
        "coverage", lang="fr", title="x", subtitle="", layers=[layer], disclosure=gv.Disclosure()
    )
    assert view.message == t("no_data", "fr")
    page = standalone_html(to_folium(view))
    assert "zp-message" in page


def test_build_view_refuses_unknown_names_listing_valid_ones(store):
    with pytest.raises(UnknownNameError, match="kangaba"):
        build_view("coverage", zone="atlantis", store=store)
    with pytest.raises(UnknownNameError, match="coverage, access, criteria, gaps"):
        build_view("heatmap", zone="kangaba", store=store)
    with pytest.raises(UnknownNameError, match="public"):
        build_view("coverage", zone="kangaba", store=store, audience="press")


def test_coverage_without_records_renders_an_explicit_no_data_state(store):
    view = build_view("coverage", zone="kangaba", store=store, lang="en")
    assert view.message == t("no_data", "en")
    assert any("Danga" in note for note in view.notes)  # unlocated: listed, never mapped
    assert view.sources and view.attributions
    page = standalone_html(to_folium(view))
    assert "Danga" in page and "leaflet" in page.lower()


def test_public_views_show_centres_at_town_level_only(store):
    view = build_view("coverage", zone="bamako", store=store, audience="public")
    centres = [lyr for lyr in view.layers if lyr.key == "centres"]
    assert centres, "Bamako has centres"
    towns = layers.load("centres", audience="public")
    got = {(round(p.x, 5), round(p.y, 5)) for p in centres[0].frame.geometry}
    assert got <= {(round(p.x, 5), round(p.y, 5)) for p in towns.geometry}
    assert set(centres[0].frame["precision"]) == {"town"}


def test_analysis_views_draw_units_with_classes(store):
    view = build_view("criteria", zone="kangaba", store=store, units="h3:6")
    data = view.data_layers
    assert data and len(data[0].frame) > 0
    assert (data[0].frame["_status"] == "value").any()
    assert view.message is None


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_legend_keeps_swatches_open_and_folds_the_footer(lang):
    layer = sym.choropleth(_communes(), key="c", title="T", value_col="cases", lang=lang)
    disclosure = gv.Disclosure(data_version="")
    view = gv.make_view(
        "coverage",
        lang=lang,
        title="x",
        subtitle="",
        layers=[layer],
        disclosure=disclosure,
        sources=["Natural Earth"],
    )
    html = legend_html(view)
    body, _, footer = html.partition('<details class="zp-foot">')
    assert body.startswith("<details") and " open>" in body.split("</summary>")[0] + ">"
    assert "zp-foot" in html and '<details class="zp-foot" open' not in html
    assert t("export.legend.footer", lang) in footer
    for entry in layer.legend:  # every class swatch is outside the folded part
        assert entry.label.replace("<", "&lt;") in body
    sentence = disclosure.text(lang)
    assert escape(sentence) in footer
    k = settings.SUPPRESSION_K
    assert f"1 à {k - 1} " in sentence or f"1 to {k - 1} " in sentence
    assert "−1" not in sentence
    words = sentence.replace(";", " ").split()
    assert all(a != b for a, b in zip(words, words[1:], strict=False))  # no "données données"
    dated = gv.Disclosure(data_version=t("export.data_embedded", lang)).text(lang)
    words = dated.replace(";", " ").split()
    assert all(a != b for a, b in zip(words, words[1:], strict=False))


def test_coverage_counts_are_proportional_circles_at_places(sample_store):
    view = build_view("coverage", zone="kangaba", store=sample_store, measure="people", partner="ACESEM")
    layer = view.data_layers[0]
    assert layer.kind == "point"
    records = layers.load("activities", store=sample_store)
    mine = records[(records["partner"] == "ACESEM") & (records["programme_id"] == "kangaba")]
    expected = pd.to_numeric(mine["total"]).groupby(mine["place_id"]).sum()
    got = layer.frame.set_index("place_id")["value"].dropna()
    assert len(got) > 2
    for place, value in got.items():
        assert value == expected[place]
    # circle areas follow the counts: radius squared ratio = value ratio (above the minimum)
    big = layer.frame[layer.frame["_radius"] > 6].set_index("place_id")
    a, b = big.index[:2]
    ratio = (big.loc[a, "_radius"] / big.loc[b, "_radius"]) ** 2
    assert ratio == pytest.approx(big.loc[a, "value"] / big.loc[b, "value"], rel=0.05)


def test_coverage_rates_are_a_choropleth_of_the_target(sample_store):
    view = build_view("coverage", zone="kangaba", store=sample_store, measure="pct_target", units="h3:6")
    layer = view.data_layers[0]
    assert layer.kind == "polygon" and (layer.frame["_status"] == "value").any()
    targets = pd.read_csv(settings.DATA_DIR / "indicators.csv")
    zones = layers.load("zones", store=sample_store)
    target = (
        targets.query(
            "programme_id == 'kangaba' and activity_type == 'sensibilisation' and measure == 'people'"
        )["target"].sum()
        / (zones["programme_id"] == "kangaba").sum()
    )
    share = target / len(layer.frame)  # no population installed: equal shares
    reached = layer.frame["people_sensitised"]
    assert reached.sum() > 0
    assert np.allclose(layer.frame["value"], (reached / share * 100).round(0))
    assert {"zero", "no_data", "suppressed"} <= {e.status for e in layer.legend}
    with pytest.raises(UnknownNameError, match="pct_target"):
        build_view("coverage", zone="kangaba", store=sample_store, measure="ratio")


def test_analysis_views_reuse_a_result_given(store, monkeypatch):
    import zoneplan.maps as zviews
    from zoneplan.analysis import analyse

    result = analyse("criteria", zone="kangaba", units="h3:6", store=store)

    def refuse(*args, **kwargs):
        raise AssertionError("the analysis ran again")

    monkeypatch.setattr(zviews, "analyse", refuse)
    view = build_view("criteria", zone="kangaba", store=store, units="h3:6", analysis=result)
    assert len(view.data_layers[0].frame) == len(result.units)
    wrong = build_view("gaps", zone="kangaba", store=store, units="h3:6", analysis=result)
    assert wrong.message == t("no_data", "fr")  # a result of another verb is not drawn


def _points(n: int) -> gpd.GeoDataFrame:
    names = [f"Village {i} <b>" for i in range(n)]
    return gpd.GeoDataFrame(
        {"name": names},
        crs="EPSG:4326",
        geometry=gpd.points_from_xy(np.linspace(-8.8, -8.4, n), np.linspace(11.6, 12.0, n)),
    )


def test_few_places_get_permanent_labels_many_do_not():
    from geo.render_folium import LABEL_MAX, label_points

    few = sym.point_layer(_points(12), key="places", title="Lieux", color="#1c7ed6", lang="fr")
    view = gv.make_view(
        "access", lang="fr", title="x", subtitle="", layers=[few], disclosure=gv.Disclosure()
    )
    labels = label_points(view)["places"]
    assert sorted(x[2] for x in labels) == sorted(escape(n) for n in few.frame["name"])
    page = standalone_html(to_folium(view))
    assert "zp-label" in page
    assert "Village 3 \\u0026lt;b\\u0026gt;" in page  # escaped, then JSON-encoded
    assert "Village 3 <b>" not in page
    many = sym.point_layer(
        _points(LABEL_MAX + 1), key="places", title="Lieux", color="#1c7ed6", lang="fr"
    )
    crowded = gv.make_view(
        "access", lang="fr", title="x", subtitle="", layers=[many], disclosure=gv.Disclosure()
    )
    assert label_points(crowded) == {}
    # neighbouring labels are put on different sides rather than on top of each other
    close = sym.point_layer(
        _points(2).assign(geometry=gpd.points_from_xy([-8.6, -8.6001], [11.8, 11.8])),
        key="p",
        title="P",
        color="#000",
        lang="fr",
    )
    pair = gv.make_view(
        "access",
        lang="fr",
        title="x",
        subtitle="",
        layers=[close],
        disclosure=gv.Disclosure(),
        focus=_points(12),
    )
    sides = [x[5] for x in label_points(pair)["p"]]
    assert sides[0] != sides[1]


def test_criteria_views_show_the_zone_villages_by_name(store):
    view = build_view("criteria", zone="kangaba", store=store, units="h3:6")
    places = [lyr for lyr in view.layers if lyr.key == "places"]
    assert places and "Nouga" in set(places[0].frame["name"])
    assert "Nouga" in standalone_html(to_folium(view))


def test_many_points_go_to_one_compact_canvas_layer(monkeypatch):
    import geo.render_folium as rf

    n = rf.CLOUD_ABOVE + 200
    rng = np.random.default_rng(3)
    pts = gpd.GeoDataFrame(
        {"name": [f"L{i}" for i in range(n)], "v": rng.integers(0, 99, n)},
        crs="EPSG:4326",
        geometry=gpd.points_from_xy(rng.uniform(-8.9, -8.4, n), rng.uniform(11.6, 12.1, n)),
    )
    layer = sym.choropleth(pts, key="c", title="T", value_col="v", lang="fr", kind="point")
    view = gv.make_view(
        "coverage", lang="fr", title="x", subtitle="", layers=[layer], disclosure=gv.Disclosure()
    )
    compact = standalone_html(to_folium(view))
    assert "L.canvas(" in compact and "L0" in compact
    monkeypatch.setattr(rf, "CLOUD_ABOVE", n + 1)
    geojson = standalone_html(to_folium(view))
    assert "L.canvas(" not in geojson
    assert len(compact) < 0.6 * len(geojson)


def test_size_references_are_round_distinct_and_not_above_the_largest_value():
    for vmax in (3.0, 47.0, 1234.0, 86_500.0):
        refs = sym.size_references(vmax)
        assert 2 <= len(refs) <= 3
        assert refs == sorted(refs, reverse=True) and len(set(refs)) == len(refs)
        assert refs[0] <= vmax and refs[0] > vmax / 5  # the largest is near the top value
        for ref in refs:
            mantissa = ref / 10 ** np.floor(np.log10(ref))
            assert round(mantissa, 6) in (1.0, 2.0, 5.0)
            assert ref >= 1
    assert sym.size_references(0.0) == [] and sym.size_references(float("nan")) == []


def test_proportional_symbols_scale_area_and_key_circles_alike():
    pts = _points(6)
    pts["people"] = [np.nan, 0, 10, 40, 160, 640]
    layer = sym.proportional_symbols(pts, key="c", title="Personnes", value_col="people", lang="fr")
    frame = layer.frame
    assert list(frame["_status"][:2]) == ["no_data", "zero"]
    value = frame[frame["_status"] == "value"]
    assert value["_fill"].nunique() == 1  # one colour: the size carries the count
    # area ratio = value ratio between features above the smallest radius
    r = value.set_index("people")["_radius"]
    assert (r[640] / r[160]) ** 2 == pytest.approx(4.0, rel=0.03)
    assert frame["_radius"].iloc[0] == frame["_radius"].min()  # missing: smallest circle
    keys = [e for e in layer.legend if e.kind == "size"]
    assert 2 <= len(keys) <= 3
    for entry in keys:  # a key circle has the radius a feature of its value would have
        v = float(entry.label.replace("\u202f", ""))
        expected = sym.proportional_radii(pd.Series([v, 640.0]), vmax=640.0).iloc[0]
        assert entry.size == pytest.approx(expected, abs=0.11)
    statuses = {e.status for e in layer.legend}
    assert {"zero", "no_data", "suppressed"} <= statuses
    html = legend_html(
        gv.make_view("c", lang="fr", title="T", subtitle="", layers=[layer], disclosure=gv.Disclosure())
    )
    assert html.count('class="sz"') == len(keys)


# --- the analysis views answer at the places ---------------------------------------------------

H3_ID = re.compile(r"\b8[0-9a-f]{14}\b")


def _in_page(text: str) -> str:
    """Return ``text`` as the map page holds it: escaped, then JSON-encoded in a script."""
    encoded = json.dumps(escape(text))[1:-1]
    for ch in "&<>'":
        encoded = encoded.replace(ch, f"\\u{ord(ch):04x}")
    return encoded


def _layer(view: gv.View, key: str) -> gv.ViewLayer:
    found = [lyr for lyr in view.layers if lyr.key == key]
    assert found, f"no {key!r} layer in {[lyr.key for lyr in view.layers]}"
    return found[0]


def test_gaps_view_draws_the_places_by_gap_status_with_a_french_legend(sample_store):
    # centres within 150 km: the places reached are covered, the others sensitisation gaps
    view = build_view("gaps", zone="kangaba", store=sample_store, access_km=150)
    places = _layer(view, "places")
    assert places.kind == "point" and places.role == "data"
    statuses = set(places.frame["gap_status"])
    assert "covered" in statuses and statuses & {"both", "sensitisation", "access"}
    covered = places.frame[places.frame["gap_status"] == "covered"]
    assert (covered["people_sensitised"] > 0).all()
    labels = {e.label for e in view.legend}
    for status in ("both", "sensitisation", "covered", "not_at_risk"):
        assert t(f"export.gap.place.{status}", "fr") in labels
    assert t("export.gap.place.access", "fr", km="150") in labels
    assert t("export.gap.places", "fr") in labels
    # at most ten names on the map: the gap places of highest priority
    named = places.frame[places.frame["_label"] != ""]
    assert 0 < len(named) <= 10
    gaps = places.frame[places.frame["gap_status"].isin(["both", "sensitisation", "access"])]
    assert gaps.loc[gaps["priority"].idxmax(), "_label"] == gaps.loc[gaps["priority"].idxmax(), "name"]
    tip = places.frame.loc[gaps["priority"].idxmax(), "_tip"]
    assert escape(str(gaps.loc[gaps["priority"].idxmax(), "name"])) in tip
    assert "sensibilisation" in tip  # its gap reasons


def test_gaps_view_says_on_the_map_when_nothing_was_recorded(store):
    view = build_view("gaps", zone="kangaba", store=store)
    said = t("analyses.nothing_recorded", "fr")
    assert said in view.notes
    page = standalone_html(to_folium(view))
    assert _in_page(said) in page  # in the title box, on the map
    places = _layer(view, "places").frame
    assert set(places["gap_status"]) <= {"both", "sensitisation", "not_at_risk"}


def test_access_view_draws_the_nearest_centre_outside_the_zone_and_a_named_line(sample_store):
    view = build_view("access", zone="kangaba", store=sample_store, audience="public")
    centres = _layer(view, "centres").frame
    assert "Bamako" in set(centres["town"])
    bamako = centres[centres["town"] == "Bamako"].geometry.iloc[0]
    routes = _layer(view, "routes")
    assert routes.kind == "line" and len(routes.frame) == 1
    label = routes.frame["_label"].iloc[0]
    assert re.fullmatch(r"centre le plus proche : Bamako, \d+ km", label)
    line = routes.frame.geometry.iloc[0]
    assert line.geom_type == "LineString" and line.coords[-1] == pytest.approx((bamako.x, bamako.y))
    km = float(re.search(r"(\d+) km", label).group(1))
    places = _layer(view, "places").frame
    assert km == pytest.approx(places["dist_centre_km"].min(), abs=0.5)  # from the nearest place
    assert {"Vers le centre le plus proche", t("export.layer.centres", "fr")} <= {
        e.label for e in view.legend
    }
    # the map still opens on the zone; the line's name is written inside it
    minx, miny, maxx, maxy = view.bounds
    assert not (minx <= bamako.x <= maxx and miny <= bamako.y <= maxy)
    assert [x[2] for x in line_labels(view)["routes"]] == [escape(label)]
    page = standalone_html(to_folium(view))
    assert _in_page(label) in page
    english = build_view("access", zone="kangaba", store=sample_store, lang="en")
    assert re.fullmatch(
        r"nearest centre: Bamako, \d+ km", _layer(english, "routes").frame["_label"].iloc[0]
    )


def test_criteria_view_draws_the_places_by_criteria_over_the_units(sample_store):
    view = build_view("criteria", zone="kangaba", store=sample_store, units="h3:7")
    keys = [lyr.key for lyr in view.layers]
    assert keys.index("criteria_units") < keys.index("places")  # the places above the units
    places = _layer(view, "places").frame
    assert set(places["n_criteria"]) <= {0, 1, 2, 3}
    row = places.iloc[-1]
    assert escape(str(row["explanation"])) in row["_tip"]


@pytest.mark.parametrize("name", ["gaps", "access", "criteria"])
def test_no_h3_id_reaches_a_map_page(sample_store, name):
    view = build_view(name, zone="kangaba", store=sample_store, units="h3:7")
    texts = [view.title, view.subtitle, *view.notes, *(e.label for e in view.legend)]
    for layer in view.layers:
        texts += [*layer.frame["_tip"].astype(str), *layer.frame["_label"].astype(str)]
    assert not [x for x in texts if H3_ID.search(x)]
    assert not H3_ID.search(standalone_html(to_folium(view)))


def test_no_h3_id_in_the_text_of_a_gaps_pdf(tmp_path, sample_store):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    out = tmp_path / "lacunes.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "zoneplan", "export", "map", "--view", "gaps", "--zone", "kangaba"]
        + ["--format", "pdf", "--store", str(sample_store.path), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert t("export.gap.places", "fr").split()[0] in text and "Kangaba" in text
    assert not H3_ID.search(text)
