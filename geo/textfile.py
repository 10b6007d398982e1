"""Read a CSV file's records in chunks, whatever its encoding, with exact line numbers.

Encodings: UTF-8 (BOM or not), UTF-16 and UTF-32 with a BOM (and UTF-16 without one), cp1252 and
latin-1, and files whose lines mix UTF-8 and cp1252 (two exports pasted together): each byte that
is not UTF-8 is read as cp1252, so column names are never garbled. Delimiter: the one the header
line uses most (``;``, ``,`` or tab).

A clean file is read by pandas' C parser, a chunk at a time, after one pass over its bytes has
checked that every physical line is one row (no quoted line break, no stray quote), so line numbers
stay exact; any other file is read row by row with the csv module. Blank rows are skipped; a row
with more cells than the header is flagged (an unquoted delimiter inside a value shifts every
column after it).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.i18n import t
from geo.reasons import reason
from geo.recordfile import (
    ISSUES_COL,
    LINE_COL,
    ReadAgain,
    RecordFile,
    kobo_names,
    kobo_plan,
    unique_names,
)

_DELIMITERS = (";", ",", "\t")
_FALLBACK = "zoneplan-cp1252"  # codecs error handler: bytes that are not UTF-8 read as cp1252
_BLOCK = 1 << 21
_SCAN_BLOCK = 1 << 18  # bytes looked at together in a vectorised scan (bounds its temporaries)


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    out = []
    for b in exc.object[exc.start : exc.end]:
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: latin-1
            out.append(chr(b))
    return "".join(out), exc.end


codecs.register_error(_FALLBACK, _cp1252_bytes)


def decode(data: bytes, src: str, lang: str = settings.DEFAULT_LANGUAGE) -> str:
    """Return ``data`` as text: UTF-16/32 with a BOM, UTF-8 (BOM or not), cp1252, or a mix of
    UTF-8 and cp1252 lines; refuse binary data in one line."""
    text_bytes, codec, _ = _text_bytes(data, src, lang)
    return text_bytes.decode(codec, errors=_FALLBACK)


def _text_bytes(data: bytes, src: str, lang: str) -> tuple[bytes, str, str]:
    """Return ``data`` in an ASCII-compatible encoding, the codec that reads it and its name.

    UTF-16 and UTF-32 files (with a BOM, or UTF-16 without one) are converted to UTF-8 here.
    """
    wide = _wide_encoding(data[:4096])
    if wide:
        try:
            return (
                data.decode(wide).encode("utf-8"),
                "utf-8",
                wide.split("-")[0] + "-" + wide.split("-")[1],
            )
        except UnicodeDecodeError:
            raise InputError(
                t("records.file.bad_utf16", lang, encoding=wide.upper()), source=src
            ) from None
    head = data[:8192]
    if b"\x00" in head or (head and sum(b < 9 or 13 < b < 32 for b in head) > len(head) * 0.05):
        raise InputError(
            t("records.file.not_records", lang, content=t("records.content.binary", lang)), source=src
        )
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), _BLOCK):
            decoder.decode(view[start : start + _BLOCK])
        decoder.decode(b"", final=True)
        return data, "utf-8-sig", "utf-8"
    except UnicodeDecodeError:
        pass
    # Not UTF-8 throughout: cp1252, unless some lines are UTF-8 (a file pasted together).
    if _has_utf8_sequences(data):
        return data, "utf-8-sig", "utf-8+cp1252"  # bytes that are not UTF-8 read as cp1252
    return data, "cp1252", "cp1252"


def _has_utf8_sequences(data: bytes) -> bool:
    """Return whether ``data`` holds a two- or three-byte UTF-8 sequence (``[\\xc2-\\xef]`` then
    continuation bytes), scanned a block at a time (a regular expression takes ten times longer)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    for start in range(0, len(arr), _SCAN_BLOCK):
        block = arr[start : start + _SCAN_BLOCK + 2]  # two bytes more: sequences across blocks
        cont = (block & 0xC0) == 0x80
        lead = block >= 0xC2
        if (lead[:-1] & (block[:-1] <= 0xDF) & cont[1:]).any():
            return True
        three = lead[:-2] & (block[:-2] >= 0xE0) & (block[:-2] <= 0xEF)
        if (three & cont[1:-1] & cont[2:]).any():
            return True
    return False


