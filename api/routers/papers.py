"""GET /papers, /papers/{id}, /papers/{id}/neighbors, /papers/{id}/recommendations.

Paper ids may contain '/' (arXiv ids such as ``hep-th/9901001``, DOIs), hence
the ``:path`` converter; the sub-resources are declared first so that they win.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import Offset, PaperId, ServiceDep, errors, limit_query
from api.schemas import NeighborList, PaperDetail, PaperPage, RecommendationList

router = APIRouter(tags=["papers"])

Sort = Literal["id", "title", "year", "pagerank", "degree", "betweenness", "bridge"]
RelationParam = Literal["similar", "keywords", "cites", "cited_by", "all"]


@router.get("/papers", response_model=PaperPage, responses=errors())
def list_papers(
    service: ServiceDep,
    q: Annotated[str | None, Query(max_length=200, description="Case-insensitive substring of the title.")] = None,
    community: Annotated[int | None, Query(ge=0, le=2_147_483_647, description="Only this community.")] = None,
    sort: Annotated[Sort, Query(description="Scores sort descending, ties by id.")] = "id",
    limit: Annotated[int, limit_query()] = 50,
    offset: Offset = 0,
) -> PaperPage:
    """One page of papers, with the total count of matches."""
    return service.list_papers(q=q or None, community=community, sort=sort, limit=limit, offset=offset)


@router.get("/papers/{paper_id:path}/neighbors", response_model=NeighborList, responses=errors(404))
def neighbors(
    paper_id: PaperId,
    service: ServiceDep,
    relation: Annotated[RelationParam, Query(description="Which edges; cites = the paper cites them.")] = "all",
    limit: Annotated[int, limit_query()] = 50,
    min_weight: Annotated[float, Query(ge=0.0, le=1_000_000.0, allow_inf_nan=False,
                                       description="Drop edges lighter than this.")] = 0.0,
    offset: Offset = 0,
) -> NeighborList:
    """Direct neighbours, heaviest first, each with the relation, weight and evidence
    (shared terms, shared keywords, or citation direction); ``total`` counts them all."""
    return service.neighbors(paper_id, relation=relation, limit=limit, min_weight=min_weight, offset=offset)


@router.get("/papers/{paper_id:path}/recommendations", response_model=RecommendationList, responses=errors(404))
def recommendations(
    paper_id: PaperId,
    service: ServiceDep,
    limit: Annotated[int, limit_query(100)] = 10,
    offset: Offset = 0,
) -> RecommendationList:
    """Papers beyond the direct neighbours: personalised PageRank over the 2-hop
    neighbourhood; each says through which neighbours it was reached."""
    return service.recommendations(paper_id, limit=limit, offset=offset)


@router.get("/papers/{paper_id:path}", response_model=PaperDetail, responses=errors(404))
def get_paper(paper_id: PaperId, service: ServiceDep) -> PaperDetail:
    """The full record, its keywords and scores."""
    return service.get_paper(paper_id)
