"""What COUPLED / CO_CITED cost `citegraph run`: the same run with ``--coupling-k 20``
(the default) and ``--coupling-k 0`` (none built), alternating, side by side.

Each run is a fresh embedded store under ``/usr/bin/time -v``: wall, user + sys CPU,
the largest process's peak RSS (time -v) and the process tree's peak RSS
(sampled: ``citegraph run`` forks its analysis). The load average is printed
before each run: on a shared machine only the ratio of neighbouring runs means
something. With ``--stages``, also the CPU seconds of ``coupling_edges`` and
``cocitation_edges`` alone and of both kinds as ``build`` makes them
(``bibliometric_arrays`` where it exists) on the corpus's citations (no store), best of
``--best`` (3), with the increase of the process's peak RSS during the call
(VmHWM reset through /proc/self/clear_refs before each call, minus the RSS
then), and with ``--against REV`` those of graph/coupling.py at git revision
REV (same edges or not).

Usage::

    python bench/coupling_cost.py [--data ../shared/data/hepth] [--repeat 1] [--ks 20 0]
    python bench/coupling_cost.py --stages --no-runs [--against 42b9bc0] [--measures cosine] [--best 1]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import _run_sampled  # noqa: E402


def _first(base: Path, name: str) -> Path:
    plain = base / name
    return plain if plain.exists() else base / (name + ".gz")


def run_once(data: Path, coupling_k: int, workdir: Path) -> dict:
    db = workdir / f"run-k{coupling_k}-{time.monotonic_ns()}.db"
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "api", "run", str(_first(data, "papers.jsonl")),
           "--citations", str(_first(data, "citations.csv")), "--coupling-k", str(coupling_k)]
    env = {**os.environ, "CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(db)}
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc, tree_peak, _ = _run_sampled(cmd, timeout=7200, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"run failed (k={coupling_k}):\n{proc.stderr[-3000:]}")

    def field(pattern: str) -> float:
        m = re.search(pattern, proc.stderr)
        return float(m.group(1)) if m else float("nan")

    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    user = field(r"User time \(seconds\): ([0-9.]+)")
    system = field(r"System time \(seconds\): ([0-9.]+)")
    return {"coupling_k": coupling_k, "load": load, "wall": wall, "cpu": user + system,
            "rss_mb": field(r"Maximum resident set size \(kbytes\): (\d+)") / 1024, "tree_mb": tree_peak / 1024}


def _module_at(rev: str):
    """graph/coupling.py as it was at git revision ``rev``, loaded as a module."""
    import importlib.util
    import subprocess

    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:graph/coupling.py"], capture_output=True,
                            text=True, check=True).stdout
    path = Path(tempfile.mkdtemp(prefix="coupling-at-")) / "coupling_at.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("coupling_at", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> int:
    """Reset this process's peak RSS (VmHWM) to its RSS; returns that RSS in kB."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return _status_kb("VmRSS")


FUNCTIONS = ("coupling_edges", "cocitation_edges", "both kinds", "both kinds parallel")


def stages(data: Path, against: str | None = None, measures: tuple[str, ...] = ("cosine", "association"),
           best_of: int = 3, functions: tuple[str, ...] = FUNCTIONS
           ) -> list[tuple[str, str, str, float, float, float, int, bool]]:
    """CPU seconds of this process and wall seconds (each the best of
    ``best_of``) and peak RSS increase in MB (largest of the calls) of each
    bibliometric edge kind on the corpus's citations, per measure; with
    ``against``, also graph/coupling.py of that git revision, alternating, and
    whether both give the same edges. ``both kinds parallel`` is ``both kinds``
    with ``parallel=True``: the pieces on threads (CPU of every thread counted);
    in code before 2026-12-08 half of a large product in a forked child (whose
    CPU and memory are not in the columns). "same" then compares it with
    ``both kinds`` of the same code, when measured before it."""
    import gc

    import graph.coupling as now
    from graph.jobs import read_inputs

    _, pairs, _ = read_inputs([_first(data, "papers.jsonl")], citations=[_first(data, "citations.csv")])
    cites = [(str(a), str(b)) for a, b in pairs]
    versions = ([(against, _module_at(against))] if against else []) + [("now", now)]
    out = []
    serial: dict[tuple[str, str], list] = {}  # (code, measure) -> "both kinds" edges
    for fn in functions:
        for measure in measures:
            first = None
            for label, module in versions:
                if fn == "both kinds parallel" and "parallel" not in getattr(module, "bibliometric_arrays", lambda: None).__code__.co_varnames:
                    continue  # older code has no parallel product
                best, wall, peak, edges = float("inf"), float("inf"), 0.0, []
                for _ in range(best_of):
                    edges = []
                    gc.collect()
                    base = _reset_peak()
                    t0, w0 = time.process_time(), time.perf_counter()
                    edges = _call(module, fn, cites, measure)
                    best = min(best, time.process_time() - t0)
                    wall = min(wall, time.perf_counter() - w0)
                    peak = max(peak, (_status_kb("VmHWM") - base) / 1024)
                both = fn.startswith("both kinds")
                if both:  # compare as edge objects, after the measure
                    edges = [list(edges[0]), list(edges[1])]
                if fn == "both kinds":
                    serial[(label, measure)] = edges
                if fn == "both kinds parallel" and (label, measure) in serial:
                    first = serial[(label, measure)]
                first = edges if first is None else first
                n = sum(map(len, edges)) if both else len(edges)
                out.append((fn, measure, label, best, wall, peak, n, edges == first))
                edges = []
    return out


