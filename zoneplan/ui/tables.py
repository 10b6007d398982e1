"""Tables a person reads: headers in their language with units, names first, ids hidden, figures
written the French way, traffic lights as coloured cells with a word.

Every table of the app goes through :func:`show` (or :func:`readable` for a frame to reuse); the
headers and the words of coded values come from the catalogue (``table.col.<column>``,
``table.value.<column>.<value>``), so a page never shows a column name such as ``place_id``.
Internal ids are shown only when the reader asks for them (the sidebar's "afficher les
identifiants", :data:`SHOW_IDS`).
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from geo.i18n import catalogue, number, t

#: Session key of the sidebar's "show the identifiers" checkbox.
SHOW_IDS = "show_ids"
#: Internal ids: hidden unless the reader asks for them.
ID_COLUMNS: frozenset[str] = frozenset(
    {
        "place_id",
        "unit_id",
        "record_id",
        "indicator_id",
        "programme_id",
        "nearest_centre_id",
        "centre_id",
        "zone_id",
        "import_id",
        "h3",
        "match_source",
    }
)
#: Columns that say what a row is about: shown first, in this order.
NAME_COLUMNS: tuple[str, ...] = ("label", "name", "place_name", "commune", "cercle")
#: Figures and their decimals (a column not listed: whole numbers, or one decimal if fractional).
DECIMALS: dict[str, int] = {
    "dist_centre_km": 1,
    "dist_border_km": 1,
    "dist_gold_km": 1,
    "area_km2": 1,
    "match_score": 0,
    "gain": 2,
}
#: Figures that are text ("<5" for a small count of children): aligned as figures.
FIGURES_AS_TEXT: frozenset[str] = frozenset({"achieved_display"})
#: Shares (0 to 1) written as percentages.
SHARES: frozenset[str] = frozenset({"achievement", "share", "coverage"})
#: Traffic lights: the colour of the cell and the word written in it (``export.pack.status.*``).
TRAFFIC_COLORS: dict[str, str] = {
    "green": "#1a9850",
    "amber": "#fdae61",
    "red": "#d73027",
    "no_data": "#d9d9d9",
}
#: Text colour that reads on each traffic-light colour.
_INK = {"green": "#ffffff", "amber": "#000000", "red": "#ffffff", "no_data": "#000000"}
#: Beyond this many cells a table's figures are written as text rather than styled (speed).
MAX_STYLED_CELLS = 3000
_CENTRES_WITHIN = re.compile(r"n_centres_(?P<km>[0-9.]+)km")


def ids_shown() -> bool:
    """Return whether the reader asked to see internal ids (the sidebar checkbox)."""
    return bool(st.session_state.get(SHOW_IDS, False))


def header(column: str, lang: str) -> str:
    """Return the header a person reads for ``column``, units included ("Distance ... (km)").

    A column without a catalogue header keeps its name with ``_`` read as spaces (only ids
    shown on request, and columns a page did not choose, ever get there).
    """
    key = f"table.col.{column}"
    if key in catalogue():
        return t(key, lang)
    if found := _CENTRES_WITHIN.fullmatch(column):
        return t("table.col.n_centres_within", lang, km=number(found["km"], lang))
    return column.replace("_", " ")


def value_text(column: str, value: object, lang: str) -> object:
    """Return the word a person reads for a coded ``value`` of ``column`` (or ``value`` itself)."""
    if isinstance(value, bool):
        return t("table.value.yes" if value else "table.value.no", lang)
    if column == "status" and value in TRAFFIC_COLORS:
        return t(f"export.pack.status.{value}", lang)
    if isinstance(value, str) and (key := f"table.value.{column}.{value}") in catalogue():
        return t(key, lang)
    if column == "activity_type" and isinstance(value, str) and value:
        return activity_label(value, lang)
    return value


def activity_label(code: str, lang: str) -> str:
    """Return the name of activity type ``code`` ("focus_group" -> "Focus groups")."""
    key = f"activity_type.{code}"
    return t(key, lang) if key in catalogue() else code.replace("_", " ")


def order(columns: Sequence[str], *, ids: bool) -> list[str]:
    """Return ``columns`` with the naming ones first and the ids dropped (kept last if ``ids``)."""
    names = [c for c in NAME_COLUMNS if c in columns]
    rest = [c for c in columns if c not in names and c not in ID_COLUMNS]
    shown_ids = [c for c in columns if c in ID_COLUMNS] if ids else []
    return [*names, *rest, *shown_ids]


def readable(
    frame: pd.DataFrame,
    lang: str,
    *,
    columns: Sequence[str] | None = None,
    ids: bool | None = None,
) -> pd.DataFrame:
    """Return ``frame`` as a person reads it: chosen columns, names first, coded values in words.

    ``columns`` are the columns to show after the naming ones (``name``, ``commune``...),
    which are always shown (default: every column but the geometry); ids are kept only if
    ``ids`` (default: the sidebar's choice). Figures stay numbers (they sort as
    numbers); :func:`styled` writes them. Headers stay column names until :func:`styled`.
    """
    ids = ids_shown() if ids is None else ids
    chosen = [*NAME_COLUMNS, *columns] if columns is not None else list(frame.columns)
    wanted = [c for c in dict.fromkeys(chosen) if c in frame.columns and c != "geometry"]
    if ids:  # the ids of the rows, even when the page did not list them
        wanted += [c for c in frame.columns if c in ID_COLUMNS and c not in wanted]
    out = pd.DataFrame(frame[order(wanted, ids=ids)]).reset_index(drop=True)
    sep = t("list.sep", lang)
    for col in out.columns:
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            continue
        out[col] = pd.Series(
            [
                sep.join(str(value_text(col, x, lang)) for x in v)
                if isinstance(v, list | tuple)
                else _missing_as_blank(value_text(col, v, lang))
                for v in out[col]
            ],
            dtype=object,
        )
    return out


def _missing_as_blank(value: object) -> object:
    """Return ``""`` for a missing value (a browser would write "None"), else ``value``."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return value


