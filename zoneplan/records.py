"""Import activity and case records into the project store, and read them back.

:func:`import_file` reads a partner's file a chunk at a time (:func:`geo.readers.open_records`),
validates every row, matches it to a place or admin unit, and writes the accepted rows
(``activities`` or ``cases``), the rejected ones (``quarantine``, with their reasons) and the
import log in one transaction. Nothing is lost: ``rows_read = accepted + rejected``, per sheet for
a workbook. Re-importing a file adds nothing: each record's id is derived from its content. Every
reason and the summary speak the reader's language (French by default).

Case rows keep no point and nothing below the commune: their coordinates and village are used to
find the unit and then dropped, as are free-text notes. Rejected case rows are quarantined with
their line, a reason naming none of these, and their commune-level fields only
(:mod:`zoneplan.quarantine`, which also scrubs what older versions kept).

The fictitious sample is loaded by :mod:`zoneplan.sample`; programme progress (protected case
tables, indicators) is reported by :mod:`zoneplan.progress`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

import layers
from geo import settings
from geo.errors import InputError, UnknownNameError
from geo.i18n import t
from geo.indicators import read_programmes
from geo.matcher import PlaceMatcher
from geo.readers import CHUNK_ROWS, SHEET_COL, ReadAgain, open_records
from geo.reasons import reason, say
from geo.store import Store
from geo.validate import (
    CASE_TYPES,
    canonical,
    map_unique,
    normalise_type,
    plan_columns,
    read_mapping,
    validate,
)
from geo.vocab import Tables
from zoneplan.quarantine import (
    CASE_HIDDEN_FIELDS,
    CASE_QUARANTINE_FIELDS,
    QUARANTINE_COLUMNS,
    quarantine_rows,
    scrub_case_quarantine,
)
from zoneplan.recordrows import (
    ACTIVITY_COLUMNS,
    CASE_COLUMNS,
    REPORT_COLUMNS,
    Kept,
    id_hashes,
    match_rows,
    per_sheet,
    programme_ids,
    programme_lookup,
    rejected_rows,
    table_rows,
    typed,
)

# Re-exported: the tables' columns and the quarantine's rules are looked up here.
__all__ = [
    "ACTIVITY_COLUMNS",
    "CASE_COLUMNS",
    "CASE_HIDDEN_FIELDS",
    "CASE_QUARANTINE_FIELDS",
    "QUARANTINE_COLUMNS",
    "REPORT_COLUMNS",
    "ImportReport",
    "import_file",
    "load_records",
    "scrub_case_quarantine",
]


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
    lang: str = settings.DEFAULT_LANGUAGE,
    sheet: str | None = None,
    progress: Callable[[float, int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
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
    lang
        The language of the reasons, the summary's note and the refusals (``fr`` or ``en``).
    sheet
        The workbook sheet to read (every sheet holding records by default).
    progress
        Called after each chunk with the fraction of the file read and the rows read so far.
    chunk_rows
        Rows validated and matched at a time (memory stays bounded whatever the file's size).

    Raises
    ------
    InputError
        For an unreadable file or missing required columns (the store is left unchanged).
    """
    if lang not in settings.LANGUAGES:
        raise UnknownNameError("language", lang, settings.LANGUAGES)
    store = Store.of(store)
    path = Path(path)
    if kind not in ("activities", "cases"):
        raise InputError(t("records.file.bad_kind", lang, found=kind, expected="activities, cases"))
    if mapping is not None and not isinstance(mapping, dict):
        mapping = read_mapping(mapping, lang)
    with system_arrow_pool():
        source = open_records(path, max_mb=max_mb, sheet=sheet, lang=lang)
        plan = plan_columns(
            source.columns,
            kind,
            mapping,
            source=path.name,
            lang=lang,
            coordinates=source.attrs.get("coordinates"),
        )
        if not dry_run:
            scrub_case_quarantine(store, lang)
        run = _Import(path, kind, store, plan, matcher or place_matcher(store), lang, dry_run)
        try:
            return run.read(source, progress, chunk_rows)
        except ReadAgain:  # a row the fast reader could not number: read again, row by row
            assert source.exact is not None
            run = _Import(path, kind, store, plan, run.matcher, lang, dry_run)
            return run.read(source.exact(), progress, chunk_rows)


class _ArrowPool:
    """Who imports now, and Arrow's pool before the first of them began."""

    lock = threading.Lock()
    users = 0
    before: pa.MemoryPool | None = None


