"""GET /rankings."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import Offset, ServiceDep, errors, limit_query
from api.schemas import RankingList

router = APIRouter(tags=["rankings"])


@router.get("/rankings", response_model=RankingList, responses=errors())
def rankings(
    service: ServiceDep,
    metric: Annotated[Literal["pagerank", "degree", "betweenness", "bridge"], Query()] = "pagerank",
    limit: Annotated[int, limit_query()] = 20,
    offset: Offset = 0,
) -> RankingList:
    """Papers by a centrality score, highest first (ties by id); ``total`` counts the scored papers."""
    return service.rankings(metric, limit=limit, offset=offset)
