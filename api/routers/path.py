"""GET /path."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import ServiceDep, errors
from api.schemas import PathResult

router = APIRouter(tags=["path"])


@router.get("/path", response_model=PathResult, responses=errors(404))
def path(
    service: ServiceDep,
    source: Annotated[str, Query(min_length=1, max_length=500)],
    target: Annotated[str, Query(min_length=1, max_length=500)],
    relation: Annotated[Literal["all", "similar", "keywords", "cites"], Query(
        description="Edges to follow; citations are followed both ways.")] = "all",
    max_hops: Annotated[int, Query(ge=1, le=10)] = 6,
) -> dict:
    """A shortest path (fewest edges) between two papers, with each edge's evidence.
    The search is capped; ``found`` is false with a reason when no path was found."""
    return service.path(source, target, relation=relation, max_hops=max_hops)
