"""The project store: one GeoPackage file holding installed boundaries and imported records.

Writes are SQLite transactions on the GeoPackage itself. A :meth:`Store.transaction` keeps its
writes in memory (``tx.read`` sees them); when the ``with`` block ends, GDAL writes the new rows
(:data:`WRITE_ROWS` at a time) into a small scratch GeoPackage beside the store and
:mod:`geo.gpkgsql` moves them in with one ``BEGIN IMMEDIATE`` ... ``COMMIT``. A write therefore
costs what it adds, not what the store holds. SQLite's rollback journal keeps a crash harmless:
a killed write leaves the store as it was (the next connection rolls the journal back) or as it
became. The very first write builds the whole store in the scratch file and links it into place,
so a half-made store never appears.

Writers wait for each other on ``<store>.lock`` (``flock``: the kernel releases it when its holder
dies; the holder removes the file when done) and on SQLite's own locks. The next command removes
what a killed one left (the scratch of a dead process, a lock file nobody holds). Freed pages are
zeroed (``secure_delete``); :meth:`Store.compact` rewrites the file without them.

GDAL and Python each link their own SQLite, and POSIX locks belong to the process: one copy
closing the file would drop the other's locks. Within a process the two copies therefore never
hold the store open at the same time (``_SIDES``).

A bad store is refused in one French line (:class:`geo.errors.InputError`) naming the path, what
was found and what was expected: a folder, a file that is not a GeoPackage, a read-only file or
folder, a full disk, a store another writer holds too long. The store is then left unchanged.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from geo import gpkgsql, settings
from geo.errors import InputError
from geo.i18n import t
from geo.vocab import Tables

#: Key/value table describing what was installed (sources, attributions, data version).
META_TABLE = Tables.META
#: Seconds a writer waits for another writer before refusing.
LOCK_WAIT_S = 120.0
#: A scratch file this old goes even if a live process bears its pid (pids are reused).
SCRATCH_MAX_AGE_S = 6 * 3600.0
SCRATCH_MARK = ".scratch.gpkg"
#: Rows handed to GDAL at a time: what a table's conversion holds stays bounded by it.
WRITE_ROWS = 10_000
_GDAL_ERRORS = (DataSourceError, DataLayerError)
_STORED = "stored"  # a pending table's base: the rows the store holds


class _Sides:
    """Let many users of one SQLite copy (GDAL's or Python's) hold the store, never both at once."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._side = ""
        self._count = 0

    @contextlib.contextmanager
    def hold(self, side: str) -> Iterator[None]:
        with self._cond:
            while self._count and self._side != side:
                self._cond.wait()
            self._side, self._count = side, self._count + 1
        try:
            yield
        finally:
            with self._cond:
                self._count -= 1
                if not self._count:
                    self._cond.notify_all()


_SIDES = _Sides()


