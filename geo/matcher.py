"""Match record rows to places and admin units: code, coordinates, exact name, then fuzzy name.

The reference gazetteer is the programme's places (with their alternative names) plus the names of
the installed admin units and, when the user installed one (``zoneplan data add-places``), the
localities of their own gazetteer (:mod:`geo.localities`). Names compare after
:func:`geo.names.fold_name` (accents, case, hyphens and prefixes such as "Commune rurale de" or
"Village de" folded). Fuzzy matches (rapidfuzz) are narrowed to the commune or cercle given on the
row and carry their score; below :data:`geo.settings.RECORDS_FUZZY_MIN_SCORE` the row is rejected
with the closest candidates. Each distinct combination of row values is matched
once, so a file of 100,000 rows about a few dozen places is matched in a few dozen steps.

The programme's places keep priority over the localities: a village name is looked up first among
the programme places of the row's commune or cercle, then among the localities of the row's cercle
(exact, so that a homonym in the cercle the row names wins over a programme place elsewhere), then
among all programme places, then fuzzily (programme places of the row's area, then the localities
of the row's cercle). Without a commune, cercle or région on the row, a locality is taken only on
an exact, unambiguous name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process

from geo import settings
from geo.geodesy import geodesic_km
from geo.localities import LOCALITY_PREFIX, Localities
from geo.names import fold_name, slug, split_alt_names
from geo.units import admin_hierarchy

#: Columns every match result carries (see :meth:`PlaceMatcher.match`).
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
    match_reason: str | None = None
    #: Where the match came from: ``places`` (programme), ``gazetteer`` (user's) or ``units``.
    match_source: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether the row was matched."""
        return self.match_level is not None


