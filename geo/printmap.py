"""Print maps with matplotlib: a :class:`geo.mapview.View` on A4 or A3, as PNG, SVG or PDF.

The map is drawn in a local azimuthal equidistant projection centred on the view
(:func:`geo.geodesy.local_aeqd`), so one unit is one metre everywhere near the map and the scale bar
(``matplotlib-scalebar`` with ``dx = 1 m``) is right at the map's latitude, and north is up at the
centre. Around it: title and subtitle, the map number and version, a legend that tells apart
suppressed, zero and no-data classes, a north arrow, an inset locating the area in Mali, sources
and attributions, the date, a disclaimer that boundaries are not official, and the disclosure
footer. Vector context only. Fonts and symbols follow the paper: A3 is A4 enlarged.
Figures are built without pyplot: no global state, safe in the app's threads. The furniture around
the map is drawn by :mod:`geo.printfurniture`, names on the map placed by :mod:`geo.printlabels`.
"""

from __future__ import annotations

import io
import os
import textwrap
from pathlib import Path
from typing import BinaryIO

import geopandas as gpd
import pandas as pd
import shapely
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.offsetbox import AnchoredOffsetbox, DrawingArea, TextArea, VPacker
from matplotlib.patches import Circle
from matplotlib.text import Text

from geo import settings
from geo.errors import UnknownNameError
from geo.geodesy import local_aeqd
from geo.landmarks import COLORS, NATURAL_KEYS, label_anchors
from geo.mapview import View, ViewLayer, line_label_at
from geo.printfurniture import (
    HATCH,
    add_lines,
    add_polygons,
    draw_inset,
    draw_legend,
    draw_map_number,
    draw_north_arrow,
    draw_scalebar,
    draw_watermark,
    file_metadata,
    footer_lines,
    mpl_dash,
    paper_scale,
    wrap_lines,
)
from geo.printlabels import LABEL_PT, MapLabel, place_labels
from geo.symbology import STATUS_COLORS, drawn_over

#: Paper sizes in millimetres (portrait width, height).
PAPER_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS: tuple[str, ...] = ("landscape", "portrait")
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
#: Resolution for PNG unless the caller chooses.
DEFAULT_DPI = 200
#: Above this many polygons, outlines are drawn in the fill colour (hexagon grids).
MANY_FEATURES = 200
#: Polygon layers with more features than this get no name labels.
MAX_LABELS = 40
MM_PER_INCH = 25.4
FONT = "DejaVu Sans"
#: Printed size of one web-map pixel (points) on A4: a 20 px circle prints 16 pt (5.6 mm) in
#: radius (on A3, times :func:`geo.printfurniture.paper_scale`).
PT_PER_PX = 0.8
#: Stacking of point symbols: in layer order from ``Z_POINTS``; circles that would hide under a
#: site or centre (:func:`geo.symbology.drawn_over`) at ``Z_OVER``, over every symbol.
Z_POINTS, Z_OVER = 5.0, 5.8
#: Detail kept in context lines and outlines (points on paper): finer is lost in the pen's width.
SIMPLIFY_PT = 0.25
#: Height of a footer line, in font sizes (its line spacing; measured 1.24 in DejaVu Sans).
FOOTER_LINE = 1.3


def paper_size_in(paper: str = "A4", orientation: str = "landscape") -> tuple[float, float]:
    """Return the figure size ``(width, height)`` in inches of ``paper`` in ``orientation``."""
    if paper not in PAPER_MM:
        raise UnknownNameError("paper size", paper, list(PAPER_MM))
    if orientation not in ORIENTATIONS:
        raise UnknownNameError("orientation", orientation, ORIENTATIONS)
    w, h = PAPER_MM[paper]
    if orientation == "landscape":
        w, h = h, w
    return w / MM_PER_INCH, h / MM_PER_INCH


def map_crs(view: View):
    """Return the local metric CRS of ``view`` (AEQD centred on its bounds)."""
    minx, miny, maxx, maxy = view.bounds or settings.MALI_BBOX
    return local_aeqd((minx + maxx) / 2, (miny + maxy) / 2)


