"""A tiny hand-made graph for the viz and export tests (no tests here).

Seven papers in two communities and a singleton, every edge kind, stored
positions, and the hostile texts a page must show as text: an HTML/JS title,
a ``javascript:`` URL, a paper with no title, unicode and ampersands.

    community 0 (graph · neural): a, b, hep-th/9901001
    community 1 (topic · models): doi:10.1000/x, e, f
    community 2 (lonely):         g (no edges)

    similar:  a-b 0.8, a-hep 0.3, doi-e 0.5, e-f 0.4
    keywords: a-b (jaccard 1.0), doi-f (0.5)
    cites:    b->a, a->hep, e->doi, f->a   (f->a is the only link between 0 and 1)
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from graph.models import (
    AnalysisResult,
    CitationEdge,
    Community,
    DerivedGraph,
    Keyword,
    KeywordScore,
    Paper,
    PaperScores,
    SharedKeywordsEdge,
    SimilarEdge,
)

XSS = "<img src=x onerror=alert(1)><script>alert(2)</script>"
A, B, H, D, E, F, G = "a", "b", "hep-th/9901001", "doi:10.1000/x", "e", "f", "g"
IDS = (A, B, H, D, E, F, G)

PAPERS = (
    Paper(id=A, title="Graph neural networks for citation graphs", abstract="We learn on graphs.", year=2020,
          authors=("Ada Lovelace", "Alan Turing")),
    Paper(id=B, title=XSS, abstract="An abstract with <b>tags</b> & ampersands.", year=2021,
          url="javascript:alert(3)"),
    Paper(id=H, title="Strings & branes <i>in</i> ten dimensions", year=1999, arxiv_id="hep-th/9901001"),
    Paper(id=D, title="Topic models for the rest of us", year=2010, doi="10.1000/x", url="https://example.org/x"),
    Paper(id=E, title="", abstract="Only an abstract here: we study topic models without any title at all."),
    Paper(id=F, title="Ünïcode — “quotes” & ampersands", year=2015, venue="J. Tests"),
    Paper(id=G, title="Lonely paper", year=2001),
)

KEYWORDS = {A: ("graph", "neural"), B: ("graph", "neural"), D: ("topic", "models"), F: ("topic", "quotes")}

DERIVED = DerivedGraph(
    keywords=(Keyword("graph", 2), Keyword("models", 1), Keyword("neural", 2), Keyword("quotes", 1),
              Keyword("topic", 2)),
    has_keyword=tuple(KeywordScore(pid, kw, round(1.0 - 0.1 * i, 2))
                      for pid, kws in sorted(KEYWORDS.items()) for i, kw in enumerate(kws)),
    similar=(SimilarEdge(A, B, 0.8, ("graph", "neural")), SimilarEdge(A, H, 0.3, ("graph",)),
             SimilarEdge(D, E, 0.5, ("topic",)), SimilarEdge(E, F, 0.4, ("models",))),
    shares_keywords=(SharedKeywordsEdge(A, B, 2, 1.0, ("graph", "neural")),
                     SharedKeywordsEdge(D, F, 1, 0.5, ("topic",))),
    cites=(CitationEdge(B, A), CitationEdge(A, H), CitationEdge(E, D), CitationEdge(F, A)),
)

COMMUNITIES = (
    Community(0, 3, "graph · neural", ("graph", "neural"), 0.41, (A, B, H)),
    Community(1, 3, "topic · models", ("topic", "models"), 0.41, (D, E, F)),
    Community(2, 1, "lonely", (), 0.41, (G,)),
)

#: paper -> (community, pagerank, x, y)
SCORES = {
    A: (0, 0.30, 0.0, 0.0), B: (0, 0.20, 1.0, 0.5), H: (0, 0.15, 0.5, 1.0),
    D: (1, 0.12, 2.0, 2.0), E: (1, 0.10, 2.5, 1.5), F: (1, 0.08, 3.0, 2.0),
    G: (2, 0.05, -1.0, 2.0),
}


def analysis(*, positions: bool = True) -> AnalysisResult:
    scores = tuple(
        PaperScores(pid, c, 1.0, pr, 0.0, 0.1, x if positions else None, y if positions else None)
        for pid, (c, pr, x, y) in sorted(SCORES.items())
    )
    return AnalysisResult(COMMUNITIES, scores, 0.41)


def load_tiny_graph(store, *, positions: bool = True) -> None:
    """Write the tiny graph (papers, derived edges, analysis) into an open store."""
    store.clear()
    store.upsert_papers(PAPERS)
    store.replace_derived(DERIVED)
    store.write_analysis(analysis(positions=positions))


def title_of(pid: str) -> str:
    return next(p.title for p in PAPERS if p.id == pid)


def viz_app(store, **settings):
    """The API over ``store``; the app factory includes the viz and export routers."""
    from api.app import create_app
    from graph.config import Settings

    return create_app(Settings(**settings), store=store)


@contextlib.contextmanager
def viz_client(store) -> Iterator:
    from fastapi.testclient import TestClient

    with TestClient(viz_app(store), raise_server_exceptions=False) as client:
        yield client
