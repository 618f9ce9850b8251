"""Property tests for every reader: any input ingests or is reported, never a crash.

For listing, JSON lines, JSON, CSV, BibTeX and citation lists, plain and
gzipped: whatever the bytes, a reader either raises :class:`UnreadableFile`
at once or yields papers and :class:`BadRecord`s; every paper is whole
(required fields present, within the limits), and a record reported bad
yields no paper.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from graph.errors import BadRecord, UnreadableFile
from graph.ingest import iter_citations, iter_papers
from graph.ingest.fields import YEAR_RANGE, record_to_paper
from graph.ingest.limits import MAX_ABSTRACT_CHARS, MAX_FIELD_CHARS, MAX_KEY_BYTES, MAX_TITLE_CHARS
from graph.models import Paper

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NAMES = ["p.txt", "p.jsonl", "p.json", "p.csv", "p.bib", "p.dat"]


def check_paper(paper: Paper) -> None:
    """A whole paper: what every store and every analysis may rely on."""
    assert isinstance(paper.id, str) and paper.id == paper.id.strip() and paper.id
    assert len(paper.id.encode("utf-8")) <= MAX_KEY_BYTES
    assert isinstance(paper.title, str) and isinstance(paper.abstract, str)
    assert paper.title or paper.abstract
    assert len(paper.title) <= MAX_TITLE_CHARS and len(paper.abstract) <= MAX_ABSTRACT_CHARS
    for text in (paper.title, paper.abstract):
        assert text == " ".join(text.split())
        text.encode("utf-8")  # no lone surrogates
        assert "\x00" not in text
    assert isinstance(paper.authors, tuple) and all(isinstance(a, str) and a for a in paper.authors)
    assert paper.year is None or (type(paper.year) is int and YEAR_RANGE[0] <= paper.year <= YEAR_RANGE[1])
    for value in (paper.venue, paper.doi, paper.arxiv_id, paper.url, paper.label):
        assert value is None or (isinstance(value, str) and value and len(value) <= MAX_FIELD_CHARS)
    assert isinstance(paper.references, tuple) and all(isinstance(r, str) and r for r in paper.references)
    assert len(set(paper.references)) == len(paper.references)
    for key, value in paper.extra.items():
        assert isinstance(key, str) and key
        assert isinstance(value, (str, int, float, bool))
        if isinstance(value, float):
            assert math.isfinite(value)
    json.dumps(paper.to_dict())  # storable as JSON


def consume(path: Path, **kwargs) -> tuple[list[Paper], list[BadRecord]] | None:
    """Read a file to the end; None when it is unreadable as a whole."""
    try:
        items = list(iter_papers(path, **kwargs))
    except UnreadableFile as exc:
        assert str(exc).startswith(f"{path}: ")
        return None
    papers = [i for i in items if isinstance(i, Paper)]
    bad = [i for i in items if isinstance(i, BadRecord)]
    assert len(papers) + len(bad) == len(items)
    for paper in papers:
        check_paper(paper)
    for record in bad:
        assert record.location.startswith(f"{path}:") and record.location.rsplit(":", 1)[1].isdigit()
        assert record.reason and len(record.reason) < 500
    return papers, bad


def write(tmp_path: Path, name: str, data: bytes, gzipped: bool) -> Path:
    path = tmp_path / (name + (".gz" if gzipped else ""))
    path.write_bytes(gzip.compress(data) if gzipped else data)
    return path


# --- any bytes, any text ----------------------------------------------------------


@SETTINGS
@given(data=st.binary(max_size=400), name=st.sampled_from(NAMES), gzipped=st.booleans())
def test_any_bytes_ingest_or_are_reported(tmp_path, data, name, gzipped):
    consume(write(tmp_path, name, data, gzipped))


# Text made of the pieces formats are built from, so that parsers go deep.
SYNTAX = st.sampled_from([
    "{", "}", "[", "]", '"', "'", ",", ":", ";", "\n", "\r\n", "\r", "\t", " ", "@article{", "@string{",
    "title", "abstract", "year", "id", "authors", "references", "=", "#", "\\", '\\"', "\\u0000", "\\ud800",
    "null", "true", "1e999", "-0", "2020", "99999999999999999999", "and", "Subscribe", "Daily Papers",
    "Graph Neural Networks", "We study graphs in this paper and show results.", "doi:10.1/x", "<script>", "\u2028",
])
TEXT = st.lists(st.one_of(SYNTAX, st.text(max_size=8)), max_size=60).map("".join)


@SETTINGS
@given(text=TEXT, name=st.sampled_from(NAMES), gzipped=st.booleans(),
       fmt=st.sampled_from([None, "listing", "jsonl", "json", "csv", "bibtex", "openalex", "ris", "csl", "crossref"]))
def test_any_text_in_any_format_ingests_or_is_reported(tmp_path, text, name, gzipped, fmt):
    consume(write(tmp_path, name, text.encode("utf-8"), gzipped), format=fmt)


@SETTINGS
@given(text=TEXT, gzipped=st.booleans())
def test_any_citation_list_gives_pairs_or_reports(tmp_path, text, gzipped):
    path = write(tmp_path, "cites.csv", text.encode("utf-8"), gzipped)
    try:
        items = list(iter_citations(path))
    except UnreadableFile:
        return
    for item in items:
        if isinstance(item, BadRecord):
            assert item.location.startswith(f"{path}:")
        else:
            citing, cited = item
            assert citing and cited and citing == citing.strip() and cited == cited.strip()
            assert len(citing.encode()) <= MAX_KEY_BYTES and len(cited.encode()) <= MAX_KEY_BYTES


# --- structured records: each record is exactly one paper or one bad record ----------------

SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**30), st.floats(allow_nan=True),
                   st.text(max_size=20), st.sampled_from(["2020", "20x0", "", " ", "10.1000/ABC", "<b>x</b>"]))
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                        max_size=3), max_leaves=8)
KEYS = st.sampled_from(["id", "title", "abstract", "authors", "year", "venue", "doi", "arxiv_id", "url", "label",
                        "references", "Title", "ABSTRACT", "extra", "community", "pages", "x y"])
RECORD = st.dictionaries(KEYS, VALUE, max_size=7)


def _expected(record: dict, where: str) -> Paper | BadRecord:
    return record_to_paper(record, where)


@SETTINGS
@given(records=st.lists(st.one_of(RECORD, st.just("garbage {"), st.just([1, 2])), min_size=1, max_size=8),
       gzipped=st.booleans())
def test_json_lines_map_line_to_outcome(tmp_path, records, gzipped):
    lines = [json.dumps(r) if not isinstance(r, str) else r for r in records]
    path = write(tmp_path, "r.jsonl", "\n".join(lines).encode("utf-8"), gzipped)
    items = list(iter_papers(path))
    assert len(items) == len(records)  # one outcome per record, none twice
    for number, (record, item) in enumerate(zip(records, items), 1):
        where = f"{path}:{number}"
        if isinstance(record, dict):
            expected = _expected(record, where)
            assert item == expected if isinstance(item, Paper) else str(item) == str(expected)
        else:
            assert isinstance(item, BadRecord) and item.location == where
        if isinstance(item, Paper):
            check_paper(item)


@SETTINGS
@given(records=st.lists(RECORD, max_size=6), wrap=st.booleans())
def test_json_document_maps_element_to_outcome(tmp_path, records, wrap):
    document = {"papers": records} if wrap else records
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    outcome = consume(path)
    if outcome is None:
        return
    papers, bad = outcome
    assert len(papers) + len(bad) == len(records)
    expected = [_expected(r, "x") for r in records]
    assert papers == [e for e in expected if isinstance(e, Paper)]
    assert [b.reason for b in bad] == [e.reason for e in expected if isinstance(e, BadRecord)]


NEWLINE = re.compile(r"\r\n|\r|\n")
CELL = st.one_of(st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12), st.sampled_from(['a "quoted" word', "x,y", "line\nbreak", "cr\rhere",
                                                        '5" floppy', '""', "", " ", "2020", "Ann; Bo"]))


@SETTINGS
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=8), gzipped=st.booleans(),
       crlf=st.booleans())
def test_csv_written_by_the_csv_module_reads_back_row_by_row(tmp_path, rows, gzipped, crlf):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(["id", "title", "abstract"])
    starts = []
    for row in rows:
        starts.append(len(NEWLINE.findall(buffer.getvalue())) + 1)  # lines as text files count them
        writer.writerow(row)
    text = buffer.getvalue()
    # with "\n" line ends the csv module leaves a lone "\r" unquoted, which no reader can read back
    assume(crlf or "\r" not in "".join(c for r in rows for c in r))
    path = write(tmp_path, "r.csv", text.encode("utf-8"), gzipped)
    items = list(iter_papers(path))
    blank = [not r[0].strip() and not r[1].strip() and not r[2].strip() for r in rows]
    expected = []
    for start, row, empty in zip(starts, rows, blank):
        raw = {k: (v if v.strip() else None) for k, v in zip(("id", "title", "abstract"), row)}
        expected.append(record_to_paper(raw, f"{path}:{start}"))
    got = [str(i) if isinstance(i, BadRecord) else i for i in items]
    want = [str(e) if isinstance(e, BadRecord) else e for e in expected]
    assert got == want


FIELD_TEXT = st.lists(st.sampled_from(list("ab {}\\\"'@,=#\n") + ["\\'e", " and ", "\\emph{x}"]), max_size=30).map("".join)


@SETTINGS
@given(entries=st.lists(st.dictionaries(st.sampled_from(["title", "abstract", "author", "year", "doi", "note"]),
                                         FIELD_TEXT, max_size=4), max_size=5),
       gzipped=st.booleans())
def test_bibtex_entries_ingest_or_are_reported(tmp_path, entries, gzipped):
    text = "\n".join(
        "@article{k%d,\n%s}\n" % (i, ",\n".join(f"  {name} = {{{value}}}" for name, value in entry.items()))
        for i, entry in enumerate(entries)
    )
    consume(write(tmp_path, "r.bib", text.encode("utf-8"), gzipped))


LINE = st.one_of(st.sampled_from(["", "Subscribe", "Jul 30", "42", "Graph Neural Networks",
                                  "We study graphs in this paper and show strong results.", "https://x.io/a"]),
                 st.text(max_size=40))


@SETTINGS
@given(lines=st.lists(LINE, max_size=20), gzipped=st.booleans())
def test_listing_papers_always_have_title_and_abstract(tmp_path, lines, gzipped):
    outcome = consume(write(tmp_path, "r.txt", "\n".join(lines).encode("utf-8"), gzipped))
    if outcome is not None:
        for paper in outcome[0]:
            assert paper.title and paper.abstract
