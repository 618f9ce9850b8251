"""Seeded synthetic corpora of any size, recombined from real hep-th text.

    python bench/synth.py 100000                 # -> /tmp/citegraph-synth/synth-100000-s0/
    python bench/synth.py 300000 --seed 1 --cache /data/synth

Why: the largest real corpus we have (hepth) has 29,555 papers; the product
promises "a few hundred thousand". A synthetic corpus must look like real input
to every stage: the same vocabulary, sentence shapes and abstract lengths (for
keywords and TF-IDF similarity), topical structure (for communities), and a
citation graph with hep-th's degree profile (for CITES and analysis).

How a corpus is made (all randomness from one ``random.Random(seed)`` and a
seeded KMeans, so the same source, size and seed give byte-identical files):

1. **Topics.** The source papers (default ``/work/shared/data/hepth``: no subject
   labels, see its SOURCE.md) are clustered into ``topics`` groups (default 40)
   by MiniBatchKMeans on TF-IDF vectors of title + abstract (English stop words,
   terms in 2+ papers, 30,000 terms at most).
2. **Papers.** Topics are drawn with the real topic sizes as weights. For each
   synthetic paper a *template* paper of that topic gives the number of
   sentences; sentence *i* of the abstract is a random sentence of a random
   paper of the same topic, taken from the same position class (first, middle,
   last sentence), so abstracts open and close like real ones. The title joins
   the head of one topic title and the tail of another at a connective word
   ("of", "in", "and", "for", "with", "on", ":", ...); a title whose normalized
   form was already used is redrawn (ingest merges papers with equal titles),
   and after 20 tries gets a roman numeral suffix. Authors are the author list of
   another paper of the topic. Years are drawn from the source's year
   distribution.
3. **Citations.** Papers are ordered by year (ids ``synth-<seed>-<7 digits>``
   follow that order) and may cite only papers before them (older, or the same
   year and earlier). Each paper's out-degree is the out-degree of a random
   source paper (hep-th: mean 11.9, many zero, a long tail). Each reference is
   in the same topic with probability ``p_same_topic`` (default 0.85), else
   anywhere; the cited paper is drawn by preferential attachment, probability
   proportional to (citations received so far + 1), so in-degrees get hep-th's
   heavy tail.

Output, in the formats ``citegraph ingest`` reads (``graph.ingest``):
``papers.jsonl.gz`` (``id``, ``title``, ``abstract``, ``authors``, ``year``,
``label`` = ``"topic-<n>"``), ``citations.csv.gz`` (header ``citing,cited``) and
``meta.json`` (parameters and counts), in ``<cache>/synth-<n>-s<seed>/``. The
files are reused when ``meta.json`` matches the parameters. Gzip headers carry
no timestamp (``mtime=0``), so the bytes depend only on the inputs.

Cost: about 1.5 min of CPU for 300k papers (loading and clustering the source,
then drawing and gzip), ~2.5 min / ~8.5 min wall for 100k / 300k on a busy 2-core
machine; 300k papers are 81 MB gzipped (~210 MB of JSON), their 3.57M citations
14 MB.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import gzip
import io
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

__all__ = ["DEFAULT_SOURCE", "DEFAULT_CACHE", "GENERATOR_VERSION", "load_source", "generate", "ensure_corpus"]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "hepth"
DEFAULT_CACHE = Path("/tmp/citegraph-synth")
#: Bumped whenever the output for the same parameters changes (invalidates caches).
GENERATOR_VERSION = 1

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\\$])")
_CONNECTIVE = re.compile(r"\s(?:of|in|and|for|with|on|from|via|at|to|beyond|near|between):?\s|:\s", re.IGNORECASE)
_ROMAN = ["II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


# --- source ----------------------------------------------------------------------


def load_source(source: str | Path = DEFAULT_SOURCE) -> tuple[list[dict], list[tuple[str, str]]]:
    """Papers (dicts with id, title, abstract, authors, year) and citation pairs of
    a corpus directory holding ``papers.jsonl[.gz]`` and ``citations.csv[.gz]``."""
    source = Path(source)
    papers_file = _first(source, "papers.jsonl.gz", "papers.jsonl")
    papers = []
    with _open_text(papers_file) as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            if rec.get("abstract") and rec.get("title"):
                papers.append({k: rec.get(k) for k in ("id", "title", "abstract", "authors", "year")})
    pairs: list[tuple[str, str]] = []
    cites_file = _first(source, "citations.csv.gz", "citations.csv", required=False)
    if cites_file is not None:
        with _open_text(cites_file) as fh:
            reader = csv.reader(fh)
            next(reader, None)
            pairs = [(row[0], row[1]) for row in reader if len(row) == 2]
    return papers, pairs


def _first(folder: Path, *names: str, required: bool = True) -> Path | None:
    for name in names:
        if (folder / name).exists():
            return folder / name
    if required:
        raise FileNotFoundError(f"none of {names} in {folder}")
    return None


def _open_text(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def _topics(papers: Sequence[dict], n_topics: int, seed: int) -> list[int]:
    """Topic of each paper: seeded MiniBatchKMeans on TF-IDF (title + abstract)."""
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{p['title']}. {p['abstract']}" for p in papers]
    x = TfidfVectorizer(stop_words="english", min_df=2, max_features=30000, sublinear_tf=True).fit_transform(texts)
    n_topics = max(1, min(n_topics, len(papers) // 5 or 1))
    km = MiniBatchKMeans(n_clusters=n_topics, random_state=seed, n_init=3, batch_size=2048)
    return [int(t) for t in km.fit_predict(x)]


# --- generator -------------------------------------------------------------------


def generate(
    n: int,
    *,
    source: str | Path = DEFAULT_SOURCE,
    seed: int = 0,
    topics: int = 40,
    p_same_topic: float = 0.85,
    source_data: tuple[list[dict], list[tuple[str, str]]] | None = None,
) -> tuple[list[dict], list[tuple[str, str]], dict]:
    """``n`` synthetic papers and their citations (see the module docstring).

    Returns the records (in id order), the ``(citing, cited)`` pairs (citing
    order) and a summary dict. Pure: writes nothing.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    papers, pairs = source_data if source_data is not None else load_source(source)
    rng = random.Random(seed)
    topic_of = _topics(papers, topics, seed)
    n_topics = max(topic_of) + 1
    members: list[list[int]] = [[] for _ in range(n_topics)]
    for i, t in enumerate(topic_of):
        members[t].append(i)

    # Sentences by position class (0 first, 1 middle, 2 last) per topic.
    split = [_SENTENCE.split(p["abstract"].strip()) for p in papers]
    pools: list[list[list[str]]] = [[[], [], []] for _ in range(n_topics)]
    for i, sents in enumerate(split):
        for j, s in enumerate(sents):
            pools[topic_of[i]][0 if j == 0 else (2 if j == len(sents) - 1 else 1)].append(s)
    heads: list[list[str]] = [[] for _ in range(n_topics)]
    tails: list[list[str]] = [[] for _ in range(n_topics)]
    for i, p in enumerate(papers):
        title = " ".join(p["title"].split())
        for m in _CONNECTIVE.finditer(title):
            heads[topic_of[i]].append(title[: m.start()])
            tails[topic_of[i]].append(title[m.start():])

    years = sorted(int(p["year"]) for p in papers if isinstance(p.get("year"), int))
    cited_by_source = Counter(c for c, _ in pairs)
    out_degrees = [cited_by_source.get(p["id"], 0) for p in papers]

    from graph.models import normalize_title

    weights = [len(m) for m in members]
    cum = list(_accumulate(weights))
    drafts = []
    seen_titles: set[str] = set()
    for _ in range(n):
        t = bisect.bisect_right(cum, rng.random() * cum[-1])
        t = min(t, n_topics - 1)
        template = papers[rng.choice(members[t])]
        n_sent = max(1, len(_SENTENCE.split(template["abstract"].strip())))
        pool = pools[t]
        sents = []
        for j in range(n_sent):
            cls = 0 if j == 0 else (2 if j == n_sent - 1 else 1)
            bucket = pool[cls] or pool[1] or pool[0]
            sents.append(rng.choice(bucket))
        title = _title(rng, t, heads, tails, papers, members, seen_titles, normalize_title)
        authors = list(papers[rng.choice(members[t])].get("authors") or [])
        year = rng.choice(years) if years else 2000
        drafts.append((year, t, title, " ".join(sents), authors))

    # Time order: ids follow (year, draw order); citations only point backwards.
    order = sorted(range(n), key=lambda i: (drafts[i][0], i))
    records = []
    for rank, i in enumerate(order):
        year, t, title, abstract, authors = drafts[i]
        records.append({"id": f"synth-{seed}-{rank:07d}", "title": title, "abstract": abstract,
                        "authors": authors, "year": year, "label": f"topic-{t}"})

    citations = _citations(rng, records, [drafts[i][1] for i in order], out_degrees, n_topics, p_same_topic)
    summary = {
        "papers": n,
        "citations": len(citations),
        "mean_out_degree": round(len(citations) / n, 3),
        "topics": n_topics,
        "source_papers": len(papers),
        "source_citations": len(pairs),
        "source_mean_out_degree": round(len(pairs) / max(1, len(papers)), 3),
    }
    return records, citations, summary


