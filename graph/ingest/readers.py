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
from graph.ingest.records import csv_header, iter_csv, iter_json, iter_jsonl
from graph.models import Paper

__all__ = ["iter_papers", "detect_format", "sniff_format"]

_READERS: dict[str, Callable[[TextSource], Iterator[Paper | BadRecord]]] = {
    "listing": iter_listing,
    "jsonl": iter_jsonl,
    "json": iter_json,
    "csv": iter_csv,
    "bibtex": iter_bibtex,
}
# Formats parsed whole (one JSON value; BibTeX's @string macros), hence size-capped.
_WHOLE = ("json", "bibtex")
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
        Force a format: one of ``listing, jsonl, json, csv, bibtex``.

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
    if fmt == "csv":
        csv_header(source)  # a CSV without a text column fails now, not at first read
    return _READERS[fmt](source)


def detect_format(source: TextSource) -> str:
    """The format of a checked file: from its extension, else from its content.

    Raises
    ------
    UnreadableFile
        If neither the extension nor the content tells the format.
    """
    return format_from_extension(source.path) or sniff_format(source)


def sniff_format(source: TextSource) -> str:
    """Guess the format from the first ~64 KiB of text.

    Raises
    ------
    UnreadableFile
        If the text looks like none of the formats.
    """
    text = source.head.lstrip()
    first_line = text.split("\n", 1)[0].strip()
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        try:
            return "jsonl" if isinstance(json.loads(first_line), dict) else "json"
        except (ValueError, RecursionError):  # not one JSON line (or a nesting bomb)
            return "json"
    if _BIBTEX_ENTRY.search(text):  # after comments, a line starting with @type{
        return "bibtex"
    for delimiter in (",", "\t"):
        if delimiter in first_line:
            names = {normalize_key(name) for name in first_line.split(delimiter)}
            if names & {"title", "abstract"}:
                return "csv"
    if looks_like_listing(text):
        return "listing"
    raise UnreadableFile(
        source.path,
        "unknown format: the extension is not one of .txt .jsonl .ndjson .json .csv .bib "
        f"and the content does not look like any of them (force one of: {', '.join(FORMATS)})",
    )
