"""Critères et lacunes: where to sensitise next, where care is out of reach, the criteria.

A planner picks a question; the map follows it, the places it concerns are ranked below (names
a person reads, headers in the app's language) and the selected place's reasons are spelled out
in a box. The weights and "meets at least N" change what counts as a place at risk; where next
suggests new sites on request (a longer computation).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import settings
from geo.gaps import GAP_KINDS
from geo.i18n import number, t
from geo.vocab import CRITERIA
from zoneplan.context import Context
from zoneplan.ui import tables, widgets

#: The page's questions, in menu order: the gap kinds whose places the table ranks (none: every
#: place, by criteria) and the map view drawn below the choice.
QUESTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "sensitisation": (("sensitisation",), "gaps"),
    "access": (("access",), "gaps"),
    "gaps": (GAP_KINDS, "gaps"),
    "criteria": ((), "criteria"),
}
#: Height of the ranked table (about twelve rows; it scrolls beyond).
TABLE_HEIGHT = 460


def render(ctx: Context) -> None:
    """Draw the criteria and gaps page."""
    lang = ctx.lang
    options = _weights(lang)
    question = st.radio(
        t("app.criteria.show", lang),
        tuple(QUESTIONS),
        horizontal=True,
        key="criteria.show",
        format_func=lambda v: t(f"app.criteria.show.{v}", lang),
    )
    with_next = st.toggle(
        t("app.criteria.with_next", lang),
        key="criteria.with_next",
        help=t("app.criteria.with_next_help", lang),
    )
    kinds, view = QUESTIONS[question]
    result = widgets.run_analysis(ctx, view, **options)
    if result is None:  # the error is said above; the zone is still drawn
        widgets.show_base_map(ctx, f"map.{question}")
        return
    for note in result.summary.get("notes", []):
        st.info(note, icon="ℹ️")
    widgets.show_view(ctx, view, key=f"map.{question}", with_next=with_next, **options)
    _places(result, question, lang)
    _next(ctx, with_next, options)


#: The weights a criterion can take (0: left out of the score).
WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)


def _weights(lang: str) -> dict[str, object]:
    """Show the weight sliders and "meets at least N"; return them as analysis options."""
    cols = st.columns(len(CRITERIA) + 1)
    weights = {}
    for col, name in zip(cols, CRITERIA, strict=False):
        # Steps of a half, written as a person reads them (0,5 in French), not Streamlit's "1.00".
        weights[name] = col.select_slider(
            t(f"app.criteria.{name}", lang),
            options=WEIGHTS,
            value=1.0,
            format_func=lambda w: number(w, lang, decimals=0 if float(w).is_integer() else 1),
            key=f"criteria.weight.{name}",
        )
    min_n = cols[-1].slider(
        t("app.criteria.min_n", lang), 1, len(CRITERIA), settings.MIN_CRITERIA, key="criteria.min_n"
    )
    return {"weights": weights, "min_criteria": min_n}


# --- the ranked places ---------------------------------------------------------------------------


def _places(result, question: str, lang: str) -> None:
    """Rank the places the question concerns; explain the selected one in a box below."""
    places = result.places
    if places is None or places.empty:  # the notes above say the zone has no located place
        return
    kinds, _view = QUESTIONS[question]
    st.subheader(t(f"app.criteria.table.{question}", lang))
    st.caption(_counts(result.summary, bool(kinds), lang))
    if kinds:
        rows = places[places["gap_kinds"].map(lambda found: any(k in found for k in kinds))]
    else:
        rows = places.sort_values(["n_criteria", "total_score"], ascending=False, kind="stable")
    if rows.empty:
        st.info(_empty(result.summary, question, lang))
        return
    picked = widgets.ranked_table(
        place_rows(rows, lang, reasons="gap_reasons" if kinds else "explanation"),
        place_columns(lang, reasons="reasons" if kinds else "explanation"),
        key=f"criteria.places.{question}",
        select=True,
        height=min(TABLE_HEIGHT, 38 + 35 * len(rows)),
    )
    st.caption(t("app.criteria.pick", lang))
    explain(rows.iloc[picked or 0], lang)


def _counts(summary: dict, gaps: bool, lang: str) -> str:
    if not gaps:
        return t(
            "app.criteria.counts.criteria",
            lang,
            meeting=summary.get("places_meeting", 0),
            places=summary.get("place_count", 0),
            n=summary.get("min_criteria", settings.MIN_CRITERIA),
        )
    return t(
        "app.criteria.counts.gaps",
        lang,
        at_risk=summary.get("places_at_risk", 0),
        places=summary.get("place_count", 0),
        reached=summary.get("places_reached", 0),
        sens=summary.get("sensitisation_gaps", 0),
        access=summary.get("access_gaps", 0),
    )


def _empty(summary: dict, question: str, lang: str) -> str:
    """Return the one line that says why no place answers ``question``."""
    at_risk = int(summary.get("places_at_risk", summary.get("places_meeting", 0)) or 0)
    if not at_risk:
        return t("app.criteria.empty.none_at_risk", lang)
    km = widgets.number(summary.get("access_km", settings.ACCESS_KM), lang)
    return t(f"app.criteria.empty.{question}", lang, n=at_risk, km=km)


def centre_text(town: object, km: object, lang: str) -> str:
    """Return the nearest centre as read in a table: "Bamako, 111 km" (or "aucun centre connu")."""
    dist = pd.to_numeric(km, errors="coerce")
    if pd.isna(dist):
        return t("analyses.gap.no_centre", lang)
    figure = widgets.number(dist, lang, 0 if dist >= 10 else 1)
    return f"{town}, {figure} km" if isinstance(town, str) and town else f"{figure} km"


def place_rows(rows: pd.DataFrame, lang: str, *, reasons: str) -> pd.DataFrame:
    """Return the places as a person reads them, in rank order: names first, no ids, numbers as text.

    ``reasons`` names the column of ``rows`` shown last (``gap_reasons`` or ``explanation``).
    """
    town = rows["nearest_centre_town"].where(rows["nearest_centre_town"].notna(), rows["nearest_centre"])
    out = pd.DataFrame(
        {
            "name": rows["name"].to_numpy(),
            "commune": rows["commune"].fillna("").to_numpy(),
            "cercle": rows["cercle"].fillna("").to_numpy(),
            "n_criteria": rows["n_criteria"].astype(int).to_numpy(),
            "total_score": (rows["total_score"].astype(float) * 100).round().astype(int).to_numpy(),
            "centre": [
                centre_text(w, d, lang) for w, d in zip(town, rows["dist_centre_km"], strict=True)
            ],
            "people_sensitised": [widgets.number(v, lang) for v in rows["people_sensitised"]],
            "reasons" if reasons == "gap_reasons" else "explanation": rows[reasons].to_numpy(),
        }
    )
    if tables.ids_shown():  # asked for in the sidebar: the place's id, last
        out["place_id"] = rows["place_id"].to_numpy()
    return out


def place_columns(lang: str, *, reasons: str) -> dict[str, object]:
    """Return the headers (units included) and widths of the ranked places' columns."""
    cc = st.column_config

    def head(name: str) -> str:
        return t(f"app.criteria.col.{name}", lang)

    return {
        "name": cc.TextColumn(head("name"), width=140, pinned=True),
        "commune": cc.TextColumn(head("commune"), width=100),
        "cercle": cc.TextColumn(head("cercle"), width=90),
        "n_criteria": cc.NumberColumn(
            head("n_criteria"),
            width=76,
            format=f"%d/{len(CRITERIA)}",
            help=t("app.criteria.col.n_criteria_help", lang),
        ),
        "total_score": cc.NumberColumn(
            head("total_score"), width=76, format="%d", help=t("app.criteria.col.total_score_help", lang)
        ),
        "centre": cc.TextColumn(head("centre"), width=160, help=t("app.criteria.col.centre_help", lang)),
        "people_sensitised": cc.TextColumn(
            head("people_sensitised"),
            width=96,
            alignment="right",
            help=t("app.criteria.col.people_help", lang),
        ),
        reasons: cc.TextColumn(head(reasons), width="large"),
        **(
            {"place_id": cc.TextColumn(tables.header("place_id", lang), width=140)}
            if tables.ids_shown()
            else {}
        ),
    }


