"""Read the records of an XLSX workbook: every sheet holding records, formulas as Excel computed them.

Every sheet with a header and at least one record is read, each row numbered by its sheet row and
named by its sheet (``_sheet``), when all those sheets have the same columns; otherwise the
workbook is refused with the list of its sheets and their columns, to choose one with ``sheet``
(``--sheet`` on the command line). KoboToolbox repeat-group sheets (``_parent_index``) hold no
records of their own and are listed as set aside. Formula cells are read as the value Excel saved
with them (``data_only``); a formula saved without one (a file written by a script and never opened
in a spreadsheet) rejects its row with that reason rather than reading it as empty.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.i18n import t
from geo.names import fold_name
from geo.reasons import one_line, reason
from geo.recordfile import (
    ISSUES_COL,
    LINE_COL,
    SHEET_COL,
    RecordFile,
    cell_text,
    first_line,
    kobo_names,
    kobo_plan,
    unique_names,
)

#: Columns KoboToolbox gives the rows of a repeat group (their records belong to another sheet).
KOBO_REPEAT_COLUMNS = ("_parent_index", "_parent_table_name")


def open_workbook(
    path: Path, *, sheet: str | None = None, lang: str = settings.DEFAULT_LANGUAGE
) -> RecordFile:
    """Check a workbook's sheets and return its records ready to be read (see the module)."""
    import openpyxl

    src = path.name
    try:
        with open(path, "rb") as fh:  # a handle: openpyxl would refuse a workbook named .csv
            book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            names = list(book.sheetnames)
            sheets = {n: _sheet_head(book[n], lang) for n in names if hasattr(book[n], "iter_rows")}
            book.close()
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        raise InputError(t("records.file.bad_xlsx", lang, detail=first_line(exc)), source=src) from None
    if sheet is not None:
        if sheet not in sheets:
            raise InputError(
                t(
                    "records.file.unknown_sheet",
                    lang,
                    found=one_line(sheet),
                    sheets=_quoted(names, lang),
                ),
                source=src,
            )
        chosen = [sheet] if sheets[sheet] else []
        skipped: list[str] = []
    else:
        holding = [n for n, head in sheets.items() if head and head[2]]
        skipped = [n for n in holding if _is_kobo_repeat(sheets[n][1])]
        chosen = [n for n in holding if n not in skipped]
    if not chosen:
        raise InputError(t("records.file.no_sheet_data", lang, sheets=_quoted(names, lang)), source=src)
    header = sheets[chosen[0]][1]
    keys = {fold_name(h, strip_prefix=False) for h in header}
    differ = [n for n in chosen[1:] if {fold_name(h, strip_prefix=False) for h in sheets[n][1]} != keys]
    if differ:
        described = [
            t(
                "records.file.sheet_columns",
                lang,
                sheet=one_line(n),
                columns=", ".join(one_line(c) for c in sheets[n][1][:6]),
            )
            for n in chosen
        ]
        raise InputError(
            t("records.file.sheets_differ", lang, n=len(chosen), sheets="; ".join(described)), source=src
        )
    formulas = _has_formulas(path)
    total_rows = sum(sheets[n][3] for n in chosen) or 1
    done = [0]

    def reader(rows: int) -> Iterator[pd.DataFrame]:
        for name in chosen:
            head_row, cols = sheets[name][0], sheets[name][1]
            rename = {fold_name(h, strip_prefix=False): h for h in header}
            named = [rename[fold_name(h, strip_prefix=False)] for h in cols]
            for chunk in _sheet_chunks(path, name, head_row, named, rows, formulas, lang):
                done[0] += len(chunk)
                yield chunk

    kobo = kobo_plan(header)
    attrs = {
        "format": "xlsx",
        "sheets": chosen,
        "skipped_sheets": skipped,
        "kobo": kobo,
        "coordinates": kobo_names(kobo),
    }
    return RecordFile(
        src, header, attrs, reader, progress=lambda: min(done[0] / total_rows, 1.0), lang=lang
    )


