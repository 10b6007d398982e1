"""Build the named map views (coverage, access, criteria, gaps) of a zone.

``build_view(name, zone=...)`` loads the zone (:class:`zoneplan.zone.ZoneData`: its places,
gold-mining sites and centres, town level for outside audiences), the context layers (borders,
admin units), then the view's data: :mod:`zoneplan.coverage_map` for ``coverage``;
``zoneplan.analysis.analyse`` for ``access``, ``criteria`` and ``gaps``, whose drawn columns are
the ones the engine declares (``DIST_CENTRE_COL``, ``N_CRITERIA_COL``, ``GAP_STATUS_COL``).
Case figures only ever reach a view through :func:`geo.disclosure.case_figures` at commune level or
coarser. A view whose data is missing still renders:
it states "no data for this selection" instead of failing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

import layers
from geo import mapview as gv
from geo import settings
from geo import symbology as sym
from geo.basemap import POINT_STYLES
from geo.errors import InputError, UnknownNameError
from geo.i18n import t
from geo.landmarks import NATURAL_KEYS, natural_layers
from geo.periods import parse_period
from geo.store import Store
from geo.vocab import AUDIENCES, COUNT_MEASURES, NATIONAL, RECORD_KINDS, VIEWS, Tables
from zoneplan.analysis_map import access_layers, criteria_layers, gaps_layers
from zoneplan.coverage_map import activities, coverage_layers
from zoneplan.records import record_sources
from zoneplan.sample import fictitious_counts
from zoneplan.zone import ZoneData, remembered

if TYPE_CHECKING:
    from zoneplan.analysis import AnalysisResult

#: Colours of the point layers (the base map's).
COLORS = {name: POINT_STYLES[name][0] for name in ("places", "gold_sites", "centres")}
#: Context beyond the zone is cut at this many times its size around it (see ``_clipper``).
CONTEXT_PAD = 1.5
CONTEXT_PAD_MIN_DEG = 0.5
#: Filters that only select records (coverage); the analyses do not take them.
RECORD_FILTERS: tuple[str, ...] = ("programme", "partner", "activity_type", "indicator", "measure")


def analyse(verb: str, **kwargs) -> AnalysisResult:
    """Return ``zoneplan.analysis.analyse(verb, **kwargs)``, importing the service on first use.

    h3 and the analyses' engine are not loaded by a coverage map of counts (the first page).
    """
    from zoneplan.analysis import analyse as run

    return run(verb, **kwargs)


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
    """Return the version of the data: a short hash of the records and the last import date.

    The hash is the first 8 hex digits of a SHA-1 over the sorted record ids of the activities
    and cases, so two outputs built on the same records say the same version. A store without
    records falls back to its latest install date, or says the data are the embedded ones.
    """
    ids = sorted(rid for table in RECORD_KINDS for rid in record_sources(store, table)["record_id"])
    if ids:
        digest = hashlib.sha1("\n".join(ids).encode("utf-8")).hexdigest()[:8]
        log = store.read(Tables.IMPORTS)
        dates = [] if log is None else sorted(str(d)[:10] for d in log["imported_at"].dropna())
        return t("export.data_version", lang, hash=digest, date=dates[-1] if dates else "—")
    meta = store.meta()
    for key in ("data_version", "records.version", "records.imported_at"):
        if meta.get(key):
            return meta[key]
    dates = sorted(
        v
        for k, v in meta.items()
        if k.endswith(".date") or k.endswith("_date") or k.endswith(".imported")
    )
    return dates[-1] if dates else t("export.data_embedded", lang)


class Canvas:
    """One view being drawn: the zone's data, the language, the audience, ``k`` and what was used."""

    def __init__(self, zone: ZoneData, *, lang: str, k: int = settings.SUPPRESSION_K) -> None:
        self.data = zone
        self.lang = lang
        self.k = k  # the suppression threshold: applied to case figures, stated in legends
        self.borders = layers.load("borders")
        self.admin = zone.admin_near()
        self.used = ["borders", "admin", "zones", "places", "centres", *NATURAL_KEYS]
        self.unit_kind = ""
        self.centre_ids: list[str] = []  # nearest centres of the zone's places, drawn beyond it

    # What every view reads of the zone.
    store = property(lambda self: self.data.store)
    audience = property(lambda self: self.data.audience)
    zone = property(lambda self: self.data.zone)
    zone_id = property(lambda self: self.data.zone_id)
    places = property(lambda self: self.data.places)
    centres = property(lambda self: self.data.centres)
    unlocated = property(lambda self: self.data.unlocated)
    programme_id = property(lambda self: self.data.programme_id)
    zone_name = property(lambda self: self.data.name(self.lang))
    unit_words = property(lambda self: unit_words(self.unit_kind, self.lang))

    def zones_in_programme(self, programme: str) -> int:
        """Return how many zones share ``programme`` (its targets are split among them)."""
        return self.data.zones_in_programme(programme)

    def sources(self) -> tuple[list[str], list[str]]:
        """Return the sources and attributions of the layers used (from each ``info()``)."""
        src, attr = [], []
        for name in self.used:
            mod = layers.module(name)
            info = mod.info() if name == "borders" else mod.info(self.store)
            title = mod.TITLE.get(self.lang, name)
            if info.get("source"):
                src.append(
                    f"{title} : {info['source']}" if self.lang == "fr" else f"{title}: {info['source']}"
                )
            if info.get("attribution"):
                attr.append(info["attribution"])
        return src, attr

    def context(self) -> list[gv.ViewLayer]:
        """Return the context layers: countries, rivers, lakes, towns, admin units, the zone outline.

        The same for every view of the zone in one language: built once per store version.
        """
        key = ("context", self.zone_id, self.lang)
        return list(remembered(self.store, key, self._context))

    def _context(self) -> list[gv.ViewLayer]:
        minx, miny, maxx, maxy = self.zone.total_bounds
        pad = max(maxx - minx, maxy - miny) * 0.3  # the towns around the zone too
        near = _clipper(self.zone)
        natural = natural_layers(
            lang=self.lang,
            bounds=(minx - pad, miny - pad, maxx + pad, maxy + pad),
            **{k: near(layers.load(k)) for k in NATURAL_KEYS},
        )
        return sym.context_layers(
            near(self.borders), lang=self.lang, admin=near(self.admin), zone=self.zone, natural=natural
        )

    def site_layers(
        self, place_ids: Iterable[str] | None = None, *, rings: bool = False
    ) -> list[gv.ViewLayer]:
        """Return the zone's gold-mining sites (approximate ones apart).

        ``rings`` draws them as wider unnamed circles to lay under the analysis views' places, so
        a site's place keeps its answer's colour inside a gold ring.
        """
        lang = self.lang
        places = self._places(place_ids)
        sites = places[places["kind"] == "gold_site"]
        grow = 4.0 if rings else 0.0
        out = []
        exact, approx = sites[~sites["approximate"]], sites[sites["approximate"]]
        tips = [("", "name"), ("", "note")]
        for frame, key, colour, radius, edge, tip in (
            (exact, "gold_sites", COLORS["gold_sites"], 7, "#333333", tips[:1]),
            (approx, "gold_sites_approx", "#ffe066", 9, COLORS["gold_sites"], tips),
        ):
            if frame.empty:
                continue
            out.append(
                sym.point_layer(
                    frame,
                    key=key,
                    title=t(f"export.layer.{key}", lang),
                    color=colour,
                    lang=lang,
                    radius=radius + grow,
                    role="context",
                    edge=colour if rings else edge,
                    tip_fields=tip,
                    labels=not rings,
                )
            )
        return out

    def point_layers(
        self,
        place_ids: Iterable[str] | None = None,
        *,
        villages: bool = False,
        sites: bool = True,
        centre_ids: Iterable[str] = (),
    ) -> list[gv.ViewLayer]:
        """Return the gold-mining sites and the centres of the zone (and ``centre_ids`` beyond it).

        ``villages`` adds the zone's other places (villages, towns) as context, for views whose
        data are not drawn at the places; ``sites=False`` leaves the gold-mining sites to the
        view (drawn as rings under its places).
        """
        lang = self.lang
        places = self._places(place_ids)
        out = []
        others = places[places["kind"] != "gold_site"]
        if villages and not others.empty:
            out.append(
                sym.point_layer(
                    others,
                    key="places",
                    title=t("export.layer.places", lang),
                    color=COLORS["places"],
                    lang=lang,
                    radius=4,
                    role="context",
                )
            )
        if sites:
            out += self.site_layers(place_ids)
        near = self.centres.within(self.zone.geometry.iloc[0].buffer(0.5))
        centres = self.centres[near | self.centres["centre_id"].astype(str).isin(list(centre_ids))]
        if not centres.empty:
            key = (
                "export.layer.centres_internal"
                if self.audience == "internal"
                else "export.layer.centres"
            )
            out.append(
                sym.point_layer(
                    centres,
                    key="centres",
                    title=t(key, lang),
                    color=COLORS["centres"],
                    lang=lang,
                    radius=7,
                    role="context",
                    tip_fields=[("", "name"), ("", "town")],
                )
            )
        return out

    def _places(self, place_ids: Iterable[str] | None) -> gpd.GeoDataFrame:
        if place_ids is None:
            return self.places
        return self.places[self.places["place_id"].isin(list(place_ids))]

    def notes(self) -> list[str]:
        """Return the notes every view of the zone carries (places not mapped)."""
        return self.data.unlocated_notes(self.lang)


