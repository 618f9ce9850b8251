"""graph.analysis.evaluate: exact scores on hand-made partitions and edges."""

from __future__ import annotations

import math

import pytest

from graph.analysis import citation_recovery, community_scores
from graph.models import CitationEdge, SimilarEdge


def test_perfect_and_relabelled_partitions():
    labels = {"a": "ML", "b": "ML", "c": "DB", "d": "DB"}
    assert community_scores({"a": 7, "b": 7, "c": 0, "d": 0}, labels) == {"nmi": 1.0, "ari": 1.0, "n": 4}


def test_independent_partition_scores_zero_and_unlabelled_papers_ignored():
    labels = {"a": "ML", "b": "ML", "c": "DB", "d": "DB", "e": None, "f": ""}
    scores = community_scores({"a": 0, "b": 1, "c": 0, "d": 1, "e": 0, "f": 1, "g": 0}, labels)
    assert scores["n"] == 4
    assert scores["nmi"] == pytest.approx(0.0, abs=1e-12)
    assert scores["ari"] == pytest.approx(-0.5)


def test_partial_agreement_nmi():
    # Truth {a,b,c}{d}; prediction {a,b}{c,d}.
    labels = {"a": "x", "b": "x", "c": "x", "d": "y"}
    scores = community_scores({"a": 0, "b": 0, "c": 1, "d": 1}, labels)
    h_true = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    h_pred = math.log(2)
    mi = 0.5 * math.log(0.5 / (0.75 * 0.5)) + 0.25 * math.log(0.25 / (0.75 * 0.5)) + 0.25 * math.log(0.25 / (0.25 * 0.5))
    assert scores["nmi"] == pytest.approx(mi / ((h_true + h_pred) / 2), abs=1e-12)
    assert type(scores["nmi"]) is float and type(scores["ari"]) is float


def test_no_common_papers():
    assert community_scores({"a": 0}, {"b": "x"}) == {"nmi": 0.0, "ari": 0.0, "n": 0}


def test_citation_recovery_is_undirected():
    similar = [SimilarEdge("a", "b", 0.9), SimilarEdge("a", "c", 0.8), SimilarEdge("c", "d", 0.7), ("d", "c")]
    cites = [CitationEdge("b", "a"), CitationEdge("a", "b"), CitationEdge("d", "c"), ("x", "y"), ("x", "x")]
    assert citation_recovery(similar, cites) == {
        "precision": 2 / 3,
        "recall": 2 / 3,
        "pairs": 2,
        "similar_pairs": 3,
        "citation_pairs": 3,
    }
    assert citation_recovery([], [])["precision"] == 0.0
