"""Reader for Web of Science "Plain Text" exports (``savedrecs.txt``, ``.isi``).

A file opens with ``FN`` and ``VR`` header lines; each record runs from its
``PT`` line to its ``ER`` line, and ``EF`` ends the file. A line is a two-letter
tag, a space and a value; a line starting with three spaces continues the field
above it: one more author (``AU``/``AF``), cited reference (``CR``) or
affiliation, or more words of a title or abstract. The loop is
:func:`graph.ingest.tagged.iter_tagged`'s. The file is streamed
(bounded memory); a record over :data:`~graph.ingest.limits.MAX_RECORD_CHARS`
is reported and skipped. A missing ``EF`` line (a truncated export) is not an
error: every complete record is read, and a record cut off before its ``ER``
is reported.

Fields read: ``TI`` (title), ``AB`` (abstract), ``AF`` (full author names; ``AU``
when absent), ``PY`` (year; ``EA``/``PD`` when absent), ``SO`` (venue), ``DI``
(DOI), ``UT`` (the WoS accession, the given id: ``WOS:000...``), ``PM``
(``pmid``), ``DE``/``ID`` (author and Keywords Plus, kept as
``extra["input_keywords"]``), ``DT`` (``type``), ``TC`` (``cited_by_count``) and
``CR``: each cited reference parsed (:func:`~graph.ingest.cited.parse_wos_reference`)
into ``doi:...`` or a ``ref:author|year|source|volume|page`` key.
"""

from __future__ import annotations

import re
from typing import Iterator

from graph.errors import BadRecord
from graph.ingest.cited import parse_wos_reference, reference_id
from graph.ingest.io import TextSource
from graph.ingest.tagged import TaggedFormat, iter_tagged
from graph.models import Paper

__all__ = ["iter_wos", "wos_record", "looks_like_wos"]

_TAG = re.compile(r"([A-Z][A-Z0-9]) (.*)$|([A-Z][A-Z0-9])$")
_SNIFF = re.compile(r"\A[\s\ufeff]*(?:FN |PT [A-Z]\s*$)", re.MULTILINE)
_PT_AND_ER = (re.compile(r"^PT [A-Z]\s*$", re.MULTILINE), re.compile(r"^ER\s*$", re.MULTILINE))
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
# Fields whose continuation lines are separate values, not more words.
_LISTS = frozenset({"AU", "AF", "CR", "C1", "BA", "BF", "CA", "GP"})


def looks_like_wos(text: str) -> bool:
    """Whether text starts like a WoS plain-text export (``FN`` header, or a ``PT`` record).

    >>> looks_like_wos("\\ufeffFN Thomson Reuters Web of Science\\nVR 1.0\\nPT J\\n")
    True
    >>> looks_like_wos("PT J\\nTI A title\\nER\\n"), looks_like_wos("TY  - JOUR\\n")
    (True, False)
    """
    return _SNIFF.search(text) is not None or all(p.search(text) for p in _PT_AND_ER)


def _first(fields: dict[str, list[str]], *tags: str) -> str | None:
    for tag in tags:
        values = fields.get(tag)
        if values and values[0].strip():
            return values[0]
    return None


def wos_record(fields: dict[str, list[str]]) -> dict[str, object]:
    """The raw record (our field names) of one WoS record, tag -> values in file order.

    >>> wos_record({"PT": ["J"], "TI": ["A title"], "AU": ["Lee, A"], "PY": ["2001"],
    ...             "CR": ["ASHKIN A, 1970, PHYS REV LETT, V24, P156, DOI 10.1103/PhysRevLett.24.156"]})
    {'title': 'A title', 'year': '2001', 'authors': ['Lee, A'], 'references': ['doi:10.1103/physrevlett.24.156']}
    """
    record: dict[str, object] = {"title": _first(fields, "TI"), "abstract": _first(fields, "AB")}
    year = _first(fields, "PY", "EA", "PD")
    if year is not None:
        match = _YEAR.search(year)
        record["year"] = match.group(1) if match else year  # record_to_paper says why not
    authors = fields.get("AF") or fields.get("AU")
    if authors:
        record["authors"] = [name.strip() for name in authors if name.strip()]
    for name, tag in (("venue", "SO"), ("doi", "DI"), ("id", "UT"), ("pmid", "PM"), ("type", "DT"),
                      ("cited_by_count", "TC")):
        value = _first(fields, tag)
        if value is not None:
            record[name] = value.strip()
    keywords = [kw.strip() for tag in ("DE", "ID") for value in fields.get(tag, ()) for kw in value.split(";")]
    if any(keywords):
        record["keywords"] = "; ".join(dict.fromkeys(kw for kw in keywords if kw))
    cited = fields.get("CR")
    if cited is not None:
        record["references"] = [reference_id(parse_wos_reference(entry), entry) for entry in cited if entry.strip()]
    return {key: value for key, value in record.items() if value is not None}


def _split(text: str) -> tuple[str, str] | None:
    match = None if text.startswith(" ") else _TAG.match(text)
    return ((match.group(1) or match.group(3)), (match.group(2) or "").strip()) if match else None


WOS = TaggedFormat(name="WoS record", clean=lambda line: line.rstrip("\r\n").lstrip("\ufeff"), split=_split,
                   to_record=wos_record, start="PT", end="ER", start_label="PT", end_label="ER",
                   headers=frozenset({"FN", "VR", "EF"}), lists=_LISTS)


def iter_wos(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Each ``PT``...``ER`` record of a WoS plain-text file, as a paper or a bad record."""
    return iter_tagged(source, WOS)
