"""Reader for MEDLINE text (PubMed's "MEDLINE" / ``.nbib`` format).

A record starts at its ``PMID-`` line and ends at a blank line (or the next
``PMID-``). A line is a tag of up to four letters padded to four, ``- `` and a
value; a line starting with spaces continues the field above it (the loop is
:func:`graph.ingest.tagged.iter_tagged`'s). The file is
streamed (bounded memory); a record over
:data:`~graph.ingest.limits.MAX_RECORD_CHARS` is reported and skipped.

Fields read: ``PMID`` (the given id, ``pmid:NNN``, also kept as ``pmid``),
``TI`` (title; ``BTI`` for a book), ``AB`` (abstract), ``FAU`` (full author
names; ``AU`` when absent), ``DP`` (year), ``JT`` (venue; ``TA`` when absent),
the DOI from ``LID``/``AID`` values tagged ``[doi]``, ``PMC``, ``PT`` (type)
and ``MH``/``OT`` (MeSH and other terms, kept as ``extra["input_keywords"]``).
The format carries no reference lists.
"""

from __future__ import annotations

import re
from typing import Iterator

from graph.errors import BadRecord
from graph.ingest.io import TextSource
from graph.ingest.tagged import TaggedFormat, iter_tagged
from graph.models import Paper

__all__ = ["iter_medline", "medline_record", "looks_like_medline", "PMID_PREFIX"]

#: Prefix of a PubMed id used as a paper id or a reference (``pmid:16403221``).
PMID_PREFIX = "pmid:"

_TAG = re.compile(r"([A-Z][A-Z0-9]{1,3}) {0,2}- ?(.*)$")
_SNIFF = re.compile(r"^PMID- ?\d+\s*$", re.MULTILINE)
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_DOI = re.compile(r"^(10\.\S+)\s+\[doi\]\s*$")


def looks_like_medline(text: str) -> bool:
    """Whether text has a ``PMID- NNN`` line.

    >>> looks_like_medline("\\nPMID- 16403221\\nOWN - NLM\\n"), looks_like_medline("TY  - JOUR\\n")
    (True, False)
    """
    return _SNIFF.search(text) is not None


def _first(fields: dict[str, list[str]], *tags: str) -> str | None:
    for tag in tags:
        for value in fields.get(tag, ()):
            if value.strip():
                return value
    return None


def medline_record(fields: dict[str, list[str]]) -> dict[str, object]:
    """The raw record (our field names) of one MEDLINE record, tag -> values in file order.

    >>> medline_record({"PMID": ["1"], "TI": ["T."], "DP": ["2006 Jan 10"], "FAU": ["Casbon, James A"],
    ...                 "LID": ["10.1186/1471-2105-7-10 [doi]"]})
    {'title': 'T.', 'year': '2006', 'id': 'pmid:1', 'pmid': '1', 'authors': ['Casbon, James A'], 'doi': '10.1186/1471-2105-7-10'}
    """
    record: dict[str, object] = {"title": _first(fields, "TI", "BTI"), "abstract": _first(fields, "AB")}
    year = _first(fields, "DP", "DEP", "DA")
    if year is not None:
        match = _YEAR.search(year)
        record["year"] = match.group(1) if match else year
    pmid = _first(fields, "PMID")
    if pmid is not None:
        record["id"], record["pmid"] = f"{PMID_PREFIX}{pmid.strip()}", pmid.strip()
    authors = fields.get("FAU") or fields.get("AU")
    if authors:
        record["authors"] = [name.strip() for name in authors if name.strip()]
    for value in (*fields.get("LID", ()), *fields.get("AID", ())):
        match = _DOI.match(value.strip())
        if match:
            record["doi"] = match.group(1)
            break
    for name, tags in (("venue", ("JT", "TA")), ("pmcid", ("PMC",)), ("type", ("PT",))):
        value = _first(fields, *tags)
        if value is not None:
            record[name] = value.strip()
    keywords = [kw.strip() for tag in ("OT", "MH") for kw in fields.get(tag, ()) if kw.strip()]
    if keywords:
        record["keywords"] = "; ".join(dict.fromkeys(keywords))
    return {key: value for key, value in record.items() if value is not None}


def _split(text: str) -> tuple[str, str] | None:
    match = None if text[:1].isspace() else _TAG.match(text)
    return (match.group(1), match.group(2).strip()) if match else None


MEDLINE = TaggedFormat(name="MEDLINE record", clean=lambda line: line.rstrip("\r\n").lstrip("\ufeff"),
                       split=_split, to_record=medline_record, start="PMID", end=None, start_label="PMID-")


def iter_medline(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Each ``PMID-`` record of a MEDLINE text file, as a paper or a bad record."""
    return iter_tagged(source, MEDLINE)
