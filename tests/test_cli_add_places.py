"""``zoneplan data add-places``: summary that adds up, replacement, attribution, bad input, layer."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

import layers
from geo.store import Store
from tests.conftest import shared_file
from zoneplan.cli import main


def run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def _villages(tmp_path, name="villages.csv"):
    path = tmp_path / name
    path.write_text(
        "nom;latitude;longitude;cercle\nDangatene;12,14889;-8,88087;Kangaba\n"
        "Sans point;;;Kangaba\nTegue;13.5327;-3.7875;Bankass\n",
        encoding="utf-8",
    )
    return path


def test_layer_is_the_embedded_gazetteer_before_any_add_places(store):
    frame = layers.load("gazetteer", store=store)
    assert len(frame) == 14_903 and frame.crs is not None
    assert layers.module("gazetteer").origin(store) == "embedded"
    assert "add-places" in layers.module("gazetteer").info(store)["source"]


def test_add_places_wof_json_summary_and_status(tmp_path, capsys):
    wof = shared_file("gazetteer/mli_localities_wof.csv")
    db = str(tmp_path / "s.gpkg")
    code, out, _ = run(["data", "add-places", str(wof), "--json", "--store", db], capsys)
    assert code == 0
    s = json.loads(out)
    rows = len(pd.read_csv(wof, dtype=str))
    assert s["rows_read"] == rows == s["accepted"] + s["rejected"]
    assert s["schema"] == "wof" and s["replaced"] == 0
    assert {r["line"] for r in s["rejected_rows"]} and all(r["reason"] for r in s["rejected_rows"])
    code, out, _ = run(["data", "status", "--json", "--store", db], capsys)
    row = next(r for r in json.loads(out)["layers"] if r["layer"] == "gazetteer")
    assert row["features"] == s["accepted"]
    assert "Who's On First" in row["attribution"] and "GeoNames" in row["attribution"]
    assert "mli_localities_wof.csv" in row["source"]


def test_add_places_replaces_the_previous_gazetteer_and_prints_one_summary(tmp_path, capsys):
    db = str(tmp_path / "s.gpkg")
    first = _villages(tmp_path)
    code, out, _ = run(
        [
            "data",
            "add-places",
            str(first),
            "--store",
            db,
            "--lang",
            "en",
            "--attribution",
            "Relevé des partenaires <2024>",
        ],
        capsys,
    )
    assert code == 0
    assert out.splitlines()[0].startswith(
        "villages.csv (generic): 3 rows read = 2 accepted + 1 rejected"
    )
    assert "line 3 (Sans point) rejected: no coordinates" in out
    assert "  rejection reason 'no coordinates': 1" in out
    second = tmp_path / "autres.csv"
    second.write_text("name,lat,lon\nSanga,14.4667,-3.3\n", encoding="utf-8")
    report = tmp_path / "rapport.csv"
    code, out, _ = run(
        ["data", "add-places", str(second), "--store", db, "--json", "--report", str(report)], capsys
    )
    assert code == 0 and json.loads(out)["replaced"] == 2
    frame = layers.load("gazetteer", store=Store(db))
    assert list(frame["name"]) == ["Sanga"]
    assert pd.read_csv(report)["status"].tolist() == ["accepted"]
    meta = Store(db).meta()
    assert meta["gazetteer.source"] == "autres.csv" and meta["gazetteer.attribution"] == ""
    code, out, _ = run(["data", "add-places", str(first), "--store", db], capsys)
    assert code == 0
    assert out.splitlines()[0].startswith(
        "villages.csv (generic) : 3 lignes lues = 2 acceptées + 1 rejetées"
    )
    assert "  motif de rejet « sans coordonnées » : 1" in out
    assert "ligne 3 (Sans point) rejetée : sans coordonnées" in out


@pytest.mark.parametrize(
    "content",
    [b"\x00\x01binary\x00" * 40, b"", b"nom,commune\nA,B\n", b"name,lat,lon\nNowhere,48.85,2.35\n"],
)
def test_bad_files_exit_2_with_one_line_and_leave_the_store(tmp_path, capsys, content):
    db = str(tmp_path / "s.gpkg")
    assert run(["data", "add-places", str(_villages(tmp_path)), "--store", db], capsys)[0] == 0
    before = Store(db).meta()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    code, out, err = run(["data", "add-places", str(bad), "--store", db], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "bad.csv" in err
    assert Store(db).meta() == before
    assert len(layers.load("gazetteer", store=Store(db))) == 2


def test_missing_file_from_a_shell_has_no_traceback(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "zoneplan",
            "data",
            "add-places",
            str(tmp_path / "absent.csv"),
            "--store",
            str(tmp_path / "s.gpkg"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "absent.csv: fichier introuvable" in proc.stderr
