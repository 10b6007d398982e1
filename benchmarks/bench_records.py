"""Benchmark records: aggregation of 1,000,000 rows and import of a 100,000-row CSV.

    python benchmarks/bench_records.py [--rows 1000000] [--csv-rows 100000]

Targets (2-core machine): aggregation by cercle and by H3 resolution 7 in at most 2 s each, with
the ratio against a plain pandas/geopandas baseline printed beside it (baseline: a spatial join of
every point with the cercles, and one ``h3.latlng_to_cell`` call per row); import of a 100,000-row
CSV with place-name matching in at most 5 s, then the same with the WOF gazetteer installed
(``zoneplan data add-places``) and rows naming 400 of its villages in the five zones' cercles.
Uses the real WOF cercles and localities in ../shared/data/mali.
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
from geo.boundaries import read_boundaries  # noqa: E402
from geo.store import Store  # noqa: E402
from zoneplan.datastore import install_boundaries  # noqa: E402


def _timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def make_records(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Return ``n`` activity rows concentrated on ~400 GPS points across Mali's towns."""
    towns = np.array(
        [
            (12.60915, -7.97522),
            (13.44032, -6.25947),
            (11.31755, -5.66654),
            (14.4843, -4.18296),
            (15.00605, -2.9517),
            (11.93333, -8.41667),
            (11.8, -8.7),
            (11.68333, -8.71667),
        ]
    )
    sites = towns[rng.integers(len(towns), size=400)] + rng.normal(0, 0.05, size=(400, 2))
    pick = rng.integers(len(sites), size=n)
    return pd.DataFrame(
        {
            "lat": sites[pick, 0],
            "lon": sites[pick, 1],
            "girls": rng.integers(0, 30, n),
            "boys": rng.integers(0, 30, n),
            "total": rng.integers(0, 80, n),
        }
    )


def bench_aggregation(n: int, cercles: gpd.GeoDataFrame) -> None:
    rng = np.random.default_rng(1)
    recs = make_records(n, rng)
    values = ["girls", "boys", "total"]

    _, t_cercle = _timed(lambda: aggregate(recs, by="unit", units=cercles, values=values))
    _, t_h3 = _timed(lambda: aggregate(recs, by="h3", h3_resolution=7, values=values))

    def base_cercle():
        pts = gpd.GeoDataFrame(
            recs, geometry=gpd.points_from_xy(recs["lon"], recs["lat"]), crs=settings.CRS
        )
        joined = gpd.sjoin(pts, cercles[["unit_id", "geometry"]], how="left", predicate="within")
        return joined.groupby("unit_id")[values].sum()

    def base_h3():
        cells = [h3.latlng_to_cell(la, lo, 7) for la, lo in zip(recs["lat"], recs["lon"], strict=True)]
        return recs.assign(h3=cells).groupby("h3")[values].sum()

    _, b_cercle = _timed(base_cercle)
    _, b_h3 = _timed(base_h3)
    print(
        f"aggregate {n:,} rows by cercle : {t_cercle:6.2f} s (target <= 2 s)  "
        f"baseline sjoin+groupby {b_cercle:6.2f} s  ratio x{b_cercle / t_cercle:5.1f}"
    )
    print(
        f"aggregate {n:,} rows by H3 r7  : {t_h3:6.2f} s (target <= 2 s)  "
        f"baseline per-row h3   {b_h3:6.2f} s  ratio x{b_h3 / t_h3:5.1f}"
    )


