"""The graph as files other tools open: GraphML, GEXF, node-link JSON, CSV and
VOSviewer JSON, with communities, scores and layout positions as attributes.

One paper is one node, one relationship one edge (keyed ``e0, e1...``; attribute
``kind`` = ``similar``/``keywords``/``cites``/``coupled``/``cocited``, ``directed``
true only for citations), so the file is a directed multigraph. COUPLED and
CO_CITED edges (issue 23) come last, with ``weight`` their strength, ``evidence``
the shared references / citers they name and ``count`` how many there are. Attributes a paper does not
have are left out rather than written empty, so a file read back with NetworkX
gives exactly what was written (``nx.read_graphml(path, force_multigraph=True)``,
``nx.read_gexf(path)``, ``nx.node_link_graph(data, edges="links")``).

GraphML and GEXF are written as a stream of text chunks straight from the
snapshot (no in-memory XML tree: 30k papers and 350k citations stay in
hundreds of MB less and seconds rather than a minute). :func:`export_graph`
builds the same graph as a :class:`networkx.MultiDiGraph` for Python users.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
from pathlib import Path
from typing import Any, Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from graph.errors import param_error
from viz.data import GraphSnapshot
from viz.page_model import display_title
from viz.render import community_color

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "NODE_FIELDS",
    "EDGE_FIELDS",
    "node_rows",
    "edge_rows",
    "export_graph",
    "iter_graphml",
    "iter_gexf",
    "to_node_link",
    "partition_modularity",
    "to_vosviewer",
    "csv_zip",
    "iter_export",
    "export_bytes",
    "write_export",
    "default_name",
]

FORMATS = ("graphml", "gexf", "json", "csv", "vosviewer")
MEDIA_TYPES = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "json": "application/json",
    "vosviewer": "application/json",
    "csv": "application/zip",  # one download: nodes.csv and edges.csv in a zip
}
_SUFFIX = {"graphml": ".graphml", "gexf": ".gexf", "json": ".json", "vosviewer": ".vosviewer.json",
           "csv": "-csv.zip"}

#: Node attributes and their types, in CSV column order (after ``id``).
NODE_TYPES: dict[str, type] = {
    "label": str, "title": str, "year": int, "authors": str, "venue": str, "doi": str, "arxiv_id": str,
    "url": str, "dataset_label": str, "keywords": str, "community": int, "community_label": str,
    "degree": float, "pagerank": float, "betweenness": float, "bridge": float, "x": float, "y": float,
}
EDGE_TYPES: dict[str, type] = {"kind": str, "directed": bool, "weight": float, "evidence": str, "count": int}
NODE_FIELDS = ("id", *NODE_TYPES)
EDGE_FIELDS = ("source", "target", "kind", "directed", "weight", "evidence", "count")
_SEP = "; "
_XML_TYPES = {str: "string", int: "long", float: "double", bool: "boolean"}
# Characters XML 1.0 cannot carry at all; they become U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _check_format(fmt: object, where: str, allowed: tuple[str, ...] = FORMATS) -> str:
    if fmt not in allowed:
        raise param_error("format", where, f"one of {list(allowed)}", fmt)
    return fmt  # type: ignore[return-value]


# --- rows ----------------------------------------------------------------------------------


def node_rows(snapshot: GraphSnapshot, *, viz: bool = False) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(paper id, attributes)`` for every paper, by id. With ``viz``, a GEXF
    ``viz`` entry (position, size, colour) for Gephi."""
    labels = {c.id: c.label for c in snapshot.communities}
    for sp in sorted(snapshot.papers, key=lambda sp: sp.paper.id):
        p, s = sp.paper, sp.scores
        attrs: dict[str, Any] = {
            "label": display_title(p, limit=80), "title": p.title, "year": p.year,
            "authors": _SEP.join(p.authors), "venue": p.venue, "doi": p.doi, "arxiv_id": p.arxiv_id,
            "url": p.url, "dataset_label": p.label, "keywords": _SEP.join(sp.keywords),
        }
        if s is not None:
            attrs.update(community=s.community, degree=s.degree, pagerank=s.pagerank,
                         betweenness=s.betweenness, bridge=s.bridge, x=s.x, y=s.y)
            if s.community is not None:
                attrs["community_label"] = labels.get(s.community, "")
        attrs = {k: v for k, v in ((k, _typed(NODE_TYPES[k], v)) for k, v in attrs.items()) if v is not None}
        if viz:
            attrs["viz"] = _viz(attrs)
        yield p.id, attrs


