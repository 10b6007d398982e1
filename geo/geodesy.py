"""Metric work through one helper: geodesic distances and local equidistant projections.

Mali spans UTM zones 28N to 31N, so no single UTM zone fits. Distances between points are geodesic
(WGS84 ellipsoid, ``pyproj.Geod``); distances to lines and areas use an azimuthal equidistant
projection centred on the area of interest, which is exact along radii from its centre and within a
fraction of a percent over a few hundred kilometres.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj

from geo.errors import InputError

GEOD = pyproj.Geod(ellps="WGS84")


def require_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, name: str = "gdf") -> None:
    """Refuse a frame without a CRS, naming the argument."""
    if frame.crs is None:
        msg = f"`{name}` must have a valid CRS; found none (expected EPSG:4326 or another CRS)"
        raise InputError(msg)


def local_aeqd(lon: float, lat: float) -> pyproj.CRS:
    """Return an azimuthal equidistant CRS centred on ``(lon, lat)`` in metres."""
    return pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs"
    )


def metric_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """Return the metric CRS for ``frame``: a local AEQD centred on its bounding box."""
    require_crs(frame)
    minx, miny, maxx, maxy = frame.to_crs(4326).total_bounds
    return local_aeqd((minx + maxx) / 2, (miny + maxy) / 2)


def geodesic_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Return the geodesic distance in km between point arrays (broadcast as numpy does)."""
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(
        *(np.asarray(a, dtype="float64") for a in (lon1, lat1, lon2, lat2))
    )
    _, _, dist_m = GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist_m) / 1000.0


def area_km2(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    """Return each geometry's geodesic area in km²."""
    require_crs(frame)
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    geoms = geoms.to_crs(4326)
    return np.array(
        [abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6 if g is not None else np.nan for g in geoms]
    )
