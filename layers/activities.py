"""Activity records (sensitisation, focus groups, trainings) located at their place.

Filled by ``zoneplan import`` (see :mod:`zoneplan.records`); empty but valid until then. Each
record is a point at its matched place (no geometry for a place without a location, such as
Danga before it is set), with its commune, cercle, région and zone ids for aggregation
(:func:`geo.aggregate.aggregate`). Counts left blank in the file stay missing (``<NA>``).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.i18n import t
from geo.store import Store
from layers._schema import Schema

TITLE = {"fr": "Activités", "en": "Activities"}
TABLE = "activities"
ATTRIBUTION = ""
COUNT_COLUMNS = ("girls", "boys", "women", "men", "children", "total", "sessions")
SCHEMA = Schema(
    columns={
        "record_id": "str",
        "date": "date",
        "programme_id": "str",
        "partner": "str",
        "activity_type": "str",
        "place_id": "str",
        "unit_id": "str",
        "girls": "int",
        "boys": "int",
        "women": "int",
        "men": "int",
        "total": "int",
        "sessions": "int",
    },
    geometry_types=("Point", "Polygon", "MultiPolygon"),
)


def load(store=None) -> gpd.GeoDataFrame:
    """Return the imported activity records (empty before any import)."""
    frame = Store.of(store).read(TABLE)
    if frame is None:
        return SCHEMA.empty()
    if not isinstance(frame, gpd.GeoDataFrame):
        return SCHEMA.empty()
    frame = frame.copy()
    # GeoPackage gives whole numbers with gaps back as floats; a gap means "not given", not 0.
    for col in COUNT_COLUMNS:
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").round().astype("Int64")
    frame["date"] = pd.to_datetime(frame["date"], errors="coerce")
    return frame


def info(store=None, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the layer's source and attribution, in ``lang``."""
    return {"source": t("layer.activities.source", lang), "attribution": ATTRIBUTION}
