"""What every page needs: the store, the language, the audience and the sidebar filters."""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.store import Store

#: Planning units offered in the sidebar (the analyses' ``units=`` values).
PLANNING_UNITS: tuple[str, ...] = ("auto", "admin3", "admin2", "h3:8", "h3:7")


@dataclass(frozen=True)
class Ctx:
    """One rerun's choices, passed to the page being shown."""

    store: Store
    lang: str
    audience: str = "public"
    programme: str | None = None
    zone: str | None = None
    period: str | None = None
    partners: tuple[str, ...] = field(default_factory=tuple)
    activity_type: str | None = None
    indicator: str | None = None
    units: str = PLANNING_UNITS[0]
    tiles: bool = False

    def view_filters(self, name: str) -> dict[str, object]:
        """Return the filters passed to ``build_view(name, ...)`` (only those that are set).

        The analysis views take the planning units; the coverage view also takes the record
        filters (programme, partner, activity type, indicator).
        """
        out: dict[str, object] = {"units": self.units}
        if name != "coverage":
            return out
        if self.programme:
            out["programme"] = self.programme
        if self.partners:
            out["partner"] = list(self.partners)
        if self.activity_type:
            out["activity_type"] = self.activity_type
        if self.indicator:
            out["indicator"] = self.indicator
        return out