def _wide_encoding(head: bytes) -> str | None:
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return name
    even, odd = head[0:200:2], head[1:200:2]
    if len(head) >= 8 and odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.2 * len(even):
        return "utf-16-le"
    if len(head) >= 8 and even.count(0) > 0.8 * len(even) and odd.count(0) < 0.2 * len(odd):
        return "utf-16-be"
    return None


def sniff_delimiter(header: str) -> str:
    """Return the delimiter (``;``, ``,`` or tab) used most often on the header line."""
    counts = {d: _count_outside_quotes(header, d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


@dataclass
class _Text:
    """A text file's bytes, how to decode them, and where its header is."""

    src: str
    source: Path | bytes  # the file, or its bytes converted to UTF-8 (UTF-16 and UTF-32 files)
    size: int
    codec: str
    delimiter: str
    header_line: int  # 0-based physical line of the header
    header: list[str]
    lang: str

    def open(self):
        """Return the text's bytes as a binary file (read from disk, not held in memory)."""
        return io.BytesIO(self.source) if isinstance(self.source, bytes) else open(self.source, "rb")


def open_text(path: Path, *, lang: str = settings.DEFAULT_LANGUAGE, exact: bool = False) -> RecordFile:
    """Open a CSV file (see :func:`open_records`); ``exact`` reads it row by row."""
    src = path.name
    raw = path.read_bytes()
    data, codec, encoding = _text_bytes(raw, src, lang)
    lines = re.finditer(rb"[^\r\n]*(?:\r\n|\r|\n|$)", data[: 1 << 20])
    first = next(((i, m.group()) for i, m in enumerate(lines) if m.group().strip(b' \t\r\n;,"')), None)
    if first is None:
        raise InputError(t("records.file.blank_only", lang), source=src)
    header_text = first[1].decode(codec, errors=_FALLBACK).lstrip("\ufeff")
    delimiter = sniff_delimiter(header_text)
    try:
        cells = next(csv.reader(io.StringIO(header_text), delimiter=delimiter))
    except (csv.Error, StopIteration):
        cells = [header_text]
    source = path if data is raw else data
    header = unique_names(cells, lang)
    text = _Text(src, source, len(data), codec, delimiter, first[0], header, lang)
    stats = None if exact else _scan(data, ord(delimiter))
    del raw, data  # the readers read the file again, a chunk at a time
    attrs = {
        "format": "csv",
        "delimiter": delimiter,
        "encoding": encoding,
        "kobo": kobo_plan(text.header),
    }
    attrs["coordinates"] = kobo_names(attrs["kobo"])
    position = [0.0]
    if stats is None:
        reader = _csv_module_chunks(text, position)
    else:
        reader = _c_parser_chunks(text, stats, position)
    return RecordFile(
        src,
        text.header,
        attrs,
        reader,
        progress=lambda: position[0],
        exact=lambda: open_text(path, lang=lang, exact=True),
        lang=lang,
    )


def _scan(data: bytes, delimiter: int) -> tuple[int, int] | None:
    """Return ``(physical lines, most fields on a line)``, or ``None`` when a quoted value may span
    lines (or a quote sits inside a value): then only the row-by-row reader numbers lines right."""
    arr = np.frombuffer(data, dtype=np.uint8)
    lines, most, carry_fields, parity = 0, 1, 0, 0
    for start in range(0, len(arr), _BLOCK):
        block = arr[start : start + _BLOCK]
        before = np.empty_like(block)
        before[0], before[1:] = (arr[start - 1] if start else 10), block[:-1]
        nxt = np.empty_like(block)
        nxt[-1], nxt[:-1] = (arr[start + len(block)] if start + len(block) < len(arr) else 0), block[1:]
        quote = block == 34
        if ((block == 13) & (nxt != 10)).any():  # old Mac line ends: pandas splits them its way
            return None
        ends = block == 10
        if quote.any():
            odd = np.bitwise_xor.accumulate(quote.view(np.uint8)) ^ parity
            if odd[ends].any():
                return None
            parity = int(odd[-1])
            edge = (delimiter, 10, 13, 34)
            stray = quote & ~np.isin(before, edge) & ~np.isin(nxt, (*edge, 0))
            if stray.any():
                return None
        end_pos = np.flatnonzero(ends)
        fields = np.bincount(
            np.searchsorted(end_pos, np.flatnonzero(block == delimiter)), minlength=len(end_pos) + 1
        )
        fields[0] += carry_fields
        if len(end_pos):
            most = max(most, int(fields[:-1].max()) + 1)
        carry_fields = int(fields[-1])
        lines += len(end_pos)
    if parity:
        return None
    if len(arr) and arr[-1] != 10:
        lines += 1
    return lines, max(most, carry_fields + 1)


def _c_parser_chunks(text: _Text, stats: tuple[int, int], position: list[float]):
    """Read with pandas' C parser: every physical line one row, so line numbers are exact."""
    n_lines, most = stats
    width = len(text.header)

    def reader(rows: int) -> Iterator[pd.DataFrame]:
        handle = text.open()
        parser = pd.read_csv(
            handle,
            sep=text.delimiter,
            header=None,
            names=range(max(most, width)),
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            skiprows=text.header_line + 1,
            encoding=text.codec,
            encoding_errors=_FALLBACK,
            chunksize=rows,
            engine="c",
        )
        first = text.header_line + 2
        try:
            for chunk in parser:
                lines = np.arange(first, first + len(chunk), dtype="int64")
                first += len(chunk)
                position[0] = handle.tell() / max(text.size, 1)
                yield _frame_from_cells(chunk, lines, text)
        except (pd.errors.ParserError, csv.Error, ValueError):
            raise ReadAgain from None
        finally:
            handle.close()
        if first - 1 != n_lines:
            raise ReadAgain

    return reader


def _csv_module_chunks(text: _Text, position: list[float]):
    """Read row by row with the csv module (quoted line breaks, stray quotes)."""

    def reader(rows: int) -> Iterator[pd.DataFrame]:
        raw = text.open()
        stream = io.TextIOWrapper(raw, encoding=text.codec, errors=_FALLBACK, newline="")
        for _ in range(text.header_line):
            stream.readline()
        cells = csv.reader(stream, delimiter=text.delimiter)
        batch: list[list[str]] = []
        lines: list[int] = []
        try:
            next(cells, None)
            for row in cells:
                batch.append(row)
                lines.append(cells.line_num + text.header_line)
                if len(batch) >= rows:
                    position[0] = raw.tell() / max(text.size, 1)
                    yield _frame_from_rows(batch, lines, text)
                    batch, lines = [], []
        except csv.Error as exc:
            line = cells.line_num + text.header_line
            raise InputError(
                t("records.file.bad_csv", text.lang, line=line, detail=str(exc)), source=text.src
            ) from None
        finally:
            stream.close()
        position[0] = 1.0
        if batch:
            yield _frame_from_rows(batch, lines, text)

    return reader


def _frame_from_rows(batch: list[list[str]], lines: list[int], text: _Text) -> pd.DataFrame:
    width = max(len(text.header), max(len(r) for r in batch))
    padded = [r + [""] * (width - len(r)) if len(r) < width else r for r in batch]
    cells = pd.DataFrame(padded, columns=range(width), dtype="str")
    return _frame_from_cells(cells, np.asarray(lines, dtype="int64"), text)


def _frame_from_cells(cells: pd.DataFrame, lines: np.ndarray, text: _Text) -> pd.DataFrame:
    """Return named columns for ``cells``; drop blank rows; flag rows with cells past the header."""
    width = len(text.header)
    cols = [cells[c] for c in cells.columns]
    empty = np.logical_and.reduce([(c == "").to_numpy(dtype=bool) for c in cols])
    maybe = ~empty & (cols[0].str.strip() == "").to_numpy(dtype=bool)
    for i in np.flatnonzero(maybe):  # rows of spaces only
        empty[i] = all(not str(c.iloc[i]).strip() for c in cols)
    frame = pd.DataFrame(dict(zip(text.header, cols[:width], strict=True)))
    frame[LINE_COL] = lines
    extra = cols[width:]
    if extra:
        over = np.logical_or.reduce([(c.str.strip() != "").to_numpy(dtype=bool) for c in extra])
        over &= ~empty
        if over.any():
            issues = np.full(len(frame), None, dtype=object)
            counts = width + np.sum([(c != "").to_numpy(dtype=int) for c in extra], axis=0)
            for i in np.flatnonzero(over):
                issues[i] = (reason("overlong", cells=int(counts[i]), expected=width),)
            frame[ISSUES_COL] = issues
    return frame.loc[~empty].reset_index(drop=True) if empty.any() else frame
