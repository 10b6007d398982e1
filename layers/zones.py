"""The five intervention zones, plus any drawn by planners.

Each zone is the admin unit(s) named in ``data/zones.json`` where boundaries are installed, else a
buffer around the hull of its places (see :mod:`geo.zones`).
"""

from __future__ import annotations

import geopandas as gpd

from geo.zones import USER_ZONES_TABLE, build_zones, read_definitions
from layers import admin, borders, places
from layers._common import DATA, resolve_store
from layers._schema import Schema

TITLE = {"fr": "Zones d'intervention", "en": "Intervention zones"}
SOURCE = "data/zones.json (programme documents)"
ATTRIBUTION = ""
SCHEMA = Schema(
    columns={"zone_id": "str", "name_fr": "str", "name_en": "str", "programme_id": "str",
             "method": "str", "basis": "str"},
    geometry_types=("Polygon", "MultiPolygon"),
)


def definitions() -> list[dict]:
    """Return the built-in zone definitions."""
    return read_definitions(DATA / "zones.json")


def load(store=None) -> gpd.GeoDataFrame:
    """Return one polygon per zone."""
    store = resolve_store(store)
    boundaries = admin.load(store)
    boundaries = boundaries[boundaries["level"] > 0]
    mali = borders.load().query("is_mali").geometry.iloc[0]
    return build_zones(definitions(), places.load(store), boundaries,
                       store.read(USER_ZONES_TABLE), country=mali)


def names(store=None) -> list[str]:
    """Return the valid zone ids."""
    return list(load(store)["zone_id"])


def info(store=None) -> dict[str, str]:
    """Return the layer's source and attribution."""
    return {"source": SOURCE, "attribution": ATTRIBUTION}
