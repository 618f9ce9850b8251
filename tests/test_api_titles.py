"""Papers without a title get a display title in every API answer (issue 21, item 3).

citeseer records have abstracts only; the pages and exports named them by their
abstract while /search, /rankings, /neighbors, /path said ``"title": ""``. One rule
(:func:`graph.models.display_title`) now serves them all. Both stores.
"""

from __future__ import annotations

import pytest

from graph.models import (
    AnalysisResult,
    Community,
    DerivedGraph,
    Keyword,
    KeywordScore,
    Paper,
    PaperScores,
    SimilarEdge,
    display_title,
)
from tests.api_support import client_for

U1, U2, U3 = "u1", "u2", "u3"
PAPERS = (
    Paper(id=U1, abstract="Argumentation among software agents. We study how agents argue about plans."),
    Paper(id=U2, abstract="Agents that negotiate plans by argument! Dialogue games decide who concedes."),
    Paper(id=U3, title="Negotiation protocols for agents", abstract="Agents negotiate plans with protocols."),
)
SHOWN = {U1: "Argumentation among software agents.", U2: "Agents that negotiate plans by argument!",
         U3: "Negotiation protocols for agents"}


@pytest.fixture
def client(store):
    store.upsert_papers(PAPERS)
    store.replace_derived(DerivedGraph(
        keywords=(Keyword("agent", 3), Keyword("plan", 3)),
        has_keyword=tuple(KeywordScore(p.id, k, 0.5) for p in PAPERS for k in ("agent", "plan")),
        similar=(SimilarEdge(U1, U2, 0.5, ("agent", "plan")), SimilarEdge(U2, U3, 0.4, ("plan",))),
        shares_keywords=(), cites=(),
    ))
    store.write_analysis(AnalysisResult(
        (Community(0, 3, "agent, plan", ("agent", "plan"), 0.1, (U1, U2, U3)),),
        (PaperScores(U1, 0, 1.0, 0.3, 0.0, 0.0), PaperScores(U2, 0, 2.0, 0.4, 1.0, 0.0),
         PaperScores(U3, 0, 1.0, 0.3, 0.0, 0.0)),
        0.1, {"method": "hand-made"}))
    with client_for(store) as c:
        yield c


def _titles(rows, key="paper_id") -> dict[str, str]:
    return {r.get("id", r.get(key)): r["title"] for r in rows}


def test_display_title_rule():
    assert [display_title(p) for p in PAPERS] == [SHOWN[p.id] for p in PAPERS]
    assert display_title(Paper(id="x", abstract="e.g. lower case does not end it. Next.")) == (
        "e.g. lower case does not end it.")


def test_every_endpoint_names_untitled_papers_by_their_abstract(client):
    assert _titles(client.get("/papers").json()["items"]) == SHOWN
    assert client.get(f"/papers/{U1}").json()["title"] == SHOWN[U1]
    assert _titles(client.get("/rankings").json()["items"]) == SHOWN
    assert _titles(client.get(f"/papers/{U2}/neighbors").json()["items"]) == {U1: SHOWN[U1], U3: SHOWN[U3]}
    assert _titles(client.get("/search", params={"q": "argumentation agents"}).json()["items"])[U1] == SHOWN[U1]
    path = client.get("/path", params={"source": U1, "target": U3}).json()
    assert _titles(path["papers"]) == SHOWN
    recs = client.get(f"/papers/{U1}/recommendations").json()["items"]
    assert _titles(recs) == {U3: SHOWN[U3]}
    assert _titles(recs[0]["via"]) == {U2: SHOWN[U2]}
    assert _titles(client.get("/keywords/agent/papers").json()["items"]) == SHOWN
