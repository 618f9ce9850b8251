"""The one reader of tagged-line formats: WoS plain text, MEDLINE and RIS.

Each line is a tag and a value, or continues the field above it; a record opens
at one tag and closes at another (or, in MEDLINE, at a blank line). What differs
between the formats is given as a :class:`TaggedFormat`: how a line is cleaned
and split into tag and value, the opening and closing tags, the file headers
allowed between records, and which fields' continuation lines are separate
values. The file is streamed (bounded memory); a record over
:data:`~graph.ingest.limits.MAX_RECORD_CHARS` is reported and skipped, and text
outside a record or a record the file ends inside are reported, never dropped
silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from graph.errors import BadRecord
from graph.ingest.fields import record_to_paper
from graph.ingest.io import TextSource, bounded_lines, location, open_text
from graph.ingest.limits import MAX_RECORD_CHARS
from graph.ingest.records import too_long
from graph.models import Paper

__all__ = ["TaggedFormat", "iter_tagged"]

Fields = dict[str, list[str]]


@dataclass(frozen=True)
class TaggedFormat:
    """What makes one tagged-line format.

    Attributes
    ----------
    name : str
        The record's name in messages ("WoS record").
    clean : callable
        The line (with its end) -> the text looked at.
    split : callable
        The cleaned text -> ``(tag, value)``, or None for a line without a tag
        (a continuation line).
    to_record : callable
        The record's fields (tag -> values in file order) -> the raw record
        :func:`~graph.ingest.fields.record_to_paper` reads.
    start, end : str
        The tags that open and close a record; ``end=None``: a blank line, the
        next ``start`` or the end of the file closes it.
    start_label, end_label : str
        How messages spell them ("TY  -").
    headers : frozenset of str
        Tags skipped between records (file headers such as WoS's ``FN``).
    lists : frozenset of str
        Fields whose continuation lines are separate values (WoS's authors and
        cited references), not more words of the value above.
    """

    name: str
    clean: Callable[[str], str]
    split: Callable[[str], tuple[str, str] | None]
    to_record: Callable[[Fields], dict[str, object]]
    start: str
    end: str | None
    start_label: str
    end_label: str = ""
    headers: frozenset[str] = frozenset()
    lists: frozenset[str] = frozenset()

    def outside(self) -> str:
        if self.end is None:
            return f"text outside a '{self.start_label}' record"
        return f"text outside a '{self.start_label}' ... '{self.end_label}' record"


def iter_tagged(source: TextSource, fmt: TaggedFormat) -> Iterator[Paper | BadRecord]:
    """Each record of a tagged-line file in format ``fmt``, as a paper or a bad record."""
    path = source.path
    fields: Fields | None = None
    start = size = 0
    last: str | None = None
    stray: int | None = None  # first line of text outside a record

    def finish() -> Paper | BadRecord:
        if size > MAX_RECORD_CHARS:
            return BadRecord(location(path, start), too_long(fmt.name, size))
        return record_to_paper(fmt.to_record(fields or {}), location(path, start))

    def unclosed(why: str) -> Paper | BadRecord:
        # Without a closing tag, the next record or the file's end closes one.
        return finish() if fmt.end is None else BadRecord(location(path, start), why)

    with open_text(source, newline="\n") as stream:
        for number, line, length in bounded_lines(stream, MAX_RECORD_CHARS):
            if line is None:
                if fields is not None:
                    size = MAX_RECORD_CHARS + 1
                else:
                    yield BadRecord(location(path, number), too_long("line", length))
                continue
            text = fmt.clean(line)
            blank = not text.strip()
            found = fmt.split(text)
            tag = found[0] if found else None
            if blank and fmt.end is None:
                if fields is not None:
                    yield finish()
                    fields = None
                continue
            if tag == fmt.start:
                if fields is not None:
                    yield unclosed(f"record has no '{fmt.end_label}' line before the next '{fmt.start_label}'")
                if stray is not None:
                    yield BadRecord(location(path, stray), fmt.outside())
                    stray = None
                fields, start, size, last = {}, number, 0, None
            if fields is None:
                if not blank and tag not in fmt.headers and stray is None:
                    stray = number
                continue
            size += length
            if tag is not None and tag == fmt.end:
                yield finish()
                fields = None
                continue
            if size > MAX_RECORD_CHARS:
                continue
            if found:
                fields.setdefault(found[0], []).append(found[1])
                last = found[0]
            elif not blank and last is not None:
                values, more = fields[last], text.strip()
                if last in fmt.lists:
                    values.append(more)
                else:
                    values[-1] = f"{values[-1]} {more}" if values[-1] else more
    if fields is not None:
        yield unclosed(f"the file ends inside this record (no '{fmt.end_label}' line)")
    if stray is not None:
        yield BadRecord(location(path, stray), fmt.outside())
