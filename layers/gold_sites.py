"""Artisanal gold-mining sites: the places of kind ``gold_site``."""

from __future__ import annotations

import geopandas as gpd

from geo import settings
from layers import places
from layers._schema import Schema

TITLE = {"fr": "Sites d'orpaillage", "en": "Gold-mining sites"}
SCHEMA = Schema(columns=dict(places.SCHEMA.columns), geometry_types=("Point",))


def load(store=None) -> gpd.GeoDataFrame:
    """Return the located gold-mining sites (Kokoyo is approximate and flagged so)."""
    frame = places.load(store)
    return frame[frame["kind"] == "gold_site"].reset_index(drop=True)


def info(store=None, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the layer's source and attribution, in ``lang``."""
    return places.info(store, lang)
