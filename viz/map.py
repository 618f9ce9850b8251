"""The map of the whole corpus (``GET /viz``): every paper at its stored layout
position, drawn with WebGL by the page's own small renderer (no library, no
network: the page works offline).

Why not sigma.js: in headless Chromium with software GL, sigma + graphology took
seconds until a large corpus was on screen, point sprites in one draw call a
fraction of that (docs/benchmarks.md, bench/viz_pages.py).

:func:`map_data` is pure: map rows, communities and similarity pairs in, the
compact arrays the page draws out. :func:`load_map` reads only what the map
needs from a store (:meth:`~graph.stores.base.GraphStore.map_papers` and
:meth:`~graph.stores.base.GraphStore.similar_pairs`: no abstracts, no keyword
rows). :func:`map_html` renders the page. Every text (titles, labels) travels
as JSON in a ``<script type="application/json">`` block (``<``, ``>``, ``&``,
U+2028 and U+2029 escaped) and the page puts it on screen with ``textContent``
or the canvas, never as HTML.
"""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from graph.models import Community
from graph.stores.base import GraphStore, MapPaper
from viz.render import community_color

__all__ = ["map_data", "load_map", "map_html", "script_json", "EDGES_ALWAYS_MAX"]

log = logging.getLogger(__name__)

_TEMPLATE = Path(__file__).parent / "templates" / "map.html"
#: Positions are sent as integers: layout coordinates times this.
_SCALE = 10_000
_PLACEHOLDER = re.compile(r"\{\{(csp|nonce|heading|config|data)\}\}")
#: Up to this many papers the overview draws each paper's strongest similarity
#: edge within its topic; above it edges are drawn only zoomed in, for the papers
#: in view (long WebGL lines over 100k papers cost seconds in software GL).
EDGES_ALWAYS_MAX = 40_000


def _short_label(label: str, terms: int) -> str:
    parts = [p.strip() for p in (label or "").split(",") if p.strip()]
    return ", ".join(parts[:terms]) if parts else (label or "").strip()


def map_data(
    papers: Sequence[MapPaper],
    communities: Sequence[Community],
    pairs: Iterable[tuple[str, str, float]] = (),
) -> dict[str, Any]:
    """The arrays the map page draws.

    Parameters
    ----------
    papers : sequence of MapPaper
        In draw priority order (PageRank descending); index ``i`` below is the
        paper's position here.
    communities : sequence of Community
        Topics (``level`` 0 or absent) and subtopics (``level`` 1, ``parent``).
    pairs : iterable of (source, target, score)
        Similarity edges; each paper keeps its strongest one inside its topic.

    Returns
    -------
    dict
        ``ids``, ``titles``, ``x``, ``y`` (integers, layout times 10,000),
        ``size``, ``topic`` / ``sub`` (indexes into ``topics`` / ``subs``, -1 for
        none), ``year`` (0 for unknown), ``edges`` (flat index pairs),
        ``topics`` and ``subs`` (``[id, label, short label, size, x, y]``, subs
        with the parent topic's index appended), ``years`` ``[min, max]``.

    >>> from graph.stores.base import MapPaper
    >>> rows = [MapPaper("a", "A", 2001, 0, None, 0.5, 0.0, 0.0), MapPaper("b", "B", None, 0, None, 0.2, 1.0, 0.0)]
    >>> d = map_data(rows, [Community(0, 2, "x, y", ("x", "y"), 0.1)], [("a", "b", 0.7)])
    >>> d["x"], d["topic"], d["year"], d["edges"], d["topics"]
    ([0, 10000], [0, 0], [2001, 0], [0, 1], [[0, 'x, y', 'x, y', 2, 5000, 0]])
    """
    topics = [c for c in communities if getattr(c, "level", 0) == 0]
    subs = [c for c in communities if getattr(c, "level", 0) == 1]
    topic_index = {c.id: i for i, c in enumerate(topics)}
    sub_index = {c.id: i for i, c in enumerate(subs)}
    n = len(papers)
    ids = [p.id for p in papers]
    index = {pid: i for i, pid in enumerate(ids)}
    topic = [topic_index.get(p.community, -1) for p in papers]
    sub = [sub_index.get(p.subcommunity, -1) for p in papers]
    xs, ys = _positions(papers, topic)
    top_pr = max((p.pagerank or 0.0 for p in papers), default=0.0) or 1.0
    size = [round(1.6 + 5.4 * math.sqrt(max(p.pagerank or 0.0, 0.0) / top_pr), 1) for p in papers]

    edges = _strongest_within(pairs, index, np.asarray(topic, dtype=np.int64))
    x_arr, y_arr = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)

    def centres(groups: list[int], count: int) -> list[tuple[int, list[int]]]:
        """(size, [median x, median y]) per group id 0..count-1."""
        g = np.asarray(groups, dtype=np.int64)
        order = np.argsort(g, kind="stable")
        bounds = np.searchsorted(g[order], np.arange(count + 1))
        out = []
        for k in range(count):
            members = order[bounds[k]:bounds[k + 1]]
            if len(members) == 0:
                out.append((0, [0, 0]))
            else:
                out.append((len(members), [int(np.median(x_arr[members])), int(np.median(y_arr[members]))]))
        return out

    topic_centres = centres(topic, len(topics))
    sub_centres = centres(sub, len(subs))
    topic_rows = [[c.id, c.label or f"Topic {c.id}", _short_label(c.label, 3) or f"Topic {c.id}",
                   topic_centres[k][0], *topic_centres[k][1]] for k, c in enumerate(topics)]
    sub_rows = [[c.id, c.label or f"Subtopic {c.id}", _short_label(c.label, 2) or f"Subtopic {c.id}",
                 sub_centres[k][0], *sub_centres[k][1], topic_index.get(getattr(c, "parent", None), -1)]
                for k, c in enumerate(subs)]
    years = [p.year for p in papers if isinstance(p.year, int)]
    return {
        "ids": ids,
        "titles": [_one_line(p.title) for p in papers],
        "x": xs,
        "y": ys,
        "size": size,
        "topic": topic,
        "sub": sub,
        "year": [p.year if isinstance(p.year, int) else 0 for p in papers],
        "edges": edges,
        "topics": topic_rows,
        "topic_colors": [community_color(c.id) for c in topics],
        "subs": sub_rows,
        "years": [min(years), max(years)] if years else [0, 0],
    }


