"""The project store: one GeoPackage file holding installed boundaries and imported records.

Writes are atomic. A :meth:`Store.transaction` copies the store to a temporary file beside it, applies
every write there, and only when all of them succeeded replaces the store with ``os.replace``. A crash
or a refused input therefore never leaves a half-written store, and readers never see one.
Concurrent writers are serialised with an advisory lock file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo import settings
from geo.errors import InputError
from geo.vocab import Tables

#: Key/value table describing what was installed (sources, attributions, data version).
META_TABLE = Tables.META


class Store:
    """Read and atomically write the project's GeoPackage.

    Parameters
    ----------
    path
        The GeoPackage file, or ``None`` to resolve it with :func:`geo.settings.store_path`.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = settings.store_path(path)

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
        if not self.exists():
            return []
        return [str(name) for name in pyogrio.list_layers(self.path)[:, 0]]

    def has(self, table: str) -> bool:
        """Return whether ``table`` is in the store."""
        return table in self.tables()

    def read(self, table: str) -> gpd.GeoDataFrame | pd.DataFrame | None:
        """Return ``table`` as a (Geo)DataFrame, or ``None`` when the store or table is absent."""
        if not self.has(table):
            return None
        return pyogrio.read_dataframe(self.path, layer=table)

    def meta(self) -> dict[str, str]:
        """Return the store's key/value metadata."""
        frame = self.read(META_TABLE)
        if frame is None or frame.empty:
            return {}
        return dict(zip(frame["key"].astype(str), frame["value"].astype(str), strict=True))

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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{self.path.stem}.", suffix=".tmp.gpkg", dir=self.path.parent
            )
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                if self.exists():
                    shutil.copyfile(self.path, tmp)
                else:
                    tmp.unlink()
                tx = _Transaction(tmp)
                yield tx
                if tx.changed:
                    _fsync(tmp)
                    os.replace(tmp, self.path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                fcntl.flock(lock, fcntl.LOCK_UN)

    def write(self, table: str, frame: pd.DataFrame) -> None:
        """Replace ``table`` with ``frame`` atomically."""
        with self.transaction() as tx:
            tx.write(table, frame)


class _Transaction:
    """Writes applied to a private copy of the store (see :meth:`Store.transaction`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.changed = False

    def _tables(self) -> list[str]:
        if not self.path.exists():
            return []
        return [str(name) for name in pyogrio.list_layers(self.path)[:, 0]]

    def read(self, table: str) -> gpd.GeoDataFrame | pd.DataFrame | None:
        """Return ``table`` as it stands inside this transaction."""
        if table not in self._tables():
            return None
        return pyogrio.read_dataframe(self.path, layer=table)

    def write(self, table: str, frame: pd.DataFrame, *, append: bool = False) -> None:
        """Replace (or append to) ``table`` with ``frame``."""
        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None:
            raise InputError(f"table {table!r} has no CRS; expected {settings.CRS}")
        frame = _storable(frame)
        kwargs: dict[str, object] = {}
        if isinstance(frame, gpd.GeoDataFrame):
            frame = frame.to_crs(settings.CRS)
            if frame.empty:
                kwargs["geometry_type"] = "Unknown"
            else:
                kwargs["promote_to_multi"] = bool(
                    frame.geom_type.isin(["Polygon", "MultiPolygon"]).all()
                )
        exists = table in self._tables()
        pyogrio.write_dataframe(
            frame,
            self.path,
            layer=table,
            driver="GPKG",
            append=append and exists,
            use_arrow=True,
            **kwargs,
        )
        self.changed = True

    def delete(self, table: str) -> None:
        """Drop ``table`` if it exists."""
        if table not in self._tables():
            return
        with sqlite3.connect(self.path) as con:
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
            con.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (table,))
            con.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = ?", (table,))
        self.changed = True

    def set_meta(self, values: dict[str, str]) -> None:
        """Merge ``values`` into the store's key/value metadata."""
        current = self.read(META_TABLE)
        merged = {} if current is None else dict(zip(current["key"], current["value"], strict=True))
        merged.update({str(k): str(v) for k, v in values.items()})
        self.write(
            META_TABLE,
            pd.DataFrame({"key": list(merged), "value": list(merged.values())}),
        )


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose columns GDAL can write (object columns of mixed types become text)."""
    out = frame.copy()
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


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())
