"""The read-only guard and the value conversion of the Neo4j store's Cypher endpoint.

Pure functions, no driver calls: :func:`refusal_reason` looks at the query text
and at the ``EXPLAIN`` summary the store fetched; :func:`to_json` turns driver
values (nodes, relationships, paths, temporal and spatial values) into plain
JSON-friendly Python.

The guard is defence in depth. The query also runs in a READ transaction, so
Neo4j itself refuses writes; the checks here refuse earlier and with a clearer
reason, and catch what a read transaction allows but a public endpoint should
not (admin procedures, ``LOAD CSV``, ``SHOW SETTINGS``, ``USE`` of another
database).
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any, Iterable, Mapping

from neo4j.graph import Node, Path, Relationship
from neo4j.spatial import Point
from neo4j.time import Date, DateTime, Duration, Time

__all__ = [
    "ALLOWED_PROCEDURES",
    "READ_OPERATORS",
    "MAX_QUERY_CHARS",
    "MAX_NESTING",
    "MAX_TOKENS",
    "strip_literals",
    "size_refusal",
    "text_refusal",
    "plan_refusal",
    "plan_operators",
    "to_json",
]

#: Longest query text sent to Neo4j (characters). Checked before Neo4j sees it.
MAX_QUERY_CHARS = 20_000
#: Deepest nesting of ``()``, ``[]`` and ``{}`` outside strings and comments.
#: Neo4j 5.26's parser overflows its stack around 300 levels and never answers;
#: real queries (the cookbook's deepest is 6) stay far below.
MAX_NESTING = 40
#: Most words, numbers and symbols outside strings and comments. A long chain
#: of operators (``1+1+...``) costs the parser time out of proportion.
MAX_TOKENS = 1000

#: Read-only procedures a power user may CALL (lower case). Everything else is refused.
ALLOWED_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
        "db.index.fulltext.querynodes",
        "db.index.fulltext.queryrelationships",
        "db.schema.visualization",
        "db.schema.nodetypeproperties",
        "db.schema.reltypeproperties",
    }
)

#: Plan operators of reading the graph (Neo4j 5 names, without the ``@db`` suffix
#: and the ``(All)``/``(Into)`` mode). A plan with any other operator is refused:
#: writes, schema and admin commands (``ShowSettings``, ``ShowTransactions``,
#: ``TerminateTransactions`` ... which Neo4j reports as *read* queries), ``LoadCSV``,
#: ``TransactionApply`` (``IN TRANSACTIONS``), and whatever a later Neo4j adds.
#: ``ProcedureCall`` is allowed only for :data:`ALLOWED_PROCEDURES`.
READ_OPERATORS = frozenset(
    {
        # leaves: scans and seeks
        "AllNodesScan", "NodeByLabelScan", "UnionNodeByLabelsScan", "IntersectionNodeByLabelsScan",
        "SubtractionNodeByLabelsScan", "NodeByIdSeek", "NodeByElementIdSeek", "NodeIndexSeek",
        "NodeUniqueIndexSeek", "MultiNodeIndexSeek", "AssertingMultiNodeIndexSeek", "NodeIndexSeekByRange",
        "NodeUniqueIndexSeekByRange", "NodeIndexContainsScan", "NodeIndexEndsWithScan", "NodeIndexScan",
        "DirectedRelationshipIndexSeek", "UndirectedRelationshipIndexSeek",
        "DirectedRelationshipUniqueIndexSeek", "UndirectedRelationshipUniqueIndexSeek",
        "DirectedRelationshipIndexSeekByRange", "UndirectedRelationshipIndexSeekByRange",
        "DirectedRelationshipUniqueIndexSeekByRange", "UndirectedRelationshipUniqueIndexSeekByRange",
        "DirectedRelationshipIndexScan", "UndirectedRelationshipIndexScan",
        "DirectedRelationshipIndexContainsScan", "UndirectedRelationshipIndexContainsScan",
        "DirectedRelationshipIndexEndsWithScan", "UndirectedRelationshipIndexEndsWithScan",
        "DirectedRelationshipByIdSeek", "UndirectedRelationshipByIdSeek",
        "DirectedRelationshipByElementIdSeek", "UndirectedRelationshipByElementIdSeek",
        "DirectedAllRelationshipsScan", "UndirectedAllRelationshipsScan",
        "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan",
        "DirectedUnionRelationshipTypesScan", "UndirectedUnionRelationshipTypesScan",
        "NodeCountFromCountStore", "RelationshipCountFromCountStore", "Argument", "ArgumentTracker",
        # expanding and path finding
        "Expand", "OptionalExpand", "VarLengthExpand", "PruningVarLengthExpand", "BFSPruningVarLengthExpand",
        "ShortestPath", "StatefulShortestPath", "ProjectEndpoints", "Trail", "Repeat",
        "TriadicSelection", "TriadicBuild", "TriadicFilter",
        # joins, subqueries, optional
        "Apply", "SemiApply", "AntiSemiApply", "LetSemiApply", "LetAntiSemiApply", "SelectOrSemiApply",
        "SelectOrAntiSemiApply", "LetSelectOrSemiApply", "LetSelectOrAntiSemiApply", "RollUpApply",
        "ConditionalApply", "AntiConditionalApply", "Optional", "Anti", "CartesianProduct",
        "NodeHashJoin", "ValueHashJoin", "NodeLeftOuterHashJoin", "NodeRightOuterHashJoin",
        "AssertSameNode", "AssertSameRelationship", "Union", "OrderedUnion",
        # filters, projections, aggregation, order, paging
        "Filter", "Projection", "CacheProperties", "Distinct", "OrderedDistinct", "EagerAggregation",
        "OrderedAggregation", "Sort", "PartialSort", "Top", "PartialTop", "Limit", "ExhaustiveLimit",
        "Skip", "Unwind", "Eager", "EmptyResult", "ProduceResults", "ProcedureCall",
    }
)

# One pass, left to right: whichever of a backtick identifier, a string or a
# comment starts first wins, so a quote inside `x"` is not a string start and a
# // inside a string is not a comment.
_LEXEME = re.compile(
    r"""`(?:[^`]|``)*`?|'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|//[^\n]*|/\*.*?(?:\*/|\Z)""", re.DOTALL
)
_FORBIDDEN_TEXT = (
    (re.compile(r"\bLOAD\s+CSV\b", re.IGNORECASE), "LOAD CSV reads files and URLs"),
    (re.compile(r"\bPERIODIC\s+COMMIT\b", re.IGNORECASE), "USING PERIODIC COMMIT writes in batches"),
    (
        re.compile(r"\bTRANSACTIONS?\b", re.IGNORECASE),
        "CALL { ... } IN TRANSACTIONS and SHOW/TERMINATE TRANSACTION(S) are not allowed",
    ),
    (re.compile(r"(?<![.\w$])USE\s+[\w`]", re.IGNORECASE), "USE may not switch to another database"),
    (re.compile(r"(?<![.\w$])(SHOW|TERMINATE)\b", re.IGNORECASE), "SHOW and TERMINATE commands are not allowed"),
    (re.compile(r"(?<![.\w$])PROFILE\b", re.IGNORECASE), "PROFILE is not allowed"),
    (
        re.compile(
            r"^\s*(?:CYPHER\b[^\n]*?\s)?\s*(SHOW|TERMINATE|CREATE|DROP|ALTER|GRANT|DENY|REVOKE|START|STOP|"
            r"ENABLE|RENAME|DEALLOCATE|REALLOCATE)\b",
            re.IGNORECASE,
        ),
        "administration and schema commands are not allowed",
    ),
)
_TOKEN = re.compile(r"\w+|[^\w\s]")
_CALL = re.compile(r"\bCALL\s+([A-Za-z_][\w.]*)", re.IGNORECASE)
_UNICODE_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")