def _sheet_head(ws, lang: str) -> tuple[int, list[str], bool, int] | None:
    """Return ``(header row, header, holds records, rows)`` of a sheet, ``None`` when it is empty."""
    rows = ws.iter_rows(min_row=1, values_only=True)
    for number, values in enumerate(rows, start=1):
        if _blank(values):
            continue
        cells = [cell_text(v).strip() for v in values]
        while cells and not cells[-1]:
            cells.pop()
        holds = any(not _blank(v) for v in islice(rows, 1000))
        return number, unique_names(cells, lang), holds, int(ws.max_row or 0)
    return None


def _is_kobo_repeat(header: list[str]) -> bool:
    return any(c in header for c in KOBO_REPEAT_COLUMNS)


def _blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _sheet_chunks(
    path: Path, name: str, head_row: int, header: list[str], rows: int, formulas: bool, lang: str
) -> Iterator[pd.DataFrame]:
    """Yield a sheet's records below its header, ``rows`` at a time."""
    import openpyxl

    handles = [open(path, "rb") for _ in range(2 if formulas else 1)]
    book = openpyxl.load_workbook(handles[0], read_only=True, data_only=True)
    values = book[name].iter_rows(min_row=head_row + 1, values_only=True)
    if formulas:
        raw = openpyxl.load_workbook(handles[1], read_only=True, data_only=False)
        written = raw[name].iter_rows(min_row=head_row + 1, values_only=True)
    else:
        raw, written = None, iter(())
    width = len(header)
    batch: list[list[str]] = []
    lines: list[int] = []
    issues: dict[int, tuple] = {}
    try:
        for number, cells in enumerate(values, start=head_row + 1):
            typed = next(written, ()) if formulas else ()
            if _blank(cells):
                continue
            cells = tuple(cells[:width]) + (None,) * (width - len(cells))
            missing = [
                header[j] for j, v in enumerate(typed[:width]) if cells[j] is None and _is_formula(v)
            ]
            if missing:
                issues[len(batch)] = tuple(reason("formula", column=c) for c in missing)
            batch.append([cell_text(v) for v in cells])
            lines.append(number)
            if len(batch) >= rows:
                yield _frame(batch, lines, issues, header, name)
                batch, lines, issues = [], [], {}
        if batch:
            yield _frame(batch, lines, issues, header, name)
    finally:
        book.close()
        if raw is not None:
            raw.close()
        for handle in handles:
            handle.close()


def _is_formula(value: object) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or type(value).__name__ in (
        "ArrayFormula",
        "DataTableFormula",
    )


def _frame(
    batch: list[list[str]], lines: list[int], issues: dict[int, tuple], header: list[str], sheet: str
) -> pd.DataFrame:
    columns = list(zip(*batch, strict=True))
    frame = pd.DataFrame({h: pd.array(c, dtype="str") for h, c in zip(header, columns, strict=True)})
    frame[LINE_COL] = np.asarray(lines, dtype="int64")
    frame[SHEET_COL] = pd.array([sheet] * len(batch), dtype="str")
    if issues:
        found = np.full(len(batch), None, dtype=object)
        for i, items in issues.items():
            found[i] = items
        frame[ISSUES_COL] = found
    return frame


def _has_formulas(path: Path) -> bool:
    """Return whether any sheet of the workbook holds a formula (``<f>`` elements)."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.filename.startswith("xl/worksheets/") or not info.filename.endswith(".xml"):
                continue
            tail = b""
            with zf.open(info) as fh:
                while block := fh.read(1 << 20):
                    text = tail + block
                    if b"<f>" in text or b"<f " in text or b"<x:f" in text:
                        return True
                    tail = text[-8:]
    return False


def _quoted(names: list[str], lang: str) -> str:
    return t("records.list_sep", lang).join(t("records.quoted", lang, text=one_line(n)) for n in names)
