"""SQL on the store's GeoPackage with Python's SQLite: list tables, move tables in, vacuum.

GDAL (through pyogrio) writes a transaction's new rows into a small scratch GeoPackage; this module
moves them into the store inside one SQLite transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), so a
write costs what it adds, not what the store holds. A table is replaced by dropping it cleanly (the
table, its triggers and indexes, its rows in the ``gpkg_*`` metadata tables, the R-tree index of
stores written by older versions) and creating it again from the scratch's own DDL; rows are
appended with ``INSERT ... SELECT`` when their columns fit the stored table.

Every connection that writes sets ``secure_delete`` (freed pages are zeroed, so a dropped table's
text does not linger in the file) and keeps the rollback journal (``DELETE`` mode): after a commit
only the ``.gpkg`` remains, and a journal left by a killed process is rolled back by the next
connection that opens the store.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from pathlib import Path

#: Seconds a write waits for another connection's lock before giving up.
BUSY_TIMEOUT_S = 60.0
#: ``PRAGMA application_id`` of GeoPackage 1.2+ ("GPKG") and 1.0 ("GP10").
GPKG_APPLICATION_IDS = (0x47504B47, 0x47503130)
SQLITE_MAGIC = b"SQLite format 3\x00"
SCRATCH = "scratch"
#: Metadata tables whose rows name a table, in the order they are cleared.
_META = (
    "gpkg_geometry_columns",
    "gpkg_ogr_contents",
    "gpkg_extensions",
    "gpkg_data_columns",
    "gpkg_metadata_reference",
    "gpkg_contents",
)
_INTEGER_TYPES = {"INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT", "BOOLEAN"}
_REAL_TYPES = {"REAL", "DOUBLE", "FLOAT"}


def q(name: str) -> str:
    """Return ``name`` quoted as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def connect(path: Path, *, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """Open an existing database file for reading and writing (never creating it).

    Opening rolls back a hot journal left by a killed writer before anything is read.
    """
    uri = Path(os.path.abspath(path)).as_uri() + "?mode=rw"
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)


def is_geopackage(con: sqlite3.Connection) -> bool:
    """Return whether the main database is a GeoPackage (``sqlite3.DatabaseError`` if not SQLite)."""
    app = con.execute("PRAGMA application_id").fetchone()[0]
    return app in GPKG_APPLICATION_IDS or _has(con, "main", "gpkg_contents")


def tables(con: sqlite3.Connection) -> list[str]:
    """Return the feature and attribute tables registered in ``gpkg_contents``."""
    if not _has(con, "main", "gpkg_contents"):
        return []
    rows = con.execute(
        "SELECT c.table_name FROM main.gpkg_contents c JOIN main.sqlite_master m "
        "ON m.name = c.table_name AND m.type IN ('table', 'view') "
        "WHERE c.data_type IN ('features', 'attributes') ORDER BY c.rowid"
    )
    return [str(name) for (name,) in rows]


def key_values(con: sqlite3.Connection, table: str) -> dict[str, str]:
    """Return the ``key`` and ``value`` columns of ``table`` as a dict (empty if absent)."""
    if not _has(con, "main", table):
        return {}
    rows = con.execute(f"SELECT key, value FROM main.{q(table)} ORDER BY fid")
    return {str(k): "" if v is None else str(v) for k, v in rows}


def append_conflicts(con: sqlite3.Connection, scratch: Path, appends: list[str]) -> list[str]:
    """Return the tables of ``appends`` whose scratch rows cannot be inserted as they are.

    Rows fit when their geometry column, geometry type and CRS agree with the stored table's and
    every column holding values has the stored type (or whole numbers going into a real column).
    New columns fit: they are added. A table not yet in the store fits (it is created).
    """
    _attach(con, scratch)
    try:
        return [t for t in appends if _has(con, "main", t) and not _fits(con, t)]
    finally:
        con.execute(f"DETACH DATABASE {SCRATCH}")


