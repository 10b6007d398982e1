"""Match record rows to places and admin units: code, coordinates, exact name, then fuzzy name.

The reference gazetteer is the programme's places (with their alternative names) plus the names of
the installed admin units. Names compare after folding accents, case, hyphens and prefixes such as
"Commune rurale de" or "Village de". Fuzzy matches (rapidfuzz) are narrowed to the commune or
cercle given on the row and carry their score; below :data:`geo.settings.RECORDS_FUZZY_MIN_SCORE`
the row is rejected with the closest candidates. Each distinct combination of row values is matched
once, so a file of 100,000 rows about a few dozen places is matched in a few dozen steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from geo import settings
from geo.geodesy import geodesic_km
from geo.zones import normalise_name

_PREFIX = re.compile(
    r"^(commune (rurale |urbaine )?|village |localite |cercle |region |district |site "
    r"(d orpaillage )?|quartier |hameau |ville )(de |du |des |d )?")

#: Columns every match result carries (see :meth:`Gazetteer.match`).
MATCH_COLUMNS: tuple[str, ...] = (
    "place_id", "place_name", "commune", "commune_id", "cercle", "cercle_id", "region",
    "region_id", "zone_id", "match_level", "match_method", "match_score", "match_reason",
)


def clean_name(text: object) -> str:
    """Return ``text`` folded for matching: accents, case, hyphens and admin prefixes removed."""
    key = normalise_name(text)
    key = re.sub(r"[^a-z0-9 ]+", " ", key)
    key = re.sub(r"\s+", " ", key).strip()
    stripped = _PREFIX.sub("", key).strip()
    return stripped or key


def slug(text: object) -> str:
    """Return a short identifier made from a name (``"Nouga"`` -> ``"nouga"``)."""
    return clean_name(text).replace(" ", "-")


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

    @property
    def ok(self) -> bool:
        """Return whether the row was matched."""
        return self.match_level is not None


@dataclass
class Gazetteer:
    """The names the rows are matched against, with each place's admin units resolved once."""

    places: pd.DataFrame
    units: pd.DataFrame
    zones: gpd.GeoDataFrame | None = None
    tolerance_km: float = settings.RECORDS_COORD_TOLERANCE_KM
    min_score: float = settings.RECORDS_FUZZY_MIN_SCORE
    _names: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _cache: dict[tuple, Match] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, places: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None = None,
              zones: gpd.GeoDataFrame | None = None, **options) -> Gazetteer:
        """Return the gazetteer of ``places`` (places layer) and ``units`` (admin layer)."""
        units = _units_frame(units)
        table = _resolve_places(places, units)
        gaz = cls(places=table, units=units, zones=zones, **options)
        for row in table.itertuples():
            for name in [row.name, *row.alt_names]:
                key = clean_name(name)
                if key and row.place_id not in gaz._names.setdefault(key, []):
                    gaz._names[key].append(row.place_id)
        return gaz

    # --- lookups -----------------------------------------------------------------------------

    def _commune_keys(self) -> dict[str, tuple[str, str]]:
        """Return commune key -> (commune name, cercle key) from places and level-3 units."""
        out: dict[str, tuple[str, str]] = {}
        for row in self.places.itertuples():
            if row.commune:
                out.setdefault(clean_name(row.commune), (row.commune, clean_name(row.cercle)))
            if row.kind == "commune":
                for name in [row.name, *row.alt_names]:
                    out.setdefault(clean_name(name), (row.commune or row.name,
                                                      clean_name(row.cercle)))
        for row in self.units[self.units["level"] == 3].itertuples():
            out.setdefault(clean_name(row.name), (row.name, clean_name(row.cercle)))
        return out

    def resolve_commune(self, text: str) -> tuple[str | None, float]:
        """Return the canonical commune name for ``text`` (exact or fuzzy) and the score."""
        return self._resolve_area(text, self._commune_keys())

    def resolve_cercle(self, text: str) -> tuple[str | None, float]:
        """Return the canonical cercle name for ``text`` (exact or fuzzy) and the score."""
        keys = {clean_name(n): (n, "") for n in self.places["cercle"].dropna() if n}
        for row in self.units[self.units["level"] == 2].itertuples():
            keys.setdefault(clean_name(row.name), (row.name, ""))
        return self._resolve_area(text, keys)

    def resolve_region(self, text: str) -> tuple[str | None, float]:
        """Return the canonical région name for ``text`` (exact or fuzzy) and the score."""
        keys = {clean_name(n): (n, "") for n in self.places["region"].dropna() if n}
        for row in self.units[self.units["level"] == 1].itertuples():
            keys.setdefault(clean_name(row.name), (row.name, ""))
        return self._resolve_area(text, keys)

    def _resolve_area(self, text: str, keys: dict[str, tuple[str, str]]) -> tuple[str | None,
                                                                                     float]:
        key = clean_name(text)
        if not key:
            return None, np.nan
        if key in keys:
            return keys[key][0], 100.0
        best = process.extractOne(key, list(keys), scorer=fuzz.ratio)
        if best and best[1] >= self.min_score:
            return keys[best[0]][0], float(best[1])
        return None, float(best[1]) if best else 0.0

    # --- matching ----------------------------------------------------------------------------

    def match(self, *, code: str = "", place: str = "", commune: str = "", cercle: str = "",
              region: str = "", lat: float = np.nan, lon: float = np.nan) -> Match:
        """Return where a row belongs, trying code, coordinates, exact name, then fuzzy name."""
        key = (code, place, commune, cercle, region,
               None if lat != lat else round(float(lat), 6),
               None if lon != lon else round(float(lon), 6))
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
            hit = self._by_coordinates(float(lat), float(lon))
            if hit is not None:
                return hit
            notes.append(f"no place within {self.tolerance_km:g} km of {lat:.5f}, {lon:.5f} and "
                         "no installed unit contains it")
        commune_name, commune_score = self.resolve_commune(commune) if commune else (None, np.nan)
        cercle_name, _ = self.resolve_cercle(cercle) if cercle else (None, np.nan)
        region_name, _ = self.resolve_region(region) if region else (None, np.nan)
        if commune and commune_name is None:
            notes.append(f"commune {commune!r} unknown")
        if str(place or "").strip():
            hit = self._by_name(str(place), commune_name, cercle_name, notes)
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
        return Match(place_id=place_id, place_name=row["name"], commune=row["commune"],
                     commune_id=row["commune_id"], cercle=row["cercle"],
                     cercle_id=row["cercle_id"], region=row["region"],
                     region_id=row["region_id"], zone_id=row["zone"], match_level="place",
                     match_method=method, match_score=score)

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
        names = {"commune": unit["name"] if level == 3 else None,
                 "cercle": unit["cercle"], "region": unit["region"]}
        m = Match(commune=names["commune"], commune_id=unit["unit_id"] if level == 3 else None,
                  cercle=names["cercle"], cercle_id=unit["cercle_id"], region=names["region"],
                  region_id=unit["region_id"],
                  match_level={3: "commune", 2: "cercle", 1: "region"}.get(level, "country"),
                  match_method=method, match_score=score)
        m.zone_id = self._zone_of_area(m)
        return m

    def _by_coordinates(self, lat: float, lon: float) -> Match | None:
        located = self.places[self.places["lat"].notna()]
        if not located.empty:
            dist = geodesic_km(lon, lat, located["lon"].to_numpy(), located["lat"].to_numpy())
            best = int(np.argmin(dist))
            if dist[best] <= self.tolerance_km:
                m = self._place_match(located.index[best], "coordinates",
                                      float(round(100.0 * (1 - dist[best] / self.tolerance_km /
                                                           2), 1)))
                return m
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

    def _by_name(self, place: str, commune: str | None, cercle: str | None,
                 notes: list[str]) -> Match | None:
        key = clean_name(place)
        pool = self.places
        if commune:
            narrowed = pool[pool["commune"].map(clean_name) == clean_name(commune)]
            pool = narrowed if not narrowed.empty else pool
        elif cercle:
            narrowed = pool[pool["cercle"].map(clean_name) == clean_name(cercle)]
            pool = narrowed if not narrowed.empty else pool
        ids = [pid for pid in self._names.get(key, []) if pid in pool.index]
        if not ids:
            ids = self._names.get(key, [])
        if len(ids) == 1:
            return self._place_match(ids[0], "exact", 100.0)
        if len(ids) > 1:
            notes.append(f"{place!r} is ambiguous ({', '.join(ids)}); give the commune")
            return None
        choices = {clean_name(n): pid for pid, names in zip(pool.index, pool["all_names"],
                                                             strict=True) for n in names}
        best = process.extract(key, list(choices), scorer=fuzz.ratio, limit=3)
        if best and best[0][1] >= self.min_score:
            return self._place_match(choices[best[0][0]], "fuzzy", float(round(best[0][1], 1)))
        # Not a known village: a commune or cercle written in the village column still counts.
        commune_name, score = self.resolve_commune(place)
        if commune_name and score >= 100.0:
            return self._area_match("commune", commune_name, cercle, score)
        suggestions = ", ".join(f"{self.places.loc[choices[c], 'name']} ({s:.0f})"
                                for c, s, _ in best)
        notes.insert(0, f"unknown place {place!r}" + (f"; closest: {suggestions}"
                                                       if suggestions else ""))
        return None

    def _area_match(self, level: str, name: str, cercle: str | None, score: float) -> Match:
        column = {"commune": "commune", "cercle": "cercle", "region": "region"}[level]
        key = clean_name(name)
        rows = self.places[self.places[column].map(clean_name) == key]
        if level == "commune" and cercle:
            in_cercle = rows[rows["cercle"].map(clean_name) == clean_name(cercle)]
            rows = in_cercle if not in_cercle.empty else rows
        level_no = {"commune": 3, "cercle": 2, "region": 1}[level]
        units = self.units[(self.units["level"] == level_no)
                           & (self.units["name"].map(clean_name) == key)]
        method = "exact" if score >= 100.0 else "fuzzy"
        if not units.empty:
            m = self._unit_match(units.iloc[0], method, score)
        elif not rows.empty:
            first = rows.iloc[0]
            m = Match(commune=first["commune"] if level == "commune" else None,
                      commune_id=first["commune_id"] if level == "commune" else None,
                      cercle=first["cercle"] if level in ("commune", "cercle") else None,
                      cercle_id=first["cercle_id"] if level in ("commune", "cercle") else None,
                      region=first["region"], region_id=first["region_id"], match_level=level,
                      match_method=method, match_score=score)
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

    def _zone_of_area(self, m: Match) -> str | None:
        for column, value in (("commune", m.commune), ("cercle", m.cercle),
                              ("region", m.region)):
            if value:
                zones = self.places.loc[self.places[column].map(clean_name) == clean_name(value),
                                        "zone"].dropna().unique()
                return zones[0] if len(zones) == 1 else None
        return None


