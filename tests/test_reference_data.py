"""The embedded reference and context layers: readable by the project's readers, and rebuildable.

``data/reference/`` holds the Who's On First régions, cercles and localities, ``data/context/`` the
Natural Earth rivers, lakes and towns; ``scripts/build_reference.py`` and ``scripts/build_context.py``
rebuild them from ``../shared/data/mali`` byte for byte.
"""

from __future__ import annotations

import re
import subprocess
import sys

import geopandas as gpd
import pytest

from geo import settings
from geo.boundaries import read_boundaries
from geo.gazetteer import read_gazetteer
from tests.conftest import shared_file

REFERENCE = settings.DATA_DIR / "reference"
CONTEXT = settings.DATA_DIR / "context"
SCRIPTS = settings.REPO_DIR / "scripts"
BUILDS = {
    "build_reference.py": (REFERENCE, ("regions.geojson", "cercles.geojson", "localities.csv")),
    "build_context.py": (CONTEXT, ("rivers.geojson", "lakes.geojson", "towns.geojson")),
}
#: A coordinate with 6 or more decimals (the files promise 5).
_LONG_DECIMAL = re.compile(r"-?\d+\.\d{6,}")


def _mali_outline():
    borders = gpd.read_file(settings.DATA_DIR / "borders.geojson")
    return borders.loc[borders["iso_a3"] == "MLI", "geometry"].union_all()


@pytest.mark.parametrize("script", list(BUILDS))
def test_embedded_files_exist_with_five_decimals(script):
    folder, names = BUILDS[script]
    for name in names:
        path = folder / name
        assert path.is_file(), f"{path} is missing; run python scripts/{script}"
        assert not _LONG_DECIMAL.search(path.read_text(encoding="utf-8")), path


def test_regions_read_as_nine_level_one_units():
    regions = read_boundaries(REFERENCE / "regions.geojson")
    assert regions.schema == "wof" and regions.repaired == 0
    assert len(regions.frame) == 9
    assert set(regions.frame["level"]) == {1}
    assert {"Bamako", "Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Gao", "Kidal"} <= set(
        regions.frame["name"]
    )
    assert regions.frame.geometry.is_valid.all()


def test_cercles_read_as_fifty_level_two_units_with_parents():
    regions = read_boundaries(REFERENCE / "regions.geojson").frame
    cercles = read_boundaries(REFERENCE / "cercles.geojson")
    frame = cercles.frame
    assert cercles.schema == "wof" and cercles.repaired == 0
    assert len(frame) == 50
    assert set(frame["level"]) == {2}
    assert set(frame["parent_id"]) <= set(regions["unit_id"])
    kangaba = frame[frame["name"] == "Kangaba"]
    assert len(kangaba) == 1
    koulikoro = regions.loc[regions["name"] == "Koulikoro", "unit_id"].item()
    assert kangaba["parent_id"].item() == koulikoro
    assert kangaba["unit_id"].item() == "ML.KK.KG"
    assert frame.geometry.is_valid.all()


def test_localities_are_all_accepted_by_the_gazetteer_reader():
    gaz = read_gazetteer(REFERENCE / "localities.csv", outline=_mali_outline())
    assert gaz.schema == "wof"
    assert 14_900 <= len(gaz.frame) < 15_000
    assert gaz.summary["rejected"] == 0
    assert "Kangaba" in set(gaz.frame["admin2"])


def test_rivers_and_lakes_carry_french_labels():
    rivers = gpd.read_file(CONTEXT / "rivers.geojson")
    assert list(rivers.columns) == ["name", "name_en", "featurecla", "scalerank", "geometry"]
    assert {"Niger", "Bani", "Sénégal", "Bagoé"} <= set(rivers["name"])
    assert set(rivers.geom_type) <= {"LineString", "MultiLineString"}
    lakes = gpd.read_file(CONTEXT / "lakes.geojson")
    assert "Lac Débo" in set(lakes["name"])
    assert lakes.geometry.is_valid.all()


def test_towns_are_in_or_near_mali():
    towns = gpd.read_file(CONTEXT / "towns.geojson")
    assert list(towns.columns) == ["name", "pop_max", "scalerank", "geometry"]
    assert {"Bamako", "Kangaba", "Ségou", "Sikasso", "Mopti"} <= set(towns["name"])
    assert set(towns.geom_type) == {"Point"}
    # Ouagadougou and Niamey lie about 200 km from Mali: too far to be context.
    assert not {"Ouagadougou", "Niamey"} & set(towns["name"])


@pytest.mark.parametrize("script", list(BUILDS))
def test_build_script_reproduces_the_embedded_files(script, tmp_path):
    shared_file("boundaries/mli_adm2_cercles_wof.geojson")
    shared_file("context/ne_10m_rivers_mali_region.geojson")
    folder, names = BUILDS[script]
    run = subprocess.run(
        [sys.executable, str(SCRIPTS / script), "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    for name in names:
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name
        assert name in run.stdout
