"""Planning units: H3 cells or admin units over a zone, with area and centre; bad specs refused."""

from __future__ import annotations

import geopandas as gpd
import h3
import pytest
import shapely

import layers
from geo.errors import InputError
from geo.geodesy import area_km2
from geo.units import admin_units, auto_resolution, h3_units, parse_units, planning_units
from geo.zones import get_zone


def _square(lon: float, lat: float, half: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"zone_id": ["z"]},
        geometry=[shapely.box(lon - half, lat - half, lon + half, lat + half)],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize(
    "spec,expected",
    [("admin2", ("admin", 2)), ("ADMIN3", ("admin", 3)), ("h3:8", ("h3", 8)), (" h3:12 ", ("h3", 12))],
)
def test_parse_units_accepts_admin_levels_and_h3(spec, expected):
    assert parse_units(spec) == expected


@pytest.mark.parametrize("spec", ["admin9", "h3", "h3:16", "hex:8", "", "cercles"])
def test_parse_units_refuses_bad_specs(spec):
    with pytest.raises(InputError, match="units|resolution"):
        parse_units(spec)


def test_h3_units_cover_the_zone_with_cell_areas_and_centres():
    zone = _square(-8.5, 11.9, 0.1)
    units = h3_units(zone, 7)
    assert len(units) > 10 and units.crs.to_epsg() == 4326
    cell = units["unit_id"].iloc[0]
    assert units["area_km2"].iloc[0] == pytest.approx(h3.cell_area(cell, unit="km^2"))
    lat, lon = h3.cell_to_latlng(cell)
    assert (units["centroid_lon"].iloc[0], units["centroid_lat"].iloc[0]) == pytest.approx((lon, lat))
    # the cells tile the zone: their total area is within a few cells of the zone's area
    zone_area = float(area_km2(zone)[0])
    assert abs(units["area_km2"].sum() - zone_area) < 6 * units["area_km2"].mean()
    centres = gpd.points_from_xy(units["centroid_lon"], units["centroid_lat"])
    assert shapely.within(centres, zone.geometry.iloc[0].buffer(0.01)).all()


def test_a_zone_smaller_than_a_cell_still_gets_one_cell():
    units = h3_units(_square(-8.5, 11.9, 0.001), 5)
    assert len(units) == 1


def test_auto_resolution_keeps_the_cell_count_bounded():
    zone = _square(-6, 13, 1.0)
    res = auto_resolution(zone, max_cells=3000)
    assert len(h3_units(zone, res)) <= 3000 * 1.1
    assert res < 8


def test_empty_zone_and_crs_less_zone_are_refused():
    with pytest.raises(InputError, match="empty"):
        h3_units(gpd.GeoDataFrame(geometry=[shapely.Polygon()], crs="EPSG:4326"), 7)
    with pytest.raises(InputError, match="CRS"):
        h3_units(gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)]), 7)


def test_admin_units_of_a_cercle_zone_and_of_a_region_zone(mali_store):
    zones = layers.load("zones", store=mali_store)
    admin = layers.load("admin", store=mali_store)
    kangaba = admin_units(admin, get_zone(zones, "kangaba"), 2)
    assert list(kangaba["unit_id"]) == ["ML.KK.KG"]
    assert 3000 < kangaba["area_km2"].iloc[0] < 7000
    segou = admin_units(admin, get_zone(zones, "segou"), 2)
    cercles = admin[(admin["level"] == 2) & (admin["parent_id"] == "ML.SG")]
    assert set(segou["unit_id"]) == set(cercles["unit_id"])  # neighbours touching it are out


def test_admin3_not_installed_suggests_h3_or_add_boundaries(mali_store):
    zones = layers.load("zones", store=mali_store)
    admin = layers.load("admin", store=mali_store)
    with pytest.raises(InputError, match=r"admin3.*h3:N.*add-boundaries"):
        planning_units(get_zone(zones, "kangaba"), "admin3", admin)


def test_auto_units_use_h3_without_communes(mali_store):
    zones = layers.load("zones", store=mali_store)
    admin = layers.load("admin", store=mali_store)
    units = planning_units(get_zone(zones, "kangaba"), "auto", admin)
    assert units["kind"].iloc[0].startswith("h3:")


@pytest.mark.parametrize("with_boundaries", [False, True], ids=["no-boundaries", "cercles"])
@pytest.mark.parametrize("spec", ["h3:6", "h3:7"])
def test_h3_units_of_every_built_in_zone_are_valid_polygons(request, with_boundaries, spec):
    # Cells crossing an icosahedron face edge have 7 or 8 corners (Mopti at h3:7): every cell
    # must still come out as a valid polygon of the right area.
    store = request.getfixturevalue("mali_store" if with_boundaries else "store")
    zones = layers.load("zones", store=store)
    admin = layers.load("admin", store=store)
    res = int(spec.split(":")[1])
    corners = set()
    for zone_id in zones["zone_id"]:
        units = planning_units(get_zone(zones, zone_id), spec, admin)
        assert len(units) > 0, zone_id
        assert units.crs.to_epsg() == 4326
        assert units.index.is_unique and units["unit_id"].is_unique, zone_id
        assert (units["kind"] == spec).all()
        assert units.geometry.is_valid.all() and not units.geometry.is_empty.any(), zone_id
        assert (units.geom_type == "Polygon").all()
        assert (units["area_km2"] > 0).all(), zone_id
        # the drawn polygon is the cell: its geodesic area matches H3's, its centre is inside
        drawn = area_km2(units)
        assert ((drawn - units["area_km2"]).abs() <= 0.01 * units["area_km2"]).all(), zone_id
        centres = gpd.points_from_xy(units["centroid_lon"], units["centroid_lat"])
        assert shapely.contains(units.geometry.values, centres).all(), zone_id
        assert all(h3.get_resolution(c) == res for c in units["unit_id"])
        corners |= set(shapely.get_num_coordinates(units.geometry.values) - 1)
    if res == 7:
        assert max(corners) > 6  # the distorted cells are among them (the case that crashed)
