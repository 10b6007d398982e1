"""``zoneplan data add-population FILE``: child population per unit, joined on unit id or name."""

from __future__ import annotations

import argparse
import datetime as dt

from zoneplan.cli import CLI, emit_json, store_of


def register(cli: CLI) -> None:
    """Add ``data add-population``."""
    p = cli.command("add-population", add_population, group="data")
    p.add_argument("file", metavar=cli.text("cli.metavar.file"), help=cli.text("cli.population.file"))
    for col in ("id", "name", "children"):
        p.add_argument(f"--{col}-col", help=cli.text(f"cli.population.{col}_col"))
    p.add_argument("--level", type=int, help=cli.text("cli.population.level"))
    p.add_argument("--json", action="store_true", help=cli.text("cli.opt.json"))


def add_population(args: argparse.Namespace) -> int:
    """Read, match and install a population table; report every rejected row."""
    import layers
    from geo.errors import InputError
    from geo.population import join_population, read_table
    from zoneplan import datastore

    store = store_of(args)
    table = read_table(args.file)
    units = layers.load("admin", store=store)
    pop, report = join_population(
        table,
        units,
        id_col=args.id_col,
        name_col=args.name_col,
        children_col=args.children_col,
        level=args.level,
        source=str(args.file),
    )
    matched = int((report["status"] == "matched").sum())
    if matched == 0:
        first = report["reason"].iloc[0] if len(report) else "the table is empty"
        raise InputError(
            f"no row matches an installed unit or H3 cell (first: {first}); nothing installed",
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
        f"{args.file}: {len(report)} rows read, {matched} matched, {len(rejected)} rejected; "
        f"{len(pop)} units installed"
    )
    for row in rejected.itertuples():
        print(f"  line {row.line}: {row.reason}")
    return 0
