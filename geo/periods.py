"""Periods a planner types (``2021``, ``2021-06``, ``2021-01-01/2021-06-30``) and the rows in them."""

from __future__ import annotations

import re

import pandas as pd

from geo.errors import InputError


def filter_period(frame: pd.DataFrame, period: str | None) -> pd.DataFrame:
    """Return the rows of ``frame`` whose ``date`` falls in ``period``.

    ``period`` is a year (``2021``), a month (``2021-06``) or ``START/END`` (ISO dates).
    """
    if not period or frame.empty or "date" not in frame.columns:
        return frame
    start, end = parse_period(period)
    dates = pd.to_datetime(frame["date"], errors="coerce")
    return frame[(dates >= start) & (dates <= end)]


def parse_period(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the first and last instants of ``period`` (``YYYY``, ``YYYY-MM`` or ``A/B``)."""
    text = str(period).strip()
    try:
        if "/" in text:
            a, b = text.split("/", 1)
            return pd.Timestamp(a), pd.Timestamp(b) + pd.Timedelta(days=1) - pd.Timedelta(1)
        if re.fullmatch(r"\d{4}", text):
            return pd.Timestamp(f"{text}-01-01"), pd.Timestamp(f"{text}-12-31 23:59:59")
        if re.fullmatch(r"\d{4}-\d{2}", text):
            start = pd.Timestamp(f"{text}-01")
            return start, start + pd.offsets.MonthEnd(0) + pd.Timedelta(hours=23, minutes=59)
    except ValueError:
        pass
    raise InputError(
        f"period {period!r} is not understood; expected YYYY, YYYY-MM or YYYY-MM-DD/YYYY-MM-DD"
    )
