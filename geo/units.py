"""Planning units: admin units of a level where installed, else H3 hexagons over a zone.

Every unit frame has ``unit_id``, ``name``, ``kind`` (``admin<level>`` or ``h3:<res>``),
``area_km2``, ``centroid_lon``, ``centroid_lat`` and a polygon geometry in EPSG:4326. The
centroid is the geodesic-safe ``representative`` centre used for point distances: the polygon's
centroid, or its representative point when the centroid falls outside (a crescent-shaped unit).
:func:`admin_hierarchy` gives each installed admin unit its cercle and région (ids and names).
"""

from __future__ import annotations

import re

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.errors import InputError
from geo.geodesy import area_km2, require_crs
from geo.i18n import t
from geo.vocab import ADMIN_BY_LEVEL

UNIT_COLUMNS = ("unit_id", "name", "kind", "area_km2", "centroid_lon", "centroid_lat")
#: A unit is in a zone when at least this share of the unit (or of the zone) overlaps the other.
MIN_OVERLAP_SHARE = 0.5
#: Finest and coarsest H3 resolutions accepted.
H3_RESOLUTIONS = range(0, 16)
#: Most H3 cells one zone may be cut into (about 4 s and 300 MB to build; finer runs out of memory).
H3_MAX_CELLS = 100_000


def parse_units(spec: str) -> tuple[str, int]:
    """Parse a units spec (``"admin2"``, ``"admin3"``, ``"h3:8"``) into ``(kind, number)``.

    Returns ``("admin", level)`` or ``("h3", resolution)``.
    """
    text = str(spec).strip().lower()
    match = re.fullmatch(r"admin([0-3])|h3:(\d{1,2})", text)
    if not match:
        raise InputError(
            f"units {spec!r} not understood; expected admin1, admin2, admin3 or "
            "h3:N with N the H3 resolution (e.g. h3:8)"
        )
    if match.group(1) is not None:
        return "admin", int(match.group(1))
    res = int(match.group(2))
    if res not in H3_RESOLUTIONS:
        raise InputError(f"H3 resolution {res} out of range; expected 0 to 15")
    return "h3", res


def _zone_geometry(zone: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry) -> shapely.Geometry:
    if isinstance(zone, (gpd.GeoDataFrame, gpd.GeoSeries)):
        require_crs(zone, "zone")
        geoms = zone.to_crs(settings.CRS)
        geoms = geoms.geometry if isinstance(geoms, gpd.GeoDataFrame) else geoms
        geom = shapely.union_all(geoms.dropna().values) if len(geoms) else None
    else:
        geom = zone
    if geom is None or geom.is_empty or geom.area <= 0:
        raise InputError("the zone is empty (no polygon area); expected a zone with an area")
    return geom


