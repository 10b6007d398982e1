"""Errors a person can act on.

``InputError`` is raised for bad input (a file, a row, a column, an argument): its message is one line
that names the thing, what was found and what was expected. The CLI turns it into that line on
stderr and exit status 2; the app shows it in the page. Programming errors stay ordinary exceptions.
"""

from __future__ import annotations


class ZoneplanError(Exception):
    """Base class of zoneplan's own errors."""


class InputError(ZoneplanError, ValueError):
    """Refuse bad input with one line a person can act on."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        msg = f"{source}: {message}" if source else message
        super().__init__(msg)


class UnknownNameError(InputError, KeyError):
    """Refuse a name that is not in a registry, listing the valid ones."""

    def __init__(self, what: str, name: object, valid: list[str] | tuple[str, ...]) -> None:
        self.valid = list(valid)
        super().__init__(f"unknown {what} {name!r}; expected one of: {', '.join(self.valid)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]


class SchemaError(ZoneplanError):
    """A layer's frame does not match its declared schema (a bug or corrupt store, not user input)."""


def require_file(path, expected: str, lang: str = "fr") -> int:
    """Refuse a path that is missing, a folder or empty; return its size in bytes.

    ``expected`` completes the messages ("est vide ; attendu {expected}"), written in ``lang``.
    """
    from pathlib import Path

    from geo.i18n import t  # geo.i18n imports this module

    path = Path(path)
    if not path.exists():
        raise InputError(t("file.not_found", lang), source=str(path))
    if path.is_dir():
        raise InputError(t("file.is_folder", lang, expected=expected), source=path.name)
    size = path.stat().st_size
    if size == 0:
        raise InputError(t("file.is_empty", lang, expected=expected), source=path.name)
    return size
