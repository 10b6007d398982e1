"""Child population per planning unit: read a table and join it to units by id or name.

The table needs a child-population column and either a unit id (admin unit id such as a HASC or
P-code, or an H3 cell id) or a unit name. Names are compared loosely (accents, case, hyphens).
Rows that match no unit are reported with their reason, never dropped silently.
"""

from __future__ import annotations

from pathlib import Path

import h3
import pandas as pd

from geo.errors import InputError
from geo.names import fold_name

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


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Excel population table as text columns."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", source=str(path))
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            return pd.read_excel(path, dtype=str).fillna("")
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, sep=None, engine="python", encoding="utf-8-sig"
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(
            f"not a readable CSV or Excel table ({exc.__class__.__name__})", source=path.name
        ) from exc


def _pick(
    columns: list[str],
    wanted: str | None,
    candidates: tuple[str, ...],
    what: str,
    source: str,
    required: bool,
) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    if wanted:
        if wanted not in columns and wanted.lower() not in lower:
            raise InputError(
                f"no column {wanted!r} ({what}); columns found: {', '.join(map(str, columns))}",
                source=source,
            )
        return wanted if wanted in columns else lower[wanted.lower()]
    for cand in candidates:
        if cand in lower:
            return lower[cand]
    if required:
        raise InputError(
            f"no {what} column; expected one of {', '.join(candidates)} (or name "
            f"it with an option); columns found: {', '.join(map(str, columns))}",
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
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match a population table to units; return ``(population, report)``.

    Parameters
    ----------
    table
        The raw table (text columns).
    units
        Installed admin units (``unit_id``, ``name``, ``level``); H3 cell ids match without them.
    id_col, name_col, children_col
        Column names; found among the usual names when not given.
    level
        Match only admin units of this level (a région and a cercle may share a name).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``population`` (``unit_id``, ``name``, ``level``, ``children``; one row per unit, summed)
        and ``report`` (one row per input line: ``line``, ``status`` matched/rejected,
        ``reason``, ``unit_id``, ``method``).
    """
    cols = list(table.columns)
    kids_col = _pick(cols, children_col, CHILDREN_COLS, "child population", source, True)
    idc = _pick(cols, id_col, ID_COLS, "unit id", source, False)
    namec = _pick(cols, name_col, NAME_COLS, "unit name", source, False)
    if idc is None and namec is None:
        raise InputError(
            f"no unit id or name column; expected one of {', '.join(ID_COLS + NAME_COLS)}", source=source
        )
    if level is not None:
        units = units[units["level"] == int(level)]
    by_id = {
        str(u): (str(u), str(n), int(lv))
        for u, n, lv in zip(units["unit_id"], units["name"], units["level"], strict=True)
    }
    by_name: dict[str, list[tuple[str, str, int]]] = {}
    for uid, name, level in by_id.values():
        by_name.setdefault(fold_name(name), []).append((uid, name, level))
    rows, report = [], []
    for i, rec in enumerate(table.to_dict(orient="records")):
        line = i + 2
        raw = str(rec.get(kids_col, "")).strip().replace(" ", "").replace("\u202f", "")
        value = pd.to_numeric(raw.replace(",", "."), errors="coerce")
        if raw == "" or pd.isna(value) or value < 0:
            report.append(
                {
                    "line": line,
                    "status": "rejected",
                    "unit_id": None,
                    "method": "",
                    "reason": f"{kids_col} = {rec.get(kids_col)!r}, expected a count >= 0",
                }
            )
            continue
        key = str(rec.get(idc, "")).strip() if idc else ""
        hit, method = None, ""
        if key and key in by_id:
            hit, method = by_id[key], "id"
        elif key and h3.is_valid_cell(key):
            hit, method = (key, key, -1), "h3"
        elif namec and str(rec.get(namec, "")).strip():
            found = by_name.get(fold_name(rec[namec]), [])
            if len(found) == 1:
                hit, method = found[0], "name"
            elif len(found) > 1:
                report.append(
                    {
                        "line": line,
                        "status": "rejected",
                        "unit_id": None,
                        "method": "",
                        "reason": f"name {rec[namec]!r} is ambiguous "
                        f"({', '.join(f[0] for f in found)}); give the unit id",
                    }
                )
                continue
        if hit is None:
            what = key or str(rec.get(namec, "")) if namec else key
            report.append(
                {
                    "line": line,
                    "status": "rejected",
                    "unit_id": None,
                    "method": "",
                    "reason": f"{what!r} matches no installed unit",
                }
            )
            continue
        rows.append({"unit_id": hit[0], "name": hit[1], "level": hit[2], "children": float(value)})
        report.append(
            {"line": line, "status": "matched", "unit_id": hit[0], "method": method, "reason": ""}
        )
    pop = pd.DataFrame(rows, columns=["unit_id", "name", "level", "children"])
    pop = pop.groupby(["unit_id", "name", "level"], as_index=False)["children"].sum()
    return pop, pd.DataFrame(report, columns=["line", "status", "reason", "unit_id", "method"])
