"""``citegraph build`` in process against ``--engine dask`` on 1 and 2 workers:
the same edges? and at what cost?

The corpus is ingested once into an embedded store; each build runs on a copy
of it, as ``python -m api build ...`` under ``/usr/bin/time -v`` (wall, and user
+ sys CPU of the whole process tree: the Dask workers are its descendants). The
load average is printed with each run: the machine is shared, so only
neighbouring runs compare. Then the derived graphs are read back from the
stores and compared with the local one: SIMILAR_TO pairs in both / in either,
scores within 1e-6, evidence terms equal; every other kind exactly.

Usage::

    python bench/engine_compare.py [--data /work/shared/data/hepth] [--workers 1 2] [--partition-size 5000]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KINDS = ("keywords", "has_keyword", "shares_keywords", "cites", "coupled", "co_cited",
         "references", "references_edges")


def _first(base: Path, name: str) -> Path:
    plain = base / name
    return plain if plain.exists() else base / (name + ".gz")


def _env(db: Path) -> dict:
    return {**os.environ, "CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(db)}


def ingest(data: Path, db: Path) -> None:
    cmd = [sys.executable, "-m", "api", "ingest", str(_first(data, "papers.jsonl")),
           "--citations", str(_first(data, "citations.csv"))]
    subprocess.run(cmd, cwd=ROOT, env=_env(db), check=True, capture_output=True)


def build(db: Path, extra: list[str]) -> dict:
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "api", "build", *extra]
    load = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=_env(db), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"build {extra} failed:\n{proc.stderr[-3000:]}")

    def field(pattern: str) -> float:
        m = re.search(pattern, proc.stderr)
        return float(m.group(1)) if m else float("nan")

    cpu = field(r"User time \(seconds\): ([0-9.]+)") + field(r"System time \(seconds\): ([0-9.]+)")
    return {"wall": wall, "cpu": cpu, "load": load, "out": proc.stdout.strip()}


def derived(db: Path):
    from graph.stores.sqlite import SQLiteStore

    store = SQLiteStore(str(db))
    store.open()
    try:
        return store.load_derived()
    finally:
        store.close()


def compare(local, other) -> dict:
    """SIMILAR_TO overlap and score/terms agreement; every other kind equal or not."""
    a = {(e.source, e.target): e for e in local.similar}
    b = {(e.source, e.target): e for e in other.similar}
    both = a.keys() & b.keys()
    out = {
        "similar_local": len(a), "similar_other": len(b), "similar_both": len(both),
        "similar_share": len(both) / max(1, len(a.keys() | b.keys())),
        "score_max_diff": max((abs(a[p].score - b[p].score) for p in both), default=0.0),
        "terms_equal": sum(a[p].terms == b[p].terms for p in both),
    }
    for kind in KINDS:
        x, y = getattr(local, kind), getattr(other, kind)
        out[kind] = (sorted(x, key=repr) == sorted(y, key=repr), len(x), len(y))
    out["unresolved"] = (local.unresolved_references == other.unresolved_references)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data/hepth"))
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--partition-size", type=int, default=5000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="engine-compare-") as tmp:
        base = Path(tmp) / "ingested.db"
        ingest(args.data, base)
        runs = [("local", [])] + [(f"dask x{w}", ["--engine", "dask", "--workers", str(w),
                                                   "--partition-size", str(args.partition_size)])
                                  for w in args.workers]
        results = {}
        for name, extra in runs:
            db = Path(tmp) / f"{name.replace(' ', '_')}.db"
            shutil.copy(base, db)
            r = build(db, extra)
            results[name] = (r, derived(db))
            print(f"{name:8s} wall {r['wall']:7.1f} s  cpu {r['cpu']:7.1f} s  "
                  f"load before {r['load'][0]:.2f} {r['load'][1]:.2f} {r['load'][2]:.2f}  | {r['out']}", flush=True)
        local = results["local"][1]
        for name, (_, graph) in results.items():
            if name == "local":
                continue
            c = compare(local, graph)
            print(f"{name} vs local: SIMILAR_TO {c['similar_both']}/{c['similar_local']} local, "
                  f"{c['similar_other']} dask, {100 * c['similar_share']:.3f}% of the union equal; "
                  f"max score diff {c['score_max_diff']:.2g}; terms equal {c['terms_equal']}/{c['similar_both']}")
            print("   " + ", ".join(f"{k} {'==' if v[0] else '!='} ({v[1]}/{v[2]})" for k, v in
                                    ((k, c[k]) for k in KINDS)) + f", unresolved {'==' if c['unresolved'] else '!='}")
        walls = {w: results[f"dask x{w}"][0]["wall"] for w in args.workers}
        if 1 in walls and 2 in walls:
            print(f"speed-up 1 -> 2 workers: {walls[1] / walls[2]:.2f}x wall (shared machine: see the loads)")


if __name__ == "__main__":
    main()