def edge_rows(snapshot: GraphSnapshot, *, viz: bool = False) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """``(source, target, key, attributes)`` for every relationship. With ``viz``
    (GEXF), the key is also the ``id`` attribute, as GEXF readers return it."""
    i = -1
    for i, e in enumerate(snapshot.index.edges):
        attrs: dict[str, Any] = {"kind": e.kind, "directed": e.kind == "cites", "weight": float(e.weight)}
        if e.detail:
            attrs["evidence"] = _SEP.join(e.detail)
        if viz:
            attrs["id"] = f"e{i}"
        yield e.source, e.target, f"e{i}", attrs
    biblio = [("coupled", e.source, e.target, e.strength, e.shared, e.count) for e in snapshot.biblio.coupled]
    biblio += [("cocited", e.source, e.target, e.strength, e.citers, e.count) for e in snapshot.biblio.co_cited]
    for j, (kind, source, target, weight, names, count) in enumerate(biblio, start=i + 1):
        attrs = {"kind": kind, "directed": False, "weight": float(weight)}
        if names:
            attrs["evidence"] = _SEP.join(names)
        attrs["count"] = int(count)
        if viz:
            attrs["id"] = f"e{j}"
        yield source, target, f"e{j}", attrs


def _typed(kind: type, value: Any) -> Any:
    """``value`` as a plain ``kind`` (no NumPy scalars), or None when missing,
    empty or not finite (NaN never reads back equal)."""
    if value is None or value == "":
        return None
    if kind is float:
        value = float(value)
        return value if math.isfinite(value) else None
    return kind(value)


def _viz(attrs: dict[str, Any]) -> dict[str, Any]:
    color = community_color(attrs.get("community")).lstrip("#")
    r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return {
        # Gephi's canvas is in pixels; the stored layout is in [-1, 1].
        "position": {"x": round(attrs.get("x", 0.0) * 1000, 3), "y": round(attrs.get("y", 0.0) * 1000, 3), "z": 0.0},
        "size": round(4 + 400 * float(attrs.get("pagerank", 0.0)) ** 0.5, 3),
        "color": {"r": r, "g": g, "b": b, "a": 1.0},
    }


def export_graph(snapshot: GraphSnapshot, *, viz: bool = False) -> nx.MultiDiGraph:
    """A new MultiDiGraph of every paper and relationship in ``snapshot`` (which
    is not modified): what every file format holds."""
    G = nx.MultiDiGraph(name="citegraph")
    G.add_nodes_from(node_rows(snapshot, viz=viz))
    G.add_edges_from(edge_rows(snapshot, viz=viz))
    return G


# --- XML ----------------------------------------------------------------------------------


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return escape(_NOT_XML.sub("\ufffd", str(value)), {"\r": "&#13;"})


def _xml_attr(value: Any) -> str:
    if isinstance(value, bool):
        return '"true"' if value else '"false"'
    if isinstance(value, float):
        return f'"{value!r}"'
    return quoteattr(_NOT_XML.sub("\ufffd", str(value)))


