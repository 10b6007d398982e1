"""The app's pages, in menu order: key -> ``render(ctx)``.

A page module is imported when its page is first shown, not before: the first page a planner
sees does not wait for what only the others need (the data page's boundary readers and record
matching, the export page's matplotlib).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from zoneplan.context import Context

#: Page keys in menu order (each is the module ``zoneplan.ui.pages.<key>``).
PAGE_KEYS: tuple[str, ...] = ("coverage", "access", "criteria", "data", "export")


class _Pages(Mapping[str, Callable[[Context], None]]):
    """Page key -> the page's ``render``, importing the page module on first use."""

    def __getitem__(self, key: str) -> Callable[[Context], None]:
        if key not in PAGE_KEYS:
            raise KeyError(key)
        return importlib.import_module(f"zoneplan.ui.pages.{key}").render

    def __iter__(self) -> Iterator[str]:
        return iter(PAGE_KEYS)

    def __len__(self) -> int:
        return len(PAGE_KEYS)


PAGES: Mapping[str, Callable[[Context], None]] = _Pages()
