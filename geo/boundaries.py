"""Read administrative boundary files and normalise them to one schema.

Recognised schemas: geoBoundaries, OCHA COD-AB, GADM, Who's On First, and a generic one where the
caller names the columns. Every file becomes ``unit_id, name, level, parent_id, geometry`` in
EPSG:4326, with repaired geometries counted and parents assigned by containment where the file gives
none.

Every feature is installed or rejected with its reason (no geometry, an unreadable one, no id...):
features read = installed + rejected. A whole file is refused, in one line naming it, when it
cannot be Malian boundaries: no CRS, coordinates that cannot be longitude/latitude (a file in
metres read as degrees), features that do not overlap Mali (with the bounds found), points or
lines, repeated unit ids, or an admin level that contradicts the file's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.errors import InputError, require_file
from geo.geofile import first_line, quiet_gdal, read_vector
from geo.i18n import t
from geo.names import strip_unit_prefix
from geo.vocab import ADMIN_BY_LEVEL

COLUMNS: tuple[str, ...] = ("unit_id", "name", "level", "parent_id", "geometry")
#: Columns of :attr:`BoundaryFile.rejected`: the feature's number in the file (from 1), its name, why.
REJECTED_COLUMNS: tuple[str, ...] = ("feature", "name", "reason")

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
    """A normalised boundary file and what was done to it.

    ``features_read`` = ``len(frame)`` + ``len(rejected)``: every feature of the file is installed
    or rejected with its reason (no geometry, no id...).
    """

    frame: gpd.GeoDataFrame
    schema: str
    source: str
    attribution: str
    repaired: int = 0
    notes: list[str] = field(default_factory=list)
    features_read: int = 0
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(REJECTED_COLUMNS)))


def read_boundaries(
    path: str | Path,
    *,
    level: int | None = None,
    name_col: str | None = None,
    id_col: str | None = None,
    parent_col: str | None = None,
    layer: str | None = None,
    lang: str = settings.DEFAULT_LANGUAGE,
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
        Layer to read; required when the file holds several.
    lang
        Language of the messages and rejection reasons.

    Raises
    ------
    InputError
        For a missing or unreadable file, no CRS, no usable feature, columns matching no known
        schema, coordinates that cannot be longitude/latitude, features outside Mali, or repeated
        unit ids.
    """
    path = Path(path)
    src = path.name
    expected = t("boundaries.expected", lang)
    require_file(path, expected, lang)
    raw = read_vector(path, layer=layer, expected=expected, lang=lang)
    if raw.empty:
        raise InputError(t("boundaries.no_features", lang), source=src)
    if raw.crs is None:
        raise InputError(t("boundaries.no_crs", lang), source=src)
    if level is not None and level not in ADMIN_BY_LEVEL:
        raise InputError(t("boundaries.bad_level", lang, level=level), source=src)

    if name_col or id_col:
        schema = "generic"
        units = _generic(raw, src, level, name_col, id_col, parent_col, lang)
    else:
        schema = detect_schema(raw.columns)
        if schema is None:
            found = ", ".join(c for c in raw.columns if c != raw.geometry.name)
            raise InputError(t("boundaries.unknown_schema", lang, found=found), source=src)
        units = _READERS[schema](raw, src, level, lang)
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=raw.crs)
    reasons = pd.Series("", index=units.index, dtype=object)
    _reject(reasons, units["unit_id"] == "", t("boundaries.reason.no_id", lang))
    _reject(reasons, units["name"] == "", t("boundaries.reason.no_name", lang))
    _reject(reasons, _geometry_problems(units.geometry, lang))
    _refuse_non_polygons(units, reasons, src, lang)
    _refuse_if_none_usable(reasons, src, lang)

    kept = units[reasons == ""]
    _refuse_if_not_lonlat(kept, src, lang)
    try:
        with quiet_gdal():
            kept = kept.to_crs(settings.CRS)
    except Exception as exc:  # pyproj raises its own types for an unusable CRS
        raise InputError(t("geofile.read_failed", lang, error=first_line(exc)), source=src) from None
    _refuse_outside_mali(kept, src, lang)
    kept, repaired = repair(kept)
    no_area = pd.Series(shapely.area(kept.geometry.values) <= 0, index=kept.index)
    _reject(
        reasons, no_area.reindex(units.index, fill_value=False), t("boundaries.reason.no_area", lang)
    )
    _refuse_if_none_usable(reasons, src, lang)
    kept = kept[~no_area]
    _refuse_duplicates(kept, src, lang)

    kept = kept.assign(level=kept["level"].astype("int64"))
    bad = reasons != ""
    rejected = pd.DataFrame(
        {"feature": units.index[bad] + 1, "name": units.loc[bad, "name"], "reason": reasons[bad]}
    ).reset_index(drop=True)
    result = BoundaryFile(
        kept[list(COLUMNS)].reset_index(drop=True),
        schema,
        src,
        ATTRIBUTIONS[schema],
        repaired,
        features_read=len(units),
        rejected=rejected,
    )
    if repaired:
        result.notes.append(f"{repaired} invalid geometries repaired")
    return result


