"""The places a record row can be matched to, indexed by folded name, and the match each one makes.

:class:`PlaceIndex` holds the programme's places (each resolved once to its commune, cercle and
région and their unit ids: :func:`resolve_places`), the admin units (installed or embedded), the
intervention zones and the localities of a gazetteer (:mod:`geo.localities`): the user's own
(``zoneplan data add-places``) or the embedded one. It answers the lookups a matcher needs (a
commune, cercle or région named exactly or fuzzily; the unit or zone of an area) and turns each
kind of hit (a programme place, an admin unit, a locality of the gazetteer, a whole area) into a
:class:`Match`.
The order in which a row's code, coordinates and names are tried lives in :mod:`geo.matcher`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Self

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process

from geo import settings
from geo.localities import LOCALITY_PREFIX, Localities
from geo.names import fold_name, slug, split_alt_names
from geo.reasons import Reason, reason
from geo.units import admin_hierarchy

#: Columns every match result carries (see :meth:`geo.matcher.PlaceMatcher.match`).
MATCH_COLUMNS: tuple[str, ...] = (
    "place_id",
    "place_name",
    "commune",
    "commune_id",
    "cercle",
    "cercle_id",
    "region",
    "region_id",
    "zone_id",
    "match_level",
    "match_method",
    "match_score",
    "match_reason",
    "match_source",
)


@dataclass
class Match:
    """Where one row was matched, how, and with what score."""

    place_id: str | None = None
    place_name: str | None = None
    commune: str | None = None
    commune_id: str | None = None
    cercle: str | None = None
    cercle_id: str | None = None
    region: str | None = None
    region_id: str | None = None
    zone_id: str | None = None
    match_level: str | None = None
    match_method: str | None = None
    match_score: float = np.nan
    #: Why no match was found (catalogue keys and values, worded by :mod:`geo.reasons`).
    match_reason: tuple[Reason, ...] | None = None
    #: Where the match came from: ``places`` (programme), ``gazetteer`` (installed or embedded)
    #: or ``units``.
    match_source: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether the row was matched."""
        return self.match_level is not None


