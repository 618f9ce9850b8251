"""Reader for Semantic Scholar Graph API JSON.

A file is one paper (``GET /paper/{id}``), a list of papers (``POST /paper/batch``),
a page (``{"data": [...]}`` of ``/paper/search``, ``/paper/{id}/references`` or
``/citations``), or JSON Lines of any of these items. A references or citations
item (``{"citedPaper": {...}, "contexts": [...]}`` / ``{"citingPaper": ...}``)
is read as the paper it wraps.

Fields read: ``paperId`` (the given id, ``s2:<paperId>``, also kept as ``s2``),
``externalIds`` (``DOI``, ``ArXiv`` as the paper's identity; ``PubMed`` as
``pmid``, ``CorpusId``, ``MAG``), ``title``, ``abstract``, ``year``, ``venue``
(else ``journal.name``, else ``publicationVenue.name``), ``authors`` names,
``publicationTypes`` (``type``), ``citationCount`` (``cited_by_count``), and
``references``: each cited paper becomes ``doi:...`` (it has a DOI), else
``arxiv:...``, else ``s2:<paperId>`` (these resolve to papers of the corpus
with that identity); entries with no id at all are counted in
``extra["references_without_id"]``. The nested ``citations`` list names the
papers citing this one: they are not records of the file (the file holds
one paper), so only their number is kept as ``extra["citations_in_file"]``.
"""

from __future__ import annotations

from typing import Any, Iterator

from graph.errors import BadRecord
from graph.ingest.fields import record_to_paper
from graph.ingest.io import TextSource
from graph.ingest.records import iter_json, iter_jsonl
from graph.models import Paper

__all__ = ["iter_semanticscholar", "iter_semanticscholar_lines", "iter_semanticscholar_citations", "s2_record",
           "s2_citing", "S2_MARKERS", "S2_PREFIX"]

#: Keys only a Semantic Scholar paper has; the content sniff looks for them.
S2_MARKERS = ('"paperId"', '"citedPaper"', '"citingPaper"')
#: Prefix of a Semantic Scholar paper id used as a paper id or a reference.
S2_PREFIX = "s2:"


class _Bad(Exception):
    pass


def _type(value: object) -> str:
    return {dict: "an object", list: "a list"}.get(type(value), type(value).__name__)


def _reference(paper: object) -> str | None:
    """The reference string of a nested paper: DOI, else arXiv id, else S2 id."""
    if not isinstance(paper, dict):
        return None
    ids = paper.get("externalIds") if isinstance(paper.get("externalIds"), dict) else {}
    if isinstance(ids.get("DOI"), str) and ids["DOI"].strip():
        return f"doi:{ids['DOI'].strip()}"
    if isinstance(ids.get("ArXiv"), str) and ids["ArXiv"].strip():
        return f"arxiv:{ids['ArXiv'].strip()}"
    if isinstance(paper.get("paperId"), str) and paper["paperId"].strip():
        return f"{S2_PREFIX}{paper['paperId'].strip()}"
    return None


