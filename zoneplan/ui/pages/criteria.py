"""Critères et lacunes: one layer per criterion, weights, "meets at least N", gaps, where next."""

from __future__ import annotations

import streamlit as st

from geo import settings
from geo.i18n import t
from geo.vocab import CRITERIA
from zoneplan.context import Context
from zoneplan.ui import widgets

#: The site-selection criteria, as named by the analyses.


def render(ctx: Context) -> None:
    """Draw the criteria and gaps page."""
    lang = ctx.lang
    cols = st.columns(len(CRITERIA) + 1)
    weights = {}
    for col, name in zip(cols, CRITERIA, strict=False):
        weights[name] = col.slider(
            t(f"app.criteria.{name}", lang), 0.0, 3.0, 1.0, 0.5, key=f"criteria.weight.{name}"
        )
    min_n = cols[-1].slider(
        t("app.criteria.min_n", lang), 1, len(CRITERIA), settings.MIN_CRITERIA, key="criteria.min_n"
    )
    show = st.radio(
        t("app.criteria.show", lang),
        ("criteria", "gaps"),
        horizontal=True,
        key="criteria.show",
        format_func=lambda v: t(f"app.criteria.show.{v}", lang),
    )
    with_next = st.toggle(
        t("app.criteria.with_next", lang),
        key="criteria.with_next",
        help=t("app.criteria.with_next_help", lang),
    )
    options = {"weights": weights, "min_criteria": min_n}
    widgets.show_view(ctx, show, key=f"map.{show}", with_next=with_next, **options)
    left, right = st.columns(2)
    with left:
        st.subheader(t("app.criteria.gaps", lang))
        gaps = widgets.run_analysis(ctx, "gaps", **options)
        widgets.table(None if gaps is None else gaps.table, lang, key="gaps.table")
    with right:
        st.subheader(t("app.criteria.next", lang))
        if not with_next:
            st.caption(t("app.criteria.with_next_help", lang))
            return
        nxt = widgets.run_analysis(ctx, "next", **options)
        widgets.table(None if nxt is None else nxt.table, lang, key="next.table")