@contextlib.contextmanager
def system_arrow_pool() -> Iterator[None]:
    """Let Arrow allocate with the system allocator while importing, then restore its pool.

    pyarrow's default pool (mimalloc) maps its arenas as transparent huge pages, 2 MB at a
    time: the few megabytes of text a chunk holds in Arrow keep far more resident (writing a
    100,000-row import: about 10 MB more at its peak). The system allocator hands large
    buffers back as soon as they are freed. Each buffer remembers its pool, so switching
    back is safe.
    """
    with _ArrowPool.lock:
        if not _ArrowPool.users:
            _ArrowPool.before = pa.default_memory_pool()
            pa.set_memory_pool(pa.system_memory_pool())
        _ArrowPool.users += 1
    try:
        yield
    finally:
        with _ArrowPool.lock:
            _ArrowPool.users -= 1
            if not _ArrowPool.users and _ArrowPool.before is not None:
                pa.set_memory_pool(_ArrowPool.before)


class _Import:
    """One import: the state carried from chunk to chunk (duplicates, counts, kept rows)."""

    def __init__(self, path, kind, store, plan, matcher, lang, dry_run) -> None:
        self.path, self.kind, self.store, self.plan = path, kind, store, plan
        self.matcher, self.lang, self.dry_run = matcher, lang, dry_run
        self.src = path.name
        self.table = Tables.ACTIVITIES if kind == "activities" else Tables.CASES
        self.columns = list(CASE_COLUMNS if kind == "cases" else ACTIVITY_COLUMNS)
        self.import_id = file_hash(path)
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        self.today = dt.date.today()
        self.known = _known_hashes(store, self.table)
        # Accepted ids read so far (sorted runs, each id in one run), with their lines and sheets.
        self.seen: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]] = []
        self.reports = Kept()
        self.records = Kept()
        self.new: list[np.ndarray] = []
        self.quarantine: list[pd.DataFrame] = []
        self.counts = {"rows_read": 0, "fuzzy": 0, "duplicates": 0, "dropped": 0}
        self.programmes = programme_lookup()
        self.said: dict[str, str] = {}

    def read(self, source, progress, chunk_rows: int) -> ImportReport:
        """Read, check and match ``source`` chunk by chunk, then write it in one transaction."""
        for chunk in source.chunks(chunk_rows):
            self._chunk(chunk)
            if progress is not None:
                progress(source.progress(), self.counts["rows_read"])
        summary, report, quarantine = self._finish(source)
        records = self.records.frame(self.columns)
        if not self.dry_run:
            new = np.concatenate(self.new) if self.new else np.zeros(0, dtype=bool)
            with self.store.transaction() as tx:
                if new.any():  # the new rows, not copied out of the others
                    rows = None if new.all() else np.flatnonzero(new)
                    tx.write(self.table, self._storable(records), append=True, rows=rows)
                self._write_log(tx, quarantine, summary)
        return ImportReport(summary=summary, rows=report, records=records, quarantine=quarantine)

    def _chunk(self, raw: pd.DataFrame) -> None:
        """Check one chunk; keep its report, quarantine and accepted rows."""
        kind, lang = self.kind, self.lang
        canon = canonical(raw, kind, plan=self.plan, lang=lang)
        checked = validate(canon, kind, today=self.today)
        matched = match_rows(self.matcher, checked)
        out = pd.concat([checked.drop(columns=["commune", "cercle", "region"]), matched], axis=1)
        reasons = checked["reasons"].to_numpy(dtype=object).copy()
        type_col = "activity_type" if kind == "activities" else "case_type"
        codes = map_unique(out[type_col], lambda v: normalise_type(v, kind))
        if kind == "cases":
            typed_in = map_unique(out[type_col], lambda v: bool(str(v).strip())).to_numpy(dtype=bool)
            column = checked.attrs["columns"].get(type_col, type_col)
            for i in np.flatnonzero(codes.isna().to_numpy() & typed_in):
                found = str(out[type_col].iloc[i]).strip()
                item = reason("case_type_unknown", column=column, found=found, expected=list(CASE_TYPES))
                reasons[i] = (*reasons[i], item)
        match_reasons = matched["match_reason"].to_numpy(dtype=object)
        for i in np.flatnonzero(matched["match_level"].isna().to_numpy()):
            reasons[i] = (*reasons[i], *(match_reasons[i] or (reason("match_place_unknown"),)))
        out["programme_id"] = programme_ids(out, self.programmes)
        records, hashes = table_rows(out, kind, codes, self.src, self.import_id)
        ok = np.fromiter((not r for r in reasons), dtype=bool, count=len(reasons))
        lines = records["line"].to_numpy(dtype="int64")
        sheets = raw[SHEET_COL].to_numpy(dtype=object) if SHEET_COL in raw else None
        dup = self._duplicates(hashes, ok, lines, sheets, reasons)
        ok &= ~dup
        self.counts["rows_read"] += len(records)
        self.counts["duplicates"] += int(dup.sum())
        self.counts["fuzzy"] += int((ok & (matched["match_method"] == "fuzzy").to_numpy()).sum())
        if kind == "cases":
            self.counts["dropped"] += int(np.isfinite(checked["lat"].to_numpy(dtype=float)).sum())
        self.reports.add(self._report(records, matched, ok, reasons, sheets))
        self.records.add(typed(records[ok]))
        self.new.append(~np.isin(hashes[ok], self.known))
        if (~ok).any():
            self.quarantine.append(
                quarantine_rows(
                    raw,
                    canon,
                    reasons,
                    ~ok,
                    src=self.src,
                    kind=kind,
                    import_id=self.import_id,
                    now=self.now,
                    lang=lang,
                    say=self._say,
                )
            )

    def _say(self, reasons) -> str:
        """Return ``reasons`` in the import's language (a file repeats the same few reasons)."""
        key = repr(reasons)
        text = self.said.get(key)
        if text is None:
            text = self.said[key] = say(reasons, self.lang)
        return text

    def _duplicates(self, hashes, ok, lines, sheets, reasons) -> np.ndarray:
        """Flag accepted rows whose content an earlier accepted row of the file already had."""
        rows = np.flatnonzero(ok)
        h = hashes[rows]
        earlier: dict[int, tuple[int, str]] = {}  # position in h -> (line, sheet) seen before
        for seen, seen_lines, seen_sheets in self.seen:  # earlier chunks
            pos = np.minimum(np.searchsorted(seen, h), max(len(seen) - 1, 0))
            hit = np.flatnonzero(seen[pos] == h) if len(seen) else []
            for j in hit:
                if j not in earlier:
                    at = pos[j]
                    earlier[j] = (seen_lines[at], "" if seen_sheets is None else seen_sheets[at])
        _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
        is_first = np.zeros(len(h), dtype=bool)
        is_first[first] = True
        first_row = rows[first[inverse]]
        dup = ~is_first
        dup[list(earlier)] = True
        for j in np.flatnonzero(dup):
            if j in earlier:
                line, sheet = earlier[j]
            else:
                line, sheet = lines[first_row[j]], "" if sheets is None else sheets[first_row[j]]
            key = "duplicate_sheet" if sheet else "duplicate"
            reasons[rows[j]] = (reason(key, line=int(line), sheet=sheet),)
        fresh = rows[~dup]
        order = np.argsort(hashes[fresh], kind="stable")
        kept_sheets = None if sheets is None else sheets[fresh][order]
        self.seen.append((hashes[fresh][order], lines[fresh][order], kept_sheets))
        _merge_runs(self.seen)
        out = np.zeros(len(ok), dtype=bool)
        out[rows[dup]] = True
        return out

    def _report(self, records, matched, ok, reasons, sheets) -> dict[str, np.ndarray | pd.Series]:
        is_case = self.kind == "cases"
        level = matched["match_level"].to_numpy(dtype=object)
        if is_case:
            level = np.where(level == "place", "commune", level)
        text = np.full(len(ok), "", dtype=object)
        for i in np.flatnonzero(~ok):
            text[i] = self._say(reasons[i])
        none = np.full(len(ok), None, dtype=object)
        frame = {
            "line": records["line"].to_numpy(),
            "status": np.where(ok, "accepted", "rejected").astype(object),
            "reason": text,
            "record_id": records["record_id"].where(ok, ""),
            "place_id": none if is_case else matched["place_id"].to_numpy(dtype=object),
            "place_name": none if is_case else matched["place_name"].to_numpy(dtype=object),
            "unit_id": records["unit_id"].to_numpy(dtype=object),
            "match_level": level,
            "match_method": matched["match_method"].to_numpy(dtype=object),
            "match_score": matched["match_score"].to_numpy(dtype=float),
            "match_source": matched["match_source"].to_numpy(dtype=object),
        }
        if sheets is not None:
            frame["sheet"] = sheets
        return frame

    def _storable(self, new: pd.DataFrame) -> pd.DataFrame:
        """Return accepted rows as the table stores them (activities at their place's point)."""
        frame = new
        if self.kind != "activities":
            return frame
        places = layers.module("places").load_all(self.store)
        points = {
            pid: g
            for pid, g in zip(places["place_id"], places.geometry, strict=True)
            if g is not None and not g.is_empty
        }
        codes, uniques = pd.factorize(frame["place_id"])  # missing: code -1
        uniques = list(uniques)
        wanted = [p for p in uniques if p not in points]
        if wanted:  # villages matched in the user's gazetteer are located at its point
            points.update(self.matcher.locality_points(wanted))
        shapes = np.array([points.get(p) for p in uniques] + [None], dtype=object)
        geoms = gpd.GeoSeries(shapes[codes], index=frame.index, crs=settings.CRS)
        # Not GeoDataFrame(frame, geometry=...): that copies every column into 2-D blocks.
        return gpd.GeoDataFrame(frame.assign(geometry=geoms), geometry="geometry", copy=False)

    def _finish(self, source) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
        """Return the summary, the per-row report and the quarantine of the whole file."""
        report = self.reports.frame(list(REPORT_COLUMNS))
        quarantine = (
            pd.concat(self.quarantine, ignore_index=True)
            if self.quarantine
            else pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
        )
        self.quarantine.clear()  # its chunks, now joined
        self.seen.clear()  # the duplicates are found
        c = self.counts
        rejected = (report["status"] == "rejected").to_numpy(dtype=bool)
        accepted = int((~rejected).sum())
        added = int(sum(int(n.sum()) for n in self.new))
        summary = {
            "file": self.src,
            "kind": self.kind,
            "rows_read": c["rows_read"],
            "accepted": accepted,
            "rejected": int(rejected.sum()),
            "fuzzy": c["fuzzy"],
            "duplicates": c["duplicates"],
            "added": added,
            "already_present": accepted - added,
            "by_method": {
                str(k): int(v)
                for k, v in report.loc[~rejected, "match_method"].astype(object).value_counts().items()
            },
            "rejected_rows": rejected_rows(report[rejected]),
            "dry_run": bool(self.dry_run),
            "store": str(self.store.path),
            "import_id": self.import_id,
            "format": source.attrs.get("format"),
            "lang": self.lang,
        }
        if source.attrs.get("encoding"):
            summary["encoding"] = source.attrs["encoding"]
        if "sheet" in report:
            summary["sheets"] = per_sheet(report, source.attrs.get("sheets", []))
            summary["skipped_sheets"] = list(source.attrs.get("skipped_sheets", []))
        if self.kind == "cases":
            summary["coordinates_dropped"] = c["dropped"]
            summary["note"] = t("records.cases_note", self.lang, n=c["dropped"])
        return summary, report, quarantine

    def _write_log(self, tx, quarantine: pd.DataFrame, summary: dict) -> None:
        """Replace this file's quarantine and append to the import log (inside the transaction)."""
        old_q = tx.read(Tables.QUARANTINE)
        if old_q is not None or len(quarantine):
            keep = (
                pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
                if old_q is None
                else old_q[~((old_q["source_file"] == self.src) & (old_q["kind"] == self.kind))]
            )
            merged = pd.concat([pd.DataFrame(keep), quarantine], ignore_index=True)
            merged["sheet"] = merged["sheet"].fillna("").astype(str)
            tx.write(Tables.QUARANTINE, merged.astype({"line": "int64"}))
        log = tx.read(Tables.IMPORTS)
        entry = pd.DataFrame(
            [
                {
                    "import_id": self.import_id,
                    "source_file": self.src,
                    "kind": self.kind,
                    "imported_at": self.now,
                    **{k: summary[k] for k in ("rows_read", "accepted", "rejected", "added")},
                }
            ]
        )
        tx.write(
            Tables.IMPORTS,
            entry if log is None else pd.concat([pd.DataFrame(log), entry], ignore_index=True),
        )


