"""One zone loaded once: its outline, programme, places, admin units and centres.

Every service that works on a zone (the analyses, the map views, the CCPE packs) starts from a
:class:`ZoneData`. ``mali`` (:data:`geo.vocab.NATIONAL`) is the whole country, outlined by Natural
Earth, for national maps and analyses.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import geopandas as gpd
import pandas as pd

import layers
from geo import settings
from geo.errors import UnknownNameError
from geo.i18n import t
from geo.store import Store
from geo.vocab import NATIONAL
from geo.zones import get_zone

T = TypeVar("T")


def store_version(store: Store) -> str:
    """Return the version of the store's data ("" while there is no store).

    SQLite's change counter (the file header's bytes 24-27, one more at each committed write),
    the file's modification time and size, and those of a write-ahead log beside it: what was
    read for one version holds until the next write.
    """
    path = store.path
    parts = []
    for candidate in (path, path.with_name(f"{path.name}-wal")):
        try:
            info = candidate.stat()
        except OSError:
            continue
        parts.append(f"{info.st_mtime_ns}:{info.st_size}")
    if parts:
        try:
            with path.open("rb") as fh:
                parts.append(fh.read(28)[24:].hex())
        except OSError:
            pass
    return "/".join(parts)


def remembered(store: Store, key: tuple, compute: Callable[[], T]) -> T:
    """Return ``compute()`` for ``key``, computed once while the store's version holds.

    For what every map or analysis of a zone reads or derives the same way (the zone's frames,
    its planning units, its map's context): the few most recent are kept, shared by every caller
    (and every session of the app), who never modify them.
    """
    full = (str(store.path), store_version(store), *key)
    with _LOCK:
        if full in _REMEMBERED:
            _REMEMBERED.move_to_end(full)
            return _REMEMBERED[full]
    value = compute()
    with _LOCK:
        _REMEMBERED[full] = value
        while len(_REMEMBERED) > _REMEMBERED_MAX:
            _REMEMBERED.popitem(last=False)
    return value


@dataclass
class ZoneData:
    """What the services need to know about one zone.

    Attributes
    ----------
    zone_id, zone
        The zone's id and its one-row GeoDataFrame (``zone_id``, ``name_fr``, ``name_en``,
        ``programme_id``, ``method``, ``basis``, geometry).
    zones
        Every zone (to share a programme's targets among its zones).
    places
        The located programme places of the zone (in it, or tagged with it).
    unlocated
        Names of the zone's places that have no location yet (Danga until it is set).
    admin
        The installed admin units (levels 1 to 3), possibly empty.
    centres
        The centres, at town level unless ``audience`` is ``internal``.
    units
        The planning units an analysis works on (``None`` until it chooses them).
    """

    store: Store
    zone_id: str
    zone: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    unlocated: list[str]
    admin: gpd.GeoDataFrame
    centres: gpd.GeoDataFrame
    audience: str = "public"
    #: Notes the analyses add for the reader (cases hidden on H3 cells...).
    notes: list[str] = field(default_factory=list)
    #: The planning units, once an analysis has chosen them.
    units: gpd.GeoDataFrame | None = None

    @classmethod
    def load(cls, zone: str, *, store: Store | str | None = None, audience: str = "public") -> ZoneData:
        """Return the data of ``zone``; an unknown zone raises listing the valid ids.

        The zone's frames are read once per store version (:func:`store_version`) and shared by
        later calls, which each get their own ``ZoneData`` (own notes, no units yet); callers
        never modify the frames.
        """
        store = Store.of(store)
        known = remembered(store, ("zone", zone, audience), lambda: cls._read(zone, store, audience))
        return dataclasses.replace(
            known, store=store, unlocated=list(known.unlocated), notes=[], units=None
        )

    @classmethod
    def _read(cls, zone: str, store: Store, audience: str) -> ZoneData:
        zones = layers.load("zones", store=store)
        if zone == NATIONAL:
            mali = layers.load("borders").query("iso_a3 == 'MLI'")
            row = gpd.GeoDataFrame(
                {
                    "zone_id": [NATIONAL],
                    "name_fr": ["Mali"],
                    "name_en": ["Mali"],
                    "programme_id": [""],
                    "method": ["country"],
                    "basis": ["Natural Earth"],
                },
                geometry=list(mali.geometry),
                crs=settings.CRS,
            )
        elif zone not in set(zones["zone_id"]):
            raise UnknownNameError("zone", zone, [*zones["zone_id"], NATIONAL])
        else:
            row = get_zone(zones, zone)
        geom = row.geometry.iloc[0]
        every = layers.module("places").load_all(store)
        located = every["located"].astype(bool)
        tagged = every["zone"].eq(zone) | (zone == NATIONAL)
        unlocated = list(every.loc[tagged & ~located, "name"].astype(str))
        places = every[located]
        places = places[places["zone"].eq(zone) | places.within(geom) | (zone == NATIONAL)]
        admin = layers.load("admin", store=store)
        return cls(
            store=store,
            zone_id=zone,
            zone=row,
            zones=zones,
            places=places.reset_index(drop=True),
            unlocated=unlocated,
            admin=admin[admin["level"] > 0],
            centres=layers.load("centres", store=store, audience=audience),
            audience=audience,
        )

    def planning_units(self, units: str) -> gpd.GeoDataFrame:
        """Return the zone's planning units for the spec ``units`` (see
        :func:`geo.units.planning_units`), computed once per store version and then copied."""
        from geo.units import planning_units  # h3: not for a map of counts

        key = ("units", self.zone_id, str(units))
        return remembered(self.store, key, lambda: planning_units(self.zone, units, self.admin)).copy()

    @property
    def geometry(self):
        """Return the zone's outline (a shapely geometry)."""
        return self.zone.geometry.iloc[0]

    @property
    def national(self) -> bool:
        """Return whether this is the whole country."""
        return self.zone_id == NATIONAL

    @property
    def programme_id(self) -> str:
        """Return the zone's programme id (empty for a zone outside every programme)."""
        prog = self.zone.iloc[0].get("programme_id")
        return "" if prog is None or pd.isna(prog) else str(prog)

    def name(self, lang: str) -> str:
        """Return the zone's name in ``lang``."""
        return str(self.zone.iloc[0]["name_fr" if lang == "fr" else "name_en"])

    def zones_in_programme(self, programme: str | None = None) -> int:
        """Return how many zones share ``programme`` (its targets are split among them)."""
        programme = self.programme_id if programme is None else programme
        return int((self.zones["programme_id"] == programme).sum()) if programme else 1

    def admin_near(self) -> gpd.GeoDataFrame:
        """Return the admin units around the zone (half its size beyond it), for maps.

        A national map keeps régions and cercles only.
        """
        minx, miny, maxx, maxy = self.geometry.bounds
        pad = max(maxx - minx, maxy - miny) * 0.5
        near = self.admin.cx[minx - pad : maxx + pad, miny - pad : maxy + pad]
        return near[near["level"] <= 2] if self.national else near

    def unlocated_notes(self, lang: str) -> list[str]:
        """Return the note every output of the zone carries about its places not mapped."""
        if not self.unlocated:
            return []
        return [t("place.unlocated", lang, names=", ".join(self.unlocated))]


#: What :func:`remembered` keeps, by store path, store version and key: most recent last.
_REMEMBERED: OrderedDict[tuple, object] = OrderedDict()
_REMEMBERED_MAX = 24
_LOCK = threading.Lock()
