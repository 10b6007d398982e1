"""Import of the files field offices really send (issue 13): one French line for a bad file, a
reason for a bad row, values right or refused, nothing lost; old stores scrubbed of case places."""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
import subprocess
import sys
import zipfile

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from geo import settings
from geo.errors import InputError
from geo.readers import open_records, read_records
from geo.store import Store
from geo.values import parse_count
from tests.test_import import MESSY
from tests.test_import import _write as write_lines
from zoneplan.quarantine import scrub_case_quarantine
from zoneplan.records import import_file

HEADER = ["Date", "Village", "Commune", "Activité", "Partenaire", "Filles", "Garçons", "Total"]
ROW = ["15/03/2021", "Tégué", "Kaniogo", "Sensibilisation", "CASE SAHEL", "3", "4", "7"]


def _csv(path, rows, *, encoding="utf-8", header=HEADER, sep=";"):
    text = "\r\n".join(sep.join(r) for r in [header, *rows]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def _adds_up(report) -> None:
    s = report.summary
    assert s["rows_read"] == s["accepted"] + s["rejected"] == len(report.rows)
    assert len(s["rejected_rows"]) == s["rejected"]
    assert all(r["reason"] for r in s["rejected_rows"])


def _cli(*args, home):
    return subprocess.run(
        [sys.executable, "-m", "zoneplan", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env={"ZONEPLAN_HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "fr_FR.UTF-8"},
    )


# --- dates and numbers --------------------------------------------------------------------------


def test_dates_before_2000_or_after_today_are_rejected_naming_the_column(tmp_path, store):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    rows = [
        ["01/01/1850", *ROW[1:]],
        ["31/12/1999", *ROW[1:]],
        [tomorrow, *ROW[1:]],
        ["01/01/2099", *ROW[1:]],
        ["01/01/2000", *ROW[1:5], "1", "1", "2"],
        ["36160", *ROW[1:5], "2", "2", "4"],  # an Excel serial: 1998-12-31
    ]
    report = import_file(_csv(tmp_path / "dates.csv", rows), store=store, dry_run=True)
    _adds_up(report)
    reasons = {r["line"]: r["reason"] for r in report.summary["rejected_rows"]}
    assert set(reasons) == {2, 3, 4, 5, 7}
    assert "colonne « Date » : date « 01/01/1850 » antérieure au 01/01/2000" in reasons[2]
    assert "antérieure au 01/01/2000" in reasons[3] and "antérieure" in reasons[7]
    assert f"date « {tomorrow} » postérieure à aujourd'hui" in reasons[4]
    assert "postérieure" in reasons[5]
    english = import_file(tmp_path / "dates.csv", store=store, dry_run=True, lang="en")
    assert "column 'Date': date '01/01/1850' is before 2000-01-01" in english.rows["reason"].iloc[0]


@pytest.mark.parametrize(
    "text,value,problem",
    [
        ("1.200", 1200, None),
        ("1 200", 1200, None),
        ("1\u202f200", 1200, None),
        ("1\u00a0200", 1200, None),
        ("1,200", 1200, None),
        ("12.345.678", 12345678, None),
        ("1.234,0", 1234, None),
        ("1,5", None, "not_whole"),
        ("1.5", None, "not_whole"),
        ("0.500", None, "not_whole"),
        ("1.2000", None, "not_whole"),
        ("1 2 3", None, "not_number"),
        ("12.34.56", None, "not_number"),
        ("deux", None, "not_number"),
        ("-1.200", None, "negative"),
        ("99999999999999999999", None, "too_large"),
        ("1e400", None, "not_number"),
        ("nan", None, "not_number"),
        ("1_000", None, "not_number"),
    ],
)
def test_counts_with_thousand_separators_are_read_right_or_refused(text, value, problem):
    number, found = parse_count(text)
    assert found == problem
    assert (number == value) if value is not None else number != number


def test_one_point_two_hundred_children_are_never_stored_as_one_point_two(tmp_path, store):
    rows = [
        [*ROW[:5], "1.200", "0", "1 200"],
        ["16/03/2021", *ROW[1:5], "1,5", "0", ""],
        ["17/03/2021", *ROW[1:5], "1,200", "300", "1.500"],
    ]
    report = import_file(_csv(tmp_path / "n.csv", rows), store=store)
    _adds_up(report)
    assert report.summary["accepted"] == 2
    reasons = {r["line"]: r["reason"] for r in report.summary["rejected_rows"]}
    assert "colonne « Filles » : « 1,5 » n'est pas un nombre entier" in reasons[3]
    acts = store.read("activities")
    assert sorted(acts["girls"]) == [1200, 1200] and sorted(acts["total"]) == [1200, 1500]


# --- workbooks ----------------------------------------------------------------------------------


def _book(path, sheets: dict[str, list[list]]):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def _cache(path, values: dict[str, object]):
    """Give formula cells the value a spreadsheet would have saved with them."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            text = data.decode()
            for formula, value in values.items():
                text = text.replace(f"<f>{formula}</f><v />", f"<f>{formula}</f><v>{value}</v>")
            parts[name] = text.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_every_sheet_holding_records_is_read_and_counted_per_sheet(tmp_path, store):
    path = _book(
        tmp_path / "trimestre.xlsx",
        {
            "Janvier": [HEADER, ["15/01/2021", *ROW[1:]], ["16/01/2021", *ROW[1:5], 1, 1, 9]],
            "Vide": [],
            "Consignes": [["Remplir une ligne par activité"]],
            "Février": [
                [h.upper() for h in HEADER],
                [],
                ["01/02/2021", "Sombo", "Kaniogo", "Causerie", "ACESEM", 2, 2, 4],
                ["15/01/2021", *ROW[1:]],
            ],
        },
    )
    report = import_file(path, store=store)
    _adds_up(report)
    s = report.summary
    assert s["sheets"] == [
        {"sheet": "Janvier", "rows_read": 2, "accepted": 1, "rejected": 1},
        {"sheet": "Février", "rows_read": 2, "accepted": 1, "rejected": 1},
    ]
    rejected = {(r["sheet"], r["line"]): r["reason"] for r in s["rejected_rows"]}
    assert "les effectifs Filles + Garçons font 2" in rejected[("Janvier", 3)]
    assert rejected[("Février", 4)] == "doublon de la ligne 2 de la feuille « Janvier »"
    assert len(store.read("activities")) == 2
    assert set(store.read("quarantine")["sheet"]) == {"Janvier", "Février"}


def test_sheets_with_different_columns_ask_for_one_by_name(tmp_path, store):
    path = _book(
        tmp_path / "partenaire.xlsx",
        {"Données": [HEADER, ROW], "Listes": [["Communes"], ["Nouga"], ["Kaniogo"]]},
    )
    with pytest.raises(InputError) as err:
        import_file(path, store=store)
    message = str(err.value)
    assert "« Données »" in message and "« Listes »" in message and "--sheet" in message
    assert "\n" not in message
    report = import_file(path, store=store, sheet="Données", dry_run=True)
    assert report.summary["accepted"] == 1
    with pytest.raises(InputError, match="n'a pas de feuille « Mai » ; feuilles : « Données »"):
        import_file(path, store=store, sheet="Mai")
    assert not store.exists()


def test_formulas_are_read_as_saved_values_and_a_formula_without_one_rejects_its_row(tmp_path, store):
    path = _book(
        tmp_path / "formules.xlsx",
        {
            "Feuil1": [
                HEADER,
                ["15/03/2021", *ROW[1:5], 3, 4, "=F2+G2"],
                ["16/03/2021", *ROW[1:5], 5, 5, "=F3+G3"],
                ["17/03/2021", *ROW[1:5], "=2*3", 1, 7],
            ]
        },
    )
    _cache(path, {"F2+G2": 7, "2*3": 6})
    report = import_file(path, store=store, dry_run=True)
    _adds_up(report)
    assert report.summary["accepted"] == 2
    assert sorted(report.records["total"]) == [7, 7]
    [row] = report.summary["rejected_rows"]
    assert row["line"] == 3
    assert row["reason"].startswith("colonne « Total » : formule sans valeur calculée")


def test_kobo_repeat_group_sheets_are_set_aside_and_said_so(tmp_path, store):
    path = _book(
        tmp_path / "kobo.xlsx",
        {
            "formulaire": [
                ["today", "group_a/activite", "group_a/filles", "_geolocation", "_index"],
                [dt.datetime(2021, 6, 1), "Sensibilisation", 5, "[11.8, -8.7]", 1],
            ],
            "participants": [["nom", "_parent_index", "_parent_table_name"], ["A", 1, "formulaire"]],
        },
    )
    report = import_file(path, store=store, dry_run=True)
    assert report.summary["accepted"] == 1
    assert report.summary["skipped_sheets"] == ["participants"]


def test_a_workbook_is_read_whatever_its_name_but_text_named_xlsx_is_refused(tmp_path, store):
    book = _book(tmp_path / "classeur.csv", {"Feuil1": [HEADER, ROW]})
    assert import_file(book, store=store, dry_run=True).summary["accepted"] == 1
    text = _csv(tmp_path / "export.xlsx", [ROW])
    with pytest.raises(InputError, match=r"porte l'extension \.xlsx mais contient du texte"):
        import_file(text, store=store)


# --- encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-be-bom", "utf-16-le", "utf-8-sig", "cp1252", "latin-1"]
)
def test_encodings_are_read_with_their_accents(tmp_path, store, encoding):
    path = tmp_path / "e.csv"
    if encoding == "utf-16-be-bom":
        text = "\r\n".join(";".join(r) for r in [HEADER, ROW]) + "\r\n"
        path.write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    else:
        _csv(path, [ROW], encoding=encoding)
    raw = read_records(path)
    assert list(raw.columns[:8]) == HEADER
    report = import_file(path, store=store, dry_run=True)
    assert report.summary["accepted"] == 1
    assert report.rows["place_id"].iloc[0] == "tegue"


def test_a_file_mixing_utf8_and_cp1252_lines_is_read_without_garbled_names(tmp_path, store):
    path = tmp_path / "colle.csv"
    data = (";".join(HEADER) + "\r\n").encode("utf-8")
    data += (";".join(ROW) + "\r\n").encode("cp1252")
    data += (";".join(["16/03/2021", *ROW[1:]]) + "\r\n").encode("utf-8")
    data += (";".join(["17/03/2021", *ROW[1:4], "Œuvre ‘Solidarité’", *ROW[5:]]) + "\r\n").encode(
        "cp1252"
    )
    path.write_bytes(data)
    source = open_records(path)
    assert source.columns == HEADER and source.attrs["encoding"] == "utf-8+cp1252"
    report = import_file(path, store=store, dry_run=True)
    _adds_up(report)
    assert report.summary["accepted"] == 3
    assert set(report.records["partner"]) == {"CASE SAHEL", "Œuvre ‘Solidarité’"}
    run = _cli("import", path, "--dry-run", "--store", tmp_path / "s.gpkg", home=tmp_path)
    assert run.returncode == 0 and "lignes en UTF-8 et en cp1252 mêlées" in run.stdout


# --- bad files: one French line, exit 2, store unchanged ----------------------------------------


def _workbook_bytes(tmp_path) -> bytes:
    return _book(tmp_path / "w.xlsx", {"Feuil1": [HEADER, ROW]}).read_bytes()


BAD_FILES = {
    "vide.csv": (lambda p: b"", "est vide"),
    "blancs.csv": (lambda p: b"\r\n  \r\n;;;\r\n", "ne contient que des lignes vides"),
    "entete.csv": (lambda p: (";".join(HEADER) + "\r\n\r\n;;;\r\n").encode(), "aucune ligne de données"),
    "binaire.csv": (lambda p: bytes(range(256)) * 20, "contient des données binaires"),
    "rapport.pdf": (lambda p: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "contient un document PDF"),
    "ancien.xls": (
        lambda p: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "est un classeur Excel ancien (.xls)",
    ),
    "texte.xlsx": (lambda p: (";".join(HEADER) + "\n").encode(), "mais contient du texte"),
    "photo.jpg": (lambda p: b"\xff\xd8\xff\xe0" + b"\x00JFIF" * 50, "contient une image"),
    "limites.zip": (None, "contient un shapefile zippé"),
    "lettre.docx": (None, "contient un document Word"),
    "casse.xlsx": (lambda p: _workbook_bytes(p)[:300], "n'est pas un classeur XLSX lisible"),
    "points.geojson": (lambda p: b'{"type": "FeatureCollection", "features": [', "géodonnées lisible"),
    "colonnes.csv": (lambda p: b"Jour;Nom\r\n01/01/2021;x\r\n", "colonnes trouvées : Jour, Nom"),
}


def _zip(path, names):
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(name, "x")


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_files_get_one_french_line_exit_2_and_leave_the_store_unchanged(tmp_path, name):
    make, fragment = BAD_FILES[name]
    path = tmp_path / name
    if name == "limites.zip":
        _zip(path, ["communes.shp", "communes.dbf", "communes.shx"])
    elif name == "lettre.docx":
        _zip(path, ["word/document.xml", "[Content_Types].xml"])
    else:
        path.write_bytes(make(tmp_path))
    store = tmp_path / "s.gpkg"
    with pytest.raises(InputError, match=re.escape(fragment)):
        import_file(path, store=store)
    run = _cli("import", path, "--store", store, home=tmp_path)
    assert run.returncode == 2, run.stdout
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and fragment in lines[0], run.stderr
    assert not store.exists()


def test_a_bad_mapping_file_gets_one_french_line(tmp_path, store):
    data = _csv(tmp_path / "d.csv", [ROW])
    bad_json = tmp_path / "map.json"
    bad_json.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match="n'est pas un objet JSON"):
        import_file(data, store=store, mapping=bad_json)
    bad_field = tmp_path / "map.csv"
    bad_field.write_text("Village,lieu_dit\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"renvoie à des champs inconnus \(lieu_dit\)"):
        import_file(data, store=store, mapping=bad_field)
    assert not store.exists()


def test_missing_file_and_folder_get_one_line(tmp_path, store):
    with pytest.raises(InputError, match="fichier introuvable"):
        import_file(tmp_path / "absent.csv", store=store)
    with pytest.raises(InputError, match="est un dossier"):
        import_file(tmp_path, store=store)


# --- rows: a reason each, nothing lost ----------------------------------------------------------


def test_a_row_with_more_cells_than_the_header_is_rejected_not_shifted(tmp_path, store):
    path = _csv(
        tmp_path / "virgules.csv",
        [ROW, ["16/03/2021", "Tégué", "Kaniogo", "Sensibilisation", "CASE", "SAHEL", "3", "4", "7"]],
        sep=",",
    )
    report = import_file(path, store=store, dry_run=True)
    _adds_up(report)
    [row] = report.summary["rejected_rows"]
    assert row["line"] == 3 and row["reason"].startswith("la ligne a 9 cellules pour 8 colonnes")


def test_quoted_line_breaks_and_stray_quotes_keep_exact_line_numbers(tmp_path, store):
    path = tmp_path / "guillemets.csv"
    path.write_text(
        ";".join(HEADER)
        + "\n"
        + ";".join(["15/03/2021", '"Tégué"', "Kaniogo", '"Sensibi\nlisation"', "X", "3", "4", "7"])
        + "\n"
        + ";".join(["16/03/2021", "Tégué", "Kaniogo", 'Atelier "pairs"', "X", "3", "4", "8"])
        + "\n\n"
        + ";".join(["17/03/2021", "Tégué", "Kaniogo", "Causerie", "X", "deux", "4", "7"])
        + "\n",
        encoding="utf-8",
    )
    report = import_file(path, store=store, dry_run=True)
    _adds_up(report)
    assert {r["line"]: r["reason"][:30] for r in report.summary["rejected_rows"]} == {
        4: "les effectifs Filles + Garçons",
        6: "colonne « Filles » : « deux » ",
    }


@pytest.mark.parametrize("rows", [1, 4, 5])  # 5: line 7 duplicates line 6 of the chunk before
def test_chunks_give_the_same_report_as_one_read(tmp_path, store, rows):
    messy = write_lines(tmp_path / "messy.csv", MESSY)
    whole = import_file(messy, store=store, dry_run=True)
    seen = []
    chunked = import_file(
        messy, store=store, dry_run=True, chunk_rows=rows, progress=lambda f, n: seen.append((f, n))
    )
    pd.testing.assert_frame_equal(whole.rows.astype(str), chunked.rows.astype(str))
    assert whole.summary == chunked.summary
    assert [n for _, n in seen] == [*range(rows, len(MESSY), rows), len(MESSY)]
    assert seen[-1][0] == pytest.approx(1.0)
    pd.testing.assert_frame_equal(whole.records.astype(str), chunked.records.astype(str))


def test_geojson_rows_with_lines_are_rejected_and_polygons_only_refused(tmp_path, store):
    frame = gpd.GeoDataFrame(
        {"date": ["2021-07-01", "2021-07-02"], "activite": ["Focus group"] * 2, "enfants": [10, 12]},
        geometry=[Point(-8.65, 11.76667), LineString([(-8.6, 11.7), (-8.7, 11.8)])],
        crs=settings.CRS,
    )
    path = tmp_path / "mix.geojson"
    frame.to_file(path)
    report = import_file(path, store=store, dry_run=True)
    _adds_up(report)
    assert report.summary["rejected_rows"][0]["reason"].startswith("géométrie LineString")
    square = Polygon([(-8.7, 11.7), (-8.6, 11.7), (-8.6, 11.8), (-8.7, 11.7)])
    frame.set_geometry([square, square], crs=settings.CRS).to_file(tmp_path / "zones.geojson")
    with pytest.raises(InputError, match="contient des géométries Polygon"):
        import_file(tmp_path / "zones.geojson", store=store)


def test_cli_sheet_option_and_english(tmp_path):
    path = _book(tmp_path / "p.xlsx", {"Données": [HEADER, ROW], "Listes": [["Communes"], ["x"]]})
    store = tmp_path / "s.gpkg"
    run = _cli("import", path, "--sheet", "Données", "--store", store, home=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("p.xlsx : 1 lignes lues = 1 acceptées + 0 rejetées")
    run = _cli("import", path, "--store", store, "--lang", "en", home=tmp_path)
    assert run.returncode == 2 and "choose the sheet to import with --sheet NAME" in run.stderr


# --- stores written by older versions -----------------------------------------------------------

SECRETS = ("Kokoyo", "11.70417", "-8.69583", "mosquée")


def _old_store(path) -> Store:
    """A store as an older version left it: case rows quarantined with village and coordinates."""
    store = Store(path)
    raw = {
        "Date": "01/02/2021",
        "Village": "Kokoyo",
        "Commune": "Nouga",
        "Type de cas": "Identification",
        "Filles": "3",
        "Latitude": "11.70417",
        "Longitude": "-8.69583",
        "Observations": "hébergée derrière la mosquée",
    }
    quarantine = pd.DataFrame(
        {
            "source_file": ["cas.csv", "act.csv"],
            "kind": ["cases", "activities"],
            "line": [2, 3],
            "reason": ["unknown place 'Kokoyo'; closest: Kokoya (88)", "negative"],
            "raw": [json.dumps(raw, ensure_ascii=False), json.dumps({"Village": "Sombo"})],
            "import_id": ["x", "y"],
            "imported_at": ["2024-01-01", "2024-01-01"],
        }
    )
    with store.transaction() as tx:
        tx.write("quarantine", quarantine)
    return store


def test_scrub_rewrites_old_case_quarantine_and_leaves_no_bytes_behind(tmp_path):
    store = _old_store(tmp_path / "old.gpkg")
    assert all(s.encode() in store.path.read_bytes() for s in SECRETS)
    assert scrub_case_quarantine(store) == 1
    data = store.path.read_bytes()
    assert not [s for s in SECRETS if s.encode() in data]
    q = store.read("quarantine").set_index("kind")
    assert json.loads(q.loc["cases", "raw"]) == {
        "date": "01/02/2021",
        "commune": "Nouga",
        "case_type": "Identification",
        "girls": "3",
    }
    assert "motif détaillé" in q.loc["cases", "reason"] and q.loc["cases", "line"] == 2
    assert json.loads(q.loc["activities", "raw"]) == {"Village": "Sombo"}  # not a case row
    assert scrub_case_quarantine(store) == 0  # nothing left to do: the store is not rewritten


def test_every_import_scrubs_an_old_store_first(tmp_path):
    store = _old_store(tmp_path / "old.gpkg")
    import_file(_csv(tmp_path / "a.csv", [ROW]), store=store)
    data = store.path.read_bytes()
    assert not [s for s in SECRETS if s.encode() in data]
    assert len(store.read("activities")) == 1
