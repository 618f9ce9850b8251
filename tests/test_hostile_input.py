"""Hostile and broken input (issue #7): clear errors, bounded memory, nothing lost.

Each case says what is wrong and where (``file:line`` and the field), the
memory used stays bounded (line-based readers never hold more than
``MAX_RECORD_CHARS`` of a record), and a bad file changes nothing that was
already stored.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.errors import StrictModeError, UnreadableFile
from graph.ingest import deduplicate, iter_papers
from graph.ingest.limits import (
    MAX_ABSTRACT_CHARS,
    MAX_DOCUMENT_BYTES,
    MAX_FIELD_CHARS,
    MAX_JSON_DEPTH,
    MAX_KEY_BYTES,
    MAX_LIST_ITEMS,
    MAX_RECORD_CHARS,
    MAX_TITLE_CHARS,
)
from graph.models import Paper
from graph.jobs import ingest
from tests.conftest import ROOT
from tests.readers_support import read

runner = CliRunner()

BIG = 50 * 1024 * 1024  # the 50 MB abstract
XSS = "<script>alert(1)</script>"
CYPHER = "x'}) MATCH (n) DETACH DELETE n // \"$param` `\\u0027 {a:1} ]]; --"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def snapshot(store) -> tuple[dict, list[dict]]:
    """Everything a hostile file must leave alone: counts and every stored paper."""
    return store.counts(), sorted((p.to_dict() for p in store.iter_papers()), key=lambda d: d["id"])


GOOD_JSONL = "\n".join(json.dumps(r) for r in (
    {"id": "p1", "title": "Graph neural networks", "abstract": "We learn on graphs.", "year": 2020,
     "references": ["p2"]},
    {"id": "p2", "title": "Spectral clustering", "abstract": "Eigenvectors of the Laplacian.", "year": 2001},
    {"id": "p3", "title": XSS, "abstract": "A title with a script tag.", "authors": ["<b>Eve</b>"]},
)) + "\n"


# --- unreadable files: what and where --------------------------------------------


def test_binary_file_is_unreadable_with_offset_and_line(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256))
    path = write(tmp_path, "papers.jsonl", png)
    with pytest.raises(UnreadableFile) as info:
        iter_papers(path)
    assert str(info.value) == f"{path}: binary file, not text (NUL byte at byte offset 8, line 3)"


def test_binary_file_inside_gzip_is_unreadable(tmp_path):
    path = write(tmp_path, "papers.csv.gz", gzip.compress(b"title,abstract\nA,B\n" + b"\x00" * 10))
    with pytest.raises(UnreadableFile, match=r"NUL byte at byte offset 19, line 3"):
        iter_papers(path)


def test_non_utf8_file_names_byte_offset_and_line(tmp_path):
    text = "title,abstract\nCaf\u00e9,ok\n".encode("latin-1")
    path = write(tmp_path, "papers.csv", text)
    with pytest.raises(UnreadableFile) as info:
        iter_papers(path)
    assert str(info.value) == f"{path}: not UTF-8 text (invalid byte 0xe9 at byte offset 18, line 2)"


@pytest.mark.parametrize("name", ["p.jsonl", "p.json", "p.csv", "p.txt", "p.bib"])
def test_unreadable_file_reads_nothing_in_every_format(tmp_path, name):
    path = write(tmp_path, name, b'{"title": "ok"}\n\xff\xfe')
    with pytest.raises(UnreadableFile, match=r"not UTF-8 text \(invalid byte 0xff at byte offset 16, line 2\)"):
        iter_papers(path)


def test_whole_file_formats_refuse_a_document_over_the_limit(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as out:  # sparse-ish: a long run of spaces after a valid start
        out.write(b"[" + b" " * (MAX_DOCUMENT_BYTES + 1) + b"]")
    with pytest.raises(UnreadableFile, match=r"over the limit of 268,435,456 for a json file.*JSON lines"):
        iter_papers(path)


# --- the 50 MB abstract: reported at its line, the next record still read ----------


# format -> (text before the abstract, text after it, line of the record)
BIG_FILES = {
    "jsonl": ('{"id": "huge", "title": "Huge", "abstract": "', '"}\n{"id": "ok", "title": "Fine", "abstract": "Short."}\n', 1),
    "csv": ('id,title,abstract\nhuge,Huge,"', '"\nok,Fine,Short.\n', 2),
    "txt": ("Subscribe\n\nHuge Title Here\n\n", "\n\nFine\n\nShort, a sentence that ends here.\n", 3),
    "json": ('[{"id": "huge", "title": "Huge", "abstract": "', '"},\n{"id": "ok", "title": "Fine", "abstract": "Short."}]\n', 1),
    "bib": ("@article{huge, title={Huge}, abstract={", "}}\n@article{ok, title={Fine}, abstract={Short.}}\n", 1),
}


@pytest.mark.parametrize(
    "fmt, reason",
    [
        ("jsonl", "line of {n:,} characters, over the limit of 1,048,576"),
        ("csv", "CSV record of {n:,} characters, over the limit of 1,048,576"),
        ("txt", "paper 'Huge Title Here' skipped: line 5 of its abstract has {n:,} characters, "
                "over the limit of 1,048,576"),
        ("json", "'abstract' has 52,428,800 characters, over the limit of 100,000"),
        ("bib", "entry of {n:,} characters, over the limit of 1,048,576"),
    ],
)
def test_50mb_abstract_is_reported_and_the_rest_is_read(tmp_path, fmt, reason):
    before, after, line = BIG_FILES[fmt]
    big = "word " * (BIG // 5)
    if fmt == "csv":
        big = big.replace(" ", "\n", 1000)  # quoted newlines too
    path = tmp_path / f"big.{fmt}"
    with open(path, "w", encoding="utf-8") as out:
        out.write(before + big + after)
    # the reported size: the record's own lines (jsonl, csv: with its end), the entry, the line
    n = {"jsonl": len(before) + BIG + 3, "csv": BIG + len("huge,Huge,\"\"\n"),
         "txt": BIG + 1, "bib": len(before) + BIG + 2}.get(fmt, 0)
    papers, bad = read(path)
    assert bad == [(f"{path}:{line}", reason.format(n=n))]
    assert [(p.title, p.abstract[:5]) for p in papers] == [("Fine", "Short")]


def test_abstract_just_over_the_limit_names_the_field(tmp_path):
    rows = [{"title": "At limit", "abstract": "a" * MAX_ABSTRACT_CHARS},
            {"title": "Over", "abstract": "a" * (MAX_ABSTRACT_CHARS + 1)},
            {"title": "t" * (MAX_TITLE_CHARS + 1)},
            {"title": "Long venue", "venue": "v" * (MAX_FIELD_CHARS + 1)},
            {"title": "Long id", "id": "\U0001f600" * (MAX_KEY_BYTES // 4 + 1)},
            {"title": "Many authors", "authors": ["A"] * (MAX_LIST_ITEMS + 1)},
            {"title": "Long ref", "references": ["r" * (MAX_FIELD_CHARS + 1)]},
            {"title": "Long extra", "notes": "n" * (MAX_FIELD_CHARS + 1)}]
    path = write(tmp_path, "limits.jsonl", "\n".join(json.dumps(r) for r in rows))
    papers, bad = read(path)
    assert [p.title for p in papers] == ["At limit"]
    assert [reason for _, reason in bad] == [
        "'abstract' has 100,001 characters, over the limit of 100,000",
        "'title' has 2,001 characters, over the limit of 2,000",
        "'venue' has 4,001 characters, over the limit of 4,000",
        "'id' has 1,001 characters, over the limit of 4,000 bytes for an id",
        "'authors' has 10,001 entries, over the limit of 10,000",
        "'references' has 4,001 characters, over the limit of 4,000",
        "'notes' has 4,001 characters, over the limit of 4,000",
    ]
    assert [loc for loc, _ in bad] == [f"{path}:{n}" for n in range(2, 9)]


def test_listing_abstract_growing_past_the_limit_is_skipped_whole(tmp_path):
    # many ordinary prose lines: none is over the line limit, together they are
    prose = "This sentence is part of a very long abstract that keeps going on and on.\n"
    lines = ["First Title", prose * (MAX_ABSTRACT_CHARS // len(prose) + 2), "Second Title", prose]
    path = write(tmp_path, "page.txt", "\n".join(lines))
    papers, bad = read(path)
    assert [p.title for p in papers] == ["Second Title"]
    assert bad == [(f"{path}:1", "paper 'First Title' skipped: its abstract runs past the limit of "
                                 "100,000 characters (at line 1353)")]


# --- JSON nesting bombs ---------------------------------------------------------------


def _nest(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_lines_nesting_bomb_is_a_bad_record(tmp_path):
    lines = ['{"title": "Bomb", "x": %s}' % _nest(100_000), _nest(400_000), '{"title": "After"}']
    path = write(tmp_path, "bomb.jsonl", "\n".join(lines))
    papers, bad = read(path)
    assert [p.title for p in papers] == ["After"]
    assert bad == [(f"{path}:1", "JSON nested deeper than 64 levels"), (f"{path}:2", "JSON nested deeper than 64 levels")]


def test_json_nesting_at_the_limit_is_fine_and_one_over_is_not(tmp_path):
    ok = {"title": "Deep but ok", "x": json.loads(_nest(MAX_JSON_DEPTH - 1))}
    over = {"title": "Too deep", "x": json.loads(_nest(MAX_JSON_DEPTH))}
    path = write(tmp_path, "edge.jsonl", json.dumps(ok) + "\n" + json.dumps(over) + "\n")
    papers, bad = read(path)
    assert [p.title for p in papers] == ["Deep but ok"]
    assert bad == [(f"{path}:2", "JSON nested deeper than 64 levels")]


def test_json_array_skips_a_nested_element_and_goes_on(tmp_path):
    text = '[{"title": "Before"},\n%s,\n{"title": "x", "deep": %s},\n{"title": "After"}]' % (
        _nest(500_000), _nest(70))
    path = write(tmp_path, "bomb.json", text)
    papers, bad = read(path)
    assert [p.title for p in papers] == ["Before", "After"]
    assert bad == [(f"{path}:2", "JSON nested deeper than 64 levels"), (f"{path}:3", "JSON nested deeper than 64 levels")]


@pytest.mark.parametrize("name", ["bomb.json", "bomb.dat"])
def test_json_object_nesting_bomb_is_unreadable(tmp_path, name):
    path = write(tmp_path, name, '{"papers": [{"title": "a", "x": %s}]}' % _nest(200_000))
    with pytest.raises(UnreadableFile) as info:
        list(iter_papers(path))
    assert str(info.value) == f"{path}: JSON nested deeper than 64 levels (line 1)"


def test_json_numbers_past_python_int_limit_are_reported(tmp_path):
    path = write(tmp_path, "nums.jsonl", '{"title": "A", "year": %s}\n{"title": "B", "pages": %s}\n{"title": "C"}\n'
                 % ("9" * 5000, "9" * 100))
    papers, bad = read(path)
    assert [p.title for p in papers] == ["C"]
    assert bad[0] == (f"{path}:1", "invalid JSON: Exceeds the limit (4300 digits) for integer string conversion")
    assert bad[1][0] == f"{path}:2" and bad[1][1].startswith("'pages' is a number too large to be text: 9999")


def test_json_escapes_that_are_not_text_are_reported(tmp_path):
    path = write(tmp_path, "esc.jsonl", '{"title": "bad \\ud800 half"}\n{"title": "nul \\u0000"}\n'
                                        '{"title": "fine \\u00e9 \\ud83d\\ude00"}\n')
    papers, bad = read(path)
    assert [p.title for p in papers] == ["fine \u00e9 \U0001f600"]
    assert bad == [(f"{path}:1", "'title' holds an unpaired surrogate U+D800, not text"),
                   (f"{path}:2", "'title' holds a NUL character, not text")]


# --- CSV: quotes and newlines inside fields; a million lines ---------------------------


def test_csv_quotes_and_newlines_inside_fields(tmp_path):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "title", "abstract", "authors"])
    writer.writerow(["a", 'He said "hi", twice', "line one\nline two,\r\nline three", "Ann; Bo"])
    writer.writerow(["b", "Plain", "x", ""])
    writer.writerow(["c", '5" floppy', '"quoted"', 'Cy "Doc" Dee'])
    content = buffer.getvalue() + 'd,5" floppy unquoted,a "b" c,\n' + 'e,"never closed,x,\nf,Lost,y,\n'
    path = write(tmp_path, "quoted.csv", content)
    papers, bad = read(path)
    assert [(p.id, p.title, p.abstract, p.authors) for p in papers] == [
        ("a", 'He said "hi", twice', "line one line two, line three", ("Ann", "Bo")),
        ("b", "Plain", "x", ()),
        ("c", '5" floppy', '"quoted"', ('Cy "Doc" Dee',)),
        ("d", '5" floppy unquoted', 'a "b" c', ()),
    ]
    # a is lines 2-4, so b is line 5; the unclosed quote runs from line 8 to the end
    assert bad == [(f"{path}:8", "a quoted field is never closed (its '\"' has no match before the end of the file)")]


def test_csv_record_over_the_limit_resyncs_at_its_real_end(tmp_path):
    # a quoted field with many short lines: no line is long, the record is
    body = "x\n" * (MAX_RECORD_CHARS // 2 + 10)
    content = f'title,abstract\nBig,"{body}"\nNext,"has, a comma"\n'
    path = write(tmp_path, "long.csv", content)
    papers, bad = read(path)
    assert [(p.title, p.abstract) for p in papers] == [("Next", "has, a comma")]
    assert bad == [(f"{path}:2", f"CSV record of {len(body) + 7:,} characters, over the limit of 1,048,576")]


def _million_line_csv(path: Path, lines: int = 1_000_000) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("id,title,abstract,year\n")
        chunk = 50_000
        for start in range(0, lines - 1, chunk):
            out.write("".join(
                f'p{i},"Title {i}, with a comma","Abstract of paper {i} about graphs.",{1990 + i % 30}\r\n'
                for i in range(start, min(start + chunk, lines - 1))
            ))


@pytest.mark.slow  # ~15 s on an idle machine, over 60 s on a loaded CI box
def test_million_line_csv_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "million.csv"
    _million_line_csv(path)
    script = textwrap.dedent(f"""
        import resource, sys
        sys.path.insert(0, {str(ROOT)!r})
        from graph.ingest import iter_papers
        from graph.models import Paper
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        papers = bad = 0
        last = None
        for item in iter_papers({str(path)!r}):
            if isinstance(item, Paper):
                papers += 1
                last = item
            else:
                bad += 1
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(papers, bad, last.id, last.year, peak - base)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    papers, bad, last_id, last_year, grown_kb = out.stdout.split()
    assert (int(papers), int(bad), last_id, int(last_year)) == (999_999, 0, "p999998", 1990 + 999_998 % 30)
    assert int(grown_kb) < 50_000, f"reading 1M CSV lines grew RSS by {grown_kb} KB"


