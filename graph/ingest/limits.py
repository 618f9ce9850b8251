"""Size limits for input: what a record may hold before it is refused.

A hostile or broken file (a 50 MB abstract, a million-deep JSON array, a
quote that is never closed) must not exhaust memory or crash a reader. Every
limit below is far above what real bibliographic data holds (the longest
abstract in hep-th is 2,104 characters, the longest line 2,269), and each is
enforced the same way: the record is **reported** as a
:class:`~graph.errors.BadRecord` at its ``file:line``, naming the field and
the limit, and **skipped**. Nothing is truncated: a stored paper is always
the whole record, and ``--strict`` turns any such record into a failure that
writes nothing.

Line-based formats (listing, JSON lines, CSV, citation lists) never hold more
than :data:`MAX_RECORD_CHARS` of a record in memory: a longer line or CSV
record is read in pieces and discarded. JSON documents and BibTeX files are
parsed whole and so are refused, as unreadable files, above
:data:`MAX_DOCUMENT_BYTES` (use JSON lines for bigger data).

The limits are module constants rather than settings: they protect the
process, not a preference, and tests can rely on them.
"""

from __future__ import annotations

__all__ = [
    "MAX_TITLE_CHARS",
    "MAX_ABSTRACT_CHARS",
    "MAX_FIELD_CHARS",
    "MAX_KEY_BYTES",
    "MAX_LIST_ITEMS",
    "MAX_RECORD_CHARS",
    "MAX_JSON_DEPTH",
    "MAX_DOCUMENT_BYTES",
]

#: A title (characters, before whitespace is collapsed).
MAX_TITLE_CHARS = 2_000
#: An abstract (characters, before whitespace is collapsed); ~15,000 words.
MAX_ABSTRACT_CHARS = 100_000
#: Any other single text value: id, DOI, URL, venue, label, one author name,
#: one reference, an extra field.
MAX_FIELD_CHARS = 4_000
#: UTF-8 bytes of an indexed value (the paper id, the normalized title key):
#: Neo4j refuses index keys over ~8 KB, so we stay well below.
MAX_KEY_BYTES = 4_000
#: Entries of a list field (authors, references). ATLAS papers have ~3,000 authors.
MAX_LIST_ITEMS = 10_000
#: One physical record: a JSON line, a CSV record (with its quoted newlines),
#: a listing line or a BibTeX entry.
MAX_RECORD_CHARS = 1 << 20
#: Nesting of arrays and objects in one JSON record (a paper needs 2: an object
#: holding a list of strings). Deeper input is refused before it is decoded.
MAX_JSON_DEPTH = 64
#: A file that is parsed whole (a JSON document, a BibTeX file), in bytes of
#: (decompressed) text.
MAX_DOCUMENT_BYTES = 256 << 20
