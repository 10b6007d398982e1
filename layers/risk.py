"""Risk per planning unit: case figures aggregated (commune level or coarser) and suppressed.

Case figures never get a point. This layer holds admin-unit polygons with counts that already went
through disclosure control; empty but valid until case records are imported.
"""

from __future__ import annotations

import geopandas as gpd

from layers._common import resolve_store
from layers._schema import Schema

TITLE = {"fr": "Risque (cas agrégés)", "en": "Risk (aggregated cases)"}
TABLE = "risk"
SOURCE = "project store (zoneplan import --kind cases), aggregated and suppressed"
ATTRIBUTION = ""
SCHEMA = Schema(
    columns={"unit_id": "str", "name": "str", "level": "int", "case_type": "str",
             "value": "float", "display": "str", "suppressed": "bool"},
    geometry_types=("Polygon", "MultiPolygon"),
)


def load(store=None) -> gpd.GeoDataFrame:
    """Return the suppressed case aggregates per unit (empty before any import)."""
    frame = resolve_store(store).read(TABLE)
    if frame is None or not isinstance(frame, gpd.GeoDataFrame):
        return SCHEMA.empty()
    return frame


def info(store=None) -> dict[str, str]:
    """Return the layer's source and attribution."""
    return {"source": SOURCE, "attribution": ATTRIBUTION}
