"""Boundary files: every schema, repairs, parents by containment, and the real WOF files."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from geo.boundaries import assign_parents, detect_schema, merge_level, read_boundaries
from geo.errors import InputError
from tests.conftest import shared_file
from zoneplan.datastore import install_boundaries

WEST, EAST = box(-9.0, 11.0, -8.0, 12.0), box(-8.0, 11.0, -7.0, 12.0)
# Four cercles: two in each région, none carrying its parent.
CERCLES = [
    box(-9.0, 11.0, -8.5, 12.0),
    box(-8.5, 11.0, -8.0, 12.0),
    box(-8.0, 11.0, -7.5, 12.0),
    box(-7.5, 11.0, -7.0, 12.0),
]


def _write(frame: gpd.GeoDataFrame, path, driver="GeoJSON"):
    frame.to_file(path, driver=driver)
    return path


def test_geoboundaries_level_from_shape_type(tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "shapeName": ["Ouest", "Est"],
            "shapeID": ["MLI-ADM1-1", "MLI-ADM1-2"],
            "shapeGroup": ["MLI", "MLI"],
            "shapeType": ["ADM1", "ADM1"],
        },
        geometry=[WEST, EAST],
        crs=4326,
    )
    result = read_boundaries(_write(frame, tmp_path / "gb.geojson"))
    assert result.schema == "geoboundaries"
    assert list(result.frame["unit_id"]) == ["MLI-ADM1-1", "MLI-ADM1-2"]
    assert set(result.frame["level"]) == {1}
    assert list(result.frame.columns) == ["unit_id", "name", "level", "parent_id", "geometry"]
    assert "geoBoundaries" in result.attribution


def test_ocha_zipped_shapefile_with_parent_pcodes(tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "ADM2_FR": ["Cercle de Kangaba", "Kati", "Bla", "San"],
            "ADM2_EN": ["Kangaba", "Kati", "Bla", "San"],
            "ADM2_PCODE": ["ML0201", "ML0202", "ML0401", "ML0402"],
            "ADM1_PCODE": ["ML02", "ML02", "ML04", "ML04"],
        },
        geometry=CERCLES,
        crs=4326,
    )
    folder = tmp_path / "shp"
    folder.mkdir()
    _write(frame, folder / "mli_adm2.shp", driver="ESRI Shapefile")
    archive = tmp_path / "mli_adm2.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    result = read_boundaries(archive)
    assert result.schema == "ocha"
    assert set(result.frame["level"]) == {2}
    assert list(result.frame["parent_id"]) == ["ML02", "ML02", "ML04", "ML04"]
    # French names are preferred and the "Cercle de" prefix is dropped.
    assert result.frame["name"].iloc[0] == "Kangaba"


def test_gadm_geopackage_in_projected_crs_is_reprojected(tmp_path):
    frame = gpd.GeoDataFrame(
        {"GID_0": ["MLI"] * 2, "GID_1": ["MLI.1_1", "MLI.2_1"], "NAME_1": ["Koulikoro", "Ségou"]},
        geometry=[WEST, EAST],
        crs=4326,
    ).to_crs(32629)
    result = read_boundaries(_write(frame, tmp_path / "gadm.gpkg", driver="GPKG"))
    assert result.schema == "gadm"
    assert result.frame.crs.to_epsg() == 4326
    assert set(result.frame["level"]) == {1}
    assert list(result.frame["parent_id"]) == ["MLI", "MLI"]
    assert result.frame.geometry.iloc[0].bounds == pytest.approx(WEST.bounds, abs=1e-6)


def test_generic_schema_needs_level_and_named_columns(tmp_path):
    frame = gpd.GeoDataFrame({"NOM": ["A", "B"], "CODE": ["c1", "c2"]}, geometry=[WEST, EAST], crs=4326)
    path = _write(frame, tmp_path / "generic.geojson")
    with pytest.raises(InputError, match="--level"):
        read_boundaries(path, name_col="NOM", id_col="CODE")
    result = read_boundaries(path, name_col="NOM", id_col="CODE", level=3)
    assert result.schema == "generic"
    assert list(result.frame["unit_id"]) == ["c1", "c2"]
    with pytest.raises(InputError, match="NAME_X.*colonnes trouvées : NOM, CODE"):
        read_boundaries(path, name_col="NAME_X", level=3)


def test_invalid_geometry_is_repaired_and_counted(tmp_path):
    bowtie = Polygon([(-9, 11), (-8, 12), (-8, 11), (-9, 12), (-9, 11)])
    frame = gpd.GeoDataFrame(
        {"shapeName": ["Noeud", "Est"], "shapeID": ["x1", "x2"]}, geometry=[bowtie, EAST], crs=4326
    )
    result = read_boundaries(_write(frame, tmp_path / "bad.geojson"), level=1)
    assert result.repaired == 1
    assert result.frame.is_valid.all()
    assert result.frame.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert result.frame.geometry.iloc[0].area == pytest.approx(0.5)


def test_parents_assigned_by_containment_when_missing():
    regions = gpd.GeoDataFrame(
        {"unit_id": ["W", "E"], "name": ["W", "E"], "level": [1, 1], "parent_id": [None, None]},
        geometry=[WEST, EAST],
        crs=4326,
    )
    cercles = gpd.GeoDataFrame(
        {"unit_id": list("abcd"), "name": list("abcd"), "level": [2] * 4, "parent_id": [None] * 4},
        geometry=CERCLES,
        crs=4326,
        index=[10, 11, 12, 13],
    )
    assert list(assign_parents(cercles, regions)) == ["W", "W", "E", "E"]
    merged = merge_level(regions, cercles)
    assert list(merged.loc[merged["level"] == 2, "parent_id"]) == ["W", "W", "E", "E"]
    assert cercles["parent_id"].isna().all()  # the input was not modified


def test_detect_schema_knows_each_family():
    assert detect_schema(["shapeName", "shapeID", "shapeGroup"]) == "geoboundaries"
    assert detect_schema(["ADM1_FR", "ADM1_PCODE"]) == "ocha"
    assert detect_schema(["GID_2", "NAME_2"]) == "gadm"
    assert detect_schema(["name", "hasc", "wof_id"]) == "wof"
    assert detect_schema(["foo", "bar"]) is None


def test_real_wof_regions_then_cercles(store):
    regions = read_boundaries(shared_file("boundaries/mli_adm1_regions_wof.geojson"))
    cercles = read_boundaries(shared_file("boundaries/mli_adm2_cercles_wof.geojson"))
    assert regions.schema == cercles.schema == "wof"
    install_boundaries(store, regions, date="2026-11-23")
    installed = install_boundaries(store, cercles, date="2026-11-23")
    by_level = installed.groupby("level").size().to_dict()
    assert by_level == {1: 9, 2: 50}
    level2 = installed[installed["level"] == 2]
    assert level2["parent_id"].notna().all()
    assert set(level2["parent_id"]) <= set(installed.loc[installed["level"] == 1, "unit_id"])
    kangaba = level2[level2["unit_id"] == "ML.KK.KG"]
    assert list(kangaba["name"]) == ["Kangaba"]
    assert list(kangaba["parent_id"]) == ["ML.KK"]
    # Re-installing a level replaces it rather than duplicating it.
    again = install_boundaries(store, cercles, date="2026-11-23")
    assert (again["level"] == 2).sum() == 50
