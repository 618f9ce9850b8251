"""One raw record (a dict of fields from any format) to a :class:`Paper`.

Every reader funnels its records through :func:`record_to_paper`, so the
field rules (types, years, authors, identity, extras, size limits) live in
one place. A field over its limit (see :mod:`graph.ingest.limits`), or text
that is not valid Unicode (an unpaired surrogate or a NUL, which JSON escapes
can produce), makes the whole record a :class:`BadRecord` naming the field:
nothing is truncated or half-stored.
"""

from __future__ import annotations

import math
import re
import reprlib
import unicodedata
from functools import lru_cache
from typing import Any, Mapping

from graph.errors import BadRecord
from graph.ingest.limits import (
    MAX_ABSTRACT_CHARS,
    MAX_FIELD_CHARS,
    MAX_KEY_BYTES,
    MAX_LIST_ITEMS,
    MAX_RECORD_CHARS,
    MAX_TITLE_CHARS,
)
from graph.models import Paper, invisible_char, normalize_arxiv, normalize_doi, normalize_title, paper_id

__all__ = [
    "KNOWN_FIELDS",
    "YEAR_RANGE",
    "normalize_key",
    "normalize_space",
    "normalize_reference",
    "record_to_paper",
    "id_problem",
    "snippet",
]

#: Field names with a meaning; any other field goes to ``Paper.extra`` if scalar.
KNOWN_FIELDS = frozenset(
    {"id", "title", "abstract", "authors", "year", "venue", "doi", "arxiv_id", "url", "label", "references"}
)
#: Years outside this range are typos or sentinels (0, 9999), not years.
YEAR_RANGE = (1000, 2100)
# Extra fields that would collide with properties the analysis writes on
# (:Paper) nodes; they are kept under an ``input_`` prefix instead.
_RESERVED_EXTRA = frozenset(
    {"community", "degree", "pagerank", "betweenness", "bridge", "keywords", "x", "y", "extra", "text"}
)
_KEY = re.compile(r"[^0-9a-z]+")
_AUTHOR_AND = re.compile(r"\s+and\s+")
_DOI_REF = re.compile(r"(?:10\.|doi:|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_ARXIV_REF = re.compile(r"(?:arxiv:|https?://arxiv\.org/abs/)", re.IGNORECASE)
# Not text: lone surrogates cannot be encoded (a store write would fail) and
# NUL ends strings in C APIs. Raw bytes never hold them; JSON escapes can.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


class _Bad(Exception):
    """A field is unusable; the record becomes a :class:`BadRecord`."""


def snippet(value: object, width: int = 60) -> str:
    """A short ``repr`` for messages: a hostile value must not flood the report.

    >>> snippet("x" * 100, 10)
    "'xxxxxxx...'"
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(value)
        return text if len(text) <= width else text[: width - 3] + "..."
    if not isinstance(value, str):
        return reprlib.repr(value)  # bounded however big the list or object
    return repr(value if len(value) <= width else value[: width - 3] + "...")


def id_problem(value: str, name: str = "id") -> str | None:
    """Why ``value`` cannot be a paper id (too long to index, not text), or None.

    >>> id_problem("p1") is None
    True
    >>> id_problem("x" * 5000)
    "'id' has 5,000 characters, over the limit of 4,000 bytes for an id"
    """
    if len(value) > MAX_KEY_BYTES or len(value.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        return f"{name!r} has {len(value):,} characters, over the limit of {MAX_KEY_BYTES:,} bytes for an id"
    problem = _text_problem(value, name)
    if problem:
        return problem
    char = invisible_char(value)
    if char is not None:
        return (f"{name!r} holds the invisible or bidirectional control character U+{ord(char):04X} "
                f"({unicodedata.name(char, 'unnamed')}); ids that look the same must be the same")
    return None


def _text_problem(value: str, name: str) -> str | None:
    bad = None if value.isascii() and "\x00" not in value else _NOT_TEXT.search(value)
    if bad is None:
        return None
    char = bad.group()
    what = "a NUL character" if char == "\x00" else f"an unpaired surrogate U+{ord(char):04X}"
    return f"{name!r} holds {what}, not text"


def _checked(value: str, name: str, limit: int) -> str:
    """``value`` if it is within ``limit`` characters and is valid text, else :class:`_Bad`."""
    if len(value) > limit:
        raise _Bad(f"{name!r} has {len(value):,} characters, over the limit of {limit:,}")
    problem = _text_problem(value, name)
    if problem:
        raise _Bad(problem)
    return value


@lru_cache(maxsize=4096)
def normalize_key(key: object) -> str:
    """Field names compare case- and punctuation-insensitively.

    >>> normalize_key(" ArXiv ID ")
    'arxiv_id'
    """
    return _KEY.sub("_", str(key).strip().lower()).strip("_")


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace (newlines, tabs, NBSP) to one space.

    >>> normalize_space("  Deep\\n  learning\\t ")
    'Deep learning'
    """
    return " ".join(text.split())


def normalize_reference(ref: str) -> str:
    """A cited id in the form the cited paper's id would take.

    Explicit DOIs (``10.x/y``, ``doi:``, doi.org URLs) become ``doi:10.x/y`` and
    explicit arXiv references (``arXiv:``, arxiv.org URLs) ``arxiv:ID``, exactly as
    :func:`graph.models.paper_id` names such papers. Anything else is a given id
    and is kept as it is (stripped).

    >>> normalize_reference("https://doi.org/10.1000/ABC")
    'doi:10.1000/abc'
    >>> normalize_reference(" hep-th/9901001 ")
    'hep-th/9901001'
    """
    text = ref.strip()
    if _DOI_REF.match(text):
        doi = normalize_doi(text)
        if doi:
            return f"doi:{doi}"
    elif _ARXIV_REF.match(text):
        arxiv = normalize_arxiv(text)
        if arxiv:
            return f"arxiv:{arxiv}"
    return text


def record_to_paper(raw: Mapping[Any, Any], location: str) -> Paper | BadRecord:
    """Build a :class:`Paper` from one raw record, or say why it is unusable.

    Parameters
    ----------
    raw : mapping
        Field name -> value, as decoded from JSON, CSV (strings, ``""`` for an
        empty cell), BibTeX or a listing. Names are matched case-insensitively.
    location : str
        ``file:line`` of the record, used in the :class:`BadRecord`.

    Returns
    -------
    Paper or BadRecord
        The paper, with its id from :func:`graph.models.paper_id`; a given id
        that differs from the final id is kept as ``extra["source_id"]``.

    Examples
    --------
    >>> record_to_paper({"title": " A  title ", "doi": "10.1000/X", "id": "p1"}, "f:1").id
    'doi:10.1000/x'
    >>> str(record_to_paper({"title": "T", "year": "soon"}, "f:2"))
    "f:2: unparseable year 'soon'"
    """
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        fields.setdefault(normalize_key(key), value)
    try:
        title = _text(fields.get("title"), "title", MAX_TITLE_CHARS)
        abstract = _text(fields.get("abstract"), "abstract", MAX_ABSTRACT_CHARS)
        if not title and not abstract:
            raise _Bad("no title and no abstract")
        given = _identifier(fields.get("id"))
        authors = _authors(fields.get("authors"))
        year = _year(fields.get("year"))
        venue = _scalar(fields.get("venue"), "venue")
        url = _scalar(fields.get("url"), "url")
        label = _scalar(fields.get("label"), "label")
        doi = _scalar(fields.get("doi"), "doi")
        doi = normalize_doi(doi) or doi
        arxiv_id = _scalar(fields.get("arxiv_id"), "arxiv_id")
        arxiv_id = normalize_arxiv(arxiv_id) or arxiv_id
        references = _references(fields.get("references"))
        extra = _extra(fields)
        pid = paper_id(doi=doi, arxiv_id=arxiv_id, given_id=given, title=title, abstract=abstract)
        problem = id_problem(pid)
        if problem:
            raise _Bad(problem)
        if title and (len(title) > MAX_KEY_BYTES // 4 or not title.isascii()):
            key_bytes = len(normalize_title(title).encode("utf-8"))
            if key_bytes > MAX_KEY_BYTES:  # Unicode normalization can expand a title
                raise _Bad(f"'title' normalizes to {key_bytes:,} bytes, over the limit of {MAX_KEY_BYTES:,} for a key")
    except _Bad as exc:
        return BadRecord(location, str(exc))
    except ValueError:  # from paper_id: nothing to name the paper by
        return BadRecord(location, "no usable text in title or abstract")
    if given is not None and given != pid:
        extra["source_id"] = given
    return Paper(
        id=pid,
        title=title,
        abstract=abstract,
        authors=authors,
        year=year,
        venue=venue,
        doi=doi,
        arxiv_id=arxiv_id,
        url=url,
        label=label,
        references=references,
        extra=extra,
    )


# --- field rules ---------------------------------------------------------------


def _type_name(value: object) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean"}.get(type(value), type(value).__name__)


def _text(value: object, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(f"'{name}' must be a string, got {_type_name(value)}")
    return normalize_space(_checked(value, name, limit))


def _scalar(value: object, name: str) -> str | None:
    """Optional short text field; numbers are accepted and written as text."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Bad(f"'{name}' must be a string, got {_type_name(value)}")
    text = normalize_space(_checked(value if isinstance(value, str) else _number_text(value, name), name,
                                    MAX_FIELD_CHARS))
    return text or None


def _number_text(value: int | float, name: str) -> str:
    if isinstance(value, int) and value.bit_length() > 64:
        raise _Bad(f"{name!r} is a number too large to be text: {snippet(value)}")
    return str(value)


def _identifier(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _Bad(f"'id' must be a string or an integer, got {_type_name(value)}")
    text = (value if isinstance(value, str) else _number_text(value, "id")).strip()
    problem = id_problem(text)
    if problem:
        raise _Bad(problem)
    return text or None


def _authors(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        _checked(value, "authors", MAX_RECORD_CHARS)
        parts = value.split(";") if ";" in value else _AUTHOR_AND.split(value)
    elif isinstance(value, (list, tuple)):
        if not all(isinstance(item, str) for item in value):
            bad = next(item for item in value if not isinstance(item, str))
            raise _Bad(f"'authors' must hold strings, got {_type_name(bad)}")
        parts = list(value)
    else:
        raise _Bad(f"'authors' must be a list of strings or a string, got {_type_name(value)}")
    _count(parts, "authors")
    names = (normalize_space(_checked(part, "authors", MAX_FIELD_CHARS)) for part in parts)
    return tuple(name for name in names if name)


def _count(items: list, name: str) -> None:
    if len(items) > MAX_LIST_ITEMS:
        raise _Bad(f"{name!r} has {len(items):,} entries, over the limit of {MAX_LIST_ITEMS:,}")


def _year(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Bad(f"unparseable year {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise _Bad(f"unparseable year {snippet(value)}")
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not (text.isascii() and text.isdigit()):
            raise _Bad(f"unparseable year {snippet(value)}")
        if len(text) > 9:  # int() of thousands of digits is slow, and refused past 4,300
            raise _Bad(f"year {snippet(text)} outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
        value = int(text)
    if not isinstance(value, int):
        raise _Bad(f"unparseable year {snippet(value)}")
    low, high = YEAR_RANGE
    if not low <= value <= high:
        shown = value if value.bit_length() < 64 else snippet(value)
        raise _Bad(f"year {shown} outside {low}-{high}")
    return value


def _references(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        _checked(value, "references", MAX_RECORD_CHARS)
        items: list[object] = list(value.split(";"))
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise _Bad(f"'references' must be a list or a ';'-separated string, got {_type_name(value)}")
    _count(items, "references")
    refs: dict[str, None] = {}
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise _Bad(f"'references' must hold ids (strings), got {_type_name(item)}")
        text = item if isinstance(item, str) else _number_text(item, "references")
        ref = normalize_reference(_checked(text, "references", MAX_FIELD_CHARS))
        if ref:
            refs[ref] = None
    return tuple(refs)


def _extra(fields: Mapping[str, Any]) -> dict[str, str | int | float | bool]:
    """Unknown fields that are simple scalars; lists, objects and blanks are dropped."""
    extra: dict[str, str | int | float | bool] = {}
    for key, value in fields.items():
        if not key or key in KNOWN_FIELDS or value is None:
            continue
        if isinstance(value, str):
            value = _checked(value, key, MAX_FIELD_CHARS).strip()
            if not value:
                continue
        elif isinstance(value, int) and not isinstance(value, bool):
            value = value if value.bit_length() <= 64 else _number_text(value, key)
        elif isinstance(value, float):
            if not math.isfinite(value):
                continue
        elif not isinstance(value, (int, bool)):
            continue
        extra[f"input_{key}" if key in _RESERVED_EXTRA else key] = value
    return extra
