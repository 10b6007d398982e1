"""Couverture: reach per unit on the map, progress against targets as a chart and a table."""

from __future__ import annotations

import streamlit as st

from geo.i18n import t
from zoneplan.ui import services, widgets
from zoneplan.ui.context import Ctx


def render(ctx: Ctx) -> None:
    """Draw the coverage page."""
    lang = ctx.lang
    widgets.show_view(ctx, "coverage", key="map.coverage")
    st.subheader(t("app.coverage.progress", lang))
    progress = services.progress(ctx)
    if progress is None:
        st.caption(t("app.analysis_pending", lang))
        return
    widgets.progress(progress, lang)
