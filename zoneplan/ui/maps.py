"""Map widgets for the app: the base layers map and a compact layer for many points.

The thematic maps come from ``zoneplan.maps.build_view`` + ``geo.render_folium.to_folium``; this
module only draws what every page shares (borders, admin units, zones, places, sites, centres);
many points (the gazetteer's 14,957 localities) go through :class:`geo.render_folium.PointCloud`,
one flat coordinate array drawn on a single canvas, well under 1 MB.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import folium
import geopandas as gpd

from geo import settings
from geo.i18n import t
from geo.render_folium import Control, PointCloud
from geo.webmap import OfflineMap, display_geometry, escape

#: Style of each base layer: (stroke colour, fill colour, fill opacity, stroke weight).
POLYGON_STYLES: dict[str, tuple[str, str, float, float]] = {
    "borders": ("#555555", "#e8e4da", 0.6, 1.0),
    "mali": ("#222222", "#fbfaf6", 0.9, 2.2),
    "admin.1": ("#6b6b6b", "#ffffff", 0.0, 1.4),
    "admin.2": ("#9a9a9a", "#ffffff", 0.0, 0.8),
    "admin.3": ("#bdbdbd", "#ffffff", 0.0, 0.5),
    "zones": ("#d9480f", "#fd7e14", 0.18, 2.0),
}
#: Style of each point layer: (colour, radius in pixels).
POINT_STYLES: dict[str, tuple[str, float]] = {
    "places": ("#1c7ed6", 4.0),
    "gold_sites": ("#c99a06", 6.0),
    "centres": ("#862e9c", 7.0),
    "gazetteer": ("#495057", 1.8),
}
POINT_LAYERS: tuple[str, ...] = ("gazetteer", "places", "gold_sites", "centres")


def legend_html(title: str, rows: Sequence[tuple[str, str, str]]) -> str:
    """Return a legend box's HTML from (swatch colour, label, kind) rows, every text escaped."""
    parts = [f"<b>{escape(title)}</b>"] if title else []
    for colour, label, kind in rows:
        cls = "sw hatch" if kind == "hatch" else "sw"
        radius = "border-radius:50%;" if kind == "point" else ""
        style = "" if kind == "hatch" else f"background:{escape(colour)};{radius}"
        parts.append(f'<div><span class="{cls}" style="{style}"></span>{escape(label)}</div>')
    return "".join(parts)


def _props(frame: gpd.GeoDataFrame, columns: Mapping[str, str]) -> gpd.GeoDataFrame:
    """Keep ``columns`` (renamed) and the geometry, with every text escaped for HTML."""
    out = frame[[*columns, frame.geometry.name]].rename(columns=dict(columns))
    for col in columns.values():
        out[col] = out[col].map(escape)
    return out


def _polygons(frame: gpd.GeoDataFrame, name: str, style: tuple[str, str, float, float],
              label: str, *, show: bool = True, tooltip: bool = True) -> folium.GeoJson:
    stroke, fill, opacity, weight = style
    shown = display_geometry(frame, tolerance_deg=0.005)
    data = json.loads(_props(shown, {"name": "name"}).to_json(drop_id=True))
    return folium.GeoJson(
        data, name=name, show=show,
        style_function=lambda _f: {"color": stroke, "fillColor": fill, "fillOpacity": opacity,
                                   "weight": weight},
        tooltip=folium.GeoJsonTooltip(["name"], aliases=[label]) if tooltip else None,
    )


def add_points(m: folium.Map, frame: gpd.GeoDataFrame, name: str, style: tuple[str, float], *,
               label_col: str = "name", show: bool = True) -> None:
    """Add the points of ``frame`` to ``m`` as one compact canvas layer."""
    pts = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    colour, radius = style
    PointCloud(pts.geometry.y, pts.geometry.x, list(pts[label_col]), name=name, color=colour,
               radius=radius, show=show).add_to(m)


def base_map(frames: Mapping[str, gpd.GeoDataFrame], lang: str, *, tiles: bool = False,
             focus: tuple[float, float, float, float] | None = None) -> OfflineMap:
    """Return an offline map of the base layers in ``frames``, fitted to Mali.

    Parameters
    ----------
    frames
        Any of ``borders``, ``admin`` (all installed levels), ``zones``, ``places``,
        ``gold_sites``, ``centres`` (already at the audience's precision), ``gazetteer`` (any
        number of named points, drawn compactly on one canvas).
    lang
        Language of the layer names, tooltips and legend.
    tiles
        Add OpenStreetMap tiles as an option (needs internet); vector context is always drawn.
    focus
        Bounds ``(minx, miny, maxx, maxy)`` to open on; default Mali.
    """
    m = OfflineMap(location=[17.5, -4.0], zoom_start=5, tiles=None, prefer_canvas=False)
    if tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", show=False, overlay=False,
                         control=True).add_to(m)
    legend: list[tuple[str, str, str]] = []
    name_label = t("app.map.name", lang)
    if "borders" in frames and not frames["borders"].empty:
        b = frames["borders"].copy()
        b["name"] = b["name_fr" if lang == "fr" else "name_en"]
        neighbours, mali = b[~b["is_mali"]], b[b["is_mali"]]
        if not neighbours.empty:
            _polygons(neighbours, t("app.map.neighbours", lang), POLYGON_STYLES["borders"],
                      name_label).add_to(m)
        if not mali.empty:
            _polygons(mali, t("layer.borders", lang), POLYGON_STYLES["mali"], name_label,
                      tooltip=False).add_to(m)
    if "admin" in frames and not frames["admin"].empty:
        admin = frames["admin"]
        for level in sorted(set(admin["level"]) - {0}):
            units = admin[admin["level"] == level]
            title = f"{t('layer.admin', lang)} — {t(f'level.{level}', lang)}"
            _polygons(units, title, POLYGON_STYLES.get(f"admin.{level}", POLYGON_STYLES["admin.3"]),
                      t(f"level.{level}", lang).capitalize(), show=level <= 2).add_to(m)
    if "zones" in frames and not frames["zones"].empty:
        z = frames["zones"].copy()
        z["name"] = z["name_fr" if lang == "fr" else "name_en"]
        _polygons(z, t("layer.zones", lang), POLYGON_STYLES["zones"],
                  t("layer.zones", lang)).add_to(m)
        legend.append((POLYGON_STYLES["zones"][1], t("layer.zones", lang), "area"))
    for key in POINT_LAYERS:
        frame = frames.get(key)
        if frame is None or frame.empty:
            continue
        frame = frame.copy()
        if key == "centres":
            town = frame["precision"].fillna("town").ne("exact")
            suffix = " — " + t("centre.town_level", lang)
            frame["label"] = frame["name"] + " (" + frame["town"].fillna("") + ")"
            frame.loc[town, "label"] = frame.loc[town, "label"] + suffix
        else:
            frame["label"] = frame["name"]
        title = t("app.map.gazetteer", lang) if key == "gazetteer" else t(f"layer.{key}", lang)
        add_points(m, frame, title, POINT_STYLES[key], label_col="label")
        legend.append((POINT_STYLES[key][0], title, "point"))
    if legend:
        Control(legend_html(t("app.map.legend", lang), legend), position="bottomright",
                css_class="zp-legend").add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    lon0, lat0, lon1, lat1 = focus or settings.MALI_BBOX
    m.fit_bounds([[lat0, lon0], [lat1, lon1]])
    return m
