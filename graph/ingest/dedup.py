"""Merge records of the same paper, by the rules of :mod:`graph.ingest.identity`.

Pure function over papers, no I/O. The first record wins and later ones fill
its missing fields (:func:`graph.models.merge_papers`); the output keeps the
order of first appearance, so the result is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

from graph.ingest.identity import given_id, id_rank, paper_aliases, same_paper_possible
from graph.models import Paper, merge_papers, normalize_arxiv, normalize_doi

__all__ = ["DedupResult", "deduplicate", "same_paper_possible", "MERGE_RULES"]

#: Rules a record can join an earlier one by, in the order they are tried:
#: the same DOI, arXiv id or other id (``doi``, ``arxiv``, ``id``: the same paper
#: id), the same external id (``alias``: OpenAlex W-id, PMID, Semantic Scholar id),
#: the same normalised title with compatible year and first author (``title``).
MERGE_RULES = ("doi", "arxiv", "id", "alias", "title")


@dataclass(frozen=True, slots=True)
class DedupResult:
    """Distinct papers in order of first appearance, and how many records merged.

    ``conflicts`` says, per merged paper whose records disagree on a field both
    fill (after normalization), which fields and which value was kept: merging
    is first-wins, so the later values are dropped and the user should know.
    ``merges`` counts the merged records per rule of :data:`MERGE_RULES`;
    ``placed[i]`` is the index in ``papers`` of the i-th input record.
    """

    papers: list[Paper]
    duplicates: int
    conflicts: list[str] = field(default_factory=list, compare=False)
    merges: dict[str, int] = field(default_factory=dict, compare=False)
    placed: list[int] = field(default_factory=list, compare=False)


def deduplicate(papers: Iterable[Paper]) -> DedupResult:
    """Merge duplicate records into one paper each.

    Two records are the same paper when they have the same id (the same DOI,
    arXiv id or given id), share an external id (:func:`graph.ingest.identity.paper_aliases`),
    or have the same non-empty normalized title (:attr:`Paper.title_key`) and
    :func:`~graph.ingest.identity.same_paper_possible` holds: no two different
    DOIs or arXiv ids (an id given in arXiv form, like ``hep-th/0101055``, counts
    as one; hep-th has 54 distinct papers sharing a title, e.g. two
    "Introduction to supersymmetry" lecture notes), years at most one apart and
    the same first-author surname (missing values never block). Other given ids
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
        records merged into an earlier one, ``merges`` per rule.

    Examples
    --------
    >>> a = Paper(id="t:1", title="Deep Nets", year=2020)
    >>> b = Paper(id="doi:10.1000/x", title="Deep nets!", doi="10.1000/x", venue="ICML")
    >>> result = deduplicate([a, b])
    >>> [(p.id, p.year, p.venue) for p in result.papers], result.duplicates, result.merges["title"]
    ([('doi:10.1000/x', 2020, 'ICML')], 1, 1)
    """
    merged: list[Paper] = []
    by_id: dict[str, int] = {}
    by_title: dict[str, list[int]] = {}
    by_alias: dict[str, int] = {}
    merges = dict.fromkeys(MERGE_RULES, 0)
    placed: list[int] = []
    disagree: dict[int, dict[str, None]] = {}
    for paper in papers:
        title_key = paper.title_key  # computed once: normalizing is the costly part
        aliases = paper_aliases(paper)
        index, rule = by_id.get(paper.id), _id_rule(paper.id)
        if index is None:
            index = next((by_alias[a] for a in aliases if a in by_alias), None)
            rule = "alias"
        if index is None and title_key:
            index = next((i for i in by_title.get(title_key, ()) if same_paper_possible(merged[i], paper)), None)
            rule = "title"
        if index is None:
            index = by_id[paper.id] = len(merged)
            if title_key:
                by_title.setdefault(title_key, []).append(index)
            for alias in aliases:
                by_alias.setdefault(alias, index)
            merged.append(paper)
            placed.append(index)
            continue
        merges[rule] += 1
        placed.append(index)
        first = merged[index]
        fields_ = _conflicting_fields(first, paper)
        if fields_:
            disagree.setdefault(index, {}).update(dict.fromkeys(fields_))
        combined = _reidentify(merge_papers(first, paper), first, paper)
        merged[index] = combined
        by_id.setdefault(paper.id, index)
        by_id.setdefault(combined.id, index)
        for alias in aliases:
            by_alias.setdefault(alias, index)
        if combined.title != first.title and combined.title_key:
            by_title.setdefault(combined.title_key, []).append(index)  # it gained a title
    conflicts = [
        f"paper {merged[index].id!r}: its records disagree on {', '.join(names)}; the first record's values are kept"
        for index, names in sorted(disagree.items())
    ]
    return DedupResult(papers=merged, duplicates=sum(merges.values()), conflicts=conflicts, merges=merges,
                       placed=placed)


def _id_rule(pid: str) -> str:
    return "doi" if pid.startswith("doi:") else "arxiv" if pid.startswith("arxiv:") else "id"


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


def _reidentify(combined: Paper, first: Paper, second: Paper) -> Paper:
    """Give the merged paper the strongest id of its records (ties: the first)."""
    if id_rank(second.id) >= id_rank(first.id):
        return combined
    extra = dict(combined.extra)
    given = given_id(first)
    if given is not None and "source_id" not in extra:
        extra["source_id"] = given
    return replace(combined, id=second.id, extra=extra)
