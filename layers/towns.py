"""Major towns in and near Mali, a reader's landmarks (Natural Earth 10m populated places, embedded).

Context only: drawn thin and pale under the thematic layers, never in their place.
"""

from __future__ import annotations

import geopandas as gpd

from geo import settings
from geo.i18n import t
from layers import _natural
from layers._schema import Schema

TITLE = {lang: t("layer.towns", lang) for lang in settings.LANGUAGES}
SOURCE = _natural.source("towns")
ATTRIBUTION = _natural.ATTRIBUTION
SCHEMA = Schema(columns={"name": "str", "pop_max": "int", "scalerank": "int"}, geometry_types=("Point",))


def load(store=None) -> gpd.GeoDataFrame:
    """Return the major towns (a copy, safe to modify); embedded, so ``store`` is not read."""
    return _natural.read("towns")[["name", "pop_max", "scalerank", "geometry"]].copy()


def info(store=None, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the layer's source and attribution, in ``lang``."""
    return {"source": SOURCE, "attribution": ATTRIBUTION}
