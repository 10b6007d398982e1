"""Disclosure control: primary "<5", secondary suppression, minimum level, no points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo import disclosure, settings
from geo.errors import InputError


def _communes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": ["c1", "c2", "c3", "c4", "c5"],
            "cercle": ["A", "A", "A", "B", "B"],
            "value": [3, 12, 40, 0, 9],
        },
        index=[10, 20, 30, 40, 50],
    )


def test_small_counts_show_as_less_than_k_and_are_blanked():
    out = disclosure.protect(_communes(), "value", level="commune", parent_col="cercle")
    row = out.loc[10]
    assert row["value_display"] == f"<{settings.SUPPRESSION_K}"
    assert bool(row["value_suppressed"])
    assert np.isnan(row["value"])
    # zero stays visible as "0", never "<5"
    assert out.loc[40, "value_display"] == "0"
    assert not out.loc[40, "value_suppressed"]


def test_secondary_suppression_hides_the_next_smallest_cell_of_the_parent():
    out = disclosure.protect(_communes(), "value", level="commune", parent_col="cercle")
    # In cercle A the cercle total (55) is published: hiding 3 alone would leave 55 - 12 - 40.
    assert out.loc[20, "value_suppressed"]
    assert out.loc[20, "value_display"] == disclosure.SECONDARY_DISPLAY
    assert np.isnan(out.loc[20, "value"])
    assert out.loc[30, "value_display"] == "40"
    # cercle B had nothing small: untouched
    assert out.loc[50, "value_display"] == "9"


def test_input_is_not_mutated_and_index_is_kept():
    frame = _communes()
    before = frame.copy()
    out = disclosure.protect(frame, "value", level=3, parent_col="cercle")
    pd.testing.assert_frame_equal(frame, before)
    assert list(out.index) == list(frame.index)


def test_a_row_total_cannot_reveal_a_hidden_part():
    frame = pd.DataFrame(
        {"unit_id": ["c1", "c2"], "girls": [3, 20], "boys": [15, 30], "total": [18, 50]}
    )
    out = disclosure.protect(frame, ["girls", "boys", "total"], level="commune", total_col="total")
    hidden = out[["girls_suppressed", "boys_suppressed", "total_suppressed"]].to_numpy()
    # row 0: girls hidden, so boys or total must be hidden too
    assert hidden[0].sum() >= 2
    # and column groups: girls of c2 (20) must be hidden as c1's girls is hidden
    assert out.loc[1, "girls_suppressed"]
    for col in ("girls", "boys", "total"):
        shown = ~out[f"{col}_suppressed"]
        assert (out.loc[shown, f"{col}_display"] == frame.loc[shown, col].astype(str)).all()


def _groups(frame: pd.DataFrame, cols: list[str], parent: str, total: str | None):
    """Every group of cells whose sum an outsider knows: (rows, col) lists."""
    groups = []
    for _, rows in frame.groupby(parent).groups.items():
        if len(rows) > 1:
            groups += [[(r, c) for r in rows] for c in cols]
    if total:
        groups += [[(r, c) for c in cols] for r in frame.index]
    return groups


@pytest.mark.parametrize("seed", range(25))
def test_no_hidden_value_can_be_recomputed_random_tables(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    girls = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 30], size=n)
    boys = rng.choice([0, 1, 3, 5, 8, 12, 25], size=n)
    frame = pd.DataFrame(
        {
            "parent": rng.choice(["p", "q", "r"], size=n),
            "girls": girls,
            "boys": boys,
            "total": girls + boys,
        }
    )
    cols = ["girls", "boys", "total"]
    out = disclosure.protect(frame, cols, level=2, parent_col="parent", total_col="total")
    for col in cols:
        small = frame[col].between(1, settings.SUPPRESSION_K - 1)
        assert out.loc[small, f"{col}_suppressed"].all()
        assert (out.loc[small, f"{col}_display"] == "<5").all()
        # nothing hidden is ever shown as 0 or blank
        assert not out.loc[out[f"{col}_suppressed"], f"{col}_display"].isin(["0", ""]).any()
        assert out.loc[out[f"{col}_suppressed"], col].isna().all()
    for cells in _groups(frame, cols, "parent", "total"):
        n_hidden = sum(bool(out.loc[r, f"{c}_suppressed"]) for r, c in cells)
        assert n_hidden != 1, f"group {cells} has exactly one hidden cell"


@pytest.mark.parametrize("level", ["place", "village", "h3", 4, "h3:8"])
def test_case_figures_below_commune_are_refused(level):
    with pytest.raises(InputError, match="never shown below"):
        disclosure.protect(_communes(), "value", level=level)


def test_case_figures_on_points_are_refused():
    frame = gpd.GeoDataFrame(_communes(), geometry=[Point(-8, 12)] * 5, crs=settings.CRS)
    with pytest.raises(InputError, match="points"):
        disclosure.protect(frame, "value", level="commune")


def test_polygons_are_accepted_and_geometry_kept():
    frame = gpd.GeoDataFrame(_communes(), geometry=[box(0, 0, 1, 1)] * 5, crs=settings.CRS)
    out = disclosure.protect(frame, "value", level="cercle")
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs == frame.crs


def test_activity_figures_are_only_formatted():
    out = disclosure.protect(_communes(), "value", level="place", sensitive=False)
    assert out["value_display"].tolist() == ["3", "12", "40", "0", "9"]
    assert not out["value_suppressed"].any()


def test_bad_counts_and_columns_are_refused():
    frame = _communes().assign(value=[3, -1, 4, 0, 2])
    with pytest.raises(InputError, match="negative"):
        disclosure.protect(frame, "value", level="commune")
    frame = _communes().astype({"value": object})
    frame.loc[20, "value"] = "beaucoup"
    with pytest.raises(InputError, match="non-numeric"):
        disclosure.protect(frame, "value", level="commune")
    with pytest.raises(InputError, match="not found"):
        disclosure.protect(_communes(), "victims", level="commune")


def test_missing_values_show_no_data_not_zero():
    frame = _communes().astype({"value": "float64"})
    frame.loc[40, "value"] = np.nan
    out = disclosure.protect(frame, "value", level="commune", parent_col="cercle")
    assert out.loc[40, "value_display"] == disclosure.NO_DATA_DISPLAY
    assert not out.loc[40, "value_suppressed"]


def test_k_is_a_parameter():
    out = disclosure.protect(_communes(), "value", level="commune", parent_col="cercle", k=10)
    assert out.loc[50, "value_display"] == "<10"
