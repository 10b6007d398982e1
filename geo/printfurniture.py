"""Map furniture of print maps: legend, scale bar, north arrow, inset, footer and map number.

Everything around the map that is not data, drawn with matplotlib on the axes
:func:`geo.printmap.draw_print` lays out (and :mod:`geo.pack` reuses). The legend's swatches
match the map's symbols: suppressed units hatched, no-data units outlined only. Sizes follow the
paper (:func:`paper_scale`): an A3 page is an A4 page enlarged, fonts and symbols included. Every
map carries a MapAction-style number and version (:func:`map_number`, ``ZP-KGB-001 v1``).
"""

from __future__ import annotations

import functools
import re
import textwrap
import zlib

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path
from matplotlib_scalebar.scalebar import ScaleBar

from geo import settings
from geo.errors import UnknownNameError
from geo.i18n import t
from geo.mapview import View
from geo.symbology import STATUS_COLORS
from geo.vocab import MAP_NUMBERS

#: Hatching of suppressed units, on the map and in the legend.
HATCH = "////"
#: Long side of an A4 page (inches): the page size at which :func:`paper_scale` is 1.
A4_LONG_IN = 297.0 / 25.4


def paper_scale(fig) -> float:
    """Return how much larger than A4 the page of ``fig`` is: 1 for A4, about 1.41 for A3.

    Fonts, symbols and furniture are multiplied by it, so an A3 map reads as an A4 one enlarged.
    """
    return float(max(fig.get_size_inches())) / A4_LONG_IN


def zone_code(zone: str) -> str:
    """Return the short code of ``zone`` in map numbers (``KGB`` for Kangaba, ``MLI`` for Mali).

    A built-in zone has its code in :data:`geo.vocab.MAP_NUMBERS`; a drawn zone's is derived from
    its id: its first letter and next consonants (three letters), then two hexadecimal digits of
    a checksum of the id, so two drawn zones never share a code by chance (``kangaba_nord`` gives
    ``KNG`` and two digits).
    """
    codes = MAP_NUMBERS["zones"]
    if zone in codes:
        return codes[zone]
    letters = re.sub(r"[^A-Z0-9]", "", str(zone).upper()) or "Z"
    skeleton = letters[0] + re.sub(r"[AEIOUY0-9]", "", letters[1:])
    return f"{(skeleton + letters[1:])[:3]}{zlib.crc32(str(zone).encode('utf-8')) % 256:02X}"


def map_number(zone: str, product: str, version: int = 1) -> str:
    """Return the number and version of a map, MapAction style: ``ZP-KGB-002 v1``.

    Parameters
    ----------
    zone
        The zone id (``kangaba``, ``mali``, a drawn zone's id).
    product
        A map view (``coverage``...) or a pack (``pack.commune``, ``pack.village``): a key of
        ``MAP_NUMBERS["maps"]``.
    version
        The map's version (``zoneplan export map --map-version``), from 1.
    """
    numbers = MAP_NUMBERS["maps"]
    if product not in numbers:
        raise UnknownNameError("map", product, list(numbers))
    return f"ZP-{zone_code(zone)}-{numbers[product]} v{int(version)}"


def draw_map_number(fig, number: str, *, x: float = 0.97, y: float = 0.988) -> None:
    """Print the map number in the page's top right corner, in a thin box (none if empty)."""
    if not number:
        return
    scale = paper_scale(fig)
    fig.text(
        x,
        y,
        number,
        ha="right",
        va="top",
        fontsize=8.0 * scale,
        fontweight="bold",
        color="#222222",
        bbox={"boxstyle": "square,pad=0.3", "fc": "white", "ec": "#777777", "lw": 0.6 * scale},
        zorder=50,
    )


def _pieces(geoms) -> tuple[list[np.ndarray], np.ndarray]:
    """Return the rings of the polygons and the lines in ``geoms`` as ``(n, 2)`` arrays, with the
    position in ``geoms`` of the shape each comes from."""
    parts, owner = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    polygon = shapely.get_type_id(parts) == 3
    rings, ring_of = shapely.get_rings(parts[polygon], return_index=True)
    pieces = np.concatenate([rings, parts[~polygon]])
    owners = np.concatenate([owner[polygon][ring_of], owner[~polygon]])
    keep = ~shapely.is_empty(pieces)
    coords, at = shapely.get_coordinates(pieces[keep], return_index=True)
    return np.split(coords, np.flatnonzero(np.diff(at)) + 1) if len(coords) else [], owners[keep]


def polygon_paths(geoms) -> list[Path]:
    """Return one matplotlib path per (multi)polygon of ``geoms``, holes included."""
    arrays, owners = _pieces(geoms)
    rings: list[list[np.ndarray]] = [[] for _ in range(len(geoms))]
    for xy, i in zip(arrays, owners, strict=True):
        rings[i].append(xy)
    paths = []
    for own in rings:
        if not own:
            paths.append(Path(np.empty((0, 2))))
            continue
        codes = [np.full(len(xy), Path.LINETO, dtype=Path.code_type) for xy in own]
        for c in codes:
            c[0], c[-1] = Path.MOVETO, Path.CLOSEPOLY
        paths.append(Path(np.concatenate(own), np.concatenate(codes)))
    return paths