def _extent_m(view: View, crs, aspect: float) -> tuple[float, float, float, float]:
    """Return the map extent in metres, grown to the axes' width/height ``aspect``."""
    minx, miny, maxx, maxy = view.bounds or settings.MALI_BBOX
    ring = shapely.box(minx, miny, maxx, maxy).segmentize(0.05)
    x0, y0, x1, y1 = gpd.GeoSeries([ring], crs=settings.CRS).to_crs(crs).total_bounds
    w, h = x1 - x0, y1 - y0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _clip_to(frame: gpd.GeoDataFrame, view_bounds, pad: float) -> gpd.GeoDataFrame:
    """Return the features of ``frame`` near the view, lines and polygons cut ``pad`` beyond it.

    A river or a country runs far beyond a zone's map: only what may show is drawn.
    """
    minx, miny, maxx, maxy = view_bounds
    dx, dy = (maxx - minx) * pad, (maxy - miny) * pad
    box = (minx - dx, miny - dy, maxx + dx, maxy + dy)
    sub = frame.cx[box[0] : box[2], box[1] : box[3]]
    if sub.empty:
        return sub
    if (sub.geom_type != "Point").any():
        sub = sub.copy()
        sub[sub.geometry.name] = sub.geometry.clip_by_rect(*box)
        sub = sub[~sub.geometry.is_empty]
    return sub


def draw_map(
    ax,
    view: View,
    *,
    labels: bool = True,
    scalebar: bool = True,
    north: bool = True,
    scale: float | None = None,
) -> None:
    """Draw the layers of ``view`` on ``ax`` in its local metric CRS, with scale bar and arrow.

    ``scale`` multiplies fonts and symbols; default the page's size against A4
    (:func:`geo.printfurniture.paper_scale`).
    """
    scale = paper_scale(ax.figure) if scale is None else scale
    crs = map_crs(view)
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    aspect = (bbox.width * fig_w) / (bbox.height * fig_h)
    x0, y0, x1, y1 = _extent_m(view, crs, aspect)
    ax.set_facecolor("#dfe9f0")
    ax.set_xlim(x0, x1)  # limits first: labels are placed in page space
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_autoscale_on(False)
    ax.apply_aspect()
    names: list[MapLabel] = []
    # context outlines and rivers need no detail finer than the pen: simplified to the paper
    tolerance_m = SIMPLIFY_PT * (x1 - x0) / (bbox.width * fig_w * 72)
    for order, layer in enumerate(view.layers):
        if layer.frame.empty:
            continue
        frame = _clip_to(layer.frame, view.bounds or settings.MALI_BBOX, 1.5)
        if frame.empty:
            continue
        frame = frame.to_crs(crs)
        if layer.role == "context" and layer.kind != "point":
            frame[frame.geometry.name] = frame.geometry.simplify(tolerance_m)
        over = drawn_over(view.layers, order).reindex(frame.index, fill_value=False)
        _draw_layer(
            ax,
            layer,
            frame.assign(_over=over),
            labels=labels and layer.labels,
            names=names,
            order=order,
            scale=scale,
        )
    place_labels(ax, names, fontsize=LABEL_PT * scale)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_color("#444444")
        spine.set_linewidth(0.8)
    if scalebar:
        draw_scalebar(ax, scale=scale)
    if north:
        draw_north_arrow(ax, view.lang, scale=scale)
    draw_size_key(ax, view, scale=scale)
    if view.message:
        ax.text(
            0.5,
            0.93,
            view.message,
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=10 * scale,
            bbox={"boxstyle": "round", "fc": "#fff3bf", "ec": "#e0b000"},
        )


def marker_radius_pt(radius_px: float | pd.Series, scale: float = 1.0) -> float | pd.Series:
    """Return the printed radius (points) of a circle of ``radius_px`` pixels on the web map."""
    return radius_px * PT_PER_PX * scale


