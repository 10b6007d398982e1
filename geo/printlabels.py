"""Names on print maps: each printed beside its circle where it overlaps no other name.

:func:`place_labels` works in points on the page, after the map's limits are set: a place's name
tries the right, left, top, bottom, then the corners of its circle; a unit's name sits on the
unit; a line's name (anchored where the line leads) is printed first, where it was put. Names
that would cover one already printed are left out rather than printed over it. Context names
(rivers, towns: ``minor``) come last and only where they cover no name and no circle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Font size of names on the map (points).
LABEL_PT = 7.0
#: Corners kept free of context names (shares of the map: x0, y0, x1, y1): the scale bar lower
#: left and the north arrow upper right (:mod:`geo.printfurniture`).
FURNITURE: tuple[tuple[float, float, float, float], ...] = ((0.0, 0.0, 0.27, 0.08), (0.9, 0.8, 1.0, 1.0))


@dataclass
class MapLabel:
    """A name to print at a map position (metres), beside a circle of ``r_pt`` points."""

    x: float
    y: float
    text: str
    r_pt: float
    centred: bool = False  # a unit's name, on the unit (not beside a point)
    ha: str = ""  # a line's name: anchored there (matplotlib's ``ha``/``va``), printed first
    va: str = "center"
    strong: bool = False  # bold, on a firmer white box
    minor: bool = False  # context (a river, a town): printed last, only where it covers nothing
    color: str = "#222222"
    italic: bool = False


#: Where a name may go around its circle, in order of preference: the direction of its anchor
#: from the centre (in circle radii) and the text's alignment there.
SIDES: dict[str, tuple[float, float, str, str]] = {
    "r": (1.0, 0.0, "left", "center"),
    "l": (-1.0, 0.0, "right", "center"),
    "t": (0.0, 1.0, "center", "bottom"),
    "b": (0.0, -1.0, "center", "top"),
    "tr": (0.75, 0.75, "left", "bottom"),
    "br": (0.75, -0.75, "left", "top"),
    "tl": (-0.75, 0.75, "right", "bottom"),
    "bl": (-0.75, -0.75, "right", "top"),
    "c": (0.0, 0.0, "center", "center"),
}


def _box(x: float, y: float, w: float, h: float, side: str, r: float) -> tuple:
    """Return the box (points) of a ``w`` x ``h`` label on ``side`` of a circle at ``x, y``."""
    sx, sy, ha, va = SIDES[side]
    gap = r + 2.0
    return _anchored_box(x + sx * gap, y + sy * gap, w, h, ha, va)


def _hits(a: tuple, b: tuple, slack: float = 0.5) -> bool:
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]


def place_labels(ax, names: list[MapLabel], *, fontsize: float = LABEL_PT) -> list[str]:
    """Print the names beside their circles where they overlap no other name; return those left.

    Each name tries the sides of its circle in :data:`SIDES` order and takes the
    first side that overlaps no name already printed and no other circle (else the side covering
    fewest circles). A name that would overlap a printed name on every side is left out rather
    than printed over it (places that sit together: the first keeps its name). A unit's name
    sits on the unit. Positions are worked out in points on the page.
    """
    if not names:
        return []
    to_pt = 72.0 / ax.figure.dpi
    xy = ax.transData.transform(np.array([[n.x, n.y] for n in names])) * to_pt
    x0, y0, x1, y1 = ax.get_window_extent().extents * to_pt
    circles = [
        (px - n.r_pt, py - n.r_pt, px + n.r_pt, py + n.r_pt)
        for n, (px, py) in zip(names, xy, strict=True)
        if n.r_pt > 0 and not n.minor  # the data's circles; a town's dot may be named over
    ]
    placed: list[tuple] = []
    skipped: list[str] = []
    kept_free = [
        (x0 + a * (x1 - x0), y0 + b * (y1 - y0), x0 + c * (x1 - x0), y0 + d * (y1 - y0))
        for a, b, c, d in FURNITURE
    ]
    h = fontsize * 1.25
    seen: set[str] = set()
    # anchored names first, context names last (a river may offer several places: one is kept)
    order = sorted(range(len(names)), key=lambda i: (names[i].minor, not names[i].ha))
    for i in order:
        n, (px, py) = names[i], xy[i]
        if not n.text or n.text in seen:  # a site and its village share a name: print it once
            continue
        if not n.minor:
            seen.add(n.text)
        w = fontsize * 0.6 * len(n.text) + 3
        if n.ha:  # where it was put, moved inside the map if it would run off it
            box = _anchored_box(px, py, w * (1.15 if n.strong else 1.0), h * 1.2, n.ha, n.va)
            dx = max(0.0, x0 + 3 - box[0]) - max(0.0, box[2] - (x1 - 3))
            dy = max(0.0, y0 + 3 - box[1]) - max(0.0, box[3] - (y1 - 3))
            placed.append((box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy))
            _annotate(ax, n, (dx, dy), n.ha, n.va, fontsize)
            continue
        sides = ["c"] if n.centred else [s for s in SIDES if s != "c"]
        best, best_cost = None, None
        for side in sides:
            box = _box(px, py, w, h, side, n.r_pt)
            if any(_hits(box, other) for other in placed):
                continue
            if n.minor and any(_hits(box, corner) for corner in kept_free):
                continue
            inside = box[0] >= x0 and box[2] <= x1 and box[1] >= y0 and box[3] <= y1
            own = (px - n.r_pt, py - n.r_pt, px + n.r_pt, py + n.r_pt)
            cost = sum(_hits(box, c) for c in circles if c != own) + (0 if inside else 10)
            if best_cost is None or cost < best_cost:
                best, best_cost = (side, box), cost
            if cost == 0:
                break
        if best is None or (n.minor and best_cost):
            if not n.minor:
                skipped.append(n.text)
            continue
        seen.add(n.text)
        side, box = best
        placed.append(box)
        sx, sy, ha, va = SIDES[side]
        _annotate(ax, n, (sx * (n.r_pt + 2.0), sy * (n.r_pt + 2.0)), ha, va, fontsize)
    return skipped


def _anchored_box(x: float, y: float, w: float, h: float, ha: str, va: str) -> tuple:
    """Return the box (points) of a ``w`` x ``h`` text anchored at ``x, y`` by ``ha``/``va``."""
    left = {"left": x, "right": x - w}.get(ha, x - w / 2)
    bottom = {"bottom": y, "top": y - h}.get(va, y - h / 2)
    return (left, bottom, left + w, bottom + h)


def _annotate(ax, n: MapLabel, offset: tuple[float, float], ha: str, va: str, fontsize: float) -> None:
    """Print a name on a light box (a line's on a firmer one); text stays text in PDF and SVG."""
    box = {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6}
    if n.minor:
        box = {"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.45}
    elif n.centred:
        box = None
    elif n.strong:
        box = {"boxstyle": "round,pad=0.25", "fc": "white", "ec": "#999999", "lw": 0.5, "alpha": 0.9}
    ax.annotate(
        n.text,
        (n.x, n.y),
        xytext=offset,
        textcoords="offset points",
        ha=ha,
        va=va,
        fontsize=fontsize + (1.0 if n.strong else 0.0) - (0.5 if n.minor else 0.0),
        fontweight="bold" if n.strong else "normal",
        fontstyle="italic" if n.italic else "normal",
        zorder=6.5 if n.minor else 7,
        color=n.color,
        bbox=box,
    )
