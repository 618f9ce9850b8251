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
import math
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

SHARED = ROOT.parent / "shared"
FIXED = {
    "seeds": (sorted(str(p) for p in (ROOT / "graph" / "sample").glob("*.txt")), []),
    "citeseer": ([str(SHARED / "data" / "citeseer" / "papers.jsonl")], [str(SHARED / "data" / "citeseer" / "citations.csv")]),
    "hepth": ([str(SHARED / "data" / "hepth" / "papers.jsonl.gz")], [str(SHARED / "data" / "hepth" / "citations.csv.gz")]),
}
STAGES = ("read", "write papers", "keywords", "similarity", "keyword edges", "citations", "build other",
          "write edges", "analysis", "write analysis", "store reads", "viz")


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
        _write_svg(args.svg, doc)
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
    _write_svg(args.svg, doc)
    return 0


def _write_svg(path: Path | None, doc: dict[str, Any]) -> None:
    if path is None:
        return
    svg = scaling_svg([r for r in doc["results"] if r.get("kind") == "cli"])
    if svg is None:
        print("no scaling chart: fewer than two successful `citegraph run` results", file=sys.stderr)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg)


# --- report ------------------------------------------------------------------------


def _fmt_s(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def scaling_rows(cli: list[dict[str, Any]]) -> list[str]:
    """The cost curve of ``citegraph run`` per store: papers against seconds and
    memory, with the growth exponent between neighbouring sizes (1.0 = linear:
    ``log(t2 / t1) / log(n2 / n1)``)."""
    lines: list[str] = []
    for store in sorted({r["store"] for r in cli}):
        pts = sorted(((r["run"]["papers"], r["run"]) for r in cli
                      if r["store"] == store and r.get("run", {}).get("papers") and r["run"].get("exit") == 0),
                     key=lambda x: x[0])
        if len(pts) < 2:
            continue
        lines += ["", f"Scaling of `citegraph run` ({store}): exponent = log(ratio of cost) / log(ratio of papers) "
                  "against the next smaller corpus (1.0 is linear)",
                  "| papers | run s | ms per paper | time exponent | max RSS MB | process tree peak RSS / PSS MB "
                  "| memory exponent |",
                  "|---|---|---|---|---|---|---|"]
        prev = None
        for n, run in pts:
            t, mem = run["wall_s"], run.get("max_rss_mb")
            t_exp = m_exp = ""
            if prev is not None:
                pn, pt, pm = prev
                t_exp = f"{math.log(t / pt) / math.log(n / pn):.2f}"
                if mem and pm:
                    m_exp = f"{math.log(mem / pm) / math.log(n / pn):.2f}"
            lines.append(f"| {n:,} | {_fmt_s(t)} | {1000 * t / n:.2f} | {t_exp} | {mem or ''} "
                         f"| {run.get('tree_peak_rss_mb', '')} / {run.get('tree_peak_pss_mb', '')} | {m_exp} |")
            prev = (n, t, mem)
    return lines


def scaling_svg(cli: list[dict[str, Any]], store: str = "embedded") -> str | None:
    """A log-log chart of ``citegraph run`` seconds and peak memory (largest
    process) against papers, with the linear trend through the smallest point
    of each series for comparison; None with fewer than two points."""
    pts = sorted((r["run"]["papers"], r["run"]["wall_s"], r["run"].get("max_rss_mb")) for r in cli
                 if r["store"] == store and r.get("run", {}).get("papers") and r["run"].get("exit") == 0)
    if len(pts) < 2:
        return None
    width, height, pad = 640, 400, 60
    xs = [math.log10(n) for n, _, _ in pts]
    ys = [math.log10(v) for _, t, m in pts for v in (t, m) if v]
    x0, x1 = math.floor(min(xs)), math.ceil(max(xs))
    y0, y1 = math.floor(min(ys)), math.ceil(max(ys))

    def px(x: float) -> float:
        return pad + (x - x0) / (x1 - x0) * (width - 2 * pad)

    def py(y: float) -> float:
        return height - pad - (y - y0) / (y1 - y0) * (height - 2 * pad)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle">citegraph run ({store}): papers vs seconds and '
           f'peak MB, log-log</text>',
           f'<text x="{width / 2}" y="38" text-anchor="middle" font-size="11">dashed: linear growth from the '
           f'smallest corpus</text>']
    for d in range(x0, x1 + 1):
        out.append(f'<line x1="{px(d):.1f}" y1="{pad}" x2="{px(d):.1f}" y2="{height - pad}" stroke="#ddd"/>'
                   f'<text x="{px(d):.1f}" y="{height - pad + 16}" text-anchor="middle">{10 ** d:,}</text>')
    for d in range(y0, y1 + 1):
        out.append(f'<line x1="{pad}" y1="{py(d):.1f}" x2="{width - pad}" y2="{py(d):.1f}" stroke="#ddd"/>'
                   f'<text x="{pad - 6}" y="{py(d) + 4:.1f}" text-anchor="end">{10 ** d:,}</text>')
    out.append(f'<text x="{width / 2}" y="{height - 15}" text-anchor="middle">papers</text>')
    for label, col, color in (("seconds", 1, "#1f77b4"), ("peak MB", 2, "#d62728")):
        series = [(math.log10(p[0]), math.log10(p[col])) for p in pts if p[col]]
        if len(series) < 2:
            continue
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
                   + " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in series) + '"/>')
        out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>' for x, y in series]
        (ax, ay), (bx, _) = series[0], series[-1]
        out.append(f'<line x1="{px(ax):.1f}" y1="{py(ay):.1f}" x2="{px(bx):.1f}" y2="{py(ay + bx - ax):.1f}" '
                   f'stroke="{color}" stroke-dasharray="4 4"/>')
        lx, ly = series[-1]
        out.append(f'<text x="{px(lx) - 6:.1f}" y="{py(ly) - 8:.1f}" text-anchor="end" fill="{color}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out)


def render_tables(doc: dict[str, Any]) -> str:
    """Markdown tables: stages per corpus/store, CLI end to end, baseline ratios."""
    m = doc["machine"]
    lines = [f"machine: {m.get('cpus')} cpus ({m.get('cpu_model', '')}), {m.get('ram_gb')} GB RAM, "
             f"load avg {m.get('load_avg')} -> {m.get('load_avg_end')}; commit {str(m.get('git_commit'))[:12]}"
             f"{' (+local changes)' if m.get('git_dirty') else ''}{'; PARTIAL results' if doc.get('partial') else ''}",
             f"versions: {', '.join(f'{k} {v}' for k, v in m.get('versions', {}).items())}",
             f"memory: {doc['memory_method']}", ""]
    runs = [r for r in doc["results"] if r.get("kind") == "citegraph"]
    if runs:
        lines.append("Per stage: wall s / CPU s (peak RSS MB); write stages also rows/s (over wall time)")
        lines.append("| corpus | store | papers | " + " | ".join(STAGES)
                     + " | total s | CPU s | child max RSS MB | server RSS MB | server CPU s |")
        lines.append("|" + "---|" * (len(STAGES) + 8))
    for r in runs:
        if "error" in r:
            lines.append(f"| {r['corpus']} | {r['store']} | {r['error'][:80]} |")
            continue
        cells = []
        for s in STAGES:
            st = r["stages"].get(s)
            if not st:
                cells.append("")
                continue
            cell = f"{_fmt_s(st['wall_s'])} / {_fmt_s(st['cpu_s'])} ({st['peak_rss_mb']:,.0f})"
            if "rows_per_s" in st:
                cell += f" {st['rows_per_s']:,.0f}/s"
            cells.append(cell)
        server = max((st.get("server_peak_rss_mb", 0) for st in r["stages"].values()), default=0)
        lines.append(f"| {r['corpus']} | {r['store']} | {r['counts'].get('papers', 0):,} | " + " | ".join(cells)
                     + f" | {_fmt_s(r['total_s'])} | {_fmt_s(sum(st['cpu_s'] for st in r['stages'].values()))} "
                     f"| {r['child_maxrss_mb']:,.0f} | {server:,.0f} "
                     f"| {_fmt_s(sum(st.get('server_cpu_s', 0) for st in r['stages'].values()))} |")
    cli = [r for r in doc["results"] if r.get("kind") == "cli"]
    if cli:
        lines += ["", "End to end through the CLI (/usr/bin/time -v)",
                  "| corpus | store | `citegraph run` s | max RSS MB | process tree peak RSS / PSS MB "
                  "| then `citegraph analyze` s | max RSS MB |",
                  "|---|---|---|---|---|---|---|"]
        for r in cli:
            run, ana = r.get("run", {}), r.get("analyze", {})
            lines.append(f"| {r['corpus']} | {r['store']} | {_fmt_s(run.get('wall_s')) or run.get('error', r.get('error', ''))} "
                         f"| {run.get('max_rss_mb', '')} | {run.get('tree_peak_rss_mb', '')} / {run.get('tree_peak_pss_mb', '')} "
                         f"| {_fmt_s(ana.get('wall_s'))} | {ana.get('max_rss_mb', '')} |")
    lines += scaling_rows(cli)
    base = {r["corpus"]: r for r in doc["results"] if r.get("kind") == "baseline"}
    if base:
        from bench.baseline import compare_rows

        lines += ["", "Baseline per stage: s (extrapolated where noted), measured wall s / CPU s, peak RSS MB",
                  "| corpus | stage | s | measured wall / CPU s | peak RSS MB | note |", "|---|---|---|---|---|---|"]
        for corpus, b in base.items():
            if "error" in b:
                lines.append(f"| {corpus} | {b['error'][:100]} |")
                continue
            for stage, st in b["stages"].items():
                lines.append(f"| {corpus} | {stage} | {_fmt_s(st.get('seconds'))} | {_fmt_s(st.get('wall_s'))} / {_fmt_s(st.get('cpu_s'))} | "
                             f"{st.get('peak_rss_mb', 0):,.0f} | {st.get('note', '')} |")

        lines += ["", "citegraph vs baseline (tutorial code: TfidfVectorizer + cosine_similarity, per-row MERGE, "
                  "networkx louvain + pagerank); ratio = citegraph / baseline",
                  "| corpus | store | stage | citegraph s | baseline s | ratio | CPU ratio | baseline note |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in runs:
            if "error" in r or r["corpus"] not in base or "error" in base[r["corpus"]]:
                continue
            for stage, ours, theirs, note, ours_cpu, theirs_cpu in compare_rows(r, base[r["corpus"]]):
                ratio = f"{ours / theirs:.2f}" if ours is not None and theirs else ""
                cpu_ratio = f"{ours_cpu / theirs_cpu:.2f}" if ours_cpu is not None and theirs_cpu else ""
                lines.append(f"| {r['corpus']} | {r['store']} | {stage} | {_fmt_s(ours)} | {_fmt_s(theirs)} | "
                             f"{ratio} | {cpu_ratio} | {note} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