class Store:
    """Read and atomically write the project's GeoPackage.

    Parameters
    ----------
    path
        The GeoPackage file, or ``None`` to resolve it with :func:`geo.settings.store_path`. A
        folder names the ``zoneplan.gpkg`` inside it, which must exist: a store is never created
        inside a folder named by mistake.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = settings.store_path(path)
        given = None if path is None else Path(path).expanduser()
        self._folder = given if given is not None and given.is_dir() else None
        self._swept = False

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @classmethod
    def of(cls, store: Store | str | os.PathLike[str] | None) -> Store:
        """Return ``store`` as a :class:`Store`: itself, a path, or ``None`` for the default one."""
        return store if isinstance(store, Store) else cls(store)

    # --- reading ---------------------------------------------------------------------------

    def exists(self) -> bool:
        """Return whether the store file exists."""
        return self.path.is_file()

    def tables(self) -> list[str]:
        """Return the names of the tables (spatial or not) in the store."""
        with self._open() as con:
            return [] if con is None else gpkgsql.tables(con)

    def has(self, table: str) -> bool:
        """Return whether ``table`` is in the store."""
        return table in self.tables()

    def read(
        self, table: str, *, columns: list[str] | None = None, geometry: bool = True
    ) -> gpd.GeoDataFrame | pd.DataFrame | None:
        """Return ``table`` (only ``columns`` if given), or ``None`` if the store or table is absent.

        Without ``geometry`` the rows come through Arrow: fast, and no Python object per cell.
        """
        if not self.has(table):
            return None
        with _SIDES.hold("gdal"), self._refusing(reading=True):
            return pyogrio.read_dataframe(
                self.path, layer=table, columns=columns, read_geometry=geometry, use_arrow=not geometry
            )

    def meta(self) -> dict[str, str]:
        """Return the store's key/value metadata."""
        with self._open() as con:
            return {} if con is None else gpkgsql.key_values(con, META_TABLE)

    # --- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Transaction]:
        """Yield a writer whose changes all land together, or not at all.

        Examples
        --------
        >>> with Store(path).transaction() as tx:          # doctest: +SKIP
        ...     tx.write("boundaries", frame)
        ...     tx.set_meta({"boundaries_source": "WOF"})
        """
        with self._locked():
            tx = _Transaction(self)
            yield tx
            if tx.changed:
                self._commit(tx)

    def write(self, table: str, frame: pd.DataFrame) -> None:
        """Replace ``table`` with ``frame`` atomically."""
        with self.transaction() as tx:
            tx.write(table, frame)

    def compact(self) -> None:
        """Rewrite the store without free pages (``VACUUM``): deleted rows leave no bytes behind.

        Call it after a transaction, not inside one (it waits for the writers' lock).
        """
        if not self.exists():
            return
        with self._locked(), self._refusing(), self._connection() as con:
            gpkgsql.vacuum(con)

    # --- inside ----------------------------------------------------------------------------

    def _check_path(self) -> None:
        if self.path.is_dir() or (self._folder is not None and not self.path.exists()):
            folder = self.path if self.path.is_dir() else self._folder
            example = folder / settings.STORE_FILENAME
            raise InputError(t("store.err.folder", path=folder, example=example))

    @contextlib.contextmanager
    def _open(self) -> Iterator[sqlite3.Connection | None]:
        """Yield a connection to the checked store, or ``None`` while it does not exist."""
        self._check_path()
        sweep, self._swept = not self._swept, True
        if sweep:
            _sweep(self.path, locked=False)
        if not self.exists():
            yield None
            return
        with self._refusing(reading=True), self._connection() as con:
            if not _is_geopackage(con):
                raise InputError(t("store.err.not_gpkg", path=self.path, found=_found(self.path)))
            if sweep:
                with contextlib.suppress(OSError, sqlite3.Error):
                    gpkgsql.clear_stale_journal(con, self.path)
            yield con

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with _SIDES.hold("sqlite"):
            con = gpkgsql.connect(self.path)
            try:
                yield con
            finally:
                con.close()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Check that the store can be written, then hold the writers' lock."""
        self._check_path()
        with self._refusing():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.exists():
            with self._open():
                pass  # refuses a file that is not a GeoPackage
            _require_writable(self.path)
        _require_writable(self.path.parent)
        with self._refusing():
            fd = _acquire(_lock_path(self.path), time.monotonic() + LOCK_WAIT_S)
        try:
            _sweep(self.path, locked=True)
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(_lock_path(self.path))
            os.close(fd)

    def _commit(self, tx: _Transaction) -> None:
        name = f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}{SCRATCH_MARK}"
        scratch = self.path.with_name(name)
        try:
            with self._refusing():
                ops = tx._write_scratch(scratch)
                if not self.exists() and (not scratch.exists() or _publish(scratch, self.path)):
                    return
                appends = [table for table, op in ops.items() if op == "append"]
                if appends:
                    with self._connection() as con:
                        conflicts = gpkgsql.append_conflicts(con, scratch, appends)
                    for table in conflicts:
                        tx._widen(table, scratch)
                        ops[table] = "replace"
                with self._connection() as con:
                    gpkgsql.apply(con, scratch if scratch.exists() else None, ops)
        finally:
            _remove(scratch)

    @contextlib.contextmanager
    def _refusing(self, *, reading: bool = False) -> Iterator[None]:
        """Turn the system's and SQLite's refusals into one line naming the store."""
        try:
            yield
        except (OSError, sqlite3.Error, *_GDAL_ERRORS) as exc:
            key = gpkgsql.failure(exc)
            if key is None and not reading:
                raise
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if key == "store.err.not_gpkg":
                found = _found(self.path)
                raise InputError(t(key, path=self.path, found=found)) from exc
            key = key or "store.err.unreadable"
            pid = _holder(_lock_path(self.path))
            raise InputError(
                t(key, path=self.path, detail=detail, pid=pid, seconds=int(LOCK_WAIT_S))
            ) from exc