def apply(con: sqlite3.Connection, scratch: Path | None, ops: dict[str, str]) -> None:
    """Apply ``ops`` (table -> ``replace``, ``append`` or ``delete``) in one transaction.

    ``replace`` and ``append`` take the table from ``scratch``; ``append`` to a table the store
    does not hold creates it. Nothing changes unless every operation succeeds.
    """
    con.execute("PRAGMA secure_delete = ON")
    with contextlib.suppress(sqlite3.OperationalError):  # a WAL store in use by another tool stays WAL
        con.execute("PRAGMA main.journal_mode = DELETE")
    if scratch is not None:
        _attach(con, scratch)
    try:
        con.execute("BEGIN IMMEDIATE")
        try:
            for table, op in ops.items():
                if op == "append" and _has(con, "main", table):
                    _append(con, table)
                else:
                    _drop(con, table)
                    if op != "delete":
                        _create(con, table)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    finally:
        if scratch is not None:
            con.execute(f"DETACH DATABASE {SCRATCH}")


def clear_stale_journal(con: sqlite3.Connection, path: Path) -> None:
    """Remove a journal a killed writer left before writing anything in it.

    SQLite rolls a hot journal back on opening, but leaves one too short to be hot. Holding the
    write lock proves nobody is using it: any writer with a journal holds that lock.
    """
    journal = Path(f"{path}-journal")
    if not journal.exists():
        return
    con.execute("PRAGMA busy_timeout = 0")  # a live writer is using it: leave it be
    try:
        con.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return
    try:
        journal.unlink(missing_ok=True)
    finally:
        con.execute("ROLLBACK")
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")


def vacuum(con: sqlite3.Connection) -> None:
    """Rewrite the database without free pages, so no deleted row's bytes remain in the file."""
    con.execute("PRAGMA secure_delete = ON")
    con.execute("PRAGMA main.journal_mode = DELETE")
    con.execute("PRAGMA temp_store = MEMORY")  # the rewrite's copy stays out of the temp folder
    con.execute("VACUUM")


