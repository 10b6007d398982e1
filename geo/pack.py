"""CCPE map packs: a cover, then one page per unit with its map, indicators against targets, notes.

Units are communes or villages. Commune polygons come from installed level-3 boundaries; where they
are not installed, a commune's outline is a documented area: a buffer of ``buffer_km`` around the
convex hull of the commune's located places (the basis is printed on the page). Case figures on a
page come from a table already through :func:`geo.disclosure.protect` at commune level; a village
page shows the figures of its commune, labelled so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox, BboxTransformTo, TransformedBbox

from geo import settings
from geo.disclosure import case_figures
from geo.errors import InputError, UnknownNameError
from geo.geodesy import local_aeqd
from geo.i18n import t
from geo.indicators import status_of, unit_targets
from geo.mapview import LegendEntry, View, ViewLayer, styled
from geo.names import fold_name
from geo.printfurniture import (
    draw_inset,
    draw_legend,
    draw_map_number,
    draw_watermark,
    file_metadata,
    wrap_lines,
)
from geo.printmap import draw_map, paper_size_in
from geo.symbology import TRAFFIC
from geo.vocab import PACK_BY

BY: tuple[str, ...] = PACK_BY
#: Radius of the documented area around a commune's places when no commune polygon is installed.
COMMUNE_BUFFER_KM = 5.0
#: Radius of the map extent around a village.
VILLAGE_BUFFER_KM = 4.0
#: Place kinds that count as a commune's places (what its outline is drawn around).
COMMUNE_PLACE_KINDS = ("village", "commune", "gold_site")
#: Outline colour of the page's unit.
UNIT_EDGE = "#d9480f"
#: Rows ruled for notes on each page.
NOTE_LINES = 7
#: Columns of a page's indicator table (see :func:`indicator_rows`).
ROW_COLUMNS = tuple(
    "indicator_id label scope kind achieved target context share status suppressed".split()
)


@dataclass
class PackPage:
    """One page: a unit, its map, its indicator table and notes."""

    unit_id: str
    name: str
    view: View
    indicators: pd.DataFrame
    basis: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class PackCover:
    """The cover: title, subtitle, the units and their pages, what is not mapped, the control."""

    title: str
    subtitle: str
    units: list[str]
    not_mapped: list[str]
    view: View | None = None
    lines: list[str] = field(default_factory=list)


def _buffer(geoms: Sequence[shapely.Geometry], km: float) -> shapely.Geometry:
    hull = shapely.convex_hull(shapely.union_all(list(geoms)))
    c = hull.centroid
    crs = local_aeqd(c.x, c.y)
    metric = gpd.GeoSeries([hull], crs=settings.CRS).to_crs(crs)
    return metric.buffer(km * 1000.0, quad_segs=16).to_crs(settings.CRS).iloc[0]


def commune_units(
    places: gpd.GeoDataFrame,
    *,
    communes: gpd.GeoDataFrame | None = None,
    buffer_km: float = COMMUNE_BUFFER_KM,
) -> gpd.GeoDataFrame:
    """Return one unit per commune named in ``places["admin3"]``.

    Parameters
    ----------
    places
        Located places of the zone (``place_id, name, kind, admin3``, points).
    communes
        Installed level-3 units (``unit_id, name, geometry``), or ``None``. A commune found there
        by name gets its polygon (``method = "admin"``); otherwise a buffer of ``buffer_km`` around
        the hull of its places (``method = "area"``).

    Returns
    -------
    GeoDataFrame
        ``unit_id, name, kind, method, commune, place_ids, geometry`` sorted by name.
    """
    if "admin3" not in places.columns:
        raise InputError("places have no admin3 column; expected the commune of each place")
    located = places[places.geometry.notna() & ~places.geometry.is_empty]
    located = located[located["admin3"].notna() & located["admin3"].astype(str).str.strip().ne("")]
    rows = []
    for name, group in located.groupby(located["admin3"].astype(str), sort=True):
        own = group[group["kind"].isin(COMMUNE_PLACE_KINDS)]
        if own.empty:  # a town standing for a commune it only sits in (Kangaba in Minidian)
            continue
        geom, method, unit_id = None, "area", f"commune:{fold_name(name).replace(' ', '_')}"
        if communes is not None and not communes.empty:
            hit = communes[communes["name"].map(fold_name) == fold_name(name)]
            if not hit.empty:
                geom, method = hit.geometry.iloc[0], "admin"
                unit_id = str(hit["unit_id"].iloc[0])
        if geom is None:
            geom = _buffer(own.geometry.values, buffer_km)
        ids = list(group.loc[group.within(geom) | group.index.isin(own.index), "place_id"])
        rows.append(
            {
                "unit_id": unit_id,
                "name": name,
                "kind": "commune",
                "method": method,
                "commune": name,
                "place_ids": ids,
                "geometry": geom,
            }
        )
    return gpd.GeoDataFrame(
        rows,
        columns=["unit_id", "name", "kind", "method", "commune", "place_ids", "geometry"],
        geometry="geometry",
        crs=settings.CRS,
    )


def village_units(places: gpd.GeoDataFrame, *, buffer_km: float = VILLAGE_BUFFER_KM) -> gpd.GeoDataFrame:
    """Return one unit per located village of ``places`` (the page's extent is a small buffer)."""
    villages = places[
        (places["kind"] == "village") & places.geometry.notna() & ~places.geometry.is_empty
    ]
    rows = []
    for _, row in villages.sort_values("name").iterrows():
        rows.append(
            {
                "unit_id": row["place_id"],
                "name": row["name"],
                "kind": "village",
                "method": "village",
                "commune": row.get("admin3") or "",
                "place_ids": [row["place_id"]],
                "geometry": _buffer([row.geometry], buffer_km),
            }
        )
    return gpd.GeoDataFrame(
        rows,
        columns=["unit_id", "name", "kind", "method", "commune", "place_ids", "geometry"],
        geometry="geometry",
        crs=settings.CRS,
    )


def pack_units(
    places: gpd.GeoDataFrame, *, by: str, communes: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Return the units of a pack: communes or villages (see :func:`commune_units`)."""
    if by not in BY:
        raise UnknownNameError("pack unit", by, BY)
    if by == "commune":
        return commune_units(places, communes=communes)
    return village_units(places)


def unit_outline_layer(unit: gpd.GeoDataFrame, *, lang: str) -> ViewLayer:
    """Return the outline of a pack unit as a context line layer (with its legend entry)."""
    frame = styled(unit, fill="none", edge=UNIT_EDGE, label_col="name")
    return ViewLayer(
        key="unit",
        title=t("export.legend.unit", lang),
        frame=frame,
        kind="line",
        role="context",
        weight=2.2,
        dash="6 3",
        legend=[LegendEntry(t("export.legend.unit", lang), UNIT_EDGE, "line", dash="6 3")],
    )


# --- indicators ------------------------------------------------------------------------------

MEASURE_COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("total",),
    "children": ("children", "total"),
    "girls": ("girls",),
    "sessions": ("sessions",),
}


def _measure(frame: pd.DataFrame, measure: str) -> pd.Series:
    for col in MEASURE_COLUMNS.get(measure, ("total",)):
        if col in frame.columns:
            return pd.to_numeric(frame[col], errors="coerce")
    return pd.Series(np.nan, index=frame.index)


def activity_achieved(
    indicators: pd.DataFrame, activities: pd.DataFrame, place_ids: Iterable[str]
) -> pd.Series:
    """Return, per activity indicator (index ``indicator_id``), the sum over ``place_ids``."""
    ids = list(place_ids)
    acts = pd.DataFrame(activities)
    out = {}
    for _, ind in indicators[indicators["kind"] == "activity"].iterrows():
        if acts.empty or "activity_type" not in acts.columns or "place_id" not in acts.columns:
            out[ind["indicator_id"]] = np.nan
            continue
        rows = acts[(acts["activity_type"] == ind["activity_type"]) & acts["place_id"].isin(ids)]
        out[ind["indicator_id"]] = (
            _measure(rows, ind["measure"]).sum(min_count=1) if len(rows) else np.nan
        )
    return pd.Series(out, dtype="float64")


def case_table(
    indicators: pd.DataFrame,
    cases: pd.DataFrame,
    communes: Iterable[str],
    *,
    k: int = settings.SUPPRESSION_K,
) -> pd.DataFrame:
    """Return case figures per (commune, indicator), through disclosure control at commune level.

    Records count toward the commune of ``communes`` whose name they carry (names compared
    folded). Secondary suppression runs across the communes of each indicator, so a zone total
    cannot give a hidden commune's value away. A commune without records has no figure (``NaN``,
    shown "–").
    """
    names = list(communes)
    frame = pd.DataFrame(cases)
    if not {"case_type", "commune"} <= set(frame.columns):
        frame = pd.DataFrame(columns=["case_type", "commune"])
    # Each record goes to the commune of the pack whose folded name it carries.
    of_name = {fold_name(n): n for n in reversed(names)}
    parts = []
    for _, ind in indicators[indicators["kind"] == "case"].iterrows():
        hit = frame[frame["case_type"] == ind["activity_type"]]
        records = pd.DataFrame(
            {
                "commune": hit["commune"].map(fold_name).map(of_name),
                "value": _measure(hit, ind["measure"]),
            }
        )
        table = case_figures(
            records,
            level="commune",
            key="commune",
            values="value",
            units=names,
            parent=False,
            fill=np.nan,
            k=k,
        )
        parts.append(table.assign(indicator_id=ind["indicator_id"]))
    columns = ["indicator_id", "commune", "value", "value_display", "value_suppressed"]
    if not parts or not names:
        return pd.DataFrame(
            {
                c: pd.Series(
                    dtype="bool" if c == "value_suppressed" else "float64" if c == "value" else "object"
                )
                for c in columns
            }
        )
    return pd.concat(parts, ignore_index=True)[columns]


def indicator_rows(
    indicators: pd.DataFrame,
    achieved: pd.Series,
    cases: pd.DataFrame | None,
    commune: str,
    *,
    lang: str,
    village: bool = False,
    targets: pd.DataFrame | None = None,
    place_id: str = "",
) -> pd.DataFrame:
    """Return the rows of a page's indicator table.

    Columns: ``label, scope, achieved (text), target, context, share (text), status,
    suppressed``. Activity figures come from ``achieved``; case figures from ``cases`` (the output
    of :func:`case_table`) for ``commune``. On a ``village`` page every row says in ``scope`` what
    its figure covers: the village, or (case rows) the whole commune.

    Each figure is compared with a target of its own scope only, found in ``targets`` (every
    target row, see :func:`geo.indicators.unit_targets`): a village's figure with a ``place``
    target of ``place_id``, a commune's figure (a commune page's, and the case rows of a village
    page) with a ``commune`` target of ``commune``. Without one, ``target`` is empty, the status is
    ``no_target`` (no traffic light, no share) and ``context`` holds the programme target of
    ``indicators``. Suppressed and missing figures have status ``no_data``.
    """
    label_col = "label_fr" if lang == "fr" else "label_en"
    of_commune = unit_targets(targets, "commune", commune)
    of_place = unit_targets(targets, "place", place_id) if village else of_commune
    rows = []
    for _, ind in indicators.iterrows():
        programme = pd.to_numeric(pd.Series([ind.get("target")]), errors="coerce").iloc[0]
        own = of_commune if ind["kind"] == "case" else of_place
        target = own.get(ind["indicator_id"], np.nan)
        suppressed = False
        if ind["kind"] == "case":
            hit = (
                pd.DataFrame()
                if cases is None or cases.empty
                else cases[
                    (cases["indicator_id"] == ind["indicator_id"])
                    & (cases["commune"].map(fold_name) == fold_name(commune))
                ]
            )
            if hit.empty:
                value, text = np.nan, "–"
            else:
                value = hit["value"].iloc[0]
                text = str(hit["value_display"].iloc[0])
                suppressed = bool(hit["value_suppressed"].iloc[0])
        else:
            value = achieved.get(ind["indicator_id"], np.nan)
            text = "–" if pd.isna(value) else f"{value:,.0f}".replace(",", "\u202f")
        has_target = pd.notna(target) and bool(target)
        share = "" if pd.isna(value) or suppressed or not has_target else f"{100 * value / target:.0f} %"
        if not has_target:
            status = "no_target"
        elif suppressed or pd.isna(value):
            status = "no_data"
        else:
            status = str(status_of(pd.Series([value / target])).iloc[0])
        rows.append(
            {
                "indicator_id": ind["indicator_id"],
                "label": ind[label_col],
                "scope": _scope(ind["kind"], commune, lang) if village else "",
                "kind": ind["kind"],
                "achieved": text,
                "target": target if has_target else np.nan,
                "context": programme if pd.isna(target) else np.nan,
                "share": share,
                "status": status,
                "suppressed": suppressed,
            }
        )
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS))


def _scope(kind: str, commune: str, lang: str) -> str:
    """Return what a village page's figure covers: the village, or all its commune's villages."""
    if kind == "case":
        return t("export.pack.scope.commune", lang, commune=commune)
    return t("export.pack.scope.village", lang)


# --- drawing ---------------------------------------------------------------------------------


def _in_box(fig: Figure, box: list[float]) -> dict:
    """Return the options that put an artist's (0..1, 0..1) on ``box`` of ``fig``, without an axes
    (cheaper); drawn after the axes, before the page's texts, as an axes was (same PDF text order)."""
    frame = TransformedBbox(Bbox.from_bounds(*box), fig.transFigure)
    return {"transform": BboxTransformTo(frame), "clip_on": False, "zorder": 0.5}


