"""The corpus map's data (viz.map.map_data), its escaping, the store's light map
reads and GET /viz. The page itself is checked in Chromium in
tests/browser/test_map_browser.py."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from graph.models import Community
from graph.stores.base import GraphStore, MapPaper
from tests.viz_support import A, B, D, E, F, G, H, IDS, XSS, load_tiny_graph, viz_client
from viz.map import map_data, map_html, script_json


@dataclass(frozen=True)
class Sub(Community):
    """A level-1 community as the hierarchy contract describes it (before graph.models has it)."""

    level: int = 1
    parent: int | None = None


def rows():
    return [
        MapPaper("p1", "One", 2001, 0, 5, 0.4, 0.0, 0.0),
        MapPaper("p2", "Two", None, 0, 5, 0.3, 0.1, 0.0),
        MapPaper("p3", "Three", 1999, 0, None, 0.2, 0.0, 0.1),
        MapPaper("p4", "Four", 2010, 1, None, 0.1, 1.0, 1.0),
        MapPaper("p5", "", 2005, None, None, None, None, None),  # no analysis, no position
    ]


def test_map_data_indexes_topics_subtopics_and_keeps_one_edge_per_paper_inside_its_topic():
    comms = [Community(0, 3, "alpha, beta, gamma, delta", ("alpha",), 0.5), Community(1, 1, "", (), 0.5),
             Sub(5, 2, "sub one, x", ("sub",), 0.5, parent=0)]
    pairs = [("p1", "p2", 0.9), ("p1", "p3", 0.5), ("p2", "p3", 0.6), ("p3", "p4", 0.99), ("p4", "zz", 1.0)]
    d = map_data(rows(), comms, pairs)
    assert d["ids"] == ["p1", "p2", "p3", "p4", "p5"]
    assert d["topic"] == [0, 0, 0, 1, -1] and d["sub"] == [0, 0, -1, -1, -1]
    assert d["year"] == [2001, 0, 1999, 2010, 2005] and d["years"] == [1999, 2010]
    # p1-p2 (both best), p3's best inside topic 0 is p2 (0.6); p3-p4 crosses topics; p4 has none
    assert d["edges"] == [0, 1, 1, 2]
    assert d["topics"][0][:4] == [0, "alpha, beta, gamma, delta", "alpha, beta, gamma", 3]
    assert d["topics"][1][:4] == [1, "Topic 1", "Topic 1", 1]
    assert d["subs"] == [[5, "sub one, x", "sub one, x", 2, 500, 0, 0]]
    assert d["x"][:4] == [0, 1000, 0, 10000]
    # a paper without a stored position is placed outside everything
    assert abs(d["x"][4]) > 10000 or abs(d["y"][4]) > 10000
    assert d["size"][0] == 7.0 and d["size"][4] == 1.6


def test_map_data_without_hierarchy_or_papers():
    d = map_data([], [], [])
    assert d["ids"] == [] and d["edges"] == [] and d["years"] == [0, 0]
    old = map_data(rows()[:2], [Community(0, 2, "a", ("a",), 0.1)], [])  # older database: no subcommunity
    assert old["sub"] == [-1, -1] and old["subs"] == []


@pytest.mark.parametrize("text", [XSS, "</script><script>alert(1)</script>", "<!-- x", "a\u2028b\u2029c", "]]>", "&amp;"])
def test_script_json_cannot_close_or_break_a_script(text):
    out = script_json({"t": [text]})
    assert "<" not in out and ">" not in out and "&" not in out
    assert "\u2028" not in out and "\u2029" not in out
    assert json.loads(out) == {"t": [text]}


def test_map_html_embeds_data_as_inert_json_and_fetches_nothing():
    d = map_data([MapPaper("x<y", XSS, 2000, 0, None, 1.0, 0.0, 0.0)], [Community(0, 1, "</script>", (), 0.1)])
    html = map_html(d, prefix="/root/viz", api="/root")
    assert XSS not in html and "</script>" + "<" not in html.split('id="map-data"')[1][:200]
    block = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(block)["titles"] == [XSS]
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert config["prefix"] == "/root/viz" and config["api"] == "/root"
    assert "connect-src 'self'" in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from the network
    assert html.count("<script") == 3 and html.count('nonce="') == 1  # two inert JSON blocks, one script


def test_light_map_reads_match_the_full_reads(sqlite_store):
    load_tiny_graph(sqlite_store)
    fast = sqlite_store.map_papers()
    assert fast == GraphStore.map_papers(sqlite_store)
    assert [p.id for p in fast] == [A, B, H, D, E, F, G]  # PageRank descending
    by_id = {p.id: p for p in fast}
    assert by_id[A] == MapPaper(A, "Graph neural networks for citation graphs", 2020, 0, None, 0.30, 0.0, 0.0)
    assert by_id[E].title.startswith("Only an abstract here")  # no title: the abstract's start
    assert sqlite_store.similar_pairs() == GraphStore.similar_pairs(sqlite_store)
    assert len(sqlite_store.similar_pairs()) == 4


def test_get_viz_is_the_map(sqlite_store):
    load_tiny_graph(sqlite_store)
    with viz_client(sqlite_store) as client:
        r = client.get("/viz")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        data = json.loads(re.search(r'id="map-data" type="application/json">(.*?)</script>', r.text, re.S).group(1))
        assert sorted(data["ids"]) == sorted(IDS)
        assert XSS not in r.text
        assert client.get("/viz").text.split('id="map-data"')[1] == r.text.split('id="map-data"')[1]  # cached
        assert "vis.Network" in client.get("/viz/overview").text  # the PyVis overview moved here
