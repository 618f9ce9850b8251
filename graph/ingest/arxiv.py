"""Reader for arXiv OAI-PMH XML (``ListRecords`` / ``GetRecord`` responses).

Streamed one ``record`` at a time (:func:`graph.ingest.xmlstream.iter_xml_records`),
in both metadata formats arXiv serves: ``arXivRaw`` (authors as one string,
``version`` dates) and ``arXiv`` (structured ``author`` with ``keyname`` and
``forenames``, a ``created`` date). Fields read: ``id`` (the arXiv id, old or
new style; the paper's identity when it has no DOI), ``title``, ``abstract``,
authors, the year (the first ``version`` date, else ``created``, else the
header ``datestamp``), ``journal-ref`` (venue), ``doi`` (the first, when several
are given), ``categories`` (``extra["categories"]``), ``license``. A record the
header marks ``status="deleted"`` has no metadata and is reported as such. The
format carries no references.
"""

from __future__ import annotations

import re
from typing import Iterator
from xml.etree import ElementTree as ET

from graph.errors import BadRecord
from graph.ingest.fields import record_to_paper
from graph.ingest.io import TextSource
from graph.ingest.xmlstream import iter_xml_records, text_of
from graph.models import Paper

__all__ = ["iter_arxiv", "arxiv_record", "ARXIV_ROOTS"]

#: Root element of an OAI-PMH response.
ARXIV_ROOTS = frozenset({"OAI-PMH"})
_RECORDS = frozenset({"record"})
_METADATA = ("arXivRaw", "arXiv", "arXivOld")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_AND = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


def _authors(meta: ET.Element) -> list[str]:
    structured = meta.find("authors")
    if structured is not None and structured.find("author") is not None:
        names = []
        for author in structured.iter("author"):
            parts = [text_of(author.find(tag)) for tag in ("forenames", "keyname", "suffix")]
            name = " ".join(part for part in parts if part)
            if name:
                names.append(name)
        return names
    raw = text_of(structured)
    if not raw:
        return []
    # arXivRaw: "A, B and C" -- commas inside parentheses (affiliations) are not separators.
    raw = re.sub(r"\([^)]*\)", "", " ".join(raw.split()))
    return [name.strip() for name in _AND.split(raw) if name.strip()]


def _year(record: ET.Element, meta: ET.Element) -> str | None:
    for text in (text_of(meta.find("version/date")), text_of(meta.find("created")),
                 text_of(record.find("header/datestamp"))):
        if text:
            match = _YEAR.search(text)
            if match:
                return match.group(1)
    return None


def arxiv_record(record: ET.Element) -> dict[str, object] | str:
    """The raw record (our field names) of one OAI-PMH ``record`` element, or why there is none.

    >>> arxiv_record(ET.fromstring(
    ...     "<record><header><identifier>oai:arXiv.org:1810.09584</identifier></header><metadata><arXivRaw>"
    ...     "<id>1810.09584</id><title>T</title><authors>A B, C D and E F</authors>"
    ...     "<version version='v1'><date>Mon, 22 Oct 2018 22:41:50 GMT</date></version></arXivRaw></metadata></record>"))
    {'title': 'T', 'arxiv_id': '1810.09584', 'year': '2018', 'authors': ['A B', 'C D', 'E F']}
    """
    header = record.find("header")
    if header is not None and header.get("status") == "deleted":
        return "the OAI-PMH header marks this record deleted (no metadata)"
    meta = next((found for tag in _METADATA for found in [record.find(f"metadata/{tag}")] if found is not None), None)
    if meta is None:
        return "record has no arXiv or arXivRaw metadata"
    out: dict[str, object] = {
        "title": text_of(meta.find("title")), "abstract": text_of(meta.find("abstract")),
        "arxiv_id": text_of(meta.find("id")), "year": _year(record, meta),
        "venue": text_of(meta.find("journal-ref")), "license": text_of(meta.find("license")),
        "categories": text_of(meta.find("categories")), "comments": text_of(meta.find("comments")),
    }
    for key in ("venue", "comments"):  # wrapped lines in the source
        if isinstance(out[key], str):
            out[key] = " ".join(out[key].split())
    doi = text_of(meta.find("doi"))
    if doi:
        out["doi"] = doi.split()[0]
    authors = _authors(meta)
    if authors:
        out["authors"] = authors
    return {key: value for key, value in out.items() if value is not None}


def _to_paper(element: ET.Element, where: str) -> Paper | BadRecord:
    record = arxiv_record(element)
    if isinstance(record, str):
        return BadRecord(where, record)
    return record_to_paper(record, where)


def iter_arxiv(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Each record of an arXiv OAI-PMH response, as a paper or a bad record."""
    return iter_xml_records(source, _RECORDS, _to_paper)