@dataclass
class PlaceIndex:
    """The names the rows are matched against, with each place's admin units resolved once."""

    places: pd.DataFrame
    units: pd.DataFrame
    zones: gpd.GeoDataFrame | None = None
    tolerance_km: float = settings.RECORDS_COORD_TOLERANCE_KM
    min_score: float = settings.RECORDS_FUZZY_MIN_SCORE
    localities: Localities | None = None
    #: Folded name (or alternative name) -> ids of the programme places so named.
    _names: dict[str, list[str]] = field(default_factory=dict, repr=False)
    #: Lookups computed once per gazetteer (names folded per column, keys per level).
    _memo: dict[str, object] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        places: gpd.GeoDataFrame,
        units: gpd.GeoDataFrame | None = None,
        zones: gpd.GeoDataFrame | None = None,
        *,
        localities: gpd.GeoDataFrame | None = None,
        **options,
    ) -> Self:
        """Return the gazetteer of ``places`` (places layer) and ``units`` (admin layer).

        ``localities`` is the gazetteer, installed or embedded (the ``gazetteer`` layer: ``gaz_id,
        name, alt_names, kind, admin1, admin2, admin3, geometry``), searched after the places.
        """
        units = admin_hierarchy(units)
        table = resolve_places(places, units)
        locs = Localities.build(localities) if localities is not None and len(localities) else None
        gaz = cls(places=table, units=units, zones=zones, localities=locs, **options)
        for row in table.itertuples():
            for name in [row.name, *row.alt_names]:
                key = fold_name(name)
                if key and row.place_id not in gaz._names.setdefault(key, []):
                    gaz._names[key].append(row.place_id)
        return gaz

    def locality_points(self, place_ids) -> dict[str, object]:
        """Return ``{place id: point}`` for the ids of ``place_ids`` that are localities."""
        if self.localities is None:
            return {}
        return self.localities.points(place_ids)

    # --- lookups -----------------------------------------------------------------------------

    def _memoised(self, name: str, compute):
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]

    def _place_key(self, column: str) -> pd.Series:
        """Return the programme places' ``column`` folded with :func:`fold_name`."""
        return self._memoised(f"place_key:{column}", lambda: self.places[column].map(fold_name))

    def _unit_rows(self, level: int, name: str) -> list[dict]:
        """Return the installed units of ``level`` whose folded name is that of ``name``."""

        def compute() -> dict[tuple[int, str], list[dict]]:
            index: dict[tuple[int, str], list[dict]] = {}
            cols = ["unit_id", "name", "level", "region", "region_id"]
            for row in pd.DataFrame(self.units[cols]).to_dict("records"):
                index.setdefault((int(row["level"]), fold_name(row["name"])), []).append(row)
            return index

        return self._memoised("unit_index", compute).get((level, fold_name(name)), [])

    def _commune_keys(self) -> dict[str, tuple[str, str]]:
        """Return commune key -> (commune name, cercle key) from places and level-3 units."""
        return self._memoised("commune_keys", self._compute_commune_keys)

    def _compute_commune_keys(self) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        for row in self.places.itertuples():
            if row.commune:
                out.setdefault(fold_name(row.commune), (row.commune, fold_name(row.cercle)))
            if row.kind == "commune":
                for name in [row.name, *row.alt_names]:
                    out.setdefault(fold_name(name), (row.commune or row.name, fold_name(row.cercle)))
        for row in self.units[self.units["level"] == 3].itertuples():
            out.setdefault(fold_name(row.name), (row.name, fold_name(row.cercle)))
        return out

    def resolve_commune(self, text: str) -> tuple[str | None, float]:
        """Return the canonical commune name for ``text`` (exact or fuzzy) and the score."""
        return self._resolve_area(text, self._commune_keys())

    def resolve_cercle(self, text: str) -> tuple[str | None, float]:
        """Return the canonical cercle name for ``text`` (exact or fuzzy) and the score."""
        return self._resolve_area(
            text, self._memoised("cercle_keys", lambda: self._area_keys("cercle", 2))
        )

    def resolve_region(self, text: str) -> tuple[str | None, float]:
        """Return the canonical région name for ``text`` (exact or fuzzy) and the score."""
        return self._resolve_area(
            text, self._memoised("region_keys", lambda: self._area_keys("region", 1))
        )

    def _area_keys(self, column: str, level: int) -> dict[str, tuple[str, str]]:
        """Return key -> (name, "") of the cercles or régions known to places, units, localities."""
        keys = {fold_name(n): (n, "") for n in self.places[column].dropna() if n}
        for row in self.units[self.units["level"] == level].itertuples():
            keys.setdefault(fold_name(row.name), (row.name, ""))
        if self.localities is not None:
            names = self.localities.cercle_names if level == 2 else self.localities.region_names
            for key, name in names.items():
                keys.setdefault(key, (name, ""))
        return keys

    def _resolve_area(self, text: str, keys: dict[str, tuple[str, str]]) -> tuple[str | None, float]:
        key = fold_name(text)
        if not key:
            return None, np.nan
        if key in keys:
            return keys[key][0], 100.0
        best = process.extractOne(key, list(keys), scorer=fuzz.ratio)
        if best and best[1] >= self.min_score:
            return keys[best[0]][0], float(best[1])
        return None, float(best[1]) if best else 0.0

    # --- results ----------------------------------------------------------------------------

    def _place_match(self, place_id: str, method: str, score: float) -> Match:
        row = self.places.loc[place_id]
        return Match(
            place_id=place_id,
            place_name=row["name"],
            commune=row["commune"],
            commune_id=row["commune_id"],
            cercle=row["cercle"],
            cercle_id=row["cercle_id"],
            region=row["region"],
            region_id=row["region_id"],
            zone_id=row["zone"],
            match_level="place",
            match_method=method,
            match_score=score,
            match_source="places",
        )

    def _unit_match(self, unit: pd.Series, method: str, score: float) -> Match:
        level = int(unit["level"])
        names = {
            "commune": unit["name"] if level == 3 else None,
            "cercle": unit["cercle"],
            "region": unit["region"],
        }
        m = Match(
            commune=names["commune"],
            commune_id=unit["unit_id"] if level == 3 else None,
            cercle=names["cercle"],
            cercle_id=unit["cercle_id"],
            region=names["region"],
            region_id=unit["region_id"],
            match_level={3: "commune", 2: "cercle", 1: "region"}.get(level, "country"),
            match_method=method,
            match_score=score,
            match_source="units",
        )
        m.zone_id = self._zone_of_area(m)
        return m

    def _locality_match(self, i: int, method: str, score: float, commune: str | None) -> Match:
        """Return the match of locality ``i`` of the gazetteer."""
        locs = self.localities
        assert locs is not None
        cercle, region = locs.admin2[i] or None, locs.admin1[i] or None
        cercle_id = region_id = None
        if cercle:
            units = self._unit_rows(2, cercle)
            if region and len(units) > 1:
                units = [u for u in units if fold_name(u["region"]) == fold_name(region)]
            if units:
                unit = units[0]
                cercle, cercle_id = unit["name"], unit["unit_id"]
                region, region_id = unit["region"] or region, unit["region_id"]
        if region and region_id is None:
            units = self._unit_rows(1, region)
            region_id = units[0]["unit_id"] if units else f"name:{slug(region)}"
        if cercle and cercle_id is None:
            cercle_id = f"name:{slug(cercle)}"
        commune_name = locs.admin3[i] or None
        if commune_name is None and commune and cercle:
            # The row's commune, when it lies in the locality's cercle.
            info = self._commune_keys().get(fold_name(commune))
            if info and info[1] == fold_name(cercle):
                commune_name = info[0]
        m = Match(
            place_id=LOCALITY_PREFIX + locs.gaz_id[i],
            place_name=locs.name[i],
            commune=commune_name,
            commune_id=commune_id(commune_name, cercle_id),
            cercle=cercle,
            cercle_id=cercle_id,
            region=region,
            region_id=region_id,
            match_level="place",
            match_method=method,
            match_score=score,
            match_source="gazetteer",
        )
        for zone_id, shape in self._zone_shapes():
            if shapely.contains_xy(shape, locs.lon[i], locs.lat[i]):
                m.zone_id = zone_id
                break
        if m.zone_id is None:
            m.zone_id = self._zone_of_area(m)
        return m

    def keep_row_area(self, m: Match, cercle: str = "", region: str = "") -> Match:
        """Return ``m`` with the row's ``cercle`` and ``region`` where the match has none.

        A commune found by coordinates takes its cercle and région from its parents; one without
        them (boundaries of another frame, a unit outside every cercle) keeps those its file
        named, as units where installed, else as ``name:<slug>`` ids. ``m`` is not modified.
        """
        out = replace(m)
        if _blank(out.cercle_id) and cercle.strip():
            name, _ = self.resolve_cercle(cercle)
            if name:
                units = self._unit_rows(2, name)
                out.cercle = units[0]["name"] if units else name
                out.cercle_id = units[0]["unit_id"] if units else f"name:{slug(name)}"
                if units and _blank(out.region_id) and not _blank(units[0]["region_id"]):
                    out.region, out.region_id = units[0]["region"], units[0]["region_id"]
        if _blank(out.region_id) and region.strip():
            name, _ = self.resolve_region(region)
            if name:
                units = self._unit_rows(1, name)
                out.region = units[0]["name"] if units else name
                out.region_id = units[0]["unit_id"] if units else f"name:{slug(name)}"
        derived = _blank(m.commune_id) or m.commune_id == commune_id(m.commune, None)
        if not _blank(out.commune) and derived:  # a commune without a polygon: its id names its cercle
            out.commune_id = commune_id(out.commune, out.cercle_id)
        return out

    def _area_match(self, level: str, name: str, cercle: str | None, score: float) -> Match:
        column = {"commune": "commune", "cercle": "cercle", "region": "region"}[level]
        key = fold_name(name)
        rows = self.places[self.places[column].map(fold_name) == key]
        if level == "commune" and cercle:
            in_cercle = rows[rows["cercle"].map(fold_name) == fold_name(cercle)]
            rows = in_cercle if not in_cercle.empty else rows
        level_no = {"commune": 3, "cercle": 2, "region": 1}[level]
        units = self.units[
            (self.units["level"] == level_no) & (self.units["name"].map(fold_name) == key)
        ]
        method = "exact" if score >= 100.0 else "fuzzy"
        if not units.empty:
            m = self._unit_match(units.iloc[0], method, score)
        elif not rows.empty:
            first = rows.iloc[0]
            m = Match(
                commune=first["commune"] if level == "commune" else None,
                commune_id=first["commune_id"] if level == "commune" else None,
                cercle=first["cercle"] if level in ("commune", "cercle") else None,
                cercle_id=first["cercle_id"] if level in ("commune", "cercle") else None,
                region=first["region"],
                region_id=first["region_id"],
                match_level=level,
                match_method=method,
                match_score=score,
                match_source="places",
            )
        else:
            return Match(match_reason=(reason(f"match_no_unit_{level}", name=name),))
        zones = rows["zone"].dropna().unique()
        if len(zones) == 1:
            m.zone_id = zones[0]
        if level == "commune":
            seat = rows[rows["kind"] == "commune"]
            if not seat.empty:
                m.place_id, m.place_name = seat.index[0], seat.iloc[0]["name"]
        return m

    def _zone_shapes(self) -> list[tuple[str, object]]:
        """Return the intervention zones as ``(zone_id, prepared polygon)``."""

        def compute() -> list[tuple[str, object]]:
            if self.zones is None or self.zones.empty:
                return []
            shapes = []
            for zone_id, geom in zip(self.zones["zone_id"], self.zones.geometry, strict=True):
                if geom is not None and not geom.is_empty:
                    shapely.prepare(geom)
                    shapes.append((zone_id, geom))
            return shapes

        return self._memoised("zone_shapes", compute)

    def _zone_of_area(self, m: Match) -> str | None:
        for column, value in (("commune", m.commune), ("cercle", m.cercle), ("region", m.region)):
            if value:
                zones = (
                    self.places.loc[self._place_key(column) == fold_name(value), "zone"]
                    .dropna()
                    .unique()
                )
                return zones[0] if len(zones) == 1 else None
        return None


