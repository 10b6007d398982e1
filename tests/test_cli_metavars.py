"""The placeholders of the command line's help (``--zone ZONE``) speak the help's language.

argparse writes an option's value as its ``dest`` upper-cased (``--view VIEW``) unless the option
gives a ``metavar``: English in a French help. Each option that takes a value names it with a
``cli.metavar.*`` catalogue word, or shows its choices, or a neutral unit (KM, N, CSV).
"""

from __future__ import annotations

import argparse
import re

import pytest

from geo.i18n import catalogue
from zoneplan.cli import build, main

#: Placeholders that read the same in both languages: units and file kinds.
NEUTRAL = {"KM", "KM,KM", "N", "CSV"}
#: The catalogue's placeholder words: key -> {"fr": ..., "en": ...}.
METAVARS = {key: text for key, text in catalogue().items() if key.startswith("cli.metavar.")}
FRENCH_WORDS = {text["fr"] for text in METAVARS.values()}
ENGLISH_WORDS = {text["en"] for text in METAVARS.values()}
#: An upper-case word of a help text (placeholders, ``INTERNE``, ``PNG``...).
UPPER_WORD = re.compile(r"(?<![\w-])[A-ZÀÂÇÉÈÊËÎÏÔÙÛÜ][A-ZÀÂÇÉÈÊËÎÏÔÙÛÜ0-9_]+(?![\w-])")


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Yield ``(command path, parser)`` for the parser and every sub-command under it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def _valued(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Return the parser's arguments that take a value (positionals and valued options)."""
    return [a for a in parser._actions if a.nargs != 0 and not isinstance(a, argparse._HelpAction)]


def _shown(action: argparse.Action) -> str:
    """Return the placeholder argparse shows for ``action`` (its default is ``dest`` upper-cased)."""
    if action.metavar is not None:
        return action.metavar
    if action.choices is not None:
        return "{" + ",".join(action.choices) + "}"
    return action.dest.upper() if action.option_strings else action.dest


def _key_of(fr: str, en: str) -> str | None:
    """Return the catalogue key whose French and English words are ``fr`` and ``en``."""
    return next((k for k, v in METAVARS.items() if v == {"fr": fr, "en": en}), None)


FR_TREE = dict(_commands(build("fr").parser))
EN_TREE = dict(_commands(build("en").parser))
COMMANDS = sorted(FR_TREE)


def _help(argv: list[str], capsys, monkeypatch) -> str:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as info:
        main([*argv, "--help"])
    assert info.value.code == 0
    return capsys.readouterr().out


def test_the_tree_has_every_command():
    assert ("export", "map") in FR_TREE and ("data", "add-places") in FR_TREE and ("app",) in FR_TREE
    assert sorted(EN_TREE) == COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "zoneplan")
def test_every_placeholder_is_a_catalogue_word_in_both_languages(command):
    fr_actions, en_actions = _valued(FR_TREE[command]), _valued(EN_TREE[command])
    assert [a.dest for a in fr_actions] == [a.dest for a in en_actions]
    wrong = []
    for fr, en in zip(fr_actions, en_actions, strict=True):
        name = "/".join(fr.option_strings) or fr.dest
        if fr.metavar is None and fr.choices is not None:
            continue  # shown as {a,b,c}: the values themselves
        fr_word, en_word = _shown(fr), _shown(en)
        if fr_word in NEUTRAL and en_word == fr_word:
            continue
        if fr_word not in FRENCH_WORDS or _key_of(fr_word, en_word) is None:
            wrong.append(f"{name}: fr {fr_word!r} / en {en_word!r}")
    assert not wrong, f"zoneplan {' '.join(command)}: placeholders not from cli.metavar.*: {wrong}"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "zoneplan")
def test_french_help_shows_no_english_placeholder(command, capsys, monkeypatch):
    """The help as printed: no word that only an English placeholder would be."""
    dests = {a.dest.upper() for _, p in FR_TREE.items() for a in _valued(p)}
    english_only = (ENGLISH_WORDS | dests | {"MAP", "OUT", "FMT"}) - FRENCH_WORDS - NEUTRAL
    text = _help(list(command), capsys, monkeypatch)
    found = sorted(set(UPPER_WORD.findall(text)) & english_only)
    assert not found, f"zoneplan {' '.join(command)} --help shows English placeholders {found}"


@pytest.mark.parametrize(
    ("command", "fr_shown", "en_shown"),
    [
        (("export", "map"), "--view VUE --zone ZONE", "--view VIEW --zone ZONE"),
        (("export", "map"), "[--format FORMAT]", "[--format FORMAT]"),
        (("export", "pack"), "[--by NIVEAU]", "[--by BY]"),
        (("export", "pack"), "[--audience PUBLIC]", "[--audience AUDIENCE]"),
        (("app",), "[--host ADRESSE]", "[--host HOST]"),
        (("import",), "[--mapping CORRESPONDANCE]", "[--mapping MAPPING]"),
        (("import",), "[--report RAPPORT.csv]", "[--report REPORT.csv]"),
        (("data", "add-places"), "[--schema SCHÉMA]", "[--schema SCHEMA]"),
        (("data", "add-places"), "FICHIER", "FILE"),
    ],
)
def test_placeholders_in_the_usage_line(command, fr_shown, en_shown, capsys, monkeypatch):
    french = _help(list(command), capsys, monkeypatch)
    english = _help([*command, "--lang", "en"], capsys, monkeypatch)
    squash = " ".join  # the usage line wraps: compare word sequences
    assert squash(fr_shown.split()) in squash(french.split())
    assert squash(en_shown.split()) in squash(english.split())
