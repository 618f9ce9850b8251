"""viz.render: one self-contained, escaped HTML string per page, nothing written."""

from __future__ import annotations

import html as html_lib
import json
import os
import re

import pytest

from tests.viz_support import A, B, D, F, H, XSS, load_tiny_graph
from viz.data import GraphSnapshot, community_data, overview_data, paper_data
from viz.pages import ApiLinks, SiteLinks, paper_slug
from viz.render import community_color, render_page, safe_external_url, vis_assets


@pytest.fixture
def snap(sqlite_store):
    load_tiny_graph(sqlite_store)
    return GraphSnapshot.load(sqlite_store)


def _json_var(html: str, name: str):
    """The page script's data: OPTIONS, or NODES / EDGES / META of DATA.page."""
    match = re.search(rf"var {'OPTIONS' if name == 'OPTIONS' else 'DATA'} = (.*?);\n", html)
    assert match, name
    value = json.loads(match.group(1))
    return value if name == "OPTIONS" else value["page"][name.lower()]


def _pages(snap):
    return {
        "overview": overview_data(snap),
        "map": overview_data(snap, node_budget=3),
        "community": community_data(snap, 0),
        "paper": paper_data(snap, B),
    }


def test_pages_are_offline_single_files(snap, tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    js, css = vis_assets()
    for kind, page in _pages(snap).items():
        html = render_page(page, ApiLinks())
        assert html.startswith("<!DOCTYPE html>"), kind
        # vis-network inlined, no resource from anywhere (no CDN, no Bootstrap, no lib/ folder)
        assert js[:2000] in html and css[:2000] in html
        assert not re.search(r"<script[^>]*\bsrc=", html), kind
        assert not re.search(r"<link[^>]*stylesheet", html), kind
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), kind
        assert "bootstrap" not in html.lower() and "cdnjs" not in html and "jsdelivr" not in html
    assert os.listdir(cwd) == []  # pyvis wrote nothing (no lib/, no html)


def test_static_site_pages_link_the_shared_assets(snap):
    html = render_page(overview_data(snap), SiteLinks(0), asset_prefix="assets/")
    assert '<script nonce="' in html and 'src="assets/vis-network.min.js"' in html
    assert 'href="assets/vis-network.css"' in html
    assert vis_assets()[0][:500] not in html


def test_node_and_edge_records_match_the_page_data(snap):
    for kind, page in _pages(snap).items():
        html = render_page(page, ApiLinks())
        nodes, edges = _json_var(html, "NODES"), _json_var(html, "EDGES")
        assert [n["id"] for n in nodes] == [n.id for n in page.nodes], kind
        assert [(e["from"], e["to"], e["kind"]) for e in edges] == [(e.source, e.target, e.kind) for e in page.edges]
        assert len({e["id"] for e in edges}) == len(edges)


def test_overview_nodes_coloured_by_community_sized_by_pagerank(snap):
    html = render_page(overview_data(snap), ApiLinks())
    nodes = {n["id"]: n for n in _json_var(html, "NODES")}
    assert nodes[A]["color"] == community_color(0) == "#4e79a7"
    assert nodes[D]["color"] == community_color(1) == "#e15759"
    assert nodes[A]["size"] == 20.0  # top PageRank gets the largest dot
    assert nodes[A]["size"] > nodes[B]["size"] > nodes[D]["size"]
    assert nodes[A]["url"] == "/viz/papers/a" and nodes[H]["url"] == "/viz/papers/hep-th%2F9901001"
    meta = _json_var(html, "META")
    assert meta["physics"] is False and meta["communities"] == {
        "0": "graph · neural", "1": "topic · models", "2": "lonely"}
    options = _json_var(html, "OPTIONS")
    assert options["physics"] == {"enabled": False} and options["layout"]["improvedLayout"] is False
    # legend with community labels, linked to the community pages (drawn by the script as text)
    assert {"label": "1: topic · models", "size": 3, "color": "#e15759", "url": "/viz/communities/1"} in meta["legend"]


def test_positions_come_from_the_stored_layout(snap):
    html = render_page(overview_data(snap), ApiLinks())
    nodes = {n["id"]: n for n in _json_var(html, "NODES")}
    # stored x in [-1, 3] and y in [0, 2]: centred on (1, 1), scaled by the wider span (4)
    assert nodes[A]["x"] < nodes[B]["x"] < nodes[F]["x"]
    assert nodes["g"]["x"] == -nodes[F]["x"]
    assert nodes[A]["y"] == -nodes[D]["y"]


