"""End to end through the command line, on both stores, as a new user would."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import ROOT, SEEDS, SHARED

runner = CliRunner()
SEED_FILES = sorted(str(p) for p in SEEDS.glob("*.txt"))
HEPTH = SHARED / "data" / "hepth"
CITESEER = SHARED / "data" / "citeseer"


def _env_for(kind: str, tmp_path: Path, request) -> dict[str, str]:
    env = {"CITEGRAPH_STORE": kind, "CITEGRAPH_DB": str(tmp_path / "cli.db")}
    if kind == "neo4j":
        server = request.getfixturevalue("neo4j_server")
        env.update(NEO4J_URI=server["uri"], NEO4J_USER=server["user"], NEO4J_PASSWORD=server["password"])
    return env


def cli(env: dict[str, str], *args: str):
    result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
    return result


def stats(env: dict[str, str]) -> dict:
    result = cli(env, "stats", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def env(request, tmp_path):
    environment = _env_for(request.param, tmp_path, request)
    if request.param == "neo4j":
        _clear_neo4j(request)
    yield environment
    if request.param == "neo4j":
        _clear_neo4j(request)


def _clear_neo4j(request) -> None:
    from graph.stores.neo4j import Neo4jStore

    server = request.getfixturevalue("neo4j_server")
    with Neo4jStore(uri=server["uri"], user=server["user"], password=server["password"]) as store:
        store.clear()


def test_run_seeds_gives_440_papers_and_is_repeatable(env):
    first = cli(env, "run", *SEED_FILES)
    assert first.exit_code == 0, first.output
    data = stats(env)
    assert data["papers"] == 440
    assert data["keywords"] > 0
    assert data["edges"]["SIMILAR_TO"] > 0
    assert data["edges"]["SHARES_KEYWORDS"] > 0
    assert data["edges"]["CITES"] == 0
    assert data["communities"] > 0
    # One IN_COMMUNITY per paper to its topic, one more to its subtopic in the topics split.
    assert 440 < data["edges"]["IN_COMMUNITY"] <= 2 * 440

    second = cli(env, "run", *SEED_FILES)
    assert second.exit_code == 0, second.output
    assert stats(env) == data


def test_every_seed_paper_has_a_keyword(tmp_path):
    env = _env_for("embedded", tmp_path, None)
    assert cli(env, "run", *SEED_FILES).exit_code == 0
    from graph.stores.sqlite import SQLiteStore

    with SQLiteStore(tmp_path / "cli.db") as store:
        ids = {p.id for p in store.iter_papers()}
        with_keywords = {k.paper_id for k in store.load_derived().has_keyword}
    assert len(ids) == 440
    assert with_keywords == ids


@pytest.mark.neo4j
def test_neo4j_and_embedded_agree_on_seed_counts(tmp_path, request):
    embedded = _env_for("embedded", tmp_path, request)
    neo4j = _env_for("neo4j", tmp_path, request)
    _clear_neo4j(request)
    try:
        for environment in (embedded, neo4j):
            result = cli(environment, "run", *SEED_FILES)
            assert result.exit_code == 0, result.output
        a, b = stats(embedded), stats(neo4j)
        a.pop("store"), b.pop("store")
        assert a == b
    finally:
        _clear_neo4j(request)


def test_citeseer_with_empty_titles_ingests_and_builds(tmp_path):
    env = _env_for("embedded", tmp_path, None)
    result = cli(env, "ingest", str(CITESEER / "papers.jsonl"), "--citations", str(CITESEER / "citations.csv"))
    assert result.exit_code == 0, result.output
    assert "0 problem(s)" in result.stdout
    result = cli(env, "build")
    assert result.exit_code == 0, result.output
    data = stats(env)
    assert data["papers"] == 3186
    assert data["edges"]["CITES"] == 4277


# --- bad input and exit codes -------------------------------------------------------


def test_bad_records_are_reported_and_good_ones_kept(tmp_path):
    env = _env_for("embedded", tmp_path, None)
    bad = tmp_path / "papers.jsonl"
    bad.write_text(
        '{"id": "a", "title": "Graph neural networks for citation analysis"}\n'
        '{"id": "b", "title": "Broken\n'
        '{"id": "c", "year": "not a year", "title": "Year is wrong"}\n'
        '{"id": "d", "abstract": "Only an abstract about sparse attention."}\n',
        encoding="utf-8",
    )
    result = cli(env, "ingest", str(bad))
    assert result.exit_code == 0, result.output
    assert f"{bad}:2:" in result.stderr
    assert f"{bad}:3:" in result.stderr
    assert stats(env)["papers"] == 2


def test_strict_writes_nothing_on_a_bad_record(tmp_path):
    env = _env_for("embedded", tmp_path, None)
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "x", "title": "Stored before"}\n', encoding="utf-8")
    assert cli(env, "ingest", str(good)).exit_code == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "title": "Fine"}\n{"id": "b"}\n', encoding="utf-8")
    result = cli(env, "ingest", "--strict", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:2:" in result.stderr
    assert stats(env)["papers"] == 1


def test_unreadable_file_is_exit_1_with_the_path(tmp_path):
    env = _env_for("embedded", tmp_path, None)
    missing = tmp_path / "nope.jsonl"
    result = cli(env, "ingest", str(missing))
    assert result.exit_code == 1
    assert str(missing) in result.stderr
    binary = tmp_path / "blob.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01" * 100)
    result = cli(env, "ingest", str(binary))
    assert result.exit_code == 1
    assert str(binary) in result.stderr


def test_bad_parameter_is_exit_2(tmp_path):
    env = _env_for("embedded", tmp_path, None)
    result = cli(env, "build", "--k", "0")
    assert result.exit_code == 2
    assert "'k'" in result.stderr


def test_unreachable_neo4j_is_exit_3(tmp_path):
    env = {"CITEGRAPH_STORE": "neo4j", "NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "whatever1"}
    result = cli(env, "stats")
    assert result.exit_code == 3
    assert "unavailable" in result.stderr
    assert "whatever1" not in result.stderr


# --- SIGKILL halfway through an ingest -------------------------------------------------


def _cli_process(env: dict[str, str], *args: str) -> subprocess.Popen:
    full_env = dict(os.environ, **env)
    full_env.pop("CI", None)
    return subprocess.Popen([sys.executable, "-m", "api", *args], cwd=ROOT, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _papers_now(kind: str, env: dict[str, str]) -> int:
    if kind == "embedded":
        import sqlite3

        path = Path(env["CITEGRAPH_DB"])
        if not path.exists():
            return 0
        try:
            with sqlite3.connect(path, timeout=1) as conn:
                return conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        except sqlite3.OperationalError:
            return 0
    import neo4j

    with neo4j.GraphDatabase.driver(env["NEO4J_URI"], auth=(env.get("NEO4J_USER", "neo4j"), env["NEO4J_PASSWORD"])) as d:
        return d.execute_query("MATCH (p:Paper) RETURN count(p) AS n").records[0]["n"]


def _stored_papers(kind: str, env: dict[str, str], request) -> list:
    if kind == "embedded":
        from graph.stores.sqlite import SQLiteStore

        store = SQLiteStore(env["CITEGRAPH_DB"])
    else:
        from graph.stores.neo4j import Neo4jStore

        server = request.getfixturevalue("neo4j_server")
        store = Neo4jStore(uri=server["uri"], user=server["user"], password=server["password"])
    with store:
        return sorted(store.iter_papers(), key=lambda paper: paper.id)


HEPTH_SLICE = 6000


@pytest.fixture(scope="module")
def hepth_slice(tmp_path_factory) -> tuple[Path, Path, int]:
    """The first HEPTH_SLICE hepth papers and the citations among them (the whole of hepth is bench/ work)."""
    folder = tmp_path_factory.mktemp("hepth-slice")
    with gzip.open(HEPTH / "papers.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = list(itertools.islice(fh, HEPTH_SLICE))
    ids = {json.loads(line)["id"] for line in lines}
    with gzip.open(HEPTH / "citations.csv.gz", "rt", encoding="utf-8") as fh:
        header, *rows = fh.read().splitlines()
    kept = [row for row in rows if all(end in ids for end in row.split(","))]
    papers, citations = folder / "papers.jsonl", folder / "citations.csv"
    papers.write_text("".join(lines), encoding="utf-8")
    citations.write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")
    return papers, citations, len(ids)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_sigkill_mid_ingest_then_rerun_equals_clean_run(kind, hepth_slice, tmp_path, request):
    papers, citations, total = hepth_slice
    args = ("ingest", str(papers), "--citations", str(citations))
    killed_env = _env_for(kind, tmp_path / "killed", request)
    (tmp_path / "killed").mkdir()
    if kind == "neo4j":
        _clear_neo4j(request)
    # Small batches so that the kill lands between two committed batches.
    killed_env["CITEGRAPH_BATCH_SIZE"] = "200"
    proc = _cli_process(killed_env, *args)
    deadline = time.monotonic() + 300
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        seen = _papers_now(kind, killed_env)
        if seen >= 600:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the ingest finished before it could be killed: " + proc.stderr.read().decode()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _papers_now(kind, killed_env)
    assert 0 < partial < total, partial

    rerun = subprocess.run([sys.executable, "-m", "api", *args], cwd=ROOT, env=dict(os.environ, **killed_env),
                           capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    # The derived graph is a function of the stored papers and citations, so they are what must match.
    after_kill, killed_papers = stats(killed_env), _stored_papers(kind, killed_env, request)
    if kind == "neo4j":
        _clear_neo4j(request)

    clean_env = _env_for(kind, tmp_path / "clean", request)
    (tmp_path / "clean").mkdir()
    assert cli(clean_env, *args).exit_code == 0
    clean, clean_papers = stats(clean_env), _stored_papers(kind, clean_env, request)
    if kind == "neo4j":
        _clear_neo4j(request)
    assert after_kill == clean
    assert clean["papers"] == total
    assert killed_papers == clean_papers
    assert sum(len(p.references) for p in clean_papers) > 0
