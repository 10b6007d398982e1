"""The analyses at the places people plan by: every village, gold site and town of a zone.

:func:`place_frame` gives each settlement of the zone (programme places and gazetteer localities,
:func:`geo.settlements.settlements`) its criteria, its nearest centre measured from the place, the
people its recorded sensitisation reached, and its gaps. :func:`roll_up` carries the places' answers
to the planning units (communes, cercles or H3 cells), and :func:`name_cells` names H3 cells by their
nearest locality, so that no internal id reaches a person.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

import layers
from geo import settings
from geo.access import access
from geo.aggregate import activity_totals
from geo.criteria import attractive_places, criteria
from geo.distance import border_line
from geo.gaps import find_gaps
from geo.i18n import t
from geo.periods import filter_period
from geo.settlements import fill_admin, nearest_names, settlements
from geo.vocab import SENSITISATION_TYPES
from zoneplan.zone import ZoneData

#: A site or cell this close to a settlement is named as that settlement ("Koflatié").
AT_PLACE_KM = 0.5
#: The columns of the per-place table (JSON ``places``, CSV), in reading order.
PLACE_COLUMNS: tuple[str, ...] = (
    "name",
    "kind",
    "commune",
    "cercle",
    "region",
    "n_criteria",
    "meets_criteria",
    "total_score",
    "dist_border_km",
    "dist_gold_km",
    "nearest_gold_site",
    "attractiveness",
    "nearest_centre_town",
    "nearest_centre",
    "dist_centre_km",
    "people_sensitised",
    "sessions",
    "gap_kinds",
    "gap_status",
    "priority",
    "gap_reasons",
    "explanation",
    "source",
    "place_id",
    "lon",
    "lat",
)


def zone_settlements(ctx: ZoneData) -> gpd.GeoDataFrame:
    """Return the zone's settlements: its programme places, then the gazetteer's localities in it."""
    localities = layers.load("gazetteer", store=ctx.store)
    found = settlements(ctx.places, localities, within=None if ctx.national else ctx.geometry)
    return fill_admin(found, ctx.admin)


def reached(
    records: pd.DataFrame, places: gpd.GeoDataFrame | None = None, *, period: str | None = None
) -> pd.DataFrame:
    """Return people sensitised and sessions per ``place_id`` (sensitisation activities only).

    A record without a place but with a point (GPS read from the file) counts at the nearest of
    ``places`` within :data:`geo.settings.RECORDS_COORD_TOLERANCE_KM`.
    """
    frame = filter_period(pd.DataFrame(records), period)
    if "activity_type" in frame.columns:
        frame = frame[frame["activity_type"].isin(SENSITISATION_TYPES)]
    frame = frame.copy()
    if "place_id" not in frame.columns:
        frame["place_id"] = None
    loose = frame["place_id"].isna()
    if places is not None and len(places) and loose.any() and "geometry" in frame.columns:
        geoms = gpd.GeoSeries(frame.loc[loose, "geometry"], crs=settings.CRS)
        ok = geoms.notna() & ~geoms.is_empty
        if ok.any():
            pos, _, dist = nearest_names(geoms[ok].x.to_numpy(), geoms[ok].y.to_numpy(), places)
            near = (pos >= 0) & (dist <= settings.RECORDS_COORD_TOLERANCE_KM)
            ids = np.where(near, places["place_id"].to_numpy(dtype=object)[np.maximum(pos, 0)], None)
            frame.loc[geoms[ok].index, "place_id"] = ids
    totals = activity_totals(frame.drop(columns="geometry", errors="ignore"), by="place_id")
    return totals.rename(columns={"value": "people_sensitised"})


def place_frame(
    ctx: ZoneData,
    opts: dict,
    *,
    attractiveness: pd.DataFrame,
    activities: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Return every settlement of the zone with its criteria, access, sensitisation and gaps.

    ``opts`` are the analyses' options (thresholds, weights, ``access_km``, ``coverage_threshold``,
    ``gap_rule``, ``period``, ``lang``). A place is a sensitisation gap when it meets the criteria
    and nothing was recorded there in the period; a care-access gap when it meets the criteria and
    its nearest centre is farther than ``access_km``.
    """
    found = zone_settlements(ctx)
    pts = found.assign(
        unit_id=found["place_id"],
        lon=found.geometry.x,
        lat=found.geometry.y,
        centroid_lon=found.geometry.x,
        centroid_lat=found.geometry.y,
    )
    lang = opts["lang"]
    frame = criteria(
        pts,
        border=border_line(layers.load("borders")),
        gold_sites=layers.load("gold_sites", store=ctx.store),
        attractive=attractive_places(attractiveness, ctx.places),
        weights=opts["weights"],
        border_km=opts["border_km"],
        gold_km=opts["gold_km"],
        attract_km=opts["attract_km"],
        attract_threshold=opts["attract_threshold"],
        min_criteria=opts["min_criteria"],
        lang=lang,
    )
    frame = access(frame, ctx.centres, bands=opts["bands"])
    centres = ctx.centres.set_index(ctx.centres["centre_id"].astype(str))
    near = frame["nearest_centre_id"]
    frame["nearest_centre_town"] = near.map(centres["town"]).astype("object")
    frame["centre_lon"] = near.map(centres.geometry.x).astype("float64")
    frame["centre_lat"] = near.map(centres.geometry.y).astype("float64")
    if activities is None:
        activities = layers.load("activities", store=ctx.store)
    totals = reached(activities, found, period=opts.get("period")).set_index("place_id")
    frame["people_sensitised"] = frame["place_id"].map(totals["people_sensitised"]).fillna(0.0)
    frame["sessions"] = frame["place_id"].map(totals["sessions"]).fillna(0.0)
    # No denominator per place yet: coverage is presence (NaN); nothing recorded is a gap.
    frame["coverage"] = np.nan
    return rank_places(frame, opts)


