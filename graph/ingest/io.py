"""Opening input files: existence, gzip, UTF-8, emptiness and format names.

A file is checked once, streamed in chunks (bounded memory), before any
record is parsed: a file that cannot be read at all raises
:class:`~graph.errors.UnreadableFile` up front, so a reader never yields
half a file and then fails on a bad byte.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from graph.errors import UnreadableFile, param_error

__all__ = [
    "FORMATS",
    "TextSource",
    "inspect",
    "open_text",
    "canonical_format",
    "format_from_extension",
    "location",
    "bounded_lines",
    "is_line_end",
]

#: Paper formats, as accepted by ``format=`` and ``--format``.
FORMATS = ("listing", "jsonl", "json", "csv", "bibtex", "openalex", "ris", "csl", "crossref", "wos", "scopus",
           "lens", "medline", "pubmed", "arxiv", "s2", "openalex_csv", "jats")

_EXTENSIONS = {
    ".txt": "listing",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",  # tab-separated: the delimiter comes from the name (records.csv_header)
    ".tab": "csv",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".ris": "ris",
    ".isi": "wos",
    ".nbib": "medline",
    ".medline": "medline",
}
_ALIASES = {"txt": "listing", "ndjson": "jsonl", "bib": "bibtex", "isi": "wos", "webofscience": "wos",
            "semanticscholar": "s2", "openalex-csv": "openalex_csv", "pmc": "jats", "nxml": "jats", "nbib": "medline", "oai": "arxiv"}

_GZIP_MAGIC = b"\x1f\x8b"
# Other containers we recognise only to say clearly that they are not supported.
_OTHER_MAGIC = (
    (b"PK\x03\x04", "a zip archive"),
    (b"BZh", "bzip2-compressed"),
    (b"\xfd7zXZ\x00", "xz-compressed"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed"),
    (b"%PDF-", "a PDF document"),
)
_BOM = codecs.BOM_UTF8
_CHUNK = 1 << 20
_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class TextSource:
    """A checked, readable UTF-8 text file.

    Attributes
    ----------
    path : str
        The path as the caller gave it; used in ``file:line`` locations.
    gzipped : bool
        Whether the bytes are gzip-compressed (told by the magic bytes).
    head : str
        The first ~64 KiB of text (BOM removed), for content sniffing.
    size : int
        Size of the (decompressed) text in bytes.
    """

    path: str
    gzipped: bool
    head: str
    size: int = 0


def location(path: str, line: int) -> str:
    """The ``file:line`` form every bad record is reported with.

    >>> location("papers.jsonl", 12)
    'papers.jsonl:12'
    """
    return f"{path}:{line}"


def canonical_format(name: str) -> str:
    """Validate a forced format name (``format=`` / ``--format``).

    >>> canonical_format("BIB")
    'bibtex'
    """
    key = name.strip().lower() if isinstance(name, str) else name
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise param_error("format", "ingest", "one of " + ", ".join(FORMATS), name)
    return key


def format_from_extension(path: str | os.PathLike[str]) -> str | None:
    """The format named by the file extension (``.gz`` stripped first), or None.

    >>> format_from_extension("data/papers.JSONL.gz")
    'jsonl'
    >>> format_from_extension("papers.dat") is None
    True
    """
    name = os.fspath(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return _EXTENSIONS.get(os.path.splitext(name)[1])


def inspect(path: str | os.PathLike[str]) -> TextSource:
    """Check that ``path`` is a readable, non-empty UTF-8 text file (gzip ok).

    The whole file is streamed once in 1 MiB chunks, so memory stays bounded.

    Raises
    ------
    UnreadableFile
        Missing, a directory, unreadable, corrupt gzip, another compression,
        binary (NUL bytes), not UTF-8 (with byte offset and line), or empty.
    """
    shown = os.fspath(path)
    fs_path = Path(shown)
    if not fs_path.exists():
        raise UnreadableFile(shown, "no such file")
    if fs_path.is_dir():
        raise UnreadableFile(shown, "is a directory, not a file")
    try:
        with open(fs_path, "rb") as raw:
            magic = raw.read(6)
    except OSError as exc:
        raise UnreadableFile(shown, f"cannot open: {exc.strerror or exc}") from exc
    gzipped = magic.startswith(_GZIP_MAGIC)
    if not gzipped:
        for prefix, what in _OTHER_MAGIC:
            if magic.startswith(prefix):
                raise UnreadableFile(shown, f"is {what}; only plain or gzip-compressed text is supported")
    try:
        head, size = _scan(shown, fs_path, gzipped)
    except UnreadableFile as exc:
        if not gzipped and shown.lower().endswith(".gz"):
            # Issue 21: "not UTF-8 text" hid the real problem, the name promises gzip.
            raise UnreadableFile(
                shown, f"is named .gz but is not gzip-compressed (it does not start with the gzip "
                       f"bytes 1f 8b), and as plain text it fails: {exc.reason}") from exc
        raise
    return TextSource(path=shown, gzipped=gzipped, head=head, size=size)


@contextmanager
def open_text(source: TextSource, *, newline: str | None = None) -> Iterator[IO[str]]:
    """Open a checked source as a UTF-8 text stream (BOM skipped).

    Pass ``newline=""`` for the :mod:`csv` module.
    """
    binary = _open_binary(Path(source.path), source.gzipped)
    try:
        with io.TextIOWrapper(binary, encoding="utf-8-sig", newline=newline) as text:
            yield text
    finally:
        binary.close()


def is_line_end(text: str) -> bool:
    """Whether a piece read by ``readline`` ends its line (any newline convention)."""
    return text.endswith(("\n", "\r"))


def bounded_lines(stream: IO[str], limit: int) -> Iterator[tuple[int, str | None, int]]:
    """``(line number, line, length)`` of each line, holding at most ``limit`` characters.

    ``limit`` counts the line's end too. A longer line is read in pieces and discarded:
    it comes out as ``(number, None, its length)``, so that the caller can
    report it without ever holding it whole.

    >>> import io
    >>> list(bounded_lines(io.StringIO("ab\\nabcdef\\nc"), 4))
    [(1, 'ab\\n', 3), (2, None, 7), (3, 'c', 1)]
    """
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) <= limit:
            yield number, line, len(line)
            continue
        length = len(line)
        while not is_line_end(line):
            line = stream.readline(limit + 1)
            length += len(line)
            if not line:
                break
        yield number, None, length


# --- helpers -----------------------------------------------------------------


def _open_binary(fs_path: Path, gzipped: bool) -> IO[bytes]:
    if gzipped:
        return gzip.open(fs_path, "rb")
    return open(fs_path, "rb")


def _scan(shown: str, fs_path: Path, gzipped: bool) -> tuple[str, int]:
    """Stream the file once: decompress, check NUL bytes, UTF-8 and emptiness."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0  # bytes of (decompressed) text consumed so far
    lines = 1
    head = bytearray()
    has_text = False
    try:
        with _open_binary(fs_path, gzipped) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                if offset == 0 and chunk.startswith(_BOM):
                    chunk_text = chunk[len(_BOM):]
                else:
                    chunk_text = chunk
                nul = chunk.find(b"\x00")
                if nul >= 0:
                    line = lines + chunk.count(b"\n", 0, nul)
                    raise UnreadableFile(
                        shown, f"binary file, not text (NUL byte at byte offset {offset + nul}, line {line})"
                    )
                pending = decoder.getstate()[0]  # bytes of a character split across chunks
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    data = pending + chunk
                    at = offset - len(pending) + exc.start
                    line = lines + data.count(b"\n", 0, exc.start)
                    raise UnreadableFile(
                        shown,
                        f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at byte offset {at}, line {line})",
                    ) from exc
                if not has_text and chunk_text.strip():
                    has_text = True
                if len(head) < _HEAD_BYTES:
                    head += chunk[: _HEAD_BYTES - len(head)]
                lines += chunk.count(b"\n")
                offset += len(chunk)
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise UnreadableFile(
                    shown, f"not UTF-8 text (truncated character at byte offset {offset - 1}, line {lines})"
                ) from exc
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise UnreadableFile(shown, f"corrupt gzip data: {exc}") from exc
    except OSError as exc:
        raise UnreadableFile(shown, f"cannot read: {exc.strerror or exc}") from exc
    if not has_text:
        raise UnreadableFile(shown, "empty file")
    text = bytes(head).decode("utf-8", errors="ignore")  # a cut character at the end is dropped
    return text.removeprefix("\ufeff"), offset
