"""Text features: tokens, stop words, normalisation and keyphrase extraction.

Pure functions, no I/O. Every feature of citegraph (keywords, SIMILAR_TO terms,
community labels) goes through :func:`segments`, so a concept is spelled the same
way everywhere: lower case, simple plurals folded (``"D-branes"`` ->
``"d-brane"``, ``"theories"`` -> ``"theory"``), acronyms and mixed-case names
kept as the text writes them (``"AdS"``, ``"CFTs"`` -> ``"CFT"``, ``"FL"``; words
in capitals three or more in a row are read in lower case), and physics-style tokens kept whole
(``"N = 2"`` -> ``"n=2"``, ``"AdS/CFT"``, ``"1+1"``).

Keywords are 1-3 word n-grams that neither cross punctuation nor contain a stop
word, scored by TF-IDF against the corpus (see :func:`extract_keywords`).
"""

from __future__ import annotations

import functools
import math
import re
import sys
import unicodedata
from collections import Counter
from operator import mul
from typing import Mapping, Sequence

from graph.errors import param_error
from graph.models import Keyword, KeywordScore

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
    "analyze",
    "analyze_runs",
    "text_runs",
    "extract_keywords",
    "phrase_counts",
    "keyword_eligible",
    "choose_keyphrases",
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
_HAS_LETTER = re.compile(r"[^\W\d_]")
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
    return not (_HAS_LETTER.search(token) or any(ch in token for ch in "+/="))


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


def _runs(text: str) -> list[list[str]]:
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
    for run in _runs(text):
        for i in range(len(run)):
            for n in range(1, max_n + 1):
                if i + n > len(run):
                    break
                out.append(" ".join(run[i : i + n]))
    return out


def analyze(text: str, *, bigrams: bool = True, compound_parts: bool = True) -> list[str]:
    """The terms a document is represented by for similarity.

    Non-stop tokens, the parts of compound tokens (``"d-brane"`` also counts as
    ``"brane"``, so hyphenation does not hide a shared concept), and, with
    ``bigrams``, adjacent pairs of non-stop tokens (``"black hole"``).

    >>> analyze("Extremal black holes and D-branes.")
    ['extremal', 'black', 'hole', 'extremal black', 'black hole', 'd-brane', 'brane']
    """
    return analyze_runs(_runs(text), bigrams=bigrams, compound_parts=compound_parts)


def text_runs(text: str) -> tuple[tuple[str, ...], ...]:
    """The runs of consecutive non-stop tokens of ``text``, inside its segments.

    What both :func:`analyze` and the keyword candidates are made from: compute
    them once per text and hand them to :func:`analyze_runs` and
    ``extract_keywords(runs=...)``. Tuples, one-token runs shared between texts:
    a corpus keeps them all for a while.

    >>> text_runs("We study black holes in string theory; entropy.")
    (('black', 'hole'), ('string', 'theory'), ('entropy',))
    """
    return tuple([_one_token_run(r[0]) if len(r) == 1 else tuple(r) for r in _runs(text)])


@functools.lru_cache(maxsize=1 << 18)
def _one_token_run(token: str) -> tuple[str]:
    return (token,)


