"""Map each gazetteer schema's columns to candidate entries, before :mod:`geo.gazetteer` checks them.

* ``wof``: the Who's On First localities CSV (``wof_id, name, lat, lon, adm1_name, adm2_name,
  placetype, geonames_id, ...``); superseded rows and places GeoNames marks as gone are flagged;
* ``geonames``: a GeoNames dump (the 19 columns of :data:`GEONAMES_COLUMNS`); rows of another
  country and features that are not populated places (mines excepted) are flagged, and the
  Latin-script alternative names kept;
* ``generic``: any table of named points, its columns given or found among common names
  (``name``/``nom``, ``lat``/``latitude``, ``lon``/``longitude``...).

Each mapper returns one candidate per input row: ``line``, the entry's columns (``gaz_id, name,
alt_names, kind, admin1, admin2, admin3, source``), ``lat``, ``lon``, ``problem`` (the code of why
the row cannot be an entry, a ``gazetteer.reason.*`` key; blank when it can) and ``problem_text``
(that reason in the user's language).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.i18n import t

#: The 19 columns of a GeoNames dump (https://download.geonames.org/export/dump/readme.txt).
GEONAMES_COLUMNS: tuple[str, ...] = (
    "geonameid",
    "name",
    "asciiname",
    "alternatenames",
    "latitude",
    "longitude",
    "feature_class",
    "feature_code",
    "country_code",
    "cc2",
    "admin1_code",
    "admin2_code",
    "admin3_code",
    "admin4_code",
    "population",
    "elevation",
    "dem",
    "timezone",
    "modification_date",
)
#: GeoNames feature codes of populated places that are gone (abandoned, historical, destroyed).
_GEONAMES_GONE = ("PPLQ", "PPLH", "PPLW", "PPLCH")
_GEONAMES_KINDS = {
    "PPLC": "capital",
    "PPLA": "regional_capital",
    "PPLA2": "cercle_capital",
    "PPLX": "neighbourhood",
}
_WOF_KINDS = {"locality": "locality", "neighbourhood": "neighbourhood", "localadmin": "commune"}

_DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "nom", "localite", "localité", "village", "toponyme", "place", "placename"),
    "lat": ("lat", "latitude", "y", "lat_dd", "coord_y"),
    "lon": ("lon", "long", "longitude", "lng", "x", "lon_dd", "coord_x"),
    "id": ("gaz_id", "id", "code", "pcode", "p_code", "uid", "fid"),
    "admin1": ("admin1", "adm1", "adm1_name", "adm1_fr", "region", "région"),
    "admin2": ("admin2", "adm2", "adm2_name", "adm2_fr", "cercle"),
    "admin3": ("admin3", "adm3", "adm3_name", "adm3_fr", "commune"),
    "alt": ("alt_names", "alternatenames", "alternate_names", "autres_noms", "variantes"),
    "kind": ("kind", "type", "placetype"),
}


def detect_schema(columns: Sequence[str]) -> str | None:
    """Return ``"wof"`` for Who's On First localities columns, else ``None``."""
    cols = {str(c).strip().lower() for c in columns}
    if {"wof_id", "name", "lat", "lon"} <= cols:
        return "wof"
    return None


def _text(frame: pd.DataFrame, col: str | None) -> pd.Series:
    if col is None or col not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[col].astype(object).map(lambda v: "" if v is None else str(v).strip())


def _number(frame: pd.DataFrame, col: str | None) -> pd.Series:
    text = _text(frame, col).str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _blank(frame: pd.DataFrame) -> pd.Series:
    return pd.Series("", index=frame.index, dtype=object)


def problem_texts(codes: pd.Series, lang: str, **values: pd.Series) -> pd.Series:
    """Return each row's reason in ``lang`` from its code (``""`` where there is none).

    ``values`` fill the reasons' ``{name}`` fields row by row; a reason ignores the ones it does
    not name.
    """
    out = pd.Series("", index=codes.index, dtype=object)
    flagged = np.flatnonzero(codes.to_numpy(dtype=object) != "")
    for i in flagged:
        fields = {key: col.iloc[i] for key, col in values.items()}
        out.iloc[i] = t(f"gazetteer.reason.{codes.iloc[i]}", lang, **fields)
    return out


