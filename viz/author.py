"""The author page (``/viz/authors/{id}``): who an author is in this corpus.

One server-side HTML page from the answer of ``GET /authors/{id}``: the author's
topics (each a link to its community page, with a bar of how many of the
author's papers it holds), the papers newest first (each a link to its paper
page), and the co-authors by papers shared (each a link to their own page). The
page loads nothing and runs no script; every text is HTML-escaped.
"""

from __future__ import annotations

import html
from typing import Any, Mapping
from urllib.parse import quote

from viz.render import community_color

__all__ = ["author_html"]


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _href(kind: str, key: Any) -> str:
    return _e(f"/viz/{kind}/{quote(str(key), safe='')}")


def author_html(detail: Mapping[str, Any]) -> str:
    """The page of one author (``detail`` as :func:`api.people.author_detail` gives it).

    >>> page = author_html({"id": "name:a <b>", "name": "A <b>", "orcid": None, "paper_count": 1,
    ...                     "papers": [{"id": "p:1", "title": "T", "year": 2001, "position": 0, "community": 3}],
    ...                     "coauthors": [], "topics": [{"id": 3, "label": "x & y", "papers": 1}]})
    >>> "A &lt;b&gt;" in page and "/viz/papers/p%3A1" in page and "x &amp; y" in page
    True
    """
    name = detail["name"]
    orcid = detail.get("orcid")
    papers = detail.get("papers") or []
    topics = detail.get("topics") or []
    coauthors = detail.get("coauthors") or []
    most = max((t["papers"] for t in topics), default=1) or 1
    topic_rows = "\n".join(
        f'<li><a href="{_href("communities", t["id"])}">{_e(t["label"] or "topic " + str(t["id"]))}</a>'
        f'<span class="bar" style="width:{round(120 * t["papers"] / most)}px;background:{community_color(t["id"])}"></span>'
        f'<span class="n">{t["papers"]}</span></li>'
        for t in topics) or "<li class=\"none\">No topic yet (run citegraph analyze).</li>"
    paper_rows = "\n".join(
        f'<li><span class="year">{_e(p["year"] if p.get("year") is not None else "")}</span>'
        f'<a href="{_href("papers", p["id"])}">{_e(p["title"])}</a>'
        + (f' <span class="pos">author {p["position"]}</span>' if p.get("position") is not None else "")
        + "</li>"
        for p in papers) or "<li class=\"none\">No papers.</li>"
    coauthor_rows = "\n".join(
        f'<li><a href="{_href("authors", c["id"])}">{_e(c["name"])}</a>'
        f'<span class="n">{c["shared"]} shared of {c["papers"]}</span></li>'
        for c in coauthors) or "<li class=\"none\">No co-authors in this corpus.</li>"
    # author_detail lists the co-authors sharing most papers, up to its limit (50).
    co_count = f"{len(coauthors)}+" if len(coauthors) >= 50 else str(len(coauthors))
    shown = len(papers)
    count = detail.get("paper_count", shown)
    more = f" (the {shown} newest shown)" if count > shown else ""
    orcid_line = (f'<p class="orcid">ORCID <a href="https://orcid.org/{_e(quote(orcid, safe="-X"))}">{_e(orcid)}</a></p>'
                  if orcid else "")
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(name)} - citegraph</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2430; background: #fafbfc; }}
header {{ padding: 18px 28px; background: #fff; border-bottom: 1px solid #dde2e8; }}
header a.home {{ color: #4e79a7; text-decoration: none; font-size: 13px; }}
h1 {{ margin: 6px 0 2px; font-size: 26px; }}
.sub {{ color: #5a6573; margin: 0; }}
main {{ display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 28px; padding: 20px 28px; }}
h2 {{ font-size: 15px; text-transform: uppercase; letter-spacing: .04em; color: #5a6573; margin: 18px 0 8px; }}
ul {{ list-style: none; padding: 0; margin: 0; }}
li {{ padding: 5px 0; border-bottom: 1px solid #eef1f4; }}
a {{ color: #1f4e89; }}
.year {{ display: inline-block; width: 3.2em; color: #5a6573; font-variant-numeric: tabular-nums; }}
.pos, .n {{ color: #7a8493; font-size: 12px; margin-left: 8px; }}
.bar {{ display: inline-block; height: 9px; background: #4e79a7; margin-left: 10px; border-radius: 2px; }}
.none {{ color: #7a8493; }}
.orcid {{ margin: 4px 0 0; font-size: 13px; }}
</style>
</head>
<body data-author="{_e(detail["id"])}">
<header>
<a class="home" href="/viz">&larr; map of the field</a>
<h1>{_e(name)}</h1>
<p class="sub">{count} paper{"s" if count != 1 else ""} in this corpus{more}, {co_count} co-author{"s" if len(coauthors) != 1 else ""}, {len(topics)} topic{"s" if len(topics) != 1 else ""}</p>
{orcid_line}
</header>
<main>
<section>
<h2>Papers, newest first</h2>
<ul class="papers">
{paper_rows}
</ul>
</section>
<section>
<h2>Topics</h2>
<ul class="topics">
{topic_rows}
</ul>
<h2>Co-authors</h2>
<ul class="coauthors">
{coauthor_rows}
</ul>
</section>
</main>
</body>
</html>
"""