def analyze_runs(
    runs: Sequence[Sequence[str]], *, bigrams: bool = True, compound_parts: bool = True
) -> list[str]:
    """:func:`analyze` of a text, from its :func:`text_runs`.

    >>> analyze_runs([["extremal", "black", "hole"], ["d-brane"]])
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


def extract_keywords(
    ids: Sequence[str],
    texts: Sequence[str],
    *,
    k: int = 8,
    max_n: int = 3,
    titles: Sequence[str] | None = None,
    runs: Sequence[Sequence[Sequence[str]]] | None = None,
) -> tuple[list[KeywordScore], list[Keyword]]:
    """Up to ``k`` keyphrases per paper, scored by TF-IDF against the corpus.

    Candidates are 1..``max_n`` word n-grams (:func:`candidate_phrases`) that
    contain a letter and do not end in a participle ("string compactified"). A
    candidate's score in a paper is ``tf * idf``: ``tf`` its count in the paper
    (occurrences in the title count twice when ``titles`` are given: a title
    names what the paper is about), ``idf = ln((1 + N) / (1 + df)) + 1`` over the
    ``N`` papers with text.

    A candidate seen only once in the whole corpus (one paper, once) is an
    accident of wording, not a shared concept: it is used only when a paper has
    no other candidate, so that every paper with text gets a keyword (a text of
    stop words only has none).

    Phrases are chosen best first (ties by name), skipping redundant ones: a
    fragment that never occurs in the paper outside a longer candidate
    ("black" when every "black" is in "black hole"), and a part of an already
    chosen phrase ("hole" after "black hole"). A longer phrase containing a
    chosen one stays when it is more specific ("extremal black hole").

    Parameters
    ----------
    ids, texts : sequences of str
        Paper ids and their text (title and abstract, :attr:`Paper.text`), aligned.
    k : int, default 8
        Keywords per paper, at most.
    max_n : int, default 3
        Longest phrase, in words.
    titles : sequence of str, optional
        The papers' titles, aligned with ``ids``, for the title weight.
    runs : sequence, optional
        Each text's :func:`text_runs`, aligned with ``ids``, when the caller has
        them already (``build_derived`` computes them once for keywords and
        SIMILAR_TO); the texts are then not read again.

    Returns
    -------
    has_keyword : list of KeywordScore
        Sorted by paper id, then score descending, then keyword; scores rounded to
        6 decimals.
    keywords : list of Keyword
        Every chosen keyword with ``df`` = the number of papers having it as a
        chosen keyword, sorted by name.

    Examples
    --------
    >>> scores, kws = extract_keywords(
    ...     ["a", "b", "c"],
    ...     ["Black holes and black hole entropy. Entropy bounds.",
    ...      "Entropy of black holes.", "Graph networks."], k=2)
    >>> [(s.paper_id, s.keyword) for s in scores]
    [('a', 'black hole'), ('a', 'entropy'), ('b', 'black hole'), ('c', 'graph network')]
    >>> [(kw.name, kw.df) for kw in kws]
    [('black hole', 2), ('entropy', 1), ('graph network', 1)]
    """
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 100:
        raise param_error("k", "extract_keywords", "an int in [1, 100]", k)
    if isinstance(max_n, bool) or not isinstance(max_n, int) or not 1 <= max_n <= 5:
        raise param_error("max_n", "extract_keywords", "an int in [1, 5]", max_n)
    if len(ids) != len(texts):
        raise param_error("texts", "extract_keywords", "as long as ids", len(texts))
    if titles is not None and len(titles) != len(ids):
        raise param_error("titles", "extract_keywords", "as long as ids", len(titles))
    if runs is not None and len(runs) != len(ids):
        raise param_error("runs", "extract_keywords", "as long as ids", len(runs))

    # One pass over the texts; a paper keeps only its phrases and their counts
    # (interned, so a phrase shared by many papers is stored once).
    docs: list[tuple[tuple[str, ...], tuple[int, ...]] | None] = []
    df: Counter[str] = Counter()
    intern = sys.intern
    for i, text in enumerate(texts):
        c = _run_phrase_counts(
            runs[i] if runs is not None else _runs(text or ""),
            titles[i] if titles is not None else None,
            max_n,
        )
        if not c:
            docs.append(None)
            continue
        df.update(c.keys())
        docs.append((tuple(map(intern, c)), tuple(c.values())))
    n_docs = sum(1 for d in docs if d is not None)
    # -idf by df: a phrase's sort key -(tf * idf) is tf * -idf (negation is exact).
    neg_idf = [-(math.log((1 + n_docs) / (1 + d)) + 1.0) for d in range(max(df.values(), default=0) + 1)]
    df_of, neg_idf_of = df.__getitem__, neg_idf.__getitem__
    has_keyword: list[KeywordScore] = []
    for pid, doc in zip(ids, docs):
        if doc is None:
            continue
        phrases, tfs = doc
        # Every phrase, best first (ties by name); eligibility is checked only
        # for the phrases looked at (keyword_eligible, with cf = tf here).
        order = sorted(zip(map(mul, tfs, map(neg_idf_of, map(df_of, phrases))), phrases))
        tf_of = dict(zip(phrases, tfs))
        chosen = _choose_sorted(order, tf_of, k, df)
        if not chosen:
            chosen = _choose_sorted(order, tf_of, 1, None)
        has_keyword.extend(KeywordScore(pid, p, round(s, 6)) for s, p in chosen)
    has_keyword.sort(key=lambda ks: (ks.paper_id, -ks.score, ks.keyword))
    kw_df = Counter(ks.keyword for ks in has_keyword)
    keywords = [Keyword(name, kw_df[name]) for name in sorted(kw_df)]
    return has_keyword, keywords


def phrase_counts(text: str, *, title: str | None = None, max_n: int = 3) -> Counter[str]:
    """Keyword candidates of one paper and their counts, as :func:`extract_keywords` sees them.

    The phrases of :func:`candidate_phrases` that contain a letter and do not
    end in an "-ed" verb form ("string compactified"); when ``title`` is given
    (and the text has a candidate), the title's candidates count once more.

    >>> sorted(phrase_counts("Black holes. Black hole entropy.", title="Black holes", max_n=2).items())
    [('black', 3), ('black hole', 3), ('entropy', 1), ('hole', 3), ('hole entropy', 1)]
    """
    return _run_phrase_counts(_runs(text), title, max_n)


def _run_phrase_counts(runs: Sequence[Sequence[str]], title: str | None, max_n: int) -> Counter[str]:
    """:func:`phrase_counts` from the text's runs."""
    counts = Counter(_candidate_ngrams(runs, max_n))
    if title and counts:
        counts.update(_candidate_ngrams(_runs(title), max_n))
    return counts


