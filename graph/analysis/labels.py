"""Community labels from distinctive keywords and top papers."""

from __future__ import annotations

import functools
import math
from collections import Counter
from typing import Hashable, Iterable, Iterator, Mapping, Sequence

from graph.models import KeywordScore
from graph.text import GENERIC_WORDS

__all__ = ["community_keywords", "top_papers"]


def community_keywords(
    parts: Sequence[Iterable[str]],
    has_keyword: Iterable[KeywordScore],
    *,
    size: int = 10,
    min_community: int = 2,
) -> list[tuple[str, ...]]:
    """The most distinctive keywords of each community, best first.

    A paper carries its keywords and the shorter keywords they contain
    ("diffusion model" in "closed-form diffusion model"), so that the variants
    of one concept count together. A term ``t`` of community ``c`` scores
    ``n_ct * log(lift)``, where ``n_ct`` counts the papers of ``c`` carrying it
    and ``lift = (n_ct / N_c) / (n_t / N)`` is how much more often the
    community's papers carry it than all papers do: coverage and distinctiveness
    together. Class-based TF-IDF (``tf * log(1 + A / f)``, used before) let a
    general word carried by many papers of a mixed community beat the topic's
    own terms ("network, kernel, score, student", issue 21).

    A label term must be carried by two papers of the community at least, more
    often there than overall (``lift > 1``; when no term is, the most shared
    terms are taken), and must not be a word of :data:`graph.text.GENERIC_WORDS`
    alone. A phrase
    replaces a shorter term it contains when it covers at least half of that
    term's papers ("neural network" for "network"), and a term that only
    repeats part of a chosen one ("theory" after "string theory") is skipped.

    Parameters
    ----------
    parts : sequence of sets of paper ids
        Communities in id order.
    has_keyword : iterable of KeywordScore
        ``HAS_KEYWORD`` rows; papers outside ``parts`` are ignored.
    size : int
        Keywords kept per community, at most.
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
    ...       ("c", "z"), ("d", "z"), ("c", "y"), ("d", "y"), ("b", "w y")]]
    >>> community_keywords([{"a", "b"}, {"c", "d"}], kw)
    [('x',), ('z',)]
    """
    parts = [set(p) for p in parts]
    member = {paper: cid for cid, part in enumerate(parts) for paper in part}
    carried: dict[str, set[str]] = {}
    for row in has_keyword:
        if row.paper_id in member:
            carried.setdefault(row.paper_id, set()).add(row.keyword)
    vocabulary = set().union(*carried.values()) if carried else set()
    tf: list[Counter[str]] = [Counter() for _ in parts]
    for paper, kws in carried.items():
        terms = set(kws)
        for kw in kws:
            terms.update(t for t in _sub_phrases(kw) if t in vocabulary)
        tf[member[paper]].update(terms)
    total: Counter[str] = Counter()
    for counts in tf:
        total.update(counts)
    n_papers = len(member)
    single = sum(1 for part in parts if part) <= 1
    out = []
    for part, counts in zip(parts, tf):
        if len(part) < min_community or not counts:
            out.append(())
            continue
        shared = [t for t, n in counts.items() if n >= 2 and t not in GENERIC_WORDS]
        score = {}
        for term in shared:
            lift = (counts[term] / len(part)) / (total[term] / n_papers)
            if lift > 1.0 and not single:
                score[term] = counts[term] * math.log(lift)
        if not score:
            # Nothing sets it apart (a single community, or a subtopic made of
            # its parent's words only): its most shared terms.
            score = {t: float(counts[t]) for t in shared}
        ranked = sorted(score, key=lambda t: (-score[t], t))
        out.append(_distinct(_prefer_phrases(ranked, counts), size))
    return out


def _prefer_phrases(ranked: list[str], counts: Mapping[str, int]) -> Iterator[str]:
    """``ranked`` with each term replaced by the most common phrase of
    ``ranked`` containing it that covers at least half its papers, each once.

    Lazy: a label takes the first few, and each costs a pass over ``ranked``
    (a large community ranks tens of thousands of terms: all of them would be
    quadratic: over 10 CPU-minutes, unfinished, at synth-300k).

    >>> list(_prefer_phrases(["network", "kernel", "neural network"], {"network": 5, "kernel": 4, "neural network": 3}))
    ['neural network', 'kernel']
    """
    words = {t: _tokens(t) for t in ranked}
    seen: set[str] = set()
    for term in ranked:
        longer = [t for t in ranked if t != term and words[term] < words[t] and 2 * counts[t] >= counts[term]]
        best = min(longer, key=lambda t: (-counts[t], t), default=term)
        if best not in seen:
            seen.add(best)
            yield best


@functools.lru_cache(maxsize=1 << 16)
def _sub_phrases(keyword: str) -> tuple[str, ...]:
    """The shorter word sequences inside a keyword.

    >>> _sub_phrases("closed-form diffusion model")
    ('closed-form', 'diffusion', 'model', 'closed-form diffusion', 'diffusion model')
    """
    words = keyword.split()
    return tuple(" ".join(words[i : i + n]) for n in range(1, len(words)) for i in range(len(words) - n + 1))


def _distinct(ranked: Iterable[str], size: int) -> tuple[str, ...]:
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
