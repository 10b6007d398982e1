"""Disclosure control: the one function every map, table and export of case figures goes through.

Case figures (children identified as victims, cared for, returned, reinserted) are sensitive:

* they are never attached to a point and never shown below the minimum admin level
  (:data:`geo.settings.CASE_MIN_ADMIN_LEVEL`, the commune);
* counts from 1 to ``k - 1`` (``k`` = :data:`geo.settings.SUPPRESSION_K`) are *primary*
  suppressed and shown as ``"<k"`` — never as 0 or blank;
* *secondary* suppression then hides further cells (shown as :data:`SECONDARY_DISPLAY`) so that no
  hidden value can be recomputed from a total: in every group of cells whose sum is known (the cells
  sharing a parent unit, or the parts of a row together with its total column) either no cell or at
  least two cells are hidden.

The hidden numbers are blanked (``NaN``) in the returned frame, so nothing downstream can leak them.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError

#: Text of a cell hidden by secondary suppression (its true value may be large).
SECONDARY_DISPLAY = "x"
#: Text of a cell with no data.
NO_DATA_DISPLAY = "–"

#: Level names understood by :func:`protect`; larger is finer. H3 cells, places and points are
#: finer than any admin unit and therefore below every admin minimum.
LEVELS: dict[str, int] = {
    "country": 0, "pays": 0,
    "region": 1, "région": 1,
    "cercle": 2,
    "zone": 2,
    "commune": 3,
    "unit": 3,
    "place": 4, "village": 4, "site": 4, "h3": 4, "point": 4,
}


def level_number(level: int | str) -> int:
    """Return the numeric admin level of ``level`` (an int, or a name of :data:`LEVELS`)."""
    if isinstance(level, bool):
        raise InputError(f"level {level!r} is not an admin level; expected 0-4 or a level name")
    if isinstance(level, (int, np.integer)):
        return int(level)
    key = str(level).strip().lower()
    if key.startswith("h3"):
        return LEVELS["h3"]
    if key not in LEVELS:
        raise InputError(f"level {level!r} is not known; expected one of: "
                         f"{', '.join(sorted(LEVELS))} or an admin level number")
    return LEVELS[key]


def check_level(level: int | str, *, min_level: int = settings.CASE_MIN_ADMIN_LEVEL) -> int:
    """Refuse case figures below ``min_level``; return the numeric level."""
    number = level_number(level)
    if number > min_level:
        raise InputError(
            f"case figures requested at level {level!r}; they are never shown below admin level "
            f"{min_level} ({settings.ADMIN_LEVELS.get(min_level, {}).get('en', min_level)}): "
            "aggregate to commune level or coarser")
    return number


def protect(
    frame: pd.DataFrame,
    value_cols: str | Sequence[str],
    *,
    k: int = settings.SUPPRESSION_K,
    level: int | str,
    parent_col: str | Sequence[str] | None = None,
    total_col: str | None = None,
    sensitive: bool = True,
    min_level: int = settings.CASE_MIN_ADMIN_LEVEL,
) -> pd.DataFrame:
    """Return ``frame`` with case figures suppressed and display text added.

    Parameters
    ----------
    frame
        One row per unit (and per any other category: period, case type...). Never points.
    value_cols
        The count columns to protect. For each, ``<col>_display`` (text: ``"<5"``, ``"0"``,
        ``"12"``, :data:`SECONDARY_DISPLAY`, or :data:`NO_DATA_DISPLAY`) and ``<col>_suppressed``
        (bool) are added, and hidden values are set to ``NaN``.
    k
        Threshold: counts ``1 .. k-1`` are hidden.
    level
        Admin level of the rows (0 country ... 3 commune, or a name such as ``"cercle"``,
        ``"zone"``, ``"place"``, ``"h3"``). Case figures below ``min_level`` are refused.
    parent_col
        Column(s) grouping cells whose sum is published elsewhere (the parent unit, and any other
        category such as the period). ``None`` treats the whole frame as one group, since a grand
        total is usually shown.
    total_col
        A column of ``value_cols`` that is the sum of the others on each row (e.g. ``total`` of
        ``girls`` and ``boys``); its row forms another group.
    sensitive
        ``False`` for activity figures: only the display text is added, nothing is hidden.
    min_level
        The finest admin level at which case figures may be shown.

    Raises
    ------
    InputError
        For case figures below ``min_level`` or on point geometries, unknown columns, or
        negative or non-numeric counts.
    """
    cols = [value_cols] if isinstance(value_cols, str) else list(value_cols)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError(f"column(s) {', '.join(missing)} not found; columns found: "
                         f"{', '.join(map(str, frame.columns))}")
    if k < 1:
        raise InputError(f"k = {k}; expected a threshold of at least 1")
    if total_col is not None and total_col not in cols:
        raise InputError(f"total column {total_col!r} is not one of the value columns {cols}")
    parents = [] if parent_col is None else (
        [parent_col] if isinstance(parent_col, str) else list(parent_col))
    missing = [c for c in parents if c not in frame.columns]
    if missing:
        raise InputError(f"parent column(s) {', '.join(missing)} not found")
    if sensitive:
        check_level(level, min_level=min_level)
        if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
            kinds = set(frame.geometry.dropna().geom_type)
            if kinds & {"Point", "MultiPoint"}:
                raise InputError("case figures attached to points; they are only ever shown "
                                 "on admin-unit polygons or in tables")

    out = frame.copy()
    values = pd.DataFrame(index=out.index)
    for col in cols:
        numbers = pd.to_numeric(out[col], errors="coerce").astype("float64")
        bad = out[col].notna() & numbers.isna()
        if bad.any():
            raise InputError(f"column {col!r} holds non-numeric values "
                             f"({out.loc[bad, col].iloc[0]!r}); expected counts")
        if (numbers < 0).any():
            raise InputError(f"column {col!r} holds negative values; expected counts >= 0")
        values[col] = numbers.to_numpy()

    primary = values.gt(0) & values.lt(k) if sensitive else values.gt(np.inf)
    hidden = primary.copy()
    if sensitive and primary.to_numpy().any():
        hidden = _secondary(values, hidden, cols, out, parents, total_col)

    for col in cols:
        v = values[col]
        text = v.map(lambda x: NO_DATA_DISPLAY if pd.isna(x) else _fmt(x))
        text = text.where(~hidden[col], SECONDARY_DISPLAY)
        text = text.where(~primary[col], f"<{k}")
        out[col] = v.where(~hidden[col], np.nan)
        out[f"{col}_display"] = text.astype(object)
        out[f"{col}_suppressed"] = hidden[col].astype(bool)
    return out


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _secondary(values: pd.DataFrame, hidden: pd.DataFrame, cols: list[str],
               frame: pd.DataFrame, parents: list[str], total_col: str | None) -> pd.DataFrame:
    """Hide further cells until no group with a known sum has exactly one hidden cell."""
    vals = values.to_numpy(dtype="float64")
    mask = hidden.to_numpy(dtype=bool).copy()
    n_rows, _ = vals.shape
    # Each group is a list of (row position, column position) cells whose sum is known.
    groups: list[np.ndarray] = []
    if parents:
        keys = frame[parents].astype(object).where(frame[parents].notna(), "\x00na")
        codes = keys.groupby(parents, sort=False, dropna=False).ngroup().to_numpy()
    else:
        codes = np.zeros(n_rows, dtype=int)
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        if len(rows) < 2:
            continue
        for j in range(len(cols)):
            groups.append(np.column_stack([rows, np.full(len(rows), j)]))
    if total_col is not None and len(cols) > 1:
        jcols = np.arange(len(cols))
        for i in range(n_rows):
            groups.append(np.column_stack([np.full(len(cols), i), jcols]))

    changed = True
    while changed:
        changed = False
        for cells in groups:
            r, c = cells[:, 0], cells[:, 1]
            if mask[r, c].sum() != 1:
                continue
            candidates = ~mask[r, c] & ~np.isnan(vals[r, c])
            if not candidates.any():
                continue
            cand_vals = vals[r, c]
            # Prefer the smallest non-zero cell: hiding a zero protects less and reads oddly.
            nonzero = candidates & (cand_vals > 0)
            pool = nonzero if nonzero.any() else candidates
            pick = int(np.argmin(np.where(pool, cand_vals, np.inf)))
            mask[r[pick], c[pick]] = True
            changed = True
    return pd.DataFrame(mask, index=values.index, columns=cols)
