"""Export: buttons for the exports (map pages, CSV tables, the PDF pack)."""

from __future__ import annotations

import streamlit as st

from geo.errors import InputError
from geo.i18n import t
from zoneplan.ui import services, widgets
from zoneplan.ui.context import Ctx

VIEWS = ("coverage", "access", "criteria", "gaps")


def render(ctx: Ctx) -> None:
    """Draw the export page."""
    lang = ctx.lang
    name = st.selectbox(t("app.export.view", lang), VIEWS, key="export.view",
                        format_func=lambda v: t(f"app.export.view.{v}", lang))
    st.caption(t(f"app.export.audience.{ctx.audience}", lang))
    view = widgets.show_view(ctx, name, key="map.export")
    if view is None:
        return
    c1, c2 = st.columns(2)
    try:
        from geo.render_folium import to_folium
        from geo.webmap import standalone_html
    except ImportError:  # pragma: no cover - foundation modules
        return
    try:
        html = standalone_html(to_folium(view, lang))
    except (InputError, ValueError) as exc:
        st.error(str(exc))
        return
    c1.download_button(t("app.export.html", lang), html.encode("utf-8"),
                       file_name=f"zoneplan-{name}-{ctx.zone}.html", mime="text/html",
                       key="export.html")
    try:
        exports = services.service("zoneplan.exports")
    except services.Unavailable:
        c2.caption(t("app.export.pending", lang))
        return
    c2.caption(str(exports))
