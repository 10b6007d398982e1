"""The app's base map as a :class:`geo.mapview.View`: borders, admin units, zones and points.

The map every page falls back to, and the one a zone is drawn on: no title, no figures (so no
disclosure footer), every layer with name tooltips, the many localities of the gazetteer drawn
compactly by the renderer. Its styles live here, beside the builder; the renderer is
:func:`geo.render_folium.to_folium`, as for every other map.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd

from geo import settings
from geo.errors import UnknownNameError
from geo.i18n import t
from geo.landmarks import natural_layers
from geo.mapview import LegendEntry, View, ViewLayer, styled
from geo.symbology import CONTEXT, point_layer

#: Polygons of the base map: (outline colour, fill colour, fill opacity, outline weight).
POLYGON_STYLES: dict[str, tuple[str, str, float, float]] = {
    "neighbours": ("#555555", CONTEXT["neighbour"], 0.6, 1.0),
    "mali": ("#222222", CONTEXT["mali"], 0.9, 2.2),
    "admin.1": (CONTEXT["border"], "none", 0.0, 1.4),
    "admin.2": (CONTEXT["admin"], "none", 0.0, 0.8),
    "admin.3": ("#bdbdbd", "none", 0.0, 0.5),
    "zones": ("#d9480f", "#fd7e14", 0.18, 2.0),
}
#: Points of the base map: (colour, radius in pixels), drawn in this order (many small first).
POINT_STYLES: dict[str, tuple[str, float]] = {
    "gazetteer": ("#495057", 1.8),
    "places": ("#1c7ed6", 4.0),
    "gold_sites": ("#c99a06", 6.0),
    "centres": ("#862e9c", 7.0),
}


def base_layers(frames: Mapping[str, gpd.GeoDataFrame], *, lang: str) -> list[ViewLayer]:
    """Return the layers of the base map, each with name tooltips.

    Parameters
    ----------
    frames
        Any of ``borders`` (``name_fr``/``name_en``, ``is_mali``), ``rivers``, ``lakes`` and
        ``towns`` (Natural Earth, :func:`geo.landmarks.natural_layers`), ``admin`` (``level``,
        ``name``; every installed level), ``zones`` (``name_fr``/``name_en``), and the point
        layers of :data:`POINT_STYLES` with ``name``: ``places``, ``gold_sites``, ``centres``
        (already at the audience's precision, with ``town`` and ``precision``) and
        ``gazetteer`` (any number of points).
    lang
        Language of the layer names and tooltips.
    """
    name_col = "name_fr" if lang == "fr" else "name_en"
    out: list[ViewLayer] = []

    def area(
        frame: gpd.GeoDataFrame,
        key: str,
        title: str,
        tip_label: str | None,
        *,
        style: str | None = None,
        kind: str = "polygon",
        show: bool = True,
        legend: bool = False,
    ) -> ViewLayer:
        edge, fill, opacity, weight = POLYGON_STYLES[style or key]
        tips = [(tip_label, "name")] if tip_label else []
        return ViewLayer(
            key=key,
            title=title,
            kind=kind,
            weight=weight,
            fill_opacity=opacity,
            show=show,
            frame=styled(frame, fill=fill, edge=edge, tip_fields=tips),
            legend=[LegendEntry(title, fill, "fill", edge=edge)] if legend else [],
        )

    borders = frames.get("borders")
    if borders is not None and not borders.empty:
        countries = borders.assign(name=borders[name_col])
        mali = countries["is_mali"].astype(bool)
        if not mali.all():
            out.append(
                area(
                    countries[~mali],
                    "neighbours",
                    t("app.map.neighbours", lang),
                    t("app.map.name", lang),
                )
            )
        if mali.any():
            out.append(area(countries[mali], "mali", t("layer.borders", lang), None))
    out.extend(  # on the countries, under everything else
        natural_layers(
            lang=lang, rivers=frames.get("rivers"), lakes=frames.get("lakes"), towns=frames.get("towns")
        )
    )
    admin = frames.get("admin")
    if admin is not None and not admin.empty:
        for level in sorted(set(admin["level"]) - {0}):
            level_name = t(f"level.{level}", lang)
            key = f"admin.{level}"
            out.append(
                area(
                    admin[admin["level"] == level],
                    key,
                    f"{t('layer.admin', lang)} — {level_name}",
                    level_name.capitalize(),
                    style=key if key in POLYGON_STYLES else "admin.3",
                    kind="line",
                    show=level <= 2,
                )
            )
    zones = frames.get("zones")
    if zones is not None and not zones.empty:
        title = t("layer.zones", lang)
        out.append(area(zones.assign(name=zones[name_col]), "zones", title, title, legend=True))
    for key, (colour, radius) in POINT_STYLES.items():
        frame = frames.get(key)
        if frame is None or frame.empty:
            continue
        label = frame["name"].astype("object")
        if key == "centres":  # say where a centre is shown at its town only
            label = label + " (" + frame["town"].fillna("") + ")"
            town = frame["precision"].fillna("town").ne("exact")
            label = label.where(~town, label + " — " + t("centre.town_level", lang))
        title = t("app.map.gazetteer", lang) if key == "gazetteer" else t(f"layer.{key}", lang)
        out.append(
            point_layer(
                frame.assign(_name=label),
                key=key,
                title=title,
                color=colour,
                lang=lang,
                name_col="_name",
                radius=radius,
                labels=False,
                edge=colour,
            )
        )
    return out


def base_view(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    lang: str,
    bounds: tuple[float, float, float, float] | None = None,
) -> View:
    """Return the base map of ``frames`` (see :func:`base_layers`), opening on ``bounds``.

    ``bounds`` is ``(minx, miny, maxx, maxy)`` in degrees; default Mali.
    """
    if lang not in settings.LANGUAGES:
        raise UnknownNameError("language", lang, settings.LANGUAGES)
    return View(
        name="base",
        lang=lang,
        title="",
        subtitle="",
        layers=base_layers(frames, lang=lang),
        disclosure=None,
        bounds=bounds or settings.MALI_BBOX,
    )
