"""Settlements: the places people plan by, with the commune, cercle and région they belong to.

A planner thinks in villages, gold-mining sites and towns, not in hexagons. :func:`settlements`
joins the programme's places with the localities of a gazetteer (the embedded one or the user's),
dropping a locality that is a programme place under another spelling nearby. :func:`nearest_names`
names any point (an H3 cell, a suggested site) by its nearest settlement, so that nothing a person
reads is an internal id.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.geodesy import geodesic_km
from geo.localities import LOCALITY_PREFIX
from geo.names import fold_name

#: Columns of a settlements frame (plus its point geometry).
SETTLEMENT_COLUMNS: tuple[str, ...] = (
    "place_id",
    "name",
    "kind",
    "commune",
    "cercle",
    "region",
    "source",
)
#: A gazetteer locality this close to a programme place of the same (folded) name is that place.
SAME_PLACE_KM = 3.0
#: The same for towns, whose points differ more between sources (Ségou: 4.8 km).
SAME_TOWN_KM = 10.0
TOWN_KINDS: tuple[str, ...] = ("capital", "regional_capital", "cercle_capital", "town")
#: Gazetteer kinds that are not settlements a planner visits.
SKIPPED_KINDS: tuple[str, ...] = ("neighbourhood",)


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(None, index=frame.index, dtype="object")
    values = frame[col].astype("object")
    return values.where(values.notna() & values.astype(str).str.strip().ne(""), None)


def settlements(
    places: gpd.GeoDataFrame,
    localities: gpd.GeoDataFrame | None = None,
    *,
    within: shapely.Geometry | None = None,
    same_km: float = SAME_PLACE_KM,
) -> gpd.GeoDataFrame:
    """Return the programme places, then the gazetteer localities that are not one of them.

    Parameters
    ----------
    places
        Located programme places (``place_id``, ``name``, ``alt_names``, ``kind``, ``admin1``,
        ``admin2``, ``admin3``), as the ``places`` layer gives them.
    localities
        Gazetteer entries (``gaz_id``, ``name``, ``kind``, ``admin1``..``admin3``), or ``None``.
    within
        Keep only localities inside this outline (the zone); programme places are kept as given.
    same_km
        A locality within this distance of a programme place with the same folded name (or one
        of its alternative names) is that place and is dropped (:data:`SAME_TOWN_KM` for towns).

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`SETTLEMENT_COLUMNS` and the point, programme places first. ``source`` is
        ``programme`` or ``gazetteer``; a locality's ``place_id`` is ``gaz:<gaz_id>``, the id its
        imported records carry.
    """
    prog = places[places.geometry.notna() & ~places.geometry.is_empty]
    own = gpd.GeoDataFrame(
        {
            "place_id": prog["place_id"].astype(str).to_numpy(),
            "name": prog["name"].astype(str).to_numpy(),
            "kind": prog["kind"].astype(str).to_numpy(),
            "commune": _text(prog, "admin3").to_numpy(),
            "cercle": _text(prog, "admin2").to_numpy(),
            "region": _text(prog, "admin1").to_numpy(),
            "source": "programme",
        },
        geometry=prog.geometry.to_crs(settings.CRS).to_numpy(),
        crs=settings.CRS,
    )
    if localities is None or localities.empty:
        return own
    loc = localities.to_crs(settings.CRS)
    loc = loc[loc.geometry.notna() & ~loc.geometry.is_empty]
    if "kind" in loc.columns:
        loc = loc[~loc["kind"].isin(SKIPPED_KINDS)]
    if within is not None:
        loc = loc[loc.within(within)]
    if loc.empty:
        return own
    keep = np.ones(len(loc), dtype=bool)
    if len(own):
        names: dict[str, list[int]] = {}
        alt = prog["alt_names"] if "alt_names" in prog.columns else pd.Series("", index=prog.index)
        for i, (name, alts) in enumerate(zip(prog["name"], alt, strict=True)):
            for text in [name, *str(alts or "").split(";")]:
                if str(text).strip():
                    names.setdefault(fold_name(text), []).append(i)
        folded = loc["name"].astype(str).map(fold_name).to_numpy()
        lx, ly = loc.geometry.x.to_numpy(), loc.geometry.y.to_numpy()
        ox, oy = own.geometry.x.to_numpy(), own.geometry.y.to_numpy()
        reach = np.where(own["kind"].isin(TOWN_KINDS), max(same_km, SAME_TOWN_KM), same_km)
        for j, key in enumerate(folded):
            hits = names.get(key)
            if hits and (geodesic_km(lx[j], ly[j], ox[hits], oy[hits]) <= reach[hits]).any():
                keep[j] = False
    loc = loc[keep]
    kinds = _text(loc, "kind").fillna("village")
    found = gpd.GeoDataFrame(
        {
            "place_id": (LOCALITY_PREFIX + loc["gaz_id"].astype(str)).to_numpy(),
            "name": loc["name"].astype(str).to_numpy(),
            "kind": kinds.replace({"locality": "village"}).to_numpy(),
            "commune": _text(loc, "admin3").to_numpy(),
            "cercle": _text(loc, "admin2").to_numpy(),
            "region": _text(loc, "admin1").to_numpy(),
            "source": "gazetteer",
        },
        geometry=loc.geometry.to_numpy(),
        crs=settings.CRS,
    )
    return gpd.GeoDataFrame(pd.concat([own, found], ignore_index=True), crs=settings.CRS)


def fill_admin(frame: gpd.GeoDataFrame, admin: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Return ``frame`` with blank ``commune``/``cercle``/``region`` filled from the admin units.

    Each point takes the name of the unit of each level that contains it (levels 3, 2, 1); a name
    already given is kept. ``frame`` is not modified.
    """
    out = frame.copy()
    if admin is None or admin.empty or out.empty:
        return out
    for level, col in ((3, "commune"), (2, "cercle"), (1, "region")):
        units = admin[admin["level"].astype(int) == level]
        if units.empty:
            continue
        blank = out[col].isna()
        if not blank.any():
            continue
        hit = gpd.sjoin(
            out.loc[blank, [out.geometry.name]],
            units[["name", units.geometry.name]],
            how="left",
            predicate="within",
        )
        hit = hit[~hit.index.duplicated(keep="first")]
        out.loc[blank, col] = hit["name"].reindex(out.index[blank]).astype("object").to_numpy()
    return out


def nearest_names(
    lon: np.ndarray, lat: np.ndarray, places: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, for each point, the nearest settlement's row position, name and geodesic km.

    The candidate is found in degrees (an R-tree), then measured geodesically: names are for
    reading ("près de Kobada, 2.3 km"), not for measuring. Without settlements the names are
    ``None`` and the distances ``NaN``.
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    n = len(lon)
    if places is None or places.empty or n == 0:
        return np.full(n, -1), np.full(n, None, dtype=object), np.full(n, np.nan)
    geoms = places.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    ok = np.isfinite(lon) & np.isfinite(lat)
    pos = np.full(n, -1)
    if ok.any():
        queried, found = tree.query_nearest(shapely.points(lon[ok], lat[ok]), all_matches=False)
        take = np.flatnonzero(ok)[queried]
        pos[take] = found
    names = np.full(n, None, dtype=object)
    dist = np.full(n, np.nan)
    has = pos >= 0
    px, py = places.geometry.x.to_numpy(), places.geometry.y.to_numpy()
    names[has] = places["name"].astype(str).to_numpy()[pos[has]]
    dist[has] = geodesic_km(lon[has], lat[has], px[pos[has]], py[pos[has]])
    return pos, names, dist
