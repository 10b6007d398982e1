"""Measure what a small write costs on a small and on a large store, now and with the old writer.

Run ``python benchmarks/bench_store.py``. It prints the date and the machine's load, then for each
store (100 rows, and a large one of about 120 MB built once in ``/tmp/zoneplan-bench-store``) and
each writer the median, min and max of a few runs of two small writes: appending 100 activity
rows and ``set_meta``. The old writer (it copied the whole GeoPackage per write) is the
``geo/store.py`` of ``OLD_REVISION``, read with ``git show``; it is skipped when git or that
revision is absent. A cost that does not grow with the store shows as close medians on the two
stores.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
from shapely import points

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.store import Store  # noqa: E402

#: The last revision whose store copied the whole file on every write.
OLD_REVISION = "f68f0c6"
CACHE = Path(tempfile.gettempdir()) / "zoneplan-bench-store"
LARGE_ROWS = 600_000
RUNS = 5


def activities(n: int, seed: int) -> gpd.GeoDataFrame:
    """Return ``n`` activity-like rows (points in Mali, text and counts)."""
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(-11, 3, n), rng.uniform(11, 24, n)
    return gpd.GeoDataFrame(
        {
            "record_id": [f"a{seed:04d}{i:012d}" for i in range(n)],
            "date": np.datetime64("2024-01-01") + rng.integers(0, 700, n).astype("timedelta64[D]"),
            "programme_id": rng.choice(["kangaba", "kenieba", "sikasso"], n),
            "place_text": [f"Village {i % 9973} (cercle de test)" for i in range(n)],
            "notes": ["séance de sensibilisation, groupe de parole " + str(i % 97) for i in range(n)],
            "girls": rng.integers(0, 40, n),
            "boys": rng.integers(0, 40, n),
        },
        geometry=points(lon, lat),
        crs="EPSG:4326",
    )


def build(path: Path, rows: int) -> Path:
    """Write a store of ``rows`` activities the way the old writer did (GDAL, with an R-tree)."""
    if not path.exists():
        tmp = path.with_suffix(".part.gpkg")
        tmp.unlink(missing_ok=True)
        pyogrio.write_dataframe(activities(rows, 0), tmp, layer="activities", driver="GPKG")
        tmp.rename(path)
    return path


def old_store_class() -> type | None:
    """Return the ``Store`` of ``OLD_REVISION``, or ``None`` when git cannot show it."""
    try:
        source = subprocess.run(
            ["git", "show", f"{OLD_REVISION}:geo/store.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = CACHE / "old_store.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("_old_store", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Store


def time_writes(store_cls: type, template: Path) -> dict[str, list[float]]:
    """Return the seconds of ``RUNS`` appends of 100 rows and ``RUNS`` ``set_meta`` on a copy."""
    work = CACHE / f"work-{store_cls.__module__}.gpkg"
    shutil.copyfile(template, work)
    store = store_cls(work)
    out: dict[str, list[float]] = {"append 100 rows": [], "set_meta": []}
    for run in range(RUNS):
        rows = activities(100, seed=1000 + run)
        t0 = time.perf_counter()
        with store.transaction() as tx:
            tx.write("activities", rows, append=True)
        out["append 100 rows"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with store.transaction() as tx:
            tx.set_meta({"bench.run": str(run)})
        out["set_meta"].append(time.perf_counter() - t0)
    expected = pyogrio.read_info(template, layer="activities")["features"] + 100 * RUNS
    assert pyogrio.read_info(work, layer="activities")["features"] == expected
    work.unlink()
    return out


def main() -> None:
    """Print the cost of small writes on a small and a large store, new writer and old."""
    CACHE.mkdir(exist_ok=True)
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"date: {dt.datetime.now().isoformat(timespec='seconds')}  load average: {load}")
    print(f"cpus: {os.cpu_count()}  runs per figure: {RUNS}")
    t0 = time.perf_counter()
    stores = {
        "small": build(CACHE / "small.gpkg", 100),
        "large": build(CACHE / f"large-{LARGE_ROWS}.gpkg", LARGE_ROWS),
    }
    print(f"stores ready in {time.perf_counter() - t0:.1f} s")
    writers = {"new": Store, "old": old_store_class()}
    for label, template in stores.items():
        size_mb = template.stat().st_size / 1e6
        print(f"{label} store: {size_mb:.1f} MB, {pyogrio.read_info(template)['features']} rows")
        for writer, cls in writers.items():
            if cls is None:
                print(f"  {writer}: skipped (git show {OLD_REVISION}:geo/store.py failed)")
                continue
            for op, values in time_writes(cls, template).items():
                print(
                    f"  {writer:<3} {op:<16} median {statistics.median(values):.3f} s "
                    f"(min {min(values):.3f}, max {max(values):.3f})"
                )


if __name__ == "__main__":
    main()
