"""The rows an import writes and reports: table columns, record ids, compact frames.

A record's id is a hash of its content (:data:`IDENTITY`), so a file imported twice adds nothing;
the hash is pandas' (fixed key), computed on the same dtypes as always so that ids never change
between versions. The frames an import keeps for the whole file (accepted rows, the per-row
report) hold their text as categories or Arrow strings: a million rows stay a few times the file's
size in memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import union_categoricals

from geo.indicators import read_programmes
from geo.matcher import MATCH_FIELDS, PlaceMatcher
from geo.names import fold_name
from geo.readers import LINE_COL
from geo.validate import COUNT_FIELDS, map_unique

#: Columns of the ``cases`` table: no geometry, no place, nothing below the commune.
CASE_COLUMNS: tuple[str, ...] = (
    "record_id",
    "date",
    "programme_id",
    "partner",
    "case_type",
    "unit_id",
    "unit_level",
    "commune_id",
    "commune",
    "cercle_id",
    "cercle",
    "region_id",
    "region",
    "zone_id",
    "age_group",
    "girls",
    "boys",
    "children",
    "total",
    "match_method",
    "match_score",
    "source_file",
    "line",
    "import_id",
)
ACTIVITY_COLUMNS: tuple[str, ...] = (
    "record_id",
    "date",
    "programme_id",
    "partner",
    "activity_type",
    "activity_label",
    "place_id",
    "place_name",
    "place_text",
    "unit_id",
    "commune_id",
    "commune",
    "cercle_id",
    "cercle",
    "region_id",
    "region",
    "zone_id",
    "age_group",
    "girls",
    "boys",
    "women",
    "men",
    "children",
    "total",
    "sessions",
    "notes",
    "match_method",
    "match_score",
    "source_file",
    "line",
    "import_id",
)
REPORT_COLUMNS: tuple[str, ...] = (
    "line",
    "status",
    "reason",
    "record_id",
    "place_id",
    "place_name",
    "unit_id",
    "match_level",
    "match_method",
    "match_score",
    "match_source",
)
#: The fields a record's id is derived from (same content, same id, whatever the file).
IDENTITY: dict[str, tuple[str, ...]] = {
    "cases": (
        "date",
        "programme_id",
        "partner",
        "case_type",
        "unit_id",
        "age_group",
        "girls",
        "boys",
        "children",
        "total",
    ),
    "activities": (
        "date",
        "programme_id",
        "partner",
        "activity_type",
        "activity_label",
        "place_id",
        "unit_id",
        "place_text",
        "age_group",
        *COUNT_FIELDS,
        "notes",
    ),
}
_PREFIX = {"activities": "a", "cases": "c"}
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def match_rows(matcher: PlaceMatcher, checked: pd.DataFrame) -> pd.DataFrame:
    """Return the match of each row, matching each distinct combination of place fields once."""
    keys = checked[list(MATCH_FIELDS)]
    codes = keys.groupby(list(MATCH_FIELDS), sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    unique = matcher.match_rows(keys.iloc[first].reset_index(drop=True))
    out = {c: _objects(unique[c])[codes] for c in unique.columns if c != "match_score"}
    out["match_score"] = unique["match_score"].to_numpy(dtype=float)[codes]
    return pd.DataFrame(
        {c: pd.Series(v, index=checked.index, dtype=v.dtype) for c, v in out.items()},
        index=checked.index,
    )[list(unique.columns)]


def _objects(series: pd.Series) -> np.ndarray:
    """Return ``series`` as Python objects, ``None`` where missing."""
    values = series.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values


def programme_lookup() -> tuple[dict[str, str], dict[str, str]]:
    """Return ``(folded id or name -> programme, zone -> programme)`` of ``data/programmes.csv``."""
    names: dict[str, str] = {}
    zone_prog: dict[str, str] = {}
    for row in read_programmes().itertuples():
        for text in (row.programme_id, row.name_fr, row.name_en):
            names[fold_name(text)] = row.programme_id
        for zone in str(row.zones).split(";"):
            zone_prog[zone.strip()] = row.programme_id
    names.setdefault("rompre le silence", "rompre_le_silence")
    return names, zone_prog


def programme_ids(out: pd.DataFrame, lookup: tuple[dict[str, str], dict[str, str]]) -> pd.Series:
    """Return each row's programme: as written (id or name), else the programme of its zone."""
    names, zone_prog = lookup
    written = map_unique(
        out["programme_id"], lambda v: names.get(fold_name(v)) if str(v).strip() else None
    )
    by_zone = map_unique(out["zone_id"], lambda z: zone_prog.get(z) if isinstance(z, str) else None)
    return written.where(written.notna(), by_zone)


