"""Outputs safe to hand over: CSV cells that cannot run, audience, data version, fictitious data."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pandas as pd

from geo.csvsafe import safe_frame, write_csv

HYPERLINK = '=HYPERLINK("http://x","clic")'


def _cli(*args: str, home=None) -> subprocess.CompletedProcess:
    env = None
    if home is not None:
        import os

        env = {**os.environ, "HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "zoneplan", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


# --- CSV safety -------------------------------------------------------------------------------


def test_text_cells_that_start_a_formula_are_prefixed_and_numbers_stay_numbers():
    frame = pd.DataFrame(
        {
            "name": [HYPERLINK, "-2+3", "+33", "@SUM(A1)", "\tx", "\rx", "Nouga", None],
            "reached": [1, -2, 3, 4, 5, 6, 7, 8],
            "share": [0.5, -0.25, 1.0, 0.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    rows = list(csv.DictReader(io.StringIO(write_csv(frame), newline="")))
    assert [r["name"] for r in rows[:6]] == ["'" + v for v in frame["name"][:6]]
    assert rows[6]["name"] == "Nouga" and rows[7]["name"] == ""
    assert [int(r["reached"]) for r in rows] == list(frame["reached"])
    assert [float(r["share"]) for r in rows] == list(frame["share"])
    assert frame["name"][0] == HYPERLINK  # the caller's frame is not changed
    assert safe_frame(frame)["reached"].dtype == frame["reached"].dtype


def test_mark_is_the_first_line(tmp_path):
    path = tmp_path / "t.csv"
    write_csv(pd.DataFrame({"a": [1]}), path, mark="DONNÉES FICTIVES — NE PAS DIFFUSER")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == ["DONNÉES FICTIVES — NE PAS DIFFUSER", "a", "1"]


def test_cli_reports_and_analysis_tables_neutralise_place_names(tmp_path):
    villages = tmp_path / "villages.csv"
    villages.write_text(
        f"nom;latitude;longitude;cercle\n{HYPERLINK};12,14889;-8,88087;Kangaba\n"
        "-2+3;12,2;-8,9;Kangaba\n@evil;;;Kangaba\n",
        encoding="utf-8",
    )
    store = tmp_path / "store.gpkg"
    report = tmp_path / "report.csv"
    done = _cli("data", "add-places", str(villages), "--store", str(store), "--report", str(report))
    assert done.returncode == 0, done.stderr
    with report.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == ["'" + HYPERLINK, "'-2+3", "'@evil"]
    assert [int(r["line"]) for r in rows] == [2, 3, 4]
    units, places = tmp_path / "unites.csv", tmp_path / "lieux.csv"
    args = ("--store", str(store), "--csv", str(units), "--places-csv", str(places))
    done = _cli("analyse", "gaps", "--zone", "kangaba", *args)
    assert done.returncode == 0, done.stderr
    for path in (units, places):
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        cells = [cell for row in rows for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], path
        assert not [c for c in cells if c.startswith("-") and not _is_number(c)], path
    with places.open(encoding="utf-8") as fh:
        names = {r["name"] for r in csv.DictReader(fh)}
    assert {"'" + HYPERLINK, "'-2+3"} <= names


def test_import_report_goes_through_the_safe_writer(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "date;lieu;commune;type;partenaire;filles;garcons;femmes;hommes;total\n"
        f"12/04/2021;{HYPERLINK.replace(';', ',')};Nouga;Sensibilisation;X;3;2;;;5\n"
        "12/04/2021;Tombola;Nouga;Sensibilisation;X;3;2;;;5\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    done = _cli("import", str(path), "--store", str(tmp_path / "s.gpkg"), "--report", str(report))
    assert done.returncode == 0, done.stderr
    with report.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["status"] for r in rows] == ["rejected", "accepted"]
    assert float(rows[1]["match_score"]) == 100.0


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- audience, data version, fictitious data ----------------------------------------------------

FICTIF = "DONNÉES FICTIVES — NE PAS DIFFUSER"


def _pdf_pages(path) -> list[str]:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def _pdfinfo(path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout


def test_single_maps_default_to_public_and_internal_ones_say_interne(tmp_path):
    store = tmp_path / "s.gpkg"
    base = ("export", "map", "--view", "coverage", "--zone", "kangaba", "--store", str(store))
    public, internal = tmp_path / "public.pdf", tmp_path / "internal.pdf"
    assert _cli(*base, "-o", str(public)).returncode == 0
    done = _cli(*base, "--audience", "internal", "-o", str(internal))
    assert done.returncode == 0, done.stderr
    assert "INTERNE" not in "".join(_pdf_pages(public)) and "INTERNE" not in _pdfinfo(public)
    assert "externe (public)" in "".join(_pdf_pages(public))
    assert "INTERNE" in "".join(_pdf_pages(internal))
    assert "INTERNE" in _pdfinfo(internal) and "audience=internal" in _pdfinfo(internal)
    html = tmp_path / "internal.html"
    assert _cli(*base, "--audience", "internal", "-o", str(html)).returncode == 0
    page = html.read_text(encoding="utf-8")
    assert '<meta name="audience" content="internal">' in page
    assert "<title>Couverture" in page and "INTERNE" in page.split("</title>")[0]
    assert _cli(*base, "-o", str(tmp_path / "p.html")).returncode == 0
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert '<meta name="audience" content="public">' in page and "INTERNE" not in page


def test_data_version_is_a_hash_of_the_records_and_the_last_import(store, sample_store):
    from zoneplan.maps import data_version

    assert "aucun import" in data_version(store, "fr")
    version = data_version(sample_store, "fr")
    assert "aucun import" not in version and "dernier import le 20" in version
    digest = version.split()[0]
    assert len(digest) == 8 and int(digest, 16) >= 0
    assert data_version(sample_store, "fr") == version  # same records, same version


def test_fictitious_sample_is_marked_everywhere_and_removable(tmp_path):
    store = tmp_path / "s.gpkg"
    home = tmp_path
    done = _cli("data", "load-sample", "--store", str(store), home=home)
    assert done.returncode == 0, done.stderr
    pack = tmp_path / "pack.pdf"
    args = ("export", "pack", "--zone", "kangaba", "--store", str(store), "-o", str(pack))
    assert _cli(*args, home=home).returncode == 0
    pages = _pdf_pages(pack)
    assert len(pages) > 2 and all(FICTIF in page for page in pages)
    html = tmp_path / "m.html"
    base = ("export", "map", "--view", "coverage", "--zone", "kangaba", "--store", str(store))
    assert _cli(*base, "-o", str(html), home=home).returncode == 0
    assert FICTIF in html.read_text(encoding="utf-8")
    png = tmp_path / "m.png"
    assert _cli(*base, "-o", str(png), home=home).returncode == 0
    out = tmp_path / "gaps.csv"
    done = _cli("analyse", "gaps", "--zone", "kangaba", "--store", str(store), "--csv", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").splitlines()[0] == FICTIF
    gaps = ("analyse", "gaps", "--zone", "kangaba", "--store", str(store))
    text = _cli(*gaps, home=home)
    assert text.returncode == 0 and text.stdout.splitlines()[0] == FICTIF
    import json

    assert json.loads(_cli(*gaps, "--json", home=home).stdout)["mark"] == FICTIF

    done = _cli("data", "remove-sample", "--json", "--store", str(store), home=home)
    assert done.returncode == 0, done.stderr
    removed = json.loads(done.stdout)["removed"]
    assert removed["activities"] > 0 and removed["cases"] > 0
    assert _cli(*args, home=home).returncode == 0
    assert not any(FICTIF in page for page in _pdf_pages(pack))
    assert _cli(*base, "-o", str(html), home=home).returncode == 0
    assert FICTIF not in html.read_text(encoding="utf-8")
    done = _cli("analyse", "gaps", "--zone", "kangaba", "--store", str(store), "--csv", str(out))
    assert out.read_text(encoding="utf-8").splitlines()[0] != FICTIF
    text = _cli(*gaps, home=home)
    assert text.returncode == 0 and FICTIF not in text.stdout
    assert "mark" not in json.loads(_cli(*gaps, "--json", home=home).stdout)
    again = _cli("data", "remove-sample", "--store", str(store), home=home)
    assert again.returncode == 0 and "rien à retirer" in again.stdout


def test_sample_needs_force_over_real_records_and_removal_keeps_them(store):
    from geo.errors import InputError
    from tests.test_import import MESSY, _write
    from zoneplan.records import import_file
    from zoneplan.sample import load_sample, record_counts, remove_sample

    import_file(_write(store.path.parent / "a.csv", MESSY), store=store)
    real = record_counts(store)["activities"]["real"]
    assert real > 0
    try:
        load_sample(store)
    except InputError as exc:
        assert "--force" in str(exc)
    else:
        raise AssertionError("the sample was loaded over real records without --force")
    load_sample(store, force=True)
    counts = record_counts(store)
    assert counts["activities"]["sample"] > 0 and counts["activities"]["real"] == real
    removed = remove_sample(store)
    assert removed == {k: n["sample"] for k, n in counts.items()}
    after = record_counts(store)
    assert after["activities"] == {"sample": 0, "real": real} and after["cases"]["sample"] == 0
