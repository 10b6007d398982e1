"""Import activity and case records into the project store, and read them back.

:func:`import_file` reads a partner's file, validates every row, matches it to a place or admin
unit, and writes the accepted rows (``activities`` or ``cases``) and the rejected ones
(``quarantine``, with their reasons) in one transaction. Nothing is lost: ``rows_read = accepted +
rejected``. Re-importing a file adds nothing: each record's id is derived from its content.

Case rows keep no point and nothing below the commune: their coordinates and village are used to
find the unit and then dropped, as are free-text notes. Rejected case rows are quarantined with
their line, a reason naming none of these, and their commune-level fields only.

The fictitious sample is loaded by :mod:`zoneplan.sample`; programme progress (protected case
tables, indicators) is reported by :mod:`zoneplan.progress`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

import layers
from geo import settings
from geo.errors import InputError
from geo.indicators import read_programmes
from geo.matcher import PlaceMatcher
from geo.names import fold_name
from geo.readers import LINE_COL, read_records
from geo.store import Store
from geo.validate import (
    COUNT_FIELDS,
    TEXT_FIELDS,
    canonical,
    map_unique,
    normalise_type,
    read_mapping,
    validate,
)
from geo.vocab import Tables

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
QUARANTINE_COLUMNS: tuple[str, ...] = (
    "source_file",
    "kind",
    "line",
    "reason",
    "raw",
    "import_id",
    "imported_at",
)
#: What a rejected case row keeps in the quarantine: commune level or coarser, counts, no text.
CASE_QUARANTINE_FIELDS = tuple(c for c in CASE_COLUMNS if c in ("date", *TEXT_FIELDS, *COUNT_FIELDS))
#: Case row fields never stored, nor quoted in a stored reason.
CASE_HIDDEN_FIELDS: tuple[str, ...] = ("place", "place_code", "record_ref", "notes", "lat", "lon")
CASE_REASON_PLACE = (
    "place not recognised (village and codes are not kept for case rows); "
    "give the commune, cercle or région"
)
CASE_REASON_COORDINATES = "coordinates unusable (not kept for case rows); fix them or give the commune"
_PLACE_WORDS = ("place", "village", "localit", "ambiguous", "code ")
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


@dataclass
class ImportReport:
    """What an import did: a JSON-able summary and one report row per record."""

    summary: dict
    rows: pd.DataFrame
    records: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    quarantine: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)


def place_matcher(store: Store | None = None) -> PlaceMatcher:
    """Return the reference gazetteer: programme places, installed admin unit names, and the
    user's gazetteer of localities (``zoneplan data add-places``) when one is installed."""
    store = Store.of(store)
    places = layers.module("places").load_all(store)
    units = layers.load("admin", store=store)
    try:
        zones = layers.load("zones", store=store)
    except InputError:
        zones = None
    localities = layers.load("gazetteer", store=store)
    return PlaceMatcher.build(places, units, zones, localities=localities)


def programmes() -> pd.DataFrame:
    """Return the programmes (``data/programmes.csv``)."""
    return read_programmes()


