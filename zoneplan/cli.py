"""The ``zoneplan`` command: a thin face over ``geo/`` and ``layers/``.

Each module in :mod:`zoneplan.commands` registers its subcommands through ``register(cli)``. Bad
input raises :class:`geo.errors.InputError`, which ends here as one line on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections.abc import Callable, Sequence

from geo import settings
from geo.errors import InputError
from geo.store import Store

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


class CLI:
    """The command tree, with groups (``zoneplan data ...``) shared between command modules."""

    def __init__(self) -> None:
        self.parser = _Parser(prog="zoneplan", description=__doc__.splitlines()[0])
        self.parser.add_argument("--version", action="version", version="zoneplan 0.1.0")
        self.common = _Parser(add_help=False)
        self.common.add_argument(
            "--store",
            metavar="PATH",
            help="project store (GeoPackage); default $ZONEPLAN_HOME or the user data folder",
        )
        self.common.add_argument(
            "--lang",
            choices=settings.LANGUAGES,
            default=settings.DEFAULT_LANGUAGE,
            help="language of the output",
        )
        self._sub = self.parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
        self._groups: dict[str, argparse._SubParsersAction] = {}

    def command(
        self,
        name: str,
        func: Callable[[argparse.Namespace], int | None],
        help: str,
        group: str | None = None,
    ) -> argparse.ArgumentParser:
        """Add a subcommand (inside ``group`` if given) that calls ``func(args)``."""
        sub = self._sub if group is None else self.group(group)
        parser = sub.add_parser(name, help=help, description=help, parents=[self.common])
        parser.set_defaults(func=func)
        return parser

    def group(self, name: str, help: str = "") -> argparse._SubParsersAction:
        """Return the sub-command set of group ``name`` (``zoneplan NAME ...``), creating it."""
        if name not in self._groups:
            parser = self._sub.add_parser(name, help=help, description=help)
            parser.set_defaults(func=lambda args, p=parser: p.print_help() or EXIT_BAD_INPUT)
            self._groups[name] = parser.add_subparsers(
                dest=f"{name}_command", metavar="ACTION", parser_class=_Parser
            )
        return self._groups[name]


def build() -> CLI:
    """Return the CLI with every command module registered."""
    import zoneplan.commands as pkg

    cli = CLI()
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        importlib.import_module(f"{pkg.__name__}.{info.name}").register(cli)
    return cli


def store_of(args: argparse.Namespace) -> Store:
    """Return the store named by ``--store`` (or the default)."""
    return Store.of(getattr(args, "store", None))


def emit_json(data: object) -> None:
    """Print ``data`` as JSON on stdout."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``zoneplan`` command line."""
    cli = build()
    args = cli.parser.parse_args(argv)
    if not getattr(args, "func", None):
        cli.parser.print_help()
        sys.exit(EXIT_BAD_INPUT)
    try:
        code = args.func(args)
    except InputError as exc:
        print(f"zoneplan: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        sys.exit(0)
    sys.exit(int(code or 0))
