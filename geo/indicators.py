"""Programme indicators: what the records achieved against targets of the right scope.

A target row (``data/indicators.csv``) says which records count (``activity_type``, ``kind``),
what to sum (``measure``: people, children, girls, sessions) and what the target covers
(``scope``: the whole programme, a zone, a commune or a place, named by ``scope_id``). A figure is
compared only with a target of its own scope: a commune's figure with that commune's target, never
with the programme's. Local targets (zone, commune, place) may also come from a user's file
(:func:`read_local_targets`), whose rows name a programme indicator and the unit they cover.

Achievement is ``achieved / target``, or ``(achieved - baseline) / (target - baseline)`` when a
baseline is given, with a traffic light: green at or above :data:`geo.settings.INDICATOR_GREEN_MIN`,
amber at or above :data:`geo.settings.INDICATOR_AMBER_MIN`, red below, ``no_data`` when nothing
was recorded, ``no_target`` when there is no target of the figure's scope. Case indicators pass
through :func:`geo.disclosure.case_figures`: a hidden count hides its ratio too.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from geo import settings
from geo.disclosure import case_figures
from geo.errors import InputError
from geo.i18n import t
from geo.names import fold_name

STATUSES: tuple[str, ...] = ("green", "amber", "red", "no_data", "no_target")
MEASURES: dict[str, tuple[str, ...]] = {
    "people": ("total",),
    "children": ("children", "girls", "boys"),
    "girls": ("girls",),
    "boys": ("boys",),
    "sessions": ("sessions",),
}
#: What a target covers; ``scope_id`` names the programme, zone key, commune or place.
TARGET_SCOPES: tuple[str, ...] = ("programme", "zone", "commune", "place")
TARGET_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "programme_id",
    "kind",
    "activity_type",
    "measure",
    "target",
    "scope",
    "scope_id",
)
#: The columns of a local targets file; every other column comes from the programme indicator.
LOCAL_TARGET_COLUMNS: tuple[str, ...] = ("indicator_id", "scope", "scope_id", "target")
#: Columns a local target row may set itself (the rest is its programme indicator's).
LOCAL_OWN_COLUMNS: tuple[str, ...] = ("scope", "scope_id", "target", "baseline")
#: Known units per scope: folded name or id -> the unit's id (``scope_id`` as stored).
Units = Mapping[str, Mapping[str, str]]


def read_programmes(path: str | Path = settings.DATA_DIR / "programmes.csv") -> pd.DataFrame:
    """Return the programmes (``programme_id``, names, zones, partners, start, end) as text."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_targets(
    path: str | Path, *, units: Units | None = None, lang: str = settings.DEFAULT_LANGUAGE
) -> pd.DataFrame:
    """Read the targets table (``data/indicators.csv`` format) with numeric targets and dates.

    Parameters
    ----------
    path
        The CSV (comma or semicolon separated).
    units
        Known units per scope (see :func:`known_units`); when given, every ``scope_id`` must name
        one of them and is replaced by its id. ``None`` checks the scopes but not the units.
    lang
        Language of the refusal.

    Raises
    ------
    InputError
        One line naming the file and the row: a missing column, an unknown scope, measure or unit,
        a negative or non-numeric target.
    """
    path = Path(path)
    frame = _read_table(path, lang)
    _require(frame, TARGET_COLUMNS, path, lang)
    lines = frame.pop("_line")
    frame["scope"] = frame["scope"].str.strip().str.lower()
    for n, row in zip(lines, frame.itertuples(), strict=True):
        _check_scope(row.scope, n, path, lang)
        if row.measure not in MEASURES:
            raise InputError(
                t(
                    "analyses.targets.bad_measure",
                    lang,
                    line=n,
                    found=row.measure,
                    expected=", ".join(MEASURES),
                ),
                source=path.name,
            )
    frame["target"] = _numbers(frame["target"], lines, path, lang, "target")
    frame["baseline"] = _numbers(frame.get("baseline", ""), lines, path, lang, "baseline")
    frame["scope_id"] = [
        _unit_of(row, n, path, units, lang) for n, row in zip(lines, frame.itertuples(), strict=True)
    ]
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame.get(col, ""), errors="coerce")
    _no_duplicates(frame, lines, path, lang)
    return frame.reset_index(drop=True)


