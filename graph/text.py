"""Text features: tokens, stop words and normalisation (keyphrases: graph.keyphrases).

Pure functions, no I/O. Every feature of citegraph (keywords, SIMILAR_TO terms,
community labels) goes through :func:`segments`, so a concept is spelled the same
way everywhere: lower case, simple plurals folded (``"D-branes"`` ->
``"d-brane"``, ``"theories"`` -> ``"theory"``), acronyms and mixed-case names
kept as the text writes them (``"AdS"``, ``"CFTs"`` -> ``"CFT"``, ``"FL"``; words
in capitals three or more in a row are read in lower case), and physics-style tokens kept whole
(``"N = 2"`` -> ``"n=2"``, ``"AdS/CFT"``, ``"1+1"``).

Keywords are extracted from these tokens by :mod:`graph.keyphrases`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Sequence

__all__ = [
    "ENGLISH_STOP_WORDS",
    "ACADEMIC_STOP_WORDS",
    "STOP_WORDS",
    "GENERIC_WORDS",
    "singularize",
    "normalize_token",
    "is_stop_word",
    "segments",
    "tokenize",
    "candidate_phrases",
    "terms",
    "terms_of_runs",
    "text_runs",
    "word_runs",
    "HAS_LETTER",
]

ENGLISH_STOP_WORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anybody anyhow anyone anything anyway
    anywhere are around as at be became because become becomes becoming been before beforehand
    behind being below beside besides between beyond both but by can cannot could did do does
    doing done down due during each eg e.g either else elsewhere enough especially etc even
    ever every everyone everything everywhere except far few for former formerly from further
    furthermore get gets getting go goes going had has have having he hence her here hereby
    herein hers herself him himself his how however i ie i.e if in inside instead into is it
    its itself just least less like likely made make makes making many may maybe me meanwhile near
    might more moreover most mostly much must my myself namely neither never nevertheless next
    no nobody none nor not nothing now nowhere of off often on once one only onto or other
    others otherwise our ours ourselves out over own per perhaps quite rather really regarding
    same seem seemed seeming seems shall she should since so some somehow someone something
    sometime sometimes somewhat somewhere still such than that the their theirs them themselves
    then thence there thereafter thereby therefore therein thereof these they this those
    though through throughout thru thus to together too toward towards under unless unlike
    until up upon us very via was we well were what whatever when whence whenever where
    whereas whereby wherein wherever whether which while whilst who whoever whole whom whose
    why will with within without would yet you your yours yourself yourselves
    zero two three four five six seven eight nine ten twenty hundred thousand et al
    first second third fourth fifth last
    """.split()
)
"""English function words (our own list: scikit-learn's also drops "system", "computer", "fire")."""

ACADEMIC_STOP_WORDS = frozenset(
    """
    abstract according achieve achieved achieves additional additionally address addressed
    addresses advantage advantages aim aims allow allowed allows alternative analyse analysed
    analyze analyzed apply applied applies approach approaches appropriate argue argued arise
    arises arising article associated assume assumed available based briefly carried case
    cases certain challenge challenging clearly combine combined comment comments compare
    compared comparing comparison conclude concluded conclusion consider considerable
    considered considering consist consisting consists contain contains contribution
    contributions corresponding currently demonstrate demonstrated demonstrates demonstrating
    derive derived describe described describes describing designed detail detailed details
    determine determined develop developed developing different difficult directly discuss
    discussed discusses discussion easily effectively efficiently employ employed enable
    enables evaluate evaluated example examples existing explain exposition explore explored
    extend extended extensive fact find finding findings finds focus focused focuses follow
    followed following follows found generally give given gives giving good great help
    highly ideas illustrate implement implemented important improve improved improvement
    improves include included includes including increase increasing indicate indicates
    investigate investigated investigates investigation involve involved involves issue
    issues known largely lead leads lecture lectures led let lets limited literature mainly means method
    methodology methods motivated need needed needs new note noted notes notion notions novel numerous
    obtain obtained obtaining obtains outperform outperforms overall paper papers particular
    particularly perform performed performs possible present presented presenting presents
    previous previously progress promising properly propose proposed proposes proposing
    prove proved proves provide provided provides providing purpose recent recently refer
    remark remarks remarkable report reported reports require required requires research
    respectively result resulting results reveal review reviewed role seen several show
    showed showing shown shows significant significantly similar simply specific
    specifically state-of-the-art studied studies study studying successful successfully
    suggest suggested suggests suitable take taken talk technique techniques thorough
    typically understand understanding use used useful uses using usually various way ways
    work works yield yields
    """.split()
)
"""Academic boilerplate: words every abstract uses and no concept is named by.

Words that also name concepts stay out ("general relativity", "standard model",
"effective potential", "cross section", "fixed point", "strong coupling").
"""

