"""``citegraph build --engine dask``: the derived edges computed on Dask distributed.

The client (this module) reads nothing but the papers and the reference index it
is given, resolves CITES (they need the index) and writes the inputs as Parquet
in the work directory; then the workers:

1. make the keywords (one task: their scores need the whole corpus) and the
   SIMILAR_TO features (one task, at the same time: the IDF needs every text);
   the scheduler hands the features to every task that needs them;
2. compute, per row block of ``partition_size`` rows, the top ``k`` SIMILAR_TO
   neighbours (the kernels of :func:`graph.similarity.nearest_neighbors`, or of
   :func:`graph.similarity.approximate_neighbors` where the in-process build uses
   it: TF-IDF above 50,000 papers with text),
   the SHARES_KEYWORDS edges and the COUPLED / CO_CITED top pairs;
3. name the evidence of the SIMILAR_TO pairs and count the shared works of the
   COUPLED / CO_CITED pairs, per chunk of pairs.

Between steps the client only merges small arrays (each row's ``k`` neighbours,
the kept pair codes). Every edge file is Parquet in the work directory, which
the client reads back into a :class:`graph.models.DerivedGraph`: the caller
writes it to the store by the path of the in-process build. The work directory
must be visible to the client and every worker (a shared file system on a
cluster).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from graph.errors import EngineUnavailable, NotSupported, param_error
from graph.models import (
    CoCitedEdge,
    CoupledEdge,
    DerivedGraph,
    Keyword,
    KeywordScore,
    Paper,
    SharedKeywordsEdge,
)

__all__ = ["SCHEDULER_ENV", "DaskOptions", "DaskEngine"]

logger = logging.getLogger(__name__)

#: Environment variable naming the scheduler when ``--scheduler`` is not given.
SCHEDULER_ENV = "CITEGRAPH_DASK_SCHEDULER"

#: Seconds to wait for a scheduler given by URL.
CONNECT_SECONDS = 20

#: Pairs per evidence / shared-count task.
PAIRS_PER_TASK = 100_000

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DaskOptions:
    """Where and how a Dask build runs; validated on construction.

    ``scheduler``: the URL of a running scheduler (``tcp://host:8786``); None: a
    LocalCluster of ``workers`` processes of one thread each, for this build.
    ``workdir``: where the Parquet files go (None: a temporary directory,
    removed after the build). ``partition_size``: rows per block task.
    """

    scheduler: str | None = None
    workers: int = 2
    workdir: str | None = None
    partition_size: int = 5000

    def __post_init__(self) -> None:
        for name, value, low, high in (("workers", self.workers, 1, 256),
                                       ("partition_size", self.partition_size, 1, 10**8)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise param_error(name, "build --engine dask", f"an int in [{low}, {high}]", value)

    @classmethod
    def from_env(cls, *, scheduler: str | None = None, **kwargs) -> DaskOptions:
        """Options with ``scheduler`` defaulting to ``$CITEGRAPH_DASK_SCHEDULER``."""
        return cls(scheduler=scheduler or os.environ.get(SCHEDULER_ENV) or None, **kwargs)


class DaskEngine:
    """A ``derive(papers, reference_index, params, progress)`` for
    :func:`graph.jobs.build` that computes on Dask (see the module docstring).

    The constructor stores the options; each call connects (or starts a
    LocalCluster), builds and closes what it opened.
    """

    def __init__(self, options: DaskOptions | None = None) -> None:
        self.options = options or DaskOptions()

    def __call__(self, papers: Sequence[Paper], reference_index: Mapping[str, str], params,
                 progress: Progress | None = None) -> DerivedGraph:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise NotSupported("The 'dask' engine needs the optional extra: pip install 'citegraph[dask]' "
                               f"(dask[distributed], pyarrow). Missing: {exc.name or exc}.") from exc
        opts = self.options
        workdir = opts.workdir or tempfile.mkdtemp(prefix="citegraph-dask-")
        cluster = None
        t0 = time.perf_counter()
        try:
            try:
                if opts.scheduler:
                    client = Client(opts.scheduler, timeout=CONNECT_SECONDS)
                else:
                    cluster = LocalCluster(n_workers=opts.workers, threads_per_worker=1, processes=True,
                                           dashboard_address=":0")
                    client = Client(cluster)
            except (OSError, TimeoutError) as exc:
                where = opts.scheduler or f"a LocalCluster of {opts.workers} workers"
                raise EngineUnavailable(f"Dask: cannot reach {where}: {exc}") from exc
            try:
                logger.info("dask build: scheduler=%s workers=%d workdir=%s", client.scheduler.address,
                            len(client.scheduler_info()["workers"]), workdir)
                return _derive(client, papers, reference_index, params, Path(workdir), opts.partition_size,
                               progress or (lambda *_: None))
            finally:
                client.close()
        finally:
            if cluster is not None:
                cluster.close()
            if opts.workdir is None:
                shutil.rmtree(workdir, ignore_errors=True)
            logger.info("dask build: %.1f s", time.perf_counter() - t0)


def _blocks(n: int, size: int) -> list[tuple[int, int]]:
    return [(lo, min(n, lo + size)) for lo in range(0, n, size)]


def _derive(client, papers: Sequence[Paper], reference_index: Mapping[str, str], params, workdir: Path,
            partition_size: int, progress: Progress) -> DerivedGraph:
    from distributed import wait

    from graph.edges import citations_and_references
    from graph.engine import blocks
    from graph.engine.parquet import part_path, read_parts, write_table
    from graph.ingest.references import reference_nodes

    # The paper order and CITES of graph.edges.build_derived (the client has the index).
    ordered = sorted({p.id: p for p in reversed(list(papers))}.values(), key=lambda p: p.id)
    ids = [p.id for p in ordered]
    texts = [p.text for p in ordered]
    progress("cites", 0, 1)
    cites, unresolved = citations_and_references(ordered, reference_index)
    references, references_edges = reference_nodes(u for u in unresolved if u is not None)
    progress("cites", 1, 1)
    papers_path = write_table(workdir / "input" / "papers.parquet",
                              {"id": ids, "title": [p.title for p in ordered], "text": texts})
    cites_path = write_table(workdir / "input" / "cites.parquet",
                             {"source": [e.source for e in cites], "target": [e.target for e in cites]})

    # 1. Whole-corpus steps, side by side on the workers.
    min_score = params.effective_min_score
    chunk_bytes = _chunk_bytes()
    kw_path = client.submit(blocks.keywords_task, papers_path, str(workdir / "has_keyword" / "part-00000.parquet"),
                            k=params.keywords_k, max_n=params.keyword_max_words, pure=False)
    prep = client.submit(blocks.similarity_task, papers_path, method=params.similarity, k=params.k,
                         n_components=params.lsa_components, seed=params.seed, chunk_bytes=chunk_bytes, pure=False)
    kw_inc = client.submit(blocks.keyword_incidence_task, kw_path, max_df=params.max_keyword_df, pure=False)
    biblio = params.coupling_k > 0 and len(cites) > 0
    incs = {}
    if biblio:
        for kind, cited in (("coupled", False), ("co_cited", True)):
            incs[kind] = client.submit(blocks.citation_incidence_task, cites_path, cited=cited, pure=False)

    # 2. Row blocks.
    n_text = sum(1 for t in texts if t and t.strip())
    progress("similar", 0, 1)
    similar_parts = [
        client.submit(blocks.similar_block, prep, lo, hi, part_path(workdir, "similar_rows", i),
                      k=params.k, min_score=min_score, chunk_bytes=chunk_bytes, pure=False)
        for i, (lo, hi) in enumerate(_blocks(n_text, partition_size))
    ]
    n_kw = client.submit(blocks.size_of, kw_inc, pure=False).result()
    shares_k = params.effective_shares_k(len(ids))
    if shares_k:  # each paper's top k: the pairs kept by blocks of rows, united, then their rows
        kw_shared = client.submit(blocks.shares_incidence_task, kw_inc, pure=False)
        shares_kept = [client.submit(blocks.kept_pairs_block, kw_shared, lo, hi, k=shares_k,
                                     min_count=params.min_shared, measure="jaccard", pure=False)
                       for lo, hi in _blocks(n_kw, partition_size)]
        shares_codes = np.unique(np.concatenate(client.gather(shares_kept))) if shares_kept else np.zeros(0, np.int64)
        shares_parts = [
            client.submit(blocks.shares_rows_block, kw_shared, shares_codes[a:b],
                          part_path(workdir, "shares_keywords", i), pure=False)
            for i, (a, b) in enumerate(_blocks(len(shares_codes), PAIRS_PER_TASK))
        ]
    else:
        shares_parts = [
            client.submit(blocks.shares_keywords_block, kw_inc, lo, hi, part_path(workdir, "shares_keywords", i),
                          min_shared=params.min_shared, pure=False)
            for i, (lo, hi) in enumerate(_blocks(n_kw, partition_size))
        ]
    knobs = dict(k=params.coupling_k, min_count=params.coupling_min_count, measure=params.coupling_measure)
    kept = {}
    for kind, inc in incs.items():
        n_items = client.submit(blocks.size_of, inc, pure=False).result()
        kept[kind] = [client.submit(blocks.kept_pairs_block, inc, lo, hi, pure=False, **knobs)
                      for lo, hi in _blocks(n_items, partition_size)]

    # 3. Pairs: evidence of SIMILAR_TO, shared works of COUPLED / CO_CITED.
    from graph.similarity import undirected_pairs

    rows = read_parts(client.gather(similar_parts))
    index = np.asarray(rows.get("col", np.zeros(0, np.int64)), dtype=np.int64).reshape(n_text, params.k)
    score = np.asarray(rows.get("score", np.zeros(0, np.float32)), dtype=np.float32).reshape(n_text, params.k)
    sub_ids = np.array([i for i, t in zip(ids, texts) if t and t.strip()], dtype=object)
    lo, hi, vals = undirected_pairs(index, score, sub_ids)
    terms_parts = [
        client.submit(blocks.similar_terms_block, prep, lo[a:b], hi[a:b], vals[a:b],
                      part_path(workdir, "similar", i), n_terms=params.n_terms, pure=False)
        for i, (a, b) in enumerate(_blocks(len(lo), PAIRS_PER_TASK))
    ]
    biblio_parts = {}
    for kind, futures in kept.items():
        codes = np.unique(np.concatenate(client.gather(futures)))
        biblio_parts[kind] = [
            client.submit(blocks.shared_counts_block, incs[kind], codes[a:b], part_path(workdir, kind, i),
                          measure=params.coupling_measure, n_shared=5, pure=False)
            for i, (a, b) in enumerate(_blocks(len(codes), PAIRS_PER_TASK))
        ]
    wait(terms_parts + shares_parts + [kw_path] + [f for fs in biblio_parts.values() for f in fs])
    progress("similar", 1, 1)

    # The edges, read back in task order (each file is sorted, the blocks are in id order).
    similar = _similar_edges(read_parts(client.gather(terms_parts)), ids, params.n_terms)
    t = read_parts(client.gather(shares_parts))
    shares = [SharedKeywordsEdge(*r) for r in zip(t.get("source", []), t.get("target", []),
                                                    _ints(t, "count"), _floats(t, "jaccard"), t.get("keywords", []))]
    t = read_parts([kw_path.result()])
    has_keyword = [KeywordScore(*r) for r in zip(t["paper_id"], t["keyword"], _floats(t, "score"))]
    kw_df = Counter(h.keyword for h in has_keyword)
    keywords = [Keyword(name, kw_df[name]) for name in sorted(kw_df)]
    coupled, co_cited = [], []
    for kind, cls, out in (("coupled", CoupledEdge, coupled), ("co_cited", CoCitedEdge, co_cited)):
        if kind in biblio_parts:
            t = read_parts(client.gather(biblio_parts[kind]))
            out.extend(cls(*r) for r in zip(t.get("source", []), t.get("target", []), _ints(t, "count"),
                                            _floats(t, "strength"), t.get("shared", [])))
    logger.info("dask build: papers=%d similar=%d shares=%d coupled=%d co_cited=%d", len(ids), len(similar),
                len(shares), len(coupled), len(co_cited))
    return DerivedGraph(
        keywords=tuple(keywords),
        has_keyword=tuple(has_keyword),
        similar=tuple(similar),
        shares_keywords=tuple(shares),
        cites=tuple(cites),
        unresolved_references=len(unresolved),
        coupled=tuple(coupled),
        co_cited=tuple(co_cited),
        references=references,
        references_edges=references_edges,
    )


def _similar_edges(t: dict, ids: list[str], n_terms: int):
    from graph.similarity import SimilarPairs

    if not t or not len(t["source"]):
        return []
    pairs = SimilarPairs(np.asarray(t["source"], dtype=np.int64), np.asarray(t["target"], dtype=np.int64),
                         np.asarray(t["score"], dtype=np.float32), list(t["terms"]) if n_terms else None)
    return pairs.edges(ids)


def _ints(t: dict, name: str) -> list[int]:
    return [int(v) for v in np.asarray(t.get(name, []), dtype=np.int64).tolist()]


def _floats(t: dict, name: str) -> list[float]:
    return [float(v) for v in np.asarray(t.get(name, []), dtype=np.float64).tolist()]


def _chunk_bytes() -> int:
    from graph.similarity import CHUNK_BYTES

    return CHUNK_BYTES
