"""Write CSV files that a spreadsheet opens as data, never as formulas.

Every CSV the project writes goes through :func:`write_csv`. A text cell that begins
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``, as
OWASP recommends against CSV injection; numeric columns are left as they are.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Return ``value`` with a leading ``'`` when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells and headers cannot start a formula.

    Numeric, boolean and datetime columns are kept unchanged; only object and string
    columns are scanned. The geometry column, if any, is dropped.
    """
    out = pd.DataFrame(frame).drop(columns="geometry", errors="ignore").copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_csv(
    frame: pd.DataFrame,
    path_or_buffer: str | Path | io.TextIOBase | None = None,
    *,
    mark: str | None = None,
    encoding: str = "utf-8",
) -> str | None:
    """Write ``frame`` as a safe CSV; return the text when no destination is given.

    Parameters
    ----------
    frame
        The table to write (its index is not written).
    path_or_buffer
        A file path or an open text buffer; ``None`` returns the CSV as a string.
    mark
        A line written before the header (e.g. the fictitious-data mark), or ``None``.
    encoding
        The file's encoding when a path is given.
    """
    # CRLF (RFC 4180) so that a cell holding a lone carriage return is quoted.
    text = safe_frame(frame).to_csv(index=False, lineterminator="\r\n")
    if mark:
        text = safe_cell(mark) + "\r\n" + text
    if path_or_buffer is None:
        return text
    if isinstance(path_or_buffer, (str, Path)):
        Path(path_or_buffer).write_text(text, encoding=encoding, newline="")
    else:
        path_or_buffer.write(text)
    return None
