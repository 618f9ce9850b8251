"""Reference resolution and dedup across sources (issue 24, items 2 and 3).

A mixed corpus: OpenAlex JSON, RIS, Crossref JSON and our JSON lines (standing in
for a WoS/Scopus export: free-text cited references, a PMID) whose records cite
each other by W-id, DOI, PMID, arXiv id and cited-reference strings, and repeat
each other (the same paper from two sources).
"""

from __future__ import annotations

import json

import pytest

from graph.ingest.identity import papers_from_records
from graph.ingest.references import ReferenceIndex, parse_cited_reference, reference_key, resolve_references
from graph.models import Paper
from graph.jobs import build, ingest

OPENALEX = {"results": [
    {"id": "https://openalex.org/W1001", "doi": "https://doi.org/10.1000/HOLO", "title": "Holography and black holes",
     "publication_year": 2001, "authorships": [{"author": {"display_name": "Ann Smith"}}],
     "primary_location": {"source": {"display_name": "Physical Review D"}},
     "referenced_works": ["https://openalex.org/W1002"]},
    {"id": "https://openalex.org/W1002", "title": "Strings on curved space", "publication_year": 1999,
     "authorships": [{"author": {"display_name": "Bo Lee"}}], "referenced_works": []},
]}
RIS = """TY  - JOUR
TI  - Holography and Black Holes
AU  - Smith, Ann
PY  - 2001
DO  - 10.1000/holo
AB  - The abstract only the RIS export has.
ER  -
TY  - JOUR
TI  - Entropy bounds in gravity
AU  - Chen, Wei
PY  - 2003
JO  - Nuclear Physics B
ER  -
"""
CROSSREF = [{"DOI": "10.1000/XREF", "type": "journal-article", "title": ["Counting microstates"],
             "author": [{"family": "Diaz", "given": "Eva"}], "issued": {"date-parts": [[2004]]},
             "reference": [{"DOI": "10.1000/holo"}, {"unstructured": "a thesis"}]}]
WOS_LIKE = [
    {"id": "WOS:1", "title": "Entropy Bounds in Gravity", "authors": "Chen W", "year": 2003,
     "references": ["Smith A, 2001, PHYS REV D, V64, P1", "PMID: 777", "arXiv:hep-th/9901001v2",
                    "Nobody Z, 1980, J NOWHERE, V1, P1"]},
    {"id": "pm777", "title": "A medical aside", "authors": "Ng, Kim", "year": 2002, "pmid": "777",
     "references": ["Chen, W., Entropy bounds in gravity, (2003) Nuclear Physics B, 12, pp. 3-9."]},
    {"id": "x", "title": "Old strings", "arxiv_id": "hep-th/9901001", "year": 1999, "authors": "Lee, Bo"},
    # The same title as the OpenAlex paper, but another author and decade: another paper.
    {"id": "y", "title": "Holography and black holes", "authors": "Zed, Q", "year": 1975},
]


@pytest.fixture
def mixed(tmp_path):
    paths = []
    for name, text in (("works.json", json.dumps(OPENALEX)), ("scopus.ris", RIS), ("crossref.json", json.dumps(CROSSREF)),
                       ("wos.jsonl", "".join(json.dumps(r) + "\n" for r in WOS_LIKE))):
        path = tmp_path / name
        path.write_text(text)
        paths.append(path)
    return paths


def test_mixed_sources_dedup_and_cite_each_other(store, mixed):
    report = ingest(store, mixed)
    assert report.records == 9
    assert report.merges == {"doi": 1, "arxiv": 0, "id": 0, "alias": 0, "title": 1}
    papers = {p.id: p for p in store.iter_papers()}
    assert len(papers) == 7
    holo = papers["doi:10.1000/holo"]
    # Precedence: the first source read fills a field, later ones fill its gaps.
    assert holo.venue == "Physical Review D" and holo.abstract == "The abstract only the RIS export has."
    assert holo.extra["source_id"] == "W1001"
    assert papers["y"].year == 1975  # same title, not the same paper
    entropy = papers["WOS:1"]  # the RIS record (title hash) joined the WoS one by title + year + author
    assert entropy.venue == "Nuclear Physics B" and len(entropy.references) == 4

    build(store)
    cites = {(c.source, c.target) for c in store.load_derived().cites}
    assert cites == {
        ("doi:10.1000/holo", "W1002"),  # OpenAlex W-id
        ("doi:10.1000/xref", "doi:10.1000/holo"),  # Crossref DOI
        ("WOS:1", "doi:10.1000/holo"),  # WoS cited reference: author + year + source + volume
        ("WOS:1", "pm777"),  # PMID
        ("WOS:1", "arxiv:hep-th/9901001"),  # old-style arXiv id with a version
        ("pm777", "WOS:1"),  # Scopus cited reference
    }


def test_unresolved_references_keep_a_stable_key(mixed):
    from graph.ingest import deduplicate, iter_papers

    papers = deduplicate(p for path in mixed for p in iter_papers(path)).papers
    result = resolve_references(papers)
    assert {(u.paper_id, u.key) for u in result.unresolved} == {("WOS:1", "cr:nobody|1980|j nowhere|1|1")}
    assert len(result.cites) == 6


@pytest.mark.parametrize("text, key", [
    ("Smith J, 2001, PHYS REV D, V64, P1, DOI 10.1103/PhysRevD.64.1", "doi:10.1103/physrevd.64.1"),
    ("SMITH J, 2001, PHYS REV D, V64, P1", "cr:smith|2001|phys rev d|64|1"),
    ("[Anonymous], 2001, REPORT", "ref:[anonymous], 2001, report"),
    ("Smith, J., Lee, K., Black holes, (2001) Physical Review D, 64 (3), pp. 12-20.",
     "cr:smith|2001|physical review d|64|12"),
    ("https://openalex.org/W2741809807", "openalex:W2741809807"),
    ("PMID:123", "pmid:123"),
    ("1901.00001v2", "arxiv:1901.00001"),
])
def test_reference_key(text, key):
    assert reference_key(text) == key


def test_an_ambiguous_cited_reference_stays_unresolved():
    a = Paper("a", "A", authors=("Smith, J",), year=2001, venue="Phys Rev D")
    b = Paper("b", "B", authors=("Smith, J",), year=2001, venue="Physical Review D")
    c = Paper("c", "C", authors=("Smith, J",), year=2001, venue="Nature")
    index = ReferenceIndex([a, b, c])
    assert index.resolve("Smith J, 2001, PHYS REV D, V64, P1") is None  # a or b: not guessed
    assert index.resolve("Smith J, 2001, NATURE, V1, P2") == "c"
    assert parse_cited_reference("no year here, at all") is None


def test_api_records_carry_no_extra_ids_but_resolve_the_same():
    papers = papers_from_records([{"title": "T", "doi": "10.1000/A", "references": ["Smith A, 2001, X"]}])
    assert papers[0].references == ("Smith A, 2001, X",)
