"""Gaps: places or units that meet the site-selection criteria but lack sensitisation or care.

Two questions, asked of the same frame (places, or planning units):

- a *sensitisation gap* meets the criteria and had no or too little sensitisation: its coverage
  (people reached against its own denominator) is under the threshold, or, without a denominator,
  nothing was recorded there (an OCHA 3W presence answer);
- a *care-access gap* meets the criteria and lies farther than the access distance from every
  centre, measured from the place itself.

Input carries the criteria (:func:`geo.criteria.criteria`), the access figures
(:func:`geo.access.access`), ``people_sensitised`` and ``coverage``. Each row gets ``gap_kinds``
(a list drawn from :data:`GAP_KINDS`), ``gap_status`` (``gap``, ``covered`` or ``not_eligible``), its
reasons in one line, a ``priority`` (higher first: more criteria met, higher criteria score, both
kinds of gap, farther from care) and, for gaps, its rank by that priority.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError, UnknownNameError
from geo.i18n import number, t

#: The column :func:`find_gaps` adds: ``gap``, ``covered`` or ``not_eligible`` (maps draw it).
GAP_STATUS_COL = "gap_status"
RULES: tuple[str, ...] = ("any", "coverage", "access", "both")
#: The two gap questions.
GAP_KINDS: tuple[str, ...] = ("sensitisation", "access")
REQUIRED = ("meets_criteria", "total_score", "coverage", "dist_centre_km")


def find_gaps(
    frame: pd.DataFrame,
    *,
    coverage_threshold: float = settings.COVERAGE_THRESHOLD,
    access_km: float = settings.ACCESS_KM,
    rule: str = "any",
    lang: str = settings.DEFAULT_LANGUAGE,
    centre_col: str = "nearest_centre",
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
    centre_col
        The column naming the nearest centre in the reasons (a centre's town for outside
        audiences: "le plus proche : Bamako, 94.2 km").
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
    sens = (eligible & low & gap).to_numpy(dtype=bool) if rule != "access" else np.zeros(len(out), bool)
    acc = (eligible & far & gap).to_numpy(dtype=bool) if rule != "coverage" else np.zeros(len(out), bool)
    out["gap_kinds"] = [
        [k for k, on in zip(GAP_KINDS, pair, strict=True) if on] for pair in zip(sens, acc, strict=True)
    ]
    out["is_gap"] = gap.to_numpy()
    out[GAP_STATUS_COL] = np.where(gap, "gap", np.where(eligible, "covered", "not_eligible"))
    reasons = np.full(len(out), "", dtype=object)
    low_a = np.asarray(low.fillna(False), dtype=bool)
    far_a = np.asarray(far.fillna(False), dtype=bool)
    cov_a = cov.to_numpy(dtype="float64", na_value=np.nan)
    dist_a = dist.to_numpy(dtype="float64", na_value=np.nan)
    centre_a = (
        out[centre_col].to_numpy(dtype=object)
        if centre_col in out.columns
        else np.full(len(out), "?", dtype=object)
    )
    memo: dict[tuple, str] = {}  # the same reason texts recur: format each once
    sep = t("list.sep", lang)

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
                pct = number(cov_a[i] * 100, lang) + t("analyses.percent", lang)
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
        reasons[i] = sep.join(parts)
    out["gap_reasons"] = reasons.tolist()
    out["priority"] = priority(out, sens | acc, both=sens & acc, dist=dist, access_km=float(access_km))
    order = out.loc[gap].assign(_cov=cov[gap].fillna(0.0), _dist=dist[gap].fillna(np.inf))
    order = order.sort_values(
        ["priority", "_cov", "_dist"], ascending=[False, True, False], kind="stable"
    )
    rank = pd.Series(pd.NA, index=out.index, dtype="Int64")
    rank[order.index] = np.arange(1, len(order) + 1)
    out["gap_rank"] = rank
    return out


def priority(
    frame: pd.DataFrame,
    gap: np.ndarray,
    *,
    both: np.ndarray,
    dist: pd.Series,
    access_km: float = settings.ACCESS_KM,
) -> np.ndarray:
    """Return each row's priority (higher first); rows that are not gaps get 0.

    Criteria met count first (a village meeting two criteria outranks one meeting one), then the
    weighted criteria score (continuous: nearer the border or a gold site scores higher), then
    having both kinds of gap, then how far care is beyond the access distance, then the child
    population where known. The terms are scaled so that each only breaks ties of the one before.
    """
    n_met = pd.to_numeric(frame.get("n_criteria", pd.Series(0, index=frame.index)), errors="coerce")
    score = pd.to_numeric(frame["total_score"], errors="coerce").fillna(0.0).to_numpy()
    beyond = np.clip((dist.fillna(access_km).to_numpy() - access_km) / max(access_km, 1.0), 0, 4)
    children = pd.to_numeric(
        frame.get("children", pd.Series(np.nan, index=frame.index)), errors="coerce"
    )
    pop = np.log10(1.0 + children.fillna(0.0).to_numpy()) / 10.0
    value = (
        n_met.fillna(0.0).to_numpy() * 10.0
        + score * 5.0
        + np.asarray(both, dtype=float) * 0.5
        + beyond * 0.05
        + pop * 0.01
    )
    return np.where(np.asarray(gap, dtype=bool), np.round(value, 4), 0.0)
