"""Couverture: reach on the map (circles for counts, a choropleth for rates), progress against
targets as a chart and a table with traffic lights.
"""

from __future__ import annotations

import streamlit as st

from geo.i18n import t
from geo.vocab import MEASURES
from zoneplan.context import Context
from zoneplan.ui import services, widgets


def render(ctx: Context) -> None:
    """Draw the coverage page."""
    lang = ctx.lang
    widgets.sample_loaded_notice(lang)
    if not services.has_records(ctx):  # a fresh store: the sample is one click away
        widgets.offer_sample(ctx, "coverage.sample", intro=t("app.coverage.empty", lang))
    measure = st.radio(
        t("app.coverage.measure", lang),
        MEASURES,
        horizontal=True,
        key="coverage.measure",
        format_func=lambda m: t(f"app.coverage.measure.{m}", lang),
    )
    widgets.show_view(ctx, "coverage", key="map.coverage", measure=measure)
    st.subheader(t("app.coverage.progress", lang))
    widgets.progress(services.progress(ctx), lang)
