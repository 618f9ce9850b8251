"""The three jobs, ingest, build and analyze, as functions over a store.

This module joins the pure core (readers, text features, edge builders,
analysis) to a :class:`~graph.stores.base.GraphStore`, as do its two special
cases, graph/bulk.py (a bulk load into an empty Neo4j) and graph/incremental.py
(``POST /papers``). The CLI and the API call these functions; they never print.

One file, over 600 lines, on purpose: the jobs share their reports, run records
and write helpers, and ``run`` chains all three.
"""

from __future__ import annotations

import logging
import platform
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from graph.authors import authorship
from graph.edge_arrays import EdgeArrays
from graph.errors import BadRecord, StrictModeError, param_error
from graph.forked import ForkedCall, use_fork
from graph.models import DerivedGraph, Paper, RunRecord, merge_papers
from graph.stores.base import GraphStore

__all__ = [
    "Progress",
    "IngestReport",
    "BuildReport",
    "AnalyzeReport",
    "read_inputs",
    "ingest",
    "build",
    "analyze",
    "build_and_analyze",
    "run",
    "versions",
]

log = logging.getLogger(__name__)

#: ``progress(stage, done, total)``; total may be 0 when unknown.
Progress = Callable[[str, int, int], None]


#: ``derive(papers, reference_index, params, progress)``: a build engine other than
#: :func:`graph.edges.build_derived` (:mod:`graph.engine`).
Derive = Callable[[Sequence[Paper], Mapping[str, str], object, Progress], DerivedGraph]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class IngestReport:
    files: list[str] = field(default_factory=list)
    records: int = 0
    papers_written: int = 0
    duplicates: int = 0
    merged_with_stored: int = 0
    citation_pairs: int = 0
    citations_unknown: int = 0
    problems: list[str] = field(default_factory=list)
    #: Records merged into an earlier one, per rule (graph.ingest.dedup.MERGE_RULES).
    merges: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "files": self.files,
            "records": self.records,
            "papers_written": self.papers_written,
            "duplicates": self.duplicates,
            "merged_with_stored": self.merged_with_stored,
            "citation_pairs": self.citation_pairs,
            "citations_unknown": self.citations_unknown,
            "merges": self.merges,
            "problems": self.problems,
        }


@dataclass
class BuildReport:
    counts: dict
    seconds: float
    params: dict
    #: The graph just built and written, and every paper id, so that a caller
    #: running ``analyze`` next (``citegraph run``) need not read them back.
    derived: DerivedGraph | None = field(default=None, repr=False, compare=False)
    paper_ids: list[str] | None = field(default=None, repr=False, compare=False)


@dataclass
class AnalyzeReport:
    communities: int
    modularity: float
    seconds: float
    params: dict