def add_polygons(ax, geoms, *, paths: list[Path] | None = None, **style) -> PathCollection:
    """Draw the (multi)polygons ``geoms`` on ``ax`` as one collection (``style``: its keywords).

    Faster than ``GeoDataFrame.plot`` for the few dozen shapes of a print map, and the same
    drawing: one path per shape, holes cut out.
    """
    coll = PathCollection(polygon_paths(geoms) if paths is None else paths, **style)
    ax.add_collection(coll, autolim=False)
    return coll


def add_lines(ax, geoms, colors: list[str], **style) -> LineCollection:
    """Draw the lines of ``geoms`` (and the outlines of its polygons), ``colors[i]`` for shape i."""
    arrays, owners = _pieces(geoms)
    coll = LineCollection(arrays, colors=[colors[i] for i in owners], **style)
    ax.add_collection(coll, autolim=False)
    return coll


def mpl_dash(dash: str | None):
    """Return the matplotlib line style of an SVG dash pattern such as ``"4 3"``."""
    if not dash:
        return "solid"
    nums = [float(x) for x in dash.split()]
    return (0, tuple(nums))


def draw_scalebar(ax, *, scale: float = 1.0) -> None:
    """Draw a scale bar in the lower left corner of ``ax`` (a map whose unit is the metre)."""
    ax.add_artist(
        ScaleBar(
            1.0,
            "m",
            location="lower left",
            box_alpha=0.85,
            length_fraction=0.25,
            font_properties={"size": 8 * scale},
        )
    )


def draw_north_arrow(ax, lang: str, *, scale: float = 1.0) -> None:
    """Draw a north arrow in the upper right corner of ``ax`` (north is up at the map's centre)."""
    ax.annotate(
        t("export.north", lang),
        xy=(0.955, 0.96),
        xytext=(0.955, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11 * scale,
        fontweight="bold",
        arrowprops={
            "facecolor": "black",
            "width": 3 * scale,
            "headwidth": 10 * scale,
            "headlength": 10 * scale,
        },
    )


def legend_handles(view: View, *, scale: float = 1.0) -> tuple[list, list[str]]:
    """Return matplotlib legend handles and labels for the legend entries of ``view``.

    A heading's handle is an empty patch whose ``gid`` is ``"heading"``: its label is set bold
    once the legend is drawn (plain text, cheaper than mathtext).
    """
    handles, labels = [], []
    for entry in view.legend:
        if entry.kind == "size":
            continue  # drawn on the map at their true size (:func:`draw_size_key`)
        if entry.kind == "heading":
            handles.append(Patch(facecolor="none", edgecolor="none", gid="heading"))
            labels.append(entry.label)
            continue
        if entry.kind == "line":
            handles.append(
                Line2D([], [], color=entry.color, linewidth=1.6 * scale, linestyle=mpl_dash(entry.dash))
            )
        elif entry.kind == "point" and entry.status == "value":
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="none",
                    markersize=7 * scale,
                    markerfacecolor=entry.color,
                    markeredgecolor=entry.edge,
                )
            )
        elif entry.status == "suppressed":
            handles.append(
                Patch(
                    facecolor=STATUS_COLORS["suppressed"],
                    edgecolor="#555555",
                    hatch=HATCH,
                    linestyle="--",
                )
            )
        elif entry.status == "no_data":
            handles.append(Patch(facecolor="#ffffff", edgecolor="#555555", linestyle=":"))
        elif entry.status == "unmatched":
            handles.append(
                Line2D([], [], marker="x", linestyle="none", markersize=7 * scale, color=entry.color)
            )
        else:
            handles.append(Patch(facecolor=entry.color, edgecolor=entry.edge))
        labels.append(entry.label)
    return handles, labels


def draw_legend(ax, view: View, *, ncol: int = 1, fontsize: float = 7.5) -> None:
    """Draw the legend of ``view`` in ``ax`` (an empty axes)."""
    ax.set_axis_off()
    handles, labels = legend_handles(view, scale=paper_scale(ax.figure))
    width_pt = ax.get_position().width * ax.figure.get_size_inches()[0] * 72 / ncol
    chars = max(16, int((width_pt - 3.5 * fontsize) / (fontsize * 0.55)))
    labels = [textwrap.fill(lb, chars) for lb in labels]
    legend = ax.legend(
        handles,
        labels,
        loc="upper left",
        frameon=False,
        fontsize=fontsize,
        ncol=ncol,
        title=t("export.legend.title", view.lang),
        title_fontproperties={"weight": "bold", "size": fontsize + 1},
        alignment="left",
        handlelength=1.8,
        borderaxespad=0.0,
    )
    for text, handle in zip(legend.get_texts(), handles, strict=True):
        if handle.get_gid() == "heading":
            text.set_fontweight("bold")


