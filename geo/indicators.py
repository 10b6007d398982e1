"""Programme indicators: what the records achieved against the logframe targets.

A target row (``data/indicators.csv``) says which records count (``activity_type``, ``kind``) and
what to sum (``measure``: people, children, girls, sessions). Achievement is ``achieved / target``,
or ``(achieved - baseline) / (target - baseline)`` when a baseline is given, with a traffic light:
green at or above :data:`geo.settings.INDICATOR_GREEN_MIN`, amber at or above
:data:`geo.settings.INDICATOR_AMBER_MIN`, red below, ``no_data`` when nothing was recorded.
Case indicators pass through :func:`geo.disclosure.case_figures`: a hidden count hides its ratio
too.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from geo import settings
from geo.disclosure import case_figures
from geo.errors import InputError

STATUSES: tuple[str, ...] = ("green", "amber", "red", "no_data")
MEASURES: dict[str, tuple[str, ...]] = {
    "people": ("total",),
    "children": ("children", "girls", "boys"),
    "girls": ("girls",),
    "boys": ("boys",),
    "sessions": ("sessions",),
}
TARGET_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "programme_id",
    "kind",
    "activity_type",
    "measure",
    "target",
)


def read_programmes(path: str | Path = settings.DATA_DIR / "programmes.csv") -> pd.DataFrame:
    """Return the programmes (``programme_id``, names, zones, partners, start, end) as text."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_targets(path: str | Path) -> pd.DataFrame:
    """Read the targets table (``data/indicators.csv`` format) with numeric targets and dates."""
    path = Path(path)
    frame = _read_table(path)
    missing = [c for c in TARGET_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", source=path.name)
    frame["target"] = pd.to_numeric(frame["target"], errors="coerce")
    frame["baseline"] = pd.to_numeric(frame.get("baseline", ""), errors="coerce")
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame.get(col, ""), errors="coerce")
    bad = sorted(set(frame["measure"]) - set(MEASURES))
    if bad:
        raise InputError(
            f"unknown measure(s) {', '.join(bad)}; expected one of: {', '.join(MEASURES)}",
            source=path.name,
        )
    return frame


def _read_table(path: Path) -> pd.DataFrame:
    """Read the CSV as text, refusing a row whose cell count differs from the header's."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise InputError("is empty; expected the targets table", source=path.name)
    header, width = rows[0], len(rows[0])
    fixed = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            raise InputError(
                f"line {n} has {len(row)} cells; expected {width} (quote cells that contain commas)",
                source=path.name,
            )
        fixed.append(row)
    return pd.DataFrame(fixed, columns=header, dtype=object)


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
    programme_zones: dict[str, list[str]] | None = None,
    k: int = settings.SUPPRESSION_K,
) -> pd.DataFrame:
    """Return targets with ``achieved``, ``achievement`` and a traffic-light ``status``.

    Parameters
    ----------
    targets
        Target rows (``indicator_id``, ``programme_id``, ``kind``, ``target``, optional
        ``baseline``).
    achieved
        ``indicator_id`` and ``achieved``, optionally per ``zone_id``. Per zone, a programme-wide
        target is split equally between the programme's zones (``programme_zones``, else the zones
        present); ``target_basis`` says so.
    programme_zones
        Programme id -> its zone ids.
    k
        Suppression threshold of the case figures (counts ``1 .. k-1`` are hidden).

    Returns
    -------
    pandas.DataFrame
        One row per target (and zone): ``target``, ``achieved``, ``achievement`` (ratio),
        ``status`` and, for case indicators, ``achieved_display``/``achieved_suppressed`` from
        disclosure control (a hidden count also hides its ratio).
    """
    missing = [c for c in ("indicator_id", "target") if c not in targets.columns]
    missing += [c for c in ("indicator_id", "achieved") if c not in achieved.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}")
    per_zone = "zone_id" in achieved.columns
    out = targets.merge(achieved, on="indicator_id", how="left")
    out["target"] = pd.to_numeric(out["target"], errors="coerce")
    out["target_basis"] = "programme"
    if per_zone:
        zones_of = dict(programme_zones or {})
        for prog, zones in out.groupby("programme_id")["zone_id"]:
            zones_of.setdefault(prog, sorted({z for z in zones if isinstance(z, str)}))
        n = out["programme_id"].map(lambda p: max(len(zones_of.get(p, [])), 1))
        out["target"] = out["target"] / n
        out["target_basis"] = np.where(
            n > 1, "programme target split equally across " + n.astype(str) + " zones", "programme"
        )
    baseline = (
        pd.to_numeric(out["baseline"], errors="coerce")
        if "baseline" in out.columns
        else pd.Series(np.nan, index=out.index)
    )
    value = pd.to_numeric(out["achieved"], errors="coerce")
    has_base = baseline.notna()
    denominator = (out["target"] - baseline.fillna(0)).where(has_base, out["target"])
    numerator = (value - baseline.fillna(0)).where(has_base, value)
    ratio = numerator / denominator.where(denominator != 0)
    out["achievement"] = ratio
    out["status"] = status_of(ratio)
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
