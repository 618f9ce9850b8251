"""COUPLED and CO_CITED (graph/coupling.py): exact answers on tiny citation graphs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dataclasses import astuple

from graph.coupling import (
    bibliometric_arrays,
    cocitation_edges,
    cocitation_edges_around,
    coupling_edges,
    coupling_edges_around,
    shared_counts,
    strength,
)
from graph.errors import InvalidParameter
from graph.models import CitationEdge, CoCitedEdge, CoupledEdge

# a and b cite x, y; c cites y, z; d cites nothing; x cites y.
CITES = [("a", "x"), ("a", "y"), ("b", "x"), ("b", "y"), ("c", "y"), ("c", "z"), ("x", "y")]


def test_coupling_counts_shared_references_with_cosine():
    edges = coupling_edges(CITES)
    assert edges == [
        CoupledEdge("a", "b", 2, 1.0, ("x", "y")),
        CoupledEdge("a", "c", 1, 0.5, ("y",)),
        CoupledEdge("a", "x", 1, round(1 / math.sqrt(2), 6), ("y",)),
        CoupledEdge("b", "c", 1, 0.5, ("y",)),
        CoupledEdge("b", "x", 1, round(1 / math.sqrt(2), 6), ("y",)),
        CoupledEdge("c", "x", 1, round(1 / math.sqrt(2), 6), ("y",)),
    ]


def test_cocitation_counts_shared_citers():
    # x and y are cited together by a and b; y and z by c.
    assert cocitation_edges(CITES) == [
        CoCitedEdge("x", "y", 2, round(2 / math.sqrt(2 * 4), 6), ("a", "b")),
        CoCitedEdge("y", "z", 1, 0.5, ("c",)),
    ]


def test_min_count_drops_weak_pairs():
    assert coupling_edges(CITES, min_count=2) == [CoupledEdge("a", "b", 2, 1.0, ("x", "y"))]


def test_top_k_per_paper_keeps_a_pair_either_end_keeps():
    # Everyone cites hub h; with k=1 each paper keeps its strongest partner only.
    cites = [(p, "h") for p in "abcde"] + [("a", "q"), ("b", "q")]
    edges = coupling_edges(cites, k=1)
    # a and b share two (cosine 1); c, d and e cite only h (cosine 1 among them,
    # 0.71 with a or b): each keeps its strongest, ties to the smaller id.
    assert [(e.source, e.target, e.count) for e in edges] == [("a", "b", 2), ("c", "d", 1), ("c", "e", 1)]


def test_association_strength_penalises_large_partners_more():
    # p cites {r}; q cites {r, s}; big cites {r, s, t, u, v, w, z, o, k}.
    cites = [("p", "r"), ("q", "r"), ("q", "s")] + [("big", x) for x in "rstuvwzok"]
    cos = {(e.source, e.target): e.strength for e in coupling_edges(cites)}
    assoc = {(e.source, e.target): e.strength for e in coupling_edges(cites, measure="association")}
    assert cos[("p", "q")] == round(1 / math.sqrt(2), 6)
    assert assoc[("p", "q")] == 1.0
    assert assoc[("big", "p")] == 1.0 * 9 / 9  # count * max / (n_a n_b) = 1 * 9 / 9
    assert strength(2, 2, 8, measure="association") == 1.0


def test_shared_names_are_capped_and_sorted():
    cites = [(p, r) for p in "ab" for r in "vwxyz"]
    (edge,) = coupling_edges(cites, n_shared=2)
    assert edge.count == 5 and edge.shared == ("v", "w")


def test_duplicates_and_self_citations_count_once_and_never():
    cites = [CitationEdge("a", "x"), CitationEdge("a", "x"), ("b", "x"), ("a", "a"), ("b", "b")]
    assert coupling_edges(cites) == [CoupledEdge("a", "b", 1, 1.0, ("x",))]


def test_empty_input_gives_no_edges():
    assert coupling_edges([]) == [] and cocitation_edges([]) == [] and shared_counts([]) == []


def test_chunking_gives_the_same_edges(monkeypatch):
    import graph.coupling as gc

    cites = [(f"p{i:02d}", f"r{(i * 7 + j) % 13:02d}") for i in range(40) for j in range(4)]
    whole = coupling_edges(cites, k=3)
    monkeypatch.setattr(gc, "_WORK_PER_CHUNK", 5)  # a chunk of a pair or two
    monkeypatch.setattr(gc, "_WORK_PER_PIECE", 5)  # a piece of a row or two
    assert coupling_edges(cites, k=3) == whole


def _hub_citations(seed: int) -> list[tuple[str, str]]:
    """A random citation graph of 80 papers with a classic (p000) cited by most
    papers and a review (p079) citing half of them."""
    rng = np.random.default_rng(seed)
    cites = {(f"p{i:03d}", f"p{j:03d}") for i in range(1, 80) for j in rng.choice(i, size=min(i, rng.integers(0, 7)),
                                                                                  replace=False)}
    cites |= {(f"p{i:03d}", "p000") for i in range(1, 80) if rng.random() < 0.8}
    cites |= {("p079", f"p{j:03d}") for j in range(0, 79, 2)}
    return sorted(cites)


def _reference_edges(cites, *, transpose: bool, k: int, min_count: int, measure: str, n_shared: int):
    """COUPLED (or CO_CITED with ``transpose``) from the whole product ``C C^T``
    of the dense incidence, each paper's top k picked by a plain sort."""
    ids = sorted({p for pair in cites for p in pair})
    at = {p: i for i, p in enumerate(ids)}
    C = np.zeros((len(ids), len(ids)))
    for a, b in cites:
        C[at[a], at[b]] = 1.0
    if transpose:
        C = C.T
    P = C @ C.T
    sizes = C.sum(axis=1)
    kept = set()
    for i in range(len(ids)):
        cand = [j for j in range(len(ids)) if j != i and P[i, j] >= min_count]
        st = {j: _strength(P[i, j], sizes[i], sizes[j], measure) for j in cand}
        cand.sort(key=lambda j: (-st[j], -P[i, j], j))
        kept |= {(min(i, j), max(i, j)) for j in cand[:k]}
    out = []
    for i, j in sorted(kept):
        shared = tuple(ids[f] for f in np.flatnonzero(C[i] * C[j])[:n_shared])
        out.append((ids[i], ids[j], int(P[i, j]), _strength(P[i, j], sizes[i], sizes[j], measure), shared))
    return out


