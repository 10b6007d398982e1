"""The planning analyses as a service: load the layers, call the engine, return one result.

Shared by the CLI (``zoneplan analyse``), the app and the exports::

    >>> from zoneplan.analysis import analyse
    >>> result = analyse("criteria", zone="kangaba", units="h3:8")   # doctest: +SKIP
    >>> result.summary["criteria"]["border"]["zone_meets"]              # doctest: +SKIP
    True

Verbs: ``access`` (nearest centre and distance bands), ``criteria`` (the three site-selection
criteria), ``gaps`` (units at risk without coverage or access) and ``next`` (greedy new sites).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

import layers
from geo import settings
from geo.access import access, access_summary, check_bands
from geo.coverage import coverage, coverage_summary
from geo.criteria import (
    attractive_places,
    check_attractiveness,
    criteria,
    parse_weights,
    read_attractiveness,
    unmatched_attractiveness,
)
from geo.disclosure import case_figures
from geo.distance import border_line
from geo.errors import InputError, UnknownNameError
from geo.gaps import find_gaps
from geo.i18n import t
from geo.indicators import read_targets
from geo.nextsites import suggest_sites
from geo.store import Store
from geo.units import planning_units
from geo.vocab import ADMIN_BY_LEVEL, CRITERIA, VERBS
from zoneplan.datastore import read_population
from zoneplan.records import load_records
from zoneplan.zone import ZoneData

#: Columns of the per-unit CSV table, per verb (geometry and helpers left out).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "access": (
        "unit_id",
        "name",
        "area_km2",
        "centroid_lon",
        "centroid_lat",
        "nearest_centre",
        "dist_centre_km",
    ),
    "criteria": (
        "unit_id",
        "name",
        "area_km2",
        "centroid_lon",
        "centroid_lat",
        "attractiveness",
        "attractiveness_from",
        "score_attractiveness",
        "met_attractiveness",
        "dist_border_km",
        "score_border",
        "met_border",
        "n_gold_sites",
        "dist_gold_km",
        "nearest_gold_site",
        "score_gold",
        "met_gold",
        "cases_display",
        "total_score",
        "n_criteria",
        "meets_criteria",
        "explanation",
    ),
    "gaps": (
        "gap_rank",
        "unit_id",
        "name",
        "area_km2",
        "centroid_lon",
        "centroid_lat",
        "total_score",
        "n_criteria",
        "people_sensitised",
        "sessions",
        "target_people",
        "coverage",
        "children",
        "people_per_1000_children",
        "nearest_centre",
        "dist_centre_km",
        "gap_status",
        "gap_reasons",
        "explanation",
    ),
}


@dataclass
class AnalysisResult:
    """One analysis of one zone.

    Attributes
    ----------
    verb, zone
        What was run, on which zone.
    units
        Per-unit results (GeoDataFrame, EPSG:4326).
    points
        Places of the zone with their access figures (``access`` only; else ``None``).
    summary
        JSON-able figures of the whole zone.
    table
        The rows to export as CSV (per unit; for ``next`` the sequence of sites).
    """

    verb: str
    zone: str
    units: gpd.GeoDataFrame
    points: gpd.GeoDataFrame | None
    summary: dict
    table: pd.DataFrame = field(repr=False)

    def to_json(self, *, full: bool = False) -> dict:
        """Return the summary and the table's rows (all rows if ``full``, else up to 50)."""
        rows = self.table if full else self.table.head(50)
        return {
            "summary": self.summary,
            "rows": _records(rows),
            "rows_shown": int(len(rows)),
            "rows_total": int(len(self.table)),
        }


def _records(frame: pd.DataFrame) -> list[dict]:
    clean = pd.DataFrame(frame).drop(columns="geometry", errors="ignore")
    clean = clean.astype(object).where(clean.notna(), None)
    out = []
    for row in clean.to_dict(orient="records"):
        out.append(
            {
                k: (
                    round(v, 4) if isinstance(v, float) else v.item() if isinstance(v, np.generic) else v
                )
                for k, v in row.items()
            }
        )
    return out


# --- inputs --------------------------------------------------------------------------------------


def default_attractiveness() -> pd.DataFrame:
    """Return the embedded attractiveness table (``data/attractiveness.csv``), for editing."""
    return read_attractiveness(settings.ATTRACTIVENESS_CSV)


def _attractiveness(value: str | os.PathLike[str] | pd.DataFrame | None) -> pd.DataFrame:
    if value is None:
        return default_attractiveness()
    if isinstance(value, pd.DataFrame):
        return check_attractiveness(value, source="attractiveness (edited)")
    return read_attractiveness(Path(value))


