"""Reader for OpenAlex works JSON: an API page, an array, one work, or JSON lines.

Each work becomes the record :func:`~graph.ingest.fields.record_to_paper`
reads: ``id`` is the short W-id (``W2741809807``), ``doi`` the bare DOI,
``title`` (``display_name`` when ``title`` is missing), ``publication_year``,
``authorships`` -> authors, the abstract rebuilt from
``abstract_inverted_index``, the primary location's source as venue, and
``referenced_works`` as references (W-ids). A work with a DOI gets the DOI
identity and keeps its W-id as ``extra["source_id"]``, which the stores'
reference index resolves, so W-id references find works of the same corpus.
"""

from __future__ import annotations

from typing import Any, Iterator

from graph.errors import BadRecord
from graph.ingest.fields import record_to_paper
from graph.ingest.io import TextSource
from graph.ingest.records import iter_json, iter_jsonl
from graph.models import Paper

__all__ = ["iter_openalex", "iter_openalex_lines", "openalex_record", "openalex_to_paper", "rebuild_abstract",
           "OPENALEX_MARKERS"]

#: Keys only an OpenAlex work has; the content sniff looks for them.
OPENALEX_MARKERS = ('"abstract_inverted_index"', '"referenced_works"', '"authorships"', "openalex.org/W")
_PREFIXES = ("https://openalex.org/", "http://openalex.org/")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")


class _Bad(Exception):
    pass


def short_id(value: object, name: str) -> str | None:
    """``https://openalex.org/W123`` -> ``W123``.

    >>> short_id("https://openalex.org/W2741809807", "id")
    'W2741809807'
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"{name!r} must be an OpenAlex id string, got {type(value).__name__}")
    text = value.strip()
    for prefix in _PREFIXES:
        if text.lower().startswith(prefix):
            return text[len(prefix):]
    return text


def rebuild_abstract(index: object) -> str | None:
    """The abstract text from OpenAlex's ``abstract_inverted_index`` (word -> positions).

    >>> rebuild_abstract({"graphs": [1], "We": [0], "study": [2]})
    'We graphs study'
    >>> rebuild_abstract(None) is None
    True
    """
    if index is None:
        return None
    if not isinstance(index, dict):
        raise _Bad(f"'abstract_inverted_index' must be an object, got {type(index).__name__}")
    words: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) and 0 <= p < 1_000_000 for p in positions
        ):
            raise _Bad(f"'abstract_inverted_index' entry {word[:40]!r} must list word positions (integers)")
        for position in positions:
            words[position] = word
    return " ".join(words[p] for p in sorted(words)) or None


def openalex_record(work: dict[str, Any]) -> dict[str, Any]:
    """The raw record (our field names) of one OpenAlex work object."""
    record: dict[str, Any] = {}
    record["id"] = short_id(work.get("id"), "id")
    doi = work.get("doi")
    if isinstance(doi, str):
        for prefix in _DOI_PREFIXES:
            if doi.lower().startswith(prefix):
                doi = doi[len(prefix):]
                break
    record["doi"] = doi
    title = work.get("title")
    record["title"] = title if title is not None else work.get("display_name")
    record["abstract"] = rebuild_abstract(work.get("abstract_inverted_index"))
    record["year"] = work.get("publication_year")
    authorships = work.get("authorships")
    if authorships is not None:
        if not isinstance(authorships, list):
            raise _Bad(f"'authorships' must be a list, got {type(authorships).__name__}")
        names = []
        for item in authorships:
            author = item.get("author") if isinstance(item, dict) else None
            name = author.get("display_name") if isinstance(author, dict) else None
            if name is None and isinstance(item, dict):
                name = item.get("raw_author_name")
            if isinstance(name, str) and name.strip():
                names.append(name)
        record["authors"] = names
    location = work.get("primary_location")
    source = location.get("source") if isinstance(location, dict) else None
    if isinstance(source, dict) and isinstance(source.get("display_name"), str):
        record["venue"] = source["display_name"]
    refs = work.get("referenced_works")
    if refs is not None:
        if not isinstance(refs, list):
            raise _Bad(f"'referenced_works' must be a list, got {type(refs).__name__}")
        record["references"] = [short_id(ref, "referenced_works") for ref in refs]
    _author_ids(work, record)
    for key in ("type", "language"):
        if isinstance(work.get(key), str):
            record[key] = work[key]
    if isinstance(work.get("cited_by_count"), int):
        record["cited_by_count"] = work["cited_by_count"]
    return record


def _author_ids(work: dict[str, Any], record: dict[str, Any]) -> None:
    """ORCIDs (``orcids``: ``;``-joined in author order, blank when unknown) and the
    source's ISSN-L (``issn``), kept as scalar extras for the Author and Venue nodes
    (graph.authors)."""
    authorships = work.get("authorships")
    if isinstance(authorships, list):
        orcids = []
        for item in authorships:
            author = item.get("author") if isinstance(item, dict) else None
            orcid = author.get("orcid") if isinstance(author, dict) else None
            name = author.get("display_name") if isinstance(author, dict) else None
            if name is None and isinstance(item, dict):
                name = item.get("raw_author_name")
            if isinstance(name, str) and name.strip():  # aligned with record["authors"]
                orcids.append(orcid.rsplit("/", 1)[-1] if isinstance(orcid, str) else "")
        if any(orcids):
            record["orcids"] = ";".join(orcids)
    location = work.get("primary_location")
    source = location.get("source") if isinstance(location, dict) else None
    if isinstance(source, dict) and isinstance(source.get("issn_l"), str):
        record["issn"] = source["issn_l"]


def openalex_to_paper(work: dict[str, Any], where: str) -> Paper | BadRecord:
    """One OpenAlex work object to a paper, or a bad record saying why not."""
    try:
        record = openalex_record(work)
    except _Bad as exc:
        return BadRecord(where, str(exc))
    return record_to_paper(record, where)


def iter_openalex(source: TextSource) -> Iterator[Paper | BadRecord]:
    """An OpenAlex ``/works`` page (``{"results": [...]}``), an array, one work, or JSON lines."""
    return iter_json(source, openalex_to_paper, ("id", "title", "display_name"), ("results",))


def iter_openalex_lines(source: TextSource) -> Iterator[Paper | BadRecord]:
    """OpenAlex works, one per line (a snapshot or ``.jsonl`` download)."""
    return iter_jsonl(source, openalex_to_paper)
