"""HTTP for remote sources: one small interface, retries with backoff, a rate limit and a cache.

:class:`Transport` is the interface we own (send one request, get status, headers
and body); :class:`UrllibTransport` is the real one (standard library, no extra
dependency). :class:`HttpClient` adds what every source needs around it:

- an on-disk :class:`~graph.fetch.cache.DiskCache`: a 200 answer is kept, keyed by
  method, URL and body (credentials left out), so a rerun sends no request at all;
- a minimum interval between requests that do go out (the sources' rate limits);
- retries on 429 and 5xx (and on connection errors) with exponential backoff and
  full jitter, waiting at least what the server's ``Retry-After`` asks for;
- a :class:`~graph.errors.FetchFailed` naming the URL and the last status when the
  retries are used up, or at once for any other 4xx.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol

from graph.errors import FetchFailed
from graph.fetch.cache import DiskCache

__all__ = ["Request", "Response", "Transport", "UrllibTransport", "RetryPolicy", "HttpClient", "retry_after_seconds"]

log = logging.getLogger(__name__)

#: Query parameters that carry credentials or contact details: never part of a cache key or a log line.
SECRET_PARAMS = frozenset({"api_key", "mailto"})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes


class Transport(Protocol):
    """Sends one request; answers every HTTP status as a :class:`Response` (never raises on 4xx/5xx).

    Raises ``OSError`` (e.g. ``ConnectionError``, ``TimeoutError``) when no answer came back."""

    def send(self, request: Request) -> Response: ...


class UrllibTransport:
    """The real transport, on :mod:`urllib.request`."""

    def __init__(self, *, timeout: float = 60.0, user_agent: str = "citegraph-fetch") -> None:
        self.timeout = timeout
        self.user_agent = user_agent

    def send(self, request: Request) -> Response:
        headers = {"User-Agent": self.user_agent, "Accept": "application/json", **request.headers}
        raw = urllib.request.Request(request.url, data=request.body, headers=headers, method=request.method)
        try:
            with urllib.request.urlopen(raw, timeout=self.timeout) as answer:  # noqa: S310 (http(s) URLs we build)
                return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
        except urllib.error.HTTPError as exc:
            body = exc.read() if exc.fp is not None else b""
            return Response(exc.code, {k.lower(): v for k, v in (exc.headers or {}).items()}, body)
        except urllib.error.URLError as exc:
            raise ConnectionError(str(exc.reason)) from exc


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.

    The n-th retry (n = 0, 1, ...) waits a uniform random time in
    ``[0, min(max_delay, base_delay * 2**n)]`` (full jitter), and never less than
    the server's ``Retry-After`` (itself capped at ``max_retry_after``).
    """

    retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 300.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        backoff = rng.uniform(0.0, min(self.max_delay, self.base_delay * (2 ** attempt)))
        if retry_after is not None:
            return max(backoff, min(retry_after, self.max_retry_after))
        return backoff


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header: delta-seconds or an HTTP date.

    >>> retry_after_seconds("3")
    3.0
    >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:05 GMT", now=1445412480.0)
    5.0
    >>> retry_after_seconds("soon") is None
    True
    """
    if value is None:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def public_url(url: str) -> str:
    """The URL without credentials and contact details (for cache keys and logs).

    >>> public_url("https://x.org/works?search=a&api_key=K&mailto=m@x.org")
    'https://x.org/works?search=a'
    """
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k not in SECRET_PARAMS]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class HttpClient:
    """JSON over HTTP with cache, rate limit and retries; see the module docstring.

    Parameters
    ----------
    transport : Transport
    cache : DiskCache or None
        Where 200 answers are kept; None caches nothing.
    min_interval : float
        Seconds between the starts of two requests that go out (cache hits are free).
    retry : RetryPolicy
    sleep, clock, rng
        Injected for tests; default ``time.sleep``, ``time.monotonic``, a seeded ``random.Random``.
    """

    def __init__(self, transport: Transport, *, cache: DiskCache | None = None, min_interval: float = 0.0,
                 retry: RetryPolicy = RetryPolicy(), headers: Mapping[str, str] | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None) -> None:
        self.transport = transport
        self.cache = cache
        self.min_interval = min_interval
        self.retry = retry
        self.headers = dict(headers or {})
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random(0)
        self.requests_sent = 0
        self.cache_hits = 0
        self._last_start: float | None = None

    def get_json(self, url: str) -> Any:
        return self.request_json(Request("GET", url, self.headers))

    def post_json(self, url: str, payload: Any) -> Any:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
        return self.request_json(Request("POST", url, {**self.headers, "Content-Type": "application/json"}, body))

    def request_json(self, request: Request) -> Any:
        """The decoded JSON answer of ``request``: from the cache, else from the network.

        Raises
        ------
        FetchFailed
            After the retries on 429/5xx/connection errors, at once on another
            non-200 status, or when a 200 answer is not JSON.
        """
        key = None
        if self.cache is not None:
            key = DiskCache.key(request.method, public_url(request.url), request.body)
            cached = self.cache.get(key)
            if cached is not None:
                self.cache_hits += 1
                return _decode(cached, request.url)
        body = self._send_with_retries(request)
        data = _decode(body, request.url)  # only a decodable answer is cached
        if self.cache is not None and key is not None:
            self.cache.put(key, body, label=f"{request.method} {public_url(request.url)}")
        return data

    def _send_with_retries(self, request: Request) -> bytes:
        shown = public_url(request.url)
        attempt = 0
        while True:
            self._wait_turn()
            started = time.monotonic()
            try:
                self.requests_sent += 1
                response = self.transport.send(request)
            except OSError as exc:
                problem, retry_after = f"no answer ({exc})", None
            else:
                if response.status == 200:
                    log.debug("%s %s: 200 in %.2fs", request.method, shown, time.monotonic() - started)
                    return response.body
                problem = f"HTTP {response.status}" + _error_detail(response.body)
                if response.status not in _RETRY_STATUSES:
                    raise FetchFailed(shown, problem)
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
            if attempt >= self.retry.retries:
                raise FetchFailed(shown, f"{problem}, still after {attempt + 1} attempts; "
                                         "try again later (finished pages are cached and the run resumes)")
            wait = self.retry.delay(attempt, retry_after, self.rng)
            log.warning("%s %s: %s; retry %d of %d in %.1fs", request.method, shown, problem,
                        attempt + 1, self.retry.retries, wait)
            self.sleep(wait)
            attempt += 1

    def _wait_turn(self) -> None:
        if self.min_interval > 0 and self._last_start is not None:
            gap = self.clock() - self._last_start
            if gap < self.min_interval:
                self.sleep(self.min_interval - gap)
        self._last_start = self.clock()


def _decode(body: bytes, url: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FetchFailed(public_url(url), f"the answer is not JSON ({exc})") from None


def _error_detail(body: bytes) -> str:
    text = body[:300].decode("utf-8", "replace").strip()
    return f": {text}" if text else ""
