"""Reader for PubMed XML (efetch / baseline ``PubmedArticleSet``).

Streamed one ``PubmedArticle`` (or ``PubmedBookArticle``) at a time
(:func:`graph.ingest.xmlstream.iter_xml_records`). Fields read: ``PMID`` (the
given id, ``pmid:NNN``, also kept as ``pmid``), ``ArticleTitle`` (``BookTitle``
for a book), ``AbstractText`` sections (joined; a section label is kept as
``LABEL:``; an ``OtherAbstract`` when the article has no ``Abstract``), authors (``ForeName LastName``, or ``CollectiveName``), the year of
``PubDate`` (``Year``, else the first year of ``MedlineDate``, else
``ArticleDate``), the journal ``Title`` as venue, the DOI and PMC id from
``ArticleIdList`` (``ELocationID`` when absent), MeSH descriptors and keywords
(``extra["input_keywords"]``), ``PublicationType`` (``type``), and the
``ReferenceList``: a reference with a PubMed id becomes ``pmid:NNN`` (it
resolves to a paper of the corpus with that PMID), else one with a DOI
``doi:...``; the count of references with neither is kept as
``extra["references_without_id"]``.
"""

from __future__ import annotations

import re
from typing import Iterator
from xml.etree import ElementTree as ET

from graph.errors import BadRecord
from graph.ingest.fields import record_to_paper
from graph.ingest.io import TextSource
from graph.ingest.medline import PMID_PREFIX
from graph.ingest.xmlstream import iter_xml_records, text_of
from graph.models import Paper

__all__ = ["iter_pubmed", "pubmed_record", "PUBMED_ROOTS"]

#: Root elements of a PubMed XML file (the content sniff looks for them).
PUBMED_ROOTS = frozenset({"PubmedArticleSet", "PubmedArticle", "PubmedBookArticleSet"})
_RECORDS = frozenset({"PubmedArticle", "PubmedBookArticle"})
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _authors(record: ET.Element) -> list[str]:
    names = []
    for author in record.iter("Author"):
        collective = text_of(author.find("CollectiveName"))
        if collective:
            names.append(collective)
            continue
        parts = [text_of(author.find(tag)) for tag in ("ForeName", "LastName")]
        name = " ".join(part for part in parts if part)
        if name:
            names.append(name)
    return names


def _year(record: ET.Element) -> str | None:
    for date in (*record.iter("PubDate"), *record.iter("ArticleDate")):
        year = text_of(date.find("Year")) or text_of(date.find("MedlineDate"))
        if year:
            match = _YEAR.search(year)
            return match.group(1) if match else year
    return None


def _ids(container: ET.Element | None) -> dict[str, str]:
    """IdType -> value of an ``ArticleIdList`` (the first of each type)."""
    ids: dict[str, str] = {}
    if container is not None:
        for item in container.iter("ArticleId"):
            value = text_of(item)
            if value:
                ids.setdefault(item.get("IdType", ""), value)
    return ids


def _abstract(record: ET.Element) -> str | None:
    """``Abstract``, else an ``OtherAbstract`` (NASA and PIP give the only English abstract there)."""
    others = record.findall(".//OtherAbstract")
    others.sort(key=lambda other: other.get("Language", "eng") != "eng")
    for abstract in (*record.findall(".//Article/Abstract"), *others):
        text = _sections(abstract)
        if text:
            return text
    return None


def _sections(abstract: ET.Element) -> str | None:
    parts = []
    for section in abstract.iter("AbstractText"):
        text = text_of(section)
        if text:
            label = section.get("Label")
            parts.append(f"{label}: {text}" if label and label.upper() != "UNLABELLED" else text)
    return " ".join(parts) or None


def pubmed_record(record: ET.Element) -> dict[str, object]:
    """The raw record (our field names) of one ``PubmedArticle`` element (namespace-free).

    >>> pubmed_record(ET.fromstring(
    ...     "<PubmedArticle><MedlineCitation><PMID>7</PMID><Article><ArticleTitle>T</ArticleTitle>"
    ...     "<Journal><JournalIssue><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate>"
    ...     "</JournalIssue><Title>J</Title></Journal></Article></MedlineCitation><PubmedData><ReferenceList>"
    ...     "<Reference><Citation>x</Citation><ArticleIdList><ArticleId IdType='pubmed'>5</ArticleId>"
    ...     "</ArticleIdList></Reference></ReferenceList></PubmedData></PubmedArticle>"))
    {'title': 'T', 'year': '1998', 'id': 'pmid:7', 'pmid': '7', 'venue': 'J', 'references': ['pmid:5']}
    """
    title = text_of(record.find(".//ArticleTitle")) or text_of(record.find(".//BookTitle"))
    out: dict[str, object] = {"title": title, "abstract": _abstract(record), "year": _year(record)}
    pmid = text_of(record.find(".//PMID"))
    if pmid:
        out["id"], out["pmid"] = f"{PMID_PREFIX}{pmid}", pmid
    authors = _authors(record)
    if authors:
        out["authors"] = authors
    out["venue"] = text_of(record.find(".//Journal/Title"))
    data = record.find("PubmedData")
    ids = _ids(data.find("ArticleIdList") if data is not None else None)
    doi = ids.get("doi")
    if doi is None:
        for location in record.iter("ELocationID"):
            if location.get("EIdType") == "doi" and text_of(location):
                doi = text_of(location)
                break
    out["doi"], out["pmcid"] = doi, ids.get("pmc")
    types = [text_of(item) for item in record.iter("PublicationType")]
    out["type"] = next((kind for kind in types if kind), None)
    keywords = [text_of(item) for item in (*record.iter("DescriptorName"), *record.iter("Keyword"))]
    if any(keywords):
        out["keywords"] = "; ".join(dict.fromkeys(kw for kw in keywords if kw))
    references, without = [], 0
    for reference in record.iter("Reference"):
        ref_ids = _ids(reference.find("ArticleIdList"))
        if ref_ids.get("pubmed"):
            references.append(f"{PMID_PREFIX}{ref_ids['pubmed']}")
        elif ref_ids.get("doi"):
            references.append(f"doi:{ref_ids['doi']}")
        else:
            without += 1
    if references or without:
        out["references"] = references
    if without:
        out["references_without_id"] = without
    return {key: value for key, value in out.items() if value is not None}


def _to_paper(element: ET.Element, where: str) -> Paper | BadRecord:
    return record_to_paper(pubmed_record(element), where)


def iter_pubmed(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Each article of a PubMed XML file, as a paper or a bad record."""
    return iter_xml_records(source, _RECORDS, _to_paper)
