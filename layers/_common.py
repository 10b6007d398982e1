"""What the layer modules share: the embedded data folder (a store is resolved by ``Store.of``)."""

from __future__ import annotations

from geo import settings

DATA = settings.DATA_DIR
