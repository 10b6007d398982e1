"""The user's gazetteer: villages and localities installed with ``zoneplan data add-places``.

Empty but valid until a gazetteer is installed. Import matching uses it after the programme's own
places (see :mod:`geo.matcher`); its source and attribution are kept in the store's metadata.
"""

from __future__ import annotations

import geopandas as gpd

from geo.gazetteer import GAZETTEER_COLUMNS
from geo.store import Store
from geo.vocab import Tables
from layers._schema import Schema

TITLE = {"fr": "Répertoire des localités", "en": "Gazetteer"}
TABLE = Tables.GAZETTEER
NOT_INSTALLED = "not installed (zoneplan data add-places FILE)"
SCHEMA = Schema(columns={c: "str" for c in GAZETTEER_COLUMNS}, geometry_types=("Point",))


def load(store=None) -> gpd.GeoDataFrame:
    """Return the installed gazetteer's points (empty before any ``data add-places``)."""
    frame = Store.of(store).read(TABLE)
    if frame is None or not isinstance(frame, gpd.GeoDataFrame):
        return SCHEMA.empty()
    frame = frame.copy()
    for col in GAZETTEER_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
        frame[col] = frame[col].astype(object).where(frame[col].notna(), "")
    return frame[[*GAZETTEER_COLUMNS, frame.geometry.name]].reset_index(drop=True)


def info(store=None) -> dict[str, str]:
    """Return the layer's source and attribution (from the store's metadata)."""
    meta = Store.of(store).meta()
    source = meta.get("gazetteer.source")
    if not source:
        return {"source": NOT_INSTALLED, "attribution": ""}
    detail = f"{source} ({meta.get('gazetteer.schema', '?')}, {meta.get('gazetteer.date', '')})"
    return {"source": detail, "attribution": meta.get("gazetteer.attribution", "")}
