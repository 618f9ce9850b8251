"""The timeline page (``/viz/timeline``): topics as stacked areas over the years.

Every topic is one band, its height the topic's papers that year; bands are
stacked oldest topic at the bottom (by the mean year of their papers), so the
field's drift reads upwards. A band is labelled where it is widest when the
label fits, and listed in the legend beside the chart either way; its bursts
(Kleinberg, :mod:`graph.analysis.bursts`) are drawn as a dark line along its
top over the burst's years. A band or legend entry links to the topic's page.
Under each topic's name the legend lists its bursting keywords (the topic's and
its subtopics' keywords that burst in the corpus, strongest first, with their
burst years), and the strongest one is written on the band at its burst.

The SVG is drawn here, server-side: the page loads nothing, runs one
nonce'd script (it only says it is ready), and every text is HTML-escaped.
"""

from __future__ import annotations

import html
import secrets
from typing import Any, Mapping, Sequence

from viz.render import community_color

__all__ = ["timeline_html", "stack_order"]

_W, _H = 1000, 760
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 16, 40
_LABEL_MIN_PX = 13
_LABEL_CHARS = 34


def stack_order(years: Sequence[int], topics: Sequence[Mapping[str, Any]]) -> list[int]:
    """Indices of ``topics`` from the bottom band up: by the mean year of their
    dated papers (older first), then id; topics without dated papers last.

    >>> stack_order([2000, 2001], [{"id": 1, "counts": [0, 4]}, {"id": 2, "counts": [3, 1]}])
    [1, 0]
    """
    def key(i: int) -> tuple:
        counts = topics[i]["counts"]
        n = sum(counts)
        mean = sum(y * c for y, c in zip(years, counts)) / n if n else float("inf")
        return (mean, topics[i]["id"])

    return sorted(range(len(topics)), key=key)


