"""Load the fictitious sample records (``data/sample/``) and tell whether a store holds them.

The sample exists so that the app, the analyses and the exports can be tried without partners'
data. A store holding it is flagged in its metadata (``sample = true``): every view built on it
must say the data are fictitious (:func:`is_sample`).
"""

from __future__ import annotations

import os

from geo import settings
from geo.store import Store
from zoneplan.records import import_file, place_matcher

SAMPLE_META_KEY = "sample"
SAMPLE_FILES: dict[str, str] = {"activities": "activites_fictives.csv", "cases": "cas_fictifs.csv"}


def is_sample(store: Store | None = None) -> bool:
    """Return whether the store holds the fictitious sample (every view must then say so)."""
    return Store.of(store).meta().get(SAMPLE_META_KEY, "false").lower() == "true"


def load_sample(store: Store | str | os.PathLike[str] | None = None) -> dict[str, dict]:
    """Import the fictitious sample (``data/sample/``) into ``store`` and flag it as such.

    Returns the summary of each import. The store's metadata gets ``sample = true``: every view
    built on it must say the data are fictitious (:func:`is_sample`).
    """
    store = Store.of(store)
    matcher = place_matcher(store)
    summaries = {}
    for kind, name in SAMPLE_FILES.items():
        report = import_file(settings.SAMPLE_DIR / name, kind=kind, store=store, matcher=matcher)
        summaries[kind] = report.summary
    with store.transaction() as tx:
        tx.set_meta(
            {SAMPLE_META_KEY: "true", "sample.note": "données fictives / fictitious sample data"}
        )
    return summaries