@functools.cache
def _inset_paths() -> tuple[list[Path], list[Path]]:
    """Return the paths of Mali's neighbours and of Mali (simplified once, drawn on every inset)."""
    path = settings.DATA_DIR / "borders.geojson"
    frame = gpd.read_file(path).to_crs(settings.CRS)
    mali = (frame["iso_a3"] == "MLI").to_numpy()
    paths = polygon_paths(frame.geometry.simplify(0.05).values)
    return [p for p, m in zip(paths, mali, strict=True) if not m], [
        p for p, m in zip(paths, mali, strict=True) if m
    ]


def draw_inset(ax, view: View) -> None:
    """Draw Mali and its neighbours with a frame (or a dot) locating the view."""
    scale = paper_scale(ax.figure)
    others, mali = _inset_paths()
    add_polygons(
        ax, [], paths=others, facecolors="#e4e0d8", edgecolors="#999999", linewidths=0.3 * scale
    )
    add_polygons(ax, [], paths=mali, facecolors="#fbfaf7", edgecolors="#333333", linewidths=0.6 * scale)
    minx, miny, maxx, maxy = view.bounds or settings.MALI_BBOX
    if (maxx - minx) < 0.6 and (maxy - miny) < 0.6:
        ax.plot(
            [(minx + maxx) / 2],
            [(miny + maxy) / 2],
            marker="s",
            markersize=6 * scale,
            markerfacecolor="none",
            markeredgecolor="#c0392b",
            markeredgewidth=1.5 * scale,
        )
    else:
        ax.add_patch(
            Rectangle(
                (minx, miny),
                maxx - minx,
                maxy - miny,
                fill=False,
                edgecolor="#c0392b",
                linewidth=1.2 * scale,
            )
        )
    ax.set_xlim(-12.8, 4.8)
    ax.set_ylim(9.5, 25.5)
    ax.set_aspect(1 / np.cos(np.radians(17.0)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_facecolor("#dfe9f0")
    ax.set_title(t("export.inset", view.lang), fontsize=7 * scale, pad=2 * scale)


def footer_lines(view: View) -> list[str]:
    """Return the footer texts: sources, attributions, date and disclaimer, disclosure.

    The view's notes are printed above the map (:func:`geo.printmap.draw_print`).
    """
    lang = view.lang
    sep = " ; " if lang == "fr" else "; "
    colon = " : " if lang == "fr" else ": "
    lines = []
    if view.sources:
        lines.append(t("export.sources", lang) + colon + sep.join(view.sources))
    if view.attributions:
        lines.append(t("export.attributions", lang) + colon + " ".join(view.attributions))
    lines.append(t("export.date", lang, date=view.created) + ". " + t("disclaimer.boundaries", lang))
    lines.append(view.disclosure.text(lang))
    return view.disclosure.marks(lang) + lines


def draw_watermark(fig, view: View | None, *, scale: float | None = None) -> None:
    """Write the fictitious-data mark across ``fig``, diagonally and light, when ``view`` has it."""
    if view is None or view.disclosure is None or not view.disclosure.fictitious:
        return
    scale = paper_scale(fig) if scale is None else scale
    # Regular weight: its glyphs are the footer's (the PDF embeds no other font); not smoothed:
    # a faint mark, and a PNG that compresses as well as without it (issue 11: <= 10 % more).
    fig.text(
        0.5,
        0.5,
        t("export.mark.fictitious", view.lang),
        fontsize=30 * scale,
        color="#c0392b",
        alpha=0.2,
        rotation=35,
        ha="center",
        va="center",
        zorder=100,
        antialiased=False,
    )


def file_metadata(view: View | None, fmt: str, *, number: str = "") -> dict[str, str] | None:
    """Return the metadata of a print file: creator, title, map number and marks (PDF, SVG, PNG).

    The title reads "title — map number — marks"; SVG and PNG also carry the number alone as
    ``Identifier`` (PDF has no such entry), and the marks as ``Subject`` (``Description`` in SVG).
    """
    meta = {"Creator": "zoneplan"}
    if number and fmt in ("svg", "png"):
        meta["Identifier"] = number
    if view is not None:
        marks = [] if view.disclosure is None else view.disclosure.marks(view.lang)
        meta["Title"] = " — ".join(x for x in (view.title, number, *marks) if x)
        if marks:  # SVG's Dublin Core has no Subject: the marks go in its Description
            meta["Description" if fmt == "svg" else "Subject"] = " ; ".join(marks)
            meta["Keywords"] = "audience=" + view.disclosure.audience
    return {k: v for k, v in meta.items() if v} if fmt in ("pdf", "svg", "png") else None


def wrap_lines(lines: list[str], width_in: float, fontsize: float) -> str:
    """Return ``lines`` wrapped to fit ``width_in`` inches at ``fontsize`` points, one block."""
    chars = max(40, int(width_in * 72 / (fontsize * 0.52)))
    return "\n".join(textwrap.fill(line, chars) for line in lines)
