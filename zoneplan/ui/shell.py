"""The app's frame: page setup, language, store, sidebar filters and the page switch.

Pages are chosen with a sidebar radio mirrored in the URL (``?page=access``), so a planner can
bookmark a page and a browser test can open one directly.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo import settings
from geo.i18n import t
from geo.store import Store
from geo.vocab import PLANNING_UNITS
from zoneplan.context import Context
from zoneplan.ui import loaders, services, tables
from zoneplan.ui.args import parse_args
from zoneplan.ui.pages import PAGES


def _lang(default: str) -> str:
    if "lang" not in st.session_state:
        st.session_state["lang"] = default
    return st.sidebar.radio(
        "Langue / Language",
        settings.LANGUAGES,
        key="lang",
        format_func=lambda c: {"fr": "Français", "en": "English"}[c],
        horizontal=True,
        on_change=relabel,
    )


def relabel() -> None:
    """After a change of language, send every choice its value again, to be labelled anew.

    The browser holds a radio's or a select box's choice as the label it showed: after a
    switch that label is no longer among the options, and the choice would show empty (or in
    the old language) and then fall back to the first option. Setting each choice's value
    (a code, independent of the language) again makes the app send it with its new label.
    Text and figures (sliders, boxes, typed text) do not depend on the language; the buttons'
    states cannot be set.
    """
    for key in list(st.session_state):
        if key == "lang" or key.startswith(("$$", "FormSubmitter")):
            continue
        value = st.session_state[key]
        is_codes = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
        if isinstance(value, str) or (is_codes and value):
            st.session_state[key] = value


def _page(lang: str) -> str:
    keys = list(PAGES)
    if "page" not in st.session_state:
        wanted = st.query_params.get("page")
        st.session_state["page"] = wanted if wanted in keys else keys[0]
    page = st.sidebar.radio(
        t("app.nav", lang), keys, key="page", format_func=lambda k: t(f"app.page.{k}", lang)
    )
    if st.query_params.get("page") != page:
        st.query_params["page"] = page
    return page


def _filters(store: Store, lang: str) -> Context:
    sb = st.sidebar
    sb.header(t("app.filters", lang))
    progs = services.programmes()
    name_col = "name_fr" if lang == "fr" else "name_en"
    prog_names = dict(zip(progs["programme_id"], progs[name_col], strict=True))
    programme = sb.selectbox(
        t("app.filter.programme", lang),
        list(prog_names),
        key="programme",
        format_func=lambda p: prog_names[p],
    )
    row = progs[progs["programme_id"] == programme].iloc[0]

    zones = loaders.load_layer("zones", *loaders.store_key(store))
    zname = "name_fr" if lang == "fr" else "name_en"
    in_prog = zones[
        (zones["programme_id"] == programme)
        | zones["programme_id"].isna()
        | (zones["programme_id"] == "")
    ]
    zone_names = dict(zip(in_prog["zone_id"], in_prog[zname], strict=True))
    zone = sb.selectbox(
        t("app.filter.zone", lang),
        list(zone_names),
        key=f"zone.{programme}",
        format_func=lambda z: zone_names.get(z, z),
    )

    start = dt.date.fromisoformat(row["start"])
    end = dt.date.fromisoformat(row["end"])
    period = sb.slider(
        t("app.filter.period", lang),
        min_value=start,
        max_value=end,
        value=(start, end),
        format="MM/YYYY",
        key=f"period.{programme}",
    )
    partners_all = [p.strip() for p in row["partners"].split(";") if p.strip()]
    partners = sb.multiselect(
        t("app.filter.partner", lang),
        partners_all,
        key=f"partner.{programme}",
        placeholder=t("app.all", lang),
    )
    inds = services.indicators()
    inds = inds[inds["programme_id"] == programme]
    types = sorted({a for a in inds.loc[inds["kind"] == "activity", "activity_type"] if a})
    activity = sb.selectbox(
        t("app.filter.activity_type", lang),
        ["", *types],
        key=f"activity.{programme}",
        format_func=lambda a: tables.activity_label(a, lang) if a else t("app.all", lang),
    )
    label_col = "label_fr" if lang == "fr" else "label_en"
    ind_labels = dict(zip(inds["indicator_id"], inds[label_col], strict=True))
    indicator = sb.selectbox(
        t("app.filter.indicator", lang),
        ["", *ind_labels],
        key=f"indicator.{programme}",
        format_func=lambda i: ind_labels.get(i, t("app.all", lang)),
    )
    units = sb.selectbox(
        t("app.filter.units", lang),
        PLANNING_UNITS,
        key="units",
        format_func=lambda u: t(f"app.units.{u.replace(':', '')}", lang),
    )
    internal = sb.checkbox(
        t("app.filter.internal", lang), key="internal", help=t("app.filter.internal_help", lang)
    )
    tiles = sb.checkbox(t("app.filter.tiles", lang), key="tiles", help=t("app.filter.tiles_help", lang))
    sb.checkbox(t("app.filter.ids", lang), key=tables.SHOW_IDS, help=t("app.filter.ids_help", lang))
    full_period = period[0] == start and period[1] == end
    return Context(
        store=store,
        lang=lang,
        audience="internal" if internal else "public",
        programme=programme,
        zone=zone,
        period=None if full_period else f"{period[0].isoformat()}/{period[1].isoformat()}",
        partners=tuple(partners),
        activity_type=activity or None,
        indicator=indicator or None,
        units=units,
        tiles=tiles,
    )


def main(argv: list[str]) -> None:
    """Run one pass of the app script."""
    args = parse_args(argv)
    st.set_page_config(page_title="zoneplan", layout="wide", initial_sidebar_state="expanded")
    lang = _lang(args.lang)
    page = _page(lang)
    store = Store(args.store)
    ctx = _filters(store, lang)
    st.title(t(f"app.page.{page}", lang))
    if services.is_sample(ctx):
        st.warning(t("sample.banner", lang), icon="⚠️")
    if ctx.audience == "internal":
        st.info(t("app.internal_banner", lang))
    PAGES[page](ctx)