def _finish(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add area and centroid columns."""
    out = frame.copy()
    out["area_km2"] = area_km2(out)
    geoms = out.geometry.values
    # A lon/lat centroid is within metres of the geodesic one for units of this size.
    cent = shapely.centroid(geoms)
    inside = shapely.intersects(geoms, cent)
    cent = np.where(inside, cent, shapely.point_on_surface(geoms))
    out["centroid_lon"] = shapely.get_x(cent)
    out["centroid_lat"] = shapely.get_y(cent)
    return gpd.GeoDataFrame(
        out[[*UNIT_COLUMNS, *[c for c in out.columns if c not in UNIT_COLUMNS]]],
        geometry="geometry",
        crs=settings.CRS,
    )


def admin_units(admin: gpd.GeoDataFrame, zone, level: int) -> gpd.GeoDataFrame:
    """Return the admin units of ``level`` that make up ``zone``.

    A unit belongs to the zone when at least half of it lies in the zone, or when at least half of
    the zone lies in it (a zone smaller than the unit). Units keep their full geometry.

    Parameters
    ----------
    admin
        Installed admin units (``unit_id, name, level, parent_id, geometry``).
    zone
        The zone: a one-row frame, a GeoSeries or a shapely geometry (EPSG:4326).
    level
        The admin level of the units.
    """
    require_crs(admin, "admin")
    geom = _zone_geometry(zone)
    units = admin.to_crs(settings.CRS)
    units = units[units["level"] == level]
    if units.empty:
        raise InputError(
            f"no admin units of level {level} installed; install them with "
            "`zoneplan data add-boundaries FILE --level "
            f"{level}` or use H3 units (e.g. --units h3:7)"
        )
    candidates = units[units.intersects(geom)]
    if candidates.empty:
        raise InputError(f"no admin unit of level {level} intersects the zone")
    # Shares of areas, so degrees² are fine for comparing them.
    geoms = candidates.geometry.values
    overlap = pd.Series(shapely.area(shapely.intersection(geoms, geom)), index=candidates.index)
    keep = (overlap >= MIN_OVERLAP_SHARE * shapely.area(geoms)) | (
        overlap >= MIN_OVERLAP_SHARE * geom.area
    )
    chosen = candidates[keep]
    if chosen.empty:  # a zone straddling several units: keep the biggest overlaps
        chosen = candidates[overlap >= 0.1 * overlap.max()]
    out = gpd.GeoDataFrame(chosen.copy(), geometry="geometry", crs=settings.CRS)
    out["unit_id"] = out["unit_id"].astype(str)
    out["kind"] = f"admin{level}"
    return _finish(out)


def admin_hierarchy(units: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Return the admin units below the country with each unit's cercle and région.

    Adds ``cercle_id, cercle, region_id, region`` (ids and names found by walking ``parent_id``;
    ``None`` where a parent is missing) to ``unit_id, name, level, parent_id, geometry``. A
    cercle is its own cercle and a région its own région. The result has a fresh ``0..n-1``
    index; ``None`` or an empty frame gives an empty frame with those columns.
    """
    cols = ["unit_id", "name", "level", "parent_id"]
    if units is None or units.empty:
        empty = gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in cols},
            geometry=gpd.GeoSeries([], crs=settings.CRS),
            crs=settings.CRS,
        )
        for c in ("cercle", "cercle_id", "region", "region_id"):
            empty[c] = pd.Series(dtype=object)
        return empty
    out = units[units["level"] > 0].copy()
    out["unit_id"] = out["unit_id"].astype(str)
    out["level"] = out["level"].astype(int)
    # Ids may repeat across levels (Bamako is both a région and a cercle): key on (level, id).
    info = {
        (int(lv), uid): (pid, name)
        for lv, uid, pid, name in zip(
            out["level"], out["unit_id"], out["parent_id"], out["name"], strict=True
        )
    }

    def ancestor(level: int, uid: str, wanted: int) -> str | None:
        while level > wanted:
            parent = info.get((level, uid), (None, None))[0]
            if parent is None or parent != parent:
                return None
            level, uid = level - 1, str(parent)
        return uid if level == wanted and (level, uid) in info else None

    out["cercle_id"] = [ancestor(lv, u, 2) for lv, u in zip(out["level"], out["unit_id"], strict=True)]
    out["region_id"] = [ancestor(lv, u, 1) for lv, u in zip(out["level"], out["unit_id"], strict=True)]
    out["cercle"] = [info.get((2, c), (None, None))[1] if c else None for c in out["cercle_id"]]
    out["region"] = [info.get((1, r), (None, None))[1] if r else None for r in out["region_id"]]
    return out.reset_index(drop=True)


def h3_units(
    zone, resolution: int, *, max_cells: int = H3_MAX_CELLS, lang: str = settings.DEFAULT_LANGUAGE
) -> gpd.GeoDataFrame:
    """Return the H3 cells of ``resolution`` whose centre lies in ``zone``.

    A zone smaller than one cell gets the cell under its representative point, so the result is
    never empty for a non-empty zone.

    Raises
    ------
    InputError
        For a resolution outside 0..15, or one that would cut the zone into more than
        ``max_cells`` cells (the message gives the estimate and the finest resolution allowed).
    """
    if resolution not in H3_RESOLUTIONS:
        raise InputError(t("analyses.h3.out_of_range", lang, res=resolution))
    geom = _zone_geometry(zone)
    cells_asked = _h3_cell_estimate(_area_km2(geom), resolution)
    if cells_asked > max_cells:
        finest = auto_resolution(geom, max_cells=max_cells, finest=max(H3_RESOLUTIONS))
        raise InputError(
            t(
                "analyses.h3.too_fine",
                lang,
                res=resolution,
                cells=cells_asked,
                max_cells=max_cells,
                finest=finest,
            )
        )
    cells: list[str] = []
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        cells.extend(h3.geo_to_cells(part, resolution))
    if not cells:
        pt = geom.representative_point()
        cells = [h3.latlng_to_cell(pt.y, pt.x, resolution)]
    cells = sorted(set(cells))
    geometry = _cell_polygons(cells)
    centres = np.array([h3.cell_to_latlng(c) for c in cells], dtype="float64").reshape(-1, 2)
    out = gpd.GeoDataFrame(
        {
            "unit_id": cells,
            "name": cells,
            "kind": f"h3:{resolution}",
            "area_km2": [h3.cell_area(c, unit="km^2") for c in cells],
            "centroid_lon": centres[:, 1],
            "centroid_lat": centres[:, 0],
        },
        geometry=geometry,
        crs=settings.CRS,
    )
    return out


