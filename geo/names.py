"""Place names: the one folding rule they compare by, admin prefixes, alternative names.

Two spellings of a place name are the same name when :func:`fold_name` gives the same key:
accents, case, hyphens, apostrophes and punctuation are folded, and a leading admin or place
prefix such as "Commune rurale de", "Cercle de" or "Village de" is dropped
(``"Commune rurale de Kaniogo"`` and ``"KANIOGO"`` both give ``"kaniogo"``).
:func:`strip_unit_prefix` drops the prefix from a unit's name as it is shown, case and accents
kept; :func:`split_alt_names` reads an ``alt_names`` cell.
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: Leading words that say what a name is rather than which one (compared after folding).
PLACE_PREFIX = re.compile(
    r"^(commune (rurale |urbaine )?|village |localite |cercle |region |district |site "
    r"(d orpaillage )?|quartier |hameau |ville )(de |du |des |d )?"
)
#: Leading words of an admin unit's name as boundary files write it ("Cercle de Kita").
UNIT_PREFIX = re.compile(
    r"^(cercle|région|region|district|commune( rurale| urbaine)?)\s+(de\s+|du\s+|d['’]\s*)?",
    re.IGNORECASE,
)
#: Separator of the alternative names of a place or locality (``alt_names`` columns).
ALT_NAMES_SEP = ";"


def fold_name(text: object, *, strip_prefix: bool = True) -> str:
    """Return ``text`` folded for comparison.

    Accents and case are folded, every run of characters other than ``a-z`` and ``0-9`` becomes
    one space, and a leading :data:`PLACE_PREFIX` is dropped (unless nothing would be left).

    Parameters
    ----------
    text
        A name (any value: ``None`` gives ``""``).
    strip_prefix
        Drop a leading admin or place prefix. Pass ``False`` for text that is not a place name
        (column headers, month names, activity types), where "Site ..." or "Village ..." are words
        that count.
    """
    if isinstance(text, str):
        return _fold_str(text, strip_prefix)
    return _fold(text, strip_prefix)


@functools.lru_cache(maxsize=1 << 16)
def _fold_str(text: str, strip_prefix: bool) -> str:
    return _fold(text, strip_prefix)


def _fold(text: object, strip_prefix: bool) -> str:
    key = unicodedata.normalize("NFKD", str(text or ""))
    key = "".join(c for c in key if not unicodedata.combining(c)).lower()
    key = re.sub(r"[^a-z0-9]+", " ", key).strip()
    if not strip_prefix:
        return key
    return PLACE_PREFIX.sub("", key).strip() or key


def strip_unit_prefix(value: object) -> str:
    """Return an admin unit's name without its leading :data:`UNIT_PREFIX`, as it is shown.

    Case and accents are kept (``"Commune rurale de Kaniogo"`` -> ``"Kaniogo"``); ``None`` and NaN
    give ``""``, and a name that is only a prefix is kept whole.
    """
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    return UNIT_PREFIX.sub("", text.strip()).strip() or text.strip()


def slug(text: object) -> str:
    """Return a short identifier made from a name (``"Kalaban Coro"`` -> ``"kalaban-coro"``)."""
    return fold_name(text).replace(" ", "-")


def split_alt_names(text: str | None) -> list[str]:
    """Return the alternative names listed in ``text`` (``"Tegue; Tégué"`` -> two names)."""
    if not text:
        return []
    return [a.strip() for a in str(text).split(ALT_NAMES_SEP) if a.strip()]
