"""Match record rows to places and admin units: code, coordinates, exact name, then fuzzy name.

The reference gazetteer is the programme's places (with their alternative names) plus the names of
the admin units and the localities of a gazetteer (:mod:`geo.localities`): the user's own
(``zoneplan data add-places``) or, until they install one, the embedded Who's On First localities.
Names compare after :func:`geo.names.fold_name` (accents, case, hyphens and prefixes such as
"Commune rurale de" or "Village de" folded). Fuzzy matches (rapidfuzz) are narrowed to the
commune or cercle given on the row and carry their score; below
:data:`geo.settings.RECORDS_FUZZY_MIN_SCORE` the row is rejected with the closest candidates. Each
distinct combination of row values is matched once, so a file of 100,000 rows about a few dozen
places is matched in a few dozen steps.

The programme's places keep priority over the localities: a village name is looked up first among
the programme places of the row's commune or cercle, then among the localities of the row's cercle
(exact, so that a homonym in the cercle the row names wins over a programme place elsewhere), then
among all programme places, then fuzzily (programme places of the row's area, then the localities
of the row's cercle). Without a commune, cercle or région on the row, a locality is taken only on
an exact, unambiguous name. A row whose coordinates fall in a commune with no parent cercle keeps
the cercle and région it names (:meth:`~geo.placeindex.PlaceIndex.keep_row_area`).

This module holds that order (:class:`PlaceMatcher`); what the rows are matched against, and how
each kind of hit becomes a :class:`~geo.placeindex.Match`, is :class:`geo.placeindex.PlaceIndex`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from geo.geodesy import geodesic_km
from geo.names import fold_name
from geo.placeindex import MATCH_COLUMNS, Match, PlaceIndex
from geo.reasons import Reason, reason

#: The row fields a match reads (canonical record fields, see :mod:`geo.validate`).
MATCH_FIELDS: tuple[str, ...] = ("place_code", "place", "commune", "cercle", "region", "lat", "lon")


_MISSING = -999.0  # a missing field's key (as the matcher always keyed it)


def _text_key(value: object) -> object:
    """Return a text field as matched: stripped text, :data:`_MISSING` where missing."""
    return _MISSING if _missing(value) else str(value).strip()


def _number_key(value: object) -> object:
    return _MISSING if _missing(value) else value


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


@dataclass
class PlaceMatcher(PlaceIndex):
    """Match rows to the places and units of its index: code, coordinates, exact, fuzzy name."""

    _cache: dict[tuple, Match] = field(default_factory=dict, repr=False)

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

    def match_rows(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Return the match of each row (:data:`MATCH_FIELDS` in, :data:`MATCH_COLUMNS` out).

        Each distinct combination of place fields is matched once, then the results are spread
        over the rows; the result has the index of ``rows``. Text fields are compared stripped.
        """
        keys = list(MATCH_FIELDS)
        found: dict[tuple, int] = {}
        codes = np.empty(len(rows), dtype=np.intp)
        results = []
        # Plain Python: the rows are a chunk's distinct combinations, a few dozen (a pandas
        # pipeline per chunk would cost more than the matching).
        for i, values in enumerate(zip(*(rows[c].tolist() for c in keys), strict=True)):
            key = (*(_text_key(v) for v in values[:5]), *(_number_key(v) for v in values[5:]))
            k = found.get(key)
            if k is None:
                k = found[key] = len(results)
                code, place, commune, cercle, region, lat, lon = key
                m = self.match(
                    code=code,
                    place=place,
                    commune=commune,
                    cercle=cercle,
                    region=region,
                    lat=np.nan if lat == _MISSING else lat,
                    lon=np.nan if lon == _MISSING else lon,
                )
                results.append([getattr(m, c) for c in MATCH_COLUMNS])
            codes[i] = k
        table = pd.DataFrame(results, columns=list(MATCH_COLUMNS))
        out = table.iloc[codes].reset_index(drop=True)
        out.index = rows.index
        out["match_score"] = out["match_score"].astype("float64")
        return out

    def _match(self, code, place, commune, cercle, region, lat, lon) -> Match:
        notes: list[Reason] = []
        code = str(code or "").strip()
        if code:
            hit = self._by_code(code)
            if hit is not None:
                return hit
            notes.append(reason("match_code_unknown", code=code))
        if lat == lat and lon == lon:
            hit = self._by_coordinates(float(lat), float(lon), str(place or ""))
            if hit is not None:
                # A commune without a parent unit keeps the cercle and région the row gave.
                return self.keep_row_area(hit, str(cercle or ""), str(region or ""))
            notes.append(
                reason("match_no_place_near", km=self.tolerance_km, lat=float(lat), lon=float(lon))
            )
        commune_name, commune_score = self.resolve_commune(commune) if commune else (None, np.nan)
        cercle_name, _ = self.resolve_cercle(cercle) if cercle else (None, np.nan)
        region_name, _ = self.resolve_region(region) if region else (None, np.nan)
        if commune and commune_name is None:
            notes.append(reason("match_commune_unknown", name=commune))
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
            return Match(match_reason=tuple(notes))
        if commune_name:
            return self._area_match("commune", commune_name, cercle_name, commune_score)
        if cercle_name:
            return self._area_match("cercle", cercle_name, None, 100.0)
        if region_name:
            return self._area_match("region", region_name, None, 100.0)
        notes.append(reason("match_nothing"))
        return Match(match_reason=tuple(notes))

    def _by_code(self, code: str) -> Match | None:
        lowered = code.lower()
        if lowered in self.places.index:
            return self._place_match(lowered, "code", 100.0)
        hit = self.units[self.units["unit_id"].str.upper() == code.upper()]
        if hit.empty:
            return None
        unit = hit.iloc[0]
        return self._unit_match(unit, "code", 100.0)

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
        notes: list[Reason],
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
                    reason("match_localities", place=place, n=len(hits), where=locs.describe(hits))
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
        found = [reason("match_unknown_place", place=place)]
        if locs is not None and has_area and locs.exact(key):
            found.append(reason("match_gazetteer_has", where=locs.describe(locs.exact(key))))
        if suggested:
            found.append(reason("match_closest", names=suggested))
        notes[:0] = found
        return None

    def _one_place(self, ids: list[str], place: str, notes: list[Reason]) -> Match | None:
        if len(ids) == 1:
            return self._place_match(ids[0], "exact", 100.0)
        rows = self.places.loc[ids]
        where = [
            f"{n}, {c}" if isinstance(c, str) and c else str(n)
            for n, c in zip(rows["name"], rows["commune"], strict=True)
        ]
        notes.append(reason("match_ambiguous", place=place, where=where))
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
        notes: list[Reason],
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
            reason("match_localities_area", place=place, n=len(hits), where=locs.describe(hits))
        )
        return None
