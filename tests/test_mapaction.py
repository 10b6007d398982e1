"""MapAction completeness: a map number and version on every print map, pack page, HTML footer and
file's metadata; an HTML title and north arrow; fonts that grow with the paper; small circles drawn
over the sites and centres. Checked with real clients: poppler, Pillow, headless Chromium."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from matplotlib.figure import Figure
from PIL import Image

from geo import mapview as gv
from geo import symbology as sym
from geo.errors import InputError, UnknownNameError
from geo.printfurniture import map_number, zone_code
from geo.printmap import Z_OVER, draw_map
from geo.render_folium import OVER_PANE, to_folium
from geo.vocab import MAP_NUMBERS, PACK_BY, VIEWS
from geo.webmap import standalone_html
from zoneplan import exports

REPO = Path(__file__).resolve().parent.parent


def _zoneplan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zoneplan", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def _poppler(tool: str) -> str:
    if not shutil.which(tool):
        pytest.skip(f"poppler-utils ({tool}) is not installed")
    return tool


def _pdf_pages(path: Path) -> list[str]:
    out = subprocess.run(
        [_poppler("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout.split("\f")[:-1]  # one form feed after each page


def _pdf_title(path: Path) -> str:
    out = subprocess.run([_poppler("pdfinfo"), str(path)], capture_output=True, text=True, check=True)
    return next(
        line.split(":", 1)[1].strip() for line in out.stdout.splitlines() if line.startswith("Title:")
    )


def _word_heights(path: Path) -> dict[str, float]:
    """Return the height (points) of the first occurrence of each word of the PDF's first page."""
    out = subprocess.run(
        [_poppler("pdftotext"), "-bbox", "-f", "1", "-l", "1", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words: dict[str, float] = {}
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    for _x0, y0, _x1, y1, word in re.findall(pattern, out):
        words.setdefault(html.unescape(word), float(y1) - float(y0))
    return words


# --- the number ----------------------------------------------------------------------------------


def test_map_numbers_follow_the_mapaction_pattern():
    assert map_number("kangaba", "gaps") == "ZP-KGB-004 v1"
    assert map_number("mali", "coverage", 3) == "ZP-MLI-001 v3"
    assert map_number("bamako", "pack.commune", 2) == "ZP-BKO-011 v2"
    assert {zone_code(z) for z in ("segou", "sikasso", "mopti")} == {"SEG", "SIK", "MPT"}
    # every view and every pack has its own number
    products = [*VIEWS, *(f"pack.{by}" for by in PACK_BY)]
    numbers = [MAP_NUMBERS["maps"][p] for p in products]
    assert len(set(numbers)) == len(numbers) and all(re.fullmatch(r"\d{3}", n) for n in numbers)
    with pytest.raises(UnknownNameError, match="expected one of"):
        map_number("kangaba", "nowhere")


def test_a_drawn_zone_gets_a_code_of_its_own():
    north, north2 = zone_code("kangaba_nord"), zone_code("kangaba_nord2")
    assert north.startswith("KNG") and len(north) == 5 and north2.startswith("KNG")
    assert north != north2  # the checksum tells them apart
    assert north not in MAP_NUMBERS["zones"].values()
    assert re.fullmatch(r"ZP-[A-Z0-9]{5}-001 v1", map_number("kangaba_nord", "coverage"))


@pytest.mark.parametrize("version", ["0", "-1", "abc", "1000"])
def test_a_bad_map_version_is_refused_in_one_french_line(tmp_path, version):
    out = tmp_path / "map.png"
    done = _zoneplan(
        "export", "map", "--view", "coverage", "--zone", "kangaba", "--map-version", version,
        "--store", str(tmp_path / "s.gpkg"), "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"zoneplan: version de carte « {version} » refusée : attendu un entier de 1 à 999"
    ]
    assert not out.exists() and not list(tmp_path.glob(".*.part"))
    with pytest.raises(InputError, match="map version"):
        exports.check_version(version, "en")


def test_print_pdf_carries_its_number_on_the_page_and_in_its_title(tmp_path):
    out = tmp_path / "gaps.pdf"
    done = _zoneplan(
        "export", "map", "--view", "coverage", "--zone", "kangaba", "--map-version", "2",
        "--store", str(tmp_path / "s.gpkg"), "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (page,) = _pdf_pages(out)
    assert "ZP-KGB-001 v2" in page
    assert "ZP-KGB-001 v2" in _pdf_title(out)


def test_png_and_svg_carry_the_number_in_their_metadata(tmp_path, store):
    view = exports.zmaps.build_view("criteria", zone="kangaba", store=store, units="h3:6")
    png = exports.write_view(view, tmp_path / "m.png", dpi=50, zone="kangaba", version=4)
    with Image.open(png) as img:
        assert img.text["Identifier"] == "ZP-KGB-003 v4"  # a PNG text chunk
        assert "ZP-KGB-003 v4" in img.text["Title"]
    svg = exports.write_view(view, tmp_path / "m.svg", zone="kangaba")
    assert "<dc:identifier>ZP-KGB-003 v1</dc:identifier>" in svg.read_text(encoding="utf-8")


def test_svg_of_fictitious_data_writes_with_its_number_and_mark(tmp_path, sample_store):
    view = exports.zmaps.build_view("coverage", zone="kangaba", store=sample_store, audience="internal")
    text = exports.write_view(view, tmp_path / "m.svg", zone="kangaba").read_text(encoding="utf-8")
    assert "<dc:identifier>ZP-KGB-001 v1</dc:identifier>" in text
    assert "DONNÉES FICTIVES" in text and "INTERNE" in text  # in the description


def test_every_page_of_a_pack_carries_the_pack_number(tmp_path, sample_store):
    out = tmp_path / "pack.pdf"
    done = _zoneplan(
        "export", "pack", "--zone", "kangaba", "--by", "commune", "--map-version", "3",
        "--store", str(sample_store.path), "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pages = _pdf_pages(out)
    assert len(pages) >= 3  # a cover and a page per commune
    for i, page in enumerate(pages, start=1):
        assert "ZP-KGB-011 v3" in page, f"page {i} has no map number"
    assert "ZP-KGB-011 v3" in _pdf_title(out)


# --- the paper -----------------------------------------------------------------------------------


def test_a3_prints_every_text_larger_than_a4(tmp_path, sample_store):
    view = exports.zmaps.build_view("coverage", zone="kangaba", store=sample_store)
    a4 = _word_heights(exports.write_view(view, tmp_path / "a4.pdf", zone="kangaba"))
    a3 = _word_heights(exports.write_view(view, tmp_path / "a3.pdf", paper="A3", zone="kangaba"))
    # title, subtitle, legend, a name on the map, the scale bar, the size key, the inset, the
    # footer and the map number
    words = ["Couverture", "Zone", "Légende", "Kokoyo", "km", "touchées", "Situation", "Sources"]
    for word in [*words, "ZP-KGB-001"]:
        assert word in a4 and word in a3, word
        assert 1.3 < a3[word] / a4[word] < 1.55, (word, a4[word], a3[word])


# --- what is drawn over what ---------------------------------------------------------------------


def _stacked_view() -> gv.View:
    """Two coverage circles (a small and a big one) on two gold-mining sites."""
    at = [shapely.Point(-8.6, 11.9), shapely.Point(-8.5, 11.95)]
    counts = gpd.GeoDataFrame(
        {"name": ["Petit", "Grand"], "people": [3.0, 2000.0]}, geometry=at, crs=4326
    )
    circles = sym.proportional_symbols(
        counts, key="cov", title="Personnes", value_col="people", lang="fr"
    )
    sites = sym.point_layer(
        gpd.GeoDataFrame({"name": ["Site A", "Site B"]}, geometry=at, crs=4326),
        key="gold_sites",
        title="Sites",
        color="#c8960c",
        lang="fr",
        radius=7,
        role="context",
    )
    return gv.make_view(
        "coverage",
        lang="fr",
        title="Carte <b>&</b>",
        subtitle="",
        layers=[circles, sites],
        disclosure=gv.Disclosure(),
    )


def test_small_circles_are_drawn_over_site_symbols_on_paper():
    view = _stacked_view()
    circles = view.layers[0].frame
    assert list(sym.drawn_over(view.layers, 0)) == [True, False]  # 4 px under a 7 px site: over
    assert not sym.drawn_over(view.layers, 1).any()
    fig = Figure(figsize=(6, 4))
    ax = fig.add_axes([0, 0, 1, 1])
    draw_map(ax, view, labels=False, scale=1.0)
    z_of = {}
    for coll in ax.collections:
        offsets = coll.get_offsets()
        sizes = coll.get_sizes()
        if len(offsets) and coll.get_facecolors().size:
            for size in sizes:
                z_of.setdefault(round(float(size)), coll.get_zorder())
    small, big = (round(float((2 * 0.8 * r) ** 2)) for r in circles["_radius"])
    site = round((2 * 0.8 * 7) ** 2)
    assert z_of[small] >= Z_OVER > z_of[site] > z_of[big]


def test_small_circles_are_drawn_over_site_symbols_on_the_web():
    page = standalone_html(to_folium(_stacked_view()))
    assert f'"pane": "{OVER_PANE[0]}"' in page and '"o": true' in page
    assert "<title>Carte &lt;b&gt;&amp;&lt;/b&gt;</title>" in page  # escaped, once


# --- the HTML export in a browser ----------------------------------------------------------------


def test_html_export_has_a_title_a_north_arrow_and_its_number(browser, tmp_path, sample_store):
    out = exports.export_map(
        "coverage", zone="kangaba", out=tmp_path / "map.html", store=sample_store, version=2
    )
    page = browser.new_page()
    external: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "about:", "blob:")):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        page.goto(out.as_uri())
        # Leaflet has drawn the map once its controls exist; generous: a loaded machine is slow
        page.wait_for_selector(".zp-north svg", state="visible", timeout=60_000)
        title = page.title()
        assert title.startswith("Couverture de la sensibilisation — Kangaba")
        assert "ZP-KGB-001 v2" in title and "DONNÉES FICTIVES" in title
        arrow = page.locator(".zp-north svg")
        assert arrow.get_attribute("aria-label") == "Nord (en haut de la carte)"
        assert arrow.locator("text").text_content() == "N"
        box = arrow.bounding_box()
        assert box and box["width"] > 10 and box["height"] > 20
        # top right, below the layer control
        assert page.locator(".leaflet-top.leaflet-right .zp-north").count() == 1
        foot = page.locator(".zp-legend .foot").text_content()
        assert "Carte n° ZP-KGB-001 v2" in foot
        # the sample has small counts at gold-mining sites: their circles sit in the upper pane
        page.wait_for_selector(f".leaflet-{OVER_PANE[0]}-pane path", state="attached", timeout=60_000)
        z = page.evaluate(
            "[...document.querySelectorAll('.leaflet-pane')].filter(p => /zpMarkers/.test(p.className))"
            ".map(p => [p.className, +getComputedStyle(p).zIndex])"
        )
        zs = {cls.split("leaflet-")[-1].removesuffix("-pane").strip(): zi for cls, zi in z}
        assert zs["zpMarkersOver"] > zs["zpMarkers"]
        assert external == []
    finally:
        page.close()


def test_a_view_written_without_its_zone_has_a_title_but_no_number(tmp_path, store):
    view = exports.zmaps.build_view("coverage", zone="kangaba", store=store)
    page = exports.write_view(view, tmp_path / "m.html").read_text(encoding="utf-8")
    assert "<title>Couverture de la sensibilisation</title>" in page
    assert "map-number" not in page and "zp-north" in page
