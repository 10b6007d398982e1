"""One place for each fact: paths, CRS, thresholds and defaults.

Every constant that more than one module needs lives here, typed. Paths are anchored to the code,
never to the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

# --- paths -----------------------------------------------------------------------------------

REPO_DIR: Final[Path] = Path(__file__).resolve().parent.parent
DATA_DIR: Final[Path] = REPO_DIR / "data"
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

# --- admin frame -----------------------------------------------------------------------------

ADMIN_LEVELS: Final[dict[int, dict[str, str]]] = {
    0: {"fr": "pays", "en": "country"},
    1: {"fr": "région", "en": "region"},
    2: {"fr": "cercle", "en": "cercle"},
    3: {"fr": "commune", "en": "commune"},
}

# --- disclosure control ----------------------------------------------------------------------

#: Counts from 1 to K-1 are suppressed and shown as "<K".
SUPPRESSION_K: Final[int] = 5
#: Case figures are never shown below this admin level (3 = commune).
CASE_MIN_ADMIN_LEVEL: Final[int] = 3

# --- analyses --------------------------------------------------------------------------------

ACCESS_BANDS_KM: Final[tuple[float, ...]] = (5.0, 10.0, 25.0, 50.0)
BORDER_THRESHOLD_KM: Final[float] = 50.0
GOLD_RADIUS_KM: Final[float] = 15.0
MIN_CRITERIA: Final[int] = 1

# --- languages -------------------------------------------------------------------------------

LANGUAGES: Final[tuple[str, ...]] = ("fr", "en")
DEFAULT_LANGUAGE: Final[str] = "fr"
