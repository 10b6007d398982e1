"""The analysis views' data: the zone's places answering each view's question, over its units.

- ``access``: each place in its distance band to its nearest centre, over the planning units in
  the same bands (lighter), and a line from the zone to each nearest centre that lies outside it,
  named "centre le plus proche : Bamako, 94 km";
- ``criteria``: the places by number of criteria met, over the units' classes (lighter);
- ``gaps``: the places by gap (sensitisation and care access, one of them), covered or not at
  risk, over a light background of units (sans localité connue where no settlement is known).

The places that answer most (:data:`NAMED_PLACES`) are named on the map, gold-mining sites ring
their places, and the analysis' notes ("aucune sensibilisation enregistrée...") go on the map.
The views draw the columns the engine declares (``DIST_CENTRE_COL``, ``N_CRITERIA_COL``,
``GAP_STATUS_COL``, the places of :data:`zoneplan.placeframe.PLACE_COLUMNS`).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import shapely

from geo import mapview as gv
from geo import settings
from geo import symbology as sym
from geo.access import DIST_CENTRE_COL
from geo.criteria import N_CRITERIA_COL
from geo.gaps import GAP_STATUS_COL
from geo.i18n import t

if TYPE_CHECKING:
    from zoneplan.analysis import AnalysisResult
    from zoneplan.maps import Canvas

#: Places named on an analysis map: the first of the view's answer (highest gap priority, most
#: criteria, farthest from care), so that the map stays readable.
NAMED_PLACES = 10
#: Colours of a place's gap status (:func:`zoneplan.placeframe.place_status`), most urgent first.
GAP_COLORS: dict[str, str] = {
    "both": "#99000d",
    "sensitisation": "#f16913",
    "access": "#2171b5",
    "covered": "#41ab5d",
    "not_at_risk": "#d4d4d4",
}
#: Light fills of the units behind the places (:func:`zoneplan.placeframe.roll_up`).
UNIT_GAP_COLORS: dict[str, str] = {
    "gap": "#fcd0c0",
    "covered": "#d5efcf",
    "not_eligible": "#eeeeee",
    "no_place": "#fbfaf7",
}
#: Colours of the number of criteria met (0 to 3), for places and units.
CRITERIA_COLORS: dict[int, str] = {0: "#d9d9d9", 1: "#fdd49e", 2: "#fc8d59", 3: "#b30000"}
#: Distance bands to the nearest centre, near to far.
ACCESS_PALETTE: tuple[str, ...] = ("#1a9850", "#a6d96a", "#fee08b", "#fdae61", "#d73027")
#: The line from a zone to a nearest centre outside it (the centres' colour).
ROUTE_COLOR = "#862e9c"
#: Opacity of the units behind the places: the places carry the answer.
BACKGROUND_OPACITY = 0.4


def notes(ctx: Canvas, result: AnalysisResult | None, reason: str, what: str) -> list[str]:
    """Return what the map must say: why there is no analysis, or the analysis' own notes.

    The notes explain a map (nothing recorded makes every place at risk a gap; no located
    place); the case-figure note concerns tables, and unlocated places are said once, by the view.
    """
    lang = ctx.lang
    if result is None:
        return [t("export.unavailable", lang, what=what, reason=reason)]
    said = {
        t("analyses.cases_hidden", lang),
        t("analyses.unlocated", lang, names=", ".join(ctx.unlocated)),
    }
    return [note for note in result.summary.get("notes", []) if note not in said]


def empty_layer(ctx: Canvas, key: str, title: str) -> gv.ViewLayer:
    """Return the zone as one no-data unit: the view still renders and says so."""
    zone = ctx.zone.copy()
    zone["name"] = ctx.zone_name
    return sym.choropleth(
        zone[["name", "geometry"]], key=key, title=title, value_col="__none__", lang=ctx.lang, k=ctx.k
    )


def _has(frame: gpd.GeoDataFrame | None) -> bool:
    return frame is not None and len(frame) > 0


def _background(layer: gv.ViewLayer, title: str | None = None, *, ctx: Canvas) -> gv.ViewLayer:
    """Return ``layer`` as a light, unnamed background.

    Its legend lists its classes under ``title``; without a title, one line says the background
    repeats the places' classes, lighter.
    """
    if title is not None:
        legend = [gv.LegendEntry(title, "none", "heading")]
        legend += [e for e in layer.legend if e.kind != "heading"]
    else:
        fills = layer.frame.loc[layer.frame["_status"] == "value", "_fill"]
        common = fills.mode().iloc[0] if len(fills) else "#cccccc"  # the background's own hue
        label = t("export.background.same", ctx.lang, units=ctx.unit_words)
        legend = [gv.LegendEntry(label, _lighter(common), "fill")]
    return dataclasses.replace(
        layer, key=f"{layer.key}_units", fill_opacity=BACKGROUND_OPACITY, labels=False, legend=legend
    )


def _lighter(colour: str, share: float = BACKGROUND_OPACITY) -> str:
    """Return ``colour`` (``#rrggbb``) as it shows at ``share`` opacity over white."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * share):02x}" for c in rgb)


def _radius(n: int) -> float:
    """Return the circle radius (pixels) of a place among ``n``: smaller when they are many."""
    for most, radius in ((60, 6.0), (400, 5.0), (1500, 3.5), (5000, 2.5)):
        if n <= most:
            return radius
    return 1.8


#: Above this many places, circles have no outline (thousands of outlines darken the map).
OUTLINED_MAX = 1500


def _places_layer(
    ctx: Canvas, places: gpd.GeoDataFrame, layer: gv.ViewLayer, named: pd.Index
) -> list[gv.ViewLayer]:
    """Return the gold-mining sites as rings, then the places over them.

    Only the places ``named`` (the first :data:`NAMED_PLACES`) keep their name on the map; every
    place keeps its tooltip.
    """
    frame = layer.frame.copy()
    frame["_label"] = frame["_label"].where(frame.index.isin(named[:NAMED_PLACES]), "")
    if len(frame) > OUTLINED_MAX:
        frame["_edge"] = frame["_fill"]
    rings = ctx.site_layers(rings=True) if (places["kind"] == "gold_site").any() else []
    drawn = dataclasses.replace(
        layer, frame=frame, labels=True, radius=_radius(len(frame)), fill_opacity=0.95
    )
    return [*rings, drawn]


def _blank(frame: pd.DataFrame, col: str) -> pd.Series:
    """Return ``col`` with empty texts as missing (a tooltip skips them)."""
    values = frame[col].astype("object") if col in frame else pd.Series(None, index=frame.index)
    return values.where(values.notna() & (values.astype(str).str.strip() != ""), None)


# --- gaps ------------------------------------------------------------------------------------


def gaps_layers(
    ctx: Canvas, result: AnalysisResult | None, reason: str
) -> tuple[list[gv.ViewLayer], list[str]]:
    """Return the gaps view: the places by gap status over a light background of their units."""
    lang = ctx.lang
    said = notes(ctx, result, reason, "gaps")
    units = result.units if result is not None else None
    places = result.places if result is not None else None
    if not _has(units) and not _has(places):
        return [empty_layer(ctx, "gaps", t("export.view.gaps.value", lang))], said
    out = []
    # Hexagons add nothing under the places (each holds one place or none, too small to see at
    # the zone's scale); communes and cercles, the areas planned by, stay as a light background.
    hexagons = str(ctx.unit_kind).startswith("h3") and _has(places)
    if _has(units) and GAP_STATUS_COL in units and not hexagons:
        cats = {s: (t(f"export.gap.unit.{s}", lang), colour) for s, colour in UNIT_GAP_COLORS.items()}
        frame = units.assign(_why=_blank(units, "gap_reasons"))
        layer = sym.categorical(
            frame,
            key="gaps",
            title=t("export.gap.unit.title", lang),
            col=GAP_STATUS_COL,
            lang=lang,
            categories=cats,
            extra_tips=[("", "_why")],
        )
        out.append(_background(layer, t("export.background", lang, units=ctx.unit_words), ctx=ctx))
    if _has(places):
        km = result.summary.get("access_km", settings.ACCESS_KM)
        cats = {
            s: (t(f"export.gap.place.{s}", lang, km=f"{km:g}"), colour)
            for s, colour in GAP_COLORS.items()
        }
        rank = {s: i for i, s in enumerate(reversed(list(GAP_COLORS)))}
        frame = places.assign(
            _rank=places[GAP_STATUS_COL].map(rank).fillna(-1),
            _why=_blank(places, "gap_reasons"),
            _commune=_blank(places, "commune"),
        ).sort_values(["_rank", "priority"], kind="stable")  # the most urgent drawn last, on top
        layer = sym.categorical(
            frame,
            key="places",
            title=t("export.gap.places", lang),
            tip_label=t("export.tip.status", lang),
            col=GAP_STATUS_COL,
            lang=lang,
            categories=cats,
            kind="point",
            extra_tips=[(t("export.tip.commune", lang), "_commune"), ("", "_why")],
        )
        gaps = places[places[GAP_STATUS_COL].isin(["both", "sensitisation", "access"])]
        first = gaps.sort_values("priority", ascending=False, kind="stable").index
        out += _places_layer(ctx, places, layer, first)
    return out, said


# --- criteria --------------------------------------------------------------------------------


def _criteria_categories(lang: str) -> dict[int, tuple[str, str]]:
    return {
        n: (t(f"export.criteria.n{min(n, 2)}", lang, n=n), colour)
        for n, colour in CRITERIA_COLORS.items()
    }


def _n_criteria(frame: pd.DataFrame) -> pd.Series:
    return (
        pd.to_numeric(frame[N_CRITERIA_COL], errors="coerce")
        .round()
        .astype("Int64")
        .astype("object")
        .where(lambda s: s.notna(), None)
    )


def criteria_layers(
    ctx: Canvas, result: AnalysisResult | None, reason: str
) -> tuple[list[gv.ViewLayer], list[str]]:
    """Return the criteria view: the places by criteria met over the units' classes."""
    lang = ctx.lang
    title = t("export.view.criteria.value", lang)
    said = notes(ctx, result, reason, "criteria")
    units = result.units if result is not None else None
    places = result.places if result is not None else None
    if not _has(units) and not _has(places):
        return [empty_layer(ctx, "criteria", title)], said
    cats = _criteria_categories(lang)
    out = []
    if _has(units):
        layer = sym.categorical(
            units.assign(_n=_n_criteria(units)),
            key="criteria",
            title=title,
            col="_n",
            lang=lang,
            categories=cats,
        )
        out.append(_background(layer, None, ctx=ctx) if _has(places) else layer)
    if _has(places):
        frame = places.assign(
            _n=_n_criteria(places),
            _why=_blank(places, "explanation"),
            _commune=_blank(places, "commune"),
        )
        frame = frame.sort_values([N_CRITERIA_COL, "total_score"], kind="stable")
        layer = sym.categorical(
            frame,
            key="places",
            title=t("export.criteria.places", lang),
            tip_label=t("export.tip.criteria", lang),
            col="_n",
            lang=lang,
            categories=cats,
            kind="point",
            extra_tips=[(t("export.tip.commune", lang), "_commune"), ("", "_why")],
        )
        first = places.sort_values([N_CRITERIA_COL, "total_score"], ascending=False, kind="stable")
        out += _places_layer(ctx, places, layer, first[first["meets_criteria"].astype(bool)].index)
    return out, said


# --- access ----------------------------------------------------------------------------------


def _bands(values: pd.Series) -> list[float]:
    top = float(pd.to_numeric(values, errors="coerce").max() or 0)
    return [*settings.ACCESS_BANDS_KM, max(top, settings.ACCESS_BANDS_KM[-1] + 1.0)]


def access_layers(
    ctx: Canvas, result: AnalysisResult | None, reason: str
) -> tuple[list[gv.ViewLayer], list[str]]:
    """Return the access view: places by distance band over the units, lines to far centres."""
    lang = ctx.lang
    title = f"{t('export.view.access.value', lang)} ({t('export.kmunit', lang)})"
    said = notes(ctx, result, reason, "access")
    units = result.units if result is not None else None
    places = result.points if result is not None else None
    if not _has(units) and not _has(places):
        return [empty_layer(ctx, "access", title)], said
    style = {
        "palette": ACCESS_PALETTE,
        "special": ("no_data",),
        "open_top": True,
        "lang": lang,
        "title": title,
        "k": ctx.k,
    }
    out = []
    if _has(units):
        layer = sym.choropleth(
            units,
            key="access",
            value_col=DIST_CENTRE_COL,
            breaks=_bands(units[DIST_CENTRE_COL]),
            **style,
        )
        out.append(_background(layer, None, ctx=ctx) if _has(places) else layer)
    if _has(places):
        frame = places.assign(_centre=_centre_names(places, ctx.audience))
        # far first: the few places near a centre stay visible over the many far ones
        frame = frame.sort_values(DIST_CENTRE_COL, ascending=False, kind="stable")
        layer = sym.choropleth(
            frame,
            key="places",
            value_col=DIST_CENTRE_COL,
            kind="point",
            breaks=_bands(places[DIST_CENTRE_COL]),
            extra_tips=[(t("export.tip.centre", lang), "_centre")],
            **style,
        )
        first = places.sort_values(DIST_CENTRE_COL, ascending=False, kind="stable").index
        out += _places_layer(ctx, places, layer, first)
        routes = _routes(ctx, places)
        if len(routes):
            out.append(
                sym.line_layer(
                    routes,
                    key="routes",
                    title=t("export.route.title", lang),
                    color=ROUTE_COLOR,
                    tip_fields=[("", "name"), ("", "_why")],
                    dash="6 4",
                )
            )
        ctx.centre_ids = list(places["nearest_centre_id"].dropna().astype(str).unique())
    return out, said


def _centre_names(places: pd.DataFrame, audience: str) -> pd.Series:
    """Return each place's nearest centre as a person reads it: "Bamako" (public) or its name."""
    town = places["nearest_centre_town"].astype("object")
    name = places["nearest_centre"].astype("object")
    if audience == "internal":
        return name.where(town.isna(), name + " (" + town.astype(str) + ")")
    return town.where(town.notna(), name)


def _routes(ctx: Canvas, places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return one line per town of nearest centres outside the zone, from the place nearest it.

    Its name is the label a person reads ("centre le plus proche : Bamako, 94 km", the distance
    from that place); ``_why`` says which centres, how many places they serve and how far.
    """
    lang = ctx.lang
    zone = ctx.zone.geometry.iloc[0]
    found = places.dropna(subset=["centre_lon", "centre_lat", DIST_CENTRE_COL])
    town = found["nearest_centre_town"].where(
        found["nearest_centre_town"].notna(), found["nearest_centre"]
    )
    rows = []
    for name, group in found.groupby(town, sort=False):
        near = group.loc[group[DIST_CENTRE_COL].idxmin()]
        centre = shapely.Point(near["centre_lon"], near["centre_lat"])
        if zone.contains(centre):
            continue  # drawn in the zone, named there
        low, high = group[DIST_CENTRE_COL].min(), group[DIST_CENTRE_COL].max()
        centres = ", ".join(dict.fromkeys(_centre_names(group, ctx.audience)))
        why = t(
            "export.route.tip",
            lang,
            n=len(group),
            low=f"{low:.0f}",
            high=f"{high:.0f}",
            place=near["name"],
        )
        rows.append(
            {
                "name": t("export.route.label", lang, centre=name, km=f"{low:.0f}"),
                "_why": f"{centres} — {why}",
                "geometry": shapely.LineString(
                    [(near.geometry.x, near.geometry.y), (centre.x, centre.y)]
                ),
            }
        )
    return gpd.GeoDataFrame(rows, columns=["name", "_why", "geometry"], crs=settings.CRS)
