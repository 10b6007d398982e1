"""What the layer modules share: the embedded data folder and the version of a file they cache on.

A store is resolved by ``Store.of``.
"""

from __future__ import annotations

import os

from geo import settings

DATA = settings.DATA_DIR
#: The embedded default régions, cercles and localities (see ``data/README.md``).
REFERENCE = DATA / "reference"


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
