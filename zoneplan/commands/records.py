"""``zoneplan import FILE``: import activity or case records, with a report that adds up."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo import settings
from geo.i18n import t
from geo.vocab import RECORD_KINDS
from zoneplan.cli import CLI, emit_json, store_of


def register(cli: CLI) -> None:
    """Add the ``import`` command."""
    p = cli.command("import", import_records)
    p.add_argument("file", metavar=cli.text("cli.metavar.file"), help=cli.text("cli.import.file"))
    p.add_argument(
        "--kind", choices=RECORD_KINDS, default="activities", help=cli.text("cli.import.kind")
    )
    p.add_argument("--mapping", metavar="MAP", help=cli.text("cli.import.mapping"))
    p.add_argument("--dry-run", action="store_true", help=cli.text("cli.import.dry_run"))
    p.add_argument("--report", metavar="OUT.csv", help=cli.text("cli.import.report"))
    p.add_argument("--json", action="store_true", help=cli.text("cli.opt.json"))
    p.add_argument(
        "--max-mb",
        type=float,
        default=settings.RECORDS_MAX_FILE_MB,
        help=cli.text("cli.import.max_mb"),
    )


def import_records(args: argparse.Namespace) -> int:
    """Import ``args.file`` and print the summary (and write the per-row report)."""
    from geo.csvsafe import write_csv
    from geo.errors import InputError
    from zoneplan.records import import_file

    store = store_of(args)
    if args.report and Path(args.report).resolve() == Path(args.file).resolve():
        raise InputError("--report would overwrite the file being imported; choose another path")
    report = import_file(
        args.file,
        kind=args.kind,
        store=store,
        mapping=args.mapping,
        dry_run=args.dry_run,
        max_mb=args.max_mb,
    )
    if args.report:
        write_csv(report.rows, args.report)
    s = report.summary
    if args.json:
        emit_json(s)
        return 0
    lang = args.lang
    print(
        t(
            "records.summary",
            lang,
            file=s["file"],
            rows_read=s["rows_read"],
            accepted=s["accepted"],
            rejected=s["rejected"],
            fuzzy=s["fuzzy"],
            duplicates=s["duplicates"],
            added=s["added"],
            already_present=s["already_present"],
        )
    )
    for row in s["rejected_rows"]:
        print(t("records.rejected_row", lang, line=row["line"], reason=row["reason"]))
    if s.get("note"):
        print(t("records.cases_note", lang, n=s.get("coordinates_dropped", 0)))
    if args.dry_run:
        print(t("records.dry_run", lang))
    return 0
