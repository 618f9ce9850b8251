"""SHARES_KEYWORDS, CITES, BuildParams and build_derived (graph.edges)."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import threading
import time

import pytest

from graph.edges import (
    BuildParams,
    build_derived,
    citation_edges,
    default_max_keyword_df,
    resolve_reference,
    keyword_incidence,
    shares_keywords_arrays,
    shares_keywords_edges,
    shares_keywords_rows,
)
from graph.errors import CitegraphError, InvalidParameter
from graph.models import CitationEdge, DerivedGraph, KeywordScore, Paper, SharedKeywordsEdge
from graph.similarity import similar_edges
from graph.keyphrases import extract_keywords


def _rows(table: dict[str, list[str]]) -> list[KeywordScore]:
    return [KeywordScore(pid, kw, 1.0) for pid, kws in table.items() for kw in kws]


# --- SHARES_KEYWORDS -----------------------------------------------------------


def test_shares_keywords_count_jaccard_and_keywords():
    rows = _rows({
        "p1": ["graph", "network", "spectral"],
        "p2": ["graph", "network", "spectral", "kernel"],
        "p3": ["graph", "kernel"],
        "p4": ["network", "protein"],
    })
    assert shares_keywords_edges(rows) == [
        # shared 3 of the 4 in the union
        SharedKeywordsEdge("p1", "p2", 3, 0.75, ("graph", "network", "spectral")),
        # shared 2 of the 4 in the union
        SharedKeywordsEdge("p2", "p3", 2, 0.5, ("graph", "kernel")),
    ]


def test_min_shared_one_links_every_pair_with_a_common_keyword():
    rows = _rows({"a": ["x", "y"], "b": ["y"], "c": ["z"]})
    assert shares_keywords_edges(rows, min_shared=1) == [SharedKeywordsEdge("a", "b", 1, 0.5, ("y",))]


def test_keywords_above_max_df_make_no_pairs_and_do_not_count():
    # "common" is held by 3 papers > max_df = 2: ignored for this edge type, so
    # p1-p2 share only "rare" (below min_shared) unless min_shared is 1, and the
    # jaccard is over the remaining keywords: {rare, x} | {rare} -> 1 / 2.
    rows = _rows({"p1": ["common", "rare", "x"], "p2": ["common", "rare"], "p3": ["common", "y"]})
    assert shares_keywords_edges(rows, max_df=2) == []
    assert shares_keywords_edges(rows, max_df=2, min_shared=1) == [
        SharedKeywordsEdge("p1", "p2", 1, 0.5, ("rare",))
    ]
    assert shares_keywords_edges(rows, max_df=3) == [
        SharedKeywordsEdge("p1", "p2", 2, 0.666667, ("common", "rare"))
    ]


def test_default_max_keyword_df():
    assert default_max_keyword_df(10) == 50
    assert default_max_keyword_df(2500) == 50
    assert default_max_keyword_df(29555) == 592
    # Bounded: a share of N would let the pairs grow with N squared.
    assert default_max_keyword_df(50_000) == 1000
    assert default_max_keyword_df(300_000) == 1000


def test_shares_keywords_bounded_chunks_give_the_same_edges(monkeypatch):
    import graph.coupling as coupling

    rng = random.Random(0)
    vocab = [f"k{i}" for i in range(12)]
    rows = _rows({f"p{i:02d}": rng.sample(vocab, 4) for i in range(40)})
    whole = shares_keywords_edges(rows)
    # Chunks of rows and of pairs of a few product entries each.
    monkeypatch.setattr(coupling, "_WORK_PER_CHUNK", 7)
    monkeypatch.setattr(coupling, "_WORK_PER_PIECE", 7)
    assert shares_keywords_edges(rows) == whole


def test_shares_keywords_match_brute_force_over_many_pairs(monkeypatch):
    import graph.coupling as coupling

    rng = random.Random(1)
    vocab = [f"k{i:02d}" for i in range(30)]
    sets = {f"p{i:03d}": set(rng.sample(vocab, rng.randint(1, 7))) for i in range(120)}
    rows = _rows({pid: sorted(kws) for pid, kws in sets.items()})
    expected = []
    for a in sorted(sets):
        for b in sorted(sets):
            shared = sets[a] & sets[b]
            if a < b and len(shared) >= 2:
                expected.append(SharedKeywordsEdge(a, b, len(shared), round(len(shared) / len(sets[a] | sets[b]), 6),
                                                   tuple(sorted(shared))))
    assert shares_keywords_edges(rows, max_df=1000) == expected
    inc = keyword_incidence(rows, max_df=1000)
    # Row blocks, concatenated in order, are the whole.
    blocks = [e for lo in range(0, 120, 17) for e in shares_keywords_rows(inc, lo, min(lo + 17, 120))]
    assert blocks == expected
    # Pieces of the product ranked on two threads (as build does from 100M entries): the same edges.
    import graph.kernels

    monkeypatch.setattr(coupling, "_WORK_PER_PIECE", 50)
    monkeypatch.setattr(coupling, "THREADS", 2)
    ran = set()
    real = graph.kernels.top_shared_pairs
    # Each piece outlasts a thread's start: the second thread surely takes one.
    monkeypatch.setattr(graph.kernels, "top_shared_pairs",
                        lambda *a: ran.add(threading.get_ident()) or time.sleep(0.005) or real(*a))
    arrays = shares_keywords_arrays(inc, parallel=True)
    assert len(ran) == 2
    assert list(arrays) == expected
    assert arrays.names[: len(inc.ids)] == inc.ids


@pytest.mark.parametrize("k", [1, 3, 8])
def test_each_paper_keeps_its_k_strongest_shares_keywords(k, monkeypatch):
    import graph.coupling as coupling

    rng = random.Random(2)
    vocab = [f"k{i:02d}" for i in range(20)]
    sets = {f"p{i:03d}": set(rng.sample(vocab, rng.randint(2, 7))) for i in range(90)}
    rows = _rows({pid: sorted(kws) for pid, kws in sets.items()})
    every = {(e.source, e.target): e for e in shares_keywords_edges(rows, max_df=1000)}
    kept = set()
    for pid in sets:
        mine = [e for e in every.values() if pid in (e.source, e.target)]
        mine.sort(key=lambda e: (-e.jaccard, -e.count, e.target if e.source == pid else e.source))
        kept.update((e.source, e.target) for e in mine[:k])
    expected = [every[pair] for pair in sorted(kept)]
    assert len(expected) < len(every)
    assert shares_keywords_edges(rows, max_df=1000, k=k) == expected
    monkeypatch.setattr(coupling, "_WORK_PER_PIECE", 30)
    assert list(shares_keywords_arrays(keyword_incidence(rows, max_df=1000), k=k, parallel=True)) == expected


def test_build_caps_shares_keywords_per_paper_from_a_size_on(monkeypatch):
    import graph.edges as edges_module

    assert BuildParams().effective_shares_k(29_555) == 0
    assert BuildParams().effective_shares_k(300_000) == 20
    assert BuildParams(shares_k=0).effective_shares_k(300_000) == 0
    with pytest.raises(InvalidParameter, match="shares_k"):
        BuildParams(shares_k=-1)
    with pytest.raises(InvalidParameter, match="'k'"):
        shares_keywords_arrays(keyword_incidence(_rows({"a": ["x", "y"], "b": ["x", "y"]})), k=2, start=0, stop=1)
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(8)]
    papers = [Paper(id=f"p{i:02d}", title=" ".join(rng.sample(vocab, 3)), abstract=" ".join(rng.sample(vocab, 5)))
              for i in range(40)]
    every = build_derived(papers, {}, BuildParams(max_keyword_df=1000, min_shared=1)).shares_keywords
    monkeypatch.setattr(edges_module, "SHARES_K_FROM", 10)
    monkeypatch.setattr(edges_module, "DEFAULT_SHARES_K", 2)
    capped = build_derived(papers, {}, BuildParams(max_keyword_df=1000, min_shared=1)).shares_keywords
    assert 0 < len(capped) < len(every)
    assert set(capped) <= set(every)


# --- CITES ---------------------------------------------------------------------

INDEX = {
    "a": "a",
    "b": "b",
    "doi:10.1000/xyz": "doi:10.1000/xyz",
    "10.1000/xyz": "doi:10.1000/xyz",
    "arxiv:hep-th/9901001": "arxiv:hep-th/9901001",
    "src-42": "b",
    "outside": "not-in-graph",
}


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("a", "a"),
        (" b ", "b"),
        ("src-42", "b"),
        ("10.1000/XYZ", "doi:10.1000/xyz"),
        ("doi:10.1000/xyz", "doi:10.1000/xyz"),
        ("https://doi.org/10.1000/XYZ", "doi:10.1000/xyz"),
        ("hep-th/9901001", "arxiv:hep-th/9901001"),
        ("arXiv:hep-th/9901001v3", "arxiv:hep-th/9901001"),
        ("nobody", None),
        ("", None),
    ],
)
def test_resolve_reference(reference, expected):
    assert resolve_reference(reference, INDEX) == expected


def test_citation_edges_resolve_merge_drop_self_and_count_unknown():
    papers = [
        Paper("a", "A", references=("b", "src-42", "10.1000/XYZ", "a", "unknown", "unknown", "outside")),
        Paper("b", "B", references=("hep-th/9901001v2", "doi:10.1000/xyz")),
        Paper("doi:10.1000/xyz", "X"),
        Paper("arxiv:hep-th/9901001", "H", references=("arxiv:hep-th/9901001",)),
    ]
    edges, unresolved = citation_edges(papers, INDEX)
    assert edges == [
        CitationEdge("a", "b"),  # "b" and "src-42" merged
        CitationEdge("a", "doi:10.1000/xyz"),
        CitationEdge("b", "arxiv:hep-th/9901001"),
        CitationEdge("b", "doi:10.1000/xyz"),
    ]
    # "unknown" once (repeats of a reference are one reference) and "outside",
    # whose paper is not in the graph; self citations are dropped, not counted.
    assert unresolved == 2


def test_citations_by_paper_id_need_no_index_entry():
    edges, unresolved = citation_edges([Paper("p", "P", references=("q",)), Paper("q", "Q")], {})
    assert (edges, unresolved) == ([CitationEdge("p", "q")], 0)


# --- BuildParams ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "The 'k' parameter of build must be an int in [1, 200]. Got 0 instead."),
        ({"k": True}, "The 'k' parameter of build must be an int in [1, 200]. Got True instead."),
        ({"keywords_k": 51}, "The 'keywords_k' parameter of build must be an int in [1, 50]. Got 51 instead."),
        ({"similarity": "bm25"},
         "The 'similarity' parameter of build must be one of 'tfidf', 'lsa', 'embedding'. Got 'bm25' instead."),
        ({"min_score": 1.0},
         "The 'min_score' parameter of build must be a float in [0, 1) or None. Got 1.0 instead."),
        ({"min_shared": 0}, "The 'min_shared' parameter of build must be an int in [1, 50]. Got 0 instead."),
        ({"max_keyword_df": 1},
         "The 'max_keyword_df' parameter of build must be None or an int in [2, 1000000000]. Got 1 instead."),
        ({"seed": -1}, "The 'seed' parameter of build must be an int in [0, 4294967295]. Got -1 instead."),
    ],
)
def test_build_params_validation(kwargs, message):
    with pytest.raises(InvalidParameter) as info:
        BuildParams(**kwargs)
    assert str(info.value) == message
    assert info.value.name == next(iter(kwargs))


def test_build_params_defaults():
    params = BuildParams()
    assert (params.keywords_k, params.similarity, params.k, params.min_shared, params.seed) == (8, "tfidf", 10, 2, 0)
    assert params.effective_min_score == 0.1
    assert BuildParams(similarity="lsa").effective_min_score == 0.3
    assert BuildParams(min_score=0.0).effective_min_score == 0.0
    assert params.to_dict()["k"] == 10


# --- build_derived -------------------------------------------------------------

PAPERS = [
    Paper("p1", "Black holes", "Black holes and black hole entropy. Entropy of black holes.",
          references=("p2", "10.1000/gone")),
    Paper("p2", "Black hole entropy", "The entropy of black holes.", references=("p1", "p1")),
    Paper("p3", "Neural networks", "Neural networks learn. Deep neural networks."),
    Paper("p4", "Deep neural networks", "Neural networks. Deep learning with neural networks.",
          references=("p3", "p4")),
]


def test_build_derived_end_to_end():
    stages = []
    derived = build_derived(
        PAPERS, {"p1": "p1", "p2": "p2", "p3": "p3", "p4": "p4"}, BuildParams(k=1),
        progress=lambda stage, done, total: stages.append((stage, done, total)),
    )
    assert isinstance(derived, DerivedGraph)
    assert derived.cites == (CitationEdge("p1", "p2"), CitationEdge("p2", "p1"), CitationEdge("p4", "p3"))
    assert derived.unresolved_references == 1
    assert [(e.source, e.target) for e in derived.similar] == [("p1", "p2"), ("p3", "p4")]
    kw = {}
    for row in derived.has_keyword:
        kw.setdefault(row.paper_id, []).append(row.keyword)
    # p1 counts (title once more): "black hole" 5, "entropy" 2, "black hole entropy"
    # 1; "black" and "hole" never occur outside "black hole" (fragments), and the
    # longer "black hole entropy" is kept as more specific. All df 2 here.
    assert kw == {
        "p1": ["black hole", "entropy", "black hole entropy"],
        "p2": ["black hole", "entropy", "black hole entropy"],
        "p3": ["neural network", "deep neural network"],
        "p4": ["neural network", "deep", "deep neural network"],
    }
    assert [(k.name, k.df) for k in derived.keywords] == [
        ("black hole", 2), ("black hole entropy", 2), ("deep", 1), ("deep neural network", 2),
        ("entropy", 2), ("neural network", 2),
    ]
    assert derived.shares_keywords == (
        SharedKeywordsEdge("p1", "p2", 3, 1.0, ("black hole", "black hole entropy", "entropy")),
        SharedKeywordsEdge("p3", "p4", 2, 0.666667, ("deep neural network", "neural network")),
    )
    assert {s for s, _, _ in stages} == {"keywords", "similar", "shares_keywords", "cites", "coupled"}
    assert stages[-1] == ("coupled", 1, 1)  # COUPLED and CO_CITED, from CITES (issue 23)


def test_build_derived_is_deterministic_and_order_free():
    params = BuildParams(k=2, min_score=0.0)
    first = build_derived(PAPERS, {}, params)
    shuffled = list(PAPERS)
    random.Random(7).shuffle(shuffled)
    assert build_derived(shuffled, {}, params) == first


def test_build_derived_edges_match_their_builders():
    derived = build_derived(PAPERS, {}, BuildParams(k=2))
    ids = [p.id for p in PAPERS]
    assert list(derived.similar) == similar_edges(ids, [p.text for p in PAPERS], k=2)
    # Texts are tokenised once inside build_derived: the same as each builder alone.
    has_keyword, keywords = extract_keywords(
        ids, [p.text for p in PAPERS], titles=[p.title for p in PAPERS], k=BuildParams().keywords_k
    )
    assert (list(derived.has_keyword), list(derived.keywords)) == (has_keyword, keywords)
    assert list(derived.shares_keywords) == shares_keywords_edges(derived.has_keyword)


def test_build_derived_on_no_papers():
    assert build_derived([], {}) == DerivedGraph((), (), (), (), (), 0)


# --- build_derived with SIMILAR_TO in a forked child ---------------------------


def _seed_papers() -> list[Paper]:
    from graph.jobs import read_inputs
    from tests.conftest import SEEDS

    papers, _, _ = read_inputs(sorted(SEEDS.glob("*.txt")))
    return papers


def test_build_derived_forked_similar_gives_the_same_graph():
    papers = _seed_papers()
    index = {p.id: p.id for p in papers}
    stages = []
    forked = build_derived(papers, index, parallel=True, progress=lambda s, d, t: stages.append((s, d, t)))
    assert forked == build_derived(papers, index, parallel=False)
    assert len(forked.similar) > len(papers)
    assert ("similar", 1, 1) in stages
    assert multiprocessing.active_children() == []


def test_build_derived_forked_similar_error_reaches_the_caller(monkeypatch):
    import graph.edges

    def broken(*args, **kwargs):
        raise InvalidParameter("similarity broke on purpose", name="k")

    monkeypatch.setattr(graph.edges, "similar_pairs", broken)
    with pytest.raises(InvalidParameter, match="on purpose"):
        build_derived(PAPERS, {}, parallel=True)
    assert multiprocessing.active_children() == []


def test_build_derived_forked_similar_killed_is_a_clear_error(monkeypatch):
    import graph.edges

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(graph.edges, "similar_pairs", killed)
    with pytest.raises(CitegraphError, match=r"SIMILAR_TO process died \(exit code -9: killed.*nothing of this build"):
        build_derived(PAPERS, {}, parallel=True)


def test_build_derived_failure_stops_the_forked_similar(monkeypatch):
    import graph.edges

    def slow(*args, **kwargs):
        time.sleep(60)

    def broken(*args, **kwargs):
        raise InvalidParameter("citations broke on purpose", name="references")

    monkeypatch.setattr(graph.edges, "similar_pairs", slow)
    monkeypatch.setattr(graph.edges, "citations_and_references", broken)
    started = time.perf_counter()
    with pytest.raises(InvalidParameter, match="on purpose"):
        build_derived(PAPERS, {}, parallel=True)
    assert multiprocessing.active_children() == []
    assert time.perf_counter() - started < 30  # the child was stopped, not waited for


def test_build_derived_pauses_the_collector_and_restores_it(monkeypatch):
    import gc

    import graph.edges

    seen = []
    real = graph.edges.citations_and_references

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    def broken(*args, **kwargs):
        raise InvalidParameter("citations broke on purpose", name="references")

    assert gc.isenabled()
    monkeypatch.setattr(graph.edges, "citations_and_references", spy)
    assert build_derived(PAPERS, {}, parallel=False).cites
    assert seen == [False]  # no collection while the build makes its millions of small objects
    assert gc.isenabled()
    monkeypatch.setattr(graph.edges, "citations_and_references", broken)
    with pytest.raises(InvalidParameter, match="on purpose"):
        build_derived(PAPERS, {}, parallel=False)
    assert gc.isenabled()  # back on after a failure too
