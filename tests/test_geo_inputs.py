"""Bad boundary, population and gazetteer files, and too-fine H3 grids (issue 13, item 1).

Each bad input is refused in one French line naming the file, the feature, row or column, what was
found and what was expected; the CLI exits 2 without a traceback and leaves the store as it was. A
few cases run the installed ``zoneplan`` command in a subprocess; the rest call the readers. The
geometries are real cercles from the embedded reference data (``data/reference``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box, mapping

from geo import settings
from geo.boundaries import read_boundaries
from geo.errors import InputError
from geo.gazetteer import read_gazetteer
from geo.population import join_population, parse_children, read_table
from geo.store import Store
from geo.units import H3_MAX_CELLS, h3_units

CERCLES = gpd.read_file(settings.DATA_DIR / "reference" / "cercles.geojson").set_index("name")
KANGABA = CERCLES.loc["Kangaba", "geometry"]
KATI = CERCLES.loc["Kati", "geometry"]
PARIS = box(2.22, 48.81, 2.47, 48.90)


def _feature(props: dict, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _geojson(path: Path, features: list[dict], crs: str | None = None) -> Path:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _cercle(uid: str, name: str, geom) -> dict:
    props = {"shapeName": name, "shapeID": uid, "shapeType": "ADM2"}
    return _feature(props, mapping(geom) if geom is not None else None)


def _units(*geoms, ids=("ML.KK.KG", "ML.KK.KT"), names=("Kangaba", "Kati")) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "shapeName": list(names[: len(geoms)]),
            "shapeID": list(ids[: len(geoms)]),
            "shapeType": "ADM2",
        },
        geometry=list(geoms),
        crs=settings.CRS,
    )


def _shapefile_zip(tmp_path: Path, frame: gpd.GeoDataFrame, drop: tuple[str, ...] = ()) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    frame.to_file(folder / "mli_adm2.shp", driver="ESRI Shapefile")
    archive = tmp_path / "mli_adm2.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(folder.iterdir()):
            if part.suffix not in drop:
                zf.write(part, part.name)
    return archive


def _refused(call, *fragments: str) -> str:
    """Return the message of the InputError ``call()`` raises, checked to hold ``fragments``."""
    with pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- the command line: one line, exit 2, store unchanged, nothing from GDAL ---------------------------


def _zoneplan(*argv: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, settings.STORE_ENV_VAR: str(home)}
    return subprocess.run(
        [sys.executable, "-m", "zoneplan", *argv], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def installed(tmp_path) -> Path:
    """A store holding the Kangaba cercle (geoBoundaries file), for commands to leave untouched."""
    store = tmp_path / "s.gpkg"
    good = _geojson(tmp_path / "bon.geojson", [_cercle("ML.KK.KG", "Kangaba", KANGABA)])
    proc = _zoneplan("data", "add-boundaries", str(good), "--store", str(store), home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return store


def _state(store: Path) -> tuple:
    s = Store(store)
    frame = s.read("boundaries")
    population = s.read("population")
    return (
        sorted(frame["unit_id"]),
        s.meta(),
        None if population is None else population["children"].tolist(),
    )


def _bad_cli_run(tmp_path, store: Path, *argv: str) -> str:
    before = _state(store)
    proc = _zoneplan(*argv, "--store", str(store), home=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # no GDAL warning, no traceback
    assert _state(store) == before
    return lines[0]


def test_cli_refuses_a_file_in_metres_without_crs(tmp_path, installed):
    metres = gpd.GeoSeries([KANGABA], crs=settings.CRS).to_crs(32629).iloc[0]
    path = tmp_path / "communes_utm.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [_cercle("a", "A", metres)]}))
    line = _bad_cli_run(tmp_path, installed, "data", "add-boundaries", str(path))
    assert "communes_utm.geojson" in line and "longitudes/latitudes" in line
    assert "en mètres" in line and "-180..180" in line
    assert "de 1\u202f2" in line or "de 1\u202f3" in line  # the northings, written the French way


def test_cli_refuses_a_polygon_in_paris_giving_its_bounds(tmp_path, installed):
    path = _geojson(tmp_path / "paris.geojson", [_cercle("FR75", "Paris", PARIS)])
    line = _bad_cli_run(tmp_path, installed, "data", "add-boundaries", str(path))
    assert "paris.geojson" in line and "ne recoupe pas le Mali" in line
    assert "lat 48,81..48,90" in line and "lon -12,3..4,3" in line


def test_cli_unclosed_rings_are_one_line_without_gdal_warnings(tmp_path, installed):
    ring = [list(c) for c in KANGABA.exterior.coords][:-1]  # not closed
    path = _geojson(
        tmp_path / "anneaux.geojson",
        [
            _feature(
                {"shapeName": "A", "shapeID": "a", "shapeType": "ADM2"},
                {"type": "Polygon", "coordinates": [ring]},
            )
        ],
    )
    line = _bad_cli_run(tmp_path, installed, "data", "add-boundaries", str(path))
    assert "anneaux.geojson" in line and "entité 1" in line and "anneau non fermé" in line
    assert "Warning" not in line


def test_cli_installs_the_readable_features_and_lists_the_others(tmp_path, installed):
    ring = [list(c) for c in KATI.exterior.coords][:-1]
    bad = _feature(
        {"shapeName": "Kati", "shapeID": "ML.KK.KT", "shapeType": "ADM2"},
        {"type": "Polygon", "coordinates": [ring]},
    )
    path = _geojson(tmp_path / "deux.geojson", [_cercle("ML.KK.KG", "Kangaba", KANGABA), bad])
    proc = _zoneplan("data", "add-boundaries", str(path), "--store", str(installed), home=tmp_path)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    first, second = proc.stdout.splitlines()
    assert "2 entités lues = 1 unités installées au niveau 2 (geoboundaries) + 1 rejetées" in first
    assert second.strip().startswith("entité 2 (Kati) rejetée : sans géométrie")


def test_cli_empty_population_file_and_no_column(tmp_path, installed):
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    line = _bad_cli_run(tmp_path, installed, "data", "add-population", str(empty))
    assert "vide.csv" in line and "Traceback" not in line
    cols = tmp_path / "colonnes.csv"
    cols.write_text("code;total\nML.KK.KG;12\n", encoding="utf-8")
    line = _bad_cli_run(tmp_path, installed, "data", "add-population", str(cols))
    assert "pas de colonne de population d'enfants" in line and "colonnes trouvées : code, total" in line


def test_cli_population_thousands_are_read_and_bad_rows_listed(tmp_path, installed):
    path = tmp_path / "enfants.csv"
    path.write_text(
        "code;enfants\nML.KK.KG;1.200\nML.KK.KG;7\nML.XX;-3\n", encoding="utf-8"
    )  # one unit twice, a negative count for a unit that does not exist
    proc = _zoneplan("data", "add-population", str(path), "--store", str(installed), home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "3 lignes lues = 1 retenues + 2 rejetées" in proc.stdout
    assert "ligne 3 rejetée : l'unité ML.KK.KG figure déjà ligne 2" in proc.stdout
    assert "ligne 4 rejetée : enfants = « -3 » est négatif" in proc.stdout
    assert Store(installed).read("population")["children"].tolist() == [1200.0]


# --- boundary files -----------------------------------------------------------------------------------


def test_empty_feature_collection(tmp_path):
    path = _geojson(tmp_path / "vide.geojson", [])
    _refused(lambda: read_boundaries(path), "vide.geojson", "aucune entité", "polygones")


def test_invalid_json_names_line_and_column(tmp_path):
    path = tmp_path / "casse.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",,}\n]}')
    _refused(lambda: read_boundaries(path), "casse.geojson", "pas un JSON valide", "ligne 3, colonne")


def test_json_that_is_not_geojson(tmp_path):
    path = tmp_path / "liste.json"
    path.write_text('[{"nom": "Kangaba"}]', encoding="utf-8")
    _refused(
        lambda: read_boundaries(path), "liste.json", "pas un GeoJSON", "[array]", "FeatureCollection"
    )


def test_english_messages_on_request(tmp_path):
    path = _geojson(tmp_path / "paris.geojson", [_cercle("FR75", "Paris", PARIS)])
    _refused(lambda: read_boundaries(path, lang="en"), "does not overlap Mali", "lat 48.81..48.90")


def test_zip_without_a_shapefile_lists_what_it_holds(tmp_path):
    archive = tmp_path / "limites.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("lisez-moi.txt", "communes du Mali")
        zf.writestr("communes.csv", "nom\nKangaba\n")
    _refused(
        lambda: read_boundaries(archive), "limites.zip", "aucun fichier .shp", "lisez-moi.txt", ".dbf"
    )


@pytest.mark.parametrize(
    ("drop", "fragments"),
    [
        ((".dbf",), (".dbf (les attributs : noms et codes)",)),
        ((".prj",), (".prj (le système de coordonnées)",)),
        ((".dbf", ".prj", ".shx"), (".shx", ".dbf", ".prj")),
    ],
)
def test_zipped_shapefile_missing_a_part(tmp_path, drop, fragments):
    archive = _shapefile_zip(tmp_path, _units(KANGABA, KATI), drop=drop)
    _refused(
        lambda: read_boundaries(archive),
        "mli_adm2.zip (mli_adm2.shp)",
        "Shapefile incomplet",
        *fragments,
    )


def test_plain_shapefile_without_prj(tmp_path):
    _units(KANGABA).to_file(tmp_path / "cercles.shp", driver="ESRI Shapefile")
    (tmp_path / "cercles.prj").unlink()
    _refused(lambda: read_boundaries(tmp_path / "cercles.shp"), "cercles.shp", ".prj")


def test_zip_with_two_shapefiles_asks_for_the_layer(tmp_path):
    archive = tmp_path / "deux.zip"
    for name, geom in (("kangaba", KANGABA), ("kati", KATI)):
        _units(geom, names=(name.title(),)).to_file(tmp_path / f"{name}.shp", driver="ESRI Shapefile")
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("ka*.*"):
            zf.write(part, part.name)
    _refused(lambda: read_boundaries(archive), "plusieurs couches", "kangaba", "kati", "--layer")
    assert list(read_boundaries(archive, layer="kati").frame["name"]) == ["Kati"]


def test_geopackage_with_several_layers_asks_for_one(tmp_path):
    path = tmp_path / "limites.gpkg"
    _units(KANGABA).to_file(path, layer="cercles", driver="GPKG")
    _units(KATI, names=("Kati",)).to_file(path, layer="cercles_2019", driver="GPKG")
    _refused(
        lambda: read_boundaries(path),
        "limites.gpkg",
        "plusieurs couches (cercles, cercles_2019)",
        "--layer",
    )
    _refused(
        lambda: read_boundaries(path, layer="communes"), "pas de couche « communes »", "cercles_2019"
    )
    assert list(read_boundaries(path, layer="cercles_2019").frame["name"]) == ["Kati"]


def test_wrong_admin_level(tmp_path):
    path = _geojson(tmp_path / "cercles.geojson", [_cercle("ML.KK.KG", "Kangaba", KANGABA)])
    _refused(lambda: read_boundaries(path, level=7), "--level 7", "0 (pays)", "3 (commune)")
    _refused(lambda: read_boundaries(path, level=3), "shapeType indique ADM2", "--level 3")
    ocha = gpd.GeoDataFrame(
        {"ADM2_FR": ["Kangaba"], "ADM2_PCODE": ["ML0201"], "ADM1_PCODE": ["ML02"]},
        geometry=[KANGABA],
        crs=settings.CRS,
    )
    ocha.to_file(tmp_path / "ocha.geojson", driver="GeoJSON")
    _refused(
        lambda: read_boundaries(tmp_path / "ocha.geojson", level=3),
        "ADM3_PCODE",
        "niveau 3",
        "colonnes trouvées : ADM2_FR, ADM2_PCODE, ADM1_PCODE",
    )


def test_generic_file_without_level(tmp_path):
    frame = gpd.GeoDataFrame({"NOM": ["Kangaba"], "CODE": ["K"]}, geometry=[KANGABA], crs=settings.CRS)
    frame.to_file(tmp_path / "generique.geojson", driver="GeoJSON")
    _refused(
        lambda: read_boundaries(tmp_path / "generique.geojson", name_col="NOM", id_col="CODE"),
        "generique.geojson",
        "donnez --level N",
    )


def test_duplicate_ids_name_the_features(tmp_path):
    path = _geojson(
        tmp_path / "doublons.geojson",
        [_cercle("ML.KK.KG", "Kangaba", KANGABA), _cercle("ML.KK.KG", "Kati", KATI)],
    )
    _refused(
        lambda: read_boundaries(path),
        "doublons.geojson",
        "ML.KK.KG (entités 1, 2)",
        "un identifiant par unité",
    )


def test_some_features_outside_mali_are_named(tmp_path):
    path = _geojson(
        tmp_path / "melange.geojson",
        [_cercle("ML.KK.KG", "Kangaba", KANGABA), _cercle("FR75", "Paris", PARIS)],
    )
    _refused(
        lambda: read_boundaries(path),
        "1 entités sur 2 sont hors du Mali",
        "entité 2 « Paris »",
        "lat 48,81..48,90",
    )


def test_projected_file_declaring_its_crs_is_accepted(tmp_path):
    frame = _units(KANGABA).to_crs(32629)
    frame.to_file(tmp_path / "utm.gpkg", driver="GPKG")
    result = read_boundaries(tmp_path / "utm.gpkg")
    assert result.frame.geometry.iloc[0].bounds == pytest.approx(KANGABA.bounds, abs=1e-6)


def test_bad_features_are_rejected_and_counted(tmp_path):
    ring = [list(c) for c in KATI.exterior.coords]
    nan_ring = json.dumps(ring[:3] + [[-8.0, float("nan")]] + [ring[0]])
    features = [
        _cercle("ML.KK.KG", "Kangaba", KANGABA),
        _cercle("ML.KK.KT", "Kati", None),
        _cercle("", "Sans code", KATI),
        _feature(
            {"shapeName": "NaN", "shapeID": "x", "shapeType": "ADM2"},
            {"type": "Polygon", "coordinates": []},
        ),
    ]
    path = _geojson(tmp_path / "abimes.geojson", features)
    text = path.read_text().replace('"coordinates": []', f'"coordinates": [{nan_ring}]')
    path.write_text(text)
    result = read_boundaries(path)
    assert list(result.frame["unit_id"]) == ["ML.KK.KG"]
    assert result.features_read == 4 == len(result.frame) + len(result.rejected)
    reasons = dict(zip(result.rejected["feature"], result.rejected["reason"], strict=True))
    assert reasons[2].startswith("sans géométrie")
    assert reasons[3] == "sans identifiant d'unité"
    assert reasons[4].startswith("coordonnées non numériques")


def test_utf16_geojson_is_read(tmp_path):
    doc = {"type": "FeatureCollection", "features": [_cercle("ML.KK.KG", "Kangaba", KANGABA)]}
    path = tmp_path / "utf16.geojson"
    path.write_bytes(json.dumps(doc, ensure_ascii=False).encode("utf-16"))
    assert list(read_boundaries(path).frame["name"]) == ["Kangaba"]


# --- population files ---------------------------------------------------------------------------------

UNITS = pd.DataFrame(
    {
        "unit_id": ["ML.KK.KG", "ML.KK.KT", "ML.KK"],
        "name": ["Kangaba", "Kati", "Koulikoro"],
        "level": [2, 2, 1],
    }
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.200", 1200),
        ("1,200", 1200),
        ("1 200", 1200),
        ("1\u202f200", 1200),
        ("12.345.678", 12345678),
        ("1.200,0", 1200),
        ("52000", 52000),
    ],
)
def test_child_counts_read_thousand_separators_right(text, value):
    assert parse_children(text) == (value, None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("-3", "negative"),
        ("beaucoup", "not_number"),
        ("1.200.5", "not_number"),
        ("inf", "not_number"),
        ("1234,5", "not_whole"),
        ("99999999", "too_large"),
    ],
)
def test_child_counts_that_are_not_counts(text, problem):
    value, found = parse_children(text)
    assert found == problem and value != value


def test_population_rows_rejected_with_their_reason(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text(
        "code;nom;enfants\n"
        "ML.KK.KG;;1.200\n"
        ";Kati;-4\n"
        ";Kati;n/a\n"
        ";Atlantis;5\n"
        ";;9\n"
        "ML.KK.KG;;3\n"
        ";Kati;2 500\n",
        encoding="utf-8",
    )
    pop, report = join_population(read_table(path), UNITS, source=path.name)
    assert (
        len(report)
        == 7
        == (report["status"] == "matched").sum() + (report["status"] == "rejected").sum()
    )
    assert dict(zip(pop["unit_id"], pop["children"], strict=True)) == {
        "ML.KK.KG": 1200.0,
        "ML.KK.KT": 2500.0,
    }
    reasons = report.set_index("line")["reason"]
    assert reasons[3] == "enfants = « -4 » est négatif ; attendu un nombre d'enfants >= 0"
    assert reasons[4].startswith("enfants = « n/a » n'est pas un nombre")
    assert reasons[5] == "« Atlantis » ne correspond à aucune unité installée ni cellule H3"
    assert reasons[6].startswith("ni identifiant ni nom")
    assert reasons[7] == "l'unité ML.KK.KG figure déjà ligne 2 ; attendu une ligne par unité"


def test_population_columns_named_or_missing(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text("zone,moins_de_18\nKati,10\n", encoding="utf-8")
    table = read_table(path)
    _refused(
        lambda: join_population(table, UNITS, source="pop.csv"),
        "pop.csv",
        "--children-col",
        "zone, moins_de_18",
    )
    _refused(
        lambda: join_population(table, UNITS, children_col="moins_de_18", source="pop.csv"),
        "pas de colonne d'identifiant ni de nom d'unité",
    )
    _refused(
        lambda: join_population(table, UNITS, children_col="enfants", source="pop.csv"), "« enfants »"
    )
    pop, _ = join_population(table, UNITS, children_col="moins_de_18", name_col="zone", source="pop.csv")
    assert pop["children"].tolist() == [10.0]


def test_population_xlsx_and_utf16(tmp_path):
    frame = pd.DataFrame({"code": ["ML.KK.KG"], "enfants": ["1 200"]})
    frame.to_excel(tmp_path / "pop.xlsx", index=False)
    pop, _ = join_population(read_table(tmp_path / "pop.xlsx"), UNITS)
    assert pop["children"].tolist() == [1200.0]
    (tmp_path / "pop16.csv").write_bytes("code;nom;enfants\n;Kati;1.500\n".encode("utf-16"))
    pop, _ = join_population(read_table(tmp_path / "pop16.csv"), UNITS)
    assert pop["children"].tolist() == [1500.0]


# --- gazetteer files ----------------------------------------------------------------------------------


def test_gazetteer_with_unknown_columns_lists_them(tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text("toponymie;coordonnees\nDangassa;12.1 -8.2\n", encoding="utf-8")
    _refused(
        lambda: read_gazetteer(path),
        "villages.csv",
        "une colonne de nom (--name-col) et une colonne de latitude (--lat-col)",
        "colonnes trouvées : toponymie, coordonnees",
    )
    _refused(lambda: read_gazetteer(path, lat_col="Y"), "« Y » (--lat-col) introuvable")


def test_gazetteer_geopackage_with_several_layers(tmp_path):
    path = tmp_path / "villages.gpkg"
    points = gpd.GeoDataFrame(
        {"nom": ["Dangassa"]}, geometry=[shapely.Point(-8.21, 12.16)], crs=settings.CRS
    )
    points.to_file(path, layer="villages", driver="GPKG")
    points.to_file(path, layer="hameaux", driver="GPKG")
    _refused(lambda: read_gazetteer(path), "villages.gpkg", "plusieurs couches", "--layer")
    assert read_gazetteer(path, layer="hameaux").summary["accepted"] == 1


def test_gazetteer_utf16_csv_is_read(tmp_path):
    path = tmp_path / "villages16.csv"
    path.write_bytes("nom;lat;lon\nDangassa;12,16;-8,21\nSélinkégni;;\n".encode("utf-16"))
    summary = read_gazetteer(path).summary
    assert (summary["rows_read"], summary["accepted"], summary["rejected"]) == (2, 1, 1)


def test_gazetteer_zip_without_shapefile(tmp_path):
    archive = tmp_path / "villages.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("villages.csv", "nom,lat,lon\n")
    _refused(lambda: read_gazetteer(archive), "villages.zip", "aucun fichier .shp", "villages.csv")


# --- H3 grids -----------------------------------------------------------------------------------------


def test_too_fine_h3_resolution_is_refused_with_the_cell_count():
    message = _refused(lambda: h3_units(KANGABA, 13), "résolution H3 13", "cellules", "h3:")
    finest = int(message.split("h3:")[1].split()[0])
    assert 0 < finest < 13
    assert f"{H3_MAX_CELLS:,}".replace(",", "\u202f") in message


def test_the_finest_resolution_offered_fits_the_budget():
    message = _refused(lambda: h3_units(KANGABA, 9, max_cells=2_000), "au plus 2\u202f000")
    finest = int(message.split("h3:")[1].split()[0])
    assert len(h3_units(KANGABA, finest, max_cells=2_000)) <= 2_000 * 1.2
    with pytest.raises(InputError):
        h3_units(KANGABA, finest + 1, max_cells=2_000)
