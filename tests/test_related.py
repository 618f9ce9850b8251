"""graph.related: exact answers on tiny hand-built graphs."""

import pytest

from graph.errors import CitegraphError
from graph.related import Related, Work, backbone, derivative_works, prior_works, related_papers, subgroups

ADJ = {
    "p": [("s1", "similar", 0.8), ("s2", "similar", 0.3), ("k1", "keywords", 0.5), ("r", "cites", 1.0),
          ("c", "cited_by", 1.0), ("s1", "keywords", 0.2)],
    # r (cited by p) is also cited by x and y: they share a reference with p.
    "r": [("p", "cited_by", 1.0), ("x", "cited_by", 1.0), ("y", "cited_by", 1.0)],
    # c cites p and x: x is cited together with p.
    "c": [("p", "cites", 1.0), ("x", "cites", 1.0)],
}


def links(pid):
    return ADJ.get(pid, [])


def test_related_papers_scores_and_reasons():
    got = related_papers("p", links)
    assert got == [
        Related("s1", 0.9, "similar", ("similar", "keywords")),
        Related("c", 0.6, "cited_by", ("cited_by",)),
        Related("r", 0.6, "cites", ("cites",)),
        Related("s2", 0.3, "similar", ("similar",)),
        Related("x", 0.3, "co_cited", ("co_cited", "co_cites")),
        Related("k1", 0.25, "keywords", ("keywords",)),
        Related("y", 0.15, "co_cites", ("co_cites",)),
    ]


def test_shared_citers_count_by_log_not_linearly():
    adj = {"p": [("s", "similar", 0.5)] + [(f"c{i}", "cited_by", 1.0) for i in range(7)]}
    for i in range(7):
        adj[f"c{i}"] = [("p", "cites", 1.0), ("x", "cites", 1.0)]
    got = {r.paper_id: r for r in related_papers("p", lambda q: adj.get(q, []))}
    assert got["x"].score == pytest.approx(0.45) and got["x"].reason == "co_cited"


def test_shared_evidence_skips_hubs_when_degrees_are_given():
    # r has 3 links: with max_via_degree=2 it is a hub, and y (only linked through r) drops out.
    deg = {"r": 3, "c": 2}
    got = related_papers("p", links, degree=lambda q: deg.get(q, 0), max_via_degree=2)
    assert [r.paper_id for r in got] == ["s1", "c", "r", "s2", "k1", "x"]
    assert got[-1] == Related("x", 0.15, "co_cited", ("co_cited",))


def test_shared_evidence_reads_at_most_max_vias_papers_fewest_links_first():
    read = []

    def tracking(pid):
        read.append(pid)
        return links(pid)

    deg = {"r": 3, "c": 2}
    got = related_papers("p", tracking, degree=lambda q: deg.get(q, 0), max_vias=1)
    assert read == ["p", "c"]  # c (2 links) before r (3)
    assert "y" not in [r.paper_id for r in got] and "x" in [r.paper_id for r in got]


def test_related_papers_limit_and_no_self():
    adj = {"p": [("p", "similar", 1.0), ("a", "similar", 0.5), ("b", "similar", 0.4)]}
    got = related_papers("p", lambda q: adj.get(q, []), limit=1)
    assert [r.paper_id for r in got] == ["a"]


@pytest.mark.parametrize("limit", [0, -1, True, 2.5])
def test_related_papers_rejects_bad_limit(limit):
    with pytest.raises(CitegraphError, match="'limit' parameter of related_papers"):
        related_papers("p", links, limit=limit)


def test_related_papers_rejects_unknown_kind():
    with pytest.raises(CitegraphError, match="'kind' parameter"):
        related_papers("p", lambda q: [("a", "likes", 1.0)])


def test_prior_works_counts_older_papers_cited_by_the_neighbourhood():
    refs = {"a": ["x", "y", "new"], "b": ["x", "new", "x"], "c": ["y", "z"]}
    years = {"x": 1990, "y": 1985, "z": 1980, "new": 2005}
    got = prior_works(["a", "b", "c"], lambda p: refs.get(p, []), years, before=2000)
    assert got == [Work("y", 2, 1985), Work("x", 2, 1990)]
    assert prior_works(["a", "b", "c"], lambda p: refs.get(p, []), years, min_count=1, limit=2) == [
        Work("y", 2, 1985), Work("x", 2, 1990)]


def test_derivative_works_counts_newer_citers():
    citers = {"a": ["z", "old"], "b": ["z", "w", "old"], "c": ["w", "z"]}
    years = {"z": 2001, "w": 2003, "old": 1980}
    got = derivative_works(["a", "b", "c"], lambda p: citers.get(p, []), years, after=1995)
    assert got == [Work("z", 3, 2001), Work("w", 2, 2003)]


def test_backbone_keeps_every_kind_and_the_strongest_per_node():
    edges = [("a", "b", "cites", 1.0), ("a", "c", "cites", 1.0), ("a", "d", "cites", 1.0),
             ("a", "b", "similar", 0.9), ("a", "c", "similar", 0.2), ("b", "c", "similar", 0.1),
             ("c", "d", "keywords", 0.4)]
    # b-c similar (0.1) is neither b's best (a, 0.9) nor c's (a, 0.2); every
    # other edge is some end's best of its kind.
    assert backbone(edges, per_node=1, rank={"d": 0.5, "c": 0.1}) == [0, 1, 2, 3, 4, 6]


def test_backbone_breaks_citation_ties_by_rank_of_the_other_end():
    edges = [("a", "b", "cites", 1.0), ("a", "c", "cites", 1.0), ("a", "d", "cites", 1.0),
             ("b", "c", "cites", 1.0), ("b", "d", "cites", 1.0), ("c", "d", "cites", 1.0)]
    # a's best goes to d (rank 0.5); b's, c's and d's to a (rank 0.9).
    assert backbone(edges, per_node=1, rank={"a": 0.9, "d": 0.5, "c": 0.1}) == [0, 1, 2]


def test_backbone_weakest_edge_of_two_busy_ends_is_dropped():
    edges = [("a", "x", "similar", 0.9), ("a", "y", "similar", 0.8), ("a", "b", "similar", 0.1),
             ("b", "u", "similar", 0.9), ("b", "v", "similar", 0.8)]
    assert backbone(edges, per_node=2) == [0, 1, 3, 4]


def test_subgroups_split_two_cliques_with_keyword_labels():
    left = ["a1", "a2", "a3", "a4"]
    right = ["b1", "b2", "b3", "b4"]
    edges = [(x, y, 1.0) for g in (left, right) for i, x in enumerate(g) for y in g[i + 1:]]
    edges.append(("a1", "b1", 0.1))
    kw = {p: ["graphs", "common"] for p in left} | {p: ["agents", "common"] for p in right}
    group, labels = subgroups(left + right + ["lone"], edges, kw)
    assert {group[p] for p in left} != {group[p] for p in right}
    assert len({group[p] for p in left}) == 1 and len({group[p] for p in right}) == 1
    assert group["lone"] == 2
    assert [lab[1].split(", ")[0] for lab in labels[:2]] in (["graphs", "agents"], ["agents", "graphs"])
    assert labels[2] == (2, "other", 1)
    # deterministic
    assert subgroups(left + right + ["lone"], edges, kw) == (group, labels)
