"""Bench: the first community page and the first paper page after a build, on the server.

    python bench/first_page.py                          # hepth, embedded store, 1 round
    python bench/first_page.py --db /tmp/hepth.db --rounds 3
    python bench/first_page.py --store neo4j            # the store CITEGRAPH_* names

Builds hepth once (``citegraph run papers --citations citations`` with
``CITEGRAPH_STORE=embedded CITEGRAPH_DB=<db>``; reused when ``--db`` already
holds a built corpus), then, each round, starts a fresh ``citegraph serve``
process on the built store (cold caches; its startup warm-up runs in the
background as after any restart), waits for ``/health`` and times, as the
first request of that process:

- ``community``: ``GET /viz/communities/{id}`` of the biggest topic (reads the
  graph snapshot: every paper, the communities, the paper-to-paper edges);
- ``paper``: on another fresh process, ``GET /viz/papers/{id}`` of the
  biggest topic's top paper (a cold cache reads that neighbourhood only);
- ``community, 2nd``: the same community page again (rendered page cached:
  what every later request pays).

Prints a Markdown table with the wall time of each request, the server's CPU
time (user + system of its process group) during it, and the 1-minute load
average when it started: the machine may be shared, so compare CPU time too.
Goal (issue 20): the first page under 3 s on the server.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from _server import Server, server_env  # noqa: E402  (bench/_server.py)

DATA = ROOT.parent / "shared" / "data" / "hepth"
TICK = os.sysconf("SC_CLK_TCK")


def group_cpu(pgid: int) -> float:
    """User + system CPU seconds of every live process in group ``pgid``."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15.
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / TICK


def build(env: dict[str, str], papers: Path, citations: Path) -> float:
    cmd = [sys.executable, "-m", "api", "run", str(papers), "--citations", str(citations)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"build failed ({done.returncode}): {done.stderr[-3000:]}")
    return time.perf_counter() - t0


def targets(env: dict[str, str]) -> tuple[dict, str]:
    """The biggest topic and its top paper, read on a throw-away server."""
    server = Server(env)
    try:
        server.wait_ready(180)
        body = httpx.get(server.base + "/communities", params={"level": 0, "limit": 100}, timeout=60).json()
    finally:
        server.stop()
    items = body.get("items", body) if isinstance(body, dict) else body
    biggest = max(items, key=lambda c: (c["size"], -c["id"]))
    return biggest, biggest["top_papers"][0]


def timed(server: Server, path: str) -> dict:
    load = os.getloadavg()[0]
    cpu0 = group_cpu(server.pid)
    t0 = time.perf_counter()
    r = httpx.get(server.base + path, timeout=600)
    wall = time.perf_counter() - t0
    cpu = group_cpu(server.pid) - cpu0
    if r.status_code != 200:
        raise SystemExit(f"GET {path}: {r.status_code} {r.text[:500]}")
    return {"path": path, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "load1": round(load, 1),
            "kb": round(len(r.content) / 1024)}


def round_(env: dict[str, str], community: int, paper: str) -> list[dict]:
    rows = []
    server = Server(env)
    try:
        server.wait_ready(180)
        rows.append({"page": "community", **timed(server, f"/viz/communities/{community}")})
        rows.append({"page": "community, 2nd", **timed(server, f"/viz/communities/{community}")})
    finally:
        server.stop()
    server = Server(env)
    try:
        server.wait_ready(180)
        rows.append({"page": "paper", **timed(server, f"/viz/papers/{paper}")})
    finally:
        server.stop()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="SQLite file to build into / reuse (default: a temp file).")
    parser.add_argument("--store", default="embedded", choices=["embedded", "neo4j"])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--papers", type=Path, default=DATA / "papers.jsonl.gz")
    parser.add_argument("--citations", type=Path, default=DATA / "citations.csv.gz")
    parser.add_argument("--json", type=Path, help="Also write the rows here.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "hepth.db"
        env = server_env(args.store, str(db) if args.store == "embedded" else None)
        built = None
        if args.store == "neo4j" or not db.exists():
            built = build(env, args.papers, args.citations)
            print(f"built in {built:.0f} s", file=sys.stderr)
        community, paper = targets(env)
        print(f"community {community['id']} ({community['size']:,} papers), paper {paper}", file=sys.stderr)
        rows = []
        for i in range(args.rounds):
            for row in round_(env, community["id"], paper):
                rows.append({"round": i + 1, **row})
                print(json.dumps(rows[-1]), file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print(f"hepth, store {args.store}; community {community['id']} ({community['size']:,} papers), "
          f"paper {paper}; {os.cpu_count()} CPUs")
    print("| round | first request of a fresh server | wall | server CPU | load avg (1 min) | page |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['round']} | {r['page']} | **{r['wall_s']:.2f} s** | {r['cpu_s']:.2f} s | {r['load1']} | "
              f"{r['kb']:,} kB |")


if __name__ == "__main__":
    main()
