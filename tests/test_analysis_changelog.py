"""The changelog of topics (issue 25 item 2): graph.analysis.changelog, and
``analyze`` over a store recording it with its run (both stores)."""

from __future__ import annotations

import re

import pytest

from graph.analysis.changelog import changelog, summarize, summary_line
from graph.errors import InvalidParameter
from graph.jobs import analyze, build, read_inputs
from tests.conftest import SEEDS


def _m(prefix: str, lo: int, hi: int) -> set[str]:
    return {f"{prefix}{i}" for i in range(lo, hi)}


def _by_id(changes):
    return {c["id"]: c for c in changes}


def test_every_kind_of_change():
    previous = {
        0: (0, _m("a", 0, 10)),                  # grows by 2
        1: (0, _m("b", 0, 10)),                  # splits into 1 (6) and 7 (4)
        2: (0, _m("c", 0, 6)),                   # merges into 3 with d
        3: (0, _m("d", 0, 6)),
        4: (0, _m("e", 0, 5)),                   # dies (its papers are gone)
        5: (0, _m("f", 0, 10)),                  # shrinks by 3
        6: (1, _m("a", 0, 4)),                   # a subtopic, same
    }
    new = {
        0: (0, _m("a", 0, 12)),
        1: (0, _m("b", 0, 6)),
        7: (0, _m("b", 6, 10) | _m("n", 0, 2)),
        3: (0, _m("c", 0, 6) | _m("d", 0, 6)),
        5: (0, _m("f", 0, 7)),
        8: (0, _m("g", 0, 3)),                   # born
        6: (1, _m("a", 0, 4)),
    }
    got = _by_id(changelog(previous, new))
    assert {cid: c["kind"] for cid, c in got.items()} == {
        0: "grew", 1: "split", 2: "merged", 3: "merged", 4: "died", 5: "shrank", 6: "same", 7: "split", 8: "born"}
    assert (got[0]["delta"], got[0]["added"], got[0]["removed"]) == (2, 2, 0)
    assert (got[5]["delta"], got[5]["size_before"], got[5]["size_after"]) == (-3, 10, 7)
    assert got[1]["into"] == [7] and got[7]["from"] == [1]
    assert got[2]["into"] == [3] and got[3]["from"] == [2]
    assert got[4]["into"] == [] and got[4]["size_after"] == 0
    assert got[8]["from"] == [] and got[8]["delta"] == 3
    assert [c["level"] for c in changelog(previous, new)][-1] == 1  # topics first, then subtopics


def test_a_topic_gone_in_three_parts_is_a_split_into_all_three():
    previous = {0: (0, _m("a", 0, 9))}
    new = {1: (0, _m("a", 0, 3)), 2: (0, _m("a", 3, 6)), 3: (0, _m("a", 6, 9))}
    got = _by_id(changelog(previous, new))
    assert got[0]["kind"] == "split" and got[0]["into"] == [1, 2, 3]
    assert all(got[n]["kind"] == "split" and got[n]["from"] == [0] for n in (1, 2, 3))


def test_first_run_is_all_born_and_summary():
    changes = changelog({}, {0: (0, {"x"}), 1: (0, {"y"}), 2: (1, {"x"})})
    assert summarize(changes) == {"0": {"born": 2}, "1": {"born": 1}}
    assert summary_line(summarize(changes)) == "topics: 2 born; subtopics: 1 born"


@pytest.mark.parametrize("share", [0, 1.5, "x", True])
def test_bad_share_is_named(share):
    with pytest.raises(InvalidParameter, match="share"):
        changelog({}, {}, share=share)


def test_analyze_records_its_changelog_with_the_run(store):
    papers, _, _ = read_inputs(sorted(SEEDS.glob("*.txt")))
    papers = sorted(papers, key=lambda p: p.id)
    later = {p.id for p in papers[::5]}
    store.upsert_papers([p for p in papers if p.id not in later])
    build(store)
    analyze(store)
    first = store.runs(limit=1)[0].params
    assert {c["kind"] for c in first["changes"]} == {"born"}
    assert sum(first["changes_summary"]["0"].values()) == len(store.communities(level=0))

    store.upsert_papers([p for p in papers if p.id in later])
    build(store)
    analyze(store)
    second = store.runs(limit=1)[0].params
    now = {c.id for c in store.communities()}
    before = {c["id"] for c in first["changes"]}
    for c in second["changes"]:
        if c["id"] not in now:      # gone: the changelog says where
            assert c["kind"] in ("died", "split", "merged") and c["size_after"] == 0
        elif c["id"] not in before:  # new id: born, or from which
            assert c["kind"] in ("born", "split", "merged") and c["size_before"] == 0
        else:
            assert c["size_after"] - c["size_before"] == c["delta"]
    assert {c["id"] for c in second["changes"]} == now | before


def test_cli_analyze_prints_the_changes(tmp_path):
    from typer.testing import CliRunner

    from api.cli import app

    runner = CliRunner()
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "s.db")}
    seeds = sorted(str(p) for p in SEEDS.glob("*.txt"))[:1]
    assert runner.invoke(app, ["run", *seeds], env=env).exit_code == 0
    out = runner.invoke(app, ["analyze"], env=env)
    assert out.exit_code == 0, out.output
    assert re.search(r"^changes: topics: \d+ same", out.output, re.MULTILINE), out.output
