"""The layer contract for every registry entry, places and zones on real boundaries."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

import layers
from geo import settings
from geo.errors import InputError, SchemaError, UnknownNameError
from geo.names import fold_name
from geo.zones import build_zones
from zoneplan.datastore import save_drawn_zone, set_location


def _load(name, store):
    return layers.load(name) if name == "borders" else layers.load(name, store=store)


@pytest.mark.parametrize("name", layers.names())
@pytest.mark.parametrize("which", ["store", "mali_store"])
def test_every_layer_meets_its_schema(name, which, request):
    store = request.getfixturevalue(which)
    frame = _load(name, store)
    mod = layers.module(name)
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs.to_string() == settings.CRS
    for column in mod.SCHEMA.columns:
        assert column in frame.columns, f"{name}: {column} missing"
    assert set(mod.TITLE) == set(settings.LANGUAGES)
    info = mod.info(store)
    assert set(info) == {"source", "attribution"}
    # Nothing is ever drawn at (0, 0).
    located = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
    if len(located):
        bounds = located.bounds
        assert not ((bounds["minx"].abs() < 1e-9) & (bounds["miny"].abs() < 1e-9)).any()


def test_schema_check_names_every_problem():
    mod = layers.module("centres")
    frame = layers.load("centres").drop(columns=["partner", "town"]).to_crs(3857)
    with pytest.raises(SchemaError) as info:
        mod.SCHEMA.check(frame, "centres")
    message = str(info.value)
    assert "'partner' missing" in message and "'town' missing" in message
    assert "EPSG:3857" in message


def test_unknown_layer_lists_valid_names():
    with pytest.raises(UnknownNameError) as info:
        layers.load("villages")
    assert "villages" in str(info.value)
    for name in layers.names():
        assert name in str(info.value)


def test_activities_and_risk_are_empty_but_valid(store):
    for name in ("activities", "risk"):
        frame = layers.load(name, store=store)
        assert frame.empty and frame.crs is not None


def test_unlocated_place_is_listed_not_mapped_until_set(store):
    places = layers.module("places")
    assert "danga" not in set(layers.load("places", store=store)["place_id"])
    assert list(places.unlocated(store)["place_id"]) == ["danga"]
    everything = places.load_all(store)
    danga = everything[everything["place_id"] == "danga"]
    assert danga.geometry.isna().all() and not danga["located"].any()
    set_location(store, "danga", 11.70, -8.72, date="2026-11-23")
    placed = layers.load("places", store=store).set_index("place_id")
    assert placed.loc["danga", "geometry"].coords[0] == pytest.approx((-8.72, 11.70))
    assert places.unlocated(store).empty


def test_kokoyo_is_approximate_and_flagged(store):
    sites = layers.load("gold_sites", store=store).set_index("place_id")
    assert {"kokoyo", "koflatie"} <= set(sites.index)
    assert bool(sites.loc["kokoyo", "approximate"]) is True
    assert sites.loc["kokoyo", "precision_m"] >= 5000
    assert bool(sites.loc["koflatie", "approximate"]) is False


def test_centres_are_town_level_for_public(store):
    centres = layers.load("centres", store=store, audience="public")
    assert centres["sensitive"].all()
    assert set(centres["precision"]) == {"town"}
    towns = layers.load("places", store=store).set_index("name")
    for _, centre in centres.iterrows():
        assert centre.geometry.equals(towns.loc[centre["town"], "geometry"])
    with pytest.raises(UnknownNameError):
        layers.load("centres", audience="press")


def test_places_fall_in_their_cercle(mali_store):
    cercles = layers.load("admin", store=mali_store, level=2)
    places = layers.load("places", store=mali_store)
    joined = gpd.sjoin(places, cercles[["name", "geometry"]], how="left", predicate="within")
    mismatched = joined[joined["admin2"].map(fold_name) != joined["name_right"].map(fold_name)]
    assert mismatched.empty, mismatched[["name_left", "admin2", "name_right"]]


def test_zones_without_boundaries_are_documented_buffers(store):
    # The zones layer always has boundaries (the embedded cercles by default, see
    # tests/test_embedded_defaults.py); the buffer fallback is the engine's, given none.
    mali = layers.load("borders").query("is_mali").geometry.iloc[0]
    definitions = layers.module("zones").definitions()
    places = layers.load("places", store=store)
    zones = build_zones(definitions, places, None, country=mali).set_index("zone_id")
    assert list(zones.index) == ["bamako", "segou", "sikasso", "mopti", "kangaba"]
    assert set(zones["method"]) == {"buffer"}
    places = layers.load("places", store=store).set_index("place_id")
    for pid in ("kokoyo", "koflatie", "tombola", "tegue", "sombo"):
        assert zones.loc["kangaba", "geometry"].contains(places.loc[pid, "geometry"])
    assert all("km" in basis for basis in zones["basis"])
    # Kangaba lies on the Guinean border: its buffer is clipped to Mali.
    assert mali.buffer(1e-9).contains(zones.loc["kangaba", "geometry"])
    guinea = layers.load("borders").query("iso_a3 == 'GIN'").geometry.iloc[0]
    assert zones.loc["kangaba", "geometry"].intersection(guinea).area < 1e-9


def test_zones_use_admin_units_where_installed(mali_store):
    zones = layers.load("zones", store=mali_store).set_index("zone_id")
    assert set(zones["method"]) == {"admin"}
    cercles = layers.load("admin", store=mali_store, level=2).set_index("unit_id")
    assert zones.loc["kangaba", "geometry"].equals(cercles.loc["ML.KK.KG", "geometry"])
    places = layers.load("places", store=mali_store).set_index("place_id")
    assert zones.loc["bamako", "geometry"].contains(places.loc["bamako", "geometry"])
    assert zones.loc["mopti", "geometry"].contains(places.loc["douentza", "geometry"])


def test_drawn_zone_is_saved_and_appears_everywhere(store):
    square = {
        "type": "Polygon",
        "coordinates": [[[-8.0, 12.0], [-7.9, 12.0], [-7.9, 12.1], [-8.0, 12.1], [-8.0, 12.0]]],
    }
    save_drawn_zone(store, "zone_test", "Zone <b>test</b>", square, reserved=["bamako"])
    zones = layers.load("zones", store=store).set_index("zone_id")
    assert zones.loc["zone_test", "method"] == "drawn"
    assert zones.loc["zone_test", "name_fr"] == "Zone <b>test</b>"  # stored verbatim
    half = {"type": "LineString", "coordinates": [[-8.0, 12.0], [-7.9, 12.0]]}
    with pytest.raises(InputError, match="polygon"):
        save_drawn_zone(store, "zone_half", "Half", half)
    with pytest.raises(InputError, match="built-in"):
        save_drawn_zone(store, "bamako", "Bamako bis", square, reserved=["bamako"])
    assert "zone_half" not in set(layers.load("zones", store=store)["zone_id"])


def test_admin_layer_falls_back_to_natural_earth_outline(store):
    admin = layers.load("admin", store=store)
    # Level 0 is Natural Earth's outline; levels 1 and 2 are the embedded régions and cercles.
    assert set(admin["level"]) == {0, 1, 2}
    country = admin[admin["level"] == 0]
    assert list(country["name"]) == ["Mali"]
    area = country.to_crs("+proj=cea").area.iloc[0] / 1e6
    assert 1.2e6 < area < 1.3e6  # Mali covers about 1.24 million km²


def test_layers_return_copies(store):
    first = layers.load("borders")
    first.loc[first.index[0], "name"] = "changed"
    assert "changed" not in set(layers.load("borders")["name"])
    assert isinstance(pd.DataFrame(first), pd.DataFrame)
