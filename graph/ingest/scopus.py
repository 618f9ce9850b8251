"""Readers for the CSV exports of Scopus and Lens.org.

Both are read by the streaming CSV reader (:func:`graph.ingest.records.iter_csv`,
bounded memory) with their own row converter, and told from plain CSV by the
header: Scopus has ``EID`` and ``Source title``, Lens ``Lens ID``.

Scopus, both layouts (with and without ``Author full names``): ``Title``,
``Abstract``, ``Year``, ``Source title`` (venue), ``DOI``, ``EID`` (the given id,
``2-s2.0-...``), ``PubMed ID`` (``pmid``), authors from ``Author full names``
(``Surname, Given (id)``) or else ``Authors`` (``;``-separated in the newer layout,
``Surname, I.,``-runs in the older one), ``Author Keywords``/``Index Keywords``
(``extra["input_keywords"]``), ``Document Type``, ``Cited by``, and the
``References`` column: ``; ``-separated free-text entries, each parsed
(:func:`~graph.ingest.cited.parse_scopus_reference`) into ``doi:...`` or a
``ref:author|year|source|volume|page`` key.

Lens: ``Lens ID`` (the given id, ``lens:000-...``), ``Title``, ``Abstract``,
``Publication Year``, ``Source Title``, ``Author/s``, ``DOI``, ``PMID``,
``PMCID``, ``Keywords``, and ``References``: Lens IDs, kept as ``lens:...`` so
that they resolve to records of the same corpus.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Mapping

from graph.errors import BadRecord
from graph.ingest.cited import parse_scopus_reference, reference_id
from graph.ingest.fields import normalize_key, record_to_paper
from graph.ingest.io import TextSource
from graph.ingest.records import iter_csv
from graph.models import Paper

__all__ = ["iter_scopus", "iter_lens", "scopus_record", "lens_record", "csv_kind", "align_funding"]

_AUTHOR_ID = re.compile(r"\s*\(\d+\)\s*$")
# Older Scopus: "Kalé, L., Skeel, R.D., MacKerell Jr., A.D." -- a name ends after its initials.
_OLD_AUTHORS = re.compile(r"(?<=\.),\s+(?=[^\s,]+(?:\s[^\s,]+)*,\s)")
_LENS_PREFIX = "lens:"


def csv_kind(head: str) -> str | None:
    """``scopus``, ``lens`` or ``openalex_csv`` from a CSV header line, else None (plain CSV).

    >>> csv_kind('\\ufeff"Authors","Title","Year","Source title","EID"'), csv_kind("Lens ID,Title")
    ('scopus', 'lens')
    >>> csv_kind("title,abstract") is None
    True
    """
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    names = {normalize_key(name) for name in re.split(r"[,\t]", first)}
    if {"eid", "source_title"} <= names:
        return "scopus"
    if "lens_id" in names:
        return "lens"
    from graph.ingest.openalex_csv import is_openalex_csv_header

    if is_openalex_csv_header(names):
        return "openalex_csv"
    return None


def _split(cell: str | None, separator: str = ";") -> list[str]:
    return [part.strip() for part in (cell or "").split(separator) if part.strip()]


def _authors(row: Mapping[str, Any]) -> list[str]:
    full = _split(row.get("author_full_names"))
    if full:
        return [_AUTHOR_ID.sub("", name) for name in full]
    cell = (row.get("authors") or "").strip()
    if not cell or cell.lower() == "[no author name available]":
        return []
    if ";" in cell:
        return _split(cell)
    if re.match(r"[^,]+,\s+(?:[A-Z][a-z]?\.[\s\-]?)+(?:,|$)", cell):  # older layout
        return [name.strip() for name in _OLD_AUTHORS.split(cell) if name.strip()]
    return _split(cell, ",")


def scopus_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The raw record (our field names) of one Scopus CSV row (normalized column names).

    >>> scopus_record({"title": "T", "year": "2005", "eid": "2-s2.0-1", "authors": "Lee A.; Kim B.",
    ...                "references": "Kalé, L., (1999) J Comp Phys, 151, p. 283"})["references"]
    ['ref:kale l|1999|j comp phys|151|283']
    """
    record: dict[str, Any] = {
        "title": row.get("title"), "abstract": row.get("abstract"), "year": row.get("year"),
        "venue": row.get("source_title"), "doi": row.get("doi"), "id": row.get("eid"),
        "pmid": row.get("pubmed_id"), "url": row.get("link"), "type": row.get("document_type"),
        "cited_by_count": row.get("cited_by"),
    }
    if record["abstract"] and record["abstract"].strip() == "[No abstract available]":
        record["abstract"] = None
    authors = _authors(row)
    if authors:
        record["authors"] = authors
    keywords = _split(row.get("author_keywords")) + _split(row.get("index_keywords"))
    if keywords:
        record["keywords"] = "; ".join(dict.fromkeys(keywords))
    refs = row.get("references")
    if refs:
        record["references"] = [reference_id(parse_scopus_reference(entry), entry) for entry in _split(refs, "; ")]
    return {key: value for key, value in record.items() if value is not None}


