"""Données: import records (report before accepting), the sample, unlocated places, the data
status with every attribution, boundaries, and drawing an intervention zone.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pandas as pd
import shapely
import streamlit as st

import layers
from geo.boundaries import read_boundaries
from geo.errors import InputError
from geo.i18n import t
from geo.render_folium import outline_preview
from zoneplan import datastore, records
from zoneplan.context import Context
from zoneplan.ui import loaders, tables, widgets

RECORD_TYPES = ("csv", "xlsx", "geojson", "json")
#: Columns of the import report's tables (rows to confirm, rows rejected), after the line.
REPORT_COLUMNS = ("line", "place_name", "match_level", "match_method", "match_score", "reason")
BOUNDARY_TYPES = ("geojson", "json", "gpkg", "zip")


def render(ctx: Context) -> None:
    """Draw the data page."""
    lang = ctx.lang
    tabs = st.tabs(
        [t(f"app.data.tab.{k}", lang) for k in ("import", "zone", "places", "status", "boundaries")]
    )
    with tabs[0]:
        _sample(ctx)
        _import(ctx)
    with tabs[1]:
        _draw_zone(ctx)
    with tabs[2]:
        _unlocated(ctx)
    with tabs[3]:
        _status(ctx)
    with tabs[4]:
        _boundaries(ctx)


def _saved_upload(upload) -> Path:
    """Write an uploaded file to a private temporary folder, keeping its name for reports."""
    folder = Path(tempfile.mkdtemp(prefix="zoneplan-upload-"))
    path = folder / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    return path


def _sheet_choice(path: Path, lang: str) -> str | None:
    """Offer a workbook's sheets when it has several: all of them (the default) or one by name."""
    if path.suffix.lower() != ".xlsx":
        return None
    try:
        import openpyxl

        with open(path, "rb") as fh:
            book = openpyxl.load_workbook(fh, read_only=True)
            names = list(book.sheetnames)
            book.close()
    except Exception:  # a damaged workbook: the importer says why in one line
        return None
    if len(names) < 2:
        return None
    choice = st.selectbox(
        t("app.data.import.sheet", lang),
        ["", *names],
        format_func=lambda n: n or t("app.data.import.sheet.all", lang),
        key="import.sheet",
    )
    return choice or None


# --- records ---------------------------------------------------------------------------------


def _sample(ctx: Context) -> None:
    from zoneplan import sample

    lang = ctx.lang
    widgets.sample_loaded_notice(lang)
    if (removed := st.session_state.pop("data.sample.removed", None)) is not None:
        key = "records.sample.removed" if any(removed.values()) else "records.sample.nothing"
        st.success(t(key, lang, **removed))
    if any(sample.fictitious_counts(ctx.store).values()):
        if st.button(t("app.data.sample.remove", lang), key="data.sample.remove"):
            st.session_state["data.sample.removed"] = sample.remove_sample(ctx.store)
            st.cache_data.clear()
            st.rerun()
        return
    widgets.offer_sample(ctx, "data.sample")


def _import(ctx: Context) -> None:
    lang = ctx.lang
    st.subheader(t("app.data.import", lang))
    kind = st.radio(
        t("app.data.import.kind", lang),
        ("activities", "cases"),
        horizontal=True,
        key="import.kind",
        format_func=lambda k: t(f"app.data.kind.{k}", lang),
    )
    upload = st.file_uploader(
        t("app.data.import.file", lang), type=list(RECORD_TYPES), key="import.file"
    )
    if upload is None:
        return
    path = _saved_upload(upload)
    sheet = _sheet_choice(path, lang)
    try:
        report = records.import_file(
            path, kind=kind, store=ctx.store, dry_run=True, lang=lang, sheet=sheet
        )
    except InputError as exc:
        st.error(t("app.data.import.refused", lang, error=str(exc)))
        return
    _report(report, lang)
    rows = report.rows
    fuzzy = int(report.summary.get("fuzzy", 0) or 0)
    confirmed = True
    if fuzzy:
        confirmed = st.checkbox(t("app.data.import.confirm_fuzzy", lang, n=fuzzy), key="import.confirm")
    accepted = int(report.summary.get("accepted", 0) or 0)
    if st.button(
        t("app.data.import.accept", lang, n=accepted),
        key="import.accept",
        disabled=not confirmed or accepted == 0 or rows is None,
    ):
        try:
            final = records.import_file(
                path, kind=kind, store=ctx.store, dry_run=False, lang=lang, sheet=sheet
            )
        except InputError as exc:
            st.error(t("app.data.import.refused", lang, error=str(exc)))
            return
        st.success(t("app.data.import.done", lang, n=final.summary.get("accepted", 0)))


