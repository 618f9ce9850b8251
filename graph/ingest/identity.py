"""Paper identity, in one place: record -> paper, which records are one paper,
how they merge, and every name under which a reference may cite a paper.

``citegraph ingest`` (:func:`graph.jobs.ingest`) and ``POST /papers``
(:func:`graph.incremental.add_papers`) both go through this module, so the same
records give the same stored papers whichever way they come in:

1. **record -> paper**: :func:`graph.ingest.fields.record_to_paper` for every
   record (files and API alike; :func:`papers_from_records` is its API face,
   turning a bad record into an :class:`~graph.errors.InvalidParameter`);
2. **the id**: :func:`graph.models.paper_id` -- DOI, else arXiv id, else the given
   id, else a hash of the normalised title;
3. **same paper** among the records (:func:`graph.ingest.dedup.deduplicate`): the
   same id (so the same DOI or arXiv id), the same external id (OpenAlex W-id,
   PMID, Semantic Scholar id: :func:`paper_aliases`), or the same normalised title
   when :func:`same_paper_possible` (no conflicting DOI or arXiv id, years at most
   one apart, the same first-author surname);
4. **same paper** as a stored one (:func:`join_stored`): the same id, else the
   same normalised title under the same rule; a stored paper keeps its id;
5. **merging** (:func:`graph.models.merge_papers`), the stated precedence: the
   stored record first, then records in input order (files in the order given,
   records in file order); a later record only fills fields the earlier ones left
   empty; references are united in order; the id is the strongest identifier of
   the merged records (DOI > arXiv id > given id > title hash), except that a
   stored paper keeps its stored id;
6. **reference names**: :func:`paper_names` (every name a paper answers to) and
   :func:`reference_names` (every name a reference string may mean, strongest
   first); :func:`index_references` and :func:`resolve_reference` are the exact
   lookups every store and both build paths use. Matching cited-reference strings
   (``Smith J, 2001, PHYS REV D, V64, P1``) by author, year and source is
   :mod:`graph.ingest.references`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Iterator, Mapping, Sequence

from graph.errors import BadRecord, InvalidParameter
from graph.ingest.fields import id_problem, record_to_paper
from graph.models import Paper, merge_papers, normalize_arxiv, normalize_doi, paper_id

__all__ = [
    "papers_from_records",
    "paper_id",
    "merge_papers",
    "same_paper_possible",
    "first_author_key",
    "paper_aliases",
    "paper_names",
    "reference_names",
    "external_id",
    "index_references",
    "resolve_reference",
    "StoredJoin",
    "join_stored",
    "YEAR_SLACK",
]

#: Two records with the same title may be one paper when their years differ by at
#: most this (a preprint and its journal version often straddle a new year).
YEAR_SLACK = 1

# --- record -> paper (the API face of record_to_paper) ----------------------------


def papers_from_records(records: Sequence[Mapping[str, Any]], *, where: str = "POST /papers") -> list[Paper]:
    """API records (``id``, ``title``, ``abstract``, ``authors``, ...) to papers, in
    request order, by the very rules ``citegraph ingest`` reads files with
    (:func:`graph.ingest.fields.record_to_paper`: authors split on ``;`` else on
    `` and ``, DOIs and arXiv ids normalised, references written as paper ids).

    Records of one paper (DOI variants, a title twice) are not merged here: the
    caller merges them with :func:`graph.ingest.dedup.deduplicate`, as ingest does.

    Raises
    ------
    InvalidParameter
        Naming the record (``papers[i]``) that is unusable (no text, an id with an
        invisible character, ...), or the records that give the same ``id``
        twice (a request must name each paper once).
    """
    out: list[Paper] = []
    given_at: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        given = record.get("id")
        if given is not None:
            text = unicodedata.normalize("NFC", str(given).strip())
            problem = id_problem(text)
            if problem:
                raise InvalidParameter(
                    f"The 'papers[{i}]' parameter of {where} must have a valid id: {problem}. "
                    f"Got {text!r} instead.", name=f"papers[{i}].id")
            given_at.setdefault(text, []).append(i)
        paper = record_to_paper(record, f"papers[{i}]")
        if isinstance(paper, BadRecord):
            raise InvalidParameter(
                f"The 'papers[{i}]' parameter of {where} must be a usable paper record. "
                f"Got a record with this problem instead: {paper.reason}.", name=f"papers[{i}]")
        out.append(paper)
    twice = {text: at for text, at in given_at.items() if len(at) > 1}
    if twice:
        listed = "; ".join(f"{text!r} at " + ", ".join(f"papers[{i}]" for i in at) for text, at in twice.items())
        raise InvalidParameter(
            f"The 'papers' parameter of {where} must name each paper once. Got the same id more than once: "
            f"{listed}.", name="papers")
    return out


# --- same paper -------------------------------------------------------------------

_INITIALS = re.compile(r"^[A-Z]{1,3}$")
_NOT_LETTER = re.compile(r"[^a-z]+")


def first_author_key(paper_or_name: Paper | str | None) -> str:
    """Lower-case, accent-free surname of a paper's first author (or of a name), or "".

    ``Last, First``, ``First Last``, ``F. Last`` and Web of Science's ``Last FM``
    give the same key.

    >>> [first_author_key(n) for n in ("Smith, John", "John Smith", "J. Smith", "Smith JA", "Müller, A.")]
    ['smith', 'smith', 'smith', 'smith', 'muller']
    """
    if isinstance(paper_or_name, Paper):
        name = paper_or_name.authors[0] if paper_or_name.authors else ""
    else:
        name = paper_or_name or ""
    name = name.strip()
    if not name:
        return ""
    if "," in name:
        surname = name.split(",", 1)[0]
    else:
        parts = name.split()
        if len(parts) > 1 and _INITIALS.match(parts[-1].replace(".", "")) and not _INITIALS.match(parts[0]):
            surname = parts[0]  # "Smith JA"
        else:
            surname = parts[-1]
    if not surname.isascii():
        surname = "".join(c for c in unicodedata.normalize("NFKD", surname) if not unicodedata.combining(c))
    return _NOT_LETTER.sub("", surname.casefold())


def same_paper_possible(first: Paper, second: Paper) -> bool:
    """Whether two records with the same title may be one paper: False when they
    carry different DOIs, different arXiv ids, years more than :data:`YEAR_SLACK`
    apart, or first authors with different surnames (a missing value never
    blocks)."""
    for key in (_doi, _arxiv):
        a, b = key(first), key(second)
        if a and b and a != b:
            return False
    if first.year is not None and second.year is not None and abs(first.year - second.year) > YEAR_SLACK:
        return False
    a, b = first_author_key(first), first_author_key(second)
    return not (a and b and a != b)


def _doi(paper: Paper) -> str | None:
    return normalize_doi(paper.doi) or None


def _arxiv(paper: Paper) -> str | None:
    return normalize_arxiv(paper.arxiv_id) or normalize_arxiv(given_id(paper)) or None


def given_id(paper: Paper) -> str | None:
    """The id the input gave, if any (hashes and DOI/arXiv ids are derived)."""
    if id_rank(paper.id) == 2:
        return paper.id
    source = paper.extra.get("source_id")
    return str(source) if source is not None else None


def id_rank(pid: str) -> int:
    """Strength of an id under the identity rule: lower is stronger."""
    if pid.startswith("doi:"):
        return 0
    if pid.startswith("arxiv:"):
        return 1
    if pid.startswith("t:"):
        return 3
    return 2


# --- external ids and reference names -----------------------------------------------

_OPENALEX = re.compile(r"^(?:https?://(?:api\.)?openalex\.org/(?:works/)?|openalex:)?(W\d{4,})$", re.IGNORECASE)
_PMID = re.compile(r"^(?:pmid:?\s*|https?://(?:www\.)?ncbi\.nlm\.nih\.gov/pubmed/|"
                   r"https?://pubmed\.ncbi\.nlm\.nih\.gov/)(\d{1,9})/?$", re.IGNORECASE)
_S2 = re.compile(r"^(?:s2:|https?://(?:www\.)?semanticscholar\.org/paper/(?:[^/]*/)?)?([0-9a-f]{40})$",
                 re.IGNORECASE)
_S2_CORPUS = re.compile(r"^(?:corpus_?id:?\s*)(\d{1,12})$", re.IGNORECASE)
_DOI_IN_TEXT = re.compile(r"(?:\bDOI:?\s*|doi\.org/)(10\.\d{4,9}/[^\s,;\]]+)", re.IGNORECASE)
_DOI_START = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?10\.\d{4,9}/", re.IGNORECASE)
_ARXIV_START = re.compile(r"^(?:arxiv:\s*|https?://arxiv\.org/abs/)", re.IGNORECASE)
#: ``Paper.extra`` keys that hold an id of another database, by kind.
EXTRA_ID_KEYS = {
    "openalex": ("openalex", "openalex_id"),
    "pmid": ("pmid", "pubmed_id"),
    "s2": ("s2_id", "s2", "paper_id_s2", "semantic_scholar_id"),
    "s2corpus": ("corpus_id", "s2_corpus_id"),
}


def external_id(text: str) -> str | None:
    """The typed name (``openalex:W1``, ``pmid:1``, ``s2:<hex>``, ``s2corpus:1``) of
    an id of another database written in one of its usual forms, or None.

    >>> external_id("https://openalex.org/W2741809807"), external_id("PMID: 123"), external_id("x")
    ('openalex:W2741809807', 'pmid:123', None)
    """
    text = text.strip()
    for kind, pattern in (("openalex", _OPENALEX), ("pmid", _PMID), ("s2", _S2), ("s2corpus", _S2_CORPUS)):
        match = pattern.match(text)
        if match:
            value = match.group(1)
            return f"{kind}:{value.upper() if kind == 'openalex' else value.lower()}"
    return None


def paper_aliases(paper: Paper) -> list[str]:
    """Typed external ids a paper carries besides its DOI and arXiv id: its given
    id when it has a recognisable form (an OpenAlex W-id), and ids kept in
    ``extra`` under the keys of :data:`EXTRA_ID_KEYS`.

    >>> paper_aliases(Paper("doi:10.1/x", "T", extra={"source_id": "W12345", "pmid": 99}))
    ['openalex:W12345', 'pmid:99']
    """
    out: dict[str, None] = {}
    given = given_id(paper)
    if given is not None and given[:1] in "Ww":  # the one given-id form we recognise: an OpenAlex W-id
        typed = external_id(given)
        if typed:
            out[typed] = None
    if not paper.extra:
        return list(out)
    for kind, keys in EXTRA_ID_KEYS.items():
        for key in keys:
            value = paper.extra.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                text = str(value).strip()
                typed = external_id(text) or external_id(f"{kind}:{text}" if kind != "pmid" else f"pmid:{text}")
                if typed:
                    out[typed] = None
    return list(out)


def paper_names(paper: Paper) -> list[str]:
    """Every name under which a reference may cite ``paper``: its id, its DOI
    (bare and ``doi:``), its arXiv id (bare and ``arxiv:``), its given id, and its
    typed external ids (:func:`paper_aliases`) with their bare forms.

    >>> paper_names(Paper("doi:10.1000/x", "T", doi="10.1000/X", extra={"source_id": "W12345"}))
    ['doi:10.1000/x', '10.1000/x', 'W12345', 'openalex:W12345']
    """
    return list(dict.fromkeys(_names(paper.id, paper.doi, paper.arxiv_id, given_id(paper), paper_aliases(paper))))


def _names(pid: str, doi: str | None, arxiv: str | None, given: Any, aliases: Iterable[str]) -> Iterator[str]:
    yield pid
    bare = normalize_doi(doi) if doi else None
    if doi:
        bare = bare or doi.strip()
        yield f"doi:{bare}"
        yield bare
    norm = normalize_arxiv(arxiv) if arxiv else None
    if arxiv:
        yield f"arxiv:{norm or arxiv.strip()}"
        yield norm or arxiv.strip()
    if isinstance(given, (str, int, float)) and not isinstance(given, bool) and str(given).strip():
        yield str(given).strip()
        typed = external_id(str(given))
        if typed:
            yield typed
    for alias in aliases:
        yield alias
        if alias.startswith("openalex:"):
            yield alias.split(":", 1)[1]


def reference_names(reference: str) -> list[str]:
    """The names a reference string may mean, strongest first: see :func:`_reference_names`.

    >>> reference_names("https://doi.org/10.1000/X")
    ['https://doi.org/10.1000/X', 'doi:10.1000/x', '10.1000/x']
    """
    # A reference is often cited by many papers: its names are computed once.
    return list(_reference_names(reference))


@lru_cache(maxsize=1 << 18)
def _reference_names(reference: str) -> tuple[str, ...]:
    """The names a reference string may mean, strongest first: as given, then its
    normalised DOI (``doi:`` and bare), arXiv id (``arxiv:`` and bare), or typed
    external id; for a free-text cited reference, the DOI written inside it.

    >>> _reference_names("https://doi.org/10.1000/X")
    ('https://doi.org/10.1000/X', 'doi:10.1000/x', '10.1000/x')
    >>> reference_names("hep-th/9901001v2")
    ['hep-th/9901001v2', 'arxiv:hep-th/9901001', 'hep-th/9901001']
    >>> reference_names("Smith J, 2001, PHYS REV D, V64, P1, DOI 10.1103/PhysRevD.64.1")[1:]
    ['doi:10.1103/physrevd.64.1', '10.1103/physrevd.64.1']
    """
    ref = reference.strip()
    if not ref:
        return ()
    out = [ref]
    if _DOI_START.match(ref):
        doi = normalize_doi(ref)
        if doi:
            out += [f"doi:{doi}", doi]
            return tuple(out)
    typed = external_id(ref)
    if typed:
        out.append(typed)
        if typed.startswith("openalex:"):
            out.append(typed.split(":", 1)[1])
        return tuple(out)
    arxiv = normalize_arxiv(ref) if (_ARXIV_START.match(ref) or len(ref) <= 40) else None
    if arxiv:
        out += [f"arxiv:{arxiv}", arxiv]
        return tuple(out)
    match = _DOI_IN_TEXT.search(ref)
    if match:
        doi = normalize_doi(match.group(1))
        if doi:
            out += [f"doi:{doi}", doi]
    return tuple(out)


def index_references(rows: Iterable[tuple[str, str | None, str | None, Any]]) -> dict[str, str]:
    """Name -> paper id from ``(id, doi, arxiv_id, source_id)`` rows ordered by id:
    where two papers share a name, the smaller id keeps it; a paper's own id
    always names that paper.

    Both stores build :meth:`~graph.stores.base.GraphStore.reference_index` with it.

    >>> index_references([("a", "10.1000/ABC", None, True),
    ...                   ("b", "https://doi.org/10.1000/abc", "hep-th/9901001v2", 7)])
    {'doi:10.1000/abc': 'a', '10.1000/abc': 'a', 'arxiv:hep-th/9901001': 'b', 'hep-th/9901001': 'b', '7': 'b', 'a': 'a', 'b': 'b'}
    """
    index: dict[str, str] = {}
    ids: list[str] = []
    for pid, doi, arxiv_id, source_id in rows:
        ids.append(pid)
        aliases = [external_id(str(source_id))] if isinstance(source_id, str) else []
        for name in _names(pid, doi, arxiv_id, source_id, [a for a in aliases if a]):
            if name != pid:
                index.setdefault(name, pid)
    index.update(zip(ids, ids))
    return index


def index_papers(papers: Iterable[Paper]) -> dict[str, str]:
    """:func:`index_references` over whole papers (their external ids in ``extra``
    too), smaller id first."""
    index: dict[str, str] = {}
    ids = []
    for paper in sorted(papers, key=lambda p: p.id):
        ids.append(paper.id)
        for name in paper_names(paper):
            index.setdefault(name, paper.id)
    index.update(zip(ids, ids))
    return index


def resolve_reference(reference: str, index: Mapping[str, str]) -> str | None:
    """The paper id a reference names through an exact ``index`` (name -> id), or None.

    >>> index = {"doi:10.1000/x": "doi:10.1000/x", "arxiv:hep-th/9901001": "arxiv:hep-th/9901001"}
    >>> resolve_reference("https://doi.org/10.1000/X", index), resolve_reference("hep-th/9901001v2", index)
    ('doi:10.1000/x', 'arxiv:hep-th/9901001')
    """
    for name in _reference_names(reference):
        found = index.get(name)
        if found is not None:
            return found
    return None


# --- same paper as a stored one ------------------------------------------------------


@dataclass
class StoredJoin:
    """Papers joined with the stored ones they name.

    ``papers`` are the merged records to write, by id; ``previous`` the stored
    record of each paper that was already stored; ``renamed`` maps a record's id
    to the stored id it joined (by title).
    """

    papers: dict[str, Paper]
    previous: dict[str, Paper]
    renamed: dict[str, str] = field(default_factory=dict)

    def final_id(self, pid: str) -> str:
        return self.renamed.get(pid, pid)


def join_stored(store: Any, papers: Iterable[Paper]) -> StoredJoin:
    """Join de-duplicated papers with the store: a paper whose id is not stored
    but whose normalised title is joins that stored paper when
    :func:`same_paper_possible`; the stored record wins, the new one fills gaps.

    ``store`` needs ``get_papers`` and ``title_key_ids`` (three batched reads,
    whatever the number of papers).
    """
    papers = list(papers)
    stored = store.get_papers(p.id for p in papers)
    by_title = store.title_key_ids({p.title_key for p in papers if p.title_key and p.id not in stored})
    candidates = store.get_papers({pid for ids in by_title.values() for pid in ids}) if by_title else {}
    resolved: dict[str, Paper] = {}
    renamed: dict[str, str] = {}
    for paper in papers:
        titled = by_title.get(paper.title_key, ()) if paper.id not in stored and paper.title_key else ()
        # The first stored paper (smallest id) that may be this one.
        stored_id = next((pid for pid in titled if pid in candidates and same_paper_possible(candidates[pid], paper)),
                         None)
        if stored_id and stored_id != paper.id:
            renamed[paper.id] = stored_id
            paper = replace(paper, id=stored_id)
        resolved[paper.id] = merge_papers(resolved[paper.id], paper) if paper.id in resolved else paper
    stored.update(candidates)
    previous = {pid: stored[pid] for pid in resolved if pid in stored}
    merged = {pid: merge_papers(previous[pid], p) if pid in previous else p for pid, p in resolved.items()}
    return StoredJoin(papers=merged, previous=previous, renamed=renamed)
