"""Dedup across sources, measured on the real export samples (issue 24, item 3).

    .venv/bin/python bench/dedup_sources.py [--formats DIR] [--show N]

Reads every sample (all 14 formats) from ``shared/data/formats`` together, merges
them with :func:`graph.ingest.deduplicate`, and prints:

- records per file and merges per rule;
- **true duplicates**: records sharing a DOI with an earlier record (the ground
  truth we have), and how many of them were merged;
- **wrong merges**: merged papers whose records carry two DOIs, two first-author
  surnames, or years more than one apart (each is listed);
- **title near-misses**: records with the title of another paper that were kept
  apart (listed, for a reader to judge);
- references: CITES resolved within the samples (and across files), and the
  unresolved ones by key kind.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.errors import BadRecord  # noqa: E402
from graph.ingest import deduplicate, iter_papers  # noqa: E402
from graph.ingest.identity import first_author_key  # noqa: E402
from graph.ingest.references import resolve_references  # noqa: E402
from graph.models import normalize_doi  # noqa: E402

FOLDERS = ("openalex_json", "openalex_csv", "wos_plaintext", "scopus_csv", "lens_csv", "ris", "crossref_json", "csl_json",
           "bibtex", "medline_txt", "pubmed_xml", "arxiv_oai_xml", "semantic_scholar_json", "pmc_jats_xml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--formats", type=Path, default=ROOT.parent / "shared" / "data" / "formats")
    parser.add_argument("--show", type=int, default=10, help="examples listed per kind")
    args = parser.parse_args(argv)

    records, origin = [], []
    print(f"{'file':60s} {'records':>8s} {'bad':>5s}")
    for folder in FOLDERS:
        for path in sorted((args.formats / folder).glob("*")):
            if path.name.endswith(".md"):
                continue
            good = bad = 0
            try:
                for item in iter_papers(path):
                    if isinstance(item, BadRecord):
                        bad += 1
                    else:
                        records.append(item)
                        origin.append(f"{folder}/{path.name}")
                        good += 1
            except Exception as exc:  # a file no reader takes: say so, go on
                print(f"{folder + '/' + path.name:60s} unreadable: {exc}")
                continue
            print(f"{folder + '/' + path.name:60s} {good:8d} {bad:5d}")

    result = deduplicate(records)
    where = {result.papers[at].id: origin[i] for i, at in reversed(list(enumerate(result.placed)))}

    def _file(pid: str) -> str:
        return where.get(pid, "")

    print(f"\nrecords {len(records)}, papers {len(result.papers)}, merged {result.duplicates}")
    print("merges per rule: " + ", ".join(f"{rule} {n}" for rule, n in result.merges.items()))

    groups: dict[int, list[int]] = defaultdict(list)
    for i, at in enumerate(result.placed):
        groups[at].append(i)
    first_with_doi: dict[str, int] = {}
    true_dups = merged_true = 0
    missed = []
    for i, paper in enumerate(records):
        doi = normalize_doi(paper.doi)
        if not doi:
            continue
        if doi in first_with_doi:
            true_dups += 1
            j = first_with_doi[doi]
            if result.placed[i] == result.placed[j]:
                merged_true += 1
            else:
                missed.append((j, i))
        else:
            first_with_doi[doi] = i
    print(f"true duplicates (same DOI as an earlier record): {true_dups}, merged: {merged_true}")
    for j, i in missed[: args.show]:
        print(f"  MISSED {origin[j]} / {origin[i]}: {records[i].doi}")

    wrong = []
    cross_source = 0
    for at, members in groups.items():
        if len(members) < 2:
            continue
        if len({origin[i].split('/')[0] + origin[i] for i in members}) > 1:
            cross_source += 1
        dois = {normalize_doi(records[i].doi) for i in members} - {None}
        authors = {first_author_key(records[i]) for i in members} - {""}
        years = {records[i].year for i in members} - {None}
        if len(dois) > 1 or len(authors) > 1 or (years and max(years) - min(years) > 1):
            wrong.append((at, members, dois, authors, years))
    print(f"merged papers with records from more than one file: {cross_source}")
    print(f"merged papers with conflicting DOI / first author / year: {len(wrong)}")
    for at, members, dois, authors, years in wrong[: args.show]:
        print(f"  CHECK {result.papers[at].title[:70]!r}: dois={sorted(dois)} authors={sorted(authors)} "
              f"years={sorted(years)} from {sorted({origin[i] for i in members})}")

    by_title: dict[str, set[int]] = defaultdict(set)
    for i, paper in enumerate(records):
        if paper.title_key:
            by_title[paper.title_key].add(result.placed[i])
    near = [(key, ats) for key, ats in by_title.items() if len(ats) > 1]
    print(f"titles shared by papers kept apart: {len(near)}")
    for key, ats in near[: args.show]:
        shown = "; ".join(f"{result.papers[a].id} {result.papers[a].year} "
                          f"{first_author_key(result.papers[a]) or '-'}" for a in sorted(ats))
        print(f"  APART {key[:60]!r}: {shown}")

    resolution = resolve_references(result.papers)
    total = sum(len(set(p.references)) for p in result.papers)
    kinds: dict[str, int] = defaultdict(int)
    for item in resolution.unresolved:
        kinds[item.key.split(":", 1)[0]] += 1
    print(f"references {total}: CITES within the samples {len(resolution.cites)}, "
          f"across files {sum(1 for c in resolution.cites if _file(c.source) != _file(c.target))}, "
          f"unresolved {len(resolution.unresolved)} (" + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
