"""What keeps an import's memory small (issue 13): the store's writes in slices and of chosen rows,
the chunks' rows kept as codes, record ids read back from Arrow, Arrow's pool during an import.

The figures themselves (resident memory against the file's size) are printed by
``benchmarks/bench_records.py``; these tests check that each of the means changes nothing.
"""

from __future__ import annotations

import re
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon

import geo.store
import geo.textfile
from geo.errors import InputError
from geo.store import Store
from tests.test_import import MESSY
from tests.test_import import _write as write_lines
from zoneplan.recordrows import Kept, id_hashes, record_ids
from zoneplan.records import import_file


def _square(x: float) -> Polygon:
    return Polygon([(x, 12), (x + 0.1, 12), (x + 0.1, 12.1), (x, 12.1)])


def _layer_type(store: Store, table: str) -> str:
    with sqlite3.connect(store.path) as con:
        sql = "SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = ?"
        return con.execute(sql, (table,)).fetchone()[0]


def _frames() -> dict[str, gpd.GeoDataFrame]:
    squares = [_square(-8 + i / 10) for i in range(11)]
    shapes = [MultiPolygon([s]) if i % 3 == 0 else s for i, s in enumerate(squares)]
    points = [None if i == 6 else Point(-8 + i / 10, 12) for i in range(11)]
    mixed = [MultiPoint([p, p]) if i == 9 else p for i, p in enumerate(points)]  # past slice 1
    return {
        "mixed": gpd.GeoDataFrame({"n": range(11)}, geometry=mixed, crs=4326),
        "polygons": gpd.GeoDataFrame({"n": range(11)}, geometry=shapes, crs=4326),
        "points": gpd.GeoDataFrame(
            {"n": range(11), "t": list("abcdefghijk")}, geometry=points, crs=4326
        ),
    }


def test_a_table_written_in_slices_is_the_table_written_at_once(tmp_path, monkeypatch):
    whole, sliced = Store(tmp_path / "whole.gpkg"), Store(tmp_path / "sliced.gpkg")
    with whole.transaction() as tx:
        for table, frame in _frames().items():
            tx.write(table, frame)
    monkeypatch.setattr(geo.store, "WRITE_ROWS", 4)  # 11 rows: three slices
    with sliced.transaction() as tx:
        for table, frame in _frames().items():
            tx.write(table, frame)
    for table in ("polygons", "points", "mixed"):
        assert _layer_type(sliced, table) == _layer_type(whole, table)
        pd.testing.assert_frame_equal(sliced.read(table), whole.read(table))
    assert _layer_type(sliced, "polygons") == "MULTIPOLYGON"
    assert _layer_type(sliced, "mixed") == "GEOMETRY"
    assert sliced.read("points").geometry.isna().sum() == 1


@pytest.mark.parametrize("write_rows", [2, 1000])
def test_an_append_writes_only_the_rows_asked_for(store, monkeypatch, write_rows):
    monkeypatch.setattr(geo.store, "WRITE_ROWS", write_rows)
    frames = _frames()
    store.write("points", frames["points"].iloc[:5])
    with store.transaction() as tx:
        tx.write("points", frames["points"], append=True, rows=np.array([1, 3, 8, 10]))
        inside = tx.read("points")
    stored = store.read("points")
    assert stored["n"].tolist() == [0, 1, 2, 3, 4, 1, 3, 8, 10]
    assert stored["t"].tolist()[5:] == ["b", "d", "i", "k"]
    assert inside["n"].tolist() == stored["n"].tolist()
    assert stored.geometry.iloc[-1].equals(Point(-7, 12))


def test_chunks_kept_as_codes_make_the_frame_one_concat_makes():
    chunks = [
        pd.DataFrame(
            {
                "record_id": pd.Series(["a1", "a2", "a3", "a4"], dtype="str"),
                "partner": pd.Series(["ENDA", "ENDA", None, "ENDA"], dtype=object),
                "notes": pd.Series(["x", "y", "z", "w"], dtype="str"),
                "girls": np.array([1, 2, 3, 4]),
                "women": np.array([np.nan, 1.0, np.nan, 2.0]),
            }
        ),
        pd.DataFrame(columns=["record_id", "partner", "notes", "girls", "women"]),  # nothing kept
        pd.DataFrame(
            {
                "record_id": pd.Series(["a5", "a6"], dtype="str"),
                "partner": pd.Series(["ACESEM", "ENDA"], dtype=object),
                "notes": pd.Series(["v", "v"], dtype="str"),
                "girls": np.array([5, 6]),
                "women": np.array([3, 4]),
            }
        ),
    ]
    kept = Kept()
    for chunk in chunks:
        kept.add(chunk)
    frame = kept.frame(list(chunks[0].columns))
    expected = pd.concat([chunks[0], chunks[2]], ignore_index=True)
    pd.testing.assert_frame_equal(frame.astype(str), expected.astype(str))
    assert isinstance(frame["partner"].dtype, pd.CategoricalDtype)
    assert frame["partner"].cat.categories.tolist() == ["ENDA", "ACESEM"]
    assert frame["partner"].isna().tolist() == [False, False, True, False, False, False]
    assert frame["record_id"].dtype == "str" and frame["notes"].dtype == "str"  # mostly distinct
    assert frame["women"].dtype == float and frame["girls"].dtype == np.int64
    assert Kept().frame(["a", "b"]).columns.tolist() == ["a", "b"]


def test_record_ids_are_read_back_as_their_hashes():
    hashes = np.array([0, 1, 2**63, 2**64 - 1, 0x0123456789ABCDEF], dtype=np.uint64)
    ids = record_ids(hashes, "activities")
    assert ids.iloc[-1] == "a0123456789abcdef"
    mixed = pd.concat([ids, pd.Series([None, "x", "c" + "f" * 16], dtype=object)], ignore_index=True)
    assert id_hashes(mixed).tolist() == [*hashes.tolist(), 2**64 - 1]
    assert id_hashes(mixed.iloc[2:4]).tolist() == hashes[2:4].tolist()
    assert id_hashes(pd.Series(["nope"], dtype=object)).tolist() == []


_UTF8 = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(
        st.sampled_from(b"A;\n\x7f\x80\x99\xa9\xbf\xc0\xc2\xc3\xdf\xe0\xe2\xef\xf0"), max_size=40
    )
)
def test_the_utf8_scan_finds_what_the_pattern_finds(data):
    data = bytes(data)
    for block in (1, 3, 7, 1 << 18):  # sequences across the blocks' edges too
        geo.textfile._SCAN_BLOCK = block
        try:
            assert geo.textfile._has_utf8_sequences(data) == bool(_UTF8.search(data))
        finally:
            geo.textfile._SCAN_BLOCK = 1 << 18


def test_an_import_lends_arrow_the_system_allocator_and_gives_its_pool_back(tmp_path, store):
    before = pa.default_memory_pool().backend_name
    during = []
    messy = write_lines(tmp_path / "messy.csv", MESSY)
    report = import_file(
        messy,
        store=store,
        chunk_rows=4,
        progress=lambda f, n: during.append(pa.default_memory_pool().backend_name),
    )
    assert report.summary["rows_read"] == len(MESSY)
    assert set(during) == {"system"}
    assert pa.default_memory_pool().backend_name == before
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError):
        import_file(tmp_path / "empty.csv", store=store)
    assert pa.default_memory_pool().backend_name == before
