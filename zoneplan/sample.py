"""Load the fictitious sample records (``data/sample/``) and tell whether a store holds them.

The sample exists so that the app, the analyses and the exports can be tried without partners'
data. A store holding it is flagged in its metadata (``sample = true``) and its records are
known by their source (the import id, a hash of the sample's file they were read from): every
output built on them says the data are fictitious (:func:`fictitious_counts`), and
:func:`remove_sample` takes exactly them out again.
"""

from __future__ import annotations

import os

import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.i18n import t
from geo.store import Store
from geo.vocab import Tables
from zoneplan.records import file_hash, import_file, place_matcher, record_sources

SAMPLE_META_KEY = "sample"
#: Metadata key of the import ids of the sample's records (comma-separated).
SAMPLE_IMPORTS_KEY = "sample.import_ids"
#: The tables that hold records, by record kind.
RECORD_TABLES: dict[str, str] = {"activities": Tables.ACTIVITIES, "cases": Tables.CASES}
SAMPLE_FILES: dict[str, str] = {"activities": "activites_fictives.csv", "cases": "cas_fictifs.csv"}


def is_sample(store: Store | None = None) -> bool:
    """Return whether the store holds the fictitious sample (every view must then say so)."""
    return Store.of(store).meta().get(SAMPLE_META_KEY, "false").lower() == "true"


def _sample_mask(sources: pd.DataFrame, import_ids: set[str]) -> pd.Series:
    """Return which records come from the sample (by the import id of their source file)."""
    return sources["import_id"].isin(import_ids)


def _import_ids(store: Store) -> set[str]:
    """Return the sample's import ids: its files' hashes and those recorded when it was loaded."""
    ids = {file_hash(settings.SAMPLE_DIR / name) for name in SAMPLE_FILES.values()}
    return ids | {x for x in store.meta().get(SAMPLE_IMPORTS_KEY, "").split(",") if x}


def record_counts(store: Store | None = None) -> dict[str, dict[str, int]]:
    """Return ``{kind: {"sample": n, "real": n}}`` for activities and cases."""
    store = Store.of(store)
    if not store.exists():
        return {kind: {"sample": 0, "real": 0} for kind in RECORD_TABLES}
    ids = _import_ids(store)
    out = {}
    for kind, table in RECORD_TABLES.items():
        mask = _sample_mask(record_sources(store, table), ids)
        out[kind] = {"sample": int(mask.sum()), "real": int((~mask).sum())}
    return out


def fictitious_counts(store: Store | None = None) -> dict[str, int]:
    """Return how many of the store's activities and cases are the sample's (fictitious) records."""
    return {kind: n["sample"] for kind, n in record_counts(store).items()}


def output_mark(store: Store | str | os.PathLike[str] | None, lang: str) -> str | None:
    """Return the fictitious-data mark an output of ``store`` must carry, or ``None``."""
    store = Store.of(store)
    if not store.exists() or not any(fictitious_counts(store).values()):
        return None
    return t("export.mark.fictitious", lang)


def load_sample(
    store: Store | str | os.PathLike[str] | None = None, *, force: bool = False
) -> dict[str, dict]:
    """Import the fictitious sample (``data/sample/``) into ``store`` and flag it as such.

    Returns the summary of each import. The store's metadata gets ``sample = true`` and the
    sample's import ids: every output built on its records says they are fictitious.

    Raises
    ------
    InputError
        If the store already holds real records and ``force`` is not given: the sample would mix
        invented figures with them.
    """
    store = Store.of(store)
    real = sum(n["real"] for n in record_counts(store).values())
    if real and not force:
        raise InputError(
            f"the project already holds {real} real record(s); loading the fictitious sample would "
            "mix invented figures with them (use --force to load it anyway)",
            source=str(store.path),
        )
    matcher = place_matcher(store)
    summaries = {}
    for kind, name in SAMPLE_FILES.items():
        report = import_file(settings.SAMPLE_DIR / name, kind=kind, store=store, matcher=matcher)
        summaries[kind] = report.summary
    ids = _import_ids(store) | {s["import_id"] for s in summaries.values() if s.get("import_id")}
    with store.transaction() as tx:
        tx.set_meta(
            {
                SAMPLE_META_KEY: "true",
                "sample.note": "données fictives / fictitious sample data",
                SAMPLE_IMPORTS_KEY: ",".join(sorted(ids)),
            }
        )
    return summaries


def remove_sample(store: Store | str | os.PathLike[str] | None = None) -> dict[str, int]:
    """Remove exactly the sample's activities and cases in one transaction; return the counts.

    Real records stay as they are; the store's ``sample`` flag is cleared. A store without the
    sample is left untouched (every count 0).
    """
    store = Store.of(store)
    counts = fictitious_counts(store)
    if not store.exists() or (not any(counts.values()) and not is_sample(store)):
        return counts
    ids = _import_ids(store)
    with store.transaction() as tx:
        for table in RECORD_TABLES.values():
            frame = tx.read(table)
            if frame is None:
                continue
            mask = _sample_mask(frame[["import_id"]].astype(str), ids)
            if mask.any():
                tx.write(table, frame[~mask.to_numpy()])
        tx.set_meta({SAMPLE_META_KEY: "false", "sample.note": "", SAMPLE_IMPORTS_KEY: ""})
    return counts
