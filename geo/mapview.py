"""Map views: what a map shows, independent of how it is drawn (Leaflet, matplotlib, PDF pack).

A :class:`View` holds a title, a subtitle, styled layers (:class:`ViewLayer`, frames already through
disclosure control), legend entries that tell apart suppressed (<k), zero, no-data and unmatched
classes, sources, attributions and the disclosure footer. :func:`styled` writes a layer's style
columns and :func:`make_view` assembles a view; the layer builders and palettes live in
:mod:`geo.symbology`. All are pure functions over (Geo)DataFrames: they copy their input, keep its
index, and never read files or the store.
Renderers (:mod:`geo.render_folium`, :mod:`geo.printmap`, :mod:`geo.pack`) draw a view as it is.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.errors import UnknownNameError
from geo.i18n import t
from geo.vocab import AUDIENCES
from geo.webmap import escape

KINDS = ("polygon", "line", "point")
STATUSES = ("value", "suppressed", "zero", "no_data", "unmatched")


@dataclass(frozen=True)
class LegendEntry:
    """One line of a legend: a swatch and its label.

    ``status`` says which class the entry stands for, so renderers can draw suppressed units
    hatched and no-data units outlined only.
    """

    label: str
    color: str
    kind: str = "fill"  # fill | line | point | size | heading
    status: str = "value"  # value | suppressed | zero | no_data | unmatched
    edge: str = "#555555"
    dash: str | None = None
    size: float = 0.0  # kind "size": circle radius in pixels (a proportional symbol's key)


@dataclass
class ViewLayer:
    """A styled layer of a view.

    ``frame`` is in EPSG:4326 and carries the style per feature in columns ``_fill``, ``_edge``,
    ``_status`` (one of :data:`STATUSES`), ``_label`` (short text or empty) and ``_tip`` (escaped
    HTML for tooltips), beside the layer's own data columns.

    ``kind`` says how features are drawn: ``polygon`` filled, ``point`` as circles, ``line``
    unfilled (polygons as their outline, lines as they run). A line's ``_label`` is written where
    the line leads (:func:`line_label_at`): at its end, or where it leaves the map.
    """

    key: str
    title: str
    frame: gpd.GeoDataFrame
    kind: str = "polygon"
    role: str = "data"  # data | context
    weight: float = 1.0
    fill_opacity: float = 0.7
    radius: float = 6.0
    dash: str | None = None
    show: bool = True
    labels: bool = False
    legend: list[LegendEntry] = field(default_factory=list)
    #: Records of the layer's selection at no known place (said in internal footers only).
    unmatched: int | None = None


@dataclass(frozen=True)
class Disclosure:
    """The disclosure control a map applied, stated in its footer."""

    k: int = settings.SUPPRESSION_K
    level: str = "commune"
    period: str = ""
    data_version: str = ""
    audience: str = "public"
    fictitious: bool = False  # the figures include the fictitious sample's records
    unmatched: int | None = None  # records at no known place: in internal footers only

    def marks(self, lang: str = settings.DEFAULT_LANGUAGE) -> list[str]:
        """Return the marks an output must show: fictitious data, internal audience (or none)."""
        marks = [t("export.mark.fictitious", lang)] if self.fictitious else []
        if self.audience == "internal":
            marks.append(t("export.mark.internal", lang))
        return marks

    def text(self, lang: str = settings.DEFAULT_LANGUAGE) -> str:
        """Return the footer sentence in ``lang``."""
        return t(
            "export.disclosure",
            lang,
            k=self.k,
            kmax=self.k - 1,
            level=self.level,
            period=self.period or t("export.period_all", lang),
            version=self.data_version or "—",
            audience=t(f"export.audience.{self.audience}", lang),
        ) + (
            " " + t("export.footer.unmatched", lang, n=self.unmatched)
            if self.unmatched and self.audience == "internal"
            else ""
        )


@dataclass
class View:
    """Everything a map shows, ready for any renderer."""

    name: str
    lang: str
    title: str
    subtitle: str
    layers: list[ViewLayer]
    disclosure: Disclosure | None  # None: the map shows no figures (the app's base map)
    sources: list[str] = field(default_factory=list)
    attributions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    message: str | None = None
    bounds: tuple[float, float, float, float] | None = None
    created: str = field(default_factory=lambda: dt.date.today().isoformat())

    @property
    def legend(self) -> list[LegendEntry]:
        """Return the legend entries of every shown layer, in layer order, without repeats."""
        seen: set[tuple] = set()
        out = []
        for layer in self.layers:
            for entry in layer.legend:
                key = (entry.label, entry.color, entry.kind, entry.status)
                if key not in seen:
                    seen.add(key)
                    out.append(entry)
        return out

    @property
    def data_layers(self) -> list[ViewLayer]:
        """Return the layers that carry the view's data (not the context)."""
        return [layer for layer in self.layers if layer.role == "data"]

    @property
    def has_data(self) -> bool:
        """Return whether any data layer has a feature with a value."""
        return any(
            (layer.frame["_status"] == "value").any()
            for layer in self.data_layers
            if not layer.frame.empty
        )


# --- styling helpers -------------------------------------------------------------------------


def tooltip_html(frame: pd.DataFrame, fields: Sequence[tuple[str, str]]) -> pd.Series:
    """Return one escaped HTML tooltip per row from ``(label, column)`` pairs.

    Both labels and values are escaped: names typed by users never reach the page as markup.
    """

    def one(row: pd.Series) -> str:
        parts = []
        for label, col in fields:
            value = row.get(col)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            parts.append(
                f"<b>{escape(label)}</b> {escape(value)}" if label else f"<b>{escape(value)}</b>"
            )
        return "<br>".join(parts)

    if frame.empty:
        return pd.Series([], index=frame.index, dtype="object")
    return frame.apply(one, axis=1).astype("object")


