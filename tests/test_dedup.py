"""De-duplication: same id or same normalized title, first wins, order kept."""

from __future__ import annotations

from pathlib import Path

from graph.ingest import deduplicate, iter_papers
from graph.ingest.dedup import DedupResult
from graph.models import Paper, paper_id

DATA = Path(__file__).parent / "data"


def t(title: str, **fields) -> Paper:
    """A record identified by its title hash, as a listing gives it."""
    return Paper(id=paper_id(title=title), title=title, **fields)


def test_no_duplicates_is_identity():
    papers = [t("A"), t("B"), Paper(id="x", abstract="only text")]
    assert deduplicate(papers) == DedupResult(papers=papers, duplicates=0)


def test_same_id_merges_first_wins_and_fills_gaps():
    first = Paper(id="p1", title="Graphs", year=2020, references=("a", "b"))
    second = Paper(id="p1", title="Graphs (v2)", abstract="Text.", year=2021, venue="KDD", references=("b", "c"),
                   extra={"pages": 3})
    result = deduplicate([first, second])
    assert result == DedupResult(
        papers=[Paper(id="p1", title="Graphs", abstract="Text.", year=2020, venue="KDD", references=("a", "b", "c"),
                      extra={"pages": 3})],
        duplicates=1,
    )


def test_same_normalized_title_merges():
    listing = t("Deep Sets", abstract="From a page.")
    given = Paper(id="zaheer17", title="DEEP  sets!", year=2017)
    result = deduplicate([listing, given])
    # the given id is stronger than a title hash: the merged paper takes it
    assert result.papers == [Paper(id="zaheer17", title="Deep Sets", abstract="From a page.", year=2017)]
    assert result.duplicates == 1


def test_order_of_first_appearance():
    a, b, c = t("Alpha"), t("Beta"), t("Gamma")
    result = deduplicate([a, b, t("alpha", year=2001), c, t("BETA.")])
    assert [p.title for p in result.papers] == ["Alpha", "Beta", "Gamma"]
    assert result.papers[0].year == 2001
    assert result.duplicates == 2


def test_stronger_identifier_wins_whatever_the_order():
    hashed = t("Attention Is All You Need", abstract="Listing text.")
    keyed = Paper(id="vaswani2017", title="Attention is all you need", year=2017)
    arxiv = Paper(id="arxiv:1706.03762", title="Attention Is All You Need.", arxiv_id="1706.03762")
    doi = Paper(id="doi:10.5555/3295222", title="Attention is all you need", doi="10.5555/3295222")
    forward = deduplicate([hashed, keyed, arxiv, doi])
    backward = deduplicate([doi, arxiv, keyed, hashed])
    assert [p.id for p in forward.papers] == [p.id for p in backward.papers] == ["doi:10.5555/3295222"]
    assert forward.duplicates == backward.duplicates == 3
    merged = forward.papers[0]
    assert (merged.title, merged.abstract, merged.year, merged.arxiv_id, merged.doi) == (
        "Attention Is All You Need", "Listing text.", 2017, "1706.03762", "10.5555/3295222")
    assert merged.extra == {"source_id": "vaswani2017"}  # the replaced given id is kept


def test_later_record_with_an_old_id_still_finds_the_merged_paper():
    hashed = t("Deep Sets")
    doi = Paper(id="doi:10.1000/ds", title="Deep sets", doi="10.1000/ds")
    again = t("Deep Sets", year=2017)  # same hash id as the first record
    result = deduplicate([hashed, doi, again])
    assert [(p.id, p.year) for p in result.papers] == [("doi:10.1000/ds", 2017)]
    assert result.duplicates == 2


def test_same_title_with_conflicting_identifiers_stays_apart():
    """Regression: hep-th has 54 papers that share a title with another one (e.g. two
    "Introduction to supersymmetry" lecture notes); different arXiv ids or DOIs are
    different papers."""
    papers = [
        Paper(id="hep-th/0101055", title="Introduction to Supersymmetry", year=2001),
        Paper(id="hep-th/9612114", title="Introduction to supersymmetry", year=1996),
        Paper(id="doi:10.1000/a", title="Black hole entropy", doi="10.1000/a"),
        Paper(id="doi:10.1000/b", title="Black Hole Entropy", doi="10.1000/b", extra={"source_id": "k"}),
        Paper(id="arxiv:2101.00001", title="String cosmology", arxiv_id="2101.00001"),
        Paper(id="hep-th/0202028", title="String Cosmology"),
    ]
    result = deduplicate(papers)
    assert result.papers == papers
    assert result.duplicates == 0


def test_plain_given_ids_do_not_block_a_title_match():
    """Citation keys and dataset ids live in different namespaces across files."""
    result = deduplicate([Paper(id="vinyals15", title="Pointer Networks"), Paper(id="ptr", title="Pointer networks")])
    assert [p.id for p in result.papers] == ["vinyals15"]


def test_untitled_records_never_merge_by_title():
    papers = [Paper(id="a", abstract="Same text."), Paper(id="b", abstract="Same text.")]
    assert deduplicate(papers).papers == papers


def test_deterministic():
    papers = [t("One"), Paper(id="x", title="one"), t("Two"), Paper(id="x", abstract="fill")]
    assert deduplicate(papers) == deduplicate(list(papers))


def test_dedup_across_formats(tmp_path):
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_text('{"id": "vinyals15", "title": "Pointer Networks", "year": 2015}\n'
                     '{"title": "on sequential loss approximation for continual learning", "doi": "10.1000/SLA"}\n')
    bib = tmp_path / "refs.bib"
    bib.write_text("@inproceedings{ptr, title={{P}ointer {N}etworks}, booktitle={NeurIPS}}\n")
    records = [item for path in (DATA / "listing_glued.txt", jsonl, bib) for item in iter_papers(path)]
    result = deduplicate(records)
    assert result.duplicates == 3
    assert [(p.id, p.title, p.year, p.venue) for p in result.papers] == [
        ("doi:10.1000/sla", "On Sequential Loss Approximation for Continual Learning", None, None),
        ("vinyals15", "POINTER networks", 2015, "NeurIPS"),
    ]
    assert result.papers[1].abstract.startswith("We introduce a new neural architecture")
