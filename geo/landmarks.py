"""Rivers, lakes and major towns: the natural context a map without tiles is read by.

:func:`natural_layers` styles the Natural Earth frames (``layers.rivers``, ``layers.lakes``,
``layers.towns``) as context :class:`geo.mapview.ViewLayer` drawn under the data: thin blue
lines, pale lakes, small grey town dots. Their names are printed last and only where they cover
no other name nor symbol (:mod:`geo.printlabels`, :mod:`geo.weblabels`), so they never hide the
data. They have no legend entry: a reader knows a river. Pure functions: inputs are copied.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from geo import settings
from geo.i18n import t
from geo.mapview import ViewLayer, styled

#: The keys of the natural context layers, in drawing order (lakes under rivers under towns).
NATURAL_KEYS: tuple[str, ...] = ("lakes", "rivers", "towns")
#: Colours: rivers and their names, lakes (fill, outline), towns and their names.
COLORS: dict[str, str] = {
    "river": "#7fb2d9",
    "river_label": "#2f6f9f",
    "lake": "#d6e7f3",
    "lake_edge": "#9ec5e0",
    "town": "#8a8a8a",
    "town_label": "#5a5a5a",
}
#: Where along a river's longest visible stretch its name is tried, in order (share of its length).
RIVER_AT: tuple[float, ...] = (0.5, 0.35, 0.65, 0.2, 0.8)
#: At most this many towns on one map (the largest first), so names stay readable.
MAX_TOWNS = 12


def natural_layers(
    *,
    lang: str,
    rivers: gpd.GeoDataFrame | None = None,
    lakes: gpd.GeoDataFrame | None = None,
    towns: gpd.GeoDataFrame | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    max_towns: int = MAX_TOWNS,
) -> list[ViewLayer]:
    """Return the lakes, rivers and towns as context layers, in drawing order.

    ``rivers`` and ``lakes`` have ``name`` (French) and ``name_en``; ``towns`` has ``name``,
    ``scalerank`` and ``pop_max``. Rivers are merged by name (one name per river); only the
    ``max_towns`` most important towns inside ``bounds`` (degrees, default Mali) are kept.
    """
    out: list[ViewLayer] = []
    if lakes is not None and not lakes.empty:
        frame = _named(lakes, lang)
        out.append(
            ViewLayer(
                key="lakes",
                title=t("layer.lakes", lang),
                frame=styled(frame, fill=COLORS["lake"], edge=COLORS["lake_edge"], label_col="name"),
                kind="polygon",
                role="context",
                weight=0.5,
                fill_opacity=1.0,
            )
        )
    if rivers is not None and not rivers.empty:
        frame = _named(rivers, lang)
        frame = frame[["name", frame.geometry.name]].dissolve(by="name", as_index=False)
        out.append(
            ViewLayer(
                key="rivers",
                title=t("layer.rivers", lang),
                frame=styled(frame, fill="none", edge=COLORS["river"], label_col="name"),
                kind="line",
                role="context",
                weight=1.0,
                fill_opacity=0.0,
                labels=True,
            )
        )
    if towns is not None and not towns.empty:
        frame = _towns_in(towns, bounds or settings.MALI_BBOX, max_towns)
        if not frame.empty:
            out.append(
                ViewLayer(
                    key="towns",
                    title=t("layer.towns", lang),
                    frame=styled(frame, fill=COLORS["town"], edge="#ffffff", label_col="name"),
                    kind="point",
                    role="context",
                    weight=0.5,
                    fill_opacity=1.0,
                    radius=2.5,
                    labels=True,
                )
            )
    return out


def _named(frame: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    """Return a copy of ``frame`` whose ``name`` is in ``lang`` (French names are the default)."""
    out = frame.copy()
    if lang != "fr" and "name_en" in out.columns:
        out["name"] = out["name_en"].where(out["name_en"].notna() & out["name_en"].ne(""), out["name"])
    return out


def _towns_in(
    towns: gpd.GeoDataFrame, bounds: tuple[float, float, float, float], limit: int
) -> gpd.GeoDataFrame:
    """Return the ``limit`` most important towns inside ``bounds`` (rank, then population)."""
    minx, miny, maxx, maxy = bounds
    pts = towns.to_crs(settings.CRS)
    inside = pts[pts.geometry.x.between(minx, maxx) & pts.geometry.y.between(miny, maxy)].copy()
    rank = pd.to_numeric(inside.get("scalerank", 0), errors="coerce").fillna(99)
    pop = pd.to_numeric(inside.get("pop_max", 0), errors="coerce").fillna(0)
    order = inside.assign(_rank=rank, _pop=-pop).sort_values(["_rank", "_pop"], kind="stable")
    return order.drop(columns=["_rank", "_pop"]).head(limit)


def label_anchors(geom: shapely.Geometry, inner: shapely.Geometry) -> list[tuple[float, float]]:
    """Return the ``(x, y)`` where a context name may go, best first.

    A point inside ``inner`` gives itself; a line, points along its longest stretch inside
    ``inner`` (:data:`RIVER_AT`).

    ``geom`` and ``inner`` (the map's extent, a little inset) share one CRS.
    """
    if geom.geom_type == "Point":
        return [(geom.x, geom.y)] if inner.contains(geom) else []
    part = shapely.intersection(geom, inner)
    pieces = [
        g for g in getattr(part, "geoms", [part]) if g.geom_type == "LineString" and not g.is_empty
    ]
    if not pieces:
        return []
    longest = max(pieces, key=lambda g: g.length)
    return [(p.x, p.y) for p in (longest.interpolate(f, normalized=True) for f in RIVER_AT)]
