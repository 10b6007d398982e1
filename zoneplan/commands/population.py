"""``zoneplan data add-population FILE``: child population per unit, joined on unit id or name."""

from __future__ import annotations

import argparse
import datetime as dt

import layers
from geo.errors import InputError
from geo.population import join_population, read_table
from zoneplan import datastore
from zoneplan.cli import CLI, emit_json, store_of


def register(cli: CLI) -> None:
    """Add ``data add-population``."""
    cli.group("data", help="install and inspect the data layers")
    p = cli.command(
        "add-population",
        add_population,
        group="data",
        help="install the child population per unit (CSV or Excel), joined on unit "
        "id (admin id or H3 cell) or name",
    )
    p.add_argument("file")
    p.add_argument("--id-col", help="unit id column (default: unit_id, code, pcode, hasc, h3…)")
    p.add_argument("--name-col", help="unit name column (default: name, nom, commune…)")
    p.add_argument(
        "--children-col", help="child population column (default: children, enfants, pop_0_17…)"
    )
    p.add_argument(
        "--level", type=int, help="match only admin units of this level (1 région, 2 cercle, 3 commune)"
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary")


def add_population(args: argparse.Namespace) -> int:
    """Read, match and install a population table; report every rejected row."""
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
