"""viz.export: files that NetworkX (and so Gephi, Cytoscape) read back intact."""

from __future__ import annotations

import csv
import io
import json

import networkx as nx
import pytest
from typer.testing import CliRunner

from tests.api_support import assert_error
from tests.viz_support import A, B, D, E, F, G, H, XSS, load_tiny_graph, viz_client
from viz.data import GraphSnapshot
from viz.data import EdgeIndex
from viz.export import (
    EDGE_FIELDS,
    NODE_FIELDS,
    export_bytes,
    export_graph,
    iter_export,
    to_node_link,
    to_vosviewer,
    write_export,
)

runner = CliRunner()


@pytest.fixture
def snap(sqlite_store):
    load_tiny_graph(sqlite_store)
    return GraphSnapshot.load(sqlite_store)


def _edges(G):
    return sorted((u, v, k, tuple(sorted(d.items()))) for u, v, k, d in G.edges(keys=True, data=True))


def test_graph_has_communities_scores_positions(snap):
    G = export_graph(snap)
    assert G.number_of_nodes() == 7 and G.number_of_edges() == 10
    assert dict(G.nodes[A]) == {
        "label": "Graph neural networks for citation graphs", "title": "Graph neural networks for citation graphs",
        "year": 2020, "authors": "Ada Lovelace; Alan Turing", "keywords": "graph; neural", "community": 0,
        "community_label": "graph · neural", "degree": 1.0, "pagerank": 0.3, "betweenness": 0.0, "bridge": 0.1,
        "x": 0.0, "y": 0.0,
    }
    assert dict(G.nodes[E])["label"].startswith("Only an abstract here") and "title" not in G.nodes[E]
    assert G.nodes[H]["arxiv_id"] == "hep-th/9901001" and G.nodes[D]["doi"] == "10.1000/x"
    kinds = sorted(d["kind"] for _, _, d in G.edges(data=True))
    assert kinds == ["cites"] * 4 + ["keywords"] * 2 + ["similar"] * 4
    assert all(d["directed"] == (d["kind"] == "cites") for _, _, d in G.edges(data=True))
    assert sorted(d["kind"] for d in G.get_edge_data(A, B).values()) == ["keywords", "similar"]  # stored once, a->b
    assert [d["kind"] for d in G.get_edge_data(B, A).values()] == ["cites"]  # b cites a
    assert {d["evidence"] for _, _, d in G.edges(data=True) if d["kind"] == "keywords"} == {"graph; neural", "topic"}


def test_graphml_reads_back_with_every_attribute(snap):
    G = export_graph(snap)
    H_ = nx.read_graphml(io.BytesIO(export_bytes(snap, "graphml")), force_multigraph=True)
    assert isinstance(H_, nx.MultiDiGraph)
    assert dict(H_.nodes(data=True)) == dict(G.nodes(data=True))
    assert _edges(H_) == _edges(G)
    assert H_.nodes[B]["title"] == XSS and H_.nodes[F]["title"] == "Ünïcode — “quotes” & ampersands"
    assert isinstance(H_.nodes[A]["year"], int) and isinstance(H_.nodes[A]["x"], float)


def test_gexf_reads_back_with_every_attribute_and_viz(snap):
    G = export_graph(snap, viz=True)
    H_ = nx.read_gexf(io.BytesIO(export_bytes(snap, "gexf")))
    assert isinstance(H_, nx.MultiDiGraph)
    assert dict(H_.nodes(data=True)) == dict(G.nodes(data=True))
    assert _edges(H_) == _edges(G)
    viz = H_.nodes[B]["viz"]
    assert viz["position"] == {"x": 1000.0, "y": 500.0, "z": 0.0}
    assert viz["color"] == {"r": 78, "g": 121, "b": 167, "a": 1.0}


