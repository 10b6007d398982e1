"""The command line's help: French by default, English on request, each command its own options."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from zoneplan.cli import build, help_language, main
from zoneplan.commands.analyse import OPTIONS_OF

ENGLISH = re.compile(r"\b(usage|options|show this help|default|positional)\b", re.IGNORECASE)
#: Every command, as typed after ``zoneplan``.
COMMANDS = [
    (),
    ("app",),
    ("import",),
    ("data",),
    ("data", "add-boundaries"),
    ("data", "status"),
    ("data", "set-location"),
    ("data", "load-sample"),
    ("data", "remove-sample"),
    ("data", "add-places"),
    ("data", "add-population"),
    ("analyse",),
    ("analyse", "access"),
    ("analyse", "criteria"),
    ("analyse", "gaps"),
    ("analyse", "next"),
    ("export",),
    ("export", "map"),
    ("export", "pack"),
]
FRENCH = {"LANG": "fr_FR.UTF-8"}


def _help(argv: list[str], capsys, monkeypatch, env: dict[str, str] | None = None) -> str:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as info:
        main([*argv, "--help"])
    assert info.value.code == 0
    return capsys.readouterr().out


def _options(text: str) -> set[str]:
    """Return the long options listed in a help text's option lines."""
    return set(re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", text, re.MULTILINE))


def test_every_command_has_all_its_commands_listed_here():
    cli = build()
    groups = {name: parser for name, parser in cli._sub.choices.items()}
    listed = {c for c in COMMANDS if c}
    found = {(name,) for name in groups}
    for name, sub in cli._groups.items():
        found |= {(name, action) for action in sub.choices}
    assert found == listed


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "zoneplan")
def test_help_is_french_with_an_example(command, capsys, monkeypatch):
    text = _help(list(command), capsys, monkeypatch)
    assert ENGLISH.search(text) is None, ENGLISH.search(text)
    assert "utilisation : zoneplan" in text
    examples = text.split("Exemples :")[1]
    assert f"zoneplan {' '.join(command)}".strip() in examples


@pytest.mark.parametrize("command", [("analyse", "gaps"), ("data", "status"), ()])
def test_help_is_english_with_lang_en_or_an_english_locale(command, capsys, monkeypatch):
    if command:
        by_option = _help([*command, "--lang", "en"], capsys, monkeypatch, env=FRENCH)
        assert by_option.startswith("usage: zoneplan") and "show this help message" in by_option
        assert "Examples:" in by_option
    by_locale = _help(list(command), capsys, monkeypatch, env={"LANG": "en_US.UTF-8"})
    assert by_locale.startswith("usage: zoneplan") and "Examples:" in by_locale
    assert "utilisation" not in by_locale


def test_help_language_reads_the_option_then_the_locale():
    assert help_language([], {}) == "fr"
    assert help_language([], {"LANG": "C.UTF-8"}) == "fr"
    assert help_language([], {"LANG": "en_GB.UTF-8"}) == "en"
    assert help_language([], {"LC_ALL": "fr_ML.UTF-8", "LANG": "en_US.UTF-8"}) == "fr"
    assert help_language(["--lang=en"], {"LANG": "fr_FR"}) == "en"
    assert help_language(["--lang", "fr"], {"LANG": "en_US"}) == "fr"


@pytest.mark.parametrize("verb", list(OPTIONS_OF))
def test_each_analyse_verb_lists_only_its_options(verb, capsys, monkeypatch):
    text = _help(["analyse", verb], capsys, monkeypatch)
    common = {"--help", "--store", "--lang", "--zone", "--units", "--audience", "--json", "--full"}
    common |= {"--csv", "--places-csv"}
    own = {"--" + name.replace("_", "-") for name in OPTIONS_OF[verb]}
    assert _options(text) == common | own


def test_next_and_gaps_options():
    assert {"n", "min_distance_km"} <= set(OPTIONS_OF["next"])
    assert "coverage_threshold" not in OPTIONS_OF["next"]
    assert {"coverage_threshold", "gap_rule", "period"} <= set(OPTIONS_OF["gaps"])
    assert "n" not in OPTIONS_OF["gaps"] and "bands" not in OPTIONS_OF["criteria"]


def test_defaults_are_shown(capsys, monkeypatch):
    from geo import printmap, settings

    gaps = _help(["analyse", "gaps"], capsys, monkeypatch)
    assert f"(défaut : {settings.ACCESS_KM})" in gaps
    assert "(défaut : " + ",".join(f"{v:g}" for v in settings.ACCESS_BANDS_KM) + ")" in gaps
    export = _help(["export", "map"], capsys, monkeypatch)
    assert f"(défaut : {printmap.DEFAULT_DPI})" in export  # stated in the text: printmap is slow


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["analyse", "gaps", "--zone", "kangaba", "--gap-rule", "foo"], "valeur inconnue : 'foo'"),
        (["data", "frobnicate"], "valeur inconnue : 'frobnicate'"),
        (["analyse", "next"], "paramètres obligatoires manquants : --zone"),
    ],
)
def test_usage_error_is_one_french_line_exit_2(argv, expected, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert len(err.strip().splitlines()) == 1 and expected in err, err


def test_usage_error_in_english_with_lang_en(capsys):
    with pytest.raises(SystemExit) as info:
        main(["analyse", "gaps", "--zone", "kangaba", "--gap-rule", "foo", "--lang", "en"])
    assert info.value.code == 2
    assert "invalid choice: 'foo'" in capsys.readouterr().err


def test_help_starts_without_the_heavy_libraries():
    code = (
        "import sys\n"
        "from zoneplan.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'pandas', 'geopandas', 'matplotlib', 'folium', 'shapely', 'zoneplan.analysis'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    env = {**os.environ, "LANG": "fr_FR.UTF-8"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