def versions() -> dict[str, str]:
    """Versions of citegraph and of the libraries that shape its results."""
    out = {"python": platform.python_version()}
    for dist in ("citegraph", "networkx", "scikit-learn", "numpy", "scipy", "igraph", "leidenalg", "neo4j"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --- ingest --------------------------------------------------------------------


def read_inputs(
    paths: Sequence[str | Path],
    *,
    format: str | None = None,
    citations: Sequence[str | Path] = (),
    progress: Progress = _no_progress,
) -> tuple[list[Paper], list[tuple[str, str]], IngestReport]:
    """Read every file; bad records become problems, unreadable files raise.

    Returns the papers de-duplicated among themselves (first wins, later fill
    gaps), in the order their first record was read, the citation pairs and a
    report. Nothing is written. The reader loop is every ingest's
    (:func:`_read_streamed`).
    """
    report = IngestReport()
    pairs, _, batches = _read_streamed(paths, format=format, citations=citations, strict=False,
                                       batch_size=5000, progress=progress, report=report)
    numbered = [item for batch in batches for item in batch]
    numbered.sort(key=lambda item: item[0])  # stable: a group's papers keep their order
    return [paper for _, paper in numbered], pairs, report


def _read_streamed(
    paths: Sequence[str | Path],
    *,
    format: str | None,
    citations: Sequence[str | Path],
    strict: bool,
    batch_size: int,
    progress: Progress,
    report: IngestReport,
) -> tuple[list[tuple[str, str]], int, Iterator[list[tuple[int, Paper]]]]:
    """The one reader loop of every ingest (``ingest``, ``run``, ``run --bulk``,
    :func:`read_inputs`), in bounded memory (issue 24 item 6): the files are read twice.

    The first pass, now, groups the records that are the same paper
    (:func:`graph.ingest.grouping.group_records` keeps digests of their keys, not
    the records), collects the bad records and reads the citation pairs; with
    ``strict``, a bad record (paper or citation) raises
    :class:`StrictModeError` here, before anything is written. The second pass is
    the returned iterator: it reads the files again and merges each group with
    :func:`~graph.ingest.dedup.deduplicate` as soon as its last record is read (a
    paper read once is passed on at once), in batches of about ``batch_size``
    ``(group number, paper)`` pairs (groups are numbered by their first record).

    Returns the citation pairs, the number of groups (about the number of papers)
    and the batches. ``report`` gets the files, records, problems, citation
    pairs, duplicates and merges per rule.
    """
    from graph.ingest import iter_cited_by, iter_citations, iter_papers
    from graph.ingest.dedup import MERGE_RULES, deduplicate
    from graph.ingest.grouping import group_records

    pairs: list[tuple[str, str]] = []

    def papers_of_files(first_pass: bool) -> Iterator[Paper]:
        for path in paths:
            if first_pass:
                report.files.append(str(path))
            for item in iter_papers(path, format=format):
                if isinstance(item, BadRecord):
                    if first_pass:
                        report.problems.append(str(item))
                    continue
                if first_pass:
                    report.records += 1
                    if report.records % 5000 == 0:
                        progress("read", report.records, 0)
                yield item
            if first_pass:  # the citing papers a file lists (Semantic Scholar's citations)
                pairs.extend(iter_cited_by(path, format=format))

    grouping = group_records(papers_of_files(True))
    report.merges = dict.fromkeys(MERGE_RULES, 0)
    for path in citations:
        report.files.append(str(path))
        for item in iter_citations(path):
            if isinstance(item, BadRecord):
                report.problems.append(str(item))
                continue
            pairs.append(item)
    report.citation_pairs = len(pairs)
    if strict and report.problems:
        raise StrictModeError(
            f"--strict: {len(report.problems)} bad record(s), nothing was written; first: "
            + report.problems[0]
        )
    progress("read", report.records, report.records)

    def batches() -> Iterator[list[tuple[int, Paper]]]:
        held: dict[int, list[Paper]] = {}
        batch: list[tuple[int, Paper]] = []
        conflicts: list[str] = []

        def merge_group(group: int, members: list[Paper]) -> None:
            result = deduplicate(members)
            batch.extend((group, paper) for paper in result.papers)
            conflicts.extend(result.conflicts)
            report.duplicates += result.duplicates
            for rule, n in result.merges.items():
                report.merges[rule] = report.merges.get(rule, 0) + n

        for number, paper in enumerate(papers_of_files(False)):
            group = grouping.group[number]
            if grouping.sizes[group] == 1:
                batch.append((group, paper))
            else:
                members = held.setdefault(group, [])
                members.append(paper)
                if len(members) == grouping.sizes[group]:
                    merge_group(group, held.pop(group))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        for group, members in held.items():  # only if the files changed between the passes
            merge_group(group, members)
        if batch:
            yield batch
        for message in conflicts[:20]:  # first wins; say what was dropped
            log.warning("duplicate records: %s", message)
        if len(conflicts) > 20:
            log.warning("duplicate records: %d more papers have conflicting records", len(conflicts) - 20)

    return pairs, len(grouping.sizes), batches()


def ingest(
    store: GraphStore,
    paths: Sequence[str | Path],
    *,
    format: str | None = None,
    citations: Sequence[str | Path] = (),
    strict: bool = False,
    batch_size: int = 5000,
    progress: Progress = _no_progress,
) -> IngestReport:
    """Read files and write their papers (and citation pairs) into the store.

    Papers already stored (same id, or same normalized title) are merged: the
    stored values win, the new record fills missing fields. Citation pairs are
    added to the citing paper's references; a pair whose citing paper is not in
    the graph is counted in ``citations_unknown``. With ``strict``, any bad
    record raises :class:`StrictModeError` before anything is written.

    Safe to re-run and to interrupt: every batch is one transaction and every
    write is an idempotent upsert.
    """
    report = _ingest_streamed(store, paths, format=format, citations=citations, strict=strict,
                              batch_size=batch_size, progress=progress)
    _log_ingest(report)
    return report


def _ingest_streamed(
    store: GraphStore,
    paths: Sequence[str | Path],
    *,
    format: str | None,
    citations: Sequence[str | Path],
    strict: bool,
    batch_size: int,
    progress: Progress,
) -> IngestReport:
    """:func:`ingest` in bounded memory: the batches of :func:`_read_streamed`,
    each merged with the stored papers it names and written; citation pairs
    attached last."""
    report = IngestReport()
    pairs, total, batches = _read_streamed(paths, format=format, citations=citations, strict=strict,
                                           batch_size=batch_size, progress=progress, report=report)
    for batch in batches:
        merged = merge_with_stored(store, [paper for _, paper in batch], report)
        ordered = [merged[pid] for pid in sorted(merged)]
        report.papers_written += store.upsert_papers(ordered, batch_size=batch_size)
        progress("write papers", report.papers_written, total)
    if pairs:
        cited: dict[str, Paper] = {}
        _attach_citations(store, cited, pairs, report)
        if cited:
            store.upsert_papers([cited[pid] for pid in sorted(cited)], batch_size=batch_size)
    _write_authorship(store)
    return report


def _ingest_plan(
    store: GraphStore,
    paths: Sequence[str | Path],
    *,
    format: str | None,
    citations: Sequence[str | Path],
    strict: bool,
    progress: Progress,
    batch_size: int = 5000,
) -> tuple[list[Paper], IngestReport]:
    """What :func:`ingest` writes: the papers read (:func:`_read_streamed`, the
    same reader loop), merged with the stored ones they name, with their
    citations attached, ordered by id. Writes nothing."""
    report = IngestReport()
    pairs, _, batches = _read_streamed(paths, format=format, citations=citations, strict=strict,
                                       batch_size=batch_size, progress=progress, report=report)
    merged: dict[str, Paper] = {}
    for batch in batches:
        for pid, paper in merge_with_stored(store, [paper for _, paper in batch], report).items():
            # Two batches naming one stored paper: the first wins, as the second
            # batch of ingest would find the first one's paper stored.
            merged[pid] = merge_papers(merged[pid], paper) if pid in merged else paper
    if pairs:
        _attach_citations(store, merged, pairs, report)
    return [merged[pid] for pid in sorted(merged)], report


def merge_with_stored(store: GraphStore, papers: Sequence[Paper], report: IngestReport) -> dict[str, Paper]:
    """Papers (distinct among themselves) merged with the stored papers they name,
    by id; ``report.merged_with_stored`` grows by how many were stored."""
    # Identity across runs: the one rule of graph.ingest.identity (POST /papers
    # joins the store by it too).
    from graph.ingest.identity import join_stored

    joined = join_stored(store, papers)
    report.merged_with_stored += len(joined.previous)
    return joined.papers


def _write_papers(store: GraphStore, ordered: Sequence[Paper], batch_size: int, progress: Progress) -> int:
    written = 0
    for start in range(0, len(ordered), batch_size):
        chunk = ordered[start : start + batch_size]
        written += store.upsert_papers(chunk, batch_size=batch_size)
        progress("write papers", start + len(chunk), len(ordered))
    _write_authorship(store)
    return written


def _write_authorship(store: GraphStore) -> None:
    """Author and Venue nodes of every stored paper, rewritten after papers are written."""
    store.replace_authorship(authorship(store.iter_papers()))


def _log_ingest(report: IngestReport) -> None:
    log.info("ingest: %d records, %d papers written, %d duplicates, %d problems",
             report.records, report.papers_written, report.duplicates, len(report.problems))


def _attach_citations(
    store: GraphStore,
    merged: dict[str, Paper],
    pairs: Iterable[tuple[str, str]],
    report: IngestReport,
) -> None:
    """Add citation pairs to the references of their citing papers (in ``merged``,
    loading stored papers that this run does not carry)."""
    index = store.reference_index()
    for paper in merged.values():
        index.setdefault(paper.id, paper.id)
        src = paper.extra.get("source_id") if paper.extra else None
        if isinstance(src, str):
            index.setdefault(src, paper.id)
    refs: dict[str, list[str]] = defaultdict(list)
    for citing, cited in pairs:
        citing_id = index.get(citing)
        if citing_id is None:
            report.citations_unknown += 1
            continue
        # A cited name that is a paper's id is kept as that id's string object:
        # one string per paper instead of one per citation (synth-300k: 3.6M
        # strings, ~0.2 GB, and their copy in the forked paper writer).
        known = index.get(cited)
        refs[citing_id].append(known if known == cited else cited)
    missing = [pid for pid in refs if pid not in merged]
    if missing:
        merged.update(store.get_papers(missing))
    for pid, cited in refs.items():
        paper = merged[pid]
        merged[pid] = merge_papers(paper, replace(paper, references=tuple(cited)))


# --- build ---------------------------------------------------------------------


def build(
    store: GraphStore,
    params=None,
    *,
    batch_size: int = 5000,
    progress: Progress = _no_progress,
    parallel: bool | None = None,
    derive: Derive | None = None,
) -> BuildReport:
    """Compute keywords and derived edges from the stored papers and replace the
    stored derived graph with them. Records a run.

    ``parallel`` is that of :func:`graph.edges.build_derived` (by default, fork
    the SIMILAR_TO search from 2,000 papers on); a caller with other threads
    running passes False: a forked child holds only the thread that forked.
    ``derive`` computes the derived graph instead of ``build_derived`` (another
    engine, :class:`graph.engine.dask_build.DaskEngine`); the write is the same.
    """
    from graph.edges import BuildParams

    params = params or BuildParams()
    started, t0 = _now(), time.perf_counter()
    derived, ids = _build_compute(store, params, progress, parallel, derive=derive)
    return _build_write(store, derived, ids, params, started, t0, batch_size, progress)


def _build_compute(store: GraphStore, params, progress: Progress, parallel: bool | None = None, *,
                   papers: Sequence[Paper] | None = None,
                   derive: Derive | None = None) -> tuple[DerivedGraph, list[str]]:
    """The derived graph and the sorted paper ids: of the stored papers, or of
    ``papers`` when they are all the papers the store holds (``citegraph run`` on
    an empty store), with the reference index the store builds from them."""
    from graph.edges import build_derived
    from graph.stores.base import index_references

    if papers is None:
        papers = list(store.iter_papers())
        progress("load papers", len(papers), len(papers))
        index = store.reference_index()
    else:
        index = index_references((p.id, p.doi, p.arxiv_id, p.extra.get("source_id"))
                                 for p in sorted(papers, key=lambda p: p.id))
    if derive is None:
        derived = build_derived(papers, index, params, progress=progress, parallel=parallel)
    else:
        derived = derive(papers, index, params, progress)
    return derived, sorted({p.id for p in papers})


def _build_write(store: GraphStore, derived: DerivedGraph, ids: list[str], params, started: str, t0: float,
                 batch_size: int, progress: Progress, fresh_counts: dict | None = None) -> BuildReport:
    """Write the derived graph and record the build. ``fresh_counts``: the store's
    counts before this run when it held no paper and now holds exactly ``ids``
    (``citegraph run`` on an empty store); its counts after are then known
    without reading them (:func:`_counts_after_build`)."""
    from dataclasses import asdict

    progress("write edges", 0, 1)
    # Visible until the run is recorded: a build killed half-way leaves a partial
    # derived graph, and health/stats say so until a build completes.
    store.mark_build(started)
    store.replace_derived(derived, batch_size=batch_size)
    progress("write edges", 1, 1)
    seconds = time.perf_counter() - t0
    counts = store.counts() if fresh_counts is None else _counts_after_build(fresh_counts, derived, len(ids))
    counts["unresolved_references"] = derived.unresolved_references
    store.record_run(RunRecord(kind="build", started_at=started, seconds=round(seconds, 3),
                               params=asdict(params), counts=counts, versions=versions()))
    store.mark_build(None)
    return BuildReport(counts=counts, seconds=seconds, params=asdict(params), derived=derived, paper_ids=ids)


def _counts_after_build(before: dict, derived: DerivedGraph, papers: int) -> dict[str, int]:
    """What ``store.counts()`` says after ``replace_derived(derived)`` on a store that
    held no paper (``before``) and now holds ``papers``: every derived kind is
    replaced, so its count is that of ``derived`` (one per key, as stored)."""
    def pairs(edges) -> int:
        if isinstance(edges, EdgeArrays):  # unique pairs by construction; no set of 1M tuples
            return len(edges)
        return _distinct_pairs(edges, "source", "target")

    counts = dict(before)
    counts.update(papers=papers, keywords=len({k.name for k in derived.keywords}),
                  references=len({r.id for r in derived.references}),
                  HAS_KEYWORD=_distinct_pairs(derived.has_keyword, "paper_id", "keyword"),
                  SIMILAR_TO=pairs(derived.similar), SHARES_KEYWORDS=pairs(derived.shares_keywords),
                  CITES=pairs(derived.cites), COUPLED=pairs(derived.coupled), CO_CITED=pairs(derived.co_cited),
                  REFERENCES=pairs(derived.references_edges))
    return counts


def _distinct_pairs(rows: Sequence, first: str, second: str) -> int:
    """How many distinct ``(row.first, row.second)`` there are, counted per ``first``
    when ``rows`` come grouped by it (as the build sorts them): one set of
    ``second`` values at a time instead of a set of every pair (~3M tuples at
    synth-100k, issue 26). Rows in another order are counted by one set of all pairs.
    """
    total, current, seen = 0, None, set()
    done: set = set()
    for row in rows:
        key = getattr(row, first)
        if key != current:
            if key in done:  # not grouped
                return len({(getattr(r, first), getattr(r, second)) for r in rows})
            if current is not None:
                done.add(current)
            total += len(seen)
            current, seen = key, set()
        seen.add(getattr(row, second))
    return total + len(seen)


def _counts_after_analysis(before: dict, result) -> dict[str, int]:
    """``store.counts()`` after ``write_analysis(result)``, from the counts before
    (e.g. a build's just now): communities and IN_COMMUNITY are replaced, the rest stays."""
    ids = {c.id for c in result.communities}
    counts = {k: v for k, v in before.items() if k != "unresolved_references"}
    counts["communities"] = len(ids)
    counts["IN_COMMUNITY"] = sum((s.community in ids) + (s.subcommunity in ids) for s in result.scores)
    return counts


# --- analyze -------------------------------------------------------------------


def analyze(
    store: GraphStore,
    params=None,
    *,
    batch_size: int = 5000,
    progress: Progress = _no_progress,
    built: BuildReport | None = None,
    parallel: bool | None = None,
) -> AnalyzeReport:
    """Project the stored graph, find communities, score papers, label
    communities, and replace the stored analysis with the result. Records a run.

    ``built``, the report of a :func:`build` of this store just before, supplies
    the derived graph and the paper ids in memory instead of reading them back:
    the same graph, without the read (seconds on a large Neo4j graph).

    ``parallel`` is that of :func:`graph.analysis.analyze_graph` (fork the
    betweenness beside the communities; None decides by the size,
    :func:`graph.forked.use_fork`); a caller with other threads running passes False.
    """
    from graph.analysis import AnalyzeParams
    from graph.analysis import analyze_graph as run_analysis

    params = params or AnalyzeParams()
    started, t0 = _now(), time.perf_counter()
    if built is not None and built.derived is not None and built.paper_ids is not None:
        derived, ids = built.derived, built.paper_ids
    else:
        derived = store.load_derived()
        ids = [p.id for p in store.iter_papers()]
    previous = _previous(store)
    progress("analyze", 0, 1)
    result = run_analysis(derived, ids, params=params, parallel=parallel, previous=previous)
    progress("analyze", 1, 1)
    return _analyze_write(store, result, started, t0, batch_size, counts_before=built.counts if built else None,
                          previous=previous)


def _previous(store: GraphStore) -> dict:
    """The stored analysis's communities, id -> ``(level, members)``: the seeds
    of a warm start (:mod:`graph.analysis.warm`) and what the new ids are
    matched against (:func:`_stable`); empty before any analysis."""
    from graph.analysis.stable_ids import previous_communities

    return previous_communities(store.memberships())


def _stable(store: GraphStore, result, previous: dict | None = None):
    """``result`` renumbered so that each community keeps the id of the stored
    one it matches (:mod:`graph.analysis.stable_ids`; ``previous``, the stored
    communities, read here if not given); fresh ids start above the high-water
    mark recorded by earlier analyze runs."""
    from graph.analysis.stable_ids import renumber

    if previous is None:
        previous = _previous(store)
    next_id = max((int((run.params.get("stable_ids") or {}).get("next_id", 0))
                   for run in store.runs(limit=STABLE_ID_RUNS) if run.kind == "analyze"), default=0)
    stable, _ = renumber(result, previous, next_id=next_id)
    return _with_changes(stable, previous)


def _with_changes(result, previous):
    """``result`` with its changelog against ``previous`` in its params
    (``changes`` per community, ``changes_summary`` counts per level and kind;
    :mod:`graph.analysis.changelog`): stored with the run, in both stores."""
    from graph.analysis.changelog import changelog, summarize
    from graph.analysis.stable_ids import previous_communities

    current = previous_communities((s.paper_id, s.community, s.subcommunity) for s in result.scores)
    for c in result.communities:  # a community without a scored member still counts
        current.setdefault(c.id, (c.level, set()))
    changes = changelog(previous, current)
    params = dict(result.params)
    params["changes"] = changes
    params["changes_summary"] = summarize(changes)
    return replace(result, params=params)


#: Analyze runs read back for the stored high-water mark of community ids.
STABLE_ID_RUNS = 100


def _analyze_write(store: GraphStore, result, started: str, t0: float, batch_size: int,
                   counts_before: dict | None = None, previous: dict | None = None) -> AnalyzeReport:
    result = _stable(store, result, previous)
    store.write_analysis(result, batch_size=batch_size)
    seconds = time.perf_counter() - t0
    # After a build just now (``counts_before``), the counts are known without a read.
    counts = store.counts() if counts_before is None else _counts_after_analysis(counts_before, result)
    used = dict(result.params)
    store.record_run(RunRecord(kind="analyze", started_at=started, seconds=round(seconds, 3),
                               params=used, counts=counts, versions=versions()))
    # ``communities`` counts the topics, as before subtopics existed.
    return AnalyzeReport(communities=sum(1 for c in result.communities if c.level == 0),
                         modularity=result.modularity, seconds=seconds, params=used)


# --- build + analyze -----------------------------------------------------------



def build_and_analyze(
    store: GraphStore,
    build_params=None,
    analyze_params=None,
    *,
    batch_size: int = 5000,
    progress: Progress = _no_progress,
    overlap: bool | None = None,
) -> tuple[BuildReport, AnalyzeReport]:
    """:func:`build` then :func:`analyze` (``citegraph run`` after its ingest):
    the same stored graph and analysis, sooner.

    The analysis is computed from the graph in memory, never read back. With
    ``overlap`` (by default from :data:`graph.forked.FORK_MIN_PAPERS` papers on, where
    ``fork`` exists), it is computed in a forked child process while this one
    writes the derived graph to the store: the writes (server-bound on Neo4j,
    SQLite's on the other core) and the analysis (CPU-bound, and igraph holds
    the GIL, so a thread would not do) run side by side. The analysis is
    written, and its run recorded, only after the build's; its ``seconds``
    count from the fork. If the build's write fails, the child is stopped and
    nothing of the analysis is written.
    """
    build_params, analyze_params = _run_params(build_params, analyze_params, "build_and_analyze")
    started, t0 = _now(), time.perf_counter()
    derived, ids = _build_compute(store, build_params, progress)
    return _write_and_analyze(store, derived, ids, build_params, analyze_params, started, t0,
                              batch_size=batch_size, progress=progress, overlap=overlap)


def _run_params(build_params, analyze_params, where: str):
    from graph.analysis import AnalyzeParams
    from graph.edges import BuildParams

    build_params = build_params or BuildParams()
    analyze_params = analyze_params or AnalyzeParams()
    if not isinstance(analyze_params, AnalyzeParams):
        raise param_error("analyze_params", where, "an AnalyzeParams", analyze_params)
    return build_params, analyze_params


def _write_and_analyze(store: GraphStore, derived: DerivedGraph, ids: list[str], build_params, analyze_params,
                       started: str, t0: float, *, batch_size: int, progress: Progress,
                       overlap: bool | None, fresh_counts: dict | None = None) -> tuple[BuildReport, AnalyzeReport]:
    """The second half of :func:`build_and_analyze`, from the computed graph."""
    if not use_fork(len(ids), overlap):
        built = _build_write(store, derived, ids, build_params, started, t0, batch_size, progress, fresh_counts)
        return built, analyze(store, analyze_params, batch_size=batch_size, progress=progress, built=built)
    a_started, a_t0 = _now(), time.perf_counter()
    # Read before the child starts: it warm-starts from it, this process matches ids to it.
    previous = _previous(store)
    child = _start_analysis(derived, ids, analyze_params, previous)
    try:
        built = _build_write(store, derived, ids, build_params, started, t0, batch_size, progress, fresh_counts)
    except BaseException:
        child.stop()
        raise
    progress("analyze", 0, 1)
    result = child.result()
    progress("analyze", 1, 1)
    return built, _analyze_write(store, result, a_started, a_t0, batch_size, counts_before=built.counts,
                                 previous=previous)


#: How the analysis beside the store writes (``citegraph run``, ``run --bulk``)
#: starts: ``"spawn"``, a fresh interpreter given only the
#: :func:`~graph.analysis.projection.analysis_table` arrays, or ``"fork"``,
#: which inherits the build's whole heap and copies what it touches of it
#: (issue 26: ~1 GB more peak at synth-100k; docs/benchmarks.md).
ANALYSIS_START = "spawn"

#: From this many papers on, the analysis beside the store writes computes its
#: betweenness in its own process, after the communities, instead of in a fork
#: beside them: at synth-300k that fork held 1.25 GB PSS at the run's peak
#: (6.2 GB, docs/scaling.md) while the parent's writes kept the other core busy.
BETWEENNESS_FORK_MAX_PAPERS = 200_000


def _start_analysis(derived: DerivedGraph, ids: list[str], params, previous: dict | None = None) -> ForkedCall:
    """The analysis of ``derived`` in a child process (:data:`ANALYSIS_START`)."""
    lost = "nothing of the analysis was written"
    if ANALYSIS_START == "fork":
        return ForkedCall(_analysis, (derived, ids, params, previous), what="analysis", lost=lost)
    from graph.analysis.projection import analysis_table

    t = time.perf_counter()
    table = analysis_table(derived, ids, edges=params.edges)
    log.info("analysis table: %d papers, %d edges, %.1f s", len(table.nodes),
             sum(len(src) for src, _, _ in table.kinds.values()), time.perf_counter() - t)
    return ForkedCall(_analysis_of_table, (table, params, previous), what="analysis", lost=lost,
                      start=ANALYSIS_START)


def _analysis(derived: DerivedGraph, ids: list[str], params, previous: dict | None = None):
    from graph.analysis import analyze_graph as run_analysis

    # The betweenness forks again beside the communities: once the parent's
    # writes end, the analysis has both cores (docs/benchmarks.md).
    return run_analysis(derived, ids, params=params, parallel=None, previous=previous)


def _analysis_of_table(table, params, previous: dict | None = None):
    from graph.analysis import analyze_graph as run_analysis

    # Forked from this small process, the betweenness copies little; above
    # BETWEENNESS_FORK_MAX_PAPERS little is still too much.
    parallel = None if len(table.nodes) < BETWEENNESS_FORK_MAX_PAPERS else False
    return run_analysis(None, None, params=params, parallel=parallel, table=table, previous=previous)


def run(
    store: GraphStore,
    paths: Sequence[str | Path],
    *,
    format: str | None = None,
    citations: Sequence[str | Path] = (),
    strict: bool = False,
    build_params=None,
    analyze_params=None,
    batch_size: int = 5000,
    progress: Progress = _no_progress,
    overlap: bool | None = None,
) -> tuple[IngestReport, BuildReport, AnalyzeReport]:
    """:func:`ingest`, then :func:`build_and_analyze` (``citegraph run``): the
    same store as the two one after the other, sooner.

    When the store holds no paper yet, the papers this run reads are all the
    papers of the graph. Then, with ``overlap`` (by default from
    :data:`graph.forked.FORK_MIN_PAPERS` papers on, where ``fork`` exists and the store
    can be reopened, :meth:`GraphStore.reopened`), a forked child process
    writes them while this one builds the derived graph from them in memory,
    with the reference index the store will hold
    (:func:`graph.stores.base.index_references`), instead of writing them
    first and reading them back. The paper writes (SQLite's on the other core,
    Neo4j's on the server) and the build's tokenising then run side by side.
    Without the fork, the papers are written first, and still built from memory.

    Nothing of the build is written before every paper is: if the paper
    writes fail, their error is raised and the derived graph is not written
    (the papers written so far stay; running again writes the rest). If the
    build fails, the papers are still all written (the ingest completes), then
    the build's error is raised. A store with papers already runs
    :func:`ingest` then :func:`build_and_analyze`.
    """
    build_params, analyze_params = _run_params(build_params, analyze_params, "run")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        # Checked here: the forked writer would only report it after the build.
        raise param_error("batch_size", "run", "an int >= 1", batch_size)
    before = store.counts()  # the one counts() read of a run on an empty store
    fresh = before.get("papers", 0) == 0
    if not fresh:  # the graph is more than this run's papers: ingest (bounded memory), build from the store
        report = _ingest_streamed(store, paths, format=format, citations=citations, strict=strict,
                                  batch_size=batch_size, progress=progress)
        _log_ingest(report)
        return (report, *build_and_analyze(store, build_params, analyze_params, batch_size=batch_size,
                                           progress=progress, overlap=overlap))
    # Fresh: the papers read are the whole graph, built from memory (the same reader loop).
    ordered, report = _ingest_plan(store, paths, format=format, citations=citations, strict=strict,
                                   progress=progress, batch_size=batch_size)
    overlap = use_fork(len(ordered), overlap)
    target = store.reopened() if overlap else None
    if target is None:  # write, then build from the papers in memory (not read back)
        report.papers_written = _write_papers(store, ordered, batch_size, progress)
        _log_ingest(report)
        started, t0 = _now(), time.perf_counter()
        derived, ids = _build_compute(store, build_params, progress, papers=ordered)
        del ordered
        return (report, *_write_and_analyze(store, derived, ids, build_params, analyze_params, started, t0,
                                            batch_size=batch_size, progress=progress, overlap=overlap,
                                            fresh_counts=before))

    started, t0 = _now(), time.perf_counter()
    # No open connection crosses the fork (SQLite's rule for a child that
    # opens the same file): the child opens its own, this process reopens.
    store.close()
    try:
        writer = ForkedCall(_papers_child, (target, ordered, batch_size), what="paper writes",
                            lost="nothing of the build was written; the papers written so far are kept, "
                                 "and running again writes the rest")
    finally:
        store.open()
    try:
        derived, ids = _build_compute(store, build_params, progress, None, papers=ordered)
    except BaseException:
        try:  # the ingest completes whatever happened to the build
            writer.result()
        except BaseException as exc:
            log.error("the paper writes failed too: %s", exc)
        raise
    progress("write papers", 0, len(ordered))
    report.papers_written = writer.result()
    progress("write papers", len(ordered), len(ordered))
    _log_ingest(report)
    del writer, ordered  # the papers (the writer's arguments too) are not needed any more
    return (report, *_write_and_analyze(store, derived, ids, build_params, analyze_params, started, t0,
                                        batch_size=batch_size, progress=progress, overlap=overlap,
                                        fresh_counts=before))


def _papers_child(store: GraphStore, papers: Sequence[Paper], batch_size: int) -> int:
    store.open()
    try:
        return _write_papers(store, papers, batch_size, _no_progress)
    finally:
        store.close()


# --- evaluate ------------------------------------------------------------------


def evaluate(store: GraphStore, *, labels: str | None = "label", page: int = 1000) -> dict:
    """Score the stored graph against ground truth found in the data itself.

    - ``communities``: NMI and ARI of the stored communities against the paper
      field ``labels`` (a Paper field or a key of ``extra``), over papers that
      have both; absent when no paper has the field.
    - ``similar_vs_cites``: precision and recall of ``SIMILAR_TO`` pairs against
      ``CITES`` pairs (both undirected); absent when there are no citations.
    """
    from graph.analysis.evaluate import citation_recovery, community_scores

    out: dict = {"papers": 0}
    partition: dict[str, int] = {}
    truth: dict[str, str] = {}
    offset = 0
    while True:
        total, rows = store.list_papers(sort="id", limit=page, offset=offset)
        for row in rows:
            paper = row.paper
            if row.scores is not None and row.scores.community is not None:
                partition[paper.id] = row.scores.community
            if labels:
                value = getattr(paper, labels, None) if labels in ("label", "venue", "year") else paper.extra.get(labels)
                if value not in (None, ""):
                    truth[paper.id] = str(value)
        offset += len(rows)
        if not rows or offset >= total:
            break
    out["papers"] = offset
    if truth and partition:
        out["communities"] = {"field": labels, "labels": len(set(truth.values())),
                              "communities": len(set(partition.values())), **community_scores(partition, truth)}
    derived = store.load_derived()
    if derived.cites:
        out["similar_vs_cites"] = citation_recovery(derived.similar, derived.cites)
    return out


def evaluate_holdout(store: GraphStore, *, share: float = 0.2, seed: int = 0, weights=None,
                     k: int = 10) -> dict:
    """``citegraph evaluate --holdout``: the protocol of
    :func:`graph.analysis.holdout.holdout_report` on the stored graph.

    The text signals (SIMILAR_TO, SHARES_KEYWORDS) are read as stored: they are
    built from the text alone, so a rebuild without the hidden citations would
    give the same edges. The citation signals (COUPLED, CO_CITED, chains) are
    rebuilt from the visible citations with the knobs of the last build.
    """
    from graph.analysis.holdout import holdout_report
    from graph.related import FUSED_WEIGHTS

    derived = store.load_edges()
    if not derived.cites:
        from graph.errors import BadInput

        raise BadInput("nothing to hold out: the graph has no CITES edges (ingest citations, then build)")
    knobs: dict = {}
    for run in store.runs(limit=STABLE_ID_RUNS):
        if run.kind == "build":
            knobs = dict(run.params)
            break
    n_papers = store.counts().get("papers", 0)
    report = holdout_report(derived, derived.cites, share=share, seed=seed, weights=weights or FUSED_WEIGHTS, k=k,
                            n_papers=n_papers,
                            coupling_k=int(knobs.get("coupling_k") or 20),
                            min_count=int(knobs.get("coupling_min_count") or 1),
                            measure=str(knobs.get("coupling_measure") or "cosine"))
    report["papers"] = n_papers
    return report
