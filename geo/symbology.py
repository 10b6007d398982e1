"""Symbology of map views: how figures become colours, circle sizes and legend entries.

Palettes and the special classes every count map tells apart (suppressed (<k), zero, no data,
unmatched), value classes (Fisher-Jenks), map number text, and the layer builders
(:func:`choropleth`, :func:`proportional_symbols`, :func:`categorical`, :func:`point_layer`,
:func:`line_layer`, :func:`context_layers`) that return a styled :class:`geo.mapview.ViewLayer`
with its legend.
Pure functions over (Geo)DataFrames: they copy their input, keep its index, and never read files.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import settings
from geo.i18n import t
from geo.mapview import LegendEntry, ViewLayer, styled

#: Fill colours of the classes every count map tells apart.
STATUS_COLORS: dict[str, str] = {
    "suppressed": "#bdbdbd",
    "zero": "#f7f4f0",
    "no_data": "#ffffff",
    "unmatched": "#c51b8a",
}
#: Outline dash of the special classes (the print map hatches suppressed units too).
STATUS_DASH: dict[str, str | None] = {
    "suppressed": "4 3",
    "zero": None,
    "no_data": "1 3",
    "unmatched": None,
}
#: Fill of proportional circles: one colour, the circle's area carries the count.
SYMBOL_COLOR = "#2b8cbe"
#: Radii (pixels; points on paper x 0.8) of the smallest and largest proportional circles.
SYMBOL_RADII: tuple[float, float] = (4.0, 20.0)
#: Sequential palette (light to dark) for counts and shares; colour-blind safe (ColorBrewer YlGnBu).
SEQUENTIAL: tuple[str, ...] = ("#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8")
#: Traffic light of achievement against targets.
TRAFFIC: dict[str, str] = {
    "green": "#1a9850",
    "amber": "#fdae61",
    "red": "#d73027",
    "no_data": "#ffffff",
}
#: Style of the context layers.
CONTEXT = {
    "neighbour": "#e4e0d8",
    "mali": "#fbfaf7",
    "border": "#6b6b6b",
    "admin": "#9a9a9a",
    "zone": "#7b3294",
}


# --- special classes, value classes, numbers -------------------------------------------------


def status_entries(
    lang: str,
    *,
    statuses: Iterable[str] = ("suppressed", "zero", "no_data"),
    unmatched: int | None = None,
    k: int = settings.SUPPRESSION_K,
) -> list[LegendEntry]:
    """Return the legend entries of the special classes (and of unmatched records if given).

    The suppressed class reads "< k": ``k`` is the threshold the figures went through.
    """
    entries = []
    for status in statuses:
        label = (
            t("export.legend.suppressed", lang, k=k)
            if status == "suppressed"
            else t(f"legend.{status}", lang)
        )
        entries.append(
            LegendEntry(label, STATUS_COLORS[status], "fill", status, dash=STATUS_DASH[status])
        )
    if unmatched is not None:
        entries.append(
            LegendEntry(
                t("export.legend.unmatched", lang, n=unmatched),
                STATUS_COLORS["unmatched"],
                "point",
                "unmatched",
            )
        )
    return entries


def class_breaks(values: pd.Series, n: int = 5) -> list[float]:
    """Return upper bounds of up to ``n`` classes of the positive ``values`` (Fisher-Jenks).

    Few distinct values get one class each, so a legend never shows empty classes.
    """
    vals = pd.to_numeric(values, errors="coerce").dropna()
    vals = vals[vals > 0].astype(float)
    if vals.empty:
        return []
    uniq = np.unique(vals.to_numpy())
    if len(uniq) <= n:
        return [float(v) for v in uniq]
    with warnings.catch_warnings():  # mapclassify warns when numba is absent: harmless here
        warnings.simplefilter("ignore")
        import mapclassify

        return [float(b) for b in mapclassify.FisherJenks(vals.to_numpy(), k=n).bins]


def _fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") if float(value).is_integer() else f"{value:.1f}"


def format_number(value: object) -> str | None:
    """Return ``value`` as map text (thin-space thousands, one decimal), ``None`` if missing."""
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else _fmt(float(number))


# --- layer builders --------------------------------------------------------------------------


def choropleth(
    frame: gpd.GeoDataFrame,
    *,
    key: str,
    title: str,
    value_col: str,
    lang: str,
    display_col: str | None = None,
    suppressed_col: str | None = None,
    name_col: str = "name",
    breaks: Sequence[float] | None = None,
    palette: Sequence[str] = SEQUENTIAL,
    unit_label: str = "",
    extra_tips: Sequence[tuple[str, str]] = (),
    unmatched: int | None = None,
    kind: str = "polygon",
    special: Sequence[str] = ("suppressed", "zero", "no_data"),
    open_top: bool = False,
    k: int = settings.SUPPRESSION_K,
) -> ViewLayer:
    """Return a count or share layer whose features fall in value classes or a special class.

    Parameters
    ----------
    frame
        Units (polygons) or places (points) with ``value_col``. Case figures must already have gone
        through :func:`geo.disclosure.protect`: ``display_col`` then holds the text to show ("<k")
        and ``suppressed_col`` flags hidden values.
    breaks
        Upper bounds of the value classes; default Fisher-Jenks on the positive values.
    unmatched
        Number of records not matched to any unit, or ``None``: not in the legend, but said in
        internal footers (:class:`geo.mapview.Disclosure`).
    special
        The special classes the measure can have: counts tell apart suppressed, zero and no
        data; a distance has no suppressed class, and zero is a value like any other.
    open_top
        Label the last class "> bound" (its upper bound is only the largest value).
    k
        The suppression threshold the figures went through, stated in the legend ("< k").
    """
    out = frame.copy()
    values, status = _values_status(out, value_col, suppressed_col, special)
    if breaks is not None:
        bounds = list(breaks)
    else:
        bounds = class_breaks(values[status == "value"])
        if "zero" not in special and values.eq(0).any() and bounds and bounds[0] > 0:
            bounds = [0.0, *bounds]
    colours = _pick_palette(palette, len(bounds))
    fill = pd.Series(STATUS_COLORS["no_data"], index=out.index, dtype="object")
    for cls in ("zero", "suppressed", "no_data"):
        fill[status == cls] = STATUS_COLORS[cls]
    is_value = status == "value"
    if bounds and is_value.any():
        idx = np.searchsorted(np.asarray(bounds, dtype=float), values[is_value].to_numpy(), side="left")
        idx = np.clip(idx, 0, len(bounds) - 1)
        fill[is_value] = [colours[i] for i in idx]
    out["_value_text"] = _value_text(out, values, status, display_col, lang, k)
    tips = [
        ("", name_col),
        (
            f"{title}{' (' + unit_label + ')' if unit_label else ''} :" if lang == "fr" else f"{title}:",
            "_value_text",
        ),
        *extra_tips,
    ]
    styled_frame = styled(out, fill=fill, status=status, label_col=name_col, tip_fields=tips)
    legend, low = [], None
    for i, (bound, colour) in enumerate(zip(bounds, colours, strict=True)):
        label = f"≤ {_fmt(bound)}" if low is None else f"{_fmt(low)}–{_fmt(bound)}"
        if open_top and low is not None and i == len(bounds) - 1:
            label = f"> {_fmt(low)}"
        legend.append(LegendEntry(label, colour, "point" if kind == "point" else "fill"))
        low = bound
    legend = [
        LegendEntry(f"{title}{' (' + unit_label + ')' if unit_label else ''}", "none", "heading"),
        *legend,
    ]
    legend += status_entries(lang, statuses=special, k=k)
    return ViewLayer(
        key=key,
        title=title,
        frame=styled_frame,
        kind=kind,
        legend=legend,
        labels=True,
        fill_opacity=0.75,
        unmatched=unmatched,
    )


def _values_status(
    frame: pd.DataFrame, value_col: str, suppressed_col: str | None, special: Sequence[str]
) -> tuple[pd.Series, pd.Series]:
    """Return the numeric values of ``value_col`` and each row's class (:data:`geo.mapview.STATUSES`)."""
    values = (
        pd.to_numeric(frame[value_col], errors="coerce")
        if value_col in frame
        else pd.Series(np.nan, index=frame.index)
    )
    suppressed = (
        frame[suppressed_col].fillna(False).astype(bool)
        if suppressed_col and suppressed_col in frame
        else pd.Series(False, index=frame.index)
    )
    status = pd.Series("value", index=frame.index, dtype="object")
    status[values.isna()] = "no_data"
    if "zero" in special:
        status[values.eq(0)] = "zero"
    status[suppressed] = "suppressed"
    return values, status


