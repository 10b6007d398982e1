"""Import place matching with a user gazetteer installed: villages found, programme places first."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import layers
from geo.gazetteer import read_gazetteer
from geo.matcher import PlaceMatcher
from geo.store import Store
from tests.conftest import shared_file
from tests.test_import import MESSY, _write
from zoneplan.datastore import install_gazetteer
from zoneplan.records import import_file, place_matcher

HEADER = "Date;Village;Commune;Cercle;Activité;Partenaire;Filles;Garçons;Total"
DANGATENE_KANGABA = "gaz:wof:1309827545"
KENIEBA_KANGABA = "gaz:wof:1293221815"
TEGUE_BANKASS = "gaz:wof:1276118795"


@pytest.fixture(scope="module")
def _wof_store_template(_mali_store_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("wofgaz") / "gaz.gpkg"
    shutil.copyfile(_mali_store_template, path)
    store = Store(path)
    borders = layers.load("borders")
    install_gazetteer(
        store,
        read_gazetteer(
            shared_file("gazetteer/mli_localities_wof.csv"),
            units=layers.load("admin", store=store),
            outline=borders.loc[borders["is_mali"]].union_all(),
        ),
    )
    return path


@pytest.fixture
def wof_store(_wof_store_template, tmp_path):
    """The real régions, cercles and WOF gazetteer installed (skipped where absent)."""
    path = tmp_path / "wof.gpkg"
    shutil.copyfile(_wof_store_template, path)
    return Store(path)


def _import(tmp_path, store, lines, *, kind="activities", dry_run=False, name="rows.csv"):
    path = tmp_path / name
    path.write_bytes(("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp1252"))
    report = import_file(path, store=store, kind=kind, dry_run=dry_run)
    s = report.summary
    assert s["rows_read"] == len(lines) == s["accepted"] + s["rejected"]
    return report, report.rows.set_index("line")


def test_gazetteer_villages_are_matched_with_method_score_and_source(tmp_path, wof_store):
    report, rows = _import(
        tmp_path,
        wof_store,
        [
            "15/03/2021;Dangatene;;Kangaba;Sensibilisation;CASE SAHEL;10;12;22",  # 2 exact
            "16/03/2021;Kéniéba;;Kangaba;Sensibilisation;CASE SAHEL;4;6;10",  # 3 exact
            "17/03/2021;Dangatenne;Nouga;;Sensibilisation;CASE SAHEL;3;3;6",  # 4 fuzzy
            "18/03/2021;Village de Dangaténé;;KANGABA;Causerie;ACESEM;1;1;2",  # 5 prefix
        ],
    )
    assert (rows["status"] == "accepted").all(), rows["reason"].tolist()
    assert rows.loc[2, "place_id"] == DANGATENE_KANGABA
    assert rows.loc[2, "match_method"] == "exact" and rows.loc[2, "match_score"] == 100
    assert rows.loc[3, "place_id"] == KENIEBA_KANGABA
    assert rows.loc[4, "place_id"] == DANGATENE_KANGABA
    assert rows.loc[4, "match_method"] == "fuzzy"
    assert 80 <= rows.loc[4, "match_score"] < 100
    assert rows.loc[5, "place_id"] == DANGATENE_KANGABA
    assert set(rows["match_source"]) == {"gazetteer"}
    assert report.summary["fuzzy"] == 1
    # Stored at the gazetteer's point, in Kangaba cercle and the Kangaba zone.
    acts = layers.load("activities", store=wof_store).set_index("line")
    point = acts.loc[2].geometry
    assert (point.y, point.x) == pytest.approx((12.14889, -8.88087))
    kangaba = layers.load("admin", store=wof_store, level=2)
    kangaba_id = kangaba.loc[kangaba["name"] == "Kangaba", "unit_id"].iloc[0]
    assert set(acts["cercle_id"]) == {kangaba_id}
    assert set(acts["zone_id"]) == {"kangaba"}
    # The row's commune carries over when it lies in the village's cercle.
    assert acts.loc[4, "commune"] == "Nouga"


def test_programme_places_win_over_gazetteer_homonyms(tmp_path, wof_store):
    _, rows = _import(
        tmp_path,
        wof_store,
        [
            "15/03/2021;Tegue;;Kangaba;Sensibilisation;CASE SAHEL;10;12;22",  # 2 programme
            "15/03/2021;Tégué;;;Sensibilisation;CASE SAHEL;1;2;3",  # 3 programme
            "15/03/2021;Tegue;;Bankass;Sensibilisation;CASE SAHEL;10;12;22",  # 4 Bankass one
            "15/03/2021;Kofoulaté;Nouga;;Sensibilisation;CASE SAHEL;5;5;10",  # 5 programme
        ],
    )
    assert (rows["status"] == "accepted").all(), rows["reason"].tolist()
    assert rows.loc[2, "place_id"] == rows.loc[3, "place_id"] == "tegue"
    assert rows.loc[2, "match_source"] == "places"
    assert rows.loc[4, "place_id"] == TEGUE_BANKASS
    assert rows.loc[4, "match_source"] == "gazetteer"
    assert rows.loc[5, "place_id"] == "koflatie"


def test_bankass_tegue_lands_in_bankass(tmp_path, wof_store):
    report, rows = _import(
        tmp_path, wof_store, ["15/03/2021;Tegue;;Bankass;Sensibilisation;CASE SAHEL;10;12;22"]
    )
    record = report.records.iloc[0]
    assert record["cercle"] == "Bankass" and record["region"] == "Mopti"
    assert record["zone_id"] != "kangaba"


def test_ambiguous_and_unknown_villages_are_rejected_with_candidates(tmp_path, wof_store):
    _, rows = _import(
        tmp_path,
        wof_store,
        [
            "15/03/2021;Dangatene;;;Sensibilisation;CASE SAHEL;10;12;22",  # 2 two cercles
            "15/03/2021;Kenieba;;;Sensibilisation;CASE SAHEL;10;12;22",  # 3 eight
            "15/03/2021;Xyzabad;;Kangaba;Sensibilisation;CASE SAHEL;10;12;22",  # 4 unknown
            "15/03/2021;Dangatene;;Bankass;Sensibilisation;CASE SAHEL;10;12;22",  # 5 other cercle
        ],
    )
    assert (rows["status"] == "rejected").all()
    assert "Kangaba" in rows.loc[2, "reason"] and "Koro" in rows.loc[2, "reason"]
    assert "préciser le cercle" in rows.loc[2, "reason"]
    assert "désigne 8 localités" in rows.loc[3, "reason"]
    assert "lieu « Xyzabad » inconnu" in rows.loc[4, "reason"]
    assert "les plus proches" in rows.loc[4, "reason"]
    assert "lieu « Dangatene » inconnu" in rows.loc[5, "reason"]
    assert "le répertoire des localités le situe à Dangatene, Kangaba" in rows.loc[5, "reason"]


def test_messy_file_matches_as_without_a_gazetteer(tmp_path, wof_store, store):
    path = _write(tmp_path / "activites_kangaba.csv", MESSY)
    plain = import_file(path, store=store, dry_run=True).rows
    with_gaz = import_file(path, store=wof_store, dry_run=True).rows
    cols = ["line", "status", "place_id", "match_method"]
    pd.testing.assert_frame_equal(plain[cols], with_gaz[cols])


def test_cases_use_the_village_to_find_the_commune_then_drop_it(tmp_path, wof_store):
    report, rows = _import(
        tmp_path,
        wof_store,
        ["15/03/2021;Dangatene;Nouga;Kangaba;identification;CASE SAHEL;2;1;3"],
        kind="cases",
    )
    assert rows.loc[2, "status"] == "accepted", rows.loc[2, "reason"]
    cases = wof_store.read("cases")
    assert "geometry" not in cases.columns and "place_id" not in cases.columns
    assert cases.iloc[0]["commune"] == "Nouga" and cases.iloc[0]["cercle"] == "Kangaba"


def test_cercle_known_only_from_the_gazetteer(tmp_path, store):
    """Without installed boundaries, the gazetteer's cercle names narrow the rows."""
    path = tmp_path / "villages.csv"
    path.write_text(
        "name,lat,lon,cercle\nTegue,13.5327,-3.7875,Bankass\nSanga,14.4667,-3.3,Bandiagara\n",
        encoding="utf-8",
    )
    install_gazetteer(store, read_gazetteer(path))
    _, rows = _import(
        tmp_path,
        store,
        [
            "15/03/2021;Tegue;;Bankass;Sensibilisation;CASE SAHEL;1;1;2",
            "15/03/2021;Sangha;;Bandiagara;Sensibilisation;CASE SAHEL;1;1;2",
            "15/03/2021;Tegue;;;Sensibilisation;CASE SAHEL;1;1;2",
        ],
    )
    assert rows.loc[2, "place_id"] == "gaz:villages:row2"
    assert rows.loc[3, "place_id"] == "gaz:villages:row3"
    assert rows.loc[3, "match_method"] == "fuzzy"
    assert rows.loc[4, "place_id"] == "tegue"


