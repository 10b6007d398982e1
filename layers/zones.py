"""The five intervention zones, plus any drawn by planners.

Each zone is the admin unit(s) named in ``data/zones.json`` where boundaries are installed, else a
buffer around the hull of its places (see :mod:`geo.zones`).
"""

from __future__ import annotations

import functools

import geopandas as gpd

from geo.store import Store
from geo.vocab import Tables
from geo.zones import build_zones, read_definitions
from layers import admin, borders, places
from layers._common import DATA
from layers._schema import Schema

TITLE = {"fr": "Zones d'intervention", "en": "Intervention zones"}
SOURCE = "data/zones.json (programme documents)"
ATTRIBUTION = ""
SCHEMA = Schema(
    columns={
        "zone_id": "str",
        "name_fr": "str",
        "name_en": "str",
        "programme_id": "str",
        "method": "str",
        "basis": "str",
    },
    geometry_types=("Polygon", "MultiPolygon"),
)


def definitions() -> list[dict]:
    """Return the built-in zone definitions."""
    return read_definitions(DATA / "zones.json")


def _version(path) -> tuple[int, int]:
    """Return ``(mtime in ns, size)`` of ``path``, ``(0, 0)`` when absent."""
    try:
        st = path.stat()
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def load(store=None) -> gpd.GeoDataFrame:
    """Return one polygon per zone.

    Built once per version of its inputs (the store, ``zones.json``, ``places.csv``): every map,
    filter and command asks for the zones, and building them reads three layers.
    """
    store = Store.of(store)
    key = (
        str(store.path),
        _version(store.path),
        _version(DATA / "zones.json"),
        _version(DATA / "places.csv"),
    )
    return _build(*key).copy()


@functools.lru_cache(maxsize=8)
def _build(path: str, *_versions: tuple[int, int]) -> gpd.GeoDataFrame:
    store = Store.of(path)
    boundaries = admin.load(store)
    boundaries = boundaries[boundaries["level"] > 0]
    mali = borders.load().query("is_mali").geometry.iloc[0]
    return build_zones(
        definitions(), places.load(store), boundaries, store.read(Tables.USER_ZONES), country=mali
    )


def names(store=None) -> list[str]:
    """Return the valid zone ids."""
    return list(load(store)["zone_id"])


def info(store=None) -> dict[str, str]:
    """Return the layer's source and attribution."""
    return {"source": SOURCE, "attribution": ATTRIBUTION}
