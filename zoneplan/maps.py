"""Build the named map views (coverage, access, criteria, gaps) from the layers and the services.

``build_view(name, zone=...)`` loads the context (borders, admin units, the zone), the zone's
places, gold-mining sites and centres (town level for outside audiences), then the view's data:
activity aggregates from the Records service for ``coverage``; ``zoneplan.analysis.analyse`` for
``access``, ``criteria`` and ``gaps``. Case figures only ever reach a view through
``geo.disclosure.protect`` at commune level or coarser. A view whose data is missing still renders:
it states "no data for this selection" instead of failing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

import layers
from geo import mapview as gv
from geo import settings
from geo.aggregate import activity_totals
from geo.errors import InputError, UnknownNameError
from geo.i18n import t
from geo.indicators import MEASURES as MEASURE_COLUMNS
from geo.indicators import read_targets
from geo.periods import filter_period, parse_period
from geo.store import Store
from geo.vocab import AUDIENCES, COUNT_MEASURES, MEASURES, NATIONAL, VIEWS
from geo.zones import get_zone

if TYPE_CHECKING:
    from zoneplan.analysis import AnalysisResult

#: Colours of the point layers.
COLORS = {"places": "#1c7ed6", "gold_sites": "#c99a06", "centres": "#862e9c"}
#: Columns of analysis results the views look for (first found wins).
ACCESS_COLS = ("dist_centre_km", "dist_nearest_centre_km", "distance_km", "access_km",
               "dist_km")
#: Place kinds that get a coverage circle.
MAPPED_KINDS: tuple[str, ...] = ("village", "commune", "gold_site", "cercle_capital", "capital",
                                 "regional_capital", "town")
#: Classes of "% of target" (upper bounds; the last class is open): 100 % is the target reached.
PCT_BREAKS: tuple[float, ...] = (25.0, 50.0, 100.0, 200.0)
PCT_PALETTE: tuple[str, ...] = ("#fdd49e", "#fdbb84", "#a1d99b", "#41ab5d", "#006d2c")
#: With ``auto`` units and no admin units installed, rates use about this many H3 cells.
COVERAGE_MAX_CELLS = 150
#: Filters that only select records (coverage); the analyses do not take them.
RECORD_FILTERS: tuple[str, ...] = ("programme", "partner", "activity_type", "indicator",
                                   "measure")
#: Above this many units, unit names are not drawn.
MANY_UNITS = 60
CRITERIA_COLS = ("n_criteria", "criteria_met", "criteria_count", "n_met", "score")
GAP_COLS = ("gap_status", "status", "gap", "is_gap")


@dataclass
class Selection:
    """The activity records a coverage map counts, what it counts and the zone's target."""

    records: pd.DataFrame
    column: str | None
    target: float | None
    label: str
    basis: str = "people"
    notes: list[str] = field(default_factory=list)


def analyse(verb: str, **kwargs) -> AnalysisResult:
    """Return ``zoneplan.analysis.analyse(verb, **kwargs)``, importing the service on first use.

    h3 and the analyses' engine are not loaded by a coverage map of counts (the first page).
    """
    from zoneplan.analysis import analyse as run

    return run(verb, **kwargs)


def read_population(store: Store):
    """Return the installed population grid (``zoneplan.analysis.read_population``) or None."""
    from zoneplan.analysis import read_population as read

    return read(store)


def view_names() -> list[str]:
    """Return the valid view names."""
    return list(VIEWS)


def zone_names(store: Store | str | None = None) -> list[str]:
    """Return the valid zone ids (the intervention zones, then ``mali`` for national maps)."""
    return [*layers.module("zones").names(Store.of(store)), NATIONAL]


def _check(name: str, audience: str, lang: str) -> None:
    if name not in VIEWS:
        raise UnknownNameError("view", name, VIEWS)
    if audience not in AUDIENCES:
        raise UnknownNameError("audience", audience, AUDIENCES)
    if lang not in settings.LANGUAGES:
        raise UnknownNameError("language", lang, settings.LANGUAGES)


