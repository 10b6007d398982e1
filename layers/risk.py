"""Risk per planning unit: case figures aggregated (commune level or coarser) and suppressed.

Case figures never get a point. This layer holds admin-unit polygons with counts that already went
through disclosure control (:func:`geo.disclosure.case_figures`), computed from the store's
``cases`` table; empty but valid until case records are imported and boundaries installed.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.disclosure import case_figures
from geo.i18n import t
from geo.store import Store
from geo.vocab import ADMIN, Tables
from layers import admin
from layers._schema import Schema

TITLE = {"fr": "Risque (cas agrégés)", "en": "Risk (aggregated cases)"}
TABLE = Tables.CASES
ATTRIBUTION = ""
SCHEMA = Schema(
    columns={
        "unit_id": "str",
        "name": "str",
        "level": "int",
        "case_type": "str",
        "value": "float",
        "display": "str",
        "suppressed": "bool",
    },
    geometry_types=("Polygon", "MultiPolygon"),
)


def load(
    store=None,
    case_type: str | None = None,
    programme_id: str | None = None,
    *,
    k: int = settings.SUPPRESSION_K,
) -> gpd.GeoDataFrame:
    """Return case counts per admin unit, aggregated and disclosure-controlled.

    The unit is the commune where commune polygons are installed, else the cercle, else the
    région: never finer than :data:`geo.settings.CASE_MIN_ADMIN_LEVEL`, never a point. ``value``
    is blank where hidden; ``display`` reads "<k" (or "x" for secondary suppression).
    """
    store = Store.of(store)
    cases = store.read(TABLE)
    if cases is None or cases.empty:
        return SCHEMA.empty()
    cases = pd.DataFrame(cases)
    if case_type:
        cases = cases[cases["case_type"] == case_type]
    if programme_id:
        cases = cases[cases["programme_id"] == programme_id]
    units = admin.load(store)
    for adm in reversed(ADMIN):  # the finest level whose polygons the records reach
        if adm.level == 0 or adm.level > settings.CASE_MIN_ADMIN_LEVEL:
            continue
        polygons = units[units["level"] == adm.level]
        if not polygons.empty and cases[adm.id_col].isin(polygons["unit_id"]).any():
            break
    else:
        return SCHEMA.empty()
    drawn = cases[cases[adm.id_col].isin(polygons["unit_id"])]
    parent = polygons.set_index("unit_id")["parent_id"] if adm.level > 1 else False
    table = case_figures(
        drawn, level=adm.level, values="total", groupby=["case_type"], parent=parent, k=k
    )
    out = table.drop(columns=["name", "level"], errors="ignore").rename(
        columns={
            adm.id_col: "unit_id",
            "total": "value",
            "total_display": "display",
            "total_suppressed": "suppressed",
        }
    )
    out = out.merge(polygons[["unit_id", "name", "level", "geometry"]], on="unit_id")
    frame = gpd.GeoDataFrame(out[[*SCHEMA.columns, "geometry"]], geometry="geometry", crs=settings.CRS)
    frame["level"] = frame["level"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    return frame.reset_index(drop=True)


def info(store=None, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the layer's source and attribution, in ``lang``."""
    return {"source": t("layer.risk.source", lang), "attribution": ATTRIBUTION}
