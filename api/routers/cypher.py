"""POST /cypher: read-only Cypher for power users (Neo4j store only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import ServiceDep, errors
from api.schemas import CypherRequest, CypherResponse
from api.security import require_api_key

router = APIRouter(tags=["cypher"], dependencies=[Depends(require_api_key)])


@router.post("/cypher", response_model=CypherResponse, responses=errors(400, 401, 403, 408, 413, 501))
async def cypher(body: CypherRequest, service: ServiceDep) -> CypherResponse:
    """Run one query in a read transaction, with the configured timeout
    (CITEGRAPH_CYPHER_TIMEOUT, answered 408 by the timeout plus a second), row cap
    (CITEGRAPH_CYPHER_MAX_ROWS) and byte cap (CITEGRAPH_CYPHER_MAX_BYTES).
    Parameters are passed as Cypher parameters, never spliced into the text."""
    # async on purpose: the driver runs on the service's /cypher pool, never on the
    # event loop; awaiting it holds no thread of the pool the public routes use.
    return await service.cypher_within(body.query, body.parameters)
