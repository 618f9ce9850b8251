"""GET /communities and /communities/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import Offset, ServiceDep, errors, limit_query
from api.schemas import CommunityDetail, CommunityList

router = APIRouter(tags=["communities"])


@router.get("/communities", response_model=CommunityList, responses=errors())
def communities(
    service: ServiceDep,
    limit: Annotated[int, limit_query()] = 100,
    offset: Offset = 0,
) -> dict:
    """Communities by size, each with its label, keywords and top papers."""
    return service.communities(limit=limit, offset=offset)


@router.get("/communities/{community_id}", response_model=CommunityDetail, responses=errors(404))
def community(
    community_id: Annotated[int, Path(ge=0, le=2_147_483_647)],
    service: ServiceDep,
    limit: Annotated[int, limit_query()] = 50,
    offset: Offset = 0,
) -> dict:
    """One community and a page of its members by PageRank."""
    return service.community(community_id, limit=limit, offset=offset)
