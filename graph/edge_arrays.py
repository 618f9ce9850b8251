"""Edges held as columns: COUPLED / CO_CITED / SHARES_KEYWORDS as NumPy arrays, not objects.

A :class:`CoupledEdge` with its ids and evidence tuple costs a few hundred
bytes of Python objects; the same edge here is ~40 bytes (two int32 ends, an
int32 count, a float64 strength, an int64 offset and a few int32 evidence
indices), with the ids named once in ``names``. Stores that can write columns
read :meth:`EdgeArrays.rows` in batches; every other caller sees a read-only
sequence of edge objects, made one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from graph.models import CoCitedEdge, CoupledEdge

__all__ = ["EdgeArrays"]

#: Edges made into Python values at a time (bounds the transient lists).
_BLOCK = 10_000


class EdgeArrays(Sequence):
    """Undirected weighted edges with evidence, as columns.

    Parameters
    ----------
    kind : type
        :class:`CoupledEdge`, :class:`CoCitedEdge` or :class:`SharedKeywordsEdge`:
        what items are made of (``kind(source, target, count, strength, evidence)``).
    names : sequence of str
        Node ids by index; also the names of the evidence (papers, or keywords
        named after the papers).
    source, target : ndarray of int
        Indices into ``names``, ``source < target`` in the order of ``names``.
    count : ndarray of int
    strength : ndarray of float
    evidence_ptr : ndarray of int, length ``len(source) + 1``
        Edge ``i``'s evidence is ``evidence[evidence_ptr[i]:evidence_ptr[i + 1]]``.
    evidence : ndarray of int
        Indices into ``names``.

    Examples
    --------
    >>> import numpy as np
    >>> e = EdgeArrays(CoupledEdge, ["a", "b", "x"], np.array([0]), np.array([1]), np.array([1]),
    ...                np.array([1.0]), np.array([0, 1]), np.array([2]))
    >>> list(e)
    [CoupledEdge(source='a', target='b', count=1, strength=1.0, shared=('x',))]
    """

    __slots__ = ("kind", "names", "source", "target", "count", "strength", "evidence_ptr", "evidence")

    def __init__(self, kind: type, names: Sequence[str], source: np.ndarray, target: np.ndarray,
                 count: np.ndarray, strength: np.ndarray, evidence_ptr: np.ndarray, evidence: np.ndarray) -> None:
        self.kind = kind
        self.names = names
        self.source = source
        self.target = target
        self.count = count
        self.strength = strength
        self.evidence_ptr = evidence_ptr
        self.evidence = evidence

    @classmethod
    def empty(cls, kind: type) -> EdgeArrays:
        """No edge."""
        none = np.zeros(0, dtype=np.int32)
        return cls(kind, [], none, none, none, np.zeros(0), np.zeros(1, dtype=np.int64), none)

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns (not ``names``, which the caller shares)."""
        return sum(a.nbytes for a in (self.source, self.target, self.count, self.strength,
                                      self.evidence_ptr, self.evidence))

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self._edges(*i.indices(len(self))))
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("EdgeArrays index out of range")
        return next(self._edges(i, i + 1, 1))

    def __iter__(self) -> Iterator[CoupledEdge | CoCitedEdge]:
        return self._edges(0, len(self), 1)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"EdgeArrays({self.kind.__name__}, {len(self)} edges)"

    def rows(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[str, str, int, float, tuple[str, ...]]]:
        """``(source, target, count, strength, evidence)`` of edges ``start:stop``,
        plain Python values, made ``_BLOCK`` at a time."""
        stop = len(self) if stop is None else min(stop, len(self))
        for lo in range(start, stop, _BLOCK):
            yield from self._block(lo, min(stop, lo + _BLOCK))

    def _block(self, start: int, stop: int) -> Iterator[tuple[str, str, int, float, tuple[str, ...]]]:
        names, ptr = self.names, self.evidence_ptr
        ev = self.evidence[ptr[start]:ptr[stop]].tolist()
        cuts = (ptr[start:stop + 1] - ptr[start]).tolist()
        for j, (s, t, c, st) in enumerate(zip(self.source[start:stop].tolist(), self.target[start:stop].tolist(),
                                              self.count[start:stop].tolist(), self.strength[start:stop].tolist())):
            yield names[s], names[t], c, st, tuple(names[x] for x in ev[cuts[j]:cuts[j + 1]])

    def batches(self, size: int) -> Iterator[list[tuple[str, str, int, float, tuple[str, ...]]]]:
        """:meth:`rows` in lists of at most ``size``, in order."""
        for lo in range(0, len(self), size):
            yield list(self.rows(lo, lo + size))

    def _edges(self, start: int, stop: int, step: int) -> Iterator[Any]:
        kind = self.kind
        if step == 1:
            return (kind(*row) for row in self.rows(start, stop))
        return (kind(*next(self._block(i, i + 1))) for i in range(start, stop, step))
