"""Write the partners' spreadsheet templates into ``data/templates/`` (CSV and XLSX).

    python scripts/make_templates.py [-o data/templates]

Two templates, one per kind of record the importer takes (``zoneplan import``): activities and
cases. Each is a CSV (UTF-8 with BOM, ``;``: what a French Excel opens as columns) and an XLSX
whose first sheet holds the header row (each header with a note) and one example row, and whose
second sheet ("Aide") explains every column: required or not, what to write, an example, and the
other headers the importer also recognises (read from ``geo.validate.FIELDS``, so the help follows
the importer). The help is one merged cell: the importer reads every sheet holding records, and a
sheet with no second row holds none.

The example row is marked: its date reads "exemple : 15/03/2021", which the importer refuses,
so a forgotten example row is reported as rejected and never counted as a real activity or case.
``tests/test_templates.py`` imports both CSVs through the real importer and checks that the
columns here, the workbooks and ``data/templates/README.md`` match ``FIELDS``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from geo.validate import FIELDS, header_key  # noqa: E402

OUT = REPO / "data" / "templates"
#: The file stem of each kind's template.
FILES = {"activities": "modele_activites", "cases": "modele_cas"}
#: What the first sheet is called.
SHEETS = {"activities": "Activités", "cases": "Cas"}
HELP_SHEET = "Aide"
TABLE_START, TABLE_END = "<!-- columns -->", "<!-- /columns -->"
EXAMPLE_MARK = "exemple : "
#: A fixed date for the workbooks' properties, so that a rebuild changes nothing a person sees.
BUILT = dt.datetime(2026, 12, 1)

#: French labels for the activity and case types (each is recognised by the importer as its
#: code; tests/test_templates.py checks it against ``ACTIVITY_TYPES`` and ``CASE_TYPES``).
ACTIVITY_LABELS: dict[str, str] = {
    "focus_group": "Focus group",
    "sensibilisation": "Sensibilisation",
    "sensibilisation_masse": "Sensibilisation de masse",
    "formation_pairs": "Formation des pairs éducateurs",
    "formation_ccpe": "Formation CCPE",
    "formation_travailleurs_sociaux": "Formation des travailleurs sociaux",
    "formation_acteurs": "Formation des acteurs",
    "formation_medias": "Formation des médias",
    "plan_action": "Plan d'action",
}
CASE_LABELS: dict[str, str] = {
    "identification": "Identification",
    "prise_en_charge": "Prise en charge",
    "prise_en_charge_psy": "Prise en charge psychosociale",
    "retour_famille": "Retour en famille",
    "reinsertion": "Réinsertion",
}

REQUIRED = "oui"
ONE_PLACE = "oui : un lieu au moins"
ONE_COUNT = "oui : un effectif au moins"
OPTIONAL = "non"
RECOMMENDED = "non (recommandé)"


@dataclass(frozen=True)
class Column:
    """One column of a template: its header, the importer's field, and how to fill it."""

    header: str
    field: str
    kinds: tuple[str, ...]
    need: str
    help: str
    example: dict[str, str]


