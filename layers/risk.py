"""Risk per planning unit: case figures aggregated (commune level or coarser) and suppressed.

Case figures never get a point. This layer holds admin-unit polygons with counts that already went
through disclosure control (:func:`geo.disclosure.protect`), computed from the store's ``cases``
table; empty but valid until case records are imported and boundaries installed.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.aggregate import aggregate
from geo.disclosure import protect
from layers import admin
from layers._common import resolve_store
from layers._schema import Schema

TITLE = {"fr": "Risque (cas agrégés)", "en": "Risk (aggregated cases)"}
SOURCE = "project store (zoneplan import --kind cases), aggregated and suppressed"
TABLE = "cases"
ATTRIBUTION = ""
SCHEMA = Schema(
    columns={"unit_id": "str", "name": "str", "level": "int", "case_type": "str",
             "value": "float", "display": "str", "suppressed": "bool"},
    geometry_types=("Polygon", "MultiPolygon"),
)


def load(store=None, case_type: str | None = None, programme_id: str | None = None
         ) -> gpd.GeoDataFrame:
    """Return case counts per admin unit, aggregated and disclosure-controlled.

    The unit is the commune where commune polygons are installed, else the cercle, else the
    région: never finer than :data:`geo.settings.CASE_MIN_ADMIN_LEVEL`, never a point. ``value``
    is blank where hidden; ``display`` reads "<5" (or "x" for secondary suppression).
    """
    from zoneplan.records import CASES_TABLE

    store = resolve_store(store)
    cases = store.read(CASES_TABLE)
    if cases is None or cases.empty:
        return SCHEMA.empty()
    cases = pd.DataFrame(cases)
    if case_type:
        cases = cases[cases["case_type"] == case_type]
    if programme_id:
        cases = cases[cases["programme_id"] == programme_id]
    units = admin.load(store)
    for level, key in ((3, "commune_id"), (2, "cercle_id"), (1, "region_id")):
        if level > settings.CASE_MIN_ADMIN_LEVEL:
            continue
        polygons = units[units["level"] == level]
        if not polygons.empty and cases[key].isin(polygons["unit_id"]).any():
            break
    else:
        return SCHEMA.empty()
    table = aggregate(cases, by={3: "commune", 2: "cercle", 1: "region"}[level],
                      groupby=["case_type"], values=["total"])
    table = table.drop(columns=["level", "records"]).rename(columns={key: "unit_id", "total": "value"})
    table = table[table["unit_id"].isin(polygons["unit_id"])]
    parent = level > 1
    if parent:
        lookup = polygons.set_index("unit_id")["parent_id"]
        table["parent_id"] = table["unit_id"].map(lookup)
    shielded = protect(table, "value", level=level,
                       parent_col=["parent_id", "case_type"] if parent else ["case_type"])
    out = shielded.rename(columns={"value_display": "display", "value_suppressed": "suppressed"})
    out = out.merge(polygons[["unit_id", "name", "level", "geometry"]], on="unit_id")
    frame = gpd.GeoDataFrame(out[[*SCHEMA.columns, "geometry"]], geometry="geometry",
                             crs=settings.CRS)
    frame["level"] = frame["level"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    return frame.reset_index(drop=True)


def info(store=None) -> dict[str, str]:
    """Return the layer's source and attribution."""
    return {"source": SOURCE, "attribution": ATTRIBUTION}
