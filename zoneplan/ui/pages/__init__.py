"""The app's pages, in menu order: key -> ``render(ctx)``."""

from __future__ import annotations

from collections.abc import Callable

from zoneplan.ui.context import Ctx
from zoneplan.ui.pages import access, coverage, criteria, data, export

PAGES: dict[str, Callable[[Ctx], None]] = {
    "coverage": coverage.render,
    "access": access.render,
    "criteria": criteria.render,
    "data": data.render,
    "export": export.render,
}
