"""Merge records of the same paper: same id, or same normalized title.

Pure function over papers, no I/O. The first record wins and later ones fill
its missing fields (:func:`graph.models.merge_papers`); the output keeps the
order of first appearance, so the result is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

from graph.models import Paper, merge_papers, normalize_arxiv, normalize_doi

__all__ = ["DedupResult", "deduplicate", "same_paper_possible"]


@dataclass(frozen=True, slots=True)
class DedupResult:
    """Distinct papers in order of first appearance, and how many records merged.

    ``conflicts`` says, per merged paper whose records disagree on a field both
    fill (after normalization), which fields and which value was kept: merging
    is first-wins, so the later values are dropped and the user should know.
    """

    papers: list[Paper]
    duplicates: int
    conflicts: list[str] = field(default_factory=list, compare=False)


def deduplicate(papers: Iterable[Paper]) -> DedupResult:
    """Merge duplicate records into one paper each.

    Two records are the same paper when they have the same id, or the same
    non-empty normalized title (:attr:`Paper.title_key`) and no conflicting
    identifier: two different DOIs, or two different arXiv ids (an id given in
    arXiv form, like ``hep-th/0101055``, counts as one), name two papers that
    happen to share a title, and they stay apart (hep-th has 54 such, e.g. two
    different "Introduction to supersymmetry" lecture notes). Other given ids
    (citation keys, database ids) come from different namespaces in different
    files, so they do not block a title match.

    The merged paper's fields come from the first record, filled from later
    ones. Its id follows the identity rule over the merged record: when a later
    record brings a stronger identifier (DOI > arXiv id > given id > title
    hash), the paper takes that id, so the same paper gets the same id whatever
    the input order; a replaced given id is kept as ``extra["source_id"]``.

    Parameters
    ----------
    papers : iterable of Paper
        Records in input order (e.g. from several files).

    Returns
    -------
    DedupResult
        ``papers`` in order of first appearance, ``duplicates`` = number of
        records merged into an earlier one.

    Examples
    --------
    >>> a = Paper(id="t:1", title="Deep Nets", year=2020)
    >>> b = Paper(id="doi:10.1000/x", title="Deep nets!", doi="10.1000/x", venue="ICML")
    >>> result = deduplicate([a, b])
    >>> [(p.id, p.year, p.venue) for p in result.papers], result.duplicates
    ([('doi:10.1000/x', 2020, 'ICML')], 1)
    """
    merged: list[Paper] = []
    by_id: dict[str, int] = {}
    by_title: dict[str, int] = {}
    duplicates = 0
    disagree: dict[int, dict[str, None]] = {}
    for paper in papers:
        title_key = paper.title_key  # computed once: normalizing is the costly part
        index = by_id.get(paper.id)
        if index is None and title_key:
            candidate = by_title.get(title_key)
            if candidate is not None and same_paper_possible(merged[candidate], paper):
                index = candidate
        if index is None:
            by_id[paper.id] = len(merged)
            if title_key:
                by_title.setdefault(title_key, len(merged))
            merged.append(paper)
            continue
        duplicates += 1
        first = merged[index]
        fields_ = _conflicting_fields(first, paper)
        if fields_:
            disagree.setdefault(index, {}).update(dict.fromkeys(fields_))
        combined = _reidentify(merge_papers(first, paper), first, paper)
        merged[index] = combined
        by_id.setdefault(paper.id, index)
        by_id.setdefault(combined.id, index)
        if combined.title != first.title and combined.title_key:
            by_title.setdefault(combined.title_key, index)  # it gained a title
    conflicts = [
        f"paper {merged[index].id!r}: its records disagree on {', '.join(names)}; the first record's values are kept"
        for index, names in sorted(disagree.items())
    ]
    return DedupResult(papers=merged, duplicates=duplicates, conflicts=conflicts)


_COMPARED = (
    ("title", lambda p: p.title_key),
    ("abstract", lambda p: p.abstract),
    ("authors", lambda p: p.authors),
    ("year", lambda p: p.year),
    ("venue", lambda p: p.venue),
    ("doi", lambda p: normalize_doi(p.doi)),
    ("arxiv_id", lambda p: normalize_arxiv(p.arxiv_id)),
    ("url", lambda p: p.url),
    ("label", lambda p: p.label),
)


def _conflicting_fields(first: Paper, second: Paper) -> list[str]:
    """Fields that both records fill with different values."""
    out = []
    for name, value in _COMPARED:
        a, b = value(first), value(second)
        if a and b and a != b:
            out.append(name)
    return out


def same_paper_possible(first: Paper, second: Paper) -> bool:
    """False when the two records carry different DOIs or different arXiv ids."""
    for key in (_doi, _arxiv):
        a, b = key(first), key(second)
        if a and b and a != b:
            return False
    return True


# --- identity helpers ------------------------------------------------------------


def _doi(paper: Paper) -> str | None:
    return normalize_doi(paper.doi) or None


def _arxiv(paper: Paper) -> str | None:
    return normalize_arxiv(paper.arxiv_id) or normalize_arxiv(_given_id(paper)) or None


def _given_id(paper: Paper) -> str | None:
    """The id the input gave, if any (hashes and DOI/arXiv ids are derived)."""
    if _rank(paper.id) == 2:
        return paper.id
    source = paper.extra.get("source_id")
    return str(source) if source is not None else None


def _rank(pid: str) -> int:
    """Strength of an id under the identity rule: lower is stronger."""
    if pid.startswith("doi:"):
        return 0
    if pid.startswith("arxiv:"):
        return 1
    if pid.startswith("t:"):
        return 3
    return 2


def _reidentify(combined: Paper, first: Paper, second: Paper) -> Paper:
    """Give the merged paper the strongest id of its records (ties: the first)."""
    if _rank(second.id) >= _rank(first.id):
        return combined
    extra = dict(combined.extra)
    given = _given_id(first)
    if given is not None and "source_id" not in extra:
        extra["source_id"] = given
    return replace(combined, id=second.id, extra=extra)
