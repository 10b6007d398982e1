"""The coverage view's data: what the records count, where, against which target.

People or sessions are drawn as proportional circles at the places (:func:`coverage_layers` with a
count measure); % of target and people per 1,000 children as a choropleth over planning units. The
filters (programme, partner, activity type, indicator) select the records; the programme's target
is shared equally among its zones.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

import layers
from geo import mapview as gv
from geo import settings
from geo import symbology as sym
from geo.aggregate import activity_totals
from geo.errors import UnknownNameError
from geo.i18n import t
from geo.indicators import MEASURES as MEASURE_COLUMNS
from geo.indicators import read_targets
from geo.periods import filter_period
from geo.store import Store
from geo.vocab import COUNT_MEASURES, MEASURES
from zoneplan.datastore import read_population
from zoneplan.zone import remembered

if TYPE_CHECKING:
    from zoneplan.maps import Canvas

#: Place kinds that get a coverage circle.
MAPPED_KINDS: tuple[str, ...] = (
    "village",
    "commune",
    "gold_site",
    "cercle_capital",
    "capital",
    "regional_capital",
    "town",
)
#: Classes of "% of target" (upper bounds; the last class is open): 100 % is the target reached.
PCT_BREAKS: tuple[float, ...] = (25.0, 50.0, 100.0, 200.0)
PCT_PALETTE: tuple[str, ...] = ("#fdd49e", "#fdbb84", "#a1d99b", "#41ab5d", "#006d2c")
#: With ``auto`` units and no admin units installed, rates use about this many H3 cells.
COVERAGE_MAX_CELLS = 150
#: Above this many units, unit names are not drawn.
MANY_UNITS = 60


@dataclass
class Selection:
    """The activity records a coverage map counts, what it counts and the zone's target."""

    records: pd.DataFrame
    column: str | None
    target: float | None
    label: str
    basis: str = "people"
    notes: list[str] = field(default_factory=list)


# --- data of each view -----------------------------------------------------------------------


def activities(store: Store, *, period: str | None = None) -> pd.DataFrame:
    """Return the imported activity records (optionally within ``period``), possibly empty."""
    return filter_period(layers.load("activities", store=store), period)


def _select(ctx: Canvas, records: pd.DataFrame, filters: dict) -> Selection:
    """Return the activity records of the filters, what they count and the zone's target."""
    lang = ctx.lang
    frame = pd.DataFrame(records)
    measure = filters.get("measure") or "people"
    if measure not in MEASURES:
        raise UnknownNameError("measure", measure, MEASURES)
    programme = filters.get("programme") or ctx.programme_id
    if programme and "programme_id" in frame.columns:
        frame = frame[frame["programme_id"].isna() | frame["programme_id"].eq(programme)]
    partners = _as_list(filters.get("partner"))
    if partners and "partner" in frame.columns:
        frame = frame[frame["partner"].isin(partners)]
    types = _as_list(filters.get("activity_type"))
    table = targets_table()
    rows = table[(table["programme_id"] == programme) & (table["kind"] == "activity")]
    notes: list[str] = []
    indicator = filters.get("indicator")
    row = None
    if indicator:
        known = table[table["programme_id"] == programme]
        if indicator not in set(known["indicator_id"]):
            raise UnknownNameError("indicator", indicator, list(known["indicator_id"]))
        hit = known[known["indicator_id"] == indicator].iloc[0]
        if hit["kind"] == "activity":
            row = hit
            types = [str(hit["activity_type"])]
        else:
            notes.append(t("export.coverage.case_indicator", lang))
    if types and "activity_type" in frame.columns:
        frame = frame[frame["activity_type"].isin(types)]
    if row is None:  # the target of the activity type shown, else the sensitisation target
        want = types or ["sensibilisation"]
        pick = rows[rows["activity_type"].isin(want)]
        if measure == "sessions":
            pick = pick[pick["measure"] == "sessions"]
        else:
            pick = pick[pick["measure"] != "sessions"]
        pick = pick.sort_values("measure", key=lambda m: m.ne("people"), kind="stable")
        row = pick.iloc[0] if len(pick) else None
    basis = (
        "sessions"
        if measure == "sessions"
        else (str(row["measure"]) if row is not None and measure == "pct_target" else "people")
    )
    col = next((c for c in MEASURE_COLUMNS.get(basis, ("total",)) if c in frame.columns), None)
    target = None
    if row is not None and pd.notna(row["target"]) and float(row["target"]) > 0:
        target = float(row["target"]) / max(ctx.zones_in_programme(programme), 1)
    if indicator and row is not None:
        label = str(row[f"label_{lang}"])
    else:
        label = t(f"export.measure.{basis if measure in COUNT_MEASURES else 'people'}", lang)
        if types:
            label += " — " + ", ".join(x.replace("_", " ") for x in types)
    return Selection(frame, col, target, label, basis, notes)


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def targets_table() -> pd.DataFrame:
    """Return the programme indicators and targets (embedded ``data/indicators.csv``)."""
    path = settings.DATA_DIR / "indicators.csv"
    return _targets(str(path), path.stat().st_mtime).copy()


