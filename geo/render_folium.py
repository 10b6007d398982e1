"""Draw a :class:`geo.views.View` as an offline Leaflet map (no tiles, no CDN).

Every layer becomes one ``folium.GeoJson`` in its own feature group (so the layer control can hide
it), with display geometry (shared edges simplified together, coordinates rounded) and only the
properties the page needs: fill, outline, status and an escaped tooltip. The legend, the title and
the disclosure footer are plain HTML controls written here: no branca colormap, no plugin, nothing
that loads from a CDN.
"""

from __future__ import annotations

import dataclasses
import json

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from folium.template import Template

from geo import settings
from geo.i18n import t
from geo.views import View, ViewLayer
from geo.webmap import OfflineMap, display_geometry, escape

#: Simplification tolerance (degrees) by role: the context needs less detail than the data.
TOLERANCE_DEG = {"context": 0.01, "data": 0.002}
#: Above this many polygons, outlines are not drawn.
MANY_FEATURES = 200
#: Above this many polygons, units of one class are merged into one shape in the page.
DISSOLVE_ABOVE = 1000
#: Decimal places kept in the page (4 places ~ 11 m: finer than any boundary here).
DECIMALS = 4

_CSS = """
.zp-title { background: rgba(255,255,255,.92); padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 420px; }
.zp-title h1 { font-size: 15px; margin: 0 0 2px 0; }
.zp-title p { font-size: 12px; margin: 0; color: #444; }
.zp-legend h2 { font-size: 12px; margin: 6px 0 2px 0; }
.zp-legend .pt { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  margin-right: 5px; border: 1px solid #333; vertical-align: middle; }
.zp-legend .ln { display: inline-block; width: 16px; height: 0; margin-right: 5px;
  border-top: 2px solid #666; vertical-align: middle; }
.zp-legend .nodata { background: #fff; border: 1px dotted #333; }
.zp-legend { max-height: 70vh; overflow-y: auto; max-width: 270px; }
.zp-legend summary { cursor: pointer; font-weight: bold; font-size: 12px; }
.zp-legend details.zp-foot { margin-top: 6px; }
.zp-legend details.zp-foot > summary { font-weight: normal; font-size: 11px; color: #333; }
.zp-legend .foot { font-size: 10px; color: #555; margin-top: 4px; max-width: 250px; }
.zp-label { background: transparent; border: none; box-shadow: none; padding: 0;
  font: 11px/1.1 sans-serif; color: #222; white-space: nowrap;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.zp-label::before { display: none; }
.leaflet-control-layers-toggle { background-image: none !important; text-align: center;
  font-size: 20px; line-height: 36px; color: #333; text-decoration: none; }
.leaflet-control-layers-toggle::after { content: "\\2630"; }
.zp-message { background: #fff3bf; border: 1px solid #e0b000; padding: 6px 10px;
  border-radius: 4px; font-size: 13px; }
"""


class _Control(MacroElement):
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


def _geojson(layer: ViewLayer) -> dict:
    frame = layer.frame
    keep = ["_fill", "_edge", "_status", "_tip"]
    if layer.kind == "point" and "_radius" in frame.columns:
        keep.append("_radius")  # proportional symbols
    small = gpd.GeoDataFrame(frame[[*keep, frame.geometry.name]], geometry=frame.geometry.name,
                             crs=frame.crs)
    if layer.kind == "polygon" and len(small) > DISSOLVE_ABOVE:
        # Thousands of hexagons: one shape per class keeps the page small (no per-unit tooltip;
        # the class is in the legend).
        small = small.dissolve(by=["_fill", "_edge", "_status"], as_index=False)
        small["_tip"] = ""
    small = display_geometry(small, tolerance_deg=TOLERANCE_DEG.get(layer.role, 0.002)
                             if layer.kind != "point" else 0.0, decimals=DECIMALS)
    small = small[small.geometry.notna() & ~small.geometry.is_empty]
    small = small.rename(columns={"_fill": "f", "_edge": "e", "_status": "s", "_tip": "t",
                                  "_radius": "r"})
    if "r" in small.columns:  # big circles under small ones, so every circle can be hovered
        small = small.sort_values("r", ascending=False, kind="stable")
    return json.loads(small.to_json(drop_id=True))


