"""The reference data a planner installs into the project store, and what the store holds.

Every write here is one atomic :meth:`geo.store.Store.transaction`: boundaries, a gazetteer of
villages, the child population, a place's location, a drawn zone. The engine (``geo/``) reads and
checks the files and builds the frames; this service owns the writes. ``layer_status`` lists every
layer with its count, source and attribution, and which layers are the embedded defaults
(``zoneplan data status`` and the Données page).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd

import layers
from geo import settings
from geo.boundaries import BoundaryFile, merge_level
from geo.errors import InputError
from geo.gazetteer import GazetteerFile
from geo.i18n import t
from geo.places import validate_location
from geo.store import Store
from geo.vocab import Tables
from geo.zones import validate_drawn
from layers import admin

StoreLike = Store | str | os.PathLike[str] | None


def install_boundaries(store: StoreLike, boundary: BoundaryFile, *, date: str) -> gpd.GeoDataFrame:
    """Write ``boundary`` into ``store`` atomically, replacing any units of the same level.

    The new level is merged onto the installed levels and, where the store has none of a level,
    onto the embedded régions and cercles, so that every unit's parent is the unit of the level
    above that contains it: communes installed without a parent column get their cercle, and the
    units below a replaced level are linked again. Only the installed levels are written; the
    embedded ones stay embedded.

    Returns the admin units as they now stand (installed and embedded levels, parents linked).
    """
    store = Store.of(store)
    level = int(boundary.frame["level"].iloc[0])
    with store.transaction() as tx:
        installed = tx.read(Tables.BOUNDARIES)
        kept = set() if installed is None else {int(v) for v in installed["level"]}
        merged = admin.link_parents(merge_level(admin.with_embedded(installed), boundary.frame))
        tx.write(Tables.BOUNDARIES, merged[merged["level"].isin(kept | {level})])
        tx.set_meta(
            {
                f"boundaries.{level}.source": boundary.source,
                f"boundaries.{level}.schema": boundary.schema,
                f"boundaries.{level}.attribution": boundary.attribution,
                f"boundaries.{level}.installed": date,
            }
        )
    return merged


def install_gazetteer(store: StoreLike, gazetteer: GazetteerFile, *, date: str = "") -> int:
    """Replace the store's gazetteer with ``gazetteer`` atomically; return the previous count."""
    store = Store.of(store)
    with store.transaction() as tx:
        old = tx.read(Tables.GAZETTEER)
        tx.write(Tables.GAZETTEER, gazetteer.frame)
        tx.set_meta(
            {
                "gazetteer.source": gazetteer.source,
                "gazetteer.schema": gazetteer.schema,
                "gazetteer.attribution": gazetteer.attribution,
                "gazetteer.date": date,
                "gazetteer.entries": str(len(gazetteer.frame)),
            }
        )
    return 0 if old is None else len(old)


def install_population(store: StoreLike, population: pd.DataFrame, *, source: str, date: str) -> None:
    """Replace the store's child population per unit with ``population``, atomically."""
    store = Store.of(store)
    with store.transaction() as tx:
        tx.write(Tables.POPULATION, population)
        tx.set_meta({"population.source": source, "population.date": date})


def read_population(store: StoreLike) -> pd.DataFrame | None:
    """Return the installed population (``unit_id``, ``name``, ``children``), or ``None``."""
    frame = Store.of(store).read(Tables.POPULATION)
    if frame is None or len(frame) == 0:
        return None
    return pd.DataFrame(frame).drop(columns="geometry", errors="ignore")


def set_location(
    store: StoreLike,
    place_id: str,
    lat: float,
    lon: float,
    *,
    precision_m: float = 100.0,
    known_ids: Sequence[str] | None = None,
    date: str = "",
    lang: str = settings.DEFAULT_LANGUAGE,
) -> None:
    """Record a user-set location for ``place_id`` in the store (atomically)."""
    store = Store.of(store)
    if known_ids is not None and place_id not in known_ids:
        raise InputError(t("location.unknown_place", lang, place=place_id, valid=", ".join(known_ids)))
    if not (math.isfinite(precision_m) and precision_m > 0):
        raise InputError(t("location.bad_precision", lang, value=precision_m), source=place_id)
    lat, lon = validate_location(lat, lon, source=place_id, lang=lang)
    row = pd.DataFrame(
        [
            {
                "place_id": place_id,
                "lat": lat,
                "lon": lon,
                "precision_m": float(precision_m),
                "set_at": date,
            }
        ]
    )
    with store.transaction() as tx:
        current = tx.read(Tables.LOCATIONS)
        if current is not None:
            row = pd.concat([current[current["place_id"] != place_id], row], ignore_index=True)
        tx.write(Tables.LOCATIONS, row)


def save_drawn_zone(
    store: StoreLike,
    zone_id: str,
    name: str,
    geometry,
    *,
    programme_id: str = "",
    reserved: Sequence[str] | None = None,
) -> None:
    """Save (or replace) a planner-drawn zone in the store, atomically."""
    store = Store.of(store)
    if reserved and zone_id in reserved:
        raise InputError(f"zone id {zone_id!r} is a built-in zone; choose another id")
    geom = validate_drawn(geometry, zone_id=zone_id, name=name)
    row = gpd.GeoDataFrame(
        [
            {
                "zone_id": zone_id,
                "name_fr": str(name),
                "name_en": str(name),
                "programme_id": programme_id,
                "basis": "dessinée par un planificateur",
                "geometry": geom,
            }
        ],
        geometry="geometry",
        crs=settings.CRS,
    )
    with store.transaction() as tx:
        current = tx.read(Tables.USER_ZONES)
        if current is not None and not current.empty:
            row = pd.concat([current[current["zone_id"] != zone_id], row], ignore_index=True)
        tx.write(Tables.USER_ZONES, gpd.GeoDataFrame(row, geometry="geometry", crs=settings.CRS))


def layer_status(store: StoreLike, lang: str = settings.DEFAULT_LANGUAGE) -> list[dict]:
    """Return one record per layer: name, title, feature count, source, attribution (in ``lang``).

    The admin layer's record also lists its ``levels``, the units ``without_parent`` and the
    ``embedded_levels`` (those not installed); the gazetteer's its ``origin`` (``installed`` or
    ``embedded``).
    """
    store = Store.of(store)
    rows = []
    for name in layers.names():
        mod = layers.module(name)
        frame = layers.load(name) if name == "borders" else layers.load(name, store=store)
        row = {"layer": name, "title": mod.TITLE, "features": len(frame), **mod.info(store, lang=lang)}
        if name == "admin":
            row["embedded_levels"] = [str(lv) for lv in admin.embedded_levels(store)]
            counts = frame.groupby("level").size()
            row["levels"] = {str(k): int(v) for k, v in counts.items()}
            row["without_parent"] = {
                str(k): int(frame.loc[frame["level"] == k, "parent_id"].isna().sum())
                for k in counts.index
                if k > 0
            }
        if name == "gazetteer":
            row["origin"] = layers.module("gazetteer").origin(store)
        if name == "places":
            row["unlocated"] = list(layers.module("places").unlocated(store)["name"])
        rows.append(row)
    return rows
