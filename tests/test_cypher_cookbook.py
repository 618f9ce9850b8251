"""docs/cypher-cookbook.md never rots: every recipe runs against a real Neo4j.

The sample is loaded as ``citegraph demo --store neo4j`` loads it; each query runs
through the store's read-only Cypher path (what ``citegraph query`` and ``POST /cypher``
use) and must return the documented columns, and rows unless the recipe is marked
empty on the sample (citations and years, which the sample's listings lack): those
run again on the hand-made graph of api_support, which has both.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from graph.jobs import build_and_analyze, ingest
from tests.conftest import ROOT, SEEDS
from tests.api_support import B, load_tiny_graph

pytestmark = pytest.mark.neo4j


def _cookbook():
    spec = importlib.util.spec_from_file_location("cypher_cookbook", ROOT / "scripts" / "cypher_cookbook.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


COOKBOOK = _cookbook()
RECIPES = COOKBOOK.parse(COOKBOOK.COOKBOOK.read_text(encoding="utf-8"))


def test_the_cookbook_has_a_dozen_recipes_with_outputs():
    assert len(RECIPES) >= 12
    assert all(r.columns for r in RECIPES), [r.title for r in RECIPES if not r.columns]


def test_every_recipe_runs_on_the_sample(neo4j_store):
    ingest(neo4j_store, sorted(SEEDS.glob("*.txt")))
    build_and_analyze(neo4j_store, None, None)
    for recipe in RECIPES:
        result = neo4j_store.cypher(recipe.query, recipe.parameters, timeout=30.0, max_rows=1000)
        assert tuple(result.columns) == recipe.columns, recipe.title
        assert bool(result.rows) != recipe.empty_on_sample, recipe.title


def test_citation_recipes_return_rows_where_there_are_citations(neo4j_store):
    load_tiny_graph(neo4j_store)
    empty_on_sample = [r for r in RECIPES if r.empty_on_sample]
    assert empty_on_sample
    found = {}
    for recipe in empty_on_sample:
        params = {**recipe.parameters, **({"id": B} if "id" in recipe.parameters else {})}
        result = neo4j_store.cypher(recipe.query, params, timeout=30.0, max_rows=1000)
        found[recipe.title] = len(result.rows)
    cites = {t: n for t, n in found.items() if "cit" in t.lower()}
    assert cites and all(n > 0 for n in cites.values()), found


def test_coauthorship_recipe_returns_the_pairs_of_a_graph_with_authors(neo4j_store):
    from graph.authors import authorship
    from tests.test_authors import PAPERS

    neo4j_store.upsert_papers(PAPERS)
    neo4j_store.replace_authorship(authorship(PAPERS))
    recipe = next(r for r in RECIPES if r.title.lower().startswith("16. co-authors"))
    result = neo4j_store.cypher(recipe.query, recipe.parameters, timeout=30.0, max_rows=1000)
    pairs = [tuple(row[:3]) for row in result.rows]
    # p1: Lovelace (ORCID) + Babbage; p2: Somerville + lovelace (no ORCID: another node); p3: Babbage + Somerville.
    # Each pair once, ordered by author id (name:... before orcid:...).
    assert sorted(pairs) == sorted([("Charles Babbage", "Ada Lovelace", 1), ("Charles Babbage", "Mary Somerville", 1),
                                    ("ada lovelace", "Mary Somerville", 1)])


def test_coupling_recipes_return_rows_on_a_graph_with_references(neo4j_store):
    # Issue 23: the COUPLED / CO_CITED recipes, on the tiny citation graph of
    # test_store_contract_coupling (a and b cite x and y; c cites y and z; x cites y).
    from graph.edges import BuildParams
    from graph.models import Paper
    from graph.jobs import build
    from tests.test_store_contract_coupling import PAPERS

    # a and b also share their words, so that SIMILAR_TO joins a coupled pair.
    text = {"a": "Black hole entropy from string dualities", "b": "String dualities and black hole entropy"}
    neo4j_store.upsert_papers([Paper(p.id, text.get(p.id, p.title), p.abstract, references=p.references)
                               for p in PAPERS])
    build(neo4j_store, BuildParams())
    recipes = [r for r in RECIPES if "COUPLED" in r.query or "CO_CITED" in r.query]
    assert len(recipes) >= 3
    for recipe in recipes:
        params = {**recipe.parameters, **({"id": "a"} if "id" in recipe.parameters else {})}
        result = neo4j_store.cypher(recipe.query, params, timeout=30.0, max_rows=1000)
        assert tuple(result.columns) == recipe.columns, recipe.title
        assert result.rows, recipe.title


def test_the_unloaded_works_recipe_counts_reference_nodes(neo4j_store):
    """Recipe 20 on a graph with Reference nodes (issue 23 item 1): the DOI two papers
    cite first, then the works one paper cites."""
    from graph.edges import BuildParams
    from graph.jobs import build
    from tests.test_store_contract_references import PAPERS

    (recipe,) = [r for r in RECIPES if "have not loaded" in r.title]
    neo4j_store.upsert_papers(PAPERS)
    build(neo4j_store, BuildParams())
    result = neo4j_store.cypher(recipe.query, recipe.parameters, timeout=30.0, max_rows=1000)
    assert tuple(result.columns) == recipe.columns
    assert [row[0] for row in result.rows] == ["doi:10.1000/out", "cr:doe|1990|nature|345|10",
                                                "ref:a thesis nobody loaded"]
    assert [row[-1] for row in result.rows] == [2, 1, 1]