def _cell_polygons(cells: list[str]) -> np.ndarray:
    """Return the polygons of H3 ``cells`` (EPSG:4326), whatever their number of corners.

    Most cells have 6 corners, but cells crossing an icosahedron face edge get 7 to 10 (and
    pentagons 5), so the rings are built from one flat coordinate array with per-ring indices.
    """
    if not cells:
        return np.array([], dtype=object)
    rings = [h3.cell_to_boundary(c) for c in cells]  # (lat, lng) pairs, not closed
    sizes = np.fromiter((len(r) for r in rings), dtype=np.intp, count=len(rings))
    flat = np.array([pair for ring in rings for pair in ring], dtype="float64")
    ring_index = np.repeat(np.arange(len(rings)), sizes)
    return shapely.polygons(shapely.linearrings(flat[:, 1], flat[:, 0], indices=ring_index))


def auto_resolution(zone, *, max_cells: int = 20_000, finest: int = 8) -> int:
    """Return the finest H3 resolution (at most ``finest``) giving about ``max_cells`` or fewer."""
    area = _area_km2(_zone_geometry(zone))
    for res in range(finest, -1, -1):
        if _h3_cell_estimate(area, res) <= max_cells:
            return res
    return 0


def _area_km2(geom: shapely.Geometry) -> float:
    return float(area_km2(gpd.GeoSeries([geom], crs=settings.CRS))[0])


def _h3_cell_estimate(zone_km2: float, resolution: int) -> int:
    """Return about how many H3 cells of ``resolution`` cover ``zone_km2`` (area over a cell's)."""
    return int(round(zone_km2 / h3.average_hexagon_area(resolution, unit="km^2")))


def planning_units(zone, units: str, admin: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Return the planning units of ``zone`` for the spec ``units`` (see :func:`parse_units`).

    ``"auto"`` picks the finest installed admin level below the region (commune, else cercle)
    when it has at least four units in the zone, else H3 cells at :func:`auto_resolution`.
    """
    if str(units).strip().lower() == "auto":
        installed = set() if admin is None or admin.empty else set(admin["level"].astype(int))
        for level in (3, 2):
            if level in installed:
                try:
                    found = admin_units(admin, zone, level)
                except InputError:
                    continue
                if len(found) >= 4:
                    return found
        return h3_units(zone, auto_resolution(zone))
    kind, number = parse_units(units)
    if kind == "h3":
        return h3_units(zone, number)
    installed = set() if admin is None or admin.empty else set(admin["level"].astype(int))
    if number not in installed:
        have = ", ".join(f"admin{lv}" for lv in sorted(installed) if lv > 0) or "none"
        name = ADMIN_BY_LEVEL[number].label_en
        raise InputError(
            f"units admin{number} ({name} boundaries) are not installed (installed: {have}); "
            f"use --units h3:N (e.g. h3:7) or install them with `zoneplan data add-boundaries "
            f"FILE --level {number}`"
        )
    return admin_units(admin, zone, number)


def units_frame(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Check that ``frame`` is a usable unit frame and return a copy in EPSG:4326."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"units must be a GeoDataFrame; got {type(frame).__name__}")
    require_crs(frame, "units")
    missing = [c for c in ("unit_id",) if c not in frame.columns]
    if missing:
        raise InputError(f"units lack column(s) {', '.join(missing)}; expected unit_id and a geometry")
    out = frame.to_crs(settings.CRS)
    if "centroid_lon" not in out.columns or "area_km2" not in out.columns:
        if "kind" not in out.columns:
            out = out.assign(kind="custom")
        if "name" not in out.columns:
            out = out.assign(name=out["unit_id"].astype(str))
        out = _finish(out)
    return out
