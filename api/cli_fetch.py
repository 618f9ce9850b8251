"""``citegraph fetch openalex|semanticscholar``: grow a corpus from seed papers into a file ``ingest`` reads.

Registered on the main Typer app by :func:`api.cli._register_command_modules`.
Thin: :func:`graph.fetch.crawl` does the work.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

__all__ = ["register"]

fetch_app = typer.Typer(
    name="fetch",
    help="Grow a corpus from seed papers (a search or DOIs) and their references/citations, "
         "written as a file `citegraph ingest` reads. Cached and resumable: rerun the same command after a failure.",
    no_args_is_help=True,
)

_QUERY = typer.Option(None, "--query", "-q", help="Search text for the seed papers.")
_DOI = typer.Option(None, "--doi", help="A seed paper's DOI (repeat the option for several).")
_EXPAND = typer.Option("", "--expand", help="Follow 'references', 'citations' or 'references,citations' from each paper.")
_HOPS = typer.Option(1, "--hops", help="How many times to follow --expand (0-5).")
_MAX = typer.Option(5000, "--max", help="Stop after this many papers (seeds first).")
_NO_CACHE = typer.Option(False, "--no-cache", help="Neither read nor write the response cache (CITEGRAPH_CACHE_DIR/fetch).")
_JSON = typer.Option(False, "--json", help="Print the report as JSON.")


def _run(source_name: str, out: Path, query: Optional[str], doi: Optional[List[str]], expand: str, hops: int,
         max_records: int, no_cache: bool, as_json: bool) -> None:
    from api.cli_common import errors_to_exit_codes, progress_bar, settings
    from graph.fetch import crawl, make_source

    cfg = settings()
    expansions = [item.strip() for item in expand.split(",") if item.strip()]
    with errors_to_exit_codes(), progress_bar() as progress:
        source = make_source(source_name, cfg, use_cache=not no_cache)
        client = source.client
        report = crawl(source, out, query=query, ids=doi or [], expand=expansions, hops=hops,
                       max_records=max_records, progress=progress,
                       stats=lambda: (client.requests_sent, client.cache_hits))
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    how = "resumed; " if report.resumed else ""
    typer.echo(f"{out}: {report.written} papers from {source_name} ({how}{report.new} new, hop {report.hops}) "
               f"in {report.seconds:.1f}s: {report.requests} requests, {report.cache_hits} answered from the cache"
               + (f"; stopped at --max {max_records}" if report.stopped_at_max else ""))
    typer.echo(f"next: citegraph ingest {out}")


def openalex(
    out: Path = typer.Option(..., "--out", help="JSON Lines file to write (OpenAlex works, one per line)."),
    query: Optional[str] = _QUERY, doi: Optional[List[str]] = _DOI, expand: str = _EXPAND, hops: int = _HOPS,
    max_records: int = _MAX, no_cache: bool = _NO_CACHE, as_json: bool = _JSON,
) -> None:
    """Fetch works from OpenAlex (set CITEGRAPH_OPENALEX_MAILTO for the polite pool, CITEGRAPH_OPENALEX_API_KEY for more)."""
    _run("openalex", out, query, doi, expand, hops, max_records, no_cache, as_json)


def semanticscholar(
    out: Path = typer.Option(..., "--out", help="JSON Lines file to write (citegraph records, one per line)."),
    query: Optional[str] = _QUERY, doi: Optional[List[str]] = _DOI, expand: str = _EXPAND, hops: int = _HOPS,
    max_records: int = _MAX, no_cache: bool = _NO_CACHE, as_json: bool = _JSON,
) -> None:
    """Fetch papers from the Semantic Scholar Graph API (CITEGRAPH_S2_API_KEY is sent as x-api-key; ~1 request/s)."""
    _run("semanticscholar", out, query, doi, expand, hops, max_records, no_cache, as_json)


def register(app: typer.Typer) -> None:
    """Add ``fetch openalex`` and ``fetch semanticscholar`` to the ``citegraph`` command."""
    fetch_app.command("openalex")(openalex)
    fetch_app.command("semanticscholar")(semanticscholar)
    app.add_typer(fetch_app, name="fetch")
