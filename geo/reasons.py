"""Why a record row was rejected, kept as a catalogue key and its values until a person reads it.

The readers, :mod:`geo.validate` and the place matcher describe each problem as a :class:`Reason`
(``records.reason.<key>`` in ``geo/locales/records.json`` plus the values it names: the column,
what was found, what was expected). Nothing is worded until :func:`say` renders it in the reader's
language, so a cached match serves French and English alike, and the import can tell a reason
about a village or coordinates from one about a count without reading its words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from geo import settings
from geo.i18n import number as i18n_number
from geo.i18n import t

#: The catalogue prefix of every reason.
PREFIX = "records.reason."


class Reason(NamedTuple):
    """One problem of one row: ``records.reason.<key>`` filled with ``values``."""

    key: str
    values: dict

    def say(self, lang: str = settings.DEFAULT_LANGUAGE) -> str:
        """Return the reason in ``lang``, numbers and dates written as a person reads them."""
        return t(PREFIX + self.key, lang, **{k: _text(v, lang) for k, v in self.values.items()})


def reason(key: str, **values: object) -> Reason:
    """Return the :class:`Reason` ``key`` naming ``values``."""
    return Reason(key, values)


def say(reasons: Iterable[Reason], lang: str = settings.DEFAULT_LANGUAGE) -> str:
    """Return ``reasons`` in ``lang``, each once, joined as a sentence list."""
    out: list[str] = []
    for r in reasons:
        text = r.say(lang)
        if text not in out:
            out.append(text)
    return t(PREFIX + "sep", lang).join(out)


def number(value: object, lang: str = settings.DEFAULT_LANGUAGE) -> str:
    """Return ``value`` as a person reads it: ``1 234,5`` in French, ``1,234.5`` in English.

    Whole numbers get no decimals; others keep what they have, up to five (coordinates).
    """
    try:
        num = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if not np.isfinite(num):
        return str(value)
    decimals = 0
    if not num.is_integer():
        decimals = len(f"{num:.5f}".rstrip("0").split(".")[1])
    return i18n_number(num, lang, decimals)


def day(value: dt.date | dt.datetime, lang: str = settings.DEFAULT_LANGUAGE) -> str:
    """Return a date as ``31/12/2021`` (French) or ``2021-12-31`` (English)."""
    return value.strftime("%d/%m/%Y" if lang == "fr" else "%Y-%m-%d")


_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def one_line(text: object) -> str:
    """Return ``text`` with line breaks and control characters written as escapes (``\\n``).

    What a partner typed is quoted in a reason or a refusal: it must not break the line.
    """
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


def _text(value: object, lang: str) -> str:
    if isinstance(value, str):
        return one_line(value)
    if isinstance(value, dt.date):  # datetime and pandas' Timestamp too
        return day(value, lang)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return number(value, lang)
    if isinstance(value, list | tuple):
        return t(PREFIX + "list_sep", lang).join(_text(v, lang) for v in value)
    return str(value)
