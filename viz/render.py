"""Page data to one HTML string, through pyvis and our own template.

pyvis sits behind :func:`render_page` only. We build its node and edge records
ourselves (``Network.from_nx`` mutates the graph it is given; ``add_edge`` scans
every edge for duplicates, quadratic on big pages), render with
``Network.generate_html()`` into our template (pyvis's links Bootstrap from a CDN),
and inline vis-network's JavaScript and CSS from the pyvis package so the page
works with no network. Nothing is written anywhere.

Every text reaches the page either through Jinja autoescaping or as JSON that
the page's script turns into DOM text nodes (``textContent``), never HTML.
"""

from __future__ import annotations

import functools
import math
import re
import secrets
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from viz.page_model import EDGE_KINDS, NodeData, PageData

__all__ = [
    "Links",
    "PALETTE",
    "EDGE_STYLES",
    "community_color",
    "render_page",
    "page_payload",
    "data_chunk",
    "vis_assets",
    "safe_external_url",
    "content_security_policy",
]

#: Community colours, the same on every page (map, community, paper, author, timeline);
#: community ``c`` gets ``PALETTE[c % 20]``. Tableau 10 reordered so that the first five,
#: the topics most corpora have, differ most, then Tableau 10's dark companions.
PALETTE = (
    "#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
    "#9c755f", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#17becf", "#bcbd22", "#e377c2",
    "#8c564b", "#aec7e8", "#ffbb78", "#98df8a",
)
_NO_COMMUNITY = "#9e9e9e"

#: How each edge kind is drawn (applied by the page script from this table).
EDGE_STYLES: dict[str, dict[str, Any]] = {
    "similar": {"name": "similar abstracts", "color": "#5b8db8", "dashes": False, "arrows": False},
    "keywords": {"name": "shared keywords", "color": "#e8923a", "dashes": [6, 5], "arrows": False},
    "cites": {"name": "cites", "color": "#3f9142", "dashes": False, "arrows": True},
    "community": {"name": "links between communities", "color": "#8c96a3", "dashes": False, "arrows": False},
}

_VIS_DIR = ("templates", "lib", "vis-9.1.2")
_SMALL_PAGE = 60
_LABELLED = 30
_LABELLED_COMMUNITIES = 60
_RING = 230.0


class Links(Protocol):
    """Where pages live: the API (``/viz/...``) or a static site (relative files).
    ``None`` means the page does not exist (e.g. not written to a static site)."""

    def overview(self) -> str: ...

    def community(self, community_id: int) -> str | None: ...

    def paper(self, paper_id: str) -> str | None: ...


def community_color(community: int | None) -> str:
    """Colour of a community, the same on every page.

    >>> community_color(0), community_color(20), community_color(None)
    ('#4e79a7', '#4e79a7', '#9e9e9e')
    """
    return _NO_COMMUNITY if community is None else PALETTE[community % len(PALETTE)]