def test_node_link_json_reads_back(snap):
    data = json.loads(export_bytes(snap, "json"))
    assert [c["label"] for c in data["graph"]["communities"]] == ["graph · neural", "topic · models", "lonely"]
    G = nx.node_link_graph(data, edges="links")
    E_ = export_graph(snap)
    assert dict(G.nodes(data=True)) == dict(E_.nodes(data=True))
    assert _edges(G) == _edges(E_)
    assert to_node_link(snap)["links"][0]["key"] == "e0"


def test_node_link_communities_match_the_api(snap, sqlite_store):
    # Issue 21 item 6: the export wrote the global modularity on every community
    # and bare top-paper ids; the API gives {id, title} and partition_modularity.
    from graph.models import display_title

    data = to_node_link(snap)["graph"]
    first = data["communities"][0]
    assert "modularity" not in first
    assert first["top_papers"] == [{"id": pid, "title": display_title(sqlite_store.get_paper(pid).paper)}
                                   for pid in (A, B, H)]
    assert all(t["title"] and t["title"] != t["id"] for t in first["top_papers"])
    assert (first["level"], first["parent"]) == (0, None)
    assert data["partition_modularity"] == {"topics": 0.41, "subtopics": None}


def test_csv_nodes_and_edges(snap, tmp_path):
    written = write_export(snap, "csv", tmp_path / "out")
    assert [p.name for p in written] == ["nodes.csv", "edges.csv"]
    nodes = list(csv.DictReader(io.StringIO(written[0].read_text(encoding="utf-8"))))
    edges = list(csv.DictReader(io.StringIO(written[1].read_text(encoding="utf-8"))))
    assert tuple(nodes[0]) == NODE_FIELDS and tuple(edges[0]) == EDGE_FIELDS
    assert [n["id"] for n in nodes] == sorted([A, B, H, D, E, F, G])
    row = next(n for n in nodes if n["id"] == B)
    assert (row["title"], row["community"], row["pagerank"], row["x"], row["y"]) == (XSS, "0", "0.2", "1.0", "0.5")
    assert row["url"] == "javascript:alert(3)"  # data, not a link: exported as given
    assert next(n for n in nodes if n["id"] == G)["keywords"] == ""
    assert sorted((e["source"], e["target"], e["kind"], e["directed"]) for e in edges if e["kind"] == "cites") == [
        (A, H, "cites", "true"), (B, A, "cites", "true"), (E, D, "cites", "true"), (F, A, "cites", "true")]


def test_vosviewer_json(snap):
    data = to_vosviewer(snap)
    items = {i["label"]: i for i in data["network"]["items"]}
    assert len(items) == 7 and len(data["network"]["links"]) == 6  # one link per pair (a-b: 3 edges merged)
    a = items["Graph neural networks for citation graphs"]
    assert (a["cluster"], a["x"], a["y"], a["weights"]["PageRank"], a["scores"]["Year"]) == (1, 0.0, 0.0, 0.3, 2020)
    description = items[XSS[:80]]["description"]  # VOSviewer shows descriptions as HTML: escaped
    assert "<script>" not in description and "<img" not in description and "&lt;script&gt;" in description
    assert "url" not in items[XSS[:80]]  # javascript: URLs are not links
    ab = next(l for l in data["network"]["links"] if {l["source_id"], l["target_id"]} == {a["id"], items[XSS[:80]]["id"]})
    assert ab["strength"] == pytest.approx(0.8 + 1.0 + 1.0)


def test_xml_formats_survive_hostile_text():
    """Control characters cannot be carried by XML at all (they become U+FFFD);
    markup, quotes, CR/LF and ']]>' come back exactly."""
    from graph.models import CitationEdge, DerivedGraph, Paper, PaperScores
    from graph.stores.base import StoredPaper

    title = 'a\x01b <c> & "d" \'e\' ]]> \r\nnew line\ttab'
    papers = [StoredPaper(Paper(id='x"<&>', title=title), ("k1", "k2"), PaperScores('x"<&>', None, 0.0, 0.5, 0.0, 0.0)),
              StoredPaper(Paper(id="y", title="plain"))]
    snap = GraphSnapshot(papers, [], EdgeIndex(DerivedGraph((), (), (), (), (CitationEdge('x"<&>', "y"),))))
    expected = title.replace("\x01", "\ufffd")
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        G = read(io.BytesIO(export_bytes(snap, fmt)))
        assert G.nodes['x"<&>']["title"] == expected, fmt
        assert G.nodes['x"<&>']["keywords"] == "k1; k2" and "community" not in G.nodes['x"<&>']
        assert list(G.edges('x"<&>')) == [('x"<&>', "y")]