def rank_places(frame: gpd.GeoDataFrame, opts: dict) -> gpd.GeoDataFrame:
    """Return the places with their gaps, status and priority, highest priority first.

    The last step of :func:`place_frame`, run again on its places (in their first order) when
    only the criteria weights change.
    """
    frame = find_gaps(
        frame,
        coverage_threshold=opts["coverage_threshold"],
        access_km=opts["access_km"],
        rule=str(opts["gap_rule"]),
        lang=opts["lang"],
        centre_col="nearest_centre_town",
    )
    frame["gap_status"] = place_status(frame)
    return frame.sort_values(["priority", "total_score"], ascending=False, kind="stable")


def place_status(frame: pd.DataFrame) -> pd.Series:
    """Return each place's status for maps and tables.

    ``both``, ``sensitisation`` or ``access`` for gaps; ``covered`` for places at risk with
    neither gap; ``not_at_risk`` for places that do not meet the criteria.
    """
    kinds = frame["gap_kinds"].map(tuple)
    status = kinds.map(
        {
            ("sensitisation", "access"): "both",
            ("sensitisation",): "sensitisation",
            ("access",): "access",
        }
    )
    at_risk = frame["meets_criteria"].astype(bool)
    return status.where(status.notna(), np.where(at_risk, "covered", "not_at_risk")).astype("object")


def place_records(frame: pd.DataFrame, *, limit: int | None = None) -> list[dict]:
    """Return the per-place rows as JSON-able dicts (:data:`PLACE_COLUMNS`)."""
    cols = [c for c in PLACE_COLUMNS if c in frame.columns]
    rows = pd.DataFrame(frame[cols])
    if limit is not None:
        rows = rows.head(limit)
    out = []
    for row in rows.astype(object).where(rows.notna(), None).to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, float):
                value = round(value, 3)
            clean[key] = value
        out.append(clean)
    return out