def bench_import(n: int, store: Store) -> None:
    from zoneplan.records import import_file, place_matcher

    rng = np.random.default_rng(2)
    spellings = [
        ("Nougua", "Nouga"),
        ("Kofoulaté", "Kaniogo"),
        ("Koflatie", "Kaniogo"),
        ("Tegue", "Kaniogo"),
        ("Tombolla", "Nouga"),
        ("Sombo", "Kaniogo"),
        ("Kokoyo", "Nouga"),
        ("Danga", "Nouga"),
        ("Kéniégoué", "Kaniogo"),
        ("Bamako", ""),
        ("Segou", ""),
        ("Sikaso", ""),
        ("Mopti", ""),
        ("Xyzabad", ""),
    ]
    pick = rng.integers(len(spellings), size=n)
    days = pd.Timestamp("2020-04-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    girls, boys = rng.integers(0, 30, n), rng.integers(0, 30, n)
    frame = pd.DataFrame(
        {
            "Date": days.strftime("%d/%m/%Y"),
            "Village": [spellings[i][0] for i in pick],
            "Commune": [spellings[i][1] for i in pick],
            "Activité": "Sensibilisation",
            "Partenaire": rng.choice(["CASE SAHEL", "ENDA Mali", "ACESEM"], n),
            "Filles": girls,
            "Garçons": boys,
            "Total": girls + boys,
            "Observations": rng.integers(0, 10**9, n).astype(str),
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        frame.to_csv(path, sep=";", index=False, encoding="cp1252")
        size_mb = path.stat().st_size / 1e6
        matcher = place_matcher(store)
        report, t = _timed(lambda: import_file(path, store=store, matcher=matcher))
        s = report.summary
        print(
            f"import {n:,}-row CSV ({size_mb:.1f} MB, cp1252, ';', fuzzy names): {t:6.2f} s "
            f"(target <= 5 s); read {s['rows_read']:,} = {s['accepted']:,} accepted + "
            f"{s['rejected']:,} rejected; {s['fuzzy']:,} fuzzy"
        )
        _, t_dry = _timed(lambda: import_file(path, store=store, matcher=matcher, dry_run=True))
        print(f"same import as a dry run (no GeoPackage write): {t_dry:6.2f} s")
        _, t2 = _timed(lambda: import_file(path, store=store, matcher=matcher))
        print(f"re-import of the same file (adds nothing): {t2:6.2f} s")


def bench_import_gazetteer(n: int, store: Store) -> None:
    """Import ``n`` rows naming gazetteer villages (exact, misspelt, ambiguous, unknown)."""
    import layers
    from geo.gazetteer import read_gazetteer
    from zoneplan.datastore import install_gazetteer
    from zoneplan.records import import_file, place_matcher

    wof = settings.SHARED_MALI_DIR / "gazetteer" / "mli_localities_wof.csv"
    if not wof.exists():
        print(f"gazetteer variant skipped: {wof} is absent")
        return
    borders = layers.load("borders")
    gf, t_read = _timed(
        lambda: read_gazetteer(
            wof,
            units=layers.load("admin", store=store),
            outline=borders.loc[borders["is_mali"]].union_all(),
        )
    )
    _, t_install = _timed(lambda: install_gazetteer(store, gf))
    print(
        f"add-places WOF gazetteer: read+check {gf.summary['rows_read']:,} rows {t_read:6.2f} s, "
        f"store write {t_install:6.2f} s ({len(gf.frame):,} accepted)"
    )
    rng = np.random.default_rng(3)
    zone_cercles = ["Bamako", "Segou", "Sikasso", "Mopti", "Kangaba"]
    pool = gf.frame[gf.frame["admin2"].isin(zone_cercles)]
    villages = pool.iloc[rng.choice(len(pool), size=400, replace=False)]
    spellings = [
        (name, "", cercle) for name, cercle in zip(villages["name"], villages["admin2"], strict=True)
    ]
    # One in ten misspelt (a letter dropped), a few without a cercle, programme places, unknowns.
    spellings += [
        (name[:2] + name[3:], "", cercle) for name, _, cercle in spellings[:40] if len(name) > 5
    ]
    spellings += [(name, "", "") for name, _, _ in spellings[:20]]
    spellings += [
        ("Nougua", "Nouga", ""),
        ("Tegue", "", "Kangaba"),
        ("Tegue", "", "Bankass"),
        ("Kofoulaté", "Kaniogo", ""),
        ("Xyzabad", "", "Kangaba"),
    ]
    pick = rng.integers(len(spellings), size=n)
    days = pd.Timestamp("2020-04-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    girls, boys = rng.integers(0, 30, n), rng.integers(0, 30, n)
    frame = pd.DataFrame(
        {
            "Date": days.strftime("%d/%m/%Y"),
            "Village": [spellings[i][0] for i in pick],
            "Commune": [spellings[i][1] for i in pick],
            "Cercle": [spellings[i][2] for i in pick],
            "Activité": "Sensibilisation",
            "Partenaire": rng.choice(["CASE SAHEL", "ENDA Mali", "ACESEM"], n),
            "Filles": girls,
            "Garçons": boys,
            "Total": girls + boys,
            "Observations": rng.integers(0, 10**9, n).astype(str),
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "villages.csv"
        frame.to_csv(path, sep=";", index=False, encoding="utf-8")
        matcher, t_gaz = _timed(lambda: place_matcher(store))
        print(
            f"build the matching gazetteer (places + units + {len(matcher.localities):,} "
            f"localities): {t_gaz:6.2f} s"
        )
        report, t = _timed(lambda: import_file(path, store=store, matcher=matcher, dry_run=True))
        s = report.summary
        src = report.rows["match_source"].value_counts().to_dict()
        print(
            f"import {n:,}-row CSV naming {len(set(spellings)):,} distinct villages, WOF "
            f"gazetteer installed (dry run): {t:6.2f} s (target <= 5 s); read "
            f"{s['rows_read']:,} = {s['accepted']:,} accepted + {s['rejected']:,} rejected; "
            f"{s['fuzzy']:,} fuzzy; by source {src}"
        )
        report, t_full = _timed(lambda: import_file(path, store=store))
        print(
            f"same import written to the store, gazetteer built inside: {t_full:6.2f} s (target <= 5 s)"
        )


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
        install_boundaries(store, read_boundaries(bounds / "mli_adm1_regions_wof.geojson"), date="bench")
        install_boundaries(store, read_boundaries(bounds / "mli_adm2_cercles_wof.geojson"), date="bench")
        import layers

        cercles = layers.load("admin", store=store, level=2)
        bench_aggregation(args.rows, cercles)
        bench_import(args.csv_rows, store)
        bench_import_gazetteer(args.csv_rows, store)


if __name__ == "__main__":
    main()
