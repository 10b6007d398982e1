"""Where to act next: greedy maximum coverage of units at risk (AccessMod scaling-up, vector form).

Demand is the units at risk (``meets_criteria``) that no existing centre reaches within the access
band, each weighted by its criteria score. Candidate sites are unit centres at least
``min_distance_km`` from every existing centre. Each step picks the candidate that covers the most
still-uncovered weight within the access band, then drops candidates closer than
``min_distance_km`` to it. Greedy selection gives at least (1 - 1/e) of the best possible coverage
for any number of sites; the lazy evaluation used here picks exactly what plain greedy would.
"""

from __future__ import annotations

import heapq

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.errors import InputError
from geo.geodesy import geodesic_km, metric_crs, require_crs
from geo.i18n import t

#: Slack on projected distances before the exact geodesic check (AEQD stretches far off-centre).
_SLACK = 1.02


def _pairs_within(lon_a, lat_a, lon_b, lat_b, km: float, crs) -> tuple[np.ndarray, np.ndarray]:
    """Return index pairs (i in a, j in b) whose geodesic distance is at most ``km``."""
    if not len(lon_a) or not len(lon_b):
        return np.array([], dtype=int), np.array([], dtype=int)
    a = gpd.GeoSeries(gpd.points_from_xy(lon_a, lat_a), crs=settings.CRS).to_crs(crs)
    b = gpd.GeoSeries(gpd.points_from_xy(lon_b, lat_b), crs=settings.CRS).to_crs(crs)
    tree = shapely.STRtree(b.values)
    ia, ib = tree.query(a.values, predicate="dwithin", distance=km * 1000 * _SLACK + 50)
    if not len(ia):
        return ia, ib
    dist = geodesic_km(lon_a[ia], lat_a[ia], lon_b[ib], lat_b[ib])
    keep = dist <= km
    return ia[keep], ib[keep]


def suggest_sites(
    units: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame | None,
    *,
    n: int = settings.NEXT_SITES_N,
    access_km: float = settings.ACCESS_KM,
    min_distance_km: float = settings.NEXT_MIN_DISTANCE_KM,
    weight_col: str = "total_score",
    lang: str = settings.DEFAULT_LANGUAGE,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Return the greedy sequence of new sites and the units with the step that covers them.

    Parameters
    ----------
    units
        Units with ``unit_id``, ``centroid_lon``, ``centroid_lat``, ``meets_criteria`` and
        ``weight_col``.
    centres
        Existing centres (points), or ``None``.
    n
        Number of sites to suggest (fewer are returned once nothing more can be gained).
    access_km
        A site covers the units whose centre lies within this distance.
    min_distance_km
        Minimum distance of a new site from existing centres and from the other new sites.

    Returns
    -------
    (pandas.DataFrame, geopandas.GeoDataFrame)
        The sequence (``step``, ``unit_id``, ``name``, ``lon``, ``lat``, ``units_covered``,
        ``marginal_gain``, ``cumulative_gain``, ``share_of_need``, ``explanation``) and a copy of
        ``units`` with ``covered_by_centre`` (bool) and ``next_step`` (step number or ``NA``).
    """
    require_crs(units, "units")
    if isinstance(n, bool) or int(n) != n or int(n) < 1:
        raise InputError(f"number of sites {n!r}; expected a whole number of at least 1")
    if not float(access_km) > 0:
        raise InputError(f"access band {access_km!r} km; expected a positive distance")
    if not float(min_distance_km) >= 0:
        raise InputError(f"minimum distance {min_distance_km!r} km; expected 0 or more")
    missing = [c for c in ("unit_id", "centroid_lon", "centroid_lat", "meets_criteria",
                           weight_col) if c not in units.columns]
    if missing:
        raise InputError(f"units lack column(s) {', '.join(missing)}; run the criteria "
                         "analysis first")
    n, access_km, min_km = int(n), float(access_km), float(min_distance_km)
    out = units.copy()
    lon = out["centroid_lon"].to_numpy(dtype="float64")
    lat = out["centroid_lat"].to_numpy(dtype="float64")
    weight = pd.to_numeric(out[weight_col], errors="coerce").fillna(0.0).to_numpy()
    weight = np.where(out["meets_criteria"].astype(bool).to_numpy(), np.maximum(weight, 0), 0.0)
    crs = metric_crs(out)

    covered = np.zeros(len(out), dtype=bool)
    allowed = np.ones(len(out), dtype=bool)
    if centres is not None and len(centres):
        require_crs(centres, "centres")
        cen = centres.to_crs(settings.CRS)
        cen = cen[cen.geometry.notna() & ~cen.geometry.is_empty]
        clon, clat = cen.geometry.x.to_numpy(), cen.geometry.y.to_numpy()
        iu, _ = _pairs_within(lon, lat, clon, clat, access_km, crs)
        covered[iu] = True
        if min_km > 0:
            iu, _ = _pairs_within(lon, lat, clon, clat, min_km, crs)
            allowed[iu] = False
    need = np.where(covered, 0.0, weight)
    total_need = float(need.sum())

    # Sparse coverage lists: candidate -> demand units within the access band.
    demand = np.flatnonzero(need > 0)
    cand = np.flatnonzero(allowed)
    ic, idm = _pairs_within(lon[cand], lat[cand], lon[demand], lat[demand], access_km, crs)
    order = np.argsort(ic, kind="stable")
    ic, idm = ic[order], demand[idm[order]]
    starts = np.searchsorted(ic, np.arange(len(cand) + 1))

    done = np.zeros(len(out), dtype=bool)  # demand already covered by a chosen site
    step_of = pd.Series(pd.NA, index=out.index, dtype="Int64")
    heap = [(-float(need[idm[starts[k]:starts[k + 1]]].sum()), k) for k in range(len(cand))]
    heapq.heapify(heap)
    names = out["name"].astype(str).to_numpy() if "name" in out else out["unit_id"].astype(str)
    steps, cumulative = [], 0.0
    while heap and len(steps) < n:
        neg, k = heapq.heappop(heap)
        if not allowed[cand[k]]:
            continue
        members = idm[starts[k]:starts[k + 1]]
        fresh = members[~done[members]]
        gain = float(need[fresh].sum())
        if heap and gain < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-gain, k))  # stale bound: re-queue with the true gain
            continue
        if gain <= 0:
            break
        site = cand[k]
        done[fresh] = True
        cumulative += gain
        step = len(steps) + 1
        step_of.iloc[fresh] = step
        steps.append({
            "step": step, "unit_id": str(out["unit_id"].iloc[site]), "name": names[site],
            "lon": round(float(lon[site]), 5), "lat": round(float(lat[site]), 5),
            "units_covered": int(len(fresh)), "marginal_gain": round(gain, 4),
            "cumulative_gain": round(cumulative, 4),
            "share_of_need": round(cumulative / total_need, 4) if total_need else None,
            "explanation": t("analyses.next.step", lang, step=step, name=names[site],
                             units=len(fresh), gain=gain),
        })
        if min_km > 0:
            near = geodesic_km(lon[site], lat[site], lon[cand], lat[cand]) < min_km
            allowed[cand[near]] = False
    out["covered_by_centre"] = covered
    out["next_step"] = step_of
    columns = ["step", "unit_id", "name", "lon", "lat", "units_covered", "marginal_gain",
               "cumulative_gain", "share_of_need", "explanation"]
    return pd.DataFrame(steps, columns=columns), out