# --- duplicates and unknown references ----------------------------------------------------


def test_duplicate_ids_with_conflicting_fields_first_wins_and_is_reported(tmp_path, sqlite_store, caplog):
    path = write(tmp_path, "dups.jsonl", "\n".join(json.dumps(r) for r in (
        {"id": "p1", "title": "First title", "year": 2000, "venue": "A"},
        {"id": "p1", "title": "Second title", "year": 2001, "abstract": "Fills a gap.", "venue": "A"},
        {"id": "p2", "title": "Same", "year": 1999},
        {"id": "p2", "title": "SAME!", "year": 1999, "label": "x"},
    )))
    with caplog.at_level(logging.WARNING, logger="graph.jobs"):
        report = ingest(sqlite_store, [path])
    assert (report.records, report.duplicates, report.papers_written, report.problems) == (4, 2, 2, [])
    assert [r.getMessage() for r in caplog.records] == [
        "duplicate records: paper 'p1': its records disagree on title, year; the first record's values are kept"]
    stored = sqlite_store.get_papers(["p1", "p2"])
    assert (stored["p1"].title, stored["p1"].year, stored["p1"].abstract) == ("First title", 2000, "Fills a gap.")
    assert (stored["p2"].title, stored["p2"].label) == ("Same", "x")


def test_dedup_conflicts_name_the_fields():
    a = Paper(id="p", title="T", year=2000, doi="10.1/a")
    b = Paper(id="p", title="t.", year=2000, doi="https://doi.org/10.1/A", venue="V")
    c = Paper(id="p", title="Other", authors=("X",))
    assert deduplicate([a, b]).conflicts == []
    assert deduplicate([a, b, c]).conflicts == [
        "paper 'p': its records disagree on title; the first record's values are kept"]


