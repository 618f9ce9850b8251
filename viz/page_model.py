"""The plain data a page draws: nodes, edges, legend, search targets, budgets.

Frozen dataclasses and small pure helpers; built by :mod:`viz.build`, filled
from a store by :mod:`viz.data`, turned into HTML by :mod:`viz.render`.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.errors import param_error
from graph.models import display_title  # one rule for API, pages, exports (re-exported)

__all__ = [
    "NODE_BUDGET",
    "EDGE_BUDGET",
    "MAP_BUDGET",
    "MAP_EDGE_BUDGET",
    "MAP_LINKS_PER_COMMUNITY",
    "COMMUNITY_NODES",
    "BACKBONE_PER_NODE",
    "RELATED_PAPERS",
    "COMMUNITY_LABELS",
    "GroupEntry",
    "ListItem",
    "PaperList",
    "EDGE_KINDS",
    "PAGE_KINDS",
    "NodeData",
    "EdgeData",
    "LegendEntry",
    "SearchEntry",
    "PaperDetail",
    "PageData",
    "choose_level",
    "display_title",
    "community_node_id",
    "check_budget",
]

#: Papers drawn one by one up to this many; above it the overview is a community map.
NODE_BUDGET = 2000
#: Edges drawn on one page at most (the strongest are kept; citations first).
#: vis-network spends ~0.1 ms per edge building its model, so this bounds the wait.
EDGE_BUDGET = 8000
#: Links drawn between communities on the map at most, and per community.
MAP_EDGE_BUDGET = 1500
MAP_LINKS_PER_COMMUNITY = 8
#: Communities drawn on the map at most (the largest; singletons are never drawn).
MAP_BUDGET = 400
#: Papers drawn on a community page at most (the top by PageRank).
COMMUNITY_NODES = 500
#: Each paper's strongest edges of each kind kept on a community page.
BACKBONE_PER_NODE = 3
#: Related papers drawn around a paper on its page.
RELATED_PAPERS = 30
#: Papers labelled on the canvas of a community page (the top by PageRank).
COMMUNITY_LABELS = 10

#: Paper-to-paper edge kinds, in drawing priority order.
EDGE_KINDS = ("cites", "similar", "keywords")
PAGE_KINDS = ("overview", "map", "community", "paper")


@dataclass(frozen=True, slots=True)
class NodeData:
    """One drawn node: a paper, or a community on the map (``kind="community"``).

    ``x``/``y`` are the stored layout position (None when there is none);
    ``size`` is the number of members for a community node, 1 for a paper;
    ``hop`` is the distance from the centre on an ego page.
    """

    id: str
    kind: str
    title: str
    year: int | None = None
    keywords: tuple[str, ...] = ()
    community: int | None = None
    community_label: str = ""
    pagerank: float | None = None
    x: float | None = None
    y: float | None = None
    size: int = 1
    hop: int | None = None
    paper: str | None = None
    group: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class GroupEntry:
    """A colour group of a community page: a subtopic (``community`` is its id)
    or, without stored subtopics, a group found on the page (``community`` None)."""

    index: int
    label: str
    size: int
    community: int | None = None
    color: str | None = None


@dataclass(frozen=True, slots=True)
class ListItem:
    """One paper of a side list (related papers, prior or derivative works)."""

    paper: str
    title: str
    year: int | None
    community: int | None
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class PaperList:
    """A titled, ranked list of papers beside the graph."""

    key: str
    title: str
    note: str
    items: tuple[ListItem, ...]


@dataclass(frozen=True, slots=True)
class EdgeData:
    """One drawn edge. ``kind`` is ``similar``, ``keywords``, ``cites`` (directed,
    source cites target) or ``community`` (map links); ``detail`` is evidence as
    short texts (shared terms, shared keywords, link counts by kind)."""

    source: str
    target: str
    kind: str
    weight: float
    detail: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LegendEntry:
    community: int
    label: str
    size: int


@dataclass(frozen=True, slots=True)
class SearchEntry:
    """A search target that is not a node itself: a paper shown through its
    community node on the map."""

    text: str
    node: str
    paper: str | None = None


@dataclass(frozen=True, slots=True)
class PaperDetail:
    """The record shown beside a paper's ego network (text only; links are
    checked by the renderer)."""

    id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    url: str | None = None
    keywords: tuple[str, ...] = ()
    community: int | None = None
    community_label: str = ""
    pagerank: float | None = None
    bridge: float | None = None


@dataclass(frozen=True, slots=True)
class PageData:
    """Everything one page draws. ``layout`` is ``stored`` (positions from the
    analysis, physics off), ``radial`` (ego rings, short physics run) or
    ``fallback`` (no stored layout: a deterministic spiral, physics off)."""

    kind: str
    heading: str
    nodes: tuple[NodeData, ...]
    edges: tuple[EdgeData, ...]
    legend: tuple[LegendEntry, ...] = ()
    layout: str = "stored"
    focus: str | None = None
    community: int | None = None
    notes: tuple[str, ...] = ()
    top_papers: tuple[NodeData, ...] = ()
    search: tuple[SearchEntry, ...] = ()
    paper: PaperDetail | None = None
    groups: tuple[GroupEntry, ...] = ()
    lists: tuple[PaperList, ...] = ()
    labelled: tuple[str, ...] | None = None


def choose_level(n_papers: int, node_budget: int = NODE_BUDGET) -> str:
    """``"papers"`` when every paper fits the budget, else ``"communities"``.

    >>> choose_level(440), choose_level(3186)
    ('papers', 'communities')
    """
    check_budget("node_budget", "choose_level", node_budget)
    return "papers" if n_papers <= node_budget else "communities"


def community_node_id(community_id: int) -> str:
    """Node id of a community on the map.

    >>> community_node_id(3)
    'community:3'
    """
    return f"community:{community_id}"


def check_budget(name: str, where: str, value: object, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise param_error(name, where, f"an int >= {low}", value)
    return value
