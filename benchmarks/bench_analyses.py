"""Time the planning analyses: criteria + access on H3 grids (targets: Kangaba res 8 <= 2 s,
all of Mali res 6 <= 10 s), the four ``analyse`` verbs on Kangaba with the cercles installed
(auto units: H3 res 8; where-next target <= 1.5 s), and validate the vectorised border distance
on the Mali grid.

Run: ``python benchmarks/bench_analyses.py`` (needs ../shared/data/mali for the cercle polygon).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import layers  # noqa: E402
from geo import settings  # noqa: E402
from geo.access import access  # noqa: E402
from geo.criteria import attractive_places, criteria, read_attractiveness  # noqa: E402
from geo.distance import border_line, distance_to_km  # noqa: E402
from geo.geodesy import local_aeqd  # noqa: E402
from geo.units import h3_units  # noqa: E402


def kangaba_verbs(store) -> None:
    """Time ``analyse(verb, zone="kangaba")`` on a store with the cercles (best of 3 each)."""
    from zoneplan.analysis import analyse

    analyse("criteria", zone="kangaba", store=store)  # warm-up
    limits = {"next": 1.5}
    for verb in ("criteria", "access", "gaps", "next"):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            result = analyse(verb, zone="kangaba", store=store)
            times.append(time.perf_counter() - start)
        limit = limits.get(verb)
        verdict = (
            ""
            if limit is None
            else (f" (target <= {limit:g} s) " + ("OK" if min(times) <= limit else "TOO SLOW"))
        )
        extra = ""
        if verb == "next":
            gains = ", ".join(f"{g:.1f}" for g in result.table["marginal_gain"])
            extra = f"; {len(result.table)} sites, marginal gains {gains}"
        print(
            f"analyse {verb} kangaba (cercles installed, {result.summary['unit_count']} "
            f"{result.summary['unit_kind']} units): {min(times):.2f} s{verdict}{extra}"
        )


def main() -> None:
    """Print the timings and the border-distance check."""
    border = border_line(layers.load("borders"))
    with tempfile.TemporaryDirectory() as tmp:
        from geo.boundaries import read_boundaries
        from geo.store import Store
        from zoneplan.datastore import install_boundaries

        store = Store(Path(tmp) / "bench.gpkg")
        cercles = settings.SHARED_MALI_DIR / "boundaries" / "mli_adm2_cercles_wof.geojson"
        install_boundaries(store, read_boundaries(cercles), date="2026-01-01")
        kangaba_verbs(store)
        admin = layers.load("admin", store=store, level=2)
        places = layers.load("places", store=store)
        inputs = {
            "border": border,
            "gold_sites": layers.load("gold_sites", store=store),
            "attractive": attractive_places(read_attractiveness(settings.ATTRACTIVENESS_CSV), places),
        }
    centres = layers.load("centres")
    kangaba = admin[admin["unit_id"] == "ML.KK.KG"]
    mali = layers.load("borders").query("is_mali")
    run = dict(inputs)

    def bench(zone, res):
        start = time.perf_counter()
        units = h3_units(zone, res)
        t_units = time.perf_counter() - start
        frame = criteria(units, **run)
        t_crit = time.perf_counter() - start - t_units
        access(frame, centres)
        total = time.perf_counter() - start
        return len(units), t_units, t_crit, total - t_units - t_crit, total

    bench(kangaba, 7)  # warm-up (imports, caches)
    for label, zone, res, limit in (
        ("Kangaba cercle, H3 res 8", kangaba, 8, 2.0),
        ("all of Mali, H3 res 6", mali, 6, 10.0),
    ):
        n, tu, tc, ta, total = min((bench(zone, res) for _ in range(2)), key=lambda r: r[-1])
        verdict = "OK" if total <= limit else "TOO SLOW"
        print(
            f"{label}: {n} cells; units {tu:.2f} s + criteria {tc:.2f} s + access {ta:.2f} s "
            f"= {total:.2f} s (target <= {limit:g} s) {verdict}"
        )

    # Validate the per-tile AEQD border distance against one AEQD per point.
    units = h3_units(mali, 6)
    pts = gpd.GeoSeries(
        gpd.points_from_xy(units["centroid_lon"], units["centroid_lat"]), crs="EPSG:4326"
    )
    sample = pts.sample(300, random_state=1)
    tiled = distance_to_km(sample, border)
    ref = []
    for p in sample:
        g = gpd.GeoSeries([p, border], crs="EPSG:4326").to_crs(local_aeqd(p.x, p.y))
        ref.append(g.iloc[0].distance(g.iloc[1]) / 1000)
    err = np.abs(tiled - np.array(ref))
    print(
        f"border distance, per-tile vs per-point AEQD on 300 Mali cells: max |diff| "
        f"{err.max() * 1000:.1f} m, median {np.median(err) * 1000:.2f} m"
    )
    known = (
        layers.load("places").set_index("place_id").loc[["tombola", "koflatie", "kangaba", "sikasso"]]
    )
    got = distance_to_km(known.geometry, border)
    print(
        "known distances (km): "
        + ", ".join(f"{k} {v:.3f}" for k, v in zip(known.index, got, strict=True))
    )


if __name__ == "__main__":
    main()
