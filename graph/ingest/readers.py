"""The entry point of ingestion: one file in, papers and bad records out."""

from __future__ import annotations

import json
import os
import re
from typing import Callable, Iterator

from graph.errors import BadRecord, UnreadableFile
from graph.ingest.bibtex import iter_bibtex
from graph.ingest.fields import normalize_key
from graph.ingest.io import FORMATS, TextSource, canonical_format, format_from_extension, inspect
from graph.ingest.limits import MAX_DOCUMENT_BYTES
from graph.ingest.listing import iter_listing, looks_like_listing
from graph.ingest.csl import CROSSREF_MARKERS, CSL_MARKERS, iter_csl, iter_csl_lines
from graph.ingest.openalex import OPENALEX_MARKERS, iter_openalex, iter_openalex_lines
from graph.ingest.arxiv import ARXIV_ROOTS, iter_arxiv
from graph.ingest.jats import JATS_ROOTS, iter_jats
from graph.ingest.pubmed import PUBMED_ROOTS, iter_pubmed
from graph.ingest.xmlstream import root_tag
from graph.ingest.medline import iter_medline, looks_like_medline
from graph.ingest.ris import iter_ris, looks_like_ris
from graph.ingest.semanticscholar import S2_MARKERS, iter_semanticscholar, iter_semanticscholar_citations, iter_semanticscholar_lines
from graph.ingest.openalex_csv import iter_openalex_csv
from graph.ingest.scopus import csv_kind, iter_lens, iter_scopus
from graph.ingest.wos import iter_wos, looks_like_wos
from graph.ingest.records import csv_header, iter_csv, iter_json, iter_jsonl
from graph.models import Paper

__all__ = ["iter_papers", "iter_cited_by", "detect_format", "sniff_format", "json_kind"]