def _strongest_within(pairs: Iterable[tuple[str, str, float]], index: dict[str, int],
                      topic: np.ndarray) -> list[int]:
    """Each paper's strongest pair inside its topic, as flat ``[i, j, ...]`` with
    ``i < j``, each pair once, sorted."""
    pairs = pairs if isinstance(pairs, list) else list(pairs)
    if not pairs:
        return []
    # Three comprehensions: zip(*pairs) over 200k tuples costs ten times more.
    sources = [p[0] for p in pairs]
    targets = [p[1] for p in pairs]
    scores = [p[2] for p in pairs]
    n = len(pairs)
    get = index.get
    a = np.fromiter(map(get, sources, repeat(-1, n)), dtype=np.int64, count=n)
    b = np.fromiter(map(get, targets, repeat(-1, n)), dtype=np.int64, count=n)
    w = np.fromiter(scores, dtype=np.float64, count=n)
    known = (a >= 0) & (b >= 0) & (a != b)
    a, b, w = a[known], b[known], w[known]
    same = (topic[a] == topic[b]) & (topic[a] >= 0)
    a, b, w = a[same], b[same], w[same]
    if len(a) == 0:
        return []
    node = np.concatenate([a, b])
    other = np.concatenate([b, a])
    score = np.concatenate([w, w])
    order = np.lexsort((other, -score, node))  # by node, strongest first, ties by the other's rank
    node, other = node[order], other[order]
    first = np.ones(len(node), dtype=bool)
    first[1:] = node[1:] != node[:-1]
    lo = np.minimum(node[first], other[first])
    hi = np.maximum(node[first], other[first])
    keep = np.unique(lo * (int(topic.shape[0]) + 1) + hi)
    size = int(topic.shape[0]) + 1
    out = np.empty(2 * len(keep), dtype=np.int64)
    out[0::2], out[1::2] = keep // size, keep % size
    return out.tolist()


def _one_line(text: str | None, limit: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _positions(papers: Sequence[MapPaper], topic: Sequence[int]) -> tuple[list[int], list[int]]:
    """Stored positions as integers; papers without one (an older analysis) go on
    a golden-angle spiral outside everything, grouped by topic."""
    n = len(papers)
    x = np.fromiter((np.nan if p.x is None else p.x for p in papers), dtype=np.float64, count=n)
    y = np.fromiter((np.nan if p.y is None else p.y for p in papers), dtype=np.float64, count=n)
    ok = np.isfinite(x) & np.isfinite(y)
    extent = max(1.0, float(np.abs(x[ok]).max(initial=0.0)), float(np.abs(y[ok]).max(initial=0.0)))
    missing = sorted(np.flatnonzero(~ok).tolist(), key=lambda i: (topic[i], i))
    for k, i in enumerate(missing):
        r = extent * (1.15 + 0.5 * math.sqrt((k + 0.5) / len(missing)))
        a = k * math.pi * (3.0 - math.sqrt(5.0))
        x[i], y[i] = r * math.cos(a), r * math.sin(a)
    xs = np.rint(x * _SCALE).astype(np.int64).tolist()
    ys = np.rint(y * _SCALE).astype(np.int64).tolist()
    return xs, ys


def load_map(store: GraphStore) -> dict[str, Any]:
    """:func:`map_data` of a store, read with its light map reads."""
    papers = store.map_papers()
    communities = store.communities()
    pairs = store.similar_pairs()
    log.info("map: %d papers, %d communities, %d similarity pairs", len(papers), len(communities), len(pairs))
    return map_data(papers, communities, pairs)


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>``, ``<!--``, ``]]>``
    or line separators can close it or break it.

    >>> script_json({"t": "</script><!-- \\u2028"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003c!-- \\\\u2028"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@lru_cache(maxsize=1)
def _template() -> str:
    return _TEMPLATE.read_text(encoding="utf-8")


def map_html(data: dict[str, Any], *, prefix: str = "/viz", api: str = "") -> str:
    """The map page, self-contained (script and data inlined).

    ``prefix`` is where the viz pages are served (links to paper and community
    pages), ``api`` the API root the side panel reads paper details from.
    """
    nonce = secrets.token_urlsafe(16)
    csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src data:; "
           "base-uri 'none'; form-action 'none'; connect-src 'self'")
    config = {"prefix": prefix.rstrip("/"), "api": api.rstrip("/"), "edgesAlwaysMax": EDGES_ALWAYS_MAX}
    n = len(data["ids"])
    parts = {
        "csp": csp,
        "nonce": nonce,
        "heading": f"Map of {n:,} papers",
        "config": script_json(config),
        "data": script_json(data),
    }
    # One pass: inserted text is never scanned for placeholders again.
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], _template())