def _draw_layer(
    ax,
    layer: ViewLayer,
    frame: gpd.GeoDataFrame,
    *,
    labels: bool,
    names: list[MapLabel] | None = None,
    order: int = 0,
    scale: float = 1.0,
) -> None:
    """Draw one layer; points stack in the view's layer order, as on the web map.

    A point frame's ``_over`` column (:func:`geo.symbology.drawn_over`) lifts its circles over
    every symbol.
    """
    z = 1 if layer.role == "context" and layer.kind != "point" else 3
    names = [] if names is None else names
    if layer.kind == "point":
        pts = frame[frame.geom_type == "Point"]
        if pts.empty:
            return
        if "_radius" in pts.columns:  # proportional symbols: area follows the value
            radius = pd.to_numeric(pts["_radius"], errors="coerce").fillna(layer.radius)
            pts = pts.assign(_r_pt=marker_radius_pt(radius, scale)).sort_values(
                "_r_pt", ascending=False, kind="stable"
            )  # small circles over big ones
            alpha = layer.fill_opacity
        else:
            pts = pts.assign(_r_pt=marker_radius_pt(layer.radius, scale))
            alpha = 0.95
        over = pts["_over"].astype(bool) if "_over" in pts.columns else pd.Series(False, pts.index)
        # later layers over earlier ones (sites and centres last); small circles over them all
        for part, zp in ((pts[~over], Z_POINTS + 0.01 * order), (pts[over], Z_OVER + 0.01 * order)):
            if not part.empty:
                _scatter(ax, part, alpha=alpha, zorder=zp, scale=scale)
        minor = {"minor": True, "color": COLORS["town_label"]} if layer.key in NATURAL_KEYS else {}
        for x, y, text, r in zip(
            pts.geometry.x, pts.geometry.y, pts["_label"], pts["_r_pt"], strict=True
        ):
            text = str(text) if labels and text else ""
            names.append(MapLabel(float(x), float(y), text, float(r), **minor))
        return
    if layer.kind == "line":
        _draw_lines(ax, layer, frame, z=z + 1, labels=labels, names=names)
        return
    special = frame["_status"].isin(["suppressed", "no_data"])
    normal = frame[~special]
    many = len(frame) > MANY_FEATURES
    if many and not normal.empty:  # hexagon grids: one shape per class, no seams nor overlaps
        normal = normal[["_fill", normal.geometry.name]].dissolve(by="_fill", as_index=False)
    if not normal.empty:
        add_polygons(
            ax,
            normal.geometry.values,
            facecolors=list(normal["_fill"]),
            edgecolors="face" if many else list(normal["_edge"]),
            linewidths=0.0 if many else layer.weight * 0.6 * scale,
            alpha=layer.fill_opacity if layer.role == "data" else 1.0,
            zorder=z,
        )
    sup = frame[frame["_status"] == "suppressed"]
    if not sup.empty:
        add_polygons(
            ax,
            sup.geometry.values,
            facecolors=STATUS_COLORS["suppressed"],
            edgecolors="#555555",
            hatch=HATCH,
            linewidths=0.6 * scale,
            linestyles=[(0, (4, 3))],
            zorder=z,
        )
    nod = frame[frame["_status"] == "no_data"]
    if not nod.empty:
        add_polygons(
            ax,
            nod.geometry.values,
            facecolors="#ffffff",
            edgecolors="#555555",
            linewidths=0.6 * scale,
            linestyles=[(0, (1, 3))],
            alpha=0.8,
            zorder=z,
        )
    if labels and layer.role == "data" and len(frame) <= MAX_LABELS:
        for geom, text in zip(frame.geometry, frame["_label"], strict=True):
            if text and geom is not None and not geom.is_empty:
                p = geom.representative_point()
                names.append(MapLabel(p.x, p.y, str(text), 0.0, centred=True))


def _draw_lines(
    ax, layer: ViewLayer, frame: gpd.GeoDataFrame, *, z: float, labels: bool, names: list[MapLabel]
) -> None:
    """Draw polygons as their outline and lines as they run; name lines where they lead."""
    scale = paper_scale(ax.figure)
    lines = frame.geom_type.isin(["LineString", "MultiLineString"])
    add_lines(  # polygons as their rings, lines as they run
        ax,
        frame.geometry.values,
        list(frame["_edge"]),
        linewidths=layer.weight * scale,
        linestyles=[mpl_dash(layer.dash)],
        zorder=z,
    )
    if not labels:
        return
    extent = (*ax.get_xlim(), *ax.get_ylim())
    if layer.key in NATURAL_KEYS:  # a river: named along its course, after the data's names
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        dx, dy = 0.04 * (x1 - x0), 0.04 * (y1 - y0)
        inner = shapely.box(x0 + dx, y0 + dy, x1 - dx, y1 - dy)
        style = {"minor": True, "color": COLORS["river_label"], "italic": True}
        for geom, text in zip(frame.geometry[lines], frame.loc[lines, "_label"], strict=True):
            for x, y in label_anchors(geom, inner) if text else []:
                names.append(MapLabel(x, y, str(text), 1.0, **style))
        return
    for geom, text in zip(frame.geometry[lines], frame.loc[lines, "_label"], strict=True):
        at = line_label_at(geom, (extent[0], extent[2], extent[1], extent[3])) if text else None
        if at is not None:
            names.append(MapLabel(at[0], at[1], str(text), 0.0, ha=at[2], va=at[3], strong=True))


