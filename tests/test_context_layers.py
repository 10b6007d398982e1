"""Rivers, lakes and major towns (Natural Earth) under every map: drawn first, named, hiding nothing."""

from __future__ import annotations

import shutil
import subprocess

import geopandas as gpd
import pytest
from matplotlib.figure import Figure
from shapely.geometry import LineString, Point

import layers
from geo.basemap import base_view
from geo.landmarks import NATURAL_KEYS, natural_layers
from geo.mapview import View
from geo.printlabels import MapLabel, place_labels
from geo.render_folium import to_folium
from geo.weblabels import context_labels
from geo.webmap import standalone_html
from zoneplan.exports import export_map
from zoneplan.maps import build_view


@pytest.fixture(scope="module")
def kangaba(tmp_path_factory):
    from geo.store import Store

    return build_view("gaps", zone="kangaba", store=Store(tmp_path_factory.mktemp("s") / "p.gpkg"))


def test_kangaba_has_the_niger_drawn_before_the_data(kangaba):
    keys = [layer.key for layer in kangaba.layers]
    rivers = kangaba.layers[keys.index("rivers")]
    assert rivers.role == "context" and rivers.kind == "line" and rivers.labels
    assert "Niger" in set(rivers.frame["_label"])
    first_data = min(i for i, layer in enumerate(kangaba.layers) if layer.role == "data")
    assert all(keys.index(k) < first_data for k in NATURAL_KEYS if k in keys)
    assert keys.index("rivers") > keys.index("borders")  # on the countries, not under their fill


def test_sources_credit_natural_earth(kangaba):
    assert "Made with Natural Earth." in kangaba.attributions
    assert any("data/context/rivers.geojson" in s for s in kangaba.sources)


def test_context_has_no_legend_entry(kangaba):
    assert all(not layer.legend for layer in kangaba.layers if layer.key in NATURAL_KEYS)


def test_html_names_the_niger(kangaba):
    page = standalone_html(to_folium(kangaba))
    assert "Niger" in page
    assert "zp-water" in page  # named on the map, not only in a tooltip


def test_pdf_text_names_the_niger(kangaba, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = export_map("gaps", zone="kangaba", out=tmp_path / "k.pdf", fmt="pdf")
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Niger" in text


def test_rivers_are_named_in_english_too():
    rivers = natural_layers(lang="en", rivers=layers.load("rivers"))[0]
    assert {"Black Volta", "Niger"} <= set(rivers.frame["_label"])
    assert rivers.frame["_label"].is_unique  # one name per river, not one per stretch


def test_towns_are_few_and_inside_the_map():
    towns = natural_layers(lang="fr", towns=layers.load("towns"), bounds=(-9.0, 11.0, -7.0, 13.0))[0]
    assert 0 < len(towns.frame) <= 12
    assert towns.frame.geometry.x.between(-9.0, -7.0).all()
    assert "Bamako" in set(towns.frame["_label"])
    national = natural_layers(lang="fr", towns=layers.load("towns"), max_towns=5)[0]
    assert list(national.frame["_label"])[:3] == ["Bamako", "Tombouctou", "Djenné"]  # by rank


def test_print_context_names_never_cover_a_data_name():
    fig = Figure(figsize=(4, 3), dpi=100)
    ax = fig.add_subplot()
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    names = [
        MapLabel(50, 50, "Bamako", 1.0, minor=True),  # context, listed first
        MapLabel(50, 50, "Village de données", 4.0),
    ]
    place_labels(ax, names)
    printed = [a.get_text() for a in ax.texts]
    assert "Village de données" in printed
    assert "Bamako" not in printed  # no free side left beside the data's name and circle


def _point_view(frame: gpd.GeoDataFrame, towns: gpd.GeoDataFrame) -> View:
    from geo.symbology import point_layer

    data = point_layer(frame, key="places", title="Lieux", color="#c00", lang="fr", name_col="name")
    natural = natural_layers(lang="fr", towns=towns, bounds=(-9, 11, -7, 13))
    return View("t", "fr", "", "", [*natural, data], None, bounds=(-9, 11, -7, 13))


def test_web_towns_named_like_a_data_place_are_named_once():
    towns = gpd.GeoDataFrame(
        {"name": ["Kangaba", "Siby"], "scalerank": [7, 7], "pop_max": [1, 1]},
        geometry=[Point(-8.4, 11.9), Point(-7.5, 12.4)],
        crs="EPSG:4326",
    )
    data = gpd.GeoDataFrame({"name": ["Kangaba"]}, geometry=[Point(-8.4, 11.9)], crs="EPSG:4326")
    from geo.weblabels import label_points

    view = _point_view(data, towns)
    placed = label_points(view)
    named = [x[2] for x in context_labels(view, placed).get("towns", [])]
    assert named == ["Siby"]


def test_web_river_name_goes_along_its_course():
    river = gpd.GeoDataFrame(
        {"name": ["Niger"], "name_en": ["Niger"]},
        geometry=[LineString([(-9.5, 11.5), (-6.5, 12.5)])],
        crs="EPSG:4326",
    )
    view = View(
        "t", "fr", "", "", natural_layers(lang="fr", rivers=river), None, bounds=(-9, 11, -7, 13)
    )
    ((lat, lon, text, *_rest, css),) = context_labels(view, {})["rivers"]
    assert text == "Niger" and css == "water"
    assert -8.5 < lon < -7.5 and 11.5 < lat < 12.5  # in the middle, not at an end


def test_base_map_draws_rivers_under_the_admin_units():
    frames = {
        "borders": layers.load("borders"),
        "rivers": layers.load("rivers"),
        "lakes": layers.load("lakes"),
        "towns": layers.load("towns"),
        "admin": layers.load("admin", level=1),
    }
    keys = [layer.key for layer in base_view(frames, lang="fr").layers]
    assert keys.index("mali") < keys.index("rivers") < keys.index("admin.1")
    assert "Niger" in standalone_html(to_folium(base_view(frames, lang="fr")))
