"""Benchmark a CCPE pack and what the fictitious-data watermark and the context layers cost.

Run: ``python benchmarks/bench_packs.py [--runs N]``. Prints the date, the load average and the
median of ``N`` runs (default 5) of:

- a cover plus 10 unit pages of a Kangaba pack (the sample loaded), per page: target <= 0.5 s;
- single maps (A4 PNG at 200 dpi, PDF, SVG, offline HTML) with and without the watermark (the
  fictitious-data mark, switched off by hiding the sample's records from the view builder) and
  with and without the context layers (rivers, lakes, towns): each must add at most 10 % to the
  export's time and size. Measured on the whole export (``zoneplan export map``: view built,
  drawn, written), then on the drawing and writing of one built view alone. Both variants run
  in turn (so a change in the machine's load hits both); times are CPU times, which other
  people's work on a shared machine disturbs less than wall time, and the verdict compares the
  least of the runs (the median and the median wall time are printed too).

Works offline in a temporary store with the fictitious sample; the real WOF régions and cercles
are installed from ../shared/data/mali when present.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import datetime as dt
import io
import itertools
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

# Run against this checkout even when another one is installed in the environment.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import pack as gpack  # noqa: E402
from geo import printmap, settings  # noqa: E402
from geo.boundaries import read_boundaries  # noqa: E402
from geo.landmarks import NATURAL_KEYS  # noqa: E402
from geo.render_folium import to_folium  # noqa: E402
from geo.store import Store  # noqa: E402
from geo.webmap import standalone_html  # noqa: E402
from zoneplan import exports  # noqa: E402
from zoneplan.datastore import install_boundaries  # noqa: E402
from zoneplan.maps import build_view  # noqa: E402
from zoneplan.sample import load_sample  # noqa: E402

PAGES = 10
#: Largest share the watermark or the context layers may add to an export's time or size.
MAX_EXTRA = 0.10


def _paired(fns, runs: int) -> list[tuple[float, float, float, object]]:
    """Run each of ``fns`` in turn ``runs`` times; return each one's median and least CPU time,
    its median wall time and its last output."""
    cpu: list[list[float]] = [[] for _ in fns]
    wall: list[list[float]] = [[] for _ in fns]
    out: list[object] = [None for _ in fns]
    for _ in range(runs):
        for i, fn in enumerate(fns):
            c0, t0 = time.process_time(), time.perf_counter()
            out[i] = fn()
            cpu[i].append(time.process_time() - c0)
            wall[i].append(time.perf_counter() - t0)
    return [
        (statistics.median(c), min(c), statistics.median(w), o)
        for c, w, o in zip(cpu, wall, out, strict=True)
    ]


def _write(view, fmt: str) -> bytes:
    if fmt == "html":
        return standalone_html(to_folium(view, number="ZP-KGB-001 v1", north=True)).encode("utf-8")
    buf = io.BytesIO()
    printmap.render_print(view, buf, fmt=fmt, number="ZP-KGB-001 v1")
    return buf.getvalue()


def _without_watermark(view):
    return dataclasses.replace(view, disclosure=dataclasses.replace(view.disclosure, fictitious=False))


def _without_context(view):
    return dataclasses.replace(view, layers=[lyr for lyr in view.layers if lyr.key not in NATURAL_KEYS])


def _store(tmp: Path) -> Store:
    store = Store(tmp / "bench.gpkg")
    boundaries = settings.SHARED_MALI_DIR / "boundaries"
    if boundaries.is_dir():
        for name in ("mli_adm1_regions_wof.geojson", "mli_adm2_cercles_wof.geojson"):
            install_boundaries(store, read_boundaries(boundaries / name), date="2026-01-01")
    else:
        print("reference boundaries absent: embedded régions and cercles only")
    load_sample(store)
    return store


def bench_pack(store: Store, runs: int) -> None:
    """Time a cover + 10-page pack, whole and per page (plan, views and drawing included)."""

    def run() -> int:
        cover, units, page = exports.plan_pack(zone="kangaba", by="village", store=store)
        rows = [row for _, row in itertools.islice(itertools.cycle(list(units.iterrows())), PAGES)]
        return gpack.render_pack(
            cover,
            (page(r) for r in rows),
            io.BytesIO(),
            lang="fr",
            n_pages=PAGES,
            map_number="ZP-KGB-012 v1",
        )

    run()  # warm the caches (layers, fonts), as the app and a second CLI call have them
    ((cpu, _least, wall, n),) = _paired([run], runs)
    verdict = "ok" if wall / n <= 0.5 else "OVER"
    print(
        f"CCPE pack, cover + {PAGES} pages ({n} pages): {wall:.2f} s wall, {cpu:.2f} s CPU; "
        f"per page {wall / n:.2f} s wall, {cpu / n:.2f} s CPU (target <= 0.50 s: {verdict})"
    )


def _calls(fn) -> int:
    """Return how many Python function calls ``fn()`` makes."""
    profile = cProfile.Profile()
    profile.runcall(fn)
    return pstats.Stats(profile).total_calls


def _line(fmt: str, what: str, with_: tuple, without: tuple, extra: str = "") -> None:
    (c1, m1, w1, b1), (c0, m0, w0, b0) = with_, without
    dt_pct, dm_pct = 100 * (c1 - c0) / c0, 100 * (m1 - m0) / m0
    ds_pct = 100 * (len(b1) - len(b0)) / len(b0)
    flag = "" if max(dm_pct, ds_pct) <= 100 * MAX_EXTRA else "  OVER"
    print(
        f"{fmt:<6}{what:<10}"
        f"{c1:>5.2f} {m1:>5.2f} ({w1:5.2f}) {len(b1) / 1e3:>4.0f} kB"
        f"{c0:>6.2f} {m0:>5.2f} ({w0:5.2f}) {len(b0) / 1e3:>4.0f} kB"
        f"{dt_pct:>7.1f}%{dm_pct:>7.1f}%{ds_pct:>7.1f}%{extra}{flag}"
    )


@contextlib.contextmanager
def _switched_off(what: str):
    """Build views without the fictitious mark, or without rivers, lakes and towns."""
    if what == "watermark":  # the mark follows the store's fictitious records
        with mock.patch.object(exports.zmaps, "fictitious_counts", lambda store: {}):
            yield
    else:  # the context layers are built once per store version: taken out of each view
        build = exports.zmaps.build_view
        with mock.patch.object(
            exports.zmaps, "build_view", lambda *a, **k: _without_context(build(*a, **k))
        ):
            yield


def _export(store: Store, out: Path, fmt: str, *, bare: str = "") -> bytes:
    """Run the whole export (view built, drawn and written) as ``zoneplan export map`` does."""
    with _switched_off(bare) if bare else contextlib.nullcontext():
        exports.export_map("coverage", zone="kangaba", out=out, fmt=fmt, store=store)
    return out.read_bytes()


def bench_extras(store: Store, runs: int, tmp: Path) -> None:
    """Time and size each format with and without the watermark and the context layers.

    First the whole export (view built from the store, drawn, written), then the drawing and
    writing alone of one built view.
    """
    view = build_view("coverage", zone="kangaba", store=store, lang="fr")
    assert view.disclosure.fictitious, "the sample should be loaded"
    assert any(lyr.key in NATURAL_KEYS for lyr in view.layers), "no context layer in the view"
    print("times: CPU s, median then least of the runs (median wall s); + is what the watermark")
    print("or the context layers add: to the median CPU time, the least CPU time (the verdict: the")
    print("run least disturbed by other work on a shared machine) and the file's size")
    head = f"{'export':<6}{'what':<10}{'with':>27}{'without':>28}{'med +':>8}{'least +':>8}{'size +':>8}"
    head += "  calls +"  # the drawing alone
    print(head)
    print("whole export (zoneplan export map --view coverage --zone kangaba):")
    for fmt in ("png", "pdf", "svg", "html"):
        out = tmp / f"map.{fmt}"
        _export(store, out, fmt)  # warm-up
        for what in ("watermark", "context"):
            with_, without = _paired(
                [
                    lambda f=fmt, o=out: _export(store, o, f),
                    lambda f=fmt, o=out, w=what: _export(store, o, f, bare=w),
                ],
                runs,
            )
            _line(fmt, what, with_, without)
    print("drawing and writing one built view (calls +: Python function calls, which do not")
    print("depend on the machine's load; rasterising and compressing are not counted):")
    for fmt in ("png", "pdf", "svg", "html"):
        _write(view, fmt)  # warm-up
        for what, bare in (("watermark", _without_watermark), ("context", _without_context)):
            other = bare(view)
            with_, without = _paired(
                [lambda v=view, f=fmt: _write(v, f), lambda v=other, f=fmt: _write(v, f)], runs
            )
            n1, n0 = (
                _calls(lambda v=view, f=fmt: _write(v, f)),
                _calls(lambda v=other, f=fmt: _write(v, f)),
            )
            _line(fmt, what, with_, without, f"{100 * (n1 - n0) / n0:>7.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    args = parser.parse_args()
    print(f"date: {dt.datetime.now().isoformat(timespec='seconds')}")
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"cores: {os.cpu_count()}; median of {args.runs} runs")
    with tempfile.TemporaryDirectory(prefix="bench_packs_") as tmp:
        store = _store(Path(tmp))
        bench_pack(store, args.runs)
        bench_extras(store, args.runs, Path(tmp))


if __name__ == "__main__":
    main()
