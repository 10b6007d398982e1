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
from geo.criteria import (
    attractive_places,
    check_attractiveness,
    criteria,
    parse_weights,
    read_attractiveness,
    total_score,
    unmatched_attractiveness,
)
from geo.disclosure import case_figures
from geo.distance import border_line
from geo.errors import InputError, UnknownNameError
from geo.i18n import t
from geo.nextsites import suggest_sites
from geo.periods import parse_period
from geo.store import Store
from geo.vocab import ADMIN_BY_LEVEL, CRITERIA, VERBS
from zoneplan.datastore import read_population
from zoneplan.placeframe import (
    name_cells,
    name_sites,
    place_frame,
    place_records,
    rank_places,
    roll_up,
)
from zoneplan.records import load_records
from zoneplan.zone import ZoneData

#: Places listed in JSON without ``--full`` (the programme's places always are).
PLACES_SHOWN = 500
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
        "name",
        "commune",
        "cercle",
        "gap_kinds",
        "priority",
        "gap_places",
        "n_places",
        "n_places_at_risk",
        "n_places_reached",
        "people_sensitised",
        "total_score",
        "n_criteria",
        "gap_status",
        "gap_reasons",
        "area_km2",
        "centroid_lon",
        "centroid_lat",
        "unit_id",
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
        The rows to export as CSV (per unit; for ``gaps`` the gap units by priority; for
        ``next`` the sequence of sites).
    places
        Every settlement of the zone with its criteria, nearest centre, sensitisation and gaps
        (:data:`zoneplan.placeframe.PLACE_COLUMNS`), highest priority first.
    options
        The options it ran with (thresholds, weights...), for :func:`reweigh`.
    """

    verb: str
    zone: str
    units: gpd.GeoDataFrame
    points: gpd.GeoDataFrame | None
    summary: dict
    table: pd.DataFrame = field(repr=False)
    places: gpd.GeoDataFrame | None = field(default=None, repr=False)
    options: dict = field(default_factory=dict, repr=False)

    def to_json(self, *, full: bool = False) -> dict:
        """Return the summary, the table's rows and the places (all if ``full``, else a sample).

        Without ``full``: up to 50 rows; every place up to :data:`PLACES_SHOWN`, beyond that the
        programme's places and the highest-priority others up to that number.
        """
        rows = self.table if full else self.table.head(50)
        out = {
            "summary": self.summary,
            "rows": _records(rows),
            "rows_shown": int(len(rows)),
            "rows_total": int(len(self.table)),
        }
        if self.places is not None:
            shown = self.places
            if not full and len(shown) > PLACES_SHOWN:
                own = shown["source"].eq("programme")
                rest = shown[~own].head(max(PLACES_SHOWN - int(own.sum()), 0))
                shown = shown[own | shown.index.isin(rest.index)]
            out["places"] = place_records(shown)
            out["places_shown"] = int(len(shown))
            out["places_total"] = int(len(self.places))
        return out


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
    ctx.units = ctx.planning_units(units)  # computed once per store version
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
        "period": None,
    }
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise InputError(f"unknown option(s) {', '.join(unknown)}; expected: {', '.join(sorted(known))}")
    opts = {**known, **{k: v for k, v in options.items() if v is not None}}
    opts["bands"] = check_bands(opts["bands"])
    if opts["period"]:
        parse_period(str(opts["period"]))
    for key in ("access_km", "min_distance_km"):
        try:
            value = float(opts[key])
        except (TypeError, ValueError):
            value = float("nan")
        if not value > 0 and not (key == "min_distance_km" and value == 0):
            raise InputError(
                t("analyses.bad_km", opts["lang"], option=key.replace("_", "-"), value=opts[key])
            )
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
    lang = opts["lang"]
    ctx = _context(zone, units, Store.of(store), str(opts["audience"]))
    places = place_frame(ctx, opts, attractiveness=_attractiveness(opts.get("attractiveness")))
    if places.empty:
        ctx.notes.append(t("analyses.no_places", lang, zone=ctx.name(lang)))
    # Named from the places in their first order: a tie between equidistant places does not
    # turn on the weights (:func:`reweigh` keeps the names).
    ctx.units = name_cells(ctx.units, places.sort_index(), lang=lang)
    base = {
        "verb": verb,
        "zone": zone,
        "zone_name": ctx.name(lang),
        "units": units,
        "unit_kind": str(ctx.units["kind"].iloc[0]) if len(ctx.units) else "",
        "unit_count": int(len(ctx.units)),
        "zone_area_km2": _num(ctx.units["area_km2"].sum()),
        "place_count": int(len(places)),
        "places_meeting": int(places["meets_criteria"].sum()),
        "unlocated_places": ctx.unlocated,
    }
    if verb == "access":
        return _run_access(ctx, opts, base, places)
    frame, crit = _criteria_frame(ctx, opts)
    if verb == "criteria":
        summary = {**base, **crit, "notes": ctx.notes}
        table = _table(frame, "criteria")
        return AnalysisResult(verb, zone, frame, None, summary, table, places, options=opts)
    frame = access(frame, ctx.centres, bands=opts["bands"])
    if verb == "gaps":
        return _run_gaps(ctx, opts, base, crit, frame, places)
    return _run_next(ctx, opts, base, places)


def _run_gaps(
    ctx: ZoneData, opts: dict, base: dict, crit: dict, frame: gpd.GeoDataFrame, places: gpd.GeoDataFrame
) -> AnalysisResult:
    lang = opts["lang"]
    frame = roll_up(frame, places, lang=lang)
    population = read_population(ctx.store)
    if population is not None:  # children per unit, where installed: coverage per 1,000 children
        children = population.drop_duplicates("unit_id").set_index("unit_id")["children"]
        frame["children"] = frame["unit_id"].astype(str).map(children)
        frame["people_per_1000_children"] = frame["people_sensitised"] / frame["children"] * 1000
    at_risk = places["meets_criteria"].astype(bool)
    kinds = places["gap_kinds"]
    if len(places) and not (places["people_sensitised"] > 0).any():
        period = opts.get("period")
        ctx.notes.append(
            t("analyses.nothing_recorded_period", lang, period=period)
            if period
            else t("analyses.nothing_recorded", lang)
        )
    gap_places = places[kinds.map(len) > 0]
    summary = {
        **base,
        "coverage_threshold": opts["coverage_threshold"],
        "access_km": opts["access_km"],
        "rule": opts["gap_rule"],
        "period": opts.get("period"),
        "units_meeting": crit["units_meeting"],
        "zone_criteria_met": crit["zone_criteria_met"],
        "places_at_risk": int(at_risk.sum()),
        "places_reached": int((at_risk & (places["people_sensitised"] > 0)).sum()),
        "gaps": int(len(gap_places)),
        "sensitisation_gaps": int(kinds.map(lambda k: "sensitisation" in k).sum()),
        "access_gaps": int(kinds.map(lambda k: "access" in k).sum()),
        "unit_gaps": int(frame["is_gap"].sum()),
        "top_gaps": _top_gaps(gap_places),
        "notes": ctx.notes,
    }
    table = _gaps_table(frame)
    return AnalysisResult("gaps", ctx.zone_id, frame, None, summary, table, places, options=opts)


def _top_gaps(gap_places: pd.DataFrame) -> list[dict]:
    cols = ["name", "kind", "commune", "gap_kinds", "priority", "gap_reasons"]
    return place_records(gap_places[cols], limit=10)


def _gaps_table(frame: pd.DataFrame) -> pd.DataFrame:
    gaps = frame[frame["is_gap"]].sort_values("priority", ascending=False, kind="stable")
    return _table(gaps, "gaps")


def reweigh(result: AnalysisResult, weights: Mapping[str, float] | str | None) -> AnalysisResult:
    """Return the ``criteria`` or ``gaps`` analysis ``result`` with new criteria ``weights``.

    Only the weighted score (:func:`geo.criteria.total_score`) and what follows from it change:
    the places' and units' scores, the gaps' priorities and ranks, their order. Distances,
    criteria met and explanations are the ones computed: new weights cost a re-combination, not a
    new analysis, and give what :func:`analyse` gives with them.
    """
    if result.verb not in ("criteria", "gaps") or not result.options:
        raise InputError(
            f"analysis {result.verb!r} cannot take new weights; expected criteria or gaps from analyse()"
        )
    opts = {**result.options, "weights": parse_weights(weights)}
    if opts["weights"] == result.options["weights"]:
        return result
    places = result.places.sort_index()  # their first order: ties rank as analyse() ranks them
    places = rank_places(places.assign(total_score=total_score(places, opts["weights"])), opts)
    frame = result.units.assign(total_score=total_score(result.units, opts["weights"]))
    summary = dict(result.summary)
    if result.verb == "criteria":
        summary.update(weights=opts["weights"], mean_total_score=_num(frame["total_score"].mean()))
        table = _table(frame, "criteria")
    else:
        frame = roll_up(frame, places, lang=opts["lang"])
        summary["top_gaps"] = _top_gaps(places[places["gap_kinds"].map(len) > 0])
        table = _gaps_table(frame)
    return AnalysisResult(result.verb, result.zone, frame, None, summary, table, places, options=opts)


def _run_next(ctx: ZoneData, opts: dict, base: dict, places: gpd.GeoDataFrame) -> AnalysisResult:
    """Suggest sites among the zone's settlements: each covers the places at risk around it."""
    lang = opts["lang"]
    demand = places.assign(unit_id=places["place_id"])
    steps, demand = suggest_sites(
        demand,
        ctx.centres,
        n=opts["n"],
        access_km=opts["access_km"],
        min_distance_km=opts["min_distance_km"],
        lang=lang,
    )
    steps = name_sites(steps, places, lang=lang)
    covers = demand.groupby("next_step")["name"].agg(list) if len(steps) else pd.Series(dtype=object)
    steps["covers"] = [covers.get(s, []) for s in steps["step"]] if len(steps) else []
    steps["gain"] = steps["marginal_gain"] if len(steps) else []
    if len(steps):
        steps["explanation"] = [
            t("analyses.next.site", lang, step=s, name=n, n=len(c), places=_few(c), gain=g)
            for s, n, c, g in zip(
                steps["step"], steps["name"], steps["covers"], steps["gain"], strict=True
            )
        ]
    at_risk = demand["meets_criteria"].astype(bool)
    uncovered = at_risk & ~demand["covered_by_centre"].astype(bool)
    summary = {
        **base,
        "n": opts["n"],
        "access_km": opts["access_km"],
        "min_distance_km": opts["min_distance_km"],
        "places_at_risk": int(at_risk.sum()),
        "places_at_risk_beyond_reach": int(uncovered.sum()),
        "need_total": _num(demand.loc[uncovered, "total_score"].sum()),
        "sites": _records(steps),
        "notes": ctx.notes,
    }
    if not len(steps):
        summary["why_none"] = _why_no_site(at_risk, uncovered, opts, lang)
    return AnalysisResult("next", ctx.zone_id, ctx.units, None, summary, steps, places, options=opts)


