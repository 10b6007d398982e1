"""``zoneplan import FILE``: import activity or case records, with a report that adds up."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo import settings
from geo.i18n import t
from geo.vocab import RECORD_KINDS
from zoneplan.cli import CLI, emit_json, store_of

#: Rejected rows printed on the terminal; all of them are in --report, --json and the quarantine.
MAX_PRINTED_REJECTIONS = 200


def register(cli: CLI) -> None:
    """Add the ``import`` command."""
    p = cli.command("import", import_records)
    p.add_argument("file", metavar=cli.metavar("file"), help=cli.text("cli.import.file"))
    p.add_argument(
        "--kind", choices=RECORD_KINDS, default="activities", help=cli.text("cli.import.kind")
    )
    p.add_argument("--mapping", metavar=cli.metavar("mapping"), help=cli.text("cli.import.mapping"))
    p.add_argument("--sheet", metavar=cli.metavar("sheet"), help=cli.text("cli.import.sheet"))
    p.add_argument("--dry-run", action="store_true", help=cli.text("cli.import.dry_run"))
    p.add_argument("--report", metavar=cli.metavar("report"), help=cli.text("cli.import.report"))
    p.add_argument("--json", action="store_true", help=cli.text("cli.opt.json"))
    p.add_argument(
        "--max-mb",
        type=float,
        default=settings.RECORDS_MAX_FILE_MB,
        metavar=cli.metavar("megabytes"),
        help=cli.text("cli.import.max_mb"),
    )


def import_records(args: argparse.Namespace) -> int:
    """Import ``args.file`` and print the summary (and write the per-row report)."""
    from geo.csvsafe import write_csv
    from geo.errors import InputError
    from geo.i18n import number
    from zoneplan.records import import_file

    lang = args.lang
    store = store_of(args)
    if args.report and Path(args.report).resolve() == Path(args.file).resolve():
        raise InputError(t("records.report_overwrites", lang))
    progress = _Progress(lang) if sys.stderr.isatty() and not args.json else None
    try:
        report = import_file(
            args.file,
            kind=args.kind,
            store=store,
            mapping=args.mapping,
            dry_run=args.dry_run,
            max_mb=args.max_mb,
            lang=lang,
            sheet=args.sheet,
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.done()
    if args.report:
        write_csv(report.rows, args.report)
    s = report.summary
    if args.json:
        emit_json(s)
        return 0
    figures = {
        k: number(s[k], lang)
        for k in ("rows_read", "accepted", "rejected", "fuzzy", "duplicates", "added", "already_present")
    }
    print(t("records.summary", lang, file=s["file"], **figures))
    for sheet in s.get("sheets", []) if len(s.get("sheets", [])) > 1 else []:
        counts = {k: number(sheet[k], lang) for k in ("rows_read", "accepted", "rejected")}
        print(t("records.summary_sheet", lang, sheet=sheet["sheet"], **counts))
    for name in s.get("skipped_sheets", []):
        print(t("records.skipped_sheet", lang, sheet=name))
    if s.get("encoding") == "utf-8+cp1252":
        print(t("records.encoding_mixed", lang))
    rows = s["rejected_rows"]
    for row in rows[:MAX_PRINTED_REJECTIONS]:
        line = number(row["line"], lang)
        if row.get("sheet"):
            print(
                t(
                    "records.rejected_row_sheet",
                    lang,
                    sheet=row["sheet"],
                    line=line,
                    reason=row["reason"],
                )
            )
        else:
            print(t("records.rejected_row", lang, line=line, reason=row["reason"]))
    if len(rows) > MAX_PRINTED_REJECTIONS:
        print(t("records.more_rejected", lang, n=number(len(rows) - MAX_PRINTED_REJECTIONS, lang)))
    if s.get("note"):
        print(t("records.cases_note", lang, n=number(s.get("coordinates_dropped", 0), lang)))
    if args.dry_run:
        print(t("records.dry_run", lang))
    return 0


class _Progress:
    """A one-line progress report on the terminal (stderr), rewritten in place."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.shown = False

    def __call__(self, fraction: float, rows: int) -> None:
        from geo.i18n import number

        percent = number(min(max(fraction, 0.0), 1.0) * 100, self.lang)
        text = t("records.progress", self.lang, percent=percent, rows=number(rows, self.lang))
        sys.stderr.write("\r" + text)
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
