"""Export service: single maps (PNG, SVG, PDF, offline HTML) and CCPE packs, written atomically.

The CLI (``zoneplan export``) and the app's Export page call these functions. Every output is
written to a temporary file beside the target and moved into place with ``os.replace`` only when it
is complete, so a refused input or a crash never leaves a partial file. Every map carries a number
and version, MapAction style (``ZP-KGB-001 v1``, :func:`geo.printfurniture.map_number`).
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd

import layers
from geo import pack as gpack
from geo import printmap, settings
from geo.errors import InputError, UnknownNameError
from geo.i18n import t
from geo.indicators import read_targets
from geo.periods import filter_period
from geo.printfurniture import map_number
from geo.render_folium import to_folium
from geo.store import Store
from geo.vocab import MAP_FORMATS, NATIONAL, Tables
from geo.webmap import standalone_html
from zoneplan import maps as zmaps
from zoneplan import progress as zprogress
from zoneplan.coverage_map import activities
from zoneplan.zone import ZoneData

PAPERS: tuple[str, ...] = tuple(printmap.PAPER_MM)
ORIENTATIONS: tuple[str, ...] = printmap.ORIENTATIONS
#: DPI range accepted for PNG.
DPI_RANGE: tuple[int, int] = (50, 600)
#: Versions a map number may carry (``--map-version``).
VERSION_RANGE: tuple[int, int] = (1, 999)


def check_output(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` if its folder exists and is writable; refuse it otherwise."""
    out = Path(path).expanduser()
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise InputError(f"output {out} is a folder; expected a file name")
    if not folder.is_dir():
        raise InputError(f"output folder {folder} does not exist; create it or choose another")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"output folder {folder} cannot be written; choose another")
    return out


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it to ``path`` only if the block succeeds.

    The temporary file's name carries the writer's process id, so a file left by a killed export
    (``kill -9``, a power cut) is removed by the next export of the same file.
    """
    _remove_dead_parts(path)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=".part", dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _remove_dead_parts(path: Path) -> None:
    """Remove ``path``'s temporary files whose writing process no longer exists."""
    prefix = f".{path.name}."
    for part in path.parent.glob(f"{glob.escape(prefix)}*.part"):
        pid = part.name[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                part.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def format_of(path: str | os.PathLike[str], fmt: str | None) -> str:
    """Return the output format: ``fmt`` if given, else the file's suffix; refuse unknown ones."""
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt == "htm":
        fmt = "html"
    if fmt not in MAP_FORMATS:
        raise UnknownNameError("format", fmt or "(none)", MAP_FORMATS)
    return fmt


def check_version(version: object, lang: str = settings.DEFAULT_LANGUAGE) -> int:
    """Return the map version ``version`` as an integer; refuse anything but 1 to 999."""
    try:
        number = int(str(version).strip())
    except ValueError:
        number = 0
    if isinstance(version, bool) or not VERSION_RANGE[0] <= number <= VERSION_RANGE[1]:
        raise InputError(t("export.bad_map_version", lang, value=version))
    return number


def zone_name(zone: str, *, store: Store | str | None = None, lang: str) -> str:
    """Return the name of ``zone`` in ``lang`` (its id if it is not a zone)."""
    if zone == NATIONAL:
        return "Mali"
    zones = layers.load("zones", store=Store.of(store))
    hit = zones[zones["zone_id"] == zone]
    return str(hit["name_fr" if lang == "fr" else "name_en"].iloc[0]) if len(hit) else zone


def _check_print(paper: str, orientation: str, dpi: int) -> None:
    if paper not in PAPERS:
        raise UnknownNameError("paper size", paper, PAPERS)
    if orientation not in ORIENTATIONS:
        raise UnknownNameError("orientation", orientation, ORIENTATIONS)
    if not DPI_RANGE[0] <= int(dpi) <= DPI_RANGE[1]:
        raise InputError(f"dpi {dpi} is out of range; expected {DPI_RANGE[0]} to {DPI_RANGE[1]}")


def write_view(
    view,
    out: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    paper: str = "A4",
    orientation: str = "landscape",
    dpi: int = printmap.DEFAULT_DPI,
    zone: str | None = None,
    version: int | str = 1,
    store: Store | str | None = None,
) -> Path:
    """Write ``view`` to ``out`` as PNG, SVG, PDF or offline HTML, atomically; return the path.

    With ``zone`` (the view's zone id), the map carries its number and ``version``
    (``ZP-KGB-001 v1``) on the page, in the HTML footer and in the file's metadata, and the HTML
    page's title names the zone (read from ``store``).
    """
    path = check_output(out)
    fmt = format_of(path, fmt)
    _check_print(paper, orientation, dpi)
    version = check_version(version, view.lang)
    number = map_number(zone, view.name, version) if zone else ""
    with atomic_output(path) as tmp:
        if fmt == "html":
            place = zone_name(zone, store=store, lang=view.lang) if zone else ""
            page = to_folium(view, number=number, place=place, north=True)
            tmp.write_text(standalone_html(page), encoding="utf-8")
        else:
            printmap.render_print(
                view, tmp, fmt=fmt, dpi=dpi, paper=paper, orientation=orientation, number=number
            )
    return path


def export_map(
    view: str,
    *,
    zone: str,
    out: str | os.PathLike[str],
    fmt: str | None = None,
    lang: str = settings.DEFAULT_LANGUAGE,
    audience: str = "public",
    store: Store | str | None = None,
    period: str | None = None,
    paper: str = "A4",
    orientation: str = "landscape",
    dpi: int = printmap.DEFAULT_DPI,
    k: int = settings.SUPPRESSION_K,
    version: int | str = 1,
    **filters,
) -> Path:
    """Build view ``view`` of ``zone`` and write it to ``out``; return the written path.

    Every argument is checked before anything is built or written: an unknown view, zone, format,
    paper, map version or an unwritable folder raises :class:`~geo.errors.InputError` and leaves
    no file. ``k`` is the suppression threshold, applied and stated in the legend and footer;
    ``version`` follows the map's number (``ZP-KGB-001 v2``).
    """
    path = check_output(out)
    fmt = format_of(path, fmt)
    _check_print(paper, orientation, dpi)
    version = check_version(version, lang)
    built = zmaps.build_view(
        view, zone=zone, store=store, lang=lang, audience=audience, period=period, k=k, **filters
    )
    return write_view(
        built,
        path,
        fmt=fmt,
        paper=paper,
        orientation=orientation,
        dpi=dpi,
        zone=zone,
        version=version,
        store=store,
    )


# --- packs -----------------------------------------------------------------------------------


def read_indicators(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Return the indicators table (``data/indicators.csv`` unless ``path`` is given)."""
    return read_targets(Path(path or settings.DATA_DIR / "indicators.csv"))


def _cases(store: Store) -> pd.DataFrame:
    frame = store.read(Tables.CASES)
    return pd.DataFrame() if frame is None else pd.DataFrame(frame)


def plan_pack(
    *,
    zone: str,
    by: str,
    store: Store | str | None = None,
    lang: str = settings.DEFAULT_LANGUAGE,
    audience: str = "public",
    period: str | None = None,
    k: int = settings.SUPPRESSION_K,
    targets: str | os.PathLike[str] | None = None,
):
    """Return ``(cover, units, page_builder)`` for a pack, without drawing anything.

    ``page_builder(row)`` builds the :class:`geo.pack.PackPage` of one unit row. ``k`` is the
    suppression threshold of the case figures, stated on the cover and every page. ``targets`` is
    a file of local targets (see :func:`zoneplan.progress.load_targets`): a page's figures are
    compared with its commune's or village's targets only.
    """
    if by not in gpack.BY:
        raise UnknownNameError("pack unit", by, gpack.BY)
    store = Store.of(store)
    every_target = zprogress.load_targets(store, path=targets, lang=lang)
    cover_view = zmaps.build_view(
        "coverage", zone=zone, store=store, lang=lang, audience=audience, period=period, k=k
    )
    ctx = ZoneData.load(zone, store=store, audience=audience)
    communes = ctx.admin[ctx.admin["level"] == 3]
    units = gpack.pack_units(ctx.places, by=by, communes=communes if len(communes) else None)
    indicators = every_target[
        (every_target["scope"] == "programme") & (every_target["programme_id"] == ctx.programme_id)
    ].reset_index(drop=True)
    local = every_target[
        (every_target["scope"] != "programme") & (every_target["programme_id"] == ctx.programme_id)
    ]
    targets_lines = [t("export.pack.targets_rule", lang)]
    if targets is not None:
        targets_lines.append(t("export.pack.targets_file", lang, name=Path(targets).name, n=len(local)))
    records = activities(store, period=period)
    commune_names = sorted(set(units["commune"]) | set(ctx.places["admin3"].dropna()))
    cases = gpack.case_table(indicators, filter_period(_cases(store), period), commune_names, k=k)
    by_label = t(f"export.pack.by.{by}", lang)
    cover = gpack.PackCover(
        title=t("export.pack.title", lang),
        subtitle=t("export.pack.subtitle", lang, zone=ctx.name(lang), by=by_label),
        units=list(units["name"]),
        not_mapped=list(ctx.unlocated),
        view=cover_view,
        lines=[
            *cover_view.disclosure.marks(lang),
            *targets_lines,
            *cover_view.sources,
            *cover_view.attributions,
            cover_view.disclosure.text(lang),
            t("export.date", lang, date=cover_view.created) + ". " + t("disclaimer.boundaries", lang),
        ],
    )

    def page(row) -> gpack.PackPage:
        unit = pd.DataFrame([row]).drop(columns=["place_ids"])
        focus = gpd.GeoDataFrame(unit, geometry="geometry", crs=settings.CRS)
        view = zmaps.build_view(
            "coverage",
            zone=zone,
            store=store,
            lang=lang,
            audience=audience,
            period=period,
            k=k,
            place_ids=row["place_ids"],
            focus=focus,
        )
        outline = gpack.unit_outline_layer(focus, lang=lang)
        view.layers.insert(len([lyr for lyr in view.layers if lyr.role == "context"]), outline)
        achieved = gpack.activity_achieved(indicators, records, row["place_ids"])
        rows = gpack.indicator_rows(
            indicators,
            achieved,
            cases,
            row["commune"],
            lang=lang,
            village=row["kind"] == "village",
            targets=local,
            place_id=row["unit_id"] if row["kind"] == "village" else "",
        )
        notes = []
        if row["kind"] == "village":
            basis = t("export.pack.unit_basis.village", lang, commune=row["commune"])
            notes.append(t("export.pack.cases_at", lang, commune=row["commune"]))
        elif row["method"] == "admin":
            basis = t("export.pack.unit_basis.admin", lang)
        else:
            basis = t("export.pack.unit_basis.area", lang, km=f"{gpack.COMMUNE_BUFFER_KM:g}")
        names = ctx.places.loc[ctx.places["place_id"].isin(row["place_ids"]), "name"]
        notes.insert(0, t("export.pack.places", lang, names=", ".join(names)))
        return gpack.PackPage(
            unit_id=row["unit_id"],
            name=row["name"],
            view=view,
            indicators=rows,
            basis=basis,
            notes=notes,
        )

    return cover, units, page


def export_pack(
    *,
    zone: str,
    by: str,
    out: str | os.PathLike[str],
    lang: str = settings.DEFAULT_LANGUAGE,
    audience: str = "public",
    store: Store | str | None = None,
    period: str | None = None,
    paper: str = "A4",
    k: int = settings.SUPPRESSION_K,
    progress: Callable[[int, int, str], None] | None = None,
    targets: str | os.PathLike[str] | None = None,
    version: int | str = 1,
) -> tuple[Path, int]:
    """Write a CCPE pack (cover + one page per unit) as one PDF; return ``(path, pages)``.

    ``k`` is the suppression threshold of the case figures; ``targets`` a file of local targets
    (see :func:`plan_pack`). Every page carries the pack's number and ``version``
    (``ZP-KGB-011 v1``).
    """
    path = check_output(out)
    if path.suffix.lower() != ".pdf":
        raise InputError(f"output {path.name}: a pack is a PDF; expected a name ending in .pdf")
    if paper not in PAPERS:
        raise UnknownNameError("paper size", paper, PAPERS)
    version = check_version(version, lang)
    cover, units, page = plan_pack(
        zone=zone, by=by, store=store, lang=lang, audience=audience, period=period, k=k, targets=targets
    )
    with atomic_output(path) as tmp:
        n = gpack.render_pack(
            cover,
            lambda: (page(row) for _, row in units.iterrows()),
            tmp,
            lang=lang,
            n_pages=len(units),
            paper=paper,
            progress=progress,
            map_number=map_number(zone, f"pack.{by}", version),
        )
    return path, n