def _scatter(ax, pts: gpd.GeoDataFrame, *, alpha: float, zorder: float, scale: float) -> None:
    """Draw points as circles of ``_r_pt`` points; suppressed and no-data ones ringed dotted."""
    size = (2 * pts["_r_pt"]) ** 2  # scatter sizes are areas in points squared
    ax.scatter(
        pts.geometry.x,
        pts.geometry.y,
        s=size,
        c=[c if c != "none" else "#ffffff" for c in pts["_fill"]],
        edgecolors=list(pts["_edge"]),
        linewidths=0.8 * scale,
        zorder=zorder,
        alpha=alpha,
    )
    hidden = pts["_status"].isin(["no_data", "suppressed"])
    if hidden.any():
        ax.scatter(
            pts.geometry.x[hidden],
            pts.geometry.y[hidden],
            s=size[hidden],
            facecolors="none",
            edgecolors="#333333",
            linewidths=0.8 * scale,
            linestyle=":",
            zorder=zorder + 0.005,
        )


def draw_size_key(ax, view: View, *, scale: float = 1.0) -> None:
    """Draw the key of proportional circles (nested reference circles) in the map's corner.

    The circles are drawn at the size they have on the map (:func:`marker_radius_pt`), so the
    reader can compare; the key sits in the lower right corner (scale bar lower left).
    """
    for layer in view.data_layers:
        refs = [e for e in layer.legend if e.kind == "size"]
        if refs:
            break
    else:
        return
    fs = LABEL_PT * scale
    radii = [float(marker_radius_pt(e.size, scale)) for e in refs]
    big = max(radii)
    text_w = fs * 0.56 * max(len(e.label) for e in refs) + 4
    pairs = sorted(zip(refs, radii, strict=True), key=lambda p: p[1])  # smallest first
    label_y, last = [], -fs
    for _entry, r in pairs:  # each label at its circle's top, never closer than a line
        last = max(2 * r + 1, last + fs * 1.2)
        label_y.append(last)
    area = DrawingArea(2 * big + 10 + text_w, max(2 * big + 2, last + fs * 0.6))
    for (entry, r), y in reversed(list(zip(pairs, label_y, strict=True))):
        area.add_artist(
            Circle(
                (big, r + 1),
                r,
                facecolor=entry.color,
                edgecolor="#444444",
                linewidth=0.6 * scale,
                alpha=min(layer.fill_opacity, 0.6),
            )
        )
        area.add_artist(
            Line2D(
                [big, 2 * big + 3, 2 * big + 7],
                [2 * r + 1, y, y],
                color="#444444",
                linewidth=0.5 * scale,
            )
        )
        area.add_artist(
            Text(2 * big + 9, y, entry.label, va="center", ha="left", fontsize=fs, color="#222222")
        )
    title = TextArea(
        textwrap.fill(layer.title, 28),
        textprops={"fontsize": fs, "fontweight": "bold", "color": "#222222"},
    )
    box = AnchoredOffsetbox(
        loc="lower right",
        child=VPacker(children=[title, area], pad=0, sep=3, align="left"),
        pad=0.4,
        borderpad=0.5,
        frameon=True,
    )
    box.patch.set_facecolor("white")
    box.patch.set_alpha(0.85)
    box.patch.set_edgecolor("#999999")
    box.set_zorder(8)
    ax.add_artist(box)


