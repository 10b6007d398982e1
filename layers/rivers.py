"""Rivers in and near Mali: the Niger, the Bani, the Sénégal, tributaries (Natural Earth 10m, embedded).

Context only: drawn thin and pale under the thematic layers, never in their place.
"""

from __future__ import annotations

import geopandas as gpd

from geo import settings
from geo.i18n import t
from layers import _natural
from layers._schema import Schema

TITLE = {lang: t("layer.rivers", lang) for lang in settings.LANGUAGES}
SOURCE = _natural.source("rivers")
ATTRIBUTION = _natural.ATTRIBUTION
SCHEMA = Schema(
    columns={"name": "str", "name_en": "str", "scalerank": "int"},
    geometry_types=("LineString", "MultiLineString"),
)


def load(store=None) -> gpd.GeoDataFrame:
    """Return the rivers (a copy, safe to modify); embedded, so ``store`` is not read."""
    return _natural.read("rivers")[["name", "name_en", "scalerank", "geometry"]].copy()


def info(store=None, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the layer's source and attribution, in ``lang``."""
    return {"source": SOURCE, "attribution": ATTRIBUTION}
