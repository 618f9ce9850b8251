"""Every real export sample of shared/data/formats ingested together, as one mixed corpus:
the acceptance of issue 24 on the real files (each reader's own counts are asserted in
tests/test_readers_exports.py and tests/test_readers_formats.py)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import SHARED

FORMATS = SHARED / "data" / "formats"
SAMPLES = sorted(str(p) for p in FORMATS.glob("*/*") if p.is_file() and p.suffix != ".md")


@pytest.mark.skipif(not SAMPLES, reason="shared/data/formats not available")
def test_every_sample_together_dedups_resolves_and_keeps_external_references(tmp_path):
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "formats.db")}
    runner = CliRunner()
    assert len(SAMPLES) == 31
    ingest = runner.invoke(app, ["ingest", *SAMPLES], env=env, catch_exceptions=False)
    assert ingest.exit_code == 0, ingest.output
    # 1,807 records, none refused; 5 DOI duplicates (all true: bench/dedup_sources.py lists
    # them, none with two DOIs, two first authors or years over one apart) and 5 by title.
    assert "ingested 1807 records from 31 file(s): 1797 papers written" in ingest.output
    assert "10 duplicates merged (doi 5, title 5)" in ingest.output and "0 problem(s)" in ingest.output
    assert runner.invoke(app, ["build"], env=env, catch_exceptions=False).exit_code == 0
    stats = json.loads(runner.invoke(app, ["stats", "--json"], env=env, catch_exceptions=False).stdout)
    assert stats["papers"] == 1797
    assert stats["edges"]["CITES"] == 134  # references resolved to papers of the samples
    # every other reference is kept as a Reference node, none dropped
    assert stats["references"] == 29381 and stats["edges"]["REFERENCES"] == 33878
    assert stats["edges"]["COUPLED"] > 0 and stats["edges"]["CO_CITED"] > 0

    again = runner.invoke(app, ["ingest", *SAMPLES], env=env, catch_exceptions=False)
    assert again.exit_code == 0 and "0 problem(s)" in again.output
    assert runner.invoke(app, ["build"], env=env, catch_exceptions=False).exit_code == 0
    rerun = json.loads(runner.invoke(app, ["stats", "--json"], env=env, catch_exceptions=False).stdout)
    assert {k: rerun[k] for k in ("papers", "references", "edges")} == {k: stats[k] for k in ("papers", "references", "edges")}
