"""Readers for record formats: JSON lines, JSON documents and CSV.

JSON lines and CSV are streamed line by line (bounded memory). A JSON
document is one value, so it is read whole, then its papers are decoded one
by one so that each still gets its own line number.
"""

from __future__ import annotations

import csv
import json
import re
from typing import Any, Iterator

from graph.errors import BadRecord, UnreadableFile
from graph.ingest.fields import normalize_key, record_to_paper
from graph.ingest.io import TextSource, location, open_text
from graph.models import Paper

__all__ = ["iter_jsonl", "iter_json", "iter_csv", "csv_header", "WRAPPER_KEYS"]

#: Keys under which a JSON document may hold its list of papers.
WRAPPER_KEYS = ("papers", "records", "items", "data", "results")

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()

Record = Paper | BadRecord


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


# --- JSON lines ----------------------------------------------------------------


def iter_jsonl(source: TextSource) -> Iterator[Record]:
    """One JSON object per line; blank lines are skipped."""
    with open_text(source) as stream:
        yield from _jsonl_lines(source.path, stream, first_line=1)


def _jsonl_lines(path: str, lines: Iterator[str], *, first_line: int) -> Iterator[Record]:
    for number, line in enumerate(lines, first_line):
        if not line.strip():
            continue
        where = location(path, number)
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadRecord(where, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(value, dict):
            yield BadRecord(where, f"expected a JSON object, got {_json_type(value)}")
            continue
        yield record_to_paper(value, where)


# --- JSON document -------------------------------------------------------------


def iter_json(source: TextSource) -> Iterator[Record]:
    """A JSON array of paper objects, an object holding one (``{"papers": [...]}``),
    or a single paper object. A file of several top-level objects is read as JSON lines.

    Raises
    ------
    UnreadableFile
        When iteration starts, if the document is not valid JSON as a whole or
        holds no list of papers.
    """
    with open_text(source) as stream:
        text = stream.read()
    path = source.path
    start = _WS.match(text).end()
    if text.startswith("[", start):
        yield from _array(path, text, start, _Lines(text))
        return
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    if _WS.match(text, end).end() < len(text):
        # More values follow the first one: newline-delimited JSON saved as .json.
        yield from _jsonl_lines(path, iter(text.split("\n")), first_line=1)
        return
    if not isinstance(value, dict):
        raise UnreadableFile(path, f"expected an array of paper objects, got {_json_type(value)}")
    keys = {normalize_key(key) for key in value}
    if "title" in keys or "abstract" in keys:
        yield record_to_paper(value, location(path, text.count("\n", 0, start) + 1))
        return
    for key, position in _members(text, start):
        if normalize_key(key) in WRAPPER_KEYS and text.startswith("[", position):
            yield from _array(path, text, position, _Lines(text))
            return
    raise UnreadableFile(
        path, "JSON object holds no list of papers (expected an array, or a list under one of: "
        + ", ".join(WRAPPER_KEYS) + ")"
    )


class _Lines:
    """Line number of a position, counted incrementally (positions only grow)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1

    def at(self, pos: int) -> int:
        self._line += self._text.count("\n", self._pos, pos)
        self._pos = pos
        return self._line


def _array(path: str, text: str, start: int, lines: _Lines) -> Iterator[Record]:
    """Decode the array opening at ``start`` element by element."""
    pos = start + 1
    while True:
        pos = _WS.match(text, pos).end()
        if pos >= len(text):
            yield BadRecord(location(path, lines.at(len(text))), "unterminated JSON array")
            return
        if text[pos] == "]":
            return
        where = location(path, lines.at(pos))
        try:
            value, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield BadRecord(
                location(path, exc.lineno),
                f"invalid JSON: {exc.msg} (column {exc.colno}); the rest of the file is skipped",
            )
            return
        if isinstance(value, dict):
            yield record_to_paper(value, where)
        else:
            yield BadRecord(where, f"expected a JSON object, got {_json_type(value)}")
        pos = _WS.match(text, pos).end()
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos):
            yield BadRecord(
                location(path, lines.at(min(pos, len(text)))),
                "invalid JSON: expected ',' or ']' after an array element; the rest of the file is skipped",
            )
            return


def _members(text: str, start: int) -> Iterator[tuple[str, int]]:
    """(key, value position) of each member of the (valid) object at ``start``."""
    pos = start + 1
    while True:
        pos = _WS.match(text, pos).end()
        if text.startswith("}", pos):
            return
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _WS.match(text, pos).end() + 1  # the ':'
        pos = _WS.match(text, pos).end()
        yield key, pos
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _WS.match(text, pos).end()
        if text.startswith(",", pos):
            pos += 1


# --- CSV -----------------------------------------------------------------------


def csv_header(source: TextSource) -> tuple[list[str], str]:
    """Normalized column names and delimiter, checked before any row is read.

    The delimiter is a tab when the header line has tabs and no commas.

    Raises
    ------
    UnreadableFile
        If the header names neither a ``title`` nor an ``abstract`` column.
    """
    first = next((line for line in source.head.splitlines() if line.strip()), "")
    delimiter = "\t" if "\t" in first and "," not in first else ","
    row = next(csv.reader([first], delimiter=delimiter), [])
    header = [normalize_key(name) for name in row]
    if "title" not in header and "abstract" not in header:
        shown = ", ".join(repr(name) for name in row[:8])
        raise UnreadableFile(
            source.path, f"CSV header has no 'title' or 'abstract' column (first row: {shown})"
        )
    return header, delimiter


def iter_csv(source: TextSource) -> Iterator[Record]:
    """CSV with a header row; the columns are the JSON field names.

    ``authors`` and ``references`` cells are split on ``;``; empty cells are
    missing values; a row with the wrong number of fields is a bad record.
    """
    header, delimiter = csv_header(source)
    path = source.path
    with open_text(source, newline="") as stream:
        reader = csv.reader(stream, delimiter=delimiter)
        seen_header = False
        consumed = 0
        while True:
            start = consumed + 1  # a quoted field may span lines: report the first
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                consumed = reader.line_num
                yield BadRecord(location(path, start), f"CSV error: {exc}")
                continue
            consumed = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if not seen_header:
                seen_header = True
                continue
            if len(row) != len(header):
                yield BadRecord(location(path, start), f"expected {len(header)} fields, got {len(row)}")
                continue
            raw: dict[str, str | None] = {}
            for name, cell in zip(header, row):
                if name and name not in raw:  # a repeated column: the first one counts
                    raw[name] = cell if cell.strip() else None
            yield record_to_paper(raw, location(path, start))
