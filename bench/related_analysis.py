"""Communities with and without COUPLED / CO_CITED in the projection (issue 23 item 6).

citeseer: NMI / ARI of the level-0 communities against the papers' labels,
for the default edge mix and for it plus ``coupled,cocited`` (weights 1 each),
same seed. Text edges come from bench/related_quality.py's cache.

Usage::

    python bench/related_analysis.py [--cache /tmp/rq]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from related_quality import load, text_graph  # noqa: E402

from graph.analysis import AnalyzeParams, analyze_graph  # noqa: E402
from graph.analysis.evaluate import community_scores  # noqa: E402
from graph.coupling import cocitation_edges, coupling_edges  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default="/tmp/rq")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "citeseer"))
    args = ap.parse_args(argv)
    base = Path(args.data)
    papers, cites = load(base)
    labels = {}
    with open(base / "papers.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            labels[str(rec["id"])] = rec.get("label")
    text = text_graph(base.name, papers, Path(args.cache))
    derived = replace(text, cites=tuple(cites), coupled=tuple(coupling_edges(cites, k=20)),
                      co_cited=tuple(cocitation_edges(cites, k=20)))
    ids = [p.id for p in papers]
    print(f"{'edges':40} {'NMI':>6} {'ARI':>6} {'topics':>6}")
    for edges in (("similar", "keywords", "cites"), ("similar", "keywords", "cites", "coupled", "cocited")):
        result = analyze_graph(derived, ids, params=AnalyzeParams(edges=edges, seed=0))
        part = {s.paper_id: s.community for s in result.scores if s.community is not None}
        sc = community_scores(part, labels)
        topics = sum(1 for c in result.communities if c.level == 0)
        print(f"{','.join(edges):40} {sc['nmi']:6.3f} {sc['ari']:6.3f} {topics:6d}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
