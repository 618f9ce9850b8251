"""``citegraph run`` into an empty Neo4j: the Cypher path against ``--bulk``
(neo4j-admin import), side by side, alternating, on the managed local server.

Usage::

    export NEO4J_LOCAL_HOME=... NEO4J_LOCAL_PORT=...   # a server of your own: it is CLEARED and restarted
    python bench/neo4j_bulk.py --corpus hepth --repeat 2

Each round clears the database (untimed), runs ``python -m api -v run`` through
Cypher, clears again, runs it with ``--bulk``; both under the process-tree sampler
of ``bench/run_timed.py``. The bulk run's tree includes the importer JVM and the
server it restarts (a child of the run from then on), so its PSS is not the
client's alone. The bulk steps come from the run's own log line (``bulk run:``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pipeline import ROOT, _run_sampled  # noqa: E402

CORPORA = {
    "hepth": (ROOT.parent / "shared/data/hepth/papers.jsonl.gz", ROOT.parent / "shared/data/hepth/citations.csv.gz"),
    "seeds": (None, None),
}


def _corpus_args(name: str) -> list[str]:
    if name == "seeds":
        return sorted(str(p) for p in (ROOT / "graph" / "sample").glob("*.txt"))
    if name.startswith("synth-"):
        n = int(float(name.split("-", 1)[1].replace("k", "e3").replace("M", "e6")))
        d = Path("/tmp/citegraph-synth") / f"synth-{n}-s0"
        return [str(d / "papers.jsonl.gz"), "--citations", str(d / "citations.csv.gz")]
    papers, cites = CORPORA[name]
    return [str(papers), "--citations", str(cites)]


def _clear(env: dict) -> None:
    from api import neo4j_local
    from graph.stores.neo4j import Neo4jStore

    info = neo4j_local.start(timeout=300)
    store = Neo4jStore(info["uri"], info["user"], info["password"])
    store.open()
    try:
        store.clear()
    finally:
        store.close()
    env.update(NEO4J_URI=info["uri"], NEO4J_USER=info["user"], NEO4J_PASSWORD=info["password"])


def _one(path: str, corpus: str, env: dict) -> dict:
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "api", "-v", "run", *_corpus_args(corpus)]
    if path == "bulk":
        cmd.append("--bulk")
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc, _, pss = _run_sampled(cmd, timeout=7200, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{path} run failed (exit {proc.returncode})")

    def field(pattern: str) -> float:
        m = re.search(pattern, proc.stderr)
        return float(m.group(1)) if m else float("nan")

    steps = re.search(r"bulk run: (.*)", proc.stderr)
    return {"path": path, "wall": wall, "cpu": field(r"User time .seconds.: ([0-9.]+)") +
            field(r"System time .seconds.: ([0-9.]+)"), "pss_mb": pss / 1024, "load": load,
            "steps": steps.group(1).strip() if steps else ""}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="hepth", help="hepth, seeds or synth-100k ...")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--paths", nargs="+", default=["cypher", "bulk"], choices=["cypher", "bulk"])
    args = ap.parse_args(argv)
    env = dict(os.environ, CITEGRAPH_STORE="neo4j")
    rows = []
    for i in range(args.repeat):
        for path in args.paths:
            _clear(env)
            row = _one(path, args.corpus, env)
            rows.append(row)
            print(f"round {i + 1} {path}: {row['wall']:.1f} s", file=sys.stderr, flush=True)
    print(f"\n{args.corpus} into Neo4j ({env.get('NEO4J_URI')}), `python -m api -v run` [--bulk]\n")
    print("| path | wall s | client user+sys CPU s | tree PSS MB | load avg (1 min) | bulk steps |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['path']} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['pss_mb']:,.0f} | {r['load']:.1f} | {r['steps']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
