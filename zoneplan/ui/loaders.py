"""Cached loaders: each keyed on plain arguments (store path and its modification time).

Streamlit reruns the page script on every widget change; reading the GeoPackage each time would
cost seconds. The store's mtime is part of every key, so a write (an import, a drawn zone, a set
location) is seen on the next rerun.
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

import layers
from geo.store import Store


def store_key(store: Store) -> tuple[str, float]:
    """Return the cache key of ``store``: its path and modification time (0 when absent)."""
    path = store.path
    return str(path), (path.stat().st_mtime if path.exists() else 0.0)


@st.cache_data(show_spinner=False, max_entries=64)
def load_layer(name: str, store_path: str, mtime: float, **kwargs) -> gpd.GeoDataFrame:
    """Return layer ``name`` from the store at ``store_path`` (cached per store version)."""
    if name == "borders":
        return layers.load("borders")
    return layers.load(name, store=Store(store_path), **kwargs)


def base_frames(store: Store, *, audience: str = "public") -> dict[str, gpd.GeoDataFrame]:
    """Return the base layers of every map (borders, admin, zones, places, sites, centres)."""
    path, mtime = store_key(store)
    frames = {name: load_layer(name, path, mtime)
              for name in ("borders", "admin", "zones", "places", "gold_sites")}
    frames["centres"] = load_layer("centres", path, mtime, audience=audience)
    return frames