def programme_targets(programme_id: str, zones_in_programme: int = 1) -> dict[str, float | None]:
    """Return the zone's share of its programme's sensitisation targets.

    People: the ``sensibilisation`` indicators measured in people (else the largest one).
    Sessions: ``focus_group`` indicators measured in sessions. A programme spanning several
    zones is shared equally among them.
    """
    table = read_targets(settings.DATA_DIR / "indicators.csv")
    rows = table[(table["programme_id"] == programme_id) & (table["kind"] == "activity")]
    sens = rows[rows["activity_type"] == "sensibilisation"]
    people = sens.loc[sens["measure"] == "people", "target"].sum()
    if not people and len(sens):
        people = sens["target"].max()
    sessions = rows.loc[
        (rows["activity_type"] == "focus_group") & (rows["measure"] == "sessions"), "target"
    ].sum()
    share = max(int(zones_in_programme), 1)
    return {
        "people": float(people) / share if people else None,
        "sessions": float(sessions) / share if sessions else None,
    }


def _cases_for_units(
    store: Store, units: gpd.GeoDataFrame, *, k: int = settings.SUPPRESSION_K
) -> tuple[pd.DataFrame | None, str]:
    """Return protected case figures per admin unit (``unit_id``, ``cases_display``) and a note.

    Case figures are attached only to admin units of commune level or coarser, summed from the
    imported cases through :func:`geo.disclosure.case_figures` (threshold ``k``) before anything
    sees them. The units of the zone form one group for secondary suppression.
    """
    kind = str(units["kind"].iloc[0]) if len(units) else ""
    try:
        cases = load_records("cases", store=store)
    except InputError:
        return None, ""
    if cases is None or len(cases) == 0:
        return None, ""
    if not kind.startswith("admin"):
        return None, "cases_hidden"
    level = ADMIN_BY_LEVEL.get(int(kind.removeprefix("admin")))
    if (
        level is None
        or level.level == 0
        or level.id_col not in cases.columns
        or level.level > settings.CASE_MIN_ADMIN_LEVEL
    ):
        return None, "cases_hidden"
    figures = case_figures(
        cases, level=level.level, values="total", units=units["unit_id"].astype(str), parent=False, k=k
    )
    figures = figures.rename(columns={level.id_col: "unit_id", "total_display": "cases_display"})
    return figures[["unit_id", "cases_display"]], ""


# --- the analyses --------------------------------------------------------------------------------


def _context(zone: str, units: str, store: Store, audience: str) -> ZoneData:
    """Return the zone's data with its planning units (``ZoneData.units``) chosen."""
    ctx = ZoneData.load(zone, store=store, audience=audience)
    ctx.units = planning_units(ctx.zone, units, ctx.admin)
    return ctx


def _criteria_frame(ctx: ZoneData, opts: dict) -> tuple[gpd.GeoDataFrame, dict]:
    store = ctx.store
    table = _attractiveness(opts.get("attractiveness"))
    places = layers.load("places", store=store)
    cases, note = _cases_for_units(store, ctx.units, k=opts["k"])
    if note:
        ctx.notes.append(t(f"analyses.{note}", opts["lang"]))
    frame = criteria(
        ctx.units,
        border=border_line(layers.load("borders")),
        gold_sites=layers.load("gold_sites", store=store),
        attractive=attractive_places(table, places),
        unit_attractiveness=table[table["unit_id"] != ""],
        weights=opts["weights"],
        border_km=opts["border_km"],
        gold_km=opts["gold_km"],
        attract_km=opts["attract_km"],
        attract_threshold=opts["attract_threshold"],
        min_criteria=opts["min_criteria"],
        cases=cases,
        lang=opts["lang"],
    )
    per = {}
    for name in CRITERIA:
        met = frame[f"met_{name}"]
        per[name] = {
            "units_met": int(met.sum()),
            "share_met": _share(met),
            "zone_meets": bool(met.any()),
        }
    per["attractiveness"]["threshold"] = opts["attract_threshold"]
    per["attractiveness"]["radius_km"] = opts["attract_km"]
    per["attractiveness"]["max"] = _num(frame["attractiveness"].max())
    per["border"]["threshold_km"] = opts["border_km"]
    per["border"]["min_km"] = _num(frame["dist_border_km"].min())
    per["gold"]["radius_km"] = opts["gold_km"]
    per["gold"]["min_km"] = _num(frame["dist_gold_km"].min())
    summary = {
        "criteria": per,
        "weights": parse_weights(opts["weights"]),
        "min_criteria": opts["min_criteria"],
        "units_meeting": int(frame["meets_criteria"].sum()),
        "share_meeting": _share(frame["meets_criteria"]),
        "zone_criteria_met": [c for c in CRITERIA if per[c]["zone_meets"]],
        "mean_total_score": _num(frame["total_score"].mean()),
        "attractiveness_unmatched": unmatched_attractiveness(table, places),
    }
    return frame, summary


