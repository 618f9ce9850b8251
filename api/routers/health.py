"""GET /health and GET /stats."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServiceDep, errors
from api.schemas import Health, Stats

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses=errors())
def health(service: ServiceDep) -> Health:
    """The store answers; counts of nodes and edges. 503 when the store is down."""
    return service.health()


@router.get("/stats", response_model=Stats, responses=errors())
def stats(service: ServiceDep) -> Stats:
    """Counts per node and relationship type, and the last build and analyze runs."""
    return service.stats()
