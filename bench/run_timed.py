"""Run one command under ``/usr/bin/time -v`` and report wall, CPU, the largest
process's peak RSS and the peak of the RSS summed over the process tree
(``citegraph run`` forks its analysis), sampled every 50 ms, and the peak of
its proportional set size (PSS: pages a fork shares count once), every second.

Usage::

    python bench/run_timed.py python -m api --db hep.db run PAPERS --citations CITES
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.measure import _run_sampled  # noqa: E402
from bench.pipeline import ROOT  # noqa: E402


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    t0 = time.perf_counter()
    proc, peak, pss = _run_sampled(["/usr/bin/time", "-v", *argv], timeout=7200, cwd=ROOT)
    wall = time.perf_counter() - t0

    def field(pattern: str) -> str | None:
        m = re.search(pattern, proc.stderr)
        return m.group(1) if m else None

    print(proc.stdout[-3000:])
    sys.stderr.write(proc.stderr)  # the command's own log (e.g. ``-v``), then /usr/bin/time's report
    rss = field(r"Maximum resident set size \(kbytes\): (\d+)")
    print(f"exit {proc.returncode}  wall {wall:.1f} s  user {field(r'User time .seconds.: ([0-9.]+)')} s"
          f"  sys {field(r'System time .seconds.: ([0-9.]+)')} s"
          f"  largest process {int(rss) / 1024 if rss else float('nan'):.0f} MB  process tree {peak / 1024:.0f} MB RSS,"
          f" {pss / 1024:.0f} MB PSS (shared pages once)")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
