"""Read partners' record files into tables of text, with file line numbers, in chunks.

Accepted: CSV (UTF-8 with or without BOM, UTF-16 or UTF-32 with a BOM, cp1252, latin-1, and files
mixing UTF-8 and cp1252 lines; comma, semicolon or tab), XLSX (:mod:`geo.workbook`), GeoJSON,
GeoPackage, and KoboToolbox exports (XLSX or CSV with ``_geolocation`` or ``_<field>_latitude`` /
``_<field>_longitude`` columns). What a file holds is read from its bytes, not its name: a
workbook named ``.csv`` is read as the workbook it is; a text named ``.xlsx`` or ``.xls`` (often a
web page a tool exported) is refused saying so, as are PDF, Word, OpenDocument, old Excel, images,
archives and other binary files, each in one line naming what was found.

:func:`open_records` checks the file and its header and returns a :class:`RecordFile` whose
:meth:`~RecordFile.chunks` yield the records a block at a time, so a million-row file is never
held whole. Every cell comes back as text exactly as typed (nothing is parsed here), plus
``_line`` (the line or sheet row of each record), ``_sheet`` for workbooks, ``_issues`` (what the
reader itself found wrong with a row, as :class:`~geo.reasons.Reason` s) and, for geodata and Kobo
exports, ``_lat`` / ``_lon``.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.errors import InputError
from geo.i18n import t
from geo.reasons import reason
from geo.recordfile import (
    CHUNK_ROWS,
    ISSUES_COL,
    LAT_COL,
    LINE_COL,
    LON_COL,
    SHEET_COL,
    ReadAgain,
    RecordFile,
    first_line,
    text_cells,
)
from geo.textfile import decode, open_text, sniff_delimiter

# Re-exported: what the other readers (gazetteer, population) and the importer use.
__all__ = [
    "CHUNK_ROWS",
    "ISSUES_COL",
    "LAT_COL",
    "LINE_COL",
    "LON_COL",
    "SHEET_COL",
    "ReadAgain",
    "RecordFile",
    "decode",
    "open_records",
    "read_records",
    "sniff_delimiter",
]

_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_GEO_SUFFIXES = {".geojson", ".json", ".gpkg"}


def open_records(
    path: str | Path,
    *,
    max_mb: float = settings.RECORDS_MAX_FILE_MB,
    sheet: str | None = None,
    lang: str = settings.DEFAULT_LANGUAGE,
) -> RecordFile:
    """Check ``path`` and its header; return it ready to be read in chunks.

    Parameters
    ----------
    path
        A CSV, XLSX, GeoJSON or GeoPackage file (or a KoboToolbox export in one of these).
    max_mb
        Files larger than this are refused before being read.
    sheet
        The workbook sheet to read (every sheet holding records when ``None``).
    lang
        The language of the refusals.

    Raises
    ------
    InputError
        For a missing, empty, binary, oversized or unreadable file, a file whose content does not
        match its name, a workbook whose sheets differ (naming them), or one with a header only.
    """
    path = Path(path)
    src = path.name
    if not path.exists():
        raise InputError(t("records.file.not_found", lang), source=str(path))
    if path.is_dir():
        raise InputError(t("records.file.folder", lang), source=src)
    size = path.stat().st_size
    if size == 0:
        raise InputError(t("records.file.empty", lang), source=src)
    if size > max_mb * 1024 * 1024:
        raise InputError(
            t("records.file.too_big", lang, size=_mb(size / 1024 / 1024, lang), limit=_mb(max_mb, lang)),
            source=src,
        )
    with open(path, "rb") as fh:
        head = fh.read(4096)
    content = _content(path, head)
    suffix = path.suffix.lower()
    if content == "xlsx":
        from geo.workbook import open_workbook

        return open_workbook(path, sheet=sheet, lang=lang)
    if content == "ole":
        raise InputError(t("records.file.old_excel", lang), source=src)
    if suffix in _EXCEL_SUFFIXES | {".xls"}:
        raise InputError(
            t(
                "records.file.wrong_content",
                lang,
                ext=suffix,
                content=t(f"records.content.{content}", lang),
            ),
            source=src,
        )
    if content not in ("text", "sqlite"):
        raise InputError(
            t("records.file.not_records", lang, content=t(f"records.content.{content}", lang)),
            source=src,
        )
    if content == "sqlite" or suffix in _GEO_SUFFIXES or head.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] == b"{":
        return _open_geo(path, content, lang)
    return open_text(path, lang=lang)


def read_records(
    path: str | Path,
    *,
    max_mb: float = settings.RECORDS_MAX_FILE_MB,
    sheet: str | None = None,
    lang: str = settings.DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """Return all the records of ``path`` in one table (see :func:`open_records`)."""
    source = open_records(path, max_mb=max_mb, sheet=sheet, lang=lang)
    try:
        frames = list(source.chunks())
    except ReadAgain:
        assert source.exact is not None
        source = source.exact()
        frames = list(source.chunks())
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame.attrs.update(source.attrs)
    return frame


def _content(path: Path, head: bytes) -> str:
    """Return what ``head`` (a file's first bytes) says the file is."""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError):  # a damaged workbook is refused as one
            return "xlsx" if path.suffix.lower() in _EXCEL_SUFFIXES else "zip"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "mimetype" in names and any(n.startswith("content.xml") for n in names):
            return "ods"
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.lower().endswith(".shp") for n in names):
            return "shapefile"
        return "zip"
    magic = {
        b"\xd0\xcf\x11\xe0": "ole",
        b"SQLite format 3\x00": "sqlite",
        b"%PDF": "pdf",
        b"\x89PNG": "image",
        b"\xff\xd8\xff": "image",
        b"GIF8": "image",
        b"\x1f\x8b": "gzip",
    }
    for prefix, kind in magic.items():
        if head.startswith(prefix):
            return kind
    return "text"