def lens_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The raw record (our field names) of one Lens.org CSV row (normalized column names).

    >>> lens_record({"lens_id": "000-1", "title": "T", "references": "000-2; 000-3"})
    {'title': 'T', 'id': 'lens:000-1', 'references': ['lens:000-2', 'lens:000-3']}
    """
    lens_id = row.get("lens_id")
    record: dict[str, Any] = {
        "title": row.get("title"), "abstract": row.get("abstract"), "year": row.get("publication_year"),
        "venue": row.get("source_title"), "doi": row.get("doi"),
        "id": f"{_LENS_PREFIX}{lens_id.strip()}" if lens_id and lens_id.strip() else None,
        "pmid": row.get("pmid"), "pmcid": row.get("pmcid"), "type": row.get("publication_type"),
        "cited_by_count": row.get("citing_works_count"),
    }
    authors = _split(row.get("author_s"))
    if authors:
        record["authors"] = authors
    keywords = _split(row.get("keywords"))
    if keywords:
        record["keywords"] = "; ".join(keywords)
    refs = row.get("references")
    if refs:
        record["references"] = [f"{_LENS_PREFIX}{ref}" for ref in _split(refs)]
    return {key: value for key, value in record.items() if value is not None}


def _scopus_to_paper(row: dict, where: str) -> Paper | BadRecord:
    return record_to_paper(scopus_record(row), where)


def _lens_to_paper(row: dict, where: str) -> Paper | BadRecord:
    return record_to_paper(lens_record(row), where)


def align_funding(header: list[str], row: list[str]) -> list[str]:
    """Fold the extra ``Funding Text 2..n`` cells of an older Scopus row into ``Funding Text 1``.

    Older exports name one ``Funding Text 1`` column in the header, but a row
    with several funding texts has one cell per text, so it is longer than the
    header (in the sample, 56 of 58 rows have 46 cells under 45 names).

    >>> align_funding(["title", "funding_text_1", "references"], ["T", "f1", "f2", "R"])
    ['T', 'f1 f2', 'R']
    """
    extra = len(row) - len(header)
    if extra <= 0 or "funding_text_1" not in header:
        return row
    at = header.index("funding_text_1")
    merged = " ".join(cell.strip() for cell in row[at:at + extra + 1] if cell.strip())
    return row[:at] + [merged] + row[at + extra + 1:]


def iter_scopus(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Each row of a Scopus CSV export, as a paper or a bad record."""
    return iter_csv(source, _scopus_to_paper, align_funding)


def iter_lens(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Each row of a Lens.org scholarly CSV export, as a paper or a bad record."""
    return iter_csv(source, _lens_to_paper)
