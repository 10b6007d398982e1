"""Report programme progress from the imported records: protected case tables and indicators.

Case figures pass through disclosure control (:mod:`geo.disclosure`) with the threshold ``k``
given by the caller; an indicator computed from a hidden count is hidden too.
"""

from __future__ import annotations

import pandas as pd

from geo import settings
from geo.store import Store
from zoneplan.records import load_records, programmes
from zoneplan.sample import is_sample


def case_table(
    store: Store | None = None,
    *,
    by: str = "commune",
    period: str | None = None,
    case_type: str | None = None,
    programme_id: str | None = None,
    k: int = settings.SUPPRESSION_K,
) -> pd.DataFrame:
    """Return case counts (girls, boys, total) per unit and case type, disclosure-controlled.

    ``by`` is the commune or a coarser unit; ``period`` (month, quarter, year) adds a period
    key; counts ``1 .. k-1`` are hidden (see :func:`geo.disclosure.case_figures`). Hidden counts
    are blank; ``*_display`` says "<k" or "x".
    """
    from geo.disclosure import case_figures

    cases = load_records("cases", store)
    if case_type:
        cases = cases[cases["case_type"] == case_type]
    if programme_id:
        cases = cases[cases["programme_id"] == programme_id]
    return case_figures(cases, level=by, period=period, groupby=["case_type"], k=k)


def indicators(
    store: Store | None = None, *, per_zone: bool = False, k: int = settings.SUPPRESSION_K
) -> pd.DataFrame:
    """Return each programme indicator with achieved, achievement and traffic-light status.

    Case indicators are disclosure-controlled with threshold ``k`` (a hidden count hides its
    ratio too).
    """
    from geo.indicators import achieved, achievement, read_targets

    store = Store.of(store)
    targets = read_targets(settings.DATA_DIR / "indicators.csv")
    by = ["zone_id"] if per_zone else []
    parts = []
    for kind, table in (("activity", "activities"), ("case", "cases")):
        recs = load_records(table, store)
        parts.append(achieved(pd.DataFrame(recs), targets[targets["kind"] == kind], by=by))
    progs = programmes()
    zones = {r.programme_id: [z.strip() for z in r.zones.split(";")] for r in progs.itertuples()}
    out = achievement(targets, pd.concat(parts, ignore_index=True), programme_zones=zones, k=k)
    out["sample"] = is_sample(store)
    return out
