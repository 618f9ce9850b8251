"""Held-out citations: how well ``related`` finds citations it was not shown.

The protocol of ``citegraph evaluate --holdout 0.2 --seed 0`` (issue 23):
hide a seeded share of the CITES edges, rebuild every citation signal
(COUPLED, CO_CITED, direct citations) from the rest, rank each paper's
``related`` top 10 and count the hidden pairs found among them. Papers
already linked by a visible citation are never counted as found (they are
known); a paper is scored when it has at least one hidden pair.

Pure functions: edges in, numbers out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping, Sequence

import numpy as np

from graph.coupling import citation_chains, cocitation_edges, coupling_edges
from graph.errors import param_error
from graph.models import CitationEdge, DerivedGraph
from graph.related import FUSED_WEIGHTS, SIGNALS, fuse_related

__all__ = ["split_citations", "signal_maps", "score_ranking", "holdout_report"]


def split_citations(
    cites: Sequence[CitationEdge], *, share: float = 0.2, seed: int = 0
) -> tuple[list[CitationEdge], list[CitationEdge]]:
    """``(visible, hidden)``: a seeded ``share`` of the citations, hidden.

    The draw is over the edges sorted by ``(source, target)``, so the same
    edges and seed always hide the same ones.

    >>> e = [CitationEdge(s, t) for s, t in [("a", "b"), ("a", "c"), ("b", "c"), ("c", "d"), ("d", "a")]]
    >>> vis, hid = split_citations(e, share=0.4, seed=0)
    >>> len(vis), len(hid), set(vis + hid) == set(e)
    (3, 2, True)
    """
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0.0 < share < 1.0:
        raise param_error("holdout", "evaluate", "a float in (0, 1)", share)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise param_error("seed", "evaluate", "an int >= 0", seed)
    edges = sorted(set(cites), key=lambda e: (e.source, e.target))
    n_hidden = int(round(share * len(edges)))
    order = np.random.default_rng(seed).permutation(len(edges))
    hidden_idx = set(order[:n_hidden].tolist())
    visible = [e for i, e in enumerate(edges) if i not in hidden_idx]
    hidden = [e for i, e in enumerate(edges) if i in hidden_idx]
    return visible, hidden


def signal_maps(derived: DerivedGraph, chains: Iterable[tuple[str, str, int, float]] = ()
                ) -> dict[str, dict[str, dict[str, tuple[float, dict]]]]:
    """``paper -> signal -> {other: (score, evidence)}`` from a derived graph:
    what :func:`graph.related.fuse_related` takes for each paper, both ends of
    every undirected edge, citations either way as ``cites`` 1.0, and two-step
    citation ``chains`` (:func:`graph.coupling.citation_chains`) as ``cites``
    with their strength."""
    out: dict[str, dict[str, dict[str, tuple[float, dict]]]] = defaultdict(lambda: defaultdict(dict))

    def both(signal: str, a: str, b: str, score: float, ev: dict) -> None:
        out[a][signal][b] = (score, ev)
        out[b][signal][a] = (score, ev)

    for e in derived.similar:
        both("similar", e.source, e.target, float(e.score), {"terms": list(e.terms)})
    for e in derived.shares_keywords:
        both("keywords", e.source, e.target, float(e.jaccard), {"keywords": list(e.keywords), "count": e.count})
    for e in derived.coupled:
        both("coupled", e.source, e.target, float(e.strength), {"shared": list(e.shared), "count": e.count})
    for e in derived.co_cited:
        both("cocited", e.source, e.target, float(e.strength), {"citers": list(e.citers), "count": e.count})
    for a, b, count, st in chains:
        both("cites", a, b, float(st), {"chains": count})
    for e in derived.cites:
        out[e.source]["cites"][e.target] = (1.0, {"direction": "cites"})
        out[e.target]["cites"][e.source] = (1.0, {"direction": "cited_by"})
    return out


def score_ranking(
    ranked: Mapping[str, Sequence[str]], hidden: Iterable[tuple[str, str]], known: Iterable[tuple[str, str]],
    *, k: int = 10, n_papers: int | None = None,
) -> dict[str, float]:
    """Precision and recall at ``k`` of per-paper rankings against hidden pairs.

    Pairs are undirected; a hidden pair that is also known is not hidden. A
    paper is scored when it has a hidden pair: ``recall`` = hidden
    (paper, other) found in that paper's top ``k`` / all of them;
    ``precision`` = found / ``k`` per scored paper (a short list is not
    rewarded). Known pairs in a ranking are skipped, not counted. With
    ``n_papers``, ``precision_all`` is found / (``k`` x ``n_papers``): the
    precision of a top ``k`` for every paper of the corpus, the form of the
    issue 23 table (papers without a hidden pair count as finding nothing).

    >>> score_ranking({"a": ["b", "c"], "c": ["d"]}, [("a", "b"), ("c", "e")], [("a", "c")], k=2)
    {'precision': 0.125, 'recall': 0.25, 'found': 1, 'hidden': 4, 'papers': 4}
    """
    known_set = {_key(a, b) for a, b in known}
    per: dict[str, set[str]] = defaultdict(set)
    for a, b in hidden:
        if a != b and _key(a, b) not in known_set:
            per[a].add(b)
            per[b].add(a)
    found = 0
    for paper, others in per.items():
        top = [o for o in ranked.get(paper, ()) if o != paper and _key(paper, o) not in known_set][:k]
        found += sum(1 for o in top if o in others)
    total = sum(len(v) for v in per.values())
    out = {"precision": round(found / (k * len(per)), 4) if per else 0.0,
           "recall": round(found / total, 4) if total else 0.0,
           "found": found, "hidden": total, "papers": len(per)}
    if n_papers:
        out["precision_all"] = round(found / (k * n_papers), 4)
    return out


def holdout_report(
    text: DerivedGraph,
    cites: Sequence[CitationEdge],
    *,
    share: float = 0.2,
    seed: int = 0,
    weights: Mapping[str, float] = FUSED_WEIGHTS,
    k: int = 10,
    coupling_k: int = 20,
    min_count: int = 1,
    measure: str = "cosine",
    chains: bool = True,
    method: str = "rank",
    only_fused: bool = False,
    n_papers: int | None = None,
) -> dict:
    """Every configuration of the protocol: text only, each signal alone, and
    the fused ``weights``.

    ``text`` holds the text signals (SIMILAR_TO, SHARES_KEYWORDS: built from
    text alone, so hiding citations does not change them); the citation
    signals are rebuilt here from the visible part of ``cites``.
    """
    visible, hidden = split_citations(cites, share=share, seed=seed)
    coupled = coupling_edges(visible, k=coupling_k, min_count=min_count, measure=measure)
    co_cited = cocitation_edges(visible, k=coupling_k, min_count=min_count, measure=measure)
    derived = DerivedGraph(keywords=(), has_keyword=(), similar=text.similar, shares_keywords=text.shares_keywords,
                           cites=tuple(visible), coupled=tuple(coupled), co_cited=tuple(co_cited))
    chain_rows = citation_chains(visible, k=coupling_k) if chains else []
    maps = signal_maps(derived, chain_rows)
    known = [(e.source, e.target) for e in visible]
    hidden_pairs = [(e.source, e.target) for e in hidden]
    configs: dict[str, Mapping[str, float]] = {} if only_fused else {"text only": {"similar": 1.0}}
    for name in SIGNALS if not only_fused else ():
        # Visible citations are known pairs: alone, "cites" finds only through chains.
        configs[f"{name} alone"] = {name: 1.0}
    configs["fused"] = dict(weights)
    results = {}
    papers = sorted({p for a, b in hidden_pairs for p in (a, b)})
    partners: dict[str, set[str]] = defaultdict(set)
    for a, b in known:
        partners[a].add(b)
        partners[b].add(a)
    for label, w in configs.items():
        ranked = {p: [f.paper_id for f in fuse_related(maps.get(p, {}), weights=w, limit=k,
                                                       exclude=partners[p] | {p}, method=method)] for p in papers}
        results[label] = {"weights": dict(w), **score_ranking(ranked, hidden_pairs, known, k=k, n_papers=n_papers)}
    return {"holdout": share, "seed": seed, "k": k, "citations": len(cites), "hidden": len(hidden),
            "edges": {"SIMILAR_TO": len(text.similar), "SHARES_KEYWORDS": len(text.shares_keywords),
                      "COUPLED": len(coupled), "CO_CITED": len(co_cited)},
            "params": {"coupling_k": coupling_k, "min_count": min_count, "measure": measure, "method": method,
                       "chains": chains},
            "results": results}


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)
