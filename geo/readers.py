"""Read partners' record files into one raw table of text, with file line numbers.

Accepted: CSV (UTF-8 with or without BOM, cp1252, latin-1; comma, semicolon or tab), XLSX,
GeoJSON, GeoPackage, and KoboToolbox exports (XLSX or CSV with ``_geolocation`` or
``_<field>_latitude`` / ``_<field>_longitude`` columns). Every cell comes back as text exactly as
typed (nothing is parsed here), plus ``_line`` (the line or sheet row of each record) and, for
geodata and Kobo exports, ``_lat`` / ``_lon``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError, require_file

LINE_COL = "_line"
LAT_COL = "_lat"
LON_COL = "_lon"

_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
_DELIMITERS = (";", ",", "\t")
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ""}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_GEO_SUFFIXES = {".geojson", ".json", ".gpkg"}


def read_records(path: str | Path, *, max_mb: float = settings.RECORDS_MAX_FILE_MB) -> pd.DataFrame:
    """Return the records of ``path`` as text columns plus ``_line`` (and ``_lat``/``_lon``).

    Parameters
    ----------
    path
        A CSV, XLSX, GeoJSON or GeoPackage file.
    max_mb
        Files larger than this are refused before being read.

    Raises
    ------
    InputError
        For a missing, empty, binary, oversized or unreadable file, or one with a header only.
    """
    path = Path(path)
    src = path.name
    size = require_file(
        path, "a CSV, XLSX, GeoJSON or GeoPackage file with a header line and at least one record"
    )
    if size > max_mb * 1024 * 1024:
        raise InputError(
            f"is {size / 1024 / 1024:.1f} MB; the limit is {max_mb:g} MB (split the "
            "file, or raise the limit with --max-mb)",
            source=src,
        )
    suffix = path.suffix.lower()
    if suffix in _EXCEL_SUFFIXES or (
        suffix not in _GEO_SUFFIXES and zipfile.is_zipfile(path) and _is_xlsx(path)
    ):
        frame = _read_excel(path)
    elif suffix in _GEO_SUFFIXES:
        frame = _read_geo(path)
    else:
        frame = _read_text(path)
    if frame.empty:
        raise InputError("has a header but no records; expected at least one row", source=src)
    return _kobo_coordinates(frame, src)


def _is_xlsx(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return any(n.startswith("xl/") for n in zf.namelist())


def decode(data: bytes, src: str) -> str:
    """Return ``data`` decoded as UTF-8 (BOM or not), else cp1252, else latin-1; refuse binary."""
    head = data[:8192]
    if b"\x00" in head or (head and sum(b < 9 or 13 < b < 32 for b in head) > len(head) * 0.05):
        raise InputError(
            "looks like a binary file, not text; expected a CSV, XLSX, GeoJSON or GeoPackage file",
            source=src,
        )
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("could not be decoded as UTF-8, cp1252 or latin-1", source=src)


def sniff_delimiter(header: str) -> str:
    """Return the delimiter (``;``, ``,`` or tab) used most often on the header line."""
    counts = {d: _count_outside_quotes(header, d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def _read_text(path: Path) -> pd.DataFrame:
    src = path.name
    text = decode(path.read_bytes(), src)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InputError("contains only blank lines; expected a header and records", source=src)
    delimiter = sniff_delimiter(lines[first])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    header: list[str] | None = None
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip() for cell in row]
                continue
            rows.append(row)
            line_numbers.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(f"is not a readable CSV ({exc})", source=src) from None
    assert header is not None
    header = _unique_names(header)
    width = len(header)
    fixed = [(r + [""] * width)[:width] for r in rows]
    extra = [i for i, r in enumerate(rows) if len(r) > width and any(c.strip() for c in r[width:])]
    frame = pd.DataFrame(fixed, columns=header, dtype=object)
    frame[LINE_COL] = np.asarray(line_numbers, dtype="int64")
    if extra:
        frame.attrs["overlong_lines"] = [line_numbers[i] for i in extra]
    frame.attrs["delimiter"] = delimiter
    return frame


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _read_excel(path: Path) -> pd.DataFrame:
    src = path.name
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, header=None, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        raise InputError(f"is not a readable XLSX workbook ({_first_line(exc)})", source=src) from None
    # Kobo exports put the records on the first sheet; repeat groups follow on other sheets.
    raw = next((s for s in sheets.values() if not s.dropna(how="all").empty), None)
    if raw is None:
        raise InputError("has no sheet with data; expected a header row and records", source=src)
    raw = raw.dropna(how="all")
    header = _unique_names([_cell_text(v).strip() for v in raw.iloc[0]])
    body = raw.iloc[1:]
    frame = pd.DataFrame(
        {h: body.iloc[:, j].map(_cell_text).to_numpy(dtype=object) for j, h in enumerate(header)}
    )
    frame[LINE_COL] = (body.index.to_numpy() + 1).astype("int64")
    return frame


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp) or hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_geo(path: Path) -> pd.DataFrame:
    src = path.name
    head = path.read_bytes()[:4096]
    if path.suffix.lower() != ".gpkg":
        decode(head, src)
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises driver-specific errors
        raise InputError(
            f"is not readable geodata ({_first_line(exc)}); expected GeoJSON or GeoPackage", source=src
        ) from None
    if frame.crs is None:
        raise InputError("has no CRS; expected EPSG:4326 or another declared CRS", source=src)
    frame = frame.to_crs(settings.CRS)
    geom = frame.geometry
    kinds = set(geom.dropna().geom_type)
    if kinds - {"Point"}:
        raise InputError(
            f"has {', '.join(sorted(kinds - {'Point'}))} geometries; expected "
            "points (one per record) or no geometry",
            source=src,
        )
    out = pd.DataFrame(
        {c: frame[c].map(_cell_text).astype(object) for c in frame.columns if c != geom.name}
    )
    present = geom.notna() & ~geom.is_empty
    out[LAT_COL] = np.where(present, geom.y.where(present), np.nan)
    out[LON_COL] = np.where(present, geom.x.where(present), np.nan)
    out[LINE_COL] = np.arange(1, len(out) + 1, dtype="int64")
    return out


_KOBO_PAIR = re.compile(r"^_(.+)_(latitude|longitude)$", re.IGNORECASE)


def _kobo_coordinates(frame: pd.DataFrame, src: str) -> pd.DataFrame:
    """Add ``_lat``/``_lon`` from KoboToolbox's ``_geolocation`` or ``_<f>_latitude`` columns."""
    if LAT_COL in frame.columns:
        return frame
    out = frame
    pairs: dict[str, dict[str, str]] = {}
    for col in frame.columns:
        m = _KOBO_PAIR.match(str(col))
        if m:
            pairs.setdefault(m.group(1), {})[m.group(2).lower()] = col
    pair = next((p for p in pairs.values() if {"latitude", "longitude"} <= set(p)), None)
    if pair is not None:
        out = frame.copy()
        out[LAT_COL] = frame[pair["latitude"]]
        out[LON_COL] = frame[pair["longitude"]]
    elif "_geolocation" in frame.columns:
        parts = (
            frame["_geolocation"].astype(str).str.extract(r"^\s*\[?\s*(-?[\d.]+)\s*[,; ]\s*(-?[\d.]+)")
        )
        out = frame.copy()
        out[LAT_COL] = parts[0].where(parts[0].notna(), "")
        out[LON_COL] = parts[1].where(parts[1].notna(), "")
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