def _ticks(peak: float) -> list[int]:
    """Round tick values up to ``peak``: steps of 1, 2 or 5 times a power of ten.

    >>> _ticks(3312)
    [1000, 2000, 3000]
    """
    raw = peak / 5
    power = 10 ** max(0, len(str(int(raw))) - 1)
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return list(range(step, int(peak) + 1, step))


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _short(label: str, limit: int = _LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip(" ,;") + "…"


def _span(burst: Mapping[str, Any]) -> str:
    """A burst's years, short: ``1998–2000`` -> "1998–00", one year -> "1998".

    >>> _span({"start": 1998, "end": 2000}), _span({"start": 1998, "end": 1998})
    ('1998–00', '1998')
    """
    start, end = int(burst["start"]), int(burst["end"])
    return str(start) if start == end else f"{start}–{str(end)[-2:]}"


def _keyword_mark(k: Mapping[str, Any], index: Mapping[int, int], x, y, base: Sequence[float],
                  top: Sequence[float], n: int) -> str:
    """The keyword written inside its topic's band in the middle of its burst, when
    the band is tall enough there; "" otherwise."""
    i0, i1 = index.get(k["burst"]["start"]), index.get(k["burst"]["end"])
    if i0 is None or i1 is None or n < 2:
        return ""
    i = max(range(i0, i1 + 1), key=lambda j: (top[j] - base[j], -j))
    if y(base[i]) - y(top[i]) < 3 * _LABEL_MIN_PX:  # room beside the topic label
        return ""
    anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
    return (f'<text x="{x(i):.1f}" y="{y(top[i]) + _LABEL_MIN_PX:.1f}" text-anchor="{anchor}" class="kwmark">'
            f'{_e(_short(str(k["label"]), 24))} {_span(k["burst"])}</text>')


def timeline_html(
    years: Sequence[int],
    topics: Sequence[Mapping[str, Any]],
    *,
    undated: int = 0,
    params: Mapping[str, float] | None = None,
    prefix: str = "/viz",
    keywords: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
) -> str:
    """The page for ``topics`` (each with ``id``, ``label``, ``size``,
    ``counts`` aligned with ``years``, ``bursts``), self-contained.

    ``prefix`` is where the viz pages are served: a band links to
    ``{prefix}/communities/{id}``. ``keywords``: topic id -> its bursting
    keywords, strongest first, each ``{"label", "burst": {"start", "end",
    "strength"}}``.
    """
    keywords = keywords or {}
    prefix = prefix.rstrip("/")
    order = stack_order(years, topics)
    n = len(years)
    totals = [sum(t["counts"][i] for t in topics) for i in range(n)]
    peak = max(totals, default=0) or 1
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(i: float) -> float:
        return _LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return _TOP + plot_h - plot_h * v / peak

    base = [0] * n
    bands, marks, labels, legend = [], [], [], []
    drawn = bursts_drawn = keyword_lists = 0
    kw_marks: list[str] = []
    for idx in order:
        t = topics[idx]
        counts = t["counts"]
        colour = community_color(int(t["id"]))  # the topic's colour on every page
        top = [b + c for b, c in zip(base, counts)]
        href = _e(f"{prefix}/communities/{int(t['id'])}")
        label = str(t["label"] or f"topic {t['id']}")
        burst_text = "; ".join(f"burst {b['start']}–{b['end']} (strength {b['strength']:.1f})" for b in t["bursts"])
        tip = f"#{t['id']} {label}: {sum(counts):,} dated papers" + (f"; {burst_text}" if burst_text else "")
        if sum(counts) and n:
            pts = [f"{x(i):.1f},{y(top[i]):.1f}" for i in range(n)]
            pts += [f"{x(i):.1f},{y(base[i]):.1f}" for i in range(n - 1, -1, -1)]
            if n == 1:  # one year: a bar, not a line
                pts = [f"{x(0) - 20:.1f},{y(top[0]):.1f}", f"{x(0) + 20:.1f},{y(top[0]):.1f}",
                       f"{x(0) + 20:.1f},{y(0):.1f}", f"{x(0) - 20:.1f},{y(0):.1f}"]
            bands.append(f'<a href="{href}" class="band" data-id="{int(t["id"])}"><polygon points="{" ".join(pts)}" '
                         f'fill="{colour}"><title>{_e(tip)}</title></polygon></a>')
            drawn += 1
            widest = max(range(n), key=lambda i: (counts[i], -i))
            px = y(base[widest]) - y(top[widest])
            if px >= _LABEL_MIN_PX:
                size = min(15, int(px * 0.8))
                # centred on its widest year, slid to stay inside the plot (0.6 em: a wide estimate)
                half = len(_short(label)) * size * 0.3
                cx = min(max(x(widest), _LEFT + half), _W - _RIGHT - half)
                labels.append(f'<text x="{cx:.1f}" y="{(y(top[widest]) + y(base[widest])) / 2:.1f}" '
                              f'text-anchor="middle" dominant-baseline="middle" font-size="{size}" '
                              f'class="label">{_e(_short(label))}</text>')
            index = {yr: i for i, yr in enumerate(years)}
            for b in t["bursts"]:
                i0, i1 = index.get(b["start"]), index.get(b["end"])
                if i0 is None or i1 is None:
                    continue
                line = " ".join(f"{x(i):.1f},{y(top[i]):.1f}" for i in range(i0, i1 + 1))
                if i0 == i1:
                    line = f"{x(i0) - 6:.1f},{y(top[i0]):.1f} {x(i0) + 6:.1f},{y(top[i0]):.1f}"
                marks.append(f'<polyline class="burst" points="{line}"><title>{_e(tip)}</title></polyline>')
                bursts_drawn += 1
            for k in list(keywords.get(int(t["id"]), ()))[:1]:
                kw_marks.append(_keyword_mark(k, index, x, y, base, top, n))
        base = top
        flag = f' <span class="b">▲ {_e(burst_text)}</span>' if burst_text else ""
        kws = list(keywords.get(int(t["id"]), ()))
        kw_items = "".join(f'<li class="kw">{_e(k["label"])} <span class="y">{_span(k["burst"])}</span></li>'
                           for k in kws)
        kw_list = f'<ul class="kws" title="Bursting keywords, strongest first">{kw_items}</ul>' if kws else ""
        keyword_lists += bool(kws)
        legend.append(f'<li><a href="{href}"><span class="sw" style="background:{colour}"></span>'
                      f'#{int(t["id"])} {_e(label)}</a> <span class="n">{int(t["size"]):,}</span>{flag}'
                      f'{kw_list}</li>')
    axis = [f'<line x1="{_LEFT}" y1="{y(0):.1f}" x2="{_W - _RIGHT}" y2="{y(0):.1f}" class="axis"/>']
    step = max(1, (n + 11) // 12)
    for i in range(0, n, step):
        axis.append(f'<text x="{x(i):.1f}" y="{_H - _BOTTOM + 20}" text-anchor="middle" class="tick">'
                    f'{int(years[i])}</text>')
    for v in _ticks(peak):
        axis.append(f'<line x1="{_LEFT}" y1="{y(v):.1f}" x2="{_W - _RIGHT}" y2="{y(v):.1f}" class="grid"/>'
                    f'<text x="{_LEFT - 6}" y="{y(v):.1f}" text-anchor="end" dominant-baseline="middle" '
                    f'class="tick">{v:,}</text>')
    params = params or {}
    span = f"{years[0]}–{years[-1]}" if years else "no dated papers"
    note = (f"{sum(totals):,} dated papers, {span}; {len(topics)} topics, oldest at the bottom. "
            f"Dark lines: bursts (Kleinberg, s={params.get('s', '?')}, γ={params.get('gamma', '?')}).")
    if undated:
        note += f" {undated:,} papers without a year are not drawn."
    if n > 1 and totals[-1] * 2 < totals[-2]:
        note += (f" {years[-1]} has {totals[-1]:,} papers, under half of {years[-2]}'s {totals[-2]:,}: "
                 "probably a year not yet complete in this corpus, not a collapse of the field.")
    nonce = secrets.token_urlsafe(16)
    csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    empty = "" if drawn else '<p class="empty">No topic has a dated paper yet: nothing to draw.</p>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">
<title>Topics over time</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 12px 16px; color: #222; }}
h1 {{ font-size: 20px; margin: 0 0 4px; }} .note {{ color: #555; margin: 0 0 8px; }}
.row {{ display: flex; gap: 12px; align-items: flex-start; }}
svg {{ flex: none; }} .band polygon {{ stroke: #fff; stroke-width: .6; }}
.band:hover polygon {{ filter: brightness(1.12); stroke: #222; }}
.label {{ fill: #111; pointer-events: none; paint-order: stroke; stroke: rgba(255,255,255,.75); stroke-width: 3px; }}
.burst {{ fill: none; stroke: #111; stroke-width: 4; stroke-linecap: round; }}
.axis {{ stroke: #444; }} .grid {{ stroke: #ddd; }} .tick {{ font-size: 12px; fill: #444; }}
ol {{ list-style: none; margin: 0; padding: 0; max-height: {_H}px; overflow-y: auto; font-size: 13px; flex: 1; }}
li {{ margin: 2px 0; }} li a {{ color: #1a1a1a; text-decoration: none; }} li a:hover {{ text-decoration: underline; }}
.sw {{ display: inline-block; width: 11px; height: 11px; margin-right: 5px; vertical-align: -1px; }}
.n {{ color: #777; }} .b {{ color: #8a1c00; font-size: 12px; }}
.kws {{ list-style: none; margin: 1px 0 5px 16px; padding: 0; color: #444; font-size: 12px; }}
.kws li {{ display: inline; margin: 0 8px 0 0; }} .kws .y {{ color: #8a1c00; }}
.kwmark {{ font-size: 11px; font-style: italic; fill: #111; pointer-events: none; paint-order: stroke;
  stroke: rgba(255,255,255,.8); stroke-width: 3px; }}
</style></head>
<body>
<h1>Topics over time</h1>
<p class="note">{_e(note)} Click a band or a name to open the topic.</p>
{empty}
<div class="row">
<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" role="img"
 aria-label="Papers per year per topic">
{"".join(axis)}
{"".join(bands)}
{"".join(marks)}
{"".join(labels)}
{"".join(m for m in kw_marks if m)}
</svg>
<ol class="legend" title="Topics from the newest (top band) down">{"".join(reversed(legend))}</ol>
</div>
<script nonce="{nonce}">
window.citegraph = {{ready: true, topics: {len(topics)}, bands: {drawn}, bursts: {bursts_drawn},
  labels: {len(labels)}, keyword_lists: {keyword_lists}, keyword_marks: {sum(1 for m in kw_marks if m)}}};
document.body.dataset.ready = "1";
</script>
</body></html>
"""
