"""The scaling report of bench/pipeline.py (``--cli-only``): exponents, chart, memory sampling."""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import _tree_pss_kb, _tree_rss_kb  # noqa: E402
from bench.pipeline_report import scaling_rows, scaling_svg  # noqa: E402


def _cli(papers: int, seconds: float, mb: float, *, exit_code: int = 0, store: str = "embedded") -> dict:
    return {"kind": "cli", "corpus": f"c{papers}", "store": store,
            "run": {"papers": papers, "wall_s": seconds, "max_rss_mb": mb, "tree_peak_rss_mb": mb * 2,
                    "tree_peak_pss_mb": mb * 1.5, "exit": exit_code}}


def test_scaling_rows_give_growth_exponents_between_neighbouring_sizes():
    cli = [_cli(1000, 2.0, 100.0), _cli(10_000, 20.0, 1000.0), _cli(100_000, 2000.0, 1000.0),
           _cli(50_000, 1.0, 1.0, exit_code=1)]  # a failed run is left out
    lines = scaling_rows(cli)
    rows = [line for line in lines if line.startswith("| 1") and "papers" not in line]
    assert [r.split("|")[1].strip() for r in rows] == ["1,000", "10,000", "100,000"]
    exponents = [r.split("|")[4].strip() for r in rows]
    assert exponents == ["", "1.00", "2.00"]  # linear, then quadratic
    memory = [r.split("|")[7].strip() for r in rows]
    assert memory == ["", "1.00", "0.00"]
    assert "200.0 / 150.0" in rows[0]  # tree RSS / PSS


def test_scaling_rows_need_two_sizes_per_store():
    assert scaling_rows([_cli(1000, 2.0, 100.0), _cli(2000, 4.0, 100.0, store="neo4j")]) == []


def test_scaling_svg_is_an_svg_with_one_line_per_series():
    svg = scaling_svg([_cli(440, 3.0, 180.0), _cli(29_555, 51.0, 600.0), _cli(300_000, 855.0, 4700.0)])
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polyline")) == 2  # seconds and peak MB
    assert len(root.findall(f"{ns}circle")) == 6
    assert scaling_svg([_cli(440, 3.0, 180.0)]) is None


def test_tree_memory_of_this_process_is_sampled():
    rss, pss = _tree_rss_kb(os.getpid()), _tree_pss_kb(os.getpid())
    assert rss > 10_000  # a Python process with pytest loaded: tens of MB
    assert 0 < pss <= rss * 1.01