def strip_literals(query: str) -> str:
    """The query with string literals and comments blanked and backtick
    identifiers replaced by their letters (other characters become ``_``).

    What remains is what the keyword checks look at, so a title such as
    ``'load csv'`` inside a string is not mistaken for a clause, and a quote
    inside a backtick identifier is not taken for the start of a string.

    >>> strip_literals("MATCH (p) WHERE p.title = 'LOAD CSV' // note")
    "MATCH (p) WHERE p.title = ''  "
    >>> strip_literals('WITH 1 AS `x"` LOAD CSV FROM "u" AS l RETURN l //"')
    "WITH 1 AS x_ LOAD CSV FROM '' AS l RETURN l  "
    """

    def blank(m: re.Match[str]) -> str:
        text = m.group(0)
        if text[0] == "`":
            inner = text[1:-1] if len(text) > 1 and text.endswith("`") else text[1:]
            return re.sub(r"\W", "_", inner) or "_"
        return "''" if text[0] in "'\"" else " "

    return _LEXEME.sub(blank, query)


def nesting_depth(text: str) -> int:
    """Deepest nesting in ``text`` (literals already stripped): brackets,
    ``CASE ... END`` and runs of ``NOT`` each add a level.

    >>> nesting_depth("RETURN [x IN (1) | CASE WHEN NOT NOT x THEN {a: 1} END]")
    4
    """
    depth = case = nots = deepest = 0
    for token in _TOKEN.findall(text):
        upper = token.upper()
        if upper == "NOT":
            nots += 1
        else:
            nots = 0
            if token in "([{":
                depth += 1
            elif token in ")]}":
                depth = max(depth - 1, 0)
            elif upper == "CASE":
                case += 1
            elif upper == "END" and case:
                case -= 1
        deepest = max(deepest, depth + case + nots)
    return deepest


