"""Time the place-based analyses (issue 10 targets): criteria, access and gaps of Kangaba with the
14,903-locality gazetteer (<= 2 s each) and of all of Mali at cercle level (<= 5 s each).

Each figure is the median of ``--runs`` runs (min and max beside it) after one warm-up, on a store
holding the fictitious sample; the date and the load average are printed with them, since a busy
machine gives slower figures.

Run: ``python benchmarks/bench_places.py [--runs 5]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import layers  # noqa: E402
from geo.store import Store  # noqa: E402
from zoneplan.analysis import analyse  # noqa: E402
from zoneplan.sample import load_sample  # noqa: E402

TARGETS = {("kangaba", "auto"): 2.0, ("mali", "admin2"): 5.0}


def conditions() -> str:
    """Return the date, the machine's cores and its load average (1, 5, 15 min)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, load average {load}"


def main() -> None:
    """Print the median time of each verb on each zone against its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"bench_places: {conditions()}")
    print(f"gazetteer: {len(layers.load('gazetteer'))} localities")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store.gpkg")
        load_sample(store)
        for (zone, units), target in TARGETS.items():
            for verb in ("criteria", "access", "gaps"):
                analyse(verb, zone=zone, units=units, store=store)  # warm-up (caches, imports)
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    result = analyse(verb, zone=zone, units=units, store=store)
                    times.append(time.perf_counter() - start)
                med = statistics.median(times)
                verdict = "OK" if med <= target else "TOO SLOW"
                print(
                    f"{verb:<8} {zone:<8} ({result.summary['unit_count']} units, "
                    f"{result.summary['place_count']} places): median {med:.2f} s "
                    f"(min {min(times):.2f}, max {max(times):.2f}, {args.runs} runs; "
                    f"target <= {target:g} s) {verdict}"
                )
    print(f"done: {conditions()}")


if __name__ == "__main__":
    main()
