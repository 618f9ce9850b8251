"""Which records are the same paper, decided without holding the records.

:func:`group_records` applies the rule of :func:`graph.ingest.dedup.deduplicate`
(same id, else same normalized title with no conflicting DOI or arXiv id; a
merged paper takes the strongest id of its records) to a stream of papers,
keeping only 8-byte digests of ids and title keys and per-group flags, not the
papers. Ingest reads its files twice: once to group (this), once to merge each
group (with ``deduplicate`` over that group's records alone) and write papers
in batches, so memory holds the keys, not every record (issue 24 item 6).

Digests are 64-bit BLAKE2b: two different keys collide with probability about
n^2 / 2^65 (3e-8 for a million keys); a collision can only merge two records
that ``deduplicate`` would have kept apart.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from hashlib import blake2b
from typing import Iterable

from graph.models import Paper, normalize_arxiv, normalize_doi

__all__ = ["Grouping", "group_records"]


@dataclass(frozen=True, slots=True)
class Grouping:
    """``group[i]`` is the group of the i-th record; ``sizes[g]`` how many records group g has."""

    group: array
    sizes: array

    @property
    def records(self) -> int:
        return len(self.group)

    @property
    def duplicates(self) -> int:
        return len(self.group) - len(self.sizes)


def _digest(text: str) -> int:
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _rank(pid: str) -> int:
    """As :func:`graph.ingest.dedup._rank`: DOI 0, arXiv 1, given id 2, title hash 3."""
    if pid.startswith("doi:"):
        return 0
    if pid.startswith("arxiv:"):
        return 1
    return 3 if pid.startswith("t:") else 2


def _arxiv(paper: Paper) -> str | None:
    found = normalize_arxiv(paper.arxiv_id)
    if found:
        return found
    given = paper.id if _rank(paper.id) == 2 else paper.extra.get("source_id")
    return normalize_arxiv(str(given)) if given is not None else None


def group_records(papers: Iterable[Paper]) -> Grouping:
    """Group a stream of papers as :func:`~graph.ingest.dedup.deduplicate` would merge them.

    >>> a = Paper(id="t:1", title="Deep Nets", year=2020)
    >>> b = Paper(id="doi:10.1000/x", title="Deep nets!", doi="10.1000/x")
    >>> c = Paper(id="doi:10.1000/y", title="Deep nets", doi="10.1000/y")
    >>> g = group_records([a, b, c])
    >>> list(g.group), list(g.sizes), g.duplicates
    ([0, 0, 1], [2, 1], 1)
    """
    group, sizes = array("q"), array("q")
    by_id: dict[int, int] = {}
    by_title: dict[int, int] = {}
    dois: list[int | None] = []   # the merged paper's DOI digest (first one given wins)
    arxivs: list[int | None] = []
    ranks = array("b")            # rank of the merged paper's id
    titled = array("b")           # whether the merged paper has a title
    for paper in papers:
        title_key = paper.title_key
        tk = _digest(title_key) if title_key else None
        doi = normalize_doi(paper.doi) or None
        arxiv = _arxiv(paper)
        doi_d = _digest(doi) if doi else None
        arxiv_d = _digest(arxiv) if arxiv else None
        index = by_id.get(_digest(paper.id))
        if index is None and tk is not None:
            candidate = by_title.get(tk)
            if candidate is not None and _possible(dois[candidate], doi_d) and _possible(arxivs[candidate], arxiv_d):
                index = candidate
        if index is None:
            index = len(sizes)
            by_id[_digest(paper.id)] = index
            if tk is not None:
                by_title.setdefault(tk, index)
            sizes.append(1)
            dois.append(doi_d)
            arxivs.append(arxiv_d)
            ranks.append(_rank(paper.id))
            titled.append(bool(paper.title))
            group.append(index)
            continue
        sizes[index] += 1
        group.append(index)
        by_id.setdefault(_digest(paper.id), index)
        if dois[index] is None:
            dois[index] = doi_d
        if arxivs[index] is None:
            arxivs[index] = arxiv_d
        rank = _rank(paper.id)
        if rank < ranks[index]:  # the merged paper takes the stronger id
            ranks[index] = rank
            by_id.setdefault(_digest(paper.id), index)
        if not titled[index] and paper.title and tk is not None:  # it gained a title
            titled[index] = 1
            by_title.setdefault(tk, index)
    return Grouping(group=group, sizes=sizes)


def _possible(a: int | None, b: int | None) -> bool:
    return a is None or b is None or a == b
