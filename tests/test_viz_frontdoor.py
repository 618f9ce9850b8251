"""The front door: GET / to the map, API docs served with no network, HEAD on pages,
the URLs the CLI prints."""

from __future__ import annotations

import re

import pytest

from api.cli_server import server_urls
from tests.viz_support import load_tiny_graph, viz_client


@pytest.fixture
def client(sqlite_store):
    load_tiny_graph(sqlite_store)
    with viz_client(sqlite_store) as c:
        yield c


def test_root_redirects_to_the_map(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 307)
    assert r.headers["location"] == "/viz"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_load_every_asset_from_this_server(client, page):
    r = client.get(page)
    assert r.status_code == 200
    html = r.text
    # Nothing from another host: every src/href is a local path.
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html) + re.findall(r"url:\s*'([^']+)'", html)
    assert refs, html[:500]
    for ref in refs:
        assert ref.startswith("/"), f"{page} loads {ref}"
    assert "cdn" not in html.lower() and "fonts.googleapis" not in html
    scripts = [u for u in refs if u.endswith(".js")]
    assert scripts
    for u in scripts:
        asset = client.get(u)
        assert asset.status_code == 200 and len(asset.content) > 100_000, u
        # ReDoc's bundled logo URL is replaced: the script fetches nothing from a CDN.
        assert b"cdn.redoc.ly" not in asset.content, u
    assert client.get("/openapi.json").status_code == 200


def test_head_on_pages_answers_like_get_without_a_body(client):
    for url in ("/viz/communities/0", "/viz/papers/a", "/health", "/docs"):
        got = client.get(url)
        head = client.head(url)
        assert head.status_code == got.status_code == 200, url
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == str(len(got.content)), url
    assert client.head("/viz/papers/nope").status_code == 404


def test_server_urls_name_the_map_and_docs():
    assert server_urls("0.0.0.0", 8000) == {"map": "http://127.0.0.1:8000/viz",
                                            "docs": "http://127.0.0.1:8000/docs"}
    assert server_urls("::1", 9) == {"map": "http://[::1]:9/viz", "docs": "http://[::1]:9/docs"}
