"""Helpers of the reader tests (no tests here)."""

from __future__ import annotations

from graph.errors import BadRecord
from graph.ingest import iter_papers
from graph.models import Paper

__all__ = ["read"]


def read(path, **kwargs) -> tuple[list[Paper], list[tuple[str, str]]]:
    """(papers, [(location, reason), ...]) of one file."""
    papers, bad = [], []
    for item in iter_papers(path, **kwargs):
        if isinstance(item, Paper):
            papers.append(item)
        else:
            assert isinstance(item, BadRecord)
            bad.append((item.location, item.reason))
    return papers, bad