def _share(mask: pd.Series) -> float | None:
    return round(float(mask.mean()), 4) if len(mask) else None


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 3)


def _options(options: Mapping[str, object]) -> dict:
    known = {
        "lang": settings.DEFAULT_LANGUAGE,
        "audience": "public",
        "bands": settings.ACCESS_BANDS_KM,
        "access_km": settings.ACCESS_KM,
        "border_km": settings.BORDER_THRESHOLD_KM,
        "gold_km": settings.GOLD_RADIUS_KM,
        "attract_km": settings.ATTRACT_RADIUS_KM,
        "attract_threshold": settings.ATTRACT_THRESHOLD,
        "weights": None,
        "min_criteria": settings.MIN_CRITERIA,
        "coverage_threshold": settings.COVERAGE_THRESHOLD,
        "gap_rule": "any",
        "n": settings.NEXT_SITES_N,
        "min_distance_km": settings.NEXT_MIN_DISTANCE_KM,
        "attractiveness": None,
        "k": settings.SUPPRESSION_K,
    }
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise InputError(f"unknown option(s) {', '.join(unknown)}; expected: {', '.join(sorted(known))}")
    opts = {**known, **{k: v for k, v in options.items() if v is not None}}
    opts["bands"] = check_bands(opts["bands"])
    opts["weights"] = parse_weights(opts["weights"])
    return opts


def analyse(
    verb: str,
    *,
    zone: str,
    units: str = "auto",
    store: Store | str | os.PathLike[str] | None = None,
    **options: object,
) -> AnalysisResult:
    """Run analysis ``verb`` on ``zone`` and return an :class:`AnalysisResult`.

    Parameters
    ----------
    verb
        ``access``, ``criteria``, ``gaps`` or ``next``.
    zone
        A zone id (unknown ids raise listing the valid ones).
    units
        ``auto``, ``admin1``, ``admin2``, ``admin3`` or ``h3:N`` (see
        :func:`geo.units.planning_units`).
    store
        The project store (``None``: the default one).
    **options
        ``lang``, ``audience`` (centres: ``public`` town level, ``internal`` exact where known),
        ``bands`` (km), ``access_km``, ``border_km``, ``gold_km``, ``attract_km``,
        ``attract_threshold``, ``weights`` (``"attractiveness=1,border=1,gold=1"`` or a mapping),
        ``min_criteria``, ``coverage_threshold``, ``gap_rule`` (any, coverage, access, both),
        ``n`` and ``min_distance_km`` (where next), ``attractiveness`` (a CSV path or an edited
        table), ``k`` (suppression threshold of the case figures: counts ``1 .. k-1`` hidden).
    """
    if verb not in VERBS:
        raise UnknownNameError("analysis", verb, VERBS)
    opts = _options(options)
    ctx = _context(zone, units, Store.of(store), str(opts["audience"]))
    base = {
        "verb": verb,
        "zone": zone,
        "units": units,
        "unit_kind": str(ctx.units["kind"].iloc[0]) if len(ctx.units) else "",
        "unit_count": int(len(ctx.units)),
        "zone_area_km2": _num(ctx.units["area_km2"].sum()),
        "unlocated_places": ctx.unlocated,
    }
    if verb == "access":
        return _run_access(ctx, opts, base)
    frame, crit = _criteria_frame(ctx, opts)
    if verb == "criteria":
        summary = {**base, **crit, "notes": ctx.notes}
        return AnalysisResult(verb, zone, frame, None, summary, _table(frame, "criteria"))
    frame = access(frame, ctx.centres, bands=opts["bands"])
    if verb == "gaps":
        targets = programme_targets(ctx.programme_id, ctx.zones_in_programme())
        frame = coverage(
            frame,
            layers.load("activities", store=ctx.store),
            target_people=targets["people"],
            target_sessions=targets["sessions"],
            population=read_population(ctx.store),
            at_risk=frame["meets_criteria"],
        )
        frame = find_gaps(
            frame,
            coverage_threshold=opts["coverage_threshold"],
            access_km=opts["access_km"],
            rule=str(opts["gap_rule"]),
            lang=opts["lang"],
        )
        gaps = frame[frame["is_gap"]].sort_values("gap_rank")
        summary = {
            **base,
            "coverage_threshold": opts["coverage_threshold"],
            "access_km": opts["access_km"],
            "rule": opts["gap_rule"],
            "units_meeting": crit["units_meeting"],
            "gaps": int(len(gaps)),
            "zone_criteria_met": crit["zone_criteria_met"],
            "coverage": coverage_summary(
                frame, target_people=targets["people"], target_sessions=targets["sessions"]
            ),
            "top_gaps": _records(
                gaps.head(10)[["gap_rank", "unit_id", "name", "total_score", "gap_reasons"]]
            ),
            "notes": ctx.notes,
        }
        table = _table(frame.sort_values("gap_rank", na_position="last"), "gaps")
        return AnalysisResult(verb, zone, frame, None, summary, table)
    steps, frame = suggest_sites(
        frame,
        ctx.centres,
        n=opts["n"],
        access_km=opts["access_km"],
        min_distance_km=opts["min_distance_km"],
        lang=opts["lang"],
    )
    steps = _near_places(steps, ctx.places)
    at_risk = frame["meets_criteria"] & ~frame["covered_by_centre"]
    summary = {
        **base,
        "n": opts["n"],
        "access_km": opts["access_km"],
        "min_distance_km": opts["min_distance_km"],
        "units_at_risk_uncovered": int(at_risk.sum()),
        "need_total": _num(frame.loc[at_risk, "total_score"].sum()),
        "sites": _records(steps),
        "notes": ctx.notes,
    }
    return AnalysisResult(verb, zone, frame, None, summary, steps)