def draw_print(
    view: View, *, paper: str = "A4", orientation: str = "landscape", number: str = ""
) -> Figure:
    """Return a figure of ``view`` laid out for ``paper`` in ``orientation``.

    ``number`` is the map's number and version (:func:`geo.printfurniture.map_number`), printed in
    the top right corner. Fonts and symbols are those of A4 times the paper's scale.
    """
    w, h = paper_size_in(paper, orientation)
    scale = w / paper_size_in("A4", orientation)[0]
    fig = Figure(figsize=(w, h))
    fig.patch.set_facecolor("white")
    fs = 7.0 * scale
    if orientation == "landscape":
        title_y, map_box = 0.955, [0.03, 0.17, 0.64, 0.72]
        inset_box, legend_box, foot_w = [0.70, 0.63, 0.27, 0.26], [0.70, 0.17, 0.27, 0.44], 0.94
        ncol, lifted = 1, [map_box, legend_box]
    else:
        title_y, map_box = 0.97, [0.05, 0.37, 0.90, 0.55]
        inset_box, legend_box, foot_w = [0.05, 0.155, 0.27, 0.19], [0.36, 0.155, 0.60, 0.19], 0.9
        ncol, lifted = 2, [map_box, inset_box, legend_box]
    # The footer (sources, disclosure) grows with the layers' sources: what sits on it moves up.
    footer = wrap_lines(footer_lines(view), w * foot_w, fs)
    foot_top = 0.012 + (footer.count("\n") + 1) * fs * FOOTER_LINE / (72 * h) + 0.012
    lift = max(0.0, foot_top - min(box[1] for box in lifted))
    for box in lifted:
        box[1] += lift
        box[3] -= lift if box is map_box or orientation == "landscape" else 0.0
    fig.text(0.03, title_y, view.title, fontsize=16 * scale, fontweight="bold", va="top")
    draw_map_number(fig, number)
    top = title_y - 0.042 * (1 if orientation == "landscape" else 0.7)
    # The subtitle, then the notes that explain the map (nothing recorded, places not mapped),
    # as wide as the map; the map starts below them.
    for lines, size, style in (
        ([view.subtitle] if view.subtitle else [], 10.0 * scale, {"color": "#333333"}),
        (view.notes, 8.0 * scale, {"color": "#7a3b00", "style": "italic"}),
    ):
        if not lines:
            continue
        text = wrap_lines(lines, w * map_box[2] * 1.04, size)
        fig.text(0.03, top, text, fontsize=size, va="top", **style)
        top -= (text.count("\n") + 1) * size * 1.3 / (72 * h)
    map_box = [map_box[0], map_box[1], map_box[2], min(map_box[3], top - 0.006 - map_box[1])]
    ax = fig.add_axes(map_box)
    draw_map(ax, view, scale=scale)
    draw_inset(fig.add_axes(inset_box), view)
    draw_legend(fig.add_axes(legend_box), view, ncol=ncol, fontsize=7.0 * scale)
    fig.text(0.03, 0.012, footer, fontsize=fs, va="bottom", ha="left", color="#333333", linespacing=1.3)
    draw_watermark(fig, view, scale=scale)
    return fig


def save_figure(
    fig: Figure,
    out: str | os.PathLike[str] | BinaryIO,
    *,
    fmt: str,
    dpi: int = DEFAULT_DPI,
    view: View | None = None,
    number: str = "",
) -> None:
    """Write ``fig`` as ``fmt`` (png, svg, pdf) to a path or binary file, with ``view``'s marks.

    The file's metadata carry the title, the map ``number`` and the marks
    (:func:`geo.printfurniture.file_metadata`).
    """
    if fmt not in FORMATS:
        raise UnknownNameError("print format", fmt, FORMATS)
    fig.savefig(out, format=fmt, dpi=dpi, metadata=file_metadata(view, fmt, number=number))


def render_print(
    view: View,
    out: str | os.PathLike[str] | BinaryIO | None = None,
    *,
    fmt: str = "png",
    dpi: int = DEFAULT_DPI,
    paper: str = "A4",
    orientation: str = "landscape",
    number: str = "",
) -> bytes | None:
    """Draw ``view`` as a print map; write it to ``out``, or return the bytes when ``out`` is None.

    Parameters
    ----------
    fmt
        ``png`` (at ``dpi``), ``svg`` or ``pdf``.
    paper, orientation
        ``A4`` or ``A3``; ``landscape`` or ``portrait``.
    number
        The map's number and version (``ZP-KGB-001 v1``): on the page and in the file's metadata.
    """
    if fmt not in FORMATS:
        raise UnknownNameError("print format", fmt, FORMATS)
    fig = draw_print(view, paper=paper, orientation=orientation, number=number)
    if out is None:
        buf = io.BytesIO()
        save_figure(fig, buf, fmt=fmt, dpi=dpi, view=view, number=number)
        return buf.getvalue()
    dest = Path(out) if isinstance(out, (str, os.PathLike)) else out
    save_figure(fig, dest, fmt=fmt, dpi=dpi, view=view, number=number)
    return None
