"""Recognise record columns (French or English) and validate each row's values.

One declared mapping (:data:`FIELDS`) turns headers such as ``Date``, ``Période``, ``Localité``,
``Activité``, ``Filles``, ``Garçons`` into canonical field names; a mapping file adds others.
:func:`validate` parses dates, counts and coordinates and gives every row the list of its problems,
so a file's rows are all checked before anything is decided.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.names import fold_name
from geo.places import validate_location
from geo.readers import LAT_COL, LINE_COL, LON_COL

#: Canonical field -> header spellings (compared after folding accents, case and punctuation).
FIELDS: dict[str, tuple[str, ...]] = {
    "record_ref": (
        "id",
        "record id",
        "record_id",
        "_uuid",
        "uuid",
        "identifiant",
        "n",
        "no",
        "numero",
        "n°",
    ),
    "date": (
        "date",
        "periode",
        "period",
        "mois",
        "month",
        "date activite",
        "date de l activite",
        "date of activity",
        "jour",
        "today",
        "date de collecte",
    ),
    "place_code": (
        "code",
        "pcode",
        "p code",
        "hasc",
        "unit id",
        "unit_id",
        "place id",
        "place_id",
        "code lieu",
        "code localite",
        "code village",
        "code unite",
    ),
    "place": (
        "village",
        "localite",
        "lieu",
        "site",
        "place",
        "locality",
        "nom du village",
        "village localite",
        "quartier",
        "village site",
        "nom localite",
    ),
    "commune": ("commune", "municipality", "nom commune"),
    "cercle": ("cercle", "district", "circle"),
    "region": ("region", "province"),
    "activity_type": (
        "activite",
        "type",
        "type d activite",
        "activity",
        "activity type",
        "activity_type",
        "type activite",
        "theme",
    ),
    "case_type": (
        "type de cas",
        "case type",
        "case_type",
        "cas",
        "type cas",
        "etape",
        "prise en charge type",
    ),
    "partner": ("partenaire", "partner", "organisation", "organization", "ong", "structure"),
    "programme_id": ("programme", "projet", "program", "project", "programme id", "programme_id"),
    "girls": ("filles", "girls", "nombre de filles", "nb filles", "f"),
    "boys": ("garcons", "boys", "nombre de garcons", "nb garcons", "g"),
    "women": ("femmes", "women", "nombre de femmes", "nb femmes"),
    "men": ("hommes", "men", "nombre d hommes", "nb hommes"),
    "children": ("enfants", "children", "nombre d enfants", "nb enfants"),
    "total": (
        "total",
        "nombre",
        "effectif",
        "count",
        "participants",
        "total participants",
        "personnes",
        "people",
        "nombre total",
    ),
    "sessions": (
        "seances",
        "sessions",
        "nombre de seances",
        "nb seances",
        "focus groups",
        "nombre de sessions",
    ),
    "age_group": ("tranche d age", "age", "age group", "age_group", "tranche age", "ages"),
    "lat": ("latitude", "lat", "y", "gps latitude"),
    "lon": ("longitude", "lon", "long", "lng", "x", "gps longitude"),
    "notes": (
        "observations",
        "observation",
        "commentaire",
        "commentaires",
        "remarques",
        "notes",
        "comment",
        "comments",
    ),
}
COUNT_FIELDS: tuple[str, ...] = ("girls", "boys", "women", "men", "children", "total", "sessions")
SEX_FIELDS: tuple[str, ...] = ("girls", "boys", "women", "men")
TEXT_FIELDS: tuple[str, ...] = (
    "record_ref",
    "place_code",
    "place",
    "commune",
    "cercle",
    "region",
    "activity_type",
    "case_type",
    "partner",
    "programme_id",
    "age_group",
    "notes",
)

KINDS: tuple[str, ...] = ("activities", "cases")

_MONTHS = {
    "janv": 1,
    "janvier": 1,
    "jan": 1,
    "january": 1,
    "fev": 2,
    "fevr": 2,
    "fevrier": 2,
    "feb": 2,
    "february": 2,
    "mars": 3,
    "mar": 3,
    "march": 3,
    "avr": 4,
    "avril": 4,
    "apr": 4,
    "april": 4,
    "mai": 5,
    "may": 5,
    "juin": 6,
    "jun": 6,
    "june": 6,
    "juil": 7,
    "juillet": 7,
    "jul": 7,
    "july": 7,
    "aout": 8,
    "aou": 8,
    "aug": 8,
    "august": 8,
    "sept": 9,
    "sep": 9,
    "septembre": 9,
    "september": 9,
    "oct": 10,
    "octobre": 10,
    "october": 10,
    "nov": 11,
    "novembre": 11,
    "november": 11,
    "dec": 12,
    "decembre": 12,
    "december": 12,
}


def header_key(text: object) -> str:
    """Return a header folded for comparison (accents, case, punctuation, spacing)."""
    last = str(text or "").rsplit("/", 1)[-1]  # Kobo group paths: "groupe_1/village"
    return fold_name(last, strip_prefix=False)


_ALIASES: dict[str, str] = {header_key(a): f for f, aliases in FIELDS.items() for a in aliases}


def read_mapping(path: str | Path) -> dict[str, str]:
    """Read a header mapping file: JSON ``{"header": "field"}`` or CSV ``header,field`` lines."""
    path = Path(path)
    if not path.is_file():
        raise InputError("mapping file not found", source=str(path))
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() == ".json":
            mapping = {str(k): str(v) for k, v in json.loads(text).items()}
        else:
            mapping = {}
            for n, line in enumerate(text.splitlines(), start=1):
                if not line.strip() or line.startswith("#"):
                    continue
                parts = re.split(r"[,;\t]", line, maxsplit=1)
                if len(parts) != 2:
                    raise InputError(f"line {n}: {line!r}; expected 'header,field'", source=path.name)
                mapping[parts[0].strip()] = parts[1].strip()
    except (ValueError, AttributeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"is not a JSON object of header -> field ({exc})", source=path.name) from None
    unknown = sorted(set(mapping.values()) - set(FIELDS))
    if unknown:
        raise InputError(
            f"maps to unknown field(s) {', '.join(unknown)}; expected: {', '.join(FIELDS)}",
            source=path.name,
        )
    return mapping


def map_headers(columns: list[str], mapping: dict[str, str] | None = None) -> dict[str, str]:
    """Return ``{file column: canonical field}`` for every recognised column.

    ``mapping`` (file header -> field) takes precedence over the declared spellings. When two
    columns map to one field the first wins.
    """
    explicit = {header_key(k): v for k, v in (mapping or {}).items()}
    result: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        if str(col).startswith("_") and col in (LINE_COL, LAT_COL, LON_COL):
            continue
        key = header_key(col)
        field = explicit.get(key) or _ALIASES.get(key)
        if field and field not in taken:
            result[col] = field
            taken.add(field)
    return result


def canonical(
    frame: pd.DataFrame, kind: str, mapping: dict[str, str] | None = None, *, source: str = ""
) -> pd.DataFrame:
    """Return ``frame`` renamed to canonical fields; refuse it if required columns are missing."""
    if kind not in KINDS:
        raise InputError(f"kind {kind!r} is not known; expected one of: {', '.join(KINDS)}")
    names = map_headers(list(frame.columns), mapping)
    out = frame.rename(columns=names)
    fields = set(names.values())
    if LAT_COL in out.columns and "lat" not in fields:
        out["lat"], out["lon"] = out[LAT_COL], out[LON_COL]
        fields |= {"lat", "lon"}
    missing: list[str] = []
    if "date" not in fields:
        missing.append("date (date/période)")
    if not fields & {"place", "place_code", "commune", "cercle", "lat"}:
        missing.append("a place (village/localité, commune, cercle, code or latitude/longitude)")
    type_field = "activity_type" if kind == "activities" else "case_type"
    if type_field not in fields:
        if kind == "cases" and "activity_type" in fields:
            out = out.rename(columns={"activity_type": "case_type"})
        else:
            missing.append("activité/type" if kind == "activities" else "type de cas/type")
    if not fields & set(COUNT_FIELDS):
        missing.append("a count (filles, garçons, femmes, hommes, enfants, total, séances)")
    if missing:
        found = [str(c) for c in frame.columns if c not in (LINE_COL, LAT_COL, LON_COL)]
        hint = ""
        if len(found) == 1 and any(d in found[0] for d in ",;\t|"):
            hint = " (one column only: is the delimiter a comma, semicolon or tab?)"
        raise InputError(
            f"missing required column(s): {'; '.join(missing)}; columns found: {', '.join(found)}{hint}",
            source=source or None,
        )
    for field in (*TEXT_FIELDS, *COUNT_FIELDS, "lat", "lon"):
        if field not in out.columns:
            out[field] = ""
    keep = ["date", *TEXT_FIELDS, *COUNT_FIELDS, "lat", "lon", LINE_COL]
    out = out[keep].copy()
    for col in keep[:-1]:
        out[col] = map_unique(out[col], lambda v: "" if v is None or v != v else str(v))
    return out


def map_unique(series: pd.Series, func) -> pd.Series:
    """Return ``series.map(func)`` computed once per distinct value (records repeat a lot)."""
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=False)
    values = np.array([func(v) for v in uniques] + [None], dtype=object)
    return pd.Series(values[codes] if len(codes) else values[:0], index=series.index, dtype=object)


# --- values ----------------------------------------------------------------------------------

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def parse_date(text: str) -> pd.Timestamp | None:
    """Return the date written as dd/mm/yyyy, ISO, an Excel serial number or a month name."""
    value = str(text).strip()
    if not value:
        return None
    m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})", value)
    if m:
        d, mo, y = (int(g) for g in m.groups())
        y = y + 2000 if y < 100 else y
        return _safe(y, mo, d)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+\-]\d\d:?\d\d)?)?", value)
    if m:
        return _safe(*(int(g) for g in m.groups()))
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})", value)
    if m:
        return _safe(int(m.group(1)), int(m.group(2)), 1)
    m = re.fullmatch(r"(\d{1,2})/(\d{4})", value)
    if m:
        return _safe(int(m.group(2)), int(m.group(1)), 1)
    if re.fullmatch(r"\d{5}(\.0+)?", value):
        serial = int(float(value))
        if 20000 <= serial <= 80000:  # 1954..2119
            return _EXCEL_EPOCH + pd.Timedelta(days=serial)
        return None
    folded = fold_name(value, strip_prefix=False)
    m = re.fullmatch(r"(?:(\d{1,2})\s+)?([a-z]+)\s*(\d{4})", folded)
    if m and m.group(2) in _MONTHS:
        return _safe(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1) or 1))
    return None


def _safe(y: int, m: int, d: int) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(year=y, month=m, day=d)
    except ValueError:
        return None


def parse_count(text: str) -> tuple[float, str | None]:
    """Return ``(value, problem)``: a non-negative whole number, or NaN and why it is not one."""
    value = str(text).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not value:
        return np.nan, None
    number = parse_number(value)
    if number is None:
        return np.nan, f"{value!r} is not a number"
    if number < 0:
        return np.nan, f"{value!r} is negative"
    if not float(number).is_integer():
        return np.nan, f"{value!r} is not a whole number"
    return float(number), None


def parse_number(text: str) -> float | None:
    """Return ``text`` as a number, accepting a decimal comma (``11,8``); ``None`` if it is not."""
    value = str(text).strip()
    if not value:
        return None
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return None
    return number if np.isfinite(number) else None


def validate(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Return ``frame`` (canonical fields) with parsed values and a ``reasons`` list per row.

    Adds ``date`` (Timestamp or NaT), numeric count columns, ``lat``/``lon`` floats (NaN where
    absent or refused), and ``reasons`` (list of problems; empty when the row is valid).
    The input is not modified and its index is kept.
    """
    out = frame.copy()
    reasons: list[list[str]] = [[] for _ in range(len(out))]
    parsed = map_unique(out["date"], parse_date)
    for i in np.flatnonzero(parsed.isna().to_numpy()):
        text = str(out["date"].iloc[i])
        reasons[i].append(
            f"date {text!r} not understood; expected dd/mm/yyyy, yyyy-mm-dd, "
            "an Excel serial number or a month such as 'janv. 2021'"
            if text.strip()
            else "date missing"
        )
    out["date"] = pd.to_datetime(parsed)

    any_count = np.zeros(len(out), dtype=bool)
    for field in COUNT_FIELDS:
        pairs = map_unique(out[field], parse_count)
        values = np.array([p[0] for p in pairs], dtype=float) if len(pairs) else np.zeros(0)
        problems = map_unique(out[field], lambda v: parse_count(v)[1])
        for i in np.flatnonzero(problems.notna().to_numpy()):
            reasons[i].append(f"{_label(field)} {problems.iloc[i]}; expected a whole number >= 0")
        out[field] = values
        any_count |= ~np.isnan(values)
    for i in np.flatnonzero(~any_count):
        if not any("expected a whole number" in r for r in reasons[i]):
            reasons[i].append(
                "no count given; expected filles, garçons, femmes, hommes, enfants, total or séances"
            )

    # Parts consistent with a given total; the total is filled in where it is missing.
    girls, boys = out["girls"].to_numpy(), out["boys"].to_numpy()
    women, men = out["women"].to_numpy(), out["men"].to_numpy()
    children = out["children"].to_numpy()
    kids_parts = np.where(
        np.isnan(girls) & np.isnan(boys), np.nan, np.nan_to_num(girls) + np.nan_to_num(boys)
    )
    bad_children = ~np.isnan(children) & ~np.isnan(kids_parts) & (children != kids_parts)
    for i in np.flatnonzero(bad_children):
        reasons[i].append(f"filles + garçons = {kids_parts[i]:g} but enfants = {children[i]:g}")
    kids = np.where(np.isnan(kids_parts), children, kids_parts)
    adults_given = ~(np.isnan(women) & np.isnan(men))
    parts = np.where(
        np.isnan(kids) & ~adults_given,
        np.nan,
        np.nan_to_num(kids) + np.nan_to_num(women) + np.nan_to_num(men),
    )
    total = out["total"].to_numpy()
    bad_total = ~np.isnan(total) & ~np.isnan(parts) & (parts != total)
    for i in np.flatnonzero(bad_total):
        reasons[i].append(f"the parts add up to {parts[i]:g} but total = {total[i]:g}")
    out["children"] = kids
    out["total"] = np.where(np.isnan(total), parts, total)

    lat_text, lon_text = out["lat"].astype(object), out["lon"].astype(object)
    lat = map_unique(lat_text, parse_number).to_numpy(dtype=float, na_value=np.nan)
    lon = map_unique(lon_text, parse_number).to_numpy(dtype=float, na_value=np.nan)
    lat_given = (lat_text.map(str).str.strip() != "").to_numpy(dtype=bool)
    lon_given = (lon_text.map(str).str.strip() != "").to_numpy(dtype=bool)
    for i in np.flatnonzero(lat_given & np.isnan(lat) | lon_given & np.isnan(lon)):
        reasons[i].append(f"coordinates {lat_text.iloc[i]!r}, {lon_text.iloc[i]!r} are not numbers")
    given = ~np.isnan(lat) & ~np.isnan(lon)
    minx, miny, maxx, maxy = settings.MALI_BBOX
    inside = given & (lat >= miny) & (lat <= maxy) & (lon >= minx) & (lon <= maxx)
    for i in np.flatnonzero(given & ~inside):
        try:
            validate_location(lat[i], lon[i], source="")
        except InputError as exc:
            reasons[i].append(str(exc).lstrip(": "))
    out["lat"] = np.where(inside, lat, np.nan)
    out["lon"] = np.where(inside, lon, np.nan)
    for field in ("activity_type", "case_type"):
        wanted = (kind == "activities") == (field == "activity_type")
        if wanted:
            blank = map_unique(out[field], lambda v: not str(v).strip()).to_numpy(dtype=bool)
            for i in np.flatnonzero(blank):
                reasons[i].append(f"{_label(field)} missing")
    out["reasons"] = pd.Series(reasons, index=out.index, dtype=object)
    return out