STOP_WORDS = ENGLISH_STOP_WORDS | ACADEMIC_STOP_WORDS

GENERIC_WORDS = frozenset(
    """
    accuracy accurate algorithm amount analysis application aspect basic better best
    characterize choice class complete complex component computational condition data deep
    effect effective efficiency efficient error factor fast form framework function general
    goal high input key kind large learn learning level low main model network neural number
    order output parameter performance
    point practical predict principle problem process property quality range rate real
    robust sample scale score set setting simple size small solution speed standard step
    strong structure system task term test time train training type value variable
    """.split()
)
"""Words too general to name a topic or a shared concept alone ("network, kernel,
score, student" is not a topic), though they do inside a phrase ("neural network",
"score function"): a community label or SIMILAR_TO evidence never shows them alone.
Unlike stop words they stay in keyphrases and similarity vectors."""

# Words ending in "s" that are not plurals (or whose plural is the same word).
_NOT_PLURAL = frozenset(
    """
    alias atlas bias canvas chaos cosmos gas lens means news series species thesis axis
    basis analysis crisis diagnosis hypothesis synthesis emphasis genesis ellipsis
    corps always perhaps whereas towards afterwards besides sometimes various numerous
    higgs mills stokes jones ethos pathos logos kudos mars venus uranus christmas texas kansas arkansas
    """.split()
)
_IRREGULAR = {
    "analyses": "analysis",
    "axes": "axis",
    "bases": "basis",
    "caches": "cache",
    "children": "child",
    "criteria": "criterion",
    "crises": "crisis",
    "diagnoses": "diagnosis",
    "formulae": "formula",
    "foci": "focus",
    "hypotheses": "hypothesis",
    "indices": "index",
    "loci": "locus",
    "matrices": "matrix",
    "men": "man",
    "movies": "movie",
    "niches": "niche",
    "nuclei": "nucleus",
    "parentheses": "parenthesis",
    "phenomena": "phenomenon",
    "radii": "radius",
    "spectra": "spectrum",
    "syntheses": "synthesis",
    "theses": "thesis",
    "vertices": "vertex",
    "vortices": "vortex",
    "simplices": "simplex",
    "apices": "apex",
    "cortices": "cortex",
    "women": "woman",
}
_KEEP_SUFFIXES = ("ss", "us", "is", "ics")

_PRE_EQUALS = re.compile(r"\s*=\s*")
_LATEX_ACCENT = re.compile(r"\\['`\"^~]\{?([A-Za-z])\}?")
_LATEX_FONT = re.compile(r"\{\s*\\(?:cal|mathcal|bf|rm|it|sl|em)\s+([A-Za-z]+)\s*\}")
# One scanner: LaTeX commands and punctuation end a segment; group names such as
# "SU(N)" or "SL(2,R)" are one token; other characters are ignored. The leading
# skip jumps over whitespace where no match can start (only a space before a
# dash or quote starts one), so the alternatives are not tried at every space:
# findall gives the same groups, a third faster.
_SCAN = re.compile(
    r"""(?:\s+(?![-–—']))?
    (?:(?P<latex>\\[A-Za-z]+)
    |(?P<group>\b[A-Za-z]{1,4}\([0-9A-Za-z,_{}+\-]{1,8}\))
    |(?P<tok>[^\W_]+(?:['\-/=+][^\W_]+)*)
    |(?P<sep>[.,;:!?()\[\]{}"“”«»<>|$\\^~`]|\s[-–—']|[-–—']\s))""",
    re.VERBOSE,
)
# Three or more words in capitals in a row are shouted words, not acronyms
# ("DEEP LEARNING FOR GRAPHS"): they are read in lower case.
_SHOUTED = re.compile(r"\b[A-Z][A-Z'\-]*[A-Z](?:[\s:]+[A-Z][A-Z'\-]*[A-Z]){2,}\b")
_ACRONYM_PLURAL = re.compile(r"^[A-Z0-9]*[A-Z][A-Z0-9]*s$")
HAS_LETTER = re.compile(r"[^\W\d_]")
# A number glued to a word: "2.5times" leaves "5times" after the decimal point splits it.
_DIGITS_GLUED = re.compile(r"^\d+[^\W\d_]{3,}$")


