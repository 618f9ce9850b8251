"""The held-out citation protocol (graph/analysis/holdout.py) and
``citegraph evaluate --holdout`` (issue 23), on tiny graphs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.analysis.holdout import holdout_report, score_ranking, signal_maps, split_citations
from graph.errors import InvalidParameter
from graph.models import CitationEdge, DerivedGraph, Paper, SimilarEdge
from graph.stores.sqlite import SQLiteStore

# Two families: a* papers cite r1, r2; b* papers cite s1, s2; each a_i also cites a_{i-1}.
CITES = tuple(sorted(
    [CitationEdge(f"a{i}", r) for i in range(6) for r in ("r1", "r2")]
    + [CitationEdge(f"b{i}", s) for i in range(6) for s in ("s1", "s2")]
    + [CitationEdge(f"a{i}", f"a{i - 1}") for i in range(1, 6)],
    key=lambda e: (e.source, e.target)))


def test_split_is_seeded_and_hides_the_share():
    visible, hidden = split_citations(CITES, share=0.2, seed=0)
    assert len(hidden) == round(0.2 * len(CITES)) and set(visible) | set(hidden) == set(CITES)
    assert split_citations(CITES, share=0.2, seed=0) == (visible, hidden)
    assert split_citations(CITES, share=0.2, seed=1) != (visible, hidden)


@pytest.mark.parametrize("share", [0, 1, 1.5, -0.1, True])
def test_bad_share_is_named(share):
    with pytest.raises(InvalidParameter, match="'holdout' parameter of evaluate"):
        split_citations(CITES, share=share)


def test_score_ranking_counts_both_ends_and_skips_known_pairs():
    ranked = {"a": ["k", "b", "x"], "b": ["a"], "c": []}
    out = score_ranking(ranked, [("a", "b"), ("c", "d")], [("a", "k")], k=1, n_papers=10)
    # a's top 1 (k is known, skipped) is b; b's is a; c and d find nothing.
    assert out == {"precision": 0.5, "recall": 0.5, "found": 2, "hidden": 4, "papers": 4, "precision_all": 0.2}


def test_signal_maps_hold_both_ends_and_citation_directions():
    d = DerivedGraph((), (), (SimilarEdge("a", "b", 0.5, ("t",)),), (), (CitationEdge("a", "c"),))
    maps = signal_maps(d, [("b", "c", 1, 0.7)])
    assert maps["b"]["similar"]["a"] == (0.5, {"terms": ["t"]})
    assert maps["c"]["cites"]["a"] == (1.0, {"direction": "cited_by"})
    assert maps["c"]["cites"]["b"] == (0.7, {"chains": 1})


def test_report_has_every_configuration_and_citation_signals_find_hidden_pairs():
    rep = holdout_report(DerivedGraph((), (), (), (), ()), CITES, share=0.3, seed=0, n_papers=16)
    assert set(rep["results"]) == {"text only", "similar alone", "keywords alone", "coupled alone",
                                   "cocited alone", "cites alone", "fused"}
    assert rep["results"]["text only"]["found"] == 0  # no text edges here
    assert rep["results"]["fused"]["recall"] > 0.3
    assert rep["hidden"] == round(0.3 * len(CITES))


def test_cli_evaluate_holdout_prints_json_and_a_table(tmp_path):
    ids = sorted({p for e in CITES for p in (e.source, e.target)})
    refs = {pid: tuple(e.target for e in CITES if e.source == pid) for pid in ids}
    with SQLiteStore(tmp_path / "h.db") as store:
        store.upsert_papers([Paper(pid, f"Paper {pid}", references=refs[pid]) for pid in ids])
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "h.db")}
    runner = CliRunner()
    assert runner.invoke(app, ["build"], env=env).exit_code == 0
    result = runner.invoke(app, ["evaluate", "--holdout", "0.2", "--seed", "0", "--json"], env=env)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["holdout"] == 0.2 and body["papers"] == len(ids) and "fused" in body["results"]
    table = runner.invoke(app, ["evaluate", "--holdout", "0.2", "--seed", "0"], env={**env, "COLUMNS": "200"})
    assert table.exit_code == 0 and "fused" in table.stdout and "coupled alone" in table.stdout
    bad = runner.invoke(app, ["evaluate", "--holdout", "0.2", "--weights", "nope:1"], env=env)
    assert bad.exit_code != 0 and "'weights'" in bad.output
