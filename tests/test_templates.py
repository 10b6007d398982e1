"""The partners' spreadsheet templates (``data/templates/``) fit the importer.

Both CSV templates go through the real importer: the marked example row is the only row refused,
and rows written the way the help says are all accepted. The workbooks carry the same header and
example as the CSVs, the README documents every field of ``geo.validate.FIELDS`` (so adding a
field without documenting it fails here), and the case template has nothing below the commune.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from geo import settings
from geo.validate import ACTIVITY_TYPES, CASE_TYPES, FIELDS, map_headers, normalise_type
from zoneplan.records import CASE_HIDDEN_FIELDS, import_file

TEMPLATES = settings.REPO_DIR / "data" / "templates"
SCRIPT = settings.REPO_DIR / "scripts" / "make_templates.py"
KINDS = {"activities": "modele_activites", "cases": "modele_cas"}


@pytest.fixture(scope="module")
def maker():
    """The template builder, ``scripts/make_templates.py``, loaded as a module."""
    spec = importlib.util.spec_from_file_location("make_templates", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    return path


def _sheet_rows(sheet) -> list[list[str]]:
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _filled(header: list[str], **values: str) -> list[str]:
    """Return a row for ``header`` with ``values`` given by column header (others blank)."""
    unknown = set(values) - set(header)
    assert not unknown, f"not in the template: {unknown}"
    return [values.get(h, "") for h in header]


# fmt: off
#: Rows written the way the help sheet says: a village, a commune, coordinates, counts by sex,
#: a total only, a month, another spelling of a place, another activity type.
GOOD_ROWS = {
    "activities": [
        {"Date": "15/03/2021", "Village": "Tégué", "Cercle": "Kangaba", "Activité": "Focus group",
         "Filles": "8", "Garçons": "7", "Séances": "1", "Partenaire": "CASE SAHEL"},
        {"Date": "2021-04-02", "Village": "Nougua", "Commune": "Nouga", "Activité": "Sensibilisation",
         "Femmes": "20", "Hommes": "12", "Total": "32", "Programme": "kangaba"},
        {"Date": "mars 2021", "Village": "Kofoulaté", "Activité": "Formation des pairs éducateurs",
         "Filles": "4", "Garçons": "4", "Enfants": "8", "Tranche d'âge": "14-17 ans"},
        {"Date": "05/05/2021", "Latitude": "11,8", "Longitude": "-8,61667", "Activité": "Plan d'action",
         "Séances": "1", "Observations": "réunion CCPE"},
        {"Date": "12/06/2021", "Commune": "Kaniogo", "Cercle": "Kangaba", "Région": "Koulikoro",
         "Activité": "Sensibilisation de masse", "Total": "1 250"},
    ],
    "cases": [
        {"Date": "01/04/2021", "Commune": "Nouga", "Cercle": "Kangaba", "Type de cas": "Identification",
         "Filles": "3", "Garçons": "1", "Partenaire": "CASE SAHEL"},
        {"Date": "2021-10", "Commune": "Kaniogo", "Type de cas": "Prise en charge psychosociale",
         "Enfants": "6", "Tranche d'âge": "12-17 ans"},
        {"Date": "01/10/2021", "Cercle": "Ségou", "Région": "Ségou", "Type de cas": "Réinsertion",
         "Total": "2", "Programme": "Rompre le silence"},
    ],
}
# fmt: on


@pytest.mark.parametrize("kind", list(KINDS))
def test_template_imports_with_only_the_marked_example_refused(kind, tmp_path, store):
    header, example = _csv_rows(TEMPLATES / f"{KINDS[kind]}.csv")
    rows = [header, example] + [_filled(header, **values) for values in GOOD_ROWS[kind]]
    path = _write_csv(tmp_path / f"{KINDS[kind]}_rempli.csv", rows)

    summary = import_file(path, kind=kind, store=store).summary

    assert summary["rows_read"] == len(GOOD_ROWS[kind]) + 1
    assert summary["accepted"] == len(GOOD_ROWS[kind]), summary["rejected_rows"]
    assert [r["line"] for r in summary["rejected_rows"]] == [2]
    assert "exemple" in summary["rejected_rows"][0]["reason"]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_template_as_shipped_is_its_example_row_refused(kind, suffix, store):
    summary = import_file(
        TEMPLATES / f"{KINDS[kind]}.{suffix}", kind=kind, store=store, dry_run=True
    ).summary
    assert (summary["rows_read"], summary["accepted"], summary["rejected"]) == (1, 0, 1)


@pytest.mark.parametrize("kind", list(KINDS))
def test_example_row_imports_once_its_marker_is_removed(kind, tmp_path, store, maker):
    header, example = _csv_rows(TEMPLATES / f"{KINDS[kind]}.csv")
    assert example[0].startswith(maker.EXAMPLE_MARK)
    example[0] = example[0].removeprefix(maker.EXAMPLE_MARK)
    path = _write_csv(tmp_path / "exemple.csv", [header, example])
    summary = import_file(path, kind=kind, store=store, dry_run=True).summary
    assert (summary["accepted"], summary["rejected"]) == (1, 0), summary["rejected_rows"]


@pytest.mark.parametrize("kind", list(KINDS))
def test_workbook_has_the_csv_header_and_example_then_a_help_sheet(kind, maker):
    header, example = _csv_rows(TEMPLATES / f"{KINDS[kind]}.csv")
    book = load_workbook(TEMPLATES / f"{KINDS[kind]}.xlsx")
    first, help_sheet = book.worksheets[0], book[maker.HELP_SHEET]
    assert book.sheetnames == [maker.SHEETS[kind], maker.HELP_SHEET]
    assert _sheet_rows(first) == [header, example]
    assert all(first.cell(row=1, column=j + 1).comment for j in range(len(header)))
    # The help is one cell (a sheet with a second row would be read as records), naming every
    # column in order.
    filled = [c for row in help_sheet.iter_rows() for c in row if c.value not in (None, "")]
    assert [c.coordinate for c in filled] == ["A1"]
    explained = [
        line[2:].split(" — ")[0] for line in filled[0].value.splitlines() if line.startswith("• ")
    ]
    assert explained == header


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_template_column_is_recognised_by_the_importer(kind):
    header, _ = _csv_rows(TEMPLATES / f"{KINDS[kind]}.csv")
    mapped = map_headers(header)
    assert sorted(mapped) == sorted(header), f"not recognised: {set(header) - set(mapped)}"
    assert len(set(mapped.values())) == len(header)


def test_case_template_has_nothing_below_the_commune():
    header, _ = _csv_rows(TEMPLATES / "modele_cas.csv")
    assert not set(map_headers(header).values()) & set(CASE_HIDDEN_FIELDS)


def _readme_columns() -> dict[str, tuple[bool, bool]]:
    """Return the README's columns table: header -> (in activities, in cases)."""
    text = (TEMPLATES / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- columns -->", 1)[1].split("<!-- /columns -->", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.splitlines()]
    rows = [
        r for r in rows if len(r) >= 3 and r[0] not in ("Colonne",) and not re.fullmatch(r"[-:]+", r[0])
    ]
    return {r[0]: (r[1] == "✓", r[2] == "✓") for r in rows}


def test_readme_documents_every_field_the_importer_knows():
    documented = _readme_columns()
    fields = map_headers(list(documented))
    assert sorted(fields) == sorted(documented), f"not recognised: {set(documented) - set(fields)}"
    assert sorted(fields.values()) == sorted(FIELDS), "README columns and geo.validate.FIELDS differ"
    for position, kind in enumerate(KINDS):
        header, _ = _csv_rows(TEMPLATES / f"{KINDS[kind]}.csv")
        assert [h for h, marks in documented.items() if marks[position]] == header


def test_type_labels_are_the_importers_types(maker):
    assert list(maker.ACTIVITY_LABELS) == list(ACTIVITY_TYPES)
    assert list(maker.CASE_LABELS) == list(CASE_TYPES)
    for kind, labels in (("activities", maker.ACTIVITY_LABELS), ("cases", maker.CASE_LABELS)):
        assert {code: normalise_type(label, kind) for code, label in labels.items()} == {
            code: code for code in labels
        }


def test_shipped_templates_are_what_the_script_writes(maker, tmp_path):
    out = tmp_path / "templates"
    out.mkdir()
    (out / "README.md").write_text(
        (TEMPLATES / "README.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    maker.main(["-o", str(out)])
    assert (out / "README.md").read_text(encoding="utf-8") == (TEMPLATES / "README.md").read_text(
        encoding="utf-8"
    ), "run python scripts/make_templates.py"
    for stem in KINDS.values():
        assert (out / f"{stem}.csv").read_bytes() == (TEMPLATES / f"{stem}.csv").read_bytes()
        built, shipped = load_workbook(out / f"{stem}.xlsx"), load_workbook(TEMPLATES / f"{stem}.xlsx")
        assert built.sheetnames == shipped.sheetnames
        for name in built.sheetnames:
            assert _sheet_rows(built[name]) == _sheet_rows(shipped[name]), f"{stem}.xlsx, {name}"