def _few(names: list[str], shown: int = 4) -> str:
    return ", ".join(names[:shown]) + (f" (+{len(names) - shown})" if len(names) > shown else "")


def _why_no_site(at_risk: pd.Series, uncovered: pd.Series, opts: dict, lang: str) -> str:
    """Return the one line that says why no site is suggested."""
    if not at_risk.any():
        return t("analyses.next.none_at_risk", lang)
    if not uncovered.any():
        return t("analyses.next.none_beyond", lang, n=int(at_risk.sum()), km=opts["access_km"])
    return t(
        "analyses.next.none_allowed",
        lang,
        n=int(uncovered.sum()),
        km=opts["min_distance_km"],
    )


def _run_access(ctx: ZoneData, opts: dict, base: dict, places: gpd.GeoDataFrame) -> AnalysisResult:
    bands = opts["bands"]
    frame = access(ctx.units, ctx.centres, bands=bands)
    villages = places[places["kind"].isin(["village", "commune", "gold_site"])]
    summary = {
        **base,
        "bands_km": list(bands),
        "access_km": opts["access_km"],
        "audience": opts["audience"],
        "centres": int(len(ctx.centres)),
        "units_access": _drop_list(access_summary(frame, bands=bands, access_km=opts["access_km"])),
        "villages_access": access_summary(villages, bands=bands, access_km=opts["access_km"]),
        "places": _records(
            places.loc[
                places["source"] == "programme",
                ["place_id", "name", "kind", "nearest_centre", "dist_centre_km"],
            ]
        ),
        "notes": ctx.notes,
    }
    if ctx.unlocated:
        summary["notes"].append(t("analyses.unlocated", opts["lang"], names=", ".join(ctx.unlocated)))
    cols = [*TABLE_COLUMNS["access"], *[c for c in frame.columns if c.startswith("n_centres_")]]
    table = _table(frame, cols)
    return AnalysisResult("access", ctx.zone_id, frame, places, summary, table, places, options=opts)


def _drop_list(summary: dict) -> dict:
    """Keep the unit list short: units beyond the band are counted, and the 20 farthest listed."""
    return {**summary, "beyond": summary["beyond"][:20]}


def _table(frame: pd.DataFrame, verb_or_cols: str | Sequence[str]) -> pd.DataFrame:
    cols = TABLE_COLUMNS[verb_or_cols] if isinstance(verb_or_cols, str) else verb_or_cols
    return pd.DataFrame(frame[[c for c in cols if c in frame.columns]]).reset_index(drop=True)
