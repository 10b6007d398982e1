"""What every records reader returns: a :class:`RecordFile`, read in chunks of text columns.

The readers (:mod:`geo.textfile` for CSV, :mod:`geo.workbook` for XLSX, :mod:`geo.readers` for
geodata, behind :func:`geo.readers.open_records`) share the columns they add to a file's own
(``_line``, ``_sheet``, ``_issues``, ``_lat``/``_lon``), the way a cell becomes text, and
KoboToolbox's coordinate columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.i18n import t

LINE_COL = "_line"
LAT_COL = "_lat"
LON_COL = "_lon"
SHEET_COL = "_sheet"
ISSUES_COL = "_issues"
#: Records per chunk: small enough to bound memory, large enough for vectorised checks.
CHUNK_ROWS = 10_000


class ReadAgain(Exception):  # noqa: N818 - a signal, not an error
    """The fast CSV path met a row it cannot number exactly: read the file again, row by row."""


@dataclass
class RecordFile:
    """A partner's file, checked and ready to read: its columns and its records, in chunks."""

    name: str
    columns: list[str]
    attrs: dict = field(default_factory=dict)
    reader: Callable[[int], Iterator[pd.DataFrame]] | None = field(default=None, repr=False)
    progress: Callable[[], float] = field(default=lambda: 0.0, repr=False)
    exact: Callable[[], RecordFile] | None = field(default=None, repr=False)
    lang: str = settings.DEFAULT_LANGUAGE

    def chunks(self, rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
        """Yield the records, ``rows`` at a time; refuse a file that turns out to hold none."""
        assert self.reader is not None
        seen = 0
        for chunk in self.reader(rows):
            if len(chunk):
                seen += len(chunk)
                yield kobo_coordinates(chunk, self.attrs.get("kobo"))
        if not seen:
            raise InputError(t("records.file.header_only", self.lang), source=self.name)


def unique_names(names: list[str], lang: str = settings.DEFAULT_LANGUAGE) -> list[str]:
    """Return header cells stripped, blank ones named after their position, repeats numbered."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = str(name).strip().lstrip("\ufeff") or t("records.file.unnamed_column", lang, n=i + 1)
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def text_cells(series: pd.Series) -> pd.Series:
    """Return the cells of ``series`` as text as a person typed them (``""`` where empty)."""
    return pd.Series(
        [cell_text(v) for v in series.to_numpy(dtype=object)], index=series.index, dtype="str"
    )


def cell_text(value: object) -> str:
    """Return one cell (of a workbook or geodata) as text: whole floats without ``.0``, dates ISO."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


# --- Kobo ---------------------------------------------------------------------------------------

_KOBO_PAIR = re.compile(r"^_(.+)_(latitude|longitude)$", re.IGNORECASE)


def kobo_plan(columns: list[str]) -> tuple[str, ...] | None:
    """Return where KoboToolbox put the coordinates: a latitude/longitude pair or a geopoint."""
    if LAT_COL in columns:
        return None
    pairs: dict[str, dict[str, str]] = {}
    for col in columns:
        m = _KOBO_PAIR.match(str(col))
        if m:
            pairs.setdefault(m.group(1), {})[m.group(2).lower()] = col
    pair = next((p for p in pairs.values() if {"latitude", "longitude"} <= set(p)), None)
    if pair is not None:
        return ("pair", pair["latitude"], pair["longitude"])
    if "_geolocation" in columns:
        return ("geolocation", "_geolocation")
    return None


def kobo_names(plan: tuple[str, ...] | None) -> tuple[str, str] | None:
    if plan is None:
        return None
    return (plan[1], plan[2]) if plan[0] == "pair" else (plan[1], plan[1])


def kobo_coordinates(frame: pd.DataFrame, plan: tuple[str, ...] | None) -> pd.DataFrame:
    """Add ``_lat``/``_lon`` from KoboToolbox's ``_geolocation`` or ``_<f>_latitude`` columns."""
    if plan is None:
        return frame
    out = frame.copy()
    if plan[0] == "pair":
        out[LAT_COL], out[LON_COL] = frame[plan[1]], frame[plan[2]]
    else:
        parts = frame[plan[1]].astype(str).str.extract(r"^\s*\[?\s*(-?[\d.]+)\s*[,; ]\s*(-?[\d.]+)")
        out[LAT_COL] = parts[0].fillna("").astype("str")
        out[LON_COL] = parts[1].fillna("").astype("str")
    return out


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
