"""POST /cypher: read-only Cypher for power users (Neo4j store only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import ServiceDep, errors
from api.schemas import CypherRequest, CypherResponse
from api.security import require_api_key

router = APIRouter(tags=["cypher"], dependencies=[Depends(require_api_key)])


@router.post("/cypher", response_model=CypherResponse, responses=errors(400, 401, 403, 408, 413, 501))
def cypher(body: CypherRequest, service: ServiceDep) -> dict:
    """Run one query in a read transaction, with the configured timeout
    (CITEGRAPH_CYPHER_TIMEOUT) and row cap (CITEGRAPH_CYPHER_MAX_ROWS).
    Parameters are passed as Cypher parameters, never spliced into the text."""
    return service.cypher(body.query, body.parameters)
