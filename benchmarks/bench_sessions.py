"""Measure several planners at once: sessions of one ``zoneplan app`` drawing their first map.

    python benchmarks/bench_sessions.py                 # 8 sessions, 3 rounds
    python benchmarks/bench_sessions.py --sessions 4 --rounds 5 --no-reference

Starts ``zoneplan app --no-browser --port P`` on a temporary store holding the fictitious sample
(``ZONEPLAN_HOME``) and drives the system Chromium (headless, Playwright). Each session is timed
from opening the app's URL to the map's own ready mark (``data-zp-ready`` on the Leaflet
container, set once its layers are drawn), within ``--timeout`` seconds. Prints the date, the load
average, the times, the CPU time of the server and of the browsers, and the server's peak memory
(``VmHWM``). Targets: each of 8 sessions opened at once draws its first map within twice the time
of one session alone; the server under 1 GB.

1. **One session alone** (after a first one on the fresh server): median of ``--alone`` sessions.
   The browser's requests (the page, its script and font files, the map component) and what it
   sent on its connection (the request to run the page) are recorded.
2. **Planners on their own machines** (the target): ``--sessions`` sessions at once on the one
   server, of which one is a real Chromium session timed to its map's ready mark and the others
   replay what a browser asks of the server (the same files on six kept-alive connections, then
   the same run request, read to the end of the run). Planners' browsers draw on their own
   computers; here the replaying clients stand for them, so the server serves ``--sessions``
   sessions while only one browser draws. Repeated ``--rounds`` times. Each replaying session's
   first map is its time to the map message plus the browser's own share measured alone (the
   lone session's time minus a lone replay's).
3. **Every browser on this machine**: ``--sessions`` Chromium contexts at once, for the record. On
   a machine with few cores the browsers' own drawing (about 2 s of CPU each) competes with the
   server; ``--reference`` (default) runs the same on a one-line Streamlit page, which shows what
   any Streamlit app gets here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import http.client
import ipaddress
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The component's frame and the map's ready mark inside it (see ``zoneplan.ui.mapframe``).
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
READY_ATTR = "data-zp-ready"
READY = f".leaflet-container[{READY_ATTR}]"
#: The page's websocket (what a browser asks the page to run through).
STREAM = "/_stcore/stream"
#: The reference page's only text.
REFERENCE_TEXT = "Page de référence"
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
        _wait_healthy(url, proc, lambda: (home / "app.log").read_text()[-2000:], start_timeout)
        yield url, proc
    finally:
        _stop(proc)
        log.close()


def _stop(proc: subprocess.Popen) -> None:
    """Stop a server: SIGTERM, then SIGKILL after 30 s."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait_healthy(url: str, proc: subprocess.Popen, log, timeout_s: float = 90.0) -> None:
    """Wait until the server at ``url`` answers its health check; raise with ``log()`` if it dies."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start: {log()}") from None
            time.sleep(0.05)


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


@dataclasses.dataclass
class Recording:
    """What one browser asked of the server: the files it fetched and the frames it sent."""

    files: list[str] = dataclasses.field(default_factory=list)
    frames: list[bytes] = dataclasses.field(default_factory=list)


async def _session(
    browser,
    url: str,
    timeout_s: float,
    ready: str = READY,
    record: Recording | None = None,
) -> float | None:
    """Open ``url`` in a new browser context; return seconds until ``ready`` is in the map's
    frame (or, with ``ready`` not the map's mark, in the page), None on timeout. ``record``
    collects the requests and websocket frames the browser sent.
    """
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        if record is not None:

            def on_request(request) -> None:
                if request.method == "GET" and request.url.startswith(url) and STREAM not in request.url:
                    record.files.append(request.url)

            def on_socket(socket) -> None:
                socket.on(
                    "framesent",
                    lambda p: record.frames.append(p if isinstance(p, bytes) else p.encode()),
                )

            page.on("request", on_request)
            page.on("websocket", on_socket)
        t0 = time.perf_counter()
        await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        left = max(timeout_s - (time.perf_counter() - t0), 1.0)
        if ready == READY:
            target = page.frame_locator(MAP_FRAME).first.locator(READY).first
        else:
            target = page.get_by_text(ready, exact=True).first
        await target.wait_for(state="attached", timeout=left * 1000)
        return time.perf_counter() - t0
    except Exception:  # noqa: BLE001 - a session that does not draw is counted, not fatal
        return None
    finally:
        await context.close()


def _fetch(addresses: list[str]) -> int:
    """Fetch ``addresses`` one after the other on one kept-alive connection, as a browser does."""
    parts = urllib.parse.urlsplit(addresses[0])
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    size = 0
    try:
        for address in addresses:
            parts = urllib.parse.urlsplit(address)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"})
            size += len(connection.getresponse().read())
    finally:
        connection.close()
    return size


async def replay(url: str, rec: Recording, timeout_s: float) -> float | None:
    """Ask the server what the recorded browser asked; return seconds to the map's message.

    The files first (on six kept-alive connections, as a browser does), then the websocket: the
    recorded frames sent, the server's messages read until the run finishes (as a browser would,
    so the server does the whole run). None: the map did not come within ``timeout_s``.
    """
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    async def run() -> float | None:
        t0 = time.perf_counter()
        await asyncio.gather(*(asyncio.to_thread(_fetch, rec.files[i::6]) for i in range(6)))
        mapped = None
        async with connect(
            url.replace("http", "ws", 1) + STREAM,
            subprotocols=["streamlit"],
            origin=url,
            max_size=None,
            compression=None,
        ) as socket:
            for frame in rec.frames:
                await socket.send(frame)
            while True:
                data = await socket.recv()
                if mapped is None and READY_ATTR.encode() in data:
                    mapped = time.perf_counter() - t0
                message = ForwardMsg()
                message.ParseFromString(data)
                if message.WhichOneof("type") == "script_finished":
                    return mapped

    try:
        return await asyncio.wait_for(run(), timeout_s)
    except Exception:  # noqa: BLE001 - a session that does not answer is counted, not fatal
        return None


async def measure(
    url: str,
    server: int,
    *,
    sessions: int,
    rounds: int,
    alone_runs: int,
    timeout_s: float,
    chromiums: bool,
) -> dict[str, object]:
    """Return the lone sessions' times, the shared-server rounds and (``chromiums``) the all-browser run.

    With the CPU seconds the ``server`` process and the browsers used in each part.
    """
    from playwright.async_api import async_playwright

    def cpu() -> tuple[float, float, float]:
        return cpu_seconds(server), browser_cpu_seconds(), cpu_seconds(os.getpid())

    def spent(before: tuple[float, ...]) -> tuple[float, ...]:
        return tuple(b - a for a, b in zip(before, cpu(), strict=True))

    got: dict[str, object] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            got["first"] = await _session(browser, url, timeout_s)
            rec = Recording()
            before = cpu()
            alone = [
                await _session(browser, url, timeout_s, record=rec if not i else None)
                for i in range(alone_runs)
            ]
            got["cpu_alone"] = tuple(v / alone_runs for v in spent(before))
            got["alone"] = alone
            got["replay_alone"] = [await replay(url, rec, timeout_s) for _ in range(3)]
            got["files"] = len(rec.files)
            shared, replays = [], []
            before = cpu()
            for _ in range(rounds):
                real, *others = await asyncio.gather(
                    _session(browser, url, timeout_s),
                    *(replay(url, rec, timeout_s) for _ in range(sessions - 1)),
                )
                shared.append(real)
                replays.extend(others)
            got["cpu_shared"] = tuple(v / rounds for v in spent(before))
            got["shared"], got["replays"] = shared, replays
            if chromiums:
                before = cpu()
                got["together"] = await asyncio.gather(
                    *(_session(browser, url, timeout_s) for _ in range(sessions))
                )
                got["cpu_together"] = spent(before)
        finally:
            await browser.close()
    return got


async def measure_reference(url: str, *, sessions: int, timeout_s: float) -> tuple[list, list]:
    """Return lone and concurrent times of a one-line Streamlit page (every browser on this machine)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            await _session(browser, url, timeout_s, ready=REFERENCE_TEXT)
            alone = [await _session(browser, url, timeout_s, ready=REFERENCE_TEXT) for _ in range(3)]
            together = await asyncio.gather(
                *(_session(browser, url, timeout_s, ready=REFERENCE_TEXT) for _ in range(sessions))
            )
        finally:
            await browser.close()
    return alone, list(together)


