"""One JSON error shape and one mapping from our exception tree to HTTP statuses.

Every error the API returns looks like::

    {"error": {"status": 404, "code": "not_found", "message": "No paper with id 'x'."}}

with an optional ``detail`` (for example the list of invalid parameters of a
422). Unexpected exceptions become a 500 that says nothing about the internals:
the traceback goes to the log, never to the client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import (
    BadInput,
    CitegraphError,
    InvalidParameter,
    NotFound,
    NotSupported,
    QueryRefused,
    QueryTimeout,
    StoreUnavailable,
)

__all__ = [
    "ApiError",
    "WriteBusy",
    "STATUS_OF",
    "status_of",
    "error_body",
    "error_response",
    "install_error_handlers",
]

log = logging.getLogger(__name__)


class ApiError(CitegraphError):
    """An error that only exists at the HTTP boundary (auth, size limits, busy)."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


class WriteBusy(ApiError):
    """Another write (build, analyze, add papers) holds the write lock too long."""

    def __init__(self, message: str) -> None:
        super().__init__(409, "write_in_progress", message)


#: The one mapping, most specific class first.
STATUS_OF: tuple[tuple[type[CitegraphError], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (InvalidParameter, 422, "invalid_parameter"),
    (NotSupported, 501, "not_supported"),
    (StoreUnavailable, 503, "store_unavailable"),
    (QueryRefused, 400, "query_refused"),
    (QueryTimeout, 408, "query_timeout"),
    (BadInput, 422, "bad_input"),
)

_CODE_OF_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_parameter",
    500: "internal_error",
    503: "store_unavailable",
}

_STORE_DOWN_MESSAGE = "The graph store is unavailable right now; retry shortly."


def status_of(exc: CitegraphError) -> tuple[int, str]:
    """HTTP status and error code of one of our exceptions."""
    if isinstance(exc, ApiError):
        return exc.status, exc.code
    for cls, status, code in STATUS_OF:
        if isinstance(exc, cls):
            return status, code
    return 500, "internal_error"


def error_body(status: int, code: str, message: str, detail: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status, "code": code, "message": message}
    if detail is not None:
        error["detail"] = detail
    return {"error": error}


def error_response(
    status: int, code: str, message: str, detail: Any = None, *, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, detail), status_code=status, headers=headers)


# --- handlers -------------------------------------------------------------------


async def _citegraph_error(request: Request, exc: CitegraphError) -> JSONResponse:
    status, code = status_of(exc)
    if status >= 500 and status not in (501, 503):
        return await _unexpected(request, exc)
    message = str(exc)
    if isinstance(exc, StoreUnavailable):
        # The store's own message may name hosts or ports: log it, do not echo it.
        log.warning("store unavailable on %s %s: %s", request.method, request.url.path, exc)
        message = _STORE_DOWN_MESSAGE
    headers = exc.headers if isinstance(exc, ApiError) else None
    if status == 503:
        headers = {"Retry-After": "5"}
    detail = {"parameter": exc.name} if isinstance(exc, InvalidParameter) and exc.name else None
    return error_response(status, code, message, detail, headers=headers)


def _location(loc: tuple[Any, ...]) -> tuple[str, str]:
    """``("query", "limit")`` -> ("query", "limit"); ``("body", "papers", 0, "title")``
    -> ("body", "papers[0].title")."""
    if not loc:
        return "request", ""
    where, rest = str(loc[0]), loc[1:]
    name = ""
    for part in rest:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return where, name


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = []
    for err in exc.errors():
        where, name = _location(tuple(err.get("loc", ())))
        item: dict[str, Any] = {"location": where, "parameter": name or where, "message": err.get("msg", "")}
        if "input" in err and err.get("type") != "missing" and name:
            item["got"] = _short(err["input"])
        problems.append(item)
    first = problems[0] if problems else {"parameter": "request", "location": "request", "message": "invalid"}
    message = f"The {first['parameter']!r} {_where_word(first['location'])} is invalid: {first['message']}"
    if "got" in first:
        message += f". Got {first['got']} instead."
    elif not message.endswith("."):
        message += "."
    if len(problems) > 1:
        message += f" ({len(problems) - 1} more problem(s) in detail.)"
    return error_response(422, "invalid_parameter", message, problems)


def _where_word(location: str) -> str:
    return {
        "query": "query parameter",
        "path": "path parameter",
        "body": "body field",
        "header": "header",
    }.get(location, "parameter")


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    status = exc.status_code
    code = _CODE_OF_STATUS.get(status, "error")
    if status == 404 and exc.detail in (None, "Not Found"):
        message = f"No route {request.url.path!r}; see /docs for the API."
    elif status == 405:
        message = f"Method {request.method} is not allowed on {request.url.path!r}."
    else:
        message = str(exc.detail)
    return error_response(status, code, message, headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "Internal server error; the details are in the server log.")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the one JSON shape."""
    app.add_exception_handler(CitegraphError, _citegraph_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