_READERS: dict[str, Callable[[TextSource], Iterator[Paper | BadRecord]]] = {
    "listing": iter_listing,
    "jsonl": iter_jsonl,
    "json": iter_json,
    "csv": iter_csv,
    "bibtex": iter_bibtex,
    "openalex": iter_openalex,
    "ris": iter_ris,
    "csl": iter_csl,
    "crossref": iter_csl,  # Crossref's work schema is CSL's parent: one converter reads both
    "wos": iter_wos,
    "scopus": iter_scopus,
    "lens": iter_lens,
    "openalex_csv": iter_openalex_csv,
    "medline": iter_medline,
    "pubmed": iter_pubmed,
    "jats": iter_jats,
    "arxiv": iter_arxiv,
    "s2": iter_semanticscholar,
}
# Formats parsed whole (one JSON value; BibTeX's @string macros), hence size-capped.
_WHOLE = ("json", "bibtex", "openalex", "csl", "crossref", "s2")
# JSON export formats told apart by the keys in the first ~64 KiB.
_JSON_KINDS = (
    ("openalex", tuple(re.compile(re.escape(marker)) for marker in OPENALEX_MARKERS)),
    ("crossref", CROSSREF_MARKERS),
    ("csl", CSL_MARKERS),
    ("s2", tuple(re.compile(re.escape(marker)) for marker in S2_MARKERS)),
)
_BIBTEX_ENTRY = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+\s*[{(]", re.MULTILINE)


def iter_papers(path: str | os.PathLike[str], *, format: str | None = None) -> Iterator[Paper | BadRecord]:
    """Read one input file: its papers, and a :class:`BadRecord` for each unusable record.

    Parameters
    ----------
    path : str or path-like
        A listing ``.txt``, ``.jsonl``/``.ndjson``, ``.json``, ``.csv`` or
        ``.bib``/``.bibtex`` file, optionally gzip-compressed (``.gz`` or gzip
        magic bytes). Another extension is sniffed from the content.
    format : str, optional
        Force a format: one of :data:`~graph.ingest.io.FORMATS` (``listing, jsonl, json, csv,
        bibtex, openalex, ris, csl, crossref, wos, scopus, lens, medline, pubmed, arxiv, s2``).
        Without it, a tagged export (WoS, MEDLINE, RIS) is told from its content even
        when named ``.txt``, a Scopus or Lens CSV from its header, and XML (PubMed,
        arXiv OAI-PMH) from its root element.

    Returns
    -------
    iterator of Paper or BadRecord
        In file order. A bad record (no title and no abstract, an unparseable
        year, a broken JSON line, a CSV row with the wrong number of fields,
        ...) carries its ``file:line`` location and a reason; reading goes on.
        JSON lines and CSV are streamed, so memory stays bounded.

    Raises
    ------
    UnreadableFile
        At once, for a file that cannot be read at all: missing, a directory,
        not UTF-8 (with byte offset and line), binary, empty, or of unknown
        format; a CSV header with no ``title``/``abstract`` column; a JSON or
        BibTeX file over :data:`~graph.ingest.limits.MAX_DOCUMENT_BYTES`. A ``.json``
        document that is not valid JSON as a whole raises when iteration starts.
    InvalidParameter
        For an unknown ``format`` name.
    """
    forced = canonical_format(format) if format is not None else None
    source = inspect(path)
    fmt = forced or detect_format(source)
    if fmt in _WHOLE and source.size > MAX_DOCUMENT_BYTES:
        raise UnreadableFile(
            source.path,
            f"{source.size:,} bytes of text is over the limit of {MAX_DOCUMENT_BYTES:,} for a {fmt} file, "
            "which is parsed whole; split it, or convert it to JSON lines (streamed)",
        )
    if fmt in ("csv", "scopus", "lens", "openalex_csv"):
        csv_header(source)  # a CSV without a text column fails now, not at first read
    if fmt in _LINE_READERS and _is_json_lines(source):
        return _LINE_READERS[fmt](source)  # streamed, so not size-capped
    return _READERS[fmt](source)


def iter_cited_by(path: str | os.PathLike[str], *, format: str | None = None) -> Iterator[tuple[str, str]]:
    """``(citing, cited)`` citation pairs that a paper file holds besides its papers'
    references: the papers citing each paper, where the format lists them
    (Semantic Scholar's ``citations``: :func:`graph.ingest.semanticscholar.iter_semanticscholar_citations`);
    none for other formats. Ingest attaches them as it attaches ``--citations`` pairs."""
    forced = canonical_format(format) if format is not None else None
    source = inspect(path)
    if (forced or detect_format(source)) != "s2":
        return iter(())
    return iter_semanticscholar_citations(source, lines=_is_json_lines(source))


# JSON Lines variants of the JSON export formats, streamed line by line.
_LINE_READERS: dict[str, Callable[[TextSource], Iterator[Paper | BadRecord]]] = {
    "openalex": iter_openalex_lines,
    "csl": iter_csl_lines,
    "crossref": iter_csl_lines,
    "s2": iter_semanticscholar_lines,
}


def _is_json_lines(source: TextSource) -> bool:
    """Whether the file is one JSON object per line: its first line is a whole object
    and more follows (a file of one line is one document, e.g. a Crossref REST response)."""
    if format_from_extension(source.path) == "jsonl":
        return True
    text = source.head.lstrip()
    if not text.startswith("{"):
        return False
    first, _, rest = text.partition("\n")
    if not rest.strip():
        return False
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


def json_kind(head: str) -> str | None:
    """The export format of JSON text from the keys in its first bytes, or None (our schema).

    >>> json_kind('{"results": [{"id": "https://openalex.org/W1", "abstract_inverted_index": null}]}')
    'openalex'
    >>> json_kind('{"DOI": "10.1/x", "type": "journal-article", "title": ["T"], "reference": []}')
    'crossref'
    >>> json_kind('[{"id": "k", "title": "T", "issued": {"date-parts": [[2001]]}}]')
    'csl'
    >>> json_kind('[{"title": "T"}]') is None
    True
    """
    for name, markers in _JSON_KINDS:
        if any(marker.search(head) for marker in markers):
            return name
    return None


def detect_format(source: TextSource) -> str:
    """The format of a checked file: from its extension, else from its content.

    Raises
    ------
    UnreadableFile
        If neither the extension nor the content tells the format.
    """
    by_name = format_from_extension(source.path)
    if by_name in ("json", "jsonl"):
        # An export saved as .json/.jsonl: OpenAlex etc. are told from their keys.
        return json_kind(source.head) or by_name
    if by_name == "listing":
        # Tagged exports are .txt files too (WoS savedrecs.txt, a MEDLINE download).
        return _tagged_kind(source.head) or by_name
    if by_name == "csv":
        return csv_kind(source.head) or by_name  # a Scopus or Lens export, by its header
    return by_name or sniff_format(source)


def _tagged_kind(head: str) -> str | None:
    """The tagged export format (WoS, MEDLINE, RIS) of text, or None."""
    if looks_like_wos(head):
        return "wos"
    if looks_like_medline(head):
        return "medline"
    if looks_like_ris(head):
        return "ris"
    return None


def _xml_kind(path: str, text: str) -> str:
    """``pubmed``, ``arxiv`` or ``jats`` from the root element of XML text."""
    root = root_tag(text)
    if root in PUBMED_ROOTS:
        return "pubmed"
    if root in ARXIV_ROOTS:
        return "arxiv"
    if root in JATS_ROOTS:
        return "jats"
    raise UnreadableFile(
        path, f"XML with root element <{root}> is neither PubMed (<PubmedArticleSet>), arXiv OAI-PMH "
              f"(<OAI-PMH>) nor JATS (<article>); force one of: {', '.join(FORMATS)}")


def sniff_format(source: TextSource) -> str:
    """Guess the format from the first ~64 KiB of text.

    Raises
    ------
    UnreadableFile
        If the text looks like none of the formats.
    """
    text = source.head.lstrip()
    first_line = text.split("\n", 1)[0].strip()
    if text.startswith("<"):
        return _xml_kind(source.path, text)
    if text.startswith(("[", "{")) and json_kind(text):
        return json_kind(text)
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        try:
            return "jsonl" if isinstance(json.loads(first_line), dict) else "json"
        except (ValueError, RecursionError):  # not one JSON line (or a nesting bomb)
            return "json"
    tagged = _tagged_kind(source.head)  # "FN"/"PT" (WoS), a line starting with "TY  - " (RIS)
    if tagged:
        return tagged
    if _BIBTEX_ENTRY.search(text):  # after comments, a line starting with @type{
        return "bibtex"
    for delimiter in (",", "\t"):
        if delimiter in first_line:
            names = {normalize_key(name) for name in first_line.split(delimiter)}
            if names & {"title", "abstract"}:
                return csv_kind(text) or "csv"
    if looks_like_listing(text):
        return "listing"
    raise UnreadableFile(
        source.path,
        "unknown format: the extension is not one of .txt .jsonl .ndjson .json .csv .bib .ris .isi .nbib "
        f"and the content does not look like any of them (force one of: {', '.join(FORMATS)})",
    )
