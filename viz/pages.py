"""The three pages (overview, community, paper) and the static site writer.

Pages are HTML strings; where they live is a :class:`~viz.render.Links` object:
:class:`ApiLinks` for pages served under ``/viz`` and :class:`SiteLinks` for
files written by :func:`write_site` (relative links, so the folder can be moved
and opened from disk with no server and no network).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Hashable
from urllib.parse import quote

from graph.errors import param_error
from graph.stores.base import GraphStore
from viz.data import GraphSnapshot, community_data, overview_data, paper_data
from viz.page_model import (COMMUNITY_NODES, MAP_BUDGET, NODE_BUDGET, RELATED_PAPERS, PageData,
                       display_title)
from viz.render import data_chunk, page_payload, render_page, vis_assets

__all__ = [
    "ApiLinks",
    "SiteLinks",
    "paper_slug",
    "overview_page",
    "community_page",
    "paper_page",
    "SiteReport",
    "write_site",
    "PageCache",
]

log = logging.getLogger(__name__)

_ASSETS = "assets"


class ApiLinks:
    """Links between pages served by the API under ``prefix`` (default ``/viz``)."""

    def __init__(self, prefix: str = "/viz") -> None:
        self.prefix = prefix.rstrip("/")

    def overview(self) -> str:
        return self.prefix or "/"

    def community(self, community_id: int) -> str | None:
        return f"{self.prefix}/communities/{int(community_id)}"

    def paper(self, paper_id: str) -> str | None:
        # Ids hold "/" and ":" (hep-th/9901001, doi:10.1/x): quote everything.
        return f"{self.prefix}/papers/{quote(paper_id, safe='')}"


def paper_slug(paper_id: str) -> str:
    """A file name for a paper page: readable, safe on every file system, unique.

    >>> paper_slug("hep-th/9901001")
    'hep-th_9901001-795e649a'
    """
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", paper_id).strip("._")[:60] or "paper"
    digest = hashlib.sha1(paper_id.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}"


class SiteLinks:
    """Relative links between the files of a static site.

    ``depth`` is how deep the current page sits (0 for ``index.html``, 1 for
    ``communities/3.html``). Pages not written (``papers``/``communities`` given
    and the id not in them) get no link.
    """

    def __init__(self, depth: int = 0, *, papers: Collection[str] | None = None,
                 communities: Collection[int] | None = None) -> None:
        self.up = "../" * depth
        self.papers = papers
        self.communities = communities

    def at(self, depth: int) -> "SiteLinks":
        return SiteLinks(depth, papers=self.papers, communities=self.communities)

    def overview(self) -> str:
        return f"{self.up}index.html"

    def community(self, community_id: int) -> str | None:
        if self.communities is not None and community_id not in self.communities:
            return None
        return f"{self.up}communities/{int(community_id)}.html"

    def paper(self, paper_id: str) -> str | None:
        if self.papers is not None and paper_id not in self.papers:
            return None
        return f"{self.up}paper.html?id={quote(paper_id, safe='')}"


# --- pages ------------------------------------------------------------------------------


def _snapshot(source: GraphStore | GraphSnapshot) -> GraphSnapshot:
    return source if isinstance(source, GraphSnapshot) else GraphSnapshot.load(source)


def overview_page(source: GraphStore | GraphSnapshot, links=None, *, node_budget: int = NODE_BUDGET,
                  map_budget: int = MAP_BUDGET, asset_prefix: str | None = None) -> str:
    """The overview page: every paper below ``node_budget``, else the community map."""
    page = overview_data(_snapshot(source), node_budget=node_budget, map_budget=map_budget)
    return render_page(page, links or ApiLinks(), asset_prefix=asset_prefix)


def community_page(source: GraphStore | GraphSnapshot, community_id: int, links=None, *,
                   node_budget: int = COMMUNITY_NODES, asset_prefix: str | None = None) -> str:
    """One community's papers. Raises CommunityNotFound. From a store it reads
    that community's page only (see :func:`viz.data.community_data`)."""
    page = community_data(source, community_id, node_budget=node_budget)
    return render_page(page, links or ApiLinks(), asset_prefix=asset_prefix)


def paper_page(source: GraphStore | GraphSnapshot, paper_id: str, links=None, *, related: int = RELATED_PAPERS,
               asset_prefix: str | None = None) -> str:
    """A paper, its most related papers and its prior and derivative works.
    Raises PaperNotFound."""
    page = paper_data(source, paper_id, related=related)
    return render_page(page, links or ApiLinks(), asset_prefix=asset_prefix)


# --- static site ------------------------------------------------------------------------


@dataclass
class SiteReport:
    out_dir: str
    pages: int = 0
    communities: int = 0
    papers: int = 0
    bytes: int = 0
    seconds: float = 0.0
    skipped_papers: int = 0
    files: list[str] = field(default_factory=list)


