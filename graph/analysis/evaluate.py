"""Quality measures: communities against known labels, similarity against citations."""

from __future__ import annotations

from typing import Any, Hashable, Iterable, Mapping

__all__ = ["community_scores", "citation_recovery"]


def community_scores(partition: Mapping[Hashable, int], labels: Mapping[Hashable, str | None]) -> dict[str, float]:
    """NMI and ARI of a partition against ground-truth labels.

    Only papers present in both mappings with a non-empty label count.

    >>> community_scores({"a": 0, "b": 0, "c": 1}, {"a": "x", "b": "x", "c": "y"})
    {'nmi': 1.0, 'ari': 1.0, 'n': 3}
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    common = sorted(p for p in partition if labels.get(p) not in (None, ""))
    if not common:
        return {"nmi": 0.0, "ari": 0.0, "n": 0}
    pred = [partition[p] for p in common]
    true = [labels[p] for p in common]
    return {
        "nmi": float(normalized_mutual_info_score(true, pred)),
        "ari": float(adjusted_rand_score(true, pred)),
        "n": len(common),
    }


def citation_recovery(similar_edges: Iterable[Any], cites_edges: Iterable[Any]) -> dict[str, float]:
    """How many similarity pairs are citation pairs, both taken undirected.

    Edges are ``(source, target)`` tuples or objects with ``source`` and
    ``target`` (``SimilarEdge``, ``CitationEdge``); self-pairs are ignored.

    Returns
    -------
    dict
        ``precision`` (share of similar pairs that are cited pairs), ``recall``
        (share of cited pairs found), ``pairs`` (matched pairs), and the counts
        ``similar_pairs`` and ``citation_pairs``.

    >>> citation_recovery([("a", "b"), ("b", "c")], [("b", "a"), ("c", "d")])
    {'precision': 0.5, 'recall': 0.5, 'pairs': 1, 'similar_pairs': 2, 'citation_pairs': 2}
    """
    sim = _pairs(similar_edges)
    cit = _pairs(cites_edges)
    hits = len(sim & cit)
    return {
        "precision": hits / len(sim) if sim else 0.0,
        "recall": hits / len(cit) if cit else 0.0,
        "pairs": hits,
        "similar_pairs": len(sim),
        "citation_pairs": len(cit),
    }


def _pairs(edges: Iterable[Any]) -> set[tuple]:
    out = set()
    for e in edges:
        u, v = (e.source, e.target) if hasattr(e, "source") else tuple(e)
        if u != v:
            out.add((u, v) if u < v else (v, u))
    return out
