"""Access to centres: nearest centre, geodesic distance, band counts, villages beyond the band."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest

import layers
from geo.access import access, access_summary, band_col, check_bands
from geo.errors import InputError

GEOD = pyproj.Geod(ellps="WGS84")


def _points(coords: dict[str, tuple[float, float]], index=None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": list(coords)},
        geometry=gpd.points_from_xy([c[0] for c in coords.values()], [c[1] for c in coords.values()]),
        crs="EPSG:4326",
        index=index,
    )


@pytest.fixture()
def centres():
    frame = _points({"A": (-8.0, 12.0), "B": (-8.3, 12.0)})
    frame["centre_id"] = ["a", "b"]
    return frame


def test_nearest_centre_distance_and_band_counts(centres):
    villages = _points({"v1": (-8.02, 12.0), "v2": (-8.15, 12.0), "v3": (-9.0, 13.0)}, index=[7, 3, 9])
    before = villages.copy()
    out = access(villages, centres, bands=(5, 20, 200))
    pd.testing.assert_frame_equal(villages, before)
    assert list(out.index) == [7, 3, 9]
    for idx, row in out.iterrows():
        p = villages.geometry[idx]
        dists = [GEOD.inv(p.x, p.y, c.x, c.y)[2] / 1000 for c in centres.geometry]
        assert row["dist_centre_km"] == pytest.approx(min(dists), rel=1e-9)
        assert row["nearest_centre_id"] == ["a", "b"][int(np.argmin(dists))]
        for band in (5, 20, 200):
            assert row[band_col(band)] == sum(d <= band for d in dists)


def test_unit_centres_are_used_for_units(centres):
    units = _points({"u": (-5.0, 15.0)})
    units["centroid_lon"], units["centroid_lat"] = -8.0, 12.01  # the centre wins over geometry
    out = access(units, centres)
    assert out["dist_centre_km"].iloc[0] == pytest.approx(GEOD.inv(-8, 12.01, -8, 12)[2] / 1000)


def test_rows_without_location_are_kept_without_a_distance(centres):
    frame = gpd.GeoDataFrame(
        {"name": ["here", "nowhere"]},
        geometry=[gpd.points_from_xy([-8.0], [12.0])[0], None],
        crs="EPSG:4326",
    )
    out = access(frame, centres)
    assert np.isnan(out["dist_centre_km"].iloc[1]) and out["nearest_centre"].iloc[1] is None
    summary = access_summary(out, bands=(5, 50), access_km=5)
    assert [b["name"] for b in summary["beyond"]] == ["nowhere"]


def test_summary_shares_and_beyond_list(centres):
    villages = _points({"near": (-8.01, 12.0), "mid": (-8.0, 12.15), "far": (-8.0, 13.0)})
    out = access(villages, centres, bands=(5, 25, 50))
    s = access_summary(out, bands=(5, 25, 50), access_km=25)
    assert s["within"]["5km"] == {"count": 1, "share": pytest.approx(1 / 3, abs=1e-3)}
    assert s["within"]["25km"]["count"] == 2
    assert [b["name"] for b in s["beyond"]] == ["far"]
    assert s["beyond"][0]["dist_centre_km"] > 100


@pytest.mark.parametrize("bands", [(), (0, 5), (-1,), ("x",)])
def test_bad_bands_are_refused(bands):
    with pytest.raises(InputError, match="bands"):
        check_bands(bands)


def test_crs_less_frames_are_refused(centres):
    bare = gpd.GeoDataFrame({"name": ["x"]}, geometry=gpd.points_from_xy([-8.0], [12.0]))
    with pytest.raises(InputError, match="CRS"):
        access(bare, centres)
    with pytest.raises(InputError, match="CRS"):
        access(centres, bare.assign(centre_id="x"))


def test_service_access_lists_places_and_skips_unlocated_danga(mali_store):
    from zoneplan.analysis import analyse

    result = analyse("access", zone="kangaba", units="admin2", store=mali_store)
    names = {p["name"] for p in result.summary["places"]}
    assert {"Tombola", "Koflatié", "Kangaba"} <= names and "Danga" not in names
    assert "Danga" in result.summary["unlocated_places"]
    assert not ((result.points.geometry.x == 0) & (result.points.geometry.y == 0)).any()
    # no centre in the Kangaba zone: every village is beyond the 25 km access band
    kangaba = next(p for p in result.summary["places"] if p["name"] == "Kangaba")
    assert kangaba["dist_centre_km"] == pytest.approx(
        GEOD.inv(-8.41667, 11.93333, -7.97522, 12.60915)[2] / 1000, abs=0.01
    )
    assert (
        result.summary["villages_access"]["beyond_count"] == result.summary["villages_access"]["count"]
    )
    centres = layers.load("centres")
    assert result.summary["centres"] == len(centres)