def iter_graphml(snapshot: GraphSnapshot) -> Iterator[str]:
    """GraphML text in chunks (Gephi, Cytoscape, yEd, NetworkX)."""
    node_keys = {name: f"n{i}" for i, name in enumerate(NODE_TYPES)}
    edge_keys = {name: f"e{i}" for i, name in enumerate(EDGE_TYPES)}
    yield ('<?xml version="1.0" encoding="utf-8"?>\n'
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
           'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for name, kind in NODE_TYPES.items():
        yield f'  <key id="{node_keys[name]}" for="node" attr.name="{name}" attr.type="{_XML_TYPES[kind]}"/>\n'
    for name, kind in EDGE_TYPES.items():
        yield f'  <key id="{edge_keys[name]}" for="edge" attr.name="{name}" attr.type="{_XML_TYPES[kind]}"/>\n'
    yield '  <key id="g0" for="graph" attr.name="name" attr.type="string"/>\n'
    yield '  <graph edgedefault="directed">\n    <data key="g0">citegraph</data>\n'
    for chunk in _batched(
        f"    <node id={_xml_attr(pid)}>"
        + "".join(f'<data key="{node_keys[k]}">{_xml_text(v)}</data>' for k, v in attrs.items())
        + "</node>\n"
        for pid, attrs in node_rows(snapshot)
    ):
        yield chunk
    for chunk in _batched(
        f"    <edge id={_xml_attr(key)} source={_xml_attr(u)} target={_xml_attr(v)}>"
        + "".join(f'<data key="{edge_keys[k]}">{_xml_text(val)}</data>' for k, val in attrs.items())
        + "</edge>\n"
        for u, v, key, attrs in edge_rows(snapshot)
    ):
        yield chunk
    yield "  </graph>\n</graphml>\n"


def iter_gexf(snapshot: GraphSnapshot) -> Iterator[str]:
    """GEXF 1.2 text in chunks (Gephi), with ``viz`` positions, sizes and colours."""
    node_ids = {name: str(i) for i, name in enumerate(k for k in NODE_TYPES if k != "label")}
    edge_ids = {name: str(i) for i, name in enumerate(k for k in EDGE_TYPES if k != "weight")}
    yield ('<?xml version="1.0" encoding="utf-8"?>\n'
           '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:viz="http://www.gexf.net/1.2draft/viz" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
           '  <meta><creator>citegraph</creator></meta>\n'
           '  <graph defaultedgetype="directed" mode="static" name="citegraph">\n'
           '    <attributes class="node" mode="static">\n')
    for name, i in node_ids.items():
        yield f'      <attribute id="{i}" title="{name}" type="{_XML_TYPES[NODE_TYPES[name]]}"/>\n'
    yield '    </attributes>\n    <attributes class="edge" mode="static">\n'
    for name, i in edge_ids.items():
        yield f'      <attribute id="{i}" title="{name}" type="{_XML_TYPES[EDGE_TYPES[name]]}"/>\n'
    yield "    </attributes>\n    <nodes>\n"
    for chunk in _batched(_gexf_node(pid, attrs, node_ids) for pid, attrs in node_rows(snapshot, viz=True)):
        yield chunk
    yield "    </nodes>\n    <edges>\n"
    for chunk in _batched(
        f"      <edge id={_xml_attr(key)} source={_xml_attr(u)} target={_xml_attr(v)} "
        f"weight={_xml_attr(attrs['weight'])}><attvalues>"
        + "".join(f'<attvalue for="{edge_ids[k]}" value={_xml_attr(val)}/>' for k, val in attrs.items()
                  if k in edge_ids)
        + "</attvalues></edge>\n"
        for u, v, key, attrs in edge_rows(snapshot)
    ):
        yield chunk
    yield "    </edges>\n  </graph>\n</gexf>\n"


def _gexf_node(pid: str, attrs: dict[str, Any], ids: dict[str, str]) -> str:
    viz = attrs["viz"]
    c, p = viz["color"], viz["position"]
    values = "".join(f'<attvalue for="{ids[k]}" value={_xml_attr(v)}/>' for k, v in attrs.items() if k in ids)
    return (f"      <node id={_xml_attr(pid)} label={_xml_attr(attrs['label'])}>"
            f"<attvalues>{values}</attvalues>"
            f'<viz:color r="{c["r"]}" g="{c["g"]}" b="{c["b"]}" a="{c["a"]!r}"/>'
            f'<viz:size value="{viz["size"]!r}"/>'
            f'<viz:position x="{p["x"]!r}" y="{p["y"]!r}" z="{p["z"]!r}"/></node>\n')


def _batched(lines: Iterable[str], size: int = 2000) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


# --- JSON and CSV -------------------------------------------------------------------------


def to_node_link(snapshot: GraphSnapshot) -> dict[str, Any]:
    """Node-link JSON (``nx.node_link_graph(data, edges="links")`` reads it back),
    with the communities in ``graph.communities``."""
    return {
        "directed": True,
        "multigraph": True,
        "graph": {
            "name": "citegraph",
            "communities": [_community(c, snapshot) for c in snapshot.communities],
            "partition_modularity": partition_modularity(snapshot.communities),
        },
        "nodes": [{**attrs, "id": pid} for pid, attrs in node_rows(snapshot)],
        "links": [{**attrs, "source": u, "target": v, "key": key} for u, v, key, attrs in edge_rows(snapshot)],
    }


def _community(c: Any, snapshot: GraphSnapshot) -> dict[str, Any]:
    """A community as the API's ``/communities`` gives it (issue 21): top papers
    as ``{id, title}`` with display titles; no per-community ``modularity`` (it
    was the level's partition value repeated, see :func:`partition_modularity`)."""
    tops = []
    for pid in c.top_papers:
        sp = snapshot.by_id.get(pid)
        tops.append({"id": pid, "title": display_title(sp.paper) if sp is not None else pid})
    return {"id": c.id, "size": c.size, "label": c.label, "keywords": list(c.keywords),
            "top_papers": tops, "level": int(getattr(c, "level", 0) or 0), "parent": getattr(c, "parent", None)}


def partition_modularity(communities: Iterable[Any]) -> dict[str, float | None]:
    """Modularity of the topic (level 0) and subtopic (level 1) partitions, None
    for a level without communities: the API's ``partition_modularity``. Every
    community of a level carries its level's value.

    >>> from graph.models import Community
    >>> partition_modularity([Community(0, 3, "a", (), 0.41), Community(1, 2, "b", (), 0.2, level=1, parent=0)])
    {'topics': 0.41, 'subtopics': 0.2}
    """
    out: dict[str, float | None] = {"topics": None, "subtopics": None}
    for c in communities:
        key = "subtopics" if int(getattr(c, "level", 0) or 0) == 1 else "topics"
        if out[key] is None and c.modularity is not None and math.isfinite(c.modularity):
            out[key] = float(c.modularity)
    return out


def _csv_texts(snapshot: GraphSnapshot) -> tuple[str, str]:
    nodes = io.StringIO()
    writer = csv.writer(nodes, lineterminator="\n")
    writer.writerow(NODE_FIELDS)
    for pid, attrs in node_rows(snapshot):
        writer.writerow([pid, *(_cell(attrs.get(f)) for f in NODE_FIELDS[1:])])
    edges = io.StringIO()
    writer = csv.writer(edges, lineterminator="\n")
    writer.writerow(EDGE_FIELDS)
    for u, v, _, attrs in edge_rows(snapshot):
        writer.writerow([u, v, attrs["kind"], _cell(attrs["directed"]), _cell(attrs["weight"]),
                         _cell(attrs.get("evidence")), _cell(attrs.get("count"))])
    return nodes.getvalue(), edges.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_vosviewer(snapshot: GraphSnapshot) -> dict[str, Any]:
    """VOSviewer JSON: items with integer ids, positions, clusters (community + 1,
    at most 1000 as VOSviewer allows) and weights; links merged per pair with
    ``strength`` = the sum of the edge weights. Descriptions are escaped HTML
    (VOSviewer renders them as HTML); only http(s) URLs are kept."""
    nodes = list(node_rows(snapshot))
    ids = {pid: i for i, (pid, _) in enumerate(nodes, start=1)}
    strength: dict[tuple[int, int], float] = {}
    for u, v, _, attrs in edge_rows(snapshot):
        a, b = sorted((ids[u], ids[v]))
        if a != b:
            strength[(a, b)] = strength.get((a, b), 0.0) + attrs["weight"]
    degree: dict[int, int] = {}
    for a, b in strength:
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
    items = []
    for pid, data in nodes:
        i = ids[pid]
        item: dict[str, Any] = {"id": i, "label": data["label"]}
        if "x" in data and "y" in data:
            item["x"], item["y"] = data["x"], data["y"]
        if 0 <= data.get("community", -1) < 1000:
            item["cluster"] = data["community"] + 1
        item["weights"] = {"Links": degree.get(i, 0), "PageRank": data.get("pagerank", 0.0)}
        if "year" in data:
            item["scores"] = {"Year": data["year"]}
        parts = [f"<b>{html.escape(data.get('title') or data['label'])}</b>"]
        for key, name in (("year", "Year"), ("keywords", "Keywords"), ("community_label", "Community")):
            if key in data:
                parts.append(f"{name}: {html.escape(str(data[key]))}")
        item["description"] = "<br>".join(parts)
        if str(data.get("url", "")).startswith(("http://", "https://")):
            item["url"] = data["url"]
        items.append(item)
    links = [{"source_id": a, "target_id": b, "strength": round(s, 6)} for (a, b), s in sorted(strength.items())]
    return {
        "config": {"terminology": {"item": "paper", "items": "papers", "link": "link", "links": "links",
                                   "link_strength": "link strength", "total_link_strength": "total link strength"}},
        "network": {"items": items, "links": links},
    }


# --- entry points ---------------------------------------------------------------------------


def iter_export(snapshot: GraphSnapshot, fmt: str) -> Iterator[bytes]:
    """One file in ``fmt`` as chunks: what ``GET /export`` streams. ``csv`` is two
    tables, so here it is one zip holding ``nodes.csv`` and ``edges.csv`` (the CLI
    writes them to a folder instead)."""
    _check_format(fmt, "export")
    if fmt == "csv":
        yield csv_zip(snapshot)
        return
    if fmt in ("graphml", "gexf"):
        for chunk in (iter_graphml if fmt == "graphml" else iter_gexf)(snapshot):
            yield chunk.encode("utf-8")
        return
    data = to_node_link(snapshot) if fmt == "json" else to_vosviewer(snapshot)
    yield json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")


def csv_zip(snapshot: GraphSnapshot) -> bytes:
    """``nodes.csv`` and ``edges.csv`` (UTF-8) in one zip archive."""
    import zipfile

    nodes, edges = _csv_texts(snapshot)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("nodes.csv", nodes)
        zf.writestr("edges.csv", edges)
    return buf.getvalue()


def export_bytes(snapshot: GraphSnapshot, fmt: str) -> bytes:
    """:func:`iter_export` joined."""
    return b"".join(iter_export(snapshot, fmt))


def write_export(snapshot: GraphSnapshot, fmt: str, out: str | Path) -> list[Path]:
    """Write ``fmt`` to ``out`` (a file; for ``csv`` a folder that gets
    ``nodes.csv`` and ``edges.csv``). Returns the files written."""
    _check_format(fmt, "export")
    out = Path(out)
    if fmt == "csv":
        out.mkdir(parents=True, exist_ok=True)
        nodes, edges = _csv_texts(snapshot)
        written = [out / "nodes.csv", out / "edges.csv"]
        written[0].write_text(nodes, encoding="utf-8")
        written[1].write_text(edges, encoding="utf-8")
        return written
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        for chunk in iter_export(snapshot, fmt):
            fh.write(chunk)
    return [out]


def default_name(fmt: str) -> str:
    """``citegraph.graphml`` and so on (``citegraph-csv.zip`` for the two CSV tables)."""
    _check_format(fmt, "export")
    return f"citegraph{_SUFFIX[fmt]}"