def table_rows(
    out: pd.DataFrame, kind: str, codes: pd.Series, src: str, import_id: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """Return a chunk's table rows (the caller keeps the accepted ones) and their id hashes."""
    commune_id, cercle_id = out["commune_id"], out["cercle_id"]
    unit_id = commune_id.where(commune_id.notna(), cercle_id)
    unit_id = unit_id.where(unit_id.notna(), out["region_id"])
    common = {
        "date": out["date"],
        "programme_id": out["programme_id"],
        "partner": out["partner"],
        "unit_id": unit_id,
        "commune_id": commune_id,
        "commune": out["commune"],
        "cercle_id": cercle_id,
        "cercle": out["cercle"],
        "region_id": out["region_id"],
        "region": out["region"],
        "zone_id": out["zone_id"],
        "age_group": out["age_group"],
        "match_method": out["match_method"],
        "match_score": out["match_score"],
        "line": out[LINE_COL].astype("int64"),
    }
    if kind == "cases":
        level = np.where(commune_id.notna(), 3, np.where(cercle_id.notna(), 2, 1))
        extra = {"case_type": codes, "unit_level": pd.Series(level, index=out.index)}
        extra.update({c: out[c] for c in ("girls", "boys", "children", "total")})
    else:
        extra = {
            "activity_type": codes,
            "activity_label": out["activity_type"],
            "place_id": out["place_id"],
            "place_name": out["place_name"],
            "place_text": out["place"],
            **{c: out[c] for c in COUNT_FIELDS},
            "notes": out["notes"],
        }
    frame = pd.DataFrame({**common, **extra}, index=out.index)
    # Content hash (pandas' fixed hash key) on text as text, "" where missing: ids as ever.
    ident = {}
    for col in IDENTITY[kind]:
        values = frame[col]
        if values.dtype == object:
            values = pd.Series(_objects(values), index=frame.index, dtype=object).fillna("")
        ident[col] = values
    hashed = pd.util.hash_pandas_object(pd.DataFrame(ident), index=False).to_numpy()
    frame["record_id"] = record_ids(hashed, kind, frame.index)
    frame["source_file"] = src
    frame["import_id"] = import_id
    columns = CASE_COLUMNS if kind == "cases" else ACTIVITY_COLUMNS
    return frame[list(columns)].reset_index(drop=True), hashed


def record_ids(hashes: np.ndarray, kind: str, index: pd.Index | None = None) -> pd.Series:
    """Return the ids of records whose content hashes are ``hashes`` (``a`` + 16 hex digits)."""
    n = len(hashes)
    digits = hashes.astype(">u8").view(np.uint8).reshape(n, 8)
    text = np.empty((n, 17), dtype=np.uint8)
    text[:, 0] = ord(_PREFIX[kind])
    text[:, 1::2], text[:, 2::2] = _HEX[digits >> 4], _HEX[digits & 15]
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(17), n, [None, pa.py_buffer(text)])
    strings = fixed.cast(pa.binary()).cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(strings), index=index).astype("str")


def id_hashes(ids: pd.Series) -> np.ndarray:
    """Return record ids (``a``/``c`` and 16 hex digits) as 64-bit numbers; others are skipped."""
    text = ids.dropna().astype("str")
    text = text[text.str.fullmatch(r"[ac][0-9a-f]{16}")]
    if text.empty:
        return np.zeros(0, dtype=np.uint64)
    raw = np.frombuffer("".join(text.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 17)
    digits = raw[:, 1:].astype(np.uint64)
    nibbles = np.where(digits >= 97, digits - 87, digits - 48)
    out = np.zeros(len(raw), dtype=np.uint64)
    for k in range(16):
        out = (out << np.uint64(4)) | nibbles[:, k]
    return out


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` as a table stores it: whole-number counts as integers, dates as dates."""
    out = frame.copy(deep=False)
    for col in (*COUNT_FIELDS, "unit_level", "line"):
        if col in out.columns:
            values = pd.to_numeric(out[col], errors="coerce")
            out[col] = values.astype("Int64") if values.isna().any() else values.astype("int64")
    out["date"] = pd.to_datetime(out["date"])
    return out


def compact(frame: pd.DataFrame, unique: tuple[str, ...] = ("record_id",)) -> pd.DataFrame:
    """Return ``frame`` with its text as categories (``unique`` columns as Arrow strings)."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if col in unique:
            out[col] = values.astype("str")
        elif values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            codes, cats = pd.factorize(values)
            if len(cats) > len(values) // 4:  # mostly distinct (notes): categories would not help
                out[col] = values.astype("str")
            else:
                out[col] = pd.Categorical.from_codes(codes, categories=pd.Index(cats).astype("str"))
        else:
            out[col] = values.to_numpy()
    return pd.DataFrame(out)


def stack(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Return the chunks' frames as one, categories merged (``pd.concat`` would make objects).

    ``parts`` is emptied column by column as the result grows, so the rows are never held twice.
    """
    parts[:] = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns)
    if len(parts) == 1:
        return parts.pop().reset_index(drop=True)
    out = {}
    for col in list(parts[0].columns):
        series = [p.pop(col) for p in parts]
        kinds = {type(s.dtype) for s in series}
        if kinds == {pd.CategoricalDtype}:
            out[col] = union_categoricals([s.array for s in series], ignore_order=True)
        elif pd.CategoricalDtype in kinds or kinds == {np.dtypes.ObjectDType}:
            out[col] = pd.concat([s.astype("str") for s in series], ignore_index=True)
        else:
            out[col] = pd.concat(series, ignore_index=True)
        del series
    parts.clear()
    return pd.DataFrame(out)


def rejected_rows(rejected: pd.DataFrame) -> list[dict]:
    """Return ``[{"line", "reason"(, "sheet")}]`` of the report's rejected rows."""
    cols = ["line", "reason", *(["sheet"] if "sheet" in rejected else [])]
    return [
        {"line": int(r[0]), "reason": str(r[1]), **({"sheet": str(r[2])} if len(r) > 2 else {})}
        for r in rejected[cols].itertuples(index=False)
    ]


def per_sheet(report: pd.DataFrame, order: list[str]) -> list[dict]:
    """Return the rows read, accepted and rejected of each sheet (of a workbook's report)."""
    status = pd.crosstab(report["sheet"].astype(str), report["status"].astype(str))
    out = []
    for name in order:
        row = status.loc[name] if name in status.index else pd.Series(dtype=int)
        accepted, rejected = int(row.get("accepted", 0)), int(row.get("rejected", 0))
        out.append(
            {"sheet": name, "rows_read": accepted + rejected, "accepted": accepted, "rejected": rejected}
        )
    return out
