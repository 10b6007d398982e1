"""Read administrative boundary files and normalise them to one schema.

Recognised schemas: geoBoundaries, OCHA COD-AB, GADM, Who's On First, and a generic one where the
caller names the columns. Every file becomes ``unit_id, name, level, parent_id, geometry`` in
EPSG:4326, with repaired geometries counted and parents assigned by containment where the file gives
none.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo import settings
from geo.errors import InputError, require_file
from geo.names import strip_unit_prefix
from geo.vocab import ADMIN_BY_LEVEL

COLUMNS: tuple[str, ...] = ("unit_id", "name", "level", "parent_id", "geometry")

ATTRIBUTIONS: dict[str, str] = {
    "geoboundaries": "geoBoundaries (www.geoboundaries.org), CC BY 4.0",
    "ocha": "OCHA Common Operational Datasets (COD-AB), CC BY-IGO",
    "gadm": "GADM (gadm.org): free for non-commercial use only",
    "wof": (
        "Data from Who's On First (https://whosonfirst.org/docs/licenses/) — includes GeoNames "
        "(CC BY 4.0, geonames.org) and Quattroshapes (CC BY) data; Mesoshapes (CC0)."
    ),
    "generic": "",
}


@dataclass
class BoundaryFile:
    """A normalised boundary file and what was done to it."""

    frame: gpd.GeoDataFrame
    schema: str
    source: str
    attribution: str
    repaired: int = 0
    notes: list[str] = field(default_factory=list)


def read_boundaries(
    path: str | Path,
    *,
    level: int | None = None,
    name_col: str | None = None,
    id_col: str | None = None,
    parent_col: str | None = None,
    layer: str | None = None,
) -> BoundaryFile:
    """Read a boundary file and normalise it to :data:`COLUMNS`.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage or zipped Shapefile.
    level
        Admin level (0 country, 1 région, 2 cercle, 3 commune). Inferred from the schema when omitted.
    name_col, id_col, parent_col
        Column names for the generic schema; they take precedence over detection.
    layer
        Layer to read from a multi-layer file (default: the first).

    Raises
    ------
    InputError
        For a missing or unreadable file, no CRS, no features, or columns matching no known schema.
    """
    path = Path(path)
    raw = _read_any(path, layer)
    src = path.name
    if raw.crs is None:
        raise InputError(
            "has no CRS (coordinate reference system); expected one, e.g. EPSG:4326", source=src
        )
    raw = raw[~(raw.geometry.isna() | raw.geometry.is_empty)]
    if raw.empty:
        raise InputError("contains no features with a geometry; expected polygons", source=src)
    polygonal = raw.geom_type.isin(["Polygon", "MultiPolygon", "GeometryCollection"])
    if not polygonal.all():
        kinds = sorted(set(raw.geom_type[~polygonal]))
        raise InputError(f"has {', '.join(kinds)} geometries; expected polygons", source=src)
    if level is not None and level not in ADMIN_BY_LEVEL:
        raise InputError(f"--level {level} is not an admin level; expected 0 to 3", source=src)

    if name_col or id_col:
        schema = "generic"
        units = _generic(raw, src, level, name_col, id_col, parent_col)
    else:
        schema = detect_schema(raw.columns)
        if schema is None:
            found = ", ".join(c for c in raw.columns if c != raw.geometry.name)
            raise InputError(
                f"columns [{found}] match no known boundary schema; expected geoBoundaries "
                "(shapeName, shapeID), OCHA COD-AB (ADM<n>_FR/EN, ADM<n>_PCODE), GADM (NAME_<n>, "
                "GID_<n>), Who's On First (name, hasc, wof_id) or --name-col/--id-col",
                source=src,
            )
        units = _READERS[schema](raw, src, level)

    units = gpd.GeoDataFrame(units, geometry="geometry", crs=raw.crs).to_crs(settings.CRS)
    units, repaired = repair(units)
    dupes = units["unit_id"].duplicated()
    if dupes.any():
        ids = ", ".join(units.loc[dupes, "unit_id"].astype(str).head(5))
        raise InputError(
            f"unit ids are not unique (repeated: {ids}); expected one row per unit", source=src
        )
    units["level"] = units["level"].astype("int64")
    result = BoundaryFile(
        units[list(COLUMNS)].reset_index(drop=True), schema, src, ATTRIBUTIONS[schema], repaired
    )
    if repaired:
        result.notes.append(f"{repaired} invalid geometries repaired")
    return result


def detect_schema(columns: pd.Index | list[str]) -> str | None:
    """Return the name of the boundary schema ``columns`` follow, or ``None``."""
    cols = set(columns)
    if {"shapeName", "shapeID"} <= cols:
        return "geoboundaries"
    if any(re.fullmatch(r"ADM\d_PCODE", c) for c in cols):
        return "ocha"
    if any(re.fullmatch(r"GID_\d", c) for c in cols) and any(re.fullmatch(r"NAME_\d", c) for c in cols):
        return "gadm"
    if {"name", "wof_id"} <= cols:
        return "wof"
    return None


def repair(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Return ``frame`` with invalid geometries made valid (polygonal parts kept) and their count."""
    out = frame.copy()
    invalid = ~out.geometry.is_valid
    if invalid.any():
        fixed = shapely.make_valid(out.geometry[invalid].values)
        out.loc[invalid, out.geometry.name] = [_polygonal(g) for g in fixed]
    return out, int(invalid.sum())


