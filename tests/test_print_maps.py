"""Exports opened with real clients: poppler for PDFs, Pillow for PNGs, an XML parser for SVGs;
bad input ends in one line, exit 2 and no file."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geo import printmap
from zoneplan import exports

REPO = Path(__file__).resolve().parent.parent
ACTIVITIES = """date,place,commune,activity_type,partner,programme_id,girls,boys,women,men,total,sessions
2021-03-10,Tombola,Nouga,sensibilisation,CASE SAHEL,kangaba,40,35,25,20,120,3
2021-04-11,Tégué,Kaniogo,sensibilisation,CASE SAHEL,kangaba,22,18,10,10,60,2
2021-07-15,Sombo,Kaniogo,sensibilisation,CASE SAHEL,kangaba,10,10,10,10,40,1
"""
CASES = """date,commune,case_type,partner,programme_id,girls,boys,children
2021-03-10,Nouga,identification,CASE SAHEL,kangaba,2,1,3
2021-04-10,Kaniogo,identification,CASE SAHEL,kangaba,9,3,12
"""


def zoneplan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zoneplan", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def pdfinfo(path: Path) -> dict[str, str]:
    if not shutil.which("pdfinfo"):
        pytest.skip("poppler-utils (pdfinfo) is not installed")
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)


@pytest.fixture
def records_store(store, tmp_path):
    from zoneplan.records import import_file

    (tmp_path / "act.csv").write_text(ACTIVITIES, encoding="utf-8")
    (tmp_path / "cases.csv").write_text(CASES, encoding="utf-8")
    import_file(tmp_path / "act.csv", kind="activities", store=store)
    import_file(tmp_path / "cases.csv", kind="cases", store=store)
    return store


def test_png_has_the_size_of_the_paper_at_the_chosen_dpi(tmp_path):
    out = tmp_path / "map.png"
    done = zoneplan(
        "export",
        "map",
        "--view",
        "coverage",
        "--zone",
        "kangaba",
        "--format",
        "png",
        "--dpi",
        "60",
        "--store",
        str(tmp_path / "s.gpkg"),
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    with Image.open(out) as img:
        w, h = img.size
    assert abs(w - 297 / 25.4 * 60) <= 1 and abs(h - 210 / 25.4 * 60) <= 1  # A4 landscape
    assert not list(tmp_path.glob(".*.part"))


def test_portrait_a3_pdf_and_svg_open_in_their_readers(tmp_path, records_store):
    view = exports.zmaps.build_view("coverage", zone="kangaba", store=records_store, lang="en")
    pdf = exports.write_view(view, tmp_path / "map.pdf", paper="A3", orientation="portrait")
    info = pdfinfo(pdf)
    assert info["Pages"].strip() == "1"
    width_pt, height_pt = (float(x) for x in info["Page size"].split("pts")[0].split("x"))
    assert abs(width_pt - 297 / 25.4 * 72) < 2 and abs(height_pt - 420 / 25.4 * 72) < 2
    svg = exports.write_view(view, tmp_path / "map.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = svg.read_text(encoding="utf-8")
    assert "Tombola" in text or "glyph" in text  # names drawn (as text or glyphs)


def test_print_map_scale_bar_is_metric_at_the_map_latitude(store):
    view = exports.zmaps.build_view("coverage", zone="kangaba", store=store)
    crs = printmap.map_crs(view)
    # one map unit is one metre: 0.1° of longitude at 11.85°N is ~10.9 km
    import geopandas as gpd
    import shapely

    line = gpd.GeoSeries([shapely.LineString([(-8.75, 11.85), (-8.65, 11.85)])], crs="EPSG:4326").to_crs(
        crs
    )
    assert abs(line.length.iloc[0] - 10_898) < 60


def test_pack_has_one_page_per_commune_plus_a_cover_and_pages_render(tmp_path, records_store):
    out = tmp_path / "pack.pdf"
    done = zoneplan(
        "export",
        "pack",
        "--zone",
        "kangaba",
        "--by",
        "commune",
        "--lang",
        "fr",
        "--store",
        str(records_store.path),
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "[" in done.stderr and "/3" in done.stderr  # progress bar on stderr
    _, units, _ = exports.plan_pack(zone="kangaba", by="commune", store=records_store)
    assert sorted(units["name"]) == ["Kaniogo", "Nouga"]
    assert int(pdfinfo(out)["Pages"]) == len(units) + 1
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == len(units) + 1
    with Image.open(pngs[1]) as img:
        assert img.size[1] > img.size[0]  # portrait
        assert len(img.convert("L").getcolors(maxcolors=4096) or range(4097)) > 10  # drawn


def test_village_pack_lists_the_unlocated_village_on_the_cover(tmp_path, store):
    cover, units, _ = exports.plan_pack(zone="kangaba", by="village", store=store)
    assert "Danga" in cover.not_mapped and "Danga" not in list(units["name"])
    path, pages = exports.export_pack(
        zone="kangaba", by="village", out=tmp_path / "v.pdf", store=store, lang="en"
    )
    assert pages == len(units) + 1 == int(pdfinfo(path)["Pages"])


def test_case_figures_in_packs_are_suppressed_per_commune(records_store):
    _, units, page = exports.plan_pack(zone="kangaba", by="commune", store=records_store)
    rows = {r["name"]: page(r).indicators.set_index("indicator_id") for _, r in units.iterrows()}
    nouga = rows["Nouga"].loc["kg_victims_identified"]
    kaniogo = rows["Kaniogo"].loc["kg_victims_identified"]
    assert nouga["achieved"] == "<5" and nouga["suppressed"]
    # 12 alone would give Nouga's 3 away from the zone total: secondary suppression
    assert kaniogo["achieved"] == "x" and kaniogo["suppressed"]
    assert rows["Nouga"].loc["kg_people_sensitised", "achieved"] == "120"


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--view", "coverage", "--zone", "atlantis"], "kangaba"),
        (["--view", "heatmap", "--zone", "kangaba"], "coverage, access, criteria, gaps"),
        (["--view", "coverage", "--zone", "kangaba", "--format", "xlsx"], "png, svg, pdf, html"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_file(tmp_path, args, expect):
    out = tmp_path / "map.png"
    done = zoneplan("export", "map", *args, "--store", str(tmp_path / "s.gpkg"), "-o", str(out))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and expect in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_missing_output_folder_is_refused(tmp_path):
    done = zoneplan(
        "export",
        "map",
        "--view",
        "coverage",
        "--zone",
        "kangaba",
        "-o",
        str(tmp_path / "nope" / "map.png"),
    )
    assert done.returncode == 2 and "does not exist" in done.stderr
    (tmp_path / "file").write_text("x")
    with pytest.raises(exports.InputError, match="does not exist"):
        exports.check_output(tmp_path / "file" / "map.png")


def test_a_failure_while_writing_leaves_no_partial_file(tmp_path, store, monkeypatch):
    target = tmp_path / "map.pdf"
    target_old = b"previous version"
    target.write_bytes(target_old)

    def broken(view, out, **kwargs):
        Path(out).write_bytes(b"%PDF-1.4 half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(printmap, "render_print", broken)
    with pytest.raises(RuntimeError):
        exports.export_map("coverage", zone="kangaba", out=target, store=store)
    assert target.read_bytes() == target_old
    assert [p.name for p in tmp_path.iterdir()] == ["map.pdf"]


def test_print_map_sizes_circles_by_count_with_a_key_and_names_apart(sample_store):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.offsetbox import AnchoredOffsetbox
    from matplotlib.text import Annotation

    view = exports.zmaps.build_view("coverage", zone="kangaba", store=sample_store, measure="people")
    layer = view.data_layers[0]
    fig = printmap.draw_print(view)
    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    # marker areas (points squared) follow the web map's radii, so areas follow the counts
    expected = np.sort(((2 * printmap.PT_PER_PX) * layer.frame["_radius"].to_numpy()) ** 2)
    # circles that would hide under a site are drawn apart, over it: the layer's circles may
    # come in two collections
    filled = [c for c in ax.collections if hasattr(c, "get_sizes") and len(c.get_facecolors())]
    drawn = [np.sort(c.get_sizes()) for c in filled] + [
        np.sort(np.concatenate([a.get_sizes(), b.get_sizes()]))
        for a in filled
        for b in filled
        if a is not b
    ]
    drawn = [d for d in drawn if len(d) == len(expected)]
    assert any(np.allclose(d, expected) for d in drawn)
    assert len(set(np.round(expected, 1))) > 3
    keys = [a for a in ax.artists if isinstance(a, AnchoredOffsetbox)]
    assert len(keys) == 1  # the nested reference circles
    names = [a for a in ax.texts if isinstance(a, Annotation) and a.get_text() != "N"]
    printed = [a.get_text() for a in names]
    assert {"Sombo", "Kéniégoué", "Kaniogo", "Kobada", "Foroko"} <= set(printed)
    assert len(printed) == len(set(printed))  # a site and its village: the name once
    boxes = [a.get_window_extent(renderer) for a in names]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap_w = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_h = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert overlap_w <= 1 or overlap_h <= 1, (a, b)
