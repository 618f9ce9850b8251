"""Readers for real export formats, over every sample in shared/data/formats.

The samples (see shared/data/formats/SOURCE.md for where each comes from and
its record counts) stay outside the package; these tests read them in place.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graph.errors import BadRecord
from graph.ingest import iter_papers
from graph.ingest.io import inspect
from graph.ingest.readers import detect_format
from graph.models import Paper
from graph.stores.base import index_references

FORMATS = Path(__file__).resolve().parents[2] / "shared" / "data" / "formats"

pytestmark = pytest.mark.skipif(not FORMATS.is_dir(), reason="shared/data/formats is not present")


def read(path, **kwargs):
    """(papers, [(location, reason), ...]) of one file."""
    papers, bad = [], []
    for item in iter_papers(path, **kwargs):
        if isinstance(item, Paper):
            papers.append(item)
        else:
            assert isinstance(item, BadRecord)
            bad.append((item.location, item.reason))
    return papers, bad


def summary(papers):
    """(records, with abstract, reference entries, with DOI) as SOURCE.md counts them."""
    return (len(papers), sum(bool(p.abstract) for p in papers),
            sum(len(p.references) for p in papers), sum(bool(p.doi) for p in papers))


def every_file(fmt: str) -> list[Path]:
    return sorted((FORMATS / fmt).iterdir())


# --- OpenAlex works JSON ----------------------------------------------------------

# file -> (records, with abstract, reference entries, with DOI), from SOURCE.md.
OPENALEX = {
    "peneira_works_page.json": (49, 46, 930, 47),
    "svp-harvester_work_response.json": (1, 1, 10, 1),
    "svp-harvester_work_with_various_locations.json": (1, 1, 59, 1),
}


def test_openalex_samples_are_all_covered():
    assert sorted(p.name for p in every_file("openalex_json")) == sorted(OPENALEX)


@pytest.mark.parametrize("name", sorted(OPENALEX))
def test_openalex_every_sample(name):
    path = FORMATS / "openalex_json" / name
    assert detect_format(inspect(path)) == "openalex"
    papers, bad = read(path)
    assert bad == []
    assert summary(papers) == OPENALEX[name]
    assert all(p.extra.get("source_id", p.id).startswith("W") for p in papers)  # no DOI: the W-id is the id
    assert all(ref.startswith("W") for p in papers for ref in p.references)


def test_openalex_single_work_fields():
    (paper,), _ = read(FORMATS / "openalex_json" / "svp-harvester_work_response.json")
    assert paper.id == "doi:10.1103/physrevb.37.785"
    assert paper.doi == "10.1103/physrevb.37.785"
    assert paper.extra["source_id"] == "W2023271753"
    assert paper.title.startswith("Development of the Colle-Salvetti correlation-energy formula")
    assert paper.year == 1988
    assert paper.authors[:3] == ("Chengteh Lee", "Weitao Yang", "Robert G. Parr")
    assert paper.abstract.startswith("A correlation-energy formula due to Colle and Salvetti")
    assert paper.references[0] == "W1624531027"


def test_openalex_detected_from_content_not_name(tmp_path):
    target = tmp_path / "export.dat"
    shutil.copyfile(FORMATS / "openalex_json" / "peneira_works_page.json", target)
    assert detect_format(inspect(target)) == "openalex"
    assert summary(read(target)[0]) == OPENALEX["peneira_works_page.json"]


def test_openalex_forced_and_json_lines(tmp_path):
    page = json.loads((FORMATS / "openalex_json" / "peneira_works_page.json").read_text("utf-8"))
    works = page["results"]
    lines = tmp_path / "works.jsonl"
    lines.write_text("".join(json.dumps(w) + "\n" for w in works), "utf-8")
    papers, bad = read(lines)
    assert bad == [] and summary(papers) == OPENALEX["peneira_works_page.json"]
    array = tmp_path / "works.txt"  # the extension says listing; --format says otherwise
    array.write_text(json.dumps(works), "utf-8")
    assert summary(read(array, format="openalex")[0]) == OPENALEX["peneira_works_page.json"]


def test_openalex_bad_works_are_reported_with_their_line(tmp_path):
    works = [
        {"id": "https://openalex.org/W1", "title": "Kept", "referenced_works": ["https://openalex.org/W2"]},
        {"id": "https://openalex.org/W2", "title": None, "abstract_inverted_index": None},
        {"id": "https://openalex.org/W3", "title": "Bad index", "abstract_inverted_index": {"a": ["x"]}},
        {"id": "https://openalex.org/W4", "title": "Bad year", "publication_year": "soon"},
        {"id": "https://openalex.org/W5", "display_name": "Only a display name",
         "abstract_inverted_index": {"world": [1], "Hello": [0]}},
    ]
    path = tmp_path / "works.jsonl"
    path.write_text("".join(json.dumps(w) + "\n" for w in works), "utf-8")
    papers, bad = read(path)
    assert [p.id for p in papers] == ["W1", "W5"]
    assert papers[1].title == "Only a display name" and papers[1].abstract == "Hello world"
    assert bad == [
        (f"{path}:2", "no title and no abstract"),
        (f"{path}:3", "'abstract_inverted_index' entry 'a' must list word positions (integers)"),
        (f"{path}:4", "unparseable year 'soon'"),
    ]


def test_openalex_references_resolve_within_the_corpus():
    papers, _ = read(FORMATS / "openalex_json" / "peneira_works_page.json")
    index = index_references((p.id, p.doi, p.arxiv_id, p.extra.get("source_id")) for p in papers)
    wids = {p.extra.get("source_id", p.id): p.id for p in papers}
    inside = [(p.id, index[ref]) for p in papers for ref in p.references if ref in wids]
    assert all(index[w] == pid for w, pid in wids.items())  # every W-id names its paper
    assert all(cited in {p.id for p in papers} for _, cited in inside)