def _units_frame(units: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Return admin units with each unit's cercle and région names and ids."""
    cols = ["unit_id", "name", "level", "parent_id"]
    if units is None or units.empty:
        empty = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in cols},
                                 geometry=gpd.GeoSeries([], crs=settings.CRS), crs=settings.CRS)
        for c in ("cercle", "cercle_id", "region", "region_id"):
            empty[c] = pd.Series(dtype=object)
        return empty
    out = units[units["level"] > 0].copy()
    out["unit_id"] = out["unit_id"].astype(str)
    out["level"] = out["level"].astype(int)
    # Ids may repeat across levels (Bamako is both a région and a cercle): key on (level, id).
    info = {(int(lv), uid): (pid, name) for lv, uid, pid, name in
            zip(out["level"], out["unit_id"], out["parent_id"], out["name"], strict=True)}

    def ancestor(level: int, uid: str, wanted: int) -> str | None:
        while level > wanted:
            parent = info.get((level, uid), (None, None))[0]
            if parent is None or parent != parent:
                return None
            level, uid = level - 1, str(parent)
        return uid if level == wanted and (level, uid) in info else None

    out["cercle_id"] = [ancestor(lv, u, 2) for lv, u in zip(out["level"], out["unit_id"],
                                                             strict=True)]
    out["region_id"] = [ancestor(lv, u, 1) for lv, u in zip(out["level"], out["unit_id"],
                                                             strict=True)]
    out["cercle"] = [info.get((2, c), (None, None))[1] if c else None for c in out["cercle_id"]]
    out["region"] = [info.get((1, r), (None, None))[1] if r else None for r in out["region_id"]]
    return out.reset_index(drop=True)