def _choose_sorted(
    order: list[tuple[float, str]], tf: Mapping[str, int], k: int, df: Mapping[str, int] | None
) -> list[tuple[float, str]]:
    """:func:`choose_keyphrases` over the eligible phrases of ``order``, which
    holds every candidate of a paper as ``(-score, phrase)``, sorted.

    Eligible means :func:`keyword_eligible` with ``cf = tf`` and ``df >= 2``
    standing for ``cf >= 2`` (every phrase when ``df`` is None). Fragments are
    collected lazily: a phrase is a fragment of a longer one only when both
    occur equally often in the paper (a part occurs wherever the phrase does),
    and then the longer one has the higher idf, so it scores at least as well
    and sits before (or ties with) the part in ``order``.
    """
    chosen: list[tuple[float, str]] = []
    covered: set[str] = set()
    fragments: set[str] = set()
    n, j = len(order), 0
    for neg, phrase in order:
        if df is not None and tf[phrase] < 2 and (" " not in phrase or df[phrase] < 2):
            continue
        # Fragments of every eligible phrase scoring at least as well.
        while j < n and order[j][0] <= neg:
            longer = order[j][1]
            j += 1
            if " " not in longer:
                continue
            t = tf[longer]
            if df is not None and t < 2 and df[longer] < 2:
                continue
            fragments.update([part for part in _sub_phrases(longer) if tf.get(part, 0) <= t])
        if phrase in fragments or phrase in covered:
            continue
        chosen.append((-neg, phrase))
        if len(chosen) >= k:
            break
        covered.update(_sub_phrases(phrase))
    return chosen


