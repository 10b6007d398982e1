"""Administrative units, levels 0 (country) to 3 (communes): whatever is installed.

Boundaries installed with ``zoneplan data add-boundaries`` live in the project store. Level 0 falls
back to Mali's outline from the embedded Natural Earth layer when no country polygon is installed.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.store import Store
from geo.vocab import Tables
from layers import borders
from layers._schema import Schema

TITLE = {"fr": "Unités administratives", "en": "Administrative units"}
SCHEMA = Schema(
    columns={"unit_id": "str", "name": "str", "level": "int", "parent_id": "str"},
    geometry_types=("Polygon", "MultiPolygon"),
)


def load(store=None, level: int | None = None) -> gpd.GeoDataFrame:
    """Return installed admin units (all levels, or only ``level``)."""
    installed = Store.of(store).read(Tables.BOUNDARIES)
    frame = SCHEMA.empty() if installed is None else installed
    frame = gpd.GeoDataFrame(
        frame[["unit_id", "name", "level", "parent_id", "geometry"]],
        geometry="geometry",
        crs=settings.CRS,
    )
    frame["level"] = frame["level"].astype("int64")
    if not (frame["level"] == 0).any() and level in (None, 0):
        mali = borders.load().query("iso_a3 == 'MLI'")
        country = gpd.GeoDataFrame(
            {"unit_id": ["ML"], "name": ["Mali"], "level": [0], "parent_id": [None]},
            geometry=list(mali.geometry),
            crs=settings.CRS,
        )
        frame = gpd.GeoDataFrame(
            pd.concat([country, frame], ignore_index=True), geometry="geometry", crs=settings.CRS
        )
    if level is not None:
        frame = frame[frame["level"] == level]
    return frame.reset_index(drop=True)


def info(store=None) -> dict[str, str]:
    """Return the source and attribution of each installed level."""
    meta = Store.of(store).meta()
    levels = sorted({k.split(".")[1] for k in meta if k.startswith("boundaries.")})
    sources = [f"niveau {lv}: {meta.get(f'boundaries.{lv}.source', '?')}" for lv in levels]
    attributions = sorted(
        {
            meta[f"boundaries.{lv}.attribution"]
            for lv in levels
            if meta.get(f"boundaries.{lv}.attribution")
        }
    )
    if not any(lv == "0" for lv in levels):
        sources.insert(0, "niveau 0: Natural Earth (intégré)")
        attributions.append(borders.ATTRIBUTION)
    return {"source": "; ".join(sources), "attribution": " ".join(attributions)}
