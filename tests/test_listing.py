"""Listing pages: both layouts, page chrome, and the shipped sample corpus (440 papers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph.errors import BadRecord
from graph.ingest import deduplicate, iter_papers
from graph.ingest.listing import is_chrome, parse_listing
from graph.models import Paper, paper_id

DATA = Path(__file__).parent / "data"
SAMPLE = Path(__file__).resolve().parents[1] / "graph" / "sample"
SHARED_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def split(items):
    papers = [item for item in items if isinstance(item, Paper)]
    bad = [(item.location, item.reason) for item in items if isinstance(item, BadRecord)]
    return papers, bad


def titled(title: str, abstract: str) -> Paper:
    return Paper(id=paper_id(title=title), title=title, abstract=abstract)


POINTER = "We introduce a new neural architecture to learn the conditional probability of an output sequence"


def test_blank_line_layout_with_chrome_between(tmp_path):
    path = tmp_path / "listing_blank.txt"
    shutil.copyfile(DATA / "listing_blank.txt", path)
    items = list(iter_papers(path))
    papers, bad = split(items)
    assert papers == [
        titled("Pointer Networks", POINTER + " with elements that are discrete tokens corresponding to positions "
               "in an input sequence."),
        titled("Maxout Networks", "We consider the problem of designing models to leverage a recently introduced "
               "approximate model averaging technique called dropout. Code is available at https://example.org/maxout"),
        titled("Neural Arithmetic Units", "Neural networks can approximate complex functions, but they struggle to "
               "perform exact arithmetic operations over real numbers."),
    ]
    assert bad == [(f"{path}:28", "title line without an abstract: 'An orphan line without any abstract'")]
    # the record order is the page order; each record sits at its title line
    assert [type(item).__name__ for item in items] == ["Paper", "Paper", "BadRecord", "Paper"]


def test_one_line_layout_with_glued_subscribe(tmp_path):
    path = tmp_path / "listing_glued.txt"
    shutil.copyfile(DATA / "listing_glued.txt", path)
    papers, bad = split(list(iter_papers(path)))
    assert bad == []
    assert papers == [
        titled("On Sequential Loss Approximation for Continual Learning",
               "We introduce for continual learning Autodiff Quadratic Consolidation (AQC), which approximates the "
               "previous loss function with a quadratic function."),
        titled("POINTER networks", POINTER + "."),
    ]


def test_chrome_between_records_is_skipped():
    lines = ["Subscribe", "", "Title One", "A first abstract that is a sentence of words.", "", "7", "Title Two",
             "Jul 30", "A second abstract, also long enough to be prose."]
    items = list(parse_listing(lines, "page.txt"))
    assert [(p.title, p.abstract) for p in items] == [
        ("Title One", "A first abstract that is a sentence of words."),
        ("Title Two", "A second abstract, also long enough to be prose."),
    ]
    assert [p.id for p in items] == [paper_id(title="Title One"), paper_id(title="Title Two")]


def test_orphan_titles_are_reported_at_their_line():
    lines = ["Title One", "", "Title Two", "", "Jul 30", "A sentence that is the abstract of title two, really."]
    items = list(parse_listing(lines, "page.txt"))
    assert [(i.location, i.reason) for i in items if isinstance(i, BadRecord)] == [
        ("page.txt:1", "title line without an abstract: 'Title One'")
    ]
    assert [p.title for p in items if isinstance(p, Paper)] == ["Title Two"]


def test_text_before_any_title_is_reported():
    long = "This paragraph is an introduction of the page with many words in it, so it is prose."
    items = list(parse_listing([long, "A Title", long], "page.txt"))
    assert [(i.location, i.reason) for i in items if isinstance(i, BadRecord)] == [
        ("page.txt:1", "abstract text without a title line: 'This paragraph is an introduction of the page with "
                       "many w...'")
    ]
    assert [p.title for p in items if isinstance(p, Paper)] == ["A Title"]


@pytest.mark.parametrize(
    "line",
    ["new", "Subscribe", "Daily Papers", "byAK and the research community", "Jul 30", "Aug 27, 2024", "12",
     "1.2k", "\u25b2 35", "\u00b7 5 authors", "Submitted by akhaliq", "Get trending papers in your email inbox!",
     "Get trending papers in your email inbox once a day!", "Upvote 12", "Published on Mar 14"],
)
def test_chrome_lines(line):
    assert is_chrome(line)


@pytest.mark.parametrize(
    "line",
    ["Pointer Networks", "4+3 Phases of Compute-Optimal Neural Scaling Laws", "Maxout Networks",
     "Scaling Laws for Precision", "Newton's Method Revisited", "Subscribe to Nothing: A Study"],
)
def test_titles_are_not_chrome(line):
    assert not is_chrome(line)


# --- the sample corpus -------------------------------------------------------------

PER_FILE = {
    "000_53eaef86c44e28aa.txt": 49,
    "001_ab0f5a45e1fde8a2.txt": 56,
    "002_308340773ae682ab.txt": 64,
    "003_928061713d22a60e.txt": 233,
    "004_8f667937d8295d6d.txt": 86,
}


def read_sample():
    items = {}
    for name in PER_FILE:
        items[name] = list(iter_papers(SAMPLE / name))
    return items


def test_sample_ships_the_shared_seeds():
    for name in PER_FILE:
        assert (SAMPLE / name).read_bytes() == (SHARED_SEEDS / name).read_bytes()


def test_sample_files_read_without_bad_records():
    items = read_sample()
    for name, expected in PER_FILE.items():
        papers, bad = split(items[name])
        assert bad == []
        assert len(papers) == expected, name


def test_sample_gives_exactly_440_distinct_papers():
    papers = [item for items in read_sample().values() for item in items]
    result = deduplicate(papers)
    assert len(result.papers) == 440
    assert result.duplicates == 488 - 440
    assert len({p.id for p in result.papers}) == 440
    assert len({p.title_key for p in result.papers}) == 440


def test_sample_papers_have_real_titles_and_whole_abstracts():
    papers = [item for items in read_sample().values() for item in items]
    for paper in papers:
        assert paper.title and not is_chrome(paper.title)
        assert len(paper.title) <= 250 and not paper.title.startswith("Subscribe")
        # every abstract in these pages is one paragraph of 265+ characters
        assert len(paper.abstract) >= 265, paper.title
        for chrome in ("Get trending papers", "byAK", "Daily Papers", "Subscribe"):
            assert chrome not in paper.abstract
    titles = {p.title for p in papers}
    for paper in papers:  # no abstract swallowed the next paper's title
        assert not any(title in paper.abstract for title in titles if len(title) > 40), paper.title


def test_sample_spot_checks():
    items = read_sample()
    first = items["000_53eaef86c44e28aa.txt"][0]
    assert first.title == "A theory of representation learning gives a deep generalisation of kernel methods"
    assert first.abstract.startswith("The successes of modern deep machine learning methods are founded")
    assert first.abstract.endswith("(which have non-Gaussian posteriors) in the Appendices.")
    glued = items["003_928061713d22a60e.txt"][0]
    assert glued.title == "On Sequential Loss Approximation for Continual Learning"
    short = next(p for p in items["003_928061713d22a60e.txt"]
                 if p.title == "Almost sure bounds for a weighted Steinhaus random multiplicative function")
    assert short.abstract.startswith("We obtain almost sure bounds") and short.abstract.endswith("lower bounds.")
    assert items["004_8f667937d8295d6d.txt"][-1].title == "Cyclical Curriculum Learning"
