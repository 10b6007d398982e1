"""Read the values partners type: dates, head counts and coordinates, as written in Mali's files.

Each parser takes the text of one cell and returns the value, or ``None`` / a problem code: it
never guesses. A count written with thousand separators (``1 200``, ``1.200``, ``1,200``) is read
as twelve hundred, since a head count cannot be 1.2; a decimal one (``1,5``) is not a whole number
and is refused. Dates before :data:`EARLIEST_DATE` or after today are out of range.
:func:`check_coordinates` keeps the points that fall in Mali and says why the others do not
(text, half a pair, a swapped pair, a point elsewhere).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from geo import settings
from geo.names import fold_name
from geo.reasons import Reason, reason

#: The first day a record may be dated (the programmes' records start after it).
EARLIEST_DATE = pd.Timestamp("2000-01-01")
#: A head count above this is refused as implausible (Mali has about 23 million people).
MAX_COUNT = 25_000_000

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_MONTH_NAMES = (
    "janv janvier jan january",
    "fev fevr fevrier feb february",
    "mars mar march",
    "avr avril apr april",
    "mai may",
    "juin jun june",
    "juil juillet jul july",
    "aout aou aug august",
    "sept sep septembre september",
    "oct octobre october",
    "nov novembre november",
    "dec decembre december",
)
_MONTHS = {name: i + 1 for i, names in enumerate(_MONTH_NAMES) for name in names.split()}


def parse_date(text: object) -> pd.Timestamp | None:
    """Return the date written as dd/mm/yyyy, ISO, an Excel serial number or a month name."""
    return _parse_date(str(text))


@functools.lru_cache(maxsize=4096)  # a file read in chunks repeats its dates from chunk to chunk
def _parse_date(text: str) -> pd.Timestamp | None:
    value = text.strip()
    if not value:
        return None
    m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})", value)
    if m:
        d, mo, y = (int(g) for g in m.groups())
        y = y + 2000 if y < 100 else y
        return _safe(y, mo, d)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+\-]\d\d:?\d\d)?)?", value)
    if m:
        return _safe(*(int(g) for g in m.groups()))
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})", value)
    if m:
        return _safe(int(m.group(1)), int(m.group(2)), 1)
    m = re.fullmatch(r"(\d{1,2})/(\d{4})", value)
    if m:
        return _safe(int(m.group(2)), int(m.group(1)), 1)
    if re.fullmatch(r"\d{5}(\.0+)?", value):
        serial = int(float(value))
        if 20000 <= serial <= 80000:  # 1954..2119
            return _EXCEL_EPOCH + pd.Timedelta(days=serial)
        return None
    folded = fold_name(value, strip_prefix=False)
    m = re.fullmatch(r"(?:(\d{1,2})\s+)?([a-z]+)\s*(\d{4})", folded)
    if m and m.group(2) in _MONTHS:
        return _safe(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1) or 1))
    return None


def _safe(y: int, m: int, d: int) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(year=y, month=m, day=d)
    except (ValueError, OverflowError):
        return None


def date_problem(date: pd.Timestamp, today: dt.date | None = None) -> str | None:
    """Return ``"too_old"`` (before :data:`EARLIEST_DATE`), ``"future"`` (after today) or ``None``."""
    if date < EARLIEST_DATE:
        return "too_old"
    if date.date() > (today or dt.date.today()):
        return "future"
    return None


# Spaces a spreadsheet puts between thousands: space, no-break space, narrow no-break space, and
# the apostrophe of Swiss-style numbers.
_SPACES = " \u00a0\u202f\u2009'"
_GROUPED = {
    sep: re.compile(rf"[1-9]\d{{0,2}}(?:{re.escape(sep)}\d{{3}})+") for sep in (*_SPACES, ".", ",")
}
_PLAIN = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d{1,3})?")


def parse_count(text: object) -> tuple[float, str | None]:
    """Return ``(value, problem)``: a head count, or NaN and why the text is not one.

    Problems: ``"not_number"``, ``"negative"``, ``"not_whole"``, ``"too_large"``. Thousand
    separators are read (``1 200``, ``1.200``, ``1,200``, ``1.234.567``); a decimal comma or point
    makes a number that is not whole (``1,5``); ``1.234,0`` and ``1,234.0`` are 1234.
    """
    value = str(text).strip()
    if not value:
        return np.nan, None
    number = _grouped(value)
    if number is None:
        number = parse_number(value)
    if number is None:
        return np.nan, "not_number"
    if number < 0:
        return np.nan, "negative"
    if not float(number).is_integer():
        return np.nan, "not_whole"
    if number > MAX_COUNT:
        return np.nan, "too_large"
    return float(number), None


def _grouped(value: str) -> float | None:
    """Return ``value`` read with thousand separators, or ``None`` when it has none."""
    body, sign = (value[1:], -1.0) if value[:1] in "+-" else (value, 1.0)
    for sep, pattern in _GROUPED.items():
        if pattern.fullmatch(body):
            return sign * float(body.replace(sep, ""))
    # 1.234,5 and 1,234.5: the last mark is the decimal one, the other groups thousands.
    m = re.fullmatch(r"([1-9]\d{0,2}(?:([.,' \u00a0\u202f])\d{3})+)([.,])(\d+)", body)
    if m and m.group(2) != m.group(3):
        whole = m.group(1).replace(m.group(2), "")
        return sign * float(f"{whole}.{m.group(4)}")
    return None


def parse_number(text: object) -> float | None:
    """Return ``text`` as a number, accepting a decimal comma (``11,8``); ``None`` if it is not."""
    value = str(text).strip()
    if not value or not _PLAIN.fullmatch(value):
        return None
    number = float(value.replace(",", "."))
    return number if np.isfinite(number) else None


def check_coordinates(
    lat_cells: pd.Series, lon_cells: pd.Series, lat_col: str, lon_col: str
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, Callable[[int], Reason]]]]:
    """Return latitudes and longitudes inside Mali (NaN elsewhere) and the problems of the rest.

    Problems are ``(rows, reason of row i)``: text that is not a number, a pair given by half,
    a swapped pair, a point outside Mali (the columns and bounds named).
    """
    problems: list = []
    lat, lat_text = _coordinate(lat_cells)
    lon, lon_text = _coordinate(lon_cells)
    lat_given, lon_given = lat_text != "", lon_text != ""
    cols = {"lat_column": lat_col, "lon_column": lon_col}
    not_numbers = lat_given & np.isnan(lat) | lon_given & np.isnan(lon)
    problems.append(
        (
            np.flatnonzero(not_numbers),
            lambda i: reason("coords_not_numbers", **cols, lat=lat_text[i], lon=lon_text[i]),
        )
    )
    half = ~not_numbers & (lat_given != lon_given)
    problems.append(
        (
            np.flatnonzero(half),
            lambda i: reason(
                "coords_half",
                given=lat_col if lat_given[i] else lon_col,
                missing=lon_col if lat_given[i] else lat_col,
            ),
        )
    )
    given = ~np.isnan(lat) & ~np.isnan(lon)
    minx, miny, maxx, maxy = settings.MALI_BBOX
    bounds = {"min_lat": miny, "max_lat": maxy, "min_lon": minx, "max_lon": maxx}
    inside = given & (lat >= miny) & (lat <= maxy) & (lon >= minx) & (lon <= maxx)
    swapped = given & ~inside & (lon >= miny) & (lon <= maxy) & (lat >= minx) & (lat <= maxx)
    problems.append(
        (
            np.flatnonzero(swapped),
            lambda i: reason("coords_swapped", **cols, **bounds, lat=lat[i], lon=lon[i]),
        )
    )
    problems.append(
        (
            np.flatnonzero(given & ~inside & ~swapped),
            lambda i: reason("coords_outside", **cols, **bounds, lat=lat[i], lon=lon[i]),
        )
    )
    return np.where(inside, lat, np.nan), np.where(inside, lon, np.nan), problems


def _coordinate(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return a coordinate column as floats (NaN where empty or not a number) and as text."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        text = np.where(np.isnan(values), "", values.astype(str)).astype(object)
        return values, text
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    texts = list(uniques)
    stripped = [str(v).strip() for v in texts]
    values = np.array([parse_number(v) if v else None for v in stripped], dtype=float)
    text = np.array(stripped, dtype=object)
    if not len(values):
        return np.zeros(0), np.zeros(0, dtype=object)
    return values[codes], text[codes]
