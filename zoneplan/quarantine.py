"""The quarantine: rejected record rows kept in the store with their line and reason.

An activity row keeps its cells as read. A case row keeps nothing below the commune: its
commune-level fields and counts only, and a reason that names no village, code, coordinates or
observation (:func:`case_reasons`: reasons about a place or coordinates become generic ones).
:func:`scrub_case_quarantine` rewrites the case rows an older version quarantined with their
village, coordinates or observations, then compacts the store so that the old bytes are gone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from geo import settings
from geo.readers import LINE_COL, SHEET_COL
from geo.reasons import Reason, reason
from geo.reasons import say as say_reasons
from geo.store import Store
from geo.validate import COUNT_FIELDS, TEXT_FIELDS, map_headers
from geo.vocab import Tables

QUARANTINE_COLUMNS: tuple[str, ...] = (
    "source_file",
    "kind",
    "line",
    "reason",
    "raw",
    "import_id",
    "imported_at",
    "sheet",
)
#: What a rejected case row keeps in the quarantine: commune level or coarser, counts, no text.
CASE_QUARANTINE_FIELDS: tuple[str, ...] = (
    "date",
    "programme_id",
    "partner",
    "case_type",
    "commune",
    "cercle",
    "region",
    "age_group",
    "girls",
    "boys",
    "children",
    "total",
)
assert set(CASE_QUARANTINE_FIELDS) <= {"date", *TEXT_FIELDS, *COUNT_FIELDS}
#: Case row fields never stored, nor quoted in a stored reason.
CASE_HIDDEN_FIELDS: tuple[str, ...] = ("place", "place_code", "record_ref", "notes", "lat", "lon")
#: Reasons about a row's place at commune level or coarser (a case row may keep them).
_AREA_REASONS = {
    "match_commune_unknown",
    "match_nothing",
    "match_no_unit_commune",
    "match_no_unit_cercle",
    "match_no_unit_region",
}
_COORDINATE_REASONS = {"match_no_place_near"}


def case_reasons(reasons: tuple[Reason, ...], hidden: list[str]) -> list[Reason]:
    """Return a case row's reasons with those about (or quoting) its place made generic."""
    secrets = [str(h).strip() for h in hidden if isinstance(h, str) and len(h.strip()) >= 3]
    out: list[Reason] = []
    for item in reasons:
        if item.key.startswith("coords_") or item.key in _COORDINATE_REASONS:
            item = reason("case_coordinates")
        elif item.key.startswith("match_") and item.key not in _AREA_REASONS:
            item = reason("case_place")
        elif any(s in str(v) for v in item.values.values() for s in secrets):
            item = reason("case_place")
        if item not in out:
            out.append(item)
    return out


def quarantine_rows(
    raw: pd.DataFrame,
    canon: pd.DataFrame,
    reasons: np.ndarray,
    rejected: np.ndarray,
    *,
    src: str,
    kind: str,
    import_id: str,
    now: str,
    lang: str,
    say: Callable[[tuple[Reason, ...]], str] | None = None,
) -> pd.DataFrame:
    """Return the quarantine rows of a chunk's rejected rows (see the module for what they keep).

    ``say`` words a row's reasons (the importer's cached :func:`geo.reasons.say`).
    """
    where = np.flatnonzero(rejected)
    rows = raw.iloc[where]
    words = say or (lambda items: say_reasons(items, lang))
    if kind == "cases":
        kept = canon.iloc[where]
        fields = [_plain_column(kept[f]) for f in CASE_QUARANTINE_FIELDS]
        hidden = [kept[f].to_numpy(dtype=object) for f in CASE_HIDDEN_FIELDS]
        raw_json = [
            json.dumps(dict(zip(CASE_QUARANTINE_FIELDS, values, strict=True)), ensure_ascii=False)
            for values in zip(*fields, strict=True)
        ]
        texts = [
            words(tuple(case_reasons(reasons[i], [h[j] for h in hidden]))) for j, i in enumerate(where)
        ]
    else:
        cols = [c for c in raw.columns if not str(c).startswith("_")]
        raw_json = _json_lines(rows[cols])
        texts = [words(reasons[i]) for i in where]
    sheet = rows[SHEET_COL].to_numpy(dtype=object) if SHEET_COL in rows else ""
    return pd.DataFrame(
        {
            "source_file": src,
            "kind": kind,
            "line": rows[LINE_COL].to_numpy(dtype="int64"),
            "reason": pd.Series(texts, dtype=object),
            "raw": pd.Series(raw_json, dtype=object),
            "import_id": import_id,
            "imported_at": now,
            "sheet": sheet,
        },
        columns=list(QUARANTINE_COLUMNS),
    )


