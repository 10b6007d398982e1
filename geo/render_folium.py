"""Draw a :class:`geo.mapview.View` as an offline Leaflet map (no tiles, no CDN).

The one map renderer: the app's thematic maps, its base map (:mod:`geo.basemap`) and the offline
HTML export are all drawn by :func:`to_folium`. Every layer becomes one ``folium.GeoJson`` in its
own feature group (so the layer control can hide it), with display geometry (shared edges
simplified together, coordinates rounded) and only the properties the page needs: fill, outline,
status and an escaped tooltip; thousands of points become one :class:`PointCloud`. The legend,
the title and the disclosure footer are plain HTML controls written here: no branca colormap, no
plugin, nothing that loads from a CDN. Names on the map are placed by :mod:`geo.weblabels`. An
exported map also gets its number (``ZP-KGB-001 v1``) in the footer and a north arrow (inline SVG).
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import re
from collections.abc import Sequence

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from geo import settings
from geo.basemap import POLYGON_STYLES
from geo.i18n import t
from geo.mapview import View, ViewLayer
from geo.symbology import drawn_over
from geo.weblabels import DECIMALS, LABEL_CSS, NameLabels, context_labels, label_points, line_labels
from geo.weblabels import LABEL_MAX as LABEL_MAX  # re-exported: callers and tests read it here
from geo.webmap import OfflineMap, display_geoms, escape

#: Simplification tolerance (degrees) by role: the context needs less detail than the data.
TOLERANCE_DEG = {"context": 0.01, "data": 0.002}
#: Short names of the style columns in the page's GeoJSON.
SHORT = {"_fill": "f", "_edge": "e", "_status": "s", "_tip": "t", "_radius": "r", "_over": "o"}
#: Context lines (rivers) keep a vertex per this share of the map's span, near the map only.
LINE_DETAIL = 1500
#: Above this many polygons, outlines are not drawn.
MANY_FEATURES = 200
#: Above this many polygons, units of one class are merged into one shape in the page.
DISSOLVE_ABOVE = 1000
#: Above this many points (without proportional sizes), a point layer is drawn as a PointCloud.
CLOUD_ABOVE = 1000
_TAG = re.compile(r"<[^>]+>")
#: Pane of the points drawn one by one: above the compact clouds (pane ``zpPoints``, z 450),
#: so a few sites or centres are never buried under thousands of localities.
MARKER_PANE = ("zpMarkers", 460)
#: Pane of the circles that would hide under a site or centre (:func:`geo.symbology.drawn_over`).
OVER_PANE = ("zpMarkersOver", 465)
#: The north arrow of exported maps (inline SVG: nothing to load); ``{label}`` names it.
NORTH_SVG = (
    '<svg width="26" height="42" viewBox="0 0 26 42" role="img" aria-label="{label}">'
    "<title>{label}</title>"
    '<text x="13" y="11" text-anchor="middle" font-size="12" font-weight="bold" '
    'font-family="sans-serif">N</text>'
    '<polygon points="13,14 22,40 13,34" fill="#222"/>'
    '<polygon points="13,14 4,40 13,34" fill="#fff" stroke="#222" stroke-width="1"/></svg>'
)

_CSS = """
.zp-title { background: rgba(255,255,255,.92); padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 420px; }
.zp-title h1 { font-size: 15px; margin: 0 0 2px 0; }
.zp-mark { background: #fdecea; color: #a61b1b; border: 2px solid #c0392b; padding: 4px 8px;
  border-radius: 4px; font-size: 13px; }