def failure(exc: BaseException) -> str | None:
    """Return the message key for an error of the disk, the file's rights or SQLite's locks."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "store.err.full"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return "store.err.readonly"
        return "store.err.io" if exc.errno == errno.EIO else None
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        codes = {
            sqlite3.SQLITE_FULL: "store.err.full",
            sqlite3.SQLITE_READONLY: "store.err.readonly",
            sqlite3.SQLITE_CANTOPEN: "store.err.readonly",
            sqlite3.SQLITE_BUSY: "store.err.busy",
            sqlite3.SQLITE_LOCKED: "store.err.busy",
            sqlite3.SQLITE_NOTADB: "store.err.not_gpkg",
            sqlite3.SQLITE_CORRUPT: "store.err.unreadable",
            sqlite3.SQLITE_IOERR: "store.err.io",
        }
        key = codes.get(code & 0xFF if isinstance(code, int) else -1)
        return key or _failure_by_text(str(exc))
    return _failure_by_text(str(exc))


def _failure_by_text(message: str) -> str | None:
    low = message.lower()
    for words, key in (
        (("no space left", "disk is full", "disk quota"), "store.err.full"),
        (("read-only", "readonly", "permission denied"), "store.err.readonly"),
        (("database is locked",), "store.err.busy"),
        (("not a database", "not recognized as"), "store.err.not_gpkg"),
    ):
        if any(w in low for w in words):
            return key
    return None


# --- helpers -----------------------------------------------------------------------------------


def _attach(con: sqlite3.Connection, scratch: Path) -> None:
    con.execute(f"ATTACH DATABASE ? AS {SCRATCH}", (str(scratch),))
    # No journal on the scratch: SQLite then needs no super-journal beside the store.
    con.execute(f"PRAGMA {SCRATCH}.journal_mode = OFF")
    con.execute(f"PRAGMA {SCRATCH}.synchronous = OFF")


def _has(con: sqlite3.Connection, schema: str, name: str) -> bool:
    row = con.execute(
        f"SELECT 1 FROM {schema}.sqlite_master WHERE type IN ('table', 'view') AND name = ?",
        (name,),
    ).fetchone()
    return row is not None


def _columns(con: sqlite3.Connection, schema: str, table: str) -> dict[str, tuple[str, bool]]:
    """Return column -> (declared type in upper case, is primary key)."""
    rows = con.execute(f"PRAGMA {schema}.table_info({q(table)})").fetchall()
    return {str(r[1]): (str(r[2] or "").upper(), bool(r[5])) for r in rows}


def _geometry(con: sqlite3.Connection, schema: str, table: str) -> tuple[str, str, int] | None:
    if not _has(con, schema, "gpkg_geometry_columns"):
        return None
    row = con.execute(
        f"SELECT column_name, upper(geometry_type_name), srs_id FROM {schema}.gpkg_geometry_columns "
        "WHERE lower(table_name) = lower(?)",
        (table,),
    ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]), int(row[2]))


def _holds_values(con: sqlite3.Connection, table: str, column: str) -> bool:
    sql = f"SELECT 1 FROM {SCRATCH}.{q(table)} WHERE {q(column)} IS NOT NULL LIMIT 1"
    return con.execute(sql).fetchone() is not None


def _fits(con: sqlite3.Connection, table: str) -> bool:
    stored, new = _columns(con, "main", table), _columns(con, SCRATCH, table)
    geom_main, geom_new = _geometry(con, "main", table), _geometry(con, SCRATCH, table)
    if geom_new is not None and _holds_values(con, table, geom_new[0]):
        if geom_main is None or geom_main[0] != geom_new[0] or geom_main[2] != geom_new[2]:
            return False
        if geom_main[1] not in ("GEOMETRY", geom_new[1]):
            return False
    geom_cols = {g[0] for g in (geom_main, geom_new) if g is not None}
    for name, (kind, pk) in new.items():
        if pk or name in geom_cols or name not in stored or stored[name][0] == kind:
            continue
        widening = stored[name][0] in _REAL_TYPES and kind in _INTEGER_TYPES
        if not widening and _holds_values(con, table, name):
            return False
    return True


def _drop(con: sqlite3.Connection, table: str) -> None:
    """Drop ``table`` with everything that names it (triggers and indexes go with the table)."""
    if _has(con, "main", table):
        _drop_rtree(con, table)
        con.execute(f"DROP TABLE main.{q(table)}")
    for meta in _META:
        if _has(con, "main", meta):
            con.execute(f"DELETE FROM main.{meta} WHERE lower(table_name) = lower(?)", (table,))


def _drop_rtree(con: sqlite3.Connection, table: str) -> None:
    """Drop the R-tree index of older stores: its triggers call GDAL's own SQL functions."""
    geom = _geometry(con, "main", table)
    if geom is None:
        return
    rtree = f"rtree_{table}_{geom[0]}"
    triggers = con.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
    ).fetchall()
    for (trigger,) in triggers:
        if str(trigger).startswith(rtree + "_"):
            con.execute(f"DROP TRIGGER main.{q(trigger)}")
    if _has(con, "main", rtree):
        con.execute(f"DROP TABLE main.{q(rtree)}")
    if _has(con, "main", "gpkg_extensions"):
        con.execute(
            "DELETE FROM main.gpkg_extensions WHERE lower(table_name) = lower(?) "
            "AND extension_name = 'gpkg_rtree_index'",
            (table,),
        )


def _schema_sql(con: sqlite3.Connection, table: str, kind: str) -> list[str]:
    rows = con.execute(
        f"SELECT sql FROM {SCRATCH}.sqlite_master WHERE type = ? AND tbl_name = ? AND sql IS NOT NULL",
        (kind, table),
    )
    return [str(sql) for (sql,) in rows]


def _create(con: sqlite3.Connection, table: str) -> None:
    """Create ``table`` in the store from the scratch: DDL, rows, metadata rows, then triggers."""
    for sql in _schema_sql(con, table, "table"):
        con.execute(sql)  # unqualified CREATE lands in main
    con.execute(f"INSERT INTO main.{q(table)} SELECT * FROM {SCRATCH}.{q(table)}")
    _copy_srs(con, table)
    for meta in reversed(_META):
        _copy_meta_rows(con, meta, table)
    for kind in ("index", "trigger"):
        for sql in _schema_sql(con, table, kind):
            con.execute(sql)


