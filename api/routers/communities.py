"""GET /communities and /communities/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Offset, ServiceDep, errors, limit_query
from api.schemas import CommunityDetail, CommunityList

router = APIRouter(tags=["communities"])


@router.get("/communities", response_model=CommunityList, responses=errors())
def communities(
    service: ServiceDep,
    limit: Annotated[int, limit_query()] = 100,
    offset: Offset = 0,
    level: Annotated[int | None, Query(ge=0, le=1, description="0 topics, 1 subtopics; absent: both")] = None,
) -> CommunityList:
    """Communities (topics by size, then subtopics by topic and size), each with its
    level, parent topic, label, keywords and top papers."""
    return service.communities(limit=limit, offset=offset, level=level)


@router.get("/communities/{community_id}", response_model=CommunityDetail, responses=errors(404))
def community(
    community_id: Annotated[int, Path(ge=0, le=2_147_483_647)],
    service: ServiceDep,
    limit: Annotated[int, limit_query()] = 50,
    offset: Offset = 0,
) -> CommunityDetail:
    """One community (topic or subtopic), its subtopics, and a page of its members by PageRank."""
    return service.community(community_id, limit=limit, offset=offset)
