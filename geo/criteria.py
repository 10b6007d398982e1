"""The three site-selection criteria per planning unit, their weighted total and the N-of-3 rule.

The programme documents choose zones that meet one or more of: (a) economic and tourist
attractiveness, (b) proximity to an international border, (c) gold-mining sites where children
are exposed to or victims of exploitation. For each unit and each criterion this module gives a
value, a 0-1 score, a met/not-met flag and the threshold used:

* attractiveness: the highest attractiveness (0-1, the strongest of markets, tourism and mining
  economy) of the places within ``attract_km`` of the unit, or set for the unit itself; met at or
  above ``attract_threshold``; the score is the value;
* border: ``dist_border_km`` from the unit's nearest point to Mali's outline; met within
  ``border_km``; the score falls linearly from 1 on the border to 0 at ``border_km``;
* gold: ``n_gold_sites`` within ``gold_km`` of the unit and the nearest one's distance; met with
  at least one site; the score falls linearly from 1 at the site to 0 at ``gold_km``.

The total is the weighted mean of the scores; ``meets_criteria`` is ``n_criteria >= N``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.distance import distance_matrix_km, distance_to_km
from geo.errors import InputError
from geo.geodesy import require_crs
from geo.i18n import t, template
from geo.vocab import CRITERIA

#: The column :func:`criteria` adds: how many of the criteria a unit meets (maps draw it).
N_CRITERIA_COL = "n_criteria"
ATTRACT_DIMENSIONS: tuple[str, ...] = ("markets", "tourism", "mining_economy")


# --- attractiveness table ----------------------------------------------------------------------


def read_attractiveness(path: str | Path) -> pd.DataFrame:
    """Read an attractiveness table and check it.

    Columns: ``place_id`` and/or ``unit_id`` (one per row), ``name``, the dimensions ``markets``,
    ``tourism``, ``mining_economy`` (each 0-1, blank = 0) and ``source_reason``. An
    ``attractiveness`` column is added: the strongest of the three dimensions.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            "file not found; expected a CSV with place_id, markets, tourism, mining_economy",
            source=str(path),
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(
            f"not a readable UTF-8 CSV ({exc.__class__.__name__})", source=path.name
        ) from exc
    return check_attractiveness(frame, source=path.name)


def check_attractiveness(frame: pd.DataFrame, *, source: str = "attractiveness") -> pd.DataFrame:
    """Return a checked copy of an attractiveness table (see :func:`read_attractiveness`).

    The app calls this with the values a planner edited; every problem is listed at once.
    """
    out = pd.DataFrame(frame).copy()
    problems: list[str] = []
    if "place_id" not in out.columns and "unit_id" not in out.columns:
        problems.append("no place_id or unit_id column")
    missing = [c for c in ATTRACT_DIMENSIONS if c not in out.columns]
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if problems:
        raise InputError(
            "; ".join(problems) + "; expected place_id (or unit_id), markets, "
            "tourism, mining_economy (0 to 1)",
            source=source,
        )
    for key in ("place_id", "unit_id", "name", "source_reason"):
        if key not in out.columns:
            out[key] = ""
        out[key] = out[key].fillna("").astype(str).str.strip()
    for col in ATTRACT_DIMENSIONS:
        raw = out[col].replace({"": None}) if out[col].dtype != "float64" else out[col]
        values = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & (values.isna() | (values < 0) | (values > 1))
        for i in np.flatnonzero(bad.to_numpy())[:5]:
            problems.append(f"row {i + 2}: {col} = {out[col].iloc[i]!r}, expected a number from 0 to 1")
        out[col] = values.fillna(0.0).astype("float64")
    nokey = (out["place_id"] == "") & (out["unit_id"] == "")
    for i in np.flatnonzero(nokey.to_numpy())[:5]:
        problems.append(f"row {i + 2}: neither place_id nor unit_id given")
    if problems:
        raise InputError("; ".join(problems), source=source)
    out["attractiveness"] = out[list(ATTRACT_DIMENSIONS)].max(axis=1)
    return out


