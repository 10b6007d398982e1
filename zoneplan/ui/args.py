"""The app's script arguments (``--store PATH --lang fr``).

``zoneplan app`` passes them; in a checkout they follow the ``--`` of ``streamlit run app.py --``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from geo import settings


@dataclass(frozen=True)
class AppArgs:
    """What ``zoneplan app`` passed to the script."""

    store: str | None
    lang: str


def parse_args(argv: list[str]) -> AppArgs:
    """Return the app arguments found in ``argv`` (unknown arguments are ignored)."""
    argv = [a for a in argv if a != "--"]
    parser = argparse.ArgumentParser(prog="zoneplan app", add_help=False)
    parser.add_argument("--store", default=None)
    parser.add_argument("--lang", default=settings.DEFAULT_LANGUAGE)
    known, _ = parser.parse_known_args(argv)
    lang = known.lang if known.lang in settings.LANGUAGES else settings.DEFAULT_LANGUAGE
    return AppArgs(store=known.store, lang=lang)