def test_references_to_unknown_papers_are_kept_and_counted(tmp_path, sqlite_store):
    from graph.jobs import build

    path = write(tmp_path, "refs.jsonl", GOOD_JSONL)
    cites = write(tmp_path, "cites.csv", "citing,cited\np1,nowhere\nghost,p1\np2,p1\n")
    report = ingest(sqlite_store, [path], citations=[cites])
    assert (report.citation_pairs, report.citations_unknown, report.problems) == (3, 1, [])
    stored = sqlite_store.get_papers(["p1", "p2"])
    assert stored["p1"].references == ("p2", "nowhere") and stored["p2"].references == ("p1",)
    assert build(sqlite_store).counts["unresolved_references"] == 1


# --- HTML/JS and Cypher metacharacters: stored verbatim, escaped when shown -----------------


HOSTILE_PAPERS = [
    {"id": CYPHER, "title": XSS + " ` MATCH (n) DETACH DELETE n", "abstract": "Graphs and <b>tags</b> & more."},
    {"id": "plain", "title": "A plain paper about graphs", "abstract": "Graphs.", "references": [CYPHER],
     "venue": "{{7*7}} ${7*7} \\'; DROP TABLE papers; --"},
]


def test_hostile_strings_round_trip_verbatim_through_both_stores(tmp_path, store):
    path = write(tmp_path, "hostile.jsonl", "\n".join(json.dumps(r) for r in HOSTILE_PAPERS))
    report = ingest(store, [path])
    assert (report.papers_written, report.problems) == (2, [])
    stored = store.get_papers([CYPHER, "plain"])
    assert stored[CYPHER].title == XSS + " ` MATCH (n) DETACH DELETE n"
    assert stored["plain"].references == (CYPHER,)
    assert stored["plain"].venue == "{{7*7}} ${7*7} \\'; DROP TABLE papers; --"
    assert store.counts()["papers"] == 2
    assert store.ids_by_title_key({stored[CYPHER].title_key}) == {stored[CYPHER].title_key: CYPHER}


