"""Measure the app: cold start to first map, a filter-change rerun, the national map's payload.

    python benchmarks/bench_app.py            # all three
    python benchmarks/bench_app.py --no-browser

1. Cold start: from ``streamlit run app.py`` to the first Leaflet feature drawn in headless
   Chromium (target <= 5 s).
2. Rerun: server time of filter changes under ``AppTest`` (target <= 0.5 s): zone and period
   on the access page; period, partner and measure on the coverage page (fictitious sample);
   new criteria weights (a new analysis, for reference).
3. Payload: the national view with the 50 WOF cercles and the 14,957 gazetteer points of
   ``../shared/data/mali`` as streamlit-folium sends it (script + header + html, without the
   Leaflet asset itself) and as a standalone page minus Leaflet (target <= 1.5 MB).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402

from geo import settings  # noqa: E402
from geo.store import Store  # noqa: E402

MB = 1024 * 1024


def _install_cercles(store: Store) -> None:
    from geo.boundaries import read_boundaries
    from zoneplan.datastore import install_boundaries

    folder = settings.SHARED_MALI_DIR / "boundaries"
    for name in ("mli_adm1_regions_wof.geojson", "mli_adm2_cercles_wof.geojson"):
        install_boundaries(store, read_boundaries(folder / name), date="2026-01-01")


def cold_start(store: Store) -> float:
    """Return seconds from starting the app to its first drawn map feature."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--",
            "--store",
            str(store.path),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=shutil.which("chromium"),
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                ],
            )
            url = f"http://127.0.0.1:{port}"
            while True:
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            page = browser.new_page()
            page.goto(url)  # the first page a planner sees
            page.frame_locator("iframe[title='streamlit_folium.st_folium']").locator(
                ".leaflet-interactive"
            ).first.wait_for(state="attached", timeout=60_000)
            elapsed = time.perf_counter() - t0
            browser.close()
    finally:
        proc.terminate()
        proc.wait()
    return elapsed


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
    coverage view is rebuilt each time). Criteria page: the first run of new weights (the
    analysis itself, run once and reused by the map and the tables).
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
    out["criteria_new_weights_s"] = _timed(
        at, lambda a, i: a.slider(key="criteria.weight.border").set_value(0.5 + 0.5 * (i % 6)), repeats
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


def main() -> None:
    """Run the measurements and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.gpkg")
        _install_cercles(store)
        from zoneplan.sample import load_sample

        load_sample(store)  # the coverage page needs records
        if not args.no_browser:
            print(f"cold start to first map: {cold_start(store):.2f} s (target <= 5 s)")
        times = rerun_times(store)
        print("filter change rerun, median server time (target <= 0.5 s):")
        for key, value in times.items():
            print(f"  {key.removesuffix('_s').replace('_', ' ')}: {value:.3f} s")
        pay = national_payload(store)
        print(
            f"national map, {pay['cercles']} cercles + {pay['points']} points: "
            f"{pay['message_mb']:.2f} MB sent by streamlit-folium, "
            f"{pay['page_minus_leaflet_mb']:.2f} MB standalone page minus Leaflet "
            f"(target <= 1.5 MB); built in {pay['build_s']:.2f} s"
        )


if __name__ == "__main__":
    main()
