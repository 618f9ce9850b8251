"""`citegraph build/run --coupling-k`: how many COUPLED / CO_CITED pairs a paper keeps (0: none)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()

PAPERS = [{"id": pid, "title": f"Paper {pid} on strings", "abstract": f"Branes and strings {pid}.",
           "references": refs}
          for pid, refs in (("a", ["x", "y"]), ("b", ["x", "y"]), ("c", ["y"]), ("x", []), ("y", []))]


def _counts(env) -> dict:
    result = runner.invoke(app, ["stats", "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_coupling_k_bounds_and_switches_off_the_bibliometric_edges(tmp_path):
    papers = tmp_path / "papers.jsonl"
    papers.write_text("\n".join(json.dumps(p) for p in PAPERS), encoding="utf-8")
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "c.db")}
    result = runner.invoke(app, ["run", str(papers)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    edges = _counts(env)["edges"]
    assert edges["COUPLED"] == 3 and edges["CO_CITED"] == 1
    assert runner.invoke(app, ["build", "--coupling-k", "1"], env=env, catch_exceptions=False).exit_code == 0
    edges = _counts(env)["edges"]
    assert edges["COUPLED"] == 2  # a-b (a's and b's best), a-c (c's best: a and b tie, the smaller id wins)
    assert runner.invoke(app, ["build", "--coupling-k", "0"], env=env, catch_exceptions=False).exit_code == 0
    edges = _counts(env)["edges"]
    assert edges["COUPLED"] == edges["CO_CITED"] == 0
    bad = runner.invoke(app, ["build", "--coupling-k", "201"], env=env)
    assert bad.exit_code != 0 and "coupling_k" in bad.output
