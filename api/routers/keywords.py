"""GET /keywords and /keywords/{name}/papers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Offset, ServiceDep, errors, limit_query
from api.schemas import KeywordList, KeywordPapers

router = APIRouter(tags=["keywords"])


@router.get("/keywords", response_model=KeywordList, responses=errors())
def keywords(
    service: ServiceDep,
    prefix: Annotated[str, Query(max_length=200, description="Keywords starting with this.")] = "",
    limit: Annotated[int, limit_query()] = 50,
    offset: Offset = 0,
) -> KeywordList:
    """Keywords by document frequency (ties by name); ``total`` counts those matching."""
    return service.keywords(prefix=prefix, limit=limit, offset=offset)


@router.get("/keywords/{name}/papers", response_model=KeywordPapers, responses=errors(404))
def keyword_papers(
    name: Annotated[str, Path(min_length=1, max_length=300)],
    service: ServiceDep,
    limit: Annotated[int, limit_query()] = 50,
    offset: Offset = 0,
) -> KeywordPapers:
    """Papers having the keyword, by keyword score."""
    return service.keyword_papers(name, limit=limit, offset=offset)
