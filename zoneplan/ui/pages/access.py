"""Centres et accès: centres, catchment bands, villages beyond reach and the access shares."""

from __future__ import annotations

import streamlit as st

from geo.i18n import t
from zoneplan.context import Context
from zoneplan.ui import widgets


def render(ctx: Context) -> None:
    """Draw the access page."""
    lang = ctx.lang
    if ctx.audience == "public":
        st.caption(t("centre.town_level", lang))
    widgets.show_view(ctx, "access", key="map.access")
    result = widgets.run_analysis(ctx, "access")
    if result is None:
        return
    widgets.metrics(result.summary, lang)
    st.subheader(t("app.access.villages", lang))
    widgets.table(result.points if result.points is not None else result.table, lang, key="access.table")
