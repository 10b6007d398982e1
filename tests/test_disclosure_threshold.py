"""A non-default suppression threshold ``k`` is applied to case figures and stated wherever a legend,
a footer or an export says what was hidden: never a stale "<5"."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import layers
from geo import mapview as gv
from geo import symbology as sym
from geo.disclosure import case_figures
from geo.indicators import achievement
from geo.render_folium import legend_html, to_folium
from geo.webmap import standalone_html
from zoneplan import exports, progress, records
from zoneplan.analysis import analyse
from zoneplan.maps import build_view

K = 10
#: Nouga has 7 children identified (hidden with k = 10, shown with k = 5); Kaniogo 12.
CASES = """date,commune,case_type,partner,programme_id,girls,boys,children,total
2021-03-10,Nouga,identification,CASE SAHEL,kangaba,4,3,7,7
2021-04-10,Kaniogo,identification,CASE SAHEL,kangaba,9,3,12,12
"""
ACTIVITIES = """date,place,commune,activity_type,partner,programme_id,girls,boys,women,men,total,sessions
2021-03-10,Tombola,Nouga,sensibilisation,CASE SAHEL,kangaba,40,35,25,20,120,3
"""
#: What the French legend and footer say for k = 10, and what they must not say.
LEGEND_FR = "< 10 (masqué)"
FOOTER_FR = "effectifs de 1 à 9 affichés « <10 »"
STALE = ("<5", "< 5", "1 à 4", "&lt;5", "&lt; 5")


def _communes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "commune_id": ["K:nouga", "K:kaniogo", "K:nouga"],
            "commune": ["Nouga", "Kaniogo", "Nouga"],
            "cercle_id": ["ML.KK.KG"] * 3,
            "case_type": "identification",
            "girls": [4, 20, 0],
            "boys": [3, 5, 0],
            "total": [7, 25, 0],
        }
    )


@pytest.fixture
def case_store(store, tmp_path):
    (tmp_path / "cases.csv").write_text(CASES, encoding="utf-8")
    (tmp_path / "act.csv").write_text(ACTIVITIES, encoding="utf-8")
    records.import_file(tmp_path / "cases.csv", kind="cases", store=store)
    records.import_file(tmp_path / "act.csv", kind="activities", store=store)
    return store


def _pdftext(path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(out.stdout.split())  # wrapped footers: one space between words


# --- the threshold is applied ------------------------------------------------------------------


def test_case_figures_hide_seven_with_k_ten_and_show_it_with_k_five():
    five = case_figures(_communes(), level="commune", groupby=["case_type"], k=5)
    ten = case_figures(_communes(), level="commune", groupby=["case_type"], k=K)
    nouga5 = five.set_index("commune_id").loc["K:nouga"]
    nouga10 = ten.set_index("commune_id").loc["K:nouga"]
    assert nouga5["total_display"] == "7" and nouga5["total"] == 7
    assert nouga10["total_display"] == "<10" and pd.isna(nouga10["total"])
    assert nouga10["girls_display"] == "<10" and nouga10["boys_display"] == "<10"
    # Kaniogo's figures alone would give Nouga's away from the cercle's totals: secondary
    kaniogo10 = ten.set_index("commune_id").loc["K:kaniogo"]
    assert [kaniogo10[f"{c}_display"] for c in ("girls", "boys", "total")] == ["x", "<10", "x"]
    assert kaniogo10["total_suppressed"] and pd.isna(kaniogo10["total"])
    kaniogo5 = five.set_index("commune_id").loc["K:kaniogo"]
    assert [kaniogo5[f"{c}_display"] for c in ("girls", "boys", "total")] == ["x", "x", "25"]
    assert list(ten["name"]) == ["Kaniogo", "Nouga"] and set(ten["cercle_id"]) == {"ML.KK.KG"}


def test_units_without_records_get_zero_and_finer_levels_are_refused():
    out = case_figures(
        _communes(), level=3, values="total", units=["K:nouga", "K:other"], parent=False, k=K
    )
    assert list(out["commune_id"]) == ["K:nouga", "K:other"]
    assert list(out["total_display"]) == ["<10", "x"]  # the zero would give the 7 away
    assert list(
        case_figures(_communes(), level=3, values="total", units=["K:other"], k=K)["total_display"]
    ) == ["0"]
    from geo.errors import InputError

    with pytest.raises(InputError, match="never shown below"):
        case_figures(_communes(), level="place", k=K)


def test_records_case_table_takes_k(case_store):
    five = progress.case_table(case_store, by="commune", k=5).set_index("name")
    ten = progress.case_table(case_store, by="commune", k=K).set_index("name")
    assert five.loc["Nouga", "total_display"] == "7"
    assert ten.loc["Nouga", "total_display"] == "<10"
    assert ten.loc["Kaniogo", "total_display"] == "x"  # the only other commune of the cercle
    assert five.loc["Kaniogo", "total_display"] == "12"


def test_indicators_take_k(case_store):
    targets = pd.DataFrame(
        {"indicator_id": ["v", "w"], "programme_id": "p", "kind": "case", "target": 50}
    )
    got = pd.DataFrame({"indicator_id": ["v", "w"], "achieved": [7, 40]})
    five = achievement(targets, got, k=5).set_index("indicator_id")
    ten = achievement(targets, got, k=K).set_index("indicator_id")
    assert five.loc["v", "achieved_display"] == "7" and five.loc["v", "achievement"] == 7 / 50
    assert ten.loc["v", "achieved_display"] == "<10" and pd.isna(ten.loc["v", "achievement"])
    assert ten.loc["w", "achieved_display"] == "40"  # another indicator: no secondary
    both = progress.indicators(case_store, k=K).set_index("indicator_id")
    assert both.loc["kg_victims_identified", "achieved_display"] == "19"  # 7 + 12


def test_risk_layer_takes_k(mali_store):
    mali_store.write(
        "cases",
        pd.DataFrame(
            {
                "record_id": ["c1"],
                "case_type": ["identification"],
                "unit_id": ["ML.KK.KG"],
                "commune_id": [None],
                "cercle_id": ["ML.KK.KG"],
                "region_id": ["ML.KK"],
                "total": [7],
            }
        ),
    )
    five = layers.load("risk", store=mali_store, k=5)
    ten = layers.load("risk", store=mali_store, k=K)
    assert list(five["display"]) == ["7"] and list(ten["display"]) == ["<10"]
    assert ten["value"].isna().all()


def test_analysis_cases_take_k(mali_store):
    mali_store.write(
        "cases",
        pd.DataFrame(
            {
                "record_id": ["c1"],
                "case_type": ["identification"],
                "unit_id": ["ML.KK.KG"],
                "cercle_id": ["ML.KK.KG"],
                "total": [7],
            }
        ),
    )
    five = analyse("criteria", zone="kangaba", units="admin2", store=mali_store, k=5)
    ten = analyse("criteria", zone="kangaba", units="admin2", store=mali_store, k=K)
    assert five.units["cases_display"].iloc[0] == "7"
    assert ten.units["cases_display"].iloc[0] == "<10"
    assert "cas recensés : <10" in ten.units["explanation"].iloc[0]


# --- the threshold is stated -------------------------------------------------------------------


def test_legend_entries_and_tooltips_state_k():
    frame = case_figures(_communes(), level="commune", values="total", k=K)
    import geopandas as gpd
    from shapely.geometry import box

    units = gpd.GeoDataFrame(
        frame.assign(name=frame["name"]), crs="EPSG:4326", geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)]
    )
    layer = sym.choropleth(
        units,
        key="cases",
        title="Cas",
        value_col="total",
        lang="fr",
        display_col="total_display",
        suppressed_col="total_suppressed",
        k=K,
    )
    labels = [e.label for e in layer.legend if e.status == "suppressed"]
    assert labels == [LEGEND_FR]
    assert layer.frame["_tip"].str.contains("&lt;10").any()
    en = sym.status_entries("en", statuses=("suppressed",), k=K)
    assert [e.label for e in en] == ["< 10 (suppressed)"]
    hidden = units.assign(total_display=None)
    layer = sym.choropleth(
        hidden,
        key="c",
        title="Cas",
        value_col="total",
        lang="fr",
        suppressed_col="total_suppressed",
        k=K,
    )
    assert layer.frame.loc[layer.frame["_status"] == "suppressed", "_value_text"].eq("<10").all()


def test_disclosure_footer_states_k():
    fr = gv.Disclosure(k=K).text("fr")
    en = gv.Disclosure(k=K).text("en")
    assert FOOTER_FR in fr
    assert 'counts 1 to 9 shown as "<10"' in en
    assert not any(s in fr for s in STALE) and "1 to 4" not in en


def test_view_built_with_k_states_it_in_legend_and_footer(case_store):
    view = build_view("coverage", zone="kangaba", store=case_store, lang="fr", k=K)
    assert view.disclosure.k == K
    suppressed = [e.label for e in view.legend if e.status == "suppressed"]
    assert suppressed == [LEGEND_FR]
    assert FOOTER_FR in view.disclosure.text("fr")
    default = build_view("coverage", zone="kangaba", store=case_store, lang="fr")
    assert [e.label for e in default.legend if e.status == "suppressed"] == ["< 5 (masqué)"]


def _unescaped(page: str) -> str:
    """Return ``page`` with the ``\\uXXXX`` escapes of its embedded JavaScript strings decoded."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def test_html_export_states_k(case_store, tmp_path):
    view = build_view("coverage", zone="kangaba", store=case_store, lang="fr", k=K)
    legend = legend_html(view)
    assert "&lt; 10 (masqué)" in legend
    assert "effectifs de 1 à 9 affichés « &lt;10 »" in legend
    page = _unescaped(standalone_html(to_folium(view)))
    assert "&lt; 10 (masqué)" in page
    assert "effectifs de 1 à 9 affichés « &lt;10 »" in page
    assert not any(s in page for s in ("&lt; 5 (masqué)", "« &lt;5 »", "1 à 4 affichés"))
    path = exports.export_map(
        "coverage", zone="kangaba", out=tmp_path / "m.html", store=case_store, lang="fr", k=K
    )
    written = _unescaped(path.read_text(encoding="utf-8"))
    assert "&lt; 10 (masqué)" in written and "« &lt;10 »" in written


