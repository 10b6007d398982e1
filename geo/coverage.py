"""Coverage per planning unit: people sensitised and sessions held, against targets and children.

Activity records are attributed to a unit by their ``unit_id`` when it names one of the units,
else by the unit containing their point. The zone's targets are shared among the units at risk
(those meeting the site-selection criteria), in proportion to their child population where a
population layer is installed, else equally; ``coverage`` is the share of its target a unit
reached (``NaN`` for units without a target).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import settings
from geo.aggregate import units_of_points
from geo.errors import InputError
from geo.geodesy import require_crs

PEOPLE_COLS: tuple[str, ...] = ("total", "people", "value")
#: Activity types whose people count as sensitised (the programme targets are set for them).
PEOPLE_TYPES: tuple[str, ...] = ("sensibilisation",)
#: Unit id columns of a record, finest first (the Records schema carries all of them).
ID_COLS: tuple[str, ...] = ("unit_id", "commune_id", "cercle_id", "region_id")


def _numeric(frame: pd.DataFrame, col: str | None) -> pd.Series:
    if col is None or col not in frame.columns:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce").fillna(0.0).astype("float64")


def attribute_to_units(records: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.Series:
    """Return the ``unit_id`` of the unit holding each record (``None`` when outside all units).

    A record's own unit id (``unit_id``, ``commune_id``, ``cercle_id`` or ``region_id``) wins when
    it names one of ``units``; otherwise its point (or the
    representative point of its polygon) is located in the units.
    """
    require_crs(units, "units")
    ids = units["unit_id"].astype(str)
    result = pd.Series(None, index=records.index, dtype="object")
    if len(records) == 0:
        return result
    for col in ID_COLS:  # the record's own unit (or its parents) when it is one of the units
        if col not in records.columns:
            continue
        own = records[col].map(lambda v: None if v is None or pd.isna(v) else str(v))
        known = result.isna() & own.isin(set(ids))
        result[known] = own[known]
    todo = result.isna()
    if todo.any() and isinstance(records, gpd.GeoDataFrame) and records.crs is not None:
        # The point join is the Records owner's (one spatial join per distinct point).
        geoms = records.loc[todo].to_crs(settings.CRS).geometry
        has = (geoms.notna() & ~geoms.is_empty).to_numpy()
        pts = geoms[has].representative_point()
        lat = np.full(len(geoms), np.nan)
        lon = np.full(len(geoms), np.nan)
        lat[has], lon[has] = pts.y.to_numpy(), pts.x.to_numpy()
        result.loc[todo] = units_of_points(lat, lon, units[["unit_id", units.geometry.name]])
    return result


def coverage(
    units: gpd.GeoDataFrame,
    activities: gpd.GeoDataFrame | None,
    *,
    target_people: float | None = None,
    target_sessions: float | None = None,
    population: pd.DataFrame | None = None,
    at_risk: pd.Series | np.ndarray | None = None,
    people_types: tuple[str, ...] | None = PEOPLE_TYPES,
) -> gpd.GeoDataFrame:
    """Return ``units`` with people sensitised, sessions, targets and coverage.

    Parameters
    ----------
    units
        Planning units (``unit_id``, polygons).
    activities
        Activity records (schema of ``layers/activities.py``): a count of people (``total``) and
        ``sessions``, located by ``unit_id`` or their point.
    target_people, target_sessions
        The zone's targets, shared among the units at risk.
    population
        ``unit_id`` and ``children`` (child population per unit), from ``add-population``.
    at_risk
        Boolean per unit (aligned on ``units``); ``None`` treats every unit as at risk.
    people_types
        Activity types whose people count as "sensitised" (the type the targets are set for);
        ``None`` counts every record. Sessions count every record.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``people_sensitised``, ``sessions``, ``children`` (where known),
        ``people_per_1000_children``, ``target_people``, ``target_sessions`` and ``coverage``
        (people sensitised / target people, ``NaN`` without a target).
    """
    require_crs(units, "units")
    out = units.copy()
    people = pd.Series(0.0, index=out.index)
    sessions = pd.Series(0.0, index=out.index)
    if activities is not None and len(activities):
        unit_of = attribute_to_units(activities, out)
        col = next((c for c in PEOPLE_COLS if c in activities.columns), None)
        counted = _numeric(activities, col)
        if people_types is not None and "activity_type" in activities.columns:
            counted = counted.where(activities["activity_type"].isin(people_types), 0.0)
        frame = pd.DataFrame(
            {"unit_id": unit_of, "people": counted, "sessions": _numeric(activities, "sessions")}
        )
        sums = frame.dropna(subset=["unit_id"]).groupby("unit_id")[["people", "sessions"]].sum()
        uid = out["unit_id"].astype(str)
        people = uid.map(sums["people"]).fillna(0.0).astype("float64")
        sessions = uid.map(sums["sessions"]).fillna(0.0).astype("float64")
    out["people_sensitised"] = people.to_numpy()
    out["sessions"] = sessions.to_numpy()

    children = pd.Series(np.nan, index=out.index)
    if population is not None and len(population):
        if not {"unit_id", "children"} <= set(population.columns):
            raise InputError(
                "population lacks unit_id or children; expected one row per unit "
                "with its child population"
            )
        pop = population.assign(unit_id=population["unit_id"].astype(str))
        pop = pop.groupby("unit_id")["children"].sum()
        children = out["unit_id"].astype(str).map(pop).astype("float64")
    out["children"] = children.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["people_per_1000_children"] = np.where(children > 0, people / children * 1000, np.nan)

    risk = (
        np.ones(len(out), dtype=bool)
        if at_risk is None
        else np.asarray(pd.Series(at_risk).fillna(False), dtype=bool)
    )
    if len(risk) != len(out):
        raise InputError(f"at_risk has {len(risk)} values for {len(out)} units")
    share = np.where(risk, 1.0, 0.0)
    if np.isfinite(children.to_numpy()).any():
        kids = np.nan_to_num(children.to_numpy(), nan=0.0)
        if (kids * risk).sum() > 0:
            share = kids * risk
    total = share.sum()
    share = share / total if total > 0 else share
    for name, target in (("target_people", target_people), ("target_sessions", target_sessions)):
        out[name] = share * float(target) if target else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out["coverage"] = np.where(
            out["target_people"] > 0, out["people_sensitised"] / out["target_people"], np.nan
        )
    return out


def coverage_summary(
    frame: pd.DataFrame, *, target_people: float | None, target_sessions: float | None
) -> dict:
    """Summarise :func:`coverage`: totals against the zone's targets."""
    people = float(frame["people_sensitised"].sum())
    sessions = float(frame["sessions"].sum())
    kids = frame["children"].sum(min_count=1)
    return {
        "people_sensitised": people,
        "sessions": sessions,
        "target_people": target_people,
        "target_sessions": target_sessions,
        "achievement_people": round(people / target_people, 4) if target_people else None,
        "achievement_sessions": round(sessions / target_sessions, 4) if target_sessions else None,
        "children": None if pd.isna(kids) else float(kids),
        "units_with_activity": int((frame["people_sensitised"] > 0).sum()),
    }
