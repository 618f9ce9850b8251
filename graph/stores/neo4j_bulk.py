"""Bulk load into an empty Neo4j: CSV files for ``neo4j-admin database import full``.

The Cypher path (:meth:`graph.stores.neo4j.Neo4jStore.replace_derived`) is bounded
by the server's commit cost per relationship; the offline importer writes the
store files directly. This module writes the same graph as the Cypher path into
CSV files the importer reads, and names the importer's arguments. It never talks
to a server: stopping the database, running the importer and starting the
database again is an :data:`Importer`'s job (the local server's is
:func:`api.neo4j_local.bulk_import`).

Same graph, by construction: papers become :func:`graph.stores.neo4j_rows.paper_row`
maps, and every relationship kind the Cypher writer writes comes from its own
row builders (``graph.stores.neo4j_rows.ROWS``: de-duplicated, the last row wins),
here fed with row numbers instead of node ids. A new relationship kind needs one
entry in :data:`REL_HEADERS` (its end label and property columns); a kind the
Cypher writer has and this module does not is refused before anything is
written. ``tests/test_neo4j_bulk.py`` compares both paths on the sample corpus.

File layout (``--id-type=integer``; the row number is the node's import id and
is not stored as a property)::

    papers.csv           :ID(Paper),id,title,abstract,authors:string[],...
    keywords.csv         :ID(Keyword),name,df:long
    meta.csv             :ID(Meta),key,unresolved_references:long
    references.csv       :ID(Reference),id,doi,title,year:long
    rel-CITES.csv        :START_ID(Paper),:END_ID(Paper)
    rel-REFERENCES.csv   :START_ID(Paper),:END_ID(Reference)
    rel-SIMILAR_TO.csv   :START_ID(Paper),:END_ID(Paper),score:double,terms:string[]
    ...

Text is always quoted (``""`` doubles a quote), a missing value is an empty
unquoted field (no property, as the Cypher path stores nothing for ``null``),
floats are written with ``repr`` (they parse back to the same double), lists
are joined with an array delimiter that no element of any list contains.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from graph.authors import Authorship
from graph.edge_arrays import EdgeArrays
from graph.errors import CitegraphError, InvalidParameter, KeywordNotFound, PaperNotFound
from graph.models import DerivedGraph, Paper
from graph.stores import neo4j_rows as conv
from graph.stores.base import derived_paper_ids
from graph.stores.neo4j_rows import ROWS as _ROWS

__all__ = [
    "Importer",
    "OfflineImporter",
    "BulkFiles",
    "PAPER_COLUMNS",
    "REL_HEADERS",
    "write_csv",
    "set_empty_lists",
    "SET_EMPTY_LIST",
]

log = logging.getLogger(__name__)

#: ``importer(args)`` runs ``neo4j-admin database import full <args>`` against the
#: server's database, which it stops first and starts again after (Community
#: edition has one user database and cannot stop it alone).
Importer = Callable[[Sequence[str]], None]


@runtime_checkable
class OfflineImporter(Protocol):
    """An :data:`Importer` whose server can be asked to stop ahead of the import.

    ``run --bulk`` calls :meth:`stop` once nothing more is read from the server,
    so the shutdown overlaps the build; the import then waits for it to end.
    :meth:`start` brings the server back without importing (after a failure
    before the import), once a stop asked for has ended."""

    def __call__(self, args: Sequence[str]) -> None: ...

    def stop(self) -> None:
        """Ask the server to stop; may return before it has."""

    def start(self) -> None:
        """Wait for a stop asked for, then start the server."""

#: Paper properties in :func:`graph.stores.neo4j_rows.paper_row` order, with their
#: importer types (``id`` is a property: the import id is the row number).
PAPER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "string"),
    ("title", "string"),
    ("abstract", "string"),
    ("authors", "string[]"),
    ("year", "long"),
    ("venue", "string"),
    ("doi", "string"),
    ("arxiv_id", "string"),
    ("url", "string"),
    ("label", "string"),
    ("references", "string[]"),
    ("extra_json", "string"),
    ("title_key", "string"),
)

#: Per relationship kind: the label of its end node and its property columns, in
#: the order of the Cypher writer's rows (``[start, end, props...]``).
REL_HEADERS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "HAS_KEYWORD": ("Keyword", (("score", "double"),)),
    "SIMILAR_TO": ("Paper", (("score", "double"), ("terms", "string[]"))),
    "SHARES_KEYWORDS": ("Paper", (("count", "long"), ("jaccard", "double"), ("keywords", "string[]"))),
    "CITES": ("Paper", ()),
    "COUPLED": ("Paper", (("count", "long"), ("strength", "double"), ("shared", "string[]"))),
    "CO_CITED": ("Paper", (("count", "long"), ("strength", "double"), ("citers", "string[]"))),
}

#: Relationship kinds a build may hold as :class:`EdgeArrays` columns, by their
#: :class:`DerivedGraph` field: written from the columns, without edge objects.
_ARRAY_KINDS: dict[str, str] = {"SHARES_KEYWORDS": "shares_keywords", "COUPLED": "coupled", "CO_CITED": "co_cited"}

#: The importer reads an empty list as no property; the Cypher path stores an
#: empty list. These set the empty lists after the import (rows: paper ids, or
#: ``[start id, end id]`` pairs of papers), one statement per list column.
SET_EMPTY_LIST: dict[tuple[str, str], str] = {
    ("Paper", "authors"): "UNWIND $rows AS id MATCH (p:Paper {id: id}) SET p.authors = []",
    ("Paper", "references"): "UNWIND $rows AS id MATCH (p:Paper {id: id}) SET p.references = []",
    ("SIMILAR_TO", "terms"): (
        "UNWIND $rows AS row MATCH (a:Paper {id: row[0]})-[r:SIMILAR_TO]->(b:Paper {id: row[1]}) SET r.terms = []"),
    ("SHARES_KEYWORDS", "keywords"): (
        "UNWIND $rows AS row MATCH (a:Paper {id: row[0]})-[r:SHARES_KEYWORDS]->(b:Paper {id: row[1]}) "
        "SET r.keywords = []"),
}

#: Array delimiters tried in order: control characters no title or term holds.
_DELIMITERS = ("\x1f", "\x1e", "\x1d", "\x1c", "|", ";", "\t")


@dataclass(frozen=True)
class BulkFiles:
    """The CSV files of one bulk load and what the importer needs to read them."""

    directory: Path
    nodes: tuple[tuple[str, Path], ...]
    relationships: tuple[tuple[str, Path], ...]
    array_delimiter: str
    #: Files holding a value with a line break (read with ``--multiline-fields``).
    multiline: tuple[Path, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: ``(label or type, property) -> rows`` of :data:`SET_EMPTY_LIST` to run after the import.
    empty_lists: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    def import_args(self, database: str = "neo4j", *, max_off_heap_memory: str = "2G") -> list[str]:
        """Arguments of ``neo4j-admin database import full`` for these files.

        ``max_off_heap_memory`` bounds the importer's caches (its own default is
        90% of the free memory, too much on a shared machine; 2G holds the id
        maps of ~100M nodes with integer ids)."""
        # The database first: the file options take every argument after them.
        args = [
            database,
            "--overwrite-destination=true",
            "--id-type=integer",
            f"--array-delimiter=U+{ord(self.array_delimiter):04X}",
            "--delimiter=,",
            "--quote=\"",
            "--ignore-empty-strings=false",
            "--strict=true",
            "--bad-tolerance=0",
            "--skip-bad-relationships=false",
            "--skip-duplicate-nodes=false",
            f"--max-off-heap-memory={max_off_heap_memory}",
        ]
        if self.multiline:
            args += ["--multiline-fields-format=v2", "--multiline-fields=" + ",".join(str(p) for p in self.multiline)]
        args += [f"--nodes={label}={path}" for label, path in self.nodes]
        args += [f"--relationships={kind}={path}" for kind, path in self.relationships]
        return args


def write_csv(
    directory: str | Path,
    papers: Sequence[Paper],
    derived: DerivedGraph,
    authorship: Authorship | None = None,
) -> BulkFiles:
    """Write ``papers`` and ``derived`` as importer CSV files into ``directory``.

    Parameters
    ----------
    directory : str or Path
        Created if missing; files of an earlier load there are overwritten.
    papers : sequence of Paper
        Every paper of the graph (ids unique).
    derived : DerivedGraph
        Keywords and derived edges, as :meth:`GraphStore.replace_derived` takes them.
    authorship : Authorship, optional
        Author and Venue nodes with their WROTE / PUBLISHED_IN relationships, as
        :meth:`~graph.stores.neo4j.Neo4jStore.replace_authorship` writes them
        (:func:`graph.authors.authorship` of ``papers``). Without it none are written.

    Returns
    -------
    BulkFiles

    Raises
    ------
    PaperNotFound, KeywordNotFound
        An edge names a paper or keyword that is not written (smallest name).
    InvalidParameter
        A text value cannot be written (a lone surrogate), as the Cypher path refuses it.
    """
    from graph.stores.neo4j_rows import KINDS as _KINDS

    missing = [kind for kind in _KINDS if kind not in REL_HEADERS]
    if missing:
        raise CitegraphError(f"the bulk loader has no CSV header for relationship kind(s) {missing}; "
                             "add them to graph.stores.neo4j_bulk.REL_HEADERS")
    t0 = time.perf_counter()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    ordered = sorted(papers, key=lambda p: p.id)
    paper_rows = [conv.paper_row(p) for p in ordered]
    index = {row["id"]: i for i, row in enumerate(paper_rows)}
    if len(index) != len(paper_rows):
        raise InvalidParameter("The papers of a bulk load must have unique ids.", name="papers")
    wanted_kw = {k.name: int(k.df) for k in derived.keywords}  # the last wins, as in replace_derived
    kw_index = {name: i for i, name in enumerate(wanted_kw)}
    _check_ends(derived, index, kw_index)
    delimiter = _array_delimiter(paper_rows, derived)
    files = _Files(out, delimiter)

    header = [":ID(Paper)", *(f"{name}:{kind}" if kind != "string" else name for name, kind in PAPER_COLUMNS)]
    columns = [list(range(len(paper_rows)))] + [[row[name] for row in paper_rows] for name, _ in PAPER_COLUMNS]
    files.node("Paper", "papers", header, ["long", *(kind for _, kind in PAPER_COLUMNS)], _table(columns))
    del columns
    files.node("Keyword", "keywords", [":ID(Keyword)", "name", "df:long"], ["long", "string", "long"],
               _table([list(range(len(wanted_kw))), list(wanted_kw), list(wanted_kw.values())]))
    files.node("CitegraphMeta", "meta", [":ID(Meta)", "key", "unresolved_references:long"],
               ["long", "string", "long"], _table([[0], ["derived"], [int(derived.unresolved_references)]]))

    # Reference nodes and REFERENCES edges (issue 23 item 1), as replace_derived writes them.
    wanted_refs = {r.id: r for r in derived.references}  # the last wins
    ref_index = {rid: i for i, rid in enumerate(wanted_refs)}
    refs = list(wanted_refs.values())
    files.node("Reference", "references", [":ID(Reference)", "id", "doi", "title", "year:long"],
               ["long", "string", "string", "string", "long"],
               _table([list(range(len(refs))), [r.id for r in refs], [r.doi for r in refs], [r.title for r in refs],
                       [r.year for r in refs]]))
    ref_rows = sorted({(index[e.source], ref_index[e.target]) for e in derived.references_edges})
    files.relationship("REFERENCES", [":START_ID(Paper)", ":END_ID(Reference)"], ["long", "long"],
                       _table([[a for a, _ in ref_rows], [b for _, b in ref_rows]]))

    empty: dict[tuple[str, str], list[Any]] = _empty_paper_lists(paper_rows)
    for kind in _KINDS:
        end_label, props = REL_HEADERS[kind]
        head = [":START_ID(Paper)", f":END_ID({end_label})", *(f"{name}:{typ}" for name, typ in props)]
        types = ["long", "long", *(typ for _, typ in props)]
        edges = getattr(derived, _ARRAY_KINDS[kind], None) if kind in _ARRAY_KINDS else None
        if isinstance(edges, EdgeArrays):
            table, empty_pairs = _array_table(edges, index)
            lists = {props[2][0]: empty_pairs}  # their one list: the evidence names
        else:
            rows = _ROWS[kind](derived, index, kw_index)
            table = _row_table(rows)
            lists = {name: [(row[0], row[1]) for row in rows if row[j] is not None and len(row[j]) == 0]
                     for j, (name, typ) in enumerate(props, start=2) if typ.endswith("[]")}
            del rows  # the table holds them until written
        for name, pairs in lists.items():
            if pairs:
                empty[(kind, name)] = _empty_pairs(kind, name, pairs, paper_rows)
        files.relationship(kind, head, types, table)
        del table

    if authorship is not None:
        _write_authorship(files, authorship, index)
    seconds = time.perf_counter() - t0
    log.info("bulk CSV: %s in %.1f s (%s)", ", ".join(f"{k} {v}" for k, v in files.counts.items()), seconds, out)
    return BulkFiles(directory=out, nodes=tuple(files.nodes), relationships=tuple(files.rels),
                     array_delimiter=delimiter, multiline=tuple(files.multiline), counts=files.counts,
                     seconds=seconds, empty_lists=empty)


def set_empty_lists(store, files: BulkFiles, *, batch_size: int = 5000) -> int:
    """Set the empty list properties the importer left out (see :data:`SET_EMPTY_LIST`)
    on the opened :class:`~graph.stores.neo4j.Neo4jStore` that imported ``files``."""
    total = 0
    for key, rows in files.empty_lists.items():
        total += store._write_batches(SET_EMPTY_LIST[key], rows, batch_size)
    return total


# -- helpers ------------------------------------------------------------------


def _empty_paper_lists(paper_rows: list[dict[str, Any]]) -> dict[tuple[str, str], list[Any]]:
    out: dict[tuple[str, str], list[Any]] = {}
    for name, typ in PAPER_COLUMNS:
        if typ.endswith("[]"):
            ids = [row["id"] for row in paper_rows if row[name] is not None and len(row[name]) == 0]
            if ids:
                out[("Paper", name)] = ids
    return out


def _empty_pairs(kind: str, name: str, pairs: Sequence[tuple[int, int]],
                 paper_rows: list[dict[str, Any]]) -> list[list[str]]:
    """The ``[start id, end id]`` rows of :data:`SET_EMPTY_LIST` for the edges
    (``pairs`` of paper rows) whose list ``name`` is empty: the importer drops it."""
    if (kind, name) not in SET_EMPTY_LIST or REL_HEADERS[kind][0] != "Paper":
        raise CitegraphError(f"the bulk loader cannot write an empty {kind}.{name} list; "
                             "add a statement to graph.stores.neo4j_bulk.SET_EMPTY_LIST")
    return [[paper_rows[a]["id"], paper_rows[b]["id"]] for a, b in pairs]


#: ``(rows, chunk)``: a file's rows as columns, ``chunk(lo, hi)`` giving rows ``lo:hi`` of each.
_Table = tuple[int, Callable[[int, int], list[Sequence[Any]]]]


def _table(columns: list[list[Any]]) -> _Table:
    return len(columns[0]), lambda lo, hi: [col[lo:hi] for col in columns]


def _row_table(rows: list[list[Any]]) -> _Table:
    """Rows as a table: each chunk is turned into columns when it is written."""
    return len(rows), lambda lo, hi: list(zip(*rows[lo:hi]))


def _array_table(edges: EdgeArrays, index: Mapping[str, int]) -> tuple[_Table, list[tuple[int, int]]]:
    """The columns ``start, end, count, strength, names`` of an :class:`EdgeArrays`
    kind (the rows :func:`graph.stores.neo4j_rows.biblio_row` / ``shares_row``
    make, de-duplicated as :func:`~graph.stores.neo4j_rows.unique` does), made a
    chunk at a time from the arrays, without an edge object; and the ``(start,
    end)`` rows of the edges with no evidence name."""
    from graph.stores.neo4j_rows import unique_order

    if not len(edges):
        return _table([[], [], [], [], []]), []
    rows = np.fromiter((index.get(name, -1) for name in edges.names), dtype=np.int64, count=len(edges.names))
    a, b = rows[edges.source], rows[edges.target]
    # _check_ends found every end; the smaller paper id (= row) starts the relationship.
    keep = unique_order(np.minimum(a, b), np.maximum(a, b))
    start, end = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    del rows, a, b
    count, strength = edges.count[keep], edges.strength[keep]
    first, last = edges.evidence_ptr[keep], edges.evidence_ptr[keep + 1]
    names, evidence = edges.names, edges.evidence

    def chunk(lo: int, hi: int) -> list[Sequence[Any]]:
        sizes = last[lo:hi] - first[lo:hi]
        cuts = np.concatenate(([0], np.cumsum(sizes)))
        at = np.repeat(first[lo:hi] - cuts[:-1], sizes) + np.arange(cuts[-1])
        named = [names[x] for x in evidence[at].tolist()]
        cut = cuts.tolist()
        return [start[lo:hi].tolist(), end[lo:hi].tolist(), count[lo:hi].tolist(), strength[lo:hi].tolist(),
                [named[cut[k]:cut[k + 1]] for k in range(hi - lo)]]

    none = np.flatnonzero(first == last)
    return (len(keep), chunk), list(zip(start[none].tolist(), end[none].tolist()))


def _write_authorship(files: "_Files", rows: Authorship, index: Mapping[str, int]) -> None:
    """Author and Venue nodes, WROTE and PUBLISHED_IN, as replace_authorship's MERGE/SET leave them."""
    from graph.authors import normalize_name

    authors = {a.id: a for a in rows.authors}  # the last wins
    venues = {v.id: v for v in rows.venues}
    a_index = {aid: i for i, aid in enumerate(authors)}
    v_index = {vid: i for i, vid in enumerate(venues)}
    unknown = sorted({p for _, p, _ in rows.wrote if p not in index} | {p for p, _ in rows.published_in if p not in index})
    if unknown:
        raise PaperNotFound(unknown[0])
    lost = sorted({a for a, _, _ in rows.wrote if a not in a_index} | {v for _, v in rows.published_in if v not in v_index})
    if lost:
        raise InvalidParameter(f"An authorship row names an author or venue that is not written: {lost[0]!r}.",
                               name="authorship")
    files.node("Author", "authors", [":ID(Author)", "id", "name", "orcid", "key"],
               ["long", "string", "string", "string", "string"],
               _table([list(range(len(authors))), list(authors), [a.name for a in authors.values()],
                       [a.orcid for a in authors.values()], [normalize_name(a.name) for a in authors.values()]]))
    files.node("Venue", "venues", [":ID(Venue)", "id", "name", "issn", "key"],
               ["long", "string", "string", "string", "string"],
               _table([list(range(len(venues))), list(venues), [v.name for v in venues.values()],
                       [v.issn for v in venues.values()], [normalize_name(v.name) for v in venues.values()]]))
    wrote = {(a_index[a], index[p]): int(pos) for a, p, pos in rows.wrote}  # MERGE, SET: the last wins
    files.relationship("WROTE", [":START_ID(Author)", ":END_ID(Paper)", "position:long"], ["long", "long", "long"],
                       _table([[a for a, _ in wrote], [p for _, p in wrote], list(wrote.values())]))
    published = sorted({(index[p], v_index[v]) for p, v in rows.published_in})
    files.relationship("PUBLISHED_IN", [":START_ID(Paper)", ":END_ID(Venue)"], ["long", "long"],
                       _table([[p for p, _ in published], [v for _, v in published]]))