def _blank(value: object) -> bool:
    """Return whether ``value`` is missing (``None``, NaN or empty text)."""
    return value is None or value != value or value == ""


def resolve_places(places: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return one row per place with its commune, cercle and région names and unit ids."""
    frame = pd.DataFrame(places.drop(columns=places.geometry.name)).copy()

    def text(col: str) -> pd.Series:
        if col not in frame.columns:
            return pd.Series([None] * len(frame), index=frame.index, dtype=object)
        s = frame[col].astype(object)
        return s.where(s.notna() & (s.astype(str).str.strip() != ""), None)

    alt = text("alt_names").map(split_alt_names)
    out = pd.DataFrame(
        {
            "place_id": frame["place_id"].astype(str),
            "name": frame["name"].astype(str),
            "alt_names": alt,
            "kind": text("kind"),
            "commune": text("admin3"),
            "cercle": text("admin2"),
            "region": text("admin1"),
            "zone": text("zone"),
            "lat": pd.to_numeric(frame.get("lat"), errors="coerce"),
            "lon": pd.to_numeric(frame.get("lon"), errors="coerce"),
        }
    )
    out["all_names"] = [[n, *a] for n, a in zip(out["name"], out["alt_names"], strict=True)]
    out["cercle_id"] = None
    out["region_id"] = None
    cercles = units[units["level"] == 2]
    regions = units[units["level"] == 1]
    for idx, row in out.iterrows():
        cid = rid = None
        if row["lat"] == row["lat"] and not cercles.empty:
            point = gpd.points_from_xy([row["lon"]], [row["lat"]])[0]
            inside = cercles[cercles.geometry.contains(point)]
            if not inside.empty:
                cid, rid = inside.iloc[0]["unit_id"], inside.iloc[0]["region_id"]
        if cid is None and row["cercle"] and not cercles.empty:
            hit = cercles[cercles["name"].map(fold_name) == fold_name(row["cercle"])]
            if row["region"] and len(hit) > 1:
                hit = hit[hit["region"].map(fold_name) == fold_name(row["region"])]
            if not hit.empty:
                cid, rid = hit.iloc[0]["unit_id"], hit.iloc[0]["region_id"]
        if rid is None and row["region"] and not regions.empty:
            hit = regions[regions["name"].map(fold_name) == fold_name(row["region"])]
            rid = hit.iloc[0]["unit_id"] if not hit.empty else None
        out.at[idx, "cercle_id"] = cid
        out.at[idx, "region_id"] = rid
        if cid is not None:
            out.at[idx, "cercle"] = cercles.set_index("unit_id").at[cid, "name"]
        if rid is not None:
            out.at[idx, "region"] = regions.set_index("unit_id").at[rid, "name"]
    out["region_id"] = [
        r if r else (f"name:{slug(n)}" if n else None)
        for r, n in zip(out["region_id"], out["region"], strict=True)
    ]
    out["cercle_id"] = [
        c if c else (f"name:{slug(n)}" if n else None)
        for c, n in zip(out["cercle_id"], out["cercle"], strict=True)
    ]
    out["commune_id"] = [
        commune_id(c, cid) for c, cid in zip(out["commune"], out["cercle_id"], strict=True)
    ]
    return out.set_index("place_id", drop=False)


def commune_id(commune: str | None, cercle_id: str | None) -> str | None:
    """Return the id of a commune that has no installed polygon: ``<cercle id>:<commune slug>``."""
    if not commune:
        return None
    return f"{cercle_id or 'ML'}:{slug(commune)}"