def safe_external_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None (no ``javascript:``).

    >>> safe_external_url("javascript:alert(1)") is None, safe_external_url("https://arxiv.org/abs/1")
    (True, 'https://arxiv.org/abs/1')
    """
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url
    return None


@functools.lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """vis-network's JavaScript and CSS as shipped inside the pyvis package,
    made safe to inline in ``<script>`` / ``<style>`` elements."""
    import pyvis

    base = Path(pyvis.__file__).parent.joinpath(*_VIS_DIR)
    js = (base / "vis-network.min.js").read_text(encoding="utf-8")
    css = (base / "vis-network.css").read_text(encoding="utf-8")
    # An end tag inside the inlined text would close the element early.
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    css = re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)
    return js, css


@functools.lru_cache(maxsize=1)
def _environment() -> Environment:
    folder = Path(__file__).parent / "templates"
    return Environment(loader=FileSystemLoader(str(folder)), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


class _PageEnvironment:
    """What ``Network.generate_html()`` asks for a template: ours, with the page's
    own context bound next to the nodes, edges and options pyvis passes."""

    def __init__(self, env: Environment, extra: Mapping[str, Any]) -> None:
        self._env = env
        self._extra = dict(extra)

    def get_template(self, name: str) -> "_BoundTemplate":
        return _BoundTemplate(self._env.get_template(name), self._extra)


class _BoundTemplate:
    def __init__(self, template, extra: Mapping[str, Any]) -> None:
        self._template = template
        self._extra = extra

    def render(self, **context: Any) -> str:
        return self._template.render(**context, **self._extra)


def render_page(page: PageData, links: Links, *, asset_prefix: str | None = None,
                data_src: tuple[str, int] | None = None) -> str:
    """The HTML of one page.

    Parameters
    ----------
    page : PageData
        What to draw (see :mod:`viz.data`).
    links : Links
        Where the other pages are.
    asset_prefix : str, optional
        None (default) inlines vis-network's JS and CSS; a prefix such as
        ``"../assets/"`` links them from files next to the page instead (static
        sites, where one copy serves every page).
    data_src : (str, int), optional
        A page that draws no data of its own but the paper named by ``?id=`` in
        its URL, read from ``{prefix}{chunk}.js`` (``chunk`` in ``range(n)``, see
        :func:`data_chunk`), each file calling ``citegraphData({id: payload})``.

    Returns
    -------
    str
        A complete HTML document.
    """
    from pyvis.edge import Edge
    from pyvis.network import Network
    from pyvis.node import Node

    net = Network(height="100%", width="100%", heading=page.heading, cdn_resources="in_line")
    for rec in _node_records(page, links):
        node_id = rec.pop("id")
        options = Node(node_id, "dot", label=rec.pop("label"), **rec).options
        net.nodes.append(options)
        net.node_ids.append(node_id)
        net.node_map[node_id] = options
    for i, edge in enumerate(page.edges):
        net.edges.append(Edge(edge.source, edge.target, False, **_edge_record(i, edge, page)).options)
    net.options = _vis_options(page)
    net.path = "page.html"
    if data_src is not None:
        data = {"src": data_src[0], "chunks": int(data_src[1]), "palette": list(PALETTE), "none": _NO_COMMUNITY}
    else:
        data = {"page": {"meta": _meta(page, links), "nodes": net.nodes, "edges": net.edges}}
    net.templateEnv = _PageEnvironment(_environment(), _context(page, asset_prefix, data))
    return net.generate_html()


def page_payload(page: PageData, links: Links) -> dict[str, Any]:
    """What a page script draws, as JSON-ready data: ``{meta, nodes, edges}``
    (the static site stores these in data files)."""
    from pyvis.edge import Edge
    from pyvis.node import Node

    nodes = []
    for rec in _node_records(page, links):
        node_id = rec.pop("id")
        nodes.append(Node(node_id, "dot", label=rec.pop("label"), **rec).options)
    edges = [Edge(e.source, e.target, False, **_edge_record(i, e, page)).options for i, e in enumerate(page.edges)]
    return {"meta": _meta(page, links), "nodes": nodes, "edges": edges}


def data_chunk(paper_id: str, chunks: int) -> int:
    """Which data file of a static site holds ``paper_id``: FNV-1a (32 bit) of
    its UTF-8 bytes modulo ``chunks``, the same sum the page script computes.

    >>> data_chunk("a", 1000)
    220
    """
    h = 0x811C9DC5
    for byte in paper_id.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h % chunks


# --- records --------------------------------------------------------------------------


def _node_records(page: PageData, links: Links) -> list[dict[str, Any]]:
    positions = _positions(page)
    labelled = set(page.labelled) if page.labelled is not None else _labelled(page.nodes)
    max_pr = max((n.pagerank or 0.0 for n in page.nodes), default=0.0) or 1.0
    max_size = max((n.size for n in page.nodes), default=1) or 1
    out = []
    for n in page.nodes:
        x, y = positions[n.id]
        rec: dict[str, Any] = {
            "id": n.id,
            "label": _short(n.title, 40) if n.id in labelled else "",
            "x": x,
            "y": y,
            "color": _node_color(page, n),
            "size": _node_size(n, max_pr, max_size),
            "kind": n.kind,
            "name": n.title,
            "community": n.community,
        }
        if n.kind == "community":
            rec["members"] = n.size
            rec["keywords"] = list(n.keywords)
            rec["url"] = links.community(n.community) if n.community is not None else None
            rec["mass"] = 1 + math.log1p(n.size)
        else:
            rec["year"] = n.year
            rec["keywords"] = list(n.keywords)
            rec["pagerank"] = n.pagerank
            rec["url"] = links.paper(n.id)
            if n.hop is not None:
                rec["hop"] = n.hop
            if n.note:
                rec["note"] = n.note
        if page.kind == "community" and rec["label"]:
            # Few labels on a zoomed-out canvas: large, on a white box, and as
            # large as the canvas is wide, so they read the same once fitted.
            rec["font"] = {"size": community_label_size(len(page.nodes)), "face": "system-ui, sans-serif",
                           "background": "rgba(255,255,255,0.8)"}
            rec["label"] = _short(n.title, 40)
        if page.kind == "paper" and rec["label"] and page.focus != n.id:
            rec["font"] = {"size": 24, "face": "system-ui, sans-serif", "background": "rgba(255,255,255,0.75)"}
        if page.focus == n.id:
            rec["fixed"] = True
            rec["borderWidth"] = 4
            rec["size"] = 26
            rec["color"] = {"background": rec["color"], "border": "#1f2933"}
            rec["font"] = {"size": 24, "face": "system-ui, sans-serif", "bold": True,
                           "background": "rgba(255,255,255,0.85)"}
            rec["label"] = _short(n.title, 70)
        out.append(rec)
    return out


def _node_color(page: PageData, n: NodeData) -> str:
    """By subtopic group on pages that have groups, else by community."""
    if page.groups and not (page.kind == "paper" and n.id == page.focus):
        if n.group is None:
            return _NO_COMMUNITY
        own = next((g.color for g in page.groups if g.index == n.group and g.color), None)
        return own or PALETTE[n.group % len(PALETTE)]
    return community_color(n.community)


def _edge_record(i: int, e, page: PageData) -> dict[str, Any]:
    rec: dict[str, Any] = {"id": f"e{i}", "kind": e.kind, "weight": round(float(e.weight), 4)}
    if e.detail:
        rec["detail"] = list(e.detail)
    if e.kind == "community":
        rec["width"] = round(1 + math.log1p(e.weight), 2)
    elif e.kind == "cites":
        rec["width"] = 1.2
    else:
        rec["width"] = round(0.6 + 2.4 * min(max(e.weight, 0.0), 1.0), 2)
    return rec


def _node_size(n: NodeData, max_pr: float, max_size: int) -> float:
    if n.kind == "community":
        return round(12 + 48 * math.sqrt(n.size / max_size), 2)
    return round(5 + 15 * math.sqrt(max(n.pagerank or 0.0, 0.0) / max_pr), 2)


def _labelled(nodes: Sequence[NodeData]) -> set[str]:
    """Labels for every node of a small page; on big ones, the communities and the
    top papers by PageRank only (thousands of labels are unreadable and slow)."""
    if len(nodes) <= _SMALL_PAGE:
        return {n.id for n in nodes}
    papers = sorted((n for n in nodes if n.kind == "paper"), key=lambda n: (-(n.pagerank or 0.0), n.id))
    communities = sorted((n for n in nodes if n.kind == "community"), key=lambda n: (-n.size, n.id))
    return {n.id for n in communities[:_LABELLED_COMMUNITIES]} | {n.id for n in papers[:_LABELLED]}


def community_label_size(n_nodes: int) -> int:
    """Font size (canvas px) of a community page's paper labels.

    The canvas spans ``300 + 55 * sqrt(n)`` px (:func:`_positions`) and the page
    fits it to the window, so a fixed size reads ~2x larger on a 100-node topic
    than on a 500-node one (issue 21: 40 px labels, tuned for 500 nodes,
    covered a 100-paper topic and were cut off at its left edge). The size
    follows the span, so labels read about 15 px on screen whatever the size:
    28 at 500 nodes, never below 12.

    >>> [community_label_size(n) for n in (30, 100, 500, 2000)]
    [12, 16, 28, 28]
    """
    span = _canvas_span(max(n_nodes, 1))
    return int(round(max(min(_LABEL_PX * span / _canvas_span(_LABEL_NODES), _LABEL_PX), 12)))


#: Community page paper labels: this size (canvas px) at this many nodes.
_LABEL_PX, _LABEL_NODES = 28, 500


def _canvas_span(n_nodes: int) -> float:
    """Width of the canvas (px) a page of ``n_nodes`` is laid out on."""
    return 300 + 55 * math.sqrt(n_nodes)


def _positions(page: PageData) -> dict[str, tuple[float, float]]:
    """Canvas pixels from the stored (or ring) layout: centred, spread with the
    node count so that dense pages stay readable when zoomed in."""
    if page.layout == "radial":
        return {n.id: (round((n.x or 0.0) * _RING, 1), round((n.y or 0.0) * _RING, 1)) for n in page.nodes}
    xs = [n.x or 0.0 for n in page.nodes]
    ys = [n.y or 0.0 for n in page.nodes]
    if not xs:
        return {}
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    target = _canvas_span(len(page.nodes))
    return {n.id: (round((x - cx) / span * target, 1), round((y - cy) / span * target, 1))
            for n, x, y in zip(page.nodes, xs, ys)}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _vis_options(page: PageData) -> dict[str, Any]:
    big = len(page.nodes) > 500 or len(page.edges) > 3000
    physics: dict[str, Any] = {"enabled": False}
    if page.layout == "radial":
        # Small ego pages only: a bounded run from the ring positions, then off.
        physics = {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -140, "springLength": 190, "avoidOverlap": 0.8},
            "stabilization": {"enabled": True, "iterations": 150, "updateInterval": 50, "fit": True},
        }
    return {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "physics": physics,
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "navigationButtons": False,
            "keyboard": False,
            "multiselect": False,
        },
        "nodes": {"shape": "dot", "borderWidth": 1, "font": {"size": 14, "face": "system-ui, sans-serif"}},
        "edges": {"smooth": False if big else {"enabled": True, "type": "continuous", "roundness": 0.2},
                  "selectionWidth": 2, "hoverWidth": 1},
    }


# --- the rest of the page (server-side text, autoescaped) -------------------------------


def content_security_policy(nonce: str, *, files: bool = False) -> str:
    """The page's policy: only its own scripts (by nonce) run, nothing is fetched
    from the network. ``files``: vis-network comes from files next to the page."""
    local = " 'self' file:" if files else ""
    return (f"default-src 'none'; script-src 'nonce-{nonce}'{local}; style-src 'unsafe-inline'{local}; "
            "img-src data:; base-uri 'none'; form-action 'none'; connect-src 'none'")


def _meta(page: PageData, links: Links) -> dict[str, Any]:
    """Everything the page script shows besides nodes and edges (all text)."""
    kinds_drawn = {e.kind for e in page.edges}
    edge_counts = {k: sum(1 for e in page.edges if e.kind == k) for k in (*EDGE_KINDS, "community")}
    if page.groups:
        legend = [{"label": g.label, "size": g.size, "color": g.color or PALETTE[g.index % len(PALETTE)],
                   "url": links.community(g.community) if g.community is not None else None}
                  for g in page.groups]
        legend_title = ("Why related (main reason)" if page.kind == "paper"
                        else "Subtopics" if any(g.community is not None for g in page.groups)
                        else "Groups (by similarity; no stored subtopics)")
    else:
        legend = [{"label": f"{c.community}: {c.label or f'Community {c.community}'}", "size": c.size,
                   "color": community_color(c.community), "url": links.community(c.community)}
                  for c in page.legend]
        legend_title = "Communities"
    communities = {str(c.community): c.label or f"Community {c.community}" for c in page.legend}
    search = [[s.text, s.node, links.paper(s.paper) if s.paper else None] for s in page.search]
    top = [{"title": n.title, "url": links.paper(n.id), "color": community_color(n.community)}
           for n in page.top_papers]
    drawn = {n.id for n in page.nodes}
    colors = {n.id: _node_color(page, n) for n in page.nodes}
    lists = [{"key": pl.key, "title": pl.title, "note": pl.note,
              "items": [{"title": it.title, "url": links.paper(it.paper), "year": it.year,
                         "color": colors.get(it.paper) or community_color(it.community), "reason": it.reason,
                         "node": it.paper if it.paper in drawn else None} for it in pl.items]}
             for pl in page.lists]
    detail = None
    if page.paper is not None:
        p = page.paper
        detail = {
            "title": p.title, "abstract": p.abstract, "authors": ", ".join(p.authors), "year": p.year,
            "venue": p.venue, "keywords": ", ".join(p.keywords), "id": p.id,
            "community": p.community, "community_label": p.community_label,
            "community_url": links.community(p.community) if p.community is not None else None,
            "doi_url": _doi_url(p.doi), "doi": p.doi, "url": safe_external_url(p.url),
            "pagerank": p.pagerank, "color": community_color(p.community),
        }
    crumbs: list[list[Any]] = [["Overview", links.overview()]]
    if page.kind == "community" and page.community is not None:
        crumbs.append([f"Community {page.community}", None])
    if page.kind == "paper" and page.paper is not None and page.paper.community is not None:
        crumbs.append([f"Community {page.paper.community}", links.community(page.paper.community)])
    return {
        "kind": page.kind,
        "heading": page.heading,
        "focus": page.focus,
        "layout": page.layout,
        "physics": page.layout == "radial",
        "communities": communities,
        "edgeStyles": {k: EDGE_STYLES[k] for k in EDGE_STYLES if k in kinds_drawn},
        "edgeKinds": [{"kind": k, "count": edge_counts[k], **EDGE_STYLES[k]} for k in EDGE_STYLES
                      if edge_counts.get(k)],
        "search": search,
        "noneColor": _NO_COMMUNITY,
        "legend": legend,
        "legendTitle": legend_title,
        "topPapers": top,
        "lists": lists,
        "detail": detail,
        "crumbs": crumbs,
        "notes": list(page.notes),
        "counts": f"{len(page.nodes):,} nodes, {len(page.edges):,} edges.",
    }


def _context(page: PageData, asset_prefix: str | None, data: Mapping[str, Any]) -> dict[str, Any]:
    js, css = (None, None) if asset_prefix is not None else vis_assets()
    nonce = secrets.token_urlsafe(16)
    return {
        "page": page,
        "data": data,
        "vis_options": _vis_options(page),
        "vis_js": Markup(js) if js is not None else None,
        "vis_css": Markup(css) if css is not None else None,
        "asset_prefix": asset_prefix,
        "nonce": nonce,
        "csp": content_security_policy(nonce, files=asset_prefix is not None),
    }


def _doi_url(doi: str | None) -> str | None:
    if not doi:
        return None
    return "https://doi.org/" + quote(doi.strip(), safe="/:;()._-")
