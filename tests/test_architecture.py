"""The house rules, checked on the code itself (imports read with ``ast``, nothing executed).

- ``geo/`` is the engine: frames and files in, frames out. Only ``geo/store.py`` knows the store;
  no other engine module imports it or writes to a store.
- ``layers/`` reads the store and the embedded data into frames; it imports nothing from ``zoneplan/``.
- ``zoneplan/`` services take a store and ids; the two faces (``zoneplan/cli.py`` with
  ``zoneplan/commands/``, and the app in ``zoneplan/ui/``) never import each other.
- No module is longer than 600 lines, and no two top-level modules of ``geo/`` and ``zoneplan/``
  share a name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("geo", "layers", "zoneplan")
MAX_LINES = 600


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Return every module ``path`` imports (absolute names; ``from x import y`` gives x and x.y)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_longer_than_600_lines(package):
    long = {
        _name(p): n
        for p in _modules(package)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_engine_imports_nothing_above_it():
    upward = {
        _name(p): sorted(
            i for i in _imports(p) if i.split(".")[0] in ("layers", "zoneplan", "streamlit")
        )
        for p in _modules("geo")
    }
    assert {k: v for k, v in upward.items() if v} == {}


def test_only_the_store_module_touches_the_store_in_the_engine():
    offenders = []
    for path in _modules("geo"):
        if path.name == "store.py":
            continue
        text = path.read_text(encoding="utf-8")
        if any(i.startswith("geo.store") for i in _imports(path)) or ".transaction(" in text:
            offenders.append(_name(path))
    assert offenders == []


def test_layers_import_nothing_from_the_services():
    upward = {
        _name(p): sorted(i for i in _imports(p) if i.split(".")[0] == "zoneplan")
        for p in _modules("layers")
    }
    assert {k: v for k, v in upward.items() if v} == {}


def test_the_app_and_the_cli_do_not_import_each_other():
    ui = {
        _name(p): sorted(i for i in _imports(p) if i.startswith(("zoneplan.cli", "zoneplan.commands")))
        for p in _modules("zoneplan/ui")
    }
    cli = [*_modules("zoneplan/commands"), ROOT / "zoneplan" / "cli.py"]
    faces = {_name(p): sorted(i for i in _imports(p) if i.startswith("zoneplan.ui")) for p in cli}
    assert {k: v for k, v in {**ui, **faces}.items() if v} == {}


def test_services_do_not_import_the_faces():
    services = [p for p in (ROOT / "zoneplan").glob("*.py") if p.name not in ("cli.py", "__main__.py")]
    upward = {
        _name(p): sorted(
            i
            for i in _imports(p)
            if i.startswith(("zoneplan.ui", "zoneplan.commands", "zoneplan.cli", "streamlit"))
        )
        for p in services
    }
    assert {k: v for k, v in upward.items() if v} == {}


def test_no_two_top_level_modules_share_a_name():
    geo = {p.stem for p in (ROOT / "geo").glob("*.py")} - {"__init__"}
    zoneplan = {p.stem for p in (ROOT / "zoneplan").glob("*.py")} - {"__init__", "__main__"}
    assert geo & zoneplan == set()


def test_no_service_guesses_a_producer_s_columns():
    # Reading a partner's file may try several header spellings (geo/readers, geo/population);
    # a service reading another module's frame uses the columns that module declares.
    guessing = [_name(p) for p in _modules("zoneplan") if "def _pick(" in p.read_text(encoding="utf-8")]
    assert guessing == []
