"""Folium maps that work with no network: Leaflet from an installed package, vector context, no tiles.

folium's defaults load Leaflet, jQuery and Bootstrap from CDNs and draw OpenStreetMap tiles; neither
reaches a field office without internet. :class:`OfflineMap` loads Leaflet's JS and CSS from the
``xstatic-leaflet`` package as ``data:`` URIs (so the same map works inside streamlit-folium, which
loads a map's scripts by URL) and starts with no tile layer. :func:`standalone_html` renders a map as
one self-contained file with the assets inlined.
"""

from __future__ import annotations

import base64
import functools
import html
import re
from importlib import resources

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo import settings

#: Shown behind vector layers when no tiles are drawn (a pale sand tone, like an atlas).
BACKGROUND = "#f4f1ea"

_EXTRA_CSS = """
.leaflet-container { background: BACKGROUND; font-family: system-ui, sans-serif; }
""".replace("BACKGROUND", BACKGROUND)


@functools.cache
def leaflet_assets() -> dict[str, str]:
    """Return Leaflet's ``js`` and ``css`` text from the installed ``xstatic-leaflet`` package."""
    try:
        data = resources.files("xstatic.pkg.leaflet") / "data"
    except ModuleNotFoundError:  # pragma: no cover - declared dependency
        msg = "Leaflet assets missing: install them with `pip install xstatic-leaflet`"
        raise ImportError(msg) from None
    css = (data / "leaflet.css").read_text(encoding="utf-8")
    # Leaflet's CSS points at its control icons by relative URL, which resolves nowhere once the
    # CSS is inlined: embed the images themselves.
    for image in ("layers-2x.png", "layers.png", "marker-icon.png"):
        png = base64.b64encode((data / "images" / image).read_bytes()).decode("ascii")
        css = css.replace(f"url(images/{image})", f"url(data:image/png;base64,{png})")
    return {"js": (data / "leaflet.js").read_text(encoding="utf-8"), "css": css + _EXTRA_CSS}


def _data_uri(text: str, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


class OfflineMap(folium.Map):
    """A ``folium.Map`` whose Leaflet comes from an installed package and that needs no tiles."""

    default_js = [("leaflet", "")]
    default_css = [("leaflet_css", "")]

    def __init__(self, *args, tiles=None, **kwargs) -> None:
        kwargs.setdefault("control_scale", True)
        kwargs.setdefault("prefer_canvas", False)
        super().__init__(*args, tiles=tiles, **kwargs)
        assets = leaflet_assets()
        # Instance attributes shadow folium's CDN list for this map only.
        self.default_js = [("leaflet", _data_uri(assets["js"], "text/javascript"))]
        self.default_css = [("leaflet_css", _data_uri(assets["css"], "text/css"))]


def escape(value: object) -> str:
    """Escape a user-typed value for HTML (tooltips, popups, legends)."""
    return html.escape("" if value is None else str(value), quote=True)


def display_geometry(
    frame: gpd.GeoDataFrame, *, tolerance_deg: float = 0.002, decimals: int | None = None
) -> gpd.GeoDataFrame:
    """Return a copy of ``frame`` simplified for display with shared edges kept, rounded.

    Polygons that tile an area (cercles, communes) are simplified together with
    ``shapely.coverage_simplify`` so that neighbours keep a common edge; coordinates are rounded to
    ``decimals`` places (default :data:`geo.settings.DISPLAY_DECIMALS`).
    """
    out = frame.to_crs(settings.CRS).copy()
    out[out.geometry.name] = display_geoms(
        np.asarray(out.geometry.values), tolerance_deg=tolerance_deg, decimals=decimals
    )
    return out


def display_geoms(
    geoms: np.ndarray, *, tolerance_deg: float = 0.002, decimals: int | None = None
) -> np.ndarray:
    """Return shapely geometries (EPSG:4326) simplified and rounded as :func:`display_geometry`."""
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    if polygonal.any() and tolerance_deg > 0:
        geoms = geoms.copy()
        geoms[polygonal] = shapely.coverage_simplify(geoms[polygonal], tolerance_deg)
    places = settings.DISPLAY_DECIMALS if decimals is None else decimals
    return shapely.set_precision(geoms, 10**-places)


_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["'](?:https?:)?//[^"']*""",
    re.IGNORECASE,
)


def standalone_html(m: folium.Map) -> str:
    """Render ``m`` as one HTML file with every script and stylesheet inlined.

    Raises
    ------
    ValueError
        If the rendered page would still load anything from the network.
    """
    assets = leaflet_assets()
    page = m.get_root().render()
    for uri_kind, text, tag in (
        ("text/javascript", assets["js"], "script"),
        ("text/css", assets["css"], "style"),
    ):
        uri = _data_uri(text, uri_kind)
        if tag == "script":
            page = page.replace(f'<script src="{uri}"></script>', f"<script>{text}</script>")
        else:
            page = page.replace(f'<link rel="stylesheet" href="{uri}"/>', f"<style>{text}</style>")
    found = _EXTERNAL.search(page)
    if found:
        msg = f"map page loads from the network ({found.group(0)[:120]}); expected inlined assets"
        raise ValueError(msg)
    return page
