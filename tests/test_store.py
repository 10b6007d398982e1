"""The GeoPackage store: where it lives, in-place atomic writes, leftovers, bad stores; the web map."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from geo import settings
from geo.errors import InputError
from geo.store import Store
from geo.webmap import OfflineMap, display_geometry, escape, standalone_html


def _points(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"n": range(n)}, geometry=[Point(-8 + i / 10, 12) for i in range(n)], crs=4326
    )


def test_store_location_rules(tmp_path, monkeypatch):
    explicit = tmp_path / "mine.gpkg"
    assert Store(explicit).path == explicit
    assert Store(tmp_path).path == tmp_path / settings.STORE_FILENAME
    monkeypatch.setenv(settings.STORE_ENV_VAR, str(tmp_path / "home"))
    assert Store().path == tmp_path / "home" / settings.STORE_FILENAME
    monkeypatch.delenv(settings.STORE_ENV_VAR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert Store().path == tmp_path / "xdg" / "zoneplan" / settings.STORE_FILENAME


def test_store_is_a_real_geopackage(store):
    store.write("points", _points(3))
    with sqlite3.connect(store.path) as con:
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        tables = {row[0] for row in con.execute("SELECT table_name FROM gpkg_contents")}
    assert app_id == 0x47504B47  # "GPKG"
    assert "points" in tables
    assert len(store.read("points")) == 3


def test_failed_transaction_leaves_store_unchanged(store):
    store.write("points", _points(3))
    before = store.path.read_bytes()
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.write("points", _points(5))
        tx.write("other", pd.DataFrame({"a": [1]}))
        raise RuntimeError("crash half-way")
    assert store.path.read_bytes() == before
    assert store.tables() == ["points"]
    assert not [p for p in store.path.parent.iterdir() if p.name.endswith(".tmp.gpkg")]


def test_transaction_applies_all_writes_together(store):
    with store.transaction() as tx:
        tx.write("points", _points(2))
        tx.set_meta({"version": "1"})
        assert tx.read("points") is not None
        assert not store.exists()  # nothing visible until the transaction ends
    assert set(store.tables()) == {"points", "zp_meta"}
    assert store.meta() == {"version": "1"}


def test_crs_less_frame_is_refused(store):
    with pytest.raises(InputError, match="sans système de coordonnées"):
        store.write("bad", gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)]))
    assert not store.exists()


def test_text_is_stored_verbatim(store):
    store.write("notes", pd.DataFrame({"text": ["<script>alert(1)</script>", "Ségou", None]}))
    assert store.read("notes")["text"].tolist()[:2] == ["<script>alert(1)</script>", "Ségou"]


def test_offline_map_loads_nothing_from_the_network():
    m = OfflineMap(location=[12.6, -8.0], zoom_start=6)
    rendered = m.get_root().render()
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", rendered)
    page = standalone_html(m)
    assert "L.map(" in page or "L.map (" in page
    assert "Leaflet" in page  # the library itself is inlined
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", page)
    assert "url(images/" not in page  # control icons are embedded, not fetched


def test_escape_neutralises_markup():
    assert escape('<script>x</script> & "q"') == "&lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot;"
    assert escape(None) == ""


def test_display_geometry_keeps_shared_edges_and_rounds():
    from shapely.geometry import box

    left = box(-8.0, 12.0, -7.5, 12.5)
    right = box(-7.5, 12.0, -7.0, 12.5)
    frame = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[left, right], crs=4326, index=[7, 9])
    shown = display_geometry(frame, tolerance_deg=0.01)
    assert list(shown.index) == [7, 9]
    shared = shown.geometry.iloc[0].intersection(shown.geometry.iloc[1])
    assert shared.length == pytest.approx(0.5)
    assert frame.geometry.iloc[0].equals(left)  # the input was not modified


# --- writes are SQLite transactions on the file itself ------------------------------------------


def _integrity(path) -> str:
    with sqlite3.connect(path) as con:
        return con.execute("PRAGMA integrity_check").fetchone()[0]


def _beside(store: Store) -> list[str]:
    return sorted(p.name for p in store.path.parent.iterdir())


def _old_store(path) -> Store:
    """A store as the old writer left it: every table written by GDAL, with its R-tree index."""
    pyogrio.write_dataframe(_points(3), path, layer="points", driver="GPKG")
    pyogrio.write_dataframe(
        pd.DataFrame({"key": ["version"], "value": ["1"]}), path, layer="zp_meta", driver="GPKG"
    )
    return Store(path)


def test_old_store_with_spatial_index_is_appended_and_replaced(tmp_path):
    store = _old_store(tmp_path / "old.gpkg")
    with store.transaction() as tx:
        tx.write("points", _points(2), append=True)
        tx.set_meta({"more": "yes"})
    assert store.read("points")["n"].tolist() == [0, 1, 2, 0, 1]
    assert store.meta() == {"version": "1", "more": "yes"}
    store.write("points", _points(4))
    assert store.read("points")["n"].tolist() == [0, 1, 2, 3]
    assert _integrity(store.path) == "ok"
    assert pyogrio.read_info(store.path, layer="points")["features"] == 4
    with sqlite3.connect(store.path) as con:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    assert not [n for n in names if n.startswith("rtree_")]  # no index left half-maintained
    assert _beside(store) == ["old.gpkg"]


def test_every_table_reads_back_with_types_and_crs(store):
    frame = gpd.GeoDataFrame(
        {
            "when": pd.to_datetime(["2024-01-02", "2025-03-04"]),
            "count": pd.array([3, 4], dtype="Int64"),
            "ratio": [0.5, None],
            "text": ["Ségou", None],
        },
        geometry=[Point(-8, 12), None],
        crs=4326,
    )
    store.write("points", frame)
    with store.transaction() as tx:
        tx.write("points", frame.iloc[:1], append=True)
        tx.write("plain", pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), append=True)
    for table in store.tables():  # the way any GDAL client reads the file
        assert pyogrio.read_dataframe(store.path, layer=table) is not None
    back = store.read("points")
    assert back.crs.to_epsg() == 4326
    assert back["when"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-02", "2025-03-04", "2024-01-02"]
    assert back["count"].tolist() == [3, 4, 3]
    assert back["text"].iloc[0] == "Ségou"
    assert pd.isna(back["text"].iloc[1])
    assert back.geometry.iloc[1] is None
    assert back.geometry.iloc[2].equals(Point(-8, 12))
    assert store.read("plain")["b"].tolist() == ["x", "y"]
    assert store.read("points", columns=["count"], geometry=False).columns.tolist() == ["count"]


def test_reads_inside_a_transaction_see_its_writes(store):
    store.write("points", _points(2))
    with store.transaction() as tx:
        tx.write("points", _points(3), append=True)
        assert len(tx.read("points")) == 5
        assert list(tx.read("points").index) == list(range(5))
        tx.write("points", _points(1))
        tx.write("points", _points(1), append=True)
        assert len(tx.read("points")) == 2
        tx.delete("points")
        assert tx.read("points") is None
        tx.write("points", _points(4), append=True)
        assert len(tx.read("points")) == 4
        assert len(store.read("points")) == 2  # nothing lands before the end
    assert store.read("points")["n"].tolist() == [0, 1, 2, 3]


def test_append_with_other_columns_keeps_every_value(store):
    store.write("t", pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    with store.transaction() as tx:
        tx.write("t", pd.DataFrame({"a": [3], "c": [0.5]}), append=True)  # a new column
    with store.transaction() as tx:
        tx.write("t", pd.DataFrame({"a": ["quatre"], "b": ["z"]}), append=True)  # text into int
    back = store.read("t")
    assert back["a"].astype(str).tolist() == ["1", "2", "3", "quatre"]
    assert back["b"].tolist()[:2] == ["x", "y"]
    assert back["c"].tolist()[2] == 0.5
    assert _integrity(store.path) == "ok"


def test_delete_drops_the_table_and_its_metadata(store):
    store.write("points", _points(2))
    store.write("other", pd.DataFrame({"a": [1]}))
    with store.transaction() as tx:
        tx.delete("points")
        tx.delete("never_there")
    assert store.tables() == ["other"]
    with sqlite3.connect(store.path) as con:
        for meta in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents"):
            sql = f"SELECT count(*) FROM {meta} WHERE table_name = 'points'"
            assert con.execute(sql).fetchone()[0] == 0


def test_replaced_text_leaves_no_bytes_in_the_file(store):
    marker = "Kalaban-Coura-MARQUEUR-7391"
    store.write("quarantine", pd.DataFrame({"village": [marker] * 50, "n": range(50)}))
    assert marker.encode() in store.path.read_bytes()
    store.write("quarantine", pd.DataFrame({"village": ["(retiré)"] * 50, "n": range(50)}))
    assert marker.encode() not in store.path.read_bytes()
    assert _beside(store) == ["store.gpkg"]  # no journal holds them either


def test_compact_clears_what_other_writers_left_in_free_pages(store):
    marker = "Kalaban-Coura-MARQUEUR-7391"
    store.write("quarantine", pd.DataFrame({"village": [marker] * 200}))
    with sqlite3.connect(store.path) as con:  # a writer without secure_delete (an older tool)
        con.execute("PRAGMA secure_delete = OFF")
        con.execute("DELETE FROM quarantine")
    assert marker.encode() in store.path.read_bytes()  # the freed pages still hold the text
    store.compact()
    assert marker.encode() not in store.path.read_bytes()
    assert store.read("quarantine").empty
    assert _integrity(store.path) == "ok"
    assert _beside(store) == ["store.gpkg"]


def test_nothing_is_left_beside_the_store(store):
    with store.transaction() as tx:
        tx.write("points", _points(2))
    store.write("points", _points(3))
    with store.transaction() as tx:
        tx.write("points", _points(1), append=True)
    store.compact()
    assert _beside(store) == ["store.gpkg"]


def test_what_killed_writers_left_is_removed(store, tmp_path):
    store.write("points", _points(2))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(dead.stdout)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        folder = store.path.parent
        left = [
            f".store.gpkg.{dead_pid}.abcd1234.scratch.gpkg",
            f".store.gpkg.{dead_pid}.abcd1234.scratch.gpkg-journal",
            ".store.k2j3h4.tmp.gpkg",  # the old copy-and-replace writer's
            "store.gpkg.lock",  # nobody holds it
        ]
        for name in left:
            (folder / name).write_bytes(b"x")
        kept = folder / f".store.gpkg.{live.pid}.ffff0000.scratch.gpkg"
        kept.write_bytes(b"x")
        # killed between linking a new store into place and removing the scratch's name
        os.link(store.path, folder / f".store.gpkg.{dead_pid}.0000ffff.scratch.gpkg")
        assert Store(store.path).tables() == ["points"]  # a reader clears the dead ones
        assert _beside(store) == sorted(["store.gpkg", kept.name])
    finally:
        live.kill()
        live.wait()
    store.write("points", _points(1))  # and a writer those of a process that has ended
    assert _beside(store) == ["store.gpkg"]
    assert _integrity(store.path) == "ok"


def test_a_held_lock_makes_a_writer_wait_then_refuse(store, monkeypatch):
    import fcntl

    from geo import store as store_module

    store.write("points", _points(2))
    before = store.path.read_bytes()
    monkeypatch.setattr(store_module, "LOCK_WAIT_S", 0.3)
    with open(store.path.with_name("store.gpkg.lock"), "w") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        holder.write("4242\n")
        holder.flush()
        with pytest.raises(InputError, match="occupé par une autre écriture") as err:
            store.write("points", _points(5))
    assert "4242" in str(err.value)
    assert store.path.read_bytes() == before
    assert store.read("points")["n"].tolist() == [0, 1]


def test_concurrent_writers_lose_no_update(store):
    import threading

    store.write("points", _points(1))

    def writer(i: int) -> None:
        for j in range(5):
            with Store(store.path).transaction() as tx:
                tx.set_meta({f"w{i}.{j}": "1"})
                tx.write("points", _points(1), append=True)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for _ in range(10):
        assert store.read("points") is not None  # readers carry on meanwhile
    for thread in threads:
        thread.join()
    assert len(store.meta()) == 15
    assert len(store.read("points")) == 16
    assert _integrity(store.path) == "ok"
    assert _beside(store) == ["store.gpkg"]


def test_a_journal_left_by_a_killed_writer_is_rolled_back(store):
    store.write("points", _points(3))
    store.write("big", pd.DataFrame({"text": ["x" * 500] * 2000}))
    script = (
        "import os, sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "con.execute('PRAGMA cache_size = 2')\n"
        "con.execute('BEGIN IMMEDIATE')\n"
        "con.execute('DELETE FROM big')\n"
        "con.execute('DELETE FROM points')\n"
        "os._exit(9)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(store.path)], check=False)
    journal = store.path.with_name("store.gpkg-journal")
    assert journal.exists()  # the writer died in the middle: a hot journal
    assert len(Store(store.path).read("points")) == 3
    assert len(store.read("big")) == 2000
    assert not journal.exists()
    assert _integrity(store.path) == "ok"


# --- bad stores: one French line naming the path, the store unchanged --------------------------


def _one_line(err: pytest.ExceptionInfo, *words: str) -> str:
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


def test_a_folder_is_refused_and_nothing_is_created_in_it(tmp_path):
    folder = tmp_path / "dossier"
    folder.mkdir()
    store = Store(folder)
    for call in (store.tables, store.meta, lambda: store.read("points")):
        with pytest.raises(InputError) as err:
            call()
        _one_line(err, str(folder), "est un dossier", "attendu un fichier GeoPackage")
    with pytest.raises(InputError, match="est un dossier"):
        store.write("points", _points(1))
    assert list(folder.iterdir()) == []
    Store(folder / settings.STORE_FILENAME).write("points", _points(1))
    assert Store(folder).tables() == ["points"]  # a folder holding a store names it
    (tmp_path / "x.gpkg").mkdir()
    with pytest.raises(InputError, match="est un dossier"):
        Store(tmp_path / "x.gpkg").tables()


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"Date;Village;Filles\n2024-01-01;Kati;3\n", "un fichier texte commençant par « Date;Village"),
        (b"", "un fichier vide"),
        (bytes(range(256)) * 4, "un fichier binaire"),
        (None, "une base SQLite sans tables GeoPackage"),
    ],
)
def test_a_file_that_is_not_a_geopackage_is_refused(tmp_path, content, found):
    path = tmp_path / "projet.gpkg"
    if content is None:
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE t (a)")
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    store = Store(path)
    for call in (
        store.tables,
        store.meta,
        lambda: store.read("points"),
        lambda: store.write("points", _points(1)),
        store.compact,
    ):
        with pytest.raises(InputError) as err:
            call()
        _one_line(err, str(path), "n'est pas un GeoPackage", found)
    assert path.read_bytes() == before
    assert _beside(store) == ["projet.gpkg"]


def test_a_read_only_store_or_folder_is_refused(store):
    store.write("points", _points(2))
    before = store.path.read_bytes()
    folder = store.path.parent
    for target in (store.path, folder):
        mode = target.stat().st_mode
        target.chmod(0o555 if target.is_dir() else 0o444)
        try:
            assert len(store.read("points")) == 2  # reading still works
            with pytest.raises(InputError) as err:
                store.write("points", _points(5))
            _one_line(err, str(target), "en lecture seule")
        finally:
            target.chmod(mode)
    assert store.path.read_bytes() == before
    assert _beside(store) == ["store.gpkg"]


def test_a_full_disk_is_refused_and_the_store_is_unchanged(store, monkeypatch):
    import errno

    from geo import gpkgsql
    from geo import store as store_module

    store.write("points", _points(2))
    before = store.path.read_bytes()

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    def sqlite_full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    for module, name, fail in (
        (store_module.pyogrio, "write_dataframe", no_space),
        (gpkgsql, "apply", sqlite_full),
    ):
        with monkeypatch.context() as patch:
            patch.setattr(module, name, fail)
            with pytest.raises(InputError) as err:
                store.write("points", _points(5))
        _one_line(err, str(store.path), "disque plein", "inchangé")
        assert store.path.read_bytes() == before
        assert _beside(store) == ["store.gpkg"]
    new = Store(store.path.with_name("new.gpkg"))
    with monkeypatch.context() as patch:
        patch.setattr(store_module.pyogrio, "write_dataframe", no_space)
        with pytest.raises(InputError, match="disque plein"):
            new.write("points", _points(1))
    assert not new.exists()
    assert _beside(store) == ["store.gpkg"]
