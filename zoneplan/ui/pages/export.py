"""Export: the map of the selection as PNG, PDF, SVG or offline HTML, tables as CSV, and the
CCPE pack (one PDF page per commune or village), all written by the Exports service.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from geo.csvsafe import write_csv
from geo.errors import InputError
from geo.i18n import t
from geo.vocab import PACK_BY, VIEWS
from zoneplan.context import Context
from zoneplan.sample import output_mark
from zoneplan.ui import services, widgets

FORMATS = {"png": "image/png", "pdf": "application/pdf", "svg": "image/svg+xml", "html": "text/html"}


def _file_name(ctx: Context, stem: str, ext: str) -> str:
    return f"zoneplan-{stem}-{ctx.zone}-{ctx.audience}.{ext}"


def render(ctx: Context) -> None:
    """Draw the export page."""
    from zoneplan import exports  # matplotlib: loaded on this page only, not at cold start

    lang = ctx.lang
    name = st.selectbox(
        t("app.export.view", lang),
        VIEWS,
        key="export.view",
        format_func=lambda v: t(f"app.export.view.{v}", lang),
    )
    st.caption(t(f"app.export.audience.{ctx.audience}", lang))
    view = widgets.show_view(ctx, name, key="map.export")
    st.subheader(t("app.export.map", lang))
    cols = st.columns(len(FORMATS))
    for col, (fmt, mime) in zip(cols, FORMATS.items(), strict=True):
        key = f"export.file.{name}.{fmt}"
        if view is not None and col.button(t(f"app.export.make.{fmt}", lang), key=f"make.{fmt}"):
            with st.spinner(t("app.export.working", lang)):
                try:
                    path = Path(tempfile.mkdtemp(prefix="zoneplan-export-")) / _file_name(ctx, name, fmt)
                    exports.write_view(view, path, fmt=fmt, zone=ctx.zone, store=ctx.store)
                    st.session_state[key] = path.read_bytes()
                except InputError as exc:
                    st.error(str(exc))
        if key in st.session_state:
            col.download_button(
                t("app.export.download", lang, fmt=fmt.upper()),
                st.session_state[key],
                file_name=_file_name(ctx, name, fmt),
                mime=mime,
                key=f"download.{fmt}",
            )
    _tables(ctx, name)
    _pack(ctx)


def _tables(ctx: Context, name: str) -> None:
    lang = ctx.lang
    st.subheader(t("app.export.tables", lang))
    if name == "coverage":
        table = services.progress(ctx)
    else:
        result = widgets.run_analysis(ctx, "gaps" if name == "gaps" else name)
        table = None if result is None else result.table
    if table is None or table.empty:
        st.info(t("no_data", lang))
        return
    csv = write_csv(table, mark=output_mark(ctx.store, lang))
    st.download_button(
        t("app.export.csv", lang),
        csv.encode("utf-8"),
        file_name=_file_name(ctx, name, "csv"),
        mime="text/csv",
        key="download.csv",
    )


def _pack(ctx: Context) -> None:
    from zoneplan import exports

    lang = ctx.lang
    st.subheader(t("app.export.pack", lang))
    by = st.radio(
        t("app.export.pack.by", lang),
        PACK_BY,
        horizontal=True,
        key="export.pack.by",
        format_func=lambda b: t(f"app.export.pack.by.{b}", lang),
    )
    key = f"export.pack.{ctx.zone}.{by}.{ctx.audience}.{lang}"
    if st.button(t("app.export.pack.make", lang), key="make.pack"):
        bar = st.progress(0.0)

        def progress(done: int, total: int, label: str) -> None:
            bar.progress(done / max(total, 1), text=label)

        try:
            out = Path(tempfile.mkdtemp(prefix="zoneplan-pack-")) / _file_name(ctx, "pack", "pdf")
            path, pages = exports.export_pack(
                **ctx.service_kwargs(),
                zone=ctx.zone,
                period=ctx.period,
                by=by,
                out=out,
                progress=progress,
            )
            st.session_state[key] = (path.read_bytes(), pages)
        except InputError as exc:
            st.error(str(exc))
    if key in st.session_state:
        data, pages = st.session_state[key]
        st.download_button(
            t("app.export.pack.download", lang, n=pages),
            data,
            file_name=_file_name(ctx, f"pack-{by}", "pdf"),
            mime="application/pdf",
            key="download.pack",
        )
