"""Reader for RIS (``.ris``) exports of any vendor: Scopus, Web of Science, IEEE, Zotero.

A record runs from its ``TY  - `` line to its ``ER  -`` line; a line without a
tag continues the field above it (the loop is
:func:`graph.ingest.tagged.iter_tagged`'s). Lines are split on ``\\n`` only and stripped
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
from graph.ingest.io import TextSource
from graph.ingest.tagged import TaggedFormat, iter_tagged
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


def _split(text: str) -> tuple[str, str] | None:
    match = _TAG.match(text)
    return (match.group(1), match.group(2) or "") if match else None


RIS = TaggedFormat(name="RIS record", clean=lambda line: line.strip("\r\n\t \ufeff"), split=_split,
                   to_record=ris_record, start="TY", end="ER", start_label="TY  -", end_label="ER  -")


def iter_ris(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Each ``TY``...``ER`` record of a RIS file, as a paper or a bad record."""
    return iter_tagged(source, RIS)