def _merge_runs(runs: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]) -> None:
    """Merge the last sorted runs while the one before is not larger (a million rows read in
    small chunks are then searched in a few runs, not in one per chunk)."""
    while len(runs) > 1 and len(runs[-2][0]) <= len(runs[-1][0]):
        (h1, l1, s1), (h2, l2, s2) = runs.pop(-2), runs.pop()
        order = np.argsort(np.concatenate([h1, h2]), kind="stable")
        if s1 is None and s2 is None:
            sheets = None
        else:
            pieces = [
                np.full(len(h), "", dtype=object) if s is None else s for h, s in ((h1, s1), (h2, s2))
            ]
            sheets = np.concatenate(pieces)[order]
        runs.append((np.concatenate([h1, h2])[order], np.concatenate([l1, l2])[order], sheets))


def _known_hashes(store: Store, table: str) -> np.ndarray:
    """Return the record ids already in ``table`` as sorted numbers (reading that column only)."""
    if not store.exists() or not store.has(table):
        return np.zeros(0, dtype=np.uint64)
    frame = store.read(table, columns=["record_id"], geometry=False)
    return np.sort(id_hashes(frame["record_id"]))


def file_hash(path: Path) -> str:
    """Return the short hash of a file's bytes: the ``import_id`` of the records read from it."""
    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:12]


def record_sources(store: Store, table: str) -> pd.DataFrame:
    """Return ``record_id``, ``source_file`` and ``import_id`` of ``table``'s records (as text)."""
    cols = ["record_id", "source_file", "import_id"]
    if not store.has(table):
        return pd.DataFrame(columns=cols, dtype=object)
    frame = store.read(table, columns=cols, geometry=False)
    return pd.DataFrame(frame[cols]).astype(str)


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