def roll_up(units: gpd.GeoDataFrame, places: gpd.GeoDataFrame, *, lang: str) -> gpd.GeoDataFrame:
    """Return ``units`` with the answers of the places inside each.

    Adds ``n_places``, ``n_places_at_risk``, ``n_places_reached``, ``people_sensitised``,
    ``gap_kinds`` (the union of its places' gaps), ``priority`` (its highest place's),
    ``gap_status`` (``gap``, ``covered``, ``not_eligible``, or ``no_place`` where no settlement is
    known), ``gap_places`` (the gap places' names, highest priority first) and ``gap_reasons``.
    """
    out = units.copy()
    joined = gpd.sjoin(
        places[
            [
                "place_id",
                "name",
                "meets_criteria",
                "people_sensitised",
                "gap_kinds",
                "priority",
                "gap_reasons",
                places.geometry.name,
            ]
        ],
        out[["unit_id", out.geometry.name]],
        how="inner",
        predicate="within",
    )
    joined = joined.sort_values("priority", ascending=False, kind="stable")
    joined = joined[~joined.index.duplicated(keep="first")]  # a place on an edge counts once
    by = joined.groupby("unit_id", sort=False)
    uid = out["unit_id"]
    out["n_places"] = uid.map(by.size()).fillna(0).astype("int64")
    risk = joined[joined["meets_criteria"].astype(bool)]
    out["n_places_at_risk"] = uid.map(risk.groupby("unit_id").size()).fillna(0).astype("int64")
    hit = risk[risk["people_sensitised"] > 0]
    out["n_places_reached"] = uid.map(hit.groupby("unit_id").size()).fillna(0).astype("int64")
    out["people_sensitised"] = uid.map(by["people_sensitised"].sum()).fillna(0.0)
    gaps = joined[joined["gap_kinds"].map(len) > 0]
    # Plain dicts: one lookup per unit (thousands of H3 cells) costs a microsecond, not a Series'.
    kinds = gaps.groupby("unit_id")["gap_kinds"].agg(
        lambda s: [k for k in ("sensitisation", "access") if any(k in x for x in s)]
    )
    kinds = kinds.to_dict()
    out["gap_kinds"] = [kinds.get(u, []) for u in uid]
    out["priority"] = uid.map(gaps.groupby("unit_id")["priority"].max()).fillna(0.0)
    names = gaps.groupby("unit_id")["name"].agg(list).to_dict()
    out["gap_places"] = [names.get(u, []) for u in uid]
    first = gaps.groupby("unit_id")["gap_reasons"].first().to_dict()
    out["gap_reasons"] = [
        _unit_reason(names[u], first.get(u, ""), lang) if u in names else "" for u in uid
    ]
    is_gap = out["gap_kinds"].map(len) > 0
    out["is_gap"] = is_gap
    out["gap_status"] = np.where(
        is_gap,
        "gap",
        np.where(
            out["n_places_at_risk"] > 0,
            "covered",
            np.where(out["n_places"] > 0, "not_eligible", "no_place"),
        ),
    )
    order = out[is_gap].sort_values("priority", ascending=False, kind="stable").index
    rank = pd.Series(pd.NA, index=out.index, dtype="Int64")
    rank[order] = np.arange(1, len(order) + 1)
    out["gap_rank"] = rank
    return out


def _unit_reason(names: list[str], first: str, lang: str) -> str:
    shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
    return t("analyses.unit_gap", lang, n=len(names), names=shown, first=names[0], reason=first)


def name_cells(units: gpd.GeoDataFrame, places: gpd.GeoDataFrame, *, lang: str) -> gpd.GeoDataFrame:
    """Return H3 ``units`` named by their nearest settlement ("près de Kobada"), with its commune
    and cercle; admin units keep their own names."""
    out = units.copy()
    if out.empty or not str(out["kind"].iloc[0]).startswith("h3"):
        return out
    pos, names, dist = nearest_names(
        out["centroid_lon"].to_numpy(), out["centroid_lat"].to_numpy(), places
    )
    has = pos >= 0
    label = np.array(
        [
            t("analyses.cell_name", lang, place=n, km=d) if n else t("analyses.cell_nameless", lang)
            for n, d in zip(names, dist, strict=True)
        ],
        dtype=object,
    )
    out["name"] = label
    for col in ("commune", "cercle", "region"):
        values = np.full(len(out), None, dtype=object)
        if col in places.columns:
            values[has] = places[col].to_numpy(dtype=object)[pos[has]]
        out[col] = values
    out["nearest_place"] = names
    out["nearest_place_km"] = np.round(dist, 2)
    return out


def name_sites(sites: pd.DataFrame, places: gpd.GeoDataFrame, *, lang: str) -> pd.DataFrame:
    """Return where-next ``sites`` (``lon``, ``lat``) named by their nearest settlement."""
    out = sites.copy()
    pos, names, dist = nearest_names(out["lon"].to_numpy(), out["lat"].to_numpy(), places)
    out["nearest_place"] = names
    out["nearest_place_km"] = np.round(dist, 2)
    out["name"] = [
        (n if d < AT_PLACE_KM else t("analyses.site_name", lang, place=n, km=d))
        if n
        else t("analyses.cell_nameless", lang)
        for n, d in zip(names, dist, strict=True)
    ]
    return out
