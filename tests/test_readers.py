"""Input readers: each format's good and bad records, gzip, detection, identity."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest


from graph.errors import BadRecord, InvalidParameter, UnreadableFile
from graph.ingest import deduplicate, detect_format, iter_citations, iter_papers
from graph.ingest.bibtex import latex_to_text
from graph.ingest.fields import record_to_paper
from graph.ingest.io import _CHUNK as CHUNK
from graph.ingest.io import inspect
from graph.models import Paper, paper_id
from tests.readers_support import read

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def copy(name: str, tmp_path: Path, new_name: str | None = None) -> Path:
    target = tmp_path / (new_name or name)
    shutil.copyfile(DATA / name, target)
    return target


def gzipped(name: str, tmp_path: Path, new_name: str | None = None) -> Path:
    target = tmp_path / (new_name or name + ".gz")
    target.write_bytes(gzip.compress((DATA / name).read_bytes()))
    return target


# --- JSON lines ------------------------------------------------------------------

JSONL_PAPERS = [
    Paper(id="p1", title="Graph Neural Networks", abstract="We study graphs.", authors=("Ann Lee", "Bo Chen"),
          year=2020, venue="ICML", label="ML", references=("p2", "doi:10.1000/abc"), extra={"pages": 12}),
    Paper(id="p2", abstract="Only an abstract here.", authors=("Ann Lee", "Cy Dee"), year=2019),
    Paper(id="doi:10.1000/xyz", title="Has DOI", doi="10.1000/xyz", extra={"source_id": "w7"}),
    Paper(id="arxiv:2101.00001", title="Has arXiv", arxiv_id="2101.00001", authors=("Ann Lee", "Bo Chen")),
    Paper(id="p12", title="Last good one", year=1999, extra={"input_community": "x"}),
]
JSONL_BAD = [
    (6, "no title and no abstract"),
    (7, "unparseable year '20x0'"),
    (8, "invalid JSON: Expecting ',' delimiter (column 32)"),
    (9, "expected a JSON object, got an array"),
    (10, "'authors' must be a list of strings or a string, got int"),
    (11, "year 3000 outside 1000-2100"),
]


def test_jsonl_good_and_bad_records(tmp_path):
    path = copy("papers.jsonl", tmp_path)
    papers, bad = read(path)
    assert papers == JSONL_PAPERS
    assert bad == [(f"{path}:{line}", reason) for line, reason in JSONL_BAD]


def test_jsonl_keeps_file_order(tmp_path):
    items = list(iter_papers(copy("papers.jsonl", tmp_path)))
    kinds = ["P" if isinstance(item, Paper) else "B" for item in items]
    assert kinds == ["P", "P", "P", "P", "B", "B", "B", "B", "B", "B", "P"]


def test_bad_record_str_is_file_line_reason(tmp_path):
    path = copy("papers.jsonl", tmp_path)
    bad = [item for item in iter_papers(path) if isinstance(item, BadRecord)]
    assert str(bad[0]) == f"{path}:6: no title and no abstract"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"title": 5}, "'title' must be a string, got int"),
        ({"title": "T", "id": 1.5}, "'id' must be a string or an integer, got float"),
        ({"title": "T", "id": True}, "'id' must be a string or an integer, got a boolean"),
        ({"title": "T", "authors": ["A", 3]}, "'authors' must hold strings, got int"),
        ({"title": "T", "year": True}, "unparseable year True"),
        ({"title": "T", "year": 2000.5}, "unparseable year 2000.5"),
        ({"title": "T", "year": "999"}, "year 999 outside 1000-2100"),
        ({"title": "T", "year": [2000]}, "unparseable year [2000]"),
        ({"title": "T", "venue": {"name": "x"}}, "'venue' must be a string, got an object"),
        ({"title": "T", "references": 7}, "'references' must be a list or a ';'-separated string, got int"),
        ({"title": "T", "references": [["p1"]]}, "'references' must hold ids (strings), got a list"),
        ({"title": "!!!"}, "no usable text in title or abstract"),
    ],
)
def test_field_errors(record, reason):
    result = record_to_paper(record, "f.jsonl:3")
    assert isinstance(result, BadRecord)
    assert (result.location, result.reason) == ("f.jsonl:3", reason)


def test_field_values_are_normalized():
    paper = record_to_paper(
        {"Title": "  A\n title ", "ID": 17, "Year": " 2001 ", "label": 3, "authors": "A and B",
         "references": "p1; 10.1000/X ;;p1", "url": "", "score": 0.5, "flag": False, "nested": {"a": 1}},
        "f:1",
    )
    assert paper == Paper(id="17", title="A title", year=2001, label="3", authors=("A", "B"),
                          references=("p1", "doi:10.1000/x"), extra={"score": 0.5, "flag": False})


# --- JSON document ------------------------------------------------------------------


def write_json(tmp_path: Path, value, name: str = "papers.json", indent: int | None = 2) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value, indent=indent), encoding="utf-8")
    return path


def test_json_array_with_line_numbers(tmp_path):
    records = [{"id": "a", "title": "First"}, {"id": "b", "abstract": ""}, 7, {"id": "c", "title": "Third"}]
    path = write_json(tmp_path, records)
    papers, bad = read(path)
    assert [p.id for p in papers] == ["a", "c"]
    # indent=2: "[" on line 1, each object spans 4 lines (or 1 for the number)
    assert bad == [(f"{path}:6", "no title and no abstract"), (f"{path}:10", "expected a JSON object, got a number")]


def test_json_wrapped_list_and_single_object(tmp_path):
    wrapped = write_json(tmp_path, {"meta": {"n": 1}, "papers": [{"title": "Wrapped"}]}, "w.json")
    single = write_json(tmp_path, {"title": "Single", "year": 2000}, "s.json")
    assert [p.title for p in read(wrapped)[0]] == ["Wrapped"]
    assert read(single)[0] == [Paper(id=paper_id(title="Single"), title="Single", year=2000)]


def test_json_broken_element_keeps_earlier_papers(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n {"title": "Good"},\n {"title": "Bad" "year": 1},\n {"title": "Never read"}\n]\n')
    papers, bad = read(path)
    assert [p.title for p in papers] == ["Good"]
    assert bad == [(f"{path}:3", "invalid JSON: Expecting ',' delimiter (column 18); the rest of the file is skipped")]


def test_json_lines_saved_as_json_are_read_as_lines(tmp_path):
    path = tmp_path / "lines.json"
    path.write_text('{"title": "One"}\n{"title": "Two"}\n[1]\n')
    papers, bad = read(path)
    assert [p.title for p in papers] == ["One", "Two"]
    assert bad == [(f"{path}:3", "expected a JSON object, got an array")]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"title": "x",', "invalid JSON at line 1, column 15: Expecting property name enclosed in double quotes"),
        ('{"meta": 1}', "JSON object holds no list of papers (expected an array, or a list under one of: "
                        "papers, records, items, data, results)"),
        ('"just a string"', "expected an array of paper objects, got a string"),
    ],
)
def test_json_unusable_document(tmp_path, content, reason):
    path = tmp_path / "doc.json"
    path.write_text(content)
    with pytest.raises(UnreadableFile) as info:
        list(iter_papers(path))
    assert info.value.reason == reason


# --- CSV ------------------------------------------------------------------------------

CSV_PAPERS = [
    Paper(id="c1", title="A CSV paper", abstract="Text with, a comma.", authors=("Ann Lee", "Bo Chen"), year=2021,
          references=("p1", "p2"), extra={"publisher": "ACM"}),
    Paper(id="doi:10.1000/csv", title="Multi line title", abstract="Abstract two.", doi="10.1000/csv",
          extra={"source_id": "c2"}),
    Paper(id="c6", title="Last", abstract="Fine."),
]
CSV_BAD = [(5, "expected 8 fields, got 3"), (6, "no title and no abstract"), (8, "unparseable year 'MMXX'")]


def test_csv_good_and_bad_rows(tmp_path):
    path = copy("papers.csv", tmp_path)
    papers, bad = read(path)
    assert papers == CSV_PAPERS
    assert bad == [(f"{path}:{line}", reason) for line, reason in CSV_BAD]


def test_tsv_content_in_csv_file(tmp_path):
    path = tmp_path / "papers.csv"
    path.write_text("title\tyear\nTabbed, with comma\t1999\n")
    assert read(path) == ([Paper(id=paper_id(title="Tabbed, with comma"), title="Tabbed, with comma", year=1999)], [])


def test_csv_without_text_column_is_unreadable_at_once(tmp_path):
    path = tmp_path / "papers.csv"
    path.write_text("id,year\na,2000\n")
    with pytest.raises(UnreadableFile) as info:
        iter_papers(path)  # no iteration needed
    assert info.value.reason == "CSV header has no 'title' or 'abstract' column (first row: 'id', 'year')"


# --- BibTeX -------------------------------------------------------------------------

BIB_PAPERS = [
    Paper(id="arxiv:1706.03762", title="Attention Is All You Need",
          abstract="The dominant sequence transduction models are based on complex recurrent networks.",
          authors=("Ashish Vaswani", "Noam Shazeer"), year=2017, venue="Proceedings of ICML 2017",
          arxiv_id="1706.03762", extra={"entry_type": "inproceedings", "source_id": "vaswani2017"}),
    Paper(id="doi:10.1000/j.schon_2020", title="Über die Schönheit: Café & Naïve Møller",
          authors=("Jürgen Schön", "Barnes and Noble"), year=2020, venue="Journal of LaTeX Studies",
          doi="10.1000/j.schon_2020",
          extra={"entry_type": "article", "month": "January", "pages": "1\u201310", "source_id": "schon2020"}),
    Paper(id="last", title="Last Book", url="https://example.org/a_b", extra={"entry_type": "book"}),
]
BIB_BAD = [
    (25, "BibTeX syntax error: unbalanced braces (a '{' is never closed)"),
    (29, "unparseable year 'in press'"),
    (33, "no title and no abstract"),
]


def test_bibtex_good_and_bad_entries(tmp_path):
    path = copy("refs.bib", tmp_path)
    papers, bad = read(path)
    assert papers == BIB_PAPERS
    assert bad == [(f"{path}:{line}", reason) for line, reason in BIB_BAD]


def test_bibtex_missing_comma_resyncs_at_next_entry(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text("@article{a,\n  title = {One}\n  year = 2000,\n}\n@article{b, title = {Two}}\n")
    papers, bad = read(path)
    assert [p.id for p in papers] == ["b"]
    assert bad == [(f"{path}:1", "BibTeX syntax error: expected ',' or '}' after field 'title', found 'y'")]


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"{\'E}cole Polytechnique", "École Polytechnique"),
        (r"Erd\H{o}s and \v{C}ech", "Erdős and Čech"),
        (r"Stra\ss e, \AE sir, {\aa}", "Straße, Æsir, å"),
        (r"\textbf{Bold} and \emph{{K}ey}", "Bold and Key"),
        (r"100\% of $O(n^2)$ --- done", "100% of O(n^2) \u2014 done"),
        (r"A~B \{C\}", "A B {C}"),
    ],
)
def test_latex_to_text(latex, text):
    assert latex_to_text(latex) == text


# --- gzip, detection, unreadable files ---------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [("papers.jsonl", JSONL_PAPERS), ("papers.csv", CSV_PAPERS),
                                                ("refs.bib", BIB_PAPERS)])
def test_gzip_by_extension_and_by_magic(tmp_path, name, expected):
    by_extension = gzipped(name, tmp_path)
    by_magic = gzipped(name, tmp_path, "magic_" + name)  # gzip data without the .gz suffix
    for path in (by_extension, by_magic):
        papers, bad = read(path)
        assert papers == expected
        assert bad and all(location.startswith(f"{path}:") for location, _ in bad)
    assert [loc.rsplit(":", 1)[1] for loc, _ in read(by_extension)[1]] == [
        loc.rsplit(":", 1)[1] for loc, _ in read(DATA / name)[1]
    ]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.txt", "listing"), ("a.jsonl", "jsonl"), ("a.NDJSON", "jsonl"), ("a.json.gz", "json"),
     ("a.csv", "csv"), ("a.bib", "bibtex"), ("a.bibtex.gz", "bibtex")],
)
def test_format_from_extension(tmp_path, name, fmt):
    path = tmp_path / name
    path.write_text("not looked at")
    assert detect_format(inspect(path)) == fmt


@pytest.mark.parametrize(
    ("source", "fmt"),
    [("papers.jsonl", "jsonl"), ("papers.csv", "csv"), ("refs.bib", "bibtex"), ("listing_blank.txt", "listing")],
)
def test_format_sniffed_from_content(tmp_path, source, fmt):
    path = copy(source, tmp_path, "input.dat")
    assert detect_format(inspect(path)) == fmt
    papers, bad = read(path)
    expected_papers, expected_bad = read(DATA / source)
    assert papers == expected_papers
    assert [(loc.rsplit(":", 1)[1], r) for loc, r in bad] == [(loc.rsplit(":", 1)[1], r) for loc, r in expected_bad]


def test_json_sniffed_and_forced_format(tmp_path):
    path = write_json(tmp_path, [{"title": "X"}], "export.data")
    assert detect_format(inspect(path)) == "json"
    forced = tmp_path / "papers.txt"  # a .txt that holds JSON lines
    forced.write_text('{"title": "Forced"}\n')
    assert [p.title for p in read(forced, format="jsonl")[0]] == ["Forced"]
    assert [p.title for p in read(forced, format="NDJSON")[0]] == ["Forced"]


def test_unknown_forced_format_is_a_parameter_error(tmp_path):
    path = copy("papers.jsonl", tmp_path)
    with pytest.raises(InvalidParameter) as info:
        iter_papers(path, format="xml")
    assert str(info.value) == (
        "The 'format' parameter of ingest must be one of listing, jsonl, json, csv, bibtex, openalex, ris, csl, crossref, wos, scopus, lens, medline, pubmed, arxiv, s2, openalex_csv, jats. Got 'xml' instead."
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.jsonl", b"", "empty file"),
        ("blank.csv", b" \n\t\n", "empty file"),
        ("bom.txt", b"\xef\xbb\xbf\n", "empty file"),
        ("latin1.jsonl", b'{"title": "ok"}\n{"title": "caf\xe9"}\n',
         "not UTF-8 text (invalid byte 0xe9 at byte offset 30, line 2)"),
        ("cut.txt", b"abc\xc3", "not UTF-8 text (truncated character at byte offset 3, line 1)"),
        ("nul.txt", b"title\n\x00\x01\x02", "binary file, not text (NUL byte at byte offset 6, line 2)"),
        ("a.zip", b"PK\x03\x04rest", "is a zip archive; only plain or gzip-compressed text is supported"),
        ("a.jsonl.gz", b"\x1f\x8b\x08\x00garbage", "corrupt gzip data: "),
        ("empty.jsonl.gz", gzip.compress(b""), "empty file"),
        ("notes.dat", b"hello world\n", "unknown format: the extension is not one of .txt .jsonl .ndjson .json "
         ".csv .bib .ris .isi .nbib and the content does not look like any of them (force one of: listing, jsonl, "
         "json, csv, bibtex, openalex, ris, csl, crossref, wos, scopus, lens, medline, pubmed, arxiv, s2, openalex_csv, jats)"),
    ],
)
def test_unreadable_files(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile) as info:
        iter_papers(path)  # raised before any record is read
    assert info.value.path == str(path)
    if reason.endswith(": "):
        assert info.value.reason.startswith(reason)
    else:
        assert info.value.reason == reason


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(UnreadableFile, match="no such file"):
        iter_papers(tmp_path / "nope.jsonl")
    with pytest.raises(UnreadableFile, match="is a directory, not a file"):
        iter_papers(tmp_path)


def test_utf8_check_across_chunk_boundary(tmp_path):
    """Regression: a character split between two read chunks is valid UTF-8, and a
    bad byte after the boundary is reported at its true offset."""
    content = b"x" * (CHUNK - 1) + "\u00e9".encode() + b"\n"  # the 2-byte "é" straddles the boundary
    path = tmp_path / "big.txt"
    path.write_bytes(content)
    inspect(path)
    path.write_bytes(content + b"\xff\n")
    with pytest.raises(UnreadableFile) as info:
        inspect(path)
    assert info.value.reason == f"not UTF-8 text (invalid byte 0xff at byte offset {CHUNK + 2}, line 2)"


# --- identity --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected_id"),
    [
        ({"title": "T", "doi": "DOI:10.5555/ABC", "arxiv_id": "1706.03762", "id": "k"}, "doi:10.5555/abc"),
        ({"title": "T", "arxiv_id": "https://arxiv.org/abs/1706.03762v5", "id": "k"}, "arxiv:1706.03762"),
        ({"title": "T", "doi": "not a doi", "id": "k"}, "k"),
        ({"title": "Attention is all you need", "id": ""}, paper_id(title="attention IS all you need!")),
        ({"abstract": "Only text."}, paper_id(abstract="only text")),
    ],
)
def test_identity_precedence(record, expected_id):
    assert record_to_paper(record, "f:1").id == expected_id


def test_same_paper_gets_same_id_in_every_format(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"title": "Deep Sets", "abstract": "Sets."}\n')
    (tmp_path / "a.csv").write_text("title,abstract\nDEEP sets,Other text.\n")
    (tmp_path / "a.bib").write_text("@misc{,\n title={Deep {S}ets}}\n")
    (tmp_path / "a.txt").write_text("Deep Sets!\n\nWe study permutation invariant functions on sets of inputs.\n")
    ids = {name: read(tmp_path / name)[0][0].id for name in ("a.jsonl", "a.csv", "a.bib", "a.txt")}
    assert set(ids.values()) == {paper_id(title="Deep Sets")}


# --- citations ---------------------------------------------------------------------------


def citations(path):
    pairs, bad = [], []
    for item in iter_citations(path):
        if isinstance(item, tuple):
            pairs.append(item)
        else:
            bad.append((item.location, item.reason))
    return pairs, bad


def test_citations_csv(tmp_path):
    path = copy("citations.csv", tmp_path)
    assert citations(path) == (
        [("p1", "p2"), ("p1", "doi:10.1000/abc"), ("p3", "p1")],
        [(f"{path}:5", "expected 2 fields (citing,cited), got 3"),
         (f"{path}:6", "expected 2 fields (citing,cited), got 1"),
         (f"{path}:7", "empty paper id")],
    )


def test_citations_whitespace_separated_and_gzip(tmp_path):
    expected = ([("1001", "1002"), ("1001", "1003"), ("1003", "1002")], [])
    assert citations(copy("citations.txt", tmp_path)) == expected
    assert citations(gzipped("citations.txt", tmp_path)) == expected


def test_citations_without_header(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("a,b\nb,c\n")
    assert citations(path) == ([("a", "b"), ("b", "c")], [])


def test_citations_unreadable(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_bytes(b"a,b\n\xff,c\n")
    with pytest.raises(UnreadableFile, match=r"invalid byte 0xff at byte offset 4, line 2"):
        iter_citations(path)


# --- real data sets ------------------------------------------------------------------------


def test_citeseer_reads_every_paper_without_titles():
    papers, bad = read(SHARED / "data" / "citeseer" / "papers.jsonl")
    assert bad == []
    assert len(papers) == 3186
    assert len({p.id for p in papers}) == 3186
    assert all(p.title == "" and p.abstract for p in papers)
    assert {p.label for p in papers} == {"Agents", "AI", "DB", "IR", "ML", "HCI"}
    pairs, bad_pairs = citations(SHARED / "data" / "citeseer" / "citations.csv")
    assert (len(pairs), bad_pairs) == (4277, [])


def test_hepth_reads_every_paper_and_citation():
    papers, bad = read(SHARED / "data" / "hepth" / "papers.jsonl.gz")
    assert bad == []
    assert len(papers) == 29555
    assert papers[0].id == "hep-th/0001001" and papers[0].year == 2000 and papers[0].authors == ("Paul S. Aspinwall",)
    ids = {p.id for p in papers}
    assert len(ids) == 29555
    # 54 papers share a title with another one, but their arXiv ids differ: no merge
    assert len(deduplicate(papers).papers) == 29555
    pairs, bad_pairs = citations(SHARED / "data" / "hepth" / "citations.csv.gz")
    assert (len(pairs), bad_pairs) == (352768, [])
    assert pairs[0] == ("hep-th/0001001", "hep-th/9304045")
    assert all(citing in ids and cited in ids for citing, cited in pairs)
