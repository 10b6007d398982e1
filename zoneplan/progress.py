"""Report programme progress from the imported records: protected case tables and indicators.

Case figures pass through disclosure control (:mod:`geo.disclosure`) with the threshold ``k``
given by the caller; an indicator computed from a hidden count is hidden too. Targets are the
embedded ``data/indicators.csv`` plus, optionally, a user's file of local targets (zone, commune,
place; see :func:`load_targets`), whose units are checked against the project's zones and places.
"""

from __future__ import annotations

import os

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


def load_targets(
    store: Store | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    lang: str = settings.DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """Return every target: the embedded ones, plus the local targets of the file ``path``.

    A local row (``indicator_id, scope, scope_id, target``) replaces an embedded row of the same
    indicator and unit. Units (zone keys, communes, places) must be known to the project.

    Raises
    ------
    InputError
        One line naming the file and the row: unknown scope, indicator or unit, negative or
        non-numeric target, missing column.
    """
    from geo.indicators import merge_targets, read_local_targets, read_targets

    embedded = settings.DATA_DIR / "indicators.csv"
    targets = read_targets(embedded, lang=lang)
    units = None
    if (targets["scope"] != "programme").any():
        units = known_units(store)
        targets = read_targets(embedded, units=units, lang=lang)
    if path is not None:
        units = units or known_units(store)
        targets = merge_targets(targets, read_local_targets(path, targets, units=units, lang=lang))
    return targets


def known_units(store: Store | None = None) -> dict[str, dict[str, str]]:
    """Return the programmes, zones, communes and places a target may name."""
    import layers
    from geo import indicators as gind

    store = Store.of(store)
    places = layers.module("places").load_all(store)
    admin = layers.load("admin", store=store)
    communes = [
        *places["admin3"].dropna(),
        *places.loc[places["kind"] == "commune", "name"],
        *admin.loc[admin["level"] == 3, "name"],
    ]
    return gind.known_units(
        programmes=list(programmes()["programme_id"]),
        zones=list(layers.load("zones", store=store)["zone_id"]),
        communes=communes,
        places=places,
    )


def indicators(
    store: Store | None = None,
    *,
    per_zone: bool = False,
    targets: str | os.PathLike[str] | None = None,
    k: int = settings.SUPPRESSION_K,
) -> pd.DataFrame:
    """Return each programme indicator with achieved, achievement and traffic-light status.

    Programme figures are compared with programme targets. ``per_zone`` gives one row per zone,
    compared with a target of that zone (from the embedded table or the local ``targets`` file)
    and without a traffic light where the zone has none (see
    :func:`geo.indicators.achievement`). Case indicators are disclosure-controlled with threshold
    ``k`` (a hidden count hides its ratio too).
    """
    from geo.indicators import achieved, achievement

    store = Store.of(store)
    table = load_targets(store, path=targets)
    own = table[table["scope"] == "programme"]
    by = ["zone_id"] if per_zone else []
    parts = []
    for kind, name in (("activity", "activities"), ("case", "cases")):
        recs = load_records(name, store)
        parts.append(achieved(pd.DataFrame(recs), own[own["kind"] == kind], by=by))
    out = achievement(table, pd.concat(parts, ignore_index=True), k=k)
    out["sample"] = is_sample(store)
    return out