BOTH = ("activities", "cases")
ACT = ("activities",)
COLUMNS: tuple[Column, ...] = (
    Column(
        "Date",
        "date",
        BOTH,
        REQUIRED,
        "jj/mm/aaaa (15/03/2021), aaaa-mm-jj, une date Excel, ou un mois (mars 2021, 03/2021)",
        {"activities": "15/03/2021", "cases": "01/04/2021"},
    ),
    Column(
        "Programme",
        "programme_id",
        BOTH,
        OPTIONAL,
        "kangaba ou rompre_le_silence (ou le nom du programme) ; vide : déduit de la zone du lieu",
        {"activities": "kangaba", "cases": "kangaba"},
    ),
    Column(
        "Partenaire",
        "partner",
        BOTH,
        RECOMMENDED,
        "l'organisation qui a mené l'activité ou suivi les cas (filtre Partenaire de l'app)",
        {"activities": "CASE SAHEL", "cases": "CASE SAHEL"},
    ),
    Column(
        "Région",
        "region",
        BOTH,
        OPTIONAL,
        "la région (Koulikoro, Ségou…)",
        {"activities": "Koulikoro", "cases": "Koulikoro"},
    ),
    Column(
        "Cercle",
        "cercle",
        BOTH,
        ONE_PLACE,
        "le cercle : aide à reconnaître le village ou la commune (les noms se répètent d'un cercle "
        "à l'autre)",
        {"activities": "Kangaba", "cases": "Kangaba"},
    ),
    Column(
        "Commune",
        "commune",
        BOTH,
        ONE_PLACE,
        "la commune ; pour les cas, c'est le lieu le plus fin accepté",
        {"activities": "Kaniogo", "cases": "Nouga"},
    ),
    Column(
        "Village",
        "place",
        ACT,
        ONE_PLACE,
        "le village, le quartier ou le site, comme on l'écrit sur place (accents et variantes "
        "admis : Nougua, Kofoulaté)",
        {"activities": "Tégué"},
    ),
    Column(
        "Code lieu",
        "place_code",
        ACT,
        ONE_PLACE,
        "le code du lieu dans zoneplan (tombola) ou le code HASC d'une unité (ML.KK.KG)",
        {"activities": ""},
    ),
    Column(
        "Latitude",
        "lat",
        ACT,
        ONE_PLACE,
        "degrés décimaux (WGS84, GPS) : 11.8 ou 11,8 ; avec Longitude, trouve le lieu le plus proche",
        {"activities": ""},
    ),
    Column(
        "Longitude",
        "lon",
        ACT,
        ONE_PLACE,
        "degrés décimaux, négative à l'ouest de Greenwich : -8.6167 ou -8,6167",
        {"activities": ""},
    ),
    Column(
        "Activité",
        "activity_type",
        ACT,
        REQUIRED,
        "une de : " + ", ".join(ACTIVITY_LABELS.values()) + " (un autre type est gardé tel quel)",
        {"activities": "Focus group"},
    ),
    Column(
        "Type de cas",
        "case_type",
        ("cases",),
        REQUIRED,
        "une de : " + ", ".join(CASE_LABELS.values()),
        {"cases": "Identification"},
    ),
    Column(
        "Tranche d'âge",
        "age_group",
        BOTH,
        OPTIONAL,
        "texte libre (12-16 ans)",
        {"activities": "12-16 ans", "cases": "12-17 ans"},
    ),
    Column(
        "Filles",
        "girls",
        BOTH,
        ONE_COUNT,
        "nombre entier ≥ 0",
        {"activities": "8", "cases": "3"},
    ),
    Column(
        "Garçons",
        "boys",
        BOTH,
        ONE_COUNT,
        "nombre entier ≥ 0",
        {"activities": "7", "cases": "1"},
    ),
    Column("Femmes", "women", ACT, ONE_COUNT, "nombre entier ≥ 0", {"activities": ""}),
    Column("Hommes", "men", ACT, ONE_COUNT, "nombre entier ≥ 0", {"activities": ""}),
    Column(
        "Enfants",
        "children",
        BOTH,
        ONE_COUNT,
        "nombre entier ≥ 0 ; vide : filles + garçons (s'il est donné, il doit leur être égal)",
        {"activities": "", "cases": ""},
    ),
    Column(
        "Total",
        "total",
        BOTH,
        ONE_COUNT,
        "nombre entier ≥ 0 ; vide : la somme des effectifs (s'il est donné, il doit lui être égal)",
        {"activities": "15", "cases": "4"},
    ),
    Column(
        "Séances",
        "sessions",
        ACT,
        ONE_COUNT,
        "nombre de séances ou de focus groups tenus",
        {"activities": "1"},
    ),
    Column(
        "Observations",
        "notes",
        ACT,
        OPTIONAL,
        "texte libre (jamais de nom d'enfant)",
        {"activities": "EXEMPLE : remplacez ou supprimez cette ligne"},
    ),
    # Recognised, but in neither template: read and then dropped by the importer.
    Column(
        "Identifiant",
        "record_ref",
        (),
        OPTIONAL,
        "n° de fiche (Kobo : _uuid) : reconnu mais non conservé",
        {},
    ),
)

#: Lines at the top of each help sheet.
INTRO: dict[str, tuple[str, ...]] = {
    "activities": (
        "Modèle zoneplan : activités (une ligne par activité, par lieu et par date)",
        "La ligne 2 de la feuille « Activités » est un EXEMPLE : sa date commence par « exemple », "
        "l'import la refuse toujours. Remplacez-la ou supprimez-la.",
        "Obligatoire : Date, Activité, au moins un lieu (Village, Commune, Cercle, Code lieu ou "
        "Latitude + Longitude) et au moins un effectif (Filles … Séances). Le reste est facultatif.",
        "Importer : page Données de l'app (Importer un fichier, Activités), ou "
        "zoneplan import modele_activites.xlsx. Le rapport donne chaque ligne refusée et pourquoi.",
    ),
    "cases": (
        "Modèle zoneplan : cas (chiffres agrégés par commune, par période et par type de cas)",
        "CHIFFRES PAR COMMUNE SEULEMENT : jamais de nom d'enfant, de village, de coordonnées ni de "
        "commentaire. zoneplan ne garde rien en dessous de la commune et affiche « <5 » pour 1 à 4.",
        "La ligne 2 de la feuille « Cas » est un EXEMPLE : sa date commence par « exemple », "
        "l'import la refuse toujours. Remplacez-la ou supprimez-la.",
        "Obligatoire : Date, Type de cas, la Commune (ou le Cercle) et au moins un effectif "
        "(Filles, Garçons, Enfants ou Total). Le reste est facultatif.",
        "Importer : page Données de l'app (Importer un fichier, Cas), ou "
        "zoneplan import modele_cas.xlsx --kind cases.",
    ),
}