def _report(report, lang: str) -> None:
    """Show an import report: the counts, the fuzzy matches to confirm, the rejected rows."""
    summary = {k: v for k, v in report.summary.items() if isinstance(v, int | float)}
    widgets.metrics(summary, lang)
    rows = report.rows
    if rows is None or rows.empty:
        return
    method = rows.get("match_method", rows.get("method"))
    if method is not None:
        fuzzy = rows[method.astype(str).str.contains("fuzzy", na=False)]
        if not fuzzy.empty:
            st.markdown(f"**{t('app.data.import.fuzzy', lang)}**")
            tables.show(fuzzy, lang, key="import.fuzzy", columns=REPORT_COLUMNS)
    rejected = rows[rows["status"].astype(str) == "rejected"] if "status" in rows else rows.iloc[:0]
    if not rejected.empty:
        st.markdown(f"**{t('app.data.import.rejected', lang)}**")
        tables.show(rejected, lang, key="import.rejected", columns=("line", "reason"))


# --- places, status, boundaries --------------------------------------------------------------


def _unlocated(ctx: Context) -> None:
    lang = ctx.lang
    path, mtime = loaders.store_key(ctx.store)
    missing = loaders.unlocated(path, mtime)
    if missing.empty:
        st.success(t("app.data.places.all_located", lang))
        return
    st.info(t("place.unlocated", lang, names=", ".join(missing["name"])))
    names = dict(zip(missing["place_id"], missing["name"], strict=True))
    with st.form("set_location"):
        place = st.selectbox(
            t("app.data.places.place", lang), list(names), format_func=lambda p: names[p]
        )
        c1, c2, c3 = st.columns(3)
        lat = c1.number_input("lat", value=None, format="%.5f", placeholder="11.70")
        lon = c2.number_input("lon", value=None, format="%.5f", placeholder="-8.72")
        precision = c3.number_input(t("app.data.places.precision", lang), value=100.0, min_value=1.0)
        submitted = st.form_submit_button(t("app.data.places.save", lang))
    if submitted:
        if lat is None or lon is None:
            st.error(t("app.data.places.need_coords", lang))
            return
        known = list(layers.module("places").load_all(ctx.store)["place_id"])
        try:
            datastore.set_location(
                ctx.store,
                place,
                float(lat),
                float(lon),
                precision_m=float(precision),
                known_ids=known,
                date=dt.date.today().isoformat(),
            )
        except InputError as exc:
            st.error(str(exc))
            return
        st.success(t("app.data.places.saved", lang, name=names[place]))
        st.rerun()


def _status(ctx: Context) -> None:
    lang = ctx.lang
    path, mtime = loaders.store_key(ctx.store)
    rows = loaders.status(path, mtime)
    frame = pd.DataFrame(
        [
            {
                "layer": r["title"].get(lang, r["layer"])
                if isinstance(r["title"], dict)
                else r["layer"],
                "features": r["features"],
                # the cached status is in the default language; sources and credits in the reader's
                **layers.module(r["layer"]).info(ctx.store, lang=lang),
            }
            for r in rows
        ]
    )
    tables.show(frame, lang, key="data.status")
    st.caption(t("app.data.status.store", lang, path=str(ctx.store.path)))