def import_file(
    path: str | os.PathLike[str],
    *,
    kind: str = "activities",
    store: Store | str | os.PathLike[str] | None = None,
    mapping: str | os.PathLike[str] | dict[str, str] | None = None,
    dry_run: bool = False,
    max_mb: float = settings.RECORDS_MAX_FILE_MB,
    matcher: PlaceMatcher | None = None,
) -> ImportReport:
    """Import a records file into the store; return what was accepted and rejected, and why.

    Parameters
    ----------
    path
        CSV, XLSX, GeoJSON, GeoPackage or KoboToolbox export.
    kind
        ``"activities"`` or ``"cases"``.
    store
        The project store (default location when ``None``).
    mapping
        Extra header mapping (``{"file header": "field"}``) or a file holding one.
    dry_run
        Check and report only; the store is not touched.
    max_mb
        Larger files are refused.
    matcher
        A prebuilt gazetteer (to import many files quickly); built from the store otherwise.

    Raises
    ------
    InputError
        For an unreadable file or missing required columns (the store is left unchanged).
    """
    store = Store.of(store)
    path = Path(path)
    src = path.name
    if kind not in ("activities", "cases"):
        raise InputError(f"--kind {kind!r} is not known; expected activities or cases")
    if mapping is not None and not isinstance(mapping, dict):
        mapping = read_mapping(mapping)
    raw = read_records(path, max_mb=max_mb)
    canon = canonical(raw, kind, mapping, source=src)
    checked = validate(canon, kind)
    matcher = matcher or place_matcher(store)
    import_id = file_hash(path)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()

    matched = matcher.match_rows(checked)
    # The matched (canonical) commune, cercle and région replace the text as written.
    out = pd.concat([checked.drop(columns=["commune", "cercle", "region"]), matched], axis=1)
    reasons: list[list[str]] = [list(r) for r in out["reasons"]]
    type_col = "activity_type" if kind == "activities" else "case_type"
    codes = map_unique(out[type_col], lambda v: normalise_type(v, kind))
    if kind == "cases":
        typed = (out[type_col].map(str).str.strip() != "").to_numpy(dtype=bool)
        for i in np.flatnonzero(codes.isna().to_numpy() & typed):
            reasons[i].append(
                f"type de cas {out[type_col].iloc[i]!r} unknown; "
                f"expected one of: {', '.join(_case_types())}"
            )
    unmatched = matched["match_level"].isna().to_numpy()
    match_reasons = matched["match_reason"].to_numpy(dtype=object)
    for i in np.flatnonzero(unmatched):
        reasons[i].append(match_reasons[i] or "place unknown")
    out["programme_id"] = _programme_ids(out)

    records = _records(out, kind, codes, src, import_id)
    ok = np.array([not r for r in reasons], dtype=bool)
    # Duplicates inside the file: identical content -> the same record id.
    first_line = (
        records.loc[ok, ["record_id", "line"]]
        .drop_duplicates("record_id")
        .set_index("record_id")["line"]
    )
    dup = ok & records["record_id"].duplicated(keep="first").to_numpy()
    record_ids = records["record_id"].to_numpy(dtype=object)
    for i in np.flatnonzero(dup):
        rid = record_ids[i]
        reasons[i] = [f"duplicate of line {int(first_line[rid])}"]
    ok &= ~dup

    table = Tables.ACTIVITIES if kind == "activities" else Tables.CASES
    known = _known_ids(store, table)
    accepted = records[ok]
    new = accepted[~accepted["record_id"].isin(known)]

    reason_text = pd.Series(["; ".join(r) for r in reasons], index=checked.index, dtype=object)
    report = pd.DataFrame(
        {
            "line": records["line"].to_numpy(),
            "status": np.where(ok, "accepted", "rejected"),
            "reason": np.where(ok, "", reason_text.to_numpy()),
            "record_id": np.where(ok, records["record_id"], ""),
            "place_id": matched["place_id"].to_numpy() if kind == "activities" else None,
            "place_name": matched["place_name"].to_numpy() if kind == "activities" else None,
            "unit_id": records["unit_id"].to_numpy(),
            "match_level": matched["match_level"]
            .where(~((matched["match_level"] == "place") & (kind == "cases")), "commune")
            .to_numpy(),
            "match_method": matched["match_method"].to_numpy(),
            "match_score": matched["match_score"].to_numpy(),
            "match_source": matched["match_source"].to_numpy(),
        },
        index=checked.index,
    )
    fuzzy = int((ok & (matched["match_method"] == "fuzzy").to_numpy()).sum())
    quarantine = _quarantine(raw, canon, ~ok, reason_text, src, kind, import_id, now)

    summary = {
        "file": src,
        "kind": kind,
        "rows_read": len(records),
        "accepted": int(ok.sum()),
        "rejected": int((~ok).sum()),
        "fuzzy": fuzzy,
        "duplicates": int(dup.sum()),
        "added": len(new),
        "already_present": int(len(accepted) - len(new)),
        "by_method": {str(k): int(v) for k, v in matched.loc[ok, "match_method"].value_counts().items()},
        "rejected_rows": [
            {"line": int(ln), "reason": r}
            for ln, r in zip(report.loc[~ok, "line"], report.loc[~ok, "reason"], strict=True)
        ],
        "dry_run": bool(dry_run),
        "store": str(store.path),
        "import_id": import_id,
    }
    if kind == "cases":
        dropped = int(np.isfinite(checked["lat"].to_numpy()).sum())
        summary["coordinates_dropped"] = dropped
        summary["note"] = (
            "case rows keep no coordinates and nothing below the commune: "
            "coordinates and villages were used to find the unit, then dropped"
        )
    if raw.attrs.get("overlong_lines"):
        summary["overlong_lines"] = raw.attrs["overlong_lines"]

    if not dry_run:
        _write(store, table, kind, new, quarantine, src, summary, now, matcher)
    return ImportReport(
        summary=summary, rows=report[list(REPORT_COLUMNS)], records=accepted, quarantine=quarantine
    )


def _known_ids(store: Store, table: str) -> set[str]:
    """Return the record ids already in ``table`` (reading that column only)."""
    return set(record_sources(store, table)["record_id"])