def columns(kind: str) -> list[Column]:
    """Return the columns of ``kind``'s template, in order."""
    return [c for c in COLUMNS if kind in c.kinds]


def example_row(kind: str) -> list[str]:
    """Return the marked example row of ``kind``'s template (its date is refused on import)."""
    row = [c.example.get(kind, "") for c in columns(kind)]
    row[0] = EXAMPLE_MARK + row[0]
    return row


def other_headers(column: Column) -> str:
    """Return the other headers the importer recognises for ``column`` (from ``FIELDS``)."""
    own = header_key(column.header)
    return ", ".join(a for a in FIELDS[column.field] if header_key(a) != own)


def csv_text(kind: str) -> str:
    """Return ``kind``'s template as CSV text (``;``-separated; written with a BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in columns(kind)])
    writer.writerow(example_row(kind))
    return buffer.getvalue()


def workbook(kind: str) -> Workbook:
    """Return ``kind``'s template as a workbook: the records sheet first, then the help."""
    book = Workbook()
    book.properties.creator = "zoneplan"
    book.properties.created = book.properties.modified = BUILT
    sheet = book.active
    sheet.title = SHEETS[kind]
    cols = columns(kind)
    sheet.append([c.header for c in cols])
    sheet.append(example_row(kind))
    bold, grey = Font(bold=True), Font(italic=True, color="808080")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for j, col in enumerate(cols, start=1):
        head = sheet.cell(row=1, column=j)
        head.font, head.fill = bold, fill
        head.comment = Comment(f"{col.need} — {col.help}", "zoneplan", width=320, height=120)
        sheet.cell(row=2, column=j).font = grey
        letter = head.column_letter
        sheet.column_dimensions[letter].width = max(
            12, len(col.header) + 4, len(col.example.get(kind, "")) + 2
        )
        if col.field in ("activity_type", "case_type"):
            labels = ACTIVITY_LABELS if col.field == "activity_type" else CASE_LABELS
            check = DataValidation(
                type="list",
                formula1='"' + ",".join(labels.values()) + '"',
                allow_blank=True,
                # Activity types are open (another type is kept as written); case types are not.
                errorStyle="warning" if col.field == "activity_type" else "stop",
                error=col.help,
                errorTitle=col.header,
            )
            sheet.add_data_validation(check)
            check.add(f"{letter}2:{letter}2000")
    sheet.freeze_panes = "A2"

    help_sheet = book.create_sheet(HELP_SHEET)
    text = help_text(kind)
    # The importer reads every sheet holding records (a header row and rows below it): the help
    # is one cell merged over a block, so that the sheet has no second row to be taken for records.
    width, lines = 150, sum(1 + len(line) // 140 for line in text.splitlines())
    help_sheet.merge_cells(start_row=1, start_column=1, end_row=lines + 2, end_column=6)
    cell = help_sheet.cell(row=1, column=1, value=text)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter in "ABCDEF":
        help_sheet.column_dimensions[letter].width = width / 6
    return book


def help_text(kind: str) -> str:
    """Return the help sheet's text: the rules, then one line per column of ``kind``'s template."""
    lines = [*INTRO[kind], "", "LES COLONNES (« oui » : obligatoire)"]
    for col in columns(kind):
        example = col.example.get(kind, "")
        line = f"• {col.header} — {col.need} — {col.help}."
        if example:
            line += f" Exemple : {example}."
        line += f" Autres en-têtes reconnus : {other_headers(col)}."
        lines.append(line)
    lines += ["", f"Cette feuille n'est pas importée : seule la feuille « {SHEETS[kind]} » l'est."]
    return "\n".join(lines)


def columns_table() -> str:
    """Return the Markdown table of every column (both templates, and those in neither)."""
    lines = [
        "| Colonne | Activités | Cas | Obligatoire ? | Ce qu'il faut écrire |",
        "|---|:-:|:-:|---|---|",
    ]
    for col in COLUMNS:
        marks = ["✓" if kind in col.kinds else "" for kind in FILES]
        lines.append(f"| {col.header} | {marks[0]} | {marks[1]} | {col.need} | {col.help} |")
    return "\n".join(lines) + "\n"


def update_readme(path: Path) -> None:
    """Rewrite the columns table of ``path`` between its ``<!-- columns -->`` markers."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    path.write_text(f"{head}{TABLE_START}\n{columns_table()}{TABLE_END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Write both templates (CSV and XLSX) into the output folder, and the README's table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=OUT, help="output folder (data/templates)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for kind, stem in FILES.items():
        (args.out / f"{stem}.csv").write_text(csv_text(kind), encoding="utf-8-sig", newline="")
        workbook(kind).save(args.out / f"{stem}.xlsx")
        print(f"{stem}.csv, {stem}.xlsx: {len(columns(kind))} columns")
    readme = args.out / "README.md"
    if readme.is_file():
        update_readme(readme)
        print(f"{readme.name}: columns table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
