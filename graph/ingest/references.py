"""Reference resolution across sources: which paper of the corpus a reference names.

A reference is whatever a reader put in ``Paper.references``: a DOI (any form), an
arXiv id (``hep-th/9901001``, ``1901.00001v2``), an OpenAlex W-id (URL or bare), a
PMID, a Semantic Scholar id, a given id of the same corpus, or a free-text cited
reference as Web of Science and Scopus export them::

    Smith J, 2001, PHYS REV D, V64, P1, DOI 10.1103/PhysRevD.64.1      (WoS CR)
    Smith, J., Jones, K., A title, (2001) Physical Review D, 64 (3), pp. 1-10.   (Scopus)

:class:`ReferenceIndex` resolves one, in this order:

1. **by name**: any id the paper carries (:func:`graph.ingest.identity.paper_names`:
   its id, DOI, arXiv id, given id, OpenAlex/PubMed/Semantic Scholar ids), against
   every normalised form of the reference (:func:`graph.ingest.identity.reference_names`),
   which includes a DOI written inside a free-text reference;
2. **by cited work**: a free-text reference is parsed (:func:`parse_cited_reference`)
   and matched on first-author surname + year, then source (an abbreviation such as
   ``PHYS REV D`` matches ``Physical Review D`` word by word), then volume and first
   page when both sides have them. Only a single remaining paper is a match: an
   ambiguous reference stays unresolved rather than being guessed.

A reference that names no paper of the corpus is kept on the paper as it was
given, and :func:`resolve_references` reports it with a stable key
(:func:`reference_key`), for whoever stores external references as nodes.

Pure: papers in, ids out; no store, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple, Sequence

from graph.ingest.identity import first_author_key, index_papers, reference_names, resolve_reference
from graph.models import CitationEdge, Paper, ReferenceEdge, ReferenceNode, normalize_doi

__all__ = [
    "CitedWork",
    "parse_cited_reference",
    "reference_key",
    "ReferenceIndex",
    "UnresolvedReference",
    "ReferenceResolution",
    "resolve_references",
    "reference_nodes",
]

_YEAR = re.compile(r"^(1[5-9]\d\d|20\d\d)[a-z]?$")
_SCOPUS_YEAR = re.compile(r"\((1[5-9]\d\d|20\d\d)\)\s*")
_VOLUME = re.compile(r"^V(\d+\w*)$", re.IGNORECASE)
_PAGE = re.compile(r"^P+([A-Z]?\d+\w*)$", re.IGNORECASE)
_PAGES = re.compile(r"\bpp?\.\s*([A-Z]?\d+)", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_DOI_IN_TEXT = re.compile(r"(?:\bDOI:?\s*|doi\.org/)(10\.\d{4,9}/[^\s,;\]]+)", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_STOP = frozenset({"of", "the", "and", "for", "in", "on", "a", "an", "de", "der", "des", "la", "le", "et", "und"})
#: ``Paper.extra`` keys a reader may give the volume and the first page under.
VOLUME_KEYS = ("volume", "vl", "vol")
PAGE_KEYS = ("first_page", "start_page", "page", "pages", "bp", "sp")


@dataclass(frozen=True, slots=True)
class CitedWork:
    """The parts of a free-text cited reference that identify a work."""

    author: str
    year: int
    source: tuple[str, ...] = ()
    volume: str | None = None
    page: str | None = None
    doi: str | None = None

    @property
    def key(self) -> str:
        """``cr:surname|year|source|volume|page``: the same work cited alike, the same key."""
        return "cr:" + "|".join((self.author, str(self.year), " ".join(self.source), self.volume or "",
                                 self.page or "")).rstrip("|")


def _words(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return tuple(w for w in _NOT_WORD.split(text.casefold()) if w and w not in _STOP)


def _first_number(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    match = _NUMBER.search(str(value))
    return match.group().lstrip("0") or "0" if match else None


def parse_cited_reference(text: str) -> CitedWork | None:
    """The cited work of a Web of Science ``CR`` or Scopus ``References`` entry, or
    None when it has no recognisable first author and year.

    >>> parse_cited_reference("Smith J, 2001, PHYS REV D, V64, P1, DOI 10.1103/PhysRevD.64.1")
    CitedWork(author='smith', year=2001, source=('phys', 'rev', 'd'), volume='64', page='1', doi='10.1103/physrevd.64.1')
    >>> parse_cited_reference("Smith, J., Lee, K., Black holes, (2001) Physical Review D, 64 (3), pp. 12-20.")
    CitedWork(author='smith', year=2001, source=('physical', 'review', 'd'), volume='64', page='12', doi=None)
    >>> parse_cited_reference("hep-th/9901001") is None
    True
    """
    text = text.strip()
    if "," not in text or len(text) > 2000:
        return None
    doi_match = _DOI_IN_TEXT.search(text)
    doi = normalize_doi(doi_match.group(1)) if doi_match else None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) >= 3 and _YEAR.match(parts[1]):  # WoS: author, year, source, V, P, DOI
        author = first_author_key(parts[0]) if not parts[0].startswith("[") else ""
        volume = page = None
        for part in parts[3:]:
            if _VOLUME.match(part):
                volume = _first_number(part)
            elif _PAGE.match(part) and page is None:
                page = _first_number(part)
        if not author:
            return None
        return CitedWork(author, int(parts[1][:4]), _words(parts[2]), volume, page, doi)
    match = _SCOPUS_YEAR.search(text)  # Scopus: authors, title, (year) source, volume (issue), pp. x-y
    if match is None:
        return None
    author = first_author_key(parts[0])
    if not author:
        return None
    after = text[match.end():]
    source, _, rest = after.partition(",")
    volume = _first_number(rest.split(",")[0]) if rest.strip() else None
    pages = _PAGES.search(rest)
    return CitedWork(author, int(match.group(1)), _words(source), volume,
                     _first_number(pages.group(1)) if pages else None, doi)


def reference_key(reference: str) -> str:
    """A stable key for a reference: its strongest typed name (``doi:``, ``arxiv:``,
    ``openalex:``, ``pmid:``, ``s2:``), else its cited-work key (``cr:...``), else
    ``ref:`` and its case- and space-folded text. The same reference written in two
    ways gets one key.

    >>> reference_key("https://doi.org/10.1000/ABC"), reference_key("W123456")
    ('doi:10.1000/abc', 'openalex:W123456')
    >>> reference_key("Smith J, 2001, PHYS REV D, V64, P1")
    'cr:smith|2001|phys rev d|64|1'
    >>> reference_key("  Some   Thesis ")
    'ref:some thesis'
    """
    names = reference_names(reference)
    for name in names[1:]:
        if ":" in name:
            return name
    work = parse_cited_reference(reference)
    if work is not None:
        return work.key
    return "ref:" + " ".join(reference.split()).casefold()


class _Work(NamedTuple):
    paper_id: str
    source: tuple[str, ...]
    volume: str | None
    page: str | None


def _source_matches(cited: tuple[str, ...], venue: tuple[str, ...]) -> bool:
    """Whether an (abbreviated) cited source names a venue: word by word, each
    cited word a prefix of the venue's word (``phys rev d`` ~ ``physical review d``),
    or the same words run together."""
    if not cited or not venue:
        return True  # a missing value never blocks
    if len(cited) == len(venue) and all(v.startswith(c) or c.startswith(v) for c, v in zip(cited, venue)):
        return True
    return "".join(cited) == "".join(venue)


class ReferenceIndex:
    """Every paper of a corpus under its names and as a citable work.

    Parameters
    ----------
    papers : iterable of Paper
        The corpus.
    names : mapping, optional
        More names -> id (e.g. a store's
        :meth:`~graph.stores.base.GraphStore.reference_index`); the papers' own
        names come first.
    """

    def __init__(self, papers: Iterable[Paper] = (), names: Mapping[str, str] | None = None) -> None:
        papers = list(papers)
        self.names: dict[str, str] = index_papers(papers)
        for name, pid in (names or {}).items():
            self.names.setdefault(name, pid)
        self.works: dict[tuple[str, int], dict[str, _Work]] = {}
        for paper in papers:
            self.add_work(paper)

    def add_work(self, paper: Paper) -> None:
        """Index a paper as a citable work (first-author surname, year, venue, volume,
        page); a paper indexed again replaces its earlier entry."""
        author = first_author_key(paper)
        if not author or paper.year is None:
            return
        self.works.setdefault((author, paper.year), {})[paper.id] = _Work(
            paper.id, _words(paper.venue), _extra_number(paper, VOLUME_KEYS), _extra_number(paper, PAGE_KEYS))

    def resolve(self, reference: str) -> str | None:
        """The id of the paper ``reference`` names, or None."""
        found = resolve_reference(reference, self.names)
        if found is not None:
            return found
        work = parse_cited_reference(reference)
        return self.resolve_work(work) if work is not None else None

    def resolve_work(self, work: CitedWork) -> str | None:
        """The one paper a cited work can be (author + year, then source, volume,
        page), or None when none or several can."""
        found = {w.paper_id for w in self.works.get((work.author, work.year), {}).values()
                 if _source_matches(work.source, w.source)
                 and not (work.volume and w.volume and work.volume != w.volume)
                 and not (work.page and w.page and work.page != w.page)}
        return found.pop() if len(found) == 1 else None


def _extra_number(paper: Paper, keys: Sequence[str]) -> str | None:
    if not paper.extra:
        return None
    for key in keys:
        value = paper.extra.get(key)
        if value is not None:
            return _first_number(value)
    return None


@dataclass(frozen=True, slots=True)
class UnresolvedReference:
    """A reference of ``paper_id`` that names no paper of the corpus; ``key`` is
    :func:`reference_key` of ``text``."""

    paper_id: str
    key: str
    text: str


@dataclass(frozen=True, slots=True)
class ReferenceResolution:
    """CITES edges among the corpus, and the references that stay external."""

    cites: tuple[CitationEdge, ...]
    unresolved: tuple[UnresolvedReference, ...]


def resolve_references(papers: Sequence[Paper], index: ReferenceIndex | None = None) -> ReferenceResolution:
    """Resolve every reference of ``papers`` against ``index`` (default: the papers
    themselves).

    Returns
    -------
    ReferenceResolution
        ``cites`` sorted by ``(source, target)``, without self-citations or repeats;
        ``unresolved`` in paper-id then reference order, one per distinct key of a paper.

    Examples
    --------
    >>> a = Paper("doi:10.1000/a", "A", authors=("Ann Smith",), year=2001, venue="Physical Review D")
    >>> b = Paper("W99999", "B", references=("SMITH A, 2001, PHYS REV D, V64, P1", "10.1000/A", "Doe J, 1990, NATURE"))
    >>> result = resolve_references([a, b])
    >>> result.cites
    (CitationEdge(source='W99999', target='doi:10.1000/a'),)
    >>> [u.key for u in result.unresolved]
    ['cr:doe|1990|nature']
    """
    index = index if index is not None else ReferenceIndex(papers)
    cites: set[tuple[str, str]] = set()
    unresolved: list[UnresolvedReference] = []
    for paper in sorted(papers, key=lambda p: p.id):
        seen: set[str] = set()
        for ref in dict.fromkeys(paper.references):
            target = index.resolve(ref)
            if target is None:
                key = reference_key(ref)
                if key not in seen:
                    seen.add(key)
                    unresolved.append(UnresolvedReference(paper.id, key, ref))
            elif target != paper.id:
                cites.add((paper.id, target))
    return ReferenceResolution(tuple(CitationEdge(s, t) for s, t in sorted(cites)), tuple(unresolved))


def reference_nodes(
    unresolved: Iterable[UnresolvedReference],
) -> tuple[tuple[ReferenceNode, ...], tuple[ReferenceEdge, ...]]:
    """The Reference nodes and REFERENCES edges of unresolved references.

    One node per key (:func:`reference_key`): ``doi`` from a ``doi:`` key or a DOI
    written in a cited reference, ``year`` from a parsed cited reference, ``title``
    the reference's text for free-text references (a WoS/Scopus cited reference, or
    a ``ref:`` key; an id-like reference such as a DOI or W-id has none). Where papers spell one key differently, the
    spelling of the smallest citing paper id is kept, so the nodes do not depend
    on input order.

    Returns
    -------
    nodes : tuple of ReferenceNode
        Sorted by id.
    edges : tuple of ReferenceEdge
        Sorted by ``(source, target)``, without repeats.

    Examples
    --------
    >>> nodes, edges = reference_nodes([UnresolvedReference("p2", "doi:10.1/x", "10.1/X"),
    ...     UnresolvedReference("p1", "cr:doe|1990|nature", "Doe J, 1990, NATURE"),
    ...     UnresolvedReference("p1", "doi:10.1/x", "https://doi.org/10.1/x")])
    >>> nodes
    (ReferenceNode(id='cr:doe|1990|nature', doi=None, title='Doe J, 1990, NATURE', year=1990), ReferenceNode(id='doi:10.1/x', doi='10.1/x', title=None, year=None))
    >>> [(e.source, e.target) for e in edges]
    [('p1', 'cr:doe|1990|nature'), ('p1', 'doi:10.1/x'), ('p2', 'doi:10.1/x')]
    """
    first: dict[str, tuple[str, str]] = {}  # key -> (smallest citing id, its text)
    pairs: set[tuple[str, str]] = set()
    for ref in unresolved:
        pairs.add((ref.paper_id, ref.key))
        seen = first.get(ref.key)
        if seen is None or ref.paper_id < seen[0]:
            first[ref.key] = (ref.paper_id, ref.text)
    nodes = tuple(_reference_node(key, first[key][1]) for key in sorted(first))
    return nodes, tuple(ReferenceEdge(s, t) for s, t in sorted(pairs))


def _reference_node(key: str, text: str) -> ReferenceNode:
    doi = key[4:] if key.startswith("doi:") else None
    work = parse_cited_reference(text)
    if work is not None:  # a cited reference (WoS, Scopus): its text is what a reader knows it by
        return ReferenceNode(key, doi or work.doi, " ".join(text.split()), work.year)
    return ReferenceNode(key, doi, " ".join(text.split()) if key.startswith("ref:") else None, None)