def test_each_distinct_row_is_matched_once(wof_store):
    matcher = place_matcher(wof_store)
    assert isinstance(matcher, PlaceMatcher) and len(matcher.localities) > 14000
    first = matcher.match(place="Dangatene", cercle="Kangaba")
    assert matcher.match(place="Dangatene", cercle="Kangaba") is first
    assert first.place_id == DANGATENE_KANGABA


def test_coordinates_find_the_nearest_village_when_the_name_agrees(tmp_path, wof_store):
    path = tmp_path / "gps.csv"
    path.write_text(
        "Date;Village;Latitude;Longitude;Activité;Partenaire;Filles;Garçons;Total\n"
        "15/03/2021;Dangatene;12,1489;-8,8809;Sensibilisation;CASE SAHEL;1;1;2\n"
        "15/03/2021;;13,533;-3,788;Sensibilisation;CASE SAHEL;1;1;2\n"
        "15/03/2021;Bamako-Coura;12,1489;-8,8809;Sensibilisation;CASE SAHEL;1;1;2\n"
        "15/03/2021;Tegue;11,8;-8,61667;Sensibilisation;CASE SAHEL;1;1;2\n",
        encoding="utf-8",
    )
    rows = import_file(path, store=wof_store, dry_run=True).rows.set_index("line")
    assert rows.loc[2, "place_id"] == DANGATENE_KANGABA
    assert rows.loc[2, "match_method"] == "coordinates" and rows.loc[2, "match_score"] > 99
    assert rows.loc[3, "place_id"] == TEGUE_BANKASS
    # A name that disagrees with the nearby village: only the unit containing the point.
    assert pd.isna(rows.loc[4, "place_id"]) and rows.loc[4, "match_level"] == "cercle"
    assert rows.loc[5, "place_id"] == "tegue"  # the programme place first


