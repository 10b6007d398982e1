"""The rows an import writes and reports: table columns, record ids, the rows kept chunk by chunk.

A record's id is a hash of its content (:data:`IDENTITY`), so a file imported twice adds nothing;
the hash is pandas' (fixed key), computed on the same dtypes as always so that ids never change
between versions. What an import keeps for the whole file (accepted rows, the per-row report,
:class:`Kept`) holds its text as codes into categories or as Arrow strings: a million rows stay a
few times the file's size in memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

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
        {
            c: pd.Series(out[c], index=checked.index, dtype=out[c].dtype, copy=False)
            for c in unique.columns
        },
        index=checked.index,
        copy=False,
    )


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
    frame = pd.DataFrame({**common, **extra}, index=out.index, copy=False)
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
    """Return record ids (``a``/``c`` and 16 hex digits) as 64-bit numbers; others are skipped.

    The digits are read from the ids' Arrow buffer a byte at a time (about 70 bytes per id at
    most: a store's million ids cost an import little).
    """
    text = ids.dropna().astype("str")
    text = text[text.str.fullmatch(r"[ac][0-9a-f]{16}")]
    if text.empty:
        return np.zeros(0, dtype=np.uint64)
    arr = pa.array(text, type=pa.large_string())
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)
    start, end = offsets[arr.offset], offsets[arr.offset + len(arr)]
    raw = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[start:end].reshape(-1, 17)
    digits = raw[:, 1:]
    nibbles = digits - np.where(digits >= 97, np.uint8(87), np.uint8(48))
    packed = (nibbles[:, 0::2] << 4) | nibbles[:, 1::2]  # two hex digits a byte, first digit high
    return np.ascontiguousarray(packed).view(">u8").ravel().astype(np.uint64)


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` as a table stores it: whole-number counts as integers, dates as dates."""
    out = frame.copy(deep=False)
    for col in (*COUNT_FIELDS, "unit_level", "line"):
        if col in out.columns:
            values = pd.to_numeric(out[col], errors="coerce")
            out[col] = values.astype("Int64") if values.isna().any() else values.astype("int64")
    out["date"] = pd.to_datetime(out["date"])
    return out


class Kept:
    """Rows kept chunk after chunk (accepted records, report rows), made one frame at the end.

    Text is kept as codes into one list of categories per column, so the chunks join without
    re-indexing their categories; a text column whose first chunk is mostly distinct (notes)
    and the ``unique`` columns are kept as Arrow strings. Other columns are kept as NumPy
    arrays. A million rows stay a few times the file's size in memory.
    """

    def __init__(self, unique: tuple[str, ...] = ("record_id",)) -> None:
        self.unique = unique
        self.pieces: dict[str, list] = {}
        self.categories: dict[str, dict[object, int]] = {}  # a coded column's value -> code
        self.rows = 0

    def add(self, columns: pd.DataFrame | dict[str, pd.Series | np.ndarray]) -> None:
        """Keep one chunk's rows (a frame, or its columns as a dict)."""
        rows = len(columns) if isinstance(columns, pd.DataFrame) else len(next(iter(columns.values())))
        if not rows:
            return
        self.rows += rows
        for col, values in columns.items():
            if not isinstance(values, pd.Series):
                values = pd.Series(values, dtype=values.dtype, copy=False)
            pieces = self.pieces.setdefault(col, [])
            if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
                pieces.append(values.to_numpy())
            elif col in self.unique or (pieces and col not in self.categories):
                pieces.append(values.astype("str"))
            else:
                codes, uniques = pd.factorize(values)
                seen = self.categories.get(col)
                if seen is None and len(uniques) > len(values) // 4:  # mostly distinct: as text
                    pieces.append(values.astype("str"))
                    continue
                seen = self.categories.setdefault(col, {})
                lut = [seen.setdefault(v, len(seen)) for v in uniques.tolist()] + [-1]
                kind = np.int8 if len(seen) < 127 else np.int16 if len(seen) < 32767 else np.int32
                pieces.append(np.asarray(lut, dtype=kind)[codes])  # code -1 (missing) stays -1

    def frame(self, columns: list[str]) -> pd.DataFrame:
        """Return the rows kept, as one frame (the pieces are let go column by column)."""
        if not self.rows:
            return pd.DataFrame(columns=columns)
        out = {}
        for col, pieces in self.pieces.items():
            if col in self.categories:
                categories = pd.Index(list(self.categories[col]), dtype="str")
                out[col] = pd.Categorical.from_codes(np.concatenate(pieces), categories=categories)
            elif any(isinstance(p, pd.Series) for p in pieces):
                out[col] = pd.concat([pd.Series(p, copy=False) for p in pieces], ignore_index=True)
            else:
                out[col] = np.concatenate(pieces)
            pieces.clear()
        return pd.DataFrame(out, copy=False)


def rejected_rows(rejected: pd.DataFrame) -> list[dict]:
    """Return ``[{"line", "reason"(, "sheet")}]`` of the report's rejected rows (each distinct
    reason one string, shared by its rows: a file repeats a few reasons many times)."""
    texts = {c: _shared_texts(rejected[c]) for c in ("reason", "sheet") if c in rejected}
    return [
        {"line": int(line), **{c: words[i] for c, words in texts.items()}}
        for i, line in enumerate(rejected["line"].tolist())
    ]


def _shared_texts(series: pd.Series) -> list[str]:
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    words = [str(u) for u in uniques]
    return [words[c] for c in codes]


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
