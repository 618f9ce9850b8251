"""group_records (the first pass of bounded-memory ingest, issue 24 item 6) never
splits records that deduplicate merges: deduplicate per group equals deduplicate
over all records."""

from __future__ import annotations

import random

import pytest

from graph.ingest.dedup import deduplicate
from graph.ingest.fields import record_to_paper
from graph.ingest.grouping import group_records
from graph.models import Paper


def _records(seed: int) -> list[Paper]:
    rng = random.Random(seed)
    out = []
    for i in range(40):
        raw = {"title": rng.choice(["Deep nets", "Deep Nets!", "Graphs", "Trees", None]), "abstract": "abs",
               "id": rng.choice([f"p{rng.randint(0, 15)}", f"W{rng.randint(1, 9)}", None]),
               "authors": rng.choice([None, "Smith, J.", "Jones, A."]),
               "pmid": rng.choice([None, None, "11", "12"]),
               "doi": rng.choice([None, None, "10.1000/a", "10.1000/b"]),
               "arxiv_id": rng.choice([None, None, None, "hep-th/9901001", "1234.5678"]),
               "year": rng.choice([None, 2001, 2002])}
        paper = record_to_paper({k: v for k, v in raw.items() if v is not None}, f"x:{i}")
        if isinstance(paper, Paper):
            out.append(paper)
    return out


@pytest.mark.parametrize("seed", range(60))
def test_grouping_then_per_group_dedup_equals_whole_dedup(seed):
    records = _records(seed)
    whole = deduplicate(records)
    grouping = group_records(records)
    groups: dict[int, list[Paper]] = {}
    for index, paper in zip(grouping.group, records):
        groups.setdefault(index, []).append(paper)
    per_group = [p for index in sorted(groups) for p in deduplicate(groups[index]).papers]
    assert sorted(map(repr, per_group)) == sorted(map(repr, whole.papers))
    assert sum(deduplicate(members).duplicates for members in groups.values()) == whole.duplicates


def test_grouping_keeps_keyless_records_apart_and_deduplicate_decides_within_a_group():
    a = Paper(id="t:1", title="Deep Nets", year=2020)
    b = Paper(id="doi:10.1000/x", title="Deep nets!", doi="10.1000/x")
    c = Paper(id="doi:10.1000/y", title="Deep nets", doi="10.1000/y")
    d = Paper(id="doi:10.1000/x", title="Another title")  # joins by the id a+b took from b
    e = Paper(id="t:2", title="Graphs")
    grouping = group_records([a, b, c, d, e])
    assert list(grouping.group) == [0, 0, 0, 0, 1] and list(grouping.sizes) == [4, 1]
    # Same title, different DOIs: one group, two papers.
    assert [p.id for p in deduplicate([a, b, c, d]).papers] == ["doi:10.1000/x", "doi:10.1000/y"]
