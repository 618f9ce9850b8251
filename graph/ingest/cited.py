"""Cited-reference strings of Web of Science and Scopus, parsed into keys.

A WoS ``CR`` line (``ASHKIN A, 1970, PHYS REV LETT, V24, P156, DOI 10.1103/...``)
or a Scopus ``References`` entry (``Adkin A.L., Campbell A.D., Title, Neuroscience
Letters, 435, 2, pp. 120-125, (2008)``) becomes a :class:`CitedReference`:
first author, year, source, volume, first page, DOI. Pure functions, no I/O.

The reference string a reader emits (:func:`reference_id`) is ``doi:10.x/y``
when the entry has a DOI, so it resolves like any DOI reference; otherwise it
is a key ``ref:<first author>|<year>|<source>|<volume>|<page>`` of normalized
parts (lower case, punctuation removed; the author as surname plus first
initial), which :func:`parse_reference_key` turns back into its parts for
matching by first author + year + source (+ volume/page). Sources are kept as
the file spells them: WoS abbreviates (``PHYS REV LETT``), Scopus does not
always, so matching a key across vendors needs more than string equality.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from graph.models import normalize_doi

__all__ = ["CitedReference", "parse_wos_reference", "parse_scopus_reference", "reference_id",
           "parse_reference_key", "REFERENCE_KEY_PREFIX"]

#: Prefix of a cited-reference key (a reference without a DOI).
REFERENCE_KEY_PREFIX = "ref:"

_YEAR = re.compile(r"^(1[5-9]\d\d|20\d\d)$")
_PAREN_YEAR = re.compile(r"\((1[5-9]\d\d|20\d\d)\)")
_WOS_VOLUME = re.compile(r"^V(\S+)$")
_WOS_PAGE = re.compile(r"^P(\S+)$")
_WOS_DOI = re.compile(r"^DOI\s+\[?\s*(?:DOI\s+)?(10\.\S+?)[,\]]?$", re.IGNORECASE)
_DOI_ANYWHERE = re.compile(r"\b(10\.\d{4,9}/[^\s,;\]]+)")
_PAGES = re.compile(r"^pp?\.\s*([A-Za-z]?\d+[A-Za-z]?)")
_NUMBER = re.compile(r"^(\d+)(?:\s*\(([^)]*)\))?$")
_INITIALS = re.compile(r"^[A-Z][A-Za-z'\-]*(?:\s+[A-Za-z'\-]+)*,?\s+(?:[A-Z]\.?[\-\s]?)+$")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True, slots=True)
class CitedReference:
    """One parsed cited reference; any part may be missing (None)."""

    author: str | None = None
    year: int | None = None
    source: str | None = None
    volume: str | None = None
    page: str | None = None
    doi: str | None = None


def _norm(text: str | None) -> str:
    """Lower case without accents (WoS writes ``KALE``, Scopus ``Kalé``), runs of
    punctuation and space to one space.

    >>> _norm("PHYS REV-LETT."), _norm("Kalé")
    ('phys rev lett', 'kale')
    """
    folded = unicodedata.normalize("NFKD", (text or "").lower())
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", folded).strip()


def _author(name: str | None) -> str | None:
    """Surname and first initial, normalized: ``ASHKIN A`` and ``Ashkin, A.B.`` are ``ashkin a``.

    >>> _author("Arnaud J. A."), _author("Adkin A.L."), _author("Kalé, L."), _author("[Anonymous]")
    ('arnaud j', 'adkin a', 'kale l', None)
    """
    if not name or name.strip().lower() in ("[anonymous]", "anonymous"):
        return None
    text = name.strip()
    if "," in text:
        surname, _, given = text.partition(",")
    else:
        parts = text.rsplit(" ", 1)
        if len(parts) == 2 and (parts[1].replace(".", "").replace("-", "").isupper() or "." in parts[1]):
            surname, given = parts
            # "Arnaud J. A.": more initials may sit before the last one.
            while " " in surname and len(surname.rsplit(" ", 1)[1].rstrip(".")) == 1:
                surname, given = surname.rsplit(" ", 1)[0], surname.rsplit(" ", 1)[1] + " " + given
        else:
            surname, given = text, ""
    surname, initial = _norm(surname), _norm(given)[:1]
    if not surname:
        return None
    return f"{surname} {initial}".strip()


def parse_wos_reference(text: str) -> CitedReference:
    """Parse one Web of Science ``CR`` entry.

    >>> parse_wos_reference("ALLEN PJ, 1966, AM J PHYS, V34, P1185, DOI 10.1119/1.1972585")
    CitedReference(author='allen p', year=1966, source='AM J PHYS', volume='34', page='1185', doi='10.1119/1.1972585')
    >>> parse_wos_reference("Holmes DR, 2010, J AM COLL CARDIOL, V56, P1357, DOI [10.1016/j.jacc.2010.07.016, 10.1016/x]")
    CitedReference(author='holmes d', year=2010, source='J AM COLL CARDIOL', volume='56', page='1357', doi='10.1016/j.jacc.2010.07.016')
    >>> parse_wos_reference("[Anonymous], PROTECT 2 PROSPECTIV")
    CitedReference(author=None, year=None, source='PROTECT 2 PROSPECTIV', volume=None, page=None, doi=None)
    """
    parts = [part.strip() for part in text.split(", ")]
    author = year = source = volume = page = doi = None
    rest: list[str] = []
    for index, part in enumerate(parts):
        if index == 0 and not _YEAR.match(part):
            author = part
            continue
        if year is None and not rest and _YEAR.match(part):
            year = int(part)
            continue
        if doi is None and part.upper().startswith("DOI"):
            match = _DOI_ANYWHERE.search(part)
            doi = normalize_doi(match.group(1)) if match else None
            break  # a bracketed DOI list runs to the end
        if volume is None and _WOS_VOLUME.match(part) and rest:
            volume = part[1:]
            continue
        if page is None and _WOS_PAGE.match(part) and rest:
            page = part[1:]
            continue
        if volume is None and page is None:
            rest.append(part)
    source = ", ".join(rest) or None
    return CitedReference(_author(author), year, source, volume, page, doi)


def parse_scopus_reference(text: str) -> CitedReference:
    """Parse one entry of a Scopus ``References`` cell (both layouts).

    >>> parse_scopus_reference("Adkin A.L., Campbell A.D., The Influence of Postural Threat, "
    ...                        "Neuroscience Letters, 435, 2, pp. 120-125, (2008)")
    CitedReference(author='adkin a', year=2008, source='Neuroscience Letters', volume='435', page='120', doi=None)
    >>> parse_scopus_reference("Kalé, L., Skeel, R., (1999) J Comp Phys, 151, p. 283")
    CitedReference(author='kale l', year=1999, source='J Comp Phys', volume='151', page='283', doi=None)
    >>> parse_scopus_reference("Lin, T.Y., Petri net models (1983) Bull. Inst. Math. Acad. Sinica, 11 (3), pp. 439-457")
    CitedReference(author='lin t', year=1983, source='Bull. Inst. Math. Acad. Sinica', volume='11', page='439', doi=None)
    """
    doi_match = _DOI_ANYWHERE.search(text)
    doi = normalize_doi(doi_match.group(1).rstrip(".")) if doi_match else None
    years = _PAREN_YEAR.findall(text)
    year = int(years[-1]) if years else None
    old = re.search(r"\((1[5-9]\d\d|20\d\d)\)\s+(?=\S)(?!,)", text)
    parts = [part.strip() for part in text.split(",")]
    # The first author: "Adkin A.L." (new layout) or "Kalé" + "L." (older layout).
    author = None
    if parts:
        first = parts[0]
        if len(parts) > 1 and re.fullmatch(r"(?:[A-Z][a-z]?\.?[\-\s]?)+", parts[1]) and " " not in first.strip():
            author = f"{first}, {parts[1]}"
        elif " " in first or "." in first:
            author = first
    volume = page = source = None
    if old:  # older layout: "... (1999) Source, 151, p. 283"
        after = [part.strip() for part in text[old.end():].split(",")]
        source = after[0] or None
        tail = after[1:]
    else:
        tail = []
        for index, part in enumerate(parts):
            if _NUMBER.match(part) and index > 0:
                source = parts[index - 1] or None
                tail = parts[index:]
                break
    for part in tail:
        number = _NUMBER.match(part)
        if volume is None and number:
            volume = number.group(1)
            continue
        pages = _PAGES.match(part)
        if pages:
            page = pages.group(1)
            break
    return CitedReference(_author(author), year, source, volume, page, doi)


def reference_id(ref: CitedReference, raw: str) -> str:
    """The reference string a reader emits: ``doi:...``, else a ``ref:`` key, else the raw text.

    >>> reference_id(parse_wos_reference("ASHKIN A, 1970, PHYS REV LETT, V24, P156"), "")
    'ref:ashkin a|1970|phys rev lett|24|156'
    """
    if ref.doi:
        return f"doi:{ref.doi}"
    if ref.author or ref.source:
        parts = (ref.author or "", str(ref.year or ""), _norm(ref.source), _norm(ref.volume), _norm(ref.page))
        return REFERENCE_KEY_PREFIX + "|".join(parts)
    return raw.strip()


def parse_reference_key(key: str) -> CitedReference | None:
    """The parts of a ``ref:`` key (normalized), or None for any other reference.

    >>> parse_reference_key("ref:ashkin a|1970|phys rev lett|24|156")
    CitedReference(author='ashkin a', year=1970, source='phys rev lett', volume='24', page='156', doi=None)
    """
    if not key.startswith(REFERENCE_KEY_PREFIX):
        return None
    parts = key[len(REFERENCE_KEY_PREFIX):].split("|")
    if len(parts) != 5:
        return None
    author, year, source, volume, page = (part or None for part in parts)
    return CitedReference(author, int(year) if year and year.isdigit() else None, source, volume, page)
