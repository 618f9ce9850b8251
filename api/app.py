"""The FastAPI application factory.

``create_app(settings)`` builds the app; nothing happens at import time. The
lifespan opens the store named by the settings (or uses the one passed in,
which the caller owns), puts the store, the service and the settings on
``app.state``, and closes what it opened on shutdown. A store that cannot be
reached at startup does not stop the app: requests answer 503 until it can be
opened. Serve with ``uvicorn --factory api.app:create_app`` or ``citegraph serve``.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from importlib import metadata
from typing import AsyncIterator

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.errors import install_error_handlers
from api.security import install_security
from api.service import GraphService
from graph.config import Settings
from graph.errors import StoreUnavailable
from graph.stores.base import GraphStore

__all__ = ["create_app"]

log = logging.getLogger(__name__)

#: Longest a request retries a transaction on a store that stopped answering. With
#: the store's even retry spacing (a fifth of this) a request on a Neo4j that died
#: answers 503 after about 1.2 s, in flight or new; the breaker then answers at once.
API_MAX_RETRY_SECONDS = 1.0
#: Longest a request waits for a new connection to the store's server.
API_CONNECT_TIMEOUT_SECONDS = 2.0

_DESCRIPTION = """
citegraph: research papers as a graph. Papers are linked by abstract similarity
(SIMILAR_TO), shared keywords (SHARES_KEYWORDS) and citations (CITES), grouped
into communities and ranked by centrality.

Read endpoints are open. Write endpoints (POST /papers, /build, /analyze) and
POST /cypher need `Authorization: Bearer <CITEGRAPH_API_KEY>`; with no key
configured they answer 403. Every error has the shape
`{"error": {"status", "code", "message", "detail"?}}`.
"""

_TAGS = [
    {"name": "health", "description": "Liveness, counts and recorded runs."},
    {"name": "papers", "description": "Papers, their neighbours with evidence, recommendations."},
    {"name": "search", "description": "Full text plus similarity to the query."},
    {"name": "communities", "description": "Clusters of related papers."},
    {"name": "rankings", "description": "Centrality scores."},
    {"name": "path", "description": "How two papers are connected."},
    {"name": "keywords", "description": "Keyphrases and their papers."},
    {"name": "cypher", "description": "Read-only Cypher (Neo4j store only)."},
    {"name": "write", "description": "Add papers, rebuild, re-analyze (API key required)."},
]


def _version() -> str:
    try:
        return metadata.version("citegraph")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings | None = None, *, store: GraphStore | None = None) -> FastAPI:
    """Build the API.

    Parameters
    ----------
    settings : Settings, optional
        Defaults to ``Settings()`` (environment and ``.env``).
    store : GraphStore, optional
        An opened store to serve; the caller keeps ownership (it is not closed
        on shutdown). Without one, the lifespan creates the store the settings
        name, opens it and closes it.
    """
    settings = settings if settings is not None else Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from graph.stores import create_store

        owned = store is None
        # A request must not wait out the CLI's retry budget on a server that is
        # gone: fail fast, answer 503, probe again later.
        active = create_store(settings, max_retry_time=API_MAX_RETRY_SECONDS,
                              connection_timeout=API_CONNECT_TIMEOUT_SECONDS) if owned else store
        opened = True
        if owned:
            try:
                await run_in_threadpool(active.open)
            except StoreUnavailable as exc:
                opened = False
                log.warning("store not reachable at startup (%s); serving 503 until it is", exc)
        app.state.store = active
        app.state.service = service = GraphService(active, settings, opened=opened)
        if owned and opened:
            threading.Thread(target=service.warm, name="citegraph-warm", daemon=True).start()
        try:
            yield
        finally:
            service.close()
            if owned:
                await run_in_threadpool(active.close)

    app = FastAPI(
        title="citegraph",
        version=_version(),
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        lifespan=lifespan,
        docs_url=None,  # served offline by api.frontdoor
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    install_security(app, settings)

    from api.routers import admin, communities, cypher, export, health, keywords, papers, path, rankings, search, viz
    from api.routers import authors as authors_router

    app.include_router(health.router)
    # Writes first: POST /papers must not be shadowed by GET /papers/{paper_id:path}.
    app.include_router(admin.router)
    from api.routers import related as related_router  # before papers: /papers/{id:path} would shadow it
    app.include_router(related_router.router)
    app.include_router(papers.router)
    app.include_router(search.router)
    app.include_router(communities.router)
    app.include_router(rankings.router)
    app.include_router(path.router)
    app.include_router(keywords.router)
    app.include_router(authors_router.router)  # /authors, /venues
    app.include_router(cypher.router)
    app.include_router(export.router)
    app.include_router(viz.router)
    from api.routers import time as time_routes

    app.include_router(time_routes.router)
    from api.frontdoor import CountRequests, HeadAsGet, install_front_door

    install_front_door(app)
    app.add_middleware(HeadAsGet)
    app.add_middleware(CountRequests)
    return app
