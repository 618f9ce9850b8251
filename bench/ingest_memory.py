"""Peak memory of ``citegraph ingest`` on a big generated CSV (issue 24 item 6).

Writes a CSV of ``--rows`` papers (title, abstract, year, authors; every
``--dup-every``-th row repeats an earlier paper's title, so dedup has work),
then runs ``python -m api ingest FILE`` into a fresh SQLite file under
``/usr/bin/time -v`` and prints one table row: rows, wall seconds, peak RSS
(the largest process; ingest does not fork), papers written, duplicates.

Usage::

    python bench/ingest_memory.py --rows 1000000 --dir /tmp/ingest-bench
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def generate(path: Path, rows: int, dup_every: int) -> None:
    """A CSV of ``rows`` records; every ``dup_every``-th one repeats the title of row i // 2."""
    with path.open("w", encoding="utf-8") as out:
        out.write("id,title,abstract,year,authors\n")
        for i in range(rows):
            n = i // 2 if dup_every and i and i % dup_every == 0 else i
            out.write(f"p{i},Graph study number {n} of citation networks,"
                      f"We measure property {n % 997} of networks with {n % 89} communities and report it.,"
                      f"{1990 + n % 35},Author {n % 5000}; Author {n % 7919}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dup-every", type=int, default=100)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/citegraph-ingest-bench"))
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    data = args.dir / f"papers-{args.rows}.csv"
    if not data.exists():
        generate(data, args.rows, args.dup_every)
    db = args.dir / "ingest.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(db)}
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", "api", "ingest", str(data)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    written = re.search(r"(\d[\d,]*) papers written", proc.stdout + proc.stderr)
    dups = re.search(r"(\d[\d,]*) duplicate", proc.stdout + proc.stderr)
    print("| rows | exit | wall s | peak RSS MB | papers written | duplicates |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.rows:,} | {proc.returncode} | {wall:.1f} | "
          f"{int(rss.group(1)) / 1024 if rss else float('nan'):.0f} | "
          f"{written.group(1) if written else '?'} | {dups.group(1) if dups else '?'} |")
    if proc.returncode:
        sys.stderr.write(proc.stderr[-3000:])
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