class _Transaction:
    """Writes kept in memory until the transaction commits (see :meth:`Store.transaction`).

    Each written table holds a base (the stored rows, ``None`` once deleted, or a frame that
    replaces them) and the frames appended to it, or the rows of one to write (:class:`_Rows`).
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pending: dict[str, tuple[object, list[pd.DataFrame | _Rows]]] = {}
        self.changed = False

    def read(self, table: str) -> gpd.GeoDataFrame | pd.DataFrame | None:
        """Return ``table`` as it stands inside this transaction."""
        if table not in self._pending:
            return self._store.read(table)
        base, extra = self._pending[table]
        head = self._store.read(table) if base is _STORED else base
        frames = [f for f in (head, *extra) if f is not None]
        return _concat(frames).copy() if frames else None

    def write(
        self, table: str, frame: pd.DataFrame, *, append: bool = False, rows: np.ndarray | None = None
    ) -> None:
        """Replace (or append to) ``table`` with ``frame``, or with its rows at positions ``rows``."""
        frame = _prepared(table, frame)
        part = frame if rows is None else _Rows(frame, np.asarray(rows, dtype=np.int64))
        base, extra = self._pending.get(table, (_STORED, []))
        self._pending[table] = (base, [*extra, part]) if append else (part, [])
        self.changed = True

    def delete(self, table: str) -> None:
        """Drop ``table`` if it exists."""
        self._pending[table] = (None, [])
        self.changed = True

    def set_meta(self, values: dict[str, str]) -> None:
        """Merge ``values`` into the store's key/value metadata."""
        current = self.read(META_TABLE)
        merged = {} if current is None else dict(zip(current["key"], current["value"], strict=True))
        merged.update({str(k): str(v) for k, v in values.items()})
        self.write(META_TABLE, pd.DataFrame({"key": list(merged), "value": list(merged.values())}))

    def _write_scratch(self, scratch: Path) -> dict[str, str]:
        """Write every pending table into ``scratch``; return table -> operation for gpkgsql."""
        ops = {}
        for table, (base, extra) in self._pending.items():
            frames = extra if base is _STORED or base is None else [base, *extra]
            if not frames:
                ops[table] = "delete"
                continue
            _write_layer(scratch, table, frames[0] if len(frames) == 1 else _concat(frames))
            ops[table] = "append" if base is _STORED else "replace"
        return ops

    def _widen(self, table: str, scratch: Path) -> None:
        """Put the stored rows and the appended ones in ``scratch``: their columns disagree."""
        _, extra = self._pending[table]
        stored = self._store.read(table)
        _write_layer(scratch, table, _concat([f for f in (stored, *extra) if f is not None]))


class _Rows(NamedTuple):  # the rows of ``frame`` at positions ``rows``, not copied out yet
    frame: pd.DataFrame
    rows: np.ndarray


def _whole(part: pd.DataFrame | _Rows) -> pd.DataFrame:
    return part.frame.take(part.rows) if isinstance(part, _Rows) else part