# --- checks ---------------------------------------------------------------------------------------


def _reject(reasons: pd.Series, problems: pd.Series, reason: str | None = None) -> None:
    """Give each feature still accepted its first problem (``problems`` true, or its text)."""
    if reason is not None:
        problems = problems.map(lambda bad: reason if bad else "")
    problems = problems.reindex(reasons.index, fill_value="")
    reasons.loc[(reasons == "") & (problems != "")] = problems


def _geometry_problems(geoms: gpd.GeoSeries, lang: str) -> pd.Series:
    values = np.asarray(geoms.values, dtype=object)
    missing = np.asarray(geoms.isna(), dtype=bool)
    empty = shapely.is_empty(values) & ~missing
    finite = np.ones(len(geoms), dtype=bool)
    coords, index = shapely.get_coordinates(values, return_index=True)
    if len(coords):
        bad = ~np.isfinite(coords).all(axis=1)
        finite[np.unique(index[bad])] = False
    out = np.full(len(geoms), "", dtype=object)
    out[~finite] = t("boundaries.reason.not_finite", lang)
    out[empty] = t("boundaries.reason.empty", lang)
    out[missing] = t("boundaries.reason.no_geometry", lang)
    return pd.Series(out, index=geoms.index)


def _refuse_non_polygons(units: gpd.GeoDataFrame, reasons: pd.Series, src: str, lang: str) -> None:
    usable = units[reasons == ""]
    polygonal = usable.geom_type.isin(["Polygon", "MultiPolygon", "GeometryCollection"])
    if not polygonal.all():
        kinds = sorted(set(usable.geom_type[~polygonal]))
        feature = int(usable.index[~polygonal][0]) + 1
        raise InputError(
            t("boundaries.not_polygons", lang, kinds=", ".join(kinds), feature=feature), source=src
        )


def _refuse_if_none_usable(reasons: pd.Series, src: str, lang: str) -> None:
    if (reasons != "").all():
        raise InputError(
            t(
                "boundaries.none_readable",
                lang,
                n=len(reasons),
                feature=int(reasons.index[0]) + 1,
                reason=reasons.iloc[0],
            ),
            source=src,
        )


def _refuse_if_not_lonlat(units: gpd.GeoDataFrame, src: str, lang: str) -> None:
    """Refuse a file declared in degrees (GeoJSON always is) whose coordinates are not degrees."""
    if not units.crs.is_geographic:
        return
    minx, miny, maxx, maxy = units.total_bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise InputError(
            t("boundaries.not_lonlat", lang, minx=minx, miny=miny, maxx=maxx, maxy=maxy), source=src
        )


