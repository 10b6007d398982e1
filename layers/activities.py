"""Activity records (sensitisation, focus groups, trainings) located at their place.

Filled by ``zoneplan import``; empty but valid until then.
"""

from __future__ import annotations

import geopandas as gpd

from layers._common import resolve_store
from layers._schema import Schema

TITLE = {"fr": "Activités", "en": "Activities"}
TABLE = "activities"
SOURCE = "project store (zoneplan import)"
ATTRIBUTION = ""
SCHEMA = Schema(
    columns={"record_id": "str", "date": "date", "programme_id": "str", "partner": "str",
             "activity_type": "str", "place_id": "str", "unit_id": "str", "girls": "int",
             "boys": "int", "women": "int", "men": "int", "total": "int", "sessions": "int"},
    geometry_types=("Point", "Polygon", "MultiPolygon"),
)


def load(store=None) -> gpd.GeoDataFrame:
    """Return the imported activity records (empty before any import)."""
    frame = resolve_store(store).read(TABLE)
    if frame is None:
        return SCHEMA.empty()
    if not isinstance(frame, gpd.GeoDataFrame):
        return SCHEMA.empty()
    return frame


def info(store=None) -> dict[str, str]:
    """Return the layer's source and attribution."""
    return {"source": SOURCE, "attribution": ATTRIBUTION}
