"""Benchmark records: aggregation of 1,000,000 rows and import of a 100,000-row CSV.

    python benchmarks/bench_records.py [--rows 1000000] [--csv-rows 100000]

Targets (2-core machine): aggregation by cercle and by H3 resolution 7 in at most 2 s each, with
the ratio against a plain pandas/geopandas baseline printed beside it (baseline: a spatial join of
every point with the cercles, and one ``h3.latlng_to_cell`` call per row); import of a 100,000-row
CSV with place-name matching in at most 5 s. Uses the real WOF cercles in ../shared/data/mali.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import settings  # noqa: E402
from geo.aggregate import aggregate  # noqa: E402
from geo.boundaries import install, read_boundaries  # noqa: E402
from geo.store import Store  # noqa: E402


def _timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def make_records(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Return ``n`` activity rows concentrated on ~400 GPS points across Mali's towns."""
    towns = np.array([(12.60915, -7.97522), (13.44032, -6.25947), (11.31755, -5.66654),
                      (14.4843, -4.18296), (15.00605, -2.9517), (11.93333, -8.41667),
                      (11.8, -8.7), (11.68333, -8.71667)])
    sites = towns[rng.integers(len(towns), size=400)] + rng.normal(0, 0.05, size=(400, 2))
    pick = rng.integers(len(sites), size=n)
    return pd.DataFrame({"lat": sites[pick, 0], "lon": sites[pick, 1],
                         "girls": rng.integers(0, 30, n), "boys": rng.integers(0, 30, n),
                         "total": rng.integers(0, 80, n)})


def bench_aggregation(n: int, cercles: gpd.GeoDataFrame) -> None:
    rng = np.random.default_rng(1)
    recs = make_records(n, rng)
    values = ["girls", "boys", "total"]

    _, t_cercle = _timed(lambda: aggregate(recs, by="unit", units=cercles, values=values))
    _, t_h3 = _timed(lambda: aggregate(recs, by="h3", h3_resolution=7, values=values))

    def base_cercle():
        pts = gpd.GeoDataFrame(recs, geometry=gpd.points_from_xy(recs["lon"], recs["lat"]),
                               crs=settings.CRS)
        joined = gpd.sjoin(pts, cercles[["unit_id", "geometry"]], how="left",
                           predicate="within")
        return joined.groupby("unit_id")[values].sum()

    def base_h3():
        cells = [h3.latlng_to_cell(la, lo, 7) for la, lo in zip(recs["lat"], recs["lon"],
                                                                strict=True)]
        return recs.assign(h3=cells).groupby("h3")[values].sum()

    _, b_cercle = _timed(base_cercle)
    _, b_h3 = _timed(base_h3)
    print(f"aggregate {n:,} rows by cercle : {t_cercle:6.2f} s (target <= 2 s)  "
          f"baseline sjoin+groupby {b_cercle:6.2f} s  ratio x{b_cercle / t_cercle:5.1f}")
    print(f"aggregate {n:,} rows by H3 r7  : {t_h3:6.2f} s (target <= 2 s)  "
          f"baseline per-row h3   {b_h3:6.2f} s  ratio x{b_h3 / t_h3:5.1f}")


def bench_import(n: int, store: Store) -> None:
    from zoneplan.records import gazetteer, import_file

    rng = np.random.default_rng(2)
    spellings = [("Nougua", "Nouga"), ("Kofoulaté", "Kaniogo"), ("Koflatie", "Kaniogo"),
                 ("Tegue", "Kaniogo"), ("Tombolla", "Nouga"), ("Sombo", "Kaniogo"),
                 ("Kokoyo", "Nouga"), ("Danga", "Nouga"), ("Kéniégoué", "Kaniogo"),
                 ("Bamako", ""), ("Segou", ""), ("Sikaso", ""), ("Mopti", ""), ("Xyzabad", "")]
    pick = rng.integers(len(spellings), size=n)
    days = pd.Timestamp("2020-04-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    girls, boys = rng.integers(0, 30, n), rng.integers(0, 30, n)
    frame = pd.DataFrame({
        "Date": days.strftime("%d/%m/%Y"), "Village": [spellings[i][0] for i in pick],
        "Commune": [spellings[i][1] for i in pick], "Activité": "Sensibilisation",
        "Partenaire": rng.choice(["CASE SAHEL", "ENDA Mali", "ACESEM"], n),
        "Filles": girls, "Garçons": boys, "Total": girls + boys,
        "Observations": rng.integers(0, 10**9, n).astype(str)})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        frame.to_csv(path, sep=";", index=False, encoding="cp1252")
        size_mb = path.stat().st_size / 1e6
        gaz = gazetteer(store)
        report, t = _timed(lambda: import_file(path, store=store, gaz=gaz))
        s = report.summary
        print(f"import {n:,}-row CSV ({size_mb:.1f} MB, cp1252, ';', fuzzy names): {t:6.2f} s "
              f"(target <= 5 s); read {s['rows_read']:,} = {s['accepted']:,} accepted + "
              f"{s['rejected']:,} rejected; {s['fuzzy']:,} fuzzy")
        _, t_dry = _timed(lambda: import_file(path, store=store, gaz=gaz, dry_run=True))
        print(f"same import as a dry run (no GeoPackage write): {t_dry:6.2f} s")
        _, t2 = _timed(lambda: import_file(path, store=store, gaz=gaz))
        print(f"re-import of the same file (adds nothing): {t2:6.2f} s")


def main() -> None:
    """Run both benchmarks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv-rows", type=int, default=100_000)
    args = parser.parse_args()
    bounds = settings.SHARED_MALI_DIR / "boundaries"
    if not bounds.exists():
        sys.exit(f"reference data {bounds} is absent (expected ../shared/data/mali)")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.gpkg")
        install(store, read_boundaries(bounds / "mli_adm1_regions_wof.geojson"), date="bench")
        install(store, read_boundaries(bounds / "mli_adm2_cercles_wof.geojson"), date="bench")
        import layers

        cercles = layers.load("admin", store=store, level=2)
        bench_aggregation(args.rows, cercles)
        bench_import(args.csv_rows, store)


if __name__ == "__main__":
    main()