def _label(field: str) -> str:
    return {
        "girls": "filles",
        "boys": "garçons",
        "women": "femmes",
        "men": "hommes",
        "children": "enfants",
        "total": "total",
        "sessions": "séances",
        "activity_type": "activité/type",
        "case_type": "type de cas",
    }.get(field, field)


# --- activity and case types ------------------------------------------------------------------

#: Type code -> spellings found in partners' files (folded). Codes are those of
#: ``data/indicators.csv`` (column ``activity_type``).
ACTIVITY_TYPES: dict[str, tuple[str, ...]] = {
    "focus_group": (
        "focus group",
        "focus groups",
        "focus groupe",
        "groupe de discussion",
        "groupes de discussion",
        "fg",
    ),
    "sensibilisation": (
        "sensibilisation",
        "causerie",
        "causerie educative",
        "causeries",
        "sensibilisation communautaire",
        "awareness",
        "awareness session",
        "sensitisation",
        "prevention",
    ),
    "sensibilisation_masse": (
        "sensibilisation de masse",
        "radio",
        "emission radio",
        "emissions radio",
        "theatre forum",
        "caravane",
        "caravanes",
        "mass sensitisation",
        "radio broadcast",
        "forum theatre",
    ),
    "formation_pairs": (
        "formation pairs",
        "formation des pairs educateurs",
        "formation pairs educateurs",
        "peer educator training",
        "pairs educateurs",
    ),
    "formation_ccpe": ("formation ccpe", "atelier ccpe", "ccpe training", "formation des membres ccpe"),
    "formation_travailleurs_sociaux": (
        "formation travailleurs sociaux",
        "formation des travailleurs sociaux",
        "social worker training",
    ),
    "formation_acteurs": (
        "formation acteurs",
        "formation des acteurs",
        "officials training",
        "formation police",
        "formation agents",
    ),
    "formation_medias": ("formation medias", "formation des medias", "media training"),
    "plan_action": ("plan d action", "plans d action", "action plan"),
}
CASE_TYPES: dict[str, tuple[str, ...]] = {
    "identification": (
        "identification",
        "identifie",
        "identifies",
        "identifiees",
        "victimes identifiees",
        "identified",
    ),
    "prise_en_charge": ("prise en charge", "pec", "cared for", "care"),
    "prise_en_charge_psy": (
        "prise en charge psychosociale",
        "psychosocial",
        "psychosocial care",
        "prise en charge psy",
    ),
    "retour_famille": ("retour en famille", "retour famille", "reunification", "returned", "retour"),
    "reinsertion": ("reinsertion", "reintegration", "reinserted", "reinsertion sociale"),
}


def _type_key(text: object) -> str:
    return fold_name(text, strip_prefix=False)


_TYPE_LOOKUP = {
    kind: {
        **{_type_key(code): code for code in vocab},
        **{_type_key(s): code for code, spellings in vocab.items() for s in spellings},
    }
    for kind, vocab in (("activities", ACTIVITY_TYPES), ("cases", CASE_TYPES))
}


def normalise_type(text: object, kind: str) -> str | None:
    """Return the type code of ``text`` (``"Focus groups"`` -> ``"focus_group"``).

    Unknown activity types keep a code made from their text; unknown case types give ``None``
    (case types are a closed list).
    """
    key = _type_key(text)
    if not key:
        return None
    code = _TYPE_LOOKUP[kind].get(key)
    if code is None and kind == "activities":
        return key.replace(" ", "_")
    return code
