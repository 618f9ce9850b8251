"""Bench: wall time, CPU time and peak memory of every pipeline stage, per corpus
and store, with a tutorial-style baseline next to it.

    python bench/pipeline.py --quick --store embedded neo4j           # seeds + citeseer, ~11 min on a busy 2-core box
    python bench/pipeline.py --corpus seeds citeseer hepth synth-100k synth-300k \\
        --store embedded neo4j --json artifacts/bench/pipeline.json
    python bench/pipeline.py --cli-only --corpus seeds citeseer hepth synth-100k synth-300k \\
        --store embedded --json artifacts/bench/scaling.json          # the cost curve only

Corpora: ``seeds`` (the 440 sample papers), ``citeseer`` (3,186), ``hepth``
(29,555), ``synth-<n>`` / ``synth-<n>k`` (made by :mod:`bench.synth` from hepth
text into ``--synth-cache``, default /tmp/citegraph-synth; generation time is
reported apart and not counted in the pipeline).

For each corpus and store a child process (``--child``) runs the real pipeline
functions, ``graph.jobs.ingest``, ``build`` and ``analyze``, then the viz
overview and largest-community pages (``viz.data.GraphSnapshot`` +
``viz.render.render_page``). Stages are cut from the outside:

- the store is wrapped in a proxy that times every store method call, so store
  time is split from compute time (``write papers``, ``write edges``,
  ``write analysis``, and ``store reads`` for everything else the pipeline reads
  back from the store);
- ``build``'s progress callback marks where keywords, similarity, keyword edges
  and citations start and end (``graph.edges.build_derived`` stages);
- ``read`` is ingest's compute time (parsing, dedup, identity), ``analysis`` is
  analyze's compute time (projection, communities, centrality, labels, layout),
  ``viz`` is snapshot load plus rendering two pages.

Memory: a thread samples the child's RSS from ``/proc/self/statm`` every 20 ms
(psutil is not installed); a stage's peak is the highest sample taken during
it. A stage shorter than the sampling period, or one holding the GIL in C
code, can be under-sampled, so the child's ``ru_maxrss`` (kernel high-water
mark) is reported too. On Neo4j the server's RSS (JVM) is sampled the same way
when its pid is known. Each child starts from an empty store (the Neo4j
database is cleared: use a server you own).

Also per corpus: ``citegraph run`` (ingest + build + analyze) and then
``citegraph analyze`` through the CLI under ``/usr/bin/time -v`` (``--no-cli``
skips it), and the baseline of :mod:`bench.baseline` (``--no-baseline``
skips it). Every result carries the machine (cpus, RAM, load average), library
versions and git commit. Each child has a ``--timeout`` (default 3600 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import MEMORY_METHOD, Timeline, _run_sampled, warm_imports  # noqa: E402
from bench.pipeline_report import render_tables, write_svg  # noqa: E402

SHARED = ROOT.parent / "shared"
FIXED = {
    "seeds": (sorted(str(p) for p in (ROOT / "graph" / "sample").glob("*.txt")), []),
    "citeseer": ([str(SHARED / "data" / "citeseer" / "papers.jsonl")], [str(SHARED / "data" / "citeseer" / "citations.csv")]),
    "hepth": ([str(SHARED / "data" / "hepth" / "papers.jsonl.gz")], [str(SHARED / "data" / "hepth" / "citations.csv.gz")]),
}


# --- machine ---------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """CPU count, RAM, load average, versions, git commit."""
    info: dict[str, Any] = {"cpus": os.cpu_count(), "platform": platform.platform(),
                            "load_avg": [round(x, 2) for x in os.getloadavg()]}
    try:
        with open("/proc/meminfo") as fh:
            mem = {line.split(":")[0]: int(line.split()[1]) for line in fh}
        info["ram_gb"] = round(mem["MemTotal"] / 2**20, 1)
        info["ram_available_gb"] = round(mem.get("MemAvailable", 0) / 2**20, 1)
    except OSError:
        pass
    try:
        with open("/proc/cpuinfo") as fh:
            info["cpu_model"] = next((l.split(":", 1)[1].strip() for l in fh if l.startswith("model name")), "")
    except OSError:
        pass
    sys.path.insert(0, str(ROOT))
    from graph.jobs import versions

    info["versions"] = versions()
    try:
        info["git_commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                            text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=20).stdout.strip()
        info["git_dirty"] = bool(dirty)
    except (OSError, subprocess.SubprocessError):
        info["git_commit"] = None
    return info


# --- child: timed store -----------------------------------------------------------


class TimedStore:
    """Proxy that labels every store call ``store:<method>`` on the timeline."""

    def __init__(self, inner: Any, timeline: Timeline) -> None:
        self._inner = inner
        self._tl = timeline

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr) or name.startswith("_"):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            previous = self._tl.current
            self._tl.mark(f"store:{name}")
            try:
                result = attr(*args, **kwargs)
                if name.startswith("iter_"):
                    result = iter(list(result))  # consume inside the timed call
                return result
            finally:
                self._tl.mark(previous)

        return timed


def _build_progress(tl: Timeline) -> Callable[[str, int, int], None]:
    def on(stage: str, done: int, total: int) -> None:
        if stage == "keywords":
            tl.mark("keywords" if done == 0 else "similarity")
        elif stage == "shares_keywords" and done == 0:
            tl.mark("keyword edges")
        elif stage == "cites":
            tl.mark("citations" if done == 0 else "build other")

    return on


def _open_store(kind: str, db: str, uri: str | None, password: str | None):
    if kind == "neo4j":
        from graph.stores.neo4j import Neo4jStore

        return Neo4jStore(uri=uri, user=os.environ.get("NEO4J_USER", "neo4j"), password=password or "")
    from graph.stores.sqlite import SQLiteStore

    return SQLiteStore(db)


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One corpus into one store; per-stage numbers as a dict."""
    sys.path.insert(0, str(ROOT))
    imports_s = warm_imports()
    from graph.jobs import analyze, build, ingest

    papers, citations = json.loads(args.files)
    if args.store == "embedded":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    inner = _open_store(args.store, args.db, args.neo4j_uri, args.neo4j_password)
    inner.open()
    inner.clear()
    tl = Timeline(extra_pid=args.server_pid)
    store = TimedStore(inner, tl)
    phases: dict[str, float] = {}
    t_all = time.perf_counter()
    try:
        t0 = time.perf_counter()
        tl.mark("ingest")
        report = ingest(store, papers, citations=citations)
        phases["ingest"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        tl.mark("build other")
        build(store, progress=_build_progress(tl))
        phases["build"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        tl.mark("analyze")
        result = analyze(store)
        phases["analyze"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        tl.mark("viz")
        pages = _viz(inner)
        phases["viz"] = time.perf_counter() - t0
        counts = inner.counts()
    finally:
        tl.stop()
        inner.close()
    total = time.perf_counter() - t_all
    stages = _fold(tl.stages())
    rows = {"write papers": report.papers_written,
            "write edges": sum(counts.get(k, 0) for k in ("keywords", "HAS_KEYWORD", "SIMILAR_TO",
                                                            "SHARES_KEYWORDS", "CITES")),
            "write analysis": counts.get("papers", 0) + counts.get("communities", 0) + counts.get("IN_COMMUNITY", 0)}
    for name, n in rows.items():
        if name in stages and stages[name]["wall_s"] > 0:
            stages[name]["rows"] = n
            stages[name]["rows_per_s"] = round(n / stages[name]["wall_s"], 1)
    return {"kind": "citegraph", "counts": counts, "ingest": {"papers": report.papers_written,
            "duplicates": report.duplicates, "problems": len(report.problems)},
            "communities": result.communities, "modularity": round(result.modularity, 4),
            "phases_s": {k: round(v, 3) for k, v in phases.items()}, "total_s": round(total, 3),
            "imports_s": imports_s,
            "stages": stages, "viz_pages": pages,
            "child_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "memory_method": MEMORY_METHOD}


def _fold(raw: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Timeline labels -> report stages (store calls by what they do)."""
    names = {"ingest": "read", "analyze": "analysis", "store:upsert_papers": "write papers",
             "store:replace_derived": "write edges", "store:write_analysis": "write analysis"}
    out: dict[str, dict[str, float]] = {}
    for label, row in raw.items():
        name = names.get(label, "store reads" if label.startswith("store:") else label)
        agg = out.setdefault(name, {"wall_s": 0.0, "cpu_s": 0.0, "peak_rss_mb": 0.0, "server_peak_rss_mb": 0.0,
                                    "server_cpu_s": 0.0})
        agg["wall_s"] = round(agg["wall_s"] + row["wall_s"], 3)
        agg["cpu_s"] = round(agg["cpu_s"] + row["cpu_s"], 3)
        agg["peak_rss_mb"] = max(agg["peak_rss_mb"], row["peak_rss_mb"])
        agg["server_peak_rss_mb"] = max(agg["server_peak_rss_mb"], row["server_peak_rss_mb"])
        agg["server_cpu_s"] = round(agg["server_cpu_s"] + row.get("server_cpu_s", 0.0), 2)
    return out


def _viz(store: Any) -> dict[str, Any]:
    """Snapshot + overview page + largest community page, as the API serves them."""
    from viz.data import GraphSnapshot, community_data, overview_data
    from viz.pages import ApiLinks
    from viz.render import render_page

    snap = GraphSnapshot.load(store)
    sizes = {"overview_kb": len(render_page(overview_data(snap), ApiLinks())) // 1024}
    if snap.communities:
        biggest = max(snap.communities, key=lambda c: (c.size, -c.id))
        sizes["community_kb"] = len(render_page(community_data(snap, biggest.id), ApiLinks())) // 1024
    return sizes


# --- parent ------------------------------------------------------------------------


def corpus_files(name: str, cache: Path, seed: int) -> tuple[list[str], list[str], dict[str, Any]]:
    """Paper files, citation files and generation info of a corpus name."""
    if name in FIXED:
        papers, cites = FIXED[name]
        return papers, cites, {}
    match = re.fullmatch(r"synth-(\d+)(k?)", name)
    if not match:
        raise SystemExit(f"unknown corpus {name!r}: use seeds, citeseer, hepth or synth-<n>[k]")
    n = int(match.group(1)) * (1000 if match.group(2) else 1)
    from bench.synth import ensure_corpus

    t0 = time.perf_counter()
    papers, cites = ensure_corpus(n, seed=seed, cache=cache)
    meta = json.loads((papers.parent / "meta.json").read_text())
    return [str(papers)], [str(cites)], {"synth": meta, "synth_ready_s": round(time.perf_counter() - t0, 1)}


def _run_json(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = fh.name
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd + ["--out", out], cwd=ROOT, timeout=timeout, capture_output=True, text=True,
                              env=env)
        if proc.returncode != 0:
            return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}"}
        return json.loads(Path(out).read_text())
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s", "wall_s": round(time.perf_counter() - t0, 1)}
    finally:
        Path(out).unlink(missing_ok=True)


def cli_timing(papers: list[str], cites: list[str], store: str, db: Path, neo: dict | None,
               timeout: float) -> dict[str, Any]:
    """``citegraph run`` then ``citegraph analyze`` under /usr/bin/time -v."""
    env = dict(os.environ)
    base = [sys.executable, "-m", "api", "--store", store]
    if store == "embedded":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        base += ["--db", str(db)]
    else:
        env.update(NEO4J_URI=neo["uri"], NEO4J_PASSWORD=neo["password"])
        clear = _run_json([sys.executable, str(Path(__file__)), "--clear", "--store", "neo4j",
                           "--neo4j-uri", neo["uri"], "--neo4j-password", neo["password"]], 600)
        if "error" in clear:
            return clear
    out: dict[str, Any] = {}
    cite_args = [a for c in cites for a in ("--citations", c)]
    for name, cmd in (("run", base + ["run", *papers, *cite_args]), ("analyze", base + ["analyze"])):
        timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
        t0 = time.perf_counter()
        try:
            proc, tree_peak, tree_pss = _run_sampled(timer + cmd, cwd=ROOT, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            out[name] = {"error": f"timed out after {timeout:.0f} s"}
            break
        wall = time.perf_counter() - t0
        row: dict[str, Any] = {"wall_s": round(wall, 2), "exit": proc.returncode}
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        if rss:  # the largest single process (GNU time: max over the process and its children)
            row["max_rss_mb"] = round(int(rss.group(1)) / 1024, 1)
        row["tree_peak_rss_mb"] = round(tree_peak / 1024, 1)  # sum over the process tree, sampled
        row["tree_peak_pss_mb"] = round(tree_pss / 1024, 1)  # the same in PSS: shared pages once
        for key, pat in (("user_s", r"User time \(seconds\): ([\d.]+)"), ("sys_s", r"System time \(seconds\): ([\d.]+)")):
            m = re.search(pat, proc.stderr)
            if m:
                row[key] = float(m.group(1))
        papers = re.search(r"built in [\d.]+s: (\d+) papers", proc.stdout)
        if papers:
            row["papers"] = int(papers.group(1))
        if proc.returncode != 0:
            row["stderr"] = proc.stderr.strip()[-1500:]
        out[name] = row
    return out


def resolve_neo4j(args: argparse.Namespace) -> dict[str, Any]:
    """URI/password from flags or env, else start the managed local server (api.neo4j_local)."""
    uri = args.neo4j_uri or os.environ.get("NEO4J_URI")
    password = args.neo4j_password or os.environ.get("NEO4J_PASSWORD")
    if uri and password:
        return {"uri": uri, "password": password, "pid": args.neo4j_pid, "started": False}
    sys.path.insert(0, str(ROOT))
    from api import neo4j_local

    info = neo4j_local.start(timeout=300)
    return {"uri": info["uri"], "password": info["password"], "pid": info["pid"],
            "started": not info["already_running"], "home": info["home"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", nargs="+", default=["seeds", "citeseer", "hepth"],
                    help="seeds citeseer hepth synth-<n>[k] (default: seeds citeseer hepth)")
    ap.add_argument("--store", nargs="+", default=["embedded"], choices=["embedded", "neo4j"])
    ap.add_argument("--quick", action="store_true", help="seeds + citeseer only (overrides --corpus)")
    ap.add_argument("--json", type=Path, help="write every result here")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/citegraph-bench"))
    ap.add_argument("--synth-cache", type=Path, default=Path("/tmp/citegraph-synth"))
    ap.add_argument("--seed", type=int, default=0, help="seed of the synthetic corpora")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per child run")
    ap.add_argument("--no-baseline", dest="baseline", action="store_false")
    ap.add_argument("--no-cli", dest="cli", action="store_false")
    ap.add_argument("--cli-only", action="store_true",
                    help="only `citegraph run` + `analyze` per corpus (the scaling curve): no staged child, no baseline")
    ap.add_argument("--cli-store", nargs="*", choices=["embedded", "neo4j"],
                    help="stores for the CLI timing (default: every --store)")
    ap.add_argument("--baseline-write-budget", type=float, default=20.0,
                    help="seconds of per-row MERGE writes per kind before extrapolating")
    ap.add_argument("--neo4j-uri")
    ap.add_argument("--neo4j-password")
    ap.add_argument("--neo4j-pid", type=int, help="server pid, to sample its RSS")
    ap.add_argument("--keep-neo4j", action="store_true", help="leave a server this run started running")
    ap.add_argument("--render", type=Path, metavar="JSON", help="only print the tables of an earlier --json file")
    ap.add_argument("--svg", type=Path, help="also draw the scaling curve of the embedded store's `citegraph run` here")
    # child modes
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--clear", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--files", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.render:
        sys.path.insert(0, str(ROOT))
        doc = json.loads(args.render.read_text())
        print(render_tables(doc))
        write_svg(args.svg, doc)
        return 0
    if args.child or args.clear:
        sys.path.insert(0, str(ROOT))
        if args.clear:
            store = _open_store(args.store[0], args.db or "", args.neo4j_uri, args.neo4j_password)
            with store:
                store.clear()
            result: dict[str, Any] = {"cleared": True}
        else:
            args.store = args.store[0]
            result = child(args)
        Path(args.out).write_text(json.dumps(result, indent=1))
        return 0

    sys.path.insert(0, str(ROOT))
    corpora = ["seeds", "citeseer"] if args.quick else args.corpus
    args.workdir.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    neo = resolve_neo4j(args) if "neo4j" in args.store else None
    if neo and not neo.get("pid") and args.neo4j_pid:
        neo["pid"] = args.neo4j_pid
    command = " ".join([Path(sys.executable).name, *sys.argv])
    results: list[dict[str, Any]] = []
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731

    def save() -> None:  # after every run, so a killed or timed-out run keeps what was measured
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"command": command, "machine": machine, "memory_method": MEMORY_METHOD,
                                             "results": results, "partial": True}, indent=1))
    try:
        for corpus in corpora:
            papers, cites, gen = corpus_files(corpus, args.synth_cache, args.seed)
            for store in [] if args.cli_only else args.store:
                db = args.workdir / f"{corpus}.db"
                log(f"[{time.strftime('%H:%M:%S')}] {corpus} -> {store} (load {os.getloadavg()[0]:.1f})")
                cmd = [sys.executable, str(Path(__file__)), "--child", "--store", store,
                       "--files", json.dumps([papers, cites]), "--db", str(db)]
                if store == "neo4j":
                    cmd += ["--neo4j-uri", neo["uri"], "--neo4j-password", neo["password"]]
                    if neo.get("pid"):
                        cmd += ["--server-pid", str(neo["pid"])]
                load_before = os.getloadavg()[0]
                row = _run_json(cmd, args.timeout)
                row.setdefault("kind", "citegraph")
                row.update(corpus=corpus, store=store, load_avg_1m=[round(load_before, 2),
                                                                   round(os.getloadavg()[0], 2)], **gen)
                results.append(row)
                log(f"  citegraph: {row.get('total_s', row.get('error'))} s")
                save()
            if args.baseline and not args.cli_only:
                from bench.baseline import baseline_command

                db = args.workdir / f"{corpus}.db"
                cmd = baseline_command(papers, cites, db=db if "embedded" in args.store else None, neo4j=neo,
                                       write_budget=args.baseline_write_budget)
                log(f"[{time.strftime('%H:%M:%S')}] {corpus}: baseline")
                row = _run_json(cmd, args.timeout)
                row.setdefault("kind", "baseline")
                row.update(corpus=corpus, store="baseline", load_avg_1m=[round(os.getloadavg()[0], 2)])
                results.append(row)
                save()
            if args.cli or args.cli_only:
                for store in args.cli_store if args.cli_store is not None else args.store:
                    log(f"[{time.strftime('%H:%M:%S')}] {corpus}: CLI run + analyze ({store})")
                    row = cli_timing(papers, cites, store, args.workdir / f"{corpus}-cli.db", neo, args.timeout)
                    results.append({"kind": "cli", "corpus": corpus, "store": store, **row,
                                    "load_avg_1m": [round(os.getloadavg()[0], 2)]})
                    save()
    finally:
        if neo and neo.get("started") and not args.keep_neo4j:
            from api import neo4j_local

            neo4j_local.stop()
    machine["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    doc = {"command": command, "machine": machine, "memory_method": MEMORY_METHOD, "results": results}
    print(render_tables(doc))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=1))
    write_svg(args.svg, doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
