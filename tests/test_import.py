"""Import of partners' files: formats, matching, validation, nothing lost, bad input, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geo import settings
from geo.errors import InputError
from geo.names import fold_name
from geo.validate import parse_date
from zoneplan.records import import_file

HEADER = (
    "Date;Village;Commune;Activité;Partenaire;Filles;Garçons;Femmes;Hommes;Total;"
    "Latitude;Longitude;Observations"
)
MESSY = [
    "15/03/2021;Nougua;Nouga;Sensibilisation;CASE SAHEL;10;12;5;3;30;;;RAS",  # 2 ok
    "janv. 2021;Koflatie;Kaniogo;Focus group;ENDA Mali;8;7;;;15;;;",  # 3 ok
    "2021-02-03;Kofoulaté;;Focus group;ENDA Mali;8;7;;;;;;",  # 4 ok
    "44270;Tégué;Kaniogo;Causerie;ACESEM;4;6;;;10;;;",  # 5 ok
    "10/04/2021;Tombolla;Nouga;Sensibilisation;CASE SAHEL;3;2;;;5;;;",  # 6 fuzzy
    "10/04/2021;Tombolla;Nouga;Sensibilisation;CASE SAHEL;3;2;;;5;;;",  # 7 dup
    "11/04/2021;Sombo;Kaniogo;Sensibilisation;CASE SAHEL;-3;2;;;;;;",  # 8 negative
    "12/04/2021;Xyzabad;Nouga;Sensibilisation;CASE SAHEL;3;2;;;5;;;",  # 9 unknown
    "13/04/2021;Tegue;Kaniogo;Sensibilisation;<script>alert(1)</script>;3;2;;;5;11,8;-8,61667;",
    "32/13/2021;Danga;Nouga;Sensibilisation;CASE SAHEL;3;2;;;5;;;",  # 11 date
    "14/04/2021;;;Sensibilisation;CASE SAHEL;3;2;;;5;-8,6;11,8;",  # 12 swapped
    "15/04/2021;Sombo;Kaniogo;Sensibilisation;CASE SAHEL;3;2;;;9;;;",  # 13 parts
    "16/04/2021;Tombola;Nouga;Sensibilisation;CASE SAHEL;deux;2;;;;;;",  # 14 text
    "17/04/2021;;;Sensibilisation;CASE SAHEL;3;2;;;5;16,5;-30,2;",  # 15 outside
]
EXPECTED_REJECTED = {
    7: "doublon de la ligne 6",
    8: "colonne « Filles » : « -3 » est négatif",
    9: "lieu « Xyzabad » inconnu",
    11: "colonne « Date » : date « 32/13/2021 » non comprise",
    12: "semblent inversées",
    13: "les effectifs Filles + Garçons font 5 mais colonne « Total » = 9",
    14: "colonne « Filles » : « deux » n'est pas un nombre",
    15: "hors du Mali",
}
#: The same reasons with ``lang="en"``.
EXPECTED_REJECTED_EN = {
    7: "duplicate of line 6",
    8: "column 'Filles': '-3' is negative",
    9: "unknown place 'Xyzabad'",
    11: "column 'Date': date '32/13/2021' not understood",
    12: "look swapped",
    13: "the parts Filles + Garçons add up to 5 but column 'Total' = 9",
    14: "column 'Filles': 'deux' is not a number",
    15: "outside Mali",
}
#: Record ids of MESSY as the previous version computed them: an upgrade must not change them
#: (re-importing a file imported before adds nothing).
PREVIOUS_IDS = {
    2: "a7a350bed00e9b856",
    3: "ae1994398af743c5f",
    4: "a1e66c072a0063c2d",
    5: "aefc34c4954481b48",
    6: "a6d1c6b96ba374257",
    10: "a72bc4207b799c9de",
}


def _write(path, lines, encoding="cp1252", header=HEADER):
    path.write_bytes(("\r\n".join([header, *lines]) + "\r\n").encode(encoding))
    return path


@pytest.fixture
def messy(tmp_path):
    return _write(tmp_path / "activites_kangaba.csv", MESSY)


def test_messy_french_csv_gives_exactly_the_expected_rows(messy, store):
    report = import_file(messy, store=store)
    s = report.summary
    assert s["rows_read"] == len(MESSY) == s["accepted"] + s["rejected"]
    rejected = dict(
        zip(
            report.rows.loc[report.rows.status == "rejected", "line"],
            report.rows.loc[report.rows.status == "rejected", "reason"],
            strict=True,
        )
    )
    assert set(rejected) == set(EXPECTED_REJECTED)
    for line, fragment in EXPECTED_REJECTED.items():
        assert fragment in rejected[line], (line, rejected[line])
    assert {r["line"] for r in s["rejected_rows"]} == set(EXPECTED_REJECTED)
    assert s["duplicates"] == 1
    assert s["fuzzy"] == 1
    ok = report.rows[report.rows.status == "accepted"].set_index("line")
    assert ok.loc[2, "place_id"] == "nouga"
    assert ok.loc[3, "place_id"] == ok.loc[4, "place_id"] == "koflatie"
    assert ok.loc[5, "place_id"] == "tegue"
    assert ok.loc[6, "place_id"] == "tombola" and ok.loc[6, "match_method"] == "fuzzy"
    assert 80 <= ok.loc[6, "match_score"] < 100
    assert ok.loc[10, "match_method"] == "coordinates"  # decimal commas 11,8 / -8,61667
    assert "les plus proches" in rejected[9] and "Kobada" in rejected[9]
    ids = dict(zip(ok.index, ok["record_id"], strict=True))
    assert ids == PREVIOUS_IDS


def test_reasons_in_english_with_lang_en(messy, store):
    report = import_file(messy, store=store, dry_run=True, lang="en")
    rejected = {r["line"]: r["reason"] for r in report.summary["rejected_rows"]}
    for line, fragment in EXPECTED_REJECTED_EN.items():
        assert fragment in rejected[line], (line, rejected[line])
    assert "closest" in rejected[9]


def test_store_gets_accepted_rows_and_quarantine_and_reimport_adds_nothing(messy, store):
    first = import_file(messy, store=store)
    acts = store.read("activities")
    assert len(acts) == first.summary["accepted"] == first.summary["added"]
    q = store.read("quarantine")
    assert sorted(q["line"]) == sorted(EXPECTED_REJECTED)
    raw = json.loads(q.set_index("line").loc[9, "raw"])
    assert raw["Village"] == "Xyzabad"
    # verbatim text, including a script tag, stored as typed (escaped only when displayed)
    assert "<script>alert(1)</script>" in set(acts["partner"])
    second = import_file(messy, store=store)
    assert second.summary["added"] == 0
    assert second.summary["already_present"] == first.summary["accepted"]
    assert len(store.read("activities")) == len(acts)
    assert len(store.read("quarantine")) == len(q)  # replaced, not doubled


def test_corrected_file_clears_its_quarantine(tmp_path, store):
    path = _write(tmp_path / "f.csv", ["12/04/2021;Xyzabad;Nouga;Sensibilisation;X;3;2;;;5;;;"])
    import_file(path, store=store)
    assert len(store.read("quarantine")) == 1
    _write(path, ["12/04/2021;Tombola;Nouga;Sensibilisation;X;3;2;;;5;;;"])
    report = import_file(path, store=store)
    assert report.summary["accepted"] == 1
    assert len(store.read("quarantine")) == 0


def test_dry_run_leaves_the_store_untouched(messy, store):
    report = import_file(messy, store=store, dry_run=True)
    assert report.summary["accepted"] > 0
    assert not store.exists()


@pytest.mark.parametrize(
    "encoding,delimiter", [("utf-8-sig", ","), ("utf-8", "\t"), ("latin-1", ";"), ("cp1252", ";")]
)
def test_encodings_and_delimiters(tmp_path, store, encoding, delimiter):
    header = delimiter.join(["Date", "Localité", "Commune", "Activité", "Garçons", "Filles"])
    row = delimiter.join(["01/02/2021", "Tégué", "Kaniogo", "Causerie éducative", "4", "5"])
    path = _write(tmp_path / "x.csv", [row], encoding=encoding, header=header)
    report = import_file(path, store=store, dry_run=True)
    assert report.summary["accepted"] == 1
    assert report.rows["place_id"].iloc[0] == "tegue"
    assert report.records["total"].iloc[0] == 9


def test_english_headers_and_mapping_file(tmp_path, store):
    path = _write(
        tmp_path / "en.csv",
        ["2021-05-01,Kokoyo,focus group,3,2"],
        encoding="utf-8",
        header="When,Site name,Activity,Girls,Boys",
    )
    with pytest.raises(InputError, match="colonne\\(s\\) obligatoire\\(s\\) manquante"):
        import_file(path, store=store)
    mapping = tmp_path / "map.csv"
    mapping.write_text("When,date\nSite name,place\n", encoding="utf-8")
    report = import_file(path, store=store, mapping=mapping, dry_run=True)
    assert report.summary["accepted"] == 1
    assert report.rows["place_id"].iloc[0] == "kokoyo"


def test_xlsx_with_kobo_geolocation(tmp_path, store):
    frame = pd.DataFrame(
        {
            "today": [pd.Timestamp("2021-06-01"), pd.Timestamp("2021-06-02")],
            "group_a/activite": ["Sensibilisation", "Sensibilisation"],
            "group_a/filles": [5, 6],
            "group_a/garcons": [4, 4],
            "_geolocation": ["[11.8, -8.7]", "[11.68333, -8.71667]"],
        }
    )
    path = tmp_path / "kobo.xlsx"
    frame.to_excel(path, index=False)
    report = import_file(path, store=store, dry_run=True)
    assert report.summary["accepted"] == 2
    assert list(report.rows["place_id"]) == ["koflatie", "tombola"]
    assert list(report.rows["line"]) == [2, 3]


def test_kobo_latitude_longitude_columns(tmp_path, store):
    path = _write(
        tmp_path / "kobo.csv",
        ["2021-06-01;Sensibilisation;5;11.8;-8.61667"],
        encoding="utf-8",
        header="date;activite;total;_gps_latitude;_gps_longitude",
    )
    report = import_file(path, store=store, dry_run=True)
    assert report.rows["place_id"].iloc[0] == "tegue"


def test_geojson_points(tmp_path, store):
    frame = gpd.GeoDataFrame(
        {"date": ["2021-07-01"], "activite": ["Focus group"], "seances": [2], "enfants": [10]},
        geometry=[Point(-8.65, 11.76667)],
        crs=settings.CRS,
    )
    path = tmp_path / "pts.geojson"
    frame.to_file(path)
    report = import_file(path, store=store, dry_run=True)
    assert report.rows["place_id"].iloc[0] == "sombo"


def test_cases_keep_no_point_and_nothing_below_commune(tmp_path, store):
    path = _write(
        tmp_path / "cas.csv",
        [
            "01/02/2021;Tombola;Nouga;Identification;CASE SAHEL;3;1;4;11,68333;-8,71667",
            "01/03/2021;Tégué;Kaniogo;Prise en charge;CASE SAHEL;7;0;7;;",
            "01/03/2021;Tégué;Kaniogo;Torture;CASE SAHEL;7;0;7;;",
        ],
        header="Date;Village;Commune;Type de cas;Partenaire;Filles;Garçons;Total;Lat;Lon",
    )
    report = import_file(path, kind="cases", store=store)
    s = report.summary
    assert (s["accepted"], s["rejected"]) == (2, 1)
    assert "type de cas « Torture » inconnu" in s["rejected_rows"][0]["reason"]
    assert s["coordinates_dropped"] == 1 and "supprimés" in s["note"]
    cases = store.read("cases")
    assert not isinstance(cases, gpd.GeoDataFrame)
    forbidden = {"place_id", "place_name", "place_text", "lat", "lon", "notes", "geometry"}
    assert not forbidden & set(cases.columns)
    assert set(cases["commune"]) == {"Nouga", "Kaniogo"}
    assert cases["unit_level"].max() <= settings.CASE_MIN_ADMIN_LEVEL
    assert report.rows["place_id"].isna().all()


@pytest.mark.parametrize(
    "content,fragment",
    [
        (b"", "est vide"),
        (b"\x00\x01\x02\x03binary\x00" * 50, "données binaires"),
        ("Date;Village;Activité;Total\r\n".encode(), "aucune ligne de données"),
        ("Date|Village|Activité|Total\r\n01/01/2021|Tombola|Causerie|5\r\n".encode(), "séparateur"),
        (b"Jour;Nom;Quoi\r\n01/01/2021;Tombola;x\r\n", "colonnes trouvées : Jour, Nom, Quoi"),
    ],
)
def test_bad_files_are_refused_and_store_unchanged(tmp_path, store, content, fragment):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=fragment):
        import_file(path, store=store)
    assert not store.exists()


def test_oversized_file_is_refused_before_reading(tmp_path, store):
    path = tmp_path / "big.csv"
    line = "01/02/2021;Tombola;Nouga;Sensibilisation;X;3;2;;;5;;;\r\n"
    path.write_bytes((HEADER + "\r\n" + line * (10 * 1024 * 1024 // len(line) + 1)).encode())
    assert path.stat().st_size > 10 * 1024 * 1024
    with pytest.raises(InputError, match="la limite est de 5 Mo"):
        import_file(path, store=store, max_mb=5)
    assert not store.exists()


def test_cli_json_summary_adds_up_and_report_and_exit_codes(messy, tmp_path):
    store = tmp_path / "cli.gpkg"
    out = tmp_path / "report.csv"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "zoneplan",
            "import",
            str(messy),
            "--store",
            str(store),
            "--json",
            "--report",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    s = json.loads(run.stdout)
    assert s["rows_read"] == s["accepted"] + s["rejected"]
    rows = pd.read_csv(out)
    assert len(rows) == s["rows_read"]
    assert (rows["status"] == "rejected").sum() == s["rejected"]
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    run = subprocess.run(
        [sys.executable, "-m", "zoneplan", "import", str(bad), "--store", str(store)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "est vide" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "text,expected",
    [
        ("15/03/2021", "2021-03-15"),
        ("2021-03-15", "2021-03-15"),
        ("44270", "2021-03-15"),
        ("janv. 2021", "2021-01-01"),
        ("févr. 2022", "2022-02-01"),
        ("Août 2020", "2020-08-01"),
        ("3/4/21", "2021-04-03"),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["31/02/2021", "hier", "2021-13-01", "12345"])
def test_bad_dates(text):
    assert parse_date(text) is None


def test_name_folding():
    assert fold_name("Commune rurale de Kaniogo") == fold_name("KANIOGO")
    assert fold_name("Village de Tégué") == fold_name("tegue")
    assert fold_name("Kofoulaté") == "kofoulate"


def test_counts_are_stored_as_numbers(messy, store):
    import_file(messy, store=store)
    acts = store.read("activities")
    assert np.issubdtype(acts["total"].dtype, np.number)
