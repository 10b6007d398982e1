"""Cached calls into the services the pages show: views, analyses, records, exports.

Each call is keyed on plain arguments (the store path and its modification time, the filters as
tuples), so a filter change reuses what was computed before and a write to the store is seen on
the next rerun. The services are imported when first used: a page whose service is not installed
says so instead of failing.
"""

from __future__ import annotations

import csv
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
    return _analyse(verb, ctx.zone, ctx.units, path, mtime, _freeze(options))


@st.cache_data(show_spinner=False)
def programmes() -> pd.DataFrame:
    """Return the programmes (embedded ``data/programmes.csv``)."""
    return pd.read_csv(settings.DATA_DIR / "programmes.csv", dtype=str, keep_default_na=False)


@st.cache_data(show_spinner=False)
def indicators() -> pd.DataFrame:
    """Return the indicators and their targets (embedded ``data/indicators.csv``)."""
    with open(settings.DATA_DIR / "indicators.csv", encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    frame = pd.DataFrame([_fit_row(r, len(header)) for r in rows if r], columns=header)
    frame["target"] = pd.to_numeric(frame["target"], errors="coerce")
    return frame


def _fit_row(row: list[str], width: int) -> list[str]:
    """Return ``row`` with unquoted commas in the two label columns joined back.

    A label with an unquoted comma splits into extra fields; the label columns are the 3rd and
    4th, so the fields between the first two and the last ``width - 4`` are the two labels, the
    French one ending where its parentheses balance.
    """
    if len(row) <= width:
        return row + [""] * (width - len(row))
    head, tail = row[:2], row[len(row) - (width - 4):]
    middle = row[2:len(row) - (width - 4)]
    for k in range(1, len(middle)):
        fr = ",".join(middle[:k])
        if fr.count("(") == fr.count(")"):
            return [*head, fr, ",".join(middle[k:]).strip(), *tail]
    return [*head, ",".join(middle[:-1]), middle[-1], *tail]


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
    """Return progress against targets for the filters, or ``None`` if no service provides it.

    The Records service computes achievement (``geo.indicators.achievement``) with its
    traffic-light ``status``; this only asks for it.
    """
    try:
        records = service("zoneplan.records")
    except Unavailable:
        return None
    fn = getattr(records, "progress", None)
    if fn is None:
        return None
    path, mtime = store_key(ctx.store)
    return _progress(path, mtime, ctx.programme, ctx.zone, ctx.period, ctx.indicator)


@st.cache_data(show_spinner=False, max_entries=32)
def _progress(store_path: str, mtime: float, programme: str | None, zone: str | None,
              period: str | None, indicator: str | None) -> pd.DataFrame:
    from geo.store import Store

    records = service("zoneplan.records")
    return records.progress(store=Store(store_path), programme=programme, zone=zone,
                            period=period, indicator=indicator)