def _accumulate(values: Iterable[int]) -> Iterable[int]:
    total = 0
    for v in values:
        total += v
        yield total


def _title(rng, t, heads, tails, papers, members, seen, normalize_title) -> str:
    for _ in range(20):
        if heads[t] and rng.random() < 0.9:
            title = rng.choice(heads[t]) + rng.choice(tails[t])
        else:
            title = " ".join(papers[rng.choice(members[t])]["title"].split())
        key = normalize_title(title)
        if key and key not in seen:
            seen.add(key)
            return title
    base = title
    for suffix in _ROMAN + [str(i) for i in range(11, 10**6)]:
        title = f"{base} {suffix}"
        key = normalize_title(title)
        if key not in seen:
            seen.add(key)
            return title
    raise RuntimeError("no unique title")  # unreachable in practice


def _citations(rng, records, topic_seq, out_degrees, n_topics, p_same) -> list[tuple[str, str]]:
    """Preferential attachment to older papers, mostly within the topic."""
    # A "ticket" list per topic and overall: a paper gets one ticket when it
    # becomes citable and one more per citation received, so a uniform draw of
    # a ticket picks a paper with probability (in-degree + 1) / total.
    tickets_all: list[int] = []
    tickets_topic: list[list[int]] = [[] for _ in range(n_topics)]
    out: list[tuple[str, str]] = []
    for i, rec in enumerate(records):
        t = topic_seq[i]
        want = min(rng.choice(out_degrees) if out_degrees else 0, i)
        chosen: set[int] = set()
        tries = 0
        while len(chosen) < want and tries < want * 5:
            tries += 1
            pool = tickets_topic[t] if tickets_topic[t] and rng.random() < p_same else tickets_all
            if not pool:
                break
            chosen.add(pool[rng.randrange(len(pool))])
        for j in sorted(chosen):
            out.append((rec["id"], records[j]["id"]))
            tickets_all.append(j)
            tickets_topic[topic_seq[j]].append(j)
        tickets_all.append(i)
        tickets_topic[t].append(i)
    return out