def _candidates(
    frame: pd.DataFrame,
    lang: str,
    fields: dict[str, pd.Series] | None = None,
    **cols: pd.Series,
) -> pd.DataFrame:
    out = pd.DataFrame({"line": frame["_line"].to_numpy()}, index=frame.index)
    for key in ("gaz_id", "name", "alt_names", "kind", "admin1", "admin2", "admin3", "source"):
        out[key] = cols.get(key, _blank(frame)).astype(object)
    out["lat"] = cols["lat"].astype("float64")
    out["lon"] = cols["lon"].astype("float64")
    out["problem"] = cols.get("problem", _blank(frame)).astype(object)
    out["problem_text"] = problem_texts(out["problem"], lang, **(fields or {}))
    return out


def wof_candidates(raw: pd.DataFrame, src: str, lang: str = settings.DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return the candidates of a Who's On First localities table."""
    cols = {str(c).strip().lower(): c for c in raw.columns}
    wof_id = _text(raw, cols.get("wof_id"))
    gid = _text(raw, cols.get("geonames_id"))
    placetype = _text(raw, cols.get("placetype"))
    current = _text(raw, cols.get("is_current"))
    fcode = _text(raw, cols.get("geonames_feature_code"))
    source = "Who's On First " + wof_id + gid.map(lambda g: f"; GeoNames {g}" if g else "")
    problem = _blank(raw).mask(fcode.isin(_GEONAMES_GONE), "gone")
    problem = problem.mask((problem == "") & (current == "0"), "superseded")
    return _candidates(
        raw,
        lang,
        gaz_id="wof:" + wof_id.where(wof_id != "", ""),
        name=_text(raw, cols.get("name")),
        kind=placetype.map(lambda p: _WOF_KINDS.get(p, p or "locality")),
        admin1=_text(raw, cols.get("adm1_name")),
        admin2=_text(raw, cols.get("adm2_name")),
        source=source,
        lat=_number(raw, cols.get("lat")),
        lon=_number(raw, cols.get("lon")),
        problem=problem.where(wof_id != "", "no_wof_id"),
        fields={"fcode": fcode},
    )


def geonames_candidates(
    raw: pd.DataFrame, src: str, country: str, lang: str = settings.DEFAULT_LANGUAGE
) -> pd.DataFrame:
    """Return the candidates of a GeoNames dump; rows of another ``country`` are flagged."""
    gid = _text(raw, "geonameid")
    fclass = _text(raw, "feature_class")
    fcode = _text(raw, "feature_code")
    cc = _text(raw, "country_code")
    alt = _text(raw, "alternatenames").map(_alt_names)
    ascii_name = _text(raw, "asciiname")
    name = _text(raw, "name")
    alt = [_join_alt(a, n, s) for a, n, s in zip(alt, name, ascii_name, strict=True)]
    problem = _blank(raw).mask(cc.str.upper() != country.upper(), "other_country")
    is_mine = fcode.str.startswith("MN")
    not_populated = (fclass != "P") & ~is_mine
    problem = problem.mask((problem == "") & not_populated, "not_populated")
    problem = problem.mask((problem == "") & fcode.isin(_GEONAMES_GONE), "gone")
    kind = fcode.map(lambda c: _GEONAMES_KINDS.get(c, "locality")).where(~is_mine, "mine")
    return _candidates(
        raw,
        lang,
        gaz_id="geonames:" + gid,
        name=name,
        alt_names=pd.Series(alt, index=raw.index),
        kind=kind,
        source="GeoNames " + gid,
        lat=_number(raw, "latitude"),
        lon=_number(raw, "longitude"),
        problem=problem.where(gid != "", "no_geonameid"),
        fields={
            "cc": cc,
            "country": pd.Series(country, index=raw.index),
            "feature": fclass + "." + fcode,
            "fcode": fcode,
        },
    )


def _alt_names(text: str) -> list[str]:
    return [a.strip() for a in text.split(",") if a.strip()]


def _join_alt(alt: list[str], name: str, ascii_name: str) -> str:
    seen = {name.casefold()}
    out = []
    for a in [ascii_name, *alt]:
        # GeoNames lists names in other scripts and links; keep the Latin-script spellings.
        if not a or a.casefold() in seen or a.startswith("http") or not _latin(a):
            continue
        seen.add(a.casefold())
        out.append(a)
    return "; ".join(out)


def _latin(text: str) -> bool:
    return all(ord(c) < 0x250 or c.isspace() for c in text)


def _find(
    frame: pd.DataFrame,
    given: str | None,
    role: str,
    src: str,
    lang: str = settings.DEFAULT_LANGUAGE,
) -> str | None:
    if given is not None:
        if given not in frame.columns:
            found = ", ".join(str(c) for c in frame.columns if not str(c).startswith("_"))
            raise InputError(
                t("gazetteer.column_not_found", lang, col=given, role=role, found=found), source=src
            )
        return given
    lowered = {str(c).strip().lower(): c for c in frame.columns if not str(c).startswith("_")}
    for candidate in _DEFAULT_COLUMNS[role]:
        if candidate in lowered:
            return lowered[candidate]
    return None


def generic_candidates(
    raw: pd.DataFrame,
    src: str,
    *,
    name_col,
    lat_col,
    lon_col,
    id_col,
    admin1_col,
    admin2_col,
    admin3_col,
    lang: str = settings.DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """Return the candidates of any table of named points (columns given or found).

    Raises
    ------
    InputError
        When a given column is missing, or no name, latitude or longitude column is found.
    """
    name = _find(raw, name_col, "name", src, lang)
    lat = _find(raw, lat_col, "lat", src, lang)
    lon = _find(raw, lon_col, "lon", src, lang)
    geodata = "_lat" in raw.columns
    missing = ["name"] if name is None else []
    if not geodata:
        missing += [role for role, col in (("lat", lat), ("lon", lon)) if col is None]
    if missing:
        found = ", ".join(str(c) for c in raw.columns if not str(c).startswith("_"))
        what = t("gazetteer.missing.and", lang).join(t(f"gazetteer.missing.{m}", lang) for m in missing)
        raise InputError(t("gazetteer.columns_missing", lang, missing=what, found=found), source=src)
    ident = _find(raw, id_col, "id", src, lang)
    if lat is not None and lon is not None:
        lat_v, lon_v = _number(raw, lat), _number(raw, lon)
        if geodata:  # the file's points win; the columns fill features without a point
            lat_v = raw["_lat"].astype("float64").fillna(lat_v)
            lon_v = raw["_lon"].astype("float64").fillna(lon_v)
    else:
        lat_v, lon_v = raw["_lat"].astype("float64"), raw["_lon"].astype("float64")
    ids = _text(raw, ident) if ident is not None else raw["_line"].map(lambda n: f"row{n}")
    stem = Path(src).stem
    problem = _blank(raw)
    geom = raw["_geom_type"] if geodata else _blank(raw)
    if geodata:
        problem = problem.mask(~geom.isin(["Point", "none"]), "not_point")
    kind = _text(raw, _find(raw, None, "kind", src)).where(lambda s: s != "", "locality")
    return _candidates(
        raw,
        lang,
        gaz_id=stem + ":" + ids.where(ids != "", ""),
        name=_text(raw, name),
        alt_names=_text(raw, _find(raw, None, "alt", src)),
        kind=kind,
        admin1=_text(raw, _find(raw, admin1_col, "admin1", src, lang)),
        admin2=_text(raw, _find(raw, admin2_col, "admin2", src, lang)),
        admin3=_text(raw, _find(raw, admin3_col, "admin3", src, lang)),
        source=pd.Series(src, index=raw.index),
        lat=lat_v,
        lon=lon_v,
        problem=problem.where(ids != "", "no_id"),
        fields={"geom": geom},
    )
