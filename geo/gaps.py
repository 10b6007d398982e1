"""Gaps: units that meet the site-selection criteria but lack coverage or access to a centre.

Input is a unit frame carrying the criteria (:func:`geo.criteria.criteria`), the access figures
(:func:`geo.access.access`) and the coverage (:func:`geo.coverage.coverage`). Each unit gets a
``gap_status`` (``gap``, ``covered`` or ``not_eligible``), its reasons in one line and, for gaps, a
rank: highest criteria score first, then lowest coverage, then farthest from a centre.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError, UnknownNameError
from geo.i18n import t

#: The column :func:`find_gaps` adds: ``gap``, ``covered`` or ``not_eligible`` (maps draw it).
GAP_STATUS_COL = "gap_status"
RULES: tuple[str, ...] = ("any", "coverage", "access", "both")
REQUIRED = ("meets_criteria", "total_score", "coverage", "dist_centre_km")


def find_gaps(
    frame: pd.DataFrame,
    *,
    coverage_threshold: float = settings.COVERAGE_THRESHOLD,
    access_km: float = settings.ACCESS_KM,
    rule: str = "any",
    lang: str = settings.DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """Return ``frame`` with ``gap_status``, ``is_gap``, ``gap_reasons`` and ``gap_rank``.

    Parameters
    ----------
    frame
        Units with ``meets_criteria``, ``total_score``, ``coverage`` and ``dist_centre_km``.
    coverage_threshold
        Share of the unit's target below which coverage is too low (0 to 1). A unit at risk with
        no target counts as uncovered when it has no recorded sensitisation.
    access_km
        A unit with no centre within this distance lacks access.
    rule
        ``any`` (low coverage or no access), ``coverage``, ``access``, or ``both``.
    """
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"units lack column(s) {', '.join(missing)}; run the criteria, access "
            "and coverage analyses first"
        )
    if rule not in RULES:
        raise UnknownNameError("gap rule", rule, RULES)
    try:
        threshold = float(coverage_threshold)
    except (TypeError, ValueError) as exc:
        raise InputError(f"coverage threshold {coverage_threshold!r}; expected 0 to 1") from exc
    if not 0 <= threshold <= 1:
        raise InputError(f"coverage threshold {coverage_threshold!r}; expected 0 to 1")
    if not float(access_km) > 0:
        raise InputError(f"access band {access_km!r} km; expected a positive distance")
    out = frame.copy()
    cov = pd.to_numeric(out["coverage"], errors="coerce")
    people = pd.to_numeric(
        out.get("people_sensitised", pd.Series(0.0, index=out.index)), errors="coerce"
    ).fillna(0.0)
    low = cov.lt(threshold) | (cov.isna() & people.le(0))
    dist = pd.to_numeric(out["dist_centre_km"], errors="coerce")
    far = dist.isna() | dist.gt(float(access_km))
    eligible = out["meets_criteria"].astype(bool)
    hit = {"any": low | far, "coverage": low, "access": far, "both": low & far}[rule]
    gap = eligible & hit
    out["is_gap"] = gap.to_numpy()
    out[GAP_STATUS_COL] = np.where(gap, "gap", np.where(eligible, "covered", "not_eligible"))
    reasons = np.full(len(out), "", dtype=object)
    low_a = np.asarray(low.fillna(False), dtype=bool)
    far_a = np.asarray(far.fillna(False), dtype=bool)
    cov_a = cov.to_numpy(dtype="float64", na_value=np.nan)
    dist_a = dist.to_numpy(dtype="float64", na_value=np.nan)
    centre_a = (
        out["nearest_centre"].to_numpy(dtype=object)
        if "nearest_centre" in out.columns
        else np.full(len(out), "?", dtype=object)
    )
    memo: dict[tuple, str] = {}  # the same reason texts recur: format each once

    def text(key: str, token: object = None, **values: object) -> str:
        if (key, token) not in memo:
            memo[key, token] = t(key, lang, **values)
        return memo[key, token]

    for i in np.flatnonzero(np.asarray(gap, dtype=bool)):
        parts = []
        if low_a[i] and rule != "access":
            if np.isnan(cov_a[i]):
                parts.append(text("analyses.gap.no_target"))
            else:
                pct = f"{cov_a[i]:.0%}"
                parts.append(text("analyses.gap.coverage", pct, coverage=pct, threshold=threshold))
        if far_a[i] and rule != "coverage":
            if np.isnan(dist_a[i]):
                parts.append(text("analyses.gap.no_centre"))
            else:
                token = (str(centre_a[i]), f"{dist_a[i]:.1f}")
                parts.append(
                    text(
                        "analyses.gap.access",
                        token,
                        km=float(access_km),
                        centre=centre_a[i],
                        dist=float(dist_a[i]),
                    )
                )
        reasons[i] = "; ".join(parts)
    out["gap_reasons"] = reasons.tolist()
    order = (
        out.loc[gap]
        .assign(
            _score=pd.to_numeric(out.loc[gap, "total_score"], errors="coerce").fillna(0.0),
            _cov=cov[gap].fillna(0.0),
            _dist=dist[gap].fillna(np.inf),
        )
        .sort_values(["_score", "_cov", "_dist"], ascending=[False, True, False], kind="stable")
    )
    rank = pd.Series(pd.NA, index=out.index, dtype="Int64")
    rank[order.index] = np.arange(1, len(order) + 1)
    out["gap_rank"] = rank
    return out
