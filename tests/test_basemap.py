"""The app's base map: a View drawn by the one renderer, names escaped, many points compact."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.basemap import POINT_STYLES, POLYGON_STYLES, base_view
from geo.errors import UnknownNameError
from geo.i18n import t
from geo.render_folium import PointCloud, legend_html, outline_preview, to_folium
from geo.webmap import escape


def _frames(n_localities: int = 0) -> dict[str, gpd.GeoDataFrame]:
    borders = gpd.GeoDataFrame(
        {"name_fr": ["Mali", "Guinée"], "name_en": ["Mali", "Guinea"], "is_mali": [True, False]},
        geometry=[shapely.box(-9.0, 11.0, -8.0, 12.0), shapely.box(-10.0, 11.0, -9.0, 12.0)],
        crs="EPSG:4326",
    )
    admin = gpd.GeoDataFrame(
        {"name": ["Pays", "Koulikoro", "Kangaba", "Naréna"], "level": [0, 1, 2, 3]},
        geometry=[shapely.box(-9.0, 11.0, -8.0, 12.0)] * 4,
        crs="EPSG:4326",
    )
    zones = gpd.GeoDataFrame(
        {"name_fr": ["<b>Zone & co</b>"], "name_en": ["Zone"]},
        geometry=[shapely.box(-8.9, 11.5, -8.6, 11.9)],
        crs="EPSG:4326",
    )
    centres = gpd.GeoDataFrame(
        {
            "name": ["Centre A", "Centre B"],
            "town": ["Kangaba", "Bamako"],
            "precision": ["exact", "town"],
        },
        geometry=[shapely.Point(-8.7, 11.9), shapely.Point(-8.0, 12.6)],
        crs="EPSG:4326",
    )
    frames = {"borders": borders, "admin": admin, "zones": zones, "centres": centres}
    if n_localities:
        rng = np.random.default_rng(0)
        frames["gazetteer"] = gpd.GeoDataFrame(
            {"name": [f"L{i}" for i in range(n_localities)]},
            geometry=gpd.points_from_xy(
                rng.uniform(-9, -8, n_localities), rng.uniform(11, 12, n_localities)
            ),
            crs="EPSG:4326",
        )
    return frames


def test_base_view_has_each_layer_with_the_shared_styles():
    frames = _frames()
    before = {k: v.copy() for k, v in frames.items()}
    view = base_view(frames, lang="fr")
    keys = [layer.key for layer in view.layers]
    assert keys == ["neighbours", "mali", "admin.1", "admin.2", "admin.3", "zones", "centres"]
    by_key = {layer.key: layer for layer in view.layers}
    assert not by_key["admin.3"].show and by_key["admin.2"].show
    assert set(by_key["zones"].frame["_fill"]) == {POLYGON_STYLES["zones"][1]}
    assert set(by_key["centres"].frame["_fill"]) == {POINT_STYLES["centres"][0]}
    assert (by_key["mali"].frame["_tip"] == "").all()  # Mali itself has no tooltip
    town_level = by_key["centres"].frame.set_index("_label")
    assert any(t("centre.town_level", "fr") in label for label in town_level.index)
    assert view.disclosure is None and view.title == ""
    for key, frame in frames.items():  # inputs untouched
        pd.testing.assert_frame_equal(frame, before[key])


def test_base_map_escapes_names_and_has_no_footer_nor_title():
    view = base_view(_frames(), lang="fr")
    legend = legend_html(view)
    assert escape(t("layer.zones", "fr")) in legend
    assert "zp-foot" not in legend  # no figures, nothing to disclose
    page = to_folium(view).get_root().render()
    assert "<b>Zone & co</b>" not in page
    assert '"zp-title"' not in page  # no title box (the class is only in the stylesheet)
    assert '"zp-legend"' in page


def test_many_localities_are_one_point_cloud_under_the_other_points():
    view = base_view(_frames(n_localities=1500), lang="fr")
    m = to_folium(view)
    clouds = [c for c in m._children.values() if isinstance(c, PointCloud)]
    assert len(clouds) == 1 and len(clouds[0].coords) == 2 * 1500
    page = m.get_root().render()
    assert '"pane": "zpMarkers"' in page  # centres are drawn above the cloud's pane


def test_outline_preview_closes_the_ring_from_three_vertices():
    group = outline_preview([(12.0, -8.8), (12.0, -8.6), (11.6, -8.6)], name="Aperçu <i>")
    lines = [c for c in group._children.values() if c._name == "PolyLine"]
    assert len(lines) == 1 and len(lines[0].locations) == 4
    assert json.dumps(group.layer_name) == json.dumps(escape("Aperçu <i>"))


def test_base_view_refuses_an_unknown_language():
    with pytest.raises(UnknownNameError):
        base_view(_frames(), lang="de")
