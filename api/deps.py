"""Dependencies of the routers: the service, the settings, shared parameters and
the error responses each route documents in OpenAPI."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request

from api.schemas import MAX_LIMIT, MAX_OFFSET, ErrorResponse
from api.service import GraphService
from graph.config import Settings

__all__ = [
    "get_service",
    "get_settings",
    "ServiceDep",
    "SettingsDep",
    "Offset",
    "PaperId",
    "errors",
    "limit_query",
]


def get_service(request: Request) -> GraphService:
    return request.app.state.service


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


ServiceDep = Annotated[GraphService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"Items to skip (0..{MAX_OFFSET}).")]
PaperId = Annotated[str, Path(min_length=1, max_length=500, description="The paper id (may contain '/').")]


def limit_query(maximum: int = MAX_LIMIT) -> Any:
    """The ``limit`` parameter: 1..maximum, a 422 beyond."""
    return Query(ge=1, le=maximum, description=f"How many items to return (1..{maximum}).")


_DESCRIPTIONS = {
    400: "The body cannot be read (not UTF-8), or (/cypher) the query was refused as not read-only.",
    401: "Missing or wrong API key.",
    403: "Write endpoints and /cypher are disabled: no API key configured.",
    404: "Unknown id.",
    408: "The query ran past the time limit.",
    409: "Another write is in progress.",
    413: "Request body too large.",
    422: "A parameter is invalid; the message says which and why.",
    501: "Not supported here (Cypher on the embedded store; embedding similarity without its extra).",
    503: "The store is unavailable; retry shortly.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error statuses, all in the one error shape."""
    wanted = sorted({*codes, 422, 503})
    return {code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in wanted}


def html_page(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of an HTML page route: the page as text/html, its errors
    still the JSON error shape, documented as JSON (``response_class=HTMLResponse``
    would otherwise document them as text/html)."""
    out: dict[int | str, dict[str, Any]] = {
        200: {"content": {"text/html": {}}, "description": "A self-contained HTML page."}}
    for code, spec in errors(*codes).items():
        spec["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
        out[code] = spec
    return out
