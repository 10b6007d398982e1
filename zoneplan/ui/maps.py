"""Map widgets for the app: the base layers map and a compact layer for many points.

The thematic maps come from ``zoneplan.views.build_view`` + ``geo.render_folium.to_folium``; this
module only draws what every page shares (borders, admin units, zones, places, sites, centres) and
offers :class:`PointCloud`, which sends thousands of points as one flat coordinate array drawn as
circle markers on a single canvas (the gazetteer's 14,957 localities in well under 1 MB).
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Mapping, Sequence
from importlib import resources

import folium
import geopandas as gpd
import numpy as np
from branca.element import MacroElement
from folium.template import Template

from geo import settings
from geo.i18n import t
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


class PointCloud(folium.map.Layer):
    """Draw many points as circle markers on one canvas, from a flat ``[lat, lon, ...]`` array.

    Each point carries one escaped label shown as a tooltip. Sending a flat array of rounded
    coordinates instead of GeoJSON features keeps the payload about five times smaller.

    Parameters
    ----------
    lat, lon
        Coordinates in degrees (EPSG:4326).
    labels
        One tooltip text per point (escaped here), or ``None`` for no tooltips.
    name
        The name shown in the layer control.
    color, radius
        Marker colour and radius in pixels.
    decimals
        Decimal places kept (4 places ~ 11 m, finer than a gazetteer's precision).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var map = {{ this._parent.get_name() }};
            if (!map.getPane('zpPoints')) {
                map.createPane('zpPoints').style.zIndex = 450;
            }
            var renderer = L.canvas({padding: 0.5, pane: 'zpPoints'});
            var xy = {{ this.coords|tojson }};
            var labels = {{ this.labels|tojson }};
            var group = L.featureGroup();
            var opts = {{ this.marker_options|tojson }};
            opts.renderer = renderer;
            for (var i = 0; i < xy.length; i += 2) {
                var m = L.circleMarker([xy[i], xy[i + 1]], opts);
                if (labels.length) { m.bindTooltip(labels[i / 2]); }
                group.addLayer(m);
            }
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, lat: Sequence[float], lon: Sequence[float],
                 labels: Sequence[object] | None = None, *, name: str = "points",
                 color: str = "#495057", radius: float = 2.0, decimals: int = 4,
                 show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PointCloud"
        lat_a = np.round(np.asarray(lat, dtype="float64"), decimals)
        lon_a = np.round(np.asarray(lon, dtype="float64"), decimals)
        keep = np.isfinite(lat_a) & np.isfinite(lon_a)
        lat_a, lon_a = lat_a[keep], lon_a[keep]
        flat = np.empty(2 * len(lat_a))
        flat[0::2], flat[1::2] = lat_a, lon_a
        self.coords = [float(v) for v in flat]
        self.labels = ([escape(v) for v, k in zip(labels, keep, strict=True) if k]
                       if labels is not None else [])
        self.marker_options = {"radius": radius, "color": color, "weight": 0.6,
                               "fillColor": color, "fillOpacity": 0.7}
        self._bounds = ([[float(lat_a.min()), float(lon_a.min())],
                         [float(lat_a.max()), float(lon_a.max())]] if len(lat_a) else None)

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self._bounds or [[None, None], [None, None]]


class ControlIcons(MacroElement):
    """Give the layer control its icon from the installed Leaflet package (no relative URL)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>.leaflet-control-layers-toggle, .leaflet-retina .leaflet-control-layers-toggle {
          background-image: url({{ this.icon }}); background-size: 26px 26px; }</style>
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ControlIcons"
        self.icon = _layers_icon()


@functools.cache
def _layers_icon() -> str:
    data = resources.files("xstatic.pkg.leaflet") / "data" / "images" / "layers-2x.png"
    return "data:image/png;base64," + base64.b64encode(data.read_bytes()).decode("ascii")


class Legend(MacroElement):
    """A legend box in a map corner, built from (swatch colour, escaped label, kind) rows."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create('div', 'zp-legend');
                div.innerHTML = {{ this.html|tojson }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, rows: Sequence[tuple[str, str, str]],
                 position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        self.position = position
        parts = [f"<b>{escape(title)}</b>"] if title else []
        for colour, label, kind in rows:
            cls = "sw hatch" if kind == "hatch" else "sw"
            radius = "border-radius:50%;" if kind == "point" else ""
            style = "" if kind == "hatch" else f"background:{escape(colour)};{radius}"
            parts.append(f'<div><span class="{cls}" style="{style}"></span>{escape(label)}</div>')
        self.html = "".join(parts)


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
        Legend(t("app.map.legend", lang), legend).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    ControlIcons().add_to(m)
    lon0, lat0, lon1, lat1 = focus or settings.MALI_BBOX
    m.fit_bounds([[lat0, lon0], [lat1, lon1]])
    return m
