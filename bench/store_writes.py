"""Store write/bulk-read throughput on a fixed workload (issue #6, "store writes").

The workload is hepth (29,555 papers, 352,768 citation pairs) as citegraph
itself produces it: the papers with their references, the derived graph of
``build`` (keywords, HAS_KEYWORD, SIMILAR_TO, SHARES_KEYWORDS, CITES) and the
``analyze`` result. It is computed once (a few minutes) and cached as a pickle
(``--cache``, default ``/tmp/citegraph-store-bench.pkl``); later runs only load it.

Each step runs on the store's public API and is timed on the wall clock;
alongside go the client's CPU seconds, the Neo4j server's CPU seconds (read
from ``/proc``), the peak RSS of the client and of the server during the step,
and the 1-minute load average (the machine is shared: read rows/s with it).

Steps (each store starts from ``clear()``)::

    papers            upsert_papers into an empty store
    papers again      upsert_papers over the same papers (update path)
    HAS_KEYWORD       replace_derived(keywords + HAS_KEYWORD) on an empty derived graph
    SIMILAR_TO        replace_derived(SIMILAR_TO only), ditto
    SHARES_KEYWORDS   replace_derived(SHARES_KEYWORDS only), ditto
    CITES             replace_derived(CITES only), ditto
    derived (fresh)   replace_derived(everything) on an empty derived graph
    derived (replace) replace_derived(everything) over the same stored graph
    analysis          write_analysis (scores of every paper + communities)
    analysis again    write_analysis over the stored analysis
    load_derived      bulk read of every derived row
    iter_papers       bulk read of every paper

Usage::

    python bench/store_writes.py --store both --json /tmp/store_writes.json
    python bench/store_writes.py --store neo4j --only derived --repeat 2

The Neo4j store is the one ``NEO4J_URI`` / ``NEO4J_PASSWORD`` name, or the
local server of ``scripts/neo4j_local.py`` (``NEO4J_LOCAL_HOME`` /
``NEO4J_LOCAL_PORT``). Its database is CLEARED.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.models import AnalysisResult, DerivedGraph, Paper  # noqa: E402

DATA = Path(os.environ.get("CITEGRAPH_DATA", "/work/shared/data")) / "hepth"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "citegraph-store-bench.pkl"
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


# -- workload ---------------------------------------------------------------------


@dataclass
class Workload:
    papers: list[Paper]
    derived: DerivedGraph
    analysis: AnalysisResult


def make_workload() -> Workload:
    """hepth papers (with references), its derived graph and its analysis."""
    from graph import jobs
    from graph.analysis import analyze_graph
    from graph.edges import BuildParams, build_derived
    from graph.stores.sqlite import SQLiteStore

    t0 = time.perf_counter()
    papers, pairs, report = jobs.read_inputs(
        [DATA / "papers.jsonl.gz"], citations=[DATA / "citations.csv.gz"]
    )
    with tempfile.TemporaryDirectory() as tmp:
        with SQLiteStore(Path(tmp) / "w.db") as store:
            merged = {p.id: p for p in papers}
            jobs._attach_citations(store, merged, pairs, report)
            papers = [merged[pid] for pid in sorted(merged)]
            store.upsert_papers(papers)
            index = store.reference_index()
    print(f"workload: {len(papers)} papers read in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    t0 = time.perf_counter()
    derived = build_derived(papers, index, BuildParams())
    print(f"workload: derived graph built in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    t0 = time.perf_counter()
    analysis = analyze_graph(derived, [p.id for p in papers])
    print(f"workload: analysis in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return Workload(papers, derived, analysis)


def load_workload(cache: Path) -> Workload:
    if cache.exists():
        with cache.open("rb") as fh:
            got = pickle.load(fh)
        return Workload(**got) if isinstance(got, dict) else got
    work = make_workload()
    tmp = cache.with_suffix(".tmp")
    with tmp.open("wb") as fh:  # a plain dict: loadable outside this script too
        pickle.dump(dict(work.__dict__), fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(cache)
    return work


# -- measuring --------------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE // 1024
    except OSError:
        return 0


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except OSError:
        return 0.0


class PeakSampler:
    """Peak RSS of a few processes, sampled every 20 ms in a thread."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peaks = [0] * len(pids)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for i, pid in enumerate(self.pids):
                self.peaks[i] = max(self.peaks[i], _rss_kib(pid))
            self._stop.wait(0.02)

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for i, pid in enumerate(self.pids):
            self.peaks[i] = max(self.peaks[i], _rss_kib(pid))


