"""``zoneplan data add-places FILE``: install a gazetteer of villages for import place matching."""

from __future__ import annotations

import argparse
import datetime as dt

from geo.i18n import t
from zoneplan.cli import CLI, LazyChoices, emit_json, store_of

#: Rejected rows printed one by one (the rest are counted by reason; --json or --report has all).
SHOWN_REJECTIONS = 20


def register(cli: CLI) -> None:
    """Add ``data add-places``."""
    p = cli.command("add-places", add_places, group="data")
    p.add_argument("file", metavar=cli.metavar("file"), help=cli.text("cli.places.file"))
    p.add_argument(
        "--schema",
        choices=LazyChoices(_schemas),
        metavar=cli.metavar("schema"),
        help=cli.text("cli.places.schema"),
    )
    for col in ("name", "lat", "lon", "id", "admin1", "admin2", "admin3"):
        p.add_argument(
            f"--{col}-col", metavar=cli.metavar("column"), help=cli.text(f"cli.places.{col}_col")
        )
    p.add_argument("--layer", metavar=cli.metavar("layer"), help=cli.text("cli.data.layer"))
    p.add_argument(
        "--attribution", metavar=cli.metavar("attribution"), help=cli.text("cli.data.attribution")
    )
    p.add_argument("--report", metavar=cli.metavar("report"), help=cli.text("cli.places.report"))
    p.add_argument("--json", action="store_true", help=cli.text("cli.opt.json"))


def _schemas() -> tuple[str, ...]:
    from geo.gazetteer import SCHEMAS

    return SCHEMAS


def add_places(args: argparse.Namespace) -> int:
    """Read, check and install a gazetteer; report every rejected row."""
    import layers
    from geo.csvsafe import write_csv
    from geo.errors import InputError
    from geo.gazetteer import read_gazetteer
    from geo.i18n import number
    from zoneplan import datastore

    store = store_of(args)
    units = layers.load("admin", store=store)
    borders = layers.load("borders")
    outline = borders.loc[borders["is_mali"], "geometry"].union_all()
    gf = read_gazetteer(
        args.file,
        schema=args.schema,
        name_col=args.name_col,
        lat_col=args.lat_col,
        lon_col=args.lon_col,
        id_col=args.id_col,
        admin1_col=args.admin1_col,
        admin2_col=args.admin2_col,
        admin3_col=args.admin3_col,
        layer=args.layer,
        units=units,
        outline=outline,
        lang=args.lang,
    )
    if args.attribution:
        gf.attribution = args.attribution
    if gf.frame.empty:
        first = gf.report.iloc[0]
        raise InputError(
            t("gazetteer.nothing_accepted", args.lang, line=first["line"], reason=first["reason"]),
            source=gf.source,
        )
    previous = datastore.install_gazetteer(store, gf, date=dt.date.today().isoformat())
    if args.report:
        write_csv(gf.report, args.report)
    summary = {**gf.summary, "replaced": previous, "store": str(store.path)}
    if args.json:
        emit_json(summary)
        return 0
    lang = args.lang
    print(
        t(
            "gazetteer.summary",
            lang,
            file=gf.source,
            schema=gf.schema,
            rows_read=number(summary["rows_read"], lang),
            accepted=number(summary["accepted"], lang),
            rejected=number(summary["rejected"], lang),
            filled=number(summary["admin_filled"].get("admin2", 0), lang),
            replaced=number(previous, lang),
        )
    )
    for reason, n in summary["rejected_by_reason"].items():
        print(t("gazetteer.rejected_reason", lang, reason=reason, n=number(n, lang)))
    for row in summary["rejected_rows"][:SHOWN_REJECTIONS]:
        print(
            t("gazetteer.rejected_row", lang, line=row["line"], name=row["name"], reason=row["reason"])
        )
    if summary["rejected"] > SHOWN_REJECTIONS:
        more = number(summary["rejected"] - SHOWN_REJECTIONS, lang)
        print(t("gazetteer.more_rejected", lang, n=more))
    if gf.attribution:
        print(t("gazetteer.attribution", lang, text=gf.attribution))
    return 0
