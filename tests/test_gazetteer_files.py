"""Reading user gazetteers: Who's On First CSV, GeoNames dump, generic CSV/GeoJSON/GPKG, bad input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

import layers
from geo import settings
from geo.errors import InputError
from geo.gazetteer import GAZETTEER_COLUMNS, fill_admin, read_gazetteer
from tests.conftest import shared_file

WOF = "gazetteer/mli_localities_wof.csv"


def _mali_outline():
    borders = layers.load("borders")
    return borders.loc[borders["is_mali"], "geometry"].union_all()


def _rows(result):
    return result.report.set_index("line")


# --- Who's On First localities (real file) ------------------------------------------------------


@pytest.fixture(scope="module")
def wof():
    return read_gazetteer(shared_file(WOF), outline=_mali_outline())


def test_wof_every_row_accepted_or_rejected_with_a_reason(wof):
    raw = pd.read_csv(shared_file(WOF), dtype=str, keep_default_na=False)
    s = wof.summary
    assert wof.schema == "wof"
    assert s["rows_read"] == len(raw) == s["accepted"] + s["rejected"]
    assert len(s["rejected_rows"]) == s["rejected"]
    rejected = wof.report[wof.report["status"] == "rejected"]
    assert (rejected["reason"].str.len() > 0).all()
    assert (wof.report.loc[wof.report["status"] == "accepted", "reason"] == "").all()
    assert list(wof.frame.columns) == [*GAZETTEER_COLUMNS, "geometry"]
    assert wof.frame.crs.to_string() == settings.CRS
    assert wof.frame["gaz_id"].is_unique
    assert sum(s["rejected_by_reason"].values()) == s["rejected"]
    assert sum(s["rejected_by_code"].values()) == s["rejected"]
    assert (rejected["reason_code"].str.len() > 0).all()


def test_wof_rejects_points_outside_mali_and_gone_places(wof):
    raw = pd.read_csv(shared_file(WOF), dtype=str, keep_default_na=False)
    rows = _rows(wof)
    line = {wof_id: int(i) + 2 for i, wof_id in raw["wof_id"].items()}
    assert "hors du Mali" in rows.loc[line["101756785"], "reason"]  # Birgu, Malta
    # Serotandi (17.88 N, 11.02 W): inside the bounding box, in Mauritania.
    assert "hors du Mali" in rows.loc[line["1360202843"], "reason"]
    assert rows.loc[line["1360202843"], "reason_code"] == "outside_outline"
    assert rows.loc[line["1209015961"], "status"] == "accepted"  # Serotandi in Kéniéba
    pplq = raw.index[raw["geonames_feature_code"] == "PPLQ"]
    assert len(pplq) and all("n'est plus un lieu habité" in rows.loc[i + 2, "reason"] for i in pplq)
    assert (
        wof.summary["rejected_by_reason"]["hors du Mali"]
        == wof.summary["rejected_by_code"]["outside_mali"]
    )
    minx, miny, maxx, maxy = settings.MALI_BBOX
    b = wof.frame.geometry.bounds
    assert (b["minx"] >= minx).all() and (b["maxx"] <= maxx).all()
    assert (b["miny"] >= miny).all() and (b["maxy"] <= maxy).all()


def test_wof_keeps_homonyms_in_their_cercles(wof):
    frame = wof.frame
    dang = frame[frame["name"] == "Dangatene"].sort_values("admin2")
    assert list(dang["admin2"]) == ["Kangaba", "Koro"]
    kangaba = dang.iloc[0]
    assert kangaba["gaz_id"] == "wof:1309827545"
    assert kangaba.geometry.y == pytest.approx(12.14889) and kangaba.geometry.x == pytest.approx(
        -8.88087
    )
    assert "GeoNames 2594344" in kangaba["source"]
    tegue = frame[frame["name"] == "Tegue"]
    assert set(tegue["admin2"]) == {"Kangaba", "Bankass"}


def test_outline_is_optional_bbox_still_applies():
    result = read_gazetteer(shared_file(WOF))
    ids = set(result.frame["gaz_id"])
    assert "wof:1360202843" in ids  # in the bounding box: only the outline rejects it
    assert "wof:101756785" not in ids  # Birgu, Malta


# --- GeoNames dump -------------------------------------------------------------------------------


def _geonames_line(gid, name, lat, lon, fclass="P", fcode="PPL", cc="ML", alt=""):
    cols = [
        str(gid),
        name,
        name,
        alt,
        str(lat),
        str(lon),
        fclass,
        fcode,
        cc,
        "",
        "07",
        "",
        "",
        "",
        "0",
        "",
        "350",
        "Africa/Bamako",
        "2012-01-18",
    ]
    return "\t".join(cols)


@pytest.fixture
def geonames_file(tmp_path):
    lines = [
        _geonames_line(2594344, "Dangatene", 12.14889, -8.88087, alt="Dangatène,Dangaténé,دانغاتين"),
        _geonames_line(2450020, "Tegue", 11.8, -8.61667),
        _geonames_line(9000001, "Sankarani", 11.9, -8.3, fclass="H", fcode="STM"),  # a river
        _geonames_line(9000002, "Kédougou", 12.55, -12.18, cc="SN"),
        _geonames_line(9000003, "Vieux Kobada", 11.7, -8.6, fcode="PPLQ"),
        _geonames_line(9000004, "Swapped", -8.6, 11.8),
        _geonames_line(2450020, "Tegue bis", 11.81, -8.62),  # dup id
        _geonames_line(9000005, "Mine de Kobada", 11.66, -8.58, fclass="S", fcode="MNAU"),
        _geonames_line(9000006, "Sans coordonnées", "", ""),
    ]
    path = tmp_path / "ML.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_geonames_dump_rows_and_reasons(geonames_file):
    result = read_gazetteer(geonames_file)
    assert result.schema == "geonames"
    rows = _rows(result)
    assert result.summary["rows_read"] == 9 == result.summary["accepted"] + result.summary["rejected"]
    assert set(rows.index[rows["status"] == "accepted"]) == {1, 2, 8}
    assert rows.loc[3, "reason"].startswith("pas un lieu habité (entité GeoNames ")
    assert "code pays « SN » ; attendu ML" in rows.loc[4, "reason"]
    assert "n'est plus un lieu habité" in rows.loc[5, "reason"]
    assert "semblent inversées" in rows.loc[6, "reason"]
    assert "identifiant geonames:2450020 en double (déjà ligne 2)" in rows.loc[7, "reason"]
    assert rows.loc[9, "reason"] == "sans coordonnées"
    codes = rows["reason_code"].to_dict()
    assert codes == {
        1: "",
        2: "",
        3: "not_populated",
        4: "other_country",
        5: "gone",
        6: "swapped",
        7: "duplicate_id",
        8: "",
        9: "no_coordinates",
    }
    frame = result.frame.set_index("gaz_id")
    assert frame.loc["geonames:9000005", "kind"] == "mine"
    alt = frame.loc["geonames:2594344", "alt_names"]
    assert "Dangatène" in alt and "دانغاتين" not in alt


def test_reasons_in_english_on_request_with_the_same_codes(geonames_file):
    french = read_gazetteer(geonames_file)
    english = read_gazetteer(geonames_file, lang="en")
    rows = _rows(english)
    assert "not a populated place (feature " in rows.loc[3, "reason"]
    assert "country code 'SN'; expected ML" in rows.loc[4, "reason"]
    assert "no longer a populated place" in rows.loc[5, "reason"]
    assert "look swapped" in rows.loc[6, "reason"]
    assert "duplicate id geonames:2450020 (first on line 2)" in rows.loc[7, "reason"]
    assert rows.loc[9, "reason"] == "no coordinates"
    assert english.report["reason_code"].equals(french.report["reason_code"])
    assert english.summary["rejected_by_code"] == french.summary["rejected_by_code"]
    assert english.summary["rejected_by_reason"] == {
        "not a populated place": 1,
        "another country": 1,
        "no longer a populated place": 1,
        "swapped coordinates": 1,
        "duplicate id": 1,
        "no coordinates": 1,
    }


def test_geonames_admin_filled_from_installed_cercles(geonames_file, mali_store):
    units = layers.load("admin", store=mali_store)
    result = read_gazetteer(geonames_file, units=units)
    frame = result.frame.set_index("gaz_id")
    assert frame.loc["geonames:2594344", "admin2"] == "Kangaba"
    assert frame.loc["geonames:2594344", "admin1"] == "Koulikoro"
    assert result.admin_filled["admin2"] == len(frame)


# --- generic files -------------------------------------------------------------------------------


def test_generic_csv_with_named_columns(tmp_path):
    text = (
        "NOM_VILLAGE;Y;X;CODE;CERCLE_NOM\r\n"
        "Dangaténé;12,14889;-8,88087;V001;Kangaba\r\n"
        "Sans point;;;V002;Kangaba\r\n"
        ";12,0;-8,5;V003;Kangaba\r\n"
        "Zéro;0;0;V004;\r\n"
        "Doublon;12,0;-8,5;V001;Kangaba\r\n"
    )
    path = tmp_path / "villages.csv"
    path.write_bytes(text.encode("cp1252"))
    result = read_gazetteer(
        path, name_col="NOM_VILLAGE", lat_col="Y", lon_col="X", id_col="CODE", admin2_col="CERCLE_NOM"
    )
    rows = _rows(result)
    assert result.schema == "generic"
    assert list(rows["status"]) == ["accepted", "rejected", "rejected", "rejected", "rejected"]
    assert rows.loc[3, "reason"] == "sans coordonnées"
    assert rows.loc[4, "reason"] == "sans nom"
    assert rows.loc[5, "reason"] == "sans coordonnées (0, 0)"
    assert "identifiant villages:V001 en double (déjà ligne 2)" == rows.loc[6, "reason"]
    assert result.summary["rejected_by_reason"] == {
        "sans coordonnées": 2,
        "sans nom": 1,
        "identifiant en double": 1,
    }
    entry = result.frame.iloc[0]
    assert entry["name"] == "Dangaténé" and entry["admin2"] == "Kangaba"
    assert entry["gaz_id"] == "villages:V001"
    assert entry.geometry.x == pytest.approx(-8.88087)


def test_generic_csv_missing_columns_lists_what_was_found(tmp_path):
    path = tmp_path / "noms.csv"
    path.write_text("village,commune\nNouga,Nouga\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_gazetteer(path)
    message = str(info.value)
    assert "noms.csv" in message and "latitude" in message and "village, commune" in message
    with pytest.raises(InputError, match="« NAME ».*introuvable"):
        read_gazetteer(path, name_col="NAME", lat_col="village", lon_col="commune")


def test_generic_geojson_points_and_non_points(tmp_path):
    frame = gpd.GeoDataFrame(
        {"name": ["Kéniéba", "Zone"], "cercle": ["Kangaba", "Kangaba"]},
        geometry=[Point(-8.6348, 12.04439), Polygon([(-8.7, 11.7), (-8.6, 11.7), (-8.6, 11.8)])],
        crs=settings.CRS,
    )
    path = tmp_path / "localites.geojson"
    frame.to_file(path, driver="GeoJSON")
    result = read_gazetteer(path)
    rows = _rows(result)
    assert rows.loc[1, "status"] == "accepted"
    assert rows.loc[2, "reason"] == "géométrie de type Polygon ; attendu un point"
    assert result.frame.iloc[0]["admin2"] == "Kangaba"


def test_generic_geopackage_in_a_projected_crs(tmp_path):
    frame = gpd.GeoDataFrame(
        {"nom": ["Tegue"], "code": ["T1"]}, geometry=[Point(-8.61667, 11.8)], crs=settings.CRS
    ).to_crs(32629)
    path = tmp_path / "villages.gpkg"
    frame.to_file(path, driver="GPKG")
    result = read_gazetteer(path)
    point = result.frame.geometry.iloc[0]
    assert result.frame.crs.to_string() == settings.CRS
    assert point.x == pytest.approx(-8.61667, abs=1e-6) and point.y == pytest.approx(11.8, abs=1e-6)
    assert result.frame.iloc[0]["gaz_id"] == "villages:T1"


# --- bad files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "est vide"),
        (b"\x00\x01\x02\x03binary\x00" * 50, "binaire"),
        (b"name,lat,lon\n", "aucune ligne"),
        (b"\n\n  \n", "lignes vides"),
    ],
)
def test_bad_files_are_refused(tmp_path, content, fragment):
    path = tmp_path / "gaz.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=fragment) as info:
        read_gazetteer(path)
    assert "gaz.csv" in str(info.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="fichier introuvable"):
        read_gazetteer(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="est un dossier"):
        read_gazetteer(tmp_path)
    with pytest.raises(InputError, match="file not found"):
        read_gazetteer(tmp_path / "absent.csv", lang="en")
    with pytest.raises(InputError, match="is empty; expected a gazetteer"):
        (tmp_path / "zero.csv").write_bytes(b"")
        read_gazetteer(tmp_path / "zero.csv", lang="en")


def test_not_geodata_with_a_geo_suffix(tmp_path):
    path = tmp_path / "villages.geojson"
    path.write_text("not json at all", encoding="utf-8")
    with pytest.raises(InputError, match="pas un JSON valide"):
        read_gazetteer(path)


def test_fill_admin_copies_and_keeps_the_index(mali_store):
    units = layers.load("admin", store=mali_store)
    frame = gpd.GeoDataFrame(
        {c: [""] * 2 for c in GAZETTEER_COLUMNS},
        geometry=[Point(-8.88087, 12.14889), Point(-3.7875, 13.5327)],
        index=[10, 20],
        crs=settings.CRS,
    )
    out, filled = fill_admin(frame, units)
    assert list(out.index) == [10, 20]
    assert list(out["admin2"]) == ["Kangaba", "Bankass"]
    assert list(out["admin1"]) == ["Koulikoro", "Mopti"]
    assert (frame["admin2"] == "").all()  # the input is untouched
    assert filled == {"admin1": 2, "admin2": 2}
    assert np.all(out.geometry.geom_equals(frame.geometry))
