"""bench/synth.py: deterministic synthetic corpora that citegraph ingests."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import pytest

from bench.synth import generate, load_source, write_corpus
from graph.models import normalize_title
from graph.jobs import ingest
from graph.stores.sqlite import SQLiteStore

HEPTH = Path(__file__).resolve().parents[2] / "shared" / "data" / "hepth"


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[list[dict], list[tuple[str, str]]]:
    """The first 300 hepth papers with text, and the citations among them."""
    if not (HEPTH / "papers.jsonl.gz").exists():
        pytest.skip("hepth corpus not available")
    folder = tmp_path_factory.mktemp("src")
    with gzip.open(HEPTH / "papers.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = list(itertools.islice(fh, 300))
    (folder / "papers.jsonl").write_text("".join(lines), encoding="utf-8")
    ids = {json.loads(line)["id"] for line in lines}
    with gzip.open(HEPTH / "citations.csv.gz", "rt", encoding="utf-8") as fh:
        rows = [line for line in fh.read().splitlines()[1:] if set(line.split(",")) <= ids]
    (folder / "citations.csv").write_text("citing,cited\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return load_source(folder)


def test_same_seed_same_corpus_other_seed_other_corpus(source, tmp_path):
    first = generate(120, seed=3, topics=5, source_data=source)
    again = generate(120, seed=3, topics=5, source_data=source)
    other = generate(120, seed=4, topics=5, source_data=source)
    assert first == again
    assert first[0] != other[0]
    write_corpus(first[0], first[1], tmp_path / "a", {"x": 1})
    write_corpus(again[0], again[1], tmp_path / "b", {"x": 1})
    for name in ("papers.jsonl.gz", "citations.csv.gz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_shape_of_a_tiny_corpus(source):
    records, citations, summary = generate(200, seed=0, topics=5, source_data=source)
    src_papers, src_pairs = source
    assert len(records) == 200 == summary["papers"]
    ids = [r["id"] for r in records]
    assert ids == sorted(ids) and len(set(ids)) == 200
    assert len({normalize_title(r["title"]) for r in records}) == 200  # ingest would merge equal titles
    years = [r["year"] for r in records]
    assert years == sorted(years)
    src_years = {p["year"] for p in src_papers}
    assert set(years) <= src_years
    assert all(r["abstract"] and r["title"] for r in records)
    # every abstract sentence is a real sentence of the source
    src_text = " ".join(p["abstract"] for p in src_papers)
    assert records[0]["abstract"].split(". ")[0] in src_text
    rank = {pid: i for i, pid in enumerate(ids)}
    assert citations and len(set(citations)) == len(citations) == summary["citations"]
    assert all(rank[cited] < rank[citing] for citing, cited in citations)  # only older papers
    out_deg = {}
    for citing, _ in citations:
        out_deg[citing] = out_deg.get(citing, 0) + 1
    src_out = {}
    for citing, _ in src_pairs:
        src_out[citing] = src_out.get(citing, 0) + 1
    assert max(out_deg.values()) <= max(src_out.values())


def test_it_ingests(source, tmp_path):
    records, citations, _ = generate(150, seed=1, topics=5, source_data=source)
    write_corpus(records, citations, tmp_path / "c", {})
    with SQLiteStore(tmp_path / "g.db") as store:
        report = ingest(store, [tmp_path / "c" / "papers.jsonl.gz"], citations=[tmp_path / "c" / "citations.csv.gz"])
        assert report.problems == [] and report.duplicates == 0 and report.citations_unknown == 0
        assert report.papers_written == 150 == store.counts()["papers"]
        stored = list(store.iter_papers())
        assert sum(len(p.references) for p in stored) == len(citations)
        assert {p.id for p in stored} == {r["id"] for r in records}