def _run_access(ctx: ZoneData, opts: dict, base: dict) -> AnalysisResult:
    bands = opts["bands"]
    frame = access(ctx.units, ctx.centres, bands=bands)
    points = access(ctx.places, ctx.centres, bands=bands)
    villages = points[points["kind"].isin(["village", "commune", "gold_site"])]
    summary = {
        **base,
        "bands_km": list(bands),
        "access_km": opts["access_km"],
        "audience": opts["audience"],
        "centres": int(len(ctx.centres)),
        "units_access": _drop_list(access_summary(frame, bands=bands, access_km=opts["access_km"])),
        "villages_access": access_summary(villages, bands=bands, access_km=opts["access_km"]),
        "places": _records(points[["place_id", "name", "kind", "nearest_centre", "dist_centre_km"]]),
        "notes": ctx.notes,
    }
    if ctx.unlocated:
        summary["notes"].append(t("analyses.unlocated", opts["lang"], names=", ".join(ctx.unlocated)))
    cols = [*TABLE_COLUMNS["access"], *[c for c in frame.columns if c.startswith("n_centres_")]]
    return AnalysisResult("access", ctx.zone_id, frame, points, summary, _table(frame, cols))


def _near_places(steps: pd.DataFrame, places: gpd.GeoDataFrame) -> pd.DataFrame:
    """Add the nearest located place of the zone to each suggested site, to name it on the ground."""
    out = steps.copy()
    out["near_place"] = pd.Series(None, index=out.index, dtype="object")
    out["near_place_km"] = np.nan
    if len(out) and len(places):
        from geo.geodesy import geodesic_km

        dist = geodesic_km(
            out["lon"].to_numpy()[:, None],
            out["lat"].to_numpy()[:, None],
            places.geometry.x.to_numpy()[None, :],
            places.geometry.y.to_numpy()[None, :],
        )
        best = dist.argmin(axis=1)
        out["near_place"] = places["name"].astype(str).to_numpy()[best]
        out["near_place_km"] = np.round(dist[np.arange(len(out)), best], 2)
    return out


def _drop_list(summary: dict) -> dict:
    """Keep the unit list short: units beyond the band are counted, and the 20 farthest listed."""
    return {**summary, "beyond": summary["beyond"][:20]}


def _table(frame: pd.DataFrame, verb_or_cols: str | Sequence[str]) -> pd.DataFrame:
    cols = TABLE_COLUMNS[verb_or_cols] if isinstance(verb_or_cols, str) else verb_or_cols
    return pd.DataFrame(frame[[c for c in cols if c in frame.columns]]).reset_index(drop=True)
