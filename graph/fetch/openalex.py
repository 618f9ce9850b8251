"""OpenAlex as a fetch source: ``/works`` with cursor paging; writes OpenAlex works as JSON Lines.

The conventions of the API (https://docs.openalex.org): list endpoints page with
``cursor=*`` then ``meta.next_cursor`` until it is null (and ``results`` empty),
``per-page`` up to 200; several values of one filter are OR-ed with ``|`` (up to
50 at once: ``filter=doi:10.1/a|10.1/b``, ``filter=openalex:W1|W2``); the works
citing W1 are ``filter=cites:W1``; a work's references are its ``referenced_works``.
``mailto`` puts the calls in the polite pool and ``api_key`` raises the limits; both
are query parameters, never part of a cache key (see :func:`graph.fetch.http.public_url`).

The output lines are the works as OpenAlex sends them (trimmed by ``select`` to the
fields the reader uses), which :func:`graph.ingest.openalex.iter_openalex_lines` reads.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from graph.errors import FetchFailed, param_error
from graph.models import normalize_doi as models_normalize_doi
from graph.fetch.crawl import Job, Page
from graph.fetch.http import HttpClient

__all__ = ["OpenAlexSource", "normalize_doi", "OR_LIMIT", "SELECT"]

#: Values one OR filter may hold.
OR_LIMIT = 50
#: Top-level work fields asked for: what graph.ingest.openalex reads, plus ids, ORCIDs and ISSNs.
SELECT = ("id", "doi", "title", "display_name", "publication_year", "publication_date", "ids", "type", "language",
          "authorships", "primary_location", "abstract_inverted_index", "referenced_works", "cited_by_count")


def normalize_doi(value: str) -> str:
    """A bare, lower-case DOI from the forms people paste (graph.models' rule), or an error.

    >>> normalize_doi(" https://doi.org/10.1093/MIND/LIX.236.433 ")
    '10.1093/mind/lix.236.433'
    >>> normalize_doi("doi:10.1000/X")
    '10.1000/x'
    """
    doi = models_normalize_doi(value)
    if not doi:
        raise param_error("doi", "fetch", "a DOI like 10.1234/abc (optionally https://doi.org/...)", value)
    return doi


def _short(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    return text.rsplit("/", 1)[-1] if text.lower().startswith(("https://openalex.org/", "http://openalex.org/")) else text


class OpenAlexSource:
    """Jobs: ``search`` (a text), ``doi`` / ``ids`` (up to 50 DOIs / W-ids), ``cites`` (one W-id)."""

    name = "openalex"

    def __init__(self, client: HttpClient, *, base_url: str = "https://api.openalex.org", per_page: int = 200,
                 mailto: str | None = None, api_key: str | None = None, select: tuple[str, ...] = SELECT) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.per_page = per_page
        self.mailto = mailto
        self.api_key = api_key
        self.select = select

    # --- jobs -------------------------------------------------------------------
    def seed_jobs(self, *, query: str | None, ids: list[str]) -> list[Job]:
        jobs = [Job("search", query, 0)] if query else []
        dois = list(dict.fromkeys(normalize_doi(d) for d in ids))
        jobs += [Job("doi", dois[i:i + OR_LIMIT], 0) for i in range(0, len(dois), OR_LIMIT)]
        return jobs

    def lookup_jobs(self, ids: list[str], hop: int) -> list[Job]:
        return [Job("ids", ids[i:i + OR_LIMIT], hop) for i in range(0, len(ids), OR_LIMIT)]

    def citations_job(self, record_id: str, hop: int) -> Job:
        return Job("cites", record_id, hop)

    # --- one page -----------------------------------------------------------------
    def url(self, job: Job) -> str:
        params: list[tuple[str, str]] = []
        if job.kind == "search":
            params.append(("search", job.arg))
        elif job.kind == "doi":
            params.append(("filter", "doi:" + "|".join(job.arg)))
        elif job.kind == "ids":
            params.append(("filter", "openalex:" + "|".join(job.arg)))
        elif job.kind == "cites":
            params.append(("filter", f"cites:{job.arg}"))
        else:
            raise ValueError(f"unknown OpenAlex job kind {job.kind!r}")
        per_page = min(self.per_page, OR_LIMIT) if job.kind in ("doi", "ids") else self.per_page
        params += [("per-page", str(per_page)), ("cursor", job.cursor or "*")]
        if self.select:
            params.append(("select", ",".join(self.select)))
        if self.mailto:
            params.append(("mailto", self.mailto))
        if self.api_key:
            params.append(("api_key", self.api_key))
        return f"{self.base_url}/works?" + urllib.parse.urlencode(params, safe=":|,*")

    def fetch_page(self, job: Job) -> Page:
        url = self.url(job)
        data = self.client.get_json(url)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise FetchFailed(url, "not an OpenAlex list answer (no 'results' list)")
        results = [w for w in data["results"] if isinstance(w, dict)]
        meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
        cursor = meta.get("next_cursor")
        # The list ends with a null next_cursor on an empty page; a page shorter than
        # meta.per_page is the last one too, which saves that extra request per job.
        per_page = meta.get("per_page")
        short = isinstance(per_page, int) and not isinstance(per_page, bool) and len(results) < per_page
        return Page(results, cursor if results and not short and isinstance(cursor, str) and cursor else None)

    # --- records --------------------------------------------------------------------
    def record_id(self, record: dict[str, Any]) -> str | None:
        return _short(record.get("id"))

    def reference_ids(self, record: dict[str, Any]) -> list[str]:
        refs = record.get("referenced_works")
        return [r for r in (_short(x) for x in refs) if r] if isinstance(refs, list) else []

    def output_record(self, record: dict[str, Any]) -> dict[str, Any]:
        return record

    def output_id(self, line: dict[str, Any]) -> str | None:
        return _short(line.get("id"))
