"""Aggregation, indicators, the fictitious sample, and the protected risk layer."""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import layers
from geo import settings
from geo.aggregate import aggregate, period_labels
from geo.errors import InputError
from geo.indicators import achieved, achievement, read_targets, status_of
from zoneplan import progress, records, sample


def _records() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "date": pd.to_datetime(
                ["2021-01-05", "2021-02-10", "2021-04-01", "2022-01-01", "2021-01-20"]
            ),
            "place_id": ["tegue", "tegue", "tombola", "tombola", "bamako"],
            "commune_id": ["K:kaniogo", "K:kaniogo", "K:nouga", "K:nouga", None],
            "cercle_id": ["ML.KK.KG"] * 4 + ["ML.BA"],
            "partner": ["A", "B", "A", "A", "C"],
            "activity_type": ["sensibilisation"] * 4 + ["focus_group"],
            "girls": [1, 2, 3, 4, 5],
            "boys": [10, 20, 30, 40, 50],
            "total": [11, 22, 33, 44, 55],
        },
        geometry=[
            Point(-8.61667, 11.8),
            Point(-8.61667, 11.8),
            Point(-8.71667, 11.68333),
            Point(-8.71667, 11.68333),
            None,
        ],
        crs=settings.CRS,
        index=[5, 6, 7, 8, 9],
    )


def test_aggregate_by_commune_keeps_unplaced_rows():
    out = aggregate(_records(), by="commune")
    assert out["total"].sum() == _records()["total"].sum()
    row = out.set_index(out["commune_id"].fillna("none")).loc["K:kaniogo"]
    assert row["total"] == 33 and row["records"] == 2
    assert out["commune_id"].isna().sum() == 1


def test_aggregate_by_period_partner_and_sex():
    out = aggregate(_records(), by="cercle", period="quarter", groupby=["partner", "sex"])
    kg = out[(out["cercle_id"] == "ML.KK.KG") & (out["period"] == "2021-Q1") & (out["partner"] == "A")]
    assert dict(zip(kg["sex"], kg["count"], strict=True)) == {"girls": 1, "boys": 10}
    assert out["count"].sum() == _records()[["girls", "boys"]].to_numpy().sum()


def test_aggregate_h3_matches_h3_library():
    out = aggregate(_records(), by="h3", h3_resolution=7)
    cell = h3.latlng_to_cell(11.8, -8.61667, 7)
    assert out.set_index(out["h3"].fillna("none")).loc[cell, "total"] == 33
    assert out["h3"].isna().sum() == 1  # the row without a point is kept, not lost
    with pytest.raises(InputError, match="h3_resolution"):
        aggregate(_records(), by="h3")


def test_aggregate_with_units_joins_points(mali_store):
    cercles = layers.load("admin", store=mali_store, level=2)
    out = aggregate(_records().drop(columns="cercle_id"), by="unit", units=cercles)
    kangaba = out[out["unit_id"] == "ML.KK.KG"]
    assert kangaba["total"].iloc[0] == 110


def test_aggregate_refuses_unknown_levels_and_columns():
    with pytest.raises(InputError, match="expected one of"):
        aggregate(_records(), by="village")
    with pytest.raises(InputError, match="not found"):
        aggregate(_records(), by="commune", groupby=["age"])


def test_period_labels():
    labels = period_labels(pd.Series(pd.to_datetime(["2021-03-31", "2021-04-01"])), "quarter")
    assert list(labels) == ["2021-Q1", "2021-Q2"]
    assert list(period_labels(pd.Series(pd.to_datetime(["2021-03-31"])), "month")) == ["2021-03"]


