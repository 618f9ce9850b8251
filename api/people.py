"""Authors and venues for the API: one function per endpoint, over the store (issue 24).

Kept apart from :mod:`api.service` so both grow without touching each other.
"""

from __future__ import annotations

from collections import Counter

from graph.errors import PaperNotFound
from graph.models import display_title
from graph.stores.base import GraphStore

__all__ = ["list_authors", "author_detail", "list_venues", "MAX_AUTHOR_PAPERS"]

#: Papers listed (and looked at for topics) on one author's page.
MAX_AUTHOR_PAPERS = 500


def list_authors(store: GraphStore, *, q: str, limit: int, offset: int) -> dict:
    total, page = store.list_authors(q=q, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset,
            "items": [{"id": a.id, "name": a.name, "orcid": a.orcid, "papers": a.papers} for a in page]}


def list_venues(store: GraphStore, *, q: str, limit: int, offset: int) -> dict:
    total, page = store.list_venues(q=q, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset,
            "items": [{"id": v.id, "name": v.name, "issn": v.issn, "papers": v.papers} for v in page]}


def author_detail(store: GraphStore, author_id: str, *, coauthors: int = 50) -> dict:
    """The author, their papers (newest first), co-authors (most shared first) and
    topics (the level-0 communities of their papers, most papers first)."""
    author, written = store.get_author(author_id)
    written = written[:MAX_AUTHOR_PAPERS]
    ids = [paper_id for paper_id, _ in written]
    stored, topic_of = store.get_papers(ids), store.paper_communities(ids)  # two reads, not one per paper
    papers, topic_counts = [], Counter()
    for paper_id, position in written:
        if paper_id not in stored:
            raise PaperNotFound(paper_id)
        paper, community = stored[paper_id], topic_of.get(paper_id)
        if community is not None:
            topic_counts[community] += 1
        papers.append({"id": paper_id, "title": display_title(paper), "year": paper.year,
                       "position": position, "community": community})
    labels = {c.id: c.label for c in store.communities(level=0)} if topic_counts else {}
    topics = [{"id": cid, "label": labels.get(cid, ""), "papers": n}
              for cid, n in sorted(topic_counts.items(), key=lambda item: (-item[1], item[0]))]
    return {"id": author.id, "name": author.name, "orcid": author.orcid, "paper_count": author.papers,
            "papers": papers,
            "coauthors": [{"id": c.id, "name": c.name, "orcid": c.orcid, "papers": c.papers, "shared": shared}
                          for c, shared in store.coauthors(author_id, limit=coauthors)],
            "topics": topics}