def data_version(store: Store, lang: str = settings.DEFAULT_LANGUAGE) -> str:
    """Return a short version of the data: the latest install or import date in the store."""
    meta = store.meta()
    for key in ("data_version", "records.version", "records.imported_at"):
        if meta.get(key):
            return meta[key]
    dates = sorted(v for k, v in meta.items() if k.endswith(".date") or k.endswith("_date")
                   or k.endswith(".imported"))
    return dates[-1] if dates else t("export.data_embedded", lang)


class Context:
    """Everything a view of one zone shares: the zone, its places, the context layers."""

    def __init__(self, zone: str, *, store: Store, lang: str, audience: str,
                 k: int = settings.SUPPRESSION_K) -> None:
        self.store, self.lang, self.audience = store, lang, audience
        self.k = k  # the suppression threshold: applied to case figures, stated in legends
        zones = layers.load("zones", store=store)
        if zone == NATIONAL:
            mali = layers.load("borders").query("iso_a3 == 'MLI'")
            zones = gpd.GeoDataFrame(
                {"zone_id": [NATIONAL], "name_fr": ["Mali"], "name_en": ["Mali"],
                 "programme_id": [""], "method": ["country"], "basis": ["Natural Earth"]},
                geometry=list(mali.geometry), crs=settings.CRS)
        elif zone not in set(zones["zone_id"]):
            raise UnknownNameError("zone", zone, [*zones["zone_id"], NATIONAL])
        self.zone = get_zone(zones, zone)
        self.zone_id = zone
        self.zones = zones
        prog = self.zone.iloc[0].get("programme_id")
        self.programme_id = "" if prog is None or pd.isna(prog) else str(prog)
        self.zone_name = str(self.zone.iloc[0]["name_fr" if lang == "fr" else "name_en"])
        geom = self.zone.geometry.iloc[0]
        allp = layers.module("places").load_all(store)
        in_zone = allp["zone"].eq(zone) | (zone == NATIONAL)
        self.unlocated = list(allp.loc[in_zone & ~allp["located"].astype(bool), "name"])
        located = allp[allp["located"].astype(bool)]
        hit = located["zone"].eq(zone) | located.within(geom) | (zone == NATIONAL)
        self.places = located[hit].copy()
        self.borders = layers.load("borders")
        admin = layers.load("admin", store=store)
        admin = admin[admin["level"] > 0]
        minx, miny, maxx, maxy = geom.bounds
        pad = max(maxx - minx, maxy - miny) * 0.5
        self.admin = admin.cx[minx - pad:maxx + pad, miny - pad:maxy + pad]
        if zone == NATIONAL:  # national maps: régions and cercles only
            self.admin = self.admin[self.admin["level"] <= 2]
        centres = layers.load("centres", audience=audience)
        self.centres = centres
        self.used = ["borders", "admin", "zones", "places", "centres"]
        self.unit_kind = ""

    def zones_in_programme(self, programme: str) -> int:
        """Return how many zones share ``programme`` (its targets are split among them)."""
        return int((self.zones["programme_id"] == programme).sum()) if programme else 1

    def sources(self) -> tuple[list[str], list[str]]:
        """Return the sources and attributions of the layers used (from each ``info()``)."""
        src, attr = [], []
        for name in self.used:
            mod = layers.module(name)
            info = mod.info() if name == "borders" else mod.info(self.store)
            title = mod.TITLE.get(self.lang, name)
            if info.get("source"):
                src.append(f"{title} : {info['source']}" if self.lang == "fr"
                           else f"{title}: {info['source']}")
            if info.get("attribution"):
                attr.append(info["attribution"])
        return src, attr

    def context(self) -> list[gv.ViewLayer]:
        """Return the context layers: countries, admin units, the zone outline."""
        return gv.context_layers(self.borders, lang=self.lang, admin=self.admin, zone=self.zone)

    def point_layers(self, place_ids: Iterable[str] | None = None, *,
                     villages: bool = False) -> list[gv.ViewLayer]:
        """Return the gold-mining sites (approximate ones apart) and the centres of the zone.

        ``villages`` adds the zone's other places (villages, towns) as context, for views whose
        data are not drawn at the places.
        """
        lang = self.lang
        places = self.places if place_ids is None else self.places[
            self.places["place_id"].isin(list(place_ids))]
        sites = places[places["kind"] == "gold_site"]
        out = []
        others = places[places["kind"] != "gold_site"]
        if villages and not others.empty:
            out.append(gv.point_layer(others, key="places", title=t("export.layer.places", lang),
                                      color=COLORS["places"], lang=lang, radius=4,
                                      role="context"))
        exact, approx = sites[~sites["approximate"]], sites[sites["approximate"]]
        tips = [("", "name"), ("", "note")]
        if not exact.empty:
            out.append(gv.point_layer(exact, key="gold_sites", title=t("export.layer.gold_sites",
                                                                        lang),
                                      color=COLORS["gold_sites"], lang=lang, radius=7,
                                      role="context", tip_fields=tips[:1]))
        if not approx.empty:
            out.append(gv.point_layer(approx, key="gold_sites_approx",
                                      title=t("export.layer.gold_sites_approx", lang),
                                      color="#ffe066", lang=lang, radius=9, role="context",
                                      edge=COLORS["gold_sites"], tip_fields=tips))
        centres = self.centres[self.centres.within(self.zone.geometry.iloc[0].buffer(0.5))]
        if not centres.empty:
            key = "export.layer.centres_internal" if self.audience == "internal" else \
                "export.layer.centres"
            out.append(gv.point_layer(centres, key="centres", title=t(key, lang),
                                      color=COLORS["centres"], lang=lang, radius=7,
                                      role="context",
                                      tip_fields=[("", "name"), ("", "town")]))
        return out

    def notes(self) -> list[str]:
        """Return the notes every view of the zone carries (places not mapped)."""
        if not self.unlocated:
            return []
        return [t("place.unlocated", self.lang, names=", ".join(self.unlocated))]


