"""Every list endpoint pages the same way: ``{total, limit, offset, items}`` (issue 21, item 5).

Before, /search, /neighbors, /recommendations and /rankings had no ``total`` and
silently ignored ``offset=5``. Both stores, on the hand-made graph of api_support.
"""

from __future__ import annotations

import pytest

from tests.api_support import A, B, C, D, E, F, G, assert_error


LISTS = [
    ("/papers", {}),
    ("/search", {"q": "black hole entropy"}),
    (f"/papers/{B}/neighbors", {}),
    (f"/papers/{A}/recommendations", {}),
    ("/rankings", {"metric": "pagerank"}),
    ("/communities", {}),
    ("/keywords", {}),
    ("/keywords/entropy/papers", {}),
]


@pytest.mark.parametrize(("path", "params"), LISTS)
def test_one_envelope_and_offset_pages_through_all(client, path, params):
    whole = client.get(path, params={**params, "limit": 100}).json()
    assert {"total", "limit", "offset", "items"} <= set(whole), whole
    assert whole["total"] == len(whole["items"]) > 1 and whole["offset"] == 0
    pages = []
    for offset in range(0, whole["total"], 2):
        page = client.get(path, params={**params, "limit": 2, "offset": offset}).json()
        assert (page["total"], page["limit"], page["offset"]) == (whole["total"], 2, offset)
        pages += page["items"]
    assert pages == whole["items"]
    beyond = client.get(path, params={**params, "offset": whole["total"]}).json()
    assert beyond["items"] == [] and beyond["total"] == whole["total"]
    assert_error(client.get(path, params={**params, "offset": -1}), 422)


def test_totals_are_exact(client):
    # B: cites A, cited_by C, similar A and D, keywords A
    assert client.get(f"/papers/{B}/neighbors").json()["total"] == 5
    assert client.get(f"/papers/{B}/neighbors", params={"relation": "similar"}).json()["total"] == 2
    assert client.get("/rankings", params={"metric": "pagerank", "limit": 1}).json()["total"] == 7
    ranked = client.get("/rankings", params={"limit": 2, "offset": 2}).json()["items"]
    assert [(r["rank"], r["paper_id"]) for r in ranked] == [(3, D), (4, C)]
    assert client.get(f"/papers/{A}/recommendations", params={"limit": 1}).json()["total"] == 2
    search = client.get("/search", params={"q": "citation graphs", "limit": 1}).json()
    assert search["total"] == 2 and len(search["items"]) == 1
    assert {E, F} >= {search["items"][0]["paper_id"]}
    assert client.get(f"/papers/{G}/neighbors").json()["total"] == 0
    assert client.get("/keywords", params={"prefix": "c", "limit": 1}).json()["total"] == 3
    assert client.get("/keywords/entropy/papers", params={"limit": 1}).json()["total"] == 3
