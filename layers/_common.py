"""What the layer modules share: the embedded data folder and the version of a file they cache on.

A store is resolved by ``Store.of``.
"""

from __future__ import annotations

import os

from geo import settings
from geo.boundaries import ATTRIBUTIONS
from geo.i18n import t

DATA = settings.DATA_DIR
#: The embedded default régions, cercles and localities (see ``data/README.md``).
REFERENCE = DATA / "reference"


#: Credits of the embedded data as written in their files -> their catalogue key (the credit a
#: person reads is in their language; a credit installed by a user is shown as they gave it).
CREDITS: dict[str, str] = {ATTRIBUTIONS["wof"]: "layer.attribution.wof"}


def credit(text: str, lang: str = settings.DEFAULT_LANGUAGE) -> str:
    """Return the credit ``text`` in ``lang`` when it is one of the embedded data's, else as given."""
    key = CREDITS.get(text)
    return t(key, lang) if key else text


def file_version(path: str | os.PathLike[str]) -> tuple[int, int, int]:
    """Return ``(mtime in ns, size, inode)`` of ``path``, ``(0, 0, 0)`` when absent.

    A layer built from files caches its result on these: a store rewritten atomically (a new
    file moved over the old one) gets a new inode even within the same clock tick.
    """
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0, 0)
    return (st.st_mtime_ns, st.st_size, st.st_ino)
