"""Write the FICTITIOUS sample records into ``data/sample/`` (fixed seed, reproducible).

    python scripts/make_sample.py

Nothing here describes a real person, activity or case. The figures are drawn so that the
indicators show a spread of achievement against the programme targets (``data/indicators.csv``),
some villages are under-covered, and a few case counts are small enough that disclosure control
must hide them. The files are written the way partners write them: French headers, semicolons,
day/month/year dates, and some alternative spellings of place names (Nougua, Kofoulaté, Tegue).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from geo.indicators import read_targets  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "data" / "sample"
SEED = 20240601

#: Places of each programme with their share of the activity (small = under-covered), the
#: spellings used in the files, and their commune/cercle/région as partners write them.
PLACES = {
    "kangaba": [
        ("Kokoyo", "Nouga", "Kangaba", "Koulikoro", 3.0),
        ("Kofoulaté", "Kaniogo", "Kangaba", "Koulikoro", 3.0),
        ("Tegue", "Kaniogo", "Kangaba", "Koulikoro", 1.2),
        ("Nougua", "Nouga", "Kangaba", "Koulikoro", 1.0),
        ("Kaniogo", "Kaniogo", "Kangaba", "Koulikoro", 1.0),
        ("Danga", "Nouga", "Kangaba", "Koulikoro", 0.5),
        ("Tombola", "Nouga", "Kangaba", "Koulikoro", 0.15),
        ("Sombo", "Kaniogo", "Kangaba", "Koulikoro", 0.1),
    ],
    "rompre_le_silence": [
        ("Bamako", "", "Bamako", "Bamako", 4.0),
        ("Ségou", "", "Ségou", "Ségou", 2.0),
        ("Sikasso", "", "Sikasso", "Sikasso", 2.0),
        ("Mopti", "", "Mopti", "Mopti", 1.2),
        ("Douentza", "", "Douentza", "Mopti", 0.2),
    ],
}
PARTNERS = {
    "kangaba": ["CASE SAHEL", "ENDA Mali/RAO", "ACESEM"],
    "rompre_le_silence": ["Samu Social Mali", "Caritas Mali – AET", "BNCE Mali", "AV.ES"],
}
LABELS = {
    "formation_pairs": "Formation des pairs éducateurs",
    "focus_group": "Focus group",
    "sensibilisation": "Sensibilisation",
    "sensibilisation_masse": "Théâtre forum",
    "formation_ccpe": "Formation CCPE",
    "formation_travailleurs_sociaux": "Formation des travailleurs sociaux",
    "formation_acteurs": "Formation des acteurs",
    "plan_action": "Plan d'action",
    "formation_medias": "Formation des médias",
}
CASE_LABELS = {
    "identification": "Identification",
    "prise_en_charge": "Prise en charge",
    "retour_famille": "Retour en famille",
    "reinsertion": "Réinsertion",
    "prise_en_charge_psy": "Prise en charge psychosociale",
}
#: Achievement ratios handed out in turn to the activity types, for a visible spread.
RATIOS = (1.08, 0.93, 0.71, 0.45, 0.98, 0.62, 0.3, 1.0, 0.85, 0.55)


def _months(start: str, end: str) -> list[pd.Timestamp]:
    return list(pd.date_range(start, end, freq="MS"))


def activities(rng: np.random.Generator, targets: pd.DataFrame) -> list[dict]:
    """Return activity rows reaching each type's main target times a chosen ratio."""
    rows: list[dict] = []
    turn = 0
    for (prog, atype), group in targets[targets["kind"] == "activity"].groupby(
        ["programme_id", "activity_type"], sort=True
    ):
        main = group.sort_values("target", ascending=False).iloc[0]
        ratio = RATIOS[turn % len(RATIOS)]
        turn += 1
        goal = int(round(float(main["target"]) * ratio))
        months = _months(group["period_start"].min(), group["period_end"].max())
        places = PLACES[prog]
        weights = np.array([p[4] for p in places])
        weights = weights / weights.sum()
        done = 0
        while done < goal:
            place = places[rng.choice(len(places), p=weights)]
            day = months[rng.integers(len(months))] + pd.Timedelta(days=int(rng.integers(28)))
            row = {
                "Date": day.strftime("%d/%m/%Y"),
                "Programme": prog,
                "Village": place[0],
                "Commune": place[1],
                "Cercle": place[2],
                "Région": place[3],
                "Activité": LABELS.get(atype, atype),
                "Partenaire": PARTNERS[prog][rng.integers(len(PARTNERS[prog]))],
                "Filles": "",
                "Garçons": "",
                "Femmes": "",
                "Hommes": "",
                "Total": "",
                "Séances": "",
                "Observations": "FICTIF",
            }
            if main["measure"] == "sessions" and atype != "focus_group":
                row["Séances"] = 1
                row["Total"] = int(rng.integers(4, 12))
                done += 1
            elif atype == "focus_group":
                sessions = int(min(rng.integers(2, 6), goal - done))
                girls = int(rng.integers(1, 3) * sessions)
                boys = int(sessions)
                row.update(
                    {"Séances": sessions, "Filles": girls, "Garçons": boys, "Total": girls + boys}
                )
                done += sessions
            else:
                size = int(min(rng.integers(8, 60), max(goal - done, 1)))
                girls = int(rng.binomial(size, 0.4))
                boys = int(rng.binomial(size - girls, 0.4))
                women = int(rng.binomial(size - girls - boys, 0.5))
                men = size - girls - boys - women
                if main["measure"] == "girls":
                    girls, boys, women, men = size, 0, 0, 0
                row.update(
                    {"Filles": girls, "Garçons": boys, "Femmes": women, "Hommes": men, "Total": size}
                )
                done += size
            rows.append(row)
    return rows


