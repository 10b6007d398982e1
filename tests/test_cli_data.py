"""The `zoneplan data` commands: the done-when figures and each bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import pytest
from shapely.geometry import box

import layers
from geo.store import Store
from tests.conftest import shared_file
from zoneplan.cli import main


def run(argv, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_regions_then_cercles_status_json(tmp_path, capsys):
    store = str(tmp_path / "s.gpkg")
    regions = shared_file("boundaries/mli_adm1_regions_wof.geojson")
    cercles = shared_file("boundaries/mli_adm2_cercles_wof.geojson")
    assert run(["data", "add-boundaries", str(regions), "--store", store], capsys)[0] == 0
    assert run(["data", "add-boundaries", str(cercles), "--store", store], capsys)[0] == 0
    code, out, _ = run(["data", "status", "--json", "--store", store], capsys)
    assert code == 0
    status = json.loads(out)
    admin = next(row for row in status["layers"] if row["layer"] == "admin")
    assert admin["levels"]["1"] == 9
    assert admin["levels"]["2"] == 50
    assert admin["without_parent"]["2"] == 0
    assert "Who's On First" in admin["attribution"]
    listed = {row["layer"] for row in status["layers"]}
    assert listed == set(layers.names())
    assert {
        "activities",
        "admin",
        "borders",
        "centres",
        "gold_sites",
        "places",
        "risk",
        "zones",
    } <= listed
    for row in status["layers"]:
        assert {"features", "source", "attribution"} <= set(row)
    places = next(row for row in status["layers"] if row["layer"] == "places")
    assert places["unlocated"] == ["Danga"]


def _not_geodata(tmp_path):
    path = tmp_path / "notes.geojson"
    path.write_text("this is not geodata\n", encoding="utf-8")
    return path


def _empty_layer(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    return path


def _no_crs(tmp_path):
    path = tmp_path / "nocrs.gpkg"
    gpd.GeoDataFrame({"shapeName": ["A"], "shapeID": ["a"]}, geometry=[box(-8, 12, -7, 13)]).to_file(
        path, driver="GPKG"
    )
    return path


def _wrong_columns(tmp_path):
    path = tmp_path / "cols.geojson"
    gpd.GeoDataFrame({"foo": ["A"], "bar": [1]}, geometry=[box(-8, 12, -7, 13)], crs=4326).to_file(
        path, driver="GeoJSON"
    )
    return path


def _missing(tmp_path):
    return tmp_path / "nowhere.geojson"


def _zero_bytes(tmp_path):
    path = tmp_path / "zero.gpkg"
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_missing, "fichier introuvable"),
        (_not_geodata, "n'est pas un JSON valide"),
        (_zero_bytes, "est vide"),
        (_empty_layer, "ne contient aucune entité"),
        (_no_crs, "pas de système de coordonnées"),
        (_wrong_columns, "aucun format de limites connu"),
    ],
)
def test_bad_input_one_line_exit_2_store_unchanged(tmp_path, capsys, make, expected):
    store_path = tmp_path / "s.gpkg"
    good = gpd.GeoDataFrame(
        {"shapeName": ["A"], "shapeID": ["a"], "shapeType": ["ADM1"]},
        geometry=[box(-8, 12, -7, 13)],
        crs=4326,
    )
    good.to_file(tmp_path / "good.geojson", driver="GeoJSON")
    assert (
        run(
            ["data", "add-boundaries", str(tmp_path / "good.geojson"), "--store", str(store_path)],
            capsys,
        )[0]
        == 0
    )
    before = store_path.read_bytes()
    bad = make(tmp_path)
    code, out, err = run(["data", "add-boundaries", str(bad), "--store", str(store_path)], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert bad.name in lines[0]
    assert expected in lines[0]
    assert "Traceback" not in err
    assert store_path.read_bytes() == before
    assert Store(store_path).read("boundaries")["unit_id"].tolist() == ["a"]
    assert not list(tmp_path.glob(".s.*"))  # no temporary store left behind


def test_console_script_prints_no_traceback(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "zoneplan",
            "data",
            "add-boundaries",
            str(tmp_path / "x.geojson"),
            "--store",
            str(tmp_path / "s.gpkg"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "x.geojson: fichier introuvable" in proc.stderr
    assert not (tmp_path / "s.gpkg").exists()


def test_set_location_places_danga_and_refuses_bad_points(tmp_path, capsys):
    store = str(tmp_path / "s.gpkg")
    code, _, err = run(
        ["data", "set-location", "danga", "--lat", "-8.7", "--lon", "11.7", "--store", store], capsys
    )
    assert code == 2 and "semblent inversées" in err
    code, _, err = run(
        ["data", "set-location", "nowhere", "--lat", "11.7", "--lon", "-8.7", "--store", store], capsys
    )
    assert code == 2 and "lieu inconnu « nowhere »" in err
    assert (
        run(
            ["data", "set-location", "danga", "--lat", "11.70", "--lon", "-8.72", "--store", store],
            capsys,
        )[0]
        == 0
    )
    code, out, _ = run(["data", "status", "--json", "--store", store], capsys)
    places = next(row for row in json.loads(out)["layers"] if row["layer"] == "places")
    assert places["unlocated"] == []


def test_unknown_command_is_usage_error(capsys):
    code, _, err = run(["data", "frobnicate"], capsys)
    assert code == 2
    assert "valeur inconnue" in err and "frobnicate" in err  # French first (issue 12)


def test_status_text_is_french_by_default_and_english_on_request(tmp_path, capsys):
    store = str(tmp_path / "nothing.gpkg")
    code, out, _ = run(["data", "status", "--store", store], capsys)
    assert code == 0
    assert "base du projet" in out and "pas encore créée" in out and "Unités administratives" in out
    assert "not created" not in out and " levels " not in out
    code, out, _ = run(["data", "status", "--store", store, "--lang", "en"], capsys)
    assert "project store" in out and "Administrative units" in out
