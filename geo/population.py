"""Child population per planning unit: read a table and join it to units by id or name.

The table needs a child-population column and either a unit id (admin unit id such as a HASC or
P-code, or an H3 cell id) or a unit name. Names are compared loosely (accents, case, hyphens).
The table is read like any partner's file (:func:`geo.readers.read_records`: encodings, UTF-16,
workbook sheets) and counts like any head count (``1.200`` is twelve hundred). Every row is matched
or rejected with its reason (not a count, no unit, a unit given twice...): rows read = matched +
rejected, never dropped silently.
"""

from __future__ import annotations

from pathlib import Path

import h3
import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.i18n import t
from geo.names import fold_name
from geo.readers import LINE_COL, read_records
from geo.values import parse_count

ID_COLS: tuple[str, ...] = ("unit_id", "id", "code", "pcode", "hasc", "h3", "adm_pcode")
NAME_COLS: tuple[str, ...] = ("name", "nom", "unit", "commune", "cercle", "region", "région")
CHILDREN_COLS: tuple[str, ...] = (
    "children",
    "enfants",
    "pop_0_17",
    "population_0_17",
    "under18",
    "moins_18",
    "pop_enfants",
)
REPORT_COLUMNS: tuple[str, ...] = ("line", "status", "reason", "unit_id", "method")


def read_table(
    path: str | Path, *, sheet: str | None = None, lang: str = settings.DEFAULT_LANGUAGE
) -> pd.DataFrame:
    """Read a CSV, XLSX or GeoJSON population table as text columns (plus ``_line``).

    A workbook's sheets holding data are all read unless ``sheet`` names one (see
    :func:`geo.readers.read_records`).
    """
    return read_records(path, sheet=sheet, lang=lang)


def parse_children(text: object) -> tuple[float, str | None]:
    """Return ``(count, problem)`` for a child population cell: ``problem`` is None when read.

    Counts are read as every head count is (:func:`geo.values.parse_count`): thousand separators
    are read as such (``1.200``, ``1,200``, ``1 200`` are 1200); a count that is not whole, negative
    or implausibly large is refused. ``problem`` is ``"empty"``, ``"not_number"``, ``"negative"``,
    ``"not_whole"`` or ``"too_large"``.
    """
    raw = _cell(text)
    if not raw:
        return np.nan, "empty"
    value, problem = parse_count(raw)
    return (np.nan, problem) if problem else (float(value), None)


def _pick(
    columns: list[str],
    wanted: str | None,
    candidates: tuple[str, ...],
    what: str,
    source: str,
    required: bool,
    lang: str,
) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    found = ", ".join(map(str, columns))
    option = f"--{what}-col"
    if wanted:
        if wanted not in columns and wanted.lower() not in lower:
            raise InputError(
                t("population.given_missing", lang, col=wanted, option=option, found=found),
                source=source,
            )
        return wanted if wanted in columns else lower[wanted.lower()]
    for cand in candidates:
        if cand in lower:
            return lower[cand]
    if required:
        raise InputError(
            t(
                "population.no_column",
                lang,
                what=t(f"population.what.{what}", lang),
                candidates=", ".join(candidates),
                option=option,
                found=found,
            ),
            source=source,
        )
    return None


def join_population(
    table: pd.DataFrame,
    units: pd.DataFrame,
    *,
    id_col: str | None = None,
    name_col: str | None = None,
    children_col: str | None = None,
    level: int | None = None,
    source: str = "population",
    lang: str = settings.DEFAULT_LANGUAGE,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match a population table to units; return ``(population, report)``.

    Parameters
    ----------
    table
        The raw table (text columns; ``_line`` gives each row's line in the file, else row + 2).
    units
        Installed admin units (``unit_id``, ``name``, ``level``); H3 cell ids match without them.
    id_col, name_col, children_col
        Column names; found among the usual names when not given.
    level
        Match only admin units of this level (a région and a cercle may share a name).
    lang
        Language of the messages and reasons.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``population`` (``unit_id``, ``name``, ``level``, ``children``; one row per unit) and
        ``report`` (one row per input row: ``line``, ``status`` matched/rejected, ``reason``,
        ``unit_id``, ``method``). A unit given twice keeps its first row; the others are rejected.
    """
    cols = [c for c in table.columns if not str(c).startswith("_")]
    kids_col = _pick(cols, children_col, CHILDREN_COLS, "children", source, True, lang)
    idc = _pick(cols, id_col, ID_COLS, "id", source, False, lang)
    namec = _pick(cols, name_col, NAME_COLS, "name", source, False, lang)
    if idc is None and namec is None:
        raise InputError(
            t(
                "population.no_unit_column",
                lang,
                candidates=", ".join(ID_COLS + NAME_COLS),
                found=", ".join(map(str, cols)),
            ),
            source=source,
        )
    if level is not None:
        units = units[units["level"] == int(level)]
    by_id = {
        str(u): (str(u), str(n), int(lv))
        for u, n, lv in zip(units["unit_id"], units["name"], units["level"], strict=True)
    }
    by_name: dict[str, list[tuple[str, str, int]]] = {}
    for uid, name, lv in by_id.values():
        by_name.setdefault(fold_name(name), []).append((uid, name, lv))
    lines = (
        table[LINE_COL].astype("int64").tolist()
        if LINE_COL in table.columns
        else list(range(2, len(table) + 2))
    )
    rows, report = [], []
    first_line: dict[str, int] = {}

    def reject(line: int, reason: str) -> None:
        report.append(
            {"line": line, "status": "rejected", "unit_id": None, "method": "", "reason": reason}
        )

    for line, rec in zip(lines, table.to_dict(orient="records"), strict=True):
        cell = rec.get(kids_col, "")
        value, problem = parse_children(cell)
        if problem:
            reject(line, t(f"population.reason.{problem}", lang, col=kids_col, value=str(cell).strip()))
            continue
        key = _cell(rec.get(idc)) if idc else ""
        name = _cell(rec.get(namec)) if namec else ""
        hit, method = None, ""
        if key and key in by_id:
            hit, method = by_id[key], "id"
        elif key and h3.is_valid_cell(key):
            hit, method = (key, key, -1), "h3"
        elif name:
            found = by_name.get(fold_name(name), [])
            if len(found) == 1:
                hit, method = found[0], "name"
            elif len(found) > 1:
                ids = ", ".join(f[0] for f in found)
                reject(line, t("population.reason.ambiguous", lang, name=name, ids=ids))
                continue
        if hit is None:
            if key or name:
                reject(line, t("population.reason.no_match", lang, what=key or name))
            else:
                reject(line, t("population.reason.no_unit", lang))
            continue
        if hit[0] in first_line:
            reject(line, t("population.reason.duplicate", lang, unit=hit[0], first=first_line[hit[0]]))
            continue
        first_line[hit[0]] = line
        rows.append({"unit_id": hit[0], "name": hit[1], "level": hit[2], "children": value})
        report.append(
            {"line": line, "status": "matched", "unit_id": hit[0], "method": method, "reason": ""}
        )
    pop = pd.DataFrame(rows, columns=["unit_id", "name", "level", "children"])
    pop = pop.astype({"unit_id": object, "name": object, "level": "int64", "children": "float64"})
    return pop, pd.DataFrame(report, columns=list(REPORT_COLUMNS))


def _cell(value: object) -> str:
    return "" if value is None or value != value else str(value).strip()