def _check_ends(derived: DerivedGraph, papers: Mapping[str, int], keywords: Mapping[str, int]) -> None:
    """Refuse edges naming an unknown paper or keyword (as the Cypher path does)."""
    unknown = derived_paper_ids(derived) - papers.keys()
    if unknown:
        raise PaperNotFound(min(unknown))
    unknown_kw = {h.keyword for h in derived.has_keyword if h.keyword not in keywords}
    if unknown_kw:
        raise KeywordNotFound(min(unknown_kw))
    refs = {r.id for r in derived.references}
    unknown_refs = {e.target for e in derived.references_edges if e.target not in refs}
    if unknown_refs:
        raise InvalidParameter(f"A REFERENCES edge of a bulk load names a Reference node that is not written: "
                               f"{min(unknown_refs)!r}.", name="derived.references_edges")


def _array_delimiter(paper_rows: list[dict[str, Any]], derived: DerivedGraph) -> str:
    """The first of :data:`_DELIMITERS` that no list element contains (every name an
    :class:`EdgeArrays` kind holds counts, used or not)."""
    seen: set[str] = set()

    def scan(strings: Iterable[Any]) -> None:
        blob = "\x00".join(str(v) for v in strings)
        seen.update(c for c in _DELIMITERS if c in blob)

    scan(a for row in paper_rows for a in row["authors"])
    scan(r for row in paper_rows for r in row["references"])
    scan(t for e in derived.similar for t in e.terms)
    for attr in _ARRAY_KINDS.values():
        edges = getattr(derived, attr)
        if isinstance(edges, EdgeArrays):
            scan(edges.names)
        else:
            scan(x for e in edges for x in (e.keywords if attr == "shares_keywords" else
                                             e.shared if attr == "coupled" else e.citers))
    for candidate in _DELIMITERS:
        if candidate not in seen:
            return candidate
    raise InvalidParameter("Every array delimiter the bulk loader knows occurs in a list value; "
                           "load this corpus through Cypher (without --bulk).", name="bulk")


