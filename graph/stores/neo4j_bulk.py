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
from typing import Any, Callable, Iterable, Mapping, Sequence

from graph.errors import CitegraphError, InvalidParameter, KeywordNotFound, PaperNotFound
from graph.models import DerivedGraph, Paper
from graph.stores import neo4j_rows as conv

__all__ = [
    "Importer",
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
    from graph.stores.neo4j_rows import KINDS as _KINDS, ROWS as _ROWS

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
    rows = {kind: _ROWS[kind](derived, index, kw_index) for kind in _KINDS}
    delimiter = _array_delimiter(paper_rows, rows)

    nodes: list[tuple[str, Path]] = []
    rels: list[tuple[str, Path]] = []
    multiline: list[Path] = []
    counts: dict[str, int] = {}

    header = [":ID(Paper)", *(f"{name}:{kind}" if kind != "string" else name for name, kind in PAPER_COLUMNS)]
    path = out / "papers.csv"
    if _write(path, header, ([i, *(row[name] for name, _ in PAPER_COLUMNS)] for i, row in enumerate(paper_rows)),
              delimiter):
        multiline.append(path)
    nodes.append(("Paper", path))
    counts["papers"] = len(paper_rows)

    path = out / "keywords.csv"
    if _write(path, [":ID(Keyword)", "name", "df:long"],
              ([i, name, df] for i, (name, df) in enumerate(wanted_kw.items())), delimiter):
        multiline.append(path)
    nodes.append(("Keyword", path))
    counts["keywords"] = len(wanted_kw)

    path = out / "meta.csv"
    _write(path, [":ID(Meta)", "key", "unresolved_references:long"],
           [[0, "derived", int(derived.unresolved_references)]], delimiter)
    nodes.append(("CitegraphMeta", path))

    # Reference nodes and REFERENCES edges (issue 23 item 1), as replace_derived writes them.
    wanted_refs = {r.id: r for r in derived.references}  # the last wins
    ref_index = {rid: i for i, rid in enumerate(wanted_refs)}
    path = out / "references.csv"
    if _write(path, [":ID(Reference)", "id", "doi", "title", "year:long"],
              ([i, r.id, r.doi, r.title, r.year] for i, r in enumerate(wanted_refs.values())), delimiter):
        multiline.append(path)
    nodes.append(("Reference", path))
    counts["references"] = len(wanted_refs)
    ref_rows = sorted({(index[e.source], ref_index[e.target]) for e in derived.references_edges})
    path = out / "rel-REFERENCES.csv"
    _write(path, [":START_ID(Paper)", ":END_ID(Reference)"], (list(row) for row in ref_rows), delimiter)
    rels.append(("REFERENCES", path))
    counts["REFERENCES"] = len(ref_rows)

    for kind in _KINDS:
        end_label, props = REL_HEADERS[kind]
        path = out / f"rel-{kind}.csv"
        head = [":START_ID(Paper)", f":END_ID({end_label})", *(f"{name}:{typ}" for name, typ in props)]
        if _write(path, head, rows[kind], delimiter):
            multiline.append(path)
        rels.append((kind, path))
        counts[kind] = len(rows[kind])
    empty = _empty_lists(paper_rows, rows)
    seconds = time.perf_counter() - t0
    log.info("bulk CSV: %s in %.1f s (%s)", ", ".join(f"{k} {v}" for k, v in counts.items()), seconds, out)
    return BulkFiles(directory=out, nodes=tuple(nodes), relationships=tuple(rels), array_delimiter=delimiter,
                     multiline=tuple(multiline), counts=counts, seconds=seconds, empty_lists=empty)


def set_empty_lists(store, files: BulkFiles, *, batch_size: int = 5000) -> int:
    """Set the empty list properties the importer left out (see :data:`SET_EMPTY_LIST`)
    on the opened :class:`~graph.stores.neo4j.Neo4jStore` that imported ``files``."""
    total = 0
    for key, rows in files.empty_lists.items():
        total += store._write_batches(SET_EMPTY_LIST[key], rows, batch_size)
    return total


# -- helpers ------------------------------------------------------------------


def _empty_lists(paper_rows: list[dict[str, Any]], rows: Mapping[str, list[list[Any]]]) -> dict[tuple[str, str], list[Any]]:
    out: dict[tuple[str, str], list[Any]] = {}
    for name, typ in PAPER_COLUMNS:
        if typ.endswith("[]"):
            ids = [row["id"] for row in paper_rows if row[name] is not None and len(row[name]) == 0]
            if ids:
                out[("Paper", name)] = ids
    for kind, kind_rows in rows.items():
        end_label, props = REL_HEADERS[kind]
        for j, (name, typ) in enumerate(props, start=2):
            if not typ.endswith("[]"):
                continue
            pairs = [row[:2] for row in kind_rows if row[j] is not None and len(row[j]) == 0]
            if not pairs:
                continue
            if (kind, name) not in SET_EMPTY_LIST or end_label != "Paper":
                raise CitegraphError(f"the bulk loader cannot write an empty {kind}.{name} list; "
                                     "add a statement to graph.stores.neo4j_bulk.SET_EMPTY_LIST")
            out[(kind, name)] = [[paper_rows[a]["id"], paper_rows[b]["id"]] for a, b in pairs]
    return out


def _check_ends(derived: DerivedGraph, papers: Mapping[str, int], keywords: Mapping[str, int]) -> None:
    """Refuse edges naming an unknown paper or keyword (as the Cypher path does)."""
    unknown = {e.source for e in derived.similar if e.source not in papers}
    unknown |= {e.target for e in derived.similar if e.target not in papers}
    for edges in (derived.shares_keywords, derived.cites):
        unknown |= {e.source for e in edges if e.source not in papers}
        unknown |= {e.target for e in edges if e.target not in papers}
    unknown |= {h.paper_id for h in derived.has_keyword if h.paper_id not in papers}
    unknown |= {e.source for e in derived.references_edges if e.source not in papers}
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


def _array_delimiter(paper_rows: list[dict[str, Any]], rows: Mapping[str, list[list[Any]]]) -> str:
    """The first of :data:`_DELIMITERS` that no list element contains."""
    seen: set[str] = set()

    def chars(values: Iterable[Any]) -> None:
        for value in values:
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, str):
                        seen.update(c for c in _DELIMITERS if c in item)

    for row in paper_rows:
        chars((row["authors"], row["references"]))
    for kind_rows in rows.values():
        for row in kind_rows:
            chars(row[2:])
        if len(seen) == len(_DELIMITERS):
            break
    for candidate in _DELIMITERS:
        if candidate not in seen:
            return candidate
    raise InvalidParameter("Every array delimiter the bulk loader knows occurs in a list value; "
                           "load this corpus through Cypher (without --bulk).", name="bulk")


def _write(path: Path, header: list[str], rows: Iterable[list[Any]], delimiter: str) -> bool:
    """Write one CSV file; True when a value holds a line break."""
    multiline = False
    with open(path, "w", encoding="utf-8", errors="strict", newline="") as fh:
        fh.write(",".join(header) + "\n")
        buf: list[str] = []
        for row in rows:
            line = ",".join([_field(v, delimiter) for v in row])
            if "\n" in line or "\r" in line:
                multiline = True
            buf.append(line)
            if len(buf) >= 10_000:
                _flush(fh, buf, path)
        _flush(fh, buf, path)
    return multiline


def _flush(fh, buf: list[str], path: Path) -> None:
    try:
        fh.write("\n".join(buf) + "\n" if buf else "")
    except UnicodeEncodeError:
        raise InvalidParameter(f"A text value of {path.name} cannot be written: it is not valid Unicode "
                               "(it holds a lone surrogate).", name="papers") from None
    buf.clear()


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _field(value: Any, delimiter: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (list, tuple)):
        return _quote(delimiter.join(str(v) for v in value))
    raise TypeError(f"no CSV form for {type(value).__name__}")
