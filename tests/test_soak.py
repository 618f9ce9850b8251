"""A bounded soak of the served API (``bench/soak.py``): a steady request rate over
the endpoint mix on the seed corpus for ~40 s. No request may fail and the
server's memory must stay flat (end RSS within 1.5x of the start, after warm-up).

Latency is reported, not asserted: timing belongs in ``bench/`` (the machine is shared).
Run it alone with ``pytest -m soak``; the full soak is ``python bench/soak.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.soak

RATE, DURATION = 20, 40
RSS_GROWTH_BOUND = 1.5


def test_soak_on_seeds_has_no_errors_and_flat_memory(tmp_path):
    out = tmp_path / "soak.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "soak.py"), "--store", "embedded", "--db", str(tmp_path / "seeds.db"),
         "--load", "seeds", "--rate", str(RATE), "--duration", str(DURATION), "--warmup", "5",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=DURATION + 600,
    )
    assert out.exists(), proc.stderr[-3000:]
    report = json.loads(out.read_text())
    summary = {k: report[k] for k in ("requests", "answered", "errors", "errors_by", "p50_ms", "p99_ms",
                                      "rss_start_kib", "rss_end_kib", "rss_end_over_start", "load_1m")}
    print(summary)
    assert report["papers"] == 440
    assert report["requests"] == RATE * DURATION, summary
    assert report["errors"] == 0, summary
    assert report["answered"] == report["requests"], summary
    assert report["server_alive"] and not report.get("server_tracebacks"), summary
    assert report["rss_end_over_start"] < RSS_GROWTH_BOUND, summary
    assert proc.returncode == 0, proc.stderr[-3000:]