def record_sources(store: Store, table: str) -> pd.DataFrame:
    """Return ``record_id``, ``source_file`` and ``import_id`` of ``table``'s records (as text)."""
    cols = ["record_id", "source_file", "import_id"]
    if not store.has(table):
        return pd.DataFrame(columns=cols, dtype=object)
    frame = pyogrio.read_dataframe(store.path, layer=table, columns=cols, read_geometry=False)
    return pd.DataFrame(frame[cols]).astype(str)


def _case_types() -> list[str]:
    from geo.validate import CASE_TYPES

    return list(CASE_TYPES)


def file_hash(path: Path) -> str:
    """Return the short hash of a file's bytes: the ``import_id`` of the records read from it."""
    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:12]


def _programme_ids(out: pd.DataFrame) -> pd.Series:
    """Return each row's programme: as written (id or name), else the programme of its zone."""
    progs = programmes()
    names: dict[str, str] = {}
    for row in progs.itertuples():
        for text in (row.programme_id, row.name_fr, row.name_en):
            names[fold_name(text)] = row.programme_id
    names.setdefault("rompre le silence", "rompre_le_silence")
    zone_prog: dict[str, str] = {}
    for row in progs.itertuples():
        for zone in str(row.zones).split(";"):
            zone_prog[zone.strip()] = row.programme_id
    written = out["programme_id"].map(lambda v: names.get(fold_name(v)) if str(v).strip() else None)
    by_zone = out["zone_id"].map(lambda z: zone_prog.get(z) if isinstance(z, str) else None)
    return written.where(written.notna(), by_zone)


def _records(out: pd.DataFrame, kind: str, codes: pd.Series, src: str, import_id: str) -> pd.DataFrame:
    """Return the table rows (all rows; the caller keeps the accepted ones)."""
    is_case = kind == "cases"
    unit_id = out["commune_id"].where(out["commune_id"].notna(), out["cercle_id"])
    unit_id = unit_id.where(unit_id.notna(), out["region_id"])
    common = {
        "date": out["date"],
        "programme_id": out["programme_id"],
        "partner": out["partner"].astype(object),
        "unit_id": unit_id,
        "commune_id": out["commune_id"],
        "commune": out["commune"],
        "cercle_id": out["cercle_id"],
        "cercle": out["cercle"],
        "region_id": out["region_id"],
        "region": out["region"],
        "zone_id": out["zone_id"],
        "age_group": out["age_group"].astype(object),
        "match_method": out["match_method"],
        "match_score": out["match_score"],
        "source_file": src,
        "line": out[LINE_COL].astype("int64"),
        "import_id": import_id,
    }
    if is_case:
        frame = pd.DataFrame(
            {
                **common,
                "case_type": codes,
                "unit_level": np.where(
                    out["commune_id"].notna(), 3, np.where(out["cercle_id"].notna(), 2, 1)
                ),
                "girls": out["girls"],
                "boys": out["boys"],
                "children": out["children"],
                "total": out["total"],
            }
        )
        identity = [
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
        ]
    else:
        frame = pd.DataFrame(
            {
                **common,
                "activity_type": codes,
                "activity_label": out["activity_type"].astype(object),
                "place_id": out["place_id"],
                "place_name": out["place_name"],
                "place_text": out["place"].astype(object),
                **{c: out[c] for c in COUNT_FIELDS},
                "notes": out["notes"].astype(object),
            }
        )
        identity = [
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
        ]
    # Content hash (vectorised; pandas' fixed hash key): same content -> same id on re-import.
    ident = frame[identity].copy()
    for col in identity:
        if ident[col].dtype == object or pd.api.types.is_string_dtype(ident[col]):
            ident[col] = map_unique(ident[col], lambda v: "" if v is None or v != v else str(v))
    hashed = pd.util.hash_pandas_object(ident, index=False).to_numpy()
    prefix = "a" if kind == "activities" else "c"
    frame["record_id"] = [f"{prefix}{h:016x}" for h in hashed]
    columns = CASE_COLUMNS if is_case else ACTIVITY_COLUMNS
    return frame[list(columns)]


def _quarantine(
    raw: pd.DataFrame,
    canon: pd.DataFrame,
    rejected: np.ndarray,
    reasons: pd.Series,
    src: str,
    kind: str,
    import_id: str,
    now: str,
) -> pd.DataFrame:
    rows = raw.loc[rejected]
    reason_values = reasons[rejected].to_numpy()
    if kind == "cases":
        # Nothing below the commune is kept: the commune-level fields as read, and reasons
        # that name no village, code, coordinates or observation.
        kept = canon.loc[rejected]
        raw_json = [
            json.dumps(dict(zip(CASE_QUARANTINE_FIELDS, values, strict=True)), ensure_ascii=False)
            for values in kept[list(CASE_QUARANTINE_FIELDS)].itertuples(index=False)
        ]
        hidden = kept[list(CASE_HIDDEN_FIELDS)].itertuples(index=False)
        reason_values = [_case_reason(r, s) for r, s in zip(reason_values, hidden, strict=True)]
    else:
        cols = [c for c in raw.columns if c != LINE_COL]
        raw_json = [
            json.dumps(dict(zip(cols, values, strict=True)), ensure_ascii=False, default=str)
            for values in rows[cols].itertuples(index=False)
        ]
    return pd.DataFrame(
        {
            "source_file": src,
            "kind": kind,
            "line": rows[LINE_COL].astype("int64").to_numpy(),
            "reason": reason_values,
            "raw": raw_json,
            "import_id": import_id,
            "imported_at": now,
        },
        columns=list(QUARANTINE_COLUMNS),
    )


