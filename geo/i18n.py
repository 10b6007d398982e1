"""One string catalogue for every label, legend, tooltip and message, French first.

The catalogue is split by area into ``geo/locales/<area>.json`` files (``{"key": {"fr": ..., "en":
...}}``) so that each part of the code owns its strings; a key may appear in only one file.
"""

from __future__ import annotations

import functools
import json
import numbers
import string
from collections.abc import Callable
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
    return template(text, lang)(**values) if values else text


def french_digits(text: str) -> str:
    """Return an English-formatted figure in French: ``1,234.5`` -> ``1 234,5``, ``50%`` -> ``50 %``.

    Thousands take a narrow no-break space (U+202F), decimals a comma; a figure never breaks
    across lines.
    """
    text = text.replace(",", "\u202f").replace(".", ",")
    return text.replace("%", "\u202f%") if text.endswith("%") else text


def number(value: object, lang: str = settings.DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """Return ``value`` as a person reads it in ``lang``: 1 234,5 (fr), 1,234.5 (en); "" if missing."""
    try:
        num = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if num != num:  # NaN
        return ""
    text = f"{num:,.{decimals}f}"
    return french_digits(text) if lang == "fr" else text


@functools.lru_cache(maxsize=2048)
def template(text: str, lang: str) -> Callable[..., str]:
    """Return a function that fills ``text``'s ``{name}`` fields, figures written for ``lang``.

    In French a float field, or any number given a format (``{km:.1f}``, ``{n:,}``), is written
    the French way (``126,0``); names, ids and years given as ``{n}`` stay as they are. Parsed
    once per text: an analysis fills the same sentence for thousands of units.
    """
    if lang != "fr":
        return text.format
    parts = list(string.Formatter().parse(text))
    if any(field is not None and not field.isidentifier() for _, field, _, _ in parts):
        return text.format  # positional or dotted fields: not used by the catalogue

    def fill(**values: object) -> str:
        out = []
        for literal, field, spec, conversion in parts:
            out.append(literal)
            if field is None:
                continue
            value = values[field]
            if conversion:
                value = repr(value) if conversion == "r" else str(value)
            figure = format(value, spec or "")
            if (spec or isinstance(value, float)) and _is_number(value):
                figure = french_digits(figure)
            out.append(figure)
        return "".join(out)

    return fill


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
