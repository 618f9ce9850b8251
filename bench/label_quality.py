"""How well community labels describe their communities (issue 21, item 7).

For every community of an analyzed store (embedded SQLite file), each term of its
label is checked against the community's papers: a term is *supported* when it
occurs, as normalized tokens (case, plurals folded by :mod:`graph.text`), in the
title or abstract of at least 10% of the community's papers. Prints, per store,
for the label terms and for the community's keyword list: how many terms, the
share supported, the fragments (digits glued to letters) and the acronyms shown
in lower case although the texts mostly write them in capitals.

With ``--relabel REV``, each store is measured twice more on its own keywords
and communities: labels recomputed by ``graph/analysis/labels.py`` as of git
revision ``REV`` (``before``) and as of the working tree (``now``), the parent
topic's label words moved last in subtopics as ``analyze`` does. This isolates
the label step from keyword and community changes.

Usage::

    citegraph --db seeds.db run graph/sample/*.txt
    python bench/label_quality.py seeds.db [citeseer.db ...] [--min-share 0.1] [--relabel d1f72ac] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.stores.sqlite import SQLiteStore  # noqa: E402
from graph.text import normalize_token, segments  # noqa: E402

_FRAGMENT = re.compile(r"^\d+[^\W\d_]{3,}$")
_RAW_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def _token_text(text: str) -> str:
    # Lower case on both sides: a label term matches whatever case the store keeps.
    return " " + " ".join(" ".join(seg) for seg in segments(text)).lower() + " "


def _labeller(rev: str | None):
    """``community_keywords`` of graph/analysis/labels.py at git ``rev`` (None: the working tree)."""
    root = Path(__file__).resolve().parents[1]
    if rev is None:
        from graph.analysis.labels import community_keywords
        return community_keywords
    source = subprocess.run(["git", "-C", str(root), "show", f"{rev}:graph/analysis/labels.py"],
                            check=True, capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(f"labels_{rev}", f.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.community_keywords


def relabel(communities, members, has_keyword, community_keywords, *, label_size: int = 4):
    """``communities`` with labels and keywords recomputed per level by ``community_keywords``."""
    out, by_id = [], {}
    for level in sorted({c.level for c in communities}):
        these = [c for c in communities if c.level == level]
        ranked = community_keywords([set(members[c.id]) for c in these], has_keyword, size=10 + label_size)
        for c, kws in zip(these, ranked):
            if level and c.parent in by_id:
                taken = set(by_id[c.parent].keywords[:label_size])
                kws = tuple([k for k in kws if k not in taken] + [k for k in kws if k in taken])
            c = replace(c, keywords=tuple(kws[:10]), label=", ".join(kws[:label_size]))
            by_id[c.id] = c
            out.append(c)
    return out


def measure(path: Path, *, min_share: float = 0.1, relabel_rev: str | None = None) -> list[dict]:
    """Label support of one analyzed store (and of its relabelled versions)."""
    with SQLiteStore(path) as store:
        papers = {p.id: p for p in store.iter_papers()}
        stored = [c for c in store.communities() if c.size >= 2]
        members = {c.id: store.community(c.id)[1] for c in stored}
        has_keyword = list(store.load_derived().has_keyword) if relabel_rev else []
    versions = [("stored", stored)]
    if relabel_rev:
        versions.append((f"{relabel_rev}", relabel(stored, members, has_keyword, _labeller(relabel_rev))))
        versions.append(("now", relabel(stored, members, has_keyword, _labeller(None))))
    return [_support(path, name, [c for c in cs if c.label], members, papers, min_share) for name, cs in versions]


def _support(path, version, communities, members, papers, min_share) -> dict:
    surface: dict[str, Counter[str]] = {}
    for p in papers.values():
        for raw in _RAW_TOKEN.findall(f"{p.title or ''} {p.abstract or ''}"):
            surface.setdefault(normalize_token(raw).lower(), Counter())[raw] += 1
    out: dict = {"store": str(path), "labels": version, "communities": len(communities)}
    for kind in ("label", "keywords"):
        terms = supported = fragments = lowered = 0
        weak: Counter[str] = Counter()
        for c in communities:
            texts = [_token_text(f"{papers[m].title or ''}. {papers[m].abstract or ''}")
                     for m in members[c.id] if m in papers]
            chosen = [t.strip() for t in c.label.split(",")] if kind == "label" else list(c.keywords)
            for term in [t for t in chosen if t]:
                terms += 1
                needle = " " + " ".join(normalize_token(w) for w in term.split()).lower() + " "
                share = sum(needle in t for t in texts) / max(len(texts), 1)
                if share >= min_share:
                    supported += 1
                else:
                    weak[term] += 1
                fragments += bool(_FRAGMENT.match(term))
                forms = surface.get(term.lower())
                if forms and " " not in term:
                    top, _ = forms.most_common(1)[0]
                    lowered += top.isupper() and len(top) > 1 and term.islower()
        out[kind] = {"terms": terms, "supported_share": round(supported / terms, 3) if terms else None,
                     "fragments": fragments, "acronyms_lowercased": lowered,
                     "unsupported_examples": [t for t, _ in weak.most_common(6)]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stores", nargs="+", type=Path)
    parser.add_argument("--min-share", type=float, default=0.1)
    parser.add_argument("--relabel", metavar="REV", help="also relabel with labels.py at this git revision and now")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = [r for p in args.stores for r in measure(p, min_share=args.min_share, relabel_rev=args.relabel)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'store':<22} {'labels':<8} {'kind':<8} {'comms':>5} {'terms':>5} {'supported':>9} {'fragments':>9} "
          f"{'acronyms lc':>11}  unsupported (examples)")
    for r in rows:
        for kind in ("label", "keywords"):
            k = r[kind]
            print(f"{Path(r['store']).name:<22} {r['labels']:<8} {kind:<8} {r['communities']:>5} {k['terms']:>5} "
                  f"{k['supported_share']!s:>9} {k['fragments']:>9} {k['acronyms_lowercased']:>11}  "
                  + ", ".join(k["unsupported_examples"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
