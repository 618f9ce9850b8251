"""GET /papers/{id}/related, /papers/{id}/prior, /papers/{id}/derivative, /compare (issue 23).

``related`` fuses every signal (text similarity, shared keywords, bibliographic
coupling, co-citation, direct citations) into one ranking, each result with
every signal's score and evidence; ``weights`` overrides the measured defaults
(:data:`graph.related.FUSED_WEIGHTS`). ``/recommendations`` stays different: a
personalised PageRank walk that reaches papers two hops away.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Offset, PaperId, ServiceDep, errors, limit_query
from api.related import compare as compare_pair
from api.related import related as fused_related
from api.related import works
from api.schemas import ListEnvelope
from graph.related import parse_weights

router = APIRouter(tags=["related"])

_SIGNAL_WEIGHT = r"\s*(similar|keywords|coupled|cocited|cites)\s*:\s*[0-9]+(\.[0-9]+)?\s*"
WeightsParam = Annotated[str | None, Query(
    max_length=200, pattern=rf"^{_SIGNAL_WEIGHT}(,{_SIGNAL_WEIGHT})*$", description="Per-signal weights overriding the defaults, e.g. 'similar:1,coupled:0.5'; "
                                "signals: similar, keywords, coupled, cocited, cites.")]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RelatedItem(_Out):
    id: str
    paper_id: str
    title: str
    year: int | None = None
    score: float = Field(description="Weighted sum of the signals' scores.")
    signals: dict[str, float] = Field(description="Every signal's own score (0 when absent).")
    evidence: dict[str, dict[str, Any]] = Field(
        description="Per present signal: shared terms, keywords, shared references, citers, direction.")


class RelatedList(ListEnvelope):
    paper_id: str
    weights: dict[str, float]
    items: list[RelatedItem]


class WorkItem(_Out):
    id: str
    paper_id: str
    title: str
    year: int | None = None
    count: int = Field(description="Papers of the neighbourhood citing it (prior) or that it cites (derivative).")
    reference: bool = Field(False, description="A Reference node (a work cited by papers of the graph that is "
                                               "not itself loaded; 'id' is its key), not a paper.")


class WorkList(ListEnvelope):
    paper_id: str
    kind: str
    items: list[WorkItem]


class PaperBrief(_Out):
    id: str
    title: str
    year: int | None = None


class Comparison(_Out):
    a: PaperBrief
    b: PaperBrief
    score: float = Field(description="The fused score of the pair under 'weights'.")
    weights: dict[str, float]
    signals: dict[str, float]
    evidence: dict[str, dict[str, Any]]
    path: dict[str, Any] = Field(description="A shortest path between the two (as GET /path answers).")


@router.get("/papers/{paper_id:path}/related", response_model=RelatedList, responses=errors(404))
def related(paper_id: PaperId, service: ServiceDep, limit: Annotated[int, limit_query(100)] = 10,
            offset: Offset = 0, weights: WeightsParam = None) -> dict:
    """Related papers by every signal fused, best first, with each signal's score and evidence."""
    w = parse_weights(weights)
    total, items = service.call(fused_related, service.store, paper_id, weights=w, limit=limit, offset=offset)
    return {"paper_id": paper_id, "weights": w, "total": total, "limit": limit, "offset": offset, "items": items}


def _works(service, paper_id: str, kind: str, limit: int, weights: str | None) -> dict:
    items = service.call(works, service.store, paper_id, kind=kind, weights=parse_weights(weights), limit=limit)
    return {"paper_id": paper_id, "kind": kind, "total": len(items), "limit": limit, "offset": 0, "items": items}


@router.get("/papers/{paper_id:path}/prior", response_model=WorkList, responses=errors(404))
def prior(paper_id: PaperId, service: ServiceDep, limit: Annotated[int, limit_query(100)] = 10,
          weights: WeightsParam = None) -> dict:
    """Older works most cited by the paper and its related papers: the field's foundations."""
    return _works(service, paper_id, "prior", limit, weights)


@router.get("/papers/{paper_id:path}/derivative", response_model=WorkList, responses=errors(404))
def derivative(paper_id: PaperId, service: ServiceDep, limit: Annotated[int, limit_query(100)] = 10,
               weights: WeightsParam = None) -> dict:
    """Newer papers citing many of the paper and its related papers: where the field went."""
    return _works(service, paper_id, "derivative", limit, weights)


@router.get("/compare", response_model=Comparison, responses=errors(404))
def compare(service: ServiceDep, a: Annotated[str, Query(min_length=1, max_length=500)],
            b: Annotated[str, Query(min_length=1, max_length=500)], weights: WeightsParam = None) -> dict:
    """Every signal's score and evidence for one pair, neighbours or not, and a shortest path."""
    out = service.call(compare_pair, service.store, a, b, weights=parse_weights(weights))
    out["path"] = service.path(a, b, relation="all", max_hops=6)
    return out