def test_streams_in_chunks(snap):
    chunks = list(iter_export(snap, "graphml"))
    assert len(chunks) > 3 and b"".join(chunks) == export_bytes(snap, "graphml")


def test_unknown_format_is_a_parameter_error(snap):
    from graph.errors import InvalidParameter

    with pytest.raises(InvalidParameter, match="The 'format' parameter of export must be one of"):
        export_bytes(snap, "xlsx")
    with pytest.raises(InvalidParameter):
        write_export(snap, "xml", "x.xml")


def test_export_does_not_touch_the_snapshot(snap):
    before = (list(snap.papers), list(snap.index.edges))
    export_graph(snap, viz=True), export_bytes(snap, "gexf"), export_bytes(snap, "vosviewer")
    assert (list(snap.papers), list(snap.index.edges)) == before


# --- API and CLI -------------------------------------------------------------------------


def test_api_export(store):
    load_tiny_graph(store)
    with viz_client(store) as client:
        r = client.get("/export?format=graphml")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/graphml+xml")
        assert r.headers["content-disposition"] == 'attachment; filename="citegraph.graphml"'
        G = nx.read_graphml(io.BytesIO(r.content))
        assert G.number_of_nodes() == 7 and G.nodes[A]["community_label"] == "graph · neural"
        G = nx.read_gexf(io.BytesIO(client.get("/export?format=gexf").content))
        assert G.nodes[H]["pagerank"] == 0.15
        body = client.get("/export?format=json").json()
        assert len(body["nodes"]) == 7 and len(body["links"]) == 10
        assert len(client.get("/export?format=vosviewer").json()["network"]["items"]) == 7
        assert_error(client.get("/export?format=xml"), 422)


def test_api_export_csv_like_the_cli(store, tmp_path):
    """Issue 21: /export?format=csv was a 422 while `citegraph export --format csv` worked."""
    import zipfile

    load_tiny_graph(store)
    with viz_client(store) as client:
        r = client.get("/export?format=csv")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == 'attachment; filename="citegraph-csv.zip"'
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert sorted(zf.namelist()) == ["edges.csv", "nodes.csv"]
        nodes = list(csv.DictReader(io.StringIO(zf.read("nodes.csv").decode("utf-8"))))
        edges = list(csv.DictReader(io.StringIO(zf.read("edges.csv").decode("utf-8"))))
    assert len(nodes) == 7 and len(edges) == 10


@pytest.mark.parametrize("fmt, name", [("graphml", "g.graphml"), ("gexf", "g.gexf"), ("json", "g.json"),
                                       ("csv", "csvdir"), ("vosviewer", "v.json")])
