"""One string catalogue for every label, legend, tooltip and message, French first.

The catalogue is split by area into ``geo/locales/<area>.json`` files (``{"key": {"fr": ..., "en":
...}}``) so that each part of the code owns its strings; a key may appear in only one file.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from geo import settings
from geo.errors import UnknownNameError

LOCALES_DIR = Path(__file__).resolve().parent / "locales"


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """Return every string of every area, keyed by message key."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES_DIR.glob("*.json")):
        strings = json.loads(path.read_text(encoding="utf-8"))
        clash = sorted(set(strings) & set(merged))
        if clash:
            raise ValueError(f"{path.name}: keys already defined elsewhere: {', '.join(clash)}")
        merged.update(strings)
    return merged


def t(key: str, lang: str = settings.DEFAULT_LANGUAGE, **values: object) -> str:
    """Return the text of ``key`` in ``lang`` with ``{name}`` fields filled from ``values``.

    A key missing in English falls back to French; an unknown key raises, so a typo never reaches
    a user as a bare key.
    """
    if lang not in settings.LANGUAGES:
        raise UnknownNameError("language", lang, settings.LANGUAGES)
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"no string {key!r} in the catalogue (geo/locales/*.json)")
    text = entry.get(lang) or entry[settings.DEFAULT_LANGUAGE]
    return text.format(**values) if values else text
