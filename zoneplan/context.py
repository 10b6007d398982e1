"""The one context a face (the command line or the app) hands to the services.

A :class:`Context` says where the work happens (the store, the zone, the planning units), for whom
(the audience, the suppression threshold ``k``), in which language, and which records a map counts
(period, programme, partners, activity type, indicator). The CLI builds it from its arguments
(:meth:`Context.from_args`), the app from its sidebar; the services take its keyword arguments
(:meth:`Context.view_kwargs`, :meth:`Context.analysis_kwargs`, :meth:`Context.export_kwargs`).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from geo import settings
from geo.store import Store
from geo.vocab import PLANNING_UNITS


@dataclass(frozen=True)
class Context:
    """One request's choices, from a face to the services."""

    store: Store
    lang: str = settings.DEFAULT_LANGUAGE
    audience: str = "public"
    k: int = settings.SUPPRESSION_K
    programme: str | None = None
    zone: str | None = None
    period: str | None = None
    partners: tuple[str, ...] = field(default_factory=tuple)
    activity_type: str | None = None
    indicator: str | None = None
    units: str = PLANNING_UNITS[0]
    tiles: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Context:
        """Return the context of a parsed command line (``--store``, ``--lang``, ``--zone``...)."""

        def arg(name: str, default: object = None) -> object:
            value = getattr(args, name, None)
            return default if value is None else value

        return cls(
            store=Store.of(arg("store")),
            lang=str(arg("lang", settings.DEFAULT_LANGUAGE)),
            audience=str(arg("audience", "public")),
            k=int(arg("k", settings.SUPPRESSION_K)),
            zone=arg("zone"),
            period=arg("period"),
            units=str(arg("units", PLANNING_UNITS[0])),
        )

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

    def service_kwargs(self) -> dict[str, object]:
        """Return the keyword arguments every service takes: store, language, audience, ``k``."""
        return {"store": self.store, "lang": self.lang, "audience": self.audience, "k": self.k}

    def analysis_kwargs(self) -> dict[str, object]:
        """Return the keyword arguments of ``zoneplan.analysis.analyse`` for this context."""
        return {**self.service_kwargs(), "zone": self.zone, "units": self.units}

    def view_kwargs(self, name: str) -> dict[str, object]:
        """Return the keyword arguments of ``zoneplan.maps.build_view(name, ...)``."""
        return {
            **self.service_kwargs(),
            "zone": self.zone,
            "period": self.period,
            **self.view_filters(name),
        }
