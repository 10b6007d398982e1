"""The app's Leaflet maps: rendered once per view, shared by every session, marked when drawn.

streamlit-folium's ``st_folium`` renders a folium map into its HTML, header and script on
every rerun of the page, three times over (the whole figure, the map, then each element's
script). Here a thematic map is rendered once into the component's arguments
(:class:`MapFrame`); the app caches them with its view (:func:`zoneplan.ui.services.view_frame`),
so a rerun that does not change the map sends the same arguments again and the browser keeps
the map it has.

Every map the app draws carries a ready mark (:class:`ReadyMark`): once Leaflet has added the
map's layers and painted them, the map's container gets ``data-zp-ready`` (the view's name).
Browser tests and benchmarks wait for that mark, never for the first drawn shape (which may be
an empty, invisible path).

``streamlit_folium`` is imported by the functions that draw, never at import: it registers its
component with the page being run, so it must first be imported while a page runs.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable

import folium
import streamlit as st
from branca.element import MacroElement
from folium.template import Template

#: The attribute the map's container gets once its layers are drawn (value: the view's name).
READY_ATTR = "data-zp-ready"
#: The CSS selector of a drawn map (inside the component's frame).
READY_SELECTOR = f".leaflet-container[{READY_ATTR}]"


class ReadyMark(MacroElement):
    """Mark the map's container once Leaflet has drawn the layers added before this element.

    Added last, its script runs after every layer's; the mark is set on the next animation
    frame, once the browser has painted them.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            map.whenReady(function () {
                window.requestAnimationFrame(function () {
                    map.getContainer().setAttribute({{ this.attr|tojson }}, {{ this.name|tojson }});
                });
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = "ZpReadyMark"
        self.attr = READY_ATTR
        self.name = name


def finish(m: folium.Map, name: str, *, tiles: bool = False) -> folium.Map:
    """Add the optional OpenStreetMap tiles and the ready mark to ``m`` (last); return ``m``.

    ``tiles`` offers OpenStreetMap in the layer control, off until chosen (they need internet).
    """
    if tiles:
        folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap", show=False, overlay=True, control=True
        ).add_to(m)
    ReadyMark(name).add_to(m)
    return m


@dataclasses.dataclass(frozen=True)
class MapFrame:
    """A rendered map: what the streamlit-folium component receives, computed once."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    zoom: int | None


def render(m: folium.Map) -> MapFrame:
    """Render ``m`` (finished by :func:`finish`) into the component's arguments, once.

    The same steps as ``st_folium`` (render the map, then its HTML, header and Leaflet script),
    without rendering the whole page first nor measuring the map's bounds: the app asks for no
    value back from its thematic maps.
    """
    import streamlit_folium as sf

    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    css: list[str] = []
    js: list[str] = []
    for element in _walk(m):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return MapFrame(
        script=script,
        header=header,
        html=html,
        map_id=sf.get_full_id(m),
        css_links=tuple(dict.fromkeys(css)),
        js_links=tuple(dict.fromkeys(js)),
        zoom=m.options.get("zoom"),
    )


def _walk(element):
    if isinstance(element, folium.elements.JSCSSMixin):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def draw(frame: MapFrame, key: str, *, height: int) -> None:
    """Draw a rendered map as ``st_folium`` would, with no value returned (panning never reruns)."""
    import streamlit_folium as sf

    widget = _widget_key(frame, key)

    def changed() -> None:  # as st_folium: the page's key holds the component's last value
        st.session_state[key] = st.session_state.get(widget, {})

    sf._component_func(
        script=frame.script,
        header=frame.header,
        html=frame.html,
        id=frame.map_id,
        key=widget,
        height=height,
        width=None,
        returned_objects=[],
        default={},
        zoom=None,
        center=None,
        feature_group=None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(frame.css_links),
        js_links=list(frame.js_links),
        on_change=changed,
        wrap_longitude=False,
    )


@functools.lru_cache(maxsize=16)
def _widget_key(frame: MapFrame, key: str) -> str:
    # st_folium's own key: a new map (not a rerun) mounts a new component.
    from streamlit_folium import generate_js_hash

    return generate_js_hash(frame.script, key, False)


def show(
    m: folium.Map,
    key: str,
    *,
    height: int,
    name: str = "base",
    returned: Iterable[str] = (),
    tiles: bool = False,
    preview: folium.FeatureGroup | None = None,
) -> dict:
    """Draw ``m`` through ``st_folium`` (for maps that return values or show a ``preview``)."""
    from streamlit_folium import st_folium

    finish(m, name, tiles=tiles)
    return (
        st_folium(
            m,
            key=key,
            height=height,
            use_container_width=True,
            returned_objects=list(returned),
            feature_group_to_add=preview,
        )
        or {}
    )