def test_map_page_links_each_community(snap):
    page = overview_data(snap, node_budget=3)
    html = render_page(page, ApiLinks("/root/viz"))
    nodes = _json_var(html, "NODES")
    assert [(n["id"], n["url"], n["members"]) for n in nodes] == [
        ("community:0", "/root/viz/communities/0", 3), ("community:1", "/root/viz/communities/1", 3)]
    assert [s[1] for s in _json_var(html, "META")["search"]] == ["community:0"] * 3 + ["community:1"] * 3
    assert _json_var(html, "META")["topPapers"]


def test_ego_page_runs_a_short_physics_then_stops(snap):
    html = render_page(paper_data(snap, A), ApiLinks())
    options = _json_var(html, "OPTIONS")
    assert options["physics"]["enabled"] is True
    assert options["physics"]["stabilization"]["iterations"] == 150
    assert _json_var(html, "META")["focus"] == A
    edges = _json_var(html, "EDGES")
    assert {e["kind"] for e in edges} == {"similar", "keywords", "cites"}
    styles = _json_var(html, "META")["edgeStyles"]
    assert styles["cites"]["arrows"] is True and styles["similar"]["arrows"] is False
    assert styles["keywords"]["dashes"] and not styles["similar"]["dashes"]


def test_hostile_text_is_escaped_everywhere(snap):
    for kind, page in _pages(snap).items():
        html = render_page(page, ApiLinks())
        body = html.replace(vis_assets()[0], "").replace(vis_assets()[1], "")
        assert "<img" not in body, kind
        assert "<script>alert" not in body and "alert(2)</script>" not in body, kind
        assert "<b>tags</b>" not in body and "<i>in</i>" not in body, kind
        assert "javascript:" not in body, kind
    html = render_page(paper_data(snap, B), ApiLinks())
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
    nodes = {n["id"]: n for n in _json_var(html, "NODES")}
    assert nodes[B]["name"] == XSS  # JSON in the script holds the text; the script uses textContent
    assert "\\u003cscript\\u003e" in html


def test_every_script_carries_the_nonce_of_the_policy(snap):
    html = render_page(overview_data(snap), ApiLinks())
    policy = html_lib.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script([^>]*)>", html.replace(vis_assets()[0], ""))
    assert len(scripts) == 2 and all(f'nonce="{nonce}"' in s for s in scripts)
    assert "connect-src 'none'" in policy and "default-src 'none'" in policy
    assert render_page(overview_data(snap), ApiLinks()).count(nonce) == 0  # fresh per page


def test_paper_detail_keeps_safe_links_only(snap):
    detail = _json_var(render_page(paper_data(snap, D), ApiLinks()), "META")["detail"]
    assert (detail["doi_url"], detail["url"]) == ("https://doi.org/10.1000/x", "https://example.org/x")
    assert _json_var(render_page(paper_data(snap, B), ApiLinks()), "META")["detail"]["url"] is None
    assert safe_external_url("javascript:alert(1)") is None
    assert safe_external_url(" JAVASCRIPT:alert(1)") is None
    assert safe_external_url("data:text/html,x") is None
    assert safe_external_url("//evil.example/x") is None
    assert safe_external_url("http://ok.example/a?b=1") == "http://ok.example/a?b=1"


def test_links():
    api = ApiLinks()
    assert (api.overview(), api.community(3), api.paper("doi:10.1/a b")) == (
        "/viz", "/viz/communities/3", "/viz/papers/doi%3A10.1%2Fa%20b")
    site = SiteLinks(1, papers={"x"}, communities={0})
    assert (site.overview(), site.community(0), site.community(1)) == ("../index.html", "../communities/0.html", None)
    assert site.paper("x") == "../paper.html?id=x" and site.paper("y") is None
    assert SiteLinks(0).paper("hep-th/1 2") == "paper.html?id=hep-th%2F1%202"
    assert paper_slug("a/b") != paper_slug("a_b") != paper_slug("a:b")
    assert re.fullmatch(r"[A-Za-z0-9._-]+", paper_slug("<script>/../../etc"))
