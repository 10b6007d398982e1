"""Read a user's gazetteer of villages and localities, and normalise it for place matching.

The programme's own places (``data/places.csv``) name a few towns and villages; partners' files name
hundreds more. A user brings a gazetteer of their own, in one of these schemas:

* ``wof``: the Who's On First localities CSV (``wof_id, name, lat, lon, adm1_name, adm2_name,
  placetype, geonames_id, ...``);
* ``geonames``: a GeoNames dump (``ML.txt``: tab-separated, no header, the standard 19 columns);
* ``generic``: any CSV, GeoJSON or GeoPackage of points, with ``name_col``/``lat_col``/``lon_col``/
  ``id_col``/``admin1_col``/``admin2_col``/``admin3_col`` naming the columns (common names such as
  ``name``/``nom``, ``lat``/``latitude`` and ``lon``/``longitude`` are found on their own).

:func:`read_gazetteer` returns the accepted entries as ``gaz_id, name, alt_names, kind, admin1,
admin2, admin3, source, geometry`` (EPSG:4326 points) and one report row per input row: accepted,
or rejected with a reason (no name, no coordinates, outside Mali, swapped coordinates, a duplicate
id, a place that is not populated or no longer exists). Each reason is a code
(``reason_code``, a ``gazetteer.reason.*`` key) and its sentence in the user's language; the
summary counts rejections by category, read from the codes. Entries without a cercle get one by
point-in-polygon against the installed admin units, when they are given.

How each schema's columns become candidate entries is :mod:`geo.gazetteer_schemas`; this module
reads the file, checks every candidate and fills the missing admin names.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.errors import InputError, require_file
from geo.gazetteer_schemas import (
    GEONAMES_COLUMNS,
    detect_schema,
    generic_candidates,
    geonames_candidates,
    wof_candidates,
)
from geo.geodesy import local_aeqd
from geo.geofile import read_vector
from geo.i18n import t
from geo.places import location_message, location_problem
from geo.readers import decode, sniff_delimiter

#: Columns of a normalised gazetteer (the store table and the ``gazetteer`` layer).
GAZETTEER_COLUMNS: tuple[str, ...] = (
    "gaz_id",
    "name",
    "alt_names",
    "kind",
    "admin1",
    "admin2",
    "admin3",
    "source",
)
REPORT_COLUMNS: tuple[str, ...] = ("line", "gaz_id", "name", "status", "reason", "reason_code")
SCHEMAS: tuple[str, ...] = ("wof", "geonames", "generic")

#: Attribution shown for each schema unless the user gives one.
ATTRIBUTIONS: dict[str, str] = {
    "wof": "Data from Who's On First (https://whosonfirst.org/docs/licenses/) — includes GeoNames "
    "(CC BY 4.0, geonames.org) and Quattroshapes (CC BY) data; Mesoshapes (CC0).",
    "geonames": "GeoNames (CC BY 4.0, geonames.org).",
    "generic": "",
}

_GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")


@dataclass
class GazetteerFile:
    """A read gazetteer: the accepted entries, one report row per input row, and provenance."""

    frame: gpd.GeoDataFrame
    report: pd.DataFrame
    schema: str
    source: str
    attribution: str = ""
    admin_filled: dict[str, int] = field(default_factory=dict)
    lang: str = settings.DEFAULT_LANGUAGE

    @property
    def summary(self) -> dict:
        """Return a JSON-able summary: rows read = accepted + rejected, with every rejection.

        ``rejected_by_reason`` counts rejections by category in the file's language;
        ``rejected_by_code`` by category code, for scripts.
        """
        rejected = self.report[self.report["status"] == "rejected"]
        codes = rejected["reason_code"].map(lambda c: _CATEGORY.get(c, c))
        reasons = codes.map(lambda c: reason_category(c, self.lang))
        return {
            "file": self.source,
            "schema": self.schema,
            "rows_read": int(len(self.report)),
            "accepted": int(len(self.frame)),
            "rejected": int(len(rejected)),
            "admin_filled": {k: int(v) for k, v in self.admin_filled.items()},
            "rejected_by_reason": {str(k): int(v) for k, v in reasons.value_counts().items()},
            "rejected_by_code": {str(k): int(v) for k, v in codes.value_counts().items()},
            "rejected_rows": [
                {
                    "line": int(r.line),
                    "gaz_id": r.gaz_id,
                    "name": r.name,
                    "reason": r.reason,
                    "reason_code": r.reason_code,
                }
                for r in rejected.itertuples()
            ],
            "attribution": self.attribution,
        }


#: Reason codes counted under another category (a code not listed is its own category).
_CATEGORY: dict[str, str] = {
    "zero_coordinates": "no_coordinates",
    "not_numbers": "no_coordinates",
    "outside_outline": "outside_mali",
    "no_wof_id": "no_id",
    "no_geonameid": "no_id",
}


def reason_category(code: str, lang: str = settings.DEFAULT_LANGUAGE) -> str:
    """Return the short category of a rejection reason code in ``lang`` ("hors du Mali"...)."""
    return t(f"gazetteer.category.{_CATEGORY.get(code, code)}", lang)


def read_gazetteer(
    path: str | os.PathLike[str],
    *,
    schema: str | None = None,
    name_col: str | None = None,
    lat_col: str | None = None,
    lon_col: str | None = None,
    id_col: str | None = None,
    admin1_col: str | None = None,
    admin2_col: str | None = None,
    admin3_col: str | None = None,
    layer: str | None = None,
    country: str = "ML",
    units: gpd.GeoDataFrame | None = None,
    outline: shapely.Geometry | None = None,
    outline_tolerance_km: float = settings.GAZETTEER_OUTLINE_TOLERANCE_KM,
    lang: str = settings.DEFAULT_LANGUAGE,
) -> GazetteerFile:
    """Read and normalise a gazetteer file; accept or reject every row with a reason.

    Parameters
    ----------
    path
        A Who's On First localities CSV, a GeoNames dump (TSV, 19 columns, no header), or any
        CSV/GeoJSON/GeoPackage of named points.
    schema
        ``"wof"``, ``"geonames"`` or ``"generic"``; detected from the columns when ``None``.
    name_col, lat_col, lon_col, id_col, admin1_col, admin2_col, admin3_col
        Columns of a generic file (found among common names when not given). A geodata file's
        points give the coordinates.
    layer
        Layer to read from a multi-layer GeoPackage.
    country
        GeoNames rows of another country code are rejected.
    units
        Installed admin units (``unit_id, name, level, parent_id, geometry``): entries missing their
        région, cercle or commune get it by point-in-polygon.
    outline
        Mali's outline (EPSG:4326). Points farther than ``outline_tolerance_km`` outside it are
        rejected; without it only Mali's bounding box is checked.
    lang
        Language of the messages that refuse a file and of the rejection reasons.

    Raises
    ------
    InputError
        For a missing, empty, binary or unreadable file, one with no rows, or missing columns.
    """
    path = Path(path)
    src = path.name
    raw, detected = _read_raw(path, layer, lang)
    schema = schema or detected
    if schema not in SCHEMAS:
        raise InputError(
            t("gazetteer.unknown_schema", lang, schema=schema, valid=", ".join(SCHEMAS)), source=src
        )
    if schema == "wof":
        candidates = wof_candidates(raw, src, lang)
    elif schema == "geonames":
        candidates = geonames_candidates(raw, src, country, lang)
    else:
        candidates = generic_candidates(
            raw,
            src,
            name_col=name_col,
            lat_col=lat_col,
            lon_col=lon_col,
            id_col=id_col,
            admin1_col=admin1_col,
            admin2_col=admin2_col,
            admin3_col=admin3_col,
            lang=lang,
        )
    frame, report = _validate(candidates, outline, outline_tolerance_km, lang)
    filled: dict[str, int] = {}
    if units is not None and not units.empty and not frame.empty:
        frame, filled = fill_admin(frame, units)
    return GazetteerFile(
        frame=frame,
        report=report,
        schema=schema,
        source=src,
        attribution=ATTRIBUTIONS[schema],
        admin_filled=filled,
        lang=lang,
    )


# --- reading -----------------------------------------------------------------------------------


def _read_raw(path: Path, layer: str | None, lang: str) -> tuple[pd.DataFrame, str]:
    """Return the file's rows as text (plus ``_line`` and, for geodata, ``_lat``/``_lon``)."""
    src = path.name
    require_file(path, t("gazetteer.expected", lang), lang)
    if path.suffix.lower() in _GEO_SUFFIXES or zipfile.is_zipfile(path) or _is_sqlite(path):
        frame = _read_geo(path, layer, lang)
        return frame, detect_schema(frame.columns) or "generic"
    text = decode(path.read_bytes(), src)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError(t("gazetteer.blank_lines", lang), source=src)
    first = lines[0].split("\t")
    if len(first) == len(GEONAMES_COLUMNS) and first[0].strip().isdigit():
        frame = _read_delimited(text, src, "\t", lang, header=list(GEONAMES_COLUMNS))
        return frame, "geonames"
    frame = _read_delimited(text, src, sniff_delimiter(lines[0]), lang)
    return frame, detect_schema(frame.columns) or "generic"


