"""Cached loaders: each keyed on plain arguments (the store's path and its data version).

Streamlit reruns the page script on every widget change; reading the GeoPackage each time would
cost seconds. The store's version (:func:`store_key`) is part of every key, so a write (an import,
a drawn zone, a set location) is seen on the next rerun; every session of the server shares what
was read or computed for the same version.
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

import layers
from geo.store import Store
from zoneplan.zone import store_version


def store_key(store: Store) -> tuple[str, str]:
    """Return the cache key of ``store``: its path and data version (:func:`store_version`)."""
    return str(store.path), store_version(store)


@st.cache_resource(show_spinner=False, max_entries=64)
def load_layer(name: str, store_path: str, version: str, **kwargs) -> gpd.GeoDataFrame:
    """Return layer ``name`` from the store at ``store_path`` (cached per store ``version``).

    One shared frame per layer and store version (no copy per rerun): callers never modify it.
    """
    if name == "borders":
        return layers.load("borders")
    return layers.load(name, store=Store(store_path), **kwargs)


def base_frames(store: Store, *, audience: str = "public") -> dict[str, gpd.GeoDataFrame]:
    """Return the base layers of every map (borders, admin, zones, places, sites, centres, and the
    Natural Earth rivers, lakes and towns)."""
    path, version = store_key(store)
    frames = {
        name: load_layer(name, path, version)
        for name in ("borders", "admin", "zones", "places", "gold_sites", "rivers", "lakes", "towns")
    }
    frames["centres"] = load_layer("centres", path, version, audience=audience)
    return frames


@st.cache_data(show_spinner=False, max_entries=16)
def unlocated(store_path: str, version: str):
    """Return the places that have no location yet (cached per store version)."""
    return layers.module("places").unlocated(Store(store_path))


@st.cache_data(show_spinner=False, max_entries=16)
def status(store_path: str, version: str) -> list[dict]:
    """Return every layer with its count, source and attribution (cached per store version)."""
    from zoneplan.datastore import layer_status

    return layer_status(Store(store_path))


@st.cache_data(show_spinner=False, max_entries=16)
def store_meta(store_path: str, version: str) -> dict[str, str]:
    """Return the store's key/value metadata (cached per store version)."""
    store = Store(store_path)
    return store.meta() if store.exists() else {}
