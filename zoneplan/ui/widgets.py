"""Widgets shared by the pages: a map from a view, the base map, states and tables."""

from __future__ import annotations

from collections.abc import Iterable

import folium
import pandas as pd
import streamlit as st

from geo.basemap import base_view
from geo.errors import InputError
from geo.i18n import catalogue, t
from geo.i18n import number as _number
from geo.render_folium import to_folium
from zoneplan.context import Context
from zoneplan.ui import loaders, mapframe, services, tables

MAP_HEIGHT = 680


def show_map(
    m: folium.Map,
    key: str,
    *,
    returned: Iterable[str] = (),
    tiles: bool = False,
    preview: folium.FeatureGroup | None = None,
) -> dict:
    """Draw ``m``; only the ``returned`` objects rerun the script (panning never does).

    ``tiles`` offers OpenStreetMap tiles in the layer control (off until chosen: they need
    internet). ``preview`` is drawn over the map without reloading it (a zone being drawn).
    """
    return mapframe.show(m, key, height=MAP_HEIGHT, returned=returned, tiles=tiles, preview=preview)


def zone_bounds(ctx: Context, margin: float = 0.15) -> tuple[float, float, float, float] | None:
    """Return the bounds of the selected zone with a margin, or ``None``."""
    zones = loaders.load_layer("zones", *loaders.store_key(ctx.store))
    hit = zones[zones["zone_id"] == ctx.zone]
    if hit.empty:
        return None
    minx, miny, maxx, maxy = hit.total_bounds
    dx, dy = max(maxx - minx, 0.02) * margin, max(maxy - miny, 0.02) * margin
    return (minx - dx, miny - dy, maxx + dx, maxy + dy)


def show_base_map(
    ctx: Context, key: str, *, returned: Iterable[str] = (), preview: folium.FeatureGroup | None = None
) -> dict:
    """Draw the base layers (borders, admin units, zones, places, sites, centres).

    ``preview`` is drawn over the map without reloading it (a zone being drawn).
    """
    view = base_view(
        loaders.base_frames(ctx.store, audience=ctx.audience), lang=ctx.lang, bounds=zone_bounds(ctx)
    )
    return show_map(to_folium(view), key, returned=returned, tiles=ctx.tiles, preview=preview)


def show_view(ctx: Context, name: str, key: str, **extra: object):
    """Draw the view ``name`` for the filters; return it (``None`` if it could not be built).

    A selection with no data gets an explicit "no data for this selection" state above the map;
    bad input is shown as one line, never a traceback.
    """
    try:
        view, frame = services.view_frame(ctx, name, **extra)
    except InputError as exc:
        st.error(str(exc))
        show_base_map(ctx, key)
        return None
    if view.message:
        st.warning(view.message, icon="ℹ️")
    mapframe.draw(frame, key, height=MAP_HEIGHT)  # rendered once per view, shared by sessions
    return view


SAMPLE_LOADED = "sample.just_loaded"


def offer_sample(ctx: Context, key: str, *, intro: str | None = None) -> None:
    """Offer the fictitious sample in one click (a framed box), clearly labelled as invented.

    Loading it writes the sample into the store (flagged: every page then shows the banner)
    and reruns the page, which then says it was loaded.
    """
    from zoneplan import sample  # record matching: imported when the sample is loaded

    lang = ctx.lang
    box = st.container(border=True)
    if intro:
        box.markdown(f"**{intro}**")
    box.caption(t("app.data.sample.help", lang))
    real = sum(n["real"] for n in sample.record_counts(ctx.store).values())
    # Invented figures must not mix with real ones unless the user says so.
    force = real > 0 and box.checkbox(t("records.sample.force", lang, n=real), key=f"{key}.force")
    if box.button(
        t("app.data.sample.load", lang),
        key=key,
        type="primary",
        icon=":material/science:",
        disabled=real > 0 and not force,
    ):
        with st.spinner(t("app.sample.loading", lang)):
            try:
                sample.load_sample(ctx.store, force=force)
            except InputError as exc:
                st.error(str(exc))
                return
        st.session_state[SAMPLE_LOADED] = True
        st.rerun()


def sample_loaded_notice(lang: str) -> None:
    """Say once, after the rerun, that the fictitious sample was loaded."""
    if st.session_state.pop(SAMPLE_LOADED, False):
        st.success(t("app.data.sample.loaded", lang), icon=":material/science:")


def run_analysis(ctx: Context, verb: str, **options: object):
    """Return the analysis ``verb`` for the filters, or ``None`` after saying why not."""
    try:
        return services.analyse(ctx, verb, **options)
    except InputError as exc:
        st.error(str(exc))
    return None


def number(value: object, lang: str, decimals: int = 0) -> str:
    """Return ``value`` as a person reads it in ``lang``: 1 234,5 (fr), 1,234.5 (en); "" if missing."""
    return _number(value, lang, decimals)


