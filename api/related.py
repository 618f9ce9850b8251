"""Fused related papers, one pair compared, prior and derivative works (issue 23).

Thin adapters: read a paper's edges of every kind from the store, hand them to
the pure functions of :mod:`graph.related`, shape the answer for the API.
"""

from __future__ import annotations

from typing import Any, Mapping

from graph.models import display_title
from graph.related import SIGNALS, chains_of, derivative_works, fuse_related, prior_works
from graph.stores.base import GraphStore

__all__ = ["signals_of", "related", "compare", "works"]

#: Neighbours read per signal of one paper (its SIMILAR_TO, COUPLED, ... are top-k
#: lists of about 10-40; citations of a classic can be thousands).
SIGNAL_READ_CAP = 500

#: Chains kept per paper (as COUPLED's top k) and papers they are searched through.
CHAINS_K = 20
CHAIN_VIAS = 100

#: Store relation(s) of each signal.
_RELATIONS = {"similar": ("similar",), "keywords": ("keywords",), "coupled": ("coupled",),
              "cocited": ("cocited",), "cites": ("cites", "cited_by")}


def signals_of(store: GraphStore, paper_id: str) -> dict[str, dict[str, tuple[float, dict]]]:
    """``signal -> {other: (score, evidence)}`` of one paper, from the store
    (PaperNotFound when it is unknown)."""
    out: dict[str, dict[str, tuple[float, dict]]] = {name: {} for name in SIGNALS}
    for name, relations in _RELATIONS.items():
        for relation in relations:
            for n in store.neighbors(paper_id, relation=relation, limit=SIGNAL_READ_CAP):
                if n.paper_id != paper_id:
                    out[name][n.paper_id] = (float(n.weight), dict(n.evidence))
    # Two-step citation chains: the part of "cites" that a held-out citation can have.
    cache: dict[tuple[str, str], list[str]] = {}

    def read(p: str, relation: str) -> list[str]:
        if (p, relation) not in cache:
            cache[(p, relation)] = [n.paper_id for n in store.neighbors(p, relation=relation, limit=SIGNAL_READ_CAP)]
        return cache[(p, relation)]

    chains = chains_of(paper_id, lambda p: read(p, "cites"), lambda p: read(p, "cited_by"), k=CHAINS_K,
                       max_vias=CHAIN_VIAS)
    for other, value in chains.items():
        out["cites"].setdefault(other, value)
    return out


def related(store: GraphStore, paper_id: str, *, weights: Mapping[str, float], limit: int,
            offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """``(total, page)`` of the fused ranking around ``paper_id``."""
    signals = signals_of(store, paper_id)
    ranked = fuse_related(signals, weights=weights, limit=10_000, exclude=(paper_id,))
    page = ranked[offset : offset + limit]
    papers = store.get_papers([f.paper_id for f in page])
    items = [{"id": f.paper_id, "paper_id": f.paper_id,
              "title": display_title(papers[f.paper_id]) if f.paper_id in papers else f.paper_id,
              "year": papers[f.paper_id].year if f.paper_id in papers else None,
              "score": f.score, "signals": dict(f.signals), "evidence": {k: dict(v) for k, v in f.evidence.items()}}
             for f in page]
    return len(ranked), items


def compare(store: GraphStore, a: str, b: str, *, weights: Mapping[str, float]) -> dict[str, Any]:
    """Every signal's score and evidence between ``a`` and ``b`` (0 and empty
    when the pair has no edge of that kind), and their fused score."""
    papers = store.get_papers([a, b])
    from graph.errors import PaperNotFound

    for pid in (a, b):
        if pid not in papers:
            raise PaperNotFound(pid)
    signals = signals_of(store, a)
    scores = {name: float(signals[name][b][0]) if b in signals[name] else 0.0 for name in SIGNALS}
    evidence = {name: dict(signals[name][b][1]) for name in SIGNALS if b in signals[name]}
    fused = round(sum(float(weights.get(n, 0.0)) * s for n, s in scores.items()), 6)
    return {"a": {"id": a, "title": display_title(papers[a]), "year": papers[a].year},
            "b": {"id": b, "title": display_title(papers[b]), "year": papers[b].year},
            "score": fused, "weights": dict(weights), "signals": scores, "evidence": evidence}


def works(store: GraphStore, paper_id: str, *, kind: str, weights: Mapping[str, float], limit: int,
          neighbourhood: int = 20, min_count: int = 2) -> list[dict[str, Any]]:
    """Prior (``kind='prior'``: older works most cited by the paper and its
    fused related papers) or derivative (newer papers citing many of them) works."""
    focal = store.get_paper(paper_id).paper
    hood = [paper_id] + [f.paper_id for f in fuse_related(signals_of(store, paper_id), weights=weights,
                                                          limit=neighbourhood, exclude=(paper_id,))]
    relation = "cites" if kind == "prior" else "cited_by"
    links = {p: [n.paper_id for n in store.neighbors(p, relation=relation, limit=SIGNAL_READ_CAP)] for p in hood}
    candidates = sorted({q for qs in links.values() for q in qs} - set(hood))
    papers = store.get_papers(candidates)
    years = {pid: p.year for pid, p in papers.items()}
    references: dict[str, Any] = {}  # prior works include Reference nodes: the classics not loaded
    if kind == "prior":
        for p, nodes in store.paper_references(hood).items():
            links[p] = [*links.get(p, ()), *(r.id for r in nodes)]
            references.update((r.id, r) for r in nodes)
        years.update((rid, r.year) for rid, r in references.items())
    if kind == "prior":
        found = prior_works(hood, lambda p: links.get(p, ()), years, before=focal.year,
                            limit=limit + len(hood), min_count=min_count)
    else:
        found = derivative_works(hood, lambda p: links.get(p, ()), years, after=focal.year,
                                 limit=limit + len(hood), min_count=min_count)
    found = [w for w in found if w.paper_id not in hood][:limit]
    return [{"id": w.paper_id, "paper_id": w.paper_id, "title": _work_title(w.paper_id, papers, references),
             "year": w.year, "count": w.count, "reference": w.paper_id in references} for w in found]


def _work_title(wid: str, papers: Mapping[str, Any], references: Mapping[str, Any]) -> str:
    if wid in papers:
        return display_title(papers[wid])
    ref = references.get(wid)
    return (ref.title or ref.doi or wid) if ref is not None else wid
