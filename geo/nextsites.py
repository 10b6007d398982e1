"""Where to act next: greedy maximum coverage of units at risk (AccessMod scaling-up, vector form).

Demand is the units at risk (``meets_criteria``) that no existing centre reaches within the access
band, each weighted by its criteria score. Candidate sites are unit centres at least
``min_distance_km`` from every existing centre. Each step picks the candidate that covers the most
still-uncovered weight within the access band, then drops candidates closer than
``min_distance_km`` to it. Greedy selection gives at least (1 - 1/e) of the best possible coverage
for any number of sites; the lazy evaluation used here (gains only shrink, so a stale gain is an
upper bound) picks exactly what plain greedy would over the same candidates.

Speed: coverage lists are sparse (candidate, demand unit) pairs found with an STRtree on locally
projected centres; only the pairs near the edge of the band get an exact geodesic check. When the
pairs would exceed :data:`MAX_PAIRS` (fine units over a large zone: 7,700 H3-8 cells of a cercle
give about 20 million pairs), the search runs coarse to fine: one candidate per cell of a square
grid sized to the budget stands for its cell, with an upper bound of the gains of the cell's
sites (the demand within the access band plus the cell's reach); when a cell's bound tops the
queue its sites join it with their exact gains. The bounds are exact upper bounds, so the result
is the same greedy sequence as over all units, at a fraction of the pairs.
"""

from __future__ import annotations

import heapq

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo import settings
from geo.errors import InputError
from geo.geodesy import geodesic_km, metric_crs, require_crs
from geo.i18n import t

#: Margin (m) around the band inside which a projected distance is checked geodesically.
_MARGIN_M = 25.0
_EARTH_M = 6_371_000.0
#: Budget of (candidate, demand unit) pairs before the candidates are grouped in grid cells.
MAX_PAIRS = 600_000
#: Candidates sampled to estimate the number of pairs.
_SAMPLE = 256


class _Points:
    """Points as lon/lat and in a local AEQD projection, with their shapely points there.

    ``slack`` bounds the ratio of projected to geodesic distances between two of the points: the
    AEQD is exact along radii from its centre and stretches by about (d/R)²/6 at a distance d
    from it; the bound taken is three times that, plus 0.01 %.
    """

    def __init__(self, lon: np.ndarray, lat: np.ndarray, crs: pyproj.CRS) -> None:
        self.lon, self.lat, self.crs = lon, lat, crs
        to_metric = pyproj.Transformer.from_crs(settings.CRS, crs, always_xy=True)
        self.x, self.y = (np.asarray(v, dtype="float64") for v in to_metric.transform(lon, lat))
        self.geoms = shapely.points(self.x, self.y)
        reach = float(np.hypot(self.x, self.y).max()) if len(self.x) else 0.0
        self.slack = 1.0 + 0.5 * (reach / _EARTH_M) ** 2 + 1e-4


def _within(a: _Points, pa: np.ndarray, b: _Points, pb: np.ndarray, km: float) -> np.ndarray:
    """Return which pairs (``pa[i]``, ``pb[i]``) are within ``km``, geodesically near the edge."""
    slack = max(a.slack, b.slack)
    proj_m = np.hypot(a.x[pa] - b.x[pb], a.y[pa] - b.y[pb])
    keep = proj_m <= km * 1000 / slack - _MARGIN_M
    edge = np.flatnonzero(~keep & (proj_m <= km * 1000 * slack + _MARGIN_M))
    if len(edge):
        keep[edge] = (
            geodesic_km(a.lon[pa[edge]], a.lat[pa[edge]], b.lon[pb[edge]], b.lat[pb[edge]]) <= km
        )
    return keep


