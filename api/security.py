"""API key for write endpoints and /cypher, request size limit, optional CORS.

- ``require_api_key``: ``Authorization: Bearer <CITEGRAPH_API_KEY>`` compared in
  constant time. With no key configured the protected endpoints answer 403 and
  say how to enable them; a missing or wrong key is a 401.
- ``BodySizeLimit``: a pure ASGI middleware that refuses bodies larger than
  ``CITEGRAPH_MAX_BODY_BYTES`` with a 413, from the ``Content-Length`` header
  when there is one and by counting the streamed bytes when there is not.
- CORS is off unless ``CITEGRAPH_CORS_ORIGINS`` names origins.
- ``RedactSecrets``: a logging filter on uvicorn's access log that blanks query
  string values named like a secret (``key``, ``token``, ...) and the configured
  key wherever it appears, so a key sent in a URL never reaches the log.
- A key shorter than :data:`MIN_KEY_LENGTH` is accepted with a warning (a blank
  one is refused by the settings).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from typing import Annotated
from urllib.parse import quote, quote_plus

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError, error_body
from graph.config import Settings

__all__ = ["require_api_key", "BodySizeLimit", "RedactSecrets", "install_security", "DISABLED_MESSAGE",
           "MIN_KEY_LENGTH"]

log = logging.getLogger(__name__)

#: Keys shorter than this are accepted with a warning.
MIN_KEY_LENGTH = 16
#: Loggers that print request URLs.
ACCESS_LOGGERS = ("uvicorn.access",)

DISABLED_MESSAGE = (
    "Write endpoints and /cypher are disabled because no API key is configured. "
    "Set CITEGRAPH_API_KEY on the server (environment or .env) and send "
    "'Authorization: Bearer <key>' with each request."
)

_bearer = HTTPBearer(auto_error=False, description="CITEGRAPH_API_KEY as a Bearer token.")


def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Dependency of every write endpoint and of /cypher."""
    settings: Settings = request.app.state.settings
    configured = settings.citegraph_api_key.get_secret_value() if settings.citegraph_api_key else ""
    if not configured:
        raise ApiError(403, "api_key_not_configured", DISABLED_MESSAGE)
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "unauthorized", "Missing API key: send 'Authorization: Bearer <key>'.",
                       headers=challenge)
    if not hmac.compare_digest(credentials.credentials.encode("utf-8"), configured.encode("utf-8")):
        raise ApiError(401, "unauthorized", "Wrong API key.", headers=challenge)


class BodySizeLimit:
    """Refuse request bodies above ``max_bytes`` with a 413 in the one error shape."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._refuse(send, 400, "bad_request", "Invalid Content-Length header.")
                    return
                if declared > self.max_bytes:
                    await self._refuse(send, 413, "payload_too_large", self._message())
                    return
        received = 0
        refused = False

        async def counting_receive() -> Message:
            # Past the limit: answer 413 now and tell the app the client left, so
            # it stops reading; whatever it tries to send afterwards is dropped.
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    await self._refuse(send, 413, "payload_too_large", self._message())
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counting_receive, guarded_send)

    def _message(self) -> str:
        return (f"The request body is larger than the limit of {self.max_bytes} bytes "
                "(CITEGRAPH_MAX_BODY_BYTES).")

    @staticmethod
    async def _refuse(send: Send, status: int, code: str, message: str) -> None:
        body = json.dumps(error_body(status, code, message)).encode("utf-8")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


_SECRET_PARAM = re.compile(
    r"(?i)([?&][^=&#\s]*(?:key|token|secret|password|passwd|auth|bearer|credential)[^=&#\s]*=)[^&#\s\"]*"
)


class RedactSecrets(logging.Filter):
    """Blank secrets in log records: values of query parameters named like a
    secret, and every occurrence of ``secrets`` (raw and URL-encoded)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        variants = {v for s in secrets if s for v in (s, quote(s, safe=""), quote_plus(s))}
        self._secrets = sorted(variants, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return _SECRET_PARAM.sub(r"\1***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self.redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        return True


def install_log_redaction(settings: Settings) -> None:
    """Put one :class:`RedactSecrets` on the access loggers (replacing an earlier one)."""
    key = settings.citegraph_api_key.get_secret_value() if settings.citegraph_api_key else ""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RedactSecrets)]:
            logger.removeFilter(old)
        logger.addFilter(RedactSecrets([key]))


def install_security(app: FastAPI, settings: Settings) -> None:
    """Body size limit always; CORS only when origins are configured; secrets
    out of the access log; a warning for a short API key."""
    key = settings.citegraph_api_key.get_secret_value() if settings.citegraph_api_key else ""
    if key and len(key) < MIN_KEY_LENGTH:
        log.warning("CITEGRAPH_API_KEY is only %d characters long; use %d or more (e.g. "
                    "python -c \"import secrets; print(secrets.token_urlsafe(32))\")", len(key), MIN_KEY_LENGTH)
    install_log_redaction(settings)
    origins = settings.cors_origins
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.citegraph_max_body_bytes)
