"""One identity rule (issue 22): the same records give the same stored graph
through ``citegraph ingest`` and through ``POST /papers``, on both stores.

Regression: ``POST /papers`` parsed records with its own rules (authors split on
``;`` *and* `` and ``, references kept raw, no given id kept) and joined stored
papers by title without checking DOIs, so the two paths stored different papers.
"""

from __future__ import annotations

import json

import pytest

from graph.ingest.identity import (
    first_author_key,
    papers_from_records,
    reference_names,
    same_paper_possible,
)
from graph.errors import InvalidParameter
from graph.models import Paper
from graph.jobs import build, ingest
from tests.api_support import AUTH, client_for

FIRST = [
    {"id": "zaheer17", "title": "Deep Sets", "abstract": "Permutation invariant functions on sets.",
     "authors": "Zaheer, Manzil; Kottur, Satwik", "year": 2017, "doi": "10.5555/DEEPSETS",
     "references": ["https://doi.org/10.5555/PTR", "arXiv:1706.03762v5"]},
    {"title": "DEEP  sets!", "abstract": "", "authors": "Manzil Zaheer and Satwik Kottur", "year": 2017,
     "doi": "https://doi.org/10.5555/deepsets", "venue": "NeurIPS"},
    {"id": "ptr", "title": "Pointer Networks", "authors": "Oriol Vinyals and Meire Fortunato and Navdeep Jaitly",
     "year": 2015, "doi": "doi:10.5555/ptr", "references": ["zaheer17"]},
    {"title": "Attention is all you need", "arxiv_id": "1706.03762v5", "authors": ["Ashish Vaswani"],
     "year": 2017, "references": ["10.5555/PTR"]},
    {"title": "Attention Is All You Need.", "arxiv_id": "https://arxiv.org/abs/1706.03762",
     "abstract": "Transformers.", "authors": "Vaswani, Ashish"},
    # Same title, another DOI: another paper.
    {"title": "Pointer networks", "doi": "10.5555/OTHER-PTR", "authors": "Someone Else", "year": 2015},
]
SECOND = [
    # A title variant of a stored paper, with nothing that contradicts it: joins it.
    {"title": "pointer NETWORKS", "abstract": "Output sequences of pointers.", "authors": "Vinyals, Oriol",
     "year": 2015, "references": ["arxiv:1706.03762"]},
    # Same title as a stored paper but twenty years earlier by someone else: another paper.
    {"title": "Deep sets", "authors": "Other, Ann", "year": 1997, "abstract": "Set theory."},
]


def _snapshot(store) -> tuple:
    papers = sorted((p.to_dict() for p in store.iter_papers()), key=lambda d: d["id"])
    return papers, sorted((c.source, c.target) for c in store.load_derived().cites)


def _through_ingest(store, tmp_path) -> tuple:
    for n, batch in enumerate((FIRST, SECOND)):
        path = tmp_path / f"batch{n}.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in batch))
        ingest(store, [path])
    build(store)
    return _snapshot(store)


def _through_api(store) -> tuple:
    with client_for(store) as client:
        for batch in (FIRST, SECOND):
            r = client.post("/papers", json={"papers": batch}, headers=AUTH)
            assert r.status_code == 201, r.text
    return _snapshot(store)


def test_ingest_and_post_papers_store_the_same_graph(store, tmp_path):
    by_ingest = _through_ingest(store, tmp_path)
    store.clear()
    by_api = _through_api(store)
    assert by_api == by_ingest
    papers = {p["id"]: p for p in by_ingest[0]}
    assert sorted(papers) == ["arxiv:1706.03762", "doi:10.5555/deepsets", "doi:10.5555/other-ptr",
                              "doi:10.5555/ptr", papers_from_records([SECOND[1]])[0].id]
    deep = papers["doi:10.5555/deepsets"]
    assert deep["authors"] == ["Zaheer, Manzil", "Kottur, Satwik"] and deep["venue"] == "NeurIPS"
    assert deep["extra"] == {"source_id": "zaheer17"}
    assert deep["references"] == ["doi:10.5555/ptr", "arxiv:1706.03762"]
    ptr = papers["doi:10.5555/ptr"]
    assert ptr["abstract"] == "Output sequences of pointers." and ptr["references"] == ["zaheer17", "arxiv:1706.03762"]
    assert papers["arxiv:1706.03762"]["abstract"] == "Transformers."
    assert by_ingest[1] == [("arxiv:1706.03762", "doi:10.5555/ptr"), ("doi:10.5555/deepsets", "arxiv:1706.03762"),
                            ("doi:10.5555/deepsets", "doi:10.5555/ptr"), ("doi:10.5555/ptr", "arxiv:1706.03762"),
                            ("doi:10.5555/ptr", "doi:10.5555/deepsets")]


def test_post_papers_reports_ids_in_request_order(sqlite_store):
    with client_for(sqlite_store) as client:
        r = client.post("/papers", json={"papers": FIRST}, headers=AUTH)
        assert r.status_code == 201, r.text
        assert r.json()["ids"] == ["doi:10.5555/deepsets", "doi:10.5555/ptr", "arxiv:1706.03762",
                                   "doi:10.5555/other-ptr"]
        assert r.json()["added"] == 4


def test_post_papers_names_the_bad_record():
    with pytest.raises(InvalidParameter, match=r"papers\[1\].*year 99999 outside"):
        papers_from_records([{"title": "Fine"}, {"title": "Bad", "year": 99999}])


@pytest.mark.parametrize("name", ["Smith, John", "John Smith", "J. Smith", "Smith JA", "SMITH, J."])
def test_first_author_forms(name):
    assert first_author_key(name) == "smith"


def test_same_title_needs_compatible_year_and_first_author():
    a = Paper("a", "T", authors=("Smith, J",), year=2001)
    assert same_paper_possible(a, Paper("b", "T", authors=("John Smith",), year=2002))
    assert not same_paper_possible(a, Paper("b", "T", authors=("John Smith",), year=2005))
    assert not same_paper_possible(a, Paper("b", "T", authors=("Ann Jones",), year=2001))
    assert same_paper_possible(a, Paper("b", "T"))


@pytest.mark.parametrize("reference, expected", [
    ("doi:10.1000/ABC", ["doi:10.1000/abc", "10.1000/abc"]),
    ("https://openalex.org/W2741809807", ["openalex:W2741809807", "W2741809807"]),
    ("W2741809807", ["openalex:W2741809807", "W2741809807"]),
    ("PMID: 12345", ["pmid:12345"]),
    ("649def34f8be52c8b66281af98ae884c09aef38b", ["s2:649def34f8be52c8b66281af98ae884c09aef38b"]),
    ("hep-th/9901001", ["arxiv:hep-th/9901001"]),
    ("1901.00001v2", ["arxiv:1901.00001"]),
])
def test_reference_names(reference, expected):
    names = reference_names(reference)
    assert names[0] == reference and all(name in names for name in expected)
