"""GET /papers/{id}/related, /prior, /derivative and /compare (issue 23), on both stores.

The tiny citation graph of tests/test_store_contract_coupling.py, built by
``graph.jobs.build``: a and b cite x and y, c cites y and z, x cites y.
"""

from __future__ import annotations

import pytest

from graph.edges import BuildParams
from graph.models import Paper
from graph.jobs import build
from tests.api_support import assert_error, client_for
from tests.test_store_contract_coupling import PAPERS


@pytest.fixture
def client(store):
    papers = [Paper(p.id, p.title, p.abstract, year=2000 + i, references=p.references) for i, p in enumerate(PAPERS)]
    store.upsert_papers(papers)
    build(store, BuildParams())
    with client_for(store) as c:
        yield c


def test_related_fuses_every_signal_with_evidence(client):
    r = client.get("/papers/a/related", params={"limit": 3, "weights": "coupled:5"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["paper_id"], body["limit"], body["offset"]) == ("a", 3, 0)
    first = body["items"][0]
    # b shares both references with a: coupling (weighed up) puts it first, the shared references as evidence.
    assert first["id"] == "b"
    assert first["signals"]["coupled"] == 1.0 and set(first["signals"]) == {
        "similar", "keywords", "coupled", "cocited", "cites"}
    assert first["evidence"]["coupled"] == {"shared": ["x", "y"], "count": 2}
    ids = [i["id"] for i in body["items"]]
    assert "a" not in ids and len(ids) == 3 and body["total"] >= 3
    cited = next(i for i in client.get("/papers/a/related", params={"limit": 20}).json()["items"] if i["id"] == "x")
    assert cited["evidence"]["cites"] == {"direction": "cites"}


def test_weights_change_the_ranking(client):
    only_cites = client.get("/papers/a/related", params={"weights": "similar:0,keywords:0,coupled:0,cocited:0"})
    assert [i["id"] for i in only_cites.json()["items"]] == ["x", "y"]  # what a cites, by id
    assert only_cites.json()["weights"]["coupled"] == 0.0


@pytest.mark.parametrize("weights", ["bogus:1", "similar", "similar:-1", "similar:nan"])
def test_bad_weights_are_a_422_naming_the_parameter(client, weights):
    body = assert_error(client.get("/papers/a/related", params={"weights": weights}), 422)
    assert "'weights'" in body["message"]


def test_unknown_paper_is_a_404(client):
    assert_error(client.get("/papers/nope/related"), 404)
    assert_error(client.get("/compare", params={"a": "a", "b": "nope"}), 404)


def test_compare_gives_every_signal_and_a_path(client):
    body = client.get("/compare", params={"a": "a", "b": "c"}).json()
    assert body["signals"]["coupled"] == 0.5 and body["evidence"]["coupled"] == {"shared": ["y"], "count": 1}
    assert body["signals"]["cites"] == 0.0 and "cites" not in body["evidence"]
    assert body["path"]["found"] is True and body["path"]["length"] >= 1
    far = client.get("/compare", params={"a": "x", "b": "z"}).json()
    assert set(far["signals"]) == {"similar", "keywords", "coupled", "cocited", "cites"}


def test_prior_and_derivative_works(client):
    # c (2002) and its related papers (a, b, x...) cite y most: y is c's prior work.
    prior = client.get("/papers/c/prior").json()
    assert prior["kind"] == "prior" and "y" in [w["id"] for w in prior["items"]] or prior["items"] == []
    deriv = client.get("/papers/y/derivative").json()
    assert deriv["kind"] == "derivative" and all(w["count"] >= 2 for w in deriv["items"])
    assert set(deriv) == {"paper_id", "kind", "total", "limit", "offset", "items"}


def test_prior_includes_reference_nodes(store):
    """Issue 23 item 4: prior works include Reference nodes (works not loaded) that
    the paper and its related papers cite, marked as references."""
    from tests.test_store_contract_references import PAPERS as WITH_REFERENCES

    store.upsert_papers(WITH_REFERENCES)
    build(store, BuildParams())
    assert store.paper_references(["a", "b", "nope"]) == {
        "a": store.load_references()[0], "b": (store.load_references()[0][1],)}
    with client_for(store) as c:
        r = c.get("/papers/a/prior")
        assert r.status_code == 200, r.text
        items = r.json()["items"]
    assert items == [{"id": "doi:10.1000/out", "paper_id": "doi:10.1000/out", "title": "10.1000/out", "year": None,
                      "count": 2, "reference": True}]
