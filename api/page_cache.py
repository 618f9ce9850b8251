"""The app's viz page cache: the graph snapshot and rendered pages of the current
store version, shared by the viz pages (:mod:`api.routers.viz`) and ``/export``
(:mod:`api.routers.export`), so that routers never import each other.
"""

from __future__ import annotations

import threading
from typing import Hashable

from fastapi import Request

from api.service import GraphService

__all__ = ["viz_cache", "store_version", "snapshot"]

_CACHE_LOCK = threading.Lock()


def viz_cache(request: Request):
    """The app's page cache, created on first use."""
    from viz.pages import PageCache

    state = request.app.state
    cache = getattr(state, "viz_cache", None)
    if cache is None:
        with _CACHE_LOCK:
            cache = getattr(state, "viz_cache", None)
            if cache is None:
                cache = state.viz_cache = PageCache()
    return cache


def store_version(request: Request, service: GraphService) -> Hashable:
    """What changes when the graph changes (:meth:`GraphService.corpus_version`)."""
    return service.call(service.corpus_version)


def snapshot(request: Request, service: GraphService):
    from viz.data import GraphSnapshot

    version = store_version(request, service)
    return viz_cache(request).snapshot(version, lambda: service.call(GraphSnapshot.load, service.store))
