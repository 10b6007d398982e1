"""The user's gazetteer indexed for place matching: folded names per cercle and per région.

A locality is an entry of the ``gazetteer`` layer (installed with ``zoneplan data add-places``).
:class:`Localities` holds them as plain arrays so that :class:`geo.matcher.PlaceMatcher` finds a
village by exact name within a cercle, by fuzzy name, or as the nearest point to coordinates,
without touching a GeoDataFrame per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz

from geo.geodesy import geodesic_km
from geo.names import fold_name, split_alt_names

#: Prefix of the place id of a match in the user's gazetteer (``gaz:<gaz_id>``).
LOCALITY_PREFIX = "gaz:"


@dataclass
class Localities:
    """The user's gazetteer indexed for matching: folded names, per cercle and per région."""

    gaz_id: list[str]
    name: list[str]
    admin1: list[str]
    admin2: list[str]
    admin3: list[str]
    lon: np.ndarray
    lat: np.ndarray
    cercle_key: list[str]
    commune_key: list[str]
    region_key: list[str]
    names: dict[str, list[int]]
    by_cercle: dict[str, dict[str, list[int]]]
    by_region: dict[str, dict[str, list[int]]]
    cercle_names: dict[str, str]
    region_names: dict[str, str]
    _tree: shapely.STRtree | None = field(default=None, repr=False)

    @classmethod
    def build(cls, frame: pd.DataFrame) -> Localities:
        """Return the index of ``frame`` (the ``gazetteer`` layer, or a frame with lat/lon)."""

        def text(col: str) -> list[str]:
            if col not in frame.columns:
                return [""] * len(frame)
            return ["" if v is None or v != v else str(v).strip() for v in frame[col]]

        if isinstance(frame, gpd.GeoDataFrame):
            lon, lat = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
        else:
            lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy()
            lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy()
        names, admin1, admin2, admin3 = (text(c) for c in ("name", "admin1", "admin2", "admin3"))
        alt = text("alt_names")
        cercle_key = [fold_name(v) for v in admin2]
        region_key = [fold_name(v) for v in admin1]
        index: dict[str, list[int]] = {}
        by_cercle: dict[str, dict[str, list[int]]] = {}
        by_region: dict[str, dict[str, list[int]]] = {}
        for i, (name, others) in enumerate(zip(names, alt, strict=True)):
            keys = {fold_name(n) for n in [name, *split_alt_names(others)]}
            for key in keys - {""}:
                index.setdefault(key, []).append(i)
                by_cercle.setdefault(cercle_key[i], {}).setdefault(key, []).append(i)
                by_region.setdefault(region_key[i], {}).setdefault(key, []).append(i)
        return cls(
            gaz_id=text("gaz_id"),
            name=names,
            admin1=admin1,
            admin2=admin2,
            admin3=admin3,
            lon=np.asarray(lon, dtype="float64"),
            lat=np.asarray(lat, dtype="float64"),
            cercle_key=cercle_key,
            commune_key=[fold_name(v) for v in admin3],
            region_key=region_key,
            names=index,
            by_cercle=by_cercle,
            by_region=by_region,
            cercle_names={k: v for k, v in zip(cercle_key, admin2, strict=True) if k},
            region_names={k: v for k, v in zip(region_key, admin1, strict=True) if k},
        )

    def __len__(self) -> int:
        return len(self.name)

    def choices(
        self, cercles: set[str] | None = None, region: str | None = None
    ) -> dict[str, list[int]]:
        """Return folded name -> localities, within ``cercles`` (or ``region``) when given."""
        if cercles:
            if len(cercles) == 1:
                return self.by_cercle.get(next(iter(cercles)), {})
            merged: dict[str, list[int]] = {}
            for c in cercles:
                for key, ids in self.by_cercle.get(c, {}).items():
                    merged.setdefault(key, []).extend(ids)
            return merged
        if region:
            return self.by_region.get(region, {})
        return self.names

    def exact(self, key: str, cercles: set[str] | None = None, region: str | None = None) -> list[int]:
        """Return the localities whose folded name is ``key`` (within the area when given)."""
        return list(self.choices(cercles, region).get(key, []))

    def describe(self, ids: list[int], limit: int = 4) -> str:
        """Return "Name, cercle" for the first ``limit`` localities of ``ids``."""
        parts = [f"{self.name[i]}, {self.admin2[i] or '?'}" for i in ids[:limit]]
        return "; ".join(parts) + (f"; +{len(ids) - limit}" if len(ids) > limit else "")

    def nearest(
        self, lon: float, lat: float, within_km: float, *, name: str = "", min_score: float = 0.0
    ) -> tuple[int, float] | None:
        """Return the nearest locality within ``within_km`` and its distance, or ``None``.

        When ``name`` is given, only localities whose name matches it (fuzzy score at least
        ``min_score``) count: coordinates and name must agree.
        """
        if self._tree is None:
            self._tree = shapely.STRtree(shapely.points(self.lon, self.lat))
        # A degree of latitude is ~111 km; one of longitude is shorter by cos(latitude).
        window = 1.05 * within_km / (111.0 * max(float(np.cos(np.radians(lat))), 0.2))
        ids = self._tree.query(shapely.box(lon - window, lat - window, lon + window, lat + window))
        if not len(ids):
            return None
        dist = geodesic_km(lon, lat, self.lon[ids], self.lat[ids])
        key = fold_name(name)
        order = np.argsort(dist)
        for j in order:
            if dist[j] > within_km:
                break
            i = int(ids[j])
            if not key or fuzz.ratio(key, fold_name(self.name[i])) >= min_score:
                return i, float(dist[j])
        return None

    def points(self, place_ids) -> dict[str, object]:
        """Return ``{place id: point}`` for the locality place ids (``gaz:...``) given."""
        wanted = {str(p) for p in place_ids if isinstance(p, str) and p.startswith(LOCALITY_PREFIX)}
        if not wanted:
            return {}
        out = {}
        for i, gid in enumerate(self.gaz_id):
            pid = LOCALITY_PREFIX + gid
            if pid in wanted:
                out[pid] = shapely.Point(self.lon[i], self.lat[i])
        return out
