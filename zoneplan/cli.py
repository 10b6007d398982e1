"""The ``zoneplan`` command: its parser, help in the user's language, and the exit status of bad input.

Each module in :mod:`zoneplan.commands` registers its subcommands through ``register(cli)``; the
registration imports only argparse and the texts, and each command imports its service when it
runs, so ``zoneplan --help`` starts fast. The help speaks French unless ``--lang en`` or an English
locale (``LANG=en_US.UTF-8``) asks for English, argparse's own words included. Bad input raises
:class:`geo.errors.InputError`, which ends here as one line on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from geo import settings
from geo.errors import InputError
from geo.i18n import t

if TYPE_CHECKING:
    from geo.store import Store

EXIT_BAD_INPUT = 2
#: Locale variables, in gettext's order of precedence.
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
#: argparse's own words (its gettext message ids) and their catalogue keys.
ARGPARSE_WORDS = {
    "usage: ": "cli.argparse.usage",
    "positional arguments": "cli.argparse.positional",
    "options": "cli.argparse.options",
    "show this help message and exit": "cli.argparse.help",
    "show program's version number and exit": "cli.argparse.version",
    "argument %(argument_name)s: %(message)s": "cli.argparse.argument",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli.argparse.invalid_choice",
    "the following arguments are required: %s": "cli.argparse.required",
    "unrecognized arguments: %s": "cli.argparse.unrecognized",
    "invalid %(type)s value: %(value)r": "cli.argparse.invalid_type",
    "expected one argument": "cli.argparse.expected_one",
    "not allowed with argument %s": "cli.argparse.not_allowed",
    "ambiguous option: %(option)s could match %(matches)s": "cli.argparse.ambiguous",
    "one of the arguments %s is required": "cli.argparse.one_required",
    "ignored explicit argument %r": "cli.argparse.explicit",
    " (default: %(default)s)": "cli.default",  # not argparse's: HelpFormatter's, asked the same way
}


def help_language(argv: Sequence[str], environ: dict[str, str] | None = None) -> str:
    """Return the language of the help: ``--lang`` if given, else the locale's (French by default)."""
    for i, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        if value in settings.LANGUAGES:
            return value
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARS:
        value = environ.get(name, "")
        if value:
            return "en" if value.lower().startswith("en") else settings.DEFAULT_LANGUAGE
    return settings.DEFAULT_LANGUAGE


@contextlib.contextmanager
def argparse_speaks(lang: str) -> Iterator[None]:
    """Translate argparse's own words (``usage:``, errors...) into ``lang`` while inside."""
    original = argparse._

    def translate(message: str) -> str:
        key = ARGPARSE_WORDS.get(message)
        return t(key, lang) if key and lang != "en" else original(message)

    argparse._ = translate
    try:
        yield
    finally:
        argparse._ = original


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keep the examples' lines and show each option's default in the help's language."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        hidden = default is None or default is False or default == argparse.SUPPRESS
        if hidden or "%(default)" in text or not action.option_strings:
            return text
        if isinstance(default, tuple):  # distance bands: 5,10,25,50
            shown = ",".join(f"{v:g}" for v in default)
            return text + argparse._(" (default: %(default)s)").replace("%(default)s", shown)
        return text + argparse._(" (default: %(default)s)")


class LazyChoices:
    """Choices read from a slow module only when argparse checks or shows them (give a metavar)."""

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load

    def __contains__(self, value: object) -> bool:
        return value in self._load()

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())