def keyword_eligible(phrase: str, tf: int, cf: int) -> bool:
    """Whether a candidate occurring ``tf`` times in a paper may be its keyword.

    It must occur at least twice in the whole corpus (``cf``), and a single word
    must also be repeated in the paper: a phrase seen once in the corpus is an
    accident of wording, and one mention of a word does not make a topic.

    >>> keyword_eligible("black hole", 1, 2), keyword_eligible("entropy", 1, 5), keyword_eligible("x y", 1, 1)
    (True, False, False)
    """
    return cf >= 2 and (tf >= 2 or " " in phrase)


def choose_keyphrases(
    scored: Sequence[tuple[float, str]], tf: Mapping[str, int], k: int
) -> list[tuple[float, str]]:
    """Pick up to ``k`` keyphrases from ``(score, phrase)`` pairs sorted best first.

    Skips a fragment (a part of a longer phrase of ``scored`` that never occurs
    in the paper outside it: ``tf[part] <= tf[phrase]``) and a part of an
    already chosen phrase; a longer phrase containing a chosen one stays
    ("extremal black hole" after "black hole"). ``tf`` maps phrases to their
    counts in the paper.

    >>> choose_keyphrases([(3.0, "black hole"), (2.5, "black"), (2.0, "hole"), (1.0, "entropy")],
    ...                   {"black hole": 2, "black": 2, "hole": 3, "entropy": 1}, 5)
    [(3.0, 'black hole'), (1.0, 'entropy')]
    """
    fragments = {
        part
        for _, phrase in scored
        if " " in phrase
        for part in _sub_phrases(phrase)
        if tf.get(part, 0) <= tf[phrase]
    }
    chosen: list[tuple[float, str]] = []
    covered: set[str] = set()
    for score, phrase in scored:
        if len(chosen) >= k:
            break
        if phrase in fragments or phrase in covered:
            continue
        chosen.append((score, phrase))
        covered.update(_sub_phrases(phrase))
    return chosen


def _ngrams(runs: Sequence[Sequence[str]], max_n: int) -> list[str]:
    """Every 1..max_n gram of every run (not in text order: they get counted)."""
    out: list[str] = []
    for run in runs:
        out += run
        prev = run
        for n in range(2, max_n + 1):
            if len(prev) < 2:
                break
            prev = [a + " " + b for a, b in zip(prev, run[n - 1 :])]
            out += prev
    return out


def _candidate_ngrams(runs: Sequence[Sequence[str]], max_n: int) -> list[str]:
    """:func:`_ngrams` that are keyword candidates (:func:`_is_candidate`)."""
    out: list[str] = []
    for run in runs:
        # Only a run holding a token ending in "ed" or one of "+/=" can yield a
        # non-candidate: test the whole run at once.
        joined = " ".join(run) + " "
        grams = _ngrams([run], max_n)
        if "ed " in joined or "+" in joined or "/" in joined or "=" in joined:
            grams = [p for p in grams if _candidate_fast(p)]
        out += grams
    return out


def _candidate_fast(p: str) -> bool:
    """:func:`_is_candidate`, called only when it can fail: only a phrase ending
    in "ed" or holding one of "+/=" can (a non-stop token without a letter has one)."""
    return not ((p.endswith("ed") or "+" in p or "/" in p or "=" in p) and not _is_candidate(p))


_NOT_PARTICIPLE = frozenset("bed embed feed need red seed shed speed bred breed creed greed hundred".split())


@functools.lru_cache(maxsize=1 << 18)
def _is_candidate(phrase: str) -> bool:
    """Has a letter; a phrase does not end in an "-ed" verb form ("field coupled")."""
    if not _HAS_LETTER.search(phrase):
        return False
    last = phrase.rsplit(" ", 1)[-1]
    return not (last.endswith("ed") and last not in _NOT_PARTICIPLE)


@functools.lru_cache(maxsize=1 << 18)
def _sub_phrases(phrase: str) -> tuple[str, ...]:
    """Every shorter contiguous part of a phrase."""
    words = phrase.split(" ")
    return tuple(" ".join(words[i : i + n]) for n in range(1, len(words)) for i in range(len(words) - n + 1))
