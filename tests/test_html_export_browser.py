"""The offline HTML export in headless Chromium with the network cut: it draws, it asks nothing."""

from __future__ import annotations

import pytest

from zoneplan import exports


def _open(browser, path):
    page = browser.new_page()
    external, errors = [], []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "about:", "blob:")):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    # The map's own legend control is added after every layer: once it is there, the layers are
    # drawn (never wait for a first shape, which may be an empty, invisible path). Generous
    # timeouts: a loaded machine is slow, not wrong.
    page.wait_for_selector(".zp-legend", state="attached", timeout=60_000)
    return page, external, errors


@pytest.mark.parametrize("view", ["coverage", "criteria"])
def test_offline_html_draws_with_the_network_off(browser, tmp_path, store, view):
    out = exports.export_map(
        view, zone="kangaba", out=tmp_path / "map.html", store=store, lang="fr", units="h3:6"
    )
    page, external, errors = _open(browser, out)
    try:
        assert external == []
        assert errors == []
        assert page.locator(".leaflet-interactive").count() > 0
        # a named feature of the zone: the Kokoyo gold-mining site, labelled beside its circle
        assert page.locator(".zp-label", has_text="Kokoyo").count() == 1
        assert page.locator(".zp-legend").count() == 1
        legend = page.locator(".zp-legend").inner_text()
        assert "pas de données" in legend
        assert ("masqué" in legend) == (view == "coverage")  # counts only: the <5 class
        assert "Kangaba" in page.locator(".zp-title").inner_text()
    finally:
        page.close()