@functools.lru_cache(maxsize=4)
def _targets(path: str, mtime: float) -> pd.DataFrame:
    return read_targets(path)


def _coverage_counts(
    ctx: Canvas, sel: Selection, measure: str, place_ids: Iterable[str] | None
) -> tuple[gv.ViewLayer, list[str]]:
    """Return proportional circles at the places: people (or sessions) of the selection."""
    lang = ctx.lang
    ctx.unit_kind = t("export.layer.places", lang).lower()
    mapped = ctx.places[ctx.places["kind"].isin(MAPPED_KINDS)]
    if place_ids is not None:
        mapped = mapped[mapped["place_id"].isin(list(place_ids))]
    else:
        mapped = _with_localities(ctx, mapped, sel.records)
    records = sel.records.assign(
        value=pd.to_numeric(sel.records[sel.column], errors="coerce") if sel.column else np.nan
    )
    totals = activity_totals(
        records.drop(columns=["total"], errors="ignore").rename(columns={"value": "total"})
    )
    frame = (
        mapped.merge(totals, on="place_id", how="left")
        if not totals.empty
        else mapped.assign(value=np.nan, sessions=np.nan)
    )
    frame = gpd.GeoDataFrame(frame, geometry=mapped.geometry.name, crs=mapped.crs)
    on_map = set(mapped["place_id"])
    placed = records["place_id"] if "place_id" in records else pd.Series(np.nan, index=records.index)
    unlocated = _unlocated_names(ctx, records)
    known = placed.isin(on_map | set(ctx.places["place_id"]))  # other places: not on this map
    unmatched = int((~known & unlocated.isna()).sum())
    tips = [(t("export.measure.sessions", lang) + (" :" if lang == "fr" else ":"), "_sessions")]
    frame["_sessions"] = pd.to_numeric(frame.get("sessions"), errors="coerce").map(
        lambda v: None if pd.isna(v) else f"{v:,.0f}".replace(",", "\u202f")
    )
    layer = sym.proportional_symbols(
        frame,
        key="coverage",
        title=sel.label,
        value_col="value",
        lang=lang,
        extra_tips=tips if measure == "people" else [],
        unmatched=unmatched or None,
        k=ctx.k,
    )
    return layer, _unlocated_note(lang, unlocated)


def _unlocated_names(ctx: Canvas, records: pd.DataFrame) -> pd.Series:
    """Return, per record, the name of the unlocated place it was matched to (Danga), else NaN.

    Such records are matched, not "unmatched": their place is known but not located yet.
    """
    if "place_id" not in records or not ctx.unlocated:
        return pd.Series(np.nan, index=records.index, dtype=object)
    every = layers.module("places").unlocated(ctx.store)
    names = every[every["name"].isin(ctx.unlocated)].set_index("place_id")["name"]
    return records["place_id"].map(names)


def _unlocated_note(lang: str, unlocated: pd.Series) -> list[str]:
    """Return the note naming the unlocated places the records are at, with their counts."""
    counts = unlocated.dropna().value_counts().sort_index()
    if counts.empty:
        return []
    items = ", ".join(f"{name} ({sym.format_number(n)})" for name, n in counts.items())
    return [t("export.coverage.unlocated", lang, items=items)]


