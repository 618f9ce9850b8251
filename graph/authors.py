"""Authors and venues as nodes: who wrote which paper, where it was published.

Pure functions: papers in, :class:`Authorship` rows out; the stores write them as
``(:Author {id, name, orcid})-[:WROTE {position}]->(:Paper)`` and
``(:Paper)-[:PUBLISHED_IN]->(:Venue {id, name, issn})``.

Identity (and its limits):

- an author is ``orcid:<ORCID>`` when the paper gives one (``extra["orcid"]`` for the
  first author, or ``extra["orcids"]``: ``;``-separated, in author order, blanks for
  unknown), else ``name:<normalised name>``: case, accents, punctuation and spacing
  folded, so "José  García" and "jose garcia" are one author. Two people with the
  same name become one node, and one person written two ways ("A. Turing", "Alan M.
  Turing") stays two: without ORCIDs a name is the only key there is;
- a venue is ``issn:<ISSN>`` when the paper gives ``extra["issn"]``, else
  ``name:<normalised name>``; abbreviations ("Proc. VLDB" vs "Proceedings of the VLDB
  Endowment") are not matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from graph.models import Paper

__all__ = ["Author", "Venue", "Authorship", "AuthorInfo", "VenueInfo", "authorship", "author_id", "venue_id", "normalize_name"]

_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])")
_ISSN = re.compile(r"^(\d{4})-?(\d{3}[\dXx])$")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    name: str
    orcid: str | None = None


@dataclass(frozen=True, slots=True)
class Venue:
    id: str
    name: str
    issn: str | None = None


@dataclass(frozen=True, slots=True)
class AuthorInfo:
    """An author as the stores list it: with the number of papers (or of shared papers)."""

    id: str
    name: str
    orcid: str | None
    papers: int


@dataclass(frozen=True, slots=True)
class VenueInfo:
    id: str
    name: str
    issn: str | None
    papers: int


@dataclass(frozen=True)
class Authorship:
    """Rows to write: nodes, then ``WROTE (author, paper, position)`` (position 1 = first
    author) and ``PUBLISHED_IN (paper, venue)``."""

    authors: tuple[Author, ...] = ()
    venues: tuple[Venue, ...] = ()
    wrote: tuple[tuple[str, str, int], ...] = ()
    published_in: tuple[tuple[str, str], ...] = ()


def normalize_name(name: str) -> str:
    """Case, accents, punctuation and spacing folded.

    >>> normalize_name("  José   García-Márquez ")
    'jose garcia marquez'
    >>> normalize_name("A. M. Turing")
    'a m turing'
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def author_id(name: str, orcid: str | None = None) -> str | None:
    """The id of an author: ``orcid:...`` when an ORCID is given, else ``name:...``; None for no name.

    >>> author_id("Alan Turing", "https://orcid.org/0000-0002-1825-0097")
    'orcid:0000-0002-1825-0097'
    >>> author_id("Alan  TURING")
    'name:alan turing'
    """
    if orcid:
        found = _ORCID.search(orcid)
        if found:
            return "orcid:" + found.group(1).upper()
    key = normalize_name(name)
    return f"name:{key}" if key else None


def venue_id(name: str | None, issn: str | None = None) -> str | None:
    """The id of a venue: ``issn:NNNN-NNNN`` when an ISSN is given, else ``name:...``.

    >>> venue_id("Mind", "0026-4423")
    'issn:0026-4423'
    >>> venue_id("The  Philosophy of A.I.")
    'name:the philosophy of a i'
    """
    if issn:
        found = _ISSN.match(issn.strip())
        if found:
            return f"issn:{found.group(1)}-{found.group(2).upper()}"
    key = normalize_name(name or "")
    return f"name:{key}" if key else None


def authorship(papers: Iterable[Paper]) -> Authorship:
    """Authors, venues and their relationships from papers.

    An author's display name is the spelling used most often (ties: the first seen).

    >>> from graph.models import Paper
    >>> a = authorship([Paper(id="p1", title="A", authors=("Ada Lovelace", "C. Babbage"), venue="Notes"),
    ...                 Paper(id="p2", title="B", authors=("ada lovelace",))])
    >>> [x.id for x in a.authors], a.wrote
    (['name:ada lovelace', 'name:c babbage'], (('name:ada lovelace', 'p1', 1), ('name:c babbage', 'p1', 2), ('name:ada lovelace', 'p2', 1)))
    >>> a.venues, a.published_in
    ((Venue(id='name:notes', name='Notes', issn=None),), (('p1', 'name:notes'),))
    """
    spellings: dict[str, Counter[str]] = {}
    orcids: dict[str, str] = {}
    venue_names: dict[str, Counter[str]] = {}
    issns: dict[str, str] = {}
    wrote: list[tuple[str, str, int]] = []
    published: list[tuple[str, str]] = []
    for paper in papers:
        given = _orcids(paper)
        seen: set[str] = set()
        for position, name in enumerate(paper.authors, start=1):
            orcid = given[position - 1] if position - 1 < len(given) else None
            aid = author_id(name, orcid)
            if aid is None or aid in seen:  # an author listed twice on one paper counts once
                continue
            seen.add(aid)
            spellings.setdefault(aid, Counter())[name.strip()] += 1
            if aid.startswith("orcid:"):
                orcids[aid] = aid[len("orcid:"):]
            wrote.append((aid, paper.id, position))
        issn = paper.extra.get("issn") if isinstance(paper.extra.get("issn"), str) else None
        vid = venue_id(paper.venue, issn)
        if vid is not None and (paper.venue or "").strip():
            venue_names.setdefault(vid, Counter())[paper.venue.strip()] += 1
            if vid.startswith("issn:"):
                issns[vid] = vid[len("issn:"):]
            published.append((paper.id, vid))
    authors = tuple(Author(aid, _most_used(names), orcids.get(aid)) for aid, names in spellings.items())
    venues = tuple(Venue(vid, _most_used(names), issns.get(vid)) for vid, names in venue_names.items())
    return Authorship(authors=authors, venues=venues, wrote=tuple(wrote), published_in=tuple(published))


def _most_used(names: Counter[str]) -> str:
    return names.most_common(1)[0][0]  # Counter keeps first-seen order among ties


def _orcids(paper: Paper) -> list[str | None]:
    many = paper.extra.get("orcids")
    if isinstance(many, str):
        return [part.strip() or None for part in many.split(";")]
    one = paper.extra.get("orcid")
    return [one] if isinstance(one, str) and one.strip() else []
