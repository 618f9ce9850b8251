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

from graph.ingest.identity import paper_aliases
from graph.models import Paper

__all__ = ["Grouping", "group_records"]


@dataclass(frozen=True, slots=True)
class Grouping:
    """``group[i]`` is the group of the i-th record; ``sizes[g]`` how many records
    group g has. Groups are numbered by their first record."""

    group: array
    sizes: array

    @property
    def records(self) -> int:
        return len(self.group)



def _digest(text: str) -> int:
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _find(parent: array, node: int) -> int:
    root = node
    while parent[root] != root:
        root = parent[root]
    while parent[node] != root:  # path compression
        parent[node], node = root, parent[node]
    return root


def group_records(papers: Iterable[Paper]) -> Grouping:
    """Group a stream of papers so that :func:`~graph.ingest.dedup.deduplicate`
    never merges records of two groups.

    >>> a = Paper(id="t:1", title="Deep Nets", year=2020)
    >>> b = Paper(id="doi:10.1000/x", title="Deep nets!", doi="10.1000/x")
    >>> c = Paper(id="doi:10.1000/y", title="Other", doi="10.1000/y")
    >>> g = group_records([a, b, c])
    >>> list(g.group), list(g.sizes)
    ([0, 0, 1], [2, 1])
    """
    nodes: dict[int, int] = {}  # key digest -> union-find node
    parent = array("q")
    first = array("q")          # a node of each record's keys
    for paper in papers:
        keys = [paper.id, *(f"alias:{a}" for a in paper_aliases(paper))]
        if paper.title_key:
            keys.append(f"title:{paper.title_key}")
        roots = []
        for key in keys:
            digest = _digest(key)
            node = nodes.get(digest)
            if node is None:
                node = nodes[digest] = len(parent)
                parent.append(node)
            roots.append(_find(parent, node))
        root = min(roots)
        for other in roots:
            parent[other] = root
        first.append(root)
    del nodes
    number: dict[int, int] = {}
    group, sizes = array("q"), array("q")
    for node in first:
        index = number.setdefault(_find(parent, node), len(number))
        if index == len(sizes):
            sizes.append(0)
        sizes[index] += 1
        group.append(index)
    return Grouping(group=group, sizes=sizes)