def _is_sqlite(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


def _read_delimited(
    text: str, src: str, delimiter: str, lang: str, header: list[str] | None = None
) -> pd.DataFrame:
    # GeoNames fields are never quoted; a stray quote must not swallow the rest of the file.
    quoting = csv.QUOTE_NONE if header else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quoting=quoting)
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lstrip("\ufeff") for cell in row]
                continue
            rows.append(row)
            numbers.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(
            t("gazetteer.bad_csv", lang, line=reader.line_num, error=exc), source=src
        ) from None
    if not rows:
        raise InputError(t("gazetteer.no_rows", lang), source=src)
    assert header is not None
    width = len(header)
    frame = pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=header, dtype=object)
    frame["_line"] = np.asarray(numbers, dtype="int64")
    return frame


def _read_geo(path: Path, layer: str | None, lang: str) -> pd.DataFrame:
    src = path.name
    geo = read_vector(path, layer=layer, expected=t("gazetteer.expected", lang), lang=lang)
    if geo.empty:
        raise InputError(t("gazetteer.no_features", lang), source=src)
    if geo.crs is None:
        raise InputError(t("gazetteer.no_crs", lang), source=src)
    frame = pd.DataFrame(geo.drop(columns=geo.geometry.name)).astype(object)
    frame = frame.where(frame.notna(), "").map(str)
    frame["_line"] = np.arange(1, len(geo) + 1, dtype="int64")
    points = geo.geometry.to_crs(settings.CRS)
    is_point = (points.geom_type == "Point").to_numpy()
    data = points.to_numpy()
    frame["_lon"] = np.where(is_point, shapely.get_x(data), np.nan)
    frame["_lat"] = np.where(is_point, shapely.get_y(data), np.nan)
    frame["_geom_type"] = points.geom_type.fillna("none").to_numpy()
    return frame


