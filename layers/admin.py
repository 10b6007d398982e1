"""Administrative units, levels 0 (country) to 3 (communes): the user's where installed, else embedded.

Boundaries installed with ``zoneplan data add-boundaries`` live in the project store, one level at a
time. A level the store lacks comes from the embedded defaults of ``data/reference/``: the Who's On
First régions (level 1) and cercles (level 2) of the pre-2016 frame, which have no official value
(see ``data/README.md``). Level 0 falls back to Mali's outline from the embedded Natural Earth
layer. Whatever the mix, every unit's parent is a unit of the level above (:func:`link_parents`),
so the commune -> cercle -> région chain holds.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.boundaries import ATTRIBUTIONS, COLUMNS, assign_parents, read_boundaries
from geo.i18n import t
from geo.store import Store
from geo.vocab import Tables
from layers import borders
from layers._common import REFERENCE, credit, file_version
from layers._schema import Schema

TITLE = {"fr": "Unités administratives", "en": "Administrative units"}
SCHEMA = Schema(
    columns={"unit_id": "str", "name": "str", "level": "int", "parent_id": "str"},
    geometry_types=("Polygon", "MultiPolygon"),
)
#: The embedded default units of each level (Who's On First, pre-2016 frame).
EMBEDDED: dict[int, Path] = {1: REFERENCE / "regions.geojson", 2: REFERENCE / "cercles.geojson"}
#: Attribution of the embedded units (Who's On First, with GeoNames and Mesoshapes).
EMBEDDED_ATTRIBUTION: str = ATTRIBUTIONS["wof"]


def load(store=None, level: int | None = None) -> gpd.GeoDataFrame:
    """Return the admin units (all levels, or only ``level``): installed, else embedded.

    Built once per version of the store and of the embedded files (a copy is returned).
    """
    frame = _units(Store.of(store))[0]
    if level is not None:
        frame = frame[frame["level"] == level]
    return frame.reset_index(drop=True).copy()


def installed_levels(store=None) -> tuple[int, ...]:
    """Return the levels the user installed in ``store`` (the others are embedded or absent)."""
    return _units(Store.of(store))[1]


def embedded_levels(store=None) -> tuple[int, ...]:
    """Return the levels of ``store``'s admin layer that come from the embedded defaults."""
    have = installed_levels(store)
    return tuple(lv for lv in EMBEDDED if lv not in have)


def embedded(level: int | None = None) -> gpd.GeoDataFrame:
    """Return the embedded units of ``level`` (1 or 2), or of both, as ``read_boundaries`` gives them."""
    wanted = sorted(EMBEDDED) if level is None else [level]
    parts = [_read_embedded(str(EMBEDDED[lv]), file_version(EMBEDDED[lv])) for lv in wanted]
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=settings.CRS)


def with_embedded(installed: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Return ``installed`` plus the embedded levels it lacks, every unit linked to its parent.

    ``installed`` is the store's boundaries table (``unit_id, name, level, parent_id, geometry``)
    or ``None``; a level it has replaces the embedded one. Level 0 is not added.
    """
    have = set() if installed is None else {int(v) for v in installed["level"]}
    parts = [] if not have else [pd.DataFrame(installed[list(COLUMNS)])]
    missing = [lv for lv in EMBEDDED if lv not in have]
    if missing:
        defaults = embedded()
        parts.append(pd.DataFrame(defaults[defaults["level"].isin(missing)]))
    frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=settings.CRS)
    frame["level"] = frame["level"].astype("int64")
    frame = frame.sort_values("level", kind="stable").reset_index(drop=True)
    return link_parents(frame)


def link_parents(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``units`` with each parent that is missing or not in the level above set by containment.

    A commune installed without a parent column takes the cercle containing it, a cercle whose
    file names a région of another frame takes the région containing it. Units of a level with
    no level above them keep their parent as given. ``units`` is not modified.
    """
    out = units.copy()
    parent = out["parent_id"].astype(object)
    # Stores written before parents were kept missing hold the text "nan" for "no parent".
    out["parent_id"] = parent.where(parent.notna() & ~parent.isin(["", "nan"]), None)
    for level in sorted(set(out["level"])):
        above = out[out["level"] == level - 1]
        if above.empty:
            continue
        rows = out.index[(out["level"] == level) & ~out["parent_id"].isin(set(above["unit_id"]))]
        if len(rows):
            with warnings.catch_warnings():
                # A unit outside every parent is compared by area or distance in degrees:
                # enough to rank the parents, which is all that is asked.
                warnings.simplefilter("ignore", UserWarning)
                parents = assign_parents(out.loc[rows], above)
            out.loc[rows, "parent_id"] = parents.to_numpy()
    return out


def info(store=None, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the source of each level (installed or embedded) and the attributions to show."""
    store = Store.of(store)
    installed = installed_levels(store)
    meta = store.meta() if installed else {}
    sources, attributions = [], []
    if 0 not in installed:
        sources.append(t("layer.admin.source.outline", lang))
        attributions.append(borders.ATTRIBUTION)
    for lv in sorted(set(installed) | set(EMBEDDED)):
        if lv in installed:
            source = meta.get(f"boundaries.{lv}.source", "?")
            sources.append(t("layer.admin.source.installed", lang, level=lv, source=source))
            attributions.append(credit(meta.get(f"boundaries.{lv}.attribution", ""), lang))
        else:
            units = t(f"layer.admin.units.{lv}", lang)
            sources.append(t("layer.admin.source.embedded", lang, level=lv, units=units))
            attributions.append(credit(EMBEDDED_ATTRIBUTION, lang))
    unique = list(dict.fromkeys(a for a in attributions if a))
    return {"source": t("list.sep", lang).join(sources), "attribution": " ".join(unique)}


# --- building, once per version of the inputs ---------------------------------------------------


def _units(store: Store) -> tuple[gpd.GeoDataFrame, tuple[int, ...]]:
    versions = tuple(file_version(path) for path in EMBEDDED.values())
    return _build(str(store.path), file_version(store.path), versions)


@functools.lru_cache(maxsize=8)
def _build(path: str, *_versions) -> tuple[gpd.GeoDataFrame, tuple[int, ...]]:
    installed = Store.of(path).read(Tables.BOUNDARIES)
    if installed is not None and installed.empty:
        installed = None
    have = () if installed is None else tuple(sorted({int(v) for v in installed["level"]}))
    frame = with_embedded(installed)
    if 0 not in have:
        mali = borders.load().query("iso_a3 == 'MLI'")
        country = gpd.GeoDataFrame(
            {"unit_id": ["ML"], "name": ["Mali"], "level": [0], "parent_id": [None]},
            geometry=list(mali.geometry),
            crs=settings.CRS,
        )
        frame = gpd.GeoDataFrame(
            pd.concat([country, frame], ignore_index=True), geometry="geometry", crs=settings.CRS
        )
    frame["level"] = frame["level"].astype("int64")
    return frame[list(COLUMNS)], have


@functools.lru_cache(maxsize=4)
def _read_embedded(path: str, _version: tuple[int, int, int]) -> gpd.GeoDataFrame:
    return read_boundaries(path).frame