def _table(fig: Figure, box: list[float], rows: pd.DataFrame, *, lang: str, fontsize=7.0) -> None:
    if rows.empty:
        text = t("export.pack.no_indicators", lang)
        fig.text(0, 1, text, va="top", fontsize=fontsize, **_in_box(fig, box))
        return
    scoped = "scope" in rows.columns and rows["scope"].astype(bool).any()
    header = [
        t("export.pack.col.indicator", lang),
        *([t("export.pack.col.scope", lang)] if scoped else []),
        t("export.pack.col.achieved", lang),
        t("export.pack.col.target", lang),
        t("export.pack.col.share", lang),
        t("export.pack.col.status", lang),
    ]
    cells = [
        [
            _clip(r.label, 48 if scoped else 70),
            *([r.scope] if scoped else []),
            r.achieved,
            *_target_cells(r, lang),
        ]
        for r in rows.itertuples()
    ]
    widths = [0.36, 0.26, 0.07, 0.09, 0.07, 0.15] if scoped else [0.50, 0.11, 0.11, 0.11, 0.17]
    size = fontsize - 0.5 if scoped else fontsize
    _draw_grid(fig, _in_box(fig, box), header, cells, list(rows["status"]), widths, size)


def _draw_grid(fig, place: dict, header, cells, statuses, widths, fontsize: float) -> None:
    """Draw a table as ``Axes.table`` did (equal rows, text 1/10 of the cell's width in), cheaper:
    one collection of fills, one of rules, a text per cell. A row without a target of its scope
    reads as one grey line merged over the target, share and status cells."""
    edges = np.concatenate([[0.0], np.cumsum(widths)]) / sum(widths)
    n = len(cells) + 1
    status_col = len(header) - 1
    fills, colours, rules, texts = [], [], [], []
    for r, (line, status) in enumerate(zip([header, *cells], [None, *statuses], strict=True)):
        top, bottom = 1 - r / n, 1 - (r + 1) / n
        rules.append([(0, top), (1, top)])
        merged = status == "no_target"
        for c, text in enumerate(line):
            left, right = edges[c], edges[c + 1]
            colour, weight, fill = "black", "normal", "#ffffff"
            if r == 0:
                fill, weight = "#eeeeee", "bold"
            elif merged and c >= status_col - 2:
                fill, colour = None, "#555555"  # no fill: the context runs over the next cells
            elif c == status_col:
                fill = TRAFFIC[status] if status in TRAFFIC and status != "no_data" else "#ffffff"
                colour = "white" if status in ("green", "red") else "black"
            if fill:
                fills.append(Rectangle((left, bottom), right - left, top - bottom))
                colours.append(fill)
            if c == 0 or not (merged and c > status_col - 2):
                rules.append([(left, top), (left, bottom)])
            x = left + (right - left) * 0.1
            if str(text):
                texts.append((x, (top + bottom) / 2, str(text), colour, weight))
        rules.append([(1, top), (1, bottom)])
    rules.append([(0, 0), (1, 0)])
    fig.add_artist(PatchCollection(fills, facecolors=colours, edgecolors="none", **place))
    fig.add_artist(LineCollection(rules, colors="#bbbbbb", linewidths=0.4, **place))
    for x, y, text, colour, weight in texts:
        fig.text(x, y, text, fontsize=fontsize, color=colour, fontweight=weight, va="center", **place)