def _value_text(
    frame: pd.DataFrame, values: pd.Series, status: pd.Series, display_col: str | None, lang: str, k: int
) -> pd.Series:
    """Return the text of each value for tooltips: "<k" when suppressed, "no data" if missing."""
    if display_col and display_col in frame:
        shown = frame[display_col].astype("object").where(frame[display_col].notna(), None)
    else:
        shown = values.map(lambda v: None if pd.isna(v) else _fmt(v)).astype("object")
    shown = shown.where(status != "no_data", t("legend.no_data", lang))
    if not (display_col and display_col in frame):
        shown = shown.where(status != "suppressed", f"<{k}")
    return shown


def size_references(vmax: float, n: int = 3) -> list[float]:
    """Return up to ``n`` round values (1, 2 or 5 x 10^k) for a size legend, largest first.

    The largest is the biggest round value not above ``vmax``; the others are about a quarter
    of the one before, so their circles differ clearly (radius about half), down to the size
    where circles reach their minimum radius. Counts of at least one never get a reference below
    one.
    """
    if not vmax or not np.isfinite(vmax) or vmax <= 0:
        return []

    def round_down(v: float) -> float:
        exp = math.floor(math.log10(v))
        for m in (5.0, 2.0, 1.0):
            if m * 10.0**exp <= v * (1 + 1e-9):
                return m * 10.0**exp
        return 10.0**exp

    r_min, r_max = SYMBOL_RADII
    smallest = vmax * 1.5 * (r_min / r_max) ** 2  # below this, a circle is the minimum size
    out = [round_down(float(vmax))]
    while len(out) < n:
        nxt = round_down(out[-1] / 4.0)
        if nxt < smallest:  # a quarter is too small a circle: try a half
            nxt = round_down(out[-1] / 2.0)
        if vmax >= 1:
            nxt = max(nxt, 1.0)
        if nxt >= out[-1] or (nxt < smallest and len(out) >= 2):
            break
        out.append(nxt)
    return out


