"""What the context layers share: Natural Earth 10m rivers, lakes and towns (``data/context/``).

Rebuilt from the originals by ``scripts/build_context.py`` (see ``data/README.md``, "Context layers").
"""

from __future__ import annotations

import functools

import geopandas as gpd

from geo import settings
from layers._common import DATA

CONTEXT = DATA / "context"
ATTRIBUTION = "Made with Natural Earth."


def source(name: str) -> str:
    """Return the source line of the embedded context file ``name`` (rivers, lakes or towns)."""
    return f"Natural Earth 10m v5.1.1 (data/context/{name}.geojson)"


@functools.cache
def read(name: str) -> gpd.GeoDataFrame:
    """Return the embedded context file ``name`` in the project's CRS (cached; callers copy)."""
    return gpd.read_file(CONTEXT / f"{name}.geojson").to_crs(settings.CRS)
