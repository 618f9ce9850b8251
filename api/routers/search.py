"""GET /search: full text plus TF-IDF similarity of the query to the papers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Offset, ServiceDep, errors, limit_query
from api.schemas import SearchResults

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResults, responses=errors())
def search(
    service: ServiceDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Plain words.")],
    limit: Annotated[int, limit_query(100)] = 20,
    offset: Offset = 0,
) -> SearchResults:
    """Full-text hits (Neo4j full-text index / SQLite FTS5) blended half and half
    with the cosine similarity of the query to each paper's TF-IDF vector."""
    return service.search(q, limit=limit, offset=offset)