def proportional_symbols(
    frame: gpd.GeoDataFrame,
    *,
    key: str,
    title: str,
    value_col: str,
    lang: str,
    color: str = SYMBOL_COLOR,
    name_col: str = "name",
    display_col: str | None = None,
    suppressed_col: str | None = None,
    extra_tips: Sequence[tuple[str, str]] = (),
    unmatched: int | None = None,
    special: Sequence[str] = ("suppressed", "zero", "no_data"),
    radii: tuple[float, float] = SYMBOL_RADII,
    k: int = settings.SUPPRESSION_K,
) -> ViewLayer:
    """Return points drawn as circles whose area is proportional to ``value_col``.

    One fill colour: the size carries the count, and the legend shows 2-3 reference circles
    (entries of kind ``size`` whose ``size`` is the radius in pixels). Suppressed, zero and
    missing values keep their special classes, drawn at the smallest radius. The radius of each
    feature goes in ``_radius``. Case figures must already have gone through
    :func:`geo.disclosure.protect` (hidden values are blank, ``suppressed_col`` flags them);
    ``k`` is the threshold they went through, stated in the legend ("< k").
    """
    out = frame.copy()
    values, status = _values_status(out, value_col, suppressed_col, special)
    fill = pd.Series(color, index=out.index, dtype="object")
    for cls in ("zero", "suppressed", "no_data"):
        fill[status == cls] = STATUS_COLORS[cls]
    out["_value_text"] = _value_text(out, values, status, display_col, lang, k)
    tips = [("", name_col), (f"{title} :" if lang == "fr" else f"{title}:", "_value_text"), *extra_tips]
    styled_frame = styled(out, fill=fill, status=status, label_col=name_col, tip_fields=tips)
    r_min, r_max = radii
    shown = values.where(status == "value")
    vmax = float(shown.max()) if shown.notna().any() else 0.0
    styled_frame["_radius"] = proportional_radii(
        shown.reindex(styled_frame.index), r_min=r_min, r_max=r_max, vmax=vmax or None
    )
    legend = [LegendEntry(title, "none", "heading")]
    refs = size_references(vmax)
    if refs:
        sizes = proportional_radii(pd.Series(refs), r_min=r_min, r_max=r_max, vmax=vmax)
        legend += [
            LegendEntry(_fmt(v), color, "size", size=float(r)) for v, r in zip(refs, sizes, strict=True)
        ]
    legend += status_entries(lang, statuses=special, k=k)
    return ViewLayer(
        key=key,
        title=title,
        frame=styled_frame,
        kind="point",
        legend=legend,
        labels=True,
        fill_opacity=0.75,
        radius=r_min,
        unmatched=unmatched,
    )