def s2_record(item: dict[str, Any]) -> dict[str, Any]:
    """The raw record (our field names) of one Graph API paper (or references/citations item).

    >>> s2_record({"paperId": "abc", "title": "T", "year": 1950, "externalIds": {"DOI": "10.1/x", "CorpusId": 7},
    ...            "authors": [{"name": "A. Turing"}], "references": [{"paperId": "def", "externalIds": {}}]})
    {'title': 'T', 'year': 1950, 'id': 's2:abc', 's2': 'abc', 'doi': '10.1/x', 'corpus_id': 7, 'authors': ['A. Turing'], 'references': ['s2:def']}
    """
    paper = item.get("citedPaper", item.get("citingPaper", item))
    if not isinstance(paper, dict):
        raise _Bad(f"'citedPaper'/'citingPaper' must be a paper object, got {_type(paper)}")
    record: dict[str, Any] = {"title": paper.get("title"), "abstract": paper.get("abstract"),
                              "year": paper.get("year")}
    paper_id = paper.get("paperId")
    if isinstance(paper_id, str) and paper_id.strip():
        record["id"], record["s2"] = f"{S2_PREFIX}{paper_id.strip()}", paper_id.strip()
    ids = paper.get("externalIds")
    if ids is not None and not isinstance(ids, dict):
        raise _Bad(f"'externalIds' must be an object, got {_type(ids)}")
    for name, key in (("doi", "DOI"), ("arxiv_id", "ArXiv"), ("pmid", "PubMed"), ("corpus_id", "CorpusId"),
                      ("mag", "MAG")):
        if ids and ids.get(key) is not None:
            record[name] = ids[key]
    venue = paper.get("venue")
    for holder in ("journal", "publicationVenue"):
        if not (isinstance(venue, str) and venue.strip()) and isinstance(paper.get(holder), dict):
            venue = paper[holder].get("name")
    record["venue"] = venue if isinstance(venue, str) and venue.strip() else None
    authors = paper.get("authors")
    if authors is not None:
        if not isinstance(authors, list):
            raise _Bad(f"'authors' must be a list, got {_type(authors)}")
        record["authors"] = [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
    types = paper.get("publicationTypes")
    if isinstance(types, list) and types and isinstance(types[0], str):
        record["type"] = types[0]
    if isinstance(paper.get("citationCount"), int):
        record["cited_by_count"] = paper["citationCount"]
    refs = paper.get("references")
    if refs is not None:
        if not isinstance(refs, list):
            raise _Bad(f"'references' must be a list of papers, got {_type(refs)}")
        found = [_reference(ref) for ref in refs]
        record["references"] = [ref for ref in found if ref]
        if len(found) > len(record["references"]):
            record["references_without_id"] = len(found) - len(record["references"])
    if isinstance(paper.get("citations"), list):
        record["citations_in_file"] = len(paper["citations"])
    return {key: value for key, value in record.items() if value is not None}


def _to_paper(item: dict[str, Any], where: str) -> Paper | BadRecord:
    try:
        record = s2_record(item)
    except _Bad as exc:
        return BadRecord(where, str(exc))
    return record_to_paper(record, where)


def iter_semanticscholar(source: TextSource) -> Iterator[Paper | BadRecord]:
    """A Graph API paper, a list of papers, or a ``{"data": [...]}`` page."""
    return iter_json(source, _to_paper, ("paperid", "citedpaper", "citingpaper", "title"), ("data",))


def iter_semanticscholar_lines(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Graph API papers (or references/citations items), one per line."""
    return iter_jsonl(source, _to_paper)


def s2_citing(item: dict[str, Any]) -> list[str]:
    """The papers of a Graph API paper's ``citations`` list, as references (DOI,
    else arXiv id, else S2 id; entries with no id are left out), in file order.

    >>> s2_citing({"paperId": "abc", "citations": [{"paperId": "d1", "externalIds": {"DOI": "10.1/c"}},
    ...                                            {"paperId": "d2"}, {"title": "no id"}]})
    ['doi:10.1/c', 's2:d2']
    """
    citations = item.get("citations")
    if not isinstance(citations, list):
        return []
    return list(dict.fromkeys(ref for ref in map(_reference, citations) if ref))


def _citation_pairs(item: dict[str, Any], where: str) -> list[tuple[str, str]] | BadRecord:
    paper = _to_paper(item, where)
    if isinstance(paper, BadRecord):
        return paper
    return [(citing, paper.id) for citing in s2_citing(item)]


def iter_semanticscholar_citations(source: TextSource, *, lines: bool = False) -> Iterator[tuple[str, str]]:
    """``(citing, cited)`` pairs from the ``citations`` lists of the papers of a
    Graph API file (JSON, or JSON Lines with ``lines``): ``cited`` is the paper's id
    as :func:`iter_semanticscholar` reads it. A record that is not a usable paper
    gives none (the paper reader reports it)."""
    items = iter_jsonl(source, _citation_pairs) if lines else iter_json(
        source, _citation_pairs, ("paperid", "citedpaper", "citingpaper", "title"), ("data",))
    for pairs in items:
        if not isinstance(pairs, BadRecord):
            yield from pairs
