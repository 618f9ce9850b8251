"""viz.pages: the static site (links that work), the /viz routes and ``citegraph viz``."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from typer.testing import CliRunner

from graph.models import AnalysisResult, RunRecord
from tests.api_support import assert_error
from tests.viz_support import A, B, H, IDS, XSS, analysis, load_tiny_graph, viz_client
from viz.data import GraphSnapshot
from viz.pages import PageCache, paper_slug, write_site

runner = CliRunner()


def _hrefs(html: str) -> list[str]:
    """Every link of a page: anchors in the HTML and node URLs in its data."""
    links = re.findall(r'<a href="([^"]+)"', html)
    links += [unquote(u) for u in re.findall(r'"url": "([^"]+)"', html)]
    return links


def _check_site(out: Path) -> int:
    checked = 0
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for href in _hrefs(html):
            if urlsplit(href).scheme in ("http", "https"):
                continue
            target = (page.parent / urlsplit(href).path).resolve()
            assert target.is_file(), f"{page.relative_to(out)} links to missing {href}"
            assert out.resolve() in target.parents
            checked += 1
        for asset in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html):
            assert (page.parent / asset).is_file(), asset
    return checked


def test_write_site_pages_link_to_each_other(sqlite_store, tmp_path, monkeypatch):
    load_tiny_graph(sqlite_store)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    report = write_site(sqlite_store, tmp_path / "site")
    out = tmp_path / "site"
    assert (report.pages, report.communities, report.papers, report.skipped_papers) == (5, 3, 7, 0)
    assert sorted(p.name for p in (out / "communities").iterdir()) == ["0.html", "1.html", "2.html"]
    assert sorted(p.name for p in (out / "data" / "papers").iterdir()) == ["0.js"]
    assert sorted(p.name for p in (out / "assets").iterdir()) == ["vis-network.css", "vis-network.min.js"]
    assert _check_site(out) > 12
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "paper.html?id=hep-th%2F9901001" in index
    data = (out / "data" / "papers" / "0.js").read_text(encoding="utf-8")
    assert data.startswith("citegraphData({") and all(f'"{i}":' in data for i in IDS)
    table = (out / "data" / "index.js").read_text(encoding="utf-8")
    assert table.count(XSS.replace('"', '\\"')) == 1  # each title once for the whole site
    shell = (out / "paper.html").read_text(encoding="utf-8")
    assert '"src": "data/papers/"' in shell and 'src="assets/vis-network.min.js"' in shell
    assert os.listdir(cwd) == []


def test_write_site_limits_paper_pages_and_unlinks_the_rest(sqlite_store, tmp_path):
    load_tiny_graph(sqlite_store)
    report = write_site(sqlite_store, tmp_path / "site", max_paper_pages=2, node_budget=3, inline_assets=True)
    out = tmp_path / "site"
    assert (report.papers, report.skipped_papers) == (2, 5)
    data = (out / "data" / "papers" / "0.js").read_text(encoding="utf-8")
    assert '"a":' in data and '"b":' in data and '"f":' not in data
    # map overview (7 papers > 3): the two communities with 2+ members get pages
    assert sorted(p.name for p in (out / "communities").iterdir()) == ["0.html", "1.html"]
    assert _check_site(out) > 5
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '"kind": "map"' in index and "vis.Network" in index


def test_page_cache_drops_pages_of_old_versions(sqlite_store):
    load_tiny_graph(sqlite_store)
    cache = PageCache(max_pages=2)
    loads = []

    def load():
        loads.append(1)
        return GraphSnapshot.load(sqlite_store)

    snap = cache.snapshot("v1", load)
    assert cache.snapshot("v1", load) is snap and len(loads) == 1
    assert cache.page("v1", "k", lambda: "one") == "one"
    assert cache.page("v1", "k", lambda: "other") == "one"
    assert cache.page("v2", "k", lambda: "two") == "two"
    assert cache.loaded("v2") is None
    cache.page("v2", "x", lambda: "x"), cache.page("v2", "y", lambda: "y")
    assert cache.page("v2", "k", lambda: "again") == "again"  # evicted (max 2 pages)
    seen = []
    assert cache.version(lambda: seen.append(1) or "v", ttl=60) == "v"
    assert cache.version(lambda: seen.append(1) or "w", ttl=60) == "v" and len(seen) == 1


# --- API -------------------------------------------------------------------------------


@pytest.fixture
def client(store):
    load_tiny_graph(store)
    with viz_client(store) as c:
        yield c


def test_viz_routes_serve_html(client):
    for url in ("/viz/overview", "/viz/communities/0", "/viz/papers/a", "/viz/papers/hep-th/9901001",
                "/viz/papers/hep-th%2F9901001", "/viz/papers/doi%3A10.1000%2Fx?hops=1"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        assert r.headers["content-type"].startswith("text/html")
        assert "vis.Network" in r.text
    html = client.get("/viz/papers/hep-th/9901001").text
    assert "Paper: Strings &amp; branes &lt;i&gt;in&lt;/i&gt; ten dimensions" in html
    assert '"url": "/viz/papers/a"' in html


def test_viz_routes_errors(client):
    assert_error(client.get("/viz/communities/9"), 404)
    assert_error(client.get("/viz/papers/nope"), 404)
    assert_error(client.get("/viz/communities/-1"), 422)


def test_viz_pages_follow_store_changes(client, store, monkeypatch):
    import api.service as service_module

    # The one store-version TTL (GraphService.corpus_version): re-read on every request.
    monkeypatch.setattr(service_module, "VERSION_TTL_SECONDS", 0.0)
    first = client.get("/viz/overview").text
    assert '"community": 2' in first
    assert client.get("/viz/overview").text == first  # served from the cache
    scores = tuple(s for s in analysis().scores if s.paper_id != "g")
    store.write_analysis(AnalysisResult(analysis().communities[:2], scores, 0.5))
    store.record_run(RunRecord("analyze", "2099-01-01T00:00:00+00:00", 0.1, {}, {}, {}))
    second = client.get("/viz/overview").text
    assert '"community": 2' not in second


def test_xss_title_is_text_in_served_pages(client):
    for url in ("/viz", "/viz/communities/0", "/viz/papers/b"):
        html = client.get(url).text
        assert "&lt;img src=x onerror=alert(1)&gt;" in html or "\\u003cimg src=x" in html
        assert XSS not in html


# --- CLI ---------------------------------------------------------------------------------


def test_cli_viz_writes_a_site(sqlite_store, tmp_path):
    from api.cli import app

    load_tiny_graph(sqlite_store)
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(sqlite_store.path)}
    result = runner.invoke(app, ["viz", "--out", str(tmp_path / "site"), "--paper-pages", "3"], env=env,
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "wrote 5 pages (3 communities, 3 papers" in result.output
    assert "4 papers have no page of their own" in result.output
    assert (tmp_path / "site" / "index.html").is_file()
    assert _check_site(tmp_path / "site") > 5


def test_cli_viz_needs_out(tmp_path):
    from api.cli import app

    result = runner.invoke(app, ["viz"], env={"CITEGRAPH_DB": str(tmp_path / "x.db")})
    assert result.exit_code == 2
