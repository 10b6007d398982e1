"""Shared fixtures: a fresh store per test, the fictitious sample, the real Mali reference data when
present, and a headless system Chromium for browser tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo import settings
from geo.store import Store

SHARED = settings.SHARED_MALI_DIR
BOUNDARIES = SHARED / "boundaries"
GAZETTEER = SHARED / "gazetteer" / "mli_localities_wof.csv"


def shared_file(relative: str) -> Path:
    """Return a file of ``../shared/data/mali``, skipping the test with a reason if absent."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(
            f"reference data {path} is absent (expected ../shared/data/mali beside the checkout)"
        )
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Never let a test touch the user's real store."""
    monkeypatch.setenv(settings.STORE_ENV_VAR, str(tmp_path / "home"))


@pytest.fixture
def store(tmp_path) -> Store:
    """An empty store in a temporary folder."""
    return Store(tmp_path / "store.gpkg")


@pytest.fixture(scope="session")
def _mali_store_template(tmp_path_factory) -> Path:
    from geo.boundaries import read_boundaries
    from zoneplan.datastore import install_boundaries

    regions = shared_file("boundaries/mli_adm1_regions_wof.geojson")
    cercles = shared_file("boundaries/mli_adm2_cercles_wof.geojson")
    path = tmp_path_factory.mktemp("mali") / "mali.gpkg"
    template = Store(path)
    install_boundaries(template, read_boundaries(regions), date="2026-01-01")
    install_boundaries(template, read_boundaries(cercles), date="2026-01-01")
    return path


@pytest.fixture
def mali_store(_mali_store_template, tmp_path) -> Store:
    """A store with the real WOF régions and cercles installed (skipped where absent)."""
    path = tmp_path / "mali.gpkg"
    shutil.copyfile(_mali_store_template, path)
    return Store(path)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Store:
    """The fictitious sample in a store, built once per test module: for tests that only read it."""
    from zoneplan.sample import load_sample

    store = Store(tmp_path_factory.mktemp("sample") / "store.gpkg")
    load_sample(store)
    return store


# --- a real browser -----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="system chromium is not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless system Chromium driven by Playwright (skipped where Chromium is absent)."""
    if CHROMIUM is None:
        pytest.skip("system chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
