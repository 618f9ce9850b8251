"""graph.analysis.labels: class-based TF-IDF labels and top papers."""

from __future__ import annotations

from graph.analysis import community_keywords, top_papers
from graph.models import KeywordScore


def rows(spec: dict[str, list[str]]) -> list[KeywordScore]:
    return [KeywordScore(pid, kw, 1.0) for pid, kws in spec.items() for kw in kws]


PARTS = [{"p1", "p2", "p3"}, {"q1", "q2", "q3"}, {"lonely"}]
KEYWORDS = rows(
    {
        # "method" is everywhere (boilerplate); "black hole" and "string theory" are the topic.
        "p1": ["black hole", "entropy", "method", "string theory"],
        "p2": ["black hole", "string theory", "method", "horizon"],
        "p3": ["black hole", "horizon", "method", "string"],
        "q1": ["graph", "neural network", "method"],
        "q2": ["graph", "neural network", "method", "attention"],
        "q3": ["graph", "method", "attention"],
        "lonely": ["quasar"],
    }
)


def test_distinctive_keywords_first_boilerplate_last():
    labels = community_keywords(PARTS, KEYWORDS, size=4)
    # counts 3 > 2 = 2; "method" (in 3 papers here but 6 overall) has a low weight;
    # "string" repeats part of "string theory"; one-paper "entropy" comes after all shared.
    assert labels[0] == ("black hole", "horizon", "string theory", "method")
    assert labels[1] == ("graph", "attention", "neural network", "method")
    assert labels[2] == ()  # a single paper is not a topic


def test_c_tfidf_weight_breaks_equal_counts():
    parts = [{"a", "b"}, {"c", "d"}, {"e", "f"}]
    kws = rows({"a": ["x", "y"], "b": ["x", "y"], "c": ["y", "z"], "d": ["y", "z"], "e": ["w"], "f": ["w"]})
    # In community 0 both x and y are in 2 papers; y also appears elsewhere, so x ranks first.
    assert community_keywords(parts, kws) == [("x", "y"), ("z", "y"), ("w",)]


def test_papers_without_keywords_and_unknown_papers():
    kws = rows({"a": ["x"], "zz": ["x", "y"]})
    assert community_keywords([{"a", "b"}, {"c", "d"}], kws) == [("x",), ()]
    assert community_keywords([{"a", "b"}], []) == [()]


def test_duplicate_rows_count_once():
    kws = rows({"a": ["x", "x", "y"], "b": ["y"]})
    assert community_keywords([{"a", "b"}], kws) == [("y", "x")]


def test_top_papers_by_score_then_id():
    scores = {"p1": 0.1, "p2": 0.3, "p3": 0.3, "q1": 0.2}
    assert top_papers([{"p1", "p2", "p3"}, {"q1"}], scores, size=2) == [("p2", "p3"), ("q1",)]
    assert top_papers([{"p1"}], scores, size=0) == [()]
