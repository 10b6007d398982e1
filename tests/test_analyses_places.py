"""The analyses answer at the places people plan by, on the embedded régions, cercles and localities.

Every test runs on real data shipped in ``data/`` (WOF cercles and the GeoNames-derived localities)
and, where it says so, the fictitious sample of activities.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pytest

from geo.errors import InputError, UnknownNameError
from geo.store import Store
from zoneplan.analysis import analyse
from zoneplan.placeframe import PLACE_COLUMNS

H3_ID = re.compile(r"\b8[0-9a-f]{14}\b")
REQUIRED = (
    "name",
    "kind",
    "commune",
    "cercle",
    "dist_border_km",
    "dist_gold_km",
    "dist_centre_km",
    "nearest_centre",
    "n_criteria",
    "meets_criteria",
    "explanation",
)


@pytest.fixture(scope="module")
def kangaba_gaps(sample_store):
    return analyse("gaps", zone="kangaba", store=sample_store)


def _place(result, name: str) -> dict:
    rows = result.places[result.places["name"] == name]
    assert len(rows) == 1, f"{name} not found once in the zone's places"
    return rows.iloc[0].to_dict()


@pytest.mark.parametrize(
    ("zone", "name", "km"),
    [
        ("kangaba", "Tombola", 3.9),
        ("kangaba", "Koflatié", 12.8),
        ("kangaba", "Kangaba", 41.5),
        ("sikasso", "Sikasso", 32.0),
    ],
)
def test_criteria_places_carry_the_border_distance(store, zone, name, km):
    result = analyse("criteria", zone=zone, store=store)
    payload = result.to_json()
    assert {row["name"] for row in payload["places"]} >= {name}
    row = next(r for r in payload["places"] if r["name"] == name)
    assert set(REQUIRED) <= set(row)
    assert row["dist_border_km"] == pytest.approx(km, abs=1.0)


def test_the_zone_s_villages_are_planning_places(store):
    result = analyse("criteria", zone="kangaba", store=store)
    sources = result.places["source"].value_counts()
    assert sources["programme"] >= 10 and sources["gazetteer"] >= 100  # the embedded localities
    assert result.places["cercle"].eq("Kangaba").mean() > 0.9
    assert not result.places["place_id"].duplicated().any()


def test_sensitised_places_are_not_sensitisation_gaps(kangaba_gaps):
    places = kangaba_gaps.places
    reached = places["people_sensitised"] > 0
    assert reached.sum() >= 5  # Koflatié, Kokoyo, Tégué, Kaniogo, Nouga... in the sample
    assert not places.loc[reached, "gap_kinds"].map(lambda k: "sensitisation" in k).any()
    koflatie = _place(kangaba_gaps, "Koflatié")
    assert "sensitisation" not in koflatie["gap_kinds"] and koflatie["people_sensitised"] > 1000


def test_villages_near_gold_sites_without_activity_are_gaps_ranked_above_fewer_criteria(kangaba_gaps):
    places = kangaba_gaps.places
    near_gold = places["dist_gold_km"].le(15) & places["people_sensitised"].eq(0)
    assert near_gold.sum() >= 10
    assert places.loc[near_gold, "gap_kinds"].map(lambda k: "sensitisation" in k).all()
    gaps = places[places["gap_kinds"].map(len) > 0]
    for n in (3, 2):
        more, fewer = gaps[gaps["n_criteria"] == n], gaps[gaps["n_criteria"] < n]
        if len(more) and len(fewer):
            assert more["priority"].min() > fewer["priority"].max()
    top = gaps["priority"].head(20).tolist()
    assert top == sorted(top, reverse=True)
    runs = max(sum(1 for _ in group) for _, group in __import__("itertools").groupby(top))
    assert runs <= 2, f"ties at the top of the ranking: {top}"


def test_gap_rows_are_ranked_units_named_by_their_places(kangaba_gaps):
    payload = kangaba_gaps.to_json(full=True)
    assert payload["summary"]["unit_count"] == len(kangaba_gaps.units)
    assert payload["rows_total"] == int(kangaba_gaps.units["is_gap"].sum()) > 0
    priorities = [row["priority"] for row in payload["rows"]]
    assert priorities == sorted(priorities, reverse=True)
    assert all(row["gap_kinds"] for row in payload["rows"])
    assert all(set(p["gap_kinds"]) <= {"sensitisation", "access"} for p in payload["places"])
    assert not H3_ID.search(
        json.dumps(
            [{k: v for k, v in r.items() if k != "unit_id"} for r in payload["rows"]], ensure_ascii=False
        )
    )
    assert not H3_ID.search(json.dumps(payload["places"], ensure_ascii=False))
    assert not H3_ID.search(json.dumps(payload["summary"], ensure_ascii=False))


def test_access_is_measured_from_the_place(store):
    result = analyse("access", zone="segou", store=store)
    segou = _place(result, "Ségou")
    assert segou["dist_centre_km"] < 5 and segou["nearest_centre_town"] == "Ségou"
    assert (
        "access"
        not in analyse("gaps", zone="segou", store=store)
        .places.set_index("name")
        .loc["Ségou", "gap_kinds"]
    )
    kangaba = analyse("access", zone="kangaba", store=store)
    assert set(kangaba.places["nearest_centre_town"]) == {"Bamako"}
    assert kangaba.places["dist_centre_km"].between(60, 160).all()


def test_where_next_names_sites_lists_what_they_cover_and_says_why_not(sample_store):
    result = analyse("next", zone="kangaba", store=sample_store)
    payload = result.to_json()
    sites = payload["summary"]["sites"]
    assert sites, "Kangaba has places at risk far from any centre"
    names = set(result.places["name"])
    for site in sites:
        assert {"name", "nearest_place", "nearest_place_km", "covers", "gain"} <= set(site)
        assert site["nearest_place"] in names and site["nearest_place_km"] < 0.5
        assert site["covers"] and set(site["covers"]) <= names and site["gain"] > 0
    bamako = analyse("next", zone="bamako", store=sample_store)
    assert bamako.summary["sites"] == []
    assert "aucun site proposé" in bamako.summary["why_none"]


@pytest.mark.parametrize("verb", ["criteria", "access", "gaps", "next"])
def test_every_verb_runs_on_mali_at_cercle_level(store, verb):
    result = analyse(verb, zone="mali", units="admin2", store=store)
    assert result.summary["unit_count"] == 50 and result.summary["zone_name"] == "Mali"
    assert len(result.places) > 10_000


def test_a_period_without_activity_says_nothing_was_recorded(sample_store):
    result = analyse("gaps", zone="kangaba", store=sample_store, period="2010")
    assert any("aucune sensibilisation enregistrée" in n for n in result.summary["notes"])
    assert result.summary["places_reached"] == 0


def test_bad_input_is_refused_in_one_line(store):
    with pytest.raises(UnknownNameError, match="mali"):
        analyse("gaps", zone="atlantide", store=store)
    for bad in (0, -5):
        with pytest.raises(InputError, match="access-km"):
            analyse("gaps", zone="kangaba", store=store, access_km=bad)
    with pytest.raises(InputError, match="period"):
        analyse("gaps", zone="kangaba", store=store, period="hier")


def test_no_centre_at_all_is_said(store, monkeypatch):
    import layers.centres

    empty = layers.centres.load().iloc[0:0]
    monkeypatch.setattr(layers.centres, "load", lambda *a, **k: empty)
    result = analyse("gaps", zone="kangaba", store=store)
    reasons = result.places.loc[result.places["meets_criteria"], "gap_reasons"]
    assert reasons.str.contains("aucun centre connu").all()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zoneplan", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_reports_places_by_name_in_french_and_writes_both_tables(sample_store, tmp_path):
    out = _cli("analyse", "gaps", "--zone", "kangaba", "--store", str(sample_store.path))
    assert out.returncode == 0, out.stderr
    assert "lieu(x) en lacune" in out.stdout and "Kéniégoué" in out.stdout
    assert not H3_ID.search(out.stdout)
    units, places = tmp_path / "unites.csv", tmp_path / "lieux.csv"
    done = _cli(
        "analyse",
        "gaps",
        "--zone",
        "kangaba",
        "--store",
        str(sample_store.path),
        "--csv",
        str(units),
        "--places-csv",
        str(places),
    )
    assert done.returncode == 0, done.stderr
    with places.open(encoding="utf-8", newline="") as fh:
        assert "DONNÉES FICTIVES" in fh.readline()  # the sample is fictitious: its first line says so
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[: len(PLACE_COLUMNS)] == [c for c in PLACE_COLUMNS if c in rows[0]]
    assert rows[0]["name"] and rows[0]["gap_kinds"]
    bad = _cli(
        "analyse", "gaps", "--zone", "kangaba", "--access-km", "0", "--store", str(sample_store.path)
    )
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "Traceback" not in bad.stderr
    nothing = _cli("analyse", "next", "--zone", "bamako", "--store", str(sample_store.path))
    assert "aucun site proposé" in nothing.stdout


def test_store_is_left_as_it_was(store):
    analyse("gaps", zone="kangaba", store=store)
    assert not Store(store.path).exists()


def test_case_figures_add_up_from_cercle_to_region(sample_store):
    cases = sample_store.read("cases")
    kangaba_rows = cases[cases["cercle_id"] == "ML.KK.KG"]
    assert (
        len(kangaba_rows) and kangaba_rows["commune_id"].notna().all()
    )  # coordinates found the commune
    cercles = analyse("criteria", zone="mali", units="admin2", store=sample_store).units.set_index(
        "name"
    )
    regions = analyse("criteria", zone="mali", units="admin1", store=sample_store).units.set_index(
        "name"
    )
    expected = str(int(kangaba_rows["total"].sum()))
    assert cercles.loc["Kangaba", "cases_display"] == expected
    assert regions.loc["Koulikoro", "cases_display"] == expected  # all Koulikoro cases are in Kangaba


def test_cli_text_report_of_mali_names_places_without_a_commune(sample_store):
    out = _cli(
        "analyse", "gaps", "--zone", "mali", "--units", "admin2", "--store", str(sample_store.path)
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr and "lieu(x) en lacune" in out.stdout
    assert not H3_ID.search(out.stdout)