def test_one_village_listed_twice_is_not_ambiguous(tmp_path, store):
    path = tmp_path / "doubles.csv"
    path.write_text(
        "name,lat,lon,cercle\nSanga,14.4667,-3.3,Bandiagara\n"
        "Sanga,14.4700,-3.3020,Bandiagara\nDiallo,14.0,-3.5,Bandiagara\n"
        "Diallo,14.6,-3.9,Bandiagara\n",
        encoding="utf-8",
    )
    install_gazetteer(store, read_gazetteer(path))
    _, rows = _import(
        tmp_path,
        store,
        [
            "15/03/2021;Sanga;;Bandiagara;Sensibilisation;CASE SAHEL;1;1;2",
            "15/03/2021;Diallo;;Bandiagara;Sensibilisation;CASE SAHEL;1;1;2",
        ],
    )
    assert rows.loc[2, "place_id"] == "gaz:doubles:row2"
    assert rows.loc[3, "status"] == "rejected" and "désigne 2 localités" in rows.loc[3, "reason"]


def test_coverage_map_draws_gazetteer_villages_at_their_point(tmp_path, wof_store):
    from zoneplan.maps import build_view

    report, _ = _import(
        tmp_path,
        wof_store,
        [
            "12/03/2021;Balansan;;Kangaba;sensibilisation;CASE SAHEL;10;12;22",
            "14/03/2021;Tombola;Nouga;Kangaba;sensibilisation;CASE SAHEL;3;4;7",
        ],
    )
    assert report.summary["accepted"] == 2
    view = build_view("coverage", zone="kangaba", store=wof_store, measure="people")
    circles = next(
        layer
        for layer in view.layers
        if "value" in layer.frame.columns and layer.frame["value"].notna().any()
    )
    drawn = circles.frame.set_index("name")
    assert drawn.loc["Balansan", "value"] == 22
    point = drawn.loc["Balansan", "geometry"]
    assert (point.x, point.y) == pytest.approx((-8.55, 11.83333), abs=1e-4)