def _case_reason(reason: str, hidden: tuple[str, ...]) -> str:
    """Return a case row's ``reason``, any part about (or quoting) its place made generic."""
    secrets = [v.strip() for v in hidden if v and v.strip()]
    out: list[str] = []
    for item in str(reason).split("; "):
        low = item.lower()
        if any(word in low for word in ("coordinat", "lat ", "km of")):
            item = CASE_REASON_COORDINATES
        elif any(s in item for s in secrets) or any(w in low for w in _PLACE_WORDS):
            item = CASE_REASON_PLACE
        if item not in out:
            out.append(item)
    return "; ".join(out)


def _activities_geometry(new: pd.DataFrame, store: Store, points: dict) -> gpd.GeoDataFrame:
    geoms = [points.get(pid) if isinstance(pid, str) else None for pid in new["place_id"]]
    return gpd.GeoDataFrame(
        new.copy(), geometry=gpd.GeoSeries(geoms, index=new.index, crs=settings.CRS), crs=settings.CRS
    )


def _write(
    store: Store,
    table: str,
    kind: str,
    new: pd.DataFrame,
    quarantine: pd.DataFrame,
    src: str,
    summary: dict,
    now: str,
    matcher: PlaceMatcher | None = None,
) -> None:
    """Write accepted rows, the file's quarantine and the import log in one transaction."""
    places = layers.module("places").load_all(store)
    points = {
        pid: g
        for pid, g in zip(places["place_id"], places.geometry, strict=True)
        if g is not None and not g.is_empty
    }
    if matcher is not None and kind == "activities" and len(new):
        # Villages matched in the user's gazetteer are located at its point.
        points.update(matcher.locality_points(new["place_id"].dropna().unique()))
    with store.transaction() as tx:
        if len(new):
            frame = (
                _activities_geometry(new, store, points) if kind == "activities" else pd.DataFrame(new)
            )
            # Appending keeps earlier imports untouched and avoids rewriting the whole table.
            tx.write(table, _typed(frame), append=True)
        old_q = tx.read(Tables.QUARANTINE)
        if old_q is not None or len(quarantine):
            keep = (
                pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
                if old_q is None
                else old_q[~((old_q["source_file"] == src) & (old_q["kind"] == kind))]
            )
            merged = pd.concat([pd.DataFrame(keep), quarantine], ignore_index=True)
            tx.write(Tables.QUARANTINE, merged.astype({"line": "int64"}))
        log = tx.read(Tables.IMPORTS)
        entry = pd.DataFrame(
            [
                {
                    "import_id": summary["import_id"],
                    "source_file": src,
                    "kind": kind,
                    "imported_at": now,
                    "rows_read": summary["rows_read"],
                    "accepted": summary["accepted"],
                    "rejected": summary["rejected"],
                    "added": summary["added"],
                }
            ]
        )
        tx.write(
            Tables.IMPORTS,
            entry if log is None else pd.concat([pd.DataFrame(log), entry], ignore_index=True),
        )


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with whole-number counts as integers where no value is missing."""
    out = frame.copy()
    for col in (*COUNT_FIELDS, "unit_level", "line"):
        if col in out.columns:
            values = pd.to_numeric(out[col], errors="coerce")
            out[col] = values.astype("Int64") if values.isna().any() else values.astype("int64")
    out["date"] = pd.to_datetime(out["date"])
    return out


# --- reading back -------------------------------------------------------------------------------


def load_records(kind: str = "activities", store: Store | None = None) -> pd.DataFrame:
    """Return the imported ``activities`` (GeoDataFrame) or ``cases`` (DataFrame, no geometry)."""
    store = Store.of(store)
    if kind == "activities":
        return layers.load("activities", store=store)
    if kind == "cases":
        frame = store.read(Tables.CASES)
        return pd.DataFrame(columns=list(CASE_COLUMNS)) if frame is None else pd.DataFrame(frame)
    raise InputError(f"kind {kind!r} is not known; expected activities or cases")
