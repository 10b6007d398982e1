"""Indicators against the right target (issue 11, item 2): targets carry a scope.

A commune's or village's figure is compared with a target of its own scope only; without one the
page shows the programme target as context, without a traffic light. Local targets come from a
user's file (``zoneplan export pack --targets``); a bad file is refused with one line naming it and
the row (exit 2).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from geo import settings
from geo.errors import InputError
from geo.indicators import (
    achievement,
    known_units,
    merge_targets,
    read_local_targets,
    read_targets,
    unit_targets,
)
from zoneplan import exports
from zoneplan.cli import main

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext missing")

LIGHTS = ("atteint", "en cours", "en retard")
MASS = "Personnes sensibilisées (radio"  # clipped on village pages
CONTEXT = "cible du programme : 6 993 (contexte)"
#: Tombola's own target of the mass-sensitisation indicator, and a target for the commune.
LOCAL = (
    "indicator_id;scope;scope_id;target\n"
    "kg_mass_sensitisation;place;Tombola;800\n"
    "kg_mass_sensitisation;commune;Commune rurale de Nouga;2 500\n"
    "kg_victims_identified;commune;Nouga;40\n"
)


def _embedded() -> pd.DataFrame:
    return read_targets(settings.DATA_DIR / "indicators.csv")


def _units() -> dict:
    places = pd.DataFrame(
        {
            "place_id": ["tombola", "tegue", "nouga", "kaniogo"],
            "name": ["Tombola", "Tégué", "Nouga", "Kaniogo"],
        }
    )
    return known_units(
        programmes=["kangaba", "rompre_le_silence"],
        zones=["kangaba", "bamako"],
        communes=["Nouga", "Kaniogo", "Minidian"],
        places=places,
    )


def _write(tmp_path, text: str, name: str = "cibles.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _pages(pdf) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    return [re.sub(r"[ \t]+", " ", page) for page in text.stdout.split("\f")]


def _page_of(pages: list[str], name: str) -> str:
    """Return the page titled ``name`` (its first lines: the map number, then the title)."""
    hits = [p for p in pages[1:] if name in [ln.strip() for ln in p.splitlines() if ln.strip()][:3]]
    assert len(hits) == 1, f"no single page for {name}"
    return hits[0]


def _row(page: str, label: str) -> str:
    lines = [" ".join(ln.split()) for ln in page.splitlines() if label in ln]
    assert lines, f"no row {label!r} on the page"
    return lines[0]


# --- the targets table ---------------------------------------------------------------------------


def test_embedded_targets_are_programme_targets():
    table = _embedded()
    assert set(table["scope"]) == {"programme"}
    assert (table["scope_id"] == table["programme_id"]).all()


def test_local_file_rows_take_their_indicator_and_name_known_units(tmp_path):
    local = read_local_targets(_write(tmp_path, LOCAL), _embedded(), units=_units())
    assert list(local["scope_id"]) == ["tombola", "Nouga", "Nouga"]  # ids, prefixes dropped
    assert list(local["target"]) == [800, 2500, 40]
    assert set(local["measure"]) == {"people", "children"}
    assert set(local["programme_id"]) == {"kangaba"}
    both = merge_targets(_embedded(), local)
    assert unit_targets(both, "commune", "NOUGA").to_dict() == {
        "kg_mass_sensitisation": 2500,
        "kg_victims_identified": 40,
    }
    assert unit_targets(both, "place", "tombola").to_dict() == {"kg_mass_sensitisation": 800}
    assert unit_targets(both, "commune", "Kaniogo").empty


BAD_FILES = {
    "unknown scope": (
        "indicator_id,scope,scope_id,target\nkg_peer_educators,commune,Nouga,5\n"
        "kg_peer_educators,canton,Nouga,5\n",
        r"cibles\.csv: ligne 3 : portée \(scope\) « canton » inconnue ; attendu : programme, zone",
    ),
    "unknown commune": (
        "indicator_id,scope,scope_id,target\nkg_peer_educators,commune,Nuoga,5\n",
        r"cibles\.csv: ligne 2 : scope_id « Nuoga » introuvable ; attendu un nom de commune"
        r".* — le plus proche : Nouga$",
    ),
    "unknown place": (
        "indicator_id,scope,scope_id,target\nkg_peer_educators,place,Bamba,5\n",
        r"ligne 2 : scope_id « Bamba » introuvable ; attendu un identifiant ou un nom de lieu",
    ),
    "unknown zone": (
        "indicator_id,scope,scope_id,target\nkg_peer_educators,zone,kayes,5\n",
        r"ligne 2 : scope_id « kayes » introuvable ; attendu une clé de zone",
    ),
    "negative target": (
        "indicator_id,scope,scope_id,target\nkg_peer_educators,commune,Nouga,-5\n",
        r"ligne 2 : target -5 est négative ; un nombre positif ou nul est attendu",
    ),
    "text target": (
        "indicator_id,scope,scope_id,target\nkg_peer_educators,commune,Nouga,beaucoup\n",
        r"ligne 2 : target « beaucoup » n'est pas un nombre",
    ),
    "blank target": (
        "indicator_id,scope,scope_id,target\nkg_peer_educators,commune,Nouga,\n",
        r"ligne 2 : cible vide",
    ),
    "missing column": (
        "indicator_id,scope_id,target\nkg_peer_educators,Nouga,5\n",
        r"cibles\.csv: colonne\(s\) manquante\(s\) : scope ; colonnes attendues : indicator_id, scope",
    ),
    "unknown indicator": (
        "indicator_id,scope,scope_id,target\nkg_peer_educator,commune,Nouga,5\n",
        r"ligne 2 : indicateur « kg_peer_educator » inconnu.*le plus proche : kg_peer_educators",
    ),
    "case figure below the commune": (
        "indicator_id,scope,scope_id,target\nkg_victims_identified,place,tombola,5\n",
        r"ligne 2 : cible par lieu pour l'indicateur de cas kg_victims_identified",
    ),
    "same unit twice": (
        "indicator_id,scope,scope_id,target\nkg_peer_educators,commune,Nouga,5\n"
        "kg_peer_educators,commune,Commune rurale de Nouga,6\n",
        r"ligne 3 : même indicateur et même unité qu'à la ligne 2",
    ),
    "blank unit": (
        "indicator_id,scope,scope_id,target\nkg_peer_educators,commune,,5\n",
        r"ligne 2 : scope_id vide pour la portée commune",
    ),
    "wrong cell count": (
        "indicator_id,scope,scope_id,target\nkg_peer_educators,commune,Nouga,5,6\n",
        r"ligne 2 : 5 cellules ; 4 attendues",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_targets_file_is_refused_with_one_line_naming_the_row(tmp_path, case):
    text, message = BAD_FILES[case]
    with pytest.raises(InputError) as err:
        read_local_targets(_write(tmp_path, text), _embedded(), units=_units())
    assert "\n" not in str(err.value)
    assert re.search(message, str(err.value)), str(err.value)


def test_full_format_file_checks_scope_and_numbers(tmp_path):
    text = (settings.DATA_DIR / "indicators.csv").read_text(encoding="utf-8").splitlines()
    bad = [text[0], text[1].replace(",programme,kangaba", ",cercle,kangaba")]
    with pytest.raises(InputError, match=r"indicators\.csv: ligne 2 : portée \(scope\) « cercle »"):
        read_targets(_write(tmp_path, "\n".join(bad) + "\n", "indicators.csv"))
    bad = [text[0], text[1].replace(",48,", ",-48,")]
    with pytest.raises(InputError, match="ligne 2 : target -48 est négative"):
        read_targets(_write(tmp_path, "\n".join(bad) + "\n", "indicators.csv"))
    with pytest.raises(InputError, match="line 2: target -48 is negative"):
        read_targets(_write(tmp_path, "\n".join(bad) + "\n", "indicators.csv"), lang="en")


# --- achievement per zone ------------------------------------------------------------------------


def test_a_zone_figure_has_a_light_only_against_a_zone_target():
    targets = pd.DataFrame(
        {
            "indicator_id": ["a", "a"],
            "programme_id": "p",
            "kind": "activity",
            "target": [1000, 100],
            "scope": ["programme", "zone"],
            "scope_id": ["p", "z1"],
        }
    )
    got = pd.DataFrame({"indicator_id": ["a", "a"], "zone_id": ["z1", "z2"], "achieved": [95, 700]})
    out = achievement(targets, got).set_index("zone_id")
    assert out.loc["z1", "target"] == 100 and out.loc["z1", "status"] == "green"
    assert np.isnan(out.loc["z2", "target"]) and out.loc["z2", "status"] == "no_target"
    assert out.loc["z2", "target_context"] == 1000 and np.isnan(out.loc["z2", "achievement"])
    whole = achievement(targets, pd.DataFrame({"indicator_id": ["a"], "achieved": [795]}))
    assert len(whole) == 1 and whole["target"].iloc[0] == 1000  # the zone row is not a programme row


# --- pack pages ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("targets") / "cibles_kangaba.csv"
    path.write_text(LOCAL, encoding="utf-8")
    return path


def test_pages_compare_with_their_own_targets_only(sample_store, local_file):
    _, units, page = exports.plan_pack(zone="kangaba", by="village", store=sample_store)
    tombola = units[units["unit_id"] == "tombola"].iloc[0]
    rows = page(tombola).indicators.set_index("indicator_id")
    assert (rows["status"] == "no_target").all()
    assert rows.loc["kg_mass_sensitisation", "context"] == 6993
    assert (rows["share"] == "").all()
    _, units, page = exports.plan_pack(
        zone="kangaba", by="village", store=sample_store, targets=local_file
    )
    rows = page(units[units["unit_id"] == "tombola"].iloc[0]).indicators.set_index("indicator_id")
    mass = rows.loc["kg_mass_sensitisation"]
    achieved = float(mass["achieved"].replace("\u202f", ""))
    assert mass["target"] == 800 and mass["share"] == f"{100 * achieved / 800:.0f} %"
    assert mass["status"] in ("green", "amber", "red")
    victims = rows.loc["kg_victims_identified"]  # the commune's figure, against the commune's target
    assert victims["target"] == 40 and victims["status"] in ("green", "amber", "red", "no_data")
    assert rows.loc["kg_peer_educators", "status"] == "no_target"
    _, communes, cpage = exports.plan_pack(
        zone="kangaba", by="commune", store=sample_store, targets=local_file
    )
    kaniogo = cpage(communes[communes["name"] == "Kaniogo"].iloc[0]).indicators
    assert (kaniogo["status"] == "no_target").all()  # Nouga's and Tombola's targets are not its own


@pytest.fixture(scope="module")
def village_packs(sample_store, local_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("packs")
    plain, _ = exports.export_pack(
        zone="kangaba", by="village", out=folder / "plain.pdf", store=sample_store
    )
    local, _ = exports.export_pack(
        zone="kangaba", by="village", out=folder / "local.pdf", store=sample_store, targets=local_file
    )
    return _pages(plain), _pages(local)


@needs_pdftotext
def test_village_page_without_local_target_shows_context_and_no_light(village_packs):
    plain, _ = village_packs
    tombola = _page_of(plain, "Tombola")
    row = _row(tombola, MASS)
    assert CONTEXT in row
    assert not any(word in tombola for word in LIGHTS)
    assert " %" not in row
    flat = " ".join(plain[0].split())
    assert "sans cible locale, la cible du programme entier est donnée en contexte, sans feu" in flat


@needs_pdftotext
def test_village_page_with_local_target_compares_with_it(village_packs, local_file):
    _, local = village_packs
    row = _row(_page_of(local, "Tombola"), MASS)
    found = re.search(r"Ce village ([\d\u202f ]+?) 800 ", row)
    assert found, row
    achieved = int(re.sub(r"\D", "", found.group(1)))
    share = round(100 * achieved / 800)
    assert f"800 {share} %" in row
    light = "atteint" if share >= 90 else "en cours" if share >= 60 else "en retard"
    assert row.endswith(light), row
    assert CONTEXT not in row
    tegue = _page_of(local, "Tégué")  # no target of its own: context, no light
    assert CONTEXT in _row(tegue, MASS) and not any(word in tegue for word in LIGHTS)
    flat = " ".join(local[0].split())
    assert f"Cibles locales : {local_file.name} (3 cibles)." in flat


# --- the command line ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["unknown scope", "unknown commune", "negative text", "missing column"])
def test_cli_refuses_a_bad_targets_file_with_exit_2_and_one_line(sample_store, tmp_path, capsys, case):
    text, message = {**BAD_FILES, "negative text": BAD_FILES["negative target"]}[case]
    path = _write(tmp_path, text)
    out = tmp_path / "pack.pdf"
    argv = ["export", "pack", "--zone", "kangaba", "--store", str(sample_store.path)]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--targets", str(path), "-o", str(out)])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("zoneplan: cibles.csv: ") and re.search(message, lines[0]), err
    assert not out.exists()