class _Files:
    """The files of one load as they are written: typed columns to CSV, in chunks."""

    def __init__(self, directory: Path, delimiter: str) -> None:
        self.directory = directory
        self.delimiter = delimiter
        self.nodes: list[tuple[str, Path]] = []
        self.rels: list[tuple[str, Path]] = []
        self.multiline: list[Path] = []
        self.counts: dict[str, int] = {}

    def node(self, label: str, name: str, header: list[str], types: list[str], table: _Table) -> None:
        path = self.directory / f"{name}.csv"
        self._write(path, header, types, table)
        self.nodes.append((label, path))
        self.counts[name] = table[0]

    def relationship(self, kind: str, header: list[str], types: list[str], table: _Table) -> None:
        path = self.directory / f"rel-{kind}.csv"
        self._write(path, header, types, table)
        self.rels.append((kind, path))
        self.counts[kind] = table[0]

    def _write(self, path: Path, header: list[str], types: list[str], table: _Table) -> None:
        n, chunk = table
        multiline = False
        with open(path, "w", encoding="utf-8", errors="strict", newline="") as fh:
            fh.write(",".join(header) + "\n")
            for lo in range(0, n, _CHUNK):
                hi = min(n, lo + _CHUNK)
                fields = [_FORMAT[typ](col, self.delimiter) for typ, col in zip(types, chunk(lo, hi))]
                body = "\n".join(map(",".join, zip(*fields)))
                # A row's text holds a line break when the chunk has more of them than rows.
                if body.count("\n") != hi - lo - 1 or "\r" in body:
                    multiline = True
                try:
                    fh.write(body + "\n")
                except UnicodeEncodeError:
                    raise InvalidParameter(f"A text value of {path.name} cannot be written: it is not valid "
                                           "Unicode (it holds a lone surrogate).", name="papers") from None
        if multiline:
            self.multiline.append(path)


#: Rows formatted at a time (bounds the transient strings).
_CHUNK = 50_000


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _longs(values: Sequence[Any], _delimiter: str) -> list[str]:
    if None not in values:  # ints (node rows, counts) already
        return list(map(str, map(int, values)))
    return ["" if v is None else str(int(v)) for v in values]


def _doubles(values: Sequence[Any], _delimiter: str) -> list[str]:
    if all(v is not None and math.isfinite(v) for v in values):
        return list(map(repr, map(float, values)))
    return ["" if v is None else repr(float(v)) if math.isfinite(v) else
            "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity") for v in values]


def _strings(values: Sequence[Any], _delimiter: str) -> list[str]:
    return ["" if v is None else _quote(v) for v in values]


def _lists(values: Sequence[Any], delimiter: str) -> list[str]:
    return ["" if v is None else _quote(delimiter.join(map(str, v))) for v in values]


#: How a column of each importer type is written: a missing value is an empty
#: unquoted field (no property), text is always quoted, floats by ``repr``.
_FORMAT: dict[str, Callable[[Sequence[Any], str], list[str]]] = {
    "long": _longs,
    "double": _doubles,
    "string": _strings,
    "string[]": _lists,
}