def _json_lines(cells: pd.DataFrame) -> list[str]:
    """Return each row of ``cells`` (text as read) as a JSON object, its columns as keys."""
    if cells.empty:
        return []
    if cells.columns.duplicated().any() or not len(cells.columns):
        return [
            json.dumps(dict(zip(cells.columns, r, strict=True))) for r in cells.itertuples(index=False)
        ]
    text = cells.astype(object).fillna("").to_json(orient="records", lines=True, force_ascii=False)
    return text.rstrip("\n").split("\n")


def _plain_column(series: pd.Series) -> list[object]:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return ["" if pd.isna(v) else v.date().isoformat() for v in series]
    return [_plain(v) for v in series.to_numpy(dtype=object)]


def _plain(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else str(value)[:10]
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, np.floating | float):
        return int(value) if float(value).is_integer() else float(value)
    return value if isinstance(value, str | int) else str(value)


# --- stores written by older versions -----------------------------------------------------------

_COORDINATES = re.compile(r"-?\d{1,2}[.,]\d{3,}")


def scrub_case_quarantine(store: Store | None = None, lang: str = settings.DEFAULT_LANGUAGE) -> int:
    """Rewrite the quarantined case rows an older version kept with places, coordinates or notes.

    Each such row keeps its line, a generic reason and its commune-level fields; the store is then
    compacted (``Store.compact``) so that the old text is gone from the file too. Returns the
    number of rows rewritten (0 leaves the store untouched).
    """
    store = Store.of(store)
    if not store.exists() or not store.has(Tables.QUARANTINE):
        return 0
    table = pd.DataFrame(store.read(Tables.QUARANTINE))
    if table.empty or "kind" not in table:
        return 0
    dirty = np.flatnonzero(
        (table["kind"] == "cases").to_numpy(dtype=bool)
        & np.array(
            [_unsafe(r, q) for r, q in zip(table["raw"], table["reason"], strict=True)], dtype=bool
        )
    )
    if not len(dirty):
        return 0
    out = table.copy()
    out["raw"] = out["raw"].astype(object)
    out["reason"] = out["reason"].astype(object)
    generic = reason("case_scrubbed").say(lang)
    for i in dirty:
        out.iat[i, out.columns.get_loc("raw")] = _commune_level(out["raw"].iloc[i])
        out.iat[i, out.columns.get_loc("reason")] = generic
    with store.transaction() as tx:
        tx.write(Tables.QUARANTINE, out)
    if hasattr(store, "compact"):
        store.compact()
    return len(dirty)


def _unsafe(raw: object, reason_text: object) -> bool:
    """Return whether a quarantined case row may hold more than the commune level."""
    try:
        kept = json.loads(str(raw))
    except ValueError:
        return True
    if not isinstance(kept, dict) or not set(kept) <= set(CASE_QUARANTINE_FIELDS):
        return True
    return bool(_COORDINATES.search(str(reason_text)))


def _commune_level(raw: object) -> str:
    """Return a quarantined row's fields as commune-level canonical fields (JSON)."""
    try:
        cells = json.loads(str(raw))
    except ValueError:
        cells = {}
    if not isinstance(cells, dict):
        cells = {}
    fields = map_headers([str(k) for k in cells])
    kept = {field: cells[col] for col, field in fields.items() if field in CASE_QUARANTINE_FIELDS}
    kept.update({k: v for k, v in cells.items() if k in CASE_QUARANTINE_FIELDS})
    return json.dumps(kept, ensure_ascii=False, default=str)
