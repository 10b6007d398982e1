"""Centres et accès: centres, catchment bands, villages beyond reach and the access shares."""

from __future__ import annotations

import streamlit as st

from geo.access import band_col
from geo.i18n import number, t
from zoneplan.context import Context
from zoneplan.ui import tables, widgets

#: The columns of the places table, after the place's name, commune and cercle ("{within}": the
#: number of centres within the access threshold).
PLACE_COLUMNS = ("dist_centre_km", "nearest_centre_town", "nearest_centre", "{within}", "kind")


def render(ctx: Context) -> None:
    """Draw the access page."""
    lang = ctx.lang
    if ctx.audience == "public":
        st.caption(t("centre.town_level", lang))
    widgets.show_view(ctx, "access", key="map.access")
    result = widgets.run_analysis(ctx, "access")
    if result is None:
        return
    summary = result.summary
    widgets.metrics(summary, lang)
    _within(summary, lang)
    st.subheader(t("app.access.villages", lang))
    places = result.points if result.points is not None else result.table
    if places is not None and "dist_centre_km" in places:
        places = places.sort_values("dist_centre_km", ascending=False, kind="stable")
    within = band_col(float(summary.get("access_km", 0) or 0))
    columns = [within if c == "{within}" else c for c in PLACE_COLUMNS]
    tables.show(places, lang, key="access.table", columns=columns)


def _within(summary: dict, lang: str) -> None:
    """Show the share of places within each distance band of a centre (one tile per band)."""
    bands = (summary.get("villages_access") or {}).get("within") or {}
    if not bands:
        return
    for col, (band, figures) in zip(st.columns(len(bands)), bands.items(), strict=True):
        km = number(band.removesuffix("km"), lang)
        share = figures.get("share")
        value = "" if share is None else number(share * 100, lang) + t("analyses.percent", lang)
        col.metric(
            widgets.label("villages_within", lang, km=km),
            value,
            help=t("app.access.within_help", lang, n=number(figures.get("count", 0), lang), km=km),
        )
