"""A local HTTP server that answers like OpenAlex and the Semantic Scholar Graph API.

Its data are the real samples in ``../shared/data/formats``: the OpenAlex ``/works``
page (49 works) plus, for every W-id they reference, a work cloned from the
sample's shape (each referencing the next one, so a second hop finds papers),
and three citing works per sample work; the Semantic Scholar paper (Turing
1950) with its 14 references and 1,000 citing papers. The API conventions
replayed: OpenAlex cursor paging (``cursor=*``, ``meta.next_cursor`` present on
every non-empty page, null on the empty page that ends the list), ``per-page``,
``filter=doi:|openalex:|cites:`` with ``|`` ORs, ``search=``, ``select=``; Graph API
``/paper/search`` (``offset``/``limit``/``next``/``total``), ``POST /paper/batch``
(``null`` for unknown ids), ``/paper/{id}/citations`` (``citingPaper`` items).

Tests script faults (``server.faults``: status + headers for the next matching
requests), read every request received (``server.requests``), and slow answers
down (``server.delay``) to kill a client in the middle of a run.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FORMATS = Path(__file__).resolve().parents[2] / "shared" / "data" / "formats"
PORTS = (18717, 18718, 18719)


@dataclass
class Fault:
    path: str                  # prefix of the request path, e.g. "/openalex/works"
    status: int
    times: int = 1             # how many matching requests get it
    headers: dict = field(default_factory=dict)


def _short(url: str) -> str:
    return url.rsplit("/", 1)[-1]


@functools.lru_cache(maxsize=1)
def openalex_corpus() -> list[dict]:
    page = json.loads((FORMATS / "openalex_json" / "peneira_works_page.json").read_text(encoding="utf-8"))
    works = page["results"]
    template = works[0]
    known = {w["id"] for w in works}
    referenced = list(dict.fromkeys(r for w in works for r in w.get("referenced_works") or [] if r not in known))

    def clone(wid: str, title: str, refs: list[str], year: int) -> dict:
        # A shallow copy: the nested objects are shared and never changed.
        work = dict(template)
        work.update(id=wid, doi=None, title=title, display_name=title, publication_year=year,
                    referenced_works=refs, referenced_works_count=len(refs), cited_by_count=0,
                    abstract_inverted_index={w: [i] for i, w in enumerate(title.lower().split())},
                    ids={"openalex": wid})
        return work

    extra = []
    for i, wid in enumerate(referenced):
        nxt = referenced[i + 1] if i + 1 < len(referenced) else None
        extra.append(clone(wid, f"Referenced study {_short(wid)} of climate and health", [nxt] if nxt else [], 2000))
    for i, work in enumerate(works):
        for j in range(3):
            wid = f"https://openalex.org/W99{i:04d}{j}"
            extra.append(clone(wid, f"Citing paper {j} of {_short(work['id'])}", [work["id"]], 2020))
    return works + extra


@functools.lru_cache(maxsize=1)
def s2_corpus() -> tuple[dict, list[dict], list[dict]]:
    paper = json.loads((FORMATS / "semantic_scholar_json" / "semanticscholar_Paper.json").read_text(encoding="utf-8"))
    refs = [dict(r, references=[]) for r in paper["references"]]
    citers = [dict(c, references=[{"paperId": paper["paperId"], "title": paper["title"]}]) for c in paper["citations"]]
    seed = {k: v for k, v in paper.items() if k not in ("citations", "references", "embedding")}
    seed["references"] = [{"paperId": r["paperId"], "title": r["title"]} for r in paper["references"]]
    return seed, refs, citers


class ReplayServer:
    """``with ReplayServer() as server:`` then ``server.openalex_url`` / ``server.s2_url``."""

    def __init__(self, *, max_per_page: int = 200) -> None:
        self.max_per_page = max_per_page
        self.works = list(openalex_corpus())
        self.seed, self.refs, self.citers = s2_corpus()
        self.papers = [self.seed, *self.refs, *self.citers]
        self.by_pid = {p["paperId"]: p for p in self.papers}
        self.faults: list[Fault] = []
        self.requests: list[str] = []
        self.headers: list[dict] = []
        self.delay = 0.0
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # --- lifecycle ------------------------------------------------------------------
    def __enter__(self) -> "ReplayServer":
        handler = type("Handler", (_Handler,), {"replay": self})
        last: OSError | None = None
        for port in PORTS:
            try:
                self._httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
                break
            except OSError as exc:
                last = exc
        if self._httpd is None:
            raise RuntimeError(f"no free port among {PORTS}: {last}")
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def openalex_url(self) -> str:
        return self.base + "/openalex"

    @property
    def s2_url(self) -> str:
        return self.base + "/s2"

    # --- dispatch -------------------------------------------------------------------
    def answer(self, method: str, path: str, query: dict, body: bytes, headers: dict | None = None) -> tuple[int, dict, object]:
        with self._lock:
            self.requests.append(f"{method} {path}?{urllib.parse.urlencode(query)}")
            self.headers.append(headers or {})
            for fault in self.faults:
                if fault.times > 0 and path.startswith(fault.path):
                    fault.times -= 1
                    return fault.status, fault.headers, {"error": f"replayed {fault.status}"}
        if self.delay:
            time.sleep(self.delay)
        if method == "GET" and path == "/openalex/works":
            return 200, {}, self.openalex_works(query)
        if method == "GET" and path == "/s2/paper/search":
            return 200, {}, self.s2_search(query)
        if method == "POST" and path == "/s2/paper/batch":
            return 200, {}, self.s2_batch(json.loads(body)["ids"], query)
        if method == "GET" and path.startswith("/s2/paper/") and path.endswith("/citations"):
            return 200, {}, self.s2_citations(urllib.parse.unquote(path.split("/")[3]), query)
        return 404, {}, {"error": f"no route {method} {path}"}

    def openalex_works(self, query: dict) -> dict:
        works = self.works
        for clause in (query.get("filter") or "").split(","):
            if not clause:
                continue
            name, _, value = clause.partition(":")
            values = value.split("|")
            if name == "doi":
                wanted = {v.lower().removeprefix("https://doi.org/") for v in values}
                works = [w for w in works if (w.get("doi") or "").lower().removeprefix("https://doi.org/") in wanted]
            elif name in ("openalex", "ids.openalex", "openalex_id"):
                wanted = {_short(v) for v in values}
                works = [w for w in works if _short(w["id"]) in wanted]
            elif name == "cites":
                wanted = {_short(v) for v in values}
                works = [w for w in works if wanted & {_short(r) for r in w.get("referenced_works") or []}]
            else:
                raise ValueError(f"filter {name!r} not replayed")
        if query.get("search"):
            words = query["search"].lower().split()
            works = [w for w in works if all(x in (w.get("title") or "").lower() for x in words)]
        per_page = min(int(query.get("per-page") or query.get("per_page") or 25), self.max_per_page)
        cursor = query.get("cursor")
        offset = 0 if cursor in (None, "*") else int(base64.b64decode(cursor))
        results = works[offset:offset + per_page]
        if query.get("select"):
            keep = set(query["select"].split(","))
            results = [{k: v for k, v in w.items() if k in keep} for w in results]
        next_cursor = base64.b64encode(str(offset + per_page).encode()).decode() if results else None
        return {"meta": {"count": len(works), "db_response_time_ms": 3, "page": None, "per_page": per_page,
                         "next_cursor": next_cursor, "groups_count": None},
                "results": results, "group_by": []}

    def _fields(self, paper: dict, query: dict) -> dict:
        keep = set((query.get("fields") or "title").split(",")) | {"paperId"}
        return {k: v for k, v in paper.items() if k in keep}

    def s2_search(self, query: dict) -> dict:
        words = query["query"].lower().split()
        hits = [p for p in self.papers if all(x in (p.get("title") or "").lower() for x in words)]
        offset, limit = int(query.get("offset", 0)), min(int(query.get("limit", 100)), 100, self.max_per_page)
        answer = {"total": len(hits), "offset": offset,
                  "data": [self._fields(p, query) for p in hits[offset:offset + limit]]}
        if offset + limit < len(hits):
            answer["next"] = offset + limit
        return answer

    def s2_batch(self, ids: list, query: dict) -> list:
        out = []
        for pid in ids:
            if pid.upper().startswith("DOI:"):
                doi = pid[4:].lower()
                found = next((p for p in self.papers if (p.get("externalIds") or {}).get("DOI", "").lower() == doi), None)
            else:
                found = self.by_pid.get(pid)
            out.append(self._fields(found, query) if found else None)
        return out

    def s2_citations(self, pid: str, query: dict) -> dict:
        citers = self.citers if pid == self.seed["paperId"] else []
        offset, limit = int(query.get("offset", 0)), min(int(query.get("limit", 100)), 1000, self.max_per_page)
        data = [{"contexts": [], "intents": [], "isInfluential": False,
                 "citingPaper": {k: v for k, v in self._fields(p, query).items() if k != "references"}}
                for p in citers[offset:offset + limit]]
        answer = {"offset": offset, "data": data}
        if offset + limit < len(citers):
            answer["next"] = offset + limit
        return answer


class _Handler(BaseHTTPRequestHandler):
    replay: ReplayServer

    def _serve(self, method: str) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        status, headers, payload = self.replay.answer(method, parts.path, query, body,
                                                     {k.lower(): v for k, v in self.headers.items()})
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def log_message(self, *args) -> None:  # quiet
        pass