# --- files -----------------------------------------------------------------------


def _params(n: int, seed: int, topics: int, p_same_topic: float, source: Path) -> dict:
    return {"n": n, "seed": seed, "topics": topics, "p_same_topic": p_same_topic,
            "source": str(source), "generator_version": GENERATOR_VERSION}


def write_corpus(records: Sequence[dict], citations: Sequence[tuple[str, str]], folder: Path, meta: dict) -> None:
    """Write ``papers.jsonl.gz``, ``citations.csv.gz`` and (last) ``meta.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta.json").unlink(missing_ok=True)
    with open(folder / "papers.jsonl.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6,
                                                                        filename="") as gz:
        buf = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
        for rec in records:
            buf.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
        buf.flush()
        buf.detach()
    with open(folder / "citations.csv.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6,
                                                                         filename="") as gz:
        buf = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
        buf.write("citing,cited\n")
        for a, b in citations:
            buf.write(f"{a},{b}\n")
        buf.flush()
        buf.detach()
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def ensure_corpus(
    n: int,
    *,
    seed: int = 0,
    cache: str | Path = DEFAULT_CACHE,
    source: str | Path = DEFAULT_SOURCE,
    topics: int = 40,
    p_same_topic: float = 0.85,
) -> tuple[Path, Path]:
    """Paths of ``papers.jsonl.gz`` and ``citations.csv.gz`` of the corpus,
    generated into ``cache`` unless an identical one is there already."""
    source = Path(source)
    folder = Path(cache) / f"synth-{n}-s{seed}"
    params = _params(n, seed, topics, p_same_topic, source)
    meta_file = folder / "meta.json"
    if meta_file.exists():
        try:
            if json.loads(meta_file.read_text()).get("params") == params:
                return folder / "papers.jsonl.gz", folder / "citations.csv.gz"
        except json.JSONDecodeError:
            pass
    t0 = time.perf_counter()
    records, citations, summary = generate(n, source=source, seed=seed, topics=topics, p_same_topic=p_same_topic)
    t1 = time.perf_counter()
    meta = {"params": params, "summary": summary, "generate_s": round(t1 - t0, 1)}
    write_corpus(records, citations, folder, meta)  # writes meta.json last: a torn run is regenerated
    meta["write_s"] = round(time.perf_counter() - t1, 1)
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return folder / "papers.jsonl.gz", folder / "citations.csv.gz"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, nargs="+", help="corpus size(s), e.g. 100000 300000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--topics", type=int, default=40)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    for n in args.n:
        t0 = time.perf_counter()
        papers, cites = ensure_corpus(n, seed=args.seed, cache=args.cache, source=args.source, topics=args.topics)
        meta = json.loads((papers.parent / "meta.json").read_text())
        print(f"{papers.parent}: {meta['summary']} ({time.perf_counter() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
