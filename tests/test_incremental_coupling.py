"""POST /papers keeps COUPLED and CO_CITED as a rebuild would (issue 23).

On both stores (the ``store`` fixture: the embedded store and a real Neo4j): a
small corpus is built, papers are added through :func:`graph.incremental.add_papers`
(new papers citing stored ones, and a stored paper whose reference names a new
one), and the stored COUPLED/CO_CITED edges must equal those of a full rebuild
over the same citations, with a small ``coupling_k`` so that new pairs push old
ones out of top-k lists (edges must be deleted, not only added).
"""

from __future__ import annotations

import random

import pytest

from graph.coupling import cocitation_edges, coupling_edges
from graph.edges import BuildParams
from graph.errors import PaperNotFound
from graph.incremental import IncrementalParams, add_papers
from graph.jobs import build
from graph.models import CoupledEdge, DerivedGraph, Paper

WORDS = "quark gluon string brane duality gauge field lattice soliton anomaly vortex boson".split()


def _paper(pid: str, refs: tuple[str, ...], rng: random.Random) -> Paper:
    text = " ".join(rng.choice(WORDS) for _ in range(12))
    return Paper(pid, f"On {text[:30]} {pid}", f"We study {text}.", year=2000, references=refs)


def _corpus(seed: int) -> tuple[list[Paper], list[Paper]]:
    rng = random.Random(seed)
    ids = [f"p{i:02d}" for i in range(24)]
    base = []
    for i, pid in enumerate(ids):
        refs = tuple(sorted({rng.choice(ids[:i]) for _ in range(rng.randint(0, 4))})) if i else ()
        if pid == "p23":
            refs += ("n0",)  # names a paper that is not loaded yet
        base.append(_paper(pid, refs, rng))
    new = [_paper(f"n{j}", tuple(sorted({rng.choice(ids) for _ in range(4)})), rng) for j in range(3)]
    return base, new


def _biblio(store) -> tuple[tuple, tuple]:
    d = store.load_derived()
    return d.coupled, d.co_cited


@pytest.mark.parametrize("seed", [0, 1])
def test_added_papers_update_coupled_and_co_cited_as_a_rebuild(store, seed):
    base, new = _corpus(seed)
    params = BuildParams(coupling_k=2)
    store.upsert_papers(base)
    build(store, params)
    before = _biblio(store)

    report = add_papers(store, new)
    after = _biblio(store)
    cites = store.load_derived().cites
    assert ("p23", "n0") in {(e.source, e.target) for e in cites}
    assert report.edges["COUPLED"] > 0 and report.edges["CO_CITED"] > 0
    # Top-k displacement: some stored edge was dropped, not only new ones merged.
    assert set(before[0]) - set(after[0]) or set(before[1]) - set(after[1])

    assert list(after[0]) == coupling_edges(cites, k=2)
    assert list(after[1]) == cocitation_edges(cites, k=2)
    build(store, params)
    assert store.load_derived().cites == cites
    assert _biblio(store) == after


def test_coupling_k_0_in_the_last_build_adds_none(store):
    base, new = _corpus(0)
    store.upsert_papers(base)
    build(store, BuildParams(coupling_k=0))
    report = add_papers(store, new)
    assert _biblio(store) == ((), ())
    assert report.edges["COUPLED"] == report.edges["CO_CITED"] == 0


def test_replace_biblio_near_deletes_only_edges_touching_the_named_papers(store):
    base, _ = _corpus(0)
    store.upsert_papers(base)
    old = (CoupledEdge("p01", "p02", 1, 1.0, ("p00",)), CoupledEdge("p03", "p04", 1, 1.0, ("p00",)))
    store.add_derived(DerivedGraph((), (), (), (), (), coupled=old))
    store.replace_biblio_near(DerivedGraph((), (), (), (), (), coupled=(CoupledEdge("p02", "p05", 2, 0.5, ("x",)),)),
                              coupled_near={"p02"}, co_cited_near=set())
    assert _biblio(store)[0] == (CoupledEdge("p02", "p05", 2, 0.5, ("x",)), old[1])
    with pytest.raises(PaperNotFound, match="nope"):
        store.replace_biblio_near(DerivedGraph((), (), (), (), (), coupled=(CoupledEdge("nope", "p05", 1, 1.0, ()),)),
                                  coupled_near={"p03"}, co_cited_near=set())
    assert _biblio(store)[0] == (CoupledEdge("p02", "p05", 2, 0.5, ("x",)), old[1])


def test_incremental_coupling_knobs_are_checked():
    with pytest.raises(ValueError, match="coupling_measure"):
        IncrementalParams(coupling_measure="jaccard")
    with pytest.raises(ValueError, match="'coupling_k'"):
        IncrementalParams(coupling_k=-1)
