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
    # Score n * log(lift): 3 papers of 3, lift 7/3 first; "method" (3 here, 6 of 7
    # overall, lift 7/6) last; "string" (3 papers, counting "string theory") gives
    # way to the phrase, which covers 2 of its 3; one-paper "entropy" never labels.
    assert labels[0] == ("black hole", "string theory", "horizon", "method")
    assert labels[1] == ("graph", "attention", "neural network", "method")
    assert labels[2] == ()  # a single paper is not a topic


def test_generic_words_in_a_mixed_community_do_not_win():
    # Issue 21 item 7: the seeds gave "sample, score, student, var" and "network,
    # kernel, score, student". Class-based TF-IDF over exact keywords ranked
    # "network" (3 papers here) first and every one-paper distillation variant last.
    kws = rows({
        "a1": ["network", "knowledge distillation"], "a2": ["network", "dataset distillation"],
        "a3": ["network", "distillation", "teacher"], "a4": ["score", "diffusion model"],
        "a5": ["score", "teacher"],
        "b1": ["network", "graph"], "b2": ["network", "graph"], "b3": ["score", "graph"], "b4": ["graph"],
    })
    labels = community_keywords([{"a1", "a2", "a3", "a4", "a5"}, {"b1", "b2", "b3", "b4"}], kws)
    assert labels == [("distillation", "teacher"), ("graph",)]


def test_a_term_no_more_common_inside_than_outside_is_not_distinctive():
    kws = rows({"a": ["x", "y"], "b": ["x", "y"], "c": ["x", "z"], "d": ["x", "z"]})
    assert community_keywords([{"a", "b"}, {"c", "d"}], kws) == [("y",), ("z",)]


def test_a_phrase_replaces_the_word_it_covers():
    kws = rows({"a": ["black hole"], "b": ["black hole", "entropy"], "c": ["hole", "entropy"],
                "d": ["graph"], "e": ["graph"]})
    # "hole" is carried by a, b (inside the phrase) and c and ranks first; the phrase covers 2 of 3.
    assert community_keywords([{"a", "b", "c"}, {"d", "e"}], kws) == [("black hole", "entropy"), ("graph",)]


def test_c_tfidf_weight_breaks_equal_counts():
    parts = [{"a", "b"}, {"c", "d"}, {"e", "f"}]
    kws = rows({"a": ["x", "y"], "b": ["x", "y"], "c": ["y", "z"], "d": ["y", "z"], "e": ["w"], "f": ["w"],
                "g": ["w", "y"]})
    # In community 0 both x and y are in 2 papers; y also appears elsewhere, so x ranks first.
    parts[2].add("g")
    assert community_keywords(parts, kws) == [("x", "y"), ("z", "y"), ("w",)]


def test_papers_without_keywords_and_unknown_papers():
    kws = rows({"a": ["x"], "b": ["x"], "zz": ["x", "y"]})
    assert community_keywords([{"a", "b", "e"}, {"c", "d"}], kws) == [("x",), ()]
    assert community_keywords([{"a", "b"}], []) == [()]


def test_duplicate_rows_count_once():
    kws = rows({"a": ["x", "x", "y"], "b": ["y"]})
    # x twice in one paper is still one paper: not shared, no label term.
    assert community_keywords([{"a", "b"}], kws) == [("y",)]


def test_top_papers_by_score_then_id():
    scores = {"p1": 0.1, "p2": 0.3, "p3": 0.3, "q1": 0.2}
    assert top_papers([{"p1", "p2", "p3"}, {"q1"}], scores, size=2) == [("p2", "p3"), ("q1",)]
    assert top_papers([{"p1"}], scores, size=0) == [()]
