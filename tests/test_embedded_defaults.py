"""The embedded defaults a fresh install plans with, and how the user's own replace them.

With no boundaries and no gazetteer installed, the admin layer has the embedded Who's On First
régions and cercles, the gazetteer the embedded localities, and the zones the real outlines of
their units. ``add-boundaries`` replaces one level at a time and ``add-places`` the gazetteer;
whichever way units were installed, every commune has its cercle and every cercle its région.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

import layers
from geo import settings
from geo.boundaries import read_boundaries
from geo.gazetteer import read_gazetteer
from geo.matcher import PlaceMatcher
from geo.units import admin_hierarchy
from geo.vocab import Tables
from zoneplan.datastore import install_boundaries, install_gazetteer, layer_status
from zoneplan.records import import_file

KANGABA, KOULIKORO = "ML.KK.KG", "ML.KK"


def _kangaba(store) -> shapely.Geometry:
    return layers.load("admin", store=store, level=2).set_index("unit_id").loc[KANGABA, "geometry"]


def _communes_file(tmp_path, store, *, name="communes.geojson"):
    """Write three commune polygons inside the Kangaba cercle, with no parent column."""
    cercle = _kangaba(store).buffer(-0.01)
    minx, miny, maxx, maxy = cercle.bounds
    cuts = np.linspace(minx, maxx, 4)
    parts = [shapely.intersection(cercle, box(cuts[i], miny, cuts[i + 1], maxy)) for i in range(3)]
    frame = gpd.GeoDataFrame(
        {"nom": ["Ouest", "Centre", "Est"], "code": ["C1", "C2", "C3"]},
        geometry=parts,
        crs=settings.CRS,
    )
    path = tmp_path / name
    frame.to_file(path, driver="GeoJSON")
    return path, frame


def _install_communes(tmp_path, store):
    path, frame = _communes_file(tmp_path, store)
    communes = read_boundaries(path, level=3, name_col="nom", id_col="code")
    assert communes.frame["parent_id"].isna().all()  # the file names no cercle
    return install_boundaries(store, communes, date="2026-11-23"), frame


# --- admin units ----------------------------------------------------------------------------------


def test_a_fresh_store_has_the_embedded_regions_and_cercles(store):
    admin = layers.load("admin", store=store)
    counts = admin.groupby("level").size()
    assert (counts[1], counts[2]) == (9, 50)
    regions = set(admin.loc[admin["level"] == 1, "unit_id"])
    cercles = admin[admin["level"] == 2].set_index("unit_id")
    assert cercles["parent_id"].isin(regions).all()
    assert cercles.loc[KANGABA, "name"] == "Kangaba"
    assert cercles.loc[KANGABA, "parent_id"] == KOULIKORO
    mod = layers.module("admin")
    assert mod.installed_levels(store) == () and mod.embedded_levels(store) == (1, 2)
    info = mod.info(store)
    assert "avant 2016" in info["source"] and "sans valeur officielle" in info["source"]
    assert "add-boundaries" in info["source"]
    assert "Who's On First" in info["attribution"] and "GeoNames" in info["attribution"]
    english = mod.info(store, lang="en")["source"]
    assert "pre-2016 frame" in english and "no official value" in english
    assert not store.exists()  # the defaults are read, never written


def test_a_warm_admin_load_is_cheap(store):
    layers.load("admin", store=store)
    start = time.perf_counter()
    for _ in range(10):
        layers.load("admin", store=store)
    assert (time.perf_counter() - start) / 10 < 0.05


def test_an_installed_level_replaces_the_embedded_one(store, tmp_path):
    path = tmp_path / "sud.geojson"
    gpd.GeoDataFrame(
        {"nom": ["Grand Sud"], "code": ["R-SUD"]}, geometry=[box(-12.5, 10.0, -4.0, 15.5)], crs=4326
    ).to_file(path, driver="GeoJSON")
    install_boundaries(store, read_boundaries(path, level=1, name_col="nom", id_col="code"), date="x")
    admin = layers.load("admin", store=store)
    assert list(admin.loc[admin["level"] == 1, "unit_id"]) == ["R-SUD"]
    cercles = admin[admin["level"] == 2].set_index("unit_id")
    assert len(cercles) == 50 and (cercles["parent_id"] == "R-SUD").all()
    assert set(store.read(Tables.BOUNDARIES)["level"]) == {1}  # only what the user installed
    mod = layers.module("admin")
    assert mod.installed_levels(store) == (1,) and mod.embedded_levels(store) == (2,)
    source = mod.info(store)["source"]
    assert "niveau 1 : sud.geojson (installé)" in source and "niveau 2 : cercles intégrés" in source


def test_communes_without_a_parent_column_get_their_cercle_and_region(store, tmp_path):
    merged, _ = _install_communes(tmp_path, store)
    communes = merged[merged["level"] == 3]
    assert list(communes["unit_id"]) == ["C1", "C2", "C3"]
    assert set(communes["parent_id"]) == {KANGABA}
    admin = layers.load("admin", store=store)
    chain = admin_hierarchy(admin).set_index("unit_id")
    for code in ("C1", "C2", "C3"):
        assert chain.loc[code, "cercle_id"] == KANGABA and chain.loc[code, "cercle"] == "Kangaba"
        assert chain.loc[code, "region_id"] == KOULIKORO and chain.loc[code, "region"] == "Koulikoro"
    assert set(store.read(Tables.BOUNDARIES)["level"]) == {3}
    admin_row = next(r for r in layer_status(store) if r["layer"] == "admin")
    assert admin_row["levels"] == {"0": 1, "1": 9, "2": 50, "3": 3}
    assert admin_row["without_parent"]["2"] == admin_row["without_parent"]["3"] == 0
    assert admin_row["embedded_levels"] == ["1", "2"]


def test_replacing_the_cercles_links_the_communes_again(store, tmp_path):
    _install_communes(tmp_path, store)
    path = tmp_path / "cercle.geojson"
    gpd.GeoDataFrame(
        {"nom": ["Kangaba"], "code": ["KG-2023"]}, geometry=[_kangaba(store)], crs=settings.CRS
    ).to_file(path, driver="GeoJSON")
    install_boundaries(store, read_boundaries(path, level=2, name_col="nom", id_col="code"), date="x")
    admin = layers.load("admin", store=store).set_index("unit_id")
    assert set(admin.loc[["C1", "C2", "C3"], "parent_id"]) == {"KG-2023"}
    assert admin.loc["KG-2023", "parent_id"] == KOULIKORO  # the embedded région holding it
    assert set(store.read(Tables.BOUNDARIES)["level"]) == {2, 3}


# --- gazetteer ------------------------------------------------------------------------------------


def test_the_embedded_gazetteer_serves_until_add_places(store, tmp_path):
    mod = layers.module("gazetteer")
    gaz = layers.load("gazetteer", store=store)
    assert len(gaz) == 14_903 and mod.origin(store) == "embedded"
    # Every locality inside a cercle has it (point-in-polygon where the file gave none).
    assert (gaz["admin2"] != "").mean() > 0.99
    info = mod.info(store)
    assert "sans valeur officielle" in info["source"] and "add-places" in info["source"]
    assert "Who's On First" in info["attribution"] and "GeoNames" in info["attribution"]
    row = next(r for r in layer_status(store) if r["layer"] == "gazetteer")
    assert (row["origin"], row["features"]) == ("embedded", 14_903)

    path = tmp_path / "villages.csv"
    path.write_text("nom;latitude;longitude\nDangatene;12.14889;-8.88087\n", encoding="utf-8")
    install_gazetteer(store, read_gazetteer(path), date="2026-11-23")
    assert list(layers.load("gazetteer", store=store)["name"]) == ["Dangatene"]
    assert mod.origin(store) == "installed"
    assert "villages.csv" in mod.info(store)["source"]
    row = next(r for r in layer_status(store) if r["layer"] == "gazetteer")
    assert (row["origin"], row["features"]) == ("installed", 1)


def test_the_embedded_gazetteer_takes_the_installed_communes(store, tmp_path):
    _install_communes(tmp_path, store)
    gaz = layers.load("gazetteer", store=store)
    assert {"Ouest", "Centre", "Est"} <= set(gaz["admin3"])


# --- zones ----------------------------------------------------------------------------------------


def test_zones_are_the_real_outlines_on_a_fresh_install(store):
    zones = layers.load("zones", store=store).set_index("zone_id")
    assert list(zones.index) == ["bamako", "segou", "sikasso", "mopti", "kangaba"]
    assert set(zones["method"]) == {"admin"}
    admin = layers.load("admin", store=store)
    units = admin.set_index(["level", "unit_id"])["geometry"]
    assert zones.loc["kangaba", "geometry"].equals(units.loc[(2, KANGABA)])
    assert zones.loc["bamako", "geometry"].equals(units.loc[(1, "ML.BA")])
    # data/zones.json names whole régions for the three regional capitals.
    for zone_id, region in (("segou", "ML.SG"), ("sikasso", "ML.SK"), ("mopti", "ML.MO")):
        assert zones.loc[zone_id, "geometry"].equals(units.loc[(1, region)])
    places = layers.load("places", store=store).set_index("place_id")
    for zone_id, place_ids in {
        "bamako": ["bamako"],
        "segou": ["segou"],
        "sikasso": ["sikasso"],
        "mopti": ["mopti", "douentza"],
        "kangaba": ["kangaba", "koflatie", "tombola", "tegue", "sombo", "kaniogo", "nouga"],
    }.items():
        for pid in place_ids:
            assert zones.loc[zone_id, "geometry"].contains(places.loc[pid, "geometry"]), pid


# --- case rows ------------------------------------------------------------------------------------


def _inside(frame: gpd.GeoDataFrame, code: str) -> shapely.Point:
    return frame.set_index("code").loc[code, "geometry"].representative_point()


def test_coordinates_in_a_commune_without_parent_keep_the_files_cercle(store, tmp_path):
    _, frame = _communes_file(tmp_path, store)
    communes = read_boundaries(tmp_path / "communes.geojson", level=3, name_col="nom", id_col="code")
    embedded = layers.load("admin", store=store)
    places = layers.module("places").load_all(store)
    point = _inside(frame, "C1")
    # Communes of another frame, left without a parent: the row's cercle and région stay.
    units = pd.concat([embedded[embedded["level"] > 0], communes.frame], ignore_index=True)
    matcher = PlaceMatcher.build(places, gpd.GeoDataFrame(units, crs=settings.CRS), tolerance_km=0.01)
    m = matcher.match(cercle="Kangaba", region="Koulikoro", lat=point.y, lon=point.x)
    assert (m.match_level, m.match_method, m.commune_id) == ("commune", "coordinates", "C1")
    assert (m.cercle_id, m.cercle) == (KANGABA, "Kangaba")
    assert (m.region_id, m.region) == (KOULIKORO, "Koulikoro")
    # With no cercle polygon at all, the cercle is still kept, by name.
    alone = PlaceMatcher.build(places, communes.frame, tolerance_km=0.01)
    m = alone.match(cercle="Kangaba", lat=point.y, lon=point.x)
    assert m.commune_id == "C1" and m.cercle == "Kangaba" and m.cercle_id == "name:kangaba"
    # Without a cercle on the row there is nothing to keep.
    assert pd.isna(alone.match(lat=point.y, lon=point.x).cercle_id)


def test_case_rows_found_by_coordinates_have_their_cercle_and_region(store, tmp_path):
    _, frame = _install_communes(tmp_path, store)
    rows = [
        f"01/02/2021;;;Kangaba;Identification;CASE SAHEL;3;1;4;{p.y:.5f};{p.x:.5f}"
        for p in (_inside(frame, code) for code in ("C1", "C2", "C3"))
    ]
    path = tmp_path / "cas.csv"
    path.write_text(
        "Date;Village;Commune;Cercle;Type de cas;Partenaire;Filles;Garçons;Total;Lat;Lon\n"
        + "\n".join(rows)
        + "\n",
        encoding="utf-8",
    )
    report = import_file(path, kind="cases", store=store)
    assert report.summary["accepted"] == 3, report.summary
    cases = store.read(Tables.CASES)
    assert set(cases["cercle_id"]) == {KANGABA} and set(cases["region_id"]) == {KOULIKORO}
    assert set(cases["commune"]) == {"Ouest", "Centre", "Est"}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_status_names_the_defaults_in_each_language(store, lang):
    source = layers.module("gazetteer").info(store, lang=lang)["source"]
    assert ("intégré" if lang == "fr" else "embedded") in source
