"""The analyse() service and the `zoneplan analyse` / `data add-population` commands on real data."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

import layers
from geo.errors import InputError, UnknownNameError
from zoneplan.analysis import VERBS, analyse, default_attractiveness
from zoneplan.cli import main


def _run(capsys, *argv) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out = capsys.readouterr()
    return int(done.value.code), out.out, out.err


def test_kangaba_meets_border_and_gold_and_bamako_attractiveness(mali_store):
    kangaba = analyse("criteria", zone="kangaba", units="h3:7", store=mali_store)
    assert {"border", "gold"} <= set(kangaba.summary["zone_criteria_met"])
    assert kangaba.units.crs.to_epsg() == 4326
    assert kangaba.summary["criteria"]["border"]["min_km"] == 0  # the cercle meets Guinea
    bamako = analyse("criteria", zone="bamako", units="h3:7", store=mali_store)
    assert "attractiveness" in bamako.summary["zone_criteria_met"]
    assert "gold" not in bamako.summary["zone_criteria_met"]


def test_every_unit_carries_a_one_line_explanation(mali_store):
    result = analyse("criteria", zone="kangaba", units="admin2", store=mali_store, lang="en")
    text = result.units["explanation"].iloc[0]
    assert "\n" not in text and "border" in text and "gold" in text
    assert list(result.table.columns)[:2] == ["unit_id", "name"]


def test_edited_attractiveness_reaches_the_criteria(mali_store):
    table = default_attractiveness()
    table.loc[table["place_id"] == "bamako", ["markets", "tourism", "mining_economy"]] = 0.0
    result = analyse("criteria", zone="bamako", units="admin2", store=mali_store, attractiveness=table)
    assert not result.units["met_attractiveness"].any()


def test_bad_input_gives_clear_errors(mali_store):
    with pytest.raises(UnknownNameError, match="kangaba"):
        analyse("criteria", zone="atlantis", store=mali_store)
    with pytest.raises(UnknownNameError, match="access, criteria, gaps, next"):
        analyse("everything", zone="kangaba", store=mali_store)
    with pytest.raises(InputError, match="all weights are zero"):
        analyse("criteria", zone="kangaba", store=mali_store, weights="a=0,b=0,c=0")
    with pytest.raises(InputError, match="unknown option"):
        analyse("criteria", zone="kangaba", store=mali_store, colour="red")


def test_gaps_use_imported_activities_and_targets(mali_store):
    schema = layers.module("activities").SCHEMA
    acts = schema.empty().reindex(range(2))
    acts = acts.assign(
        record_id=["r1", "r2"],
        date=pd.to_datetime(["2021-03-01", "2021-05-01"]),
        activity_type="sensibilisation",
        girls=0,
        boys=0,
        women=0,
        men=0,
        total=[600, 300],
        sessions=[20, 10],
    )
    acts = gpd.GeoDataFrame(
        acts, geometry=gpd.points_from_xy([-8.71667, -8.61667], [11.68333, 11.8]), crs="EPSG:4326"
    )
    mali_store.write("activities", acts)
    result = analyse("gaps", zone="kangaba", units="admin2", store=mali_store)
    unit = result.units.iloc[0]
    assert unit["people_sensitised"] == 900  # GPS points counted at Tombola and Tégué
    places = result.places.set_index("name")
    assert places.loc["Tombola", "people_sensitised"] == 600
    assert places.loc["Tégué", "sessions"] == 10
    assert "sensitisation" not in places.loc["Tombola", "gap_kinds"]
    assert unit["gap_status"] == "gap"  # other villages: nothing recorded, no centre within 25 km
    assert "25 km" in unit["gap_reasons"]


def test_case_figures_go_through_disclosure_control(mali_store):
    cases = pd.DataFrame(
        {
            "record_id": ["c1"],
            "case_type": ["identification"],
            "unit_id": ["ML.KK.KG"],
            "cercle_id": ["ML.KK.KG"],
            "total": [3],
        }
    )
    mali_store.write("cases", cases)
    admin = analyse("criteria", zone="kangaba", units="admin2", store=mali_store)
    assert admin.units["cases_display"].iloc[0] == "<5"
    assert "cas recensés : <5" in admin.units["explanation"].iloc[0]
    assert (admin.table["cases_display"] == "<5").all() and "cases" not in admin.table.columns
    hexes = analyse("criteria", zone="kangaba", units="h3:6", store=mali_store)
    assert "cases_display" not in hexes.units.columns
    assert hexes.summary["notes"]


def test_next_returns_a_sequence_with_marginal_gains(mali_store):
    result = analyse("next", zone="kangaba", units="h3:6", store=mali_store, n=2, min_distance_km=20)
    sites = result.summary["sites"]
    assert 1 <= len(sites) <= 2
    assert sites[0]["marginal_gain"] >= sites[-1]["marginal_gain"]
    assert sites[0]["nearest_place"] and sites[0]["covers"]


@pytest.mark.parametrize("verb", VERBS)
def test_cli_json_for_each_verb(mali_store, capsys, verb):
    code, out, err = _run(
        capsys,
        "analyse",
        verb,
        "--zone",
        "kangaba",
        "--units",
        "admin2",
        "--store",
        str(mali_store.path),
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["summary"]["verb"] == verb and data["summary"]["zone"] == "kangaba"


def test_cli_criteria_kangaba_json(mali_store, capsys):
    code, out, _ = _run(
        capsys,
        "analyse",
        "criteria",
        "--zone",
        "kangaba",
        "--units",
        "h3:6",
        "--store",
        str(mali_store.path),
        "--json",
        "--min-criteria",
        "2",
    )
    data = json.loads(out)
    assert code == 0 and data["summary"]["min_criteria"] == 2
    assert {"border", "gold"} <= set(data["summary"]["zone_criteria_met"])


def test_cli_csv_and_bad_input(mali_store, capsys, tmp_path):
    target = tmp_path / "gaps.csv"
    code, out, _ = _run(
        capsys,
        "analyse",
        "gaps",
        "--zone",
        "kangaba",
        "--units",
        "admin2",
        "--store",
        str(mali_store.path),
        "--csv",
        str(target),
    )
    assert code == 0 and pd.read_csv(target)["unit_id"].tolist() == ["ML.KK.KG"]
    code, _, err = _run(
        capsys, "analyse", "criteria", "--zone", "atlantis", "--store", str(mali_store.path)
    )
    assert code == 2 and "bamako" in err and "Traceback" not in err
    code, _, err = _run(
        capsys,
        "analyse",
        "criteria",
        "--zone",
        "kangaba",
        "--units",
        "admin3",
        "--store",
        str(mali_store.path),
    )
    assert code == 2 and "h3:N" in err and "add-boundaries" in err
    code, _, err = _run(
        capsys,
        "analyse",
        "criteria",
        "--zone",
        "kangaba",
        "--weights",
        "border=-2",
        "--store",
        str(mali_store.path),
    )
    assert code == 2 and "zero or positive" in err


def test_add_population_joins_on_id_and_name_and_reports_rejects(mali_store, capsys, tmp_path):
    src = tmp_path / "pop.csv"
    src.write_text(
        "code,nom,enfants\nML.KK.KG,,52000\n,Kati,80000\n,Atlantis,5\nML.BA.BA,,abc\n", encoding="utf-8"
    )
    code, out, err = _run(
        capsys,
        "data",
        "add-population",
        str(src),
        "--level",
        "2",
        "--store",
        str(mali_store.path),
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["rows_read"] == 4 and data["matched"] == 2 and data["rejected"] == 2
    assert {r["line"] for r in data["rejected_rows"]} == {4, 5}
    result = analyse("gaps", zone="kangaba", units="admin2", store=mali_store)
    assert result.units["children"].iloc[0] == 52000
    empty = tmp_path / "none.csv"
    empty.write_text("code,enfants\nXX,1\n", encoding="utf-8")
    code, _, err = _run(capsys, "data", "add-population", str(empty), "--store", str(mali_store.path))
    assert code == 2 and "rien n'est installé" in err
