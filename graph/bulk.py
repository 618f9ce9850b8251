"""``citegraph run --bulk``: ingest, build and analyze into an empty Neo4j through
the offline importer instead of Cypher writes.

The same papers, keywords and derived edges as :func:`graph.jobs.run`
(computed by the same functions, written as importer CSV by
:mod:`graph.stores.neo4j_bulk`); the analysis, a few rows per paper, is then
written through Cypher as usual, and both runs are recorded. Incremental
writes (a store that holds papers) keep the Cypher path: the importer only
creates a database.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from graph.authors import authorship
from graph.errors import NotSupported
from graph.forked import use_fork
from graph.models import RunRecord
from graph.jobs import (
    AnalyzeReport,
    BuildReport,
    IngestReport,
    Progress,
    _analyze_write,
    _ingest_plan,
    _log_ingest,
    _no_progress,
    _now,
    _run_params,
    _start_analysis,
    versions,
)
from graph.stores.base import GraphStore
from graph.stores.neo4j_bulk import Importer, OfflineImporter, set_empty_lists, write_csv

__all__ = ["run_bulk"]

log = logging.getLogger(__name__)


def run_bulk(
    store: GraphStore,
    paths: Sequence[str | Path],
    *,
    importer: Importer,
    format: str | None = None,
    citations: Sequence[str | Path] = (),
    strict: bool = False,
    build_params=None,
    analyze_params=None,
    batch_size: int = 5000,
    progress: Progress = _no_progress,
    workdir: str | Path | None = None,
    timings: dict | None = None,
) -> tuple[IngestReport, BuildReport, AnalyzeReport]:
    """:func:`graph.jobs.run` into an empty Neo4j store through ``importer``.

    ``store`` is closed while ``importer`` replaces its database and opened
    again after (which creates the constraints and indexes and waits for them).
    An :class:`~graph.stores.neo4j_bulk.OfflineImporter` is asked to stop its
    server as soon as the papers are read, so the server shuts down while the
    build runs; when the run fails before the import, it is started again (and
    ``store`` opened) before the error is raised.
    Author and Venue nodes go into the CSV files too.
    The CSV files go to a temporary directory under ``workdir`` (deleted
    after). With ``timings``, the seconds of each step are put into it.

    Raises :class:`graph.errors.NotSupported` when the store holds papers.
    """
    from graph.edges import build_derived
    from graph.stores.base import index_references

    build_params, analyze_params = _run_params(build_params, analyze_params, "run_bulk")
    if getattr(store, "name", None) != "neo4j":
        raise NotSupported("--bulk loads into Neo4j only (CITEGRAPH_STORE=neo4j).")
    if store.counts().get("papers", 0) != 0:
        raise NotSupported("--bulk loads into an empty Neo4j database only; this one holds papers "
                           "(run without --bulk to add to it).")
    steps = timings if timings is not None else {}
    t = time.perf_counter()
    ordered, report = _ingest_plan(store, paths, format=format, citations=citations, strict=strict,
                                   progress=progress)
    steps["read"] = time.perf_counter() - t
    # Nothing more is read from the server: an importer that can take it offline
    # early asks it to stop now, and the server shuts down while the build runs.
    early = isinstance(importer, OfflineImporter)
    if early:
        store.close()
        importer.stop()
    child = None
    imported = False
    try:
        started, t0 = _now(), time.perf_counter()
        index = index_references((p.id, p.doi, p.arxiv_id, p.extra.get("source_id")) for p in ordered)
        derived = build_derived(ordered, index, build_params, progress=progress)
        del index
        steps["build"] = time.perf_counter() - t0
        ids = [p.id for p in ordered]
        a_started, a_t0 = _now(), time.perf_counter()
        if use_fork(len(ids)):
            child = _start_analysis(derived, ids, analyze_params)
        with tempfile.TemporaryDirectory(prefix="citegraph-bulk-", dir=workdir) as tmp:
            t = time.perf_counter()
            progress("write csv", 0, 1)
            files = write_csv(tmp, ordered, derived, authorship(ordered))
            steps["csv"] = time.perf_counter() - t
            progress("import", 0, 1)
            t = time.perf_counter()
            store.close()
            try:
                importer(files.import_args(getattr(store, "database", "neo4j")))
            except BaseException:
                imported = True  # the database may be replaced already: nothing to undo
                try:
                    if early:
                        importer.start()  # in case the failed import left the server stopped
                    store.open()
                except Exception as exc:  # the import's error is the one to report
                    log.warning("the store did not open again after the failed import: %s", exc)
                raise
            imported = True
            steps["import"] = time.perf_counter() - t
            t = time.perf_counter()
            store.open()  # constraints and indexes, awaited
            store.authorship_schema()  # Author/Venue constraints, as replace_authorship makes them
            steps["schema"] = time.perf_counter() - t
            t = time.perf_counter()
            set_empty_lists(store, files, batch_size=batch_size)
            steps["empty_lists"] = time.perf_counter() - t
            progress("import", 1, 1)
    except BaseException:
        if child is not None:
            child.stop()
        if early and not imported:
            try:
                importer.start()
                store.open()
            except Exception as exc:  # the run's error is the one to report
                log.warning("the server or the store did not come back after the failed bulk run: %s", exc)
        raise
    report.papers_written = len(ordered)
    _log_ingest(report)
    store.mark_build(None)  # the state a completed Cypher build leaves
    counts = store.counts()
    counts["unresolved_references"] = derived.unresolved_references
    seconds = time.perf_counter() - t0
    store.record_run(RunRecord(kind="build", started_at=started, seconds=round(seconds, 3),
                               params=asdict(build_params), counts=counts, versions=versions()))
    built = BuildReport(counts=counts, seconds=seconds, params=asdict(build_params), derived=derived,
                        paper_ids=ids)
    del ordered
    t = time.perf_counter()
    progress("analyze", 0, 1)
    if child is not None:
        result = child.result()
    else:
        from graph.analysis import analyze_graph as run_analysis

        result = run_analysis(derived, ids, params=analyze_params, parallel=False)
    steps["analysis_wait"] = time.perf_counter() - t
    t = time.perf_counter()
    analyzed = _analyze_write(store, result, a_started, a_t0, batch_size)
    steps["analysis_write"] = time.perf_counter() - t
    progress("analyze", 1, 1)
    log.info("bulk run: %s", ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))
    return report, built, analyzed

