"""Property-based tests of the boundary, gazetteer and population readers (issue 13, item 2).

Whatever a partner sends, a reader either refuses the file with an :class:`InputError` or reads
it, and then every row or feature is accounted for: read = accepted + rejected. Bounded runs
(50 examples each, no deadline) so that they hold on a loaded machine.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import settings as geo_settings
from geo.boundaries import read_boundaries
from geo.errors import InputError
from geo.gazetteer import read_gazetteer
from geo.population import join_population, read_table

PROFILE = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

CERCLES = gpd.read_file(geo_settings.DATA_DIR / "reference" / "cercles.geojson")
#: A few real cercles, simplified so that each example stays small.
REAL = [g.simplify(0.02) for g in CERCLES.geometry.iloc[:6]]
UNITS = pd.DataFrame({"unit_id": CERCLES["hasc"], "name": CERCLES["name"], "level": 2}).reset_index(
    drop=True
)


@contextmanager
def scratch():
    folder = Path(tempfile.mkdtemp(prefix="zoneplan-prop-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- strategies ----------------------------------------------------------------------------------

texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
numbers = st.one_of(
    st.integers(-1000, 200_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["1.200", "1,200", "1 200", "12,5", "-0", "1e3", "", " ", "n/a", "1.200,5"]),
)
cells = st.one_of(texts, numbers)


def mostly(good, bad):
    """Draw from ``good`` about four times in five, else from ``bad``: files damaged here and there."""
    return st.sampled_from([good, good, good, good, bad]).flatmap(lambda strategy: strategy)


coordinate = st.one_of(
    st.floats(-20, 30, allow_nan=False),
    st.floats(-1e7, 1e7, allow_nan=False),
    st.sampled_from([math.nan, math.inf]),
)


@st.composite
def ring_json(draw) -> list:
    """A polygon's coordinates: mostly a real cercle's ring, else damaged or random points."""
    if draw(mostly(st.just(True), st.just(False))):
        geom = draw(st.sampled_from(REAL))
        ring = [list(c) for c in geom.exterior.coords]
        if draw(mostly(st.just(False), st.just(True))):
            ring = ring[:-1]  # unclosed
        return [ring]
    points = draw(st.lists(st.lists(coordinate, min_size=1, max_size=3), min_size=0, max_size=6))
    if points and draw(st.booleans()):
        points.append(points[0])
    return [points]


@st.composite
def geometry_json(draw):
    kind = draw(
        mostly(
            st.sampled_from(["Polygon", "MultiPolygon"]),
            st.sampled_from(["Point", "null", "LineString"]),
        )
    )
    if kind == "null":
        return None
    if kind == "Point":
        return {"type": "Point", "coordinates": draw(st.lists(coordinate, min_size=2, max_size=2))}
    if kind == "LineString":
        return {"type": "LineString", "coordinates": draw(ring_json())[0]}
    if kind == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [draw(ring_json()) for _ in range(draw(st.integers(1, 2)))],
        }
    return {"type": "Polygon", "coordinates": draw(ring_json())}


SCHEMA_COLUMNS = {
    "geoboundaries": ("shapeName", "shapeID", "shapeType"),
    "ocha": ("ADM2_FR", "ADM2_PCODE", "ADM1_PCODE"),
    "wof": ("name", "wof_id", "hasc"),
    "other": ("NOM", "CODE"),
}


def _property(column: str, i: int):
    """A plausible value of ``column`` for feature ``i`` (ids unique), or damage."""
    if column in ("shapeName", "ADM2_FR", "name", "NOM"):
        good = st.sampled_from(list(CERCLES["name"]))
    elif column == "shapeType":
        good = st.just("ADM2")
    elif column == "ADM1_PCODE":
        good = st.just("ML02")
    else:
        good = st.just(f"ML{i:04d}")
    return mostly(good, st.one_of(st.none(), cells, st.sampled_from(["ADM9", "ML0001"])))


@st.composite
def feature_collections(draw) -> tuple[str, int]:
    columns = SCHEMA_COLUMNS[
        draw(mostly(st.sampled_from(["geoboundaries", "ocha", "wof"]), st.just("other")))
    ]
    n = draw(st.integers(0, 5))
    features = []
    for i in range(n):
        props = {c: draw(_property(c, i)) for c in columns}
        features.append({"type": "Feature", "properties": props, "geometry": draw(geometry_json())})
    doc = {"type": "FeatureCollection", "features": features}
    text = json.dumps(doc, allow_nan=True)
    if draw(mostly(st.just(False), st.just(True))):
        text = text[: draw(st.integers(0, len(text)))]  # truncated download
    return text, n


def _check_boundaries(result, n_features: int | None) -> None:
    assert result.features_read == len(result.frame) + len(result.rejected)
    if n_features is not None:
        assert result.features_read == n_features
    assert len(result.frame) > 0
    assert result.frame["unit_id"].is_unique
    assert result.frame.is_valid.all()
    assert result.frame.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert (result.rejected["reason"] != "").all()


# --- boundaries ----------------------------------------------------------------------------------


@PROFILE
@given(doc=feature_collections(), level=mostly(st.sampled_from([None, 2]), st.sampled_from([1, 3, 5])))
def test_boundary_geojson_is_read_or_refused(doc, level):
    text, n = doc
    with scratch() as folder:
        path = folder / "limites.geojson"
        path.write_text(text, encoding="utf-8")
        try:
            result = read_boundaries(path, level=level)
        except InputError as exc:
            assert "\n" not in str(exc) and "limites.geojson" in str(exc)
            return
        _check_boundaries(result, n)


@st.composite
def shapefile_frames(draw) -> gpd.GeoDataFrame:
    n = draw(st.integers(1, 4))
    geoms = [
        draw(mostly(st.sampled_from(REAL), st.sampled_from([shapely.Point(-8, 12), None])))
        for _ in range(n)
    ]
    names = [
        draw(mostly(st.sampled_from(list(CERCLES["name"])), st.one_of(st.none(), texts)))
        for _ in range(n)
    ]
    codes = [
        draw(mostly(st.just(f"ML02{i:02d}"), st.one_of(st.none(), st.just("ML0201"), texts)))
        for i in range(n)
    ]
    return gpd.GeoDataFrame(
        {"ADM2_FR": names, "ADM2_PCODE": codes},
        geometry=geoms,
        crs=draw(mostly(st.just(4326), st.sampled_from([None, 32630]))),
    )


@PROFILE
@given(
    frame=shapefile_frames(),
    drop=mostly(
        st.just(set()), st.sets(st.sampled_from([".shp", ".shx", ".dbf", ".prj", ".cpg"]), max_size=2)
    ),
    level=mostly(st.sampled_from([None, 2]), st.just(3)),
)
def test_boundary_zipped_shapefile_is_read_or_refused(frame, drop, level):
    with scratch() as folder:
        try:
            frame.to_file(folder / "adm2.shp", driver="ESRI Shapefile")
        except Exception:  # a frame the Shapefile writer itself refuses (mixed geometry kinds)
            return
        archive = folder / "adm2.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for part in folder.glob("adm2.*"):
                if part.suffix not in drop and part.suffix != ".zip":
                    zf.write(part, part.name)
        try:
            result = read_boundaries(archive, level=level)
        except InputError as exc:
            assert "\n" not in str(exc) and "adm2.zip" in str(exc)
            return
        _check_boundaries(result, len(frame))


# --- gazetteers ----------------------------------------------------------------------------------


@st.composite
def delimited_files(draw, columns: dict, good_headers: list[tuple[str, ...]]) -> bytes:
    """A CSV: mostly a usable header and plausible cells, with damage (extra or short rows,
    unknown columns, any text) and any of the encodings partners use."""
    header = list(
        draw(
            mostly(
                st.sampled_from(good_headers),
                st.lists(st.sampled_from(sorted(columns)), max_size=5, unique=True),
            )
        )
    )
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = [draw(mostly(columns[c], cells)) for c in header]
        if draw(mostly(st.just(False), st.just(True))):
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(cells, max_size=2))
        rows.append(row)
    quote = '"'
    lines = [delimiter.join(header)] + [
        delimiter.join(quote + c.replace(quote, 2 * quote) + quote if delimiter in c else c for c in r)
        for r in rows
    ]
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


def _decimal(lo: float, hi: float):
    return st.floats(lo, hi).flatmap(
        lambda v: st.sampled_from([f"{v:.5f}", f"{v:.4f}".replace(".", ",")])
    )


place_names = st.sampled_from(["Dangassa", "Kéniéba", "Sélinkégni", "Naréna", "Kourémalé", ""])
GAZ_COLUMNS = {
    "name": place_names,
    "nom": place_names,
    "lat": _decimal(10.2, 24.9),
    "latitude": _decimal(10.2, 24.9),
    "lon": _decimal(-12.2, 4.2),
    "longitude": _decimal(-12.2, 4.2),
    "id": st.integers(1, 8).map(lambda i: f"V{i:03d}"),
    "cercle": st.sampled_from(["Kangaba", "Kati", ""]),
    "wof_id": st.integers(1, 10**9).map(str),
    "divers": cells,
}
GAZ_HEADERS = [
    ("nom", "lat", "lon"),
    ("name", "latitude", "longitude", "id", "cercle"),
    ("wof_id", "name", "lat", "lon"),
]


@PROFILE
@given(data=delimited_files(GAZ_COLUMNS, GAZ_HEADERS))
def test_gazetteer_csv_is_read_or_refused(data):
    with scratch() as folder:
        path = folder / "villages.csv"
        path.write_bytes(data)
        try:
            result = read_gazetteer(path)
        except InputError as exc:
            assert "\n" not in str(exc) and "villages.csv" in str(exc)
            return
        s = result.summary
        assert s["rows_read"] == s["accepted"] + s["rejected"] == len(result.report)
        assert sum(s["rejected_by_reason"].values()) == s["rejected"]
        assert result.frame.geom_type.eq("Point").all()


@PROFILE
@given(
    names=st.lists(st.one_of(st.none(), texts), min_size=1, max_size=5),
    kinds=st.lists(st.sampled_from(["point", "polygon", "none", "far"]), min_size=5, max_size=5),
)
def test_gazetteer_geojson_is_read_or_refused(names, kinds):
    geoms = {
        "point": shapely.Point(-8.21, 12.16),
        "polygon": REAL[0],
        "none": None,
        "far": shapely.Point(2.35, 48.85),
    }
    frame = gpd.GeoDataFrame(
        {"nom": names}, geometry=[geoms[k] for k in kinds[: len(names)]], crs=geo_settings.CRS
    )
    with scratch() as folder:
        path = folder / "villages.geojson"
        frame.to_file(path, driver="GeoJSON")
        try:
            result = read_gazetteer(path)
        except InputError as exc:
            assert "\n" not in str(exc)
            return
        s = result.summary
        assert s["rows_read"] == len(names) == s["accepted"] + s["rejected"]


# --- population ----------------------------------------------------------------------------------

counts = st.integers(0, 3_000_000).flatmap(
    lambda n: st.sampled_from(
        [str(n), f"{n:,}", f"{n:,}".replace(",", "."), f"{n:,}".replace(",", " "), f"{n}.0"]
    )
)
POP_COLUMNS = {
    "code": st.sampled_from(list(UNITS["unit_id"])),
    "nom": st.sampled_from(list(UNITS["name"])),
    "enfants": counts,
    "children": counts,
    "total": numbers,
    "h3": st.sampled_from(["87754e64dffffff", "8754e64d", ""]),
}
POP_HEADERS = [
    ("code", "enfants"),
    ("nom", "children"),
    ("code", "nom", "enfants", "total"),
    ("h3", "enfants"),
]


@PROFILE
@given(
    data=delimited_files(POP_COLUMNS, POP_HEADERS),
    level=mostly(st.just(None), st.sampled_from([1, 2])),
)
def test_population_table_is_read_or_refused(data, level):
    with scratch() as folder:
        path = folder / "population.csv"
        path.write_bytes(data)
        try:
            table = read_table(path)
            pop, report = join_population(table, UNITS, level=level, source=path.name)
        except InputError as exc:
            assert "\n" not in str(exc) and "population.csv" in str(exc)
            return
        assert len(report) == len(table)
        status = report["status"].value_counts()
        assert status.get("matched", 0) + status.get("rejected", 0) == len(report)
        assert status.get("matched", 0) == len(pop)
        assert pop["unit_id"].is_unique
        assert pop["children"].map(lambda v: math.isfinite(v) and v >= 0).all()
        assert (report.loc[report["status"] == "rejected", "reason"] != "").all()


@pytest.mark.parametrize("count", ["1.200", "1 200", "1,200"])
def test_population_example_thousands(tmp_path, count):
    """A fixed example next to the properties: the count the issue saw stored as 1.2."""
    path = tmp_path / "p.csv"
    path.write_text(f"code;enfants\nML.KK.KG;{count}\n", encoding="utf-8")
    pop, _ = join_population(read_table(path), UNITS)
    assert pop["children"].tolist() == [1200.0]