def _refuse_outside_mali(units: gpd.GeoDataFrame, src: str, lang: str) -> None:
    """Refuse a file with features whose bounds do not overlap Mali's bounding box."""
    west, south, east, north = settings.MALI_BBOX
    mali = {"west": west, "south": south, "east": east, "north": north}
    b = units.geometry.bounds
    overlaps = (b["minx"] <= east) & (b["maxx"] >= west) & (b["miny"] <= north) & (b["maxy"] >= south)
    if overlaps.all():
        return
    if not overlaps.any():
        minx, miny, maxx, maxy = units.total_bounds
        found = {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy}
        raise InputError(t("boundaries.outside_mali", lang, **found, **mali), source=src)
    first = b.index[~overlaps][0]
    raise InputError(
        t(
            "boundaries.partly_outside_mali",
            lang,
            n=int((~overlaps).sum()),
            total=len(units),
            feature=int(first) + 1,
            name=units.loc[first, "name"],
            **b.loc[first].to_dict(),
            **mali,
        ),
        source=src,
    )


def _refuse_duplicates(units: gpd.GeoDataFrame, src: str, lang: str) -> None:
    dupes = units["unit_id"].duplicated(keep=False)
    if not dupes.any():
        return
    groups = units.index[dupes].to_series().groupby(units.loc[dupes, "unit_id"], sort=False)
    details = "; ".join(
        t("boundaries.duplicate_detail", lang, id=uid, features=", ".join(str(i + 1) for i in rows))
        for uid, rows in list(groups)[:5]
    )
    raise InputError(t("boundaries.duplicate_ids", lang, details=details), source=src)


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
    """Return ``frame`` with invalid geometries made valid (polygonal parts kept) and their count.

    Geometry collections keep their polygonal parts only.
    """
    out = frame.copy()
    geoms = out.geometry.values
    invalid = ~np.asarray(out.geometry.is_valid, dtype=bool)
    collection = np.asarray(out.geom_type == "GeometryCollection", dtype=bool)
    if invalid.any():
        with quiet_gdal():
            fixed = [_make_valid(g) for g in geoms[invalid]]
        out.loc[invalid, out.geometry.name] = [_polygonal(g) for g in fixed]
    if (collection & ~invalid).any():
        out.loc[collection & ~invalid, out.geometry.name] = [
            _polygonal(g) for g in geoms[collection & ~invalid]
        ]
    return out, int(invalid.sum())


def _make_valid(geom: shapely.Geometry) -> shapely.Geometry:
    try:
        return shapely.make_valid(geom)
    except shapely.errors.GEOSException:  # degenerate rings GEOS cannot mend: no area left
        return shapely.Polygon()


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
    # Shares and nearness in degrees are enough to rank parents: no projection needed.
    parent_geoms = parents.geometry.values
    parent_ids = parents["unit_id"].to_numpy()
    for idx in result.index[result.isna()]:
        geom = units.geometry.loc[idx]
        overlap = shapely.area(shapely.intersection(parent_geoms, geom))
        if overlap.max() > 0:
            result.loc[idx] = parent_ids[int(np.argmax(overlap))]
        else:
            result.loc[idx] = parent_ids[int(np.argmin(shapely.distance(parent_geoms, geom)))]
    return result


# --- schemas --------------------------------------------------------------------------------------


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _need_level(level: int | None, src: str, schema: str, lang: str) -> int:
    if level is None:
        raise InputError(t("boundaries.need_level", lang, schema=schema), source=src)
    return level


def _text(values) -> pd.Series:
    """Return ``values`` as stripped text, ``""`` where missing (not "None" or "nan")."""
    series = pd.Series(values)
    return series.map(lambda v: "" if v is None or v != v else str(v).strip()).astype(object)


def _frame(raw: gpd.GeoDataFrame, ids, names, level: int, parents) -> pd.DataFrame:
    parents = _text(pd.Series(parents, index=raw.index, dtype=object))
    return pd.DataFrame(
        {
            "unit_id": _text(pd.Series(ids, index=raw.index)).astype("str"),
            "name": pd.Series(names, index=raw.index).map(strip_unit_prefix),
            "level": level,
            # No parent column is a NaN series: a missing parent stays None, not "nan".
            "parent_id": parents.where(parents != "", None),
            "geometry": raw.geometry,
        }
    )


