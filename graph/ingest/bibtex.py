"""Reader for BibTeX (``.bib``): a small parser that keeps line numbers.

Why not ``bibtexparser``: its v2 does give block line numbers, but it would add
two dependencies (``bibtexparser`` and ``pylatexenc`` for accents) for the nine
fields we read; this parser is ~200 lines, reports each bad entry at its ``@``
line and resynchronises at the next line that starts with ``@``.

Fields read: ``title``, ``abstract``, ``author`` (split on ``and``; ``Last,
First`` becomes ``First Last``), ``year``, ``doi``, ``eprint`` (the arXiv id
unless ``archivePrefix`` names another archive), ``journal`` or ``booktitle``
(the venue), ``url``; the entry key is the given id. Other fields are kept as
extras. ``@string`` macros and ``#`` concatenation are resolved; LaTeX accents
and common commands are turned into Unicode text.

Hostile input: the file is parsed whole, so :func:`~graph.ingest.readers.iter_papers`
refuses one over :data:`~graph.ingest.limits.MAX_DOCUMENT_BYTES`; an entry over
:data:`~graph.ingest.limits.MAX_RECORD_CHARS` is reported before its fields are
converted; scanning is linear (regex searches, no recursion), whatever the
nesting of braces.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from graph.errors import BadRecord
from graph.ingest.cited import parse_wos_reference, reference_id
from graph.ingest.fields import normalize_space, record_to_paper
from graph.ingest.io import TextSource, location, open_text
from graph.ingest.limits import MAX_RECORD_CHARS
from graph.models import Paper

__all__ = ["iter_bibtex", "parse_bibtex", "latex_to_text"]

_MONTHS = {
    m[:3]: m
    for m in (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    )
}
_MACROS = {key.lower(): value for key, value in _MONTHS.items()}

_START = re.compile(r"@[ \t]*([A-Za-z][\w-]*)\s*([{(])")
_NEXT_LINE_AT = re.compile(r"^[ \t]*@", re.MULTILINE)
_WS = re.compile(r"\s*")
_KEY = re.compile(r"[^,\s{}()\"=#]*")
_NAME = re.compile(r"[A-Za-z_][\w:.+/-]*")
#: Field names may also hold parentheses: Web of Science writes ``Usage-Count-(Last-180-days)``.
_FIELD_NAME = re.compile(r"[A-Za-z_][\w:.+/()-]*")
_NUMBER = re.compile(r"\d+")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_BRACE = re.compile(r"(?<!\\)[{}]")
_QUOTED_END = re.compile(r'(?<!\\)[{}]|"')

# --- LaTeX to text ---------------------------------------------------------------

_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_SYMBOLS = {
    "ss": "\u00df", "o": "\u00f8", "O": "\u00d8", "ae": "\u00e6", "AE": "\u00c6", "oe": "\u0153",
    "OE": "\u0152", "aa": "\u00e5", "AA": "\u00c5", "l": "\u0142", "L": "\u0141", "i": "\u0131", "j": "\u0237",
}
_BASE = r"(\\[ij](?![A-Za-z])|[A-Za-z])"
_PUNCT_ACCENT = re.compile(r"\\(['`^\"~=.])\s*(?:\{\s*" + _BASE + r"\s*\}|" + _BASE + ")")
_LETTER_ACCENT = re.compile(r"\\([uvHckrdb])(?:\s*\{\s*" + _BASE + r"\s*\}|\s+([A-Za-z]))")
_SYMBOL = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])\s*")
_ESCAPED = re.compile(r"\\([&%_#$])")
_STYLE = re.compile(r"\\(?:emph|textbf|textit|textrm|textsc|texttt|textsf|textup|textnormal|"
                    r"mathrm|mathbf|mathit|mathcal|mathsf|mbox|text|url)\s*(?=\{)")
_COMMAND = re.compile(r"\\([A-Za-z]+)\s*")
_SPACING = re.compile(r"\\[\\,;: ]")


def _accented(mark: str, base: str) -> str:
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + _ACCENTS[mark])


def latex_to_text(value: str) -> str:
    """Plain Unicode text of a BibTeX field value.

    >>> latex_to_text(r"Sch{\\"o}n and G\\'{e}rard: \\emph{{Deep}} $\\alpha$--nets \\& co.")
    'Schön and Gérard: Deep alpha–nets & co.'
    """
    text = value.replace("\\{", "\x01").replace("\\}", "\x02")
    text = _PUNCT_ACCENT.sub(lambda m: _accented(m.group(1), m.group(2) or m.group(3)), text)
    text = _LETTER_ACCENT.sub(lambda m: _accented(m.group(1), m.group(2) or m.group(3)), text)
    text = _SYMBOL.sub(lambda m: _SYMBOLS[m.group(1)], text)
    text = _ESCAPED.sub(lambda m: {"$": "\x03"}.get(m.group(1), m.group(1)), text)
    text = _SPACING.sub(" ", text)
    text = _STYLE.sub("", text)
    text = _COMMAND.sub(lambda m: m.group(1), text)
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("``", '"').replace("''", '"')
    text = text.replace("~", " ")
    for char in "{}$":
        text = text.replace(char, "")
    text = text.replace("\x01", "{").replace("\x02", "}").replace("\x03", "$")
    return normalize_space(unicodedata.normalize("NFC", text))


def _plain(value: str) -> str:
    """Identifiers (DOI, URL, eprint): unbraced and unescaped, never reflowed."""
    text = _ESCAPED.sub(r"\1", value)
    return "".join(text.replace("{", "").replace("}", "").split())


def _cited_line(line: str) -> str:
    """One WoS cited reference of a ``Cited-References`` field, unbraced, without
    the period the export ends each line with."""
    return " ".join(line.replace("{", "").replace("}", "").split()).rstrip(".")


def _authors(value: str) -> list[str]:
    names = []
    for part in _split_top_level(value, _AND):
        name = latex_to_text(part)
        if not name or name.lower() == "others":
            continue
        pieces = [piece.strip() for piece in name.split(",")]
        if len(pieces) == 2 and all(pieces):  # Last, First
            name = f"{pieces[1]} {pieces[0]}"
        elif len(pieces) == 3 and all(pieces):  # Last, Jr, First
            name = f"{pieces[2]} {pieces[0]} {pieces[1]}"
        names.append(name)
    return names


def _split_top_level(value: str, pattern: re.Pattern[str]) -> list[str]:
    """Split on ``pattern`` outside braces ({Barnes and Noble} stays whole)."""
    parts, start, depth, counted = [], 0, 0, 0
    for match in pattern.finditer(value):
        depth += value.count("{", counted, match.start()) - value.count("}", counted, match.start())
        counted = match.start()  # braces are counted once each: linear in the value
        if depth == 0:
            parts.append(value[start : match.start()])
            start = match.end()
    parts.append(value[start:])
    return parts


# --- parser ------------------------------------------------------------------------


class _Syntax(Exception):
    """Malformed BibTeX inside one entry."""


def iter_bibtex(source: TextSource) -> Iterator[Paper | BadRecord]:
    """Papers of a checked ``.bib`` file, in file order."""
    with open_text(source) as stream:
        text = stream.read()
    yield from parse_bibtex(text, source.path)


def parse_bibtex(text: str, path: str) -> Iterator[Paper | BadRecord]:
    """Papers of BibTeX text, each located at the line of its ``@``.

    Examples
    --------
    >>> bib = '@article{vaswani17,\\n title={Attention Is All You Need},\\n year=2017}'
    >>> [(p.id, p.title, p.year) for p in parse_bibtex(bib, "refs.bib")]
    [('vaswani17', 'Attention Is All You Need', 2017)]
    """
    macros = dict(_MACROS)
    pos, line, counted = 0, 1, 0
    while True:
        at = text.find("@", pos)
        if at < 0:
            return
        start = _START.match(text, at)
        if start is None:  # an "@" in free text between entries is a comment
            pos = at + 1
            continue
        line += text.count("\n", counted, at)
        counted = at
        where = location(path, line)
        kind, close = start.group(1).lower(), "}" if start.group(2) == "{" else ")"
        try:
            if kind == "comment":
                pos = _balanced(text, start.end() - 1) + 1 if close == "}" else start.end()
                continue
            if kind == "preamble":
                _, pos = _value(text, start.end(), macros)
                pos = _expect(text, pos, close, "the end of @preamble")
                continue
            if kind == "string":
                name, value, pos = _field(text, start.end(), macros)
                macros[name] = value
                pos = _expect(text, pos, close, "the end of @string")
                continue
            key, fields, pos = _entry(text, start.end(), close, macros)
            if pos - at > MAX_RECORD_CHARS:
                yield BadRecord(where, f"entry of {pos - at:,} characters, over the limit of {MAX_RECORD_CHARS:,}")
                continue
        except _Syntax as exc:
            yield BadRecord(where, f"BibTeX syntax error: {exc}")
            resync = _NEXT_LINE_AT.search(text, at + 1)
            pos = resync.end() - 1 if resync else len(text)
            continue
        yield _to_paper(kind, key, fields, where)


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()


def _expect(text: str, pos: int, char: str, what: str) -> int:
    pos = _skip(text, pos)
    if not text.startswith(char, pos):
        found = repr(text[pos]) if pos < len(text) else "the end of the file"
        raise _Syntax(f"expected {char!r} before {what}, found {found}")
    return pos + 1


def _entry(text: str, pos: int, close: str, macros: dict[str, str]) -> tuple[str, dict[str, str], int]:
    pos = _skip(text, pos)
    key_match = _KEY.match(text, pos)
    key, pos = key_match.group(), _skip(text, key_match.end())
    fields: dict[str, str] = {}
    if text.startswith(close, pos):
        return key, fields, pos + 1
    pos = _expect(text, pos, ",", "the first field")
    while True:
        pos = _skip(text, pos)
        if text.startswith(close, pos):
            return key, fields, pos + 1
        name, value, pos = _field(text, pos, macros)
        fields.setdefault(name, value)  # a repeated field: BibTeX keeps the first
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith(close, pos):
            found = repr(text[pos]) if pos < len(text) else "the end of the file"
            raise _Syntax(f"expected ',' or {close!r} after field {name!r}, found {found}")


def _field(text: str, pos: int, macros: dict[str, str]) -> tuple[str, str, int]:
    pos = _skip(text, pos)
    name = _FIELD_NAME.match(text, pos)
    if name is None:
        found = repr(text[pos]) if pos < len(text) else "the end of the file"
        raise _Syntax(f"expected a field name, found {found}")
    pos = _expect(text, name.end(), "=", f"the value of {name.group()!r}")
    parts = []
    while True:
        part, pos = _value(text, pos, macros)
        parts.append(part)
        after = _skip(text, pos)
        if not text.startswith("#", after):
            return name.group().lower(), "".join(parts), pos
        pos = after + 1


def _value(text: str, pos: int, macros: dict[str, str]) -> tuple[str, int]:
    pos = _skip(text, pos)
    if text.startswith("{", pos):
        end = _balanced(text, pos)
        return text[pos + 1 : end], end + 1
    if text.startswith('"', pos):
        depth = 0
        for match in _QUOTED_END.finditer(text, pos + 1):
            char = match.group()
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif depth == 0:
                return text[pos + 1 : match.start()], match.end()
        raise _Syntax("unterminated quoted value")
    number = _NUMBER.match(text, pos)
    if number:
        return number.group(), number.end()
    name = _NAME.match(text, pos)
    if name:
        return macros.get(name.group().lower(), name.group()), name.end()
    found = repr(text[pos]) if pos < len(text) else "the end of the file"
    raise _Syntax(f"expected a field value, found {found}")


def _balanced(text: str, pos: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``pos``."""
    depth = 0
    for match in _BRACE.finditer(text, pos):
        if match.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return match.start()
    raise _Syntax("unbalanced braces (a '{' is never closed)")


def _to_paper(kind: str, key: str, fields: dict[str, str], where: str) -> Paper | BadRecord:
    fields = dict(fields)
    raw: dict[str, object] = {"id": key or None, "entry_type": kind}
    for name in ("title", "abstract", "year"):
        if name in fields:
            raw[name] = latex_to_text(fields.pop(name))
    if "author" in fields:
        raw["authors"] = _authors(fields.pop("author"))
    for name in ("doi", "url"):
        if name in fields:
            raw[name] = _plain(fields.pop(name))
    venue = fields.pop("journal", None) or fields.pop("booktitle", None)
    if venue:
        raw["venue"] = latex_to_text(venue)
    cited = fields.pop("cited-references", None)  # Web of Science: one cited reference a line
    if cited is not None and "references" not in fields:
        raw["references"] = [reference_id(parse_wos_reference(entry), entry)
                             for entry in (_cited_line(line) for line in cited.splitlines()) if entry]
    archive = _plain(fields.pop("archiveprefix", "")).lower()
    if "eprint" in fields and archive in ("", "arxiv"):
        raw["arxiv_id"] = _plain(fields.pop("eprint"))
    for name, value in fields.items():
        raw.setdefault(name, latex_to_text(value))
    return record_to_paper(raw, where)
