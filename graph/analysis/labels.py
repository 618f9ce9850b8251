"""Community labels from distinctive keywords (class-based TF-IDF) and top papers."""

from __future__ import annotations

import math
from typing import Hashable, Iterable, Mapping, Sequence

from graph.models import KeywordScore

__all__ = ["community_keywords", "top_papers"]


def community_keywords(
    parts: Sequence[Iterable[str]],
    has_keyword: Iterable[KeywordScore],
    *,
    size: int = 10,
    min_community: int = 2,
) -> list[tuple[str, ...]]:
    """The most distinctive keywords of each community, best first.

    Class-based TF-IDF (as in BERTopic): a community is one document made of
    its papers' keywords; ``tf`` is how many of its papers carry a keyword and
    the weight is ``tf * log(1 + A / f)``, where ``f`` counts the keyword over
    all communities and ``A`` is the mean number of keywords per community. A
    keyword carried by one paper only ranks after every keyword shared by
    several, and a keyword that only repeats part of a better one ("theory"
    after "string theory") is skipped, so labels read as topics.

    Parameters
    ----------
    parts : sequence of sets of paper ids
        Communities in id order.
    has_keyword : iterable of KeywordScore
        ``HAS_KEYWORD`` rows; papers outside ``parts`` are ignored.
    size : int
        Keywords kept per community.
    min_community : int
        Smaller communities (isolated papers) get no keywords: a label built
        from one paper's terms would describe the paper, not a topic.

    Returns
    -------
    list of tuple of str
        One tuple per community, possibly empty.

    Examples
    --------
    >>> kw = [KeywordScore(p, k, 1.0) for p, k in [("a", "x"), ("b", "x"), ("a", "y"),
    ...       ("c", "z"), ("d", "z"), ("c", "y")]]
    >>> community_keywords([{"a", "b"}, {"c", "d"}], kw)
    [('x', 'y'), ('z', 'y')]
    """
    parts = [set(p) for p in parts]
    member = {paper: cid for cid, part in enumerate(parts) for paper in part}
    tf: list[dict[str, int]] = [{} for _ in parts]
    seen: set[tuple[str, str]] = set()
    for row in has_keyword:
        cid = member.get(row.paper_id)
        if cid is None or (row.paper_id, row.keyword) in seen:
            continue
        seen.add((row.paper_id, row.keyword))
        tf[cid][row.keyword] = tf[cid].get(row.keyword, 0) + 1
    freq: dict[str, int] = {}
    for counts in tf:
        for kw, c in counts.items():
            freq[kw] = freq.get(kw, 0) + c
    if not freq:
        return [() for _ in parts]
    mean_words = sum(freq.values()) / len(parts)
    out = []
    for part, counts in zip(parts, tf):
        if len(part) < min_community or not counts:
            out.append(())
            continue
        ranked = sorted(
            counts,
            key=lambda kw: (counts[kw] < 2, -counts[kw] * math.log(1.0 + mean_words / freq[kw]), kw),
        )
        out.append(_distinct(ranked, size))
    return out


def _distinct(ranked: list[str], size: int) -> tuple[str, ...]:
    chosen: list[str] = []
    seen_tokens: list[frozenset[str]] = []
    seen_joined: set[str] = set()
    for kw in ranked:
        tokens = _tokens(kw)
        joined = "".join(sorted(tokens))
        if joined in seen_joined or any(tokens <= other or other <= tokens for other in seen_tokens):
            continue
        chosen.append(kw)
        seen_tokens.append(tokens)
        seen_joined.add(joined)
        seen_joined.add(kw.replace("-", "").replace(" ", ""))
        if len(chosen) == size:
            break
    return tuple(chosen)


def _tokens(keyword: str) -> frozenset[str]:
    """Words of a keyword for overlap checks: hyphens split, a plural ``s`` dropped.

    >>> sorted(_tokens("Multi-agent systems"))
    ['agent', 'multi', 'system']
    """
    words = keyword.lower().replace("-", " ").split()
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def top_papers(parts: Sequence[Iterable[Hashable]], score: Mapping[Hashable, float], *, size: int = 5) -> list[tuple]:
    """Per community, its ``size`` highest-scoring papers (ties by id).

    >>> top_papers([{"a", "b", "c"}], {"a": 0.2, "b": 0.5, "c": 0.2}, size=2)
    [('b', 'a')]
    """
    return [tuple(sorted(part, key=lambda p: (-score.get(p, 0.0), p))[:size]) for part in parts]
