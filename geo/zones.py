"""Intervention zones as polygons: admin units where present, else a documented buffer.

A zone definition (``data/zones.json``) lists admin units, finest level first, and the zone's places.
Where every unit of a level is among the given boundaries (the user's, or the embedded régions and
cercles that ``layers.admin`` supplies by default), the zone is their union (``method = "admin"``);
otherwise it is a buffer of ``buffer_km`` around the convex hull of the zone's located places
(``method = "buffer"``). Zones drawn by a planner are stored in the project store
(``method = "drawn"``) and take part everywhere like the others.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo import settings
from geo.errors import InputError, UnknownNameError
from geo.geodesy import local_aeqd
from geo.names import fold_name

ZONE_COLUMNS = ("zone_id", "name_fr", "name_en", "programme_id", "method", "basis")


def read_definitions(path: str | Path) -> list[dict]:
    """Read zone definitions from a JSON file."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["zones"]


def _find_units(boundaries: gpd.GeoDataFrame, specs: list[dict]) -> gpd.GeoDataFrame | None:
    found = []
    for spec in specs:
        level = boundaries[boundaries["level"] == spec["level"]]
        hit = level[level["unit_id"] == spec.get("unit_id")] if spec.get("unit_id") else level.iloc[:0]
        if hit.empty:
            hit = level[level["name"].map(fold_name) == fold_name(spec["name"])]
        if hit.empty:
            return None
        found.append(hit.iloc[:1])
    return pd.concat(found)


def build_zones(
    definitions: list[dict],
    places: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame | None = None,
    drawn: gpd.GeoDataFrame | None = None,
    country: shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """Return one polygon per zone (see the module docstring for the rule).

    Parameters
    ----------
    definitions
        Zone definitions as in ``data/zones.json``.
    places
        The places layer (``place_id`` and point geometry; unlocated places are skipped).
    boundaries
        Admin units (``unit_id, name, level, geometry``): installed or embedded; ``None`` for none.
    drawn
        Zones drawn by planners (``zone_id, name_fr, name_en, programme_id, geometry``), or ``None``.
    country
        Mali's outline: buffered zones are clipped to it, so that a zone near the border does not
        spill into Guinea or Burkina Faso.
    """
    rows = []
    located = places[places.geometry.notna() & ~places.geometry.is_empty]
    for zdef in definitions:
        geom, method, basis = None, "buffer", ""
        if boundaries is not None and not boundaries.empty:
            by_level: dict[int, list[dict]] = {}
            for spec in zdef.get("admin", []):
                by_level.setdefault(int(spec["level"]), []).append(spec)
            for level in sorted(by_level, reverse=True):
                units = _find_units(boundaries, by_level[level])
                if units is not None:
                    geom = shapely.union_all(units.geometry.values)
                    method = "admin"
                    basis = ", ".join(f"{n} (niveau {level})" for n in units["name"])
                    break
        if geom is None:
            pts = located[located["place_id"].isin(zdef["places"])]
            if pts.empty:
                raise InputError(
                    f"zone {zdef['zone_id']!r} has no located place and none of its admin "
                    "units; expected at least one"
                )
            geom = _buffer_hull(pts.geometry, float(zdef["buffer_km"]))
            if country is not None:
                geom = shapely.intersection(geom, country)
            basis = f"{zdef['buffer_km']} km autour de l'enveloppe de {', '.join(pts['name'])}"
        rows.append(
            {
                "zone_id": zdef["zone_id"],
                "name_fr": zdef["name_fr"],
                "name_en": zdef["name_en"],
                "programme_id": zdef["programme_id"],
                "method": method,
                "basis": basis,
                "geometry": geom,
            }
        )
    zones = gpd.GeoDataFrame(
        rows, columns=[*ZONE_COLUMNS, "geometry"], geometry="geometry", crs=settings.CRS
    )
    if drawn is not None and not drawn.empty:
        extra = drawn.to_crs(settings.CRS).copy()
        extra = extra[~extra["zone_id"].isin(zones["zone_id"])]
        extra["method"] = "drawn"
        extra["basis"] = extra.get("basis", "dessinée par un planificateur")
        zones = pd.concat([zones, extra[[*ZONE_COLUMNS, "geometry"]]], ignore_index=True)
    return gpd.GeoDataFrame(zones, geometry="geometry", crs=settings.CRS)


def _buffer_hull(points: gpd.GeoSeries, buffer_km: float) -> shapely.Geometry:
    hull = shapely.convex_hull(shapely.union_all(points.values))
    centre = hull.centroid
    crs = local_aeqd(centre.x, centre.y)
    metric = gpd.GeoSeries([hull], crs=settings.CRS).to_crs(crs)
    return metric.buffer(buffer_km * 1000.0, quad_segs=16).to_crs(settings.CRS).iloc[0]


def get_zone(zones: gpd.GeoDataFrame, zone_id: str) -> gpd.GeoDataFrame:
    """Return the one-row frame of ``zone_id``; raise listing the valid zone ids if unknown."""
    hit = zones[zones["zone_id"] == zone_id]
    if hit.empty:
        raise UnknownNameError("zone", zone_id, list(zones["zone_id"]))
    return hit


def validate_drawn(
    geometry: shapely.Geometry | dict | None, *, zone_id: str, name: str
) -> shapely.Geometry:
    """Return a drawn zone polygon if it is complete and valid; refuse half-drawn shapes."""
    if isinstance(geometry, dict):
        geometry = shapely.geometry.shape(geometry)
    if not zone_id or not re.fullmatch(r"[a-z0-9_\-]{2,40}", zone_id):
        raise InputError(f"zone id {zone_id!r} must be 2-40 characters a-z, 0-9, _ or -")
    if not str(name).strip():
        raise InputError("the zone needs a name")
    if geometry is None or geometry.is_empty:
        raise InputError("no polygon drawn; draw a closed polygon before saving")
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise InputError(f"a zone must be a polygon; got a {geometry.geom_type}")
    if geometry.area <= 0 or (geometry.geom_type == "Polygon" and len(geometry.exterior.coords) < 4):
        raise InputError("the polygon has fewer than three corners; finish drawing it")
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    return geometry