#: Papers per data file of a static site (about 0.5 MB each on citeseer).
PAPERS_PER_CHUNK = 100


def write_site(
    store: GraphStore | GraphSnapshot,
    out_dir: str | Path,
    *,
    node_budget: int = NODE_BUDGET,
    map_budget: int = MAP_BUDGET,
    max_paper_pages: int | None = None,
    inline_assets: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> SiteReport:
    """Write the overview (``index.html``), the community pages and one paper page
    (``paper.html?id=...``) that shows any paper from shared data files.

    Parameters
    ----------
    store : GraphStore or GraphSnapshot
        Where the graph is (read once into a snapshot).
    out_dir : path
        Created if missing; only files below it are written.
    max_paper_pages : int or None
        Data for the top papers by PageRank, at most this many (None: all).
        Papers without data are shown but not linked.
    inline_assets : bool
        False (default): one copy of vis-network in ``assets/`` serves every page.
        True: the overview and community pages carry it inline.

    Notes
    -----
    Each paper's page data (its related papers, edges, prior and derivative
    works) is written once, into ``data/papers/K.js`` where ``K`` is
    :func:`viz.render.data_chunk` of its id; ``paper.html`` reads ``?id=`` and
    loads that one file with a ``<script>`` element, which works from ``file://``
    where ``fetch()`` of a local file does not.
    """
    if max_paper_pages is not None and (isinstance(max_paper_pages, bool) or not isinstance(max_paper_pages, int)
                                        or max_paper_pages < 0):
        raise param_error("max_paper_pages", "write_site", "an int >= 0 or None", max_paper_pages)
    t0 = time.perf_counter()
    progress = progress or (lambda stage, done, total: None)
    out = Path(out_dir)
    snap = _snapshot(store)
    report = SiteReport(out_dir=str(out))

    papers = snap.papers if max_paper_pages is None else snap.papers[:max_paper_pages]
    paper_ids = {sp.paper.id for sp in papers}
    report.skipped_papers = len(snap.papers) - len(paper_ids)
    topics = [c for c in snap.communities if getattr(c, "level", 0) == 0]
    eligible = sorted((c for c in topics if c.size >= 2), key=lambda c: (-c.size, c.id))
    # The map draws the largest map_budget communities; below the node budget every
    # community in the legend gets its page. Subtopics (level 1) get pages too.
    drawn = topics if len(snap.papers) <= node_budget else eligible[:map_budget]
    community_ids = {c.id for c in drawn} | {c.id for c in snap.communities
                                             if getattr(c, "level", 0) == 1 and c.size >= 2}
    links = SiteLinks(0, papers=paper_ids, communities=community_ids)

    (out / "communities").mkdir(parents=True, exist_ok=True)
    (out / "data" / "papers").mkdir(parents=True, exist_ok=True)
    _write_assets(out / _ASSETS, report)

    def prefix(depth: int) -> str | None:
        return None if inline_assets else "../" * depth + f"{_ASSETS}/"

    def emit(path: Path, text: str, *, page: bool = True) -> None:
        path.write_text(text, encoding="utf-8")
        report.pages += page
        report.bytes += len(text.encode("utf-8"))
        report.files.append(str(path.relative_to(out)))

    html = render_page(overview_data(snap, node_budget=node_budget, map_budget=map_budget), links,
                       asset_prefix=prefix(0))
    emit(out / "index.html", html)
    for i, c in enumerate(sorted(community_ids)):
        page = community_data(snap, c)
        emit(out / "communities" / f"{c}.html", render_page(page, links.at(1), asset_prefix=prefix(1)))
        report.communities += 1
        progress("community pages", i + 1, len(community_ids))

    chunks = max(1, -(-len(papers) // PAPERS_PER_CHUNK))
    shell = PageData(kind="paper", heading="Paper", nodes=(), edges=(), layout="radial")
    emit(out / "paper.html", render_page(shell, links, asset_prefix=f"{_ASSETS}/",
                                         data_src=("data/papers/", chunks)))
    table = _PaperTable(snap, paper_ids)
    by_chunk: dict[int, dict[str, Any]] = {}
    for i, sp in enumerate(papers):
        page = paper_data(snap, sp.paper.id)
        by_chunk.setdefault(data_chunk(sp.paper.id, chunks), {})[sp.paper.id] = compact_payload(
            page, page_payload(page, links), table)
        report.papers += 1
        if (i + 1) % 200 == 0 or i + 1 == len(papers):
            progress("paper data", i + 1, len(papers))
    for k in range(chunks):
        emit(out / "data" / "papers" / f"{k}.js", f"citegraphData({_json(by_chunk.get(k, {}))});\n", page=False)
    emit(out / "data" / "index.js", f"citegraphIndex({_json(table.rows)});\n", page=False)
    report.seconds = time.perf_counter() - t0
    log.info("viz site: %d pages (%d communities), %d papers in %d data files, %d bytes in %.1fs",
             report.pages, report.communities, report.papers, chunks, report.bytes, report.seconds)
    return report


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _PaperTable:
    """Every paper a static site's paper pages name, once: ``[id, title, year,
    community, pagerank, keywords, has a page]``; pages refer to rows by index."""

    def __init__(self, snap: GraphSnapshot, with_page: Collection[str]) -> None:
        self.snap = snap
        self.with_page = with_page
        self.rows: list[list[Any]] = []
        self.index: dict[str, int] = {}

    def row(self, paper_id: str) -> int:
        i = self.index.get(paper_id)
        if i is None:
            sp = self.snap.by_id[paper_id]
            s = sp.scores
            i = self.index[paper_id] = len(self.rows)
            self.rows.append([paper_id, display_title(sp.paper), sp.paper.year, s.community if s else None,
                              float(f"{s.pagerank:.4g}") if s else None, list(sp.keywords[:5]),
                              1 if paper_id in self.with_page else 0])
        return i


_KIND_CODES = {"cites": 0, "similar": 1, "keywords": 2}


def compact_payload(page: PageData, payload: dict[str, Any], table: "_PaperTable") -> dict[str, Any]:
    """A paper page's payload with papers as rows of ``table`` (the page script's
    ``expand`` rebuilds the full payload): titles, keywords and links are written
    once for the whole site instead of once per page that shows them."""
    nodes = payload["nodes"]
    pos = {n["id"]: i for i, n in enumerate(nodes)}
    meta = dict(payload["meta"])
    lists = meta.pop("lists")
    return {
        "m": meta,
        "n": [[table.row(n["id"]), n["x"], n["y"], n["size"], n.get("hop", 1), n.get("note", ""),
               1 if n["label"] else 0, n["color"] if isinstance(n["color"], str) else n["color"]["background"]]
              for n in nodes],
        "e": [[pos[e["from"]], pos[e["to"]], _KIND_CODES[e["kind"]], e["weight"], e["width"]]
              for e in payload["edges"]],
        "l": [[pl.key, pl.title, pl.note, [[table.row(it.paper), it.reason] for it in pl.items]]
              for pl in page.lists],
    }


def _write_assets(folder: Path, report: SiteReport) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    js, css = vis_assets()
    for name, text in (("vis-network.min.js", js), ("vis-network.css", css)):
        (folder / name).write_text(text, encoding="utf-8")
        report.bytes += len(text.encode("utf-8"))
        report.files.append(f"{_ASSETS}/{name}")


# --- cache for servers ------------------------------------------------------------------


class PageCache:
    """The snapshot and the rendered pages of one version of a store.

    A server asks with the store's current ``version`` (anything hashable that
    changes when the graph does, e.g. counts and the last run); a new version
    drops everything. Thread-safe: one load at a time, readers share the result.
    """

    def __init__(self, max_pages: int = 64) -> None:
        self.max_pages = max_pages
        self._lock = threading.RLock()
        self._version: Hashable = None
        self._snapshot: GraphSnapshot | None = None
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._seen: tuple[float, Hashable] | None = None

    def version(self, compute: Callable[[], Hashable], *, ttl: float = 2.0) -> Hashable:
        """The store's version from ``compute()``, recomputed at most every ``ttl``
        seconds (reading counts on every request would cost more than the page)."""
        now = time.monotonic()
        seen = self._seen
        if seen is not None and now - seen[0] <= ttl:
            return seen[1]
        value = compute()
        self._seen = (now, value)
        return value

    def _check(self, version: Hashable) -> None:
        if version != self._version:
            self._version = version
            self._snapshot = None
            self._pages.clear()

    def loaded(self, version: Hashable) -> GraphSnapshot | None:
        """The snapshot of ``version`` if it is loaded already, else None."""
        with self._lock:
            self._check(version)
            return self._snapshot

    def snapshot(self, version: Hashable, load: Callable[[], GraphSnapshot]) -> GraphSnapshot:
        with self._lock:
            self._check(version)
            if self._snapshot is None:
                t0 = time.perf_counter()
                self._snapshot = load()
                log.info("viz snapshot loaded: %d papers, %d edges in %.2fs", len(self._snapshot.papers),
                         len(self._snapshot.index), time.perf_counter() - t0)
            return self._snapshot

    def page(self, version: Hashable, key: Hashable, make: Callable[[], str]) -> str:
        """The cached page ``key`` of ``version``, made (and kept) when missing."""
        with self._lock:
            self._check(version)
            html = self._pages.get(key)
            if html is not None:
                self._pages.move_to_end(key)
                return html
        html = make()
        with self._lock:
            if version == self._version:
                self._pages[key] = html
                while len(self._pages) > self.max_pages:
                    self._pages.popitem(last=False)
        return html