def _mb(value: float, lang: str) -> str:
    from geo.reasons import number

    return number(round(value, 1), lang)


# --- geodata ------------------------------------------------------------------------------------


def _open_geo(path: Path, content: str, lang: str) -> RecordFile:
    import geopandas as gpd

    src = path.name
    if content != "sqlite":
        decode(path.read_bytes()[:4096], src, lang)
    try:
        with warnings.catch_warnings():  # GDAL's notes (duplicate ids, JSON columns) are no news
            warnings.simplefilter("ignore")
            frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises driver-specific errors
        raise InputError(t("records.file.bad_geo", lang, detail=first_line(exc)), source=src) from None
    if frame.crs is None:
        raise InputError(t("records.file.geo_no_crs", lang), source=src)
    frame = frame.to_crs(settings.CRS)
    geom = frame.geometry
    present = geom.notna() & ~geom.is_empty
    kinds = geom[present].geom_type
    others = sorted(set(kinds) - {"Point"})
    if others and not (kinds == "Point").any():
        raise InputError(t("records.file.geo_not_points", lang, kinds=", ".join(others)), source=src)
    out = pd.DataFrame(
        {str(c): text_cells(frame[c]) for c in frame.columns if c != geom.name}, index=frame.index
    )
    points = present & (geom.geom_type == "Point")
    values = geom.to_numpy()
    out[LAT_COL] = np.where(points, shapely.get_y(values), np.nan)
    out[LON_COL] = np.where(points, shapely.get_x(values), np.nan)
    out[LINE_COL] = np.arange(1, len(out) + 1, dtype="int64")
    if others:
        issues = np.full(len(out), None, dtype=object)
        for i in np.flatnonzero((present & ~points).to_numpy()):
            issues[i] = (reason("geometry", found=str(geom.iloc[i].geom_type)),)
        out[ISSUES_COL] = issues
    out = out.reset_index(drop=True)
    columns = list(out.columns)
    attrs = {"format": "geo", "coordinates": (geom.name, geom.name)}

    def reader(rows: int) -> Iterator[pd.DataFrame]:
        for start in range(0, len(out), rows):
            yield out.iloc[start : start + rows]

    return RecordFile(src, columns, attrs, reader, progress=lambda: 1.0, lang=lang)
