"""``zoneplan data add-population FILE``: child population per unit, joined on unit id or name."""

from __future__ import annotations

import argparse
import datetime as dt

from geo.i18n import t
from zoneplan.cli import CLI, emit_json, store_of


def register(cli: CLI) -> None:
    """Add ``data add-population``."""
    p = cli.command("add-population", add_population, group="data")
    p.add_argument("file", metavar=cli.metavar("file"), help=cli.text("cli.population.file"))
    for col in ("id", "name", "children"):
        p.add_argument(
            f"--{col}-col", metavar=cli.metavar("column"), help=cli.text(f"cli.population.{col}_col")
        )
    p.add_argument(
        "--level", type=int, metavar=cli.metavar("level"), help=cli.text("cli.population.level")
    )
    p.add_argument("--sheet", metavar=cli.metavar("sheet"), help=cli.text("cli.population.sheet"))
    p.add_argument("--json", action="store_true", help=cli.text("cli.opt.json"))


def add_population(args: argparse.Namespace) -> int:
    """Read, match and install a population table; report every rejected row."""
    import layers
    from geo.errors import InputError
    from geo.population import join_population, read_table
    from zoneplan import datastore

    lang = args.lang
    store = store_of(args)
    table = read_table(args.file, sheet=args.sheet, lang=lang)
    units = layers.load("admin", store=store)
    pop, report = join_population(
        table,
        units,
        id_col=args.id_col,
        name_col=args.name_col,
        children_col=args.children_col,
        level=args.level,
        source=str(args.file),
        lang=lang,
    )
    matched = int((report["status"] == "matched").sum())
    if matched == 0:
        first = report.iloc[0]
        raise InputError(
            t("population.nothing_matched", lang, line=first["line"], reason=first["reason"]),
            source=str(args.file),
        )
    datastore.install_population(store, pop, source=str(args.file), date=dt.date.today().isoformat())
    rejected = report[report["status"] == "rejected"]
    summary = {
        "file": str(args.file),
        "rows_read": int(len(report)),
        "matched": matched,
        "rejected": int(len(rejected)),
        "units": int(len(pop)),
        "rejected_rows": rejected[["line", "reason"]].to_dict(orient="records"),
        "store": str(store.path),
    }
    if args.json:
        emit_json(summary)
        return 0
    print(
        t(
            "population.summary",
            lang,
            file=args.file,
            read=len(report),
            matched=matched,
            rejected=len(rejected),
            units=len(pop),
        )
    )
    for row in rejected.itertuples():
        print(t("population.rejected_row", lang, line=row.line, reason=row.reason))
    return 0
