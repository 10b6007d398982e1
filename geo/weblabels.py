"""Names on the web map: places beside their circles, routes where they lead, rivers and towns.

:func:`label_points` and :func:`line_labels` name the data (and its villages, routes); then
:func:`context_labels` names the natural context (:mod:`geo.landmarks`) only where it covers no
name nor circle of the data, at the map's opening extent. Each label is drawn by
:class:`NameLabels` as a non-interactive ``divIcon`` styled by :data:`LABEL_CSS`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from geo import settings
from geo.landmarks import COLORS, NATURAL_KEYS, label_anchors
from geo.mapview import View, line_label_at
from geo.webmap import escape

#: Names of places are drawn beside them when a map has at most this many named points.
LABEL_MAX = 40
#: Decimal places kept in the page (4 places ~ 11 m: finer than any boundary here).
DECIMALS = 4

LABEL_CSS = """
.zp-label { background: transparent; border: none; pointer-events: none; }
.zp-label span { position: absolute; top: 0; white-space: nowrap; font: 11px/14px sans-serif;
  color: #222; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.zp-label.zp-r span { left: 0; }
.zp-label.zp-l span { right: 0; }
.zp-label.zp-b span, .zp-label.zp-t span { left: 0; transform: translateX(-50%); }
.zp-label.zp-route span { font-weight: 600; font-size: 12px; }
""" + (
    f".zp-label.zp-water span {{ font-style: italic; color: {COLORS['river_label']}; }}\n"
    f".zp-label.zp-town span {{ font-size: 10px; color: {COLORS['town_label']}; }}\n"
)


class NameLabels(MacroElement):
    """Permanent, non-interactive name labels beside points, in their layer's group."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            {{ this.points|tojson }}.forEach(function (p) {
                L.marker([p[0], p[1]], {
                    icon: L.divIcon({className: 'zp-label zp-' + p[5] + (p[6] ? ' zp-' + p[6] : ''),
                                     html: '<span>' + p[2] + '</span>', iconSize: [0, 14],
                                     iconAnchor: p[4]}),
                    interactive: false, keyboard: false
                }).addTo(group);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, points: list[list]) -> None:
        super().__init__()
        self._name = "ZpLabels"
        self.points = points


def label_points(
    view: View, *, limit: int = LABEL_MAX, size_px: tuple[int, int] = (900, 680)
) -> dict[str, list[list]]:
    """Return the name labels to draw per point layer key.

    Each label is ``[lat, lon, escaped text, radius, [anchor x, anchor y], side]``. Places are
    labelled only when the view has at most ``limit`` named points (a zone's villages, towns
    and sites), so a national map is not buried under names. A name is drawn once, at its
    first point, on the side (right, left, below, above) where it overlaps no name or circle
    already placed at the map's opening extent (``size_px`` pixels).
    """
    items: list[tuple[str, float, float, str, float]] = []
    seen: set[str] = set()
    for layer in view.layers:
        if layer.kind != "point" or not layer.labels or not layer.show or layer.frame.empty:
            continue
        if layer.key in NATURAL_KEYS:  # named after the data's own names (context_labels)
            continue
        frame = layer.frame[layer.frame["_label"].astype(str).str.strip() != ""]
        radius = frame["_radius"] if "_radius" in frame else pd.Series(layer.radius, index=frame.index)
        for (idx, label), geom in zip(frame["_label"].items(), frame.geometry, strict=True):
            if label in seen or geom is None or geom.is_empty:
                continue
            seen.add(label)
            items.append((layer.key, float(geom.y), float(geom.x), str(label), float(radius[idx])))
    if not items or len(items) > limit:
        return {}
    minx, miny, maxx, maxy = view.bounds or settings.MALI_BBOX
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = min(size_px[0] / max((maxx - minx) * kx, 1e-6), size_px[1] / max(maxy - miny, 1e-6))
    scale /= 1.4  # Leaflet opens at the whole zoom level below the exact fit

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - minx) * kx * scale, (maxy - lat) * scale

    circles, boxes = [], []
    for _key, lat, lon, _label, r in items:  # the circles themselves are obstacles
        x, y = xy(lat, lon)
        circles.append((x - r, y - r, x + r, y + r))
    out: dict[str, list[list]] = {}
    for key, lat, lon, label, r in items:
        x, y = xy(lat, lon)
        w, h = 6.2 * len(label), 14.0
        sides = {
            "r": ((x + r + 3, y - 7, x + r + 3 + w, y + 7), [-(r + 3), 7]),
            "l": ((x - r - 3 - w, y - 7, x - r - 3, y + 7), [r + 3, 7]),
            "b": ((x - w / 2, y + r + 1, x + w / 2, y + r + 1 + h), [0, -(r + 1)]),
            "t": ((x - w / 2, y - r - 1 - h, x + w / 2, y - r - 1), [0, r + 1 + h]),
        }
        # fewest names hidden first, then fewest circles covered; ties keep the order above
        side = min(
            sides,
            key=lambda name: (
                sum(_overlap(sides[name][0], other) for other in boxes),
                sum(_overlap(sides[name][0], other) for other in circles),
            ),
        )
        box, anchor = sides[side]
        boxes.append(box)
        out.setdefault(key, []).append(
            [round(lat, DECIMALS), round(lon, DECIMALS), escape(label), r, anchor, side]
        )
    return out