def size_refusal(
    query: str, *, max_chars: int = MAX_QUERY_CHARS, max_nesting: int = MAX_NESTING, max_tokens: int = MAX_TOKENS
) -> str | None:
    """Why the query is too big for Neo4j's parser, or None (checked first, cheaply).

    Neo4j 5.26 parses recursively: ~300 nested brackets, ``NOT`` or ``CASE``
    overflow its stack and the query never answers; a chain of 2,000 ``+`` takes
    it seconds to minutes.
    """
    if len(query) > max_chars:
        return f"the query is {len(query)} characters long, more than the limit of {max_chars}"
    text = strip_literals(query)
    tokens = len(_TOKEN.findall(text))
    if tokens > max_tokens:
        return f"the query has {tokens} tokens, more than the limit of {max_tokens}"
    depth = nesting_depth(text)
    if depth > max_nesting:
        return f"the query nests {depth} deep (brackets, CASE, NOT), more than the limit of {max_nesting}"
    return None


def text_refusal(query: str) -> str | None:
    """Why the query text is refused, or None. A cheap first filter only (the
    plan check decides): conservative, may refuse a few harmless queries (e.g.
    a variable named ``use`` or ``show``), never lets a listed one by."""
    text = strip_literals(query)
    if _UNICODE_ESCAPE.search(text):
        return "unicode escapes outside string literals are not allowed"
    for pattern, reason in _FORBIDDEN_TEXT:
        if pattern.search(text):
            return reason
    for name in _CALL.findall(text):
        if name.lower() not in ALLOWED_PROCEDURES:
            return f"procedure {name} is not on the read-only allow list"
    return None


def plan_operators(plan: Mapping[str, Any] | None) -> list[str]:
    """The operator names of an ``EXPLAIN`` plan, depth first, normalised
    (``Expand(All)@neo4j`` -> ``Expand``)."""
    out = []
    stack = [plan] if plan else []
    while stack:
        op = stack.pop()
        out.append(_operator_name(op))
        stack.extend(op.get("children") or ())
    return out


def _operator_name(op: Mapping[str, Any]) -> str:
    name = str(op.get("operatorType", "") or "")
    name = name.split("@", 1)[0]
    return name.split("(", 1)[0].strip()


def plan_refusal(query_type: str | None, plan: Mapping[str, Any] | None) -> str | None:
    """Why the ``EXPLAIN`` summary is refused, or None.

    An allow list: ``query_type`` must be ``'r'`` (read only), the plan must be
    there, every operator must be one of :data:`READ_OPERATORS`, and every
    procedure the plan calls must be on :data:`ALLOWED_PROCEDURES`.
    """
    if query_type != "r":
        kinds = {"w": "writes", "rw": "reads and writes", "s": "changes the schema"}
        return f"the query {kinds.get(query_type or '', 'is not read-only')} (only read queries are allowed)"
    if not plan:
        return "Neo4j gave no plan for it (only planned read queries are allowed)"
    for name in plan_operators(plan):
        if name not in READ_OPERATORS:
            return f"its plan uses the operator {name or 'unknown'}, which is not on the read-only allow list"
    for name in _plan_procedures(plan):
        if name.lower() not in ALLOWED_PROCEDURES:
            return f"procedure {name} is not on the read-only allow list"
    return None


def _plan_procedures(plan: Mapping[str, Any] | None) -> Iterable[str]:
    stack = [plan] if plan else []
    while stack:
        op = stack.pop()
        if _operator_name(op) == "ProcedureCall":
            details = str((op.get("args") or {}).get("Details", ""))
            match = re.match(r"\s*([\w.`]+)", details)
            yield match.group(1).replace("`", "") if match else details or "unknown"
        stack.extend(op.get("children") or ())


def to_json(value: Any) -> Any:
    """A driver value as JSON-friendly Python.

    Nodes become ``{"element_id", "labels", "properties"}``, relationships
    ``{"element_id", "type", "start", "end", "properties"}`` (``start``/``end``
    are node element ids), paths the list of their nodes and relationships in
    order, temporal values ISO strings, points ``{"srid", "coordinates"}``, bytes
    base64, non-finite floats the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Node):
        return {
            "element_id": value.element_id,
            "labels": sorted(value.labels),
            "properties": {k: to_json(v) for k, v in sorted(value.items())},
        }
    if isinstance(value, Relationship):
        return {
            "element_id": value.element_id,
            "type": value.type,
            "start": value.start_node.element_id if value.start_node is not None else None,
            "end": value.end_node.element_id if value.end_node is not None else None,
            "properties": {k: to_json(v) for k, v in sorted(value.items())},
        }
    if isinstance(value, Path):
        nodes, rels = value.nodes, value.relationships
        out: list[Any] = [to_json(nodes[0])]
        for rel, node in zip(rels, nodes[1:]):
            out.append(to_json(rel))
            out.append(to_json(node))
        return out
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (Date, DateTime, Time)):
        return value.iso_format()
    if isinstance(value, Duration):
        return value.iso_format()
    if isinstance(value, Point):
        return {"srid": value.srid, "coordinates": [to_json(c) for c in value]}
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)