def _resolve_places(places: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return one row per place with its commune, cercle and région names and unit ids."""
    frame = pd.DataFrame(places.drop(columns=places.geometry.name)).copy()

    def text(col: str) -> pd.Series:
        if col not in frame.columns:
            return pd.Series([None] * len(frame), index=frame.index, dtype=object)
        s = frame[col].astype(object)
        return s.where(s.notna() & (s.astype(str).str.strip() != ""), None)

    alt = text("alt_names").map(lambda v: [a.strip() for a in str(v).split(";") if a.strip()]
                                if v else [])
    out = pd.DataFrame({
        "place_id": frame["place_id"].astype(str), "name": frame["name"].astype(str),
        "alt_names": alt, "kind": text("kind"), "commune": text("admin3"),
        "cercle": text("admin2"), "region": text("admin1"), "zone": text("zone"),
        "lat": pd.to_numeric(frame.get("lat"), errors="coerce"),
        "lon": pd.to_numeric(frame.get("lon"), errors="coerce"),
    })
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
            hit = cercles[cercles["name"].map(clean_name) == clean_name(row["cercle"])]
            if row["region"] and len(hit) > 1:
                hit = hit[hit["region"].map(clean_name) == clean_name(row["region"])]
            if not hit.empty:
                cid, rid = hit.iloc[0]["unit_id"], hit.iloc[0]["region_id"]
        if rid is None and row["region"] and not regions.empty:
            hit = regions[regions["name"].map(clean_name) == clean_name(row["region"])]
            rid = hit.iloc[0]["unit_id"] if not hit.empty else None
        out.at[idx, "cercle_id"] = cid
        out.at[idx, "region_id"] = rid
        if cid is not None:
            out.at[idx, "cercle"] = cercles.set_index("unit_id").at[cid, "name"]
        if rid is not None:
            out.at[idx, "region"] = regions.set_index("unit_id").at[rid, "name"]
    out["region_id"] = [r if r else (f"name:{slug(n)}" if n else None)
                        for r, n in zip(out["region_id"], out["region"], strict=True)]
    out["cercle_id"] = [c if c else (f"name:{slug(n)}" if n else None)
                        for c, n in zip(out["cercle_id"], out["cercle"], strict=True)]
    out["commune_id"] = [commune_id(c, cid) for c, cid in
                         zip(out["commune"], out["cercle_id"], strict=True)]
    return out.set_index("place_id", drop=False)


def commune_id(commune: str | None, cercle_id: str | None) -> str | None:
    """Return the id of a commune that has no installed polygon: ``<cercle id>:<commune slug>``."""
    if not commune:
        return None
    return f"{cercle_id or 'ML'}:{slug(commune)}"
