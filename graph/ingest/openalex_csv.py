"""Reader for the OpenAlex web CSV export (openalex.org "Download" -> CSV).

One row per work, dotted column names (``authorships.author.display_name``) and
``|``-separated multi-values. Told from plain CSV by its header (``display_name``
with ``authorships.author.display_name`` or ``publication_year``): plain CSV would
look for ``title`` and miss every work without an abstract.

Columns read: ``id`` (the W-id, as OpenAlex JSON's), ``display_name`` (title),
``abstract``, ``publication_year``, ``doi``, ``authorships.author.display_name``
(authors), ``primary_location.source.display_name`` (venue),
``primary_location.source.issn_l`` (``issn``), ``ids.pmid`` (``pmid``), ``type``,
``language``, ``cited_by_count``, and ``referenced_works`` when the export has it
(W-ids, which resolve to works of the same corpus, as OpenAlex JSON's do).
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from graph.errors import BadRecord
from graph.ingest.fields import record_to_paper
from graph.ingest.io import TextSource
from graph.ingest.records import iter_csv
from graph.models import Paper

__all__ = ["iter_openalex_csv", "openalex_csv_record", "is_openalex_csv_header"]


def is_openalex_csv_header(names: set[str]) -> bool:
    """Whether normalised CSV column names are an OpenAlex web export's.

    >>> is_openalex_csv_header({"id", "display_name", "publication_year"}), is_openalex_csv_header({"title"})
    (True, False)
    """
    return "display_name" in names and bool(names & {"authorships_author_display_name", "publication_year"})


def _split(cell: Any) -> list[str]:
    if not isinstance(cell, str):
        return []
    return [part.strip() for part in cell.split("|") if part.strip()]


def _openalex_id(cell: Any) -> str | None:
    if not isinstance(cell, str) or not cell.strip():
        return None
    return cell.strip().rsplit("/", 1)[-1]


def openalex_csv_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The raw record (our field names) of one row (normalised column names).

    >>> openalex_csv_record({"id": "https://openalex.org/W1", "display_name": "T", "publication_year": "2017",
    ...     "authorships_author_display_name": "A B|C D", "referenced_works": "https://openalex.org/W2|W3"})
    {'title': 'T', 'year': '2017', 'id': 'W1', 'authors': ['A B', 'C D'], 'references': ['W2', 'W3']}
    """
    record: dict[str, Any] = {
        "title": row.get("display_name"), "abstract": row.get("abstract") or None,
        "year": row.get("publication_year"), "doi": row.get("doi") or None, "id": _openalex_id(row.get("id")),
        "venue": row.get("primary_location_source_display_name") or None,
        "issn": row.get("primary_location_source_issn_l") or None, "pmid": _openalex_id(row.get("ids_pmid")),
        "type": row.get("type") or None, "language": row.get("language") or None,
        "cited_by_count": row.get("cited_by_count") or None,
    }
    authors = _split(row.get("authorships_author_display_name"))
    if authors:
        record["authors"] = authors
    refs = [_openalex_id(ref) for ref in _split(row.get("referenced_works"))]
    if refs:
        record["references"] = [ref for ref in refs if ref]
    return {key: value for key, value in record.items() if value is not None}


def _to_paper(row: dict, where: str) -> Paper | BadRecord:
    return record_to_paper(openalex_csv_record(row), where)


def iter_openalex_csv(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Each row of an OpenAlex web CSV export, as a paper or a bad record (streamed)."""
    return iter_csv(source, _to_paper)
