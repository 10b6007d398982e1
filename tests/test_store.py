"""The GeoPackage store: location rules and atomic writes; the offline web map."""

from __future__ import annotations

import re
import sqlite3

import geopandas as gpd
import pandas as pd
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
    with pytest.raises(InputError, match="no CRS"):
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
