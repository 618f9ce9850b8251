"""Reader for paper-listing pages saved as text (``.txt``).

The text of a listing page (e.g. a "Daily Papers" page) is a title line
followed by its abstract paragraph, paper after paper, with page chrome
("Subscribe", "Daily Papers", dates, upvote counts, ...) around and between
them. Two layouts occur: blank-line separated paragraphs, and one line per
title/abstract with no blank lines (where "Subscribe" may be glued to the
first title). Both read the same way:

1. drop blank lines and chrome lines, and unglue chrome from a title;
2. a line that does not look like prose (short, no sentence end, no URL) is a
   title; the prose lines after it, up to the next title, are its abstract.

A title with no prose after it, or prose with no title before it, is
reported as a bad record rather than guessed at. So is a paper with a line
over :data:`~graph.ingest.limits.MAX_RECORD_CHARS` (never held whole) or an
abstract over :data:`~graph.ingest.limits.MAX_ABSTRACT_CHARS` (not kept
growing): the whole paper is skipped, never stored without part of its text.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from graph.errors import BadRecord
from graph.ingest.fields import normalize_space, record_to_paper
from graph.ingest.io import TextSource, bounded_lines, location, open_text
from graph.ingest.limits import MAX_ABSTRACT_CHARS, MAX_RECORD_CHARS
from graph.models import Paper

__all__ = ["iter_listing", "parse_listing", "is_chrome", "looks_like_listing"]

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_CHROME = re.compile(
    "|".join(
        (
            r"new|subscribe|papers|search|sign up|log ?in|sign in|collections|previous|next|"
            r"load more|see all|view all|show more|hugging ?face|upvotes?|comments?",
            r"(?:daily|trending|weekly|monthly|latest|top) papers",
            r"get trending papers in your email inbox.*",
            r"(?:by)?ak and the research community",
            r"submitted by\b.{0,80}",
            r"(?:published|submitted) on\b.{0,30}",
            rf"{_MONTH} \d{{1,2}}(?:,? \d{{4}})?",  # Jul 30, Jul 30 2024
            rf"\d{{1,2}} {_MONTH}(?:,? \d{{4}})?",  # 30 Jul
            r"\d{4}-\d{2}-\d{2}",
            r"[\u25b2\u2191^\u00b7\u2022+]?\s*\d[\d,.]*\s*[km]?",  # upvote / comment counts
            r"(?:upvotes?|comments?)\s*[:\u00b7]?\s*\d[\d,.]*[km]?",
            r"[\u00b7\u2022]?\s*\d+\s+authors?",
        )
    ),
    re.IGNORECASE,
)
# Chrome that the one-line layout glues to the first title ("SubscribeOn ...").
_GLUED = re.compile(r"^(?:Subscribe|Daily Papers|Trending Papers|byAK and the research community)(?=[A-Z0-9\"'(\[])")
_URL = re.compile(r"https?://|www\.|github\.com|\w\.(?:io|org|com|net|ly)/", re.IGNORECASE)
_MAX_TITLE_CHARS = 250
_MAX_TITLE_WORDS = 40


def is_chrome(line: str) -> bool:
    """Whether a (stripped) line is page chrome rather than paper text.

    >>> [is_chrome(s) for s in ("Daily Papers", "Jul 30", "42", "Pointer Networks")]
    [True, True, True, False]
    """
    return _CHROME.fullmatch(line) is not None


def _is_prose(line: str) -> bool:
    """An abstract line: long, or a sentence, or a URL; titles are none of these."""
    words = len(line.split())
    return (
        len(line) > _MAX_TITLE_CHARS
        or words > _MAX_TITLE_WORDS
        or _URL.search(line) is not None
        or (line.endswith(".") and words >= 8)
    )


def _content_lines(lines: Iterable[tuple[int, str | None, int]]) -> Iterator[tuple[int, str | None, int]]:
    """Paper text lines, chrome removed; an over-long line comes as ``None``."""
    for number, raw, length in lines:
        if raw is None:
            yield number, None, length
            continue
        text = normalize_space(raw)
        while True:  # "SubscribeDaily PapersOn ..." would be glued twice
            unglued = _GLUED.sub("", text, count=1)
            if unglued == text:
                break
            text = unglued
        if text and not is_chrome(text):
            yield number, text, length


class _Pending:
    """A title with its abstract lines so far, or the reason it cannot be a paper."""

    __slots__ = ("line", "title", "parts", "size", "problem")

    def __init__(self, line: int, title: str, text: str | None, length: int, number: int) -> None:
        self.line, self.title, self.parts, self.size, self.problem = line, title, [], 0, None
        self.add(text, length, number)

    def add(self, text: str | None, length: int, number: int) -> None:
        if self.problem is not None:
            return
        if text is None:
            self.problem = f"line {number} of its abstract has {length:,} characters, over the limit of {MAX_RECORD_CHARS:,}"
        elif self.size + len(text) > MAX_ABSTRACT_CHARS:
            self.problem = f"its abstract runs past the limit of {MAX_ABSTRACT_CHARS:,} characters (at line {number})"
        else:
            self.parts.append(text)
            self.size += len(text) + 1
            return
        self.parts = []  # keep nothing of a paper that will be skipped


def parse_listing(lines: Iterable[str], path: str) -> Iterator[Paper | BadRecord]:
    """Papers of a listing page, in page order, located at their title line.

    Parameters
    ----------
    lines : iterable of str
        The page text, line by line.
    path : str
        The file name used in ``file:line`` locations.

    Examples
    --------
    >>> page = ["Subscribe", "", "Pointer Networks", "", "We introduce a new neural architecture.", "Jul 30"]
    >>> [(p.title, p.abstract) for p in parse_listing(page, "page.txt")]
    [('Pointer Networks', 'We introduce a new neural architecture.')]
    """
    numbered = ((n, line if len(line) <= MAX_RECORD_CHARS else None, len(line)) for n, line in enumerate(lines, 1))
    return _parse(numbered, path)


def _parse(lines: Iterable[tuple[int, str | None, int]], path: str) -> Iterator[Paper | BadRecord]:
    title: tuple[int, str] | None = None  # a title still waiting for its abstract
    record: _Pending | None = None  # a title with abstract lines
    for number, text, length in _content_lines(lines):
        # Right after a title, a short line that ends a sentence is a (short) abstract.
        prose = text is None or _is_prose(text) or (
            title is not None and text.endswith(".") and len(text.split()) >= 3
        )
        if not prose:
            if record is not None:
                yield _paper(path, record)
                record = None
            if title is not None:
                yield _orphan_title(path, title)
            title = (number, text)
        elif title is not None:
            record = _Pending(title[0], title[1], text, length, number)
            title = None
        elif record is not None:
            record.add(text, length, number)  # the abstract goes on over several lines
        elif text is None:
            yield BadRecord(location(path, number), f"line of {length:,} characters, over the limit of {MAX_RECORD_CHARS:,}")
        else:
            yield BadRecord(location(path, number), f"abstract text without a title line: {_snippet(text)}")
    if record is not None:
        yield _paper(path, record)
    if title is not None:
        yield _orphan_title(path, title)


def iter_listing(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Stream the papers of a checked listing file (see :func:`parse_listing`)."""
    with open_text(source) as stream:
        yield from _parse(bounded_lines(stream, MAX_RECORD_CHARS), source.path)


def looks_like_listing(text: str) -> bool:
    """Content sniffing: does this text read as title/abstract pairs?"""
    papers = bad = 0
    for item in parse_listing(text.split("\n"), "<sniff>"):
        if isinstance(item, Paper):
            papers += 1
        else:
            bad += 1
    return papers >= 1 and bad <= papers


def _paper(path: str, record: _Pending) -> Paper | BadRecord:
    where = location(path, record.line)
    if record.problem is not None:
        return BadRecord(where, f"paper {_snippet(record.title)} skipped: {record.problem}")
    return record_to_paper({"title": record.title, "abstract": " ".join(record.parts)}, where)


def _orphan_title(path: str, title: tuple[int, str]) -> BadRecord:
    number, text = title
    return BadRecord(location(path, number), f"title line without an abstract: {_snippet(text)}")


def _snippet(text: str, width: int = 60) -> str:
    return repr(text if len(text) <= width else text[: width - 3] + "...")
