"""Cached calls into the services the pages show: views, analyses, records, exports.

Each call is keyed on plain arguments (the store path and its modification time, the filters as
tuples), so a filter change reuses what was computed before and a write to the store is seen on
the next rerun. The services are imported when first used: a page whose service is not installed
says so instead of failing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import pandas as pd
import streamlit as st

from geo import settings
from zoneplan.ui.context import Ctx
from zoneplan.ui.loaders import store_key


class Unavailable(RuntimeError):
    """A service module the page needs is not installed in this checkout."""


def service(module: str) -> ModuleType:
    """Return the service ``module``; raise :class:`Unavailable` if it is not there."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            raise Unavailable(module) from None
        raise


def _freeze(options: dict[str, object]) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))


def _thaw(frozen: tuple) -> dict[str, object]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in frozen}


@st.cache_resource(show_spinner=False, max_entries=48)
def _view(name: str, zone: str | None, store_path: str, mtime: float, lang: str, audience: str,
          period: str | None, frozen: tuple):
    from geo.store import Store

    views = service("zoneplan.views")
    return views.build_view(name, zone=zone, store=Store(store_path), lang=lang,
                            audience=audience, period=period, **_thaw(frozen))


def view(ctx: Ctx, name: str, **extra: object):
    """Return the ``View`` called ``name`` for the page's filters (cached)."""
    path, mtime = store_key(ctx.store)
    options = {**ctx.view_filters(name), **extra}
    return _view(name, ctx.zone, path, mtime, ctx.lang, ctx.audience, ctx.period,
                 _freeze(options))


@st.cache_resource(show_spinner=False, max_entries=48)
def _analyse(verb: str, zone: str | None, units: str, store_path: str, mtime: float,
             frozen: tuple):
    from geo.store import Store

    analysis = service("zoneplan.analysis")
    return analysis.analyse(verb, zone=zone, units=units, store=Store(store_path),
                            **_thaw(frozen))


def analyse(ctx: Ctx, verb: str, **options: object):
    """Return the ``AnalysisResult`` of ``verb`` for the page's zone and units (cached)."""
    path, mtime = store_key(ctx.store)
    options = {"lang": ctx.lang, "audience": ctx.audience, **options}
    return _analyse(verb, ctx.zone, ctx.units, path, mtime, _freeze(options))


@st.cache_data(show_spinner=False)
def programmes() -> pd.DataFrame:
    """Return the programmes (embedded ``data/programmes.csv``)."""
    return pd.read_csv(settings.DATA_DIR / "programmes.csv", dtype=str, keep_default_na=False)


@st.cache_data(show_spinner=False)
def indicators() -> pd.DataFrame:
    """Return the indicators and their targets (embedded ``data/indicators.csv``)."""
    return service("zoneplan.exports").read_indicators()


def is_sample(ctx: Ctx) -> bool:
    """Return whether the records in the store are the fictitious sample."""
    try:
        records = service("zoneplan.records")
    except Unavailable:
        return False
    return _is_sample(*store_key(ctx.store), records.is_sample)


@st.cache_data(show_spinner=False, max_entries=8)
def _is_sample(store_path: str, mtime: float, _check) -> bool:
    from geo.store import Store

    store = Store(store_path)
    return bool(store.exists() and _check(store))


def progress(ctx: Ctx) -> pd.DataFrame | None:
    """Return progress against targets for the programme (and indicator) of the filters.

    The Records service computes achievement and its traffic-light ``status``; this only picks
    the rows of the selected programme and indicator. ``None`` if the service is missing.
    """
    try:
        service("zoneplan.records")
    except Unavailable:
        return None
    table = _progress(*store_key(ctx.store))
    if ctx.programme and "programme_id" in table:
        table = table[table["programme_id"] == ctx.programme]
    if ctx.indicator and "indicator_id" in table:
        table = table[table["indicator_id"] == ctx.indicator]
    return table.reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=16)
def _progress(store_path: str, mtime: float) -> pd.DataFrame:
    from geo.store import Store

    return service("zoneplan.records").indicators(Store(store_path))
