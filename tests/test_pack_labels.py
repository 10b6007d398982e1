"""Village pages of a CCPE pack say in the table itself that case figures are the commune's (item 3)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from zoneplan import exports

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext missing")


def _pages(pdf) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    return [re.sub(r"[ \t]+", " ", page) for page in text.stdout.split("\f")]


def test_village_rows_carry_their_scope(sample_store):
    _, units, page = exports.plan_pack(zone="kangaba", by="village", store=sample_store)
    row = units[units["commune"] == "Nouga"].iloc[0]
    rows = page(row).indicators.set_index("indicator_id")
    assert rows.loc["kg_victims_identified", "scope"] == "Commune de Nouga, tous villages"
    assert rows.loc["kg_peer_educators", "scope"] == "Ce village"
    _, communes, cpage = exports.plan_pack(zone="kangaba", by="commune", store=sample_store)
    assert not cpage(communes.iloc[0]).indicators["scope"].astype(bool).any()


@needs_pdftotext
def test_village_pack_pdf_labels_case_rows_with_the_commune(tmp_path, sample_store):
    out = tmp_path / "villages.pdf"
    path, _ = exports.export_pack(zone="kangaba", by="village", out=out, store=sample_store)
    _, units, _ = exports.plan_pack(zone="kangaba", by="village", store=sample_store)
    pages = _pages(path)
    checked = 0
    for text in pages[1:]:
        head = [ln.strip() for ln in text.splitlines() if ln.strip()][:3]  # map number, title
        unit = units[units["name"].isin(head)]
        if unit.empty:
            continue
        commune = unit["commune"].iloc[0]
        lines = [ln for ln in text.splitlines() if "Enfants victimes identifiés" in ln]
        assert lines and all(f"Commune de {commune}, tous villages" in ln for ln in lines), text
        checked += 1
    assert checked >= 2


# --- honest legends (issue 11, item 4) --------------------------------------------------------

CERCLE_ONLY = [  # activities matched to the cercle only, at no place: not on any map
    "01/02/2021;;Kangaba;Sensibilisation;CASE SAHEL;10;12;22",
    "02/02/2021;;Kangaba;Sensibilisation;CASE SAHEL;4;6;10",
]


@pytest.fixture(scope="module")
def legend_store(sample_store, tmp_path_factory):
    from geo.store import Store
    from zoneplan.records import import_file

    path = tmp_path_factory.mktemp("legend") / "store.gpkg"
    shutil.copyfile(sample_store.path, path)
    store = Store(path)
    extra = path.with_name("cercle.csv")
    header = "Date;Village;Cercle;Activité;Partenaire;Filles;Garçons;Total"
    extra.write_text("\r\n".join([header, *CERCLE_ONLY]) + "\r\n", encoding="utf-8")
    assert import_file(extra, store=store).summary["added"] == len(CERCLE_ONLY)
    return store


def _danga_rows(store) -> int:
    from zoneplan.records import load_records

    records = load_records("activities", store=store)
    return int((records["place_name"] == "Danga").sum())


def test_coverage_counts_danga_apart_from_unmatched(legend_store):
    from zoneplan import maps

    danga = _danga_rows(legend_store)
    assert danga > 0
    for measure in ("people", "pct_target"):
        view = maps.build_view("coverage", zone="kangaba", store=legend_store, measure=measure)
        assert not [e for e in view.legend if e.status == "unmatched"]
        assert f"lieu pas encore localisé (non cartographiés) : Danga ({danga})" in " ".join(view.notes)
        assert "non rattachés" not in view.disclosure.text("fr")  # public: said nowhere
        internal = maps.build_view(
            "coverage", zone="kangaba", store=legend_store, measure=measure, audience="internal"
        )
        assert internal.disclosure.unmatched == len(CERCLE_ONLY)  # Danga's rows not among them
        assert "non rattachés" in internal.disclosure.text("fr")


@needs_pdftotext
def test_public_pdf_says_nothing_of_unmatched_internal_says_it_in_the_footer(tmp_path, legend_store):
    texts = {}
    for audience in ("public", "internal"):
        out = exports.export_map(
            "coverage",
            zone="kangaba",
            out=tmp_path / f"{audience}.pdf",
            store=legend_store,
            audience=audience,
        )
        texts[audience] = " ".join(_pages(out))
    assert "rattach" not in texts["public"]
    assert "Danga" in texts["public"]
    flat = " ".join(texts["internal"].split())
    footer = flat[flat.index("Contrôle de divulgation") :]
    assert f"(non cartographiés) : {len(CERCLE_ONLY)}." in footer
    assert flat.count("rattach") == 1  # in the footer, not in the legend