def line_labels(view: View, *, size_px: tuple[int, int] = (900, 680)) -> dict[str, list[list]]:
    """Return the names of lines to draw per line layer key, where each line leads.

    Each label is written like a point's (:func:`label_points`) at the last point of its line
    inside the map's opening extent (:func:`geo.mapview.line_label_at`), on the side facing the
    map, in bold, moved along so that it does not run off the extent (``size_px`` pixels, text
    about 7 pixels a letter); the line's tooltip says it in full.
    """
    minx, miny, maxx, maxy = bounds = view.bounds or settings.MALI_BBOX
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = min(size_px[0] / max((maxx - minx) * kx, 1e-6), size_px[1] / max(maxy - miny, 1e-6))
    scale /= 1.4  # Leaflet opens at the whole zoom level below the exact fit
    rows = {"center": 7, "bottom": 18, "top": -4}
    out: dict[str, list[list]] = {}
    for layer in view.layers:
        if layer.kind != "line" or not layer.labels or not layer.show or layer.frame.empty:
            continue
        if layer.key in NATURAL_KEYS:  # rivers are named along their course (context_labels)
            continue
        for geom, label in zip(layer.frame.geometry, layer.frame["_label"], strict=True):
            if not label or geom is None or geom.geom_type not in ("LineString", "MultiLineString"):
                continue
            at = line_label_at(geom, bounds)
            if at is None:
                continue
            x, y, ha, va = at
            px, width, text = (x - minx) * kx * scale, (maxx - minx) * kx * scale, 7.0 * len(label)
            if ha == "right":  # text left of the point (class zp-l), shifted right if it runs off
                side, ax = "l", 4 - max(0.0, text + 4 - px)
            else:
                side, ax = "r", -4 + max(0.0, px + 4 + text - width)
            out.setdefault(layer.key, []).append(
                [round(y, DECIMALS), round(x, DECIMALS), escape(label), 0, [ax, rows[va]], side, "route"]
            )
    return out


def _overlap(a: tuple[float, ...], b: tuple[float, ...], slack: float = 2.0) -> bool:
    """Return whether boxes ``a`` and ``b`` overlap by more than ``slack`` pixels."""
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]


def context_labels(
    view: View, placed: dict[str, list[list]], *, size_px: tuple[int, int] = (900, 680)
) -> dict[str, list[list]]:
    """Return the names of rivers and towns to draw per layer key, where they hide nothing.

    ``placed`` is what :func:`label_points` and :func:`line_labels` returned: the data's names
    keep their place. A river is named above the middle of its longest stretch inside the opening
    extent (else a little up or down it), a town to its right; a name that would cover a name or
    circle of the data, or another context name, is left out. A town named like a place already
    labelled is not named twice.
    """
    minx, miny, maxx, maxy = view.bounds or settings.MALI_BBOX
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = min(size_px[0] / max((maxx - minx) * kx, 1e-6), size_px[1] / max(maxy - miny, 1e-6))
    scale /= 1.4  # Leaflet opens at the whole zoom level below the exact fit

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - minx) * kx * scale, (maxy - lat) * scale

    boxes, names = [], {str(p[2]).casefold() for items in placed.values() for p in items}
    for items in placed.values():  # wherever a data name went, around its anchor
        for lat, lon, label, r, *_ in items:
            x, y = xy(lat, lon)
            w = 7.0 * len(str(label)) + r + 4
            boxes.append((x - w, y - r - 15, x + w, y + r + 15))
    for layer in view.layers:
        if layer.kind == "point" and layer.key not in NATURAL_KEYS and not layer.frame.empty:
            geoms = np.asarray(layer.frame.geometry.values)
            radius = np.full(len(geoms), float(layer.radius))
            if "_radius" in layer.frame.columns:
                given = pd.to_numeric(layer.frame["_radius"], errors="coerce").to_numpy(dtype=float)
                radius = np.where(np.isnan(given), radius, given)
            point = shapely.get_type_id(geoms) == 0
            point[point] = ~shapely.is_empty(geoms[point])
            lon, lat = shapely.get_x(geoms[point]), shapely.get_y(geoms[point])
            for la, lo, r in zip(lat.tolist(), lon.tolist(), radius[point].tolist(), strict=True):
                x, y = xy(la, lo)
                boxes.append((x - r, y - r, x + r, y + r))
    out: dict[str, list[list]] = {}
    dx, dy = maxx - minx, maxy - miny
    # a river is named inside the extent; a town a little beyond it too (the map opens wider)
    within = {
        "line": shapely.box(minx + 0.04 * dx, miny + 0.04 * dy, maxx - 0.04 * dx, maxy - 0.04 * dy),
        "point": shapely.box(minx - 0.15 * dx, miny - 0.15 * dy, maxx + 0.15 * dx, maxy + 0.15 * dy),
    }
    for layer in view.layers:
        if layer.key not in NATURAL_KEYS or not layer.labels or not layer.show or layer.frame.empty:
            continue
        for geom, label in zip(layer.frame.geometry, layer.frame["_label"], strict=True):
            if not label or geom is None or geom.is_empty or str(label).casefold() in names:
                continue
            w = 6.2 * len(str(label))
            for lon, lat in label_anchors(geom, within.get(layer.kind, within["line"])):
                x, y = xy(lat, lon)
                if layer.kind == "point":
                    box, anchor, side, css = (x + 5, y - 7, x + 5 + w, y + 7), [-5, 7], "r", "town"
                else:
                    box, anchor, side, css = (x - w / 2, y - 17, x + w / 2, y - 3), [0, 17], "t", "water"
                if any(_overlap(box, other) for other in boxes):
                    continue
                boxes.append(box)
                names.add(str(label).casefold())
                out.setdefault(layer.key, []).append(
                    [round(lat, DECIMALS), round(lon, DECIMALS), escape(label), 0, anchor, side, css]
                )
                break
    return out
