"""Recognise record columns (French or English) and validate each row's values.

One declared mapping (:data:`FIELDS`) turns headers such as ``Date``, ``Période``, ``Localité``,
``Activité``, ``Filles``, ``Garçons`` into canonical field names; a mapping file adds others.
:func:`validate` parses dates, counts and coordinates (:mod:`geo.values`) and gives every row the
list of its problems as :class:`~geo.reasons.Reason` s naming the file's column, what was found and
what was expected, so a file's rows are all checked before anything is decided.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.i18n import t
from geo.names import fold_name
from geo.readers import ISSUES_COL, LAT_COL, LINE_COL, LON_COL, SHEET_COL
from geo.reasons import Reason, one_line, reason
from geo.recordtypes import ACTIVITY_TYPES, CASE_TYPES, normalise_type
from geo.values import (
    MAX_COUNT,
    check_coordinates,
    date_problem,
    parse_count,
    parse_date,
    parse_number,
)

# Re-exported: the record columns, their values and types are looked up here.
__all__ = [
    "ACTIVITY_TYPES",
    "CASE_TYPES",
    "normalise_type",
    "parse_count",
    "parse_date",
    "parse_number",
]

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
#: Columns the readers add, kept through :func:`canonical`.
READER_COLUMNS: tuple[str, ...] = (LINE_COL, SHEET_COL, ISSUES_COL)


def header_key(text: object) -> str:
    """Return a header folded for comparison (accents, case, punctuation, spacing)."""
    last = str(text or "").rsplit("/", 1)[-1]  # Kobo group paths: "groupe_1/village"
    return fold_name(last, strip_prefix=False)


_ALIASES: dict[str, str] = {header_key(a): f for f, aliases in FIELDS.items() for a in aliases}


def read_mapping(path: str | Path, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Read a header mapping file: JSON ``{"header": "field"}`` or CSV ``header,field`` lines."""
    path = Path(path)
    if not path.is_file():
        raise InputError(t("records.file.not_found", lang), source=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError):
        raise InputError(t("records.mapping.unreadable", lang), source=path.name) from None
    if path.suffix.lower() == ".json":
        try:
            mapping = {str(k): str(v) for k, v in json.loads(text).items()}
        except (ValueError, AttributeError):
            raise InputError(t("records.mapping.not_json", lang), source=path.name) from None
    else:
        mapping = {}
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = re.split(r"[,;\t]", line, maxsplit=1)
            if len(parts) != 2:
                raise InputError(
                    t("records.mapping.bad_line", lang, line=n, found=one_line(line)),
                    source=path.name,
                )
            mapping[parts[0].strip()] = parts[1].strip()
    unknown = sorted(set(mapping.values()) - set(FIELDS))
    if unknown:
        raise InputError(
            t("records.mapping.unknown", lang, found=", ".join(unknown), expected=", ".join(FIELDS)),
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
        if col in (*READER_COLUMNS, LAT_COL, LON_COL):
            continue
        key = header_key(col)
        field = explicit.get(key) or _ALIASES.get(key)
        if field and field not in taken:
            result[col] = field
            taken.add(field)
    return result


def plan_columns(
    columns: list[str],
    kind: str,
    mapping: dict[str, str] | None = None,
    *,
    source: str = "",
    lang: str = settings.DEFAULT_LANGUAGE,
    coordinates: tuple[str, str] | None = None,
) -> dict[str, str]:
    """Return ``{canonical field: file column}``; refuse the file if required columns are missing.

    ``coordinates`` names the columns the reader took ``_lat``/``_lon`` from (a Kobo geopoint, a
    GeoJSON geometry), used when no latitude/longitude column is mapped.
    """
    if kind not in KINDS:
        raise InputError(t("records.file.bad_kind", lang, found=kind, expected=", ".join(KINDS)))
    plan = {field: col for col, field in map_headers(list(columns), mapping).items()}
    if (LAT_COL in columns or coordinates) and "lat" not in plan:
        lat_col, lon_col = coordinates or (LAT_COL, LON_COL)
        plan["lat"], plan["lon"] = LAT_COL, LON_COL
        plan["_lat_name"], plan["_lon_name"] = lat_col, lon_col
    type_field = "activity_type" if kind == "activities" else "case_type"
    if kind == "cases" and type_field not in plan and "activity_type" in plan:
        plan[type_field] = plan.pop("activity_type")
    missing = [
        key
        for key, ok in (
            ("date", "date" in plan),
            ("place", bool(set(plan) & {"place", "place_code", "commune", "cercle", "lat"})),
            (type_field, type_field in plan),
            ("count", bool(set(plan) & set(COUNT_FIELDS))),
        )
        if not ok
    ]
    if missing:
        found = [one_line(c) for c in columns if c not in (*READER_COLUMNS, LAT_COL, LON_COL)]
        hint = ""
        if len(found) == 1 and any(d in found[0] for d in ",;\t|"):
            hint = t("records.file.delimiter_hint", lang)
        raise InputError(
            t(
                "records.file.missing_columns",
                lang,
                missing=t("records.list_sep", lang).join(
                    t(f"records.required.{m}", lang) for m in missing
                ),
                found=", ".join(found) or "-",
            )
            + hint,
            source=source or None,
        )
    return plan


def canonical(
    frame: pd.DataFrame,
    kind: str,
    mapping: dict[str, str] | None = None,
    *,
    source: str = "",
    lang: str = settings.DEFAULT_LANGUAGE,
    plan: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Return ``frame`` renamed to canonical fields; refuse it if required columns are missing.

    Text fields come back as text (``""`` where empty); ``attrs["columns"]`` maps each field to
    the file's column, for the reasons. ``plan`` (from :func:`plan_columns`) skips the header
    matching when reading a file in chunks.
    """
    if plan is None:
        plan = plan_columns(
            list(frame.columns),
            kind,
            mapping,
            source=source,
            lang=lang,
            coordinates=frame.attrs.get("coordinates"),
        )
    n = len(frame)
    out: dict[str, object] = {}
    for field in ("date", *TEXT_FIELDS, *COUNT_FIELDS, "lat", "lon"):
        col = plan.get(field)
        if col is None:
            out[field] = pd.Series([""] * n, index=frame.index, dtype="str")
        elif field in (*COUNT_FIELDS, "lat", "lon") and pd.api.types.is_numeric_dtype(frame[col].dtype):
            out[field] = frame[col]
        else:
            out[field] = text_column(frame[col])
    for col in READER_COLUMNS:
        if col in frame.columns:
            out[col] = frame[col]
    result = pd.DataFrame(out, index=frame.index)
    names = {f: c for f, c in plan.items() if not f.startswith("_")}
    if "_lat_name" in plan:
        names["lat"], names["lon"] = plan["_lat_name"], plan["_lon_name"]
    result.attrs["columns"] = names
    return result


def text_column(series: pd.Series) -> pd.Series:
    """Return ``series`` as text, ``""`` where missing (a reader's column, or any cells)."""
    if isinstance(series.dtype, pd.StringDtype):
        return series.fillna("") if series.hasnans else series
    return pd.Series(map_values(series, _as_text, dtype=object), index=series.index, dtype="str")


def _as_text(value: object) -> str:
    return "" if value is None or value != value else str(value)


def map_values(series: pd.Series, func: Callable, dtype: object = object) -> np.ndarray:
    """Return ``func`` of each value of ``series``, computed once per distinct value."""
    codes, uniques = distinct(series)
    values = np.array([func(v) for v in uniques], dtype=dtype)
    if not len(values):
        return np.empty(len(codes), dtype=values.dtype)
    return values[codes]


def distinct(series: pd.Series) -> tuple[np.ndarray, list]:
    """Return ``(codes, values)``: each row's position in the list of distinct values."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes, list(uniques)


def _rows_of(codes: np.ndarray, wanted: list[int]) -> list[tuple[int, np.ndarray]]:
    """Return ``(distinct value, its rows)`` for each of ``wanted`` (rows in file order)."""
    if not wanted:
        return []
    rows = np.flatnonzero(np.isin(codes, wanted))
    return [(k, rows[codes[rows] == k]) for k in wanted]


def map_unique(series: pd.Series, func: Callable) -> pd.Series:
    """Return ``series.map(func)`` computed once per distinct value (records repeat a lot)."""
    values = np.empty(len(series), dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    if len(uniques):
        mapped = np.empty(len(uniques), dtype=object)
        mapped[:] = [func(v) for v in uniques]
        values = mapped[codes]
    return pd.Series(values, index=series.index, dtype=object)


# --- values ----------------------------------------------------------------------------------


class _Problems:
    """The problems of a chunk's rows, by position (most rows have none)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.rows: dict[int, list[Reason]] = {}

    def add(self, positions, item: Reason | Callable[[int], Reason]) -> None:
        for i in positions:
            self.rows.setdefault(int(i), []).append(item(int(i)) if callable(item) else item)

    def column(self, index: pd.Index) -> pd.Series:
        values = np.empty(self.n, dtype=object)
        values[:] = [()] * self.n
        for i, items in self.rows.items():
            values[i] = tuple(items)
        return pd.Series(values, index=index, dtype=object)


def validate(frame: pd.DataFrame, kind: str, *, today: dt.date | None = None) -> pd.DataFrame:
    """Return ``frame`` (canonical fields) with parsed values and a ``reasons`` tuple per row.

    Adds ``date`` (Timestamp or NaT), numeric count columns, ``lat``/``lon`` floats (NaN where
    absent or refused), and ``reasons`` (a tuple of :class:`~geo.reasons.Reason`; empty when the
    row is valid). Dates before 2000 or after ``today`` are refused. The input is not modified and
    its index is kept.
    """
    out = frame.copy()
    names = {**{f: _field_label(f) for f in FIELDS}, **frame.attrs.get("columns", {})}
    problems = _Problems(len(out))
    if ISSUES_COL in out.columns:  # the reader's own findings (formulas without values, ...)
        issues = out[ISSUES_COL].to_numpy(dtype=object)
        for i in np.flatnonzero(pd.notna(issues)):
            problems.rows.setdefault(int(i), []).extend(issues[i])

    codes, texts = distinct(out["date"])
    parsed = np.array([parse_date(v) for v in texts], dtype="datetime64[us]")
    dates = parsed[codes] if len(parsed) else np.empty(0, dtype="datetime64[us]")
    col = names["date"]
    today = today or dt.date.today()
    problems_of = []
    for k, (text, day) in enumerate(zip(texts, parsed, strict=True)):
        if np.isnat(day):
            found = str(text).strip()
            item = reason("date_unknown", column=col, found=found) if found else None
            problems_of.append((k, item or reason("date_missing", column=col)))
        elif problem := date_problem(pd.Timestamp(day), today):
            problems_of.append((k, reason(f"date_{problem}", column=col, found=text, today=today)))
    for k, rows in _rows_of(codes, [k for k, _ in problems_of]):
        problems.add(rows, dict(problems_of)[k])
    out["date"] = dates

    any_count = np.zeros(len(out), dtype=bool)
    bad_count = np.zeros(len(out), dtype=bool)
    for field in COUNT_FIELDS:
        values, found = _counts(out[field])
        col = names[field]
        for text, (problem, rows) in found.items():
            problems.add(rows, reason(f"count_{problem}", column=col, found=text, max=MAX_COUNT))
            bad_count[rows] = True
        out[field] = values
        any_count |= ~np.isnan(values)
    given_counts = [names[f] for f in COUNT_FIELDS if f in frame.attrs.get("columns", {})]
    problems.add(np.flatnonzero(~any_count & ~bad_count), reason("count_none", columns=given_counts))
    _check_sums(out, names, problems)
    lat, lon, found = check_coordinates(out["lat"], out["lon"], names["lat"], names["lon"])
    for rows, item in found:
        problems.add(rows, item)
    out["lat"], out["lon"] = lat, lon
    for field in ("activity_type", "case_type"):
        if (kind == "activities") == (field == "activity_type"):
            blank = map_values(out[field], lambda v: not str(v).strip(), dtype=bool)
            problems.add(np.flatnonzero(blank), reason(f"{field}_missing", column=names[field]))
    out["reasons"] = problems.column(out.index)
    return out


def _counts(series: pd.Series) -> tuple[np.ndarray, dict[str, tuple[str, np.ndarray]]]:
    """Return the counts of ``series`` (NaN where empty or refused) and, for each refused text,
    its problem and rows."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        series = text_column(series.astype(object).map(_number_text))
    codes, texts = distinct(series)
    pairs = [parse_count(v) for v in texts]
    values = np.array([p[0] for p in pairs], dtype=float)
    values = values[codes] if len(values) else np.zeros(0)
    bad = [k for k, p in enumerate(pairs) if p[1]]
    return values, {str(texts[k]).strip(): (pairs[k][1], rows) for k, rows in _rows_of(codes, bad)}


def _number_text(value: object) -> str:
    if value is None or value != value:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _check_sums(out: pd.DataFrame, names: dict[str, str], problems: _Problems) -> None:
    """Refuse parts that contradict a given total; fill in the total where it is missing."""
    girls, boys = out["girls"].to_numpy(), out["boys"].to_numpy()
    women, men = out["women"].to_numpy(), out["men"].to_numpy()
    children = out["children"].to_numpy()
    kids_parts = np.where(
        np.isnan(girls) & np.isnan(boys), np.nan, np.nan_to_num(girls) + np.nan_to_num(boys)
    )
    bad_children = ~np.isnan(children) & ~np.isnan(kids_parts) & (children != kids_parts)
    problems.add(
        np.flatnonzero(bad_children),
        lambda i: reason(
            "sum_children",
            parts=_given(names, {"girls": girls[i], "boys": boys[i]}),
            sum=kids_parts[i],
            column=names["children"],
            found=children[i],
        ),
    )
    kids = np.where(np.isnan(kids_parts), children, kids_parts)
    adults_given = ~(np.isnan(women) & np.isnan(men))
    parts = np.where(
        np.isnan(kids) & ~adults_given,
        np.nan,
        np.nan_to_num(kids) + np.nan_to_num(women) + np.nan_to_num(men),
    )
    total = out["total"].to_numpy()
    bad_total = ~np.isnan(total) & ~np.isnan(parts) & (parts != total)

    def total_reason(i: int) -> Reason:
        given = {"girls": girls[i], "boys": boys[i], "women": women[i], "men": men[i]}
        if np.isnan(kids_parts[i]):
            given["children"] = children[i]
        return reason(
            "sum_total",
            parts=_given(names, given),
            sum=parts[i],
            column=names["total"],
            found=total[i],
        )

    problems.add(np.flatnonzero(bad_total), total_reason)
    out["children"] = kids
    out["total"] = np.where(np.isnan(total), parts, total)


def _given(names: dict[str, str], values: dict[str, float]) -> str:
    return " + ".join(names[f] for f, v in values.items() if not np.isnan(v))


def _field_label(field: str) -> str:
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
        "lat": "latitude",
        "lon": "longitude",
    }.get(field, field)
