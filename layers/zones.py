"""The five intervention zones, plus any drawn by planners.

Each zone is the admin unit(s) named in ``data/zones.json``: the user's boundaries where installed,
else the embedded régions and cercles (so a fresh install has the real outlines). Only a zone whose
units are in neither is a buffer around the hull of its places (see :mod:`geo.zones`).
"""

from __future__ import annotations

import functools

import geopandas as gpd

from geo import settings
from geo.i18n import t
from geo.store import Store
from geo.vocab import Tables
from geo.zones import build_zones, read_definitions
from layers import admin, borders, places
from layers._common import DATA, file_version
from layers._schema import Schema

TITLE = {"fr": "Zones d'intervention", "en": "Intervention zones"}
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


def load(store=None) -> gpd.GeoDataFrame:
    """Return one polygon per zone.

    Built once per version of its inputs (the store, ``zones.json``, ``places.csv``, the embedded
    admin units): every map, filter and command asks for the zones, and building them reads three
    layers.
    """
    store = Store.of(store)
    key = (
        str(store.path),
        file_version(store.path),
        file_version(DATA / "zones.json"),
        file_version(DATA / "places.csv"),
        *(file_version(path) for path in admin.EMBEDDED.values()),
    )
    return _build(*key).copy()


@functools.lru_cache(maxsize=8)
def _build(path: str, *_versions: tuple[int, int, int]) -> gpd.GeoDataFrame:
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


def info(store=None, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the layer's source and attribution, in ``lang``."""
    return {"source": t("layer.zones.source", lang), "attribution": ATTRIBUTION}
