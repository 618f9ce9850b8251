"""The first GET /timeline (and /emerging) on a store: what its one load costs.

``api.timeline.load_timeline`` reads the paper years and memberships
(``map_papers``, ``communities``) and the papers per keyword and year
(``keyword_years``, one aggregate read). Before, it read the whole derived graph
(``load_derived``: every SIMILAR_TO, SHARES_KEYWORDS, CITES, ... edge) to get
the keyword papers; that path is kept here as ``before`` to compare against,
side by side in the same minute (the machine is shared: only the ratio counts).
Both answers are checked equal.

Usage::

    CITEGRAPH_STORE=embedded CITEGRAPH_DB=/tmp/time-hepth.db citegraph run \\
        /work/shared/data/hepth/papers.jsonl.gz --citations /work/shared/data/hepth/citations.csv.gz
    python bench/timeline_load.py /tmp/time-hepth.db [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.timeline import KEYWORD_LIMIT, KEYWORD_MIN_DF, TimelineData, load_timeline  # noqa: E402
from graph.analysis.bursts import GAMMA, S  # noqa: E402
from graph.analysis.timeline import series  # noqa: E402
from graph.stores.sqlite import SQLiteStore  # noqa: E402


def load_before(store, *, s: float = S, gamma: float = GAMMA) -> TimelineData:
    """``load_timeline`` as it was: keyword papers from the whole derived graph."""
    papers = store.map_papers()
    year = {p.id: p.year for p in papers}
    comms = store.communities()
    members: dict[int, list[str]] = {c.id: [] for c in comms}
    for p in papers:
        for cid in (p.community, p.subcommunity):
            if cid is not None and cid in members:
                members[cid].append(p.id)
    years, per_comm = series(year, members, s=s, gamma=gamma)
    derived = store.load_derived()
    kw_papers: dict[str, list[str]] = {}
    for hk in derived.has_keyword:
        kw_papers.setdefault(hk.keyword, []).append(hk.paper_id)
    frequent = sorted((k for k, ps in kw_papers.items() if len(ps) >= KEYWORD_MIN_DF),
                      key=lambda k: (-len(kw_papers[k]), k))[:KEYWORD_LIMIT]
    _, per_kw = series(year, {k: kw_papers[k] for k in frequent}, s=s, gamma=gamma)
    communities = [{"id": c.id, "level": int(c.level or 0), "parent": c.parent, "label": c.label,
                    "size": c.size, "keywords": list(c.keywords), **per_comm[c.id]} for c in comms]
    keywords = [{"id": k, "label": k, "size": len(kw_papers[k]), **per_kw[k]} for k in frequent]
    return TimelineData(years=years, papers=len(year), undated=sum(1 for y in year.values() if y is None),
                        communities=communities, keywords=keywords, params={"s": s, "gamma": gamma})


def _timed(fn, store) -> tuple[float, float, TimelineData]:
    w0, c0 = time.perf_counter(), time.process_time()
    data = fn(store)
    return time.perf_counter() - w0, time.process_time() - c0, data


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    if not args.db.is_file():
        raise SystemExit(f"timeline_load: {args.db}: no such file (a store built by `citegraph run`)")
    store = SQLiteStore(args.db)
    store.open()
    try:
        counts = store.counts()
        print(f"{args.db}: {counts.get('papers', 0):,} papers, {counts.get('HAS_KEYWORD', 0):,} HAS_KEYWORD, "
              f"{counts.get('SIMILAR_TO', 0):,} SIMILAR_TO, {counts.get('CITES', 0):,} CITES")
        print(f"{'run':>3} {'before wall':>12} {'before cpu':>11} {'after wall':>11} {'after cpu':>10} "
              f"{'ratio':>6} {'load avg':>15}")
        for i in range(args.runs):
            # Alternate which goes first so neither always gets the warm page cache.
            order = ("before", "after") if i % 2 == 0 else ("after", "before")
            got = {}
            for name in order:
                got[name] = _timed(load_before if name == "before" else load_timeline, store)
            (bw, bc, bd), (aw, ac, ad) = got["before"], got["after"]
            if bd != ad:
                raise SystemExit("timeline_load: the two loads answer differently")
            la = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"{i + 1:>3} {bw:>11.2f}s {bc:>10.2f}s {aw:>10.2f}s {ac:>9.2f}s {bw / aw:>5.1f}x {la:>15}",
                  flush=True)
        print(f"same answer: yes ({len(ad.communities)} communities, {len(ad.keywords)} keywords, "
              f"years {ad.years[0] if ad.years else '-'}-{ad.years[-1] if ad.years else '-'})")
    finally:
        store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
