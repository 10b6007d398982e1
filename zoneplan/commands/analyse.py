"""``zoneplan analyse access|criteria|gaps|next``: the planning analyses of a zone."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from geo import settings
from geo.i18n import number, t
from geo.vocab import AUDIENCES, VERBS
from zoneplan.cli import CLI, emit_json

if TYPE_CHECKING:
    import pandas as pd

#: The criteria thresholds, for the verbs that weigh the criteria.
CRITERIA_OPTIONS = (
    "border_km",
    "gold_km",
    "attract_km",
    "attract_threshold",
    "attractiveness",
    "weights",
    "min_criteria",
)
#: Each verb's own options (besides --zone, --units, --audience and the outputs, which all have).
OPTIONS_OF = {
    "access": ("bands", "access_km"),
    "criteria": CRITERIA_OPTIONS,
    "gaps": (*CRITERIA_OPTIONS, "bands", "access_km", "coverage_threshold", "gap_rule", "period"),
    "next": (*CRITERIA_OPTIONS, "access_km", "n", "min_distance_km"),
}
GAP_RULES = ("any", "coverage", "access", "both")


def _bands_in(lang: str) -> Callable[[str], tuple[float, ...]]:
    """Return the parser of ``--bands`` (km values such as 5,10,25,50), its error in ``lang``."""

    def bands(text: str) -> tuple[float, ...]:
        try:
            return tuple(float(x) for x in text.split(",") if x.strip())
        except ValueError as exc:
            raise argparse.ArgumentTypeError(t("cli.analyse.bad_bands", lang, text=text)) from exc

    return bands


def _option_specs(cli: CLI) -> dict[str, dict[str, object]]:
    """Return the ``add_argument`` keywords of each verb option but its help."""
    threshold = cli.metavar("threshold")
    return {
        "bands": {"type": _bands_in(cli.lang), "default": settings.ACCESS_BANDS_KM, "metavar": "KM,KM"},
        "access_km": {"type": float, "metavar": "KM", "default": settings.ACCESS_KM},
        "border_km": {"type": float, "metavar": "KM", "default": settings.BORDER_THRESHOLD_KM},
        "gold_km": {"type": float, "metavar": "KM", "default": settings.GOLD_RADIUS_KM},
        "attract_km": {"type": float, "metavar": "KM", "default": settings.ATTRACT_RADIUS_KM},
        "attract_threshold": {
            "type": float,
            "default": settings.ATTRACT_THRESHOLD,
            "metavar": threshold,
        },
        "attractiveness": {"metavar": "CSV"},
        "weights": {"metavar": cli.metavar("weights")},
        "min_criteria": {"type": int, "default": settings.MIN_CRITERIA, "metavar": "N"},
        "coverage_threshold": {
            "type": float,
            "default": settings.COVERAGE_THRESHOLD,
            "metavar": threshold,
        },
        "gap_rule": {"choices": GAP_RULES, "default": GAP_RULES[0]},
        "period": {"metavar": cli.metavar("period")},
        "n": {"type": int, "metavar": "N", "default": settings.NEXT_SITES_N},
        "min_distance_km": {"type": float, "metavar": "KM", "default": settings.NEXT_MIN_DISTANCE_KM},
    }


def register(cli: CLI) -> None:
    """Add the ``analyse`` commands, each with its own options."""
    specs = _option_specs(cli)
    out_metavar = cli.metavar("out")
    for verb in VERBS:
        p = cli.command(verb, run, group="analyse")
        p.set_defaults(verb=verb)
        p.add_argument(
            "--zone", required=True, metavar=cli.metavar("zone"), help=cli.text("cli.analyse.zone")
        )
        p.add_argument(
            "--units", default="auto", metavar=cli.metavar("units"), help=cli.text("cli.analyse.units")
        )
        p.add_argument(
            "--audience", choices=AUDIENCES, default="public", help=cli.text("cli.analyse.audience")
        )
        for name in OPTIONS_OF[verb]:
            flag = "--" + name.replace("_", "-")
            p.add_argument(flag, **specs[name], help=cli.text(f"cli.analyse.{name}"))
        out = p.add_mutually_exclusive_group()
        out.add_argument("--json", action="store_true", help=cli.text("cli.analyse.json"))
        p.add_argument("--full", action="store_true", help=cli.text("cli.analyse.full"))
        p.add_argument("--csv", metavar=out_metavar, help=cli.text("cli.analyse.csv"))
        p.add_argument("--places-csv", metavar=out_metavar, help=cli.text("cli.analyse.places_csv"))


def run(args: argparse.Namespace) -> int:
    """Run one analysis and print or write its result."""
    from geo.csvsafe import write_csv
    from geo.errors import InputError
    from zoneplan.analysis import analyse
    from zoneplan.context import Context
    from zoneplan.sample import output_mark

    ctx = Context.from_args(args)
    # A verb's parser has only its own options; the service's defaults hold for the others.
    options = {name: getattr(args, name) for name in OPTIONS_OF[args.verb]}
    options.setdefault("period", None)
    result = analyse(args.verb, **ctx.analysis_kwargs(), **options)
    mark = output_mark(ctx.store, args.lang)
    if args.json:
        data = result.to_json(full=args.full)
        if mark:
            data = {"mark": mark, **data}
        emit_json(data)
        return 0
    written = False
    for out, frame in ((args.csv, result.table), (args.places_csv, _places_table(result))):
        if not out:
            continue
        path = Path(out)
        if not path.parent.is_dir():
            raise InputError(t("analyses.bad_folder", args.lang, folder=path.parent), source=str(path))
        write_csv(frame, path, mark=mark)
        print(t("analyses.csv_written", args.lang, path=path, n=len(frame)))
        written = True
    if not written:
        if mark:  # invented records went into this answer: say so before anything else
            print(mark)
        print(_text(result, args.lang))
    return 0


def _places_table(result) -> pd.DataFrame:
    """Return the per-place table (one row per settlement, lists joined with "; ")."""
    import pandas as pd

    from zoneplan.placeframe import PLACE_COLUMNS

    places = pd.DataFrame(result.places[[c for c in PLACE_COLUMNS if c in result.places.columns]])
    if "gap_kinds" in places:
        places["gap_kinds"] = places["gap_kinds"].map("; ".join)
    return places


def _text(result, lang: str) -> str:
    """Return a short report of ``result`` for a person: places by name, in ``lang``."""
    s = result.summary
    places = result.places
    unit_kind = t(f"analyses.unit_kind.{s['unit_kind'].split(':')[0]}", lang)
    lines = [
        t(
            "analyses.text.head",
            lang,
            verb=t(f"analyses.verb.{result.verb}", lang),
            zone=s["zone_name"],
            places=number(s["place_count"], lang),
            units=number(s["unit_count"], lang),
            kind=unit_kind,
            area=number(s["zone_area_km2"] or 0, lang),
        )
    ]
    if result.verb == "access":
        lines.append(t("analyses.text.access_head", lang, km=s["access_km"]))
        for row in places.sort_values("dist_centre_km", ascending=False).head(SHOWN).itertuples():
            lines.append(_place_line(row, lang))
    elif result.verb == "criteria":
        for name, c in s["criteria"].items():
            lines.append(
                t(
                    "analyses.text.criterion",
                    lang,
                    name=t(f"analyses.criterion.{name}", lang),
                    meets=t("analyses.text.yes" if c["zone_meets"] else "analyses.text.no", lang),
                )
            )
        lines.append(
            t(
                "analyses.text.places_meeting",
                lang,
                n=s["places_meeting"],
                total=s["place_count"],
                min=s["min_criteria"],
            )
        )
        for row in places.head(SHOWN).itertuples():
            lines.append(
                t("analyses.text.place", lang, name=row.name, where=_where(row), text=row.explanation)
            )
    elif result.verb == "gaps":
        lines.append(
            t(
                "analyses.text.gaps",
                lang,
                gaps=s["gaps"],
                at_risk=s["places_at_risk"],
                sens=s["sensitisation_gaps"],
                access=s["access_gaps"],
                reached=s["places_reached"],
            )
        )
        gaps = places[places["gap_kinds"].map(len) > 0]
        for rank, row in enumerate(gaps.head(SHOWN).itertuples(), start=1):
            lines.append(f"  {rank}. {row.name} ({_where(row)}) — {row.gap_reasons}")
    else:
        for site in s["sites"]:
            lines.append(
                t("analyses.text.site", lang, text=site["explanation"], lat=site["lat"], lon=site["lon"])
            )
        if s.get("why_none"):
            lines.append(f"  {s['why_none']}")
    lines.extend(f"  ! {note}" for note in s.get("notes", []))
    if s.get("unlocated_places") and result.verb != "access":
        lines.append("  ! " + t("analyses.unlocated", lang, names=", ".join(s["unlocated_places"])))
    return "\n".join(lines)


#: Places listed in the text report (the JSON and CSV have them all).
SHOWN = 15


def _where(row) -> str:
    parts = [
        str(p)
        for p in (getattr(row, "commune", None), getattr(row, "cercle", None))
        if isinstance(p, str) and p.strip()
    ]
    return ", ".join(dict.fromkeys(parts)) or "—"


def _place_line(row, lang: str) -> str:
    dist = row.dist_centre_km
    if dist != dist:  # NaN: no centre
        no_centre = t("analyses.gap.no_centre", lang)
        return t("analyses.text.place", lang, name=row.name, where=_where(row), text=no_centre)
    return t(
        "analyses.text.nearest",
        lang,
        name=row.name,
        where=_where(row),
        centre=row.nearest_centre_town or row.nearest_centre,
        km=dist,
    )
