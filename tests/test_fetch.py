"""``citegraph fetch``: paging, retries, cache, resume after a kill, expansion, --max.

Every test talks HTTP to a local replay server (tests/fetch_replay.py) whose
answers are built from the real OpenAlex and Semantic Scholar samples; no test
touches the network.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.config import Settings
from graph.errors import BadInput, FetchFailed, InvalidParameter
from graph.fetch import crawl, make_source, state_path
from graph.fetch.cache import DiskCache
from graph.fetch.http import HttpClient, RetryPolicy, UrllibTransport
from graph.fetch.openalex import OpenAlexSource
from graph.fetch.semanticscholar import SemanticScholarSource
from tests.fetch_replay import Fault, ReplayServer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def server():
    with ReplayServer(max_per_page=5) as replay:
        yield replay


def _openalex(server, tmp_path, *, sleeps=None, retries=3, cache=True, **kw) -> OpenAlexSource:
    client = HttpClient(UrllibTransport(timeout=10), cache=DiskCache(tmp_path / "cache") if cache else None,
                        retry=RetryPolicy(retries=retries, base_delay=0.01, max_delay=0.05),
                        sleep=(sleeps.append if sleeps is not None else time.sleep))
    return OpenAlexSource(client, base_url=server.openalex_url, **kw)


def _s2(server, tmp_path) -> SemanticScholarSource:
    client = HttpClient(UrllibTransport(timeout=10), cache=DiskCache(tmp_path / "cache-s2"),
                        retry=RetryPolicy(retries=2, base_delay=0.01))
    return SemanticScholarSource(client, base_url=server.s2_url)


def _run(source, out, **kw):
    client = source.client
    return crawl(source, out, stats=lambda: (client.requests_sent, client.cache_hits), **kw)


def _ids(path: Path, key: str = "id") -> list[str]:
    return [json.loads(line)[key].rsplit("/", 1)[-1] for line in path.read_text(encoding="utf-8").splitlines()]


def _short(url: str) -> str:
    return url.rsplit("/", 1)[-1]


# --- OpenAlex ---------------------------------------------------------------------


def test_openalex_cursor_paging_reads_every_page_then_stops_on_the_empty_one(server, tmp_path):
    expected = [_short(w["id"]) for w in server.works if all(x in w["title"].lower() for x in ("machine", "learning"))]
    assert len(expected) > 5  # more than one page of 5
    report = _run(_openalex(server, tmp_path), tmp_path / "out.jsonl", query="machine learning")
    assert _ids(tmp_path / "out.jsonl") == expected
    pages = math.ceil(len(expected) / 5)
    # A short last page ends the list; a full one needs the empty page (next_cursor null) after it.
    assert report.requests == pages + (len(expected) % 5 == 0) == len(server.requests)
    assert "cursor=%2A" in server.requests[0] or "cursor=*" in server.requests[0]
    assert all("per-page=" in r and "select=" in r for r in server.requests)
    assert report.complete and not report.stopped_at_max


def test_openalex_output_is_what_the_openalex_reader_takes(server, tmp_path):
    from graph.ingest.readers import iter_papers
    from graph.models import Paper

    _run(_openalex(server, tmp_path), tmp_path / "out.jsonl", query="machine learning")
    papers = list(iter_papers(tmp_path / "out.jsonl"))
    assert papers and all(isinstance(p, Paper) for p in papers)
    first = server.works[1]  # "Use of a Machine Learning Algorithm ..." (the sample's second work)
    got = next(p for p in papers if p.extra.get("source_id") == _short(first["id"]) or p.id == _short(first["id"]))
    assert got.title == first["title"] and got.abstract and got.year == first["publication_year"]


def test_polite_pool_and_api_key_are_sent_but_never_cached_or_logged(server, tmp_path):
    source = _openalex(server, tmp_path, mailto="team@example.org", api_key="SECRET-KEY")
    _run(source, tmp_path / "out.jsonl", ids=[server.works[0]["doi"]])
    assert "mailto=team%40example.org" in server.requests[0] and "api_key=SECRET-KEY" in server.requests[0]
    labels = " ".join(p.read_text() for p in (tmp_path / "cache").rglob("*.url"))
    assert labels and "SECRET-KEY" not in labels and "example.org" not in labels


def test_429_is_retried_after_the_wait_retry_after_asks_for(server, tmp_path):
    server.faults = [Fault("/openalex/works", 429, times=2, headers={"Retry-After": "3"})]
    sleeps: list[float] = []
    report = _run(_openalex(server, tmp_path, sleeps=sleeps), tmp_path / "out.jsonl", ids=[server.works[0]["doi"]])
    assert _ids(tmp_path / "out.jsonl") == [_short(server.works[0]["id"])]
    assert sleeps[:2] == [3.0, 3.0]  # Retry-After wins over the (smaller) jittered backoff
    assert report.requests == len(server.requests) == 3  # 2 x 429, then the page (short: the last)


def test_500_until_the_retries_are_used_up_is_a_clear_error_and_the_run_resumes_later(server, tmp_path):
    server.faults = [Fault("/openalex/works", 500, times=4)]
    sleeps: list[float] = []
    out = tmp_path / "out.jsonl"
    with pytest.raises(FetchFailed) as info:
        _run(_openalex(server, tmp_path, sleeps=sleeps, retries=3), out, query="machine learning")
    message = str(info.value)
    assert "HTTP 500" in message and "4 attempts" in message and "/openalex/works?" in message
    assert len(server.requests) == 4 and len(sleeps) == 3
    assert all(b <= a * 2 + 0.05 for a, b in zip(sleeps, sleeps[1:]))  # exponential, capped, jittered
    report = _run(_openalex(server, tmp_path), out, query="machine learning")  # the server is back
    assert report.resumed and report.complete and report.written > 5


def test_a_4xx_other_than_429_fails_at_once(server, tmp_path):
    server.faults = [Fault("/openalex/works", 403, times=1)]
    with pytest.raises(FetchFailed, match="HTTP 403"):
        _run(_openalex(server, tmp_path), tmp_path / "out.jsonl", query="machine learning")
    assert len(server.requests) == 1


def test_rerun_is_answered_by_the_cache_with_zero_requests(server, tmp_path):
    out = tmp_path / "out.jsonl"
    kwargs = dict(query="machine learning", expand=["references", "citations"], hops=1, max_records=60)
    first = _run(_openalex(server, tmp_path), out, **kwargs)
    sent = len(server.requests)
    assert first.requests == sent > 0
    data = out.read_bytes()
    out.unlink()
    state_path(out).unlink()
    second = _run(_openalex(server, tmp_path), out, **kwargs)
    assert len(server.requests) == sent and second.requests == 0 and second.cache_hits == sent
    assert out.read_bytes() == data
    # The same command on the finished output does nothing at all.
    third = _run(_openalex(server, tmp_path), out, **kwargs)
    assert third.requests == third.cache_hits == 0 and third.new == 0 and out.read_bytes() == data


def test_expand_references_follows_referenced_works_hop_by_hop(server, tmp_path):
    seed = next(w for w in server.works if w.get("doi") and len(w.get("referenced_works") or []) >= 3)
    hop1 = [_short(r) for r in seed["referenced_works"]]
    by_id = {_short(w["id"]): w for w in server.works}
    hop2 = list(dict.fromkeys(_short(r) for i in hop1 for r in by_id[i]["referenced_works"]))
    hop2 = [i for i in hop2 if i not in hop1 and i != _short(seed["id"])]
    out1, out2 = tmp_path / "h1.jsonl", tmp_path / "h2.jsonl"
    _run(_openalex(server, tmp_path), out1, ids=[seed["doi"]], expand=["references"], hops=1)
    assert _ids(out1) == [_short(seed["id"]), *hop1]
    report = _run(_openalex(server, tmp_path), out2, ids=[seed["doi"]], expand=["references"], hops=2)
    assert _ids(out2) == [_short(seed["id"]), *hop1, *hop2] and report.hops == 2


def test_expand_citations_uses_the_cites_filter(server, tmp_path):
    seed = server.works[0]
    out = tmp_path / "out.jsonl"
    _run(_openalex(server, tmp_path), out, ids=[seed["doi"]], expand=["citations"], hops=1)
    citers = [_short(w["id"]) for w in server.works if seed["id"] in (w.get("referenced_works") or [])]
    assert len(citers) == 3 and _ids(out) == [_short(seed["id"]), *citers]
    assert any(f"filter=cites%3A{_short(seed['id'])}" in r or f"filter=cites:{_short(seed['id'])}" in r
               for r in server.requests)


def test_max_stops_at_exactly_that_many_papers(server, tmp_path):
    out = tmp_path / "out.jsonl"
    report = _run(_openalex(server, tmp_path), out, query="climate", expand=["references"], max_records=12)
    assert len(_ids(out)) == 12 == report.written and report.stopped_at_max
    assert len(server.requests) == 3  # pages of 5: 5 + 5 + 2 used; nothing fetched past --max


def test_bad_parameters_and_foreign_outputs_are_refused(server, tmp_path):
    source = _openalex(server, tmp_path)
    with pytest.raises(InvalidParameter, match=r"The 'hops' parameter of fetch openalex must be an int in \[0, 5\]"):
        crawl(source, tmp_path / "a.jsonl", query="x", hops=9)
    with pytest.raises(InvalidParameter, match="'expand'"):
        crawl(source, tmp_path / "a.jsonl", query="x", expand=["cited_by"])
    with pytest.raises(InvalidParameter, match="'doi'"):
        crawl(source, tmp_path / "a.jsonl", ids=["not-a-doi"])
    foreign = tmp_path / "mine.jsonl"
    foreign.write_text('{"id": "x"}\n')
    with pytest.raises(BadInput, match="has no fetch state"):
        crawl(source, foreign, query="climate")
    assert foreign.read_text() == '{"id": "x"}\n'
    crawl(source, tmp_path / "b.jsonl", query="machine learning")
    with pytest.raises(BadInput, match="started by another fetch"):
        crawl(source, tmp_path / "b.jsonl", query="climate")
    assert server.requests  # only the good run asked anything


# --- kill and resume (a real process, SIGKILL) -----------------------------------------


def test_kill_mid_run_then_resume_writes_the_same_file_as_an_uninterrupted_run(server, tmp_path):
    params = dict(query="machine learning", expand=["references", "citations"], hops=2, max_records=80)
    whole = tmp_path / "whole.jsonl"
    settings = Settings(citegraph_openalex_url=server.openalex_url, citegraph_cache_dir=tmp_path / "c1")
    crawl(make_source("openalex", settings, min_interval=0), whole, **params)
    full = whole.read_bytes()
    assert len(full.splitlines()) == 80

    # The same fetch in a real process, SIGKILLed in the middle (answers slowed down to get there).
    server.requests.clear()
    server.delay = 0.02
    out = tmp_path / "killed.jsonl"
    env = {**os.environ, "CITEGRAPH_OPENALEX_URL": server.openalex_url, "CITEGRAPH_CACHE_DIR": str(tmp_path / "c2")}
    child = subprocess.Popen(
        [sys.executable, "-m", "api", "fetch", "openalex", "--query", "machine learning", "--expand",
         "references,citations", "--hops", "2", "--max", "80", "--out", str(out)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(server.requests) < 8 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL, child.stderr.read()
    partial = out.read_bytes()
    assert 0 < len(partial.splitlines()) < 80 and full.startswith(partial.rsplit(b"\n", 1)[0])
    assert state_path(out).exists()

    server.delay = 0.0
    settings = Settings(citegraph_openalex_url=server.openalex_url, citegraph_cache_dir=tmp_path / "c2")
    report = crawl(make_source("openalex", settings, min_interval=0), out, **params)
    assert report.resumed and report.complete
    assert out.read_bytes() == full


# --- Semantic Scholar ---------------------------------------------------------------------


def test_semanticscholar_doi_seed_references_and_citations(server, tmp_path):
    out = tmp_path / "s2.jsonl"
    report = _run(_s2(server, tmp_path), out, ids=["https://doi.org/10.1093/mind/lix.236.433"],
                  expand=["references", "citations"], hops=1, max_records=40)
    ids = _ids(out)
    assert ids[0] == server.seed["paperId"]
    refs = [r["paperId"] for r in server.refs if r["paperId"]]  # one sample reference has no paperId
    assert ids[1:1 + len(refs)] == refs  # references first (one batch), then citers
    n = 1 + len(refs)
    assert ids[n:] == [c["paperId"] for c in server.citers[:40 - n]] and report.stopped_at_max
    batch = [r for r in server.requests if r.startswith("POST /s2/paper/batch")]
    assert len(batch) == 2 and "fields=" in batch[0]
    cites = [r for r in server.requests if "/citations?" in r]
    assert cites[0].startswith(f"GET /s2/paper/{server.seed['paperId']}/citations?offset=0")
    assert [r.split("offset=")[1].split("&")[0] for r in cites] == [str(o) for o in range(0, 40 - n, 5)]


def test_semanticscholar_search_pages_by_offset_and_next(server, tmp_path):
    out = tmp_path / "s2.jsonl"
    # The sample's citing papers hold duplicates (the same paper twice): written once.
    hits = list(dict.fromkeys(p["paperId"] for p in server.papers
                              if p["paperId"] and "machine" in (p.get("title") or "").lower()))
    assert len(hits) > 10
    _run(_s2(server, tmp_path), out, query="machine", max_records=12)
    assert _ids(out) == hits[:12]
    assert [r.split("offset=")[1].split("&")[0] for r in server.requests][:2] == ["0", "5"]


def test_semanticscholar_output_ingests_with_citations_resolved(server, tmp_path):
    from graph.jobs import ingest
    from graph.stores.sqlite import SQLiteStore

    out = tmp_path / "s2.jsonl"
    _run(_s2(server, tmp_path), out, ids=["10.1093/MIND/LIX.236.433"], expand=["references", "citations"],
         max_records=40)
    store = SQLiteStore(tmp_path / "g.db")
    store.open()
    try:
        report = ingest(store, [out])
        assert report.papers_written == 40 and not report.problems
        turing = store.get_paper("doi:10.1093/mind/lix.236.433").paper
        assert turing.title == "Computing Machinery and Intelligence" and turing.year == 1950
        index = store.reference_index()
        # Every citing paper lists the seed's paperId, which resolves to the stored seed.
        assert index[server.seed["paperId"]] == "doi:10.1093/mind/lix.236.433"
    finally:
        store.close()


def test_semanticscholar_api_key_goes_in_the_x_api_key_header(server, tmp_path):
    settings = Settings(citegraph_s2_url=server.s2_url, citegraph_s2_api_key="S2-KEY",
                        citegraph_cache_dir=tmp_path / "c")
    source = make_source("semanticscholar", settings, min_interval=0)
    _run(source, tmp_path / "s2.jsonl", ids=["10.1093/MIND/LIX.236.433"])
    assert server.headers[0].get("x-api-key") == "S2-KEY"
    assert "S2-KEY" not in server.requests[0]


# --- the command line ------------------------------------------------------------------------


def test_cli_exit_codes_and_messages(server, tmp_path, monkeypatch):
    from api.cli import app

    monkeypatch.setenv("CITEGRAPH_OPENALEX_URL", server.openalex_url)
    monkeypatch.setenv("CITEGRAPH_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("CITEGRAPH_FETCH_RETRIES", "0")
    runner = CliRunner()
    ok = runner.invoke(app, ["fetch", "openalex", "--query", "machine learning", "--out", str(tmp_path / "a.jsonl")])
    assert ok.exit_code == 0, ok.output
    assert "papers from openalex" in ok.output and "next: citegraph ingest" in ok.output
    bad = runner.invoke(app, ["fetch", "openalex", "--query", "x", "--hops", "7", "--out", str(tmp_path / "b.jsonl")])
    assert bad.exit_code == 2 and "'hops'" in bad.output
    server.faults = [Fault("/openalex/works", 503, times=5)]
    down = runner.invoke(app, ["fetch", "openalex", "--query", "climate", "--out", str(tmp_path / "c.jsonl")])
    assert down.exit_code == 1 and "Error:" in down.output and "HTTP 503" in down.output