def test_pdf_print_map_states_k(case_store, tmp_path):
    path = exports.export_map(
        "coverage", zone="kangaba", out=tmp_path / "m.pdf", store=case_store, lang="fr", k=K
    )
    text = _pdftext(path)
    assert LEGEND_FR in text
    assert FOOTER_FR in text
    assert not any(s in text for s in STALE)


def test_pdf_pack_hides_seven_and_states_k_on_every_page(case_store, tmp_path):
    _, units, page = exports.plan_pack(zone="kangaba", by="commune", store=case_store, k=K)
    rows = {r["name"]: page(r).indicators.set_index("indicator_id") for _, r in units.iterrows()}
    assert rows["Nouga"].loc["kg_victims_identified", "achieved"] == "<10"
    assert rows["Kaniogo"].loc["kg_victims_identified", "achieved"] == "x"  # secondary
    _, _, page5 = exports.plan_pack(zone="kangaba", by="commune", store=case_store, k=5)
    nouga = units[units["name"] == "Nouga"].iloc[0]
    assert (
        page5(nouga).indicators.set_index("indicator_id").loc["kg_victims_identified", "achieved"] == "7"
    )

    path, pages = exports.export_pack(
        zone="kangaba", by="commune", out=tmp_path / "p.pdf", store=case_store, lang="fr", k=K
    )
    text = _pdftext(path)
    assert text.count(FOOTER_FR) == pages  # the cover and each unit's page
    assert text.count(LEGEND_FR) == pages
    assert re.search(r"<10\b", text.replace(FOOTER_FR, ""))  # Nouga's row in its table
    assert not any(s in text for s in STALE)