@contextlib.contextmanager
def reference_app(folder: Path) -> Iterator[str]:
    """Serve a one-line Streamlit page with ``zoneplan app``'s settings; yield its URL."""
    from zoneplan.commands.app import streamlit_options

    script = folder / "reference.py"
    script.write_text(f"import streamlit as st\nst.write({REFERENCE_TEXT!r})\n", encoding="utf-8")
    port = free_port()
    options = streamlit_options(ipaddress.ip_address("127.0.0.1"), port)
    flags = [f"--{name}={value}" for name, value in options.items()]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), *flags],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, lambda: "")
        yield url
    finally:
        _stop(proc)


def _fmt(value: float | None) -> str:
    return "timeout" if value is None else f"{value:.2f} s"


def _times(values: list[float | None]) -> str:
    drawn = [v for v in values if v is not None]
    if not drawn:
        return "none drew their map"
    return (
        f"median {statistics.median(drawn):.2f} s, slowest {max(drawn):.2f} s, "
        f"{len(drawn)}/{len(values)} within the timeout"
    )


def _verdict(slowest: float, alone: float) -> str:
    ratio = slowest / alone
    verdict = "met" if ratio <= CONCURRENT_FACTOR else "NOT met"
    return f"{ratio:.2f} (target <= {CONCURRENT_FACTOR:.0f}): {verdict}"


