"""Semantic Scholar as a fetch source: the Graph API; writes citegraph JSON Lines records.

The conventions of the Graph API (https://api.semanticscholar.org/api-docs/graph):
``GET /paper/search?query=&offset=&limit=`` (limit up to 100; the answer has
``total``, ``offset``, ``data`` and ``next`` while more follow; offset + limit stay
under 1,000 for relevance search), ``POST /paper/batch`` with ``{"ids": [...]}`` (up
to 500 ids, ``DOI:10.x/y`` for DOIs; ``null`` for an unknown id), ``GET
/paper/{id}/citations`` paged by ``offset``/``next`` (limit up to 1,000, each item's
``citingPaper``); ``fields=`` names what comes back; a key goes in the ``x-api-key``
header, and the rate is about 1 request a second.

Each line written is a record of the JSON Lines schema of ``citegraph ingest``
(``id`` = the S2 ``paperId``, ``doi``, ``arxiv_id``, ``title``, ``abstract``,
``authors``, ``year``, ``venue``, ``url``, ``references`` = cited ``paperId``s),
which the stores resolve through the ``paperId`` kept as ``source_id``.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

from graph.errors import FetchFailed
from graph.fetch.crawl import Job, Page
from graph.fetch.http import HttpClient
from graph.fetch.openalex import normalize_doi

__all__ = ["SemanticScholarSource", "s2_record", "FIELDS", "BATCH_LIMIT", "SEARCH_WINDOW"]

log = logging.getLogger(__name__)

BATCH_LIMIT = 500
SEARCH_LIMIT = 100
SEARCH_WINDOW = 1000  # relevance search serves offset + limit <= 1,000
CITATIONS_LIMIT = 1000
#: Paper fields asked for; ``references`` comes back as ``[{paperId, title}]``.
FIELDS = ("paperId", "externalIds", "title", "abstract", "year", "venue", "journal", "authors", "url",
          "publicationDate", "references")
#: The citations endpoint's fields apply to each citing paper (nested references are not served there).
CITING_FIELDS = tuple(f for f in FIELDS if f != "references")


def s2_record(paper: dict[str, Any]) -> dict[str, Any]:
    """A Graph API paper object as a citegraph JSON Lines record.

    >>> s2_record({"paperId": "p1", "externalIds": {"DOI": "10.1/X", "ArXiv": "2101.00001"}, "title": "T",
    ...            "authors": [{"authorId": "9", "name": "A. B"}], "year": 2020, "venue": "",
    ...            "journal": {"name": "J"}, "references": [{"paperId": "p0"}, {"paperId": None}]})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'id': 'p1', 'doi': '10.1/X', 'arxiv_id': '2101.00001', 'title': 'T', 'authors': ['A. B'], 'year': 2020,
     'venue': 'J', 'references': ['p0']}
    """
    record: dict[str, Any] = {"id": paper.get("paperId")}
    external = paper.get("externalIds") if isinstance(paper.get("externalIds"), dict) else {}
    if isinstance(external.get("DOI"), str):
        record["doi"] = external["DOI"]
    if isinstance(external.get("ArXiv"), str):
        record["arxiv_id"] = external["ArXiv"]
    for key in ("title", "abstract"):
        if isinstance(paper.get(key), str) and paper[key].strip():
            record[key] = paper[key]
    authors = paper.get("authors")
    if isinstance(authors, list):
        names = [a.get("name") for a in authors if isinstance(a, dict)]
        record["authors"] = [n for n in names if isinstance(n, str) and n.strip()]
    if isinstance(paper.get("year"), int):
        record["year"] = paper["year"]
    journal = paper.get("journal") if isinstance(paper.get("journal"), dict) else {}
    venue = paper.get("venue") if isinstance(paper.get("venue"), str) and paper["venue"].strip() else journal.get("name")
    if isinstance(venue, str) and venue.strip():
        record["venue"] = venue
    if isinstance(paper.get("url"), str):
        record["url"] = paper["url"]
    refs = paper.get("references")
    if isinstance(refs, list):
        record["references"] = [r["paperId"] for r in refs if isinstance(r, dict) and isinstance(r.get("paperId"), str)]
    return record


class SemanticScholarSource:
    """Jobs: ``search`` (a text), ``batch`` (up to 500 ids), ``cites`` (one paperId)."""

    name = "semanticscholar"

    def __init__(self, client: HttpClient, *, base_url: str = "https://api.semanticscholar.org/graph/v1") -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")

    def seed_jobs(self, *, query: str | None, ids: list[str]) -> list[Job]:
        jobs = [Job("search", query, 0)] if query else []
        dois = list(dict.fromkeys("DOI:" + normalize_doi(d) for d in ids))
        return jobs + self.lookup_jobs(dois, 0)

    def lookup_jobs(self, ids: list[str], hop: int) -> list[Job]:
        return [Job("batch", ids[i:i + BATCH_LIMIT], hop) for i in range(0, len(ids), BATCH_LIMIT)]

    def citations_job(self, record_id: str, hop: int) -> Job:
        return Job("cites", record_id, hop)

    def fetch_page(self, job: Job) -> Page:
        if job.kind == "batch":
            url = f"{self.base_url}/paper/batch?" + urllib.parse.urlencode({"fields": ",".join(FIELDS)}, safe=",")
            data = self.client.post_json(url, {"ids": job.arg})
            if not isinstance(data, list):
                raise FetchFailed(url, "not a Graph API batch answer (a list)")
            return Page([p for p in data if isinstance(p, dict)])
        offset = job.cursor or 0
        if job.kind == "search":
            limit = min(SEARCH_LIMIT, SEARCH_WINDOW - offset)
            url = f"{self.base_url}/paper/search?" + urllib.parse.urlencode(
                {"query": job.arg, "offset": offset, "limit": limit, "fields": ",".join(FIELDS)}, safe=",")
        elif job.kind == "cites":
            url = (f"{self.base_url}/paper/{urllib.parse.quote(job.arg, safe=':')}/citations?"
                   + urllib.parse.urlencode({"offset": offset, "limit": CITATIONS_LIMIT,
                                             "fields": ",".join(CITING_FIELDS)}, safe=","))
        else:
            raise ValueError(f"unknown Semantic Scholar job kind {job.kind!r}")
        data = self.client.get_json(url)
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise FetchFailed(url, "not a Graph API list answer (no 'data' list)")
        if job.kind == "search":
            papers = [p for p in data["data"] if isinstance(p, dict)]
        else:
            papers = []
            for item in data["data"]:
                citing = item.get("citingPaper") if isinstance(item, dict) else None
                if isinstance(citing, dict) and citing.get("paperId"):
                    # The citing paper's own reference list is not served here, but this
                    # one reference is known: it cites the paper whose citations these are.
                    papers.append({**citing, "references": [{"paperId": job.arg}]})
        nxt = data.get("next")
        if not papers or not isinstance(nxt, int) or nxt <= offset:
            nxt = None
        elif job.kind == "search" and nxt >= SEARCH_WINDOW:
            log.warning("Semantic Scholar relevance search serves the first %d results only; stopping there",
                        SEARCH_WINDOW)
            nxt = None
        return Page(papers, nxt)

    def record_id(self, record: dict[str, Any]) -> str | None:
        pid = record.get("paperId")
        return pid if isinstance(pid, str) and pid else None

    def reference_ids(self, record: dict[str, Any]) -> list[str]:
        return s2_record(record).get("references", [])

    def output_record(self, record: dict[str, Any]) -> dict[str, Any]:
        return s2_record(record)

    def output_id(self, line: dict[str, Any]) -> str | None:
        pid = line.get("id")
        return pid if isinstance(pid, str) and pid else None