def read_local_targets(
    path: str | Path,
    base: pd.DataFrame,
    *,
    units: Units | None = None,
    lang: str = settings.DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """Read a user's file of local targets; return full target rows (``read_targets`` columns).

    The file needs ``indicator_id, scope, scope_id, target`` (comma or semicolon separated;
    ``baseline`` optional). Each row names a programme indicator of ``base`` and takes its other
    columns (programme, kind, activity type, measure, period) from it. Case indicators have no
    place targets: case figures are never shown below the commune.

    Raises
    ------
    InputError
        One line naming the file and the row (see :func:`read_targets`).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(t("analyses.targets.not_found", lang), source=str(path))
    frame = _read_table(path, lang)
    _require(frame, LOCAL_TARGET_COLUMNS, path, lang)
    lines = frame.pop("_line")
    scoped = base["scope"] if "scope" in base.columns else pd.Series("programme", index=base.index)
    programme = base[scoped == "programme"].drop_duplicates("indicator_id").set_index("indicator_id")
    rows = []
    for n, row in zip(lines, frame.to_dict("records"), strict=True):
        ind = str(row["indicator_id"]).strip()
        if ind not in programme.index:
            raise InputError(
                t(
                    "analyses.targets.unknown_indicator",
                    lang,
                    line=n,
                    found=ind,
                    close=_closest(ind, list(programme.index), lang),
                ),
                source=path.name,
            )
        scope = str(row["scope"]).strip().lower()
        _check_scope(scope, n, path, lang)
        if scope == "place" and programme.loc[ind, "kind"] == "case":
            raise InputError(
                t("analyses.targets.case_place", lang, line=n, indicator=ind), source=path.name
            )
        if not str(row["target"]).strip():
            raise InputError(t("analyses.targets.blank_target", lang, line=n), source=path.name)
        own = {c: row.get(c, "") for c in LOCAL_OWN_COLUMNS}
        rows.append({**programme.loc[ind].to_dict(), "indicator_id": ind, **own, "scope": scope})
    out = pd.DataFrame(rows, columns=list(dict.fromkeys(["indicator_id", *programme.columns])))
    if out.empty:
        return out
    out["target"] = _numbers(out["target"], lines, path, lang, "target")
    out["baseline"] = _numbers(out["baseline"].fillna(""), lines, path, lang, "baseline")
    out["scope_id"] = [
        _unit_of(row, n, path, units, lang) for n, row in zip(lines, out.itertuples(), strict=True)
    ]
    _no_duplicates(out, lines, path, lang)
    return out


def merge_targets(base: pd.DataFrame, local: pd.DataFrame) -> pd.DataFrame:
    """Return ``base`` with ``local`` added; a local row replaces a base row of the same unit."""
    if local.empty:
        return base.copy()
    both = pd.concat([base, local], ignore_index=True)
    key = both["scope_id"].map(fold_name)
    keep = ~pd.DataFrame({"i": both["indicator_id"], "s": both["scope"], "u": key}).duplicated(
        keep="last"
    )
    return both[keep].reset_index(drop=True)


def unit_targets(targets: pd.DataFrame | None, scope: str, unit: str) -> pd.Series:
    """Return the targets of one unit (index ``indicator_id``): rows of ``scope`` naming ``unit``.

    Names are compared folded (:func:`geo.names.fold_name`), so a commune's page finds the target
    of "Commune rurale de Nouga" under "Nouga".
    """
    if targets is None or targets.empty or "scope" not in targets.columns or not unit:
        return pd.Series(dtype="float64")
    hit = targets[(targets["scope"] == scope) & (targets["scope_id"].map(fold_name) == fold_name(unit))]
    return pd.Series(
        pd.to_numeric(hit["target"], errors="coerce").to_numpy(),
        index=hit["indicator_id"].to_numpy(),
        dtype="float64",
    )


def known_units(
    *,
    programmes: Sequence[str] = (),
    zones: Sequence[str] = (),
    communes: Sequence[str] = (),
    places: pd.DataFrame | None = None,
) -> dict[str, dict[str, str]]:
    """Return the units a target may name, per scope: folded name or id -> id.

    ``places`` has ``place_id`` and ``name``; a place is found by either (a name two places share
    maps to ``""``, and a target naming it must give the id).
    """
    units: dict[str, dict[str, str]] = {
        "programme": {fold_name(p, strip_prefix=False): str(p) for p in programmes},
        "zone": {fold_name(z, strip_prefix=False): str(z) for z in zones},
        "commune": {},
        "place": {},
    }
    for name in communes:
        if isinstance(name, str) and name.strip():
            units["commune"].setdefault(fold_name(name), name.strip())
    if places is not None:
        by_id = {fold_name(p, strip_prefix=False): str(p) for p in places["place_id"]}
        by_name: dict[str, str] = {}
        for pid, name in zip(places["place_id"], places["name"], strict=True):
            key = fold_name(name)
            by_name[key] = "" if by_name.get(key, pid) != pid else str(pid)
        units["place"] = {**by_name, **by_id}
    return units


# --- checks of a targets file ----------------------------------------------------------------


def _read_table(path: Path, lang: str) -> pd.DataFrame:
    """Read the CSV as text (``_line``: line number), refusing a row of the wrong cell count."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise InputError(t("analyses.targets.encoding", lang), source=path.name) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    if not rows or not any(cell.strip() for cell in rows[0]):
        expected = ", ".join(LOCAL_TARGET_COLUMNS)
        raise InputError(t("analyses.targets.empty", lang, expected=expected), source=path.name)
    header = [cell.strip() for cell in rows[0]]
    width = len(header)
    fixed, lines = [], []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            raise InputError(
                t("analyses.targets.bad_cells", lang, line=n, found=len(row), expected=width),
                source=path.name,
            )
        fixed.append(row)
        lines.append(n)
    frame = pd.DataFrame(fixed, columns=header, dtype=object)
    frame["_line"] = lines
    return frame


def _require(frame: pd.DataFrame, columns: Sequence[str], path: Path, lang: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            t(
                "analyses.targets.missing_columns",
                lang,
                missing=", ".join(missing),
                expected=", ".join(columns),
            ),
            source=path.name,
        )


def _check_scope(scope: str, line: int, path: Path, lang: str) -> None:
    if scope not in TARGET_SCOPES:
        raise InputError(
            t(
                "analyses.targets.bad_scope",
                lang,
                line=line,
                found=scope,
                expected=", ".join(TARGET_SCOPES),
            ),
            source=path.name,
        )


def _numbers(cells, lines: Sequence[int], path: Path, lang: str, column: str) -> pd.Series:
    """Return the cells as numbers (blank: NaN), refusing text and negative numbers."""
    cells = pd.Series(cells, index=range(len(lines))) if np.isscalar(cells) else pd.Series(cells)
    out = []
    for n, cell in zip(lines, cells, strict=True):
        text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
        text = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if not text:
            out.append(np.nan)
            continue
        try:
            value = float(text.replace(",", ".") if "." not in text else text)
        except ValueError:
            raise InputError(
                t("analyses.targets.bad_number", lang, line=n, column=column, found=str(cell).strip()),
                source=path.name,
            ) from None
        if value < 0 or not np.isfinite(value):
            raise InputError(
                t("analyses.targets.negative", lang, line=n, column=column, found=str(cell).strip()),
                source=path.name,
            )
        out.append(value)
    return pd.Series(out, index=cells.index, dtype="float64")


def _unit_of(row, line: int, path: Path, units: Units | None, lang: str) -> str:
    """Return the id of the unit a row's ``scope_id`` names, refusing one that is not known."""
    found = str(row.scope_id or "").strip()
    if row.scope == "programme":
        if found and found != row.programme_id:
            raise InputError(
                t(
                    "analyses.targets.programme_id",
                    lang,
                    line=line,
                    found=found,
                    programme=row.programme_id,
                ),
                source=path.name,
            )
        return str(row.programme_id)
    hint = t(f"analyses.targets.scope_id.{row.scope}", lang)
    if not found:
        raise InputError(
            t("analyses.targets.blank_unit", lang, line=line, scope=row.scope, expected=hint),
            source=path.name,
        )
    if units is None:
        return found
    known = units.get(row.scope, {})
    key = fold_name(found, strip_prefix=row.scope != "zone")
    hit = known.get(key)
    if hit is None and row.scope == "place":
        hit = known.get(fold_name(found, strip_prefix=False))
    if hit == "":
        raise InputError(t("analyses.targets.ambiguous", lang, line=line, found=found), source=path.name)
    if hit is None:
        names = sorted(set(known.values()) - {""})
        raise InputError(
            t(
                "analyses.targets.unknown_unit",
                lang,
                line=line,
                found=found,
                expected=hint,
                close=_closest(found, names, lang),
            ),
            source=path.name,
        )
    return hit


def _closest(found: str, names: Sequence[str], lang: str) -> str:
    """Return " — closest: X" for a near name, else nothing (the message already says what fits)."""
    folded = {fold_name(n): n for n in names}
    near = difflib.get_close_matches(fold_name(found), list(folded), n=1, cutoff=0.6)
    return t("analyses.targets.closest", lang, name=folded[near[0]]) if near else ""


def _no_duplicates(frame: pd.DataFrame, lines: Sequence[int], path: Path, lang: str) -> None:
    seen: dict[tuple[str, str, str], int] = {}
    for n, row in zip(lines, frame.itertuples(), strict=True):
        key = (row.indicator_id, row.scope, fold_name(row.scope_id))
        if key in seen:
            raise InputError(
                t("analyses.targets.duplicate", lang, line=n, first=seen[key]), source=path.name
            )
        seen[key] = n


# --- achievement -----------------------------------------------------------------------------


def measure_values(records: pd.DataFrame, measure: str) -> pd.Series:
    """Return each record's contribution to ``measure`` (sessions default to 1 per record)."""
    if measure not in MEASURES:
        raise InputError(f"measure {measure!r} is not known; expected one of: {', '.join(MEASURES)}")
    cols = MEASURES[measure]

    def num(col: str) -> pd.Series:
        if col not in records.columns:
            return pd.Series(np.nan, index=records.index)
        return pd.to_numeric(records[col], errors="coerce")

    if measure == "children":
        kids = num("children")
        parts = num("girls").fillna(0) + num("boys").fillna(0)
        has_parts = num("girls").notna() | num("boys").notna()
        return kids.where(kids.notna(), parts.where(has_parts))
    if measure == "sessions":
        return num("sessions").fillna(1.0)
    if measure == "people":
        total = num("total")
        return total
    return num(cols[0])


def achieved(records: pd.DataFrame, targets: pd.DataFrame, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Return what ``records`` achieved for each target (and each ``by`` key, e.g. zone_id).

    Records count toward a target when their programme, type (``activity_type`` or
    ``case_type``) and date (within the target's period) match.
    """
    by = list(by)
    rows = []
    type_col = "activity_type" if "activity_type" in records.columns else "case_type"
    for target in targets.itertuples():
        sel = records
        if "programme_id" in sel.columns:
            sel = sel[sel["programme_id"] == target.programme_id]
        if type_col in sel.columns:
            sel = sel[sel[type_col] == target.activity_type]
        if "date" in sel.columns:
            dates = pd.to_datetime(sel["date"], errors="coerce")
            start = getattr(target, "period_start", pd.NaT)
            end = getattr(target, "period_end", pd.NaT)
            keep = pd.Series(True, index=sel.index)
            if pd.notna(start):
                keep &= dates >= start
            if pd.notna(end):
                keep &= dates <= end
            sel = sel[keep]
        values = measure_values(sel, target.measure)
        if by:
            grouped = values.groupby([sel[c] for c in by], dropna=False).sum(min_count=1)
            for key, value in grouped.items():
                key = key if isinstance(key, tuple) else (key,)
                rows.append(
                    {
                        "indicator_id": target.indicator_id,
                        **dict(zip(by, key, strict=True)),
                        "achieved": value,
                    }
                )
        else:
            rows.append({"indicator_id": target.indicator_id, "achieved": values.sum(min_count=1)})
    return pd.DataFrame(rows, columns=["indicator_id", *by, "achieved"])


def status_of(ratio: pd.Series) -> pd.Series:
    """Return the traffic light of each achievement ratio."""
    ratio = pd.to_numeric(ratio, errors="coerce")
    out = np.select(
        [ratio.isna(), ratio >= settings.INDICATOR_GREEN_MIN, ratio >= settings.INDICATOR_AMBER_MIN],
        ["no_data", "green", "amber"],
        "red",
    )
    return pd.Series(out, index=ratio.index, dtype=object)


def achievement(
    targets: pd.DataFrame,
    achieved: pd.DataFrame,
    *,
    k: int = settings.SUPPRESSION_K,
) -> pd.DataFrame:
    """Return targets with ``achieved``, ``achievement`` and a traffic-light ``status``.

    Parameters
    ----------
    targets
        Target rows (``indicator_id``, ``programme_id``, ``kind``, ``target``, optional
        ``baseline``, ``scope``, ``scope_id``).
    achieved
        ``indicator_id`` and ``achieved``, optionally per ``zone_id``. A programme figure is
        compared with its programme target. A zone's figure is compared with a target of that zone
        (``scope`` zone) only: without one it has no ``target`` and status ``no_target``, and the
        programme target is given in ``target_context``; ``target_basis`` says which.
    k
        Suppression threshold of the case figures (counts ``1 .. k-1`` are hidden).

    Returns
    -------
    pandas.DataFrame
        One row per programme indicator (and zone): ``target``, ``target_context``, ``achieved``,
        ``achievement`` (ratio), ``status`` and, for case indicators,
        ``achieved_display``/``achieved_suppressed`` from disclosure control (a hidden count also
        hides its ratio).
    """
    missing = [c for c in ("indicator_id", "target") if c not in targets.columns]
    missing += [c for c in ("indicator_id", "achieved") if c not in achieved.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}")
    scope = (
        targets["scope"] if "scope" in targets.columns else pd.Series("programme", index=targets.index)
    )
    per_zone = "zone_id" in achieved.columns
    out = targets[scope == "programme"].merge(achieved, on="indicator_id", how="left")
    out["target"] = pd.to_numeric(out["target"], errors="coerce")
    if "baseline" not in out.columns:
        out["baseline"] = np.nan
    out["target_context"] = np.nan
    out["target_basis"] = "programme"
    if per_zone:
        zone = targets[scope == "zone"]
        local = pd.DataFrame(
            {
                "indicator_id": zone["indicator_id"],
                "zone_id": zone["scope_id"],
                "_target": pd.to_numeric(zone["target"], errors="coerce"),
                "_baseline": pd.to_numeric(zone["baseline"], errors="coerce")
                if "baseline" in zone.columns
                else np.nan,
            }
        )
        out = out.merge(local, on=["indicator_id", "zone_id"], how="left")
        own = out["_target"].notna()
        out["target_context"] = out["target"].where(~own)
        out["target"] = out["_target"]
        out["baseline"] = out["_baseline"]
        out["target_basis"] = np.where(own, "zone", "none (programme target as context)")
        out = out.drop(columns=["_target", "_baseline"])
    baseline = pd.to_numeric(out["baseline"], errors="coerce")
    value = pd.to_numeric(out["achieved"], errors="coerce")
    has_base = baseline.notna()
    denominator = (out["target"] - baseline.fillna(0)).where(has_base, out["target"])
    numerator = (value - baseline.fillna(0)).where(has_base, value)
    ratio = numerator / denominator.where(denominator != 0)
    out["achievement"] = ratio
    out["status"] = status_of(ratio).where(out["target"].notna(), "no_target")
    out["achieved_display"] = value.map(lambda v: "–" if pd.isna(v) else f"{v:g}").astype(object)
    out["achieved_suppressed"] = False
    if "kind" in out.columns and (out["kind"] == "case").any():
        cases = out["kind"] == "case"
        # Each row is already one figure (of an indicator, in a zone): it is its own unit. Zones
        # of one indicator add up to its programme figure; different indicators do not.
        rows = out.loc[cases, ["indicator_id", "achieved"]].assign(_row=out.index[cases])
        shielded = case_figures(
            rows,
            level="zone",
            key="_row",
            values="achieved",
            groupby=["indicator_id"],
            parent=False,
            k=k,
        ).set_index("_row")
        for col in ("achieved", "achieved_display", "achieved_suppressed"):
            out.loc[cases, col] = shielded[col].reindex(out.index[cases]).to_numpy()
        out.loc[cases & out["achieved_suppressed"].astype(bool), "achievement"] = np.nan
    out["achieved_suppressed"] = out["achieved_suppressed"].astype(bool)
    return out
