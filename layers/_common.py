"""Helpers shared by the layer modules: the store to read and the embedded data folder."""

from __future__ import annotations

import os

from geo import settings
from geo.store import Store

DATA = settings.DATA_DIR


def resolve_store(store: Store | str | os.PathLike[str] | None) -> Store:
    """Return ``store`` as a :class:`Store` (``None`` resolves the default location)."""
    return store if isinstance(store, Store) else Store(store)
