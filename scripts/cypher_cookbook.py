#!/usr/bin/env python3
"""Run every query of docs/cypher-cookbook.md and write its output on the sample into the doc.

The cookbook holds, per recipe, a ```cypher block, optional parameters on a line
``Parameters: `{...}` `` above it, and its output between ``<!-- output -->`` and
``<!-- /output -->``. tests/test_cypher_cookbook.py runs every query against a real
Neo4j holding the sample; this script refreshes the outputs after a change:

    citegraph demo --store neo4j --no-serve        # the sample into the local Neo4j
    CITEGRAPH_STORE=neo4j NEO4J_URI=... NEO4J_PASSWORD=... \\
        .venv/bin/python scripts/cypher_cookbook.py [--check]

``--check`` exits 1 when a documented output differs from the live one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COOKBOOK = ROOT / "docs" / "cypher-cookbook.md"

_RECIPE = re.compile(
    r"^### (?P<title>.+?)\n(?P<body>.*?)(?=^### |\Z)", re.MULTILINE | re.DOTALL)
_CYPHER = re.compile(r"```cypher\n(?P<query>.*?)```", re.DOTALL)
_PARAMS = re.compile(r"^Parameters: `(?P<json>\{.*\})`\s*$", re.MULTILINE)
_OUTPUT = re.compile(r"(<!-- output -->\n)(?P<table>.*?)(<!-- /output -->)", re.DOTALL)
MAX_ROWS_SHOWN = 10
MAX_CELL = 70


@dataclass(frozen=True)
class Recipe:
    title: str
    query: str
    parameters: dict[str, Any] = field(default_factory=dict)
    empty_on_sample: bool = False
    columns: tuple[str, ...] = ()


def parse(text: str) -> list[Recipe]:
    """Every recipe of the cookbook, in order."""
    recipes = []
    for m in _RECIPE.finditer(text):
        body = m.group("body")
        cypher = _CYPHER.search(body)
        if cypher is None:
            continue
        params = _PARAMS.search(body)
        output = _OUTPUT.search(body)
        header = output.group("table").strip().splitlines()[0] if output and output.group("table").strip() else ""
        columns = tuple(c.strip().strip("`") for c in header.strip("|").split("|")) if header.startswith("|") else ()
        recipes.append(Recipe(
            title=m.group("title").strip(), query=cypher.group("query").strip(),
            parameters=json.loads(params.group("json")) if params else {},
            empty_on_sample="<!-- empty-on-sample -->" in body, columns=columns))
    return recipes


def _cell(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False)
    elif value is None:
        text = "null"
    else:
        text = str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def table(columns: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table of the first rows (the header even when there are none)."""
    lines = ["| " + " | ".join(f"`{c}`" for c in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:MAX_ROWS_SHOWN]:
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    if len(rows) > MAX_ROWS_SHOWN:
        lines.append(f"\n({len(rows)} rows; the first {MAX_ROWS_SHOWN} shown)")
    if not rows:
        lines.append("\n(no rows on the sample)")
    return "\n".join(lines) + "\n"


def run_all(store, text: str) -> str:
    """The cookbook with every output block replaced by the live output."""
    out = []
    pos = 0
    for m in _RECIPE.finditer(text):
        body = m.group("body")
        recipes = parse(m.group(0))
        if not recipes:
            continue
        recipe = recipes[0]
        result = store.cypher(recipe.query, recipe.parameters, timeout=30.0, max_rows=1000)
        rendered = table(list(result.columns), [list(r) for r in result.rows])
        new_body, n = _OUTPUT.subn(lambda o: o.group(1) + rendered + o.group(3), body, count=1)
        if n == 0:
            raise SystemExit(f"recipe {recipe.title!r} has no <!-- output --> block")
        out.append(text[pos:m.start("body")] + new_body)
        pos = m.end("body")
    out.append(text[pos:])
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a documented output is stale")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from graph.config import Settings
    from graph.stores import create_store

    store = create_store(Settings())
    store.open()
    try:
        text = COOKBOOK.read_text(encoding="utf-8")
        new = run_all(store, text)
    finally:
        store.close()
    if args.check:
        if new != text:
            print("docs/cypher-cookbook.md: outputs differ from the live store; run without --check", file=sys.stderr)
            return 1
        print("docs/cypher-cookbook.md: outputs up to date")
        return 0
    COOKBOOK.write_text(new, encoding="utf-8")
    print(f"wrote {len(parse(new))} recipe outputs to {COOKBOOK}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
