"""Reader for citation edge lists: ``citing,cited`` pairs of paper ids.

Accepted: CSV (header optional, quoted fields ok), or two whitespace- or
tab-separated columns (as SNAP edge lists); ``#`` and ``%`` lines are comments;
gzip ok. Streamed line by line, so memory stays bounded whatever the size:
a line over :data:`~graph.ingest.limits.MAX_RECORD_CHARS` is reported
without being held, and an id that could not be a paper id (over
:data:`~graph.ingest.limits.MAX_KEY_BYTES`) makes its line a bad record.
"""

from __future__ import annotations

import csv
import os
from functools import lru_cache
from typing import Iterator

from graph.errors import BadRecord
from graph.ingest.fields import id_problem, normalize_key, normalize_reference
from graph.ingest.io import TextSource, bounded_lines, inspect, location, open_text
from graph.ingest.limits import MAX_RECORD_CHARS

__all__ = ["iter_citations", "HEADER_NAMES"]

#: Column names that mark the first row as a header rather than an edge.
HEADER_NAMES = frozenset(
    {
        "citing", "cited", "source", "target", "from", "to", "src", "dst", "paper", "paper_id",
        "reference", "references", "ref", "cites", "cited_by", "citing_id", "cited_id", "citing_paper",
        "cited_paper", "source_id", "target_id", "from_id", "to_id", "fromnodeid", "tonodeid",
        "id1", "id2", "node1", "node2", "head", "tail",
    }
)


def iter_citations(path: str | os.PathLike[str]) -> Iterator[tuple[str, str] | BadRecord]:
    """Citation pairs ``(citing, cited)`` of an edge-list file, in file order.

    Ids are stripped; explicit DOIs and arXiv references are written as paper
    ids (``doi:...``, ``arxiv:...``, see
    :func:`graph.ingest.fields.normalize_reference`); other ids are kept as
    given. Self-citations are passed through: what to do with them is the
    graph builder's call.

    Parameters
    ----------
    path : str or path-like
        The edge list, plain or gzip-compressed.

    Returns
    -------
    iterator of (str, str) or BadRecord
        A line that is not two non-empty ids is a :class:`BadRecord`.

    Raises
    ------
    UnreadableFile
        At once, for a file that cannot be read at all (missing, not UTF-8,
        binary, empty, ...).
    """
    return _pairs(inspect(path))


def _pairs(source: TextSource) -> Iterator[tuple[str, str] | BadRecord]:
    path = source.path
    first = True
    with open_text(source) as stream:
        for number, line, length in bounded_lines(stream, MAX_RECORD_CHARS):
            if line is None:
                first = False
                yield BadRecord(location(path, number), f"line of {length:,} characters, over the limit of {MAX_RECORD_CHARS:,}")
                continue
            text = line.strip()
            if not text or text.startswith(("#", "%")):
                continue
            if "," in text:
                try:
                    fields = next(csv.reader([text])) if '"' in text else text.split(",")
                except csv.Error as exc:
                    first = False
                    yield BadRecord(location(path, number), f"CSV error: {exc}")
                    continue
            else:
                fields = text.split()
            if first:
                first = False
                if len(fields) == 2 and all(normalize_key(field.strip()) in HEADER_NAMES for field in fields):
                    continue
            if len(fields) != 2:
                yield BadRecord(location(path, number), f"expected 2 fields (citing,cited), got {len(fields)}")
            else:
                citing, problem = _reference(fields[0], "citing")
                cited, cited_problem = _reference(fields[1], "cited")
                problem = problem or cited_problem
                if problem:
                    yield BadRecord(location(path, number), problem)
                elif citing and cited:
                    yield citing, cited
                else:
                    yield BadRecord(location(path, number), "empty paper id")


def _reference(field: str, role: str) -> tuple[str, str | None]:
    """The normalised id of one field and what is wrong with it (or None);
    ids recur (a paper is cited many times), so short ones are cached."""
    if len(field) <= _CACHED_FIELD_CHARS:
        return _cached_reference(field, role)
    ref = normalize_reference(field)
    return ref, id_problem(ref, role)


_CACHED_FIELD_CHARS = 256


@lru_cache(maxsize=1 << 18)
def _cached_reference(field: str, role: str) -> tuple[str, str | None]:
    ref = normalize_reference(field)
    return ref, id_problem(ref, role)
