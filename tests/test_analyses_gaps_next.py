"""Gaps (rules, reasons, ranking) and where-next (greedy maximum coverage)."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geo.coverage import coverage
from geo.errors import InputError, UnknownNameError
from geo.gaps import find_gaps
from geo.nextsites import suggest_sites

GEOD = pyproj.Geod(ellps="WGS84")


def _gap_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": ["a", "b", "c", "d", "e"],
            "meets_criteria": [True, True, True, True, False],
            "total_score": [0.9, 0.5, 0.7, 0.8, 0.0],
            "people_sensitised": [0, 90, 10, 200, 0],
            "coverage": [0.0, 0.9, 0.1, 1.0, np.nan],
            "dist_centre_km": [80.0, 60.0, 5.0, 10.0, 90.0],
            "nearest_centre": ["X"] * 5,
        },
        index=[5, 6, 7, 8, 9],
    )


def test_gap_rules_reasons_and_ranking():
    frame = _gap_frame()
    out = find_gaps(frame, coverage_threshold=0.5, access_km=25)
    assert list(out.index) == list(frame.index)
    status = out.set_index("unit_id")["gap_status"].to_dict()
    assert status == {"a": "gap", "b": "gap", "c": "gap", "d": "covered", "e": "not_eligible"}
    ranks = out.set_index("unit_id")["gap_rank"]
    assert list(ranks.dropna().sort_values().index) == ["a", "c", "b"]  # by score
    reasons = out.set_index("unit_id")["gap_reasons"]
    assert "25 km" in reasons["b"] and "%" not in reasons["b"]  # access only
    assert "10\u202f%" in reasons["c"]  # French: a narrow no-break space before %
    only_cov = find_gaps(frame, coverage_threshold=0.5, access_km=25, rule="coverage")
    assert set(only_cov.loc[only_cov["is_gap"], "unit_id"]) == {"a", "c"}
    only_access = find_gaps(frame, coverage_threshold=0.5, access_km=25, rule="access")
    assert set(only_access.loc[only_access["is_gap"], "unit_id"]) == {"a", "b"}
    both = find_gaps(frame, coverage_threshold=0.5, access_km=25, rule="both")
    assert set(both.loc[both["is_gap"], "unit_id"]) == {"a"}
    lower = find_gaps(frame, coverage_threshold=0.05, access_km=100)
    assert set(lower.loc[lower["is_gap"], "unit_id"]) == {"a"}


def test_gap_bad_input():
    with pytest.raises(InputError, match="0 to 1"):
        find_gaps(_gap_frame(), coverage_threshold=1.5)
    with pytest.raises(UnknownNameError, match="any, coverage"):
        find_gaps(_gap_frame(), rule="sometimes")
    with pytest.raises(InputError, match="coverage"):
        find_gaps(_gap_frame().drop(columns="coverage"))


def _hex_units(points, scores, meets=None) -> gpd.GeoDataFrame:
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    return gpd.GeoDataFrame(
        {
            "unit_id": [f"u{i}" for i in range(len(points))],
            "name": [f"u{i}" for i in range(len(points))],
            "centroid_lon": lon,
            "centroid_lat": lat,
            "total_score": scores,
            "meets_criteria": [True] * len(points) if meets is None else meets,
        },
        geometry=[shapely.Point(p).buffer(0.005) for p in points],
        crs="EPSG:4326",
    )


def test_coverage_shares_targets_and_counts_activities():
    units = _hex_units([(-8.0, 12.0), (-8.2, 12.0), (-8.4, 12.0)], [1, 1, 1], meets=[True, True, False])
    acts = gpd.GeoDataFrame(
        {
            "total": [30, 20, 5, 400],
            "sessions": [1, 2, 3, 4],
            "unit_id": [None, "u1", None, None],
            "activity_type": ["sensibilisation"] * 3 + ["formation_acteurs"],
        },
        geometry=gpd.points_from_xy([-8.0, -5.0, -8.4, -8.0], [12.0, 14.0, 12.0, 12.0]),
        crs="EPSG:4326",
    )
    out = coverage(units, acts, target_people=100, target_sessions=10, at_risk=units["meets_criteria"])
    assert out["people_sensitised"].tolist() == [30, 20, 5]
    assert out["sessions"].tolist() == [5, 2, 3]  # trainings hold sessions, not sensitisation
    assert out["target_people"].tolist()[:2] == [50, 50] and out["target_people"].iloc[2] == 0
    assert out["coverage"].tolist()[:2] == [0.6, 0.4] and np.isnan(out["coverage"].iloc[2])
    pop = pd.DataFrame({"unit_id": ["u0", "u1"], "children": [300, 100]})
    weighted = coverage(units, acts, target_people=100, population=pop, at_risk=units["meets_criteria"])
    assert weighted["target_people"].tolist()[:2] == [75, 25]
    assert weighted["people_per_1000_children"].iloc[0] == pytest.approx(100)


def _coverage_of(units, chosen, access_km):
    covered = np.zeros(len(units), dtype=bool)
    for site in chosen:
        d = GEOD.inv(
            np.full(len(units), units["centroid_lon"].iloc[site]),
            np.full(len(units), units["centroid_lat"].iloc[site]),
            units["centroid_lon"].to_numpy(),
            units["centroid_lat"].to_numpy(),
        )[2]
        covered |= d / 1000 <= access_km
    return float(units["total_score"].to_numpy()[covered].sum())


def test_greedy_sequence_gains_and_min_distance():
    rng = np.random.default_rng(7)
    pts = list(zip(rng.uniform(-9, -8, 40), rng.uniform(11.5, 12.5, 40), strict=True))
    units = _hex_units(pts, rng.uniform(0.1, 1.0, 40))
    centre = gpd.GeoDataFrame(
        {"name": ["c"]}, geometry=gpd.points_from_xy([-8.5], [12.0]), crs="EPSG:4326"
    )
    steps, out = suggest_sites(units, centre, n=3, access_km=20, min_distance_km=15)
    assert 1 <= len(steps) <= 3
    gains = steps["marginal_gain"].to_numpy()
    assert (np.diff(gains) <= 1e-9).all()  # greedy gains never increase
    assert steps["cumulative_gain"].iloc[-1] == pytest.approx(gains.sum(), abs=1e-3)
    ids = [int(u[1:]) for u in steps["unit_id"]]
    for a, b in itertools.combinations(ids, 2):
        d = GEOD.inv(pts[a][0], pts[a][1], pts[b][0], pts[b][1])[2] / 1000
        assert d >= 15
    for site in ids:
        assert GEOD.inv(pts[site][0], pts[site][1], -8.5, 12.0)[2] / 1000 >= 15
    # the first step is the best single site (checked by brute force, on uncovered demand)
    served = out["covered_by_centre"].to_numpy()
    need = units.assign(total_score=np.where(served, 0, units["total_score"]))
    allowed = [i for i in range(40) if GEOD.inv(pts[i][0], pts[i][1], -8.5, 12.0)[2] / 1000 >= 15]
    best = max(_coverage_of(need, [i], 20) for i in allowed)
    assert steps["marginal_gain"].iloc[0] == pytest.approx(best, abs=1e-3)
    assert out["next_step"].notna().sum() == steps["units_covered"].sum()


def test_next_ignores_units_not_at_risk_and_stops_when_nothing_is_left():
    units = _hex_units([(-8.0, 12.0), (-8.01, 12.0)], [1.0, 1.0], meets=[False, False])
    steps, _ = suggest_sites(units, None, n=3)
    assert steps.empty


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"n": 0}, "at least 1"),
        ({"access_km": -5}, "access band"),
        ({"min_distance_km": -1}, "minimum distance"),
    ],
)
def test_next_bad_input(kwargs, match):
    units = _hex_units([(-8.0, 12.0)], [1.0])
    with pytest.raises(InputError, match=match):
        suggest_sites(units, None, **kwargs)


def test_coarse_to_fine_search_on_many_units_gives_the_full_greedy(monkeypatch):
    # A dense grid of units with rugged weights: beyond the pair budget the candidates are grouped
    # in grid cells with upper bounds of their gains, which must give the same greedy sequence as
    # the search over every unit, obey the minimum distance and stay the best first site.
    import geo.nextsites as nextsites

    rng = np.random.default_rng(11)
    lon, lat = np.meshgrid(np.linspace(-9.0, -8.6, 30), np.linspace(11.8, 12.2, 30))
    pts = list(zip(lon.ravel(), lat.ravel(), strict=True))
    hot = np.exp(-((lon.ravel() + 8.7) ** 2 + (lat.ravel() - 11.9) ** 2) / 0.02)
    units = _hex_units(
        pts, hot + rng.uniform(0, 0.3, len(pts)), meets=list(rng.uniform(size=len(pts)) < 0.8)
    )
    centre = gpd.GeoDataFrame(
        {"name": ["c"]}, geometry=gpd.points_from_xy([-8.95], [12.15]), crs="EPSG:4326"
    )
    kwargs = {"n": 5, "access_km": 8, "min_distance_km": 6}
    full, _ = suggest_sites(units, centre, **kwargs)
    cells = []
    grid_cells = nextsites._grid_cells
    monkeypatch.setattr(nextsites, "_grid_cells", lambda *a: cells.append(grid_cells(*a)) or cells[-1])
    for budget in (5_000, 20_000):
        monkeypatch.setattr(nextsites, "MAX_PAIRS", budget)
        fast, out = suggest_sites(units, centre, **kwargs)
        assert len(cells[-1][0]) < len(units) / 2  # the coarse grid was used
        assert fast["marginal_gain"].tolist() == pytest.approx(full["marginal_gain"].tolist(), abs=1e-6)
        ids = [int(u[1:]) for u in fast["unit_id"]]
        for a, b in itertools.combinations(ids, 2):
            assert GEOD.inv(pts[a][0], pts[a][1], pts[b][0], pts[b][1])[2] / 1000 >= 6
        assert out["next_step"].notna().sum() == fast["units_covered"].sum()
    # the first site is the best single site (brute force over the allowed units)
    served = out["covered_by_centre"].to_numpy()
    need = units.assign(total_score=np.where(served | ~units["meets_criteria"], 0, units["total_score"]))
    allowed = [i for i, p in enumerate(pts) if GEOD.inv(p[0], p[1], -8.95, 12.15)[2] / 1000 >= 6]
    best = max(_coverage_of(need, [i], 8) for i in allowed)
    assert fast["marginal_gain"].iloc[0] == pytest.approx(best, abs=1e-3)
    assert _coverage_of(need, ids, 8) == pytest.approx(fast["cumulative_gain"].iloc[-1], abs=1e-2)
