"""Measuring helpers shared by :mod:`bench.pipeline` and :mod:`bench.baseline`:
/proc samplers (RSS, PSS, CPU ticks of a process tree), a sampled subprocess run,
the per-stage :class:`Timeline`, and :func:`warm_imports`.

Both benchmarks import from here, so neither imports the other's helpers.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from typing import Any, Iterator

MEMORY_METHOD = "RSS sampled every 20 ms from /proc/<pid>/statm (peak per stage) + ru_maxrss of the child"
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (0 if unreadable)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


TICK = os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int | str = "self") -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _tree_pids(pid: int) -> Iterator[int]:
    """A process and all its descendants (those alive while walked).

    Children are listed per thread (``/proc/<pid>/task/<tid>/children``): a JVM
    starts processes from threads other than its first one (the importer JVM
    that ``neo4j-admin``'s launcher starts was missed when only the first
    thread's children were read)."""
    todo = [pid]
    while todo:
        p = todo.pop()
        yield p
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
            except (OSError, ValueError):
                pass


def _tree_rss_kb(pid: int) -> int:
    """RSS of a process plus all its descendants (an upper bound of what they
    use together: pages a fork shares copy-on-write count once per process)."""
    return sum(_rss_kb(p) for p in _tree_pids(pid))


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith("Pss:")), 0)
    except (OSError, ValueError, IndexError):
        return 0


def _tree_pss_kb(pid: int) -> int:
    """Proportional set size of a process plus all its descendants: pages shared
    by n processes count 1/n in each, so a fork's copy-on-write pages count once
    (what the tree really holds; 0 where smaps_rollup is unreadable)."""
    return sum(_pss_kb(p) for p in _tree_pids(pid))


def _run_sampled(cmd: list[str], *, timeout: float, period: float = 0.05, pss_period: float = 1.0, **kwargs: Any):
    """``subprocess.run`` (captured text output) plus the peaks over the run of
    :func:`_tree_rss_kb` (every ``period`` s) and :func:`_tree_pss_kb` (every
    ``pss_period`` s: reading it walks the page tables), in kB."""
    peak = pss_peak = 0
    done = threading.Event()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)

    def sample() -> None:
        nonlocal peak, pss_peak
        next_pss = 0.0
        while not done.wait(period):
            peak = max(peak, _tree_rss_kb(proc.pid))
            if time.monotonic() >= next_pss:
                pss_peak = max(pss_peak, _tree_pss_kb(proc.pid))
                next_pss = time.monotonic() + pss_period

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    finally:
        done.set()
        sampler.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), peak, pss_peak


class Timeline:
    """Labelled segments of wall/CPU time plus RSS samples, for per-stage sums."""

    def __init__(self, extra_pid: int | None = None, period: float = 0.02) -> None:
        self.segments: list[tuple[str, float, float, float]] = []  # label, t0, t1, cpu
        self.samples: list[tuple[float, int, int, int]] = []  # t, rss kB, server rss kB, server CPU ticks
        self.current = "setup"
        self._t = time.perf_counter()
        self._cpu = time.process_time()
        self._extra = extra_pid
        self._stop = threading.Event()
        self._period = period
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            extra = (_rss_kb(self._extra), _cpu_ticks(self._extra)) if self._extra else (0, 0)
            self.samples.append((time.perf_counter(), _rss_kb(), *extra))
            self._stop.wait(self._period)

    def mark(self, label: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.segments.append((self.current, self._t, now, cpu - self._cpu))
        self.current, self._t, self._cpu = label, now, cpu

    def stop(self) -> None:
        self.mark("end")
        self._stop.set()
        self._thread.join()

    def stages(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        samples = sorted(self.samples)
        times = [s[0] for s in samples]
        import bisect

        for label, t0, t1, cpu in self.segments:
            if label in ("setup", "end"):
                continue
            row = out.setdefault(label, {"wall_s": 0.0, "cpu_s": 0.0, "peak_rss_mb": 0.0, "server_peak_rss_mb": 0.0,
                                         "server_cpu_s": 0.0})
            row["wall_s"] += t1 - t0
            row["cpu_s"] += cpu
            lo, hi = bisect.bisect_left(times, t0), bisect.bisect_right(times, t1)
            # the sample just before the segment also bounds its start
            window = samples[max(0, lo - 1):hi] or samples[-1:]
            if window:
                row["peak_rss_mb"] = max(row["peak_rss_mb"], max(s[1] for s in window) / 1024)
                row["server_peak_rss_mb"] = max(row["server_peak_rss_mb"], max(s[2] for s in window) / 1024)
                if self._extra:  # server CPU between the samples around the segment
                    after = samples[min(hi, len(samples) - 1)]
                    row["server_cpu_s"] += max(0, after[3] - window[0][3]) / TICK
        for row in out.values():
            for key in row:
                row[key] = round(row[key], 3 if key.endswith("_s") else 1)
        return out



def warm_imports() -> float:
    """Import the libraries every stage uses, so that no stage pays an import
    (the CLI timing does pay them). Returns the seconds it took."""
    import importlib

    t0 = time.perf_counter()
    for name in ("numpy", "scipy.sparse", "sklearn.feature_extraction.text", "sklearn.decomposition",
                 "sklearn.metrics.pairwise", "networkx", "igraph", "leidenalg", "graph.jobs", "graph.edges",
                 "graph.text", "graph.similarity", "graph.analysis", "graph.ingest", "graph.ingest.dedup",
                 "viz.data", "viz.render", "viz.pages"):
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    return round(time.perf_counter() - t0, 2)
