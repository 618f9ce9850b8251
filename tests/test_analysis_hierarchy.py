"""graph.analysis.hierarchy and the two-level result of analyze: topics and subtopics."""

from __future__ import annotations

import numpy as np
import pytest

from graph.analysis import AnalyzeParams, analyze_graph
from graph.analysis.hierarchy import subtopic_keywords, subtopics
from graph.errors import InvalidParameter
from graph.models import DerivedGraph, Keyword, KeywordScore, SimilarEdge


def caves(n_caves: int, size: int, *, bridge: float = 0.05) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n_caves`` cliques of ``size`` nodes (weight 1), a ring of weak edges between them."""
    src, dst, w = [], [], []
    for c in range(n_caves):
        base = c * size
        for i in range(size):
            for j in range(i + 1, size):
                src.append(base + i)
                dst.append(base + j)
                w.append(1.0)
        src.append(base)
        dst.append(((c + 1) % n_caves) * size + 1)
        w.append(bridge)
    return np.array(src), np.array(dst), np.array(w)


def test_one_topic_of_four_caves_splits_into_the_caves():
    src, dst, w = caves(4, 10)
    found = subtopics(40, src, dst, w, np.zeros(40, dtype=np.int64), seed=0)
    assert found.parent == [0, 0, 0, 0]
    assert found.member.tolist() == [i // 10 for i in range(40)]
    assert [sorted(p) for p in found.parts(list(range(40)))] == [list(range(c * 10, c * 10 + 10)) for c in range(4)]


def test_small_topics_and_unsplittable_topics_get_no_subtopics():
    src, dst, w = caves(4, 10)
    topic = np.array([0] * 20 + [1] * 20)  # two topics of two caves each
    found = subtopics(40, src, dst, w, topic, seed=0, min_size=30)
    assert found.parent == [] and (found.member == -1).all()
    # A clique does not split: no subtopic equal to its topic.
    clique = caves(1, 40)
    assert subtopics(40, *clique, np.zeros(40, dtype=np.int64), seed=0).parent == []


def test_subtopics_nest_are_ordered_by_parent_then_size_and_deterministic():
    src, dst, w = caves(6, 10)
    # Topic 0: caves 0-3 (40 papers); topic 1: caves 4-5 (20 papers, too small).
    topic = np.array([0] * 40 + [1] * 20)
    a = subtopics(60, src, dst, w, topic, seed=3, min_size=30)
    b = subtopics(60, src, dst, w, topic, seed=3, min_size=30)
    assert a.member.tolist() == b.member.tolist() and a.parent == b.parent == [0, 0, 0, 0]
    assert (a.member[40:] == -1).all()
    assert all(np.unique(topic[a.member == s]).tolist() == [a.parent[s]] for s in range(len(a.parent)))


def test_bad_min_size_names_parameter():
    src, dst, w = caves(2, 3)
    with pytest.raises(InvalidParameter, match="'min_size' parameter of subtopics"):
        subtopics(6, src, dst, w, np.zeros(6, dtype=np.int64), min_size=1)


def test_subtopic_labels_put_the_parents_words_last():
    kw = [KeywordScore(p, k, 1.0) for p, k in [("a", "x"), ("b", "x"), ("a", "y"), ("b", "y"),
                                                ("c", "x"), ("d", "x")]]
    # The second subtopic has only its parent's word: it keeps it rather than nothing.
    # The first has a word of its own: the parent's, carried by every paper, does not set it apart.
    assert subtopic_keywords([{"a", "b"}, {"c", "d"}], [0, 0], [("x",)], kw, label_size=1) == [("y",), ("x",)]


def derived_caves() -> tuple[DerivedGraph, list[str]]:
    """Two topics (weakly tied) of 3 caves of 12 papers each; each cave has its own keyword."""
    ids = [f"p{i:03d}" for i in range(72)]
    src, dst, w = caves(6, 12, bridge=0.02)
    similar = []
    for s, d, x in zip(src.tolist(), dst.tolist(), w.tolist()):
        # Caves 0-2 and 3-5 are closer to each other (0.3) than across (0.02).
        same_topic = (s // 36) == (d // 36)
        score = x if x == 1.0 else (0.3 if same_topic else 0.01)
        a, b = sorted((ids[s], ids[d]))
        similar.append(SimilarEdge(a, b, score * 0.1))
    # Caves of one topic: 4 edges of 0.15 between each pair.
    for t in range(2):
        for c1 in range(3):
            for c2 in range(c1 + 1, 3):
                for k in range(2, 10):
                    a, b = sorted((ids[t * 36 + c1 * 12 + k], ids[t * 36 + c2 * 12 + k]))
                    similar.append(SimilarEdge(a, b, 0.15))
    has_keyword = [KeywordScore(ids[i], f"topic{i // 36}", 1.0) for i in range(72)]
    has_keyword += [KeywordScore(ids[i], f"cave{i // 12}", 1.0) for i in range(72)]
    keywords = tuple(Keyword(f"topic{t}", 36) for t in range(2)) + tuple(Keyword(f"cave{c}", 12) for c in range(6))
    return DerivedGraph(keywords, tuple(has_keyword), tuple(sorted(similar, key=lambda e: (e.source, e.target))),
                        (), ()), ids


def test_analyze_returns_topics_then_subtopics_with_contract_ids():
    derived, ids = derived_caves()
    result = analyze_graph(derived, ids, params=AnalyzeParams(edges=("similar",), resolution=0.3, seed=1))
    topics = [c for c in result.communities if c.level == 0]
    subs = [c for c in result.communities if c.level == 1]
    assert [c.id for c in topics] == list(range(len(topics))) and all(c.parent is None for c in topics)
    assert len(topics) == 2 and [c.size for c in topics] == [36, 36]
    assert [c.id for c in subs] == list(range(2, 2 + len(subs)))
    assert [(c.parent, c.size) for c in subs] == [(0, 12)] * 3 + [(1, 12)] * 3
    # Each subtopic is named after its cave, not after its topic.
    assert sorted(c.label for c in subs) == [f"cave{i}, topic{i // 3}" for i in range(6)]
    by_id = {c.id: c for c in result.communities}
    for s in result.scores:
        assert by_id[s.subcommunity].parent == s.community
    assert result.params["counts"]["subtopics"] == 6
    assert result.params["subtopic_modularity"] > result.modularity / 2


def test_analyze_without_subtopics():
    derived, ids = derived_caves()
    result = analyze_graph(derived, ids, params=AnalyzeParams(edges=("similar",), resolution=0.3, subtopics=False,
                                                        layout=False))
    assert all(c.level == 0 for c in result.communities)
    assert all(s.subcommunity is None for s in result.scores)
    with pytest.raises(InvalidParameter, match="'subtopics' parameter of analyze"):
        AnalyzeParams(subtopics="yes")
