"""Measure the app: cold start to first map, filter-change reruns, new weights, national payload.

    python benchmarks/bench_app.py                 # all, cold start median of 3 runs
    python benchmarks/bench_app.py --runs 5 --repeats 8
    python benchmarks/bench_app.py --no-browser    # reruns and payload only

Prints the date and the load average it ran under (before and after): on a shared machine the
figures hold only with the load beside them.

1. Cold start (target <= 5 s): from starting ``zoneplan app --no-browser`` (``ZONEPLAN_HOME``: a
   temporary store with the fictitious sample, and the WOF régions and cercles when
   ``../shared`` is present) to the first map's ready mark in headless Chromium (the map's own
   ``data-zp-ready``, set once its layers are drawn); the browser is already open, as a
   planner's is. Median of ``--runs`` fresh servers.
2. Reruns, server time under ``AppTest`` (target <= 0.5 s): zone and period on the access page;
   period, partner and measure on the coverage page (fictitious sample); median of
   ``--repeats`` changes each, caches warm as in a planner's session. New criteria weights
   (target <= 1.5 s): each a weight not seen before.
3. Payload (``../shared`` only): the national view with the 50 WOF cercles and the 14,957
   gazetteer points as streamlit-folium sends it and as a standalone page minus Leaflet
   (target <= 1.5 MB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
from bench_sessions import CHROMIUM_ARGS, MAP_FRAME, READY, running_app  # noqa: E402

from geo import settings  # noqa: E402
from geo.store import Store  # noqa: E402

MB = 1024 * 1024


def _has_shared() -> bool:
    return (settings.SHARED_MALI_DIR / "boundaries" / "mli_adm2_cercles_wof.geojson").exists()


def _install_cercles(store: Store) -> None:
    from geo.boundaries import read_boundaries
    from zoneplan.datastore import install_boundaries

    folder = settings.SHARED_MALI_DIR / "boundaries"
    for name in ("mli_adm1_regions_wof.geojson", "mli_adm2_cercles_wof.geojson"):
        install_boundaries(store, read_boundaries(folder / name), date="2026-01-01")


def cold_starts(home: Path, runs: int) -> list[float]:
    """Return seconds from starting ``zoneplan app`` to its first map's ready mark, per run."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                t0 = time.perf_counter()
                with running_app(home) as (url, _proc):
                    page = browser.new_page()
                    page.goto(url)  # the first page a planner sees
                    page.frame_locator(MAP_FRAME).first.locator(READY).first.wait_for(
                        state="attached", timeout=120_000
                    )
                    times.append(time.perf_counter() - t0)
                    page.close()
        finally:
            browser.close()
    return times


def _timed(at, action, repeats: int) -> float:
    """Return the median server time of ``action(at, i)`` followed by a rerun."""
    times = []
    for i in range(repeats):
        widget = action(at, i)
        t0 = time.perf_counter()
        widget.run()
        times.append(time.perf_counter() - t0)
    assert not at.exception, [e.message for e in at.exception]
    return statistics.median(times)


def rerun_times(store: Store, repeats: int = 6) -> dict[str, float]:
    """Return the median server time of filter changes (AppTest), caches warm as in a session.

    Access page: zone change, period change. Coverage page on the fictitious sample: period,
    partner and measure changes (the period slider moves to ends not seen before, so the
    coverage view is rebuilt each time). Criteria page: weights not seen before (the criteria
    computed once re-combined, then the map and the tables).
    """
    import datetime as dt

    from streamlit.testing.v1 import AppTest

    sys.argv = ["app.py", "--store", str(store.path)]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["page"] = "access"
    at.run()
    at.sidebar.selectbox(key="programme").set_value("rompre_le_silence").run()
    zones = ["bamako", "segou", "sikasso", "mopti"]
    zone_key = "zone.rompre_le_silence"
    for zone in zones:  # warm the caches once, as a planner's session would
        at.sidebar.selectbox(key=zone_key).set_value(zone).run()
    out = {
        "zone_change_s": _timed(
            at, lambda a, i: a.sidebar.selectbox(key=zone_key).set_value(zones[i % 4]), repeats
        )
    }
    slider = "period.rompre_le_silence"
    out["period_change_access_s"] = _timed(
        at,
        lambda a, i: a.sidebar.slider(key=slider).set_value(
            (dt.date(2015, 1, 1), dt.date(2016 + i % 3, 12, 31))
        ),
        repeats,
    )

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["page"] = "coverage"
    at.run()
    first = dt.date(2020, 4, 1)
    out["period_change_coverage_s"] = _timed(
        at,
        lambda a, i: a.sidebar.slider(key="period.kangaba").set_value((first, dt.date(2021, 1 + i, 28))),
        repeats,
    )
    partners = ["ACESEM", "CASE SAHEL", "ENDA Mali/RAO"]
    out["partner_change_coverage_s"] = _timed(
        at,
        lambda a, i: a.sidebar.multiselect(key="partner.kangaba").set_value([partners[i % 3]]),
        repeats,
    )
    measures = ["pct_target", "people", "sessions"]
    out["measure_change_coverage_s"] = _timed(
        at, lambda a, i: a.radio(key="coverage.measure").set_value(measures[i % 3]), repeats
    )

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["page"] = "criteria"
    at.run()
    weights = [0.5, 1.5, 2.0, 2.5, 3.0, 0.0]  # each new (1.0 is the default)
    out["criteria_new_weights_s"] = _timed(
        at,
        lambda a, i: a.slider(key=f"criteria.weight.{('border', 'gold')[i // 6 % 2]}").set_value(
            weights[i % 6]
        ),
        repeats,
    )
    return out