def cases(rng: np.random.Generator, targets: pd.DataFrame) -> list[dict]:
    """Return quarterly case counts per commune (Kangaba) or cercle (other zones)."""
    rows: list[dict] = []
    units = {
        "kangaba": [("Nouga", "Kangaba", "Koulikoro", 0.6), ("Kaniogo", "Kangaba", "Koulikoro", 0.4)],
        "rompre_le_silence": [
            ("", "Bamako", "Bamako", 0.55),
            ("", "Ségou", "Ségou", 0.2),
            ("", "Sikasso", "Sikasso", 0.2),
            ("", "Mopti", "Mopti", 0.05),
        ],
    }
    for turn, target in enumerate(targets[targets["kind"] == "case"].itertuples()):
        ratio = (0.82, 0.64, 0.9, 0.4, 0.77, 0.58, 0.95)[turn % 7]
        total = int(round(target.target * ratio))
        quarters = pd.date_range(target.period_start, target.period_end, freq="QS")
        for commune, cercle, region, share in units[target.programme_id]:
            n = int(round(total * share))
            # Half-yearly rows per unit keep some counts small (1-4): suppression must act.
            halves = quarters[::2]
            per_half = rng.multinomial(n, np.ones(len(halves)) / len(halves))
            for q, count in zip(halves, per_half, strict=True):
                if count == 0:
                    continue
                girls = count if target.measure == "girls" else int(rng.binomial(count, 0.85))
                rows.append(
                    {
                        "Date": q.strftime("%d/%m/%Y"),
                        "Programme": target.programme_id,
                        "Commune": commune,
                        "Cercle": cercle,
                        "Région": region,
                        "Type de cas": CASE_LABELS[target.activity_type],
                        "Partenaire": PARTNERS[target.programme_id][0],
                        "Filles": girls,
                        "Garçons": int(count - girls),
                        "Total": int(count),
                    }
                )
    return rows


def write(rows: list[dict], path: Path) -> None:
    """Write ``rows`` as a semicolon-separated UTF-8 CSV."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    """Write ``activites_fictives.csv`` and ``cas_fictifs.csv`` into ``data/sample/``."""
    rng = np.random.default_rng(SEED)
    targets = read_targets(REPO / "data" / "indicators.csv")
    for col in ("period_start", "period_end"):
        targets[col] = targets[col].dt.strftime("%Y-%m-%d")
    OUT.mkdir(parents=True, exist_ok=True)
    acts = activities(rng, targets)
    kases = cases(rng, targets)
    write(acts, OUT / "activites_fictives.csv")
    write(kases, OUT / "cas_fictifs.csv")
    print(f"{OUT}: {len(acts)} fictitious activity rows, {len(kases)} fictitious case rows")


if __name__ == "__main__":
    main()