def assign_parents(units: gpd.GeoDataFrame, parents: gpd.GeoDataFrame) -> pd.Series:
    """Return each unit's parent id: the parent containing most of its area.

    A unit whose representative point falls in a parent takes that parent; one that falls outside
    every parent (generalised edges) takes the parent it overlaps most, else the nearest.
    """
    if parents.empty or units.empty:
        return pd.Series(None, index=units.index, dtype=object)
    points = gpd.GeoDataFrame(geometry=units.geometry.representative_point(), crs=units.crs)
    hit = gpd.sjoin(points, parents[["unit_id", "geometry"]], how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]["unit_id"].reindex(units.index)
    result = hit.astype(object).where(hit.notna(), None)
    for idx in result.index[result.isna()]:
        geom = units.geometry.loc[idx]
        overlap = parents.geometry.intersection(geom).area
        if overlap.max() > 0:
            result.loc[idx] = parents["unit_id"].loc[overlap.idxmax()]
        else:
            result.loc[idx] = parents["unit_id"].loc[parents.geometry.distance(geom).idxmin()]
    return result


# --- reading ------------------------------------------------------------------------------------


def _read_any(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    src = path.name
    require_file(path, "a GeoJSON, GeoPackage or zipped Shapefile")
    import fiona  # only when a file is read: keeps the app's cold start light

    target = str(path)
    if path.suffix.lower() == ".zip":
        if not zipfile.is_zipfile(path):
            raise InputError("is not a valid zip archive", source=src)
        with zipfile.ZipFile(path) as zf:
            shps = [n for n in zf.namelist() if n.lower().endswith(".shp")]
        if not shps:
            raise InputError("contains no .shp file; expected a zipped Shapefile", source=src)
        target = f"zip://{path}!{shps[0]}"
    try:
        layers = fiona.listlayers(target)
    except Exception as exc:  # fiona raises several driver-specific types
        raise InputError(
            f"is not readable geodata ({_first_line(exc)}); expected a GeoJSON, GeoPackage or "
            "zipped Shapefile",
            source=src,
        ) from None
    if not layers:
        raise InputError("contains no layer", source=src)
    if layer is not None and layer not in layers:
        raise InputError(f"has no layer {layer!r}; layers: {', '.join(layers)}", source=src)
    try:
        return gpd.read_file(target, layer=layer or layers[0])
    except Exception as exc:
        raise InputError(f"could not be read ({_first_line(exc)})", source=src) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _need_level(level: int | None, src: str, schema: str) -> int:
    if level is None:
        raise InputError(
            f"the admin level cannot be read from this {schema} file; give --level N", source=src
        )
    return level


def _frame(raw: gpd.GeoDataFrame, ids, names, level: int, parents) -> pd.DataFrame:
    ids = pd.Series(ids, index=raw.index).astype(str).str.strip()
    parents = pd.Series(parents, index=raw.index)
    parents = parents.where(parents.notna() & (parents.astype(str).str.strip() != ""), None)
    return pd.DataFrame(
        {
            "unit_id": ids,
            "name": pd.Series(names, index=raw.index).map(strip_unit_prefix),
            "level": level,
            # No parent column is a float NaN series: NaN must stay missing, not become "nan".
            "parent_id": parents.map(lambda v: None if v is None or v != v else str(v).strip()),
            "geometry": raw.geometry,
        }
    )


def _geoboundaries(raw: gpd.GeoDataFrame, src: str, level: int | None) -> pd.DataFrame:
    if level is None and "shapeType" in raw.columns:
        kinds = raw["shapeType"].dropna().astype(str).str.extract(r"ADM(\d)")[0].dropna()
        level = int(kinds.mode().iloc[0]) if not kinds.empty else None
    level = _need_level(level, src, "geoBoundaries")
    return _frame(raw, raw["shapeID"], raw["shapeName"], level, None)


def _ocha(raw: gpd.GeoDataFrame, src: str, level: int | None) -> pd.DataFrame:
    levels = sorted(int(m.group(1)) for c in raw.columns if (m := re.fullmatch(r"ADM(\d)_PCODE", c)))
    n = level if level is not None else levels[-1]
    if f"ADM{n}_PCODE" not in raw.columns:
        raise InputError(f"has no column ADM{n}_PCODE for level {n}", source=src)
    name_col = next(
        (c for c in (f"ADM{n}_FR", f"ADM{n}_EN", f"ADM{n}_REF", f"ADM{n}NAME") if c in raw.columns), None
    )
    if name_col is None:
        raise InputError(f"has no name column ADM{n}_FR or ADM{n}_EN", source=src)
    parent = raw[f"ADM{n - 1}_PCODE"] if f"ADM{n - 1}_PCODE" in raw.columns else None
    return _frame(raw, raw[f"ADM{n}_PCODE"], raw[name_col], n, parent)


def _gadm(raw: gpd.GeoDataFrame, src: str, level: int | None) -> pd.DataFrame:
    levels = sorted(int(m.group(1)) for c in raw.columns if (m := re.fullmatch(r"GID_(\d)", c)))
    n = level if level is not None else levels[-1]
    if f"GID_{n}" not in raw.columns or (n > 0 and f"NAME_{n}" not in raw.columns):
        raise InputError(f"has no columns GID_{n}/NAME_{n} for level {n}", source=src)
    names = raw[f"NAME_{n}"] if n > 0 else raw.get("COUNTRY", raw[f"GID_{n}"])
    parent = raw[f"GID_{n - 1}"] if n > 0 and f"GID_{n - 1}" in raw.columns else None
    return _frame(raw, raw[f"GID_{n}"], names, n, parent)


def _wof(raw: gpd.GeoDataFrame, src: str, level: int | None) -> pd.DataFrame:
    hasc = raw["hasc"] if "hasc" in raw.columns else pd.Series(None, index=raw.index)
    if level is None:
        depth = hasc.dropna().astype(str).str.count(r"\.")
        if "adm1_wof_id" in raw.columns or "adm1_hasc" in raw.columns:
            level = 2
        elif not depth.empty:
            level = int(depth.mode().iloc[0])
    level = _need_level(level, src, "Who's On First")
    ids = hasc.where(
        hasc.notna() & (hasc.astype(str).str.strip() != ""), "wof:" + raw["wof_id"].astype(str)
    )
    names = raw["name"]
    if "name_fr" in raw.columns:
        names = raw["name_fr"].where(raw["name_fr"].notna() & (raw["name_fr"] != ""), raw["name"])
    parent = None
    if level == 2 and "adm1_hasc" in raw.columns:
        parent = raw["adm1_hasc"]
    return _frame(raw, ids, names, level, parent)


def _generic(
    raw: gpd.GeoDataFrame,
    src: str,
    level: int | None,
    name_col: str | None,
    id_col: str | None,
    parent_col: str | None,
) -> pd.DataFrame:
    missing = [c for c in (name_col, id_col, parent_col) if c and c not in raw.columns]
    if missing:
        found = ", ".join(c for c in raw.columns if c != raw.geometry.name)
        raise InputError(f"column(s) {', '.join(missing)} not found; columns found: {found}", source=src)
    level = _need_level(level, src, "generic")
    names = raw[name_col] if name_col else raw[id_col]
    ids = (
        raw[id_col]
        if id_col
        else pd.Series(range(1, len(raw) + 1), index=raw.index).map(lambda i: f"L{level}-{i:04d}")
    )
    return _frame(raw, ids, names, level, raw[parent_col] if parent_col else None)


_READERS = {"geoboundaries": _geoboundaries, "ocha": _ocha, "gadm": _gadm, "wof": _wof}


# --- merging a level into the installed ones -----------------------------------------------------


def merge_level(installed: gpd.GeoDataFrame | None, new: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``installed`` with the level of ``new`` replaced by ``new`` and parents filled in.

    Units without a parent take one by containment in the level above; units of the level below
    that still lack a parent take one from ``new``. The inputs are not modified.
    """
    level = int(new["level"].iloc[0])
    if installed is None or installed.empty:
        merged = new.copy()
    else:
        kept = installed[installed["level"].astype(int) != level]
        merged = pd.concat([kept, new], ignore_index=True)
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=settings.CRS)
    merged["level"] = merged["level"].astype("int64")
    for lvl in sorted(set(merged["level"])):
        parents = merged[merged["level"] == lvl - 1]
        if parents.empty:
            continue
        rows = merged.index[(merged["level"] == lvl) & merged["parent_id"].isna()]
        if len(rows):
            merged.loc[rows, "parent_id"] = assign_parents(merged.loc[rows], parents).values
    return merged[list(COLUMNS)]
