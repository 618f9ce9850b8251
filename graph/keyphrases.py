"""Keyphrase extraction: 1-3 word n-grams that neither cross punctuation nor
contain a stop word, scored by TF-IDF against the corpus (:func:`extract_keywords`),
and the phrase counts and choices the incremental path reuses.

Pure functions, no I/O, over the tokens of :mod:`graph.text`.
"""

from __future__ import annotations

import functools
import math
import sys
from collections import Counter
from operator import mul
from typing import Mapping, Sequence

from graph.errors import param_error
from graph.models import Keyword, KeywordScore
from graph.text import HAS_LETTER, word_runs


__all__ = [
    "extract_keywords",
    "phrase_counts",
    "keyword_eligible",
    "choose_keyphrases",
]


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
            runs[i] if runs is not None else word_runs(text or ""),
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
    return _run_phrase_counts(word_runs(text), title, max_n)


def _run_phrase_counts(runs: Sequence[Sequence[str]], title: str | None, max_n: int) -> Counter[str]:
    """:func:`phrase_counts` from the text's runs."""
    counts = Counter(_candidate_ngrams(runs, max_n))
    if title and counts:
        counts.update(_candidate_ngrams(word_runs(title), max_n))
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
    if not HAS_LETTER.search(phrase):
        return False
    last = phrase.rsplit(" ", 1)[-1]
    return not (last.endswith("ed") and last not in _NOT_PARTICIPLE)


@functools.lru_cache(maxsize=1 << 18)
def _sub_phrases(phrase: str) -> tuple[str, ...]:
    """Every shorter contiguous part of a phrase."""
    words = phrase.split(" ")
    return tuple(" ".join(words[i : i + n]) for n in range(1, len(words)) for i in range(len(words) - n + 1))
