"""``zoneplan analyse access|criteria|gaps|next``: the planning analyses of a zone."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from geo import settings
from geo.csvsafe import write_csv
from geo.errors import InputError
from geo.i18n import t
from geo.vocab import AUDIENCES
from zoneplan.analysis import VERBS, analyse
from zoneplan.cli import CLI, emit_json
from zoneplan.context import Context
from zoneplan.placeframe import PLACE_COLUMNS
from zoneplan.sample import output_mark

HELP = {
    "access": "nearest centre and distance bands for each unit and village",
    "criteria": "the three site-selection criteria per unit (attractiveness, border, gold sites)",
    "gaps": "units meeting the criteria without enough coverage or a centre within reach",
    "next": "greedy suggestion of new centre or sensitisation sites",
}


def _bands(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: expected km values such as 5,10,25,50") from exc


def register(cli: CLI) -> None:
    """Add the ``analyse`` commands."""
    cli.group("analyse", help="planning analyses of a zone: access, criteria, gaps, next")
    for verb in VERBS:
        p = cli.command(verb, run, group="analyse", help=HELP[verb])
        p.set_defaults(verb=verb)
        p.add_argument(
            "--zone",
            required=True,
            help="zone id (bamako, segou, sikasso, mopti, kangaba or a drawn zone)",
        )
        p.add_argument(
            "--units",
            default="auto",
            help="planning units: admin1, admin2, admin3 (where installed) or h3:N "
            "(H3 resolution N); auto picks communes/cercles if installed, "
            "else H3",
        )
        out = p.add_mutually_exclusive_group()
        out.add_argument("--json", action="store_true", help="print the summary and rows as JSON")
        p.add_argument("--csv", metavar="OUT", help="write the per-unit table to OUT (CSV)")
        p.add_argument(
            "--period", help="gaps: only the activities of YYYY, YYYY-MM or START/END (ISO dates)"
        )
        p.add_argument(
            "--places-csv", metavar="OUT", help="write the per-place table to OUT (CSV): every village"
        )
        p.add_argument("--full", action="store_true", help="with --json: every row, not 50")
        p.add_argument(
            "--audience",
            choices=AUDIENCES,
            default="public",
            help="centres at town level (public) or exact where known (internal)",
        )
        p.add_argument(
            "--bands",
            type=_bands,
            default=settings.ACCESS_BANDS_KM,
            help="distance bands in km (default 5,10,25,50)",
        )
        p.add_argument(
            "--access-km",
            type=float,
            default=settings.ACCESS_KM,
            help=f"access band in km (default {settings.ACCESS_KM:g})",
        )
        p.add_argument(
            "--border-km",
            type=float,
            default=settings.BORDER_THRESHOLD_KM,
            help=f"border criterion threshold (default {settings.BORDER_THRESHOLD_KM:g} km)",
        )
        p.add_argument(
            "--gold-km",
            type=float,
            default=settings.GOLD_RADIUS_KM,
            help=f"gold-site radius (default {settings.GOLD_RADIUS_KM:g} km)",
        )
        p.add_argument(
            "--attract-km",
            type=float,
            default=settings.ATTRACT_RADIUS_KM,
            help=f"reach of an attractive place (default {settings.ATTRACT_RADIUS_KM:g} km)",
        )
        p.add_argument(
            "--attract-threshold",
            type=float,
            default=settings.ATTRACT_THRESHOLD,
            help="attractiveness (0-1) meeting the criterion",
        )
        p.add_argument(
            "--attractiveness",
            metavar="CSV",
            help="attractiveness table replacing data/attractiveness.csv",
        )
        p.add_argument(
            "--weights",
            help="criterion weights, e.g. attractiveness=1,border=2,"
            "gold=1 (or a=1,b=2,c=1); equal by default",
        )
        p.add_argument(
            "--min-criteria",
            type=int,
            default=settings.MIN_CRITERIA,
            help="a unit is at risk when it meets at least N criteria (default 1)",
        )
        p.add_argument(
            "--coverage-threshold",
            type=float,
            default=settings.COVERAGE_THRESHOLD,
            help="gaps: share of the target below which coverage is too low",
        )
        p.add_argument(
            "--gap-rule",
            choices=("any", "coverage", "access", "both"),
            default="any",
            help="gaps: low coverage, no access, either or both",
        )
        p.add_argument(
            "--n", type=int, default=settings.NEXT_SITES_N, help="next: number of sites to suggest"
        )
        p.add_argument(
            "--min-distance-km",
            type=float,
            default=settings.NEXT_MIN_DISTANCE_KM,
            help="next: minimum distance from existing centres and chosen sites",
        )


def run(args: argparse.Namespace) -> int:
    """Run one analysis and print or write its result."""
    ctx = Context.from_args(args)
    result = analyse(
        args.verb,
        **ctx.analysis_kwargs(),
        bands=args.bands,
        access_km=args.access_km,
        border_km=args.border_km,
        gold_km=args.gold_km,
        attract_km=args.attract_km,
        attract_threshold=args.attract_threshold,
        attractiveness=args.attractiveness,
        weights=args.weights,
        min_criteria=args.min_criteria,
        coverage_threshold=args.coverage_threshold,
        gap_rule=args.gap_rule,
        n=args.n,
        min_distance_km=args.min_distance_km,
        period=args.period,
    )
    if args.json:
        emit_json(result.to_json(full=args.full))
        return 0
    written = False
    for out, frame in ((args.csv, result.table), (args.places_csv, _places_table(result))):
        if not out:
            continue
        path = Path(out)
        if not path.parent.is_dir():
            raise InputError(t("analyses.bad_folder", args.lang, folder=path.parent), source=str(path))
        write_csv(frame, path, mark=output_mark(ctx.store, args.lang))
        print(t("analyses.csv_written", args.lang, path=path, n=len(frame)))
        written = True
    if not written:
        print(_text(result, args.lang))
    return 0


def _places_table(result) -> pd.DataFrame:
    """Return the per-place table (one row per settlement, lists joined with "; ")."""
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
            places=_number(s["place_count"], lang),
            units=_number(s["unit_count"], lang),
            kind=unit_kind,
            area=_number(s["zone_area_km2"] or 0, lang),
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
            lines.append(f"  {row.name} ({_where(row)}) : {row.explanation}")
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
            lines.append(f"  {site['explanation']} — {site['lat']:.4f}, {site['lon']:.4f}")
        if s.get("why_none"):
            lines.append(f"  {s['why_none']}")
    lines.extend(f"  ! {note}" for note in s.get("notes", []))
    if s.get("unlocated_places") and result.verb != "access":
        lines.append("  ! " + t("analyses.unlocated", lang, names=", ".join(s["unlocated_places"])))
    return "\n".join(lines)


def _number(value: float, lang: str) -> str:
    """Return ``value`` rounded, with the thousands separator of ``lang`` (1 313 / 1,313)."""
    text = f"{value:,.0f}"
    return text.replace(",", "\u202f") if lang == "fr" else text


#: Places listed in the text report (the JSON and CSV have them all).
SHOWN = 15


def _where(row) -> str:
    parts = [p for p in (getattr(row, "commune", None), getattr(row, "cercle", None)) if p]
    return ", ".join(dict.fromkeys(parts)) or "—"


def _place_line(row, lang: str) -> str:
    dist = row.dist_centre_km
    if dist != dist:  # NaN: no centre
        return f"  {row.name} ({_where(row)}) : {t('analyses.gap.no_centre', lang)}"
    return t(
        "analyses.text.nearest",
        lang,
        name=row.name,
        where=_where(row),
        centre=row.nearest_centre_town or row.nearest_centre,
        km=dist,
    )
