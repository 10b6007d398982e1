"""Measure several planners at once: sessions of one ``zoneplan app`` drawing their first map.

    python benchmarks/bench_sessions.py                 # 1 session, then 8 at once
    python benchmarks/bench_sessions.py --sessions 4 --timeout 90

Starts ``zoneplan app --no-browser --port P`` on a temporary store holding the fictitious sample
(``ZONEPLAN_HOME``), then drives the system Chromium (headless, Playwright): a first session on
the fresh server (its caches empty), one more session alone, then ``--sessions`` browser
contexts at once. Each session is timed from opening the app's URL to the map's own ready mark
(``data-zp-ready`` on the Leaflet container, set once its layers are drawn), within ``--timeout``
seconds, and by the server's answer (from the page's connection to the message carrying the
map). Prints the date, the load average, each session's time, their median, the CPU time the
server and the browsers used (on one machine the browsers compete with the server), and the
server's peak memory (``VmHWM`` of ``/proc/<pid>/status``). Targets: every concurrent session
within twice the time of one session alone; the server under 1 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The component's frame and the map's ready mark inside it (see ``zoneplan.ui.mapframe``).
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
READY_ATTR = "data-zp-ready"
READY = f".leaflet-container[{READY_ATTR}]"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
MB = 1024 * 1024
#: The targets: concurrent sessions within this many times one session alone; server memory.
CONCURRENT_FACTOR = 2.0
MEMORY_LIMIT_MB = 1024


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample_home(folder: Path) -> Path:
    """Return ``ZONEPLAN_HOME`` in ``folder`` with the fictitious sample loaded in its store."""
    from geo import settings
    from geo.store import Store
    from zoneplan.sample import load_sample

    home = folder / "home"
    home.mkdir(parents=True, exist_ok=True)
    load_sample(Store(home / settings.STORE_FILENAME))
    return home


@contextlib.contextmanager
def running_app(home: Path, *, start_timeout: float = 90.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``zoneplan app --no-browser`` on the store in ``home``; yield its URL and process.

    The clock of a cold start begins before this is entered: the server's start is part of it.
    """
    from geo import settings

    port = free_port()
    env = {**os.environ, settings.STORE_ENV_VAR: str(home)}
    log = (home / "app.log").open("wb")
    proc = subprocess.Popen(
        ["zoneplan", "app", "--no-browser", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the app did not start: {(home / 'app.log').read_text()[-2000:]}"
                    ) from None
                time.sleep(0.05)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """Return the CPU time (user + system) process ``pid`` used so far, in seconds.

    ``children`` adds its waited-for children's; 0 when the process is gone.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def browser_cpu_seconds() -> float:
    """Return the CPU time used so far by the Chromium processes this benchmark started."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])

    def ours(pid: int) -> bool:
        seen = 0
        while pid > 1 and seen < 64:
            if pid == os.getpid():
                return True
            pid, seen = parents.get(pid, 0), seen + 1
        return False

    total = 0.0
    for pid in parents:
        with contextlib.suppress(OSError):
            if ours(pid) and b"chromium" in Path(f"/proc/{pid}/cmdline").read_bytes():
                total += cpu_seconds(pid, children=True)
    return total


def peak_rss_mb(pid: int) -> float | None:
    """Return the peak resident memory of process ``pid`` in MB (``VmHWM``), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MB
    except OSError:
        return None
    return None


async def _session(browser, url: str, timeout_s: float) -> tuple[float | None, float | None]:
    """Open the app in a new browser context; return seconds to the map's ready mark and the
    server's answer (from the page's connection to the message carrying the map); None: timeout.
    """
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    marks: dict[str, float] = {}

    def on_socket(socket) -> None:
        marks.setdefault("open", time.perf_counter())

        def on_frame(payload) -> None:
            body = payload if isinstance(payload, bytes) else str(payload).encode()
            if "map" not in marks and READY_ATTR.encode() in body:
                marks["map"] = time.perf_counter()

        socket.on("framereceived", on_frame)

    try:
        page = await context.new_page()
        page.on("websocket", on_socket)
        t0 = time.perf_counter()
        await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        left = max(timeout_s - (time.perf_counter() - t0), 1.0)
        ready = page.frame_locator(MAP_FRAME).first.locator(READY).first
        await ready.wait_for(state="attached", timeout=left * 1000)
        answer = marks["map"] - marks["open"] if {"open", "map"} <= set(marks) else None
        return time.perf_counter() - t0, answer
    except Exception:  # noqa: BLE001 - a session that does not draw is counted, not fatal
        return None, None
    finally:
        await context.close()


async def measure(url: str, server: int, *, sessions: int, timeout_s: float) -> dict[str, object]:
    """Return the first session's time, one session's alone, and ``sessions`` at once.

    With the CPU seconds the ``server`` process and the browser used for the lone session and
    for the concurrent ones: on one machine, the browsers compete with the server.
    """
    from playwright.async_api import async_playwright

    def cpu() -> tuple[float, float]:
        return cpu_seconds(server), browser_cpu_seconds()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            first = await _session(browser, url, timeout_s)
            before = cpu()
            alone = await _session(browser, url, timeout_s)
            between = cpu()
            together = await asyncio.gather(
                *(_session(browser, url, timeout_s) for _ in range(sessions))
            )
            after = cpu()
        finally:
            await browser.close()
    return {
        "first": first[0],
        "alone": alone[0],
        "together": [drawn for drawn, _ in together],
        "answer_alone": alone[1],
        "answers": [answer for _, answer in together],
        "cpu_alone": tuple(b - a for a, b in zip(before, between, strict=True)),
        "cpu_together": tuple(b - a for a, b in zip(between, after, strict=True)),
    }


def _fmt(value: float | None) -> str:
    return "timeout" if value is None else f"{value:.2f} s"


def main() -> None:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8, help="concurrent sessions (default 8)")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds each session may take (default 120)"
    )
    args = parser.parse_args()
    if not 1 <= args.sessions <= 32:
        parser.error("--sessions: expected 1 to 32")
    print(f"date: {dt.datetime.now().isoformat(timespec='seconds')}")
    print(f"load average before (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="zoneplan-sessions-") as tmp:
        home = sample_home(Path(tmp))
        with running_app(home) as (url, proc):
            got = asyncio.run(measure(url, proc.pid, sessions=args.sessions, timeout_s=args.timeout))
            peak = peak_rss_mb(proc.pid)
    print(f"load average after (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    together = got["together"]
    drawn = [v for v in together if v is not None]
    print(f"first session on the fresh server: {_fmt(got['first'])}")
    print(f"one session alone (caches warm): {_fmt(got['alone'])}")
    print(f"{args.sessions} sessions at once: " + ", ".join(_fmt(v) for v in together))
    if drawn:
        print(
            f"  median {statistics.median(drawn):.2f} s, slowest {max(drawn):.2f} s, "
            f"{len(drawn)}/{len(together)} drew their map within {args.timeout:.0f} s"
        )
    answers = [v for v in got["answers"] if v is not None]
    if answers:
        print(
            f"  server's answer (connection to map message): alone {_fmt(got['answer_alone'])}; "
            f"at once median {statistics.median(answers):.2f} s, slowest {max(answers):.2f} s"
        )
    alone = got["alone"]
    if alone is not None and drawn:
        ok = len(drawn) == len(together) and max(drawn) <= CONCURRENT_FACTOR * alone
        print(
            f"  slowest / alone: {max(drawn) / alone:.2f} "
            f"(target <= {CONCURRENT_FACTOR:.0f}): {'met' if ok else 'NOT met'}"
        )
    for label, key in (("one session alone", "cpu_alone"), (f"{args.sessions} at once", "cpu_together")):
        server_s, browser_s = got[key]
        print(f"CPU time, {label}: server {server_s:.1f} s, browser (Chromium) {browser_s:.1f} s")
    if peak is not None:
        print(
            f"server peak memory (VmHWM): {peak:.0f} MB (target <= {MEMORY_LIMIT_MB} MB): "
            f"{'met' if peak <= MEMORY_LIMIT_MB else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