def _copy_srs(con: sqlite3.Connection, table: str) -> None:
    if not _has(con, SCRATCH, "gpkg_spatial_ref_sys"):
        return
    cols = _common_columns(con, "gpkg_spatial_ref_sys")
    con.execute(
        f"INSERT OR IGNORE INTO main.gpkg_spatial_ref_sys ({cols}) SELECT {cols} "
        f"FROM {SCRATCH}.gpkg_spatial_ref_sys WHERE srs_id IN "
        f"(SELECT srs_id FROM {SCRATCH}.gpkg_contents WHERE table_name = ?)",
        (table,),
    )


def _copy_meta_rows(con: sqlite3.Connection, meta: str, table: str) -> None:
    if not _has(con, SCRATCH, meta):
        return
    if not _has(con, "main", meta):
        (sql,) = con.execute(
            f"SELECT sql FROM {SCRATCH}.sqlite_master WHERE type = 'table' AND name = ?", (meta,)
        ).fetchone()
        con.execute(sql)
    cols = _common_columns(con, meta)
    con.execute(
        f"INSERT INTO main.{meta} ({cols}) SELECT {cols} FROM {SCRATCH}.{meta} "
        "WHERE lower(table_name) = lower(?)",
        (table,),
    )


def _common_columns(con: sqlite3.Connection, table: str) -> str:
    main, other = _columns(con, "main", table), _columns(con, SCRATCH, table)
    return ", ".join(q(c) for c in main if c in other)


def _append(con: sqlite3.Connection, table: str) -> None:
    """Insert the scratch's rows after the stored ones and bring the metadata rows up to date."""
    _drop_rtree(con, table)
    stored, new = _columns(con, "main", table), _columns(con, SCRATCH, table)
    geom_main, geom_new = _geometry(con, "main", table), _geometry(con, SCRATCH, table)
    gcol = geom_new[0] if geom_new else None
    pairs = [(c, c) for c, (_, pk) in new.items() if not pk and c != gcol]
    for name, _ in pairs:
        if name not in stored:
            con.execute(f"ALTER TABLE main.{q(table)} ADD COLUMN {q(name)} {new[name][0]}")
    if gcol and geom_main:
        pairs.append((geom_main[0], gcol))
    target = ", ".join(q(t) for t, _ in pairs)
    source = ", ".join(q(s) for _, s in pairs)
    count = _feature_count(con, table)
    sql = f"INSERT INTO main.{q(table)} ({target}) SELECT {source} FROM {SCRATCH}.{q(table)}"
    added = con.execute(sql + " ORDER BY rowid").rowcount
    if count is not None:
        con.execute(
            "UPDATE main.gpkg_ogr_contents SET feature_count = ? WHERE lower(table_name) = lower(?)",
            (count + added, table),
        )
    _widen_extent(con, table)


def _feature_count(con: sqlite3.Connection, table: str) -> int | None:
    if not _has(con, "main", "gpkg_ogr_contents"):
        return None
    row = con.execute(
        "SELECT feature_count FROM main.gpkg_ogr_contents WHERE lower(table_name) = lower(?)", (table,)
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def _widen_extent(con: sqlite3.Connection, table: str) -> None:
    sql = "SELECT min_x, min_y, max_x, max_y FROM {}.gpkg_contents WHERE lower(table_name) = lower(?)"
    old = con.execute(sql.format("main"), (table,)).fetchone()
    new = con.execute(sql.format(SCRATCH), (table,)).fetchone()
    if old is None:
        return
    box = list(old)
    if new is not None:
        for i, pick in enumerate((min, min, max, max)):
            values = [v for v in (old[i], new[i]) if v is not None]
            box[i] = pick(values) if values else None
    con.execute(
        "UPDATE main.gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, "
        "last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE lower(table_name) = lower(?)",
        (*box, table),
    )