def explain(row: pd.Series, lang: str) -> None:
    """Spell out why ``row``'s place is where it is: its criteria, its gaps, centre, people."""
    where = ", ".join(
        t(f"app.criteria.box.{level}", lang, name=row[level])
        for level in ("commune", "cercle")
        if isinstance(row.get(level), str) and row[level] and row[level] != row["name"]
    )
    town = row.get("nearest_centre_town")
    town = town if isinstance(town, str) and town else row.get("nearest_centre")
    people = widgets.number(row.get("people_sensitised"), lang)
    sessions = widgets.number(row.get("sessions"), lang)
    reached = (
        t("app.criteria.box.people_value", lang, people=people, sessions=sessions or "0")
        if people not in ("", "0")
        else t("app.criteria.box.people_none", lang)
    )

    def line(key: str, text: object) -> str:
        return f"**{t(f'app.criteria.box.{key}', lang)}** {widgets.plain(text)}"

    lines = [
        f"**{widgets.plain(row['name'])}**" + (f" — {widgets.plain(where)}" if where else ""),
        line("criteria", row["explanation"]),
        line("gaps", row.get("gap_reasons") or t("app.criteria.box.no_gap", lang)),
        line("centre", centre_text(town, row.get("dist_centre_km"), lang)),
        line("people", reached),
    ]
    box = st.container(border=True, key="criteria.explanation")
    box.markdown("  \n".join(lines))


# --- where next ----------------------------------------------------------------------------------


def _next(ctx: Context, with_next: bool, options: dict[str, object]) -> None:
    """Show the suggested sites (name, places covered, gain) or the one line saying why none."""
    lang = ctx.lang
    st.subheader(t("app.criteria.next", lang))
    if not with_next:
        st.caption(t("app.criteria.with_next_help", lang))
        return
    nxt = widgets.run_analysis(ctx, "next", **options)
    if nxt is None:
        return
    sites = nxt.table
    if sites.empty:
        st.info(nxt.summary.get("why_none") or t("no_data", lang))
        return
    covers = sites["covers"].map(list)
    rows = pd.DataFrame(
        {
            "step": sites["step"].astype(int).to_numpy(),
            "name": sites["name"].to_numpy(),
            "n_covered": covers.map(len).to_numpy(),
            "covers": covers.map(", ".join).to_numpy(),
            "gain": [widgets.number(g, lang, 1) for g in sites["gain"]],
        }
    )
    cc = st.column_config

    def head(name: str) -> str:
        return t(f"app.criteria.next.col.{name}", lang)

    widgets.ranked_table(
        rows,
        {
            "step": cc.NumberColumn(head("step"), width=44, format="%d"),
            "name": cc.TextColumn(head("name"), width=150),
            "n_covered": cc.NumberColumn(head("n_covered"), width=110, format="%d"),
            "gain": cc.TextColumn(
                head("gain"), width=110, alignment="right", help=t("app.criteria.next.gain_help", lang)
            ),
            "covers": cc.TextColumn(head("covers"), width="large"),
        },
        key="next.table",
    )
