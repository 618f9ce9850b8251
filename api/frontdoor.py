"""The front door: ``GET /`` to the map, API docs served offline, ``HEAD`` on pages.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from a CDN, so
they are blank with no network. The ``fastapi-offline`` package ships both
(Swagger UI: Apache-2.0, ReDoc: MIT, licences in its dist-info); we serve its
files under ``/docs-assets`` and build the two pages with FastAPI's helpers.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

__all__ = ["install_front_door", "HeadAsGet", "CountRequests", "docs_assets_folder"]

ASSETS_PATH = "/docs-assets"


def docs_assets_folder() -> Path:
    """Where the Swagger UI and ReDoc files are (inside the fastapi-offline package)."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def install_front_door(app: FastAPI) -> None:
    """Add ``/`` (redirect to the map), ``/docs``, ``/redoc`` and their assets.
    The app must be created with ``docs_url=None, redoc_url=None``."""
    @app.get(f"{ASSETS_PATH}/redoc.standalone.js", include_in_schema=False)
    def redoc_js() -> Response:
        return Response(_redoc_js(), media_type="text/javascript",
                        headers={"cache-control": "public, max-age=86400"})

    # After the route above, which takes precedence over the mount for that one file.
    app.mount(ASSETS_PATH, StaticFiles(directory=str(docs_assets_folder())), name="docs-assets")

    @app.get("/", include_in_schema=False)
    def front(request: Request) -> RedirectResponse:
        return RedirectResponse(request.scope.get("root_path", "") + "/viz", status_code=307)

    # The endpoints read the app from the request, never from this closure: FastAPI
    # keeps every endpoint it has seen in process-wide caches, and a closure over
    # ``app`` would keep each app built (routes, validators, its store) alive with it.
    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root, served = request.scope.get("root_path", ""), request.app
        return get_swagger_ui_html(
            openapi_url=root + served.openapi_url, title=f"{served.title} API",
            oauth2_redirect_url=root + "/docs/oauth2-redirect",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root, served = request.scope.get("root_path", ""), request.app
        return get_redoc_html(
            openapi_url=root + served.openapi_url, title=f"{served.title} API",
            redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png", with_google_fonts=False,
        )


#: ReDoc's sidebar shows a logo fetched from its CDN, unconditionally; offline that is
#: a failed request. We serve the script with the logo as an empty inline image.
_REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
_EMPTY_SVG = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"


@functools.lru_cache(maxsize=1)
def _redoc_js() -> bytes:
    text = (docs_assets_folder() / "redoc.standalone.js").read_text(encoding="utf-8")
    return text.replace(_REDOC_LOGO, _EMPTY_SVG).encode("utf-8")


class HeadAsGet:
    """ASGI middleware: a ``HEAD`` request is answered as the ``GET`` would be,
    same status and headers (``content-length`` included), with no body.

    FastAPI routes declared with ``@get`` answer ``HEAD`` with 405; HTTP says a
    server should answer ``HEAD`` wherever it answers ``GET``.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_no_body(message: dict) -> None:
            if message.get("type") == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_no_body)


class CountRequests:
    """ASGI middleware: counts HTTP requests in flight on the app's service
    (:class:`api.service.Activity`), so that background work can wait for a
    quiet moment."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        service = getattr(getattr(scope.get("app"), "state", None), "service", None)
        activity = getattr(service, "activity", None)
        if scope.get("type") != "http" or activity is None:
            await self.app(scope, receive, send)
            return
        activity.begin()
        try:
            await self.app(scope, receive, send)
        finally:
            activity.end()
