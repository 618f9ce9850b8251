"""GET /viz (the corpus map), /viz/overview, /viz/communities/{id}, /viz/papers/{id}: the HTML pages.

Thin: the pages come from :mod:`viz.pages`. A :class:`viz.pages.PageCache` on
``app.state.viz_cache`` keeps the graph snapshot and the rendered pages until
the store changes (its counts or its last build/analyze run), so a big graph is
read once, not per request. A community or paper page on a cold cache (the
first page after a start or a build) reads only what it draws from the store:
the community's top papers and the edges among them, the paper's neighbourhood.
"""

from __future__ import annotations

from typing import Annotated, Hashable

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from api.deps import PaperId, ServiceDep, html_page
from api.page_cache import snapshot, store_version, viz_cache
from api.service import GraphService

__all__ = ["router"]

router = APIRouter(tags=["viz"])

def _links(request: Request):
    from viz.pages import ApiLinks

    return ApiLinks(request.scope.get("root_path", "") + "/viz")


def _page(request: Request, service: GraphService, key: Hashable, make) -> HTMLResponse:
    version = store_version(request, service)
    html = viz_cache(request).page(version, (request.scope.get("root_path", ""), *key), make)
    return HTMLResponse(html)


@router.get("/viz", response_class=HTMLResponse, responses=html_page())
def corpus_map(request: Request, service: ServiceDep) -> HTMLResponse:
    """The map of the whole corpus: every paper at its layout position, coloured
    by topic or year, topic and subtopic labels on the canvas, search, and
    ``?paper=ID`` / ``?community=ID`` to open focused on one."""
    from viz.map import load_map, map_html

    root = request.scope.get("root_path", "")
    return _page(request, service, ("map",),
                 lambda: map_html(service.call(load_map, service.store), prefix=root + "/viz", api=root))


@router.get("/viz/overview", response_class=HTMLResponse, responses=html_page())
def overview(request: Request, service: ServiceDep) -> HTMLResponse:
    """The PyVis overview: every paper (coloured by community, sized by PageRank) up
    to 2,000 papers; above that a map of communities to drill into."""
    from viz.pages import overview_page

    return _page(request, service, ("overview",),
                 lambda: overview_page(snapshot(request, service), _links(request)))


@router.get("/viz/communities/{community_id}", response_class=HTMLResponse, responses=html_page(404))
def community(
    request: Request,
    service: ServiceDep,
    community_id: Annotated[int, Path(ge=0, le=2_147_483_647)],
) -> HTMLResponse:
    """One community's papers (topic or subtopic): the top 500 by PageRank, coloured
    by subtopic, with each paper's 3 strongest edges of each kind."""
    from viz.pages import community_page

    def make() -> str:
        version = store_version(request, service)
        source = viz_cache(request).loaded(version)
        if source is None:  # cold cache: read this community's page only
            return service.call(community_page, service.store, community_id, _links(request))
        return community_page(source, community_id, _links(request))

    return _page(request, service, ("community", community_id), make)


@router.get("/viz/papers/{paper_id:path}", response_class=HTMLResponse, responses=html_page(404))
def paper(request: Request, service: ServiceDep, paper_id: PaperId) -> HTMLResponse:
    """A paper and its 30 most related papers (one score: similar abstracts, shared
    keywords, citations either way, shared references and citers), with the ranked
    list beside the graph, and its prior and derivative works."""
    from viz.pages import paper_page

    def make() -> str:
        version = store_version(request, service)
        source = viz_cache(request).loaded(version)
        if source is None:  # cold cache: read this neighbourhood only
            return service.call(paper_page, service.store, paper_id, _links(request))
        return paper_page(source, paper_id, _links(request))

    return _page(request, service, ("paper", paper_id), make)
