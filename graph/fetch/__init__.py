"""Growing a corpus from remote sources: ``citegraph fetch openalex|semanticscholar``.

- :mod:`graph.fetch.http`: the transport interface, retries, rate limit and cache use;
- :mod:`graph.fetch.cache`: answers on disk, so a rerun costs no requests;
- :mod:`graph.fetch.crawl`: seeds, then references/citations hop by hop, resumable;
- :mod:`graph.fetch.openalex`, :mod:`graph.fetch.semanticscholar`: each API's conventions.

:func:`make_source` builds a source from :class:`~graph.config.Settings`.
"""

from __future__ import annotations

from pathlib import Path

from graph.config import Settings
from graph.fetch.cache import DiskCache
from graph.fetch.crawl import EXPANSIONS, FetchReport, crawl, state_path
from graph.fetch.http import HttpClient, RetryPolicy, Transport, UrllibTransport
from graph.fetch.openalex import OpenAlexSource
from graph.fetch.semanticscholar import SemanticScholarSource

__all__ = ["make_source", "crawl", "FetchReport", "EXPANSIONS", "SOURCES", "state_path", "OpenAlexSource",
           "SemanticScholarSource", "HttpClient", "RetryPolicy", "DiskCache"]

SOURCES = ("openalex", "semanticscholar")
#: Seconds between requests that go out: OpenAlex allows 10 a second, Semantic Scholar about 1.
MIN_INTERVAL = {"openalex": 0.1, "semanticscholar": 1.0}


def make_source(name: str, settings: Settings, *, use_cache: bool = True, transport: Transport | None = None,
                retry: RetryPolicy | None = None, min_interval: float | None = None,
                cache_dir: Path | None = None) -> OpenAlexSource | SemanticScholarSource:
    """A source with its HTTP client: settings give the base URL, credentials and cache folder.

    The cache lives in ``<cache_dir or CITEGRAPH_CACHE_DIR>/fetch/<name>``.
    """
    if name not in SOURCES:
        raise ValueError(f"unknown source {name!r}; one of {', '.join(SOURCES)}")
    root = cache_dir if cache_dir is not None else settings.citegraph_cache_dir
    cache = DiskCache(Path(root).expanduser() / "fetch" / name) if use_cache else None
    headers: dict[str, str] = {}
    if name == "semanticscholar" and settings.citegraph_s2_api_key:
        headers["x-api-key"] = settings.citegraph_s2_api_key.get_secret_value()
    user_agent = "citegraph-fetch"
    if name == "openalex" and settings.citegraph_openalex_mailto:
        user_agent += f" (mailto:{settings.citegraph_openalex_mailto})"
    client = HttpClient(transport or UrllibTransport(user_agent=user_agent), cache=cache,
                        min_interval=MIN_INTERVAL[name] if min_interval is None else min_interval,
                        retry=retry or RetryPolicy(retries=settings.citegraph_fetch_retries), headers=headers)
    if name == "openalex":
        key = settings.citegraph_openalex_api_key
        return OpenAlexSource(client, base_url=settings.citegraph_openalex_url,
                              mailto=settings.citegraph_openalex_mailto,
                              api_key=key.get_secret_value() if key else None)
    return SemanticScholarSource(client, base_url=settings.citegraph_s2_url)