# --- data of each view -----------------------------------------------------------------------


def activities(store: Store, *, period: str | None = None) -> pd.DataFrame:
    """Return the imported activity records (optionally within ``period``), possibly empty."""
    return filter_period(layers.load("activities", store=store), period)


def _select(ctx: Context, records: pd.DataFrame, filters: dict) -> Selection:
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
    basis = "sessions" if measure == "sessions" else (
        str(row["measure"]) if row is not None and measure == "pct_target" else "people")
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


def _coverage_counts(ctx: Context, sel: Selection, measure: str,
                     place_ids: Iterable[str] | None) -> gv.ViewLayer:
    """Return proportional circles at the places: people (or sessions) of the selection."""
    lang = ctx.lang
    ctx.unit_kind = t("export.layer.places", lang).lower()
    mapped = ctx.places[ctx.places["kind"].isin(MAPPED_KINDS)]
    if place_ids is not None:
        mapped = mapped[mapped["place_id"].isin(list(place_ids))]
    else:
        mapped = _with_localities(ctx, mapped, sel.records)
    records = sel.records.assign(value=pd.to_numeric(sel.records[sel.column], errors="coerce")
                                 if sel.column else np.nan)
    totals = activity_totals(records.drop(columns=["total"], errors="ignore")
                             .rename(columns={"value": "total"}))
    frame = mapped.merge(totals, on="place_id", how="left") if not totals.empty else \
        mapped.assign(value=np.nan, sessions=np.nan)
    frame = gpd.GeoDataFrame(frame, geometry=mapped.geometry.name, crs=mapped.crs)
    on_map = set(mapped["place_id"])
    placed = records["place_id"] if "place_id" in records else pd.Series(dtype="object")
    unmatched = int((~placed.isin(on_map)).sum())
    tips = [(t("export.measure.sessions", lang) + (" :" if lang == "fr" else ":"), "_sessions")]
    frame["_sessions"] = pd.to_numeric(frame.get("sessions"), errors="coerce").map(
        lambda v: None if pd.isna(v) else f"{v:,.0f}".replace(",", "\u202f"))
    return gv.proportional_symbols(frame, key="coverage", title=sel.label, value_col="value",
                                   lang=lang, extra_tips=tips if measure == "people" else [],
                                   unmatched=unmatched or None, k=ctx.k)


