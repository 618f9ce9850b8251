"""Readers for CSL-JSON (Zotero, Manubot, doi.org) and Crossref works JSON.

Crossref's work schema is the parent of CSL-JSON, so one converter reads both:
``title`` (a string, or Crossref's list), ``author`` (``{family, given}`` or
``{literal}``), the year from ``issued`` date-parts (else ``published-print``,
``published-online``, ``published``), ``abstract`` (Crossref's JATS markup
removed), ``DOI``, ``container-title`` (venue), ``URL``, ``id`` (the given id),
``keyword``/``subject`` (kept as ``extra["input_keywords"]``) and Crossref's
``reference`` list: the entries with a DOI become references (``doi:...``, so
they resolve to the cited works' DOI identity); the count of entries without
one is kept as ``extra["references_without_doi"]``.

A file is a list of items, one item, a Crossref REST response
(``{"message": {"items": [...]}}`` or ``{"message": {work}}``), or JSON Lines
(the MongoDB-dump style, whose ``$oid``/``$numberLong`` wrappers sit only in
fields we do not read). A Zotero short DOI (``10/fqd6hj``) is replaced by the
full DOI of a doi.org ``URL`` when there is one, and kept as
``extra["short_doi"]``.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Iterator

from graph.errors import BadRecord, UnreadableFile
from graph.ingest.fields import record_to_paper
from graph.ingest.io import TextSource, location, open_text
from graph.ingest.records import _WS, _array, _Lines, _members, iter_json, iter_jsonl
from graph.models import Paper

__all__ = ["iter_csl", "iter_csl_lines", "csl_record", "csl_to_paper", "CROSSREF_MARKERS", "CSL_MARKERS"]

#: Crossref works: a REST envelope, a MongoDB dump, a Crossref type name (CSL spells
#: them differently: ``journal-article`` is CSL's ``article-journal``).
CROSSREF_MARKERS = (
    re.compile(r'"message-type"\s*:'),
    re.compile(r'"\$oid"\s*:'),
    re.compile(r'"type"\s*:\s*"(?:journal-article|proceedings-article|book-chapter|posted-content|'
               r'reference-entry|monograph|dissertation|edited-book|peer-review)"'),
)
#: CSL-JSON items: a date-parts date, a Zotero citation key, a CSL name, a container title.
CSL_MARKERS = (re.compile(r'"issued"\s*:\s*\{'), re.compile(r'"citation-key"\s*:'),
               re.compile(r'"family"\s*:\s*"'), re.compile(r'"container-title"\s*:'))

_TAGS = re.compile(r"<[^>]*>")
_DATES = ("issued", "published-print", "published-online", "published", "created")
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_YEAR = re.compile(r"^\s*(\d{4})")


class _Bad(Exception):
    pass


def _type(value: object) -> str:
    return {dict: "an object", list: "a list"}.get(type(value), type(value).__name__)


def _one_text(value: object, name: str) -> str | None:
    """A string, or the first string of Crossref's list-valued fields."""
    if value is None:
        return None
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str) and item.strip()), None)
        return value
    if not isinstance(value, str):
        raise _Bad(f"{name!r} must be a string or a list of strings, got {_type(value)}")
    return value


def _year(item: dict[str, Any]) -> object:
    """The year of the first date with date-parts (a string like ``"2004"`` is accepted).

    >>> _year({"issued": {"date-parts": [["2004"]]}}), _year({"issued": {"date-parts": [[None]]}})
    ('2004', None)
    """
    for key in _DATES:
        date = item.get(key)
        if date is None:
            continue
        if not isinstance(date, dict):
            raise _Bad(f"{key!r} must be a CSL date object, got {_type(date)}")
        parts = date.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            year = parts[0][0]
            if year is None:
                continue
            if isinstance(year, str) and _YEAR.match(year):
                return _YEAR.match(year).group(1)
            return year  # record_to_paper says why it is not a year
        raw = date.get("raw") or date.get("literal")
        if isinstance(raw, str) and _YEAR.match(raw):
            return _YEAR.match(raw).group(1)
    return None


def _authors(value: object) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise _Bad(f"'author' must be a list of CSL names, got {_type(value)}")
    names = []
    for person in value:
        if not isinstance(person, dict):
            raise _Bad(f"'author' must hold CSL name objects, got {_type(person)}")
        parts = [person.get(key) for key in ("given", "non-dropping-particle", "family")]
        name = " ".join(part for part in parts if isinstance(part, str) and part.strip())
        name = name or person.get("literal") or person.get("name") or ""
        if isinstance(name, str) and name.strip():
            names.append(name)
    return names


