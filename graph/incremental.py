"""Incremental writes: add papers and derive their edges against the stored corpus.

``POST /papers`` must not rebuild the whole graph. :func:`add_papers` merges the
records by the identity rules ``citegraph ingest`` uses (:mod:`graph.ingest.identity`:
duplicates among them, then the stored papers they name), writes them, then
computes, for those papers only:

- their **keywords**, scored by TF-IDF against the corpus as
  :func:`graph.keyphrases.extract_keywords` does (same candidates, same idf formula,
  same choice rule), with the corpus statistics kept in a :class:`CorpusIndex`;
- their **SIMILAR_TO** edges: cosine of TF-IDF vectors (terms of
  :func:`graph.text.terms`) against every stored paper, top ``k`` above
  ``min_score``, each with its top shared terms;
- their **SHARES_KEYWORDS** edges with stored papers sharing at least
  ``min_shared`` keywords (keywords held by too many papers make no pairs);
- their **CITES** edges, both ways: references of the new papers to stored ones,
  and references of stored papers that name a new paper;
- the **COUPLED** and **CO_CITED** edges those new citations change: a new
  citation changes the reference set of its citing paper (coupling) and the
  citer set of its cited paper (co-citation), so the counts, strengths and
  top-k lists of those papers and of every paper sharing a reference (a citer)
  with them. :func:`graph.coupling.coupling_edges_around` recomputes exactly
  those edges from the whole citation graph (the build's rule and code), and
  :meth:`GraphStore.replace_biblio_near` swaps them in: the result equals a
  full build over the same CITES (tests/test_incremental_coupling.py).

and merges them into the store with :meth:`GraphStore.add_derived`. Text edges
(SIMILAR_TO, SHARES_KEYWORDS) among old papers are left alone (a stored paper's
top-k list is not recomputed: the new paper joins it as an extra neighbour);
COUPLED / CO_CITED differ from a rebuild only where the stored CITES do (an add
never deletes a citation; reading all of them costs one ``load_edges`` per add,
the O(corpus) part of this step); communities and scores change with the
next analyze. The :class:`~graph.corpus_index.CorpusIndex` (pure, in its own
module) is the part that costs O(corpus): build it once and keep it (the API
service does), it is updated in place by each add. The store is read in batches
(``keyword_holders``, ``paper_keywords``), never once per keyword or paper.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Sequence

from graph.authors import authorship
from graph.corpus_index import CorpusIndex
from graph.coupling import MEASURES, cocitation_edges_around, coupling_edges_around
from graph.errors import InvalidParameter, param_error
from graph.ingest.dedup import deduplicate
from graph.ingest.identity import StoredJoin, join_stored, paper_names, papers_from_records
from graph.models import (
    CitationEdge,
    DerivedGraph,
    Keyword,
    KeywordScore,
    Paper,
    SharedKeywordsEdge,
    SimilarEdge,
)
from graph.stores.base import GraphStore, edge_key

__all__ = [
    "IncrementalParams",
    "IncrementalReport",
    "CorpusIndex",
    "papers_from_records",
    "params_from_last_build",
    "add_papers",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IncrementalParams:
    """Knobs of an incremental add; by default those of the last build
    (:func:`params_from_last_build`), with the names of :class:`graph.edges.BuildParams`.

    Attributes
    ----------
    k : int
        SIMILAR_TO neighbours kept per new paper.
    min_score : float or None
        Minimum TF-IDF cosine of a SIMILAR_TO edge; None: the tfidf default.
    n_terms : int
        Shared terms kept as evidence on a SIMILAR_TO edge.
    keywords_k : int
        Keywords per new paper.
    min_shared : int
        Shared keywords needed for SHARES_KEYWORDS.
    max_keyword_df : int or None
        A keyword held by more papers makes no SHARES_KEYWORDS pairs; None: the
        build's default (:func:`graph.edges.default_max_keyword_df`).
    shares_k : int or None
        Each new paper keeps its top ``shares_k`` SHARES_KEYWORDS (0: all); None:
        the build's default (:func:`graph.edges.default_shares_k`). The stored
        partners' own top ``shares_k`` is not recomputed.
    """

    k: int = 10
    min_score: float | None = None
    n_terms: int = 5
    keywords_k: int = 8
    min_shared: int = 2
    max_keyword_df: int | None = None
    shares_k: int | None = None
    #: COUPLED / CO_CITED knobs (:class:`graph.edges.BuildParams`); ``coupling_k`` 0: none updated.
    coupling_k: int = 20
    coupling_min_count: int = 1
    coupling_measure: str = "cosine"

    def __post_init__(self) -> None:
        for name, low, high in (("k", 1, 200), ("n_terms", 0, 50), ("keywords_k", 1, 100), ("min_shared", 1, 50)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise param_error(name, "add_papers", f"an int in [{low}, {high}]", value)
        if self.min_score is not None and not 0.0 <= float(self.min_score) < 1.0:
            raise param_error("min_score", "add_papers", "a float in [0, 1) or None", self.min_score)
        if self.max_keyword_df is not None and (isinstance(self.max_keyword_df, bool)
                                                or not isinstance(self.max_keyword_df, int)
                                                or self.max_keyword_df < 2):
            raise param_error("max_keyword_df", "add_papers", "None or an int >= 2", self.max_keyword_df)
        if self.shares_k is not None and (isinstance(self.shares_k, bool) or not isinstance(self.shares_k, int)
                                          or not 0 <= self.shares_k <= 200):
            raise param_error("shares_k", "add_papers", "None or an int in [0, 200]", self.shares_k)
        for name, low, high in (("coupling_k", 0, 200), ("coupling_min_count", 1, 1000)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise param_error(name, "add_papers", f"an int in [{low}, {high}]", value)
        if self.coupling_measure not in MEASURES:
            raise param_error("coupling_measure", "add_papers", f"one of {list(MEASURES)}", self.coupling_measure)

    @property
    def effective_min_score(self) -> float:
        from graph.similarity import DEFAULT_MIN_SCORE

        return DEFAULT_MIN_SCORE["tfidf"] if self.min_score is None else float(self.min_score)

    def keyword_cap(self, n_papers: int) -> int:
        from graph.edges import default_max_keyword_df

        return self.max_keyword_df if self.max_keyword_df is not None else default_max_keyword_df(n_papers)

    def shares_cap(self, n_papers: int) -> int:
        from graph.edges import default_shares_k

        return self.shares_k if self.shares_k is not None else default_shares_k(n_papers)


@dataclass
class IncrementalReport:
    ids: tuple[str, ...]
    added: int
    updated: int
    edges: dict[str, int] = field(default_factory=dict)
    #: Request records merged into another one, per rule (graph.ingest.dedup.MERGE_RULES).
    merges: dict[str, int] = field(default_factory=dict)


# Records -> papers is graph.ingest.identity.papers_from_records (re-exported here:
# the rule is the one ``citegraph ingest`` reads files with).


def params_from_last_build(store: GraphStore) -> IncrementalParams:
    """The knobs of the most recent build run (its ``k``, ``min_score``, ...).

    Incremental similarity is always TF-IDF: after an ``lsa`` or ``embedding``
    build, the tfidf default ``min_score`` is used instead of the build's.
    """
    for run in store.runs(limit=20):
        if run.kind != "build":
            continue
        known = set(IncrementalParams.__dataclass_fields__)
        values = {k: v for k, v in dict(run.params).items() if k in known}
        if run.params.get("similarity", "tfidf") != "tfidf":
            values.pop("min_score", None)
        try:
            return IncrementalParams(**values)
        except (InvalidParameter, TypeError):
            log.warning("last build params not usable for incremental adds; using defaults")
            break
    return IncrementalParams()


# --- the add ------------------------------------------------------------------------------


def add_papers(
    store: GraphStore,
    papers: Sequence[Paper],
    *,
    params: IncrementalParams | None = None,
    index: CorpusIndex | None = None,
    batch_size: int = 5000,
) -> IncrementalReport:
    """Write papers (merged with stored ones) and their derived edges.

    Parameters
    ----------
    store : GraphStore
    papers : sequence of Paper
    params : IncrementalParams, optional
        Default: those of the last build (:func:`params_from_last_build`).
    index : CorpusIndex, optional
        Statistics of the stored corpus *before* this add; updated in place. Built
        from the store when not given (costs a pass over every paper).
    """
    params = params or params_from_last_build(store)
    deduped = deduplicate(papers)
    joined = join_stored(store, deduped.papers)
    stored = joined.previous
    merged = joined.papers
    ordered = [merged[pid] for pid in sorted(merged)]
    store.upsert_papers(ordered, batch_size=batch_size)
    # Author and Venue nodes of every stored paper, as ingest writes them.
    store.replace_authorship(authorship(store.iter_papers()))
    if index is None:
        index = CorpusIndex.build(p for p in store.iter_papers() if p.id not in merged)
    index.add(ordered, replacing=stored)
    new_ids = [p.id for p in ordered]

    derived = _derive(store, ordered, index, params)
    store.add_derived(derived, batch_size=batch_size)
    biblio = _update_biblio(store, new_ids, derived.cites, params, batch_size)
    report = IncrementalReport(
        ids=tuple(dict.fromkeys(_ids_in_request_order(deduped.placed, deduped.papers, joined))),
        added=len(new_ids) - len(stored),
        updated=len(stored),
        edges={"HAS_KEYWORD": len(derived.has_keyword), "SIMILAR_TO": len(derived.similar),
               "SHARES_KEYWORDS": len(derived.shares_keywords), "CITES": len(derived.cites),
               "COUPLED": len(biblio.coupled), "CO_CITED": len(biblio.co_cited)},
        merges=dict(deduped.merges),
    )
    log.info("added %d papers (%d new): %s", len(new_ids), report.added, report.edges)
    return report


def _ids_in_request_order(placed: Sequence[int], distinct: Sequence[Paper], joined: StoredJoin) -> list[str]:
    """The stored id of each request record, in request order."""
    return [joined.final_id(distinct[i].id) for i in placed]


def _update_biblio(store: GraphStore, new_ids: Sequence[str], new_cites: Sequence[CitationEdge],
                   params: IncrementalParams, batch_size: int) -> DerivedGraph:
    """COUPLED and CO_CITED around the new citations (and the new papers), swapped
    into the store; the edges written."""
    if params.coupling_k == 0 or not new_cites:
        # No new citation: no reference or citer set changed (a re-posted paper
        # keeps its stored CITES, which incremental adds never delete).
        return DerivedGraph((), (), (), (), ())
    # Every citation: the stored ones (one read) and the new ones.
    cites = {(e.source, e.target) for e in store.load_edges().cites}
    cites.update((e.source, e.target) for e in new_cites)
    knobs = dict(k=params.coupling_k, min_count=params.coupling_min_count, measure=params.coupling_measure)
    near_coupled, coupled = coupling_edges_around(cites, {e.source for e in new_cites} | set(new_ids), **knobs)
    near_cocited, co_cited = cocitation_edges_around(cites, {e.target for e in new_cites} | set(new_ids), **knobs)
    derived = DerivedGraph((), (), (), (), (), coupled=tuple(coupled), co_cited=tuple(co_cited))
    store.replace_biblio_near(derived, coupled_near=near_coupled, co_cited_near=near_cocited, batch_size=batch_size)
    log.info("COUPLED/CO_CITED around %d new citations: %d/%d papers touched, %d/%d edges written",
             len(new_cites), len(near_coupled), len(near_cocited), len(coupled), len(co_cited))
    return derived


def _derive(store: GraphStore, new: Sequence[Paper], index: CorpusIndex, params: IncrementalParams) -> DerivedGraph:
    new_ids = {p.id for p in new}
    # Keywords of the new papers.
    has_keyword: list[KeywordScore] = []
    chosen: dict[str, list[str]] = {}
    for p in new:
        picks = index.keywords(p.id, params.keywords_k)
        chosen[p.id] = [phrase for _, phrase in picks]
        has_keyword += [KeywordScore(p.id, phrase, round(score, 6)) for score, phrase in picks]

    # Keyword df (papers having the keyword) and who else has each keyword: one
    # batched read for every keyword of the new papers.
    names = sorted({kw for kws in chosen.values() for kw in kws})
    stored_holders = store.keyword_holders(names)
    holders: dict[str, set[str]] = {
        name: (set(stored_holders.get(name, ())) - new_ids) | {pid for pid, kws in chosen.items() if name in kws}
        for name in names
    }
    keywords = [Keyword(name, len(h)) for name, h in sorted(holders.items())]

    # SHARES_KEYWORDS as the build counts them: keywords held by more than the
    # cap make no pair and count for nothing (Jaccard over the kept keywords).
    # Approximation: a stored paper's keywords that are over the cap and not
    # shared with the new paper still count in its size.
    cap = params.keyword_cap(index.n_text)
    shares: dict[tuple[str, str], SharedKeywordsEdge] = {}
    kept = {pid: [kw for kw in kws if len(holders[kw]) <= cap] for pid, kws in chosen.items()}
    sizes: dict[str, int] = {pid: len(kws) for pid, kws in kept.items()}
    shared_by: dict[str, dict[str, list[str]]] = {}
    for pid, kws in kept.items():
        shared: dict[str, list[str]] = {}
        for name in kws:
            for other in holders[name]:
                if other != pid:
                    shared.setdefault(other, []).append(name)
        shared_by[pid] = {other: names_ for other, names_ in shared.items() if len(names_) >= params.min_shared}
    # The keyword count of every stored paper that pairs with a new one: one batched read.
    others = sorted({other for shared in shared_by.values() for other in shared if other not in sizes})
    stored_keywords = store.paper_keywords(others)
    top = params.shares_cap(index.n_text)
    for pid, shared in shared_by.items():
        found = []
        for other, names_ in sorted(shared.items()):
            size_other = sizes.get(other)
            if size_other is None:
                over = sum(1 for kw in chosen[pid] if kw not in kept[pid] and other in holders[kw])
                size_other = len(stored_keywords.get(other, ())) - over
            union = sizes[pid] + size_other - len(names_)
            a, b = edge_key(pid, other)
            found.append(SharedKeywordsEdge(a, b, len(names_), round(len(names_) / union, 6) if union else 0.0,
                                            tuple(sorted(names_))))
        if top:  # the new paper's strongest, ranked as the build ranks them (graph.edges.shares_keywords_arrays)
            found = sorted(found, key=lambda e: (-e.jaccard, -e.count, e.target if e.source == pid else e.source))[:top]
        shares.update(((e.source, e.target), e) for e in found)

    # SIMILAR_TO against the whole corpus.
    similar: dict[tuple[str, str], SimilarEdge] = {}
    for pid, found in index.similar([p.id for p in new], k=params.k, min_score=params.effective_min_score,
                                    n_terms=params.n_terms).items():
        for other, score, terms in found:
            a, b = edge_key(pid, other)
            if (a, b) not in similar or similar[(a, b)].score < score:
                similar[(a, b)] = SimilarEdge(a, b, score, terms)

    # CITES both ways, references resolved by the names the build resolves them by
    # (graph.ingest.identity), from the index: no read of the store.
    from graph.ingest.references import UnresolvedReference, reference_key, reference_nodes

    cites: set[tuple[str, str]] = set()
    unresolved = 0
    external: list[UnresolvedReference] = []  # Reference nodes of the new papers, as build makes them
    for p in new:
        for ref in dict.fromkeys(p.references):
            target = index.resolve(ref)
            if target is None:
                unresolved += 1
                if ref.strip():
                    external.append(UnresolvedReference(p.id, reference_key(ref), ref))
            elif target != p.id:
                cites.add((p.id, target))
    for p in new:
        for name in paper_names(p):
            if index.names.get(name) != p.id:
                continue  # a name another (smaller) paper holds
            for citing in index.citing.get(name, ()):
                if citing != p.id:
                    cites.add((citing, p.id))
        for citing in index.citing_as_work(p):
            if citing != p.id:
                cites.add((citing, p.id))

    references, references_edges = reference_nodes(external)
    return DerivedGraph(
        keywords=tuple(keywords),
        has_keyword=tuple(sorted(has_keyword, key=lambda h: (h.paper_id, -h.score, h.keyword))),
        similar=tuple(similar[k] for k in sorted(similar)),
        shares_keywords=tuple(shares[k] for k in sorted(shares)),
        cites=tuple(CitationEdge(s, t) for s, t in sorted(cites)),
        unresolved_references=unresolved,
        references=references,
        references_edges=references_edges,
    )