def _columns_found(raw: gpd.GeoDataFrame) -> str:
    return ", ".join(c for c in raw.columns if c != raw.geometry.name)


def _geoboundaries(raw: gpd.GeoDataFrame, src: str, level: int | None, lang: str) -> pd.DataFrame:
    if "shapeType" in raw.columns:
        kinds = _text(raw["shapeType"]).str.extract(r"ADM(\d)")[0].dropna()
        found = int(kinds.mode().iloc[0]) if not kinds.empty else None
        if level is not None and found is not None and found != level:
            raise InputError(
                t("boundaries.level_conflict", lang, found=f"ADM{found}", level=level), source=src
            )
        level = found if level is None else level
    level = _need_level(level, src, "geoBoundaries", lang)
    return _frame(raw, raw["shapeID"], raw["shapeName"], level, None)


def _ocha(raw: gpd.GeoDataFrame, src: str, level: int | None, lang: str) -> pd.DataFrame:
    levels = sorted(int(m.group(1)) for c in raw.columns if (m := re.fullmatch(r"ADM(\d)_PCODE", c)))
    n = level if level is not None else levels[-1]
    names = (f"ADM{n}_FR", f"ADM{n}_EN", f"ADM{n}_REF", f"ADM{n}NAME")
    name_col = next((c for c in names if c in raw.columns), None)
    if f"ADM{n}_PCODE" not in raw.columns or name_col is None:
        columns = f"ADM{n}_PCODE, ADM{n}_FR/ADM{n}_EN"
        raise InputError(
            t(
                "boundaries.missing_level_columns",
                lang,
                columns=columns,
                level=n,
                found=_columns_found(raw),
            ),
            source=src,
        )
    parent = raw[f"ADM{n - 1}_PCODE"] if f"ADM{n - 1}_PCODE" in raw.columns else None
    return _frame(raw, raw[f"ADM{n}_PCODE"], raw[name_col], n, parent)


def _gadm(raw: gpd.GeoDataFrame, src: str, level: int | None, lang: str) -> pd.DataFrame:
    levels = sorted(int(m.group(1)) for c in raw.columns if (m := re.fullmatch(r"GID_(\d)", c)))
    n = level if level is not None else levels[-1]
    if f"GID_{n}" not in raw.columns or (n > 0 and f"NAME_{n}" not in raw.columns):
        raise InputError(
            t(
                "boundaries.missing_level_columns",
                lang,
                columns=f"GID_{n}, NAME_{n}",
                level=n,
                found=_columns_found(raw),
            ),
            source=src,
        )
    names = raw[f"NAME_{n}"] if n > 0 else raw.get("COUNTRY", raw[f"GID_{n}"])
    parent = raw[f"GID_{n - 1}"] if n > 0 and f"GID_{n - 1}" in raw.columns else None
    return _frame(raw, raw[f"GID_{n}"], names, n, parent)


def _wof(raw: gpd.GeoDataFrame, src: str, level: int | None, lang: str) -> pd.DataFrame:
    hasc = _text(raw["hasc"]) if "hasc" in raw.columns else pd.Series("", index=raw.index)
    if level is None:
        depth = hasc[hasc != ""].str.count(r"\.")
        if "adm1_wof_id" in raw.columns or "adm1_hasc" in raw.columns:
            level = 2
        elif not depth.empty:
            level = int(depth.mode().iloc[0])
    level = _need_level(level, src, "Who's On First", lang)
    wof_id = _text(raw["wof_id"])
    ids = hasc.where(hasc != "", ("wof:" + wof_id).where(wof_id != "", ""))
    names = raw["name"]
    if "name_fr" in raw.columns:
        names = raw["name_fr"].where(_text(raw["name_fr"]) != "", raw["name"])
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
    lang: str,
) -> pd.DataFrame:
    missing = [c for c in (name_col, id_col, parent_col) if c and c not in raw.columns]
    if missing:
        raise InputError(
            t("boundaries.missing_columns", lang, missing=", ".join(missing), found=_columns_found(raw)),
            source=src,
        )
    level = _need_level(level, src, "generic", lang)
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
