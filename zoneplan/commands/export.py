"""``zoneplan export ...``: single maps (PNG, SVG, PDF, offline HTML) and CCPE packs (PDF)."""

from __future__ import annotations

import argparse
import sys

from geo import printmap
from geo.i18n import t
from geo.vocab import AUDIENCES
from zoneplan import exports
from zoneplan.cli import CLI
from zoneplan.context import Context


def register(cli: CLI) -> None:
    """Add the ``export`` commands."""
    cli.group("export", help="export maps for meetings and reports (print, offline HTML, packs)")
    p = cli.command(
        "map",
        export_map,
        group="export",
        help="export one map: coverage, access, criteria or gaps of a zone",
    )
    p.add_argument("--view", required=True, help="coverage, access, criteria or gaps")
    p.add_argument(
        "--zone", required=True, help="zone id (bamako, segou, sikasso, mopti, kangaba, or a drawn zone)"
    )
    p.add_argument("--format", dest="fmt", help="png, svg, pdf or html (default: from -o)")
    p.add_argument(
        "--audience",
        default="public",
        help=f"{' or '.join(AUDIENCES)} (default public: centres at town level; internal, "
        "for the team only, shows exact centre points and says INTERNE)",
    )
    p.add_argument("--period", help="YYYY, YYYY-MM or YYYY-MM-DD/YYYY-MM-DD")
    p.add_argument("--units", help="planning units for the analyses (e.g. h3:8, admin2)")
    _print_options(p)
    p.add_argument("-o", "--output", required=True, help="file to write")

    p = cli.command(
        "pack",
        export_pack,
        group="export",
        help="export a CCPE pack: a cover and one page per commune or village (PDF)",
    )
    p.add_argument("--zone", required=True)
    p.add_argument("--by", default="commune", help="commune or village")
    p.add_argument("--audience", default="public", help=" or ".join(AUDIENCES))
    p.add_argument("--period", help="YYYY, YYYY-MM or YYYY-MM-DD/YYYY-MM-DD")
    p.add_argument("--paper", default="A4", help="A4 or A3")
    p.add_argument("-o", "--output", required=True, help="PDF file to write")


def _print_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--paper", default="A4", help="A4 or A3")
    p.add_argument("--orientation", default="landscape", help="landscape or portrait")
    p.add_argument("--dpi", type=int, default=printmap.DEFAULT_DPI, help="PNG resolution")


def _size(path) -> str:
    n = path.stat().st_size
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def export_map(args: argparse.Namespace) -> int:
    """Write one map."""
    filters = {"units": args.units} if args.units else {}
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
        dpi=args.dpi,
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
    ctx = Context.from_args(args)
    path, pages = exports.export_pack(
        **ctx.service_kwargs(),
        zone=ctx.zone,
        period=ctx.period,
        by=args.by,
        out=args.output,
        paper=args.paper,
        progress=ProgressBar(),
    )
    print(t("export.written", args.lang, path=path, size=_size(path)) + f" — {pages} pages")
    return 0
