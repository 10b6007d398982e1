"""Map furniture of print maps: legend, scale bar, north arrow, inset and footer.

Everything around the map that is not data, drawn with matplotlib on the axes
:func:`geo.printmap.draw_print` lays out (and :mod:`geo.pack` reuses). The legend's swatches
match the map's symbols: suppressed units hatched, no-data units outlined only.
"""

from __future__ import annotations

import functools
import textwrap

import geopandas as gpd
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib_scalebar.scalebar import ScaleBar

from geo import settings
from geo.i18n import t
from geo.mapview import View
from geo.symbology import STATUS_COLORS

#: Hatching of suppressed units, on the map and in the legend.
HATCH = "////"


def mpl_dash(dash: str | None):
    """Return the matplotlib line style of an SVG dash pattern such as ``"4 3"``."""
    if not dash:
        return "solid"
    nums = [float(x) for x in dash.split()]
    return (0, tuple(nums))


def draw_scalebar(ax) -> None:
    """Draw a scale bar in the lower left corner of ``ax`` (a map whose unit is the metre)."""
    ax.add_artist(
        ScaleBar(
            1.0,
            "m",
            location="lower left",
            box_alpha=0.85,
            length_fraction=0.25,
            font_properties={"size": 8},
        )
    )


def draw_north_arrow(ax, lang: str) -> None:
    """Draw a north arrow in the upper right corner of ``ax`` (north is up at the map's centre)."""
    ax.annotate(
        t("export.north", lang),
        xy=(0.955, 0.96),
        xytext=(0.955, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        arrowprops={"facecolor": "black", "width": 3, "headwidth": 10, "headlength": 10},
    )


def legend_handles(view: View) -> tuple[list, list[str]]:
    """Return matplotlib legend handles and labels for the legend entries of ``view``."""
    handles, labels = [], []
    for entry in view.legend:
        if entry.kind == "size":
            continue  # drawn on the map at their true size (:func:`draw_size_key`)
        if entry.kind == "heading":
            handles.append(Patch(facecolor="none", edgecolor="none"))
            labels.append(f"$\\bf{{{_tex(entry.label)}}}$")
            continue
        if entry.kind == "line":
            handles.append(
                Line2D([], [], color=entry.color, linewidth=1.6, linestyle=mpl_dash(entry.dash))
            )
        elif entry.kind == "point" and entry.status == "value":
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="none",
                    markersize=7,
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
            handles.append(Line2D([], [], marker="x", linestyle="none", markersize=7, color=entry.color))
        else:
            handles.append(Patch(facecolor=entry.color, edgecolor=entry.edge))
        labels.append(entry.label)
    return handles, labels


def _tex(text: str) -> str:
    """Escape ``text`` for a bold mathtext label (spaces and specials)."""
    out = text
    for ch in "\\{}$_^%#&~":
        out = out.replace(ch, "\\" + ch)
    return out.replace(" ", "\\ ")


def draw_legend(ax, view: View, *, ncol: int = 1, fontsize: float = 7.5) -> None:
    """Draw the legend of ``view`` in ``ax`` (an empty axes)."""
    ax.set_axis_off()
    handles, labels = legend_handles(view)
    width_pt = ax.get_position().width * ax.figure.get_size_inches()[0] * 72 / ncol
    chars = max(16, int((width_pt - 3.5 * fontsize) / (fontsize * 0.55)))
    labels = [lb if lb.startswith("$") else textwrap.fill(lb, chars) for lb in labels]
    ax.legend(
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


@functools.cache
def _inset_countries() -> gpd.GeoDataFrame:
    path = settings.DATA_DIR / "borders.geojson"
    frame = gpd.read_file(path).to_crs(settings.CRS)
    frame["geometry"] = frame.geometry.simplify(0.05)
    return frame


def draw_inset(ax, view: View) -> None:
    """Draw Mali and its neighbours with a frame (or a dot) locating the view."""
    countries = _inset_countries()
    mali = countries["iso_a3"] == "MLI"
    countries[~mali].plot(ax=ax, color="#e4e0d8", edgecolor="#999999", linewidth=0.3)
    countries[mali].plot(ax=ax, color="#fbfaf7", edgecolor="#333333", linewidth=0.6)
    minx, miny, maxx, maxy = view.bounds or settings.MALI_BBOX
    if (maxx - minx) < 0.6 and (maxy - miny) < 0.6:
        ax.plot(
            [(minx + maxx) / 2],
            [(miny + maxy) / 2],
            marker="s",
            markersize=6,
            markerfacecolor="none",
            markeredgecolor="#c0392b",
            markeredgewidth=1.5,
        )
    else:
        ax.add_patch(
            Rectangle(
                (minx, miny), maxx - minx, maxy - miny, fill=False, edgecolor="#c0392b", linewidth=1.2
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
    ax.set_title(t("export.inset", view.lang), fontsize=7, pad=2)


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


def draw_watermark(fig, view: View | None, *, scale: float = 1.0) -> None:
    """Write the fictitious-data mark across ``fig``, diagonally and light, when ``view`` has it."""
    if view is None or view.disclosure is None or not view.disclosure.fictitious:
        return
    fig.text(
        0.5,
        0.5,
        t("export.mark.fictitious", view.lang),
        fontsize=30 * scale,
        fontweight="bold",
        color="#c0392b",
        alpha=0.16,
        rotation=35,
        ha="center",
        va="center",
        zorder=100,
    )


def file_metadata(view: View | None, fmt: str) -> dict[str, str] | None:
    """Return the metadata of a print file: creator, title and the output's marks (PDF, SVG, PNG)."""
    meta = {"Creator": "zoneplan"}
    if view is not None:
        marks = [] if view.disclosure is None else view.disclosure.marks(view.lang)
        meta["Title"] = " — ".join([view.title, *marks]) if view.title else " — ".join(marks)
        if marks:
            meta["Subject"] = " ; ".join(marks)
            meta["Keywords"] = "audience=" + view.disclosure.audience
    return {k: v for k, v in meta.items() if v} if fmt in ("pdf", "svg", "png") else None


def wrap_lines(lines: list[str], width_in: float, fontsize: float) -> str:
    """Return ``lines`` wrapped to fit ``width_in`` inches at ``fontsize`` points, one block."""
    chars = max(40, int(width_in * 72 / (fontsize * 0.52)))
    return "\n".join(textwrap.fill(line, chars) for line in lines)
