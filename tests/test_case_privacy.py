"""Case rows are never kept below the commune, anywhere in the store (issue 11, item 8)."""

from __future__ import annotations

import json

from geo import settings
from zoneplan.records import CASE_QUARANTINE_FIELDS, import_file

HEADER = (
    "Date;Village;Commune;Type de cas;Partenaire;Filles;Garçons;Total;Latitude;Longitude;Observations"
)
OBSERVATION = "fillette hébergée chez sa tante derrière la mosquée"
ROWS = [
    f"01/02/2021;Kokoyo;Nouga;Identification;CASE SAHEL;3;1;4;11,70417;-8,69583;{OBSERVATION}",
    f"31/02/2021;Kokoyo;Nouga;Identification;CASE SAHEL;3;1;4;11,70417;-8,69583;{OBSERVATION}",
    f"01/03/2021;Kokoyo;Nouga;Prise en charge;CASE SAHEL;-2;0;-2;11,70417;-8,69583;{OBSERVATION}",
    f"01/03/2021;Tégué;Kaniogo;Prise en charge;CASE SAHEL;7;0;7;;;{OBSERVATION}",
    f"01/04/2021;;Kaniogo;Identification;CASE SAHEL;2;2;4;11,70417;-8,69583;{OBSERVATION}",
]
SECRETS = ("Kokoyo", "Tégué", "Tegue", "11,70417", "11.70417", "-8,69583", "-8.69583")
SECRETS += ("mosquée", "tante")


def _cases_file(tmp_path):
    path = tmp_path / "cas.csv"
    path.write_text("\r\n".join([HEADER, *ROWS]) + "\r\n", encoding="utf-8")
    return path


def test_store_file_holds_no_village_coordinates_or_observation(tmp_path, store):
    report = import_file(_cases_file(tmp_path), kind="cases", store=store)
    s = report.summary
    assert s["rows_read"] == 5 and s["rejected"] >= 2 and s["accepted"] >= 1
    data = open(store.path, "rb").read()
    for secret in SECRETS:
        assert secret.encode("utf-8") not in data, secret
    # Re-importing (the quarantine is rewritten) leaves nothing either.
    import_file(_cases_file(tmp_path), kind="cases", store=store)
    data = open(store.path, "rb").read()
    assert not [s for s in SECRETS if s.encode("utf-8") in data]


def test_quarantined_case_rows_keep_line_reason_and_commune_only(tmp_path, store):
    import_file(_cases_file(tmp_path), kind="cases", store=store)
    q = store.read("quarantine")
    assert set(q["line"]) >= {3, 4}
    for raw, reason in zip(q["raw"], q["reason"], strict=True):
        kept = json.loads(raw)
        assert set(kept) <= set(CASE_QUARANTINE_FIELDS)
        assert kept["commune"] in {"Nouga", "Kaniogo"}
        assert reason and not any(s in reason for s in SECRETS)
    by_line = dict(zip(q["line"], q["reason"], strict=True))
    assert "date" in by_line[3].lower()
    assert "attendu un nombre entier" in by_line[4]  # stored in the import's language (French)


def test_accepted_case_rows_keep_only_the_commune_or_coarser(tmp_path, store):
    import_file(_cases_file(tmp_path), kind="cases", store=store)
    cases = store.read("cases")
    assert not {"place_id", "place_name", "place_text", "lat", "lon", "notes"} & set(cases.columns)
    assert cases["unit_level"].max() <= settings.CASE_MIN_ADMIN_LEVEL
    assert not any(s in cases.to_csv() for s in SECRETS)