def _add_layer(m: folium.Map, layer: ViewLayer) -> None:
    if layer.frame.empty:
        return
    data = _geojson(layer)
    group = folium.FeatureGroup(name=escape(layer.title), show=layer.show,
                                control=layer.role == "data" or layer.key != "borders")
    weight, opacity, dash = layer.weight, layer.fill_opacity, layer.dash
    if layer.kind == "polygon" and len(layer.frame) > MANY_FEATURES:
        weight = 0.0  # hexagon grids: outlines would only darken the map
    kind = layer.kind

    def style(feature: dict) -> dict:
        props = feature["properties"]
        status = props.get("s")
        fill = props.get("f")
        out = {"color": props.get("e") or "#555555", "weight": weight,
               "fillColor": fill if fill and fill != "none" else "#ffffff",
               "fillOpacity": 0.0 if kind == "line" or fill == "none" else opacity,
               "dashArray": dash}
        if props.get("r"):
            out["radius"] = props["r"]
        if status == "suppressed":
            out["dashArray"] = "4 3"
        elif status == "no_data":
            out["dashArray"] = "1 3"
            out["fillOpacity"] = 0.0 if kind != "point" else 0.9
        return out

    has_tips = any(f["properties"].get("t") for f in data["features"])
    tooltip = (folium.GeoJsonTooltip(fields=["t"], labels=False, sticky=True)
               if has_tips and layer.role == "data" else None)
    marker = (folium.CircleMarker(radius=layer.radius, weight=1, fill=True)
              if kind == "point" else None)
    folium.GeoJson(data, name=escape(layer.title), style_function=style, tooltip=tooltip,
                   marker=marker, smooth_factor=1.0,
                   highlight_function=None).add_to(group)
    group.add_to(m)


def legend_html(view: View, *, open_: bool = True) -> str:
    """Return the legend as HTML (every text escaped): one collapsible box.

    The class swatches show first; the disclosure sentence, the boundaries disclaimer, sources,
    attributions and date sit in a nested, collapsed "Sources et contrôle de divulgation" part,
    so the footer never hides a third of the map (print maps and packs print it in full).
    """
    lang = view.lang
    rows = []
    for entry in view.legend:
        label = escape(entry.label)
        if entry.kind == "heading":
            rows.append(f"<h2>{label}</h2>")
        elif entry.kind == "point":
            rows.append(f'<div><span class="pt" style="background:{escape(entry.color)}">'
                        f"</span>{label}</div>")
        elif entry.kind == "line":
            style = f"border-top-color:{escape(entry.color)};"
            if entry.dash:
                style += "border-top-style:dashed;"
            rows.append(f'<div><span class="ln" style="{style}"></span>{label}</div>')
        else:
            cls = {"suppressed": "sw hatch", "no_data": "sw nodata"}.get(entry.status, "sw")
            bg = "" if entry.status in ("suppressed", "no_data") else \
                f' style="background:{escape(entry.color)}"'
            rows.append(f'<div><span class="{cls}"{bg}></span>{label}</div>')
    foot = [view.disclosure.text(lang), t("disclaimer.boundaries", lang)]
    if view.sources:
        foot.append(f"{t('export.sources', lang)} : " + " ; ".join(view.sources)
                    if lang == "fr" else f"{t('export.sources', lang)}: " + "; ".join(view.sources))
    foot += view.attributions
    foot.append(t("export.date", lang, date=view.created))
    footer = (f'<details class="zp-foot"><summary>{escape(t("export.legend.footer", lang))}'
              '</summary><div class="foot">' + "<br>".join(escape(x) for x in foot)
              + "</div></details>")
    return (f'<details class="zp-legend-box"{" open" if open_ else ""}>'
            f"<summary>{escape(t('export.legend.title', lang))}</summary>"
            + "".join(rows) + footer + "</details>")


def title_html(view: View) -> str:
    """Return the title box as HTML (escaped), with the notes (e.g. places not mapped)."""
    parts = [f"<h1>{escape(view.title)}</h1>"]
    if view.subtitle:
        parts.append(f"<p>{escape(view.subtitle)}</p>")
    parts += [f"<p><i>{escape(note)}</i></p>" for note in view.notes]
    return "".join(parts)


def to_folium(view: View, lang: str | None = None, *, height: str | int = "100%") -> OfflineMap:
    """Return an offline Leaflet map of ``view``: layers, layer control, legend, title, footer.

    Parameters
    ----------
    view
        The view to draw (already disclosure-controlled).
    lang
        Language of the map's own texts; default the view's language (the view's texts, built in
        its language, are drawn as they are).
    """
    if lang is not None and lang != view.lang:
        view = dataclasses.replace(view, lang=lang)
    minx, miny, maxx, maxy = view.bounds or settings.MALI_BBOX
    m = OfflineMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=7,
                   height=height, control_scale=True, attribution_control=False)
    m.get_root().header.add_child(Element(f"<style>{_CSS}</style>"), name="zp_css")
    for layer in view.layers:
        _add_layer(m, layer)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.add_child(_Control(title_html(view), position="topleft", css_class="zp-title"))
    m.add_child(_Control(legend_html(view), position="bottomright", css_class="zp-legend"))
    if view.message:
        m.add_child(_Control(escape(view.message), position="bottomleft",
                             css_class="zp-message"))
    return m