def _call(module, fn: str, cites: list[tuple[str, str]], measure: str):
    """One stage: a function of graph/coupling.py, or ``both kinds`` as ``build``
    makes them (``bibliometric_arrays``, one incidence, edges as columns; the two
    functions in turn in code that predates it)."""
    if not fn.startswith("both kinds"):
        return getattr(module, fn)(cites, k=20, measure=measure)
    if fn == "both kinds parallel":
        return module.bibliometric_arrays(cites, k=20, measure=measure, parallel=True)
    if hasattr(module, "bibliometric_arrays"):
        return module.bibliometric_arrays(cites, k=20, measure=measure)
    return module.coupling_edges(cites, k=20, measure=measure), module.cocitation_edges(cites, k=20, measure=measure)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "hepth")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--ks", type=int, nargs="+", default=[20, 0], help="coupling_k of the runs, in turn")
    ap.add_argument("--stages", action="store_true")
    ap.add_argument("--no-runs", action="store_true", help="only --stages")
    ap.add_argument("--against", help="with --stages: also time graph/coupling.py of this git revision")
    ap.add_argument("--measures", nargs="+", default=["cosine", "association"], help="with --stages")
    ap.add_argument("--best", type=int, default=3, help="with --stages: calls per function and code")
    ap.add_argument("--functions", nargs="+", default=list(FUNCTIONS), choices=FUNCTIONS + ("both kinds forked",),
                    help="with --stages ('both kinds forked' is the name of 'both kinds parallel' before 2026-12-08)")
    args = ap.parse_args(argv)
    args.functions = [fn.replace("forked", "parallel") for fn in args.functions]
    if args.stages:
        print(f"load average {os.getloadavg()[0]:.2f}")
        print(f"{'function':<18} {'measure':<12} {'code':<10} {'CPU s':>7} {'wall s':>7} {'+peak MB':>8} {'edges':>8} same")
        for fn, measure, label, sec, wall, mb, n, same in stages(args.data, args.against, tuple(args.measures),
                                                                 args.best, tuple(args.functions)):
            print(f"{fn:<18} {measure:<12} {label:<10} {sec:>7.2f} {wall:>7.2f} {mb:>8.0f} {n:>8} {'yes' if same else 'NO'}",
                  flush=True)
        print(f"load average {os.getloadavg()[0]:.2f}")
    if args.no_runs:
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="coupling-cost-") as tmp:
        for _ in range(args.repeat):
            for k in args.ks:
                rows.append(run_once(args.data, k, Path(tmp)))
                r = rows[-1]
                print(f"  ran coupling_k={k}: wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s", file=sys.stderr)
    print(f"{'coupling_k':>10} {'load':>5} {'wall s':>7} {'CPU s':>7} {'RSS MB':>7} {'tree MB':>8}")
    for r in rows:
        print(f"{r['coupling_k']:>10} {r['load']:>5.2f} {r['wall']:>7.1f} {r['cpu']:>7.1f} {r['rss_mb']:>7.0f}"
              f" {r['tree_mb']:>8.0f}")
    on = [r for r in rows if r["coupling_k"]]
    off = [r for r in rows if not r["coupling_k"]]
    if on and off:
        cpu_on, cpu_off = sum(r["cpu"] for r in on), sum(r["cpu"] for r in off)
        print(f"coupling on / off: CPU x{cpu_on / cpu_off:.3f}, wall x{sum(r['wall'] for r in on) / sum(r['wall'] for r in off):.3f},"
              f" peak RSS x{max(r['rss_mb'] for r in on) / max(r['rss_mb'] for r in off):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
