"""Derive the context layers ``data/context/`` (rivers, lakes, towns) from Natural Earth 10m.

The sources are the Natural Earth 10m extracts of ``../shared/data/mali/context/`` (rivers and lake
centrelines, lakes, populated places; public domain), themselves cut from the unmodified Natural
Earth GeoJSON kept in ``../shared/data/mali/original/``. The script keeps the features within
:data:`NEAR_KM` of Mali's outline (``data/borders.geojson``), clips lines and polygons to Mali's
bounding box widened by :data:`MARGIN_DEG`, labels them in French, rounds coordinates to 5 decimals
and writes ``rivers.geojson``, ``lakes.geojson`` and ``towns.geojson``. A re-run writes the same
bytes. Credit: "Made with Natural Earth."

    python scripts/build_context.py [--shared ../shared/data/mali] [-o data/context]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from build_reference import mali_outline, print_written, round_geometries, write_geojson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from geo import settings  # noqa: E402
from geo.geodesy import local_aeqd  # noqa: E402

#: Features farther than this from Mali are left out (towns across the border stay as landmarks).
NEAR_KM = 50.0
#: Lines and polygons are clipped to Mali's bounding box widened by this much (about 55 km).
MARGIN_DEG = 0.5
SOURCES = {
    "rivers": "context/ne_10m_rivers_mali_region.geojson",
    "lakes": "context/ne_10m_lakes_mali_region.geojson",
    "towns": "context/ne_10m_populated_places_mali_region.geojson",
}
#: French labels where Natural Earth's ``name`` is not the French one. Natural Earth spells Lake
#: Débo "Lake Dbo" (the é was lost upstream).
FRENCH = {"Gambia": "Gambie", "Lake Dbo": "Lac Débo", "Timbuktu": "Tombouctou"}
ENGLISH = {"Lake Dbo": "Lake Débo"}


def near_mali(frame: gpd.GeoDataFrame, outline: shapely.Geometry) -> np.ndarray:
    """Return a mask of the features of ``frame`` within :data:`NEAR_KM` of ``outline``."""
    centre = outline.centroid
    crs = local_aeqd(centre.x, centre.y)  # within 0.5 % of geodesic over Mali and its edges
    metric = gpd.GeoSeries([outline], crs=settings.CRS).to_crs(crs).iloc[0]
    return (frame.geometry.to_crs(crs).distance(metric) <= NEAR_KM * 1000.0).to_numpy()


def clip_box(outline: shapely.Geometry) -> shapely.Geometry:
    """Return Mali's bounding box widened by :data:`MARGIN_DEG`, on a 0.1° grid."""
    minx, miny, maxx, maxy = outline.bounds
    low = [math.floor((v - MARGIN_DEG) * 10) / 10 for v in (minx, miny)]
    high = [math.ceil((v + MARGIN_DEG) * 10) / 10 for v in (maxx, maxy)]
    return shapely.box(*low, *high)


def clipped(frame: gpd.GeoDataFrame, box: shapely.Geometry, keep: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Return ``frame`` clipped to ``box`` with only its parts of the ``keep`` geometry types."""
    out = frame.copy()
    parts = shapely.intersection(out.geometry.to_numpy(), box)
    out["geometry"] = [_only(g, keep) for g in parts]
    out = out[~out.geometry.is_empty]
    out["geometry"] = round_geometries(out.geometry)
    return out[~out.geometry.is_empty]


def _only(geom: shapely.Geometry, keep: tuple[str, ...]) -> shapely.Geometry:
    if geom.geom_type in keep:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in keep]
    if not parts:
        return shapely.GeometryCollection()
    merged = shapely.union_all(parts)
    return shapely.line_merge(merged) if "LineString" in keep else merged


def labelled(frame: gpd.GeoDataFrame, name_col: str) -> gpd.GeoDataFrame:
    """Return ``frame`` with ``name`` the French label of ``name_col``."""
    out = frame.copy()
    out["name"] = out[name_col].map(lambda n: FRENCH.get(n, n))
    return out


def build_rivers(source: Path, outline: shapely.Geometry) -> gpd.GeoDataFrame:
    """Return the rivers and lake centrelines near Mali: ``name, name_en, featurecla, scalerank``."""
    raw = gpd.read_file(source).to_crs(settings.CRS)
    raw = raw[near_mali(raw, outline)]
    frame = labelled(raw, "name")
    frame["name_en"] = frame["name_en"].where(frame["name_en"].notna(), frame["name"])
    frame["scalerank"] = frame["scalerank"].astype("int64")
    frame = clipped(frame, clip_box(outline), ("LineString", "MultiLineString"))
    frame = frame[["name", "name_en", "featurecla", "scalerank", "geometry"]]
    return _sorted(frame, ["scalerank", "name", "featurecla"])


def build_lakes(source: Path, outline: shapely.Geometry) -> gpd.GeoDataFrame:
    """Return the lakes and reservoirs near Mali: ``name, name_en, featurecla, scalerank``."""
    raw = gpd.read_file(source).to_crs(settings.CRS)
    raw = raw[near_mali(raw, outline)]
    frame = labelled(raw, "name")
    frame["name_en"] = raw["name"].map(lambda n: ENGLISH.get(n, n))
    frame["scalerank"] = frame["scalerank"].astype("int64")
    frame = clipped(frame, clip_box(outline), ("Polygon", "MultiPolygon"))
    frame = frame[["name", "name_en", "featurecla", "scalerank", "geometry"]]
    return _sorted(frame, ["scalerank", "name"])


def build_towns(source: Path, outline: shapely.Geometry) -> gpd.GeoDataFrame:
    """Return the towns in Mali or near it: ``name, pop_max, scalerank``, largest first."""
    raw = gpd.read_file(source).to_crs(settings.CRS)
    raw = raw[near_mali(raw, outline)]
    frame = labelled(raw, "NAME")
    frame["pop_max"] = raw["POP_MAX"].astype("int64")
    frame["scalerank"] = raw["SCALERANK"].astype("int64")
    frame["geometry"] = round_geometries(frame.geometry)
    frame = frame[["name", "pop_max", "scalerank", "geometry"]]
    return _sorted(frame, ["scalerank", "pop_max", "name"], ascending=[True, False, True])


def _sorted(
    frame: gpd.GeoDataFrame, by: list[str], ascending: bool | list[bool] = True
) -> gpd.GeoDataFrame:
    return frame.sort_values(by, ascending=ascending, kind="stable").reset_index(drop=True)


def build(shared: Path, out: Path) -> None:
    """Write the three context layers of ``out`` from the ``shared`` folder."""
    outline = mali_outline()
    builders = {"rivers": build_rivers, "lakes": build_lakes, "towns": build_towns}
    for key, builder in builders.items():
        frame = builder(shared / SOURCES[key], outline)
        path = out / f"{key}.geojson"
        write_geojson(frame, path)
        names = ", ".join(dict.fromkeys(frame["name"]))
        print_written(path, f"{len(frame)} features: {names}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=settings.SHARED_MALI_DIR,
        help="the Mali reference folder (default: %(default)s)",
    )
    parser.add_argument("-o", "--out", type=Path, default=settings.DATA_DIR / "context")
    args = parser.parse_args()
    missing = [r for r in SOURCES.values() if not (args.shared / r).is_file()]
    if missing:
        sys.exit(
            f"{args.shared}: missing {', '.join(missing)}; expected the Mali reference folder (--shared)"
        )
    build(args.shared, args.out)


if __name__ == "__main__":
    main()
