"""Write endpoints: POST /papers (incremental), POST /build, POST /analyze."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from api.deps import ServiceDep, errors
from api.schemas import AddPapersRequest, AddPapersResponse, AnalyzeRequest, BuildRequest, RunReport
from api.security import require_api_key

router = APIRouter(tags=["write"], dependencies=[Depends(require_api_key)])

_WRITE_ERRORS = errors(400, 401, 403, 409, 413)


@router.post("/papers", response_model=AddPapersResponse, status_code=201, responses=_WRITE_ERRORS)
def add_papers(body: AddPapersRequest, service: ServiceDep) -> AddPapersResponse:
    """Add (or merge) papers, then compute their keywords, SIMILAR_TO,
    SHARES_KEYWORDS and CITES edges against the stored corpus, without a full
    rebuild. Communities and scores change only with the next POST /analyze."""
    return service.add_papers([p.model_dump() for p in body.papers])


@router.post("/build", response_model=RunReport, responses=errors(400, 401, 403, 409, 413, 501))
def build(service: ServiceDep, body: Annotated[BuildRequest | None, Body()] = None) -> RunReport:
    """Recompute every keyword and derived edge from the stored papers.
    501 when ``similarity: embedding`` is asked without the optional extra."""
    params = body or BuildRequest()
    return service.build(params.model_dump())


@router.post("/analyze", response_model=RunReport, responses=_WRITE_ERRORS)
def analyze(service: ServiceDep, body: Annotated[AnalyzeRequest | None, Body()] = None) -> RunReport:
    """Communities, centrality, labels and bridges, written back to the store."""
    params = body or AnalyzeRequest()
    return service.analyze(params.model_dump())