@dataclass
class Row:
    store: str
    step: str
    rows: int
    seconds: float
    client_cpu: float
    server_cpu: float | None
    client_peak_mib: float
    server_peak_mib: float | None
    load1: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def measure(store_name: str, step: str, rows: int, fn: Callable[[], Any], server_pid: int | None) -> Row:
    gc.collect()
    pids = [os.getpid()] + ([server_pid] if server_pid else [])
    load1 = os.getloadavg()[0]
    s_cpu0 = _cpu_seconds(server_pid) if server_pid else None
    c_cpu0 = time.process_time()
    with PeakSampler(pids) as sampler:
        t0 = time.perf_counter()
        fn()
        seconds = time.perf_counter() - t0
    c_cpu = time.process_time() - c_cpu0
    s_cpu = _cpu_seconds(server_pid) - s_cpu0 if server_pid else None
    row = Row(
        store=store_name, step=step, rows=rows, seconds=seconds, client_cpu=c_cpu, server_cpu=s_cpu,
        client_peak_mib=sampler.peaks[0] / 1024,
        server_peak_mib=sampler.peaks[1] / 1024 if server_pid else None, load1=load1,
    )
    print(_format(row), flush=True)
    return row


HEADER = (
    f"{'store':8} {'step':18} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'cli cpu':>8} "
    f"{'srv cpu':>8} {'cli MiB':>8} {'srv MiB':>8} {'load1':>6}"
)


def _format(r: Row) -> str:
    srv_cpu = f"{r.server_cpu:8.1f}" if r.server_cpu is not None else f"{'-':>8}"
    srv_mib = f"{r.server_peak_mib:8.0f}" if r.server_peak_mib is not None else f"{'-':>8}"
    return (
        f"{r.store:8} {r.step:18} {r.rows:9d} {r.seconds:8.2f} {r.rate:9.0f} {r.client_cpu:8.1f} "
        f"{srv_cpu} {r.client_peak_mib:8.0f} {srv_mib} {r.load1:6.2f}"
    )


# -- stores ----------------------------------------------------------------------------


def open_store(kind: str, tmpdir: Path):
    """(store, server pid or None). Opens the store."""
    if kind == "embedded":
        from graph.stores.sqlite import SQLiteStore

        store = SQLiteStore(tmpdir / "bench.db")
        store.open()
        return store, None
    from graph.stores.neo4j import Neo4jStore

    pid = None
    uri = os.environ.get("NEO4J_URI")
    password = os.environ.get("NEO4J_PASSWORD", "citegraph-dev")
    if not uri:
        sys.path.insert(0, str(ROOT))
        from api import neo4j_local

        info = neo4j_local.status()
        if not info.get("running"):
            raise SystemExit(f"no local Neo4j running ({info}); start it with `citegraph neo4j start`")
        uri = info["uri"]
        password = os.environ.get("NEO4J_PASSWORD") or neo4j_local.Settings().password
        pid = info.get("pid")
    if pid:
        print(f"neo4j server pid {pid}: {_jvm_mode(pid)}", file=sys.stderr)
    store = Neo4jStore(uri, "neo4j", password)
    store.open()
    return store, pid


