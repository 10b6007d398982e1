"""The gazetteer of villages and localities: the user's where installed, else the embedded one.

``zoneplan data add-places`` installs a user's gazetteer into the project store, with its source and
attribution in the store's metadata. Until then the gazetteer is the embedded one,
``data/reference/localities.csv``: 14,903 Who's On First localities (mostly GeoNames villages), read
like a user's file (:func:`geo.gazetteer.read_gazetteer`) with each locality's missing région or
cercle taken from the admin units. Import matching uses it after the programme's own places (see
:mod:`geo.matcher`), and every locality is a candidate place for the analyses.
"""

from __future__ import annotations

import functools

import geopandas as gpd

from geo import settings
from geo.gazetteer import ATTRIBUTIONS, GAZETTEER_COLUMNS, fill_admin, read_gazetteer
from geo.i18n import number, t
from geo.store import Store
from geo.vocab import Tables
from layers import admin
from layers._common import REFERENCE, credit, file_version
from layers._schema import Schema

TITLE = {"fr": "Répertoire des localités", "en": "Gazetteer"}
TABLE = Tables.GAZETTEER
#: The embedded default gazetteer (Who's On First localities, see ``data/README.md``).
EMBEDDED = REFERENCE / "localities.csv"
EMBEDDED_ATTRIBUTION: str = ATTRIBUTIONS["wof"]
#: Where the gazetteer in use comes from (see :func:`origin`).
ORIGINS: tuple[str, ...] = ("installed", "embedded")
SCHEMA = Schema(columns={c: "str" for c in GAZETTEER_COLUMNS}, geometry_types=("Point",))


def load(store=None) -> gpd.GeoDataFrame:
    """Return the gazetteer's points: the installed one, else the embedded localities."""
    store = Store.of(store)
    frame = store.read(TABLE)
    if frame is None or not isinstance(frame, gpd.GeoDataFrame):
        return _embedded(store).copy()
    frame = frame.copy()
    for col in GAZETTEER_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
        frame[col] = frame[col].astype(object).where(frame[col].notna(), "")
    return frame[[*GAZETTEER_COLUMNS, frame.geometry.name]].reset_index(drop=True)


def origin(store=None) -> str:
    """Return ``"installed"`` when ``store`` holds a user's gazetteer, else ``"embedded"``."""
    return "installed" if Store.of(store).has(TABLE) else "embedded"


def info(store=None, lang: str = settings.DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the gazetteer's source (installed or embedded) and attribution."""
    store = Store.of(store)
    if origin(store) == "embedded":
        return {
            "source": t("layer.gazetteer.source.embedded", lang, n=number(len(_embedded(store)), lang)),
            "attribution": credit(EMBEDDED_ATTRIBUTION, lang),
        }
    meta = store.meta()
    source = t(
        "layer.gazetteer.source.installed",
        lang,
        source=meta.get("gazetteer.source", "?"),
        schema=meta.get("gazetteer.schema", "?"),
        date=meta.get("gazetteer.date", ""),
    )
    return {"source": source, "attribution": credit(meta.get("gazetteer.attribution", ""), lang)}


# --- the embedded localities, read once per version of the file and of the admin units -----------


def _embedded(store: Store) -> gpd.GeoDataFrame:
    return _filled(str(store.path), file_version(store.path), file_version(EMBEDDED))


@functools.lru_cache(maxsize=4)
def _filled(path: str, *_versions) -> gpd.GeoDataFrame:
    frame, _ = fill_admin(_read(str(EMBEDDED), file_version(EMBEDDED)), admin.load(path))
    return frame


@functools.lru_cache(maxsize=1)
def _read(path: str, _version: tuple[int, int, int]) -> gpd.GeoDataFrame:
    return read_gazetteer(path, schema="wof").frame