@dataclass
class PlaceMatcher:
    """The names the rows are matched against, with each place's admin units resolved once."""

    places: pd.DataFrame
    units: pd.DataFrame
    zones: gpd.GeoDataFrame | None = None
    tolerance_km: float = settings.RECORDS_COORD_TOLERANCE_KM
    min_score: float = settings.RECORDS_FUZZY_MIN_SCORE
    localities: Localities | None = None
    _names: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _cache: dict[tuple, Match] = field(default_factory=dict, repr=False)
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
    ) -> PlaceMatcher:
        """Return the gazetteer of ``places`` (places layer) and ``units`` (admin layer).

        ``localities`` is the user's gazetteer (the ``gazetteer`` layer: ``gaz_id, name,
        alt_names, kind, admin1, admin2, admin3, geometry``), searched after the places.
        """
        units = admin_hierarchy(units)
        table = _resolve_places(places, units)
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

    # --- matching ----------------------------------------------------------------------------

    def match(
        self,
        *,
        code: str = "",
        place: str = "",
        commune: str = "",
        cercle: str = "",
        region: str = "",
        lat: float = np.nan,
        lon: float = np.nan,
    ) -> Match:
        """Return where a row belongs, trying code, coordinates, exact name, then fuzzy name."""
        key = (
            code,
            place,
            commune,
            cercle,
            region,
            None if lat != lat else round(float(lat), 6),
            None if lon != lon else round(float(lon), 6),
        )
        if key not in self._cache:
            self._cache[key] = self._match(code, place, commune, cercle, region, lat, lon)
        return self._cache[key]

    def _match(self, code, place, commune, cercle, region, lat, lon) -> Match:
        notes: list[str] = []
        code = str(code or "").strip()
        if code:
            hit = self._by_code(code)
            if hit is not None:
                return hit
            notes.append(f"code {code!r} unknown")
        if lat == lat and lon == lon:
            hit = self._by_coordinates(float(lat), float(lon), str(place or ""))
            if hit is not None:
                return hit
            notes.append(
                f"no place within {self.tolerance_km:g} km of {lat:.5f}, {lon:.5f} and "
                "no installed unit contains it"
            )
        commune_name, commune_score = self.resolve_commune(commune) if commune else (None, np.nan)
        cercle_name, _ = self.resolve_cercle(cercle) if cercle else (None, np.nan)
        region_name, _ = self.resolve_region(region) if region else (None, np.nan)
        if commune and commune_name is None:
            notes.append(f"commune {commune!r} unknown")
        if str(place or "").strip():
            hit = self._by_name(
                str(place),
                commune_name,
                cercle_name,
                notes,
                region=region_name,
                commune_text=str(commune or ""),
            )
            if hit is not None:
                return hit
            return Match(match_reason="; ".join(notes))
        if commune_name:
            return self._area_match("commune", commune_name, cercle_name, commune_score)
        if cercle_name:
            return self._area_match("cercle", cercle_name, None, 100.0)
        if region_name:
            return self._area_match("region", region_name, None, 100.0)
        notes.append("no village, commune, cercle or région recognised")
        return Match(match_reason="; ".join(notes))

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

    def _by_code(self, code: str) -> Match | None:
        lowered = code.lower()
        if lowered in self.places.index:
            return self._place_match(lowered, "code", 100.0)
        hit = self.units[self.units["unit_id"].str.upper() == code.upper()]
        if hit.empty:
            return None
        unit = hit.iloc[0]
        return self._unit_match(unit, "code", 100.0)

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

    def _by_coordinates(self, lat: float, lon: float, place: str = "") -> Match | None:
        located = self.places[self.places["lat"].notna()]
        if not located.empty:
            dist = geodesic_km(lon, lat, located["lon"].to_numpy(), located["lat"].to_numpy())
            best = int(np.argmin(dist))
            if dist[best] <= self.tolerance_km:
                m = self._place_match(
                    located.index[best],
                    "coordinates",
                    float(round(100.0 * (1 - dist[best] / self.tolerance_km / 2), 1)),
                )
                return m
        if self.localities is not None:
            near = self.localities.nearest(
                lon, lat, self.tolerance_km, name=place, min_score=self.min_score
            )
            if near is not None:
                i, dist_km = near
                return self._locality_match(
                    i,
                    "coordinates",
                    float(round(100.0 * (1 - dist_km / self.tolerance_km / 2), 1)),
                    None,
                )
        point = gpd.points_from_xy([lon], [lat])[0]
        for level in (3, 2, 1):
            level_units = self.units[self.units["level"] == level]
            if level_units.empty:
                continue
            inside = level_units[level_units.geometry.contains(point)]
            if not inside.empty:
                m = self._unit_match(inside.iloc[0], "coordinates", 100.0)
                if self.zones is not None and not self.zones.empty:
                    zone = self.zones[self.zones.geometry.contains(point)]
                    m.zone_id = zone["zone_id"].iloc[0] if not zone.empty else m.zone_id
                return m
        return None

    def _by_name(
        self,
        place: str,
        commune: str | None,
        cercle: str | None,
        notes: list[str],
        *,
        region: str | None = None,
        commune_text: str = "",
    ) -> Match | None:
        """Return the place (programme place or locality) named ``place``, or ``None`` with notes.

        See the module docstring for the order; the programme places keep priority.
        """
        key = fold_name(place)
        cercles, region_key = self._area(commune, cercle, region, commune_text)
        has_area = bool(cercles) or bool(region_key)
        locs = self.localities
        pools = self._pools(commune, cercles, region_key)
        # 1. Programme places of the row's commune, then of its cercle (or région).
        for pool in pools:
            ids = [pid for pid in self._names.get(key, []) if pid in pool.index]
            if ids:
                return self._one_place(ids, place, notes)
        # 2. Localities of the row's cercle: a homonym there beats a programme place elsewhere.
        if locs is not None and has_area:
            hits = locs.exact(key, cercles, region_key)
            if hits:
                return self._one_locality(hits, place, commune, "exact", 100.0, notes)
        # 3. Any programme place of that name.
        ids = self._names.get(key, [])
        if ids:
            return self._one_place(ids, place, notes)
        # 4. Fuzzy among the programme places of the row's area (all of them without an area).
        if not pools and (not has_area or locs is None):
            pools = [self.places]
        best: list = []
        choices: dict[str, str] = {}
        searched_all = bool(pools) and pools[-1] is self.places
        for pool in pools:
            choices = {
                fold_name(n): pid
                for pid, names in zip(pool.index, pool["all_names"], strict=True)
                for n in names
            }
            best = process.extract(key, list(choices), scorer=fuzz.ratio, limit=3)
            if best and best[0][1] >= self.min_score:
                return self._place_match(choices[best[0][0]], "fuzzy", float(round(best[0][1], 1)))
        # 5. Localities: fuzzy within the row's area; exact and unambiguous without one.
        loc_best: list = []
        if locs is not None and has_area:
            loc_choices = locs.choices(cercles, region_key)
            loc_best = process.extract(key, list(loc_choices), scorer=fuzz.ratio, limit=3)
            if loc_best and loc_best[0][1] >= self.min_score:
                return self._one_locality(
                    loc_choices[loc_best[0][0]],
                    place,
                    commune,
                    "fuzzy",
                    float(round(loc_best[0][1], 1)),
                    notes,
                )
        elif locs is not None:
            hits = locs.exact(key)
            if len(hits) == 1:
                return self._locality_match(hits[0], "exact", 100.0, commune)
            if hits:
                notes.append(
                    f"{place!r} names {len(hits)} localities ("
                    f"{locs.describe(hits)}); give the cercle or commune"
                )
                return None
        # 6. Programme places anywhere, fuzzily (the row's area had none close enough).
        if not pools and not searched_all:
            choices = {
                fold_name(n): pid
                for pid, names in zip(self.places.index, self.places["all_names"], strict=True)
                for n in names
            }
            best = process.extract(key, list(choices), scorer=fuzz.ratio, limit=3)
            if best and best[0][1] >= self.min_score:
                return self._place_match(choices[best[0][0]], "fuzzy", float(round(best[0][1], 1)))
        # Not a known village: a commune or cercle written in the village column still counts.
        commune_name, score = self.resolve_commune(place)
        if commune_name and score >= 100.0:
            return self._area_match("commune", commune_name, cercle, score)
        suggested = [f"{self.places.loc[choices[c], 'name']} ({s:.0f})" for c, s, _ in best]
        if locs is not None and loc_best:
            loc_choices = locs.choices(cercles, region_key)
            suggested += [f"{locs.describe(loc_choices[c][:1])} ({s:.0f})" for c, s, _ in loc_best]
        # One suggestion per name (alternative spellings of a place score separately).
        by_name: dict[str, str] = {}
        for text in suggested:
            by_name.setdefault(text.rsplit(" (", 1)[0], text)
        suggested = list(by_name.values())
        where = ""
        if locs is not None and has_area and locs.exact(key):
            where = f"; the gazetteer has it in {locs.describe(locs.exact(key))}"
        notes.insert(
            0,
            f"unknown place {place!r}"
            + where
            + (f"; closest: {', '.join(suggested)}" if suggested else ""),
        )
        return None

    def _one_place(self, ids: list[str], place: str, notes: list[str]) -> Match | None:
        if len(ids) == 1:
            return self._place_match(ids[0], "exact", 100.0)
        notes.append(f"{place!r} is ambiguous ({', '.join(ids)}); give the commune")
        return None

    def _area(
        self, commune: str | None, cercle: str | None, region: str | None, commune_text: str
    ) -> tuple[set[str], str | None]:
        """Return the cercle keys (and région key) a row's commune/cercle/région point to."""
        if cercle:
            return {fold_name(cercle)}, None
        if commune:
            info = self._commune_keys().get(fold_name(commune))
            if info and info[1]:
                return {info[1]}, None
        elif commune_text.strip() and self.localities is not None:
            # An unknown commune is usually named after its seat: take that locality's cercle.
            seats = self.localities.exact(fold_name(commune_text))
            found = {self.localities.cercle_key[i] for i in seats} - {""}
            if len(found) == 1:
                return found, None
        return set(), fold_name(region) if region else None

    def _pools(
        self, commune: str | None, cercles: set[str], region_key: str | None
    ) -> list[pd.DataFrame]:
        """Return the programme places of the row's commune, then of its cercle (or région)."""
        key = f"pools:{fold_name(commune)}|{'|'.join(sorted(cercles))}|{region_key or ''}"
        return self._memoised(key, lambda: self._compute_pools(commune, cercles, region_key))

    def _compute_pools(
        self, commune: str | None, cercles: set[str], region_key: str | None
    ) -> list[pd.DataFrame]:
        pools: list[pd.DataFrame] = []
        if commune:
            pool = self.places[self._place_key("commune") == fold_name(commune)]
            if not pool.empty:
                pools.append(pool)
        if cercles:
            pool = self.places[self._place_key("cercle").isin(cercles)]
        elif region_key:
            pool = self.places[self._place_key("region") == region_key]
        else:
            pool = self.places.iloc[:0]
        if not pool.empty and not (pools and pool.index.equals(pools[-1].index)):
            pools.append(pool)
        return pools

    def _one_locality(
        self,
        hits: list[int],
        place: str,
        commune: str | None,
        method: str,
        score: float,
        notes: list[str],
    ) -> Match | None:
        locs = self.localities
        assert locs is not None
        if len(hits) > 1 and commune:
            in_commune = [i for i in hits if locs.commune_key[i] == fold_name(commune)]
            hits = in_commune or hits
        if len(hits) > 1 and np.all(
            geodesic_km(locs.lon[hits[0]], locs.lat[hits[0]], locs.lon[hits[1:]], locs.lat[hits[1:]])
            <= self.tolerance_km
        ):
            hits = hits[:1]  # one village entered twice (e.g. GeoNames and another source)
        if len(hits) == 1:
            return self._locality_match(hits[0], method, score, commune)
        notes.append(
            f"{place!r} names {len(hits)} localities in that area "
            f"({locs.describe(hits)}); give coordinates or the commune"
        )
        return None

    def _locality_match(self, i: int, method: str, score: float, commune: str | None) -> Match:
        """Return the match of locality ``i`` of the user's gazetteer."""
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
            return Match(match_reason=f"{level} {name!r} has no known unit")
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


def _resolve_places(places: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
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
