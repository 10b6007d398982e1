"""``zoneplan export ...``: single maps (PNG, SVG, PDF, offline HTML) and CCPE packs (PDF)."""

from __future__ import annotations

import argparse
import sys

from geo.i18n import t
from geo.vocab import AUDIENCES
from zoneplan.cli import CLI


def register(cli: CLI) -> None:
    """Add the ``export`` commands."""
    p = cli.command("map", export_map, group="export")
    p.add_argument(
        "--view", required=True, metavar=cli.metavar("view"), help=cli.text("cli.export.view")
    )
    _zone_and_audience(cli, p)
    p.add_argument(
        "--format", dest="fmt", metavar=cli.metavar("format"), help=cli.text("cli.export.format")
    )
    p.add_argument("--period", metavar=cli.metavar("period"), help=cli.text("cli.export.period"))
    p.add_argument("--units", metavar=cli.metavar("units"), help=cli.text("cli.export.units"))
    _paper(cli, p)
    p.add_argument(
        "--orientation",
        default="landscape",
        metavar=cli.metavar("orientation"),
        help=cli.text("cli.export.orientation"),
    )
    # No default here: geo.printmap (slow to import) owns it; the help states it.
    p.add_argument("--dpi", type=int, metavar=cli.metavar("dpi"), help=cli.text("cli.export.dpi"))
    _version_and_output(cli, p, "cli.export.output")

    p = cli.command("pack", export_pack, group="export")
    _zone_and_audience(cli, p)
    p.add_argument("--by", default="commune", metavar=cli.metavar("by"), help=cli.text("cli.export.by"))
    p.add_argument("--period", metavar=cli.metavar("period"), help=cli.text("cli.export.period"))
    _paper(cli, p)
    p.add_argument("--targets", metavar=cli.metavar("file"), help=cli.text("cli.export.targets"))
    _version_and_output(cli, p, "cli.export.pack_output")


def _zone_and_audience(cli: CLI, p: argparse.ArgumentParser) -> None:
    """Add the options every export starts with: the zone and who the output is for."""
    p.add_argument(
        "--zone", required=True, metavar=cli.metavar("zone"), help=cli.text("cli.export.zone")
    )
    p.add_argument(
        "--audience",
        default=AUDIENCES[0],
        metavar=cli.metavar("audience"),
        help=cli.text("cli.export.audience"),
    )


def _paper(cli: CLI, p: argparse.ArgumentParser) -> None:
    """Add ``--paper`` (A4 or A3)."""
    p.add_argument(
        "--paper", default="A4", metavar=cli.metavar("paper"), help=cli.text("cli.export.paper")
    )


def _version_and_output(cli: CLI, p: argparse.ArgumentParser, output_help: str) -> None:
    """Add the options every export ends with: the map's version and the file to write."""
    p.add_argument("--map-version", default="1", metavar="N", help=cli.text("cli.export.map_version"))
    file = cli.metavar("file")
    p.add_argument("-o", "--output", metavar=file, required=True, help=cli.text(output_help))


def _size(path) -> str:
    n = path.stat().st_size
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def export_map(args: argparse.Namespace) -> int:
    """Write one map."""
    from zoneplan import exports
    from zoneplan.context import Context

    filters = {"units": args.units} if args.units else {}
    if args.dpi is not None:
        filters["dpi"] = args.dpi
    ctx = Context.from_args(args)
    path = exports.export_map(
        args.view,
        **ctx.service_kwargs(),
        zone=ctx.zone,
        period=ctx.period,
        out=args.output,
        fmt=args.fmt,
        paper=args.paper,
        orientation=args.orientation,
        version=args.map_version,
        **filters,
    )
    print(t("export.written", args.lang, path=path, size=_size(path)))
    return 0


class ProgressBar:
    """A text progress bar on stderr (redrawn in place on a terminal, one line per step else)."""

    def __init__(self, stream=None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int, name: str) -> None:
        filled = int(self.width * done / max(total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        line = f"[{bar}] {done}/{total} {name}"
        if self.tty:
            end = "\n" if done >= total else ""
            self.stream.write("\r\x1b[K" + line + end)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def export_pack(args: argparse.Namespace) -> int:
    """Write a CCPE pack."""
    from zoneplan import exports
    from zoneplan.context import Context

    ctx = Context.from_args(args)
    path, pages = exports.export_pack(
        **ctx.service_kwargs(),
        zone=ctx.zone,
        period=ctx.period,
        by=args.by,
        out=args.output,
        paper=args.paper,
        progress=ProgressBar(),
        targets=args.targets,
        version=args.map_version,
    )
    print(t("export.written", args.lang, path=path, size=_size(path)) + f" — {pages} pages")
    return 0
