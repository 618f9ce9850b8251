"""``citegraph build --engine dask`` gives the graph of the in-process build
(issue 26 item 3), on a local Dask cluster of two worker processes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import SEEDS, SHARED

distributed = pytest.importorskip("distributed")

CITESEER = SHARED / "data" / "citeseer"
SAMPLE = sorted(str(p) for p in SEEDS.glob("*.txt"))
KINDS = ("keywords", "has_keyword", "shares_keywords", "cites", "coupled", "co_cited",
         "references", "references_edges", "unresolved_references")


def cli(env: dict[str, str], *args: str):
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def scheduler():
    """The address of a LocalCluster of two single-thread worker processes."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def _derived(db: Path):
    from graph.stores.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        return store.load_derived()


def _local_and_dask(tmp_path: Path, scheduler: str, inputs: list[str], partition_size: int, *build_args: str):
    local = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "local.db")}
    result = cli(local, "ingest", *inputs)
    assert result.exit_code == 0, result.output
    shutil.copy(tmp_path / "local.db", tmp_path / "dask.db")
    dask = {**local, "CITEGRAPH_DB": str(tmp_path / "dask.db")}
    result = cli(local, "build", *build_args)
    assert result.exit_code == 0, result.output
    result = cli(dask, "build", *build_args, "--engine", "dask", "--scheduler", scheduler, "--workdir", str(tmp_path / "work"),
                 "--partition-size", str(partition_size))
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "work" / "similar_rows").glob("part-*.parquet"))  # the blocks' files stay
    return _derived(tmp_path / "local.db"), _derived(tmp_path / "dask.db")


def _assert_same_graph(local, dask) -> None:
    """Every kind equal; SIMILAR_TO the same pairs and evidence, scores within
    1e-6: a block of other rows sums the same products in another order
    (graph.similarity.neighbor_rows), which may move the 6th decimal."""
    for kind in KINDS:
        assert getattr(dask, kind) == getattr(local, kind), kind
    assert [(e.source, e.target, e.terms) for e in dask.similar] == [(e.source, e.target, e.terms) for e in local.similar]
    assert max(abs(a.score - b.score) for a, b in zip(dask.similar, local.similar)) <= 1e-6 + 1e-9


def test_sample_corpus_gives_the_local_graph(tmp_path, scheduler):
    local, dask = _local_and_dask(tmp_path, scheduler, SAMPLE, 97)
    assert local.similar and local.has_keyword
    _assert_same_graph(local, dask)


def test_a_cap_of_shares_keywords_per_paper_gives_the_local_graph(tmp_path, scheduler):
    # Each paper's top 2 SHARES_KEYWORDS: pairs ranked by both ends, kept pairs united across blocks.
    local, dask = _local_and_dask(tmp_path, scheduler, SAMPLE, 97, "--shares-k", "2")
    every = _derived_of_build(tmp_path, "--shares-k", "0")
    assert 0 < len(local.shares_keywords) < len(every.shares_keywords)
    _assert_same_graph(local, dask)


def _derived_of_build(tmp_path: Path, *build_args: str):
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "other.db")}
    shutil.copy(tmp_path / "local.db", tmp_path / "other.db")
    result = cli(env, "build", *build_args)
    assert result.exit_code == 0, result.output
    return _derived(tmp_path / "other.db")


def test_citeseer_gives_the_local_graph(tmp_path, scheduler):
    inputs = [str(CITESEER / "papers.jsonl"), "--citations", str(CITESEER / "citations.csv")]
    local, dask = _local_and_dask(tmp_path, scheduler, inputs, 700)
    assert len(local.similar) > 20_000 and len(local.coupled) > 5_000
    _assert_same_graph(local, dask)


def test_scheduler_comes_from_the_environment(monkeypatch):
    from graph.engine.dask_build import SCHEDULER_ENV, DaskOptions

    monkeypatch.setenv(SCHEDULER_ENV, "tcp://example:8786")
    assert DaskOptions.from_env().scheduler == "tcp://example:8786"
    assert DaskOptions.from_env(scheduler="tcp://other:1").scheduler == "tcp://other:1"
    monkeypatch.delenv(SCHEDULER_ENV)
    assert DaskOptions.from_env().scheduler is None


def test_bad_options_are_refused_in_the_one_message_form():
    from graph.engine.dask_build import DaskOptions
    from graph.errors import InvalidParameter

    with pytest.raises(InvalidParameter, match="The 'workers' parameter of build --engine dask must be an int"):
        DaskOptions(workers=0)
    with pytest.raises(InvalidParameter, match="'partition_size'"):
        DaskOptions(partition_size=0)


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path, monkeypatch):
    from graph.engine import dask_build

    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "x.db")}
    assert cli(env, "ingest", SAMPLE[0]).exit_code == 0
    monkeypatch.setattr(dask_build, "CONNECT_SECONDS", 2)
    result = cli(env, "build", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code != 0
    assert "Dask: cannot reach tcp://127.0.0.1:9" in result.output
