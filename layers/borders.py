"""Mali and its seven neighbours (Natural Earth 10m admin-0, embedded).

Mali is landlocked: its outline is its international border.
"""

from __future__ import annotations

import functools

import geopandas as gpd

from geo import settings
from layers._common import DATA
from layers._schema import Schema

TITLE = {"fr": "Frontières", "en": "Borders"}
SOURCE = "Natural Earth 10m admin-0 v5.1.1 (data/borders.geojson)"
ATTRIBUTION = "Made with Natural Earth."
SCHEMA = Schema(
    columns={"iso_a3": "str", "name": "str", "name_fr": "str", "name_en": "str", "is_mali": "bool"},
    geometry_types=("Polygon", "MultiPolygon"),
)


@functools.cache
def _read() -> gpd.GeoDataFrame:
    frame = gpd.read_file(DATA / "borders.geojson").to_crs(settings.CRS)
    frame["is_mali"] = frame["iso_a3"] == "MLI"
    return frame[["iso_a3", "name", "name_fr", "name_en", "is_mali", "geometry"]]


def load() -> gpd.GeoDataFrame:
    """Return the eight countries (a copy, safe to modify)."""
    return _read().copy()


def info(store=None, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the layer's source and attribution, in ``lang``."""
    return {"source": SOURCE, "attribution": ATTRIBUTION}
