"""Disclosure control: the one route every map, table and export of case figures goes through.

:func:`case_figures` sums case records to the commune or a coarser unit and protects them with
:func:`protect`; the threshold ``k`` it applies is passed on to every legend and footer that states
it (:class:`geo.mapview.Disclosure`), never read again from the settings.

Case figures (children identified as victims, cared for, returned, reinserted) are sensitive:

* they are never attached to a point and never shown below the minimum admin level
  (:data:`geo.settings.CASE_MIN_ADMIN_LEVEL`, the commune);
* counts from 1 to ``k - 1`` (``k`` defaults to :data:`geo.settings.SUPPRESSION_K`) are *primary*
  suppressed and shown as ``"<k"`` — never as 0 or blank;
* *secondary* suppression then hides further cells (shown as :data:`SECONDARY_DISPLAY`) so that no
  hidden value can be recomputed from a total: in every group of cells whose sum is known (the cells
  sharing a parent unit, or the parts of a row together with its total column) either no cell or at
  least two cells are hidden.

The hidden numbers are blanked (``NaN``) in the returned frame, so nothing downstream can leak them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.vocab import ADMIN_BY_KEY, ADMIN_BY_LEVEL, LEVEL_ALIASES, admin_level

#: Text of a cell hidden by secondary suppression (its true value may be large).
SECONDARY_DISPLAY = "x"
#: Text of a cell with no data.
NO_DATA_DISPLAY = "–"
#: The counts of case records that tables show: girls, boys and their total.
CASE_VALUES: tuple[str, ...] = ("girls", "boys", "total")
#: The value column that is the sum of the others on a row (its row is a group of its own).
TOTAL_COL = "total"

#: The level of anything finer than every admin unit (H3 cells, places, points): below every
#: admin minimum.
FINER_THAN_ADMIN: int = max(ADMIN_BY_LEVEL) + 1
#: Level names understood by :func:`protect`; larger is finer: the admin frame's names
#: (:data:`geo.vocab.LEVEL_ALIASES`), a zone (counted with the cercles it spans), a planning unit
#: (a commune at finest), and the names of what is finer than any admin unit.
LEVELS: dict[str, int] = {
    **LEVEL_ALIASES,
    "zone": ADMIN_BY_KEY["cercle"].level,
    "unit": ADMIN_BY_KEY["commune"].level,
    **dict.fromkeys(("place", "village", "site", "h3", "point"), FINER_THAN_ADMIN),
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
        raise InputError(
            f"level {level!r} is not known; expected one of: "
            f"{', '.join(sorted(LEVELS))} or an admin level number"
        )
    return LEVELS[key]


def check_level(level: int | str, *, min_level: int = settings.CASE_MIN_ADMIN_LEVEL) -> int:
    """Refuse case figures below ``min_level``; return the numeric level."""
    number = level_number(level)
    if number > min_level:
        raise InputError(
            f"case figures requested at level {level!r}; they are never shown below admin level "
            f"{min_level} ({ADMIN_BY_LEVEL[min_level].label_en}): "
            "aggregate to commune level or coarser"
        )
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
        raise InputError(
            f"column(s) {', '.join(missing)} not found; columns found: "
            f"{', '.join(map(str, frame.columns))}"
        )
    if k < 1:
        raise InputError(f"k = {k}; expected a threshold of at least 1")
    if total_col is not None and total_col not in cols:
        raise InputError(f"total column {total_col!r} is not one of the value columns {cols}")
    parents = (
        [] if parent_col is None else ([parent_col] if isinstance(parent_col, str) else list(parent_col))
    )
    missing = [c for c in parents if c not in frame.columns]
    if missing:
        raise InputError(f"parent column(s) {', '.join(missing)} not found")
    if sensitive:
        check_level(level, min_level=min_level)
        if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
            kinds = set(frame.geometry.dropna().geom_type)
            if kinds & {"Point", "MultiPoint"}:
                raise InputError(
                    "case figures attached to points; they are only ever shown "
                    "on admin-unit polygons or in tables"
                )

    out = frame.copy()
    values = pd.DataFrame(index=out.index)
    for col in cols:
        numbers = pd.to_numeric(out[col], errors="coerce").astype("float64")
        bad = out[col].notna() & numbers.isna()
        if bad.any():
            raise InputError(
                f"column {col!r} holds non-numeric values "
                f"({out.loc[bad, col].iloc[0]!r}); expected counts"
            )
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


def case_figures(
    cases: pd.DataFrame,
    *,
    level: int | str,
    values: str | Sequence[str] = CASE_VALUES,
    units: Iterable[object] | None = None,
    groupby: Sequence[str] = (),
    period: str | None = None,
    k: int = settings.SUPPRESSION_K,
    key: str | None = None,
    parent: bool | pd.Series | Mapping[object, object] = True,
    fill: float = 0.0,
    min_level: int = settings.CASE_MIN_ADMIN_LEVEL,
) -> pd.DataFrame:
    """Return case records summed to ``level`` and passed through :func:`protect`.

    The one route from case records to the figures a map, table or export shows.

    Parameters
    ----------
    cases
        Case records (the store's ``cases`` table, or rows with the same columns). Never points.
    level
        ``"commune"``, ``"cercle"``, ``"region"`` (or their numbers 3, 2, 1), or ``"zone"``.
        Finer levels (places, H3 cells) are refused.
    values
        The count columns to sum and protect. With ``total`` among several, each row's parts and
        its total form a group of their own for secondary suppression.
    units
        The units to report, in this order: a unit without records gets ``fill``; records of
        other units are left out. Default: the units found in the records.
    groupby
        Further keys, e.g. ``("case_type",)``; their cells are summed separately.
    period
        ``"month"``, ``"quarter"`` or ``"year"``: adds a ``period`` key (see
        :func:`geo.aggregate.aggregate`).
    k
        Threshold: counts ``1 .. k-1`` are shown ``"<k"``.
    key
        The column naming each record's unit; default the id column of ``level``
        (``commune_id``...).
    parent
        What groups the cells whose sum is published elsewhere (beside the ``groupby`` and
        ``period`` keys). ``True``: each unit's parent (``cercle_id`` of a commune,
        ``region_id`` of a cercle) as the records give it; a Series or mapping: unit -> parent
        id (e.g. from installed boundaries); ``False``: none, the units shown form one group.
    fill
        The value of a unit of ``units`` without a count (``0``; ``NaN`` to show no data).
    min_level
        The finest admin level at which case figures may be shown.

    Returns
    -------
    pandas.DataFrame
        One row per unit (and ``groupby``/``period`` key): the unit column (``key``), the keys,
        ``name`` (where the records name the unit), the parent column, the protected
        ``values`` with their ``*_display`` and ``*_suppressed`` columns, and ``level``.

    Raises
    ------
    InputError
        For a level below ``min_level`` or unknown, or missing columns.
    """
    from geo.aggregate import BY_COLUMNS, aggregate

    check_level(level, min_level=min_level)
    cols = [values] if isinstance(values, str) else list(values)
    groupby = list(groupby)
    name = str(level).strip().lower()
    parent_col = name_col = None
    if not isinstance(level, (int, np.integer)) and name in BY_COLUMNS and name not in ADMIN_BY_KEY:
        by, id_col = name, BY_COLUMNS[name]  # a zone: no parent, no name in the records
    else:
        try:
            adm = admin_level(level)
        except KeyError:
            raise InputError(
                f"level {level!r} is not known; expected one of: {', '.join(ADMIN_BY_KEY)}, zone"
            ) from None
        by, id_col, name_col = adm.key, adm.id_col, adm.name_col
        if adm.level > 0:
            parent_col = ADMIN_BY_LEVEL[adm.level - 1].id_col
    key = key or id_col
    frame = pd.DataFrame(cases)
    needed = [key, *groupby, *cols] + (["date"] if period else [])
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise InputError(
            f"case records lack column(s) {', '.join(missing)} for figures by "
            f"{by}; columns found: {', '.join(map(str, frame.columns))}"
        )

    work = frame[list(dict.fromkeys(needed[1:]))].copy()
    work["unit_id"] = frame[key].to_numpy()
    table = aggregate(work, by="unit", period=period, groupby=groupby, values=cols)
    table = table.drop(columns=["records", "level"]).rename(columns={"unit_id": key})
    keys = (["period"] if period else []) + groupby
    if units is not None:
        table = _onto_units(table, key, keys, cols, units, fill)

    first = frame.drop_duplicates(key).set_index(key) if key == id_col else None
    if first is not None and name_col in frame.columns:
        table["name"] = table[key].map(first[name_col])
    parents: list[str] = []
    if isinstance(parent, (pd.Series, Mapping)):
        parent_col = parent_col or "parent_id"
        table[parent_col] = table[key].map(pd.Series(parent) if isinstance(parent, Mapping) else parent)
        parents = [parent_col]
    elif parent is True and first is not None and parent_col in frame.columns:
        table[parent_col] = table[key].map(first[parent_col])
        parents = [parent_col]
    table["level"] = by
    total = TOTAL_COL if TOTAL_COL in cols and len(cols) > 1 else None
    return protect(
        table,
        cols,
        k=k,
        level=level,
        parent_col=[*parents, *keys] or None,
        total_col=total,
        min_level=min_level,
    )


def _onto_units(
    table: pd.DataFrame, key: str, keys: list[str], cols: list[str], units: Iterable[object], fill: float
) -> pd.DataFrame:
    """Return ``table`` with one row per unit of ``units`` (and key found); blanks get ``fill``."""
    ids = pd.Series(list(dict.fromkeys(str(u) for u in units)), name=key)
    grid = ids.to_frame()
    if keys:
        grid = grid.merge(table[keys].drop_duplicates(), how="cross")
    found = table.assign(**{key: table[key].map(lambda v: None if v is None else str(v))})
    out = grid.merge(found, on=[key, *keys], how="left")
    out[cols] = out[cols].fillna(fill)
    return out


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _secondary(
    values: pd.DataFrame,
    hidden: pd.DataFrame,
    cols: list[str],
    frame: pd.DataFrame,
    parents: list[str],
    total_col: str | None,
) -> pd.DataFrame:
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
