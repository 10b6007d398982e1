"""Declared layer schemas and the check every loaded layer passes."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.errors import SchemaError

_KINDS = {
    "str": lambda s: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s),
    "int": pd.api.types.is_integer_dtype,
    "float": pd.api.types.is_numeric_dtype,
    "bool": pd.api.types.is_bool_dtype,
    "date": lambda s: (
        pd.api.types.is_datetime64_any_dtype(s)
        or pd.api.types.is_object_dtype(s)
        or pd.api.types.is_string_dtype(s)
    ),
}


@dataclass(frozen=True)
class Schema:
    """The columns a layer promises, their kinds, and its geometry types.

    ``columns`` maps a column name to one of ``str``, ``int``, ``float``, ``bool``, ``date``.
    """

    columns: dict[str, str]
    geometry_types: tuple[str, ...]
    optional: tuple[str, ...] = field(default_factory=tuple)

    def empty(self) -> gpd.GeoDataFrame:
        """Return an empty frame that satisfies this schema."""
        dtypes = {
            "str": "object",
            "int": "int64",
            "float": "float64",
            "bool": "bool",
            "date": "datetime64[ns]",
        }
        data = {c: pd.Series(dtype=dtypes[k]) for c, k in self.columns.items()}
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=settings.CRS), crs=settings.CRS)

    def check(self, frame: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
        """Return ``frame`` if it satisfies this schema; raise listing every problem otherwise."""
        problems: list[str] = []
        if not isinstance(frame, gpd.GeoDataFrame):
            raise SchemaError(f"layer {layer!r}: expected a GeoDataFrame, got {type(frame).__name__}")
        if frame.crs is None or frame.crs.to_string() != settings.CRS:
            problems.append(f"CRS is {frame.crs}, expected {settings.CRS}")
        for col, kind in self.columns.items():
            if col not in frame.columns:
                if col not in self.optional:
                    problems.append(f"column {col!r} missing")
                continue
            series = frame[col]
            if len(series.dropna()) and not _KINDS[kind](series):
                problems.append(f"column {col!r} is {series.dtype}, expected {kind}")
        present = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
        bad = sorted(set(present.geom_type) - set(self.geometry_types))
        if bad:
            problems.append(f"geometry types {bad}, expected {list(self.geometry_types)}")
        if problems:
            raise SchemaError(f"layer {layer!r} breaks its schema: " + "; ".join(problems))
        return frame
