"""Names on print maps: each printed beside its circle where it overlaps no other name.

:func:`place_labels` works in points on the page, after the map's limits are set: a place's name
tries the right, left, top and bottom of its circle; a unit's name sits on the unit. Names that
would cover one already printed are left out rather than printed over it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Font size of names on the map (points).
LABEL_PT = 7.0


@dataclass
class MapLabel:
    """A name to print at a map position (metres), beside a circle of ``r_pt`` points."""

    x: float
    y: float
    text: str
    r_pt: float
    centred: bool = False  # a unit's name, on the unit (not beside a point)


def _box(x: float, y: float, w: float, h: float, side: str, r: float) -> tuple:
    """Return the box (points) of a ``w`` x ``h`` label on ``side`` of a circle at ``x, y``."""
    gap = r + 2.0
    return {
        "r": (x + gap, y - h / 2, x + gap + w, y + h / 2),
        "l": (x - gap - w, y - h / 2, x - gap, y + h / 2),
        "t": (x - w / 2, y + gap, x + w / 2, y + gap + h),
        "b": (x - w / 2, y - gap - h, x + w / 2, y - gap),
        "c": (x - w / 2, y - h / 2, x + w / 2, y + h / 2),
    }[side]


def _hits(a: tuple, b: tuple, slack: float = 0.5) -> bool:
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]


def place_labels(ax, names: list[MapLabel], *, fontsize: float = LABEL_PT) -> list[str]:
    """Print the names beside their circles where they overlap no other name; return those left.

    Each name tries the right, left, top and bottom of its circle, in that order, and takes the
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
        if n.r_pt > 0
    ]
    placed: list[tuple] = []
    skipped: list[str] = []
    h = fontsize * 1.25
    seen: set[str] = set()
    for n, (px, py) in zip(names, xy, strict=True):
        if not n.text or n.text in seen:  # a site and its village share a name: print it once
            continue
        seen.add(n.text)
        w = fontsize * 0.56 * len(n.text) + 2
        sides = ["c"] if n.centred else ["r", "l", "t", "b"]
        best, best_cost = None, None
        for side in sides:
            box = _box(px, py, w, h, side, n.r_pt)
            if any(_hits(box, other) for other in placed):
                continue
            inside = box[0] >= x0 and box[2] <= x1 and box[1] >= y0 and box[3] <= y1
            own = (px - n.r_pt, py - n.r_pt, px + n.r_pt, py + n.r_pt)
            cost = sum(_hits(box, c) for c in circles if c != own) + (0 if inside else 10)
            if best_cost is None or cost < best_cost:
                best, best_cost = (side, box), cost
            if cost == 0:
                break
        if best is None:
            skipped.append(n.text)
            continue
        side, box = best
        placed.append(box)
        offset = {
            "r": (n.r_pt + 2.0, 0.0),
            "l": (-(n.r_pt + 2.0), 0.0),
            "t": (0.0, n.r_pt + 2.0),
            "b": (0.0, -(n.r_pt + 2.0)),
            "c": (0.0, 0.0),
        }[side]
        ha = {"r": "left", "l": "right"}.get(side, "center")
        va = {"t": "bottom", "b": "top"}.get(side, "center")
        ax.annotate(
            n.text,
            (n.x, n.y),
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=fontsize,
            zorder=7,
            color="#222222",
            bbox=None
            if n.centred
            else {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6},
        )
    return skipped
