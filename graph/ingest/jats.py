"""Reader for JATS XML articles (PubMed Central's ``.nxml``, publishers' full text).

A file holds one ``<article>`` (or an ``<articles>``/``<pmc-articleset>`` list of
them), read by the streaming XML reader (:mod:`graph.ingest.xmlstream`: no entity
expansion, no DTD fetched). Detected from the root element.

Fields read from ``front``: ``article-meta/title-group/article-title``, the first
``abstract`` without an ``abstract-type`` (else any), ``contrib[@contrib-type=author]``
names (``given-names surname``, or ``collab``), the first ``pub-date`` year,
``journal-title`` (venue), ``article-id`` by type (``doi``; ``pmid`` as the given id
``pmid:...``; ``pmc`` as ``pmcid``), ``kwd`` keywords. ``back/ref-list/ref``: each
reference becomes ``pmid:...`` (a ``pub-id`` of type pmid), else ``doi:...``, else
its citation text (``mixed-citation``/``element-citation``, whitespace folded), so
that every reference is kept (a DOI written in the text still resolves).
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

__all__ = ["iter_jats", "jats_record", "JATS_ROOTS"]

#: Root elements of a JATS file: one article, or a list of them.
JATS_ROOTS = frozenset({"article", "articles", "pmc-articleset"})
_RECORDS = frozenset({"article"})
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _folded(element: ET.Element | None) -> str | None:
    text = text_of(element)
    return " ".join(text.split()) if text else None


def _authors(meta: ET.Element) -> list[str]:
    names = []
    for contrib in meta.iter("contrib"):
        if contrib.get("contrib-type", "author") != "author":
            continue
        name = contrib.find("name")
        if name is not None:
            parts = [_folded(name.find(tag)) for tag in ("given-names", "surname")]
            text = " ".join(part for part in parts if part)
        else:
            text = _folded(contrib.find("collab")) or ""
        if text:
            names.append(text)
    return names


def _reference(ref: ET.Element) -> str | None:
    ids = {pub.get("pub-id-type"): _folded(pub) for pub in ref.iter("pub-id")}
    if ids.get("pmid"):
        return f"{PMID_PREFIX}{ids['pmid']}"
    if ids.get("doi"):
        return f"doi:{ids['doi']}"
    for tag in ("mixed-citation", "element-citation", "citation"):
        text = _citation_text(ref.find(tag))
        if text:
            return text
    return _citation_text(ref)


_SPACE_BEFORE = re.compile(r"\s+([,.;:)])")


def _citation_text(element: ET.Element | None) -> str | None:
    """A citation's text with its parts apart (``<surname>Garton</surname><given-names>NJ``
    -> ``Garton NJ``), spaces folded."""
    if element is None:
        return None
    text = _SPACE_BEFORE.sub(r"\1", " ".join(" ".join(element.itertext()).split()))
    return text or None


def jats_record(article: ET.Element) -> dict[str, object]:
    """The raw record (our field names) of one ``<article>`` element (namespace-free).

    >>> jats_record(ET.fromstring(
    ...     "<article><front><journal-meta><journal-title>J</journal-title></journal-meta><article-meta>"
    ...     "<article-id pub-id-type='pmid'>7</article-id><title-group><article-title>T</article-title>"
    ...     "</title-group><contrib-group><contrib contrib-type='author'><name><surname>Doe</surname>"
    ...     "<given-names>Jo</given-names></name></contrib></contrib-group><pub-date><year>2012</year>"
    ...     "</pub-date></article-meta></front><back><ref-list><ref><mixed-citation>Smith J (2001) X."
    ...     "<pub-id pub-id-type='pmid'>5</pub-id></mixed-citation></ref><ref><mixed-citation>Lee K (1999)"
    ...     "  A  book.</mixed-citation></ref></ref-list></back></article>"))
    {'title': 'T', 'year': '2012', 'id': 'pmid:7', 'pmid': '7', 'authors': ['Jo Doe'], 'venue': 'J', \
'references': ['pmid:5', 'Lee K (1999) A book.']}
    """
    meta = article.find("front/article-meta")
    if meta is None:
        meta = ET.Element("article-meta")
    abstracts = meta.findall("abstract")
    plain = [a for a in abstracts if a.get("abstract-type") is None] or abstracts
    out: dict[str, object] = {"title": _folded(meta.find("title-group/article-title")),
                              "abstract": _folded(plain[0]) if plain else None}
    for date in meta.iter("pub-date"):
        match = _YEAR.search(text_of(date.find("year")) or "")
        if match:
            out["year"] = match.group(1)
            break
    ids = {}
    for item in meta.findall("article-id"):
        value = _folded(item)
        if value:
            ids.setdefault(item.get("pub-id-type", ""), value)
    if ids.get("pmid"):
        out["id"], out["pmid"] = f"{PMID_PREFIX}{ids['pmid']}", ids["pmid"]
    out["doi"], out["pmcid"] = ids.get("doi"), ids.get("pmc")
    authors = _authors(meta)
    if authors:
        out["authors"] = authors
    out["venue"] = _folded(article.find("front/journal-meta//journal-title"))
    keywords = [_folded(k) for k in meta.iter("kwd")]
    if any(keywords):
        out["keywords"] = "; ".join(dict.fromkeys(k for k in keywords if k))
    refs = [_reference(ref) for ref in article.iter("ref")]
    if refs:
        out["references"] = [ref for ref in refs if ref]
    return {key: value for key, value in out.items() if value is not None}


def _to_paper(element: ET.Element, where: str) -> Paper | BadRecord:
    return record_to_paper(jats_record(element), where)


def iter_jats(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Each ``<article>`` of a JATS XML file, as a paper or a bad record."""
    return iter_xml_records(source, _RECORDS, _to_paper)
