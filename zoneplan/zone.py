"""One zone loaded once: its outline, programme, places, admin units and centres.

Every service that works on a zone (the analyses, the map views, the CCPE packs) starts from a
:class:`ZoneData`. ``mali`` (:data:`geo.vocab.NATIONAL`) is the whole country, outlined by Natural
Earth, for national maps and analyses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

import layers
from geo import settings
from geo.errors import UnknownNameError
from geo.i18n import t
from geo.store import Store
from geo.vocab import NATIONAL
from geo.zones import get_zone


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
        """Return the data of ``zone``; an unknown zone raises listing the valid ids."""
        store = Store.of(store)
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