def test_achievement_ratio_baseline_and_status():
    targets = pd.DataFrame(
        {
            "indicator_id": ["a", "b", "c", "d"],
            "programme_id": "p",
            "kind": "activity",
            "target": [100, 100, 100, 50],
            "baseline": [np.nan, 20, np.nan, np.nan],
        }
    )
    got = pd.DataFrame({"indicator_id": ["a", "b", "c"], "achieved": [95, 60, 10]})
    out = achievement(targets, got).set_index("indicator_id")
    assert out.loc["a", "achievement"] == pytest.approx(0.95)
    assert out.loc["b", "achievement"] == pytest.approx((60 - 20) / (100 - 20))
    assert list(out["status"]) == ["green", "red", "red", "no_data"]
    assert list(status_of(pd.Series([0.9, 0.6, 0.59]))) == ["green", "amber", "red"]


def test_case_indicator_hides_small_achieved_and_its_ratio():
    targets = pd.DataFrame(
        {"indicator_id": ["v"], "programme_id": ["p"], "kind": ["case"], "target": [100]}
    )
    out = achievement(targets, pd.DataFrame({"indicator_id": ["v"], "achieved": [3]}))
    assert out["achieved_display"].iloc[0] == "<5"
    assert np.isnan(out["achieved"].iloc[0]) and np.isnan(out["achievement"].iloc[0])


def test_achieved_counts_by_type_measure_and_period():
    targets = read_targets(settings.DATA_DIR / "indicators.csv")
    recs = pd.DataFrame(
        {
            "programme_id": "kangaba",
            "activity_type": "focus_group",
            "date": pd.to_datetime(["2021-01-01", "2023-06-01"]),
            "sessions": [4, 9],
            "girls": [5, 5],
            "boys": [3, 3],
        }
    )
    got = achieved(recs, targets).set_index("indicator_id")["achieved"]
    assert got["kg_focus_groups"] == 4  # the 2023 row is after the programme
    assert got["kg_children_life_skills"] == 8
    assert np.isnan(got["kg_people_sensitised"])


@pytest.fixture
def mali_sample_store(mali_store):
    sample.load_sample(mali_store)
    return mali_store


def test_sample_loads_adds_up_and_is_flagged(mali_sample_store):
    assert sample.is_sample(mali_sample_store)
    log = mali_sample_store.read("imports")
    assert (log["rows_read"] == log["accepted"] + log["rejected"]).all()
    assert log["rejected"].sum() == 0
    ind = progress.indicators(mali_sample_store)
    assert ind["sample"].all()
    assert {"green", "amber", "red"} <= set(ind["status"])


def test_sample_case_tables_never_show_a_small_count(mali_sample_store):
    table = progress.case_table(mali_sample_store, by="commune", period="year")
    raw = records.load_records("cases", mali_sample_store)
    assert raw["total"].between(1, 4).any(), "the sample must contain small counts"
    for col in ("girls", "boys", "total"):
        shown = table[~table[f"{col}_suppressed"]]
        assert not shown[col].between(1, settings.SUPPRESSION_K - 1).any()
        assert not shown[f"{col}_display"].isin([str(v) for v in range(1, 5)]).any()
    assert (table["total_display"] == "<5").any()
    with pytest.raises(InputError, match="never shown below"):
        progress.case_table(mali_sample_store, by="place")


def test_risk_layer_is_polygons_with_protected_values(mali_sample_store):
    risk = layers.load("risk", store=mali_sample_store)
    assert len(risk) > 0
    assert set(risk.geom_type) <= {"Polygon", "MultiPolygon"}
    assert (risk["level"] <= settings.CASE_MIN_ADMIN_LEVEL).all()
    shown = risk[~risk["suppressed"]]
    assert not shown["value"].between(1, settings.SUPPRESSION_K - 1).any()
    assert risk.loc[risk["suppressed"], "value"].isna().all()


def test_activities_layer_loads_with_schema(mali_sample_store):
    acts = layers.load("activities", store=mali_sample_store)
    assert len(acts) > 500
    located = acts[acts.geometry.notna()]
    assert set(located.geom_type) == {"Point"}
    assert acts.loc[acts["place_id"] == "danga"].geometry.isna().all()  # Danga is unlocated
