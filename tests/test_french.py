"""French wherever a person reads (issue 12): every CLI command and every app page, in French.

The text a person reads is collected (what a command prints; the titles, labels, options, helps,
messages, metrics, table headers and cells of each page) and checked two ways:

- against the English catalogue: a phrase that exists only in the ``en`` texts must not appear;
- against a list of English words ("the", "not", "unknown", "rows", "True"...).

Proper names, ids, file paths, commands and the data's credits are taken out first (see
:func:`readable_words`). The checker is itself tested on an English line, so that a page that
turned English would fail here. The maps' contents are checked by the map tests (their legends
come from the same catalogue).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Iterable, Iterator

import pytest
from streamlit.testing.v1 import AppTest

from geo import settings
from geo.i18n import catalogue, t
from geo.store import Store
from zoneplan.cli import main
from zoneplan.ui.pages import PAGES

APP = settings.REPO_DIR / "app.py"

#: English words a French page must not show (whole words; case-insensitive unless capitalised).
ENGLISH_WORDS: tuple[str, ...] = (
    "the",
    "not",
    "unknown",
    "count",
    "area",
    "expected",
    "rows",
    "row",
    "level",
    "levels",
    "with",
    "without",
    "found",
    "missing",
    "share",
    "within",
    "beyond",
    "people",
    "places",
    "units",
    "store",
    "threshold",
    "achieved",
    "reason",
    "none",
    "and",
    "of",
    "at least",
    "meets",
    "project",
    "partners",
    "purpose",
    "sensitised",
    "skipped",
    "located",
    "matched",
    "rejected",
    "accepted",
    "written",
    "loaded",
    "removed",
    "installed",
    "nearest",
    "status",
    "no",
    "is",
    "are",
    "was",
    "has",
    "have",
    "for",
    "from",
    "to",
    "in",
    "by",
    "this",
    "that",
    "than",
    "only",
    "any",
    "every",
    "each",
    "coordinates",
    "column",
    "columns",
    "value",
    "values",
    "number",
    "name",
    "names",
    "must",
    "cannot",
    "empty",
    "invalid",
    "outside",
    "duplicate",
    "unmatched",
    "approximate",
    "True",
    "False",
    "None",
    "NaN",
    "nan",
)
_EDGE = r"[\w'’-]"
_WORDS = re.compile(
    "|".join(
        rf"(?<!{_EDGE}){re.escape(w)}(?!{_EDGE})"
        if w[0].isupper()
        else rf"(?i:(?<!{_EDGE}){w}(?!{_EDGE}))"
        for w in ENGLISH_WORDS
    )
)
#: Credits of the data as their licences word them (a brand, like a proper name).
CREDITS: tuple[str, ...] = ("Made with Natural Earth.", "Natural Earth")
#: An internal id or column name (``gold_site``, ``label_fr``): never for a person to read.
_ID = re.compile(r"(?<![\w.-])[a-z0-9]+(?:_[a-z0-9]+)+(?![\w.-])")
#: Ids a person is shown as an example of what to type (the drawn zone's id).
TYPED_IDS: tuple[str, ...] = ("kangaba_nord",)
#: What is not words: URLs, paths and file names, commands and options, ids, JSON keys.
_NOT_WORDS = re.compile(
    r"https?://\S+"  # URLs
    r"|\bCC[ -]?(?:BY|0)(?:-[A-Z]+)*(?: \d\.\d)?"  # licences (CC BY 4.0)
    r"|\S*[/\\]\S*"  # paths
    r"|\S+\.(?:csv|json|geojson|gpkg|xlsx|png|pdf|svg|html|zip)\b"  # file names
    r"|`[^`]*`|«[^»]*»"  # commands quoted in a message
    r"|zoneplan(?: [a-z-]+)*(?: --?[a-z-]+(?: \S+)?)*"  # a command line
    r"|--?[a-z][a-z-]*"  # options
    r"|\b[A-Z]{2,}(?:\.[A-Z]{2,})+\S*"  # admin codes (ML.KK.KG)
)


def readable_words(text: str, names: Iterable[str] = ()) -> str:
    """Return ``text`` without what is not French words: names, credits, paths, commands, ids."""
    for known in sorted({*CREDITS, *TYPED_IDS, *names}, key=len, reverse=True):
        if known:
            text = text.replace(known, " ")
    return _NOT_WORDS.sub(" ", text)


def _english_phrases() -> list[str]:
    """Return phrases found only in the English catalogue (fragments between ``{fields}``)."""
    french = " ".join(entry.get("fr", "") for entry in catalogue().values())
    phrases = set()
    for entry in catalogue().values():
        en, fr = entry.get("en", ""), entry.get("fr", "")
        if not en or en == fr:
            continue
        for fragment in re.split(r"\{[^}]*\}", en):
            fragment = fragment.strip(" :;,.()—-\n")
            if len(fragment) >= 12 and " " in fragment and fragment not in french:
                phrases.add(fragment)
    return sorted(phrases)


ENGLISH_PHRASES = _english_phrases()


def english_in(texts: Iterable[str], names: Iterable[str] = (), *, ids: bool = False) -> list[str]:
    """Return the texts that are not French, each with what gave it away.

    ``ids``: internal ids are expected (the reader asked for them), not flagged.
    """
    names = list(names)
    found = []
    for text in texts:
        if not isinstance(text, str) or not text.strip():
            continue
        phrase = next((p for p in ENGLISH_PHRASES if p in text), None)
        words = readable_words(text, names)
        word = _WORDS.search(words) or (None if ids else _ID.search(words))
        if phrase or word:
            found.append(f"{text!r} ({phrase or word.group(0)!r})")
    return found


@pytest.fixture(scope="module")
def names() -> list[str]:
    """Proper names a page or a command shows: places, zones, programmes, partners, centres."""
    import layers
    from geo.indicators import read_programmes

    found: set[str] = set()
    for layer, cols in (
        ("places", ("name",)),
        ("zones", ("name_fr", "name_en")),
        ("centres", ("name", "partner", "town")),
        ("admin", ("name",)),
    ):
        frame = layers.load(layer)
        found |= {str(v) for c in cols if c in frame for v in frame[c].dropna()}
    programmes = read_programmes()
    for partners in programmes["partners"]:
        found |= {p.strip() for p in str(partners).split(";") if p.strip()}
    found |= set(programmes["name_fr"].dropna())
    # the localities a report may name: only those that hold a word the checker looks for
    localities = layers.load("gazetteer")["name"].dropna().astype(str)
    found |= {n for n in localities if _WORDS.search(n)}
    return sorted(found)


def test_the_checker_catches_english_and_lets_french_through(names):
    assert english_in(["zone meets: True"], names)
    assert english_in(["data/centres.csv (partners; town level on purpose)"], names)
    assert english_in(["Unit count"], names)
    assert english_in([t("no_data", "en")], names)
    assert english_in([t("analyses.unlocated", "en", names="Danga")], names)
    assert english_in(["ligne 3 (Sans point) rejetée : no coordinates"], names)
    assert english_in(["gold_site"], names)  # a code, not a word
    assert not english_in([t("no_data", "fr")], names)
    assert not english_in([t("analyses.unlocated", "fr", names="Danga")], names)
    assert not english_in(
        ["Kokoyo (Nouga, Kangaba) : 1\u202f234,5 km ; zoneplan data add-places"], names
    )
    assert not english_in(["Made with Natural Earth. Données de data/zones.json"], names)


# --- the command line ---------------------------------------------------------------------------


def _run(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(argv)
    out, err = capsys.readouterr()
    return done.value.code, out + err


def test_every_command_speaks_french(tmp_path, capsys, names):
    store = str(tmp_path / "store.gpkg")
    opts = ["--store", store]
    sample = settings.DATA_DIR / "sample"
    villages = tmp_path / "villages.csv"
    villages.write_text(
        "nom;latitude;longitude;cercle\nDangatene;12,14889;-8,88087;Kangaba\n", encoding="utf-8"
    )
    population = tmp_path / "population.csv"
    population.write_text("code,nom,enfants\n,Kangaba,52000\n,Atlantis,5\n", encoding="utf-8")
    commands = [
        ["data", "status"],
        ["import", str(sample / "activites_fictives.csv"), "--dry-run"],
        ["import", str(sample / "activites_fictives.csv")],
        ["import", str(sample / "cas_fictifs.csv"), "--kind", "cases"],
        ["data", "remove-sample"],
        ["data", "load-sample"],
        ["data", "status"],
        ["data", "set-location", "danga", "--lat", "11.70", "--lon", "-8.72"],
        ["data", "add-places", str(villages)],
        ["data", "add-population", str(population), "--level", "2"],
        *(["analyse", verb, "--zone", "kangaba", "--units", "h3:7"] for verb in ("access", "criteria")),
        *(["analyse", verb, "--zone", "kangaba", "--units", "admin2"] for verb in ("gaps", "next")),
        ["analyse", "gaps", "--zone", "kangaba", "--units", "h3:7", "--csv", str(tmp_path / "gaps.csv")],
        [
            "export",
            "map",
            "--view",
            "gaps",
            "--zone",
            "kangaba",
            "--dpi",
            "60",
            "-o",
            str(tmp_path / "gaps.png"),
        ],
        ["data", "status"],
    ]
    english = []
    for argv in commands:
        code, said = _run([*argv, *opts], capsys)
        assert code == 0, (argv, said)
        assert said.strip(), argv
        english += [f"{' '.join(argv[:2])}: {e}" for e in english_in(said.splitlines(), names)]
    assert not english, "\n".join(english)


def test_gazetteer_rejections_speak_french(tmp_path, capsys, names):
    villages = tmp_path / "villages.csv"
    villages.write_text(
        "nom;latitude;longitude;cercle\nDangatene;12,14889;-8,88087;Kangaba\nSans point;;;Kangaba\n",
        encoding="utf-8",
    )
    code, said = _run(["data", "add-places", str(villages), "--store", str(tmp_path / "s.gpkg")], capsys)
    assert code == 0, said
    english = english_in(said.splitlines(), names)
    assert not english, "\n".join(english)


def test_english_on_request(tmp_path, capsys):
    code, said = _run(["data", "status", "--store", str(tmp_path / "s.gpkg"), "--lang", "en"], capsys)
    assert code == 0
    assert "project store (zoneplan import)" in said and "base du projet" not in said


# --- the app --------------------------------------------------------------------------------------


def _walk(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _table_texts(node) -> list[str]:
    """Return a table's headers and text cells as shown (a Styler's display values if styled)."""
    from streamlit import dataframe_util

    proto = node.proto
    config = json.loads(proto.columns or "{}")
    frame = node.value
    order = list(proto.column_order) or [c for c in frame.columns if not str(c).startswith("_")]
    texts = [config.get(c, {}).get("label") or str(c) for c in order]
    styler = proto.arrow_data.styler
    if styler.display_values:
        shown = dataframe_util.convert_arrow_bytes_to_pandas_df(styler.display_values)
        cells = shown.to_numpy().ravel().tolist()
    else:
        cells = frame[[c for c in order if c in frame.columns]].to_numpy().ravel().tolist()
    # a missing cell is written "None" by the browser
    return texts + [
        c if isinstance(c, str) else "None" for c in cells if c is None or isinstance(c, str)
    ]


def page_texts(at: AppTest) -> list[str]:
    """Return every text a person reads on the page (the map's inside excepted)."""
    texts: list[str] = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        kind = type(node).__name__
        if kind in ("Tab", "Expander"):
            texts.append(node.label)
        if proto is None:
            continue
        if kind == "Dataframe":
            texts += _table_texts(node)
            continue
        if kind == "UnknownElement" and getattr(proto, "spec", ""):  # a chart: its titles
            spec = json.loads(proto.spec)
            texts += re.findall(r'"title": "([^"]+)"', json.dumps(spec, ensure_ascii=False))
            continue
        for field in ("label", "help", "placeholder", "body", "message"):
            value = getattr(proto, field, None) if field in _fields(proto) else None
            if isinstance(value, str):
                texts.append(value)
        if "options" in _fields(proto):
            texts += list(proto.options)
    return [x for x in texts if x and x.strip()]


def _fields(proto) -> set[str]:
    return {f.name for f in proto.DESCRIPTOR.fields}


@pytest.fixture(scope="module")
def french_store(tmp_path_factory) -> Store:
    """The fictitious sample, with Danga left unlocated (a page says so)."""
    from zoneplan.sample import load_sample

    store = Store(tmp_path_factory.mktemp("french") / "store.gpkg")
    load_sample(store)
    return store


def _app(store: Store, monkeypatch, page: str, lang: str | None = None, **state) -> AppTest:
    argv = ["app.py", "--store", str(store.path)]
    if lang:
        argv += ["--lang", lang]
    monkeypatch.setattr(sys, "argv", argv)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["page"] = page
    for key, value in {"units": "h3:7", **state}.items():
        at.session_state[key] = value
    return at.run()


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_speaks_french(french_store, monkeypatch, names, page):
    states = [{}]
    if page == "criteria":  # every question, and where next
        states = [
            {"criteria.show": q, "criteria.with_next": True} for q in ("sensitisation", "criteria")
        ]
    if page == "access":
        states = [{}, {"show_ids": True}]
    for state in states:
        at = _app(french_store, monkeypatch, page, **state)
        assert not at.exception, [e.message for e in at.exception]
        texts = page_texts(at)
        assert t(f"app.page.{page}", "fr") in texts
        ids = {"place_id", "unit_id", "indicator_id", "label_fr", "label_en"}
        if not state.get("show_ids"):
            assert not ids & set(texts), ids & set(texts)  # no column name reaches a header
        english = english_in(texts, names, ids=bool(state.get("show_ids")))
        assert not english, "\n".join(english)


def test_import_report_speaks_french(french_store, monkeypatch, names):
    """An upload with a name to confirm and rows to reject: counts, tables and reasons in French."""
    rows = (
        "Date;Programme;Village;Commune;Cercle;Région;Activité;Partenaire;Filles;Garçons;Total\n"
        "17/09/2020;kangaba;Kokoyo;Nouga;Kangaba;Koulikoro;Focus group;ACESEM;3;3;6\n"
        "18/09/2020;kangaba;Kokoyoo;Nouga;Kangaba;Koulikoro;Focus group;ACESEM;3;3;6\n"
        ";kangaba;Kokoyo;Nouga;Kangaba;Koulikoro;Focus group;ACESEM;3;3;6\n"
        "19/09/2020;kangaba;Atlantide;;;;Focus group;ACESEM;3;3;6\n"
    )
    at = _app(french_store, monkeypatch, "data")
    at.get("file_uploader")[0].upload("activites.csv", rows.encode("utf-8"), "text/csv").run()
    assert not at.exception, [e.message for e in at.exception]
    texts = page_texts(at)
    assert t("app.data.import.rejected", "fr") in " ".join(texts)
    english = english_in(texts, names)
    assert not english, "\n".join(english)


def test_tables_read_in_french(french_store, monkeypatch):
    at = _app(french_store, monkeypatch, "access")
    table = next(d for d in at.dataframe if t("table.col.dist_centre_km", "fr") in d.value.columns)
    headers = list(table.value.columns)
    assert headers[0] == t("table.col.name", "fr")  # place names first
    assert "place_id" not in headers and t("table.col.place_id", "fr") not in headers
    shown = _table_texts(table)
    assert any(re.fullmatch(r"\d{2,3},\d", c) for c in shown)  # 126,0 km: a decimal comma
    at = _app(french_store, monkeypatch, "access", show_ids=True)
    table = next(d for d in at.dataframe if t("table.col.dist_centre_km", "fr") in d.value.columns)
    assert t("table.col.place_id", "fr") in table.value.columns  # ids on request, last
    from zoneplan.ui import tables

    monkeypatch.setattr(tables, "MAX_STYLED_CELLS", 10)  # a long table: figures written as text
    at = _app(french_store, monkeypatch, "access")
    table = next(d for d in at.dataframe if t("table.col.dist_centre_km", "fr") in d.value.columns)
    assert re.fullmatch(r"\d{2,3},\d", table.value[t("table.col.dist_centre_km", "fr")].iloc[0])
    at = _app(french_store, monkeypatch, "coverage")
    progress = next(d for d in at.dataframe if t("table.col.status", "fr") in d.value.columns)
    styles = progress.proto.arrow_data.styler.styles
    assert "background-color: #d73027" in styles or "background-color: #1a9850" in styles
    words = {t(f"export.pack.status.{s}", "fr") for s in ("green", "amber", "red", "no_data")}
    assert set(progress.value[t("table.col.status", "fr")]) <= words


def test_readable_tables_name_first_hide_ids_and_write_words():
    import pandas as pd

    from zoneplan.ui.tables import readable, styled

    frame = pd.DataFrame(
        {
            "place_id": ["kokoyo", "gaz:1"],
            "dist_centre_km": [111.45, 2.46],
            "kind": ["gold_site", "village"],
            "commune": ["Nouga", None],
            "name": ["Kokoyo", "Samaya"],
            "gap_kinds": [["sensitisation", "access"], []],
        }
    )
    shown = readable(frame, "fr", ids=False)
    assert list(shown.columns) == ["name", "commune", "dist_centre_km", "kind", "gap_kinds"]
    assert list(shown["kind"]) == ["site d'orpaillage", "village"]
    assert shown["commune"].iloc[1] == ""  # not "None"
    assert shown["gap_kinds"].iloc[0] == "sensibilisation ; accès"
    assert list(readable(frame, "fr", ids=True).columns)[-1] == "place_id"
    html = styled(shown, "fr").to_html()
    assert "111,5" in html and "2,5" in html and "Distance au centre le plus proche (km)" in html
    assert "111.5" in styled(readable(frame, "en", ids=False), "en").to_html()


# --- switching language keeps every widget's state ---------------------------------------------------

#: Widgets whose value is a choice among labelled options (the browser holds the label).
_CHOICES = ("Radio", "Selectbox", "Multiselect")


def _labels(at: AppTest) -> dict[str, object]:
    """Return, per widget key, the label(s) of its current value in the page's language."""
    out = {}
    for node in _walk(at._tree):
        if type(node).__name__ not in _CHOICES or not getattr(node, "key", None):
            continue
        if type(node).__name__ == "Multiselect":
            out[node.key] = list(node.values)
        else:
            out[node.key] = node.options[node.index] if node.index is not None else None
    return out


def _shown_by_browser(at: AppTest, before: dict[str, object]) -> dict[str, object]:
    """Return what the browser shows after a rerun: the label it held, unless the app sent one.

    The browser keeps a choice as the label it showed; only a value the app sends
    (``set_value``) replaces it.
    """
    shown = {}
    for node in _walk(at._tree):
        if type(node).__name__ not in _CHOICES or node.key not in before:
            continue
        proto = node.proto
        if proto.set_value:
            sent = list(proto.raw_values) if type(node).__name__ == "Multiselect" else proto.raw_value
            shown[node.key] = sent
        else:
            shown[node.key] = before[node.key]
    return shown


def _state(at: AppTest, keys: Iterable[str]) -> dict[str, object]:
    return {k: at.session_state[k] for k in keys if k in at.session_state}


#: The widgets whose state a switch of language must keep.
KEPT = (
    "page",
    "programme",
    "zone.kangaba",
    "period.kangaba",
    "partner.kangaba",
    "activity.kangaba",
    "indicator.kangaba",
    "units",
    "internal",
    "tiles",
    "show_ids",
    "coverage.measure",
    "criteria.show",
    "criteria.min_n",
    "criteria.weight.border",
)


@pytest.mark.parametrize("page", ["coverage", "criteria"])
def test_switching_language_keeps_every_widget(french_store, monkeypatch, page):
    at = _app(french_store, monkeypatch, page)
    sb = at.sidebar
    sb.selectbox(key="activity.kangaba").set_value("focus_group").run()
    sb.selectbox(key="indicator.kangaba").set_value("kg_focus_groups").run()
    sb.multiselect(key="partner.kangaba").set_value(["ACESEM"]).run()
    start, end = sb.slider(key="period.kangaba").value
    sb.slider(key="period.kangaba").set_value((start + dt.timedelta(days=120), end)).run()
    sb.checkbox(key="internal").check().run()
    if page == "coverage":
        at.radio(key="coverage.measure").set_value("pct_target").run()
    else:
        at.radio(key="criteria.show").set_value("gaps").run()
        at.slider(key="criteria.min_n").set_value(2).run()
    assert not at.exception, [e.message for e in at.exception]
    chosen = _state(at, KEPT)
    for lang in ("en", "fr"):
        before = _labels(at)
        at.sidebar.radio(key="lang").set_value(lang).run()
        assert not at.exception, [e.message for e in at.exception]
        assert _state(at, chosen) == chosen  # codes, dates and figures kept
        after = _labels(at)  # each value's label in the new language
        shown = _shown_by_browser(at, before)
        wrong = {k: (shown[k], after[k]) for k in shown if k != "lang" and shown[k] != after[k]}
        assert not wrong, wrong  # the browser shows each choice, in the new language
    assert at.title[0].value == t(f"app.page.{page}", "fr")