def proportional_radii(
    values: pd.Series, *, r_min: float = 4.0, r_max: float = 20.0, vmax: float | None = None
) -> pd.Series:
    """Return circle radii (pixels) whose areas are proportional to the positive ``values``.

    Missing, zero and negative values get ``r_min`` (drawn in their special class colour).
    """
    vals = pd.to_numeric(values, errors="coerce").astype("float64")
    top = float(vmax if vmax is not None else (vals[vals > 0].max() if (vals > 0).any() else 0))
    out = pd.Series(r_min, index=vals.index, dtype="float64")
    if top > 0:
        pos = vals > 0
        out[pos] = np.maximum(r_min, r_max * np.sqrt(vals[pos].clip(upper=top) / top))
    return out.round(1)


def proportional(layer: ViewLayer, value_col: str, **radii: float) -> ViewLayer:
    """Return ``layer`` (points) with circle areas proportional to ``value_col``.

    The colour classes stay (renderers that do not size circles still tell the classes apart);
    the per-feature radius goes in the ``_radius`` column.
    """
    frame = layer.frame.copy()
    values = frame[value_col] if value_col in frame else pd.Series(np.nan, index=frame.index)
    hidden = frame["_status"] != "value"
    frame["_radius"] = proportional_radii(values.where(~hidden), **radii)
    return dataclasses.replace(layer, frame=frame)


def drawn_over(layers: Sequence[ViewLayer], i: int) -> pd.Series:
    """Return which circles of ``layers[i]`` (proportional) go over the symbols drawn after it.

    Sites and centres come after the data and are drawn over it, so a site shows inside its
    place's circle; but a circle no larger than such a symbol would hide under it: those circles
    are drawn over every symbol instead (print and web alike). False for other layers.
    """
    layer = layers[i]
    if layer.kind != "point" or "_radius" not in layer.frame.columns:
        return pd.Series(False, index=layer.frame.index)
    after = [
        lyr.radius
        for lyr in layers[i + 1 :]
        if lyr.kind == "point" and "_radius" not in lyr.frame.columns and not lyr.frame.empty
    ]
    radius = pd.to_numeric(layer.frame["_radius"], errors="coerce").fillna(layer.radius)
    return radius <= max(after) if after else pd.Series(False, index=layer.frame.index)


def _pick_palette(palette: Sequence[str], n: int) -> list[str]:
    if n <= 0:
        return []
    if n >= len(palette):
        return list(palette) + [palette[-1]] * (n - len(palette))
    picks = np.linspace(0, len(palette) - 1, n).round().astype(int)
    return [palette[i] for i in picks]


def categorical(
    frame: gpd.GeoDataFrame,
    *,
    key: str,
    title: str,
    col: str,
    categories: dict[str, tuple[str, str]],
    lang: str,
    name_col: str = "name",
    kind: str = "polygon",
    extra_tips: Sequence[tuple[str, str]] = (),
    radius: float = 6.0,
    tip_label: str | None = None,
) -> ViewLayer:
    """Return a layer coloured by category: ``categories`` maps a value to ``(label, colour)``.

    Values outside ``categories`` (and missing ones) fall in the no-data class. Tooltips read
    "``tip_label`` category" (default: the title).
    """
    out = frame.copy()
    cat = out[col].astype("object") if col in out else pd.Series(None, index=out.index, dtype="object")
    known = cat.isin(list(categories))
    fill = cat.map(lambda v: categories[v][1] if v in categories else STATUS_COLORS["no_data"])
    status = pd.Series("value", index=out.index, dtype="object").where(known, "no_data")
    out["_cat_label"] = cat.map(
        lambda v: categories[v][0] if v in categories else t("legend.no_data", lang)
    )
    head = tip_label or (f"{title} :" if lang == "fr" else f"{title}:")
    tips = [("", name_col), (head, "_cat_label"), *extra_tips]
    styled_frame = styled(
        out, fill=fill.astype("object"), status=status, label_col=name_col, tip_fields=tips
    )
    legend = [LegendEntry(title, "none", "heading")]
    legend += [
        LegendEntry(label, colour, "point" if kind == "point" else "fill")
        for label, colour in categories.values()
    ]
    legend += status_entries(lang, statuses=("no_data",))
    return ViewLayer(
        key=key,
        title=title,
        frame=styled_frame,
        kind=kind,
        legend=legend,
        labels=kind == "polygon",
        radius=radius,
    )