class CLI:
    """The command tree, with groups (``zoneplan data ...``) shared between command modules."""

    def __init__(self, lang: str = settings.DEFAULT_LANGUAGE) -> None:
        self.lang = lang
        self.parser = self._parser("zoneplan", "cli.description", "cli.examples.zoneplan")
        self.parser.add_argument(
            "--version",
            action="version",
            version="zoneplan 0.1.0",
            help=argparse._("show program's version number and exit"),
        )
        self.common = _Parser(add_help=False)
        self.common.add_argument(
            "--store", metavar=self.metavar("path"), help=self.text("cli.opt.store")
        )
        self.common.add_argument(
            "--lang",
            choices=settings.LANGUAGES,
            default=settings.DEFAULT_LANGUAGE,
            help=self.text("cli.opt.lang"),
        )
        self._sub = self.parser.add_subparsers(
            dest="command", metavar=self.metavar("command"), parser_class=_Parser
        )
        self._groups: dict[str, argparse._SubParsersAction] = {}

    def text(self, key: str, **values: object) -> str:
        """Return catalogue text ``key`` in the help's language."""
        return t(key, self.lang, **values)

    def metavar(self, name: str) -> str:
        """Return the help's word ``cli.metavar.<name>`` for a value (``ZONE`` in ``--zone ZONE``).

        Every option that takes a value names it so: argparse's default is the option's name
        upper-cased, English in a French help.
        """
        return self.text(f"cli.metavar.{name}")

    def _parser(self, prog: str, help_key: str, examples_key: str, **kw: object) -> _Parser:
        return _Parser(prog=prog, **self._texts(help_key, examples_key), **kw)

    def _texts(self, help_key: str, examples_key: str) -> dict[str, object]:
        examples = "\n".join("  " + line for line in self.text(examples_key).splitlines())
        return {
            "description": self.text(help_key),
            "epilog": f"{self.text('cli.examples')}\n{examples}",
            "formatter_class": HelpFormatter,
        }

    def command(
        self,
        name: str,
        func: Callable[[argparse.Namespace], int | None],
        group: str | None = None,
    ) -> argparse.ArgumentParser:
        """Add a subcommand (inside ``group`` if given) that calls ``func(args)``.

        Its one-line description is ``cli.<group>.<name>.help`` (``cli.<name>.help`` outside a
        group) and its examples ``... .examples``, one a line.
        """
        sub = self._sub if group is None else self.group(group)
        key = f"cli.{group}.{name}" if group else f"cli.{name}"
        parser = sub.add_parser(
            name,
            help=self.text(f"{key}.help"),
            parents=[self.common],
            **self._texts(f"{key}.help", f"{key}.examples"),
        )
        parser.set_defaults(func=func)
        return parser

    def group(self, name: str) -> argparse._SubParsersAction:
        """Return the sub-command set of group ``name`` (``zoneplan NAME ...``), creating it."""
        if name not in self._groups:
            texts = self._texts(f"cli.{name}.help", f"cli.{name}.examples")
            parser = self._sub.add_parser(name, help=texts["description"], **texts)
            parser.set_defaults(func=lambda args, p=parser: self._print_help(p))
            self._groups[name] = parser.add_subparsers(
                dest=f"{name}_command", metavar=self.metavar("action"), parser_class=_Parser
            )
        return self._groups[name]

    def _print_help(self, parser: argparse.ArgumentParser) -> int:
        """Print the help of a group run without an action (a usage error)."""
        with argparse_speaks(self.lang):
            parser.print_help()
        return EXIT_BAD_INPUT


def build(lang: str = settings.DEFAULT_LANGUAGE) -> CLI:
    """Return the CLI with every command module registered, its help in ``lang``."""
    import zoneplan.commands as pkg

    cli = CLI(lang)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        importlib.import_module(f"{pkg.__name__}.{info.name}").register(cli)
    return cli


def store_of(args: argparse.Namespace) -> Store:
    """Return the store named by ``--store`` (or the default)."""
    from geo.store import Store

    return Store.of(getattr(args, "store", None))


def emit_json(data: object) -> None:
    """Print ``data`` as JSON on stdout."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``zoneplan`` command line."""
    argv = sys.argv[1:] if argv is None else list(argv)
    lang = help_language(argv)
    with argparse_speaks(lang):
        cli = build(lang)
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