def singularize(word: str) -> str:
    """Fold a simple English plural of a lower-case word to its singular.

    Rules, not a dictionary: "-ies" -> "-y", "-sses" -> "-ss", "-ches"/"-shes"/"-xes"
    -> drop "es", "-yses" -> "-ysis", other "-s" -> drop, with words that only look
    plural left alone ("process", "class", "physics", "series", "gas", "basis").

    >>> [singularize(w) for w in ["networks", "graphs", "theories", "processes", "analyses"]]
    ['network', 'graph', 'theory', 'process', 'analysis']
    >>> [singularize(w) for w in ["process", "class", "physics", "series", "gas", "approaches"]]
    ['process', 'class', 'physics', 'series', 'gas', 'approach']
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.endswith("s") or word in _NOT_PLURAL:
        return word
    if word.endswith(_KEEP_SUFFIXES):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y" if len(word) > 4 else word[:-1]
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("yses"):
        return word[:-2] + "is"
    if word.endswith(("ches", "shes", "xes", "zzes")):
        return word[:-2]
    return word[:-1]


@functools.lru_cache(maxsize=1 << 18)
def normalize_token(token: str) -> str:
    """Lower-case one raw word and fold its plural; acronyms keep their case.

    Possessives are dropped; in compounds (``"D-branes"``) only the last part is
    folded; mixed-case and capital words (``"AdS"``, ``"BPS"``) are acronyms:
    they keep their case and only lose a lower-case plural "s" (``"CFTs"`` ->
    ``"CFT"``).

    >>> [normalize_token(t) for t in ["Networks", "D-branes", "AdS", "BPS", "CFTs", "Einstein's"]]
    ['network', 'd-brane', 'AdS', 'BPS', 'CFT', 'einstein']
    """
    if token.endswith(("'s", "'S")):
        token = token[:-2]
    head, sep, last = token.rpartition("-") if "-" in token else ("", "", token)
    if _ACRONYM_PLURAL.match(last) and len(last) > 2:
        last = last[:-1].lower() if sep else last[:-1]
    elif not last[1:].islower() and last[1:] != last[1:].lower():
        # An acronym or a mixed-case name keeps the case the text writes it in
        # ("FL", "AdS", "ReLU"): lower-cased, "FL" would read as a word fragment.
        if sep:
            last = last.lower()
    else:
        last = singularize(last.lower())
    return (head.lower() + sep + last) if sep else last


@functools.lru_cache(maxsize=1 << 18)
def is_stop_word(token: str) -> bool:
    """True for stop words, bare numbers and one-character tokens.

    Numbers glued to a word (``"5time"`` from "2.5times") are fragments, not
    terms; short unit-like tails (``"3d"``, ``"2nd"``) stay.

    >>> [is_stop_word(t) for t in ["the", "propose", "1999", "x", "n=2", "1+1", "graph"]]
    [True, True, True, True, False, False, False]
    >>> [is_stop_word(t) for t in ["5time", "4times", "3d", "2nd", "let", "notion"]]
    [True, True, False, False, True, True]
    """
    if token in STOP_WORDS:
        return True
    if len(token) < 2:
        return True
    if token.isdigit() or _DIGITS_GLUED.match(token):
        return True
    # Bare numbers with decimal marks ("2.5", "10,000") never reach here: they are
    # split by the punctuation rule. Tokens with a letter or an operator stay.
    return not (HAS_LETTER.search(token) or any(ch in token for ch in "+/="))


def segments(text: str) -> list[list[str]]:
    """Split text into punctuation-free segments of normalised tokens.

    Stop words stay in the segments (phrase extraction needs to see them); use
    :func:`is_stop_word` to tell them apart. ``"N = 2"`` is read as ``"n=2"``.

    >>> segments("Graph Networks: a new approach. N = 2 theories!")
    [['graph', 'network'], ['a', 'new', 'approach'], ['n=2', 'theory']]
    """
    if not text:
        return []
    out: list[list[str]] = []
    current: list[str] = []
    norm = normalize_token
    for _, group, tok, _ in _scan(text):
        if tok:
            current.append(norm(tok))
        elif group:
            current.append(_group_token(group))
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _scan(text: str) -> list[tuple[str, str, str, str]]:
    """The ``(latex, group, tok, sep)`` matches of the prepared text; findall
    builds them in C, so a caller pays one cheap step per match."""
    text = unicodedata.normalize("NFKC", text)
    # The substitutions only when they can apply: most abstracts need none.
    if "\u2019" in text or "\u2018" in text:
        text = text.replace("\u2019", "'").replace("\u2018", "'")
    if "\\" in text:
        text = _LATEX_FONT.sub(r"\1", _LATEX_ACCENT.sub(r"\1", text))
    if "=" in text:
        text = _PRE_EQUALS.sub("=", text)
    if _SHOUTED.search(text):
        # Capitals kept for acronyms would keep a title set in capitals too.
        text = _SHOUTED.sub(lambda m: m.group(0).lower(), text)
    return _SCAN.findall(text)


@functools.lru_cache(maxsize=1 << 16)
def _group_token(group: str) -> str:
    return group.lower().replace("{", "").replace("}", "")


@functools.lru_cache(maxsize=1 << 18)
def _run_token(token: str) -> str:
    """The normalised raw token, or "" for a stop word."""
    norm = normalize_token(token)
    return "" if is_stop_word(norm) else norm


def tokenize(text: str) -> list[str]:
    """Normalised tokens of ``text`` without stop words, in order.

    >>> tokenize("We propose novel Graph Neural Networks for the AdS/CFT duality.")
    ['graph', 'neural', 'network', 'AdS/CFT', 'duality']
    """
    return [t for seg in segments(text) for t in seg if not is_stop_word(t)]


def word_runs(text: str) -> list[list[str]]:
    """Maximal runs of consecutive non-stop tokens inside one segment."""
    # segments() then a stop-word split, fused: one cached call per token.
    out: list[list[str]] = []
    if not text:
        return out
    run: list[str] = []
    word = _run_token
    for _, group, tok, _ in _scan(text):
        if tok:
            tok = word(tok)
        elif group:
            tok = _group_token(group)
            tok = "" if is_stop_word(tok) else tok
        if tok:
            run.append(tok)
        elif run:
            out.append(run)
            run = []
    if run:
        out.append(run)
    return out


def candidate_phrases(text: str, *, max_n: int = 3) -> list[str]:
    """Every 1..``max_n`` word n-gram of ``text`` that is a keyword candidate.

    Candidates never cross punctuation and contain no stop word (so none starts
    or ends with one). Returned in text order, with repeats (they are counts).

    >>> candidate_phrases("We study black holes in string theory.", max_n=2)
    ['black', 'black hole', 'hole', 'string', 'string theory', 'theory']
    """
    out: list[str] = []
    for run in word_runs(text):
        for i in range(len(run)):
            for n in range(1, max_n + 1):
                if i + n > len(run):
                    break
                out.append(" ".join(run[i : i + n]))
    return out


def terms(text: str, *, bigrams: bool = True, compound_parts: bool = True) -> list[str]:
    """The terms a document is represented by for similarity.

    Non-stop tokens, the parts of compound tokens (``"d-brane"`` also counts as
    ``"brane"``, so hyphenation does not hide a shared concept), and, with
    ``bigrams``, adjacent pairs of non-stop tokens (``"black hole"``).

    >>> terms("Extremal black holes and D-branes.")
    ['extremal', 'black', 'hole', 'extremal black', 'black hole', 'd-brane', 'brane']
    """
    return terms_of_runs(word_runs(text), bigrams=bigrams, compound_parts=compound_parts)


def text_runs(text: str) -> tuple[tuple[str, ...], ...]:
    """The runs of consecutive non-stop tokens of ``text``, inside its segments.

    What both :func:`terms` and the keyword candidates are made from: compute
    them once per text and hand them to :func:`terms_of_runs` and
    ``extract_keywords(runs=...)``. Tuples, one-token runs shared between texts:
    a corpus keeps them all for a while.

    >>> text_runs("We study black holes in string theory; entropy.")
    (('black', 'hole'), ('string', 'theory'), ('entropy',))
    """
    return tuple([_one_token_run(r[0]) if len(r) == 1 else tuple(r) for r in word_runs(text)])


@functools.lru_cache(maxsize=1 << 18)
def _one_token_run(token: str) -> tuple[str]:
    return (token,)


def terms_of_runs(
    runs: Sequence[Sequence[str]], *, bigrams: bool = True, compound_parts: bool = True
) -> list[str]:
    """:func:`terms` of a text, from its :func:`text_runs`.

    >>> terms_of_runs([["extremal", "black", "hole"], ["d-brane"]])
    ['extremal', 'black', 'hole', 'extremal black', 'black hole', 'd-brane', 'brane']
    """
    out: list[str] = []
    for run in runs:
        if compound_parts:
            for tok in run:
                out.append(tok)
                if "-" in tok or "/" in tok:
                    out.extend(_compound_parts(tok))
        else:
            out.extend(run)
        if bigrams:
            out.extend([a + " " + b for a, b in zip(run, run[1:])])
    return out


@functools.lru_cache(maxsize=1 << 16)
def _compound_parts(token: str) -> tuple[str, ...]:
    """The non-stop parts of a compound token ("d-brane" -> "brane")."""
    return tuple(p for p in re.split(r"[-/]", token) if p != token and not is_stop_word(p))