def point_layer(
    frame: gpd.GeoDataFrame,
    *,
    key: str,
    title: str,
    color: str,
    lang: str,
    name_col: str = "name",
    tip_fields: Sequence[tuple[str, str]] = (),
    radius: float = 5.0,
    role: str = "data",
    labels: bool = True,
    edge: str = "#333333",
) -> ViewLayer:
    """Return a layer of points in one colour (places, sites, centres)."""
    out = styled(
        frame, fill=color, edge=edge, label_col=name_col, tip_fields=list(tip_fields) or [("", name_col)]
    )
    return ViewLayer(
        key=key,
        title=title,
        frame=out,
        kind="point",
        role=role,
        radius=radius,
        labels=labels,
        fill_opacity=0.9,
        legend=[LegendEntry(title, color, "point", edge=edge)],
    )


def line_layer(
    frame: gpd.GeoDataFrame,
    *,
    key: str,
    title: str,
    color: str,
    name_col: str = "name",
    tip_fields: Sequence[tuple[str, str]] = (),
    weight: float = 2.0,
    dash: str | None = None,
) -> ViewLayer:
    """Return lines in one colour (a zone's routes to its nearest centres), each named by ``name_col``.

    Renderers write a line's name where the line leads: at its end, or where it leaves the map
    (:func:`geo.mapview.line_label_at`).
    """
    tips = list(tip_fields) or [("", name_col)]
    out = styled(frame, fill="none", edge=color, label_col=name_col, tip_fields=tips)
    return ViewLayer(
        key=key,
        title=title,
        frame=out,
        kind="line",
        weight=weight,
        fill_opacity=0.0,
        dash=dash,
        labels=True,
        legend=[LegendEntry(title, color, "line", dash=dash)],
    )


def context_layers(
    borders: gpd.GeoDataFrame,
    *,
    lang: str,
    admin: gpd.GeoDataFrame | None = None,
    zone: gpd.GeoDataFrame | None = None,
    natural: Sequence[ViewLayer] = (),
) -> list[ViewLayer]:
    """Return the vector context: Mali and its neighbours, admin units, the zone outline.

    ``borders`` has ``iso_a3``, ``name_fr``/``name_en`` and ``is_mali``; ``admin`` has ``name``;
    ``zone`` has ``name_fr``/``name_en``. ``natural`` (rivers, lakes, towns:
    :func:`geo.landmarks.natural_layers`) is drawn on the countries, under everything else.
    """
    name_col = "name_fr" if lang == "fr" else "name_en"
    countries = borders.copy()
    countries["name"] = countries[name_col] if name_col in countries else countries.get("name")
    mali = countries["is_mali"].astype(bool) if "is_mali" in countries else countries["iso_a3"].eq("MLI")
    fill = pd.Series(CONTEXT["neighbour"], index=countries.index, dtype="object").where(
        ~mali, CONTEXT["mali"]
    )
    out = [
        ViewLayer(
            key="borders",
            title=t("layer.borders", lang),
            frame=styled(countries, fill=fill, edge=CONTEXT["border"], label_col="name"),
            kind="polygon",
            role="context",
            weight=1.2,
            fill_opacity=1.0,
            legend=[LegendEntry(t("export.legend.border", lang), CONTEXT["border"], "line")],
        ),
        *natural,
    ]
    if admin is not None and not admin.empty:
        out.append(
            ViewLayer(
                key="admin",
                title=t("layer.admin", lang),
                frame=styled(admin, fill="none", edge=CONTEXT["admin"], label_col="name"),
                kind="line",
                role="context",
                weight=0.6,
                fill_opacity=0.0,
                dash="3 2",
                legend=[
                    LegendEntry(t("export.legend.admin", lang), CONTEXT["admin"], "line", dash="3 2")
                ],
            )
        )
    if zone is not None and not zone.empty:
        zname = "name_fr" if lang == "fr" else "name_en"
        zones = zone.copy()
        zones["name"] = zones[zname] if zname in zones else zones.get("zone_id")
        out.append(
            ViewLayer(
                key="zone",
                title=t("layer.zones", lang),
                frame=styled(zones, fill="none", edge=CONTEXT["zone"], label_col="name"),
                kind="line",
                role="context",
                weight=2.0,
                fill_opacity=0.0,
                legend=[LegendEntry(t("export.legend.zone", lang), CONTEXT["zone"], "line")],
            )
        )
    return out
