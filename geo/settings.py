"""One place for each fact: paths, CRS, thresholds and defaults.

Every constant that more than one module needs lives here, typed. Paths are anchored to the code,
never to the working directory.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Final

# --- paths -----------------------------------------------------------------------------------

#: The checkout (tests, scripts and benchmarks only: an installed wheel has no checkout).
REPO_DIR: Final[Path] = Path(__file__).resolve().parent.parent


def _data_dir() -> Path:
    """Return the embedded data folder: the package ``zoneplan_data`` (``data/`` in the checkout)."""
    try:
        return Path(str(resources.files("zoneplan_data")))
    except ModuleNotFoundError:  # a checkout used without `pip install`
        return REPO_DIR / "data"


DATA_DIR: Final[Path] = _data_dir()
SAMPLE_DIR: Final[Path] = DATA_DIR / "sample"
#: Reference data shared beside the checkout (tests and benchmarks only, never required at run time).
SHARED_MALI_DIR: Final[Path] = REPO_DIR.parent / "shared" / "data" / "mali"

STORE_ENV_VAR: Final[str] = "ZONEPLAN_HOME"
STORE_FILENAME: Final[str] = "zoneplan.gpkg"


def default_home() -> Path:
    """Return the per-user data folder used when neither ``--store`` nor ``ZONEPLAN_HOME`` is set."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "zoneplan"


def store_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the project store: ``explicit`` path, else ``$ZONEPLAN_HOME``, else the user folder.

    ``ZONEPLAN_HOME`` and the user folder name a directory holding ``zoneplan.gpkg``; an explicit
    path names the GeoPackage file itself (a directory is accepted too).
    """
    if explicit is not None:
        path = Path(explicit).expanduser()
        return path / STORE_FILENAME if path.is_dir() else path
    env = os.environ.get(STORE_ENV_VAR)
    home = Path(env).expanduser() if env else default_home()
    return home / STORE_FILENAME


# --- coordinates -----------------------------------------------------------------------------

CRS: Final[str] = "EPSG:4326"
#: Mali's bounding box with a small margin (lon_min, lat_min, lon_max, lat_max).
MALI_BBOX: Final[tuple[float, float, float, float]] = (-12.3, 10.1, 4.3, 25.1)
#: Decimal places kept for display geometry (5 places ~ 1.1 m).
DISPLAY_DECIMALS: Final[int] = 5

# --- disclosure control ----------------------------------------------------------------------

#: Counts from 1 to K-1 are suppressed and shown as "<K".
SUPPRESSION_K: Final[int] = 5
#: Case figures are never shown below this admin level (3 = commune).
CASE_MIN_ADMIN_LEVEL: Final[int] = 3

# --- records (import, matching, indicators) ----------------------------------------------------

#: Fuzzy place-name matches scoring below this (0-100, rapidfuzz ratio) are rejected.
RECORDS_FUZZY_MIN_SCORE: Final[float] = 80.0
#: A record's coordinates match the nearest programme place within this distance.
RECORDS_COORD_TOLERANCE_KM: Final[float] = 2.0
#: Files larger than this are refused before reading.
RECORDS_MAX_FILE_MB: Final[float] = 20.0
#: A user gazetteer's points farther than this outside Mali's outline are rejected.
GAZETTEER_OUTLINE_TOLERANCE_KM: Final[float] = 5.0
#: Achievement at or above these ratios is green / amber (below amber: red).
INDICATOR_GREEN_MIN: Final[float] = 0.9
INDICATOR_AMBER_MIN: Final[float] = 0.6

# --- analyses --------------------------------------------------------------------------------

ACCESS_BANDS_KM: Final[tuple[float, ...]] = (5.0, 10.0, 25.0, 50.0)
BORDER_THRESHOLD_KM: Final[float] = 50.0
GOLD_RADIUS_KM: Final[float] = 15.0
MIN_CRITERIA: Final[int] = 1
#: A place's attractiveness reaches units within this distance of it.
ATTRACT_RADIUS_KM: Final[float] = 15.0
#: Attractiveness (0-1) at or above which the criterion is met.
ATTRACT_THRESHOLD: Final[float] = 0.5
#: Default weights of the three site-selection criteria (equal, as in the programme documents).
CRITERIA_WEIGHTS: Final[dict[str, float]] = {"attractiveness": 1.0, "border": 1.0, "gold": 1.0}
#: Access band: a unit with no centre within this distance lacks access (gaps, where-next).
ACCESS_KM: Final[float] = 25.0
#: Coverage (share of a unit's target reached) below which a unit at risk is a gap.
COVERAGE_THRESHOLD: Final[float] = 0.5
#: Where-next defaults: number of sites and minimum distance from existing or chosen sites.
NEXT_SITES_N: Final[int] = 3
NEXT_MIN_DISTANCE_KM: Final[float] = 10.0
#: Editable default attractiveness of the programme's towns.
ATTRACTIVENESS_CSV: Final[Path] = DATA_DIR / "attractiveness.csv"

# --- languages -------------------------------------------------------------------------------

LANGUAGES: Final[tuple[str, ...]] = ("fr", "en")
DEFAULT_LANGUAGE: Final[str] = "fr"