def _clipper(zone: gpd.GeoDataFrame):
    """Return a function clipping a context frame to the zone's surroundings.

    Countries, rivers and admin boundaries far beyond the zone are never seen on its map (it opens
    on the zone) but would weigh on every page and print: they are cut at :data:`CONTEXT_PAD`
    times the zone's size around it (at least :data:`CONTEXT_PAD_MIN_DEG` degrees). A frame's
    rows that end empty are dropped; its index and columns are kept.
    """
    minx, miny, maxx, maxy = zone.total_bounds
    pad = max(max(maxx - minx, maxy - miny) * CONTEXT_PAD, CONTEXT_PAD_MIN_DEG)
    rect = (minx - pad, miny - pad, maxx + pad, maxy + pad)

    def clip(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if frame is None or frame.empty:
            return frame
        fminx, fminy, fmaxx, fmaxy = frame.total_bounds
        if fminx >= rect[0] and fminy >= rect[1] and fmaxx <= rect[2] and fmaxy <= rect[3]:
            return frame  # already inside
        cut = frame.geometry.clip_by_rect(*rect)
        keep = ~cut.is_empty
        out = frame[keep].copy()
        out[out.geometry.name] = cut[keep]
        return out

    return clip


def unit_words(kind: str, lang: str) -> str:
    """Return planning units as a person reads them: "hexagones d'environ 0,74 km² (h3:8)", "communes".

    The option's own spelling (``h3:8``, as ``--units`` takes it) follows the hexagons' size.
    """
    head, _, res = str(kind).partition(":")
    if not head:
        return "—"
    try:
        word = t(f"analyses.unit_kind.{head}", lang)
    except KeyError:  # already words ("lieux")
        return str(kind)
    if head == "h3" and res.isdigit():
        import h3  # only the analyses' hexagons need it

        area = h3.average_hexagon_area(int(res), unit="km^2")
        size = f"{area:.2g}" if area < 10 else f"{area:,.0f}".replace(",", "\u202f")
        km2 = size.replace(".", "," if lang == "fr" else ".")
        return t("export.units.h3", lang, word=word, km2=km2, kind=kind)
    return word


def _analysis(verb: str, ctx: Canvas, **options):
    """Return ``(result, reason)``: the Analyses service's result, or why there is none.

    A result passed in (``options["analysis"]``, computed before by the caller for the same zone
    and options) is used as it is instead of running the analysis again.
    """
    given = options.pop("analysis", None)
    try:
        if given is not None:
            if (
                getattr(given, "verb", verb) != verb
                or getattr(given, "zone", ctx.zone_id) != ctx.zone_id
            ):
                raise InputError(
                    f"analysis given is {given.verb!r} of {given.zone!r}; expected "
                    f"{verb!r} of {ctx.zone_id!r}"
                )
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


def next_sites_layer(sites: pd.DataFrame, *, lang: str) -> gv.ViewLayer:
    """Return the where-next suggestions as numbered points with their reasons."""
    frame = pd.DataFrame(sites).drop(columns="geometry", errors="ignore").copy()
    if not {"lon", "lat"} <= set(frame.columns):
        raise InputError(
            "where-next sites lack lon/lat columns; expected the table of analyse('next', ...)"
        )
    steps = (
        frame["step"] if "step" in frame else pd.Series(range(1, len(frame) + 1), index=frame.index)
    ).astype(int)
    col = next((c for c in ("nearest_place", "near_place") if c in frame), None)
    near = frame[col] if col else pd.Series("", index=frame.index)
    frame["_name"] = [
        t("export.next.site", lang, n=n, place=p)
        if isinstance(p, str) and p
        else t("export.next.site_alone", lang, n=n)
        for n, p in zip(steps, near, strict=True)
    ]
    frame["_why"] = frame["explanation"] if "explanation" in frame else ""
    points = gpd.GeoDataFrame(
        frame, crs=settings.CRS, geometry=gpd.points_from_xy(frame["lon"], frame["lat"])
    )
    return sym.point_layer(
        points,
        key="next_sites",
        title=t("export.layer.next_sites", lang),
        color="#e8590c",
        lang=lang,
        name_col="_name",
        radius=8,
        tip_fields=[("", "_name"), ("", "_why")],
        edge="#ffffff",
    )


def build_view(
    name: str,
    *,
    zone: str,
    store: Store | str | None = None,
    lang: str = "fr",
    audience: str = "public",
    period: str | None = None,
    analysis: AnalysisResult | None = None,
    next_sites: pd.DataFrame | None = None,
    k: int = settings.SUPPRESSION_K,
    **filters,
) -> gv.View:
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
        ``lon``, ``lat``, ``nearest_place``, ``explanation``), drawn as numbered sites on the
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
    ctx = Canvas(ZoneData.load(zone, store=store, audience=audience), lang=lang, k=k)
    notes = ctx.notes()
    result = None
    if name == "coverage":
        data, extra = coverage_layers(ctx, activities(store, period=period), filters, place_ids)
        ctx.used.append("activities")
    else:
        # The analyses do not depend on the period (centres, criteria); the gaps' coverage
        # counts every record, as `zoneplan analyse gaps` does.
        options = {key: v for key, v in filters.items() if key not in RECORD_FILTERS}
        result, reason = _analysis(name, ctx, analysis=analysis, **options)
        builder = {"access": access_layers, "criteria": criteria_layers, "gaps": gaps_layers}[name]
        data, extra = builder(ctx, result, reason)
    notes += extra
    if next_sites is not None and len(next_sites) and name != "coverage":
        data.append(next_sites_layer(next_sites, lang=lang))
    sources, attributions = ctx.sources()
    drawn = result is not None and any(lyr.key == "places" and lyr.role == "data" for lyr in data)
    villages = (name in ("criteria", "gaps") and not drawn) or (
        name == "coverage" and (filters.get("measure") or "people") not in COUNT_MEASURES
    )
    kind = ctx.unit_kind or filters.get("units") or ""
    subtitle = t(
        "export.subtitle.places" if drawn else "export.subtitle",
        lang,
        zone=ctx.zone_name,
        n=len(result.places) if drawn else 0,
        units=unit_words(kind, lang)
        if kind or name != "coverage"
        else t("export.layer.places", lang).lower(),
        period=period or t("export.period_all", lang),
    )
    disclosure = gv.Disclosure(
        k=k,
        level=t("level.3", lang),
        period=period or "",
        data_version=data_version(store, lang),
        audience=audience,
        fictitious=any(fictitious_counts(store).values()),
    )
    return gv.make_view(
        name,
        lang=lang,
        title=t(f"export.view.{name}.title", lang),
        subtitle=subtitle,
        layers=[
            *ctx.context(),
            *data,
            *ctx.point_layers(place_ids, villages=villages, sites=not drawn, centre_ids=ctx.centre_ids),
        ],
        disclosure=disclosure,
        sources=sources,
        attributions=attributions,
        notes=notes,
        focus=focus if focus is not None else ctx.zone,
    )
