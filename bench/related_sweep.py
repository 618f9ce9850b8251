"""Sweep fusion weights and methods of ``related`` on held-out citations (issue 23).

The pieces of ``graph.analysis.holdout.holdout_report``, with the signal maps
built once per run so that several weightings cost one build. Text signals are
cached by bench/related_quality.py (``--cache /tmp/rq``); run that first.

Usage::

    K0=2 python bench/related_sweep.py DATASET COUPLING_K MODES WEIGHTS...
    # e.g. K0=2 python bench/related_sweep.py hepth 20 rank similar:1,keywords:0,coupled:0.5,cocited:1,cites:2

MODES: comma list of ``raw`` (weighted sum), ``rrf``/``rank`` (weighted
reciprocal rank, damping K0), ``hyb`` (rank plus HW x sum). Prints
``dataset k mode recall precision weights`` per line.
"""
import sys, time
ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]; sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "bench"))
from pathlib import Path
from related_quality import load, text_graph
from graph.analysis import holdout as H
from graph.related import fuse_related
from graph.models import DerivedGraph
from graph.coupling import coupling_edges, cocitation_edges, citation_chains
from collections import defaultdict
name = sys.argv[1]; ck = int(sys.argv[2]); import os; K0 = float(os.environ.get("K0", 5)); HW = float(os.environ.get("HW", 0.1))
papers, cites = load(ROOT.parent / "shared" / "data" / name)
text = text_graph(name, papers, Path("/tmp/rq"))
visible, hidden = H.split_citations(cites, share=0.2, seed=0)
coupled = coupling_edges(visible, k=ck); co = cocitation_edges(visible, k=ck); chains = citation_chains(visible, k=ck)
d = DerivedGraph((), (), text.similar, text.shares_keywords, tuple(visible), coupled=tuple(coupled), co_cited=tuple(co))
maps = H.signal_maps(d, chains)
known = [(e.source, e.target) for e in visible]; hp = [(e.source, e.target) for e in hidden]
partners = defaultdict(set)
for a, b in known: partners[a].add(b); partners[b].add(a)
ps = sorted({p for a, b in hp for p in (a, b)})
def run(w, mode="raw"):
    ranked = {}
    for p in ps:
        m = maps.get(p, {})
        ex = partners[p] | {p}
        if mode in ("rrf", "hyb", "rank"):
            tot = defaultdict(float)
            for s, om in m.items():
                order = sorted((o for o in om if o not in ex), key=lambda o: -om[o][0])
                for r, o in enumerate(order):
                    tot[o] += w.get(s, 0) / (K0 + r)
        if mode == "hyb":
            for s, om in m.items():
                for o in om:
                    if o not in ex:
                        tot[o] += HW * w.get(s, 0) * om[o][0]
            ranked[p] = [o for o, _ in sorted(tot.items(), key=lambda t: (-t[1], t[0]))[:10]]
        else:
            ranked[p] = [f.paper_id for f in fuse_related(m, weights=w, limit=10, exclude=ex)]
    return H.score_ranking(ranked, hp, known)
for mode in sys.argv[3].split(","):
    for wt in sys.argv[4:]:
        w = {k: float(v) for k, v in (x.split(":") for x in wt.split(","))}
        r = run(w, mode)
        print(name, ck, mode, r["recall"], r["precision"], wt, flush=True)
