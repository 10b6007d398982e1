"""The app in a real browser: system Chromium (headless) drives every page of a running app.

One app process serves every page (module-scoped). For each page the test waits for the map's
own ready mark inside the streamlit-folium iframe (``data-zp-ready``, set once Leaflet has drawn
its layers: see :mod:`zoneplan.ui.mapframe`), never for a first shape that may be an empty,
invisible path; then checks that features are drawn and that the console shows no error, and
saves a screenshot under the test output folder (``$ZONEPLAN_TEST_OUTPUT`` if set, else pytest's
temporary folder). Timeouts are generous: a loaded machine is slow, not wrong.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from geo import settings
from geo.i18n import t
from geo.vocab import VIEWS
from tests.conftest import needs_chromium
from zoneplan.ui.mapframe import READY_ATTR, READY_SELECTOR
from zoneplan.ui.pages import PAGES

MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
#: How long a page may take to draw its map (a first run computes its analysis).
MAP_TIMEOUT_MS = 120_000


def _drawn_map(tab):
    """Return the page's map (its frame) once it carries its ready mark."""
    frame = tab.frame_locator(MAP_FRAME).first
    frame.locator(READY_SELECTOR).first.wait_for(state="attached", timeout=MAP_TIMEOUT_MS)
    return frame


pytestmark = needs_chromium


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _running_app(home: Path):
    """Run ``streamlit run app.py`` on the store in ``home``; yield its URL."""
    port = _free_port()
    env = {**os.environ, settings.STORE_ENV_VAR: str(home)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(settings.REPO_DIR / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--",
            "--store",
            str(home / "store.gpkg"),
        ],
        cwd=settings.REPO_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"the app did not start: {err[-2000:]}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """Start the app once on a store holding the fictitious sample."""
    from geo.store import Store
    from zoneplan.sample import load_sample

    home = tmp_path_factory.mktemp("browser-store")
    load_sample(Store(home / "store.gpkg"))
    with _running_app(home) as url:
        yield url


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """The folder screenshots are saved in."""
    out = os.environ.get("ZONEPLAN_TEST_OUTPUT")
    folder = Path(out) / "browser" if out else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("page", list(PAGES))
def test_page_draws_its_map_without_console_errors(app_url, browser, shots, page):
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        tab.goto(f"{app_url}/?page={page}", wait_until="domcontentloaded")
        tab.get_by_role("heading", name=t(f"app.page.{page}", "fr")).first.wait_for(timeout=60_000)
        if page == "data":
            tab.get_by_role("tab", name=t("app.data.tab.zone", "fr")).click()
        frame = _drawn_map(tab)
        drawn_as = frame.locator(READY_SELECTOR).first.get_attribute(READY_ATTR)
        assert drawn_as in (*VIEWS, "base")
        assert frame.locator(".leaflet-interactive").count() > 0  # the layers were added before
        assert frame.locator(".leaflet-control-layers").count() == 1
        assert tab.get_by_text(t("sample.banner", "fr")).count() >= 1
        if page == "criteria":  # the ranked places, and the first one's reasons in the box below
            tab.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
            tab.get_by_text(t("app.criteria.box.criteria", "fr")).first.wait_for(timeout=10_000)
        tab.wait_for_timeout(500)
        tab.screenshot(path=str(shots / f"{page}.png"), full_page=True)
    finally:
        tab.close()
    assert not errors, errors


def test_fresh_store_loads_the_fictitious_sample_from_the_coverage_page(tmp_path, browser, shots):
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    with _running_app(tmp_path) as url:
        try:
            tab.goto(f"{url}/?page=coverage", wait_until="domcontentloaded")
            button = tab.get_by_role("button", name=t("app.data.sample.load", "fr"))
            button.wait_for(timeout=60_000)
            _drawn_map(tab)
            assert tab.get_by_text(t("sample.banner", "fr")).count() == 0
            tab.wait_for_timeout(800)  # Leaflet's zoom animation ends
            tab.screenshot(path=str(shots / "coverage-fresh-store.png"), full_page=True)
            button.click()
            tab.get_by_text(t("sample.banner", "fr")).first.wait_for(timeout=60_000)
            tab.get_by_text(t("app.data.sample.loaded", "fr")).first.wait_for(timeout=10_000)
            assert tab.get_by_role("button", name=t("app.data.sample.load", "fr")).count() == 0
            tab.wait_for_timeout(800)
            tab.screenshot(path=str(shots / "coverage-sample-loaded.png"), full_page=True)
        finally:
            tab.close()
    assert not errors, errors
