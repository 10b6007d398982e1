"""Partner centres: sensitive, shown at town level unless the audience is internal.

``data/centres.csv`` holds town-level points only. An exact point exists only where a user entered
one (columns ``exact_lat``/``exact_lon``), and is used only for ``audience="internal"``.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.errors import UnknownNameError
from geo.i18n import t
from geo.vocab import AUDIENCES
from layers._common import DATA
from layers._schema import Schema

TITLE = {"fr": "Centres d'accueil", "en": "Reception centres"}
SCHEMA = Schema(
    columns={
        "centre_id": "str",
        "name": "str",
        "partner": "str",
        "kind": "str",
        "town": "str",
        "precision": "str",
        "sensitive": "bool",
        "zone": "str",
        "services": "str",
    },
    geometry_types=("Point",),
)


def load(store=None, audience: str = "public") -> gpd.GeoDataFrame:
    """Return the centres; exact points only for ``audience="internal"`` and where known."""
    if audience not in AUDIENCES:
        raise UnknownNameError("audience", audience, AUDIENCES)
    frame = pd.read_csv(DATA / "centres.csv", dtype=str, keep_default_na=False).replace({"": None})
    for col in ("lat", "lon", "exact_lat", "exact_lon"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    frame["sensitive"] = frame["sensitive"].fillna("true").str.lower().eq("true")
    lat, lon = frame["lat"].copy(), frame["lon"].copy()
    if audience == "internal":
        exact = frame["exact_lat"].notna() & frame["exact_lon"].notna()
        lat[exact], lon[exact] = frame.loc[exact, "exact_lat"], frame.loc[exact, "exact_lon"]
        frame.loc[exact, "precision"] = "exact"
    frame = frame.drop(columns=["exact_lat", "exact_lon", "lat", "lon"])
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=settings.CRS)


def info(store=None, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the layer's source and attribution, in ``lang``."""
    return {
        "source": t("layer.centres.source", lang),
        "attribution": t("layer.centres.attribution", lang),
    }
