"""Cached calls into the services the pages show: views, their maps, analyses, records, indicators.

Each call is keyed on plain arguments (the store's path and data version, the filters as tuples),
so a filter change reuses what was computed before, every session of the server shares it, and a
write to the store is seen on the next rerun. A view's map is rendered once (:func:`view_frame`):
a rerun that leaves the view as it was sends the browser the same map.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.indicators import read_programmes
from geo.store import Store
from geo.vocab import ANALYSIS_VIEWS, Tables
from zoneplan import maps as zmaps
from zoneplan import progress as zprogress
from zoneplan import sample as zsample
from zoneplan.context import Context
from zoneplan.coverage_map import targets_table
from zoneplan.ui import mapframe
from zoneplan.ui.loaders import store_key

#: The analyses that read the records, so follow the sidebar's period (what was sensitised when).
PERIOD_VERBS: tuple[str, ...] = ("gaps",)
#: The analyses whose new criteria weights only re-combine the scores already computed.
REWEIGHABLE: tuple[str, ...] = ("criteria", "gaps")


def _freeze(options: dict[str, object]) -> tuple:
    return tuple(sorted((k, _frozen(v)) for k, v in options.items()))


def _frozen(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return ("__dict__", _freeze(value))
    return value


def _thaw(frozen: tuple) -> dict[str, object]:
    return {k: _thawed(v) for k, v in frozen}


def _thawed(value: object) -> object:
    if isinstance(value, tuple):
        if len(value) == 2 and value[0] == "__dict__":
            return _thaw(value[1])
        return [_thawed(v) for v in value]
    return value


@st.cache_resource(show_spinner=False, max_entries=48)
def _view(
    name: str,
    zone: str | None,
    store_path: str,
    version: str,
    lang: str,
    audience: str,
    k: int,
    period: str | None,
    frozen: tuple,
    _analysis=None,
    _next=None,
):
    # ``_analysis`` and ``_next`` are not hashed: they are the cached results of the same zone
    # and options (``frozen`` says whether the where-next sites are drawn).
    options = _thaw(frozen)
    options.pop("with_next", None)
    return zmaps.build_view(
        name,
        zone=zone,
        store=Store(store_path),
        lang=lang,
        audience=audience,
        k=k,
        period=period,
        analysis=_analysis,
        next_sites=_next,
        **options,
    )


def _view_call(ctx: Context, name: str, with_next: bool, extra: dict[str, object]):
    """Return the key of the view ``name`` (the arguments of ``_view``) and its given results."""
    path, version = store_key(ctx.store)
    options = {**ctx.view_filters(name), **extra}
    result, sites, period = None, None, ctx.period
    if name in ANALYSIS_VIEWS:
        result = analyse(ctx, name, **extra)
        period = period if name in PERIOD_VERBS else None
        if with_next:
            sites = analyse(ctx, "next", **extra).table
            options["with_next"] = True
    key = (name, ctx.zone, path, version, ctx.lang, ctx.audience, ctx.k, period, _freeze(options))
    return key, {"_analysis": result, "_next": sites}


@st.cache_resource(show_spinner=False, max_entries=48)
def _frame(key: tuple, tiles: bool, _given: dict):
    from geo.render_folium import to_folium

    view = _view(*key, **_given)
    return view, mapframe.render(mapframe.finish(to_folium(view), view.name, tiles=tiles))


def view_frame(ctx: Context, name: str, *, with_next: bool = False, **extra: object):
    """Return the ``View`` called ``name`` for the page's filters and its rendered map (cached).

    The analysis views reuse the page's cached ``AnalysisResult`` (:func:`analyse`), so the
    analysis runs once per zone and options. The period selects records: the coverage view's
    and the gaps' (what was sensitised in the period); the other analysis views are the same
    for every period. ``with_next`` draws the where-next sites (the cached ``next`` analysis).
    The map (:class:`zoneplan.ui.mapframe.MapFrame`) is rendered once per view and tiles choice,
    and shared by every session.
    """
    key, given = _view_call(ctx, name, with_next, extra)
    return _frame(key, bool(ctx.tiles), given)


@st.cache_resource(show_spinner=False, max_entries=48)
def _analyse(verb: str, zone: str | None, units: str, store_path: str, version: str, frozen: tuple):
    from zoneplan import analysis as zanalysis  # h3 and the engine: not on the first page

    return zanalysis.analyse(verb, zone=zone, units=units, store=Store(store_path), **_thaw(frozen))


@st.cache_resource(show_spinner=False, max_entries=48)
def _reweighed(
    verb: str, zone: str | None, units: str, store_path: str, version: str, frozen: tuple, weights: tuple
):
    from zoneplan import analysis as zanalysis

    base = _analyse(verb, zone, units, store_path, version, frozen)
    return zanalysis.reweigh(base, _thaw(weights))


def analyse(ctx: Context, verb: str, **options: object):
    """Return the ``AnalysisResult`` of ``verb`` for the page's zone and units (cached).

    The gaps take the sidebar's period: a place is a sensitisation gap when nothing was
    recorded there in that period. The criteria and the gaps are computed once with equal
    weights; other weights re-combine their scores (``zoneplan.analysis.reweigh``), they do not
    measure again.
    """
    path, version = store_key(ctx.store)
    options = {"lang": ctx.lang, "audience": ctx.audience, "k": ctx.k, **options}
    if verb in PERIOD_VERBS:
        options.setdefault("period", ctx.period)
    weights = options.pop("weights", None) if verb in REWEIGHABLE else None
    if isinstance(weights, dict):
        return _reweighed(verb, ctx.zone, ctx.units, path, version, _freeze(options), _freeze(weights))
    if weights is not None:  # a spelling ("border=2"): read by the analysis itself
        options["weights"] = weights
    return _analyse(verb, ctx.zone, ctx.units, path, version, _freeze(options))


@st.cache_resource(show_spinner=False)
def programmes() -> pd.DataFrame:
    """Return the programmes (embedded ``data/programmes.csv``); shared by sessions, read only.

    The small tables here are kept as one object for every session (``cache_resource``), not
    copied through pickle on every rerun as ``cache_data`` does; callers select, never modify.
    """
    return read_programmes()


@st.cache_resource(show_spinner=False)
def indicators() -> pd.DataFrame:
    """Return the indicators and their targets (embedded ``data/indicators.csv``)."""
    return targets_table()


def is_sample(ctx: Context) -> bool:
    """Return whether the records in the store are the fictitious sample."""
    return _is_sample(*store_key(ctx.store))


@st.cache_data(show_spinner=False, max_entries=8)
def _is_sample(store_path: str, version: str) -> bool:
    store = Store(store_path)
    return bool(store.exists() and zsample.is_sample(store))


def has_records(ctx: Context) -> bool:
    """Return whether any activity records were imported into the store (sample or real)."""
    return _has_records(*store_key(ctx.store))


@st.cache_data(show_spinner=False, max_entries=8)
def _has_records(store_path: str, version: str) -> bool:
    store = Store(store_path)
    return bool(store.exists() and store.has(Tables.ACTIVITIES))


def progress(ctx: Context) -> pd.DataFrame:
    """Return progress against targets for the programme (and indicator) of the filters.

    The progress service (:mod:`zoneplan.progress`) computes achievement and its traffic-light
    ``status``; this only picks the rows of the selected programme and indicator.
    """
    table = _progress(*store_key(ctx.store))
    if ctx.programme and "programme_id" in table:
        table = table[table["programme_id"] == ctx.programme]
    if ctx.indicator and "indicator_id" in table:
        table = table[table["indicator_id"] == ctx.indicator]
    return table.reset_index(drop=True)


@st.cache_resource(show_spinner=False, max_entries=16)
def _progress(store_path: str, version: str) -> pd.DataFrame:
    return zprogress.indicators(Store(store_path))
