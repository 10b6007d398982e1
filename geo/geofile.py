"""Open a vector geodata file: GeoJSON, GeoPackage, or a Shapefile (zipped or with its parts beside it).

:func:`read_vector` reads one layer into a GeoDataFrame, one row per feature in file order. A feature
whose geometry GDAL or GEOS cannot read (an unclosed ring, a coordinate with one number) gets no
geometry instead of failing the whole file, and GDAL's warnings are kept off the terminal: the
callers (boundaries, gazetteers) reject such features with a reason. Bad files are refused in one
line that names the file, what was found and what was expected: a zip without a ``.shp``, a
Shapefile without its ``.dbf`` or ``.prj``, invalid JSON with its line and column, a file with
several layers and no ``--layer``.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.errors import InputError
from geo.i18n import t

#: A Shapefile's parts besides the ``.shp``, each with what it holds (catalogue key).
SHAPEFILE_PARTS: dict[str, str] = {
    ".shx": "geofile.part.shx",
    ".dbf": "geofile.part.dbf",
    ".prj": "geofile.part.prj",
}
_JSON_SUFFIXES = (".geojson", ".json")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_JSON_KINDS = {list: "[array]", str: "string", int: "number", float: "number", bool: "true/false"}


@contextlib.contextmanager
def quiet_gdal() -> Iterator[None]:
    """Keep GDAL's and GEOS's warnings (unclosed rings, invalid coordinates) off the terminal."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore")
        yield


def read_vector(
    path: str | Path,
    *,
    layer: str | None = None,
    expected: str,
    lang: str = settings.DEFAULT_LANGUAGE,
) -> gpd.GeoDataFrame:
    """Return the features of one layer of ``path``, geometry ``None`` where it cannot be read.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage, zipped Shapefile or ``.shp`` (its parts beside it).
    layer
        The layer to read; required when the file holds several layers with geometries.
    expected
        What the caller expects, for the messages ("un GeoJSON, ... de polygones").
    lang
        Language of the messages.

    Raises
    ------
    InputError
        For a file GDAL cannot open, an incomplete Shapefile, invalid JSON, or a layer to choose.
    """
    path = Path(path)
    src = path.name
    target, layers = _open(path, layer, expected, lang)
    if not layers:
        raise InputError(t("geofile.no_layer", lang, expected=expected), source=src)
    chosen = _choose_layer(layers, layer, src, lang)
    try:
        with quiet_gdal():
            from pyogrio.raw import read

            if isinstance(target, bytes):  # in memory: GDAL names its one layer anew each time
                meta, _, wkb, fields = read(io.BytesIO(target))
            else:
                meta, _, wkb, fields = read(target, layer=chosen)
    except Exception as exc:  # pyogrio raises several driver-specific types
        raise InputError(t("geofile.read_failed", lang, error=first_line(exc)), source=src) from None
    with quiet_gdal():
        geoms = shapely.from_wkb(wkb, on_invalid="ignore") if wkb is not None else None
    n = len(fields[0]) if len(fields) else (0 if geoms is None else len(geoms))
    columns = {str(name): values for name, values in zip(meta["fields"], fields, strict=True)}
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    if geoms is None:
        geoms = np.full(n, None, dtype=object)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index), crs=meta["crs"])


def first_line(exc: BaseException) -> str:
    """Return the first line of an exception's message (at most 200 characters)."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _open(path: Path, layer: str | None, expected: str, lang: str) -> tuple[object, list[str]]:
    """Return what pyogrio reads (a path, ``zip://`` path or bytes) and the layers it holds."""
    src = path.name
    suffix = path.suffix.lower()
    if suffix == ".zip" or (suffix not in _JSON_SUFFIXES + (".gpkg",) and zipfile.is_zipfile(path)):
        return _open_zip(path, layer, lang)
    if suffix == ".shp":
        siblings = {p.suffix.lower() for p in path.parent.iterdir() if p.stem == path.stem}
        _require_parts(src, siblings, lang)
    target: object = str(path)
    if suffix in _JSON_SUFFIXES:
        with open(path, "rb") as fh:
            wide = fh.read(2) in _UTF16_BOMS
        if wide:  # GDAL reads GeoJSON as UTF-8 only
            try:
                target = path.read_bytes().decode("utf-16").encode("utf-8")
            except UnicodeDecodeError:
                raise InputError(t("geofile.bad_encoding", lang), source=src) from None
    try:
        with quiet_gdal():
            import pyogrio

            listed = pyogrio.list_layers(io.BytesIO(target) if isinstance(target, bytes) else target)
    except Exception as exc:  # GDAL raises several driver-specific types
        if suffix in _JSON_SUFFIXES:
            _refuse_bad_json(path, lang)
        raise InputError(
            t("geofile.unreadable", lang, error=first_line(exc), expected=expected), source=src
        ) from None
    spatial = [str(name) for name, kind in listed if kind is not None]
    names = spatial or [str(name) for name, _ in listed]
    if layer is not None and layer in {str(name) for name, _ in listed}:
        names = [layer] + [n for n in names if n != layer]
    return target, names


def _open_zip(path: Path, layer: str | None, lang: str) -> tuple[str, list[str]]:
    src = path.name
    if not zipfile.is_zipfile(path):
        raise InputError(t("geofile.not_zip", lang), source=src)
    with zipfile.ZipFile(path) as zf:
        members = [n for n in zf.namelist() if not n.endswith("/")]
    shps = {PurePosixPath(n).stem: n for n in members if n.lower().endswith(".shp")}
    if not shps:
        found = ", ".join(members[:8]) + (" …" if len(members) > 8 else "") or "—"
        raise InputError(t("geofile.no_shp", lang, found=found), source=src)
    name = _choose_layer(list(shps), layer, src, lang)
    shp = shps[name]
    stem = shp[: -len(".shp")].lower()
    parts = {n[len(stem) :].lower() for n in members if n.lower().startswith(stem + ".")}
    _require_parts(f"{src} ({PurePosixPath(shp).name})", parts, lang)
    return f"zip://{path}!{shp}", [name]


def _require_parts(src: str, present: set[str], lang: str) -> None:
    missing = [s for s in SHAPEFILE_PARTS if s not in present]
    if missing:
        parts = ", ".join(f"{s} ({t(SHAPEFILE_PARTS[s], lang)})" for s in missing)
        raise InputError(t("geofile.missing_parts", lang, parts=parts), source=src)


def _choose_layer(layers: list[str], layer: str | None, src: str, lang: str) -> str:
    if layer is not None:
        if layer not in layers:
            raise InputError(
                t("geofile.unknown_layer", lang, layer=layer, layers=", ".join(layers)), source=src
            )
        return layer
    if len(layers) > 1:
        raise InputError(t("geofile.several_layers", lang, layers=", ".join(layers)), source=src)
    return layers[0]


def _refuse_bad_json(path: Path, lang: str) -> None:
    """Refuse a ``.geojson``/``.json`` that is not JSON, naming the line and column."""
    try:
        parsed = json.loads(path.read_bytes())
    except UnicodeDecodeError:
        raise InputError(t("geofile.bad_encoding", lang), source=path.name) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            t("geofile.bad_json", lang, line=exc.lineno, col=exc.colno, error=exc.msg),
            source=path.name,
        ) from None
    if not isinstance(parsed, dict) or "type" not in parsed:
        if isinstance(parsed, dict):
            found = "{" + ", ".join(map(repr, list(parsed)[:5])) + "}"
        else:
            found = _JSON_KINDS.get(type(parsed), "null")
        raise InputError(t("geofile.not_geojson", lang, found=found), source=path.name)
