"""Take the README's pictures from the real app and the real exports, into ``docs/img/``.

    python scripts/screenshots.py [--out docs/img] [--port 8765] [--width 1100]

Needs the system Chromium (``apt-get install chromium``), Playwright (``pip install -e ".[test]"``)
and poppler-utils (``pdftoppm``); no internet.

It works in a temporary store (``ZONEPLAN_HOME``) holding the FICTITIOUS sample
(``zoneplan data load-sample``), serves it with ``zoneplan app --no-browser`` on 127.0.0.1 and
opens each page in a headless Chromium. For each page it waits until that page's own content is
drawn (the map's legend and a visible feature inside the map's frame, then the chart, the metrics,
the ranked table or the pack button) and until Streamlit has finished running the script, then
saves the window down to just below that content. On the Données page it removes the sample with
the page's button, photographs the "load the sample" offer a new user sees, and loads it back
with that button. The server is then stopped with SIGTERM, as Ctrl-C would.

It also writes a print map (``zoneplan export map ... --format png``) and the cover and first
commune page of a CCPE pack (``zoneplan export pack``, rendered with ``pdftoppm``).

Every picture is shrunk to ``--width`` pixels and saved as a 256-colour PNG, so that the README's
pictures stay small (the script prints each size and the total).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from geo import settings  # noqa: E402
from geo.i18n import t  # noqa: E402

OUT = REPO / "docs" / "img"
LANG = "fr"
ZONE = "kangaba"
#: The window: wide enough for the sidebar and a map; tall enough that a page's main content
#: fits before it is cropped.
VIEWPORT = {"width": 1400, "height": 2000}
#: The smallest picture height (before shrinking), so that short pages keep their sidebar.
MIN_HEIGHT = 900
MARGIN = 16
#: How long to wait for one thing on a loaded machine (ms).
WAIT_MS = 180_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


def _zoneplan() -> list[str]:
    """Return the ``zoneplan`` command (the one on PATH, else this Python's module)."""
    found = shutil.which("zoneplan")
    return [found] if found else [sys.executable, "-m", "zoneplan"]


def _run(args: list[str], env: dict[str, str]) -> None:
    """Run a ``zoneplan`` command; stop with its output if it fails."""
    done = subprocess.run([*_zoneplan(), *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"zoneplan {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _app(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """Serve ``zoneplan app --no-browser --port port``; yield its URL; stop it with SIGTERM."""
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [*_zoneplan(), "app", "--no-browser", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT_MS / 1000
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"the app did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
            print(f"zoneplan app stopped on SIGTERM (exit status {code})")
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            print(f"the app did not stop on SIGTERM within 30 s (pid {proc.pid}); killed")


# --- waiting for a page's own content ----------------------------------------------------------


def _idle(tab) -> None:
    """Wait until Streamlit has finished running the page's script (no "Running..." widget)."""
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT_MS
    )


def _map(tab):
    """Wait for the page's one map: drawn (its ``data-zp-ready`` mark), title, legend, layers."""
    frame_el = tab.locator(MAP_FRAME)
    frame_el.wait_for(state="visible", timeout=WAIT_MS)
    frame = frame_el.content_frame
    frame.locator(".leaflet-container[data-zp-ready]").wait_for(state="attached", timeout=WAIT_MS)
    for selector in (".zp-title", ".zp-legend", ".leaflet-control-layers"):
        frame.locator(selector).wait_for(state="visible", timeout=WAIT_MS)
    return frame_el


def _coverage(tab):
    _map(tab)
    # The progress table comes after its heading; its grid is drawn on a canvas.
    tab.get_by_role("heading", name=t("app.coverage.progress", LANG)).wait_for(
        state="visible", timeout=WAIT_MS
    )
    table = tab.locator("[data-testid='stDataFrame']").last
    table.locator("canvas").first.wait_for(state="visible", timeout=WAIT_MS)
    return table


def _access(tab):
    _map(tab)
    # The table's heading comes after the metrics: once it shows, every metrics row is drawn.
    heading = tab.get_by_role("heading", name=t("app.access.villages", LANG))
    heading.wait_for(state="visible", timeout=WAIT_MS)
    metric_rows = tab.locator("[data-testid='stHorizontalBlock']").filter(
        has=tab.locator("[data-testid='stMetric']")
    )
    return metric_rows.last


def _criteria(tab):
    frame = _map(tab)
    heading = t("app.criteria.table.sensitisation", LANG)
    tab.get_by_role("heading", name=heading).wait_for(state="visible", timeout=WAIT_MS)
    return frame


def _export(tab):
    _map(tab)
    button = tab.get_by_role("button", name=t("app.export.pack.make", LANG), exact=True)
    button.wait_for(state="visible", timeout=WAIT_MS)
    return button


def _data(tab):
    """Remove the sample with the page's button; return the "load the sample" offer."""
    remove = tab.get_by_role("button", name=t("app.data.sample.remove", LANG), exact=True)
    remove.wait_for(state="visible", timeout=WAIT_MS)
    remove.click()
    load = tab.get_by_role("button", name=t("app.data.sample.load", LANG), exact=True)
    load.wait_for(state="visible", timeout=WAIT_MS)
    _idle(tab)  # the rerun is over: the previous run's elements are gone
    uploader = tab.locator("[data-testid='stFileUploader']").filter(
        has_text=t("app.data.import.file", LANG)
    )  # the records' uploader (other tabs have their own)
    uploader.wait_for(state="visible", timeout=WAIT_MS)
    return uploader


def _reload_sample(tab) -> None:
    """Load the sample back with the page's button; wait for the banner it brings."""
    tab.get_by_role("button", name=t("app.data.sample.load", LANG), exact=True).click()
    tab.get_by_text(t("app.data.sample.loaded", LANG)).wait_for(state="visible", timeout=WAIT_MS)
    tab.get_by_text(t("sample.banner", LANG)).wait_for(state="visible", timeout=WAIT_MS)


@dataclass(frozen=True)
class Shot:
    """One page's picture: the page key, the file, and what to wait for (the picture ends below)."""

    page: str
    file: str
    ready: Callable


SHOTS = (
    Shot("coverage", "app-couverture.png", _coverage),
    Shot("access", "app-acces.png", _access),
    Shot("criteria", "app-criteres.png", _criteria),
    Shot("export", "app-export.png", _export),
    Shot("data", "app-donnees.png", _data),  # last: it removes the sample, then loads it back
)


# --- pictures --------------------------------------------------------------------------------


def _save(image: Image.Image, path: Path, width: int) -> None:
    """Shrink ``image`` to ``width`` pixels and save it as an optimised 256-colour PNG."""
    image = image.convert("RGB")
    if image.width > width:
        image = image.resize(
            (width, round(image.height * width / image.width)), Image.Resampling.LANCZOS
        )
    # Maximum coverage refined by k-means keeps a map's few strong colours and the page's whites
    # (median cut turned gold sites red; octree merged white and the sidebar's grey).
    image.quantize(256, method=Image.Quantize.MAXCOVERAGE, kmeans=3).save(path, optimize=True)


def _shoot(tab, url: str, shot: Shot, out: Path, width: int, work: Path) -> None:
    """Open ``shot``'s page, wait for its own content, save the picture down to below it."""
    started = time.monotonic()
    tab.goto(f"{url}/?page={shot.page}", wait_until="domcontentloaded")
    try:
        title = t(f"app.page.{shot.page}", LANG)
        tab.get_by_role("heading", name=title, exact=True).wait_for(timeout=WAIT_MS)
        if shot.page != "data":
            tab.get_by_text(t("sample.banner", LANG)).wait_for(timeout=WAIT_MS)
        end = shot.ready(tab)
        _idle(tab)
    except Exception:
        failed = Path(tempfile.gettempdir()) / f"zoneplan-screenshots-failed-{shot.page}.png"
        tab.screenshot(path=str(failed))
        print(f"page {shot.page}: what it showed is in {failed}", file=sys.stderr)
        raise
    tab.wait_for_timeout(1000)  # Leaflet's zoom animation ends
    box = end.bounding_box()
    bottom = (box["y"] + box["height"] + MARGIN) if box else MIN_HEIGHT
    height = int(min(max(bottom, MIN_HEIGHT), VIEWPORT["height"]))
    raw = work / shot.file
    tab.screenshot(path=str(raw), clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height})
    _save(Image.open(raw), out / shot.file, width)
    print(f"{shot.file}: page {shot.page} drawn in {time.monotonic() - started:.1f} s")


def _pages(url: str, out: Path, width: int, work: Path) -> list[str]:
    """Photograph every page; return the browser's page errors (empty when all went well)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("system chromium is not installed (apt-get install chromium)")
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport=VIEWPORT)
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            for shot in SHOTS:
                _shoot(tab, url, shot, out, width, work)
                if shot.page == "data":
                    _reload_sample(tab)
        finally:
            browser.close()
    return errors


def _prints(env: dict[str, str], out: Path, width: int, work: Path) -> None:
    """Write the print map and the first two pages of a CCPE pack as pictures."""
    map_png = work / "carte.png"
    _run(
        ["export", "map", "--view", "gaps", "--zone", ZONE, "--format", "png", "--dpi", "110"]
        + ["-o", str(map_png)],
        env,
    )
    _save(Image.open(map_png), out / "carte-lacunes-a4.png", width)
    print("carte-lacunes-a4.png: zoneplan export map --view gaps")

    pack = work / "dossier.pdf"
    _run(["export", "pack", "--zone", ZONE, "--by", "commune", "-o", str(pack)], env)
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm is not installed (apt-get install poppler-utils)")
    subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "2", "-r", "80", "-png", str(pack), str(work / "page")],
        check=True,
    )
    pages = [Image.open(p).convert("RGB") for p in sorted(work.glob("page-*.png"))]
    gap = 16
    sheet = Image.new(
        "RGB",
        (sum(p.width for p in pages) + gap * (len(pages) + 1), max(p.height for p in pages) + 2 * gap),
        (225, 225, 225),
    )
    x = gap
    for page in pages:
        sheet.paste(page, (x, gap))
        x += page.width + gap
    _save(sheet, out / "dossier-ccpe.png", width)
    print("dossier-ccpe.png: zoneplan export pack, pages 1-2")


def main(argv: list[str] | None = None) -> int:
    """Take every picture; return 0, or 1 when the browser reported a page error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder of the pictures (docs/img)")
    parser.add_argument("--port", type=int, default=0, help="app port (default: a free one)")
    parser.add_argument("--width", type=int, default=1100, help="width of the pictures in pixels")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zoneplan-shots-") as tmp:
        work = Path(tmp)
        home = work / "home"
        home.mkdir()
        env = {**os.environ, settings.STORE_ENV_VAR: str(home), "LANG": "fr_FR.UTF-8"}
        _run(["data", "load-sample"], env)
        with _app(env, args.port or _free_port(), work / "app.log") as url:
            errors = _pages(url, args.out, args.width, work)
        _prints(env, args.out, args.width, work)
    files = [args.out / s.file for s in SHOTS] + [
        args.out / "carte-lacunes-a4.png",
        args.out / "dossier-ccpe.png",
    ]
    for path in files:
        name = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        print(f"{name}: {path.stat().st_size // 1024} kB")
    print(f"total: {sum(p.stat().st_size for p in files) // 1024} kB")
    if errors:
        print("page errors in the browser:\n" + "\n".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
