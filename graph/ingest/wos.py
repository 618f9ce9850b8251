"""Reader for Web of Science "Plain Text" exports (``savedrecs.txt``, ``.isi``).

A file opens with ``FN`` and ``VR`` header lines; each record runs from its
``PT`` line to its ``ER`` line, and ``EF`` ends the file. A line is a two-letter
tag, a space and a value; a line starting with three spaces continues the field
above it: one more author (``AU``/``AF``), cited reference (``CR``) or
affiliation, or more words of a title or abstract. The file is streamed
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
from graph.ingest.fields import record_to_paper
from graph.ingest.io import TextSource, bounded_lines, location, open_text
from graph.ingest.limits import MAX_RECORD_CHARS
from graph.ingest.records import too_long
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


def iter_wos(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Each ``PT``...``ER`` record of a WoS plain-text file, as a paper or a bad record."""
    path = source.path
    fields: dict[str, list[str]] | None = None
    start = size = 0
    last: str | None = None
    stray: int | None = None
    with open_text(source, newline="\n") as stream:
        for number, line, length in bounded_lines(stream, MAX_RECORD_CHARS):
            if line is None:
                if fields is not None:
                    size = MAX_RECORD_CHARS + 1
                else:
                    yield BadRecord(location(path, number), too_long("line", length))
                continue
            text = line.rstrip("\r\n").lstrip("\ufeff")
            match = None if text.startswith(" ") else _TAG.match(text)
            tag = (match.group(1) or match.group(3)) if match else None
            if fields is None:
                if tag == "PT":
                    fields, start, size, last = {}, number, 0, None
                elif tag in ("FN", "VR", "EF") or not text.strip():
                    continue
                else:
                    if stray is None:
                        stray = number
                    continue
            elif tag == "PT":
                yield BadRecord(location(path, start), "record has no 'ER' line before the next 'PT'")
                fields, start, size, last = {}, number, 0, None
            if stray is not None:
                yield BadRecord(location(path, stray), "text outside a 'PT' ... 'ER' record")
                stray = None
            size += length
            if tag == "ER":
                if size > MAX_RECORD_CHARS:
                    yield BadRecord(location(path, start), too_long("WoS record", size))
                else:
                    yield record_to_paper(wos_record(fields), location(path, start))
                fields = None
                continue
            if size > MAX_RECORD_CHARS:
                continue
            if match:
                fields.setdefault(tag, []).append((match.group(2) or "").strip())
                last = tag
            elif text.strip() and last is not None:
                values = fields[last]
                if last in _LISTS:
                    values.append(text.strip())
                else:
                    values[-1] = f"{values[-1]} {text.strip()}" if values[-1] else text.strip()
    if fields is not None:
        yield BadRecord(location(path, start), "the file ends inside this record (no 'ER' line)")
    if stray is not None:
        yield BadRecord(location(path, stray), "text outside a 'PT' ... 'ER' record")