def _pairs(
    a: _Points,
    ia: np.ndarray,
    b: _Points,
    ib: np.ndarray,
    km: float,
    tree: shapely.STRtree | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return pairs (i in ``ia``, j in ``ib``), as positions of ``a``/``b``, within ``km``.

    ``tree`` must be an STRtree over ``b.geoms[ib]`` when given. Pairs clearly inside or outside
    the band on the projection are decided there; those near its edge are checked geodesically.
    """
    if not len(ia) or not len(ib):
        return np.array([], dtype=np.intp), np.array([], dtype=np.intp)
    tree = tree if tree is not None else shapely.STRtree(b.geoms[ib])
    slack = max(a.slack, b.slack)
    qa, qb = tree.query(a.geoms[ia], predicate="dwithin", distance=km * 1000 * slack + _MARGIN_M)
    pa, pb = ia[qa], ib[qb]
    keep = _within(a, pa, b, pb, km)
    return pa[keep], pb[keep]


def _estimate_pairs(pts: _Points, cand: np.ndarray, tree: shapely.STRtree, km: float) -> float:
    """Estimate the number of (candidate, demand) pairs from an even sample of candidates."""
    if not len(cand) or not len(tree):
        return 0.0
    sample = cand[np.unique(np.linspace(0, len(cand) - 1, min(_SAMPLE, len(cand))).astype(int))]
    hits = tree.query(pts.geoms[sample], predicate="dwithin", distance=km * 1000)
    return hits.shape[1] * len(cand) / len(sample)


def _grid_cells(
    pts: _Points, cand: np.ndarray, target: int
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Group candidates into square grid cells: at most ``target`` cells, as small as possible.

    Returns each cell's representative (the candidate nearest the cell's centre), its candidates
    and the largest projected distance (m) from the representative to one of them.
    """
    x, y = pts.x[cand], pts.y[cand]
    x0, y0 = x.min(), y.min()

    def keys(size: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        gx, gy = np.floor((x - x0) / size), np.floor((y - y0) / size)
        return gx * 1e7 + gy, gx, gy

    lo, hi = 1.0, max(float(np.ptp(x)), float(np.ptp(y)), 1.0) * 2
    while hi / lo > 1.02:  # bisection on the cell size (m)
        mid = np.sqrt(lo * hi)
        if len(np.unique(keys(mid)[0])) > target:
            lo = mid
        else:
            hi = mid
    key, gx, gy = keys(hi)
    off = np.hypot(x - x0 - (gx + 0.5) * hi, y - y0 - (gy + 0.5) * hi)
    order = np.lexsort((off, key))
    first = np.unique(key[order], return_index=True)[1]
    sizes = np.diff(np.append(first, len(order)))
    rep_pos = np.repeat(order[first], sizes)
    reach = np.hypot(x[order] - x[rep_pos], y[order] - y[rep_pos])
    return cand[order[first]], np.split(cand[order], first[1:]), np.maximum.reduceat(reach, first)


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
    missing = [
        c
        for c in ("unit_id", "centroid_lon", "centroid_lat", "meets_criteria", weight_col)
        if c not in units.columns
    ]
    if missing:
        raise InputError(f"units lack column(s) {', '.join(missing)}; run the criteria analysis first")
    n, access_km, min_km = int(n), float(access_km), float(min_distance_km)
    out = units.copy()
    lon = out["centroid_lon"].to_numpy(dtype="float64")
    lat = out["centroid_lat"].to_numpy(dtype="float64")
    weight = pd.to_numeric(out[weight_col], errors="coerce").fillna(0.0).to_numpy()
    weight = np.where(out["meets_criteria"].astype(bool).to_numpy(), np.maximum(weight, 0), 0.0)
    pts = _Points(lon, lat, metric_crs(out))
    every = np.arange(len(out))

    covered = np.zeros(len(out), dtype=bool)
    allowed = np.ones(len(out), dtype=bool)
    if centres is not None and len(centres):
        require_crs(centres, "centres")
        cen = centres.to_crs(settings.CRS)
        cen = cen[cen.geometry.notna() & ~cen.geometry.is_empty]
        cpts = _Points(cen.geometry.x.to_numpy(), cen.geometry.y.to_numpy(), pts.crs)
        cidx = np.arange(len(cen))
        iu, _ = _pairs(pts, every, cpts, cidx, access_km)
        covered[iu] = True
        if min_km > 0:
            iu, _ = _pairs(pts, every, cpts, cidx, min_km)
            allowed[iu] = False
    need = np.where(covered, 0.0, weight)
    total_need = float(need.sum())

    demand = np.flatnonzero(need > 0)
    demand_tree = shapely.STRtree(pts.geoms[demand])
    cand = np.flatnonzero(allowed)
    est = _estimate_pairs(pts, cand, demand_tree, access_km)

    # Lazy greedy over a heap of (-value, kind, index): kind 0 is a site with its exact gain,
    # kind 1 a grid cell of sites with an upper bound of their gains. Values only shrink as demand
    # gets covered, so a popped value still on top after recomputing is the best there is.
    lists: dict[tuple[int, int], np.ndarray] = {}  # entry -> demand units it may cover
    heap: list[tuple[float, int, int]] = []

    def value(entry: tuple[int, int]) -> float:
        found = lists[entry]
        found = lists[entry] = found[~done[found]]  # covered demand never comes back
        return float(need[found].sum())

    def add(kind: int, idx: np.ndarray, ia: np.ndarray, ib: np.ndarray) -> None:
        order = np.argsort(ia, kind="stable")
        ia, ib = ia[order], ib[order]
        starts = np.searchsorted(ia, idx, side="left")
        ends = np.searchsorted(ia, idx, side="right")
        for i, lo, hi in zip(idx.tolist(), starts, ends, strict=True):
            lists[kind, i] = ib[lo:hi]
            heapq.heappush(heap, (-value((kind, i)), kind, i))

    def add_sites(sites: np.ndarray) -> None:
        add(0, sites, *_pairs(pts, sites, pts, demand, access_km, demand_tree))

    done = np.zeros(len(out), dtype=bool)  # demand already covered by a chosen site
    groups: list[np.ndarray] = []
    if est <= MAX_PAIRS:
        add_sites(cand)
    else:
        # Coarse to fine: a site of a cell covers only demand within access + reach of the
        # cell's representative (triangle inequality), so that demand bounds the cell's gains.
        reps, groups, reach_m = _grid_cells(pts, cand, max(int(len(cand) * MAX_PAIRS / est), 1))
        band = pts.slack * (access_km * 1000 + pts.slack * reach_m) + _MARGIN_M
        qa, qb = demand_tree.query(pts.geoms[reps], predicate="dwithin", distance=band)
        add(1, np.arange(len(reps)), qa, demand[qb])

    step_of = pd.Series(pd.NA, index=out.index, dtype="Int64")
    names = out["name"].astype(str).to_numpy() if "name" in out else out["unit_id"].astype(str)
    steps, cumulative = [], 0.0
    while heap and len(steps) < n:
        _, kind, idx = heapq.heappop(heap)
        if kind == 0 and not allowed[idx]:
            continue
        gain = value((kind, idx))
        if heap and gain < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-gain, kind, idx))  # stale: re-queue with the true value
            continue
        if gain <= 0:
            break
        if kind == 1:  # the best bound is a cell's: its allowed sites join with exact gains
            sites = groups[idx][allowed[groups[idx]]]
            if len(sites):  # their demand is within the cell's list (triangle inequality)
                pa = np.repeat(sites, len(lists[1, idx]))  # the list is trimmed by value()
                pb = np.tile(lists[1, idx], len(sites))
                keep = _within(pts, pa, pts, pb, access_km)
                add(0, sites, pa[keep], pb[keep])
            continue
        site = idx
        fresh = lists[0, site]  # trimmed to the demand not yet covered by value()
        done[fresh] = True
        cumulative += gain
        step = len(steps) + 1
        step_of.iloc[fresh] = step
        steps.append(
            {
                "step": step,
                "unit_id": str(out["unit_id"].iloc[site]),
                "name": names[site],
                "lon": round(float(lon[site]), 5),
                "lat": round(float(lat[site]), 5),
                "units_covered": int(len(fresh)),
                "marginal_gain": round(gain, 4),
                "cumulative_gain": round(cumulative, 4),
                "share_of_need": round(cumulative / total_need, 4) if total_need else None,
                "explanation": t(
                    "analyses.next.step", lang, step=step, name=names[site], units=len(fresh), gain=gain
                ),
            }
        )
        if min_km > 0:
            close = np.flatnonzero(allowed)
            close = close[geodesic_km(lon[site], lat[site], lon[close], lat[close]) < min_km]
            allowed[close] = False
    out["covered_by_centre"] = covered
    out["next_step"] = step_of
    columns = [
        "step",
        "unit_id",
        "name",
        "lon",
        "lat",
        "units_covered",
        "marginal_gain",
        "cumulative_gain",
        "share_of_need",
        "explanation",
    ]
    return pd.DataFrame(steps, columns=columns), out