#: Characters that Streamlit's Markdown would read as formatting (``$`` starts LaTeX).
_MARKDOWN = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|~$"})


def plain(text: object) -> str:
    """Return ``text`` escaped for ``st.markdown`` (a place name typed by someone stays as typed)."""
    if isinstance(text, str):
        return text.translate(_MARKDOWN)
    return "" if text is None or pd.isna(text) else str(text).translate(_MARKDOWN)


def ranked_table(
    frame: pd.DataFrame,
    columns: dict[str, object],
    *,
    key: str,
    select: bool = False,
    height: int | str = "auto",
) -> int | None:
    """Show the ``columns`` of ``frame`` in that order, each with its header and width.

    ``columns`` maps a column of ``frame`` to its ``st.column_config`` (header a person reads,
    units, width); other columns and the index are not shown. With ``select`` one row is
    always selected (the first until another is clicked); return its position in ``frame``.
    """
    picking = {"on_select": "rerun", "selection_mode": "single-row-required"} if select else {}
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=height,
        column_order=list(columns),
        column_config=columns,
        key=key,
        **picking,
    )
    if not select or frame.empty:
        return None
    rows = event.selection.rows
    return min(int(rows[0]), len(frame) - 1) if rows else 0


def label(key: str, lang: str, **values: object) -> str:
    """Return the catalogue text of summary key ``key`` (``app.summary.<key>``)."""
    return t(f"app.summary.{key}", lang, **values)


def metrics(summary: dict | None, lang: str, *, limit: int = 6) -> None:
    """Show the plain numbers of ``summary`` as metric tiles (at most ``limit`` per row).

    Only the figures the catalogue names (``app.summary.<key>``) are shown: a figure a person
    cannot read the name of is not a metric. Figures are written the reader's way (1 234,5).
    """
    known = catalogue()
    numbers = {
        k: v
        for k, v in (summary or {}).items()
        if isinstance(v, int | float) and not isinstance(v, bool) and f"app.summary.{k}" in known
    }
    items = list(numbers.items())
    for start in range(0, len(items), limit):
        row = items[start : start + limit]
        for col, (k, value) in zip(st.columns(len(row)), row, strict=True):
            decimals = 0 if float(value).is_integer() or abs(value) >= 100 else 1
            col.metric(label(k, lang), number(value, lang, decimals))


#: Bar colours of the traffic lights (the tables' palette; no data in light grey).
TRAFFIC_COLORS = tables.TRAFFIC_COLORS


def progress_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return progress against targets as a person reads it: indicator, target, achieved, light.

    The achieved figure is the protected one (``achieved_display``: "<5" for a small count of
    children); the unit of measure is the indicator file's word (French), or the measure's
    name in English.
    """
    label_col = next((c for c in (f"label_{lang}", "label_fr", "label") if c in frame), None)
    out = pd.DataFrame(index=frame.index)
    out["label"] = frame[label_col] if label_col else frame.get("indicator_id")
    if "unit" in frame or "measure" in frame:
        unit = frame["unit"] if lang == "fr" and "unit" in frame else frame.get("measure")
        out["unit"] = [
            t(f"table.value.measure.{u}", lang) if f"table.value.measure.{u}" in catalogue() else u
            for u in unit.fillna("")
        ]
    out["target"] = pd.to_numeric(frame.get("target"), errors="coerce")
    shown = frame.get("achieved_display", frame.get("achieved"))
    out["achieved_display"] = [
        number(v, lang) if number(v, lang) else ("" if v is None else str(v)) for v in shown
    ]
    out["achievement"] = pd.to_numeric(frame.get("achievement"), errors="coerce")
    out["status"] = frame["status"].fillna("no_data") if "status" in frame else "no_data"
    if {"period_start", "period_end"} <= set(frame.columns):
        out["period"] = [
            _period(a, b) for a, b in zip(frame["period_start"], frame["period_end"], strict=True)
        ]
    for col in ("indicator_id", "programme_id"):
        if col in frame:
            out[col] = frame[col]
    return out.reset_index(drop=True)


def _period(start: object, end: object) -> str:
    a, b = pd.to_datetime(start, errors="coerce"), pd.to_datetime(end, errors="coerce")
    if pd.isna(a) or pd.isna(b):
        return ""
    return f"{a:%m/%Y} – {b:%m/%Y}"


def progress(frame: pd.DataFrame, lang: str) -> None:
    """Show progress against targets: one table, achievement as a bar in its cell, traffic lights."""
    if frame is None or frame.empty:
        st.info(t("no_data", lang))
        return
    rows = progress_rows(frame, lang)
    tables.show(rows, lang, key="progress.table", bars=("achievement",))
