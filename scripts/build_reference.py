"""Derive the default reference layers ``data/reference/`` from the Who's On First Mali extract.

The sources are the files of ``../shared/data/mali/`` taken from Who's On First Mali
(``whosonfirst-data/whosonfirst-data-admin-ml``, commit 2efa70f): the 9 régions and 50 cercles
(geometry: Mesoshapes, CC0) and the localities gazetteer (mostly GeoNames, CC BY 4.0). The script
keeps the columns that :func:`geo.boundaries.read_boundaries` and :func:`geo.gazetteer.read_gazetteer`
read, rounds coordinates to 5 decimals (about 1 m), and leaves out the localities that
``read_gazetteer`` rejects against Mali's outline (``data/borders.geojson``): places GeoNames marks as
gone, superseded ones, and points outside Mali. It then reads each derived file and its source with
those readers and stops if they disagree. A re-run writes the same bytes.

The files follow the pre-2016 frame (8 régions and the District de Bamako, 49 cercles) and have no
official value. Where they are shown, show the Who's On First attribution (see ``data/README.md``).

    python scripts/build_reference.py [--shared ../shared/data/mali] [-o data/reference]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from geo import settings  # noqa: E402
from geo.boundaries import read_boundaries  # noqa: E402
from geo.gazetteer import GAZETTEER_COLUMNS, read_gazetteer  # noqa: E402
from geo.geodesy import area_km2  # noqa: E402

#: About 1 m: far finer than the generalised polygons, and a third smaller than 6 decimals.
DECIMALS = 5
#: Output file: source file in the shared folder, and the columns ``read_boundaries`` reads.
BOUNDARIES: dict[str, tuple[str, list[str]]] = {
    "regions.geojson": (
        "boundaries/mli_adm1_regions_wof.geojson",
        ["wof_id", "name", "name_fr", "hasc"],
    ),
    "cercles.geojson": (
        "boundaries/mli_adm2_cercles_wof.geojson",
        ["wof_id", "name", "name_fr", "hasc", "adm1_hasc"],
    ),
}
LOCALITIES_SOURCE = "gazetteer/mli_localities_wof.csv"
LOCALITIES_OUT = "localities.csv"
#: The columns ``read_gazetteer`` reads from a Who's On First localities file.
LOCALITY_COLUMNS = [
    "wof_id",
    "name",
    "lat",
    "lon",
    "adm1_name",
    "adm2_name",
    "placetype",
    "geonames_id",
    "geonames_feature_code",
    "is_current",
]


# --- helpers shared with build_context.py --------------------------------------------------------


def mali_outline() -> shapely.Geometry:
    """Return Mali's outline from the embedded Natural Earth borders (what the CLI checks against)."""
    borders = gpd.read_file(settings.DATA_DIR / "borders.geojson").to_crs(settings.CRS)
    return borders.loc[borders["iso_a3"] == "MLI", "geometry"].union_all()