def _boundaries(ctx: Context) -> None:
    lang = ctx.lang
    st.caption(t("app.data.boundaries.help", lang))
    upload = st.file_uploader(
        t("app.data.boundaries.file", lang), type=list(BOUNDARY_TYPES), key="boundaries.file"
    )
    level = st.selectbox(
        t("app.data.boundaries.level", lang),
        [None, 0, 1, 2, 3],
        key="boundaries.level",
        format_func=lambda v: (
            t("app.data.boundaries.auto", lang) if v is None else t(f"level.{v}", lang)
        ),
    )
    c1, c2 = st.columns(2)
    name_col = c1.text_input(t("app.data.boundaries.name_col", lang), key="boundaries.name_col")
    id_col = c2.text_input(t("app.data.boundaries.id_col", lang), key="boundaries.id_col")
    if upload is None or not st.button(t("app.data.boundaries.install", lang), key="boundaries.install"):
        return
    path = _saved_upload(upload)
    try:
        bf = read_boundaries(path, level=level, name_col=name_col or None, id_col=id_col or None)
        merged = datastore.install_boundaries(ctx.store, bf, date=dt.date.today().isoformat())
    except InputError as exc:
        st.error(str(exc))
        return
    lv = int(bf.frame["level"].iloc[0])
    st.success(
        t(
            "app.data.boundaries.done",
            lang,
            n=int((merged["level"] == lv).sum()),
            level=t(f"level.{lv}", lang),
        )
    )


# --- drawing a zone --------------------------------------------------------------------------

_VERTICES = "zone.vertices"
_LAST = "zone.last_click"


def drawn_polygon(vertices: list[tuple[float, float]]) -> shapely.Polygon | None:
    """Return the polygon closed over ``vertices`` (lat, lon), or ``None`` if fewer than three."""
    if len(vertices) < 3:
        return None
    return shapely.Polygon([(lon, lat) for lat, lon in vertices])


def uploaded_polygon(text: str, source: str) -> shapely.Geometry:
    """Return the polygon of an uploaded GeoJSON (a geometry, a feature or a collection of one)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON ({exc.msg}); expected a GeoJSON polygon", source=source
        ) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        feats = data.get("features") or []
        if len(feats) != 1:
            raise InputError(f"{len(feats)} features found; expected exactly one polygon", source=source)
        data = feats[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    try:
        return shapely.geometry.shape(data)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException):
        raise InputError("no GeoJSON geometry found; expected a Polygon", source=source) from None


def _draw_zone(ctx: Context) -> None:
    lang = ctx.lang
    st.caption(t("app.zone.help", lang))
    vertices: list[tuple[float, float]] = st.session_state.setdefault(_VERTICES, [])
    preview = outline_preview(vertices, name=t("app.zone.preview", lang))
    out = widgets.show_base_map(ctx, "map.draw", returned=["last_clicked"], preview=preview)
    click = out.get("last_clicked")
    if click and click != st.session_state.get(_LAST):
        st.session_state[_LAST] = click
        vertices.append((round(float(click["lat"]), 5), round(float(click["lng"]), 5)))
        st.rerun()
    st.write(t("app.zone.vertices", lang, n=len(vertices)))
    c1, c2 = st.columns(2)
    if c1.button(t("app.zone.undo", lang), key="zone.undo", disabled=not vertices):
        vertices.pop()
        st.rerun()
    if c2.button(t("app.zone.clear", lang), key="zone.clear", disabled=not vertices):
        vertices.clear()
        st.rerun()
    upload = st.file_uploader(t("app.zone.upload", lang), type=["geojson", "json"], key="zone.upload")
    with st.form("zone.save"):
        c1, c2 = st.columns(2)
        zone_id = c1.text_input(t("app.zone.id", lang), placeholder="kangaba_nord")
        name = c2.text_input(t("app.zone.name", lang))
        saved = st.form_submit_button(t("app.zone.save", lang))
    if not saved:
        return
    try:
        geometry = (
            uploaded_polygon(upload.getvalue().decode("utf-8", "replace"), upload.name)
            if upload is not None
            else drawn_polygon(vertices)
        )
        reserved = [d["zone_id"] for d in layers.module("zones").definitions()]
        datastore.save_drawn_zone(
            ctx.store,
            zone_id.strip(),
            name.strip(),
            geometry,
            programme_id=ctx.programme or "",
            reserved=reserved,
        )
    except InputError as exc:
        st.error(str(exc))
        return
    vertices.clear()
    st.success(t("app.zone.saved", lang, zone=zone_id))