def _with_localities(ctx: Canvas, mapped: gpd.GeoDataFrame, records: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return ``mapped`` plus the user-gazetteer villages that records in the zone were matched to.

    Activities matched to an installed gazetteer (place id ``gaz:<id>``) are stored at the
    village's point; they are drawn there rather than counted as unmatched.
    """
    from geo.localities import LOCALITY_PREFIX

    if "place_id" not in records or "geometry" not in records:
        return mapped
    records = gpd.GeoDataFrame(records, geometry="geometry", crs=settings.CRS)
    local = records[
        records["place_id"].astype(str).str.startswith(LOCALITY_PREFIX) & records.geometry.notna()
    ]
    if local.empty:
        return mapped
    first = local.drop_duplicates("place_id")[["place_id", local.geometry.name]]
    first = first[first.within(ctx.zone.geometry.iloc[0])]
    if first.empty:
        return mapped
    names = layers.load("gazetteer", store=ctx.store).set_index("gaz_id")["name"]
    ids = first["place_id"].str.removeprefix(LOCALITY_PREFIX)
    extra = gpd.GeoDataFrame(
        {
            "place_id": first["place_id"].values,
            "name": ids.map(names).fillna(ids).values,
            "kind": "village",
        },
        geometry=first.geometry.values,
        crs=mapped.crs,
    )
    return gpd.GeoDataFrame(
        pd.concat([mapped, extra], ignore_index=True), geometry=mapped.geometry.name, crs=mapped.crs
    )


def coverage_units(ctx: Canvas, units: str | None) -> gpd.GeoDataFrame:
    """Return the planning units of the coverage rates: admin units where installed, else H3.

    ``auto`` takes the communes (or cercles) when installed, else H3 cells coarse enough for a
    rate to mean something (about :data:`COVERAGE_MAX_CELLS` cells over the zone).
    """
    from geo.units import auto_resolution, h3_units, planning_units

    spec = units or "auto"

    def build() -> gpd.GeoDataFrame:
        admin = ctx.admin
        found = planning_units(ctx.zone, spec, admin if admin is not None and len(admin) else None)
        if spec == "auto" and str(found["kind"].iloc[0]).startswith("h3"):
            found = h3_units(ctx.zone, auto_resolution(ctx.zone, max_cells=COVERAGE_MAX_CELLS))
        return found

    # The same for every period, partner and measure of the zone: built once per store version.
    return remembered(ctx.store, ("coverage_units", ctx.zone_id, spec), build).copy()


def _coverage_rates(
    ctx: Canvas, sel: Selection, measure: str, units: str | None
) -> tuple[gv.ViewLayer, list[str]]:
    """Return a choropleth of % of target or people per 1,000 children per planning unit."""
    from geo.coverage import attribute_to_units, coverage

    lang = ctx.lang
    frame = coverage_units(ctx, units)
    ctx.unit_kind = str(frame["kind"].iloc[0]) if len(frame) else ctx.unit_kind
    records = sel.records
    if not isinstance(records, gpd.GeoDataFrame) and "geometry" in records:
        records = gpd.GeoDataFrame(records, geometry="geometry", crs=settings.CRS)
    counted = records.assign(
        total=pd.to_numeric(records[sel.column], errors="coerce") if sel.column else 0.0
    )
    population = read_population(ctx.store)
    covered = coverage(
        frame, counted, target_people=sel.target, population=population, people_types=None
    )
    unit_of = attribute_to_units(counted, frame) if len(counted) else pd.Series(dtype="object")
    unlocated = _unlocated_names(ctx, counted)
    unmatched = int((unit_of.isna().to_numpy() & unlocated.isna().to_numpy()).sum())
    notes = _unlocated_note(lang, unlocated)
    if measure == "pct_target":
        covered["value"] = (covered["coverage"] * 100.0).round(0)
        title = f"{sel.label} — {t('export.measure.pct_target', lang)}"
        if sel.target is None:
            notes.append(t("export.coverage.no_target", lang))
        else:
            notes.append(
                t(
                    "export.coverage.target_share",
                    lang,
                    target=sym.format_number(sel.target),
                    n=len(covered),
                )
            )
    else:
        covered["value"] = covered["people_per_1000_children"].round(1)
        title = t("export.measure.per_1000_children", lang)
        if population is None:
            notes.append(t("export.coverage.no_population", lang))
    covered["_count"] = covered["people_sensitised"].map(sym.format_number)
    tips = [(f"{sel.label} :" if lang == "fr" else f"{sel.label}:", "_count")]
    style: dict = {}
    if measure == "pct_target":  # classes that read against the target: 100 % = reached
        top = float(covered["value"].max()) if covered["value"].notna().any() else 0.0
        style = {
            "breaks": [*PCT_BREAKS, max(top, PCT_BREAKS[-1] + 1.0)],
            "open_top": True,
            "palette": PCT_PALETTE,
        }
    layer = sym.choropleth(
        covered,
        key="coverage",
        title=title,
        value_col="value",
        lang=lang,
        extra_tips=tips,
        unmatched=unmatched or None,
        k=ctx.k,
        **style,
    )
    if len(layer.frame) > MANY_UNITS:
        layer.labels = False
    return layer, notes


def coverage_layers(
    ctx: Canvas, records: pd.DataFrame, filters: dict, place_ids: Iterable[str] | None
) -> tuple[list[gv.ViewLayer], list[str]]:
    sel = _select(ctx, records, filters)
    measure = filters.get("measure") or "people"
    if measure in COUNT_MEASURES:
        layer, notes = _coverage_counts(ctx, sel, measure, place_ids)
        return [layer], sel.notes + notes
    layer, notes = _coverage_rates(ctx, sel, measure, filters.get("units"))
    return [layer], sel.notes + notes
