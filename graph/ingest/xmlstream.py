"""Streaming XML records: one element subtree at a time, with its line number.

PubMed and arXiv OAI-PMH files are long lists of records. :func:`iter_xml_records`
feeds the file to expat in chunks and builds an :class:`~xml.etree.ElementTree.Element`
only for each record element (say ``PubmedArticle``), handing it over with the
``file:line`` of its start tag and dropping it afterwards, so memory holds one
record, not the file. Namespaces are stripped (``{uri}title`` -> ``title``): the
readers match local names, as arXiv's two metadata formats and PubMed's DTD
versions differ only there.

Hostile XML is refused the way defusedxml refuses it: a document that declares
entities (the "billion laughs" expansion) is an unreadable file, and external
entities and DTDs are never fetched. Malformed XML ends reading with a bad
record at the line expat names.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator
from xml.etree import ElementTree as ET
from xml.parsers import expat

from graph.errors import BadRecord, UnreadableFile
from graph.ingest.io import TextSource, location, open_text
from graph.ingest.limits import MAX_RECORD_CHARS

__all__ = ["iter_xml_records", "text_of", "root_tag", "XmlConverter"]

#: Turns one record element into a paper or a bad record.
XmlConverter = Callable[[ET.Element, str], object]

_CHUNK = 1 << 16
_ROOT = re.compile(r"<(?![?!])\s*(?:[\w.\-]+:)?([\w.\-]+)")


def root_tag(head: str) -> str | None:
    """The local name of the first element in XML text (after the prolog), or None.

    >>> root_tag('<?xml version="1.0"?>\\n<!DOCTYPE x>\\n<oai:OAI-PMH xmlns:oai="u">')
    'OAI-PMH'
    """
    match = _ROOT.search(head)
    return match.group(1) if match else None


def text_of(element: ET.Element | None) -> str | None:
    """All the text inside an element (inline markup such as ``<i>`` kept as text), or None.

    >>> text_of(ET.fromstring("<t>Deep <i>nets</i> work</t>"))
    'Deep nets work'
    """
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


class _EntityDeclared(Exception):
    pass


def iter_xml_records(source: TextSource, record_tags: frozenset[str], convert: XmlConverter) -> Iterator:
    """Each element named in ``record_tags`` (local name), converted, in file order.

    Raises
    ------
    UnreadableFile
        When iteration reaches an entity declaration (refused, see above).
    """
    path = source.path
    parser = expat.ParserCreate(namespace_separator=" ")
    builder: ET.TreeBuilder | None = None
    depth = 0
    size = 0
    start = 0
    done: list[tuple[ET.Element | None, int, int]] = []

    def local(name: str) -> str:
        return name.rsplit(" ", 1)[-1]

    def on_start(name: str, attrs: dict[str, str]) -> None:
        nonlocal builder, depth, start, size
        tag = local(name)
        if builder is None and tag in record_tags:
            builder, depth, start, size = ET.TreeBuilder(), 0, parser.CurrentLineNumber, 0
        if builder is not None:
            depth += 1
            builder.start(tag, {local(key): value for key, value in attrs.items()})

    def on_end(name: str) -> None:
        nonlocal builder, depth
        if builder is None:
            return
        builder.end(local(name))
        depth -= 1
        if depth == 0:
            element = builder.close()
            done.append((element if size <= MAX_RECORD_CHARS else None, start, size))
            builder = None

    def on_data(data: str) -> None:
        nonlocal size
        if builder is not None:
            size += len(data)
            if size <= MAX_RECORD_CHARS:
                builder.data(data)

    def on_entity(*_: object) -> None:
        raise _EntityDeclared

    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    parser.CharacterDataHandler = on_data
    parser.EntityDeclHandler = on_entity
    parser.buffer_text = True
    with open_text(source) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            try:
                parser.Parse(chunk, not chunk)
            except _EntityDeclared:
                raise UnreadableFile(path, "XML with entity declarations is refused (entity expansion)") from None
            except expat.ExpatError as exc:
                yield from _drain(done, path, convert)
                yield BadRecord(location(path, exc.lineno),
                                f"invalid XML: {expat.ErrorString(exc.code)} (column {exc.offset + 1}); "
                                "the rest of the file is skipped")
                return
            yield from _drain(done, path, convert)
            if not chunk:
                return


def _drain(done: list, path: str, convert: XmlConverter) -> Iterator:
    for element, start, size in done:
        where = location(path, start)
        if element is None:
            yield BadRecord(where, f"XML record of {size:,} characters of text, over the limit of {MAX_RECORD_CHARS:,}")
        else:
            yield convert(element, where)
    done.clear()