def _target_cells(row, lang: str) -> list[str]:
    """Return the target, share and status cells of a row (a context line when no local target)."""
    if row.status != "no_target":
        target = "" if pd.isna(row.target) else _number(row.target)
        return [target, row.share, t(f"export.pack.status.{row.status}", lang)]
    if pd.isna(row.context):
        return [t("export.pack.status.no_target", lang), "", ""]
    return [t("export.pack.target_context", lang, target=_number(row.context)), "", ""]


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _clip(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _notes_box(fig: Figure, box: list[float], lang: str) -> None:
    place = _in_box(fig, box)  # drawn on the figure: an axes per box costs more than its lines
    ruled = [[(0.01, y), (0.99, y)] for y in np.linspace(0.1, 0.82, NOTE_LINES)]
    fig.add_artist(LineCollection(ruled, colors="#cccccc", linewidths=0.5, **place))
    frame = Rectangle((0, 0), 1, 1, facecolor="none", edgecolor="#999999", linewidth=0.8, **place)
    fig.add_artist(frame)
    fig.text(0.01, 0.97, t("export.pack.notes", lang), va="top", fontsize=8, fontweight="bold", **place)


def draw_page(page: PackPage, *, number: int, total: int, lang: str, paper: str = "A4") -> Figure:
    """Return the figure of one unit's page (portrait)."""
    w, h = paper_size_in(paper, "portrait")
    fig = Figure(figsize=(w, h))
    view = page.view
    fig.text(0.06, 0.972, page.name, fontsize=17, fontweight="bold", va="top")
    fig.text(
        0.06,
        0.943,
        wrap_lines([f"{view.title} — {page.basis}" if page.basis else view.title], w * 0.88, 8.5),
        fontsize=8.5,
        va="top",
        color="#333333",
    )
    ax = fig.add_axes([0.06, 0.50, 0.60, 0.42])
    draw_map(ax, view)
    draw_inset(fig.add_axes([0.69, 0.76, 0.26, 0.15]), view)
    draw_legend(fig.add_axes([0.69, 0.50, 0.27, 0.24]), view, fontsize=6.5)
    fig.text(0.06, 0.485, t("export.pack.indicators", lang), fontsize=10, fontweight="bold", va="top")
    _table(fig, [0.06, 0.25, 0.88, 0.22], page.indicators, lang=lang)
    _notes_box(fig, [0.06, 0.075, 0.88, 0.16], lang)
    foot = [
        *view.disclosure.marks(lang),
        *page.notes,
        view.disclosure.text(lang),
        t("export.date", lang, date=view.created) + ". " + t("disclaimer.boundaries", lang),
    ]
    fig.text(
        0.06,
        0.008,
        wrap_lines(foot, w * 0.8, 6.0),
        fontsize=6.0,
        va="bottom",
        color="#333333",
        linespacing=1.25,
    )
    fig.text(0.94, 0.008, f"{number}/{total}", fontsize=7, ha="right", va="bottom")
    draw_watermark(fig, view)
    return fig


def draw_cover(cover: PackCover, *, total: int, lang: str, paper: str = "A4") -> Figure:
    """Return the cover figure: title, overview map, contents, places not mapped, control."""
    w, h = paper_size_in(paper, "portrait")
    fig = Figure(figsize=(w, h))
    fig.text(0.06, 0.95, cover.title, fontsize=22, fontweight="bold", va="top")
    fig.text(0.06, 0.905, cover.subtitle, fontsize=12, va="top", color="#333333")
    if cover.view is not None:
        ax = fig.add_axes([0.06, 0.45, 0.60, 0.42])
        draw_map(ax, cover.view)
        draw_legend(fig.add_axes([0.69, 0.45, 0.27, 0.42]), cover.view, fontsize=6.5)
    contents = [f"{t('export.pack.contents', lang)}"]
    contents += [
        f"  {name} … {t('export.pack.page', lang, n=i + 2)}" for i, name in enumerate(cover.units)
    ]
    fig.text(0.06, 0.42, "\n".join(contents), fontsize=10, va="top", linespacing=1.5)
    lines = list(cover.lines)
    if cover.not_mapped:
        lines.insert(0, t("export.pack.not_mapped", lang, names=", ".join(cover.not_mapped)))
    fig.text(
        0.06,
        0.02,
        wrap_lines(lines, w * 0.86, 7.0),
        fontsize=7.0,
        va="bottom",
        color="#333333",
        linespacing=1.3,
    )
    fig.text(0.94, 0.008, f"1/{total}", fontsize=7, ha="right", va="bottom")
    draw_watermark(fig, cover.view)
    return fig


def render_pack(
    cover: PackCover,
    pages: Iterable[PackPage] | Callable[[], Iterable[PackPage]],
    out: str | os.PathLike[str] | BinaryIO,
    *,
    lang: str,
    n_pages: int,
    paper: str = "A4",
    progress: Callable[[int, int, str], None] | None = None,
    map_number: str = "",
) -> int:
    """Write the pack as one PDF: the cover, then one page per unit; return the page count.

    ``pages`` may be a lazy iterable so each unit's view is built just before its page is drawn;
    ``progress(done, total, name)`` is called after each page. ``map_number`` (``ZP-KGB-011
    v1``) is printed in the top right corner of every page and in the file's title.
    """
    total = n_pages + 1
    written = 0
    marks = [] if cover.view is None else cover.view.disclosure.marks(lang)
    title = " — ".join(x for x in (cover.title, map_number, *marks) if x)
    meta = {**(file_metadata(cover.view, "pdf") or {}), "Title": title}

    def numbered(fig: Figure) -> Figure:
        draw_map_number(fig, map_number, x=0.96)
        return fig

    with PdfPages(out, metadata=meta) as pdf:
        pdf.savefig(numbered(draw_cover(cover, total=total, lang=lang, paper=paper)))
        written += 1
        if progress:
            progress(written, total, cover.title)
        for page in pages() if callable(pages) else pages:
            pdf.savefig(
                numbered(draw_page(page, number=written + 1, total=total, lang=lang, paper=paper))
            )
            written += 1
            if progress:
                progress(written, total, page.name)
    return written
