"""The project's vocabularies: every named set of values, defined once and imported everywhere.

Store table names, the admin frame (level, its name, its id column in records), audiences, the
site-selection criteria, the map views, the analyses' verbs, the coverage measures and the units
of a CCPE pack. A page, a command or a service never types one of these again: it imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# --- the project store's tables ------------------------------------------------------------------


class Tables:
    """Names of the tables in the project store (one GeoPackage)."""

    META: Final[str] = "zp_meta"
    BOUNDARIES: Final[str] = "boundaries"
    LOCATIONS: Final[str] = "place_locations"
    USER_ZONES: Final[str] = "zones_user"
    GAZETTEER: Final[str] = "gazetteer"
    POPULATION: Final[str] = "population"
    ACTIVITIES: Final[str] = "activities"
    CASES: Final[str] = "cases"
    QUARANTINE: Final[str] = "quarantine"
    IMPORTS: Final[str] = "imports"


TABLES: Final = Tables

# --- the admin frame -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminLevel:
    """One level of Mali's admin frame: its number, its key, its id column in records."""

    level: int
    key: str
    id_col: str
    name_col: str
    label_fr: str
    label_en: str

    def label(self, lang: str) -> str:
        """Return the level's name in ``lang`` (``fr`` or ``en``)."""
        return self.label_fr if lang == "fr" else self.label_en


#: Mali's admin frame, coarse to fine (0 = the country).
ADMIN: Final[tuple[AdminLevel, ...]] = (
    AdminLevel(0, "country", "country_id", "country", "pays", "country"),
    AdminLevel(1, "region", "region_id", "region", "région", "region"),
    AdminLevel(2, "cercle", "cercle_id", "cercle", "cercle", "cercle"),
    AdminLevel(3, "commune", "commune_id", "commune", "commune", "commune"),
)
ADMIN_BY_LEVEL: Final[dict[int, AdminLevel]] = {a.level: a for a in ADMIN}
ADMIN_BY_KEY: Final[dict[str, AdminLevel]] = {a.key: a for a in ADMIN}
#: Names that stand for a level: its key, French name and ``adminN`` spelling.
LEVEL_ALIASES: Final[dict[str, int]] = {
    **{a.key: a.level for a in ADMIN},
    **{a.label_fr: a.level for a in ADMIN},
    **{f"admin{a.level}": a.level for a in ADMIN},
    "région": 1,
    "regions": 1,
    "cercles": 2,
    "communes": 3,
}


def admin_level(value: int | str) -> AdminLevel:
    """Return the :class:`AdminLevel` of ``value`` (a number, a key, a French name or ``adminN``).

    Raises ``KeyError`` for anything else; callers that take user input check with
    :data:`LEVEL_ALIASES` first and raise an ``InputError`` naming the valid values.
    """
    if isinstance(value, int) or str(value).isdigit():
        return ADMIN_BY_LEVEL[int(value)]
    return ADMIN_BY_LEVEL[LEVEL_ALIASES[str(value).strip().lower()]]


# --- audiences, views, verbs ---------------------------------------------------------------------

#: Who an output is for: ``public`` (centres at town level) or ``internal`` (exact where entered).
AUDIENCES: Final[tuple[str, ...]] = ("public", "internal")
#: Pseudo-zone id of the whole country (national maps and analyses).
NATIONAL: Final[str] = "mali"
#: The three site-selection criteria, in the order the programme documents give them.
CRITERIA: Final[tuple[str, ...]] = ("attractiveness", "border", "gold")
#: The map views.
VIEWS: Final[tuple[str, ...]] = ("coverage", "access", "criteria", "gaps")
#: The views built from an analysis of the same name.
ANALYSIS_VIEWS: Final[tuple[str, ...]] = ("access", "criteria", "gaps")
#: The kinds of records a partner sends (``zoneplan import --kind``), each a store table.
RECORD_KINDS: Final[tuple[str, ...]] = (Tables.ACTIVITIES, Tables.CASES)
#: Activity types that sensitise people (their people count as reached at a place).
SENSITISATION_TYPES: Final[tuple[str, ...]] = ("sensibilisation", "focus_group", "sensibilisation_masse")
#: The analyses (``zoneplan analyse VERB``).
VERBS: Final[tuple[str, ...]] = ("access", "criteria", "gaps", "next")
#: What the coverage view maps: counts (circles at places) or rates (choropleth over units).
MEASURES: Final[tuple[str, ...]] = ("people", "sessions", "pct_target", "per_1000_children")
COUNT_MEASURES: Final[tuple[str, ...]] = ("people", "sessions")
#: The unit of one page of a CCPE pack.
PACK_BY: Final[tuple[str, ...]] = ("commune", "village")
#: Planning units offered in the app (the analyses' ``units=`` values).
PLANNING_UNITS: Final[tuple[str, ...]] = ("auto", "admin3", "admin2", "h3:8", "h3:7")
#: Output formats of a single map.
MAP_FORMATS: Final[tuple[str, ...]] = ("png", "svg", "pdf", "html")
#: MapAction-style map numbers (``ZP-KGB-002 v1``, :func:`geo.printfurniture.map_number`): the
#: code of each built-in zone (a drawn zone's is derived from its id) and the number of each map
#: product (the views, then the CCPE packs by their unit).
MAP_NUMBERS: Final[dict[str, dict[str, str]]] = {
    "zones": {
        "kangaba": "KGB",
        "bamako": "BKO",
        "segou": "SEG",
        "sikasso": "SIK",
        "mopti": "MPT",
        NATIONAL: "MLI",
    },
    "maps": {
        "coverage": "001",
        "access": "002",
        "criteria": "003",
        "gaps": "004",
        "pack.commune": "011",
        "pack.village": "012",
    },
}