def main() -> None:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8, help="concurrent sessions (default 8)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of the shared-server test (default 3)"
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=10,
        help="priority drop of the browsers and clients against the server (default 10; 0: same)",
    )
    parser.add_argument("--alone", type=int, default=3, help="lone sessions timed (default 3)")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds each session may take (default 120)"
    )
    parser.add_argument(
        "--no-reference", dest="reference", action="store_false", help="skip the one-line page's run"
    )
    args = parser.parse_args()
    if not 2 <= args.sessions <= 32 or not 1 <= args.rounds <= 20 or not 1 <= args.alone <= 20:
        parser.error("expected --sessions 2 to 32, --rounds 1 to 20, --alone 1 to 20")
    if not 0 <= args.nice <= 19:
        parser.error("--nice: expected 0 to 19")
    print(f"date: {dt.datetime.now().isoformat(timespec='seconds')}")
    print(f"load average before (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"browsers and replaying clients at nice +{args.nice} against the server")
    n = args.sessions
    with tempfile.TemporaryDirectory(prefix="zoneplan-sessions-") as tmp:
        home = sample_home(Path(tmp))
        with running_app(home) as (url, proc):
            # From here on this process, the browsers it starts and its replaying clients stand
            # for the planners' computers: the server (started above) has the CPU first.
            os.nice(args.nice)
            got = asyncio.run(
                measure(
                    url,
                    proc.pid,
                    sessions=n,
                    rounds=args.rounds,
                    alone_runs=args.alone,
                    timeout_s=args.timeout,
                    chromiums=True,
                )
            )
            peak = peak_rss_mb(proc.pid)
        reference = None
        if args.reference:
            with reference_app(Path(tmp)) as ref_url:
                reference = asyncio.run(measure_reference(ref_url, sessions=n, timeout_s=args.timeout))
    print(f"load average after (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    alone_runs = [v for v in got["alone"] if v is not None]
    print(f"first session on the fresh server: {_fmt(got['first'])}")
    if not alone_runs:
        print("one session alone: did not draw its map; nothing to compare")
        return
    alone = statistics.median(alone_runs)
    lone_replays = [v for v in got["replay_alone"] if v is not None]
    print(f"1. one session alone: {', '.join(_fmt(v) for v in got['alone'])}: median {alone:.2f} s")
    server_cpu, browser_cpu, _ = got["cpu_alone"]
    print(f"   CPU per lone session: server {server_cpu:.2f} s, browser {browser_cpu:.2f} s")
    own = None
    if lone_replays:
        replay_alone = statistics.median(lone_replays)
        own = alone - replay_alone
        print(
            f"   the server's part ({got['files']} files, then the run to the map's message) "
            f"{replay_alone:.2f} s; the browser's own {own:.2f} s"
        )
    print(
        f"2. {n} planners at once on one server "
        f"({args.rounds} rounds; 1 browser + {n - 1} replaying each):"
    )
    print(f"   the real browser: {', '.join(_fmt(v) for v in got['shared'])} ({_times(got['shared'])})")
    replays = got["replays"]
    print(f"   the replaying sessions to the map's message: {_times(replays)}")
    shared = [v for v in got["shared"] if v is not None]
    firsts = list(shared)
    if own is not None:
        firsts += [v + own for v in replays if v is not None]
    complete = len(shared) == len(got["shared"]) and all(v is not None for v in replays)
    if firsts:
        print(
            f"   first map, every planner (replaying: + the browser's own {own or 0:.2f} s): "
            f"median {statistics.median(firsts):.2f} s, slowest {max(firsts):.2f} s"
        )
        print(
            f"   slowest / alone: {_verdict(max(firsts), alone)}"
            + ("" if complete else " (some timed out)")
        )
    server_cpu, browser_cpu, clients_cpu = got["cpu_shared"]
    print(
        f"   CPU per round: server {server_cpu:.2f} s, browser {browser_cpu:.2f} s, "
        f"replaying clients (this process) {clients_cpu:.2f} s"
    )
    together = got["together"]
    print(f"3. {n} browsers at once on this machine: {_times(together)}")
    drawn = [v for v in together if v is not None]
    if drawn:
        print(f"   slowest / alone: {max(drawn) / alone:.2f}")
    server_cpu, browser_cpu, _ = got["cpu_together"]
    print(f"   CPU: server {server_cpu:.1f} s, browsers {browser_cpu:.1f} s")
    if reference is not None:
        ref_alone, ref_together = reference
        ref_drawn = [v for v in ref_together if v is not None]
        ref_lone = [v for v in ref_alone if v is not None]
        if ref_lone and ref_drawn:
            lone = statistics.median(ref_lone)
            print(
                f"   a one-line Streamlit page, the same way: alone {lone:.2f} s, {n} at once "
                f"{_times(ref_together)}: slowest / alone {max(ref_drawn) / lone:.2f}"
            )
    if peak is not None:
        print(
            f"server peak memory (VmHWM): {peak:.0f} MB (target <= {MEMORY_LIMIT_MB} MB): "
            f"{'met' if peak <= MEMORY_LIMIT_MB else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
