"""Community answers name their papers and say modularity once (issue 21, item 6).

Before: ``top_papers`` were bare ids, members had only ``paper_id`` (``id`` in
/papers), and every community reported the same ``modularity`` (its level's
partition's) as if it were its own. Now top papers and members carry ``id`` and a
display title, and the partition modularity is a top-level ``partition_modularity``
({topics, subtopics}); the per-community field stays, deprecated. Both stores.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from graph.models import AnalysisResult, Community, Paper
from tests.api_support import A, B, C, COMMUNITIES, D, E, F, PAPERS, SCORES, client_for, load_tiny_graph

#: E loses its title: its display title is the first sentence of its abstract.
UNTITLED_E = "Neural networks on graphs classify papers by their citations."
TITLES = {p.id: p.title for p in PAPERS} | {E: UNTITLED_E}

SUBTOPICS = (Community(2, 2, "black hole, horizon", ("black hole", "horizon"), 0.23, (A, B), level=1, parent=0),
             Community(3, 2, "holography", ("holography",), 0.23, (D, C), level=1, parent=0))


@pytest.fixture
def client(store):
    load_tiny_graph(store)
    store.upsert_papers([replace(next(p for p in PAPERS if p.id == E), title="")])
    with client_for(store) as c:
        yield c


def _with_subtopics(store) -> None:
    where = {A: 2, B: 2, C: 3, D: 3}
    scores = tuple(replace(s, subcommunity=where.get(s.paper_id)) for s in SCORES)
    store.write_analysis(AnalysisResult(COMMUNITIES + SUBTOPICS, scores, 0.41, {"method": "hand-made"}))


def test_top_papers_carry_id_and_display_title(client):
    items = client.get("/communities").json()["items"]
    assert items[0]["top_papers"] == [{"id": pid, "title": TITLES[pid]} for pid in (A, B, D, C)]
    assert items[1]["top_papers"] == [{"id": E, "title": UNTITLED_E}, {"id": F, "title": TITLES[F]}]
    detail = client.get("/communities/1").json()
    assert detail["community"]["top_papers"][0] == {"id": E, "title": UNTITLED_E}


def test_members_carry_id_like_papers_and_display_title(client):
    body = client.get("/communities/1").json()
    assert [(m["id"], m["paper_id"], m["title"]) for m in body["members"]] == [
        (E, E, UNTITLED_E), (F, F, TITLES[F])]
    # The same id key as /papers.
    assert [m["id"] for m in body["members"]] == [
        p["id"] for p in client.get("/papers", params={"community": 1, "sort": "pagerank"}).json()["items"]]


def test_partition_modularity_is_said_once_per_level(client, store):
    body = client.get("/communities").json()
    assert body["partition_modularity"] == {"topics": pytest.approx(0.41), "subtopics": None}
    _with_subtopics(store)
    for params, total in (({}, 4), ({"level": 0}, 2), ({"level": 1}, 2)):  # the run's, whatever the filter
        body = client.get("/communities", params=params).json()
        assert body["partition_modularity"] == {"topics": pytest.approx(0.41), "subtopics": pytest.approx(0.23)}
        assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (total, 100, 0, total)
    detail = client.get("/communities/3").json()
    assert detail["partition_modularity"] == {"topics": pytest.approx(0.41), "subtopics": pytest.approx(0.23)}
    topic = client.get("/communities/0").json()
    assert [[t["id"] for t in k["top_papers"]] for k in topic["children"]] == [[A, B], [D, C]]
    assert topic["children"][1]["top_papers"][0]["title"] == TITLES[D]


def test_schema_marks_the_old_fields_deprecated(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["CommunityOut"]["properties"]["modularity"]["deprecated"] is True
    assert "partition_modularity" in schemas["CommunityOut"]["properties"]["modularity"]["description"]
    assert schemas["Member"]["properties"]["paper_id"]["deprecated"] is True
    assert {"id", "title", "pagerank"} <= set(schemas["Member"]["properties"])
    assert "partition_modularity" in schemas["CommunityList"]["required"]
    assert schemas["TopPaper"]["required"] == ["id", "title"]