def _strength(count, n_a, n_b, measure):
    value = count / np.sqrt(n_a * n_b) if measure == "cosine" else count * max(n_a, n_b) / (n_a * n_b)
    return float(np.round(value, 6))


@pytest.mark.parametrize("work", [1, 50, 10**9])
@pytest.mark.parametrize("measure, k, min_count, seed", [("cosine", 3, 1, 0), ("association", 5, 2, 1),
                                                         ("cosine", 20, 1, 2)])
def test_blocked_edges_equal_the_whole_product_with_a_hub(monkeypatch, work, measure, k, min_count, seed):
    """Chunks of bounded work (one row or pair per chunk with ``work=1``) give
    exactly the edges of the whole product: no pair dropped or counted twice,
    even beside a paper cited by most others (issue 23, 'sparse, bounded memory')."""
    import graph.coupling as gc

    cites = _hub_citations(seed)
    monkeypatch.setattr(gc, "_WORK_PER_CHUNK", work)
    monkeypatch.setattr(gc, "_WORK_PER_PIECE", work)
    knobs = dict(k=k, min_count=min_count, measure=measure, n_shared=3)
    coupled, co_cited = bibliometric_arrays(cites, **knobs)
    assert [astuple(e) for e in coupled] == _reference_edges(cites, transpose=False, **knobs)
    assert [astuple(e) for e in co_cited] == _reference_edges(cites, transpose=True, **knobs)
    assert [astuple(e) for e in coupling_edges(cites, **knobs)] == [astuple(e) for e in coupled]
    assert [astuple(e) for e in cocitation_edges(cites, **knobs)] == [astuple(e) for e in co_cited]
    assert any(e.source == "p000" for e in co_cited) and len(co_cited) > 80