def styled(
    frame: gpd.GeoDataFrame,
    *,
    fill: str | pd.Series,
    edge: str | pd.Series = "#555555",
    status: str | pd.Series = "value",
    label_col: str | None = None,
    tip_fields: Sequence[tuple[str, str]] = (),
) -> gpd.GeoDataFrame:
    """Return a copy of ``frame`` in EPSG:4326 with the style columns of :class:`ViewLayer`."""
    out = frame.to_crs(settings.CRS).copy() if frame.crs is not None else frame.set_crs(settings.CRS)
    out = out[out.geometry.notna() & ~out.geometry.is_empty]
    out["_fill"] = _series(fill, out.index)
    out["_edge"] = _series(edge, out.index)
    out["_status"] = _series(status, out.index)
    if label_col and label_col in out.columns:
        out["_label"] = out[label_col].fillna("").astype(str).astype("object")
    else:
        out["_label"] = pd.Series("", index=out.index, dtype="object")
    fields = list(tip_fields) or ([("", label_col)] if label_col else [])
    out["_tip"] = tooltip_html(out, fields)
    return out


def _series(value: str | pd.Series, index: pd.Index) -> pd.Series:
    if isinstance(value, pd.Series):
        return value.reindex(index).astype("object")
    return pd.Series(value, index=index, dtype="object")


def make_view(
    name: str,
    *,
    lang: str,
    title: str,
    subtitle: str,
    layers: list[ViewLayer],
    disclosure: Disclosure,
    sources: Iterable[str] = (),
    attributions: Iterable[str] = (),
    notes: Iterable[str] = (),
    focus: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    margin: float = 0.08,
) -> View:
    """Assemble a view; state "no data for this selection" when no data layer has a value.

    ``focus`` sets the map extent (default: the data layers, else every layer).
    """
    if lang not in settings.LANGUAGES:
        raise UnknownNameError("language", lang, settings.LANGUAGES)
    if disclosure.audience not in AUDIENCES:
        raise UnknownNameError("audience", disclosure.audience, AUDIENCES)
    unmatched = sum(layer.unmatched or 0 for layer in layers if layer.role == "data")
    if unmatched:
        disclosure = replace(disclosure, unmatched=unmatched)
    view = View(
        name=name,
        lang=lang,
        title=title,
        subtitle=subtitle,
        layers=list(layers),
        disclosure=disclosure,
        sources=_unique(sources),
        attributions=_unique(attributions),
        notes=_unique(notes),
    )
    if not view.has_data:
        view.message = t("no_data", lang)
    view.bounds = _bounds(view, focus, margin)
    return view


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def _bounds(view: View, focus, margin: float) -> tuple[float, float, float, float]:
    frames = []
    if focus is not None and len(focus):
        frames = [focus.to_crs(settings.CRS)]
    else:
        frames = [lyr.frame for lyr in view.data_layers if not lyr.frame.empty] or [
            lyr.frame for lyr in view.layers if not lyr.frame.empty and lyr.key != "borders"
        ]
    if not frames:
        minx, miny, maxx, maxy = settings.MALI_BBOX
    else:
        b = np.array([f.total_bounds for f in frames])
        minx, miny = b[:, 0].min(), b[:, 1].min()
        maxx, maxy = b[:, 2].max(), b[:, 3].max()
    dx = max(maxx - minx, 0.02) * margin
    dy = max(maxy - miny, 0.02) * margin
    return (float(minx - dx), float(miny - dy), float(maxx + dx), float(maxy + dy))


def line_label_at(
    line: shapely.Geometry, bounds: tuple[float, float, float, float], *, inset: float = 0.03
) -> tuple[float, float, str, str] | None:
    """Return ``(x, y, ha, va)``: where the label of ``line`` goes inside ``bounds``, and its anchor.

    A line leads somewhere (from a zone to its nearest centre): its label sits at the last point
    of the line inside ``bounds`` shrunk by ``inset`` of their size, that is at its end when the
    end is in view, else where it leaves the map. ``ha``/``va`` (matplotlib's anchors: ``left``,
    ``right``, ``center``; ``top``, ``bottom``, ``center``) put the text inside the map, on the
    side away from where the line goes. ``None`` when no part of the line is in view. ``line``
    and ``bounds`` share one CRS (degrees for web maps, metres for print maps).
    """
    minx, miny, maxx, maxy = bounds
    dx, dy = (maxx - minx) * inset, (maxy - miny) * inset
    box = (minx + dx, miny + dy, maxx - dx, maxy - dy)
    part = shapely.clip_by_rect(line, *box)
    if part is None or part.is_empty:
        return None
    at = shapely.Point(max(shapely.get_coordinates(part), key=lambda c: line.project(shapely.Point(c))))
    coords = shapely.get_coordinates(line)
    x, y = float(at.x), float(at.y)
    if at.distance(shapely.Point(coords[-1])) <= 1e-9 * max(maxx - minx, 1.0):  # end in view
        return x, y, "left" if coords[-1][0] >= coords[0][0] else "right", "center"
    tol = 1e-6 * max(maxx - minx, maxy - miny)
    if abs(x - box[0]) <= tol or abs(x - box[2]) <= tol:  # leaves by the left or right edge
        return x, y, "right" if abs(x - box[2]) <= tol else "left", "center"
    ha = "right" if x > (box[0] + box[2]) / 2 else "left"
    return x, y, ha, "bottom" if abs(y - box[1]) <= tol else "top"
