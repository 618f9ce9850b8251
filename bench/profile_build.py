"""Time :func:`graph.edges.build_derived` stage by stage, without a store.

Reads a corpus through :mod:`graph.ingest` (papers + citation pairs, attached as
references the way ``citegraph ingest`` does), then runs the stages of
``build_derived`` one after another (keywords, similar, shares_keywords, cites)
and prints seconds per stage, the whole ``build_derived`` time and peak RSS.
With ``--profile``, prints the top of a cProfile of the whole ``build_derived``.
With ``--save``, pickles the DerivedGraph (to compare two versions of the code).
With ``--parallel both``, skips the stages and runs the whole ``build_derived``
``--repeat`` times each way, in-process then with SIMILAR_TO forked, alternating,
and prints a table (wall, this process's CPU, same graph as the first run).

Usage::

    python bench/profile_build.py [--data ../shared/data/hepth] [--profile] [--save out.pkl]
        [--similarity tfidf] [--limit N]
    python bench/profile_build.py --data /tmp/citegraph-synth/synth-100000-s0 --parallel both --repeat 2
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pickle
import pstats
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.edges import (  # noqa: E402
    BuildParams,
    build_derived,
    citation_edges,
    shares_keywords_edges,
)
from graph.models import normalize_arxiv, normalize_doi  # noqa: E402
from graph.similarity import similar_edges  # noqa: E402
from graph.keyphrases import extract_keywords  # noqa: E402


def _first(base: Path, name: str) -> Path:
    plain = base / name
    return plain if plain.exists() else base / (name + ".gz")


def load(base: Path, limit: int | None = None):
    """Papers with their references attached, and a reference index like the store's."""
    from graph.jobs import read_inputs

    citations = [_first(base, "citations.csv")] if _first(base, "citations.csv").exists() else []
    papers, pairs, _ = read_inputs([_first(base, "papers.jsonl")], citations=citations)
    if limit:
        papers = papers[:limit]
    index: dict[str, str] = {}
    for p in papers:
        if p.doi:
            bare = normalize_doi(p.doi) or p.doi.strip()
            index.setdefault(bare, p.id)
            index.setdefault(f"doi:{bare}", p.id)
        if p.arxiv_id:
            index.setdefault(normalize_arxiv(p.arxiv_id) or p.arxiv_id.strip(), p.id)
        src = (p.extra or {}).get("source_id")
        if src is not None and str(src).strip():
            index.setdefault(str(src).strip(), p.id)
    index.update((p.id, p.id) for p in papers)
    refs: dict[str, list[str]] = {}
    for citing, cited in pairs:
        pid = index.get(citing)
        if pid is not None:
            refs.setdefault(pid, []).append(cited)
    papers = [replace(p, references=tuple(p.references) + tuple(refs.get(p.id, ()))) for p in papers]
    return papers, index


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "hepth"))
    parser.add_argument("--similarity", default="tfidf")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--save", default=None)
    parser.add_argument("--stages-only", action="store_true", help="skip the whole build_derived run")
    parser.add_argument("--parallel", choices=("auto", "on", "off", "both"), default="auto",
                        help="build_derived(parallel=...); 'both' compares the two, alternating")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each way with --parallel both")
    args = parser.parse_args()
    if args.parallel == "both":
        compare_parallel(Path(args.data), args.limit, BuildParams(similarity=args.similarity), args.repeat)
        return

    print(f"load {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1/5 min)")
    t0 = time.perf_counter()
    papers, index = load(Path(args.data), args.limit)
    print(f"read      {time.perf_counter() - t0:6.1f} s  papers={len(papers)}  rss={_rss_mb():.0f} MB")
    params = BuildParams(similarity=args.similarity)
    ordered = sorted({p.id: p for p in papers}.values(), key=lambda p: p.id)
    ids, texts = [p.id for p in ordered], [p.text for p in ordered]

    t, c = time.perf_counter(), time.process_time()
    has_kw, kws = extract_keywords(ids, texts, k=params.keywords_k, max_n=params.keyword_max_words,
                                   titles=[p.title for p in ordered])
    print(f"keywords  {time.perf_counter() - t:6.1f} s  cpu={time.process_time() - c:6.1f} s  rows={len(has_kw)} keywords={len(kws)}  rss={_rss_mb():.0f} MB")
    t, c = time.perf_counter(), time.process_time()
    sim = similar_edges(ids, texts, method=params.similarity, k=params.k,
                        min_score=params.effective_min_score, n_terms=params.n_terms,
                        n_components=params.lsa_components, seed=params.seed)
    print(f"similar   {time.perf_counter() - t:6.1f} s  cpu={time.process_time() - c:6.1f} s  edges={len(sim)}  rss={_rss_mb():.0f} MB")
    t, c = time.perf_counter(), time.process_time()
    shares = shares_keywords_edges(has_kw, min_shared=params.min_shared, max_df=params.max_keyword_df)
    print(f"shares    {time.perf_counter() - t:6.1f} s  cpu={time.process_time() - c:6.1f} s  edges={len(shares)}  rss={_rss_mb():.0f} MB")
    t, c = time.perf_counter(), time.process_time()
    cites, unresolved = citation_edges(ordered, index)
    print(f"cites     {time.perf_counter() - t:6.1f} s  cpu={time.process_time() - c:6.1f} s  edges={len(cites)} unresolved={unresolved}  rss={_rss_mb():.0f} MB")
    del has_kw, kws, sim, shares, cites

    if not args.stages_only or args.save or args.profile:
        prof = cProfile.Profile() if args.profile else None
        t, c = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        parallel = {"auto": None, "on": True, "off": False}[args.parallel]
        derived = build_derived(papers, index, params, parallel=parallel)
        if prof:
            prof.disable()
        print(f"build_derived {time.perf_counter() - t:6.1f} s  cpu={time.process_time() - c:6.1f} s  rss={_rss_mb():.0f} MB")
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
            pstats.Stats(prof).sort_stats("tottime").print_stats(20)
        if args.save:
            with open(args.save, "wb") as fh:
                pickle.dump(derived, fh)
    print(f"peak RSS {_rss_mb():.0f} MB; load {os.getloadavg()[0]:.2f}")


def compare_parallel(data: Path, limit: int | None, params: BuildParams, repeat: int) -> None:
    """``build_derived`` in-process and with SIMILAR_TO forked, alternating."""
    papers, index = load(data, limit)
    print(f"{len(papers)} papers from {data}; load {os.getloadavg()[0]:.2f}")
    print(f"{'run':<4} {'SIMILAR_TO':<11} {'wall s':>8} {'CPU s':>8}  same graph")
    first = None
    for i in range(repeat):
        for parallel in (False, True):
            t, c = time.perf_counter(), time.process_time()
            derived = build_derived(papers, index, params, parallel=parallel)
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            first = first or derived
            print(f"{i + 1:<4} {'forked' if parallel else 'in-process':<11} {wall:8.1f} {cpu:8.1f}  {derived == first}",
                  flush=True)
    print("(CPU s: this process only; the forked child's is not counted)")


if __name__ == "__main__":
    main()
