"""Readers for real export formats, over every sample in shared/data/formats.

The samples (see shared/data/formats/SOURCE.md for where each comes from and
its record counts) stay outside the package; these tests read them in place.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graph.ingest import deduplicate, iter_papers
from graph.ingest.io import inspect
from graph.ingest.readers import detect_format
from graph.models import Paper
from graph.stores.base import index_references
from tests.readers_support import read

FORMATS = Path(__file__).resolve().parents[2] / "shared" / "data" / "formats"

pytestmark = pytest.mark.skipif(not FORMATS.is_dir(), reason="shared/data/formats is not present")




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


# --- RIS -------------------------------------------------------------------------

# file -> (records, with abstract, reference entries, with DOI). The IEEE file has
# 25 DO lines, but one is empty (the OECC 2016 paper), so 24 records have a DOI.
RIS = {
    "citesource_scopus_255.ris": (255, 237, 0, 253),
    "citesource_wos_278.ris": (278, 276, 0, 271),
    "litstudy_ieee_example.ris": (25, 25, 0, 24),
}


def test_ris_samples_are_all_covered():
    assert sorted(p.name for p in every_file("ris")) == sorted(RIS)


@pytest.mark.parametrize("name", sorted(RIS))
def test_ris_every_sample(name, tmp_path):
    path = FORMATS / "ris" / name
    papers, bad = read(path)
    assert bad == []
    assert summary(papers) == RIS[name]
    assert all(p.year is not None and p.title for p in papers)
    renamed = tmp_path / "export.dat"  # told from the content, not the name
    shutil.copyfile(path, renamed)
    assert detect_format(inspect(renamed)) == "ris"
    assert len(read(renamed)[0]) == RIS[name][0]


def test_ris_ieee_stray_carriage_returns():
    path = FORMATS / "ris" / "litstudy_ieee_example.ris"
    raw = path.read_bytes()
    assert raw.count(b"\n\rTY  - ") == 24  # the quirk this test pins
    items = list(iter_papers(path))
    papers = [p for p in items if isinstance(p, Paper)]
    assert papers[0].title == "The European Approach to the Exascale Challenge"
    assert papers[0].authors == ("G. Kalbe",)  # its AU line is repeated
    assert papers[0].year == 2019 and papers[0].venue == "Computing in Science & Engineering"
    assert papers[0].doi == "10.1109/mcse.2018.2884139"
    assert "Exascale computing" in papers[0].extra["input_keywords"]


def test_ris_wos_fields():
    papers, _ = read(FORMATS / "ris" / "citesource_wos_278.ris")
    first = papers[0]
    assert first.title == "Forest fire induced Natech risk assessment: A survey of geospatial technologies"
    assert first.authors == ("Naderpour, M", "Rizeei, HM", "Khakzad, N", "Pradhan, B")
    assert first.year == 2019  # PY 2019; DA holds only "NOV"
    assert first.venue == "RELIABILITY ENGINEERING & SYSTEM SAFETY"
    assert first.extra["accession"] == "WOS:000491685000028"


def test_ris_bad_records_are_reported_with_their_line(tmp_path):
    path = tmp_path / "refs.ris"
    path.write_text(
        "stray text\n"                                    # 1
        "TY  - JOUR\nT1  - Old style title\nA1  - Lee, A.\nY1  - 2001/05/01/\n"  # 2-5
        "N2  - An abstract\n  that wraps.\nER  - \n\n"    # 6-9
        "TY  - JOUR\nPY  - 2001\nER  - \n"                # 10-12: no title, no abstract
        "TY  - JOUR\nTI  - Year typo\nPY  - 20x1\nER  - \n"  # 13-16
        "TY  - JOUR\nTI  - Never closed\n"                # 17-18
        "TY  - JOUR\nTI  - Cut off at the end\n",         # 19-20
        "utf-8",
    )
    papers, bad = read(path)
    assert [(p.title, p.abstract, p.authors, p.year) for p in papers] == [
        ("Old style title", "An abstract that wraps.", ("Lee, A.",), 2001)]
    assert bad == [
        (f"{path}:1", "text outside a 'TY  -' ... 'ER  -' record"),
        (f"{path}:10", "no title and no abstract"),
        (f"{path}:13", "unparseable year '20x1'"),
        (f"{path}:17", "record has no 'ER  -' line before the next 'TY  -'"),
        (f"{path}:19", "the file ends inside this record (no 'ER  -' line)"),
    ]


# --- CSL-JSON and Crossref works JSON ---------------------------------------------

# file -> (records, with abstract, DOI references, with DOI). SOURCE.md counts reference
# entries; those with a DOI become references, the others are counted in
# extra["references_without_doi"] (checked below): 23+2, 26+19, 73+52, and for the
# deep review 351+203 of 555 (one DOI is cited twice, so 352 DOI entries, 351 distinct).
CSL = {
    "better-bibtex_csl-exporters-1179.csl.json": (26, 0, 0, 15),
    "manubot_crossref-deep-review_raw.json": (1, 0, 351, 1),
    "manubot_input-bibliography.json": (3, 2, 0, 3),
}
CROSSREF = {
    "fatcat_crossref-works.2018-01-21.badsample.json": (14, 2, 73, 14),
    "fatcat_crossref-works.single.json": (1, 0, 23, 1),
    "fatcat_crossref_api_works.json": (3, 0, 26, 3),
}
WITHOUT_DOI = {
    "manubot_crossref-deep-review_raw.json": 203,
    "fatcat_crossref-works.2018-01-21.badsample.json": 52,
    "fatcat_crossref-works.single.json": 2,
    "fatcat_crossref_api_works.json": 19,
}
CSL_WORKS = [("csl_json", name, "csl") for name in sorted(CSL)] + [
    ("crossref_json", name, "crossref") for name in sorted(CROSSREF)]


def test_csl_and_crossref_samples_are_all_covered():
    assert sorted(p.name for p in every_file("csl_json")) == sorted(CSL)
    assert sorted(p.name for p in every_file("crossref_json")) == sorted(CROSSREF)


@pytest.mark.parametrize(("folder", "name", "fmt"), CSL_WORKS)
def test_csl_and_crossref_every_sample(folder, name, fmt, tmp_path):
    path = FORMATS / folder / name
    assert detect_format(inspect(path)) == fmt
    papers, bad = read(path)
    assert bad == []
    assert summary(papers) == {**CSL, **CROSSREF}[name]
    assert sum(p.extra.get("references_without_doi", 0) for p in papers) == WITHOUT_DOI.get(name, 0)
    assert all(p.year is not None and p.title for p in papers)
    assert all(ref.startswith("doi:10.") for p in papers for ref in p.references)
    renamed = tmp_path / "export.dat"  # told from the content, not the name
    shutil.copyfile(path, renamed)
    assert detect_format(inspect(renamed)) == fmt


def test_csl_zotero_fields_and_short_dois():
    papers, _ = read(FORMATS / "csl_json" / "better-bibtex_csl-exporters-1179.csl.json")
    first = papers[0]
    assert first.title.startswith("Perceptions of disability and their impact upon involvement in sport")
    assert first.authors == ("Ian Brittain",) and first.year == 2004  # issued date-parts ["2004"]
    assert first.venue == "Journal of Sport and Social Issues"
    # Short DOI 10/fqd6hj: the full DOI comes from the doi.org URL.
    assert first.doi == "10.1177/0193723504268729" and first.extra["short_doi"] == "10/fqd6hj"
    assert first.extra["source_id"] == "brittain2004"
    assert sum(p.extra.get("short_doi") is not None for p in papers) == 12  # 3 keep the short form (no doi.org URL)


def test_csl_literal_authors_and_abstract():
    papers, _ = read(FORMATS / "csl_json" / "manubot_input-bibliography.json")
    assert papers[0].title == "Generalization of the Fermi Pseudopotential"
    assert papers[0].authors[:2] == ("Trang T. Le", "Zach Osman")  # CSL {"literal": ...} names
    assert papers[0].year == 2018 and papers[0].abstract.startswith("Introduced eighty years ago")


def test_crossref_rest_response_jats_abstract_and_duplicate():
    api, _ = read(FORMATS / "crossref_json" / "fatcat_crossref_api_works.json")
    assert [(p.id, p.year) for p in api] == [  # message.items of a work-list response
        ("doi:10.1109/mitp.2002.1041177", 2002), ("doi:10.1109/infvis.2005.1532150", 2005),
        ("doi:10.1007/s10107-009-0306-5", 2009)]
    dump = FORMATS / "crossref_json" / "fatcat_crossref-works.2018-01-21.badsample.json"
    papers, _ = read(dump)
    with_abstract = [p for p in papers if p.abstract]
    assert with_abstract[0].abstract.startswith("This brief meeting review summarizes")
    assert "<" not in with_abstract[0].abstract  # the JATS tags are gone
    assert deduplicate(papers).duplicates == 1  # the sample repeats 10.1002/cfg.158
    assert papers[1].title.startswith("Renormalized perturbation theory by the moment method")


def test_csl_bad_items_are_reported_with_their_line(tmp_path):
    path = tmp_path / "items.json"
    path.write_text(json.dumps([
        {"id": "a", "title": "Kept", "issued": {"date-parts": [[2001]]}},
        {"id": "b", "issued": {"date-parts": [[2001]]}},
        {"id": "c", "title": "Bad author", "author": "Lee, Ann", "issued": {"date-parts": [[2001]]}},
        {"id": "d", "title": "Bad year", "issued": {"date-parts": [["soon"]]}},
        {"id": "e", "title": "Bad date", "issued": "2001"},
    ], indent=0), "utf-8")
    papers, bad = read(path)
    assert [p.id for p in papers] == ["a"]
    assert [reason for _, reason in bad] == [
        "no title and no abstract",
        "'author' must be a list of CSL names, got str",
        "unparseable year 'soon'",
        "'issued' must be a CSL date object, got str",
    ]
    assert all(where.startswith(f"{path}:") for where, _ in bad)
    lines = [int(where.rsplit(":", 1)[1]) for where, _ in bad]
    assert lines == sorted(lines) and len(set(lines)) == 4


# --- end to end: W-id references become CITES edges -------------------------------


def test_openalex_w_id_references_become_cites_edges(tmp_path):
    """A work cites another by W-id; the cited one has a DOI, so its id is doi:...,
    and the W-id kept as source_id must still resolve (embedded store, real SQLite file)."""
    from typer.testing import CliRunner

    from api.cli import app

    works = [
        {"id": "https://openalex.org/W1", "doi": "https://doi.org/10.1000/one", "publication_year": 2020,
         "title": "Graph neural networks for citation analysis",
         "referenced_works": ["https://openalex.org/W2", "https://openalex.org/W999"]},
        {"id": "https://openalex.org/W2", "doi": "https://doi.org/10.1000/two", "publication_year": 2018,
         "title": "Spectral methods on citation graphs", "referenced_works": []},
    ]
    path = tmp_path / "works.json"
    path.write_text(json.dumps({"meta": {"count": 2}, "results": works}), "utf-8")
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "oa.db")}
    runner = CliRunner()
    ingest = runner.invoke(app, ["ingest", str(path)], env=env, catch_exceptions=False)
    assert ingest.exit_code == 0 and "2 papers written" in ingest.output, ingest.output
    build = runner.invoke(app, ["build"], env=env, catch_exceptions=False)
    assert build.exit_code == 0 and " 1 CITES" in build.output, build.output  # W999 is outside the corpus


# --- BibTeX / BibLaTeX --------------------------------------------------------------

# file -> (records, with abstract, reference entries, with DOI). The WoS export writes
# field names with parentheses (``Usage-Count-(Last-180-days)``) and its cited
# references one a line in ``Cited-References``, parsed as WoS ``CR`` lines are.
BIBTEX = {
    "bibliometrix_wos_savedrecs.bib": (377, 352, 7802, 363),
    "bibliometrix_scopus_export.bib": (46, 44, 1970, 41),
    "better-bibtex_read-only-group-3430.biblatex": (55, 21, 0, 15),
}


@pytest.mark.parametrize("name", sorted(BIBTEX))
def test_bibtex_every_sample(name):
    assert sorted(p.name for p in every_file("bibtex")) == sorted(BIBTEX)
    papers, bad = read(FORMATS / "bibtex" / name)
    assert bad == []
    assert summary(papers) == BIBTEX[name]


def test_bibtex_wos_cited_references_become_keys():
    papers, _ = read(FORMATS / "bibtex" / "bibliometrix_wos_savedrecs.bib")
    second = next(p for p in papers if p.doi == "10.1016/s0020-0255(03)00185-3")
    assert second.references[:2] == ("ref:abadmota s|1992|p int c ext dat bas||499", "doi:10.1145/304182.304207")
