"""Access to centres: the nearest centre, its geodesic distance, and counts within distance bands.

Distances run from a point (a village) or a unit's centre (``centroid_lon``/``centroid_lat``) to
each centre's point, geodesically on the WGS84 ellipsoid. Centres are usually at town level (their
exact addresses are sensitive), so distances are town-to-place distances.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.geodesy import geodesic_km, require_crs

#: Largest distance matrix computed at once (cells); bigger inputs are chunked.
#: The column :func:`access` adds: geodesic km to the nearest centre (maps draw it).
DIST_CENTRE_COL = "dist_centre_km"
_CHUNK_CELLS = 2_000_000


def check_bands(bands: Sequence[float]) -> tuple[float, ...]:
    """Return ``bands`` sorted, refusing empty, non-numeric or non-positive values."""
    try:
        values = tuple(sorted(float(b) for b in bands))
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"distance bands {bands!r} are not numbers; expected km values such as 5,10,25,50"
        ) from exc
    if not values or any(not np.isfinite(b) or b <= 0 for b in values):
        raise InputError(f"distance bands {list(bands)!r}; expected one or more positive km values")
    return values


def band_col(band_km: float) -> str:
    """Return the column name counting centres within ``band_km`` (``n_centres_5km``)."""
    return f"n_centres_{band_km:g}km"


def lonlat(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return the measuring point of each row: the unit centre if given, else the point itself."""
    require_crs(frame, "frame")
    if {"centroid_lon", "centroid_lat"} <= set(frame.columns):
        return (
            frame["centroid_lon"].to_numpy(dtype="float64"),
            frame["centroid_lat"].to_numpy(dtype="float64"),
        )
    geoms = frame.to_crs(settings.CRS).geometry
    located = geoms.notna() & ~geoms.is_empty
    pts = geoms.where(located, None)
    pts = pts.where(pts.geom_type == "Point", pts.representative_point())
    lon = np.where(located, pts.x, np.nan)
    lat = np.where(located, pts.y, np.nan)
    return lon.astype("float64"), lat.astype("float64")


def access(
    frame: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame,
    *,
    bands: Sequence[float] = settings.ACCESS_BANDS_KM,
    id_col: str = "centre_id",
    name_col: str = "name",
) -> gpd.GeoDataFrame:
    """Return ``frame`` with its nearest centre, the distance to it, and centre counts per band.

    Parameters
    ----------
    frame
        Places (points) or planning units (with ``centroid_lon``/``centroid_lat``).
    centres
        Centres as points, with ``id_col`` and ``name_col``.
    bands
        Distance bands in km.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``frame`` (same index) with ``nearest_centre_id``, ``nearest_centre``,
        ``dist_centre_km``, and ``n_centres_<b>km`` for each band. Rows without a location get
        ``NaN`` distances and zero counts.
    """
    require_crs(centres, "centres")
    bands = check_bands(bands)
    for col in (id_col, name_col):
        if col not in centres.columns:
            raise InputError(
                f"centres lack column {col!r}; columns found: {', '.join(map(str, centres.columns))}"
            )
    lon, lat = lonlat(frame)
    cen = centres.to_crs(settings.CRS)
    cen = cen[cen.geometry.notna() & ~cen.geometry.is_empty]
    out = frame.copy()
    n = len(out)
    nearest = np.full(n, -1)
    dist = np.full(n, np.nan)
    counts = np.zeros((n, len(bands)), dtype="int64")
    if len(cen):
        clon, clat = cen.geometry.x.to_numpy(), cen.geometry.y.to_numpy()
        ok = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
        step = max(1, _CHUNK_CELLS // len(cen))
        for start in range(0, len(ok), step):
            rows = ok[start : start + step]
            matrix = geodesic_km(lon[rows, None], lat[rows, None], clon[None, :], clat[None, :])
            nearest[rows] = matrix.argmin(axis=1)
            dist[rows] = matrix.min(axis=1)
            for j, band in enumerate(bands):
                counts[rows, j] = (matrix <= band).sum(axis=1)
    has = nearest >= 0
    near_id = np.full(n, None, dtype=object)
    near_name = np.full(n, None, dtype=object)
    if len(cen):
        near_id[has] = cen[id_col].astype(str).to_numpy()[nearest[has]]
        near_name[has] = cen[name_col].astype(str).to_numpy()[nearest[has]]
    out["nearest_centre_id"] = pd.Series(near_id, index=out.index, dtype="object")
    out["nearest_centre"] = pd.Series(near_name, index=out.index, dtype="object")
    out[DIST_CENTRE_COL] = dist
    for j, band in enumerate(bands):
        out[band_col(band)] = counts[:, j]
    return out


def access_summary(
    frame: gpd.GeoDataFrame,
    *,
    bands: Sequence[float] = settings.ACCESS_BANDS_KM,
    access_km: float | None = None,
    label_col: str = "name",
) -> dict:
    """Summarise an :func:`access` result: share within each band and the rows beyond the access band.

    Returns
    -------
    dict
        ``count``, ``within`` (band label -> {``count``, ``share``}), ``access_km``, and ``beyond``
        (list of {label, ``dist_centre_km``, ``nearest_centre``} beyond ``access_km``, farthest
        first).
    """
    bands = check_bands(bands)
    access_km = float(bands[-1] if access_km is None else access_km)
    dist = frame["dist_centre_km"].to_numpy(dtype="float64")
    known = np.isfinite(dist)
    total = int(len(frame))
    within = {}
    for band in bands:
        count = int((dist[known] <= band).sum())
        within[f"{band:g}km"] = {"count": count, "share": round(count / total, 4) if total else None}
    beyond_mask = ~known | (dist > access_km)
    beyond = frame.loc[beyond_mask].assign(_d=np.where(known, dist, np.inf)[beyond_mask])
    beyond = beyond.sort_values("_d", ascending=False)
    labels = beyond[label_col] if label_col in frame.columns else beyond.index.to_series()
    centres = (
        beyond["nearest_centre"].to_numpy(dtype=object)
        if "nearest_centre" in beyond.columns
        else [None] * len(beyond)
    )
    items = [
        {
            "name": str(name),
            "dist_centre_km": None if not np.isfinite(d) else round(float(d), 2),
            "nearest_centre": centre,
        }
        for name, d, centre in zip(
            labels.to_numpy(dtype=object), beyond["_d"].to_numpy(dtype="float64"), centres, strict=True
        )
    ]
    return {
        "count": total,
        "access_km": access_km,
        "within": within,
        "beyond_count": len(items),
        "beyond": items,
    }