def _with_localities(ctx: Context, mapped: gpd.GeoDataFrame,
                     records: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return ``mapped`` plus the user-gazetteer villages that records in the zone were matched to.

    Activities matched to an installed gazetteer (place id ``gaz:<id>``) are stored at the
    village's point; they are drawn there rather than counted as unmatched.
    """
    from geo.localities import LOCALITY_PREFIX

    if "place_id" not in records or "geometry" not in records:
        return mapped
    records = gpd.GeoDataFrame(records, geometry="geometry", crs=settings.CRS)
    local = records[records["place_id"].astype(str).str.startswith(LOCALITY_PREFIX)
                    & records.geometry.notna()]
    if local.empty:
        return mapped
    first = local.drop_duplicates("place_id")[["place_id", local.geometry.name]]
    first = first[first.within(ctx.zone.geometry.iloc[0])]
    if first.empty:
        return mapped
    names = layers.load("gazetteer", store=ctx.store).set_index("gaz_id")["name"]
    ids = first["place_id"].str.removeprefix(LOCALITY_PREFIX)
    extra = gpd.GeoDataFrame({"place_id": first["place_id"].values,
                              "name": ids.map(names).fillna(ids).values, "kind": "village"},
                             geometry=first.geometry.values, crs=mapped.crs)
    return gpd.GeoDataFrame(pd.concat([mapped, extra], ignore_index=True),
                            geometry=mapped.geometry.name, crs=mapped.crs)


def coverage_units(ctx: Context, units: str | None) -> gpd.GeoDataFrame:
    """Return the planning units of the coverage rates: admin units where installed, else H3.

    ``auto`` takes the communes (or cercles) when installed, else H3 cells coarse enough for a
    rate to mean something (about :data:`COVERAGE_MAX_CELLS` cells over the zone).
    """
    from geo.units import auto_resolution, h3_units, planning_units

    spec = units or "auto"
    admin = ctx.admin
    found = planning_units(ctx.zone, spec, admin if admin is not None and len(admin) else None)
    if spec == "auto" and str(found["kind"].iloc[0]).startswith("h3"):
        found = h3_units(ctx.zone, auto_resolution(ctx.zone, max_cells=COVERAGE_MAX_CELLS))
    return found


def _coverage_rates(ctx: Context, sel: Selection, measure: str,
                    units: str | None) -> tuple[gv.ViewLayer, list[str]]:
    """Return a choropleth of % of target or people per 1,000 children per planning unit."""
    from geo.coverage import attribute_to_units, coverage

    lang = ctx.lang
    frame = coverage_units(ctx, units)
    ctx.unit_kind = str(frame["kind"].iloc[0]) if len(frame) else ctx.unit_kind
    records = sel.records
    if not isinstance(records, gpd.GeoDataFrame) and "geometry" in records:
        records = gpd.GeoDataFrame(records, geometry="geometry", crs=settings.CRS)
    counted = records.assign(total=pd.to_numeric(records[sel.column], errors="coerce")
                             if sel.column else 0.0)
    population = read_population(ctx.store)
    covered = coverage(frame, counted, target_people=sel.target, population=population,
                       people_types=None)
    unit_of = attribute_to_units(counted, frame) if len(counted) else pd.Series(dtype="object")
    unmatched = int(unit_of.isna().sum())
    notes = []
    if measure == "pct_target":
        covered["value"] = (covered["coverage"] * 100.0).round(0)
        title = f"{sel.label} — {t('export.measure.pct_target', lang)}"
        if sel.target is None:
            notes.append(t("export.coverage.no_target", lang))
        else:
            notes.append(t("export.coverage.target_share", lang, target=gv.format_number(
                sel.target), n=len(covered)))
    else:
        covered["value"] = covered["people_per_1000_children"].round(1)
        title = t("export.measure.per_1000_children", lang)
        if population is None:
            notes.append(t("export.coverage.no_population", lang))
    covered["_count"] = covered["people_sensitised"].map(gv.format_number)
    tips = [(f"{sel.label} :" if lang == "fr" else f"{sel.label}:", "_count")]
    style: dict = {}
    if measure == "pct_target":  # classes that read against the target: 100 % = reached
        top = float(covered["value"].max()) if covered["value"].notna().any() else 0.0
        style = {"breaks": [*PCT_BREAKS, max(top, PCT_BREAKS[-1] + 1.0)], "open_top": True,
                 "palette": PCT_PALETTE}
    layer = gv.choropleth(covered, key="coverage", title=title, value_col="value", lang=lang,
                          extra_tips=tips, unmatched=unmatched or None, k=ctx.k, **style)
    if len(layer.frame) > MANY_UNITS:
        layer.labels = False
    return layer, notes


def _coverage_layers(ctx: Context, records: pd.DataFrame, filters: dict,
                     place_ids: Iterable[str] | None) -> tuple[list[gv.ViewLayer], list[str]]:
    sel = _select(ctx, records, filters)
    measure = filters.get("measure") or "people"
    if measure in COUNT_MEASURES:
        return [_coverage_counts(ctx, sel, measure, place_ids)], sel.notes
    layer, notes = _coverage_rates(ctx, sel, measure, filters.get("units"))
    return [layer], sel.notes + notes


def _analysis(verb: str, ctx: Context, **options):
    """Return ``(result, reason)``: the Analyses service's result, or why there is none.

    A result passed in (``options["analysis"]``, computed before by the caller for the same zone
    and options) is used as it is instead of running the analysis again.
    """
    given = options.pop("analysis", None)
    try:
        if given is not None:
            if getattr(given, "verb", verb) != verb or getattr(given, "zone", ctx.zone_id) \
                    != ctx.zone_id:
                raise InputError(f"analysis given is {given.verb!r} of {given.zone!r}; expected "
                                 f"{verb!r} of {ctx.zone_id!r}")
            result = given
        else:
            options = {"lang": ctx.lang, "audience": ctx.audience, "k": ctx.k, **options}
            result = analyse(verb, zone=ctx.zone_id, store=ctx.store, **options)
    except InputError as exc:
        return None, str(exc)
    kind = (getattr(result, "summary", None) or {}).get("unit_kind")
    if kind:
        ctx.unit_kind = str(kind)
    return result, ""


def _pick(frame: pd.DataFrame | None, names: Iterable[str], pattern: str | None = None):
    if frame is None:
        return None
    for name in names:
        if name in frame.columns:
            return name
    if pattern:
        for col in frame.columns:
            if re.search(pattern, str(col)):
                return col
    return None


def _unit_frame(result) -> gpd.GeoDataFrame | None:
    units = getattr(result, "units", None) if result is not None else None
    if units is None or len(units) == 0:
        return None
    units = units.copy()
    if "name" not in units.columns:
        units["name"] = units.get("unit_id", pd.Series("", index=units.index))
    return units


def _empty_units(ctx: Context) -> gpd.GeoDataFrame:
    zone = ctx.zone.copy()
    zone["name"] = ctx.zone_name
    return zone[["name", "geometry"]]


def _access_layers(ctx: Context, options: dict) -> tuple[list[gv.ViewLayer], list[str]]:
    lang = ctx.lang
    title = f"{t('export.view.access.value', lang)} ({t('export.kmunit', lang)})"
    result, reason = _analysis("access", ctx, **options)
    out, notes = [], [] if result is not None else [
        t("export.unavailable", lang, what="access", reason=reason)]
    units = _unit_frame(result)
    col = _pick(units, ACCESS_COLS, r"km$")
    palette = ("#1a9850", "#a6d96a", "#fee08b", "#fdae61", "#d73027")
    style = {"palette": palette, "special": ("no_data",), "open_top": True, "lang": lang,
             "title": title, "k": ctx.k}

    def bands(values: pd.Series) -> list[float]:
        top = float(pd.to_numeric(values, errors="coerce").max() or 0)
        return [*settings.ACCESS_BANDS_KM, max(top, settings.ACCESS_BANDS_KM[-1] + 1.0)]

    if units is not None and col:
        out.append(gv.choropleth(units, key="access", value_col=col, breaks=bands(units[col]),
                                 **style))
    points = getattr(result, "points", None) if result is not None else None
    pcol = _pick(points, ACCESS_COLS, r"km$")
    if points is not None and len(points) and pcol:
        layer = gv.choropleth(points, key="access_points", value_col=pcol, kind="point",
                              breaks=bands(points[pcol]), **style)
        if out:  # same bands and colours as the units: one legend is enough
            layer.legend = []
        out.append(layer)
    if not out:
        out.append(gv.choropleth(_empty_units(ctx), key="access", title=title,
                                 value_col="__none__", lang=lang, k=ctx.k))
    return out, notes


def _criteria_layer(ctx: Context, options: dict) -> tuple[list[gv.ViewLayer], list[str]]:
    lang = ctx.lang
    title = t("export.view.criteria.value", lang)
    result, reason = _analysis("criteria", ctx, **options)
    notes = [] if result is not None else [
        t("export.unavailable", lang, what="criteria", reason=reason)]
    units = _unit_frame(result)
    col = _pick(units, CRITERIA_COLS, r"^n_")
    if units is None or not col:
        return [gv.choropleth(_empty_units(ctx), key="criteria", title=title,
                              value_col="__none__", lang=lang, k=ctx.k)], notes
    cats = {0: (t("export.gap.not_eligible", lang), "#f7f7f7"), 1: ("1", "#fdd49e"),
            2: ("2", "#fc8d59"), 3: ("3", "#b30000")}
    units["_n"] = pd.to_numeric(units[col], errors="coerce").round().astype("Int64").astype(
        "object").where(lambda s: s.notna(), None)
    return [gv.categorical(units, key="criteria", title=title, col="_n", lang=lang,
                           categories=cats)], notes


def _gaps_layer(ctx: Context, options: dict) -> tuple[list[gv.ViewLayer], list[str]]:
    lang = ctx.lang
    title = t("export.view.gaps.value", lang)
    result, reason = _analysis("gaps", ctx, **options)
    notes = [] if result is not None else [
        t("export.unavailable", lang, what="gaps", reason=reason)]
    units = _unit_frame(result)
    col = _pick(units, GAP_COLS)
    if units is None or not col:
        return [gv.choropleth(_empty_units(ctx), key="gaps", title=title, value_col="__none__",
                              lang=lang, k=ctx.k)], notes
    values = units[col]
    if values.dtype == bool or set(values.dropna().unique()) <= {True, False}:
        units["_gap"] = values.map({True: "gap", False: "covered"})
    else:
        units["_gap"] = values.astype("object")
    cats = {"gap": (t("export.gap.gap", lang), "#d7301f"),
            "covered": (t("export.gap.covered", lang), "#74c476"),
            "not_eligible": (t("export.gap.not_eligible", lang), "#f0f0f0")}
    return [gv.categorical(units, key="gaps", title=title, col="_gap", lang=lang,
                           categories=cats)], notes


def next_sites_layer(sites: pd.DataFrame, *, lang: str) -> gv.ViewLayer:
    """Return the where-next suggestions as numbered points with their reasons."""
    frame = pd.DataFrame(sites).drop(columns="geometry", errors="ignore").copy()
    if not {"lon", "lat"} <= set(frame.columns):
        raise InputError("where-next sites lack lon/lat columns; expected the table of "
                         "analyse('next', ...)")
    steps = (frame["step"] if "step" in frame else pd.Series(range(1, len(frame) + 1),
                                                            index=frame.index)).astype(int)
    near = frame["near_place"] if "near_place" in frame else pd.Series("", index=frame.index)
    frame["_name"] = [t("export.next.site", lang, n=n, place=p) if isinstance(p, str) and p
                      else t("export.next.site_alone", lang, n=n)
                      for n, p in zip(steps, near, strict=True)]
    frame["_why"] = frame["explanation"] if "explanation" in frame else ""
    points = gpd.GeoDataFrame(frame, crs=settings.CRS,
                              geometry=gpd.points_from_xy(frame["lon"], frame["lat"]))
    return gv.point_layer(points, key="next_sites", title=t("export.layer.next_sites", lang),
                          color="#e8590c", lang=lang, name_col="_name", radius=8,
                          tip_fields=[("", "_name"), ("", "_why")], edge="#ffffff")


def build_view(name: str, *, zone: str, store: Store | str | None = None, lang: str = "fr",
               audience: str = "public", period: str | None = None,
               analysis: AnalysisResult | None = None, next_sites: pd.DataFrame | None = None,
               k: int = settings.SUPPRESSION_K, **filters) -> gv.View:
    """Return the view ``name`` of ``zone``, disclosure-controlled for ``audience``.

    Parameters
    ----------
    name
        One of :data:`VIEWS`.
    zone
        A zone id (``kangaba``, ``bamako``...), or ``mali`` for a national map; unknown ids raise
        listing the valid ones.
    audience
        ``public`` (town-level centres, suppressed case figures at commune level) or
        ``internal`` (exact centres where known; still never a point per child).
    period
        ``YYYY``, ``YYYY-MM`` or ``START/END``; ``None`` for every date.
    filters
        ``place_ids`` (restrict the data to these places), ``focus`` (a GeoDataFrame setting
        the extent), ``units`` (planning units). Coverage: ``measure`` (one of
        :data:`MEASURES`: ``people``/``sessions`` as proportional circles at the places,
        ``pct_target``/``per_1000_children`` as a choropleth over the planning units),
        ``programme``, ``partner`` (one or a list), ``activity_type`` and ``indicator`` select
        the records. Other views: the options of :func:`zoneplan.analysis.analyse`
        (``weights``, ``min_criteria``...).
    analysis
        The ``AnalysisResult`` of the view's verb, already computed for the same zone and
        options (the app caches it): reused as is instead of running the analysis again.
    next_sites
        The where-next suggestions (the ``table`` of ``analyse("next", ...)``: ``step``,
        ``lon``, ``lat``, ``near_place``, ``explanation``), drawn as numbered sites on the
        analysis views.
    k
        The suppression threshold: counts ``1 .. k-1`` of case figures are hidden, and the
        legends and the disclosure footer say so.
    """
    _check(name, audience, lang)
    store = Store.of(store)
    place_ids = filters.pop("place_ids", None)
    focus = filters.pop("focus", None)
    if period:
        parse_period(period)
    ctx = Context(zone, store=store, lang=lang, audience=audience, k=k)
    notes = ctx.notes()
    if name == "coverage":
        data, extra = _coverage_layers(ctx, activities(store, period=period), filters,
                                       place_ids)
        notes += extra
        ctx.used.append("activities")
    else:
        # The analyses do not depend on the period (centres, criteria); the gaps' coverage
        # counts every record, as `zoneplan analyse gaps` does.
        options = {key: v for key, v in filters.items() if key not in RECORD_FILTERS}
        options["analysis"] = analysis
        builder = {"access": _access_layers, "criteria": _criteria_layer,
                   "gaps": _gaps_layer}[name]
        data, extra = builder(ctx, options)
        notes += extra
    if next_sites is not None and len(next_sites) and name != "coverage":
        data.append(next_sites_layer(next_sites, lang=lang))
    sources, attributions = ctx.sources()
    units = ctx.unit_kind or filters.get("units") or (
        t("export.layer.places", lang).lower() if name == "coverage" else "")
    subtitle = t("export.subtitle", lang, zone=ctx.zone_name, units=units or "—",
                 period=period or t("export.period_all", lang))
    disclosure = gv.Disclosure(k=k, level=t("level.3", lang), period=period or "",
                               data_version=data_version(store, lang), audience=audience)
    return gv.make_view(name, lang=lang, title=t(f"export.view.{name}.title", lang),
                        subtitle=subtitle,
                        layers=[*ctx.context(), *data,
                                *ctx.point_layers(place_ids, villages=name in (
                                    "criteria", "gaps") or (name == "coverage" and (
                                        filters.get("measure") or "people") not in
                                    COUNT_MEASURES))],
                        disclosure=disclosure, sources=sources, attributions=attributions,
                        notes=notes, focus=focus if focus is not None else ctx.zone)
