"""Places of the programmes: typed reading, user-set locations, unlocated places.

A place with no coordinates (Danga) is kept and listed, never mapped at (0, 0): its geometry is
``None`` until a user sets its location, which is stored in the project store and applied here.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.i18n import t

PLACE_KINDS: tuple[str, ...] = (
    "capital",
    "regional_capital",
    "cercle_capital",
    "commune",
    "village",
    "gold_site",
)


def read_places(path: str | Path, lang: str = settings.DEFAULT_LANGUAGE) -> gpd.GeoDataFrame:
    """Read a places table (``data/places.csv`` format) into a typed GeoDataFrame.

    Rows without coordinates get a ``None`` geometry and ``located = False``.
    """
    path = Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    problems = [c for c in ("place_id", "name", "kind", "lat", "lon") if c not in frame.columns]
    if problems:
        raise InputError(
            t("places.missing_columns", lang, columns=", ".join(problems)), source=path.name
        )
    out = frame.replace({"": None})
    for col in ("lat", "lon", "precision_m"):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce")
    out["approximate"] = (
        out.get("approximate", pd.Series("false", index=out.index))
        .fillna("false")
        .str.lower()
        .eq("true")
    )
    bad_kind = ~out["kind"].isin(PLACE_KINDS)
    if bad_kind.any():
        row = int(np.flatnonzero(bad_kind)[0]) + 2
        kind = out["kind"][bad_kind].iloc[0]
        raise InputError(
            t("places.bad_kind", lang, row=row, kind=kind, valid=", ".join(PLACE_KINDS)),
            source=path.name,
        )
    return with_geometry(out)


def with_geometry(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` with point geometry from ``lat``/``lon`` (``None`` where missing)."""
    out = pd.DataFrame(frame).copy()
    located = out["lat"].notna() & out["lon"].notna()
    points = gpd.points_from_xy(out["lon"].where(located, 0.0), out["lat"].where(located, 0.0))
    geometry = gpd.GeoSeries(points, index=out.index, crs=settings.CRS).where(located, None)
    out["located"] = located.astype(bool)
    return gpd.GeoDataFrame(out, geometry=geometry, crs=settings.CRS)


def apply_locations(places: gpd.GeoDataFrame, locations: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """Return ``places`` with user-set locations (``place_id, lat, lon, precision_m``) applied."""
    if locations is None or locations.empty:
        return places.copy()
    out = pd.DataFrame(places.drop(columns=places.geometry.name)).copy()
    loc = locations.drop_duplicates("place_id", keep="last").set_index("place_id")
    hit = out["place_id"].isin(loc.index)
    ids = out.loc[hit, "place_id"]
    out.loc[hit, "lat"] = ids.map(loc["lat"]).astype(float).values
    out.loc[hit, "lon"] = ids.map(loc["lon"]).astype(float).values
    if "precision_m" in loc.columns:
        out.loc[hit, "precision_m"] = ids.map(loc["precision_m"]).astype(float).values
    if "source" in out.columns:
        out.loc[hit, "source"] = "set by user"
    if "confidence" in out.columns:
        out.loc[hit, "confidence"] = "user"
    return with_geometry(out)


def location_problem(lat: float, lon: float) -> str:
    """Return why ``(lat, lon)`` cannot be a place in Mali (a ``location.*`` code), ``""`` if it can.

    The codes are ``not_numbers``, ``swapped`` (the pair fits Mali's bounding box the other way
    round) and ``outside_mali``.
    """
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return "not_numbers"
    minx, miny, maxx, maxy = settings.MALI_BBOX
    if miny <= lat <= maxy and minx <= lon <= maxx:
        return ""
    if miny <= lon <= maxy and minx <= lat <= maxx:
        return "swapped"
    return "outside_mali"


def location_message(code: str, lat: object, lon: object, lang: str = settings.DEFAULT_LANGUAGE) -> str:
    """Return the sentence for a :func:`location_problem` code: what was found, what was expected."""
    minx, miny, maxx, maxy = settings.MALI_BBOX
    return t(f"location.{code}", lang, lat=lat, lon=lon, south=miny, north=maxy, west=minx, east=maxx)


def validate_location(
    lat: float,
    lon: float,
    *,
    source: str = "location",
    lang: str = settings.DEFAULT_LANGUAGE,
) -> tuple[float, float]:
    """Return ``(lat, lon)`` if it lies in Mali's bounding box; refuse (0, 0) and swapped pairs."""
    code = location_problem(lat, lon)
    if code:
        raise InputError(location_message(code, lat, lon, lang), source=source)
    return float(lat), float(lon)
