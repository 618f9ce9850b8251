"""Domain models: papers, derived edges, communities and reports.

Frozen dataclasses, no I/O. Paper identity lives in :func:`paper_id` only.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

__all__ = [
    "Paper",
    "PAPER_FIELDS",
    "normalize_title",
    "display_title",
    "DISPLAY_TITLE_CHARS",
    "normalize_doi",
    "normalize_arxiv",
    "paper_id",
    "invisible_char",
    "merge_papers",
    "KeywordScore",
    "Keyword",
    "SimilarEdge",
    "SharedKeywordsEdge",
    "CitationEdge",
    "CoupledEdge",
    "CoCitedEdge",
    "ReferenceNode",
    "ReferenceEdge",
    "DerivedGraph",
    "Community",
    "PaperScores",
    "AnalysisResult",
    "RunRecord",
]

Scalar = str | int | float | bool | None

_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)
_DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)
_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"([a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$", re.IGNORECASE)


#: Longest display title (API, pages, exports); longer ones end in "…".
DISPLAY_TITLE_CHARS = 120
# A sentence ends at . ! or ? followed by space and something that does not start
# with a lower-case letter ("e.g. the" does not end one).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^\sa-z])")


def display_title(paper: Any, *, limit: int = DISPLAY_TITLE_CHARS) -> str:
    """What to call a paper: its title; else the first sentence of its abstract; else its id.

    One rule for the API, the pages and the exports (issue 21: some datasets, such as
    citeseer, have abstracts only). Whitespace is collapsed; text longer than
    ``limit`` characters is cut at a word boundary when one is near, ending in "…".

    Parameters
    ----------
    paper : Paper or any object with ``id``, ``title`` and ``abstract``
    limit : int
        Longest result, at least 2.

    >>> display_title(Paper(id="x", title="  Attention  Is All You Need "))
    'Attention Is All You Need'
    >>> display_title(Paper(id="x", abstract="Argument in multi-agent systems. More text."))
    'Argument in multi-agent systems.'
    >>> display_title(Paper(id="x", abstract="Argument in multi-agent systems. More."), limit=20)
    'Argument in…'
    >>> display_title(Paper(id="x"))
    'x'
    """
    text = " ".join((paper.title or "").split())
    if not text:
        abstract = " ".join((paper.abstract or "").split())
        text = _SENTENCE_END.split(abstract, maxsplit=1)[0]
    if not text:
        return str(paper.id)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:  # a word boundary not too far back
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


@functools.lru_cache(maxsize=1 << 17)  # ingest and dedup ask for each title's key several times
def normalize_title(title: str | None) -> str:
    """Case-, accent-, punctuation- and whitespace-insensitive form of a title.

    >>> normalize_title("  Attention Is  All You Need! ")
    'attention is all you need'
    """
    if not title:
        return ""
    text = title
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NON_WORD.sub(" ", text.casefold())
    return _WS.sub(" ", text).strip()


def normalize_doi(doi: str | None) -> str | None:
    """Lower-case bare DOI (``10.x/y``) or None; strips ``doi:`` and resolver URLs.

    >>> normalize_doi("https://doi.org/10.1000/ABC.1")
    '10.1000/abc.1'
    """
    if not doi:
        return None
    match = _DOI.search(doi.strip())
    return match.group(1).rstrip(".").lower() if match else None


def normalize_arxiv(arxiv_id: str | None) -> str | None:
    """Bare arXiv id without version or prefix, or None.

    >>> normalize_arxiv("arXiv:2101.00001v3")
    '2101.00001'
    >>> normalize_arxiv("hep-th/9901001")
    'hep-th/9901001'
    """
    if not arxiv_id:
        return None
    text = arxiv_id.strip()
    text = re.sub(r"^(arxiv:|https?://arxiv\.org/abs/)", "", text, flags=re.IGNORECASE)
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None


def invisible_char(text: str) -> str | None:
    """The first invisible or bidirectional control character of ``text``
    (control, format such as zero-width space or right-to-left override, line
    or paragraph separator), or None. Two ids that look the same must be the same.

    >>> invisible_char("caf\u00e9") is None
    True
    >>> invisible_char("ab\u200bc")
    '\u200b'
    """
    if text.isascii() and text.isprintable():
        return None
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            return ch
    return None


def paper_id(
    *,
    doi: str | None = None,
    arxiv_id: str | None = None,
    given_id: str | None = None,
    title: str | None = None,
    abstract: str | None = None,
) -> str:
    """The one identity rule: DOI, else arXiv id, else the given id, else a hash.

    The hash is a short stable digest of the normalized title (of the abstract
    when there is no title, as in datasets with a single text field).

    >>> paper_id(doi="10.1000/X", given_id="a")
    'doi:10.1000/x'
    >>> paper_id(given_id="hep-th/0001001")
    'hep-th/0001001'
    >>> paper_id(title="Attention is all you need") == paper_id(title="ATTENTION is all you need.")
    True
    """
    norm_doi = normalize_doi(doi)
    if norm_doi:
        return f"doi:{norm_doi}"
    norm_arxiv = normalize_arxiv(arxiv_id)
    if norm_arxiv:
        return f"arxiv:{norm_arxiv}"
    if given_id is not None and str(given_id).strip():
        # NFC: "café" typed precomposed or as e + combining accent is one paper.
        return unicodedata.normalize("NFC", str(given_id).strip())
    key = normalize_title(title) or normalize_title(abstract)
    if not key:
        raise ValueError("a paper needs a DOI, an arXiv id, an id, a title or an abstract")
    return "t:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as ingested. ``references`` are raw ids or DOIs of cited papers."""

    id: str
    title: str = ""
    abstract: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    label: str | None = None
    references: tuple[str, ...] = ()
    extra: Mapping[str, Scalar] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Title and abstract, the text every feature is computed from."""
        if self.title and self.abstract:
            return f"{self.title}. {self.abstract}"
        return self.title or self.abstract

    @property
    def title_key(self) -> str:
        return normalize_title(self.title)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["authors"] = list(self.authors)
        out["references"] = list(self.references)
        out["extra"] = dict(self.extra)
        return out


PAPER_FIELDS = tuple(f.name for f in fields(Paper))


def merge_papers(first: Paper, second: Paper) -> Paper:
    """Merge two records of the same paper: ``first`` wins, ``second`` fills gaps.

    References are united (order kept, no repeats); unknown scalar fields are
    filled the same way.
    """
    updates: dict[str, Any] = {}
    for name in ("title", "abstract", "authors", "year", "venue", "doi", "arxiv_id", "url", "label"):
        if not getattr(first, name) and getattr(second, name):
            updates[name] = getattr(second, name)
    if second.references:
        refs = dict.fromkeys(first.references)
        refs.update(dict.fromkeys(second.references))
        if len(refs) != len(first.references):
            updates["references"] = tuple(refs)
    if second.extra:
        extra = dict(second.extra)
        extra.update({k: v for k, v in first.extra.items() if v is not None})
        if extra != dict(first.extra):
            updates["extra"] = extra
    return replace(first, **updates) if updates else first


# --- derived graph -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeywordScore:
    """``(:Paper)-[:HAS_KEYWORD {score}]->(:Keyword)``."""

    paper_id: str
    keyword: str
    score: float


@dataclass(frozen=True, slots=True)
class Keyword:
    name: str
    df: int


@dataclass(frozen=True, slots=True)
class SimilarEdge:
    """Undirected, stored once with ``source < target``."""

    source: str
    target: str
    score: float
    terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SharedKeywordsEdge:
    """Undirected, stored once with ``source < target``."""

    source: str
    target: str
    count: int
    jaccard: float
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CitationEdge:
    """Directed: ``source`` cites ``target``."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class CoupledEdge:
    """Bibliographic coupling: both papers cite ``count`` same works (``shared``,
    at most a few, sorted). Undirected, stored once with ``source < target``;
    ``strength`` is the normalised count (:mod:`graph.coupling`)."""

    source: str
    target: str
    count: int
    strength: float
    shared: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CoCitedEdge:
    """Co-citation: ``count`` papers (``citers``, at most a few, sorted) cite
    both. Undirected, stored once with ``source < target``."""

    source: str
    target: str
    count: int
    strength: float
    citers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReferenceNode:
    """``(:Reference {id, doi, title, year})``: a work cited by papers of the graph
    that is not itself a paper of the graph (docs/identity.md, "Reference nodes").
    ``id`` is :func:`graph.ingest.references.reference_key` of the reference."""

    id: str
    doi: str | None = None
    title: str | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class ReferenceEdge:
    """``(:Paper {id: source})-[:REFERENCES]->(:Reference {id: target})``."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class DerivedGraph:
    """Everything ``build`` computes; a store replaces its derived edges with it."""

    keywords: tuple[Keyword, ...]
    has_keyword: tuple[KeywordScore, ...]
    similar: tuple[SimilarEdge, ...]
    shares_keywords: tuple[SharedKeywordsEdge, ...]
    cites: tuple[CitationEdge, ...]
    unresolved_references: int = 0
    #: COUPLED and CO_CITED (issue 23), from ``cites``; empty when not built.
    coupled: tuple[CoupledEdge, ...] = ()
    co_cited: tuple[CoCitedEdge, ...] = ()
    #: References that name no paper of the graph, as nodes and REFERENCES edges
    #: (issue 23 item 1), rebuilt with CITES.
    references: tuple[ReferenceNode, ...] = ()
    references_edges: tuple[ReferenceEdge, ...] = ()


# --- analysis ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Community:
    """A topic (``level`` 0) or a subtopic inside topic ``parent`` (``level`` 1).

    Ids are unique across levels. A first analysis numbers topics ``0..T-1``
    largest first, then subtopics ``T..`` ordered by (parent id, size
    descending); a later ``analyze`` of the same store keeps the id of every
    community it finds again and gives new ones ids above every id used
    before (:mod:`graph.analysis.stable_ids`), so ids need not be contiguous
    nor topics below subtopics. ``modularity`` is that of the whole level's
    partition.
    """

    id: int
    size: int
    label: str
    keywords: tuple[str, ...]
    modularity: float
    top_papers: tuple[str, ...] = ()
    level: int = 0
    parent: int | None = None


@dataclass(frozen=True, slots=True)
class PaperScores:
    """Analysis scores of one paper: ``community`` is its topic (level 0),
    ``subcommunity`` its subtopic (level 1), None in topics without subtopics."""

    paper_id: str
    community: int | None
    degree: float
    pagerank: float
    betweenness: float
    bridge: float
    x: float | None = None
    y: float | None = None
    subcommunity: int | None = None


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    communities: tuple[Community, ...]
    scores: tuple[PaperScores, ...]
    modularity: float
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What one build or analyze did: parameters, versions, counts, duration."""

    kind: str
    started_at: str
    seconds: float
    params: Mapping[str, Any]
    counts: Mapping[str, Any]
    versions: Mapping[str, str]