def test_cli_export(sqlite_store, tmp_path, fmt, name):
    from api.cli import app

    load_tiny_graph(sqlite_store)
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(sqlite_store.path)}
    out = tmp_path / name
    result = runner.invoke(app, ["export", "--format", fmt, "--out", str(out)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"exported 7 papers and 10 edges as {fmt}" in result.output
    if fmt == "graphml":
        assert nx.read_graphml(out, force_multigraph=True).number_of_edges() == 10
    elif fmt == "gexf":
        assert nx.read_gexf(out).nodes[A]["x"] == 0.0
    elif fmt == "csv":
        assert sorted(p.name for p in out.iterdir()) == ["edges.csv", "nodes.csv"]
    else:
        assert json.loads(out.read_text(encoding="utf-8"))


def test_cli_export_bad_format(tmp_path):
    from api.cli import app

    result = runner.invoke(app, ["export", "--format", "xml", "--out", str(tmp_path / "x")],
                           env={"CITEGRAPH_DB": str(tmp_path / "x.db")})
    assert result.exit_code == 2


# --- COUPLED and CO_CITED (issue 23) -------------------------------------------------------


def _with_biblio(store):
    from graph.models import CoCitedEdge, CoupledEdge, DerivedGraph

    load_tiny_graph(store)
    coupled = (CoupledEdge(*sorted((A, F)), 7, 0.5, ("r1", "r2")),)
    co_cited = (CoCitedEdge(*sorted((A, D)), 1, 0.25, (B,)),)
    store.add_derived(DerivedGraph((), (), (), (), (), coupled=coupled, co_cited=co_cited))
    return coupled[0], co_cited[0]


def _biblio_of(G):
    return sorted((u, v, d["kind"], d["weight"], d.get("evidence"), d.get("count"), d["directed"])
                  for u, v, d in G.edges(data=True) if d["kind"] in ("coupled", "cocited"))


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "csv"])
def test_coupled_and_co_cited_are_exported_in_every_edge_format(sqlite_store, fmt):
    cp, cc = _with_biblio(sqlite_store)
    snap = GraphSnapshot.load(sqlite_store)
    assert len(snap.index.edges) == 10  # the pages do not draw them
    expected = sorted([(cp.source, cp.target, "coupled", 0.5, "r1; r2", 7, False),
                       (cc.source, cc.target, "cocited", 0.25, B, 1, False)])
    G = export_graph(snap)
    assert G.number_of_edges() == 12 and _biblio_of(G) == expected
    data = export_bytes(snap, fmt)
    if fmt == "graphml":
        back = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    elif fmt == "gexf":
        back = nx.read_gexf(io.BytesIO(data))
    elif fmt == "json":
        back = nx.node_link_graph(json.loads(data), edges="links")
    else:
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            rows = list(csv.DictReader(io.StringIO(zf.read("edges.csv").decode("utf-8"))))
        assert tuple(rows[0]) == EDGE_FIELDS
        got = sorted((r["source"], r["target"], r["kind"], float(r["weight"]), r["evidence"], int(r["count"]),
                      r["directed"] == "true") for r in rows if r["kind"] in ("coupled", "cocited"))
        assert got == expected
        assert all(r["count"] == "" for r in rows if r["kind"] not in ("coupled", "cocited"))
        return
    assert _biblio_of(back) == expected
    assert _edges(back) == _edges(export_graph(snap, viz=fmt == "gexf"))


def test_vosviewer_links_add_the_coupling_strength(sqlite_store):
    _with_biblio(sqlite_store)
    snap = GraphSnapshot.load(sqlite_store)
    plain = GraphSnapshot(snap.papers, snap.communities, snap.index)  # the same without them
    ids = {pid: i for i, (pid, _) in enumerate(sorted((p.paper.id, 0) for p in snap.papers), start=1)}

    def strength_af(data):
        return sum(l["strength"] for l in data["network"]["links"]
                   if {l["source_id"], l["target_id"]} == {ids[A], ids[F]})

    assert strength_af(to_vosviewer(snap)) == pytest.approx(strength_af(to_vosviewer(plain)) + 0.5)


def test_api_and_cli_export_carry_them(sqlite_store, tmp_path):
    from api.cli import app

    _with_biblio(sqlite_store)
    with viz_client(sqlite_store) as client:
        body = client.get("/export?format=json").json()
    assert sorted(l["kind"] for l in body["links"] if l["kind"] in ("coupled", "cocited")) == ["cocited", "coupled"]
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(sqlite_store.path)}
    out = tmp_path / "g.graphml"
    result = runner.invoke(app, ["export", "--format", "graphml", "--out", str(out)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "exported 7 papers and 12 edges as graphml" in result.output
    assert len(_biblio_of(nx.read_graphml(out, force_multigraph=True))) == 2
