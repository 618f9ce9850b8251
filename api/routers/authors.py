"""GET /authors, /authors/{id}, /venues (issue 24) and the author page /viz/authors/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from api import people
from api.deps import Offset, ServiceDep, errors, html_page, limit_query
from api.schemas import ListEnvelope

router = APIRouter(tags=["authors"])


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuthorSummary(_Out):
    id: str = Field(description="orcid:<ORCID> when known, else name:<normalised name>.")
    name: str
    orcid: str | None = None
    papers: int = Field(description="Papers of this author in the graph.")


class AuthorPage(ListEnvelope):
    items: list[AuthorSummary]


class AuthorPaper(_Out):
    id: str
    title: str
    year: int | None = None
    position: int = Field(description="1 = first author.")
    community: int | None = None


class Coauthor(AuthorSummary):
    shared: int = Field(description="Papers written together.")


class Topic(_Out):
    id: int
    label: str
    papers: int = Field(description="Papers of this author in the topic.")


class AuthorDetail(_Out):
    id: str
    name: str
    orcid: str | None = None
    paper_count: int
    papers: list[AuthorPaper]
    coauthors: list[Coauthor]
    topics: list[Topic]


class VenueSummary(_Out):
    id: str = Field(description="issn:<ISSN> when known, else name:<normalised name>.")
    name: str
    issn: str | None = None
    papers: int


class VenuePage(ListEnvelope):
    items: list[VenueSummary]


_Q = Annotated[str, Query(max_length=200, description="Names containing this (case, accents and punctuation ignored).")]


@router.get("/authors", response_model=AuthorPage, responses=errors())
def authors(service: ServiceDep, q: _Q = "", limit: Annotated[int, limit_query()] = 50, offset: Offset = 0) -> dict:
    """Authors by number of papers (then name)."""
    return people.list_authors(service.store, q=q, limit=limit, offset=offset)


@router.get("/authors/{author_id:path}", response_model=AuthorDetail, responses=errors(404))
def author(author_id: Annotated[str, Path(min_length=1, max_length=500)], service: ServiceDep) -> dict:
    """One author: papers (newest first), co-authors (most shared papers first), topics."""
    return people.author_detail(service.store, author_id)


@router.get("/viz/authors/{author_id:path}", response_class=HTMLResponse, responses=html_page(404))
def author_page(author_id: Annotated[str, Path(min_length=1, max_length=500)], service: ServiceDep) -> HTMLResponse:
    """The author's page: topics, papers and co-authors, each a link to its own page."""
    from viz.author import author_html

    return HTMLResponse(author_html(people.author_detail(service.store, author_id)))


@router.get("/venues", response_model=VenuePage, responses=errors())
def venues(service: ServiceDep, q: _Q = "", limit: Annotated[int, limit_query()] = 50, offset: Offset = 0) -> dict:
    """Venues by number of papers (then name)."""
    return people.list_venues(service.store, q=q, limit=limit, offset=offset)
