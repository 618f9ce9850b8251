"""Related papers, prior and derivative works, and edge backbones: pure functions.

What a paper page and a community page draw, computed from plain Python data
(no store, no HTML):

- :func:`related_papers` ranks the papers around one paper by one relatedness
  score (similar abstracts, shared keywords, citations either way, shared
  references and shared citers), with the main reason per paper;
- :func:`prior_works` and :func:`derivative_works` are what Connected Papers
  calls them: older papers most cited by a neighbourhood, newer papers citing
  much of it;
- :func:`backbone` keeps each paper's few strongest edges of each kind, so a
  dense community draws a readable skeleton with every kind present;
- :func:`subgroups` splits a set of papers into labelled groups (a fallback
  colouring when the store has no subtopics).

A link is ``(other paper, kind, weight)`` with kind one of :data:`RELATIONS`:
``similar`` (cosine of abstracts), ``keywords`` (Jaccard of keyword sets),
``cites`` (this paper cites the other), ``cited_by`` (the other cites this one).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Collection, Iterable, Mapping, Sequence

from graph.errors import param_error

__all__ = [
    "RELATIONS",
    "RELATION_WEIGHTS",
    "Related",
    "Work",
    "related_papers",
    "prior_works",
    "derivative_works",
    "backbone",
    "subgroups",
    "SIGNALS",
    "FUSED_WEIGHTS",
    "Fused",
    "parse_weights",
    "fuse_related",
    "chains_of",
]

#: Kinds of a paper's direct links.
RELATIONS = ("similar", "keywords", "cites", "cited_by")
#: What one unit of each kind of evidence adds to the relatedness score.
#: ``co_cites`` (both cite the same paper) and ``co_cited`` (both cited by the
#: same paper) add ``weight * log2(1 + shared papers)``: a few shared citers
#: count, hundreds do not drown the text evidence.
RELATION_WEIGHTS: Mapping[str, float] = {
    "similar": 1.0, "keywords": 0.5, "cites": 0.6, "cited_by": 0.6, "co_cites": 0.15, "co_cited": 0.15,
}

Link = tuple[str, str, float]


@dataclass(frozen=True, slots=True)
class Related:
    """A paper related to the focal one: ``score`` is the sum of the weighted
    evidence, ``reason`` the kind that contributed most, ``reasons`` every kind
    that contributed, strongest first."""

    paper_id: str
    score: float
    reason: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Work:
    """A prior or derivative work: ``count`` papers of the neighbourhood it is
    cited by (prior) or that it cites (derivative)."""

    paper_id: str
    count: int
    year: int | None


def _check_limit(name: str, where: str, value: object, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise param_error(name, where, f"an int >= {low}", value)
    return value


def related_papers(
    center: str,
    links: Callable[[str], Iterable[Link]],
    *,
    limit: int = 30,
    weights: Mapping[str, float] = RELATION_WEIGHTS,
    degree: Callable[[str], int] | None = None,
    max_via_degree: int = 100,
    max_vias: int = 200,
) -> list[Related]:
    """The ``limit`` papers most related to ``center``, best first.

    Parameters
    ----------
    center : str
        The focal paper.
    links : callable
        ``links(paper)`` gives that paper's ``(other, kind, weight)`` links.
        It is called for ``center`` and for the papers ``center`` cites or is
        cited by (for shared references and shared citers).
    limit : int
        How many to return at most.
    weights : mapping
        Weight of each kind of evidence (:data:`RELATION_WEIGHTS`).
    degree : callable, optional
        ``degree(paper)``: how many links a paper has. With it, shared
        references and citers are not looked for through papers with more than
        ``max_via_degree`` links: sharing a hub says little (as a frequent word
        does), and on large graphs reading a hub's thousands of citers for every
        page costs most of the time.
    max_vias : int
        At most this many cited or citing papers are searched for shared
        references and citers, the most specific first (fewest links, when
        ``degree`` is given; then by id): a page of a paper cited 2,500 times
        stays cheap.

    Returns
    -------
    list of Related
        By score descending, ties by paper id; never ``center`` itself.

    Examples
    --------
    >>> adj = {"a": [("b", "similar", 0.9), ("c", "cites", 1.0)], "c": [("a", "cited_by", 1.0)]}
    >>> [(r.paper_id, r.reason) for r in related_papers("a", lambda p: adj.get(p, []))]
    [('b', 'similar'), ('c', 'cites')]
    """
    _check_limit("limit", "related_papers", limit)
    _check_limit("max_vias", "related_papers", max_vias, 0)
    evidence: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    direct = list(links(center))
    for other, kind, weight in direct:
        if kind not in RELATIONS:
            raise param_error("kind", "related_papers", f"one of {list(RELATIONS)}", kind)
        if other == center:
            continue
        # Several links of one kind (duplicates) count once, at their strongest.
        evidence[other][kind] = max(evidence[other][kind], weights.get(kind, 0.0) * float(weight))
    # Shared references (both cite r) and shared citers (c cites both).
    shared_counts: dict[str, Counter[str]] = defaultdict(Counter)
    vias = sorted({(o, k) for o, k, _ in direct if k in ("cites", "cited_by") and o != center})
    if degree is not None:
        sized = [(degree(o), o, k) for o, k in vias]
        vias = [(o, k) for d, o, k in sorted(sized) if d <= max_via_degree]
    for via, kind in vias[:max_vias]:
        shared = "co_cites" if kind == "cites" else "co_cited"
        for other, k2, _ in links(via):
            if other == center:
                continue
            if (kind == "cites" and k2 == "cited_by") or (kind == "cited_by" and k2 == "cites"):
                shared_counts[other][shared] += 1
    for other, by_kind in shared_counts.items():
        for shared, n in by_kind.items():
            evidence[other][shared] = weights.get(shared, 0.0) * math.log2(1 + n)
    out = []
    for other, parts in evidence.items():
        ranked = sorted(((v, k) for k, v in parts.items() if v > 0), key=lambda t: (-t[0], t[1]))
        if not ranked:
            continue
        out.append(Related(other, round(sum(v for v, _ in ranked), 6), ranked[0][1],
                           tuple(k for _, k in ranked)))
    out.sort(key=lambda r: (-r.score, r.paper_id))
    return out[:limit]


def prior_works(
    neighbourhood: Collection[str],
    cites: Callable[[str], Iterable[str]],
    years: Mapping[str, int | None],
    *,
    before: int | None = None,
    limit: int = 10,
    min_count: int = 2,
) -> list[Work]:
    """Papers most cited by ``neighbourhood``, older ones: the field's foundations.

    ``cites(p)`` gives what ``p`` cites. A work counts each citing paper of the
    neighbourhood once; works newer than ``before`` (when both years are known)
    are left out. Ranked by count descending, then year ascending, then id.

    >>> refs = {"a": ["x", "y"], "b": ["x"], "c": ["x", "y"]}
    >>> prior_works(["a", "b", "c"], lambda p: refs.get(p, []), {"x": 1990, "y": 1995})
    [Work(paper_id='x', count=3, year=1990), Work(paper_id='y', count=2, year=1995)]
    """
    _check_limit("limit", "prior_works", limit)
    _check_limit("min_count", "prior_works", min_count)
    counts: Counter[str] = Counter()
    for p in set(neighbourhood):
        counts.update({q for q in cites(p) if q != p})
    return _works(counts, years, limit, min_count,
                  lambda y: before is None or y is None or y <= before, older_first=True)


def derivative_works(
    neighbourhood: Collection[str],
    cited_by: Callable[[str], Iterable[str]],
    years: Mapping[str, int | None],
    *,
    after: int | None = None,
    limit: int = 10,
    min_count: int = 2,
) -> list[Work]:
    """Papers citing many of ``neighbourhood``, newer ones: where the field went.

    ``cited_by(p)`` gives the papers citing ``p``. Works older than ``after``
    (when both years are known) are left out. Ranked by count descending, then
    year descending, then id.

    >>> citers = {"a": ["z"], "b": ["z", "w"], "c": ["z"]}
    >>> derivative_works(["a", "b", "c"], lambda p: citers.get(p, []), {"z": 2001}, min_count=1)
    [Work(paper_id='z', count=3, year=2001), Work(paper_id='w', count=1, year=None)]
    """
    _check_limit("limit", "derivative_works", limit)
    _check_limit("min_count", "derivative_works", min_count)
    counts: Counter[str] = Counter()
    for p in set(neighbourhood):
        counts.update({q for q in cited_by(p) if q != p})
    return _works(counts, years, limit, min_count,
                  lambda y: after is None or y is None or y >= after, older_first=False)


def _works(counts: Counter[str], years: Mapping[str, int | None], limit: int, min_count: int,
           keep: Callable[[int | None], bool], *, older_first: bool) -> list[Work]:
    sign = 1 if older_first else -1
    found = [Work(p, int(n), years.get(p)) for p, n in counts.items() if n >= min_count and keep(years.get(p))]
    # Unknown years go last either way.
    found.sort(key=lambda w: (-w.count, w.year is None, sign * (w.year or 0), w.paper_id))
    return found[:limit]


def backbone(
    edges: Sequence[tuple[str, str, str, float]],
    *,
    per_node: int = 3,
    rank: Mapping[str, float] | None = None,
) -> list[int]:
    """Indexes of the edges that are among either end's ``per_node`` strongest
    of their kind: each paper keeps its best links of every kind, so a dense
    graph becomes a readable skeleton that still shows every kind.

    ``edges`` are ``(source, target, kind, weight)``. Ties in weight (citations
    all weigh 1) go to the edge whose other end ranks higher in ``rank`` (e.g.
    PageRank), then to the earlier edge. Returns sorted indexes.

    >>> e = [("a", "b", "similar", 0.9), ("a", "c", "similar", 0.5), ("a", "d", "similar", 0.1),
    ...      ("d", "c", "similar", 0.05)]
    >>> backbone(e, per_node=1)
    [0, 1, 2]
    """
    _check_limit("per_node", "backbone", per_node)
    rank = rank or {}
    by_end: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (s, t, kind, _) in enumerate(edges):
        by_end[(s, kind)].append(i)
        by_end[(t, kind)].append(i)
    kept: set[int] = set()
    for (node, _), idx in by_end.items():
        def key(i: int, node: str = node) -> tuple:
            s, t, _, w = edges[i]
            other = t if s == node else s
            return (-float(w), -rank.get(other, 0.0), i)
        kept.update(sorted(idx, key=key)[:per_node])
    return sorted(kept)


def subgroups(
    papers: Sequence[str],
    edges: Iterable[tuple[str, str, float]],
    keywords: Mapping[str, Sequence[str]],
    *,
    max_groups: int = 8,
    min_size: int = 3,
    seed: int = 0,
) -> tuple[dict[str, int], list[tuple[int, str, int]]]:
    """Split ``papers`` into at most ``max_groups`` labelled groups (Louvain on
    the weighted ``(a, b, weight)`` edges); smaller groups and papers without
    edges go to the last group, "other".

    Returns ``(group of each paper, [(group, label, size), ...])`` with groups
    numbered 0.. by size descending. A label is the two keywords most
    over-represented in the group against all of ``papers``.
    """
    import networkx as nx

    _check_limit("max_groups", "subgroups", max_groups)
    g = nx.Graph()
    g.add_nodes_from(papers)
    for a, b, w in edges:
        if a in g and b in g and a != b:
            g.add_edge(a, b, weight=float(w) + (g[a][b]["weight"] if g.has_edge(a, b) else 0.0))
    parts = nx.community.louvain_communities(g, weight="weight", seed=seed) if g.number_of_edges() else []
    parts = sorted((sorted(p) for p in parts if len(p) >= min_size), key=lambda p: (-len(p), p[0]))
    parts = parts[:max_groups]
    group: dict[str, int] = {}
    for gid, members in enumerate(parts):
        for p in members:
            group[p] = gid
    other = len(parts)
    rest = [p for p in papers if p not in group]
    for p in rest:
        group[p] = other
    total = Counter(k for p in papers for k in set(keywords.get(p, ())))
    n = max(len(papers), 1)
    labels = []
    for gid, members in enumerate(parts):
        inside = Counter(k for p in members for k in set(keywords.get(p, ())))
        # Lift over the whole set, damped so a keyword of one paper does not win.
        scored = sorted(inside, key=lambda k: (-(inside[k] / len(members)) * (inside[k] / len(members))
                                               / (total[k] / n), k))
        labels.append((gid, ", ".join(scored[:2]) or f"group {gid + 1}", len(members)))
    if rest:
        labels.append((other, "other", len(rest)))
    return group, labels


# --- fused relatedness (issue 23) ----------------------------------------------

#: The signals :func:`fuse_related` adds up, in display order.
SIGNALS = ("similar", "keywords", "coupled", "cocited", "cites")

#: Default weight of each signal: chosen by ``citegraph evaluate --holdout 0.2
#: --seed 0`` on hepth and citeseer (docs/quality.md).
FUSED_WEIGHTS: Mapping[str, float] = {
    "similar": 1.0, "keywords": 0.0, "coupled": 0.5, "cocited": 1.0, "cites": 2.0,
}

#: Damping of rank fusion (:func:`fuse_related`), chosen with the weights.
RANK_K = 2.0

#: ``signal -> {other paper: (score, evidence)}``, the evidence one paper has.
SignalMap = Mapping[str, Mapping[str, tuple[float, Mapping[str, object]]]]


@dataclass(frozen=True, slots=True)
class Fused:
    """A paper related to the focal one by several signals: ``score`` is the
    weighted sum of ``signals`` (each signal's own score, 0 when absent) and
    ``evidence`` each present signal's evidence."""

    paper_id: str
    score: float
    signals: Mapping[str, float]
    evidence: Mapping[str, Mapping[str, object]]


def parse_weights(text: str | None, *, where: str = "related") -> dict[str, float]:
    """``"similar:1,coupled:0.5"`` -> the default weights with those replaced.

    >>> parse_weights("similar:2,cites:0")["similar"], parse_weights("similar:2,cites:0")["cites"]
    (2.0, 0.0)
    >>> parse_weights("bogus:1")
    Traceback (most recent call last):
    ...
    graph.errors.InvalidParameter: The 'weights' parameter of related must be a comma list of signal:weight \
with signals in ['similar', 'keywords', 'coupled', 'cocited', 'cites'] and weights >= 0. Got 'bogus:1' instead.
    """
    weights = dict(FUSED_WEIGHTS)
    if not text:
        return weights
    expected = f"a comma list of signal:weight with signals in {list(SIGNALS)} and weights >= 0"
    for part in text.split(","):
        name, sep, value = part.partition(":")
        name = name.strip()
        try:
            w = float(value)
        except ValueError:
            w = -1.0
        if not sep or name not in SIGNALS or not (w >= 0.0) or w == float("inf"):
            raise param_error("weights", where, expected, text)
        weights[name] = w
    return weights


def fuse_related(
    signals: SignalMap,
    *,
    weights: Mapping[str, float] = FUSED_WEIGHTS,
    limit: int = 10,
    exclude: Collection[str] = (),
    method: str = "rank",
    rank_k: float = RANK_K,
) -> list[Fused]:
    """One ranked list from every signal's scores around one paper.

    Parameters
    ----------
    signals : mapping
        ``signal -> {other: (score, evidence)}`` for signals of :data:`SIGNALS`
        (similar: cosine; keywords: Jaccard; coupled and cocited: normalised
        strength; cites: 1 for a direct citation either way). Scores are in
        [0, 1], so weights compare signals, not units.
    weights : mapping
        Weight per signal (:data:`FUSED_WEIGHTS`); a missing signal weighs 0.
    limit : int
        How many to return at most.
    exclude : collection
        Papers never returned (the focal paper, or known pairs in evaluation).
    method : {'rank', 'sum'}
        ``rank`` (the default, weighted reciprocal rank fusion): each signal
        adds ``weight / (rank_k + rank)``, its rank 0 being its best paper;
        ``sum``: each adds ``weight * score``. Rank fusion found more held-out
        citations on hepth and citeseer (docs/quality.md): the signals' scores
        are on different scales (a cosine of 0.3 is high for abstracts, low
        for shared references), their ranks are not.
    rank_k : float
        The damping of ``rank`` fusion.

    Returns
    -------
    list of Fused
        By score descending, ties by paper id; papers whose weighted score is
        0 are left out.

    Examples
    --------
    >>> sig = {"similar": {"b": (0.5, {"terms": ["x"]}), "c": (0.2, {})}, "coupled": {"c": (0.6, {})}}
    >>> [(f.paper_id, f.score) for f in fuse_related(sig, method="sum")]
    [('c', 0.8), ('b', 0.5)]
    >>> [(f.paper_id, f.score) for f in fuse_related(sig, method="rank", rank_k=2)]
    [('c', 0.833333), ('b', 0.5)]
    """
    _check_limit("limit", "fuse_related", limit)
    if method not in ("rank", "sum"):
        raise param_error("method", "fuse_related", "'rank' or 'sum'", method)
    skip = set(exclude)
    totals: dict[str, float] = defaultdict(float)
    for name, by_other in signals.items():
        w = float(weights.get(name, 0.0))
        if w <= 0.0:
            continue
        if method == "sum":
            for other, (score, _) in by_other.items():
                totals[other] += w * float(score)
            continue
        order = sorted((o for o in by_other if o not in skip), key=lambda o: (-float(by_other[o][0]), o))
        for rank, other in enumerate(order):
            totals[other] += w / (rank_k + rank)
    ranked = sorted(((s, o) for o, s in totals.items() if s > 0.0 and o not in skip), key=lambda t: (-t[0], t[1]))
    out = []
    for s, other in ranked[:limit]:
        scores = {name: float(signals[name][other][0]) if other in signals.get(name, {}) else 0.0
                  for name in SIGNALS}
        evidence = {name: dict(signals[name][other][1]) for name in SIGNALS
                    if other in signals.get(name, {})}
        out.append(Fused(other, round(s, 6), scores, evidence))
    return out


def chains_of(
    center: str,
    cites: Callable[[str], Iterable[str]],
    cited_by: Callable[[str], Iterable[str]],
    *,
    k: int = 20,
    max_vias: int = 200,
    degree: Callable[[str], int] | None = None,
) -> dict[str, tuple[float, dict[str, object]]]:
    """Two-step citation chains from one paper, the ``cites`` signal's second
    part: ``center -> x -> other`` and ``other -> x -> center``, for papers
    not linked to ``center`` directly.

    Scored as :func:`graph.coupling.citation_chains` scores them (``count /
    sqrt(d_center d_other)`` over citation degrees); the ``k`` strongest are
    returned as ``{other: (strength, {"chains": count, "via": [...]})}``.

    >>> refs = {"a": ["x"], "x": ["b", "c"], "b": [], "c": []}
    >>> citers = {"x": ["a"], "b": ["x"], "c": ["x"]}
    >>> sorted(chains_of("a", lambda p: refs.get(p, []), lambda p: citers.get(p, [])).items())
    [('b', (1.0, {'chains': 1, 'via': ['x']})), ('c', (1.0, {'chains': 1, 'via': ['x']}))]
    """
    _check_limit("k", "chains_of", k)
    out_c, in_c = list(dict.fromkeys(cites(center))), list(dict.fromkeys(cited_by(center)))
    direct = set(out_c) | set(in_c) | {center}
    counts: Counter[str] = Counter()
    via: dict[str, list[str]] = defaultdict(list)
    for x in sorted(out_c)[:max_vias]:
        for other in cites(x):
            if other not in direct:
                counts[other] += 1
                via[other].append(x)
    for x in sorted(in_c)[:max_vias]:
        for other in cited_by(x):
            if other not in direct:
                counts[other] += 1
                via[other].append(x)
    if degree is None:
        def degree(p: str) -> int:
            return len(set(cites(p)) | set(cited_by(p)))
    d_center = max(len(out_c) + len(in_c), 1)
    scored = []
    for other, n in counts.items():
        s = round(n / math.sqrt(d_center * max(degree(other), 1)), 6)
        scored.append((-s, -n, other))
    scored.sort()
    return {other: (-s, {"chains": -n, "via": sorted(via[other])[:5]}) for s, n, other in scored[:k]}
