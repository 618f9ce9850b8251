"""Issue 21 ("The first hour"), items 8 and 9: what a new user reads and runs first."""

from __future__ import annotations

import re
import subprocess

from typer.testing import CliRunner

from api.cli import app
from tests.conftest import ROOT, SEEDS

runner = CliRunner()


def test_make_demo_installs_only_the_runtime(tmp_path):
    """`make demo` installed pytest, selenium and schemathesis (the dev extra)."""
    out = subprocess.run(["make", "-n", "demo", f"VENV={tmp_path / 'venv'}"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    installs = [ln for ln in out.splitlines() if "pip install" in ln and "--upgrade pip" not in ln]
    assert installs and all("[dev]" not in ln for ln in installs), out
    assert re.search(r"pip install --quiet -e \.$", installs[0]), installs


def test_stats_prints_runs_only_with_runs(tmp_path):
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "s.db")}
    seeds = sorted(str(p) for p in SEEDS.glob("*.txt"))[:1]
    assert runner.invoke(app, ["run", *seeds], env=env).exit_code == 0
    plain = runner.invoke(app, ["stats"], env=env)
    assert plain.exit_code == 0 and "papers" in plain.output
    assert "analyze" not in plain.output and "build" not in plain.output, plain.output
    with_runs = runner.invoke(app, ["stats", "--runs"], env=env)
    assert "analyze" in with_runs.output and "build" in with_runs.output


def test_readme_cli_table_names_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    commands |= {g.name for g in app.registered_groups}
    missing = [c for c in sorted(commands) if not re.search(rf"^\| `{c}\b", readme, re.MULTILINE)
               and f"`{c}`" not in readme and f", `{c} " not in readme]
    assert not missing, missing
    assert "leidenalg" not in readme  # not a dependency: Leiden comes from igraph


def test_tsv_is_tab_separated_even_with_a_comma_in_the_header(tmp_path):
    """Item 9: a .tsv was read as comma-separated when its first line had a comma."""
    path = tmp_path / "papers.tsv"
    path.write_text("title\tabstract, as given\nGraphs, networks\tWe study graphs, and more.\n", encoding="utf-8")
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "t.db")}
    result = runner.invoke(app, ["ingest", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "1 papers written" in result.output

    from graph.stores.sqlite import SQLiteStore

    with SQLiteStore(tmp_path / "t.db") as store:
        assert [p.title for p in store.iter_papers()] == ["Graphs, networks"]


def test_gz_name_without_gzip_says_so(tmp_path):
    """Item 9: a non-gzip file named .jsonl.gz was reported as "not UTF-8 text"."""
    path = tmp_path / "papers.jsonl.gz"
    path.write_bytes(b"PK-ish but not gzip \xff\xfe\x00 bytes")
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "g.db")}
    result = runner.invoke(app, ["ingest", str(path)], env=env)
    assert result.exit_code == 1
    assert "papers.jsonl.gz: is named .gz but is not gzip-compressed" in result.output
