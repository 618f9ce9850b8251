"""Who holds the memory of a command's process tree, and when.

Runs one command (e.g. ``citegraph run``), samples every process of its tree
every ``--period`` s (PSS and RSS from ``/proc/<pid>/smaps_rollup``: PSS counts a
page shared by n forks 1/n in each), timestamps the command's stderr lines (its
``-v`` log says which stage runs), and prints the peak of the tree's PSS with
the stage running then, each process's peak, and a coarse timeline.

Usage::

    python bench/memory_tree.py -- python -m api -v --db /tmp/s300.db run \
        /tmp/citegraph-synth/synth-300000-s0/papers.jsonl.gz \
        --citations /tmp/citegraph-synth/synth-300000-s0/citations.csv.gz
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.measure import _tree_pids  # noqa: E402
from bench.pipeline import ROOT  # noqa: E402


def _rollup(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in kB; (0, 0) for a process gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return pss, rss


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--period", type=float, default=0.5)
    ap.add_argument("--timeline", type=float, default=20.0, help="seconds between timeline rows")
    ap.add_argument("--cwd", default=str(ROOT), help="directory to run in (a checkout of the code to measure)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=args.cwd)
    log: list[tuple[float, str]] = []
    out: list[str] = []

    def read_err() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            log.append((time.perf_counter() - t0, line.rstrip()))

    def read_out() -> None:
        out.extend(proc.stdout)  # type: ignore[arg-type]

    threads = [threading.Thread(target=read_err, daemon=True), threading.Thread(target=read_out, daemon=True)]
    for t in threads:
        t.start()
    samples: list[tuple[float, int, int]] = []  # t, tree PSS, tree RSS
    per_pid: dict[int, dict] = {}
    while proc.poll() is None:
        now = time.perf_counter() - t0
        tree_pss = tree_rss = 0
        for pid in list(_tree_pids(proc.pid)):
            pss, rss = _rollup(pid)
            tree_pss += pss
            tree_rss += rss
            rec = per_pid.setdefault(pid, {"first": now, "peak_pss": 0, "peak_rss": 0, "at": now})
            rec["last"] = now
            if pss > rec["peak_pss"]:
                rec["peak_pss"], rec["at"] = pss, now
            rec["peak_rss"] = max(rec["peak_rss"], rss)
        samples.append((now, tree_pss, tree_rss))
        time.sleep(args.period)
    for t in threads:
        t.join(timeout=5)
    wall = time.perf_counter() - t0

    def stage_at(t: float) -> str:
        last = ""
        for when, line in log:
            if when > t:
                break
            if "INFO" in line or "bulk" in line:
                last = line
        return last[-110:]

    print("".join(out)[-2000:])
    peak = max(samples, key=lambda s: s[1]) if samples else (0.0, 0, 0)
    print(f"exit {proc.returncode}  wall {wall:.1f} s  tree PSS peak {peak[1] / 1024:,.0f} MB at {peak[0]:.0f} s"
          f"  (tree RSS then {peak[2] / 1024:,.0f} MB; RSS peak {max(s[2] for s in samples) / 1024:,.0f} MB)")
    print(f"  stage at the peak: {stage_at(peak[0])}")
    print("\n| pid | alive s | peak PSS MB | at s | peak RSS MB | last log line before its peak |")
    print("|---|---|---|---|---|---|")
    for pid, r in sorted(per_pid.items(), key=lambda kv: kv[1]["first"]):
        if r["peak_rss"] < 50 * 1024:
            continue
        print(f"| {pid} | {r['first']:.0f}-{r['last']:.0f} | {r['peak_pss'] / 1024:,.0f} | {r['at']:.0f} |"
              f" {r['peak_rss'] / 1024:,.0f} | {stage_at(r['at'])} |")
    print("\n| t s | tree PSS MB | tree RSS MB | last log line |")
    print("|---|---|---|---|")
    next_t = 0.0
    for t, pss, rss in samples:
        if t >= next_t:
            print(f"| {t:.0f} | {pss / 1024:,.0f} | {rss / 1024:,.0f} | {stage_at(t)} |")
            next_t = t + args.timeline
    sys.stderr.write("\n".join(line for _, line in log[-15:]) + "\n")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
