"""Aggregate records to any level: place, commune, cercle, région, zone, H3 cell or given units.

Records concentrate on few places, so the costly steps (point in polygon, H3 cell) run once per
distinct coordinate and are spread back with integer codes; the sums are a single ``groupby``.
Rows that cannot be placed at the requested level keep a ``None`` key rather than vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import h3
import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.vocab import ADMIN

BY_COLUMNS: dict[str, str] = {
    "place": "place_id",
    **{a.key: a.id_col for a in ADMIN if a.level > 0},
    "zone": "zone_id",
    "unit": "unit_id",
    "h3": "h3",
}
COUNT_COLUMNS: tuple[str, ...] = ("girls", "boys", "women", "men", "children", "total", "sessions")
#: Activity columns counted as "people sensitised", first found wins.
COVERAGE_VALUES: tuple[str, ...] = ("total", "people", "value")
SEX_COLUMNS: tuple[str, ...] = ("girls", "boys", "women", "men")
PERIODS: tuple[str, ...] = ("month", "quarter", "year")


def period_labels(dates: pd.Series, period: str) -> pd.Series:
    """Return ``"2021-03"``, ``"2021-Q1"`` or ``"2021"`` for each date."""
    if period not in PERIODS:
        raise InputError(f"period {period!r} is not known; expected one of: {', '.join(PERIODS)}")
    d = pd.to_datetime(dates, errors="coerce")
    year = d.dt.year.astype("Int64").astype(str)
    if period == "year":
        labels = year
    elif period == "quarter":
        labels = year + "-Q" + d.dt.quarter.astype("Int64").astype(str)
    else:
        labels = year + "-" + d.dt.month.astype("Int64").astype(str).str.zfill(2)
    return labels.where(d.notna(), None).astype(object)


def h3_cells(lat: np.ndarray, lon: np.ndarray, resolution: int) -> np.ndarray:
    """Return the H3 cell of each point (``None`` where missing), computed once per point."""
    if not 0 <= int(resolution) <= 15:
        raise InputError(f"H3 resolution {resolution}; expected 0 to 15")
    codes, uniques = _factorize_points(lat, lon)
    cells = np.array(
        [None if not np.isfinite(la) else h3.latlng_to_cell(la, lo, resolution) for la, lo in uniques],
        dtype=object,
    )
    return cells[codes] if len(codes) else np.array([], dtype=object)


def units_of_points(lat: np.ndarray, lon: np.ndarray, units: gpd.GeoDataFrame) -> np.ndarray:
    """Return the ``unit_id`` containing each point (``None`` outside), once per point."""
    codes, u = _factorize_points(lat, lon)
    if not len(u):
        return np.array([], dtype=object)
    finite = np.isfinite(u).all(axis=1)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(u[finite, 1], u[finite, 0]), crs=settings.CRS)
    target = units.to_crs(settings.CRS)[["unit_id", target_geom(units)]]
    hit = gpd.sjoin(points, target, how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    ids = np.full(len(u), None, dtype=object)
    ids[np.flatnonzero(finite)] = (
        hit["unit_id"].astype(object).where(hit["unit_id"].notna(), None).to_numpy()
    )
    return ids[codes]


_MISSING = 1.0e9


def _factorize_points(lat, lon) -> tuple[np.ndarray, np.ndarray]:
    """Return integer codes and the distinct ``(lat, lon)`` pairs (missing -> inf)."""
    lat = np.asarray(lat, dtype="float64")
    lon = np.asarray(lon, dtype="float64")
    missing = np.isnan(lat) | np.isnan(lon)
    # A finite sentinel: complex infinities turn into NaN, which factorize would drop.
    pairs = np.where(missing, _MISSING, lat) + 1j * np.where(missing, _MISSING, lon)
    codes, uniques = pd.factorize(pairs)
    u = np.column_stack([uniques.real, uniques.imag])
    u[u[:, 0] == _MISSING] = np.inf
    return codes, u


def target_geom(frame: gpd.GeoDataFrame) -> str:
    """Return the name of the geometry column of ``frame``."""
    return frame.geometry.name


def _coordinates(records: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "lat" in records.columns and "lon" in records.columns:
        return (
            pd.to_numeric(records["lat"], errors="coerce").to_numpy(dtype=float),
            pd.to_numeric(records["lon"], errors="coerce").to_numpy(dtype=float),
        )
    if isinstance(records, gpd.GeoDataFrame):
        geom = records.geometry
        present = (geom.notna() & ~geom.is_empty).to_numpy()
        lat = np.full(len(records), np.nan)
        lon = np.full(len(records), np.nan)
        if present.any():
            pts = geom[present]
            if (pts.geom_type != "Point").any():
                pts = pts.representative_point()
            lat[present], lon[present] = pts.y.to_numpy(), pts.x.to_numpy()
        return lat, lon
    raise InputError(
        "records have no lat/lon columns and no geometry; expected points for H3 or spatial aggregation"
    )


def aggregate(
    records: pd.DataFrame,
    *,
    by: str,
    units: gpd.GeoDataFrame | None = None,
    h3_resolution: int | None = None,
    period: str | None = None,
    groupby: Sequence[str] = (),
    values: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return the sums of ``values`` per unit of ``by`` (and per period and ``groupby`` columns).

    Parameters
    ----------
    records
        Activity or case records (``activities``/``cases`` tables): unit id columns
        (``place_id``, ``commune_id``, ``cercle_id``, ``region_id``, ``zone_id``, ``unit_id``) and
        counts; points (geometry or ``lat``/``lon``) for ``"h3"`` or when ``units`` is given.
    by
        ``"place"``, ``"commune"``, ``"cercle"``, ``"region"``, ``"zone"``, ``"h3"`` or
        ``"unit"``. With ``units`` (a GeoDataFrame with ``unit_id``), the records' points are
        joined to those polygons instead of using the id column.
    h3_resolution
        Resolution for ``by="h3"`` (required then).
    period
        ``"month"``, ``"quarter"`` or ``"year"``: adds a ``period`` key.
    groupby
        Extra keys, e.g. ``("partner", "activity_type")``; ``"sex"`` turns the sex columns
        (girls, boys, women, men) into rows with ``sex`` and ``count``.
    values
        Count columns to sum (default: those of :data:`COUNT_COLUMNS` present).

    Returns
    -------
    pandas.DataFrame
        One row per key combination: the key columns, the sums, ``records`` (rows counted) and
        ``level``. Unplaceable rows are kept under a ``None`` key.
    """
    if by not in BY_COLUMNS:
        raise InputError(f"by {by!r} is not known; expected one of: {', '.join(BY_COLUMNS)}")
    groupby = list(groupby)
    sex = "sex" in groupby
    if sex:
        groupby.remove("sex")
    missing = [c for c in groupby if c not in records.columns]
    if missing:
        raise InputError(
            f"groupby column(s) {', '.join(missing)} not found; columns: "
            f"{', '.join(map(str, records.columns))}"
        )
    if values is None:
        values = [c for c in COUNT_COLUMNS if c in records.columns]
    values = list(values)
    missing = [c for c in values if c not in records.columns]
    if missing:
        raise InputError(f"value column(s) {', '.join(missing)} not found")

    key = BY_COLUMNS[by]
    frame = pd.DataFrame(index=records.index)
    if by == "h3":
        if h3_resolution is None:
            raise InputError("by='h3' needs h3_resolution (0-15)")
        lat, lon = _coordinates(records)
        frame[key] = h3_cells(lat, lon, int(h3_resolution))
    elif units is not None:
        if "unit_id" not in units.columns:
            raise InputError("units need a unit_id column")
        lat, lon = _coordinates(records)
        frame[key] = units_of_points(lat, lon, units)
    else:
        if key not in records.columns:
            raise InputError(
                f"records have no {key!r} column for by={by!r}; give units= to join their points instead"
            )
        frame[key] = records[key].astype(object).where(records[key].notna(), None)
    keys = [key]
    if period is not None:
        if "date" not in records.columns:
            raise InputError("period given but the records have no date column")
        frame["period"] = period_labels(records["date"], period)
        keys.append("period")
    for col in groupby:
        frame[col] = records[col].astype(object).where(records[col].notna(), None)
    keys += groupby

    if sex:
        sex_cols = [c for c in SEX_COLUMNS if c in records.columns]
        parts = []
        for col in sex_cols:
            part = frame[keys].copy()
            part["sex"] = col
            part["count"] = pd.to_numeric(records[col], errors="coerce").to_numpy()
            parts.append(part)
        frame = pd.concat(parts, ignore_index=True)
        keys.append("sex")
        values = ["count"]
        frame["_n"] = 1
    else:
        for col in values:
            frame[col] = pd.to_numeric(records[col], errors="coerce").to_numpy()
        frame["_n"] = 1
    grouped = frame.groupby(keys, dropna=False, sort=True)
    sums = grouped[values].sum(min_count=1)
    sums["records"] = grouped["_n"].sum()
    out = sums.reset_index()
    out["level"] = by if by != "h3" else f"h3:{int(h3_resolution)}"
    for k in keys:
        out[k] = out[k].astype(object).where(out[k].notna(), None)
    return out


def activity_totals(
    records: pd.DataFrame, *, by: str = "place_id", activity_types: Iterable[str] | None = None
) -> pd.DataFrame:
    """Return people reached per ``by`` key (``value`` and ``sessions``) from activity records.

    Sums the first count column of :data:`COVERAGE_VALUES` found, and ``sessions`` (activity
    figures are not sensitive: no disclosure control is needed here).
    """
    frame = pd.DataFrame(records).copy()
    if frame.empty or by not in frame.columns:
        return pd.DataFrame(
            {
                by: pd.Series(dtype="object"),
                "value": pd.Series(dtype="float64"),
                "sessions": pd.Series(dtype="float64"),
            }
        )
    if activity_types is not None and "activity_type" in frame.columns:
        frame = frame[frame["activity_type"].isin(list(activity_types))]
    value_col = next((c for c in COVERAGE_VALUES if c in frame.columns), None)
    frame["value"] = pd.to_numeric(frame[value_col], errors="coerce") if value_col else np.nan
    frame["sessions"] = pd.to_numeric(frame.get("sessions", np.nan), errors="coerce")
    grouped = frame.groupby(by, dropna=True)[["value", "sessions"]].sum(min_count=1)
    return grouped.reset_index()