@pytest.mark.parametrize("work", [1, 50])
def test_pairs_ranked_on_threads_are_the_whole_products(monkeypatch, work):
    """With ``parallel``, pieces of rows of bounded work are ranked on several
    threads: the edges are the whole product's, and more than one thread really
    ran the kernel."""
    import threading
    import time

    import graph.coupling as gc
    import graph.kernels

    cites = _hub_citations(0)
    monkeypatch.setattr(gc, "_WORK_PER_PIECE", work)
    ran: set[int] = set()
    real = graph.kernels.top_shared_pairs

    def counted(*args):
        ran.add(threading.get_ident())
        time.sleep(0.005)  # a piece outlasts a thread's start: the second thread surely takes one
        return real(*args)

    monkeypatch.setattr(graph.kernels, "top_shared_pairs", counted)
    monkeypatch.setattr(gc, "THREADS", 2)
    knobs = dict(k=3, min_count=1, measure="cosine", n_shared=3)
    coupled, co_cited = bibliometric_arrays(cites, **knobs, parallel=True)
    assert len(ran) == 2
    assert [astuple(e) for e in coupled] == _reference_edges(cites, transpose=False, **knobs)
    assert [astuple(e) for e in co_cited] == _reference_edges(cites, transpose=True, **knobs)
    ran.clear()
    serial = bibliometric_arrays(cites, **knobs)  # parallel=False: this thread only
    assert ran == {threading.get_ident()} and [list(map(astuple, x)) for x in serial] == [
        list(map(astuple, coupled)), list(map(astuple, co_cited))]


@pytest.mark.parametrize("knob, value", [("k", 0), ("min_count", 0), ("measure", "jaccard"), ("n_shared", -1)])
def test_bad_knobs_are_named(knob, value):
    with pytest.raises(InvalidParameter, match=f"'{knob}' parameter of coupling_edges"):
        coupling_edges(CITES, **{knob: value})


def test_citation_chains_count_both_directions_and_skip_direct_pairs():
    from graph.coupling import citation_chains

    # a -> x -> b twice over (x and y); c -> a directly and c -> x -> b.
    cites = [("a", "x"), ("a", "y"), ("x", "b"), ("y", "b"), ("c", "a"), ("c", "x")]
    chains = {(a, b): (n, s) for a, b, n, s in citation_chains(cites)}
    assert chains[("a", "b")] == (2, round(2 / math.sqrt(3 * 2), 6))  # d_a = 3 (x, y, c), d_b = 2
    assert ("a", "c") not in chains  # c cites a: a direct pair, not a chain
    assert chains[("b", "c")][0] == 1  # c -> x -> b


# -- incremental: the part a change can alter (POST /papers) ---------------------


def _random_cites(rng, n_papers: int, n_cites: int) -> list[tuple[str, str]]:
    ids = [f"p{i:03d}" for i in range(n_papers)]
    return [(rng.choice(ids), rng.choice(ids)) for _ in range(n_cites)]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k, min_count, measure", [(2, 1, "cosine"), (3, 2, "association"), (20, 1, "cosine")])
def test_edges_around_a_change_equal_the_full_build(seed, k, min_count, measure):
    """Old edges away from the touched papers + the edges around them == a full build."""
    import random

    rng = random.Random(seed)
    old = _random_cites(rng, 40, 120)
    new = [(f"new{i}", rng.choice([a for a, _ in old])) for i in range(3)] + _random_cites(rng, 40, 6)
    knobs = dict(k=k, min_count=min_count, measure=measure)
    for full, around, changed in (
        (coupling_edges, coupling_edges_around, {a for a, _ in new}),
        (cocitation_edges, cocitation_edges_around, {b for _, b in new}),
    ):
        before = full(old, **knobs)
        after = full(old + new, **knobs)
        touched, edges = around(old + new, changed, **knobs)
        assert changed <= touched
        kept = [e for e in before if e.source not in touched and e.target not in touched]
        assert sorted(kept + edges, key=lambda e: (e.source, e.target)) == after
        # Only the pairs near the change are recomputed.
        assert all(e.source in touched or e.target in touched for e in edges)


def test_edges_around_name_the_touched_papers_exactly():
    # a joins x's citers: a, b (shares x) are touched; c, d (share only z) are not.
    cites = [("a", "x"), ("b", "x"), ("b", "y"), ("c", "z"), ("d", "z")]
    touched, edges = coupling_edges_around(cites, ["a"])
    assert touched == {"a", "b"}
    assert edges == [CoupledEdge("a", "b", 1, round(1 / math.sqrt(2), 6), ("x",))]
    touched, edges = cocitation_edges_around(cites, ["q"])  # q cites and is cited by nothing
    assert (touched, edges) == ({"q"}, [])