def _figure(column: str, lang: str):
    decimals = DECIMALS.get(column)

    def write(value: object) -> str:
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            return "" if value is None or value is pd.NA else str(value)
        if value != value:  # NaN
            return ""
        if column in SHARES:
            return number(float(value) * 100, lang) + t("analyses.percent", lang)
        places = decimals if decimals is not None else (0 if float(value).is_integer() else 1)
        return number(value, lang, places)

    return write


def styled(frame: pd.DataFrame, lang: str, *, status: pd.Series | None = None):
    """Return a ``Styler`` of a :func:`readable` frame: headers, French figures, coloured lights.

    ``status`` holds the traffic-light codes of the rows (``green``, ``amber``, ``red``,
    ``no_data``): the status cells get their colour and keep their word.
    """
    numeric = _numeric(frame)
    shown = frame.rename(columns={c: header(c, lang) for c in frame.columns})
    styler = shown.style.format({header(c, lang): _figure(c, lang) for c in numeric}, na_rep="")
    if status is not None and "status" in frame.columns:
        codes = list(status)

        def colour(col: pd.Series) -> list[str]:
            return [
                f"background-color: {TRAFFIC_COLORS.get(c, TRAFFIC_COLORS['no_data'])}; "
                f"color: {_INK.get(c, '#000000')}"
                for c in codes
            ]

        styler = styler.apply(colour, subset=[header("status", lang)], axis=0)
    return styler.hide(axis="index")


def show(
    frame: pd.DataFrame | None,
    lang: str,
    *,
    key: str,
    columns: Sequence[str] | None = None,
    height: int | str = "auto",
    bars: Sequence[str] = (),
) -> None:
    """Show ``frame`` as a person reads it, or the "no data for this selection" state when empty.

    ``columns`` are the columns to show, in their order after the names (see :func:`readable`);
    ``bars``: share columns drawn as a bar in their cell (full at 100 %), the figure beside it.
    """
    if frame is None or frame.empty:
        st.info(t("no_data", lang))
        return
    table = readable(frame, lang, columns=columns)
    lights = "status" in table.columns and frame["status"].isin(list(TRAFFIC_COLORS)).all()
    status = frame["status"].reset_index(drop=True) if lights else None
    config = {
        header(c, lang): st.column_config.Column(
            width=_width(table[c], header(c, lang)),
            alignment="right" if c in FIGURES_AS_TEXT else None,
        )
        for c in table
    }
    for c in (c for c in bars if c in SHARES and c in table):
        # The bar reads the cell's value, the figure beside it comes from this format (not from
        # the table's own writing): percentages rounded to a whole number read the same in both
        # languages ("46 %").
        table[c] = pd.to_numeric(table[c], errors="coerce") * 100
        config[header(c, lang)] = st.column_config.ProgressColumn(
            width=_width(table[c], header(c, lang)), min_value=0, max_value=100, format="%.0f %%"
        )
    if table.size > MAX_STYLED_CELLS and status is None:
        # A Styler costs about 0.07 ms a cell on every rerun: a long table gets its figures
        # written as text (right-aligned) instead; it then sorts them as text.
        numeric = _numeric(table)
        shown = table.assign(**{c: table[c].map(_figure(c, lang)) for c in numeric})
        shown = shown.rename(columns={c: header(c, lang) for c in table.columns})
        for c in numeric:
            config[header(c, lang)] = st.column_config.TextColumn(
                width=_width(table[c], header(c, lang)), alignment="right"
            )
        st.dataframe(
            shown, hide_index=True, width="stretch", height=height, key=key, column_config=config
        )
        return
    st.dataframe(
        styled(table, lang, status=status),
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        column_config=config,
    )


def _numeric(frame: pd.DataFrame) -> list[str]:
    """Return the figure columns of ``frame`` (numbers, not yes/no)."""
    return [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


def _width(column: pd.Series, title: str) -> int:
    """Return a column's width in pixels: its header and its longest cell read in full, up to a
    bound (a long text is cut, and read in full by hovering it)."""
    longest = column.astype(str).str.len().max() if len(column) else 0
    return min(420, max(56, round(7.5 * max(len(title), longest)) + 24))
