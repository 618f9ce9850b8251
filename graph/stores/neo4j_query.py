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

__all__ = ["ALLOWED_PROCEDURES", "strip_literals", "text_refusal", "plan_refusal", "to_json"]

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

_STRING_OR_COMMENT = re.compile(
    r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/""", re.DOTALL
)
_FORBIDDEN_TEXT = (
    (re.compile(r"\bLOAD\s+CSV\b", re.IGNORECASE), "LOAD CSV reads files and URLs"),
    (re.compile(r"\bPERIODIC\s+COMMIT\b", re.IGNORECASE), "USING PERIODIC COMMIT writes in batches"),
    (
        re.compile(r"\bTRANSACTIONS\b", re.IGNORECASE),
        "CALL { ... } IN TRANSACTIONS and SHOW/TERMINATE TRANSACTIONS are not allowed",
    ),
    (re.compile(r"(?<![.\w$])USE\s+[\w`]", re.IGNORECASE), "USE may not switch to another database"),
    (
        re.compile(
            r"^\s*(SHOW|TERMINATE|CREATE|DROP|ALTER|GRANT|DENY|REVOKE|START|STOP|ENABLE|RENAME)\b",
            re.IGNORECASE,
        ),
        "administration and schema commands are not allowed",
    ),
)
_CALL = re.compile(r"\bCALL\s+([A-Za-z_][\w.]*)", re.IGNORECASE)


def strip_literals(query: str) -> str:
    """The query with string literals and comments blanked and backticks removed.

    What remains is what the keyword checks look at, so a title such as
    ``'load csv'`` inside a string is not mistaken for a clause.

    >>> strip_literals("MATCH (p) WHERE p.title = 'LOAD CSV' // note")
    "MATCH (p) WHERE p.title = ''  "
    """
    return _STRING_OR_COMMENT.sub(lambda m: "''" if m.group(0)[0] in "'\"" else " ", query).replace("`", "")


def text_refusal(query: str) -> str | None:
    """Why the query text is refused, or None. Conservative: may refuse a few
    harmless queries (e.g. a variable named ``use``), never lets a listed one by."""
    text = strip_literals(query)
    for pattern, reason in _FORBIDDEN_TEXT:
        if pattern.search(text):
            return reason
    for name in _CALL.findall(text):
        if name.lower() not in ALLOWED_PROCEDURES:
            return f"procedure {name} is not on the read-only allow list"
    return None


def plan_refusal(query_type: str | None, plan: Mapping[str, Any] | None) -> str | None:
    """Why the ``EXPLAIN`` summary is refused, or None.

    ``query_type`` must be ``'r'`` (read only); every procedure the plan calls
    must be on :data:`ALLOWED_PROCEDURES`.
    """
    if query_type != "r":
        kinds = {"w": "writes", "rw": "reads and writes", "s": "changes the schema"}
        return f"the query {kinds.get(query_type or '', 'is not read-only')} (only read queries are allowed)"
    for name in _plan_procedures(plan):
        if name.lower() not in ALLOWED_PROCEDURES:
            return f"procedure {name} is not on the read-only allow list"
    return None


def _plan_procedures(plan: Mapping[str, Any] | None) -> Iterable[str]:
    stack = [plan] if plan else []
    while stack:
        op = stack.pop()
        if str(op.get("operatorType", "")).startswith("ProcedureCall"):
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