def national_payload(store: Store) -> dict[str, float]:
    """Return the national map's payload in MB (streamlit-folium message, standalone page)."""
    import streamlit_folium as sf

    import layers
    from geo.basemap import base_view
    from geo.render_folium import to_folium
    from geo.webmap import leaflet_assets, standalone_html

    gaz = pd.read_csv(
        settings.SHARED_MALI_DIR / "gazetteer" / "mli_localities_wof.csv", usecols=["name", "lat", "lon"]
    )
    points = gpd.GeoDataFrame(gaz, geometry=gpd.points_from_xy(gaz["lon"], gaz["lat"]), crs=settings.CRS)
    cercles = layers.load("admin", store=store, level=2)
    frames = {"borders": layers.load("borders"), "admin": cercles, "gazetteer": points}
    t0 = time.perf_counter()
    m = to_folium(base_view(frames, lang="fr"))
    m.get_root().render()
    script = sf.generate_leaflet_string(m)
    message = len(script) + len(sf._get_header(m)) + len(sf._get_html(m))
    build_s = time.perf_counter() - t0
    page = standalone_html(to_folium(base_view(frames, lang="fr")))
    assets = leaflet_assets()
    return {
        "cercles": len(cercles),
        "points": len(points),
        "build_s": build_s,
        "message_mb": message / MB,
        "page_minus_leaflet_mb": (
            len(page.encode()) - len(assets["js"].encode()) - len(assets["css"].encode())
        )
        / MB,
    }


def _load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    """Run the measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true", help="skip the cold start")
    parser.add_argument("--runs", type=int, default=3, help="cold starts (default 3)")
    parser.add_argument("--repeats", type=int, default=6, help="changes per rerun figure (default 6)")
    args = parser.parse_args()
    print(f"date: {dt.datetime.now().isoformat(timespec='seconds')}")
    print(f"load average before (1, 5, 15 min): {_load()}")
    with tempfile.TemporaryDirectory(prefix="zoneplan-bench-app-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        store = Store(home / settings.STORE_FILENAME)
        if _has_shared():
            _install_cercles(store)
        from zoneplan.sample import load_sample

        load_sample(store)  # the coverage page needs records
        if not args.no_browser:
            times = cold_starts(home, max(args.runs, 1))
            print(
                f"cold start to first map: median {statistics.median(times):.2f} s "
                f"({', '.join(f'{v:.2f}' for v in times)}; target <= 5 s)"
            )
        reruns = rerun_times(store, max(args.repeats, 1))
        print("filter change rerun, median server time (target <= 0.5 s; new weights <= 1.5 s):")
        for key, value in reruns.items():
            print(f"  {key.removesuffix('_s').replace('_', ' ')}: {value:.3f} s")
        if _has_shared():
            pay = national_payload(store)
            print(
                f"national map, {pay['cercles']} cercles + {pay['points']} points: "
                f"{pay['message_mb']:.2f} MB sent by streamlit-folium, "
                f"{pay['page_minus_leaflet_mb']:.2f} MB standalone page minus Leaflet "
                f"(target <= 1.5 MB); built in {pay['build_s']:.2f} s"
            )
        else:
            print(f"national map payload: skipped ({settings.SHARED_MALI_DIR} is absent)")
    print(f"load average after (1, 5, 15 min): {_load()}")


if __name__ == "__main__":
    main()