def _abstract(value: object) -> str | None:
    if value is None or not isinstance(value, str):
        return value  # a non-string: record_to_paper names the type
    if "<" in value:  # Crossref abstracts are JATS XML: <jats:p>...</jats:p>
        value = html.unescape(_TAGS.sub(" ", value))
    return value


def _references(value: object) -> tuple[list[str], int]:
    """DOIs of Crossref ``reference`` entries, and the count of entries without one."""
    if value is None:
        return [], 0
    if not isinstance(value, list):
        raise _Bad(f"'reference' must be a list, got {_type(value)}")
    dois, without = [], 0
    for entry in value:
        doi = entry.get("DOI") if isinstance(entry, dict) else None
        if isinstance(doi, str) and doi.strip():
            dois.append(f"doi:{doi.strip()}")
        else:
            without += 1
    return dois, without


def csl_record(item: dict[str, Any]) -> dict[str, Any]:
    """The raw record (our field names) of one CSL-JSON item or Crossref work.

    >>> csl_record({"id": "k1", "title": ["T"], "author": [{"family": "Lee", "given": "Ann"}],
    ...             "issued": {"date-parts": [[2001, 5]]}, "DOI": "10.1/x"})
    {'title': 'T', 'doi': '10.1/x', 'year': 2001, 'id': 'k1', 'authors': ['Ann Lee']}
    """
    record: dict[str, Any] = {"title": _one_text(item.get("title"), "title"), "doi": item.get("DOI")}
    url = item.get("URL")
    doi = record["doi"]
    if isinstance(doi, str) and doi.strip().startswith("10/") and isinstance(url, str):
        full = _DOI_URL.match(url.strip())
        if full and not full.group(1).startswith("10/"):
            record["doi"], record["short_doi"] = full.group(1), doi.strip()
    record["year"] = _year(item)
    for name, key in (("id", "id"), ("url", "URL"), ("type", "type")):
        if item.get(key) is not None:
            record[name] = item[key]
    authors = _authors(item.get("author"))
    if authors is not None:
        record["authors"] = authors
    abstract = _abstract(item.get("abstract"))
    if abstract is not None:
        record["abstract"] = abstract
    venue = _one_text(item.get("container-title"), "container-title")
    if venue:
        record["venue"] = venue
    keywords = item.get("keyword", item.get("subject"))
    if isinstance(keywords, list):
        keywords = "; ".join(k for k in keywords if isinstance(k, str))
    if isinstance(keywords, str) and keywords.strip():
        record["keywords"] = keywords
    refs, without = _references(item.get("reference"))
    if item.get("reference") is not None:
        record["references"] = refs
        if without:
            record["references_without_doi"] = without
    return {key: value for key, value in record.items() if value is not None}


def csl_to_paper(item: dict[str, Any], where: str) -> Paper | BadRecord:
    """One CSL-JSON item or Crossref work to a paper, or a bad record saying why not."""
    try:
        record = csl_record(item)
    except _Bad as exc:
        return BadRecord(where, str(exc))
    return record_to_paper(record, where)


def iter_csl(source: TextSource) -> Iterator[Paper | BadRecord]:
    """A CSL-JSON list or item, or a Crossref works list, REST response or single work."""
    head = _WS.match(source.head).end()
    if source.head.startswith("{", head) and '"message"' in source.head:
        yield from _crossref_message(source)
        return
    yield from iter_json(source, csl_to_paper, ("title", "doi"), ("items",))


def iter_csl_lines(source: TextSource) -> Iterator[Paper | BadRecord]:
    """CSL items or Crossref works, one per line (e.g. a MongoDB dump)."""
    return iter_jsonl(source, csl_to_paper)


def _crossref_message(source: TextSource) -> Iterator[Paper | BadRecord]:
    """A Crossref REST response: ``message.items`` (a work list) or ``message`` (one work)."""
    with open_text(source) as stream:
        text = stream.read()
    path = source.path
    start = _WS.match(text).end()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except (ValueError, RecursionError) as exc:
        raise UnreadableFile(path, f"invalid JSON: {str(exc).split(':')[0]}") from exc
    message = value.get("message") if isinstance(value, dict) else None
    if not isinstance(message, dict):
        yield from iter_json(source, csl_to_paper, ("title", "doi"), ("items",))
        return
    for key, position in _members(text, start):
        if key != "message":
            continue
        if isinstance(message.get("items"), list):
            for inner, at in _members(text, position):
                if inner == "items":
                    yield from _array(path, text, at, _Lines(text), csl_to_paper)
                    return
        yield csl_to_paper(message, location(path, text.count("\n", 0, position) + 1))
        return