def round_geometries(geoms: gpd.GeoSeries, decimals: int = DECIMALS) -> gpd.GeoSeries:
    """Return ``geoms`` with coordinates rounded to ``decimals``, repeated points removed, valid.

    Rounding each vertex keeps shared edges shared (neighbours round alike). A polygon that rounding
    makes invalid is snapped to the same grid by GEOS instead, which always returns a valid one.
    """
    values = shapely.transform(geoms.to_numpy(), lambda xy: np.round(xy, decimals))
    values = shapely.remove_repeated_points(values)
    polygonal = np.isin(shapely.get_type_id(values), (3, 6))  # Polygon, MultiPolygon
    bad = polygonal & ~shapely.is_valid(values)
    if bad.any():
        values[bad] = shapely.set_precision(values[bad], 10.0**-decimals)
    values[polygonal] = shapely.orient_polygons(values[polygonal])  # RFC 7946: exteriors CCW
    return gpd.GeoSeries(values, index=geoms.index, crs=geoms.crs)


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write ``frame`` as compact RFC 7946 GeoJSON, one feature a line, the same bytes every run."""
    geom = frame.geometry.name
    props = frame.drop(columns=geom)
    lines = []
    for record, shape in zip(props.to_dict("records"), frame.geometry, strict=True):
        feature = {
            "type": "Feature",
            "properties": {k: _plain(v) for k, v in record.items()},
            "geometry": shapely.geometry.mapping(shape),
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    head = json.dumps({"type": "FeatureCollection", "name": path.stem}, ensure_ascii=False)[:-1]
    text = head + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def print_written(path: Path, what: str) -> None:
    """Print what was written and its size."""
    print(f"wrote {path} ({what}, {path.stat().st_size / 1000:.0f} kB)")


# --- boundaries ----------------------------------------------------------------------------------


def build_boundaries(source: Path, columns: list[str], out: Path) -> gpd.GeoDataFrame:
    """Write ``source`` reduced to ``columns`` with rounded coordinates, sorted by HASC code."""
    frame = gpd.read_file(source).to_crs(settings.CRS)
    frame = frame[columns + [frame.geometry.name]].sort_values(["hasc", "wof_id"])
    frame = frame.reset_index(drop=True)
    frame["geometry"] = round_geometries(frame.geometry)
    write_geojson(frame, out)
    return frame


def check_boundaries(source: Path, derived: Path) -> float:
    """Stop unless ``read_boundaries`` reads ``derived`` as it reads ``source``.

    Returns the largest relative change in a unit's area.
    """
    before, after = read_boundaries(source), read_boundaries(derived)
    if after.repaired:
        sys.exit(f"{derived}: {after.repaired} geometries needed repair; expected none")
    keys = ["unit_id", "name", "level", "parent_id"]
    a = before.frame.sort_values("unit_id").reset_index(drop=True)
    b = after.frame.sort_values("unit_id").reset_index(drop=True)
    if not a[keys].equals(b[keys]) or before.schema != after.schema:
        diff = pd.concat([a[keys], b[keys]]).drop_duplicates(keep=False)
        sys.exit(f"{derived} reads differently from {source}:\n{diff.to_string()}")
    return float(np.max(np.abs(area_km2(b) / area_km2(a) - 1.0)))


# --- gazetteer -----------------------------------------------------------------------------------


def build_localities(source: Path, out: Path, outline: shapely.Geometry) -> dict:
    """Write the localities ``read_gazetteer`` accepts, ``LOCALITY_COLUMNS`` only, 5 decimals.

    Returns the reader's summary of ``source``: rows read, accepted, rejected by reason.
    """
    gaz = read_gazetteer(source, schema="wof", outline=outline)
    accepted = set(gaz.report.loc[gaz.report["status"] == "accepted", "line"].astype(int))
    rows = []
    with open(source, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            if reader.line_num in accepted:  # the reader numbers rows by their line, as csv does
                rows.append(
                    [_coord(row[c]) if c in ("lat", "lon") else row[c] for c in LOCALITY_COLUMNS]
                )
    if len(rows) != len(accepted):
        sys.exit(f"{source}: matched {len(rows)} rows to the {len(accepted)} accepted; expected all")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(LOCALITY_COLUMNS)
        writer.writerows(rows)
    return gaz.summary


def _coord(text: str) -> str:
    return repr(round(float(text), DECIMALS)) if text.strip() else ""


def check_localities(source: Path, derived: Path, outline: shapely.Geometry) -> None:
    """Stop unless ``read_gazetteer`` accepts the same entries from ``derived`` as from ``source``."""
    before = read_gazetteer(source, schema="wof", outline=outline)
    after = read_gazetteer(derived, outline=outline)
    cols = list(GAZETTEER_COLUMNS)
    a = before.frame.reset_index(drop=True)
    b = after.frame.reset_index(drop=True)
    if after.schema != "wof" or len(after.report) != len(b) or not a[cols].equals(b[cols]):
        sys.exit(
            f"{derived} reads differently from {source}: {after.summary['rejected']} rows "
            f"rejected, {len(b)} accepted against {len(a)}"
        )
    shift = np.abs(
        shapely.get_coordinates(a.geometry.values) - shapely.get_coordinates(b.geometry.values)
    )
    if shift.max() > 0.5 * 10.0**-DECIMALS + 1e-12:
        sys.exit(f"{derived}: a point moved by {shift.max():.7f}°; expected rounding only")


# --- main ----------------------------------------------------------------------------------------


def build(shared: Path, out: Path) -> None:
    """Write and check the three reference files of ``out`` from the ``shared`` folder."""
    for name, (relative, columns) in BOUNDARIES.items():
        source = shared / relative
        frame = build_boundaries(source, columns, out / name)
        change = check_boundaries(source, out / name)
        print_written(out / name, f"{len(frame)} units, largest area change {change:.1e}")
    outline = mali_outline()
    source = shared / LOCALITIES_SOURCE
    summary = build_localities(source, out / LOCALITIES_OUT, outline)
    check_localities(source, out / LOCALITIES_OUT, outline)
    left_out = ", ".join(f"{n} {why}" for why, n in summary["rejected_by_reason"].items())
    print_written(
        out / LOCALITIES_OUT,
        f"{summary['accepted']} of {summary['rows_read']} "
        f"localities; left out as read_gazetteer rejects them: {left_out}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=settings.SHARED_MALI_DIR,
        help="the Mali reference folder (default: %(default)s)",
    )
    parser.add_argument("-o", "--out", type=Path, default=settings.DATA_DIR / "reference")
    args = parser.parse_args()
    missing = [
        r
        for r in [*(s for s, _ in BOUNDARIES.values()), LOCALITIES_SOURCE]
        if not (args.shared / r).is_file()
    ]
    if missing:
        sys.exit(
            f"{args.shared}: missing {', '.join(missing)}; expected the Mali reference folder (--shared)"
        )
    build(args.shared, args.out)


if __name__ == "__main__":
    main()
