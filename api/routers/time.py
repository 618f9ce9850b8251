"""GET /changes, /communities/{id}/history, /timeline, /emerging and the /viz/timeline page (issue 25).

Thin: the answers come from :mod:`api.timeline`; the timeline is computed once
per store version (``app.state.timeline_cache``).
"""

from __future__ import annotations

import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import Offset, ServiceDep, errors, html_page, limit_query
from api.schemas_time import ChangeList, Emerging, History, Timeline
from api.service import GraphService

__all__ = ["router"]

router = APIRouter(tags=["time"])
_LOCK = threading.Lock()


def _data(request: Request, service: GraphService):
    from api.page_cache import store_version
    from api.timeline import TimelineCache, load_timeline

    state = request.app.state
    with _LOCK:
        cache = getattr(state, "timeline_cache", None)
        if cache is None:
            cache = state.timeline_cache = TimelineCache()
    version = store_version(request, service)
    return cache.get(version, lambda: service.call(load_timeline, service.store))


@router.get("/changes", response_model=ChangeList, response_model_by_alias=True, responses=errors())
def changes(
    service: ServiceDep,
    since: Annotated[str | None, Query(max_length=64, description="A run's started_at: only the runs after it.")] = None,
    level: Annotated[int | None, Query(ge=0, le=1, description="0 topics, 1 subtopics; absent: both")] = None,
    kind: Annotated[list[Literal["born", "grew", "shrank", "same", "split", "merged", "died"]] | None,
                    Query(description="Only these kinds of change (repeatable).")] = None,
    limit: Annotated[int, limit_query()] = 100,
    offset: Offset = 0,
) -> dict:
    """What each analyze did to each community: born, grew/shrank (by how much),
    split (into which), merged (from which), died; newest run first."""
    from api.timeline import changes as read

    return read(service, since=since, level=level, kinds=set(kind) if kind else None, limit=limit, offset=offset)


@router.get("/communities/{community_id}/history", response_model=History, response_model_by_alias=True,
            responses=errors(404))
def history(
    community_id: Annotated[int, Path(ge=0, le=2_147_483_647)],
    service: ServiceDep,
    limit: Annotated[int, limit_query()] = 100,
    offset: Offset = 0,
) -> dict:
    """The changes of one community id across the analyze runs, oldest first."""
    from api.timeline import history as read

    return read(service, community_id, limit=limit, offset=offset)


@router.get("/timeline", response_model=Timeline, responses=errors())
def timeline(
    request: Request,
    service: ServiceDep,
    kind: Annotated[Literal["communities", "keywords"], Query(description="Communities or keywords.")] = "communities",
    level: Annotated[int, Query(ge=0, le=1, description="Communities: 0 topics, 1 subtopics.")] = 0,
    limit: Annotated[int, limit_query()] = 100,
    offset: Offset = 0,
) -> dict:
    """Topics (or subtopics, or keywords) by year: papers per year, growth, and
    Kleinberg bursts (s, gamma in ``params``); papers without a year apart."""
    from api.timeline import timeline as answer

    return answer(_data(request, service), kind=kind, level=level, limit=limit, offset=offset)


@router.get("/emerging", response_model=Emerging, responses=errors())
def emerging(
    request: Request,
    service: ServiceDep,
    year: Annotated[int, Query(ge=0, le=9999, description="The year to look at.")],
    limit: Annotated[int, limit_query()] = 20,
    offset: Offset = 0,
) -> dict:
    """Communities and keywords bursting (strongest first) or growing fastest at
    ``year``, with the evidence: counts per year, the burst's start, end and strength."""
    from api.timeline import emerging as answer

    return answer(_data(request, service), year=year, limit=limit, offset=offset)


@router.get("/viz/timeline", response_class=HTMLResponse, responses=html_page())
def timeline_page(request: Request, service: ServiceDep) -> HTMLResponse:
    """Topics as stacked areas over the years, labelled, bursts marked, each
    topic's bursting keywords listed; a click opens the topic's page."""
    from api.timeline import topic_keywords
    from viz.timeline import timeline_html

    root = request.scope.get("root_path", "")
    data = _data(request, service)
    return HTMLResponse(timeline_html(data.years, [c for c in data.communities if c["level"] == 0],
                                      undated=data.undated, params=data.params, prefix=root + "/viz",
                                      keywords=topic_keywords(data)))