.zp-title p { font-size: 12px; margin: 0; color: #444; }
.zp-legend { background: rgba(255,255,255,.92); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 12px; line-height: 1.35; max-width: 270px;
  max-height: 70vh; overflow-y: auto; }
.zp-legend .sw { display: inline-block; width: 14px; height: 10px; margin-right: 5px;
  border: 1px solid #666; vertical-align: middle; }
.zp-legend .hatch { background: repeating-linear-gradient(45deg, #bbb 0 2px, #fff 2px 5px); }
.zp-legend h2 { font-size: 12px; margin: 6px 0 2px 0; }
.zp-legend .pt { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  margin-right: 5px; border: 1px solid #333; vertical-align: middle; }
.zp-legend .szrow { display: flex; align-items: center; margin: 1px 0; }
.zp-legend .sz { display: inline-block; border-radius: 50%; border: 1px solid #555555;
  opacity: .75; flex: none; }
.zp-legend .ln { display: inline-block; width: 16px; height: 0; margin-right: 5px;
  border-top: 2px solid #666; vertical-align: middle; }
.zp-legend .nodata { background: #fff; border: 1px dotted #333; }
.zp-legend summary { cursor: pointer; font-weight: bold; font-size: 12px; }
.zp-legend details.zp-foot { margin-top: 6px; }
.zp-legend details.zp-foot > summary { font-weight: normal; font-size: 11px; color: #333; }
.zp-legend .foot { font-size: 10px; color: #555; margin-top: 4px; max-width: 250px; }
.leaflet-control-layers-toggle { background-image: none !important; text-align: center;
  font-size: 20px; line-height: 36px; color: #333; text-decoration: none; }
.leaflet-control-layers-toggle::after { content: "\\2630"; }
/* a clicked shape is not outlined (Chromium focuses shapes that have tooltips) */
.leaflet-interactive:focus:not(:focus-visible) { outline: none; }
.zp-north { background: rgba(255,255,255,.85); padding: 2px 4px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); line-height: 0; }
.zp-message { background: #fff3bf; border: 1px solid #e0b000; padding: 6px 10px;
  border-radius: 4px; font-size: 13px; }
"""


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

    def __init__(
        self,
        lat: Sequence[float],
        lon: Sequence[float],
        labels: Sequence[object] | None = None,
        *,
        name: str = "points",
        color: str = "#495057",
        radius: float = 2.0,
        decimals: int = 4,
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PointCloud"
        lat_a = np.round(np.asarray(lat, dtype="float64"), decimals)
        lon_a = np.round(np.asarray(lon, dtype="float64"), decimals)
        keep = np.isfinite(lat_a) & np.isfinite(lon_a)
        lat_a, lon_a = lat_a[keep], lon_a[keep]
        flat = np.empty(2 * len(lat_a))
        flat[0::2], flat[1::2] = lat_a, lon_a
        self.coords = [float(v) for v in flat]
        self.labels = (
            [escape(v) for v, k in zip(labels, keep, strict=True) if k] if labels is not None else []
        )
        self.marker_options = {
            "radius": radius,
            "color": color,
            "weight": 0.6,
            "fillColor": color,
            "fillOpacity": 0.7,
        }
        self._bounds = (
            [[float(lat_a.min()), float(lon_a.min())], [float(lat_a.max()), float(lon_a.max())]]
            if len(lat_a)
            else None
        )

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self._bounds or [[None, None], [None, None]]


class StaticLayer(folium.map.Layer):
    """A context layer as one ``L.geoJson``: its features carry the index of their style only.

    Context layers have no tooltip and nothing to hover, so they need none of
    ``folium.GeoJson``'s per-feature work in Python, which a map of a dozen small layers would
    pay a dozen times; their features are not interactive (clicks reach the map).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var styles = {{ this.styles|tojson }};
            return L.geoJson({{ this.data|tojson }}, {
                interactive: false,
                style: function (f) { return styles[f.properties.k]; },
                pointToLayer: function (f, latlng) {
                    return L.circleMarker(latlng, Object.assign({fill: true}, styles[f.properties.k]));
                }
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: dict, styles: list[dict], *, name: str, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "StaticLayer"
        self.data = data
        self.styles = styles


class Control(MacroElement):
    """A Leaflet control holding fixed HTML (already escaped by the caller)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var ctl = L.control({position: {{ this.position|tojson }}});
            ctl.onAdd = function () {
                var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            ctl.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str, *, position: str, css_class: str) -> None:
        super().__init__()
        self._name = "ZpControl"
        self.html = html
        self.position = position
        self.css_class = css_class


def _geojson(layer: ViewLayer, geoms: np.ndarray | None = None) -> dict:
    """Return the layer as GeoJSON with display geometry and short style properties only.

    ``geoms`` (EPSG:4326, one per row) replace the frame's shapes. Built from arrays: a map draws
    a dozen layers, most of a few features, so a layer's fixed cost matters more than its size.
    """
    frame = layer.frame
    keep = ["_fill", "_edge", "_status", "_tip"]
    if layer.kind == "point" and "_radius" in frame.columns:
        keep.append("_radius")  # proportional symbols
    if layer.kind == "point" and "_over" in frame.columns:
        keep.append("_over")  # drawn over the sites and centres
    if frame.crs is not None and not frame.crs.equals(settings.CRS):
        frame = frame.to_crs(settings.CRS)
    if layer.kind == "polygon" and len(frame) > DISSOLVE_ABOVE:
        # Thousands of hexagons: one shape per class keeps the page small (no per-unit tooltip;
        # the class is in the legend).
        frame = frame[[*keep, frame.geometry.name]].dissolve(
            by=["_fill", "_edge", "_status"], as_index=False
        )
        frame["_tip"] = ""
    geoms = display_geoms(
        np.asarray(frame.geometry.values) if geoms is None else geoms,
        tolerance_deg=TOLERANCE_DEG.get(layer.role, 0.002) if layer.kind != "point" else 0.0,
        decimals=DECIMALS,
    )
    shown = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    props = {SHORT[col]: frame[col].to_numpy()[shown] for col in keep}
    texts = shapely.to_geojson(geoms[shown])
    order = range(len(texts))
    if "r" in props:  # big circles under small ones, so every circle can be hovered
        order = np.argsort(-props["r"].astype("float64"), kind="stable")
    features = [
        {
            "type": "Feature",
            "properties": {key: _plain(values[i]) for key, values in props.items()},
            "geometry": json.loads(texts[i]),
        }
        for i in order
    ]
    return {"type": "FeatureCollection", "features": features}


def _plain(value: object) -> object:
    """Return ``value`` as JSON writes it: a Python scalar, ``None`` for a missing one."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _near_view(layer: ViewLayer, bounds: tuple[float, float, float, float]) -> np.ndarray | None:
    """Return a context layer's shapes with its lines cut one map span beyond the map and
    simplified to its scale (None: no line): a zone's page carries the Niger's reach that shows.
    """
    geoms = np.asarray(layer.frame.geometry.values)
    lines = np.isin(shapely.get_type_id(geoms), (1, 5))  # (multi)line strings
    if layer.role != "context" or not lines.any():
        return None
    minx, miny, maxx, maxy = bounds
    span = max(maxx - minx, maxy - miny)
    cut = shapely.clip_by_rect(geoms[lines], minx - span, miny - span, maxx + span, maxy + span)
    geoms = geoms.copy()
    geoms[lines] = shapely.simplify(cut, span / LINE_DETAIL)
    return geoms


def _add_cloud(m: folium.Map, layer: ViewLayer) -> None:
    """Draw a large point layer as one compact canvas layer per colour (name tooltips only).

    Each point's tooltip is the first line of its own (its name); each colour is named in the
    layer control by its legend label and count.
    """
    frame = layer.frame[layer.frame.geometry.notna() & ~layer.frame.geometry.is_empty]
    classes = {e.color: e.label for e in layer.legend if e.kind in ("point", "fill")}
    for fill, part in frame.groupby("_fill", sort=False):
        name = layer.title
        if frame["_fill"].nunique() > 1:
            what = f" — {classes[fill]}" if fill in classes else ""
            name = f"{layer.title}{what} ({len(part)})"
        PointCloud(
            part.geometry.y,
            part.geometry.x,
            [html.unescape(_TAG.sub("", str(tip).split("<br>")[0])) for tip in part["_tip"]],
            name=escape(name),
            color=str(fill),
            radius=min(layer.radius, 3.0),
            decimals=DECIMALS,
            show=layer.show,
        ).add_to(m)


def _add_layer(
    m: folium.Map, layer: ViewLayer, labels: list[list] | None = None, geoms: np.ndarray | None = None
) -> None:
    if layer.frame.empty:
        return
    if layer.kind == "point" and len(layer.frame) > CLOUD_ABOVE and "_radius" not in layer.frame.columns:
        _add_cloud(m, layer)
        return
    data = _geojson(layer, geoms)
    control = layer.role == "data" or layer.key != "borders"
    if layer.role == "context":  # no tooltip, nothing to hover: one static layer
        styles: dict[str, int] = {}
        for feature in data["features"]:
            key = json.dumps(_style(layer, feature["properties"]), sort_keys=True)
            feature["properties"] = {"k": styles.setdefault(key, len(styles))}
        static = StaticLayer(
            data, [json.loads(k) for k in styles], name=escape(layer.title), show=layer.show
        )
        static.control = control
        if labels:
            static.add_child(NameLabels(labels))
        static.add_to(m)
        return
    group = folium.FeatureGroup(name=escape(layer.title), show=layer.show, control=control)
    kind = layer.kind

    def style(feature: dict) -> dict:
        return _style(layer, feature["properties"])

    has_tips = any(f["properties"].get("t") for f in data["features"])
    tooltip = (
        folium.GeoJsonTooltip(fields=["t"], labels=False, sticky=True)
        if has_tips and layer.role == "data"
        else None
    )
    marker = folium.CircleMarker(radius=layer.radius, weight=1, fill=True) if kind == "point" else None
    folium.GeoJson(
        data,
        name=escape(layer.title),
        style_function=style,
        tooltip=tooltip,
        marker=marker,
        smooth_factor=1.0,
        highlight_function=None,
    ).add_to(group)
    if labels:
        group.add_child(NameLabels(labels))
    group.add_to(m)


def _style(layer: ViewLayer, props: dict) -> dict:
    """Return the Leaflet style of a feature of ``layer`` from its short properties."""
    kind, fill, status = layer.kind, props.get("f"), props.get("s")
    weight = layer.weight
    if kind == "polygon" and len(layer.frame) > MANY_FEATURES:
        weight = 0.0  # hexagon grids: outlines would only darken the map
    out = {
        "color": props.get("e") or "#555555",
        "weight": weight,
        "fillColor": fill if fill and fill != "none" else "#ffffff",
        "fillOpacity": 0.0 if kind == "line" or fill == "none" else layer.fill_opacity,
        "dashArray": layer.dash,
    }
    if kind == "point":  # read when each circle is made (folium merges style into options)
        out["radius"] = props.get("r") or layer.radius
        out["pane"] = OVER_PANE[0] if props.get("o") else MARKER_PANE[0]
    if status == "suppressed":
        out["dashArray"] = "4 3"
    elif status == "no_data":
        out["dashArray"] = "1 3"
        out["fillOpacity"] = 0.0 if kind != "point" else 0.9
    return out


def legend_html(view: View, *, open_: bool = True, number: str = "") -> str:
    """Return the legend as HTML (every text escaped): one collapsible box.

    The class swatches show first; the disclosure sentence, the boundaries disclaimer, sources,
    attributions and date sit in a nested, collapsed "Sources et contrôle de divulgation" part,
    so the footer never hides a third of the map (print maps and packs print it in full); an
    exported map's ``number`` (``ZP-KGB-001 v1``) ends it. A view without figures (no
    disclosure: the app's base map) has no footer; with no swatch either, the legend is empty.
    """
    lang = view.lang
    rows = []
    widest = 2 * max([e.size for e in view.legend if e.kind == "size"], default=0.0)
    for entry in view.legend:
        label = escape(entry.label)
        if entry.kind == "heading":
            rows.append(f"<h2>{label}</h2>")
        elif entry.kind == "size":  # a reference circle at the map's own size
            d = round(2 * entry.size, 1)
            pad = round((widest - d) / 2, 1)  # circles centred on one axis, labels aligned
            rows.append(
                f'<div class="szrow"><span class="sz" style="width:{d}px;height:{d}px;'
                f'margin:0 {pad + 6}px 0 {pad}px;background:{escape(entry.color)}">'
                f"</span>{label}</div>"
            )
        elif entry.kind == "point":
            rows.append(
                f'<div><span class="pt" style="background:{escape(entry.color)}"></span>{label}</div>'
            )
        elif entry.kind == "line":
            style = f"border-top-color:{escape(entry.color)};"
            if entry.dash:
                style += "border-top-style:dashed;"
            rows.append(f'<div><span class="ln" style="{style}"></span>{label}</div>')
        else:
            cls = {"suppressed": "sw hatch", "no_data": "sw nodata"}.get(entry.status, "sw")
            bg = (
                ""
                if entry.status in ("suppressed", "no_data")
                else f' style="background:{escape(entry.color)}"'
            )
            rows.append(f'<div><span class="{cls}"{bg}></span>{label}</div>')
    if view.disclosure is None and not rows:
        return ""
    footer = "" if view.disclosure is None else _footer_html(view, number)
    return (
        f'<details class="zp-legend-box"{" open" if open_ else ""}>'
        f"<summary>{escape(t('export.legend.title', lang))}</summary>"
        + "".join(rows)
        + footer
        + "</details>"
    )


def _footer_html(view: View, number: str = "") -> str:
    """Return the legend's folded footer: disclosure, disclaimer, sources, attributions, date."""
    lang = view.lang
    foot = [*view.disclosure.marks(lang), view.disclosure.text(lang), t("disclaimer.boundaries", lang)]
    if view.sources:
        foot.append(
            f"{t('export.sources', lang)} : " + " ; ".join(view.sources)
            if lang == "fr"
            else f"{t('export.sources', lang)}: " + "; ".join(view.sources)
        )
    foot += view.attributions
    foot.append(t("export.date", lang, date=view.created))
    if number:
        foot.append(t("export.map_number", lang, number=number))
    return (
        f'<details class="zp-foot"><summary>{escape(t("export.legend.footer", lang))}'
        '</summary><div class="foot">' + "<br>".join(escape(x) for x in foot) + "</div></details>"
    )


def title_html(view: View) -> str:
    """Return the title box as HTML (escaped), with the notes; empty for a view without any."""
    if not (view.title or view.subtitle or view.notes):
        return ""
    parts = [f"<h1>{escape(view.title)}</h1>"]
    if view.subtitle:
        parts.append(f"<p>{escape(view.subtitle)}</p>")
    parts += [f"<p><i>{escape(note)}</i></p>" for note in view.notes]
    return "".join(parts)


def to_folium(
    view: View,
    lang: str | None = None,
    *,
    height: str | int = "100%",
    number: str = "",
    place: str = "",
    north: bool = False,
) -> OfflineMap:
    """Return an offline Leaflet map of ``view``: layers, layer control, legend, title, footer.

    Parameters
    ----------
    view
        The view to draw (already disclosure-controlled).
    lang
        Language of the map's own texts; default the view's language (the view's texts, built in
        its language, are drawn as they are).
    number, place, north
        An exported map's number and version (``ZP-KGB-001 v1``, in the footer and the page's
        metadata), the zone it shows (in the page's ``<title>``), and a north arrow.
    """
    if lang is not None and lang != view.lang:
        view = dataclasses.replace(view, lang=lang)
    minx, miny, maxx, maxy = view.bounds or settings.MALI_BBOX
    m = OfflineMap(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=7,
        height=height,
        control_scale=True,
        attribution_control=False,
    )
    m.get_root().header.add_child(Element(f"<style>{_CSS}{LABEL_CSS}</style>"), name="zp_css")
    labels = {**label_points(view), **line_labels(view)}
    labels.update(context_labels(view, labels))
    folium.map.CustomPane(MARKER_PANE[0], z_index=MARKER_PANE[1], pointer_events=True).add_to(m)
    over_pane = False
    for i, layer in enumerate(view.layers):
        near = _near_view(layer, (minx, miny, maxx, maxy))
        over = drawn_over(view.layers, i)
        if over.any():  # small circles over the sites and centres: their own, higher pane
            if not over_pane:
                folium.map.CustomPane(OVER_PANE[0], z_index=OVER_PANE[1], pointer_events=True).add_to(m)
                over_pane = True
            layer = dataclasses.replace(layer, frame=layer.frame.assign(_over=over))
        _add_layer(m, layer, labels.get(layer.key), near)
    title, legend = title_html(view), legend_html(view, number=number)
    # the title box covers the top left corner: the map opens below it
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=[0, 90] if title else None)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    if title:
        m.add_child(Control(title, position="topleft", css_class="zp-title"))
    if legend:
        m.add_child(Control(legend, position="bottomright", css_class="zp-legend"))
    if north:
        arrow = NORTH_SVG.format(label=escape(t("export.north_title", view.lang)))
        m.add_child(Control(arrow, position="topright", css_class="zp-north"))
    if view.message:
        m.add_child(Control(escape(view.message), position="bottomleft", css_class="zp-message"))
    _head_and_banner(m, view, number=number, place=place)
    return m


def _head_and_banner(m: folium.Map, view: View, *, number: str = "", place: str = "") -> None:
    """Give the page its ``<title>``, ``<meta>`` (audience, map number) and the marks' banner.

    The title reads "map title — zone — number — marks", never empty.
    """
    marks = [] if view.disclosure is None else view.disclosure.marks(view.lang)
    root = m.get_root()
    root.title = escape(" — ".join([x for x in (view.title, place, number, *marks) if x]) or "zoneplan")
    if view.disclosure is not None:
        meta = f'<meta name="audience" content="{escape(view.disclosure.audience)}">'
        root.header.add_child(Element(meta), name="zp_audience")
    if number:
        meta = f'<meta name="map-number" content="{escape(number)}">'
        root.header.add_child(Element(meta), name="zp_number")
    if marks:
        banner = "<br>".join(f"<b>{escape(x)}</b>" for x in marks)
        m.add_child(Control(banner, position="topleft", css_class="zp-mark"))


def outline_preview(vertices: Sequence[tuple[float, float]], *, name: str) -> folium.FeatureGroup:
    """Return a zone outline being drawn, from ``(lat, lon)`` vertices, as a layer to lay over a map.

    The ring closes from the third vertex; each vertex is a small circle. Drawn in the zones'
    outline colour.
    """
    colour = POLYGON_STYLES["zones"][0]
    group = folium.FeatureGroup(name=escape(name))
    points = [list(v) for v in vertices]
    if len(points) >= 2:
        ring = [*points, points[0]] if len(points) >= 3 else points
        folium.PolyLine(ring, color=colour, weight=2, dash_array="5 4").add_to(group)
    for lat, lon in points:
        folium.CircleMarker([lat, lon], radius=4, color=colour, fill=True).add_to(group)
    return group
