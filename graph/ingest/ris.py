"""Reader for RIS (``.ris``) exports of any vendor: Scopus, Web of Science, IEEE, Zotero.

A record runs from its ``TY  - `` line to its ``ER  -`` line; a line without a
tag continues the field above it. Lines are split on ``\\n`` only and stripped
of ``\\r``, so CRLF files and IEEE Xplore's stray carriage return before every
``TY`` line read the same, and line numbers are ``\\n`` counts. The file is
streamed (bounded memory): a record over
:data:`~graph.ingest.limits.MAX_RECORD_CHARS` is reported and skipped.

Fields read: ``TI``/``T1`` (title), ``AU``/``A1`` (authors, repeated lines
merged), ``PY``/``Y1``/``DA`` (the first four-digit year), ``AB``/``N2``
(abstract), ``DO`` (DOI), ``JO``/``JF``/``T2``/``JA`` (venue), ``UR`` (url),
``ID`` (the given id); ``KW`` lines are kept as ``extra["input_keywords"]``
(``; ``-joined), ``TY`` as ``extra["type"]`` and ``AN`` as ``extra["accession"]``.
Text outside a ``TY``...``ER`` record and a record the file ends inside are
reported, never dropped silently.
"""

from __future__ import annotations

import re
from typing import Iterator

from graph.errors import BadRecord
from graph.ingest.fields import record_to_paper
from graph.ingest.io import TextSource, bounded_lines, location, open_text
from graph.ingest.limits import MAX_RECORD_CHARS
from graph.ingest.records import too_long
from graph.models import Paper

__all__ = ["iter_ris", "ris_record", "looks_like_ris"]

_TAG = re.compile(r"([A-Z][A-Z0-9])  -(?: (.*)|\s*)$")
_FIRST_TY = re.compile(r"^[\r\t \ufeff]*TY  - ", re.MULTILINE)
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")

_TITLE = ("TI", "T1", "CT", "BT")
_AUTHORS = ("AU", "A1")
_YEARS = ("PY", "Y1", "DA")
_ABSTRACT = ("AB", "N2")
_VENUE = ("JO", "JF", "T2", "JA", "J2")


def looks_like_ris(text: str) -> bool:
    """Whether text has a ``TY  - `` line (a stray ``\\r`` before it is allowed).

    >>> looks_like_ris("\\ufeffTY  - JOUR\\nTI  - A title\\nER  - \\n")
    True
    """
    return _FIRST_TY.search(text) is not None


def _year(fields: dict[str, list[str]]) -> str | None:
    for tag in _YEARS:
        for value in fields.get(tag, ()):
            match = _YEAR.search(value)
            if match:
                return match.group(1)
    given = fields.get("PY")
    return given[0] if given else None  # no four-digit year: record_to_paper says why


def _first(fields: dict[str, list[str]], tags: tuple[str, ...]) -> str | None:
    for tag in tags:
        for value in fields.get(tag, ()):
            if value.strip():
                return value
    return None


def ris_record(fields: dict[str, list[str]]) -> dict[str, object]:
    """The raw record (our field names) of one RIS record, tag -> values in file order.

    >>> ris_record({"TY": ["JOUR"], "T1": ["A title"], "AU": ["Lee, A.", "Lee, A."], "Y1": ["2001/05/01"]})
    {'title': 'A title', 'authors': ['Lee, A.'], 'year': '2001', 'type': 'JOUR'}
    """
    record: dict[str, object] = {"title": _first(fields, _TITLE)}
    authors = [name for tag in _AUTHORS for name in fields.get(tag, ())]
    if authors:
        record["authors"] = list(dict.fromkeys(name.strip() for name in authors if name.strip()))
    record["year"] = _year(fields)
    for name, tags in (("abstract", _ABSTRACT), ("doi", ("DO",)), ("venue", _VENUE), ("url", ("UR",)),
                       ("id", ("ID",)), ("type", ("TY",)), ("accession", ("AN",))):
        value = _first(fields, tags)
        if value is not None:
            record[name] = value
    keywords = [kw.strip() for kw in fields.get("KW", ()) if kw.strip()]
    if keywords:
        record["keywords"] = "; ".join(keywords)
    return {key: value for key, value in record.items() if value is not None}


def iter_ris(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Each ``TY``...``ER`` record of a RIS file, as a paper or a bad record."""
    path = source.path
    fields: dict[str, list[str]] | None = None
    start = 0
    size = 0
    last: str | None = None
    stray: int | None = None  # first line of text outside a record
    with open_text(source, newline="\n") as stream:
        for number, line, length in bounded_lines(stream, MAX_RECORD_CHARS):
            if line is None:
                if fields is not None:
                    size = MAX_RECORD_CHARS + 1
                else:
                    yield BadRecord(location(path, number), too_long("line", length))
                continue
            text = line.strip("\r\n\t \ufeff")
            match = _TAG.match(text)
            tag = match.group(1) if match else None
            if tag == "TY":
                if fields is not None:
                    yield BadRecord(location(path, start), "record has no 'ER  -' line before the next 'TY  -'")
                if stray is not None:
                    yield BadRecord(location(path, stray), "text outside a 'TY  -' ... 'ER  -' record")
                    stray = None
                fields, start, size, last = {}, number, 0, None
            if fields is None:
                if text and stray is None:
                    stray = number
                continue
            size += length
            if tag == "ER":
                if size > MAX_RECORD_CHARS:
                    yield BadRecord(location(path, start), too_long("RIS record", size))
                else:
                    yield record_to_paper(ris_record(fields), location(path, start))
                fields = None
                continue
            if size > MAX_RECORD_CHARS:
                continue
            if match:
                fields.setdefault(tag, []).append(match.group(2) or "")
                last = tag
            elif text and last is not None:
                values = fields[last]
                values[-1] = f"{values[-1]} {text}" if values[-1] else text
    if fields is not None:
        yield BadRecord(location(path, start), "the file ends inside this record (no 'ER  -' line)")
    if stray is not None:
        yield BadRecord(location(path, stray), "text outside a 'TY  -' ... 'ER  -' record")
