"""The programmes' towns, communes, villages and sites (embedded ``data/places.csv``).

Places without coordinates are left out of the map layer and listed by :func:`unlocated`; a location
set by a user (stored in the project store) places them.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.i18n import t
from geo.places import apply_locations, read_places
from geo.store import Store
from geo.vocab import Tables
from layers._common import DATA
from layers._schema import Schema

TITLE = {"fr": "Lieux", "en": "Places"}
ATTRIBUTION = "GeoNames (CC BY 4.0, geonames.org) via Who's On First."
SCHEMA = Schema(
    columns={
        "place_id": "str",
        "name": "str",
        "alt_names": "str",
        "kind": "str",
        "lat": "float",
        "lon": "float",
        "admin1": "str",
        "admin2": "str",
        "admin3": "str",
        "zone": "str",
        "source": "str",
        "confidence": "str",
        "precision_m": "float",
        "approximate": "bool",
        "located": "bool",
    },
    geometry_types=("Point",),
)


def load_all(store=None) -> gpd.GeoDataFrame:
    """Return every place, located or not (unlocated ones have a ``None`` geometry)."""
    places = read_places(DATA / "places.csv")
    return apply_locations(places, Store.of(store).read(Tables.LOCATIONS))


def load(store=None, include_unlocated: bool = False) -> gpd.GeoDataFrame:
    """Return the places; unlocated ones only when ``include_unlocated`` is true."""
    frame = load_all(store)
    if not include_unlocated:
        frame = frame[frame["located"]]
    return frame.reset_index(drop=True)


def unlocated(store=None) -> pd.DataFrame:
    """Return the places that have no location yet (never mapped)."""
    frame = load_all(store)
    return pd.DataFrame(frame.loc[~frame["located"]].drop(columns="geometry")).reset_index(drop=True)


def info(store=None, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the layer's source and attribution, in ``lang``."""
    return {"source": t("layer.places.source", lang), "attribution": ATTRIBUTION}