def _jvm_mode(pid: int) -> str:
    """The server JVM's JIT and GC, from its command line: a C1-only server
    (NEO4J_LOCAL_FAST_JIT=1, the neo4j_local default) spends about 1.5-2x the
    server CPU per written row of a full-JIT one, so say which one was measured."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            args = fh.read().decode(errors="replace").split("\0")
    except OSError:
        return "JVM flags unknown"
    jit = "C1 only (NEO4J_LOCAL_FAST_JIT=1; use 0 for write benches)" if "-XX:TieredStopAtLevel=1" in args else "full JIT"
    gc = next((a[len("-XX:+Use"):] for a in args if a.startswith("-XX:+Use") and a.endswith("GC")), "default GC")
    heap = next((a[len("-Xmx"):] for a in args if a.startswith("-Xmx")), "?")
    return f"{jit}, {gc}, heap {heap}"


def _edge_count(d: DerivedGraph) -> int:
    return len(d.has_keyword) + len(d.similar) + len(d.shares_keywords) + len(d.cites)


def run_store(kind: str, work: Workload, only: set[str] | None, batch_size: int) -> list[Row]:
    d = work.derived
    empty = DerivedGraph((), (), (), (), (), 0)
    parts = {
        "HAS_KEYWORD": (DerivedGraph(d.keywords, d.has_keyword, (), (), (), 0), len(d.has_keyword)),
        "SIMILAR_TO": (DerivedGraph((), (), d.similar, (), (), 0), len(d.similar)),
        "SHARES_KEYWORDS": (DerivedGraph((), (), (), d.shares_keywords, (), 0), len(d.shares_keywords)),
        "CITES": (DerivedGraph((), (), (), (), d.cites, 0), len(d.cites)),
    }
    want = lambda group: only is None or group in only  # noqa: E731
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        store, pid = open_store(kind, Path(tmp))
        name = store.name
        try:
            m = lambda step, n, fn: rows.append(measure(name, step, n, fn, pid))  # noqa: E731
            m("clear", 0, store.clear)
            m("papers", len(work.papers), lambda: store.upsert_papers(work.papers, batch_size=batch_size))
            if want("papers"):
                m("papers again", len(work.papers), lambda: store.upsert_papers(work.papers, batch_size=batch_size))
            if want("kinds"):
                for label, (part, n) in parts.items():
                    store.replace_derived(empty)
                    m(label, n, lambda part=part: store.replace_derived(part, batch_size=batch_size))
                store.replace_derived(empty)
            if want("derived") or want("analysis") or want("reads"):
                m("derived (fresh)", _edge_count(d), lambda: store.replace_derived(d, batch_size=batch_size))
            if want("derived"):
                m("derived (replace)", _edge_count(d), lambda: store.replace_derived(d, batch_size=batch_size))
            if want("analysis") or want("reads"):
                n = len(work.analysis.scores)
                m("analysis", n, lambda: store.write_analysis(work.analysis, batch_size=batch_size))
                if want("analysis"):
                    m("analysis again", n, lambda: store.write_analysis(work.analysis, batch_size=batch_size))
            if want("reads"):
                got: dict[str, Any] = {}
                m("load_derived", _edge_count(d), lambda: got.__setitem__("d", store.load_derived()))
                loaded = got.pop("d")
                if _edge_count(loaded) != _edge_count(d):
                    raise SystemExit(f"load_derived returned {_edge_count(loaded)} edges, wrote {_edge_count(d)}")
                del loaded
                m("iter_papers", len(work.papers), lambda: got.__setitem__("n", sum(1 for _ in store.iter_papers())))
                if got["n"] != len(work.papers):
                    raise SystemExit(f"iter_papers returned {got['n']} papers, wrote {len(work.papers)}")
            counts = store.counts()
            rows[-1].extra["counts"] = counts
        finally:
            store.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("embedded", "neo4j", "both"), default="both")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="workload pickle (made if missing)")
    parser.add_argument("--only", action="append", choices=("papers", "kinds", "derived", "analysis", "reads"),
                        help="step groups to run (repeatable; default all)")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=1, help="run the whole sequence this many times")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)

    work = load_workload(args.cache)
    d = work.derived
    print(
        f"workload: {len(work.papers)} papers, {len(d.keywords)} keywords, {len(d.has_keyword)} HAS_KEYWORD, "
        f"{len(d.similar)} SIMILAR_TO, {len(d.shares_keywords)} SHARES_KEYWORDS, {len(d.cites)} CITES, "
        f"{len(work.analysis.scores)} scores, {len(work.analysis.communities)} communities"
    )
    kinds = ("embedded", "neo4j") if args.store == "both" else (args.store,)
    print(HEADER)
    results: list[Row] = []
    only = set(args.only) if args.only else None
    for _ in range(args.repeat):
        for kind in kinds:
            results += run_store(kind, work, only, args.batch_size)
    if args.json:
        args.json.write_text(json.dumps([{**r.__dict__, "rows_per_s": r.rate} for r in results], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
