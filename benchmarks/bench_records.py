"""Benchmark records: aggregation of 1,000,000 rows, and the import's time and memory.

    python benchmarks/bench_records.py                   # all
    python benchmarks/bench_records.py --runs 5 --no-million --no-aggregation

Prints the date and the load average it ran under (before and after): on a shared machine the
figures hold only with the load beside them.

1. Aggregation by cercle and by H3 resolution 7 of ``--rows`` points (target <= 2 s each), with the
   ratio against a plain pandas/geopandas baseline (a spatial join, one ``h3.latlng_to_cell`` per
   row).
2. Import of a ``--csv-rows`` CSV (cp1252, ``;``, village names to match, some misspelt, some
   unknown) into a store holding the WOF régions and cercles, each run in a fresh process on a
   fresh copy of that store: median of ``--runs`` of the wall time, the CPU time, the rise of the
   resident memory over the process's size before the import (peak, sampled every 5 ms; after a
   50-row warm-up import, so the libraries' first load is not counted as the file's cost) and the
   tracked allocations (Python's, with ``tracemalloc``, plus Arrow's pools) against the file's size
   (targets: 100,000 rows in at most 3 s, memory at most 10 times the file). Then the same as a
   dry run (no store write) and a re-import (adds nothing).
3. One import of 1,000,000 rows (``--million``): time and memory the same way, read and checked in
   chunks of :data:`geo.readers.CHUNK_ROWS` rows.
4. The same import with the WOF gazetteer installed (``zoneplan data add-places``), rows naming 400
   of its villages in the five zones' cercles.

Uses the real WOF cercles and localities in ../shared/data/mali.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
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


SPELLINGS = [
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


def write_activities(path: Path, n: int, seed: int = 2) -> Path:
    """Write ``n`` activity rows as a partner would (cp1252, ``;``, French headers)."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(len(SPELLINGS), size=n)
    days = pd.Timestamp("2020-04-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    girls, boys = rng.integers(0, 30, n), rng.integers(0, 30, n)
    frame = pd.DataFrame(
        {
            "Date": days.strftime("%d/%m/%Y"),
            "Village": [SPELLINGS[i][0] for i in pick],
            "Commune": [SPELLINGS[i][1] for i in pick],
            "Activité": "Sensibilisation",
            "Partenaire": rng.choice(["CASE SAHEL", "ENDA Mali", "ACESEM"], n),
            "Filles": girls,
            "Garçons": boys,
            "Total": girls + boys,
            "Observations": rng.integers(0, 10**9, n).astype(str),
        }
    )
    frame.to_csv(path, sep=";", index=False, encoding="cp1252")
    return path


def child(path: str, store: str, mode: str, traced: bool) -> None:
    """Import ``path`` into ``store`` in this (fresh) process; print the figures as JSON."""
    import threading

    from zoneplan.records import import_file, place_matcher

    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    matcher = place_matcher(Store(store))
    if mode == "reimport":
        import_file(path, store=store, matcher=matcher, max_mb=1000)
    else:
        # Warm up: a 50-row import loads every library the import uses (GDAL's driver, pyarrow,
        # shapely...), so the rise below is what the file costs, not the code's first load.
        with open(path, "rb") as fh:
            head = b"".join(fh.readline() for _ in range(51))
        warm = Path(store).with_name("warm-up.csv")
        warm.write_bytes(head)
        import_file(warm, store=store, matcher=matcher, dry_run=mode == "dry", max_mb=1000)
    base = rss()
    peak, done = [base], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    if traced:
        import tracemalloc

        import pyarrow as pa

        # The import lends Arrow the system allocator (zoneplan.records.system_arrow_pool): count
        # the peaks of both pools.
        pools = {p.backend_name: p for p in (pa.default_memory_pool(), pa.system_memory_pool())}
        arrow0 = {name: p.max_memory() for name, p in pools.items()}
        tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    report = import_file(path, store=store, matcher=matcher, dry_run=mode == "dry", max_mb=1000)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done.set()
    thread.join()
    out = {"wall_s": wall, "cpu_s": cpu, "rss_mb": (peak[0] - base) / 1e6, **report.summary}
    if traced:
        arrow = sum(p.max_memory() - arrow0[name] for name, p in pools.items())
        out["traced_mb"] = (tracemalloc.get_traced_memory()[1] + arrow) / 1e6
    out.pop("rejected_rows")
    print(json.dumps(out, default=str))


def _run_child(path: Path, template: Path, mode: str, traced: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.gpkg"
        shutil.copyfile(template, store)
        cmd = [sys.executable, __file__, "--child", str(path), str(store), mode]
        run = subprocess.run(cmd + (["--traced"] if traced else []), capture_output=True, text=True)
        if run.returncode:
            sys.exit(f"import failed ({mode}):\n{run.stderr}")
        return json.loads(run.stdout.strip().splitlines()[-1])


def bench_import(n: int, template: Path, runs: int, million: bool) -> None:
    """Time and memory of imports run in fresh processes (see the module docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_activities(Path(tmp) / "activites.csv", n)
        size_mb = path.stat().st_size / 1e6
        results = [_run_child(path, template, "write") for _ in range(runs)]
        traced = _run_child(path, template, "write", traced=True)
        s = results[0]
        med = {k: statistics.median(r[k] for r in results) for k in ("wall_s", "cpu_s", "rss_mb")}
        print(
            f"import {n:,}-row CSV ({size_mb:.1f} MB, cp1252, ';', names to match) into the store, "
            f"median of {runs} fresh processes: {med['wall_s']:.2f} s wall, {med['cpu_s']:.2f} s CPU "
            f"(target <= 3 s); read {s['rows_read']:,} = {s['accepted']:,} accepted + "
            f"{s['rejected']:,} rejected; {s['fuzzy']:,} fuzzy"
        )
        print(
            f"  memory: resident rise {med['rss_mb']:.0f} MB = {med['rss_mb'] / size_mb:.1f} x the "
            f"file; tracked allocations (Python + Arrow) {traced['traced_mb']:.0f} MB = "
            f"{traced['traced_mb'] / size_mb:.1f} x (target <= 10 x)"
        )
        dry = [_run_child(path, template, "dry") for _ in range(runs)]
        print(
            f"  same as a dry run (no store write): {statistics.median(r['wall_s'] for r in dry):.2f} s "
            f"wall, resident rise {statistics.median(r['rss_mb'] for r in dry) / size_mb:.1f} x the file"
        )
        again = _run_child(path, template, "reimport")
        print(
            f"  re-import of the same file: {again['wall_s']:.2f} s wall, "
            f"{again['added']:,} added, {again['already_present']:,} already present"
        )
        if not million:
            return
        big = write_activities(Path(tmp) / "million.csv", 1_000_000, seed=5)
        size_mb = big.stat().st_size / 1e6
        r = _run_child(big, template, "write")
        print(
            f"import 1,000,000-row CSV ({size_mb:.0f} MB) in chunks, one run: {r['wall_s']:.1f} s "
            f"wall, {r['cpu_s']:.1f} s CPU; resident rise {r['rss_mb']:.0f} MB = "
            f"{r['rss_mb'] / size_mb:.1f} x the file; read {r['rows_read']:,} = "
            f"{r['accepted']:,} accepted + {r['rejected']:,} rejected"
        )


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
    """Run the benchmarks and print the figures, with the date and the load they ran under."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-million", dest="million", action="store_false")
    parser.add_argument("--no-aggregation", dest="aggregation", action="store_false")
    parser.add_argument("--no-gazetteer", dest="gazetteer", action="store_false")
    parser.add_argument("--child", nargs=3, metavar=("CSV", "STORE", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, traced=args.traced)
        return
    bounds = settings.SHARED_MALI_DIR / "boundaries"
    if not bounds.exists():
        sys.exit(f"reference data {bounds} is absent (expected ../shared/data/mali)")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, load average {load}")
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "bench.gpkg"
        store = Store(template)
        install_boundaries(store, read_boundaries(bounds / "mli_adm1_regions_wof.geojson"), date="bench")
        install_boundaries(store, read_boundaries(bounds / "mli_adm2_cercles_wof.geojson"), date="bench")
        if args.aggregation:
            import layers

            bench_aggregation(args.rows, layers.load("admin", store=store, level=2))
        bench_import(args.csv_rows, template, args.runs, args.million)
        if args.gazetteer:
            work = Store(Path(tmp) / "gazetteer.gpkg")
            shutil.copyfile(template, work.path)
            bench_import_gazetteer(args.csv_rows, work)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average after: {load}")


if __name__ == "__main__":
    main()