def _prepared(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return a storable copy of ``frame``: in the store's CRS, its geometry named ``geometry``."""
    if isinstance(frame, gpd.GeoDataFrame):
        if frame.crs is None:
            raise InputError(t("store.err.no_crs", table=table, crs=settings.CRS))
        if not frame.crs.equals(settings.CRS):
            frame = frame.to_crs(settings.CRS)
        if frame.geometry.name != "geometry":
            frame = frame.rename_geometry("geometry")
    return _storable(frame)


def _concat(parts: list[pd.DataFrame | _Rows]) -> pd.DataFrame:
    frames = [_whole(p) for p in parts]
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    out = pd.concat(frames, ignore_index=True)
    if any(isinstance(f, gpd.GeoDataFrame) for f in frames):
        out = gpd.GeoDataFrame(out, geometry="geometry", crs=settings.CRS)
    return _storable(out)


def _write_layer(scratch: Path, table: str, part: pd.DataFrame | _Rows) -> None:
    """Write a frame (or some of its rows) as ``table`` of ``scratch``, :data:`WRITE_ROWS` rows
    at a time."""
    some = isinstance(part, _Rows)
    frame, rows = part if some else (part, np.arange(len(part)))
    kwargs: dict[str, object] = {"layer": table, "driver": "GPKG", "use_arrow": True}
    if isinstance(frame, gpd.GeoDataFrame):
        # No R-tree: its triggers call SQL functions only GDAL's SQLite knows.
        kwargs["layer_options"] = {"SPATIAL_INDEX": "NO"}
        if not len(rows):
            kwargs["geometry_type"] = "Unknown"
        else:
            shapes = np.asarray(frame.geometry.array, dtype=object)[rows]
            kinds = shapely.get_type_id(shapes)
            kwargs["promote_to_multi"] = promote = bool(np.isin(kinds, (3, 6)).all())  # polygons
            if len(rows) > WRITE_ROWS:  # every slice declares the whole table's type
                kwargs["geometry_type"] = _geometry_type(shapes, kinds, promote)
            del shapes, kinds
    for start in range(0, max(len(rows), 1), WRITE_ROWS):
        at = rows[start : start + WRITE_ROWS]
        if start:
            kwargs.pop("layer_options", None)  # the layer exists: its options are set
        rows_at = frame if len(at) == len(frame) and not some else frame.take(at)
        pyogrio.write_dataframe(rows_at, scratch, append=bool(start), **kwargs)


def _geometry_type(shapes: np.ndarray, kinds: np.ndarray, promote: bool) -> str:
    """Return the layer type pyogrio infers for ``shapes`` (written with ``promote_to_multi``)."""
    ids, first = np.unique(kinds, return_index=True)
    names = set(gpd.GeoSeries(shapes[first[ids >= 0]]).geom_type)  # one shape of each type
    if promote:
        names = {f"Multi{k}" if k in ("Point", "LineString", "Polygon") else k for k in names}
    kind = names.pop() if len(names) == 1 else "Unknown"
    solid = shapes[(kinds >= 0) & ~shapely.is_empty(shapes)]
    return f"{kind} Z" if kind != "Unknown" and bool(shapely.has_z(solid).any()) else kind


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose columns GDAL can write (object columns of mixed types become text)."""
    out = frame.copy(deep=False)  # columns replaced below are new arrays; the caller's stay as they are
    geom = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for col in out.columns:
        if col == geom:
            continue
        if out[col].dtype == object:
            out[col] = out[col].map(_text_or_none)
    return out


def _text_or_none(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value != value:  # NaN
        return None
    return str(value)


# --- the file system ---------------------------------------------------------------------------


def _is_geopackage(con: sqlite3.Connection) -> bool:
    try:
        return gpkgsql.is_geopackage(con)
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
            return False
        raise


def _found(path: Path) -> str:
    """Describe what ``path`` holds, for a refusal (read only when it is not a database)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    if not head:
        return t("store.found.empty")
    if head.startswith(gpkgsql.SQLITE_MAGIC):
        return t("store.found.sqlite")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and "\x00" not in text:
        start = text.splitlines()[0][:40] if text.strip() else text[:40]
        return t("store.found.text", start=start)
    return t("store.found.binary")


def _require_writable(path: Path) -> None:
    """Refuse a file or folder without write permission (checked by its mode too: root ignores it)."""
    if not path.exists():
        return
    if not (path.stat().st_mode & 0o222) or not os.access(path, os.W_OK):
        raise InputError(t("store.err.readonly", path=path))


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _acquire(lock: Path, deadline: float) -> int:
    """Return an open descriptor of ``lock`` holding its ``flock``; wait until ``deadline``."""
    delay = 0.01
    while True:
        fd = _try_lock(lock)
        if fd is not None:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        if time.monotonic() > deadline:
            pid = _holder(lock)
            raise InputError(
                t("store.err.busy", path=lock.with_suffix(""), pid=pid, seconds=int(LOCK_WAIT_S))
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def _try_lock(lock: Path) -> int | None:
    """Lock ``lock`` without waiting; ``None`` when a live process holds it."""
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # its holder removed it as we opened it: lock the new one


def _holder(lock: Path) -> str:
    try:
        return lock.read_text(encoding="ascii").strip() or "?"
    except (OSError, UnicodeDecodeError):
        return "?"


def _sweep(path: Path, *, locked: bool) -> None:
    """Remove what killed writers left beside the store: scratch files, a lock nobody holds."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    prefix = f".{path.name}."
    for name in names:
        if name.startswith(prefix) and SCRATCH_MARK in name:
            pid = name[len(prefix) :].split(".", 1)[0]
            if _stale(path.parent / name, int(pid) if pid.isdigit() else 0):
                _unlink(path.parent / name)
    lock = _lock_path(path)
    free = locked  # then no writer, old or new, is at work
    if not locked and lock.exists():
        fd = None
        with contextlib.suppress(OSError):
            fd = _try_lock(lock)
        if fd is not None:
            _unlink(lock)
            os.close(fd)
            free = True
    if free:  # leftovers of the old copy-and-replace writer, which used the same lock
        for name in names:
            if name.startswith(f".{path.stem}.") and name.endswith(".tmp.gpkg"):
                _unlink(path.parent / name)


def _stale(scratch: Path, pid: int) -> bool:
    try:
        age = time.time() - scratch.stat().st_mtime
    except OSError:
        return False
    if age > SCRATCH_MAX_AGE_S:
        return True
    if pid <= 0:
        return True
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, someone else's
        return False
    return False


def _publish(scratch: Path, path: Path) -> bool:
    """Link a complete new store into place unless one appeared meanwhile; return whether it did."""
    _fsync(scratch)
    try:
        os.link(scratch, path)
    except FileExistsError:
        return False
    except OSError as exc:  # a file system without hard links (FAT, some network shares)
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if path.exists():
            return False
        os.replace(scratch, path)
    _fsync(path.parent)
    return True


def _remove(scratch: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        _unlink(scratch.with_name(scratch.name + suffix))


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