def attractive_places(table: pd.DataFrame, places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the located places of ``table`` as points carrying their ``attractiveness``.

    Rows naming a place that is not located (or unknown) are left out; list them with
    :func:`unmatched_attractiveness`.
    """
    require_crs(places, "places")
    located = places[places.geometry.notna() & ~places.geometry.is_empty]
    rows = table[table["place_id"] != ""]
    merged = located[["place_id", "geometry"]].merge(
        rows.drop(columns=["name"], errors="ignore"), on="place_id", how="inner"
    )
    merged = merged.merge(located[["place_id", "name"]], on="place_id", how="left")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=places.crs).to_crs(settings.CRS)


def unmatched_attractiveness(table: pd.DataFrame, places: gpd.GeoDataFrame) -> list[str]:
    """Return the ``place_id`` values of ``table`` with no located place."""
    located = set(places.loc[places.geometry.notna() & ~places.geometry.is_empty, "place_id"])
    return sorted(set(table.loc[table["place_id"] != "", "place_id"]) - located)


# --- weights -------------------------------------------------------------------------------------


def parse_weights(text: str | Mapping[str, float] | None) -> dict[str, float]:
    """Parse ``"attractiveness=1,border=2,gold=1"`` (or a mapping; short names a/b/c accepted).

    Unnamed criteria keep weight 1. Negative weights, unknown names, and all-zero weights are
    refused.
    """
    weights = dict(settings.CRITERIA_WEIGHTS)
    if text is None or text == "":
        return weights
    aliases = {
        "a": "attractiveness",
        "b": "border",
        "c": "gold",
        "attract": "attractiveness",
        "attractivite": "attractiveness",
        "frontiere": "border",
        "or": "gold",
    }
    if isinstance(text, Mapping):
        items = list(text.items())
    else:
        items = []
        for part in str(text).split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise InputError(
                    f"weight {part.strip()!r} has no value; expected name=number, "
                    "e.g. attractiveness=1,border=2,gold=1"
                )
            key, value = part.split("=", 1)
            items.append((key, value))
    for key, value in items:
        name = aliases.get(str(key).strip().lower(), str(key).strip().lower())
        if name not in CRITERIA:
            raise InputError(
                f"unknown criterion {key!r} in the weights; expected one of: "
                f"{', '.join(CRITERIA)} (or a, b, c)"
            )
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise InputError(f"weight of {name} is {value!r}; expected a number") from exc
        if not np.isfinite(number) or number < 0:
            raise InputError(f"weight of {name} is {value!r}; weights must be zero or positive")
        weights[name] = number
    if sum(weights.values()) <= 0:
        raise InputError("all weights are zero; give at least one criterion a positive weight")
    return weights


def _positive(value: float, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} is {value!r}; expected a positive number of km") from exc
    if not np.isfinite(number) or number <= 0:
        raise InputError(f"{name} is {value!r}; expected a positive number of km")
    return number


# --- criteria ------------------------------------------------------------------------------------


def criteria(
    units: gpd.GeoDataFrame,
    *,
    border: shapely.Geometry,
    gold_sites: gpd.GeoDataFrame,
    attractive: gpd.GeoDataFrame | None = None,
    unit_attractiveness: pd.DataFrame | None = None,
    weights: Mapping[str, float] | str | None = None,
    border_km: float = settings.BORDER_THRESHOLD_KM,
    gold_km: float = settings.GOLD_RADIUS_KM,
    attract_km: float = settings.ATTRACT_RADIUS_KM,
    attract_threshold: float = settings.ATTRACT_THRESHOLD,
    min_criteria: int = settings.MIN_CRITERIA,
    cases: pd.DataFrame | None = None,
    lang: str = settings.DEFAULT_LANGUAGE,
) -> gpd.GeoDataFrame:
    """Return ``units`` with the three criteria, the weighted total and the N-of-3 rule.

    Parameters
    ----------
    units
        Planning units (polygons with a CRS, ``unit_id``).
    border
        The international border as a line (EPSG:4326), e.g. :func:`geo.distance.border_line`.
    gold_sites
        Gold-mining sites as points (``name``); unlocated ones must already be left out.
    attractive
        Places as points with an ``attractiveness`` column (0-1), from :func:`attractive_places`.
    unit_attractiveness
        Rows of the attractiveness table keyed by ``unit_id`` (applied to matching units).
    weights
        Criterion weights (see :func:`parse_weights`); equal by default.
    border_km, gold_km, attract_km, attract_threshold
        Thresholds of the criteria.
    min_criteria
        N of the rule "meets at least N criteria" (1 to 3).
    cases
        Case figures per unit already passed through :func:`geo.disclosure.protect`: ``unit_id``
        and ``cases_display``; shown in the explanation, never used unprotected.
    lang
        Language of the explanation.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with, per criterion ``c``: the value column (``attractiveness``,
        ``dist_border_km``, ``n_gold_sites`` and ``dist_gold_km``), ``score_<c>``, ``met_<c>``;
        then ``total_score``, ``n_criteria``, ``meets_criteria`` and ``explanation``.
    """
    require_crs(units, "units")
    require_crs(gold_sites, "gold_sites")
    weights = parse_weights(weights)
    border_km = _positive(border_km, "border_km")
    gold_km = _positive(gold_km, "gold_km")
    attract_km = _positive(attract_km, "attract_km")
    if not 0 <= float(attract_threshold) <= 1:
        raise InputError(f"attractiveness threshold {attract_threshold!r}; expected 0 to 1")
    if int(min_criteria) != min_criteria or not 1 <= int(min_criteria) <= len(CRITERIA):
        raise InputError(f"minimum number of criteria {min_criteria!r}; expected 1, 2 or 3")
    min_criteria = int(min_criteria)
    out = units.copy()
    n = len(out)

    # (a) attractiveness
    value = np.zeros(n)
    source = np.full(n, "", dtype=object)
    if attractive is not None and len(attractive):
        require_crs(attractive, "attractive")
        dist = distance_matrix_km(out, attractive)
        reach = np.where(dist <= attract_km, attractive["attractiveness"].to_numpy()[None, :], -1)
        best = reach.argmax(axis=1)
        best_val = reach[np.arange(n), best]
        has = best_val >= 0
        value[has] = best_val[has]
        source[has] = attractive["name"].astype(str).to_numpy()[best[has]]
    if unit_attractiveness is not None and len(unit_attractiveness):
        by_unit = unit_attractiveness[unit_attractiveness["unit_id"] != ""]
        by_unit = by_unit.groupby("unit_id")["attractiveness"].max()
        own = out["unit_id"].astype(str).map(by_unit).to_numpy(dtype="float64")
        use = np.isfinite(own) & (own >= value)
        value[use] = own[use]
        source[use] = out["name"].astype(str).to_numpy()[use] if "name" in out else "unit"
    out["attractiveness"] = value
    out["attractiveness_from"] = pd.Series(source, index=out.index, dtype="object")
    out["score_attractiveness"] = value
    out["met_attractiveness"] = value >= float(attract_threshold)

    # (b) border
    dist_border = distance_to_km(out, border)
    out["dist_border_km"] = dist_border
    out["score_border"] = np.clip(1 - dist_border / border_km, 0, 1)
    out["met_border"] = dist_border <= border_km

    # (c) gold sites
    sites = gold_sites.to_crs(settings.CRS)
    sites = sites[sites.geometry.notna() & ~sites.geometry.is_empty]
    if len(sites):
        dist = distance_matrix_km(out, sites)
        within = dist <= gold_km
        out["n_gold_sites"] = within.sum(axis=1).astype("int64")
        nearest = dist.argmin(axis=1)
        out["dist_gold_km"] = dist[np.arange(n), nearest]
        out["nearest_gold_site"] = pd.Series(
            sites["name"].astype(str).to_numpy()[nearest], index=out.index, dtype="object"
        )
    else:
        out["n_gold_sites"] = np.zeros(n, dtype="int64")
        out["dist_gold_km"] = np.nan
        out["nearest_gold_site"] = pd.Series([None] * n, index=out.index, dtype="object")
    out["score_gold"] = np.clip(1 - out["dist_gold_km"].to_numpy(dtype="float64") / gold_km, 0, 1)
    out["score_gold"] = out["score_gold"].fillna(0.0)
    out["met_gold"] = out["n_gold_sites"].to_numpy() >= 1

    # total and rule
    out["total_score"] = total_score(out, weights)
    out[N_CRITERIA_COL] = sum(out[f"met_{c}"].astype("int64") for c in CRITERIA)
    out["meets_criteria"] = out["n_criteria"] >= min_criteria
    case_text = None
    if cases is not None and len(cases) and "cases_display" in cases.columns:
        case_text = (
            out["unit_id"]
            .astype(str)
            .map(cases.drop_duplicates("unit_id").set_index("unit_id")["cases_display"])
        )
        out["cases_display"] = case_text
    out["explanation"] = _explain(
        out,
        border_km=border_km,
        gold_km=gold_km,
        attract_km=attract_km,
        attract_threshold=attract_threshold,
        min_criteria=min_criteria,
        case_text=case_text,
        lang=lang,
    )
    return out


def total_score(frame: pd.DataFrame, weights: Mapping[str, float] | str | None) -> pd.Series:
    """Return the weighted mean of ``frame``'s criterion scores (``score_<c>``), 0 to 1.

    Only this depends on the weights: new weights re-combine the scores, nothing is re-measured.
    """
    weights = parse_weights(weights)
    total_w = sum(weights.values())
    return sum(weights[c] * frame[f"score_{c}"] for c in CRITERIA) / total_w


def _explain(
    frame: pd.DataFrame,
    *,
    border_km: float,
    gold_km: float,
    attract_km: float,
    attract_threshold: float,
    min_criteria: int,
    case_text: pd.Series | None,
    lang: str,
) -> list[str]:
    """Return one line per unit saying what it meets and why."""
    # Templates fetched once and filled per row: iterating rows as Series is too slow for
    # tens of thousands of H3 cells.
    tpl = {
        k: template(t(f"analyses.why.{k}", lang), lang)
        for k in (
            "attract_met",
            "attract_unmet",
            "border_met",
            "border_unmet",
            "gold_met",
            "gold_unmet",
            "cases",
            "meets",
            "fails",
            "not",
        )
    }
    sep = t("list.sep", lang)
    cases = (
        [None] * len(frame)
        if case_text is None
        else [v if isinstance(v, str) else None for v in case_text]
    )
    lines = []
    for m_a, a, a_from, m_b, d_b, m_g, n_g, site, d_g, meets, n_met, case in zip(
        frame["met_attractiveness"],
        frame["attractiveness"],
        frame["attractiveness_from"],
        frame["met_border"],
        frame["dist_border_km"],
        frame["met_gold"],
        frame["n_gold_sites"],
        frame["nearest_gold_site"],
        frame["dist_gold_km"],
        frame["meets_criteria"],
        frame["n_criteria"],
        cases,
        strict=True,
    ):
        met, unmet = [], []
        if m_a:
            met.append(tpl["attract_met"](value=a, place=a_from, km=attract_km))
        else:
            unmet.append(tpl["attract_unmet"](value=a, threshold=attract_threshold))
        if m_b:
            met.append(tpl["border_met"](km=d_b, threshold=border_km))
        else:
            unmet.append(tpl["border_unmet"](km=d_b, threshold=border_km))
        if m_g:
            met.append(tpl["gold_met"](n=int(n_g), km=gold_km, site=site, dist=d_g))
        else:
            unmet.append(tpl["gold_unmet"](km=gold_km))
        if case is not None:
            met.append(tpl["cases"](cases=case))
        parts = [tpl["meets" if meets else "fails"](n=int(n_met), min=min_criteria)]
        if met:
            parts.append(sep.join(met))
        if unmet:
            parts.append(tpl["not"]() + " " + sep.join(unmet))
        lines.append(" — ".join(parts))
    return lines
