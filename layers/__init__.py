"""The map layers: one module per layer, each with ``load(...) -> GeoDataFrame`` and a schema.

>>> import layers
>>> layers.names()                               # doctest: +SKIP
['activities', 'admin', 'borders', 'centres', 'gazetteer', 'gold_sites', 'lakes', 'places', 'risk',
 'rivers', 'towns', 'zones']
>>> cercles = layers.load("admin", level=2)      # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from types import ModuleType

import geopandas as gpd

from geo.errors import UnknownNameError

#: Layer name -> module (inside this package) that defines it.
REGISTRY: dict[str, str] = {
    "admin": "layers.admin",
    "borders": "layers.borders",
    "places": "layers.places",
    "gold_sites": "layers.gold_sites",
    "centres": "layers.centres",
    "zones": "layers.zones",
    "activities": "layers.activities",
    "risk": "layers.risk",
    "gazetteer": "layers.gazetteer",
    "rivers": "layers.rivers",
    "lakes": "layers.lakes",
    "towns": "layers.towns",
}


def names() -> list[str]:
    """Return the valid layer names, sorted."""
    return sorted(REGISTRY)


def module(name: str) -> ModuleType:
    """Return the module defining layer ``name``; raise listing the valid names if unknown."""
    if name not in REGISTRY:
        raise UnknownNameError("layer", name, names())
    return importlib.import_module(REGISTRY[name])


def load(name: str, **kwargs) -> gpd.GeoDataFrame:
    """Load layer ``name`` and check it against its declared schema."""
    mod = module(name)
    return mod.SCHEMA.check(mod.load(**kwargs), name)