# --- validation --------------------------------------------------------------------------------


def _validate(
    cand: pd.DataFrame, outline: shapely.Geometry | None, tolerance_km: float, lang: str
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return the accepted entries and one report row per candidate (reason and its code)."""
    codes = cand["problem"].astype(object).to_numpy().copy()
    reasons = cand["problem_text"].astype(object).to_numpy().copy()
    names = cand["name"].to_numpy(dtype=object)
    lat = cand["lat"].to_numpy(dtype="float64")
    lon = cand["lon"].to_numpy(dtype="float64")

    def reject(i: int, code: str, **values: object) -> None:
        codes[i] = code
        reasons[i] = t(f"gazetteer.reason.{code}", lang, **values)

    for i in range(len(cand)):
        if codes[i]:
            continue
        if not names[i]:
            reject(i, "no_name")
        elif not (np.isfinite(lat[i]) and np.isfinite(lon[i])):
            reject(i, "no_coordinates")
        elif lat[i] == 0 and lon[i] == 0:
            reject(i, "zero_coordinates")
        elif code := location_problem(lat[i], lon[i]):
            codes[i] = code
            reasons[i] = location_message(code, float(lat[i]), float(lon[i]), lang)
    ok = codes == ""
    if outline is not None and ok.any():
        far = _outside_outline(lon[ok], lat[ok], outline, tolerance_km)
        idx = np.flatnonzero(ok)[far > 0]
        for i, km in zip(idx, far[far > 0], strict=True):
            reject(i, "outside_outline", km=float(km))
        ok = codes == ""
    ids = cand["gaz_id"].to_numpy(dtype=object)
    seen: dict[str, int] = {}
    lines = cand["line"].to_numpy()
    for i in np.flatnonzero(ok):
        if ids[i] in seen:
            reject(i, "duplicate_id", id=ids[i], first=seen[ids[i]])
        else:
            seen[ids[i]] = int(lines[i])
    ok = codes == ""
    report = pd.DataFrame(
        {
            "line": lines.astype("int64"),
            "gaz_id": ids,
            "name": names,
            "status": np.where(ok, "accepted", "rejected"),
            "reason": reasons,
            "reason_code": codes,
        },
        columns=list(REPORT_COLUMNS),
    )
    kept = cand[ok]
    frame = gpd.GeoDataFrame(
        kept[list(GAZETTEER_COLUMNS)].astype(object).reset_index(drop=True),
        geometry=gpd.points_from_xy(kept["lon"], kept["lat"]),
        crs=settings.CRS,
    )
    return frame, report


def _outside_outline(
    lon: np.ndarray, lat: np.ndarray, outline: shapely.Geometry, tolerance_km: float
) -> np.ndarray:
    """Return, per point, how far (km) it lies beyond ``outline`` past the tolerance (else 0)."""
    points = shapely.points(lon, lat)
    shapely.prepare(outline)
    inside = shapely.contains(outline, points)
    out = np.zeros(len(points))
    if inside.all():
        return out
    centre = outline.centroid
    crs = local_aeqd(centre.x, centre.y)
    metric = gpd.GeoSeries([outline], crs=settings.CRS).to_crs(crs).iloc[0]
    outside = gpd.GeoSeries(points[~inside], crs=settings.CRS).to_crs(crs)
    dist_km = outside.distance(metric).to_numpy() / 1000.0
    out[~inside] = np.where(dist_km > tolerance_km, dist_km, 0.0)
    return out


def fill_admin(
    frame: gpd.GeoDataFrame, units: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """Return ``frame`` with blank ``admin1``/``admin2``/``admin3`` filled by point-in-polygon.

    ``units`` are admin units (``name, level, geometry``); an entry outside every unit of a level
    stays blank. Returns the frame (same index) and the number of entries filled per column.
    """
    out = frame.copy()
    filled: dict[str, int] = {}
    for level, col in ((1, "admin1"), (2, "admin2"), (3, "admin3")):
        level_units = units[units["level"] == level]
        blank = out[col].map(lambda v: not v or v != v).to_numpy(dtype=bool)
        if level_units.empty or not blank.any():
            continue
        pts = out.loc[blank, [out.geometry.name]]
        joined = gpd.sjoin(
            pts,
            level_units[["name", level_units.geometry.name]].to_crs(out.crs),
            how="left",
            predicate="within",
        )
        names = joined[~joined.index.duplicated(keep="first")]["name"]
        hit = names.notna()
        out.loc[names.index[hit], col] = names[hit].astype(str).to_numpy()
        filled[col] = int(hit.sum())
    return out, filled
