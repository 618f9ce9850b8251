"""The tables and the scaling chart of :mod:`bench.pipeline`'s results (printed,
pasted into docs/benchmarks.md, drawn as SVG). Split from the runner so that each
file does one job."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

STAGES = ("read", "write papers", "keywords", "similarity", "keyword edges", "citations", "build other",
          "write edges", "analysis", "write analysis", "store reads", "viz")


def write_svg(path: Path | None, doc: dict[str, Any]) -> None:
    if path is None:
        return
    svg = scaling_svg([r for r in doc["results"] if r.get("kind") == "cli"])
    if svg is None:
        print("no scaling chart: fewer than two successful `citegraph run` results", file=sys.stderr)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg)


# --- report ------------------------------------------------------------------------


def _fmt_s(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def scaling_rows(cli: list[dict[str, Any]]) -> list[str]:
    """The cost curve of ``citegraph run`` per store: papers against seconds and
    memory, with the growth exponent between neighbouring sizes (1.0 = linear:
    ``log(t2 / t1) / log(n2 / n1)``)."""
    lines: list[str] = []
    for store in sorted({r["store"] for r in cli}):
        pts = sorted(((r["run"]["papers"], r["run"]) for r in cli
                      if r["store"] == store and r.get("run", {}).get("papers") and r["run"].get("exit") == 0),
                     key=lambda x: x[0])
        if len(pts) < 2:
            continue
        lines += ["", f"Scaling of `citegraph run` ({store}): exponent = log(ratio of cost) / log(ratio of papers) "
                  "against the next smaller corpus (1.0 is linear)",
                  "| papers | run s | ms per paper | time exponent | max RSS MB | process tree peak RSS / PSS MB "
                  "| memory exponent |",
                  "|---|---|---|---|---|---|---|"]
        prev = None
        for n, run in pts:
            t, mem = run["wall_s"], run.get("max_rss_mb")
            t_exp = m_exp = ""
            if prev is not None:
                pn, pt, pm = prev
                t_exp = f"{math.log(t / pt) / math.log(n / pn):.2f}"
                if mem and pm:
                    m_exp = f"{math.log(mem / pm) / math.log(n / pn):.2f}"
            lines.append(f"| {n:,} | {_fmt_s(t)} | {1000 * t / n:.2f} | {t_exp} | {mem or ''} "
                         f"| {run.get('tree_peak_rss_mb', '')} / {run.get('tree_peak_pss_mb', '')} | {m_exp} |")
            prev = (n, t, mem)
    return lines


def scaling_svg(cli: list[dict[str, Any]], store: str = "embedded") -> str | None:
    """A log-log chart of ``citegraph run`` seconds and peak memory (largest
    process) against papers, with the linear trend through the smallest point
    of each series for comparison; None with fewer than two points."""
    pts = sorted((r["run"]["papers"], r["run"]["wall_s"], r["run"].get("max_rss_mb")) for r in cli
                 if r["store"] == store and r.get("run", {}).get("papers") and r["run"].get("exit") == 0)
    if len(pts) < 2:
        return None
    width, height, pad = 640, 400, 60
    xs = [math.log10(n) for n, _, _ in pts]
    ys = [math.log10(v) for _, t, m in pts for v in (t, m) if v]
    x0, x1 = math.floor(min(xs)), math.ceil(max(xs))
    y0, y1 = math.floor(min(ys)), math.ceil(max(ys))

    def px(x: float) -> float:
        return pad + (x - x0) / (x1 - x0) * (width - 2 * pad)

    def py(y: float) -> float:
        return height - pad - (y - y0) / (y1 - y0) * (height - 2 * pad)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle">citegraph run ({store}): papers vs seconds and '
           f'peak MB, log-log</text>',
           f'<text x="{width / 2}" y="38" text-anchor="middle" font-size="11">dashed: linear growth from the '
           f'smallest corpus</text>']
    for d in range(x0, x1 + 1):
        out.append(f'<line x1="{px(d):.1f}" y1="{pad}" x2="{px(d):.1f}" y2="{height - pad}" stroke="#ddd"/>'
                   f'<text x="{px(d):.1f}" y="{height - pad + 16}" text-anchor="middle">{10 ** d:,}</text>')
    for d in range(y0, y1 + 1):
        out.append(f'<line x1="{pad}" y1="{py(d):.1f}" x2="{width - pad}" y2="{py(d):.1f}" stroke="#ddd"/>'
                   f'<text x="{pad - 6}" y="{py(d) + 4:.1f}" text-anchor="end">{10 ** d:,}</text>')
    out.append(f'<text x="{width / 2}" y="{height - 15}" text-anchor="middle">papers</text>')
    for label, col, color in (("seconds", 1, "#1f77b4"), ("peak MB", 2, "#d62728")):
        series = [(math.log10(p[0]), math.log10(p[col])) for p in pts if p[col]]
        if len(series) < 2:
            continue
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
                   + " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in series) + '"/>')
        out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>' for x, y in series]
        (ax, ay), (bx, _) = series[0], series[-1]
        out.append(f'<line x1="{px(ax):.1f}" y1="{py(ay):.1f}" x2="{px(bx):.1f}" y2="{py(ay + bx - ax):.1f}" '
                   f'stroke="{color}" stroke-dasharray="4 4"/>')
        lx, ly = series[-1]
        out.append(f'<text x="{px(lx) - 6:.1f}" y="{py(ly) - 8:.1f}" text-anchor="end" fill="{color}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out)


def render_tables(doc: dict[str, Any]) -> str:
    """Markdown tables: stages per corpus/store, CLI end to end, baseline ratios."""
    m = doc["machine"]
    lines = [f"machine: {m.get('cpus')} cpus ({m.get('cpu_model', '')}), {m.get('ram_gb')} GB RAM, "
             f"load avg {m.get('load_avg')} -> {m.get('load_avg_end')}; commit {str(m.get('git_commit'))[:12]}"
             f"{' (+local changes)' if m.get('git_dirty') else ''}{'; PARTIAL results' if doc.get('partial') else ''}",
             f"versions: {', '.join(f'{k} {v}' for k, v in m.get('versions', {}).items())}",
             f"memory: {doc['memory_method']}", ""]
    runs = [r for r in doc["results"] if r.get("kind") == "citegraph"]
    if runs:
        lines.append("Per stage: wall s / CPU s (peak RSS MB); write stages also rows/s (over wall time)")
        lines.append("| corpus | store | papers | " + " | ".join(STAGES)
                     + " | total s | CPU s | child max RSS MB | server RSS MB | server CPU s |")
        lines.append("|" + "---|" * (len(STAGES) + 8))
    for r in runs:
        if "error" in r:
            lines.append(f"| {r['corpus']} | {r['store']} | {r['error'][:80]} |")
            continue
        cells = []
        for s in STAGES:
            st = r["stages"].get(s)
            if not st:
                cells.append("")
                continue
            cell = f"{_fmt_s(st['wall_s'])} / {_fmt_s(st['cpu_s'])} ({st['peak_rss_mb']:,.0f})"
            if "rows_per_s" in st:
                cell += f" {st['rows_per_s']:,.0f}/s"
            cells.append(cell)
        server = max((st.get("server_peak_rss_mb", 0) for st in r["stages"].values()), default=0)
        lines.append(f"| {r['corpus']} | {r['store']} | {r['counts'].get('papers', 0):,} | " + " | ".join(cells)
                     + f" | {_fmt_s(r['total_s'])} | {_fmt_s(sum(st['cpu_s'] for st in r['stages'].values()))} "
                     f"| {r['child_maxrss_mb']:,.0f} | {server:,.0f} "
                     f"| {_fmt_s(sum(st.get('server_cpu_s', 0) for st in r['stages'].values()))} |")
    cli = [r for r in doc["results"] if r.get("kind") == "cli"]
    if cli:
        lines += ["", "End to end through the CLI (/usr/bin/time -v)",
                  "| corpus | store | `citegraph run` s | max RSS MB | process tree peak RSS / PSS MB "
                  "| then `citegraph analyze` s | max RSS MB |",
                  "|---|---|---|---|---|---|---|"]
        for r in cli:
            run, ana = r.get("run", {}), r.get("analyze", {})
            lines.append(f"| {r['corpus']} | {r['store']} | {_fmt_s(run.get('wall_s')) or run.get('error', r.get('error', ''))} "
                         f"| {run.get('max_rss_mb', '')} | {run.get('tree_peak_rss_mb', '')} / {run.get('tree_peak_pss_mb', '')} "
                         f"| {_fmt_s(ana.get('wall_s'))} | {ana.get('max_rss_mb', '')} |")
    lines += scaling_rows(cli)
    base = {r["corpus"]: r for r in doc["results"] if r.get("kind") == "baseline"}
    if base:
        from bench.baseline import compare_rows

        lines += ["", "Baseline per stage: s (extrapolated where noted), measured wall s / CPU s, peak RSS MB",
                  "| corpus | stage | s | measured wall / CPU s | peak RSS MB | note |", "|---|---|---|---|---|---|"]
        for corpus, b in base.items():
            if "error" in b:
                lines.append(f"| {corpus} | {b['error'][:100]} |")
                continue
            for stage, st in b["stages"].items():
                lines.append(f"| {corpus} | {stage} | {_fmt_s(st.get('seconds'))} | {_fmt_s(st.get('wall_s'))} / {_fmt_s(st.get('cpu_s'))} | "
                             f"{st.get('peak_rss_mb', 0):,.0f} | {st.get('note', '')} |")

        lines += ["", "citegraph vs baseline (tutorial code: TfidfVectorizer + cosine_similarity, per-row MERGE, "
                  "networkx louvain + pagerank); ratio = citegraph / baseline",
                  "| corpus | store | stage | citegraph s | baseline s | ratio | CPU ratio | baseline note |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in runs:
            if "error" in r or r["corpus"] not in base or "error" in base[r["corpus"]]:
                continue
            for stage, ours, theirs, note, ours_cpu, theirs_cpu in compare_rows(r, base[r["corpus"]]):
                ratio = f"{ours / theirs:.2f}" if ours is not None and theirs else ""
                cpu_ratio = f"{ours_cpu / theirs_cpu:.2f}" if ours_cpu is not None and theirs_cpu else ""
                lines.append(f"| {r['corpus']} | {r['store']} | {stage} | {_fmt_s(ours)} | {_fmt_s(theirs)} | "
                             f"{ratio} | {cpu_ratio} | {note} |")
    return "\n".join(lines)
