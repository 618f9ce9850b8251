"""Pydantic models of every request and response body (the OpenAPI contract)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator

__all__ = [
    "ErrorInfo", "ErrorResponse",
    "Health", "RunOut", "Stats",
    "Scores", "PaperSummary", "PaperDetail", "PaperPage",
    "Evidence", "NeighborOut", "NeighborList",
    "Via", "Recommendation", "RecommendationList",
    "SearchHit", "SearchResults",
    "CommunityOut", "CommunityList", "Member", "CommunityDetail",
    "RankingItem", "RankingList",
    "PathPaper", "PathEdge", "PathResult",
    "KeywordOut", "KeywordList", "KeywordPaper", "KeywordPapers",
    "CypherRequest", "CypherResponse",
    "PaperIn", "AddPapersRequest", "AddPapersResponse",
    "BuildRequest", "AnalyzeRequest", "RunReport",
    "MAX_LIMIT", "MAX_OFFSET",
]

#: Pagination bounds shared by every list endpoint (422 beyond them).
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000

RelationName = Literal["similar", "keywords", "cites", "cited_by"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ---------------------------------------------------------------------


class ErrorInfo(_Out):
    status: int = Field(description="The HTTP status, repeated.")
    code: str = Field(description="A stable machine-readable code, e.g. not_found, invalid_parameter.")
    message: str = Field(description="What went wrong, for a human.")
    detail: Any = Field(None, description="Optional structured detail (e.g. every invalid parameter).")


class ErrorResponse(_Out):
    error: ErrorInfo


# --- health / stats -------------------------------------------------------------


class Health(_Out):
    status: Literal["ok", "degraded"] = Field(
        "ok", description="'degraded' when the derived graph is incomplete (a build did not complete).")
    store: str
    counts: dict[str, int]
    reason: str | None = Field(None, description="Why the status is 'degraded'.")


class RunOut(_Out):
    kind: str
    started_at: str
    seconds: float
    params: dict[str, Any]
    counts: dict[str, Any]
    versions: dict[str, str]


class Stats(_Out):
    store: str
    papers: int
    keywords: int
    communities: int
    references: int = Field(0, description="Reference nodes: works cited by papers of the graph that are not "
                                           "papers of the graph (REFERENCES edges point to them).")
    edges: dict[str, int] = Field(description="Count per relationship type.")
    incomplete: str | None = Field(
        None, description="Set while the derived graph is incomplete: a build started and did not complete.")
    runs: list[RunOut] = Field(description="The last build and analyze runs, newest first.")


# --- papers ---------------------------------------------------------------------


class Scores(_Out):
    community: int | None = None
    degree: float | None = None
    pagerank: float | None = None
    betweenness: float | None = None
    bridge: float | None = None


class PaperSummary(_Out):
    id: str
    title: str
    year: int | None = None
    authors: list[str] = []
    venue: str | None = None
    community: int | None = None
    pagerank: float | None = None


class PaperDetail(_Out):
    id: str
    title: str
    abstract: str
    authors: list[str]
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    label: str | None = None
    references: list[str]
    extra: dict[str, str | int | float | bool | None]
    keywords: list[str]
    scores: Scores | None = None


class ListEnvelope(_Out):
    """The one list shape: ``total`` matches, the page of ``limit`` from ``offset``, ``items``."""

    total: int = Field(description="How many items match in all (every page).")
    limit: int
    offset: int

    @classmethod
    def page(cls, total: int, limit: int, offset: int, items: list, **fields: Any) -> Any:
        """One page of ``items`` (the subclass's item type) and the subclass's ``fields``."""
        return cls(total=int(total), limit=limit, offset=offset, items=items, **fields)


class PaperPage(ListEnvelope):
    items: list[PaperSummary]


# --- neighbours and recommendations -----------------------------------------------


class Evidence(_Out):
    """Why two papers are linked; only the keys of the edge's relation are present
    (issue 21: ``{"terms": null, "keywords": null, ...}`` said nothing)."""

    terms: list[str] | None = Field(None, description="similar: the top shared terms.")
    keywords: list[str] | None = Field(None, description="keywords: the shared keywords.")
    count: int | None = Field(None, description="keywords: how many are shared.")
    direction: Literal["cites", "cited_by"] | None = Field(None, description="citations: who cites whom.")

    @model_serializer(mode="wrap")
    def _without_nulls(self, handler: Any) -> Any:
        return {k: v for k, v in handler(self).items() if v is not None}


class PaperRef(_Out):
    """A paper in a list: ``id`` as everywhere (``paper_id`` is its deprecated alias)."""

    id: str = Field(description="The paper id.")
    paper_id: str = Field(description="Deprecated alias of id (kept for older clients; will be removed).",
                          json_schema_extra={"deprecated": True})
    title: str = Field(description="The title, or the first sentence of the abstract when there is none.")

    @model_validator(mode="before")
    @classmethod
    def _alias_of_id(cls, data: Any) -> Any:
        # paper_id repeats id: filled here, so that no caller writes it twice.
        if isinstance(data, dict) and "id" in data and "paper_id" not in data:
            return {**data, "paper_id": data["id"]}
        return data


class NeighborOut(PaperRef):
    relation: RelationName
    weight: float = Field(description="Similarity score, keyword Jaccard, or 1.0 for citations.")
    evidence: Evidence


class NeighborList(ListEnvelope):
    paper_id: str
    relation: str
    items: list[NeighborOut]


class Via(PaperRef):
    """A direct neighbour of the source paper on the way."""

    relations: list[str] = Field(description="How the source reaches this neighbour.")
    next_relations: list[str] = Field(description="How this neighbour reaches the recommendation.")


class Recommendation(PaperRef):
    score: float = Field(description="Personalised PageRank mass from the source paper.")
    hops: int
    via: list[Via]
    how: str = Field(description="How the recommendation was reached, in words.")


class RecommendationList(ListEnvelope):
    paper_id: str
    method: str
    items: list[Recommendation]


# --- search ---------------------------------------------------------------------


class SearchHit(PaperRef):
    score: float = Field(description="Combined score in [0, 1].")
    fulltext: float = Field(description="Full-text score normalised to [0, 1] (0 when not matched).")
    similarity: float = Field(description="Cosine similarity of the query to the paper's TF-IDF vector.")
    matched_terms: list[str] = Field(description="Query terms that weigh most in the paper.")


class SearchResults(ListEnvelope):
    query: str
    method: str
    items: list[SearchHit]


# --- communities, rankings, path, keywords ------------------------------------------


class TopPaper(_Out):
    """One of a community's top papers (by PageRank)."""

    id: str = Field(description="The paper id.")
    title: str = Field(description="The title, or the first sentence of the abstract when there is none.")


class PartitionModularity(_Out):
    """Modularity of a whole partition of the paper graph: a property of the run's
    partition, not of any one community."""

    topics: float | None = Field(None, description="The topic partition (level 0); null without topics.")
    subtopics: float | None = Field(
        None, description="The subtopic partition (level 1), on the whole graph; null without subtopics.")


class CommunityOut(_Out):
    id: int
    size: int
    label: str
    keywords: list[str]
    modularity: float | None = Field(
        None, description="Deprecated: the modularity of this community's whole level partition, the same for "
        "every community of the level, not a measure of this community. Read partition_modularity instead.",
        json_schema_extra={"deprecated": True})
    top_papers: list[TopPaper] = Field(description="The community's top papers by PageRank, with display titles.")
    level: int = Field(0, description="0 topic, 1 subtopic (inside topic parent).")
    parent: int | None = Field(None, description="The topic of a subtopic; null for a topic.")


class CommunityList(ListEnvelope):
    items: list[CommunityOut]
    partition_modularity: PartitionModularity = Field(
        description="Modularity of the topic and subtopic partitions (the whole analysis run, every level, "
        "whatever the level filter).")


class Member(PaperRef):
    pagerank: float | None = None


class CommunityDetail(_Out):
    community: CommunityOut
    children: list[CommunityOut] = Field([], description="Its subtopics (for a topic), by size; empty for a subtopic.")
    total_members: int
    limit: int
    offset: int
    members: list[Member] = Field(description="A page of its members by PageRank; id as everywhere "
                                  "(paper_id is the deprecated alias).")
    partition_modularity: PartitionModularity = Field(
        description="Modularity of the topic and subtopic partitions of the analysis run.")


class RankingItem(PaperRef):
    rank: int
    value: float


class RankingList(ListEnvelope):
    metric: str
    items: list[RankingItem]


class PathPaper(PaperRef):
    """A paper on the path."""


class PathEdge(_Out):
    source: str
    target: str
    relation: RelationName
    weight: float
    evidence: Evidence


class PathResult(_Out):
    source: str
    target: str
    found: bool
    length: int | None = Field(None, description="Number of edges on the path.")
    papers: list[PathPaper]
    edges: list[PathEdge]
    explored: int = Field(description="Papers whose neighbours were looked at.")
    message: str


class KeywordOut(_Out):
    name: str
    df: int = Field(description="Number of papers having the keyword.")


class KeywordList(ListEnvelope):
    items: list[KeywordOut]


class KeywordPaper(PaperRef):
    score: float


class KeywordPapers(ListEnvelope):
    keyword: str
    items: list[KeywordPaper]


# --- cypher ---------------------------------------------------------------------


class CypherRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Longer than the store's limit (MAX_QUERY_CHARS), so that limit answers with a 400 naming it.
    query: str = Field(min_length=1, max_length=1_000_000, description="One read-only Cypher query.")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Passed as Cypher $parameters.")


    @field_validator("parameters")
    @classmethod
    def _bolt_values(cls, value: dict[str, Any]) -> dict[str, Any]:
        _check_bolt_value(value, "parameters", 0)
        return value


_INT64 = (-(2**63), 2**63 - 1)


def _check_bolt_value(value: Any, where: str, depth: int) -> None:
    """Values Neo4j can take as parameters: 64-bit integers, bounded nesting."""
    if depth > 32:
        raise ValueError(f"{where}: nested deeper than 32 levels")
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise ValueError(f"{where}: text must be valid Unicode (no lone surrogates)")
        return
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise ValueError(f"{where}: integers must fit in 64 bits")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_bolt_value(key, f"{where} (a key)", depth + 1)
            _check_bolt_value(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_bolt_value(item, f"{where}[{i}]", depth + 1)


class CypherResponse(_Out):
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool = Field(description="True when the row cap or the byte cap cut the result.")
    truncated_by: Literal["rows", "bytes"] | None = Field(
        None, description="Which cap cut the result: CITEGRAPH_CYPHER_MAX_ROWS or CITEGRAPH_CYPHER_MAX_BYTES.")


# --- writes ---------------------------------------------------------------------


_HAS_WORD = re.compile(r"\w")
_SURROGATE = re.compile("[\ud800-\udfff]")
  # JSON may carry them; no store can keep them


#: Code points that may not be in an id: control (Cc), format (Cf: zero-width,
#: bidirectional overrides, ...), line and paragraph separators (Unicode 15, a superset of older ones).
#: tests/test_cypher_attack.py checks that it covers this Python's unicodedata.
INVISIBLE_RANGES = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x2028, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
# Literal characters, not escapes: read alike by pydantic's regex engine and
# by Python's (which the OpenAPI fuzzing generates from).
_VISIBLE_ID = "^[^" + "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in INVISIBLE_RANGES) + "]*$"


class PaperIn(BaseModel):
    """One paper to add; needs a title or an abstract (with a letter or digit)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"anyOf": [
            {"required": ["title"], "properties": {"title": {"pattern": r"\w"}}},
            {"required": ["abstract"], "properties": {"abstract": {"pattern": r"\w"}}},
        ]},
    )

    id: str | None = Field(None, min_length=1, max_length=500, pattern=_VISIBLE_ID,
                           description="No control, format (zero-width, bidi) or separator characters.")
    title: str = Field("", max_length=5_000)
    abstract: str = Field("", max_length=100_000)
    authors: list[str] | str = Field(default_factory=list, description="A list, or one string split on ';' (else on ' and '), as ingest reads files.")
    year: int | None = Field(None, ge=0, le=3000)
    venue: str | None = Field(None, max_length=1_000)
    doi: str | None = Field(None, max_length=500)
    arxiv_id: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=2_000)
    label: str | None = Field(None, max_length=500)
    references: list[str] = Field(default_factory=list, max_length=10_000,
                                  description="Ids or DOIs of cited papers.")

    @model_validator(mode="after")
    def _has_text(self) -> "PaperIn":
        if not (_HAS_WORD.search(self.title) or _HAS_WORD.search(self.abstract)):
            raise ValueError("a paper needs a title or an abstract with a letter or digit")
        return self

    @field_validator("authors")
    @classmethod
    def _cap_authors(cls, value: list[str] | str) -> list[str] | str:
        if isinstance(value, list) and len(value) > 2_000:
            raise ValueError("at most 2000 authors")
        return value


class AddPapersRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    papers: list[PaperIn] = Field(min_length=1, max_length=1_000)


class AddPapersResponse(_Out):
    ids: list[str] = Field(description="Ids of the papers written, in request order.")
    added: int = Field(description="Papers new to the graph.")
    updated: int = Field(description="Papers that were already stored (merged).")
    edges: dict[str, int] = Field(description="Derived edges written, per relationship type.")
    seconds: float


class BuildRequest(BaseModel):
    """Knobs of a full build (graph.edges.BuildParams); omitted ones take their defaults."""

    model_config = ConfigDict(extra="forbid")

    similarity: Literal["tfidf", "lsa", "embedding"] = "tfidf"
    k: int = Field(10, ge=1, le=200, description="Similar neighbours kept per paper.")
    min_score: float | None = Field(None, ge=0.0, lt=1.0, description="Minimum similarity (default: the method's).")
    n_terms: int = Field(5, ge=0, le=20, description="Shared terms kept as evidence per SIMILAR_TO edge.")
    keywords_k: int = Field(8, ge=1, le=50, description="Keywords per paper.")
    keyword_max_words: int = Field(3, ge=1, le=5, description="Longest keyword, in words.")
    min_shared: int = Field(2, ge=1, le=50, description="Shared keywords needed for SHARES_KEYWORDS.")
    max_keyword_df: int | None = Field(None, ge=2, le=10**9,
                                       description="Keywords of more papers make no pairs (default: max(50, 2%), at most 1000).")
    shares_k: int | None = Field(None, ge=0, le=200,
                                 description="SHARES_KEYWORDS kept per paper, strongest first (0: all; "
                                 "default: all below 50,000 papers, 20 from there).")
    lsa_components: int = Field(256, ge=2, le=2048)
    seed: int = Field(0, ge=0, le=2**32 - 1)


class AnalyzeRequest(BaseModel):
    """Knobs of analyze (graph.analysis.AnalyzeParams); omitted ones take their defaults."""

    model_config = ConfigDict(extra="forbid")

    edges: list[Literal["similar", "keywords", "cites"]] | None = Field(None, min_length=1, max_length=3)
    method: Literal["louvain", "leiden", "label_propagation", "greedy_modularity"] | None = None
    resolution: float | None = Field(None, gt=0.0, le=100.0, allow_inf_nan=False)
    seed: int | None = Field(None, ge=0, le=2**31 - 1)
    top_papers: int | None = Field(None, ge=0, le=100, description="Top papers kept per community.")
    label_size: int | None = Field(None, ge=1, le=10, description="Keywords in a community label.")
    warm: bool | None = Field(None, description="Start Leiden from the stored analysis's communities "
                              "(default true); false finds them afresh, as a first run does.")


class RunReport(_Out):
    kind: Literal["build", "analyze"]
    seconds: float
    counts: dict[str, Any]
    params: dict[str, Any]
    communities: int | None = None
    modularity: float | None = None
