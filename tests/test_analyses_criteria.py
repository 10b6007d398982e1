"""Site-selection criteria: known border distances, thresholds, weights, the N-of-3 rule, bad input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

import layers
from geo import settings
from geo.criteria import (
    attractive_places,
    check_attractiveness,
    criteria,
    parse_weights,
    read_attractiveness,
)
from geo.distance import border_line, distance_matrix_km, distance_to_km
from geo.errors import InputError
from geo.geodesy import local_aeqd

#: Check figures of the issue (geodesic, to the Natural Earth 10m outline), +-1 km.
KNOWN_BORDER_KM = {"tombola": 3.9, "koflatie": 12.8, "kangaba": 41.5, "sikasso": 32.0}


@pytest.fixture(scope="module")
def border():
    return border_line(layers.load("borders"))


@pytest.fixture(scope="module")
def places():
    return layers.load("places", store=None)


def _per_point_aeqd_km(point, line) -> float:
    """The reference method: project the border into an AEQD centred on the point itself."""
    crs = local_aeqd(point.x, point.y)
    geo = gpd.GeoSeries([point, line], crs="EPSG:4326").to_crs(crs)
    return geo.iloc[0].distance(geo.iloc[1]) / 1000


def test_known_border_distances(places, border):
    pts = places.set_index("place_id").loc[list(KNOWN_BORDER_KM)]
    got = distance_to_km(pts.geometry, border)
    for (pid, expected), km in zip(KNOWN_BORDER_KM.items(), got, strict=True):
        assert km == pytest.approx(expected, abs=1.0), pid
        assert km == pytest.approx(_per_point_aeqd_km(pts.geometry[pid], border), abs=0.01)


def test_tiled_distances_agree_with_per_point_aeqd_far_from_the_tile_centre(border):
    rng = np.random.default_rng(4)
    lon = rng.uniform(-11.5, 3.5, 40)
    lat = rng.uniform(10.5, 24.5, 40)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    got = distance_to_km(pts, border)
    ref = np.array([_per_point_aeqd_km(p, border) for p in pts])
    assert np.allclose(got, ref, rtol=2e-3, atol=0.05)


def test_distance_matrix_matches_geodesic_between_points():
    a = gpd.GeoSeries(gpd.points_from_xy([-8.4, -5.6], [11.9, 11.3]), crs="EPSG:4326")
    b = gpd.GeoSeries(gpd.points_from_xy([-7.97, -8.7, -4.18], [12.61, 11.8, 14.48]), crs="EPSG:4326")
    geod = pyproj.Geod(ellps="WGS84")
    ref = np.array([[geod.inv(p.x, p.y, q.x, q.y)[2] / 1000 for q in b] for p in a])
    assert np.allclose(distance_matrix_km(a, b), ref, rtol=1e-3)


def _units(points: dict[str, tuple[float, float]], half_deg: float = 0.01) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"unit_id": list(points), "name": list(points)},
        geometry=[
            shapely.box(x - half_deg, y - half_deg, x + half_deg, y + half_deg)
            for x, y in points.values()
        ],
        crs="EPSG:4326",
        index=[10 + i for i in range(len(points))],
    )


def _sites(**coords) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": list(coords)},
        geometry=gpd.points_from_xy([c[0] for c in coords.values()], [c[1] for c in coords.values()]),
        crs="EPSG:4326",
    )


@pytest.fixture()
def frame():
    # near Tombola (border, gold), Bamako (attractive), central Mali (none)
    return _units(
        {"tombola": (-8.71667, 11.68333), "bamako": (-7.97522, 12.60915), "centre": (-4.0, 17.0)}
    )


@pytest.fixture()
def inputs(border):
    attractive = gpd.GeoDataFrame(
        {"name": ["Bamako"], "attractiveness": [1.0]},
        geometry=gpd.points_from_xy([-7.97522], [12.60915]),
        crs="EPSG:4326",
    )
    return {"border": border, "gold_sites": _sites(Koflatie=(-8.7, 11.8)), "attractive": attractive}


def test_each_criterion_value_score_and_flag(frame, inputs):
    before = frame.copy()
    out = criteria(frame, **inputs)
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert list(out.index) == list(frame.index)
    t, b, c = (out.loc[out["unit_id"] == k].iloc[0] for k in ("tombola", "bamako", "centre"))
    assert t["met_border"] and t["dist_border_km"] < 5 and t["score_border"] > 0.9
    assert t["met_gold"] and t["n_gold_sites"] == 1 and t["dist_gold_km"] < 15
    assert 0 < t["score_gold"] < 1
    assert not t["met_attractiveness"]
    assert b["met_attractiveness"] and b["attractiveness"] == 1.0
    assert not b["met_gold"] and b["score_gold"] == 0
    assert c["n_criteria"] == 0 and not c["meets_criteria"] and c["total_score"] == 0
    assert t["n_criteria"] == 2 and t["meets_criteria"]
    assert "Koflatie" in t["explanation"] and "km" in t["explanation"]


def test_thresholds_move_the_flags(frame, inputs):
    tight = criteria(frame, **inputs, border_km=2.0, gold_km=1.0)
    t = tight.loc[tight["unit_id"] == "tombola"].iloc[0]
    assert not t["met_border"] and t["score_border"] == 0
    assert not t["met_gold"] and t["n_gold_sites"] == 0
    high = criteria(frame, **inputs, attract_threshold=1.0)
    assert high.loc[high["unit_id"] == "bamako", "met_attractiveness"].item()
    far = criteria(frame, **inputs, attract_km=0.001)
    # the unit polygon contains Bamako's point: distance 0, still within reach
    assert far.loc[far["unit_id"] == "bamako", "met_attractiveness"].item()


def test_min_criteria_rule(frame, inputs):
    two = criteria(frame, **inputs, min_criteria=2)
    assert two.set_index("unit_id")["meets_criteria"].to_dict() == {
        "tombola": True,
        "bamako": False,
        "centre": False,
    }
    with pytest.raises(InputError, match="1, 2 or 3"):
        criteria(frame, **inputs, min_criteria=4)


def test_weights_change_the_total(frame, inputs):
    equal = criteria(frame, **inputs).set_index("unit_id")
    only_border = criteria(frame, **inputs, weights="border=1,a=0,c=0").set_index("unit_id")
    assert only_border.loc["tombola", "total_score"] == pytest.approx(
        equal.loc["tombola", "score_border"]
    )
    expected = equal.loc["tombola", ["score_attractiveness", "score_border", "score_gold"]].mean()
    assert equal.loc["tombola", "total_score"] == pytest.approx(expected)


@pytest.mark.parametrize(
    "text,match",
    [
        ("a=-1", "zero or positive"),
        ("a=0,b=0,c=0", "all weights are zero"),
        ("x=1", "unknown criterion"),
        ("a=abc", "number"),
        ("border", "no value"),
    ],
)
def test_bad_weights_are_refused(text, match):
    with pytest.raises(InputError, match=match):
        parse_weights(text)


def test_default_weights_are_equal():
    assert parse_weights(None) == {"attractiveness": 1.0, "border": 1.0, "gold": 1.0}


def test_crs_less_units_are_refused(frame, inputs):
    with pytest.raises(InputError, match="CRS"):
        criteria(
            gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(frame.geometry)), **inputs
        )


def test_attractiveness_table_defaults_and_editing(places):
    table = read_attractiveness(settings.ATTRACTIVENESS_CSV)
    assert {"bamako", "segou", "sikasso", "mopti", "kangaba"} <= set(table["place_id"])
    assert table["source_reason"].str.len().gt(10).all()
    assert (table["attractiveness"] == table[["markets", "tourism", "mining_economy"]].max(axis=1)).all()
    edited = table.copy()
    edited.loc[edited["place_id"] == "bamako", "markets"] = 0.1
    edited.loc[edited["place_id"] == "bamako", "tourism"] = 0.1
    edited.loc[edited["place_id"] == "bamako", "mining_economy"] = 0.0
    checked = check_attractiveness(edited)
    pts = attractive_places(checked, places)
    assert pts.loc[pts["place_id"] == "bamako", "attractiveness"].item() == pytest.approx(0.1)


def test_bad_attractiveness_tables_are_refused(tmp_path):
    bad = pd.DataFrame(
        {
            "place_id": ["bamako", ""],
            "markets": ["2", "0.5"],
            "tourism": ["0", "x"],
            "mining_economy": ["0", "0"],
        }
    )
    with pytest.raises(InputError) as err:
        check_attractiveness(bad)
    assert "row 2: markets" in str(err.value) and "row 3: tourism" in str(err.value)
    assert "neither place_id nor unit_id" in str(err.value)
    with pytest.raises(InputError, match="missing column"):
        check_attractiveness(pd.DataFrame({"place_id": ["a"], "markets": [1]}))
    with pytest.raises(InputError, match="not found"):
        read_attractiveness(tmp_path / "none.csv")