def test_viz_page_and_api_json_escape_a_script_title(tmp_path, sqlite_store):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from graph.config import Settings
    from graph.jobs import analyze, build

    path = write(tmp_path, "xss.jsonl", GOOD_JSONL)
    ingest(sqlite_store, [path])
    build(sqlite_store)
    analyze(sqlite_store)
    with TestClient(create_app(Settings(), store=sqlite_store), raise_server_exceptions=False) as client:
        for url in ("/viz/papers/p3", "/viz/papers/p1", "/viz"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.headers["content-type"].startswith("text/html")
            assert XSS not in response.text and "<b>Eve</b>" not in response.text, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/viz/papers/p3").text
        response = client.get("/papers/p3")
        assert response.headers["content-type"] == "application/json"
        assert (response.json()["title"], response.json()["authors"]) == (XSS, ["<b>Eve</b>"])  # JSON: verbatim


# --- a bad file loses nothing; re-running is safe -------------------------------------------


def _hostile_files(tmp_path: Path) -> list[Path]:
    return [
        write(tmp_path, "binary.jsonl", b"\x00\x01\x02"),
        write(tmp_path, "latin1.csv", "title,abstract\nCaf\u00e9,x\n".encode("latin-1")),
        write(tmp_path, "bomb.jsonl", _nest(100_000)),
        write(tmp_path, "broken.json", '[{"title": "Graph neural networks", "year": 3000}, {"title": '),
        write(tmp_path, "noheader.csv", "foo,bar\n1,2\n"),
        write(tmp_path, "empty.txt", "\n\n  \n"),
        write(tmp_path, "bad.bib", "@article{p1, title={Graph neural networks}, year={soon}}\n@article{x, title={"),
        write(tmp_path, "dup.jsonl", '{"id": "p1", "title": "Graph neural networks", "abstract": "' + "a" * 200_000
              + '"}\n{"id": "p2", "year": "x", "title": "Spectral clustering"}\n'),
    ]


def _ingest_or_refuse(store, path: Path) -> None:
    try:
        report = ingest(store, [path], strict=True)
    except (UnreadableFile, StrictModeError):
        return
    raise AssertionError(f"{path.name} was accepted: {report.to_dict()}")


def test_hostile_files_leave_the_embedded_store_unchanged(tmp_path, sqlite_store):
    good = write(tmp_path, "good.jsonl", GOOD_JSONL)
    ingest(sqlite_store, [good])
    before = snapshot(sqlite_store)
    assert before[0]["papers"] == 3
    for path in _hostile_files(tmp_path):
        _ingest_or_refuse(sqlite_store, path)
        assert snapshot(sqlite_store) == before, path.name
        try:  # without --strict: every record of these files is bad, so nothing is written either
            report = ingest(sqlite_store, [path])
        except UnreadableFile:
            continue
        assert (report.records, report.papers_written) == (0, 0), path.name
        assert report.problems and all(p.startswith(f"{path}:") for p in report.problems), path.name
        assert snapshot(sqlite_store) == before, path.name
    ingest(sqlite_store, [good])  # re-running the good file is a no-op
    assert snapshot(sqlite_store)[1] == before[1]


def test_hostile_file_leaves_both_stores_unchanged_and_rerun_is_safe(tmp_path, store):
    good = write(tmp_path, "good.jsonl", GOOD_JSONL)
    ingest(store, [good])
    before = snapshot(store)
    for path in _hostile_files(tmp_path)[:4]:
        with pytest.raises((UnreadableFile, StrictModeError)):
            ingest(store, [path], strict=True)
        assert snapshot(store) == before, path.name
    ingest(store, [good])
    ingest(store, [good])
    assert snapshot(store) == before


def test_bad_records_never_touch_a_stored_paper(tmp_path, sqlite_store):
    good = write(tmp_path, "good.jsonl", GOOD_JSONL)
    ingest(sqlite_store, [good])
    before = snapshot(sqlite_store)
    # same ids, every record bad in a different way: none may overwrite or fill anything
    bad = write(tmp_path, "bad.jsonl", "\n".join(json.dumps(r) for r in (
        {"id": "p1", "title": "Graph neural networks", "abstract": "x" * (MAX_ABSTRACT_CHARS + 1)},
        {"id": "p2", "title": "Spectral clustering", "year": 3000, "venue": "New venue"},
        {"id": "p3", "authors": 5, "title": XSS, "label": "new"},
        {"id": "p1", "title": "Graph neural networks", "venue": "v" * (MAX_FIELD_CHARS + 1)},
    )))
    report = ingest(sqlite_store, [bad])
    assert (report.records, report.papers_written, len(report.problems)) == (0, 0, 4)
    assert snapshot(sqlite_store) == before


# --- the command line: exit codes ---------------------------------------------------------------


def _cli(tmp_path: Path, *args: str):
    from api.cli import app

    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "cli.db")}
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def test_cli_unreadable_file_exits_1_bad_records_exit_0_strict_writes_nothing(tmp_path):
    good = write(tmp_path, "good.jsonl", GOOD_JSONL)
    binary = write(tmp_path, "binary.jsonl", b"\x00garbage")
    mixed = write(tmp_path, "mixed.jsonl", '{"title": "New paper on graphs"}\n' + _nest(1000) + "\n")
    assert _cli(tmp_path, "ingest", str(good)).exit_code == 0

    result = _cli(tmp_path, "ingest", str(binary))
    assert result.exit_code == 1
    assert f"{binary}: binary file, not text (NUL byte at byte offset 0, line 1)" in result.stderr

    result = _cli(tmp_path, "ingest", "--strict", str(mixed))
    assert result.exit_code == 1 and f"{mixed}:2: JSON nested deeper than 64 levels" in result.stderr
    stats = json.loads(_cli(tmp_path, "stats", "--json").stdout)
    assert stats["papers"] == 3

    result = _cli(tmp_path, "ingest", str(mixed))
    assert result.exit_code == 0 and f"{mixed}:2: JSON nested deeper than 64 levels" in result.stderr
    assert "1 papers written" in result.stdout
