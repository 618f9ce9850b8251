"""Readers for record formats: JSON lines, JSON documents and CSV.

JSON lines and CSV are streamed line by line, holding at most
:data:`~graph.ingest.limits.MAX_RECORD_CHARS` of a record (bounded memory): a
longer line or CSV record is reported and skipped. A JSON document is one
value, so it is read whole, then its papers are decoded one by one so that
each still gets its own line number. JSON nested deeper than
:data:`~graph.ingest.limits.MAX_JSON_DEPTH` is refused before it is decoded.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import IO, Any, Callable, Iterable, Iterator

from graph.errors import BadRecord, UnreadableFile
from graph.ingest.fields import normalize_key, record_to_paper
from graph.ingest.io import TextSource, bounded_lines, is_line_end, location, open_text
from graph.ingest.limits import MAX_JSON_DEPTH, MAX_RECORD_CHARS
from graph.models import Paper

__all__ = ["iter_jsonl", "iter_json", "iter_csv", "csv_header", "csv_records", "json_depth", "WRAPPER_KEYS"]

#: Keys under which a JSON document may hold its list of papers.
WRAPPER_KEYS = ("papers", "records", "items", "data", "results")

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# A JSON string (skipped whole), a bracket, or a quote that opens no complete string.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|"', re.DOTALL)

Record = Paper | BadRecord
#: Turns one decoded JSON object into a paper or a bad record (``record_to_paper``
#: for our own schema; export formats such as OpenAlex bring their own).
Converter = Callable[[dict, str], Record]


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def too_long(what: str, length: int) -> str:
    """The reason given for a line or record over :data:`MAX_RECORD_CHARS`."""
    return f"{what} of {length:,} characters, over the limit of {MAX_RECORD_CHARS:,}"


def json_depth(text: str, start: int = 0, limit: int = MAX_JSON_DEPTH) -> tuple[int | None, int | None]:
    """Scan the JSON value at ``start`` for nesting deeper than ``limit``.

    Returns ``(end, too_deep_at)``: the position after the value (None if it
    does not close) and the position where nesting first went past ``limit``
    (None if it never did). Only brackets outside strings count, so this is a
    linear regex scan, without recursion, of a value not yet validated.

    >>> json_depth('[[1], {"a": "[["}] tail', 0, 2)
    (18, None)
    >>> json_depth("[[[[]]]]", 0, 2)
    (8, 2)
    """
    if not text.startswith(("[", "{"), start):
        return None, None
    depth, deep_at = 0, None
    for match in _JSON_TOKEN.finditer(text, start):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > limit and deep_at is None:
                deep_at = match.start()
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return match.end(), deep_at
        elif char == '"':
            return None, deep_at  # an unterminated string: the decoder will say so
    return None, deep_at


def _too_deep(where: str) -> BadRecord:
    return BadRecord(where, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


def _decode_line(line: str, where: str, convert: Converter = record_to_paper) -> Record:
    """One JSON-lines record: decoded, checked, turned into a paper."""
    if line.count("[") + line.count("{") > MAX_JSON_DEPTH:  # only then can it be too deep
        start = _WS.match(line).end()
        if json_depth(line, start)[1] is not None:
            return _too_deep(where)
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return BadRecord(where, f"invalid JSON: {exc.msg} (column {exc.colno})")
    except ValueError as exc:  # a number of more than 4,300 digits
        return BadRecord(where, f"invalid JSON: {str(exc).split(':')[0]}")
    except RecursionError:  # not reached after the depth check; kept as a last guard
        return _too_deep(where)
    if not isinstance(value, dict):
        return BadRecord(where, f"expected a JSON object, got {_json_type(value)}")
    return convert(value, where)


# --- JSON lines ----------------------------------------------------------------


def iter_jsonl(source: TextSource, convert: Converter = record_to_paper) -> Iterator[Record]:
    """One JSON object per line; blank lines are skipped."""
    with open_text(source) as stream:
        yield from _jsonl_lines(source.path, bounded_lines(stream, MAX_RECORD_CHARS), convert)


def _jsonl_lines(
    path: str, lines: Iterable[tuple[int, str | None, int]], convert: Converter = record_to_paper
) -> Iterator[Record]:
    for number, line, length in lines:
        if line is None:
            yield BadRecord(location(path, number), too_long("line", length))
        elif line.strip():
            yield _decode_line(line, location(path, number), convert)


def _split_lines(text: str) -> Iterator[tuple[int, str | None, int]]:
    """:func:`bounded_lines` over text already in memory."""
    for number, line in enumerate(text.split("\n"), 1):
        yield number, (line if len(line) < MAX_RECORD_CHARS else None), len(line) + 1


# --- JSON document -------------------------------------------------------------


def iter_json(
    source: TextSource,
    convert: Converter = record_to_paper,
    record_keys: tuple[str, ...] = ("title", "abstract"),
    wrapper_keys: tuple[str, ...] = WRAPPER_KEYS,
) -> Iterator[Record]:
    """A JSON array of paper objects, an object holding one (``{"papers": [...]}``),
    or a single paper object. A file of several top-level objects is read as JSON lines.

    ``convert`` turns each object into a paper; a top-level object with one of
    ``record_keys`` (normalized names) is a single paper, else its list is
    looked for under ``wrapper_keys``.

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
        yield from _array(path, text, start, _Lines(text), convert)
        return
    deep_at = json_depth(text, start, MAX_JSON_DEPTH + 2)[1]  # + a wrapper object and its list
    if deep_at is not None:
        line = text.count("\n", 0, deep_at) + 1
        raise UnreadableFile(path, f"JSON nested deeper than {MAX_JSON_DEPTH} levels (line {line})")
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except ValueError as exc:  # a number of more than 4,300 digits
        raise UnreadableFile(path, f"invalid JSON: {str(exc).split(':')[0]}") from exc
    if _WS.match(text, end).end() < len(text):
        # More values follow the first one: newline-delimited JSON saved as .json.
        yield from _jsonl_lines(path, _split_lines(text), convert)
        return
    if not isinstance(value, dict):
        raise UnreadableFile(path, f"expected an array of paper objects, got {_json_type(value)}")
    keys = {normalize_key(key) for key in value}
    if keys.intersection(record_keys):
        yield convert(value, location(path, text.count("\n", 0, start) + 1))
        return
    for key, position in _members(text, start):
        if normalize_key(key) in wrapper_keys and text.startswith("[", position):
            yield from _array(path, text, position, _Lines(text), convert)
            return
    raise UnreadableFile(
        path, "JSON object holds no list of papers (expected an array, or a list under one of: "
        + ", ".join(wrapper_keys) + ")"
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


def _array(
    path: str, text: str, start: int, lines: _Lines, convert: Converter = record_to_paper
) -> Iterator[Record]:
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
        end, deep_at = json_depth(text, pos)
        if deep_at is not None:
            if end is None:
                yield BadRecord(where, f"JSON nested deeper than {MAX_JSON_DEPTH} levels; the rest of the file is skipped")
                return
            yield _too_deep(where)
            pos = end
            value = None
        else:
            try:
                value, pos = _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                yield BadRecord(
                    location(path, exc.lineno),
                    f"invalid JSON: {exc.msg} (column {exc.colno}); the rest of the file is skipped",
                )
                return
            except ValueError as exc:  # a number of more than 4,300 digits
                yield BadRecord(where, f"invalid JSON: {str(exc).split(':')[0]}; the rest of the file is skipped")
                return
        if isinstance(value, dict):
            yield convert(value, where)
        elif deep_at is None:
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

    The delimiter is a tab for a ``.tsv``/``.tab`` file (``.gz`` or not); otherwise
    a tab when the first line has tabs and no commas, or when only its tab-separated
    names hold a ``title``/``abstract`` column (issue 21: a ``.tsv`` whose header had
    a comma was read as comma-separated). The header is the first non-blank record,
    read by the same rules as the rows.

    Raises
    ------
    UnreadableFile
        If the header names neither a ``title`` nor an ``abstract`` column.
    """
    first = next((line for line in source.head.splitlines() if line.strip()), "")
    delimiter = _delimiter(source.path, first)
    row: list[str] = []
    for _, text, _, closed in csv_records(io.StringIO(source.head, newline=""), delimiter):
        try:
            row = _csv_row(text, delimiter) if text is not None and closed else []
        except csv.Error as exc:
            raise UnreadableFile(source.path, f"CSV header cannot be read: {exc}") from exc
        if not _blank(row):
            break
    header = [normalize_key(name) for name in row]
    if "title" not in header and "abstract" not in header:
        shown = ", ".join(repr(name if len(name) <= 40 else name[:37] + "...") for name in row[:8])
        raise UnreadableFile(
            source.path, f"CSV header has no 'title' or 'abstract' column (first row: {shown})"
        )
    return header, delimiter


_TAB_SUFFIXES = (".tsv", ".tab", ".tsv.gz", ".tab.gz")


def _delimiter(path: str, first_line: str) -> str:
    r"""Tab or comma for a CSV file, from its name, else its first line.

    >>> _delimiter("papers.TSV.gz", "title,abstract"), _delimiter("p.csv", "title\tabstract")
    ('\t', '\t')
    >>> _delimiter("p.csv", "title\tabstract, notes"), _delimiter("p.csv", "a\tb,title,abstract")
    ('\t', ',')
    """
    if path.lower().endswith(_TAB_SUFFIXES):
        return "\t"
    if "\t" not in first_line:
        return ","
    if "," not in first_line:
        return "\t"
    wanted = {"title", "abstract"}
    by_tab = wanted & {normalize_key(name) for name in first_line.split("\t")}
    by_comma = wanted & {normalize_key(name) for name in first_line.split(",")}
    return "\t" if by_tab and not by_comma else ","


def iter_csv(
    source: TextSource,
    convert: Converter = record_to_paper,
    align: Callable[[list[str], list[str]], list[str]] | None = None,
) -> Iterator[Record]:
    """CSV with a header row; the columns are the JSON field names.

    ``convert`` turns each row (normalized column name -> cell, None when empty)
    into a paper; vendor exports (Scopus, Lens) bring their own, and ``align``
    (header, row) -> row may first repair a vendor's known column quirk.

    ``authors`` and ``references`` cells are split on ``;``; empty cells are
    missing values; a row with the wrong number of fields is a bad record, and
    so is a record over :data:`MAX_RECORD_CHARS` (its quoted newlines
    included) or a quoted field that is never closed. Fields may hold quoted
    delimiters, quotes (``""``) and newlines; a record is located at its
    first line.
    """
    header, delimiter = csv_header(source)
    path = source.path
    with open_text(source, newline="") as stream:
        seen_header = False
        for start, text, length, closed in csv_records(stream, delimiter):
            where = location(path, start)
            if text is None:
                seen_header = True
                yield BadRecord(where, too_long("CSV record", length))
                continue
            if not closed:
                seen_header = True
                yield BadRecord(where, "a quoted field is never closed (its '\"' has no match before the end of the file)")
                continue
            try:
                row = _csv_row(text, delimiter)
            except csv.Error as exc:
                seen_header = True
                yield BadRecord(where, _csv_error(exc))
                continue
            if _blank(row):
                continue
            if not seen_header:
                seen_header = True
                continue
            if align is not None:
                row = align(header, row)
            if len(row) != len(header):
                yield BadRecord(where, f"expected {len(header)} fields, got {len(row)}")
                continue
            raw: dict[str, str | None] = {}
            for name, cell in zip(header, row):
                if name and name not in raw:  # a repeated column: the first one counts
                    raw[name] = cell if cell.strip() else None
            yield convert(raw, where)


def _csv_error(exc: csv.Error) -> str:
    if "field limit" in str(exc):  # the csv module's own cap, above every field limit of ours
        return f"CSV field longer than {csv.field_size_limit():,} characters, over the limit of any field"
    return f"CSV error: {exc}"


def _csv_row(text: str, delimiter: str) -> list[str]:
    return next(csv.reader((text,), delimiter=delimiter), [])


def _blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())


# Where a CSV record stands at the end of a piece of text, under the rules of
# the csv module's default dialect: a quote opens a quoted field only at the
# start of a field, and inside one, "" is a quote and newlines are data.
_START, _FIELD, _QUOTED, _CLOSING = range(4)


def csv_records(stream: IO[str], delimiter: str) -> Iterator[tuple[int, str | None, int, bool]]:
    """Split CSV text into records: ``(first line, text, length, closed)``.

    A record ends at a line end outside quotes, so it may span lines. At most
    :data:`MAX_RECORD_CHARS` are held: a longer record is scanned to its end
    and comes out with ``text=None``. ``closed`` is False for a record cut by
    the end of the file inside a quoted field.

    >>> import io
    >>> [r[:2] for r in csv_records(io.StringIO('a,"b\\nc ""q"" "\\nd,e\\n'), ",")]
    [(1, 'a,"b\\nc ""q"" "\\n'), (3, 'd,e\\n')]
    """
    line = 0
    piece = stream.readline(MAX_RECORD_CHARS + 1)
    while piece:
        first, parts, length, state = line + 1, [], 0, _START
        while True:
            length += len(piece)
            if parts is not None:
                if length > MAX_RECORD_CHARS:
                    parts = None  # too long: scan on to its end, keep nothing
                else:
                    parts.append(piece)
            if state in (_QUOTED, _CLOSING) or '"' in piece:
                state = _csv_state(piece, state, delimiter)
            else:
                state = _START if piece.endswith(delimiter) else _FIELD
            ended = is_line_end(piece)
            line += ended
            piece = stream.readline(MAX_RECORD_CHARS + 1)
            if (ended and state != _QUOTED) or not piece:
                break
        if not ended:
            line += 1  # the last line, without a line end
        text = "".join(parts) if parts is not None else None
        yield first, text, length, state != _QUOTED


def _csv_state(text: str, state: int, delimiter: str) -> int:
    opener = delimiter + '"'
    i, n = 0, len(text)
    while i < n:
        if state == _START:
            if text[i] == '"':
                state, i = _QUOTED, i + 1
                continue
            state = _FIELD
        if state == _FIELD:
            j = text.find(opener, i)
            if j < 0:
                return _START if text.endswith(delimiter) else _FIELD
            state, i = _QUOTED, j + 2
        elif state == _QUOTED:
            j = text.find('"', i)
            if j < 0:
                return _QUOTED
            state, i = _CLOSING, j + 1
        else:  # _CLOSING: right after a quote inside a quoted field
            char = text[i]
            if char == '"':
                state, i = _QUOTED, i + 1
            elif char == delimiter:
                state, i = _START, i + 1
            else:
                state = _FIELD
    return state
