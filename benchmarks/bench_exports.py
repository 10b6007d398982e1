"""Benchmark the exports: an A4 PNG at 300 dpi, a 10-page CCPE pack, the national offline HTML.

Run: ``python benchmarks/bench_exports.py``. Targets (issue 6): PNG <= 3 s, pack <= 20 s,
national HTML <= 1.5 MB. Uses the real WOF régions and cercles from ../shared/data/mali when
present (else the embedded outline only) in a temporary store.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
from pathlib import Path

# Run against this checkout even when another one is installed in the environment.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import pack as gpack  # noqa: E402
from geo import printmap, settings  # noqa: E402
from geo.boundaries import read_boundaries  # noqa: E402
from geo.render_folium import to_folium  # noqa: E402
from geo.store import Store  # noqa: E402
from geo.webmap import standalone_html  # noqa: E402
from zoneplan import exports  # noqa: E402
from zoneplan.datastore import install_boundaries  # noqa: E402
from zoneplan.maps import build_view  # noqa: E402


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench_exports_"))
    store = Store(tmp / "bench.gpkg")
    boundaries = settings.SHARED_MALI_DIR / "boundaries"
    if boundaries.is_dir():
        for name in ("mli_adm1_regions_wof.geojson", "mli_adm2_cercles_wof.geojson"):
            install_boundaries(store, read_boundaries(boundaries / name), date="2026-01-01")
    else:
        print("reference boundaries absent: national map without régions/cercles")

    view = build_view("coverage", zone="kangaba", store=store, lang="fr")
    t0 = time.perf_counter()
    printmap.render_print(view, tmp / "a4.png", fmt="png", dpi=300)
    png_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    exports.export_map("criteria", zone="kangaba", out=tmp / "criteria.png", store=store, dpi=300)
    png_full_s = time.perf_counter() - t0
    print(f"A4 PNG 300 dpi (coverage, drawing only): {png_s:.2f} s (target <= 3 s)")
    print(f"A4 PNG 300 dpi (criteria h3:8, analysis + drawing): {png_full_s:.2f} s")

    t0 = time.perf_counter()
    cover, units, page = exports.plan_pack(zone="kangaba", by="village", store=store)
    rows = [row for _, row in itertools.islice(itertools.cycle(list(units.iterrows())), 10)]
    n = gpack.render_pack(cover, (page(r) for r in rows), tmp / "pack.pdf", lang="fr", n_pages=10)
    pack_s = time.perf_counter() - t0
    print(f"CCPE pack, cover + 10 unit pages ({n} pages): {pack_s:.2f} s (target <= 20 s)")

    t0 = time.perf_counter()
    national = build_view("coverage", zone="mali", store=store, lang="fr")
    html = standalone_html(to_folium(national))
    html_s = time.perf_counter() - t0
    size_mb = len(html.encode("utf-8")) / 1e6
    print(f"national offline HTML: {size_mb:.2f} MB in {html_s:.2f} s (target <= 1.5 MB)")
    kangaba = standalone_html(to_folium(build_view("criteria", zone="kangaba", store=store)))
    print(f"Kangaba criteria offline HTML (h3:8): {len(kangaba.encode('utf-8')) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
