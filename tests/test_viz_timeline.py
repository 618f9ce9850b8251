"""viz.timeline: the stacked-area page of topics over the years (issue 25 item 4)."""

from __future__ import annotations

import re

from tests.viz_support import XSS
from viz.timeline import stack_order, timeline_html

YEARS = [2000, 2001, 2002]
TOPICS = [
    {"id": 7, "label": XSS, "size": 30, "counts": [10, 10, 10], "bursts": []},
    {"id": 3, "label": "strings & branes", "size": 26, "counts": [0, 6, 20],
     "bursts": [{"start": 2002, "end": 2002, "strength": 5.5}]},
    {"id": 9, "label": "undated only", "size": 2, "counts": [0, 0, 0], "bursts": []},
]


def test_every_dated_topic_is_a_band_linking_to_its_page_and_bursts_are_marked():
    html = timeline_html(YEARS, TOPICS, undated=4, params={"s": 2.0, "gamma": 1.0}, prefix="/root/viz/")
    assert re.findall(r'<a href="([^"]+)" class="band"', html) == ["/root/viz/communities/7",
                                                                    "/root/viz/communities/3"]
    assert html.count('class="burst"') == 1 and "burst 2002–2002 (strength 5.5)" in html
    assert "4 papers without a year are not drawn" in html
    assert "s=2.0, γ=1.0" in html
    assert "bands: 2, bursts: 1" in html and "topics: 3" in html
    # the legend lists every topic, the undated-only one too, newest band first
    assert re.findall(r'<li><a href="[^"]+/communities/(\d+)"', html) == ["9", "3", "7"]


def test_labels_are_escaped_and_the_page_fetches_nothing():
    html = timeline_html(YEARS, TOPICS)
    assert XSS not in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "strings &amp; branes" in html
    assert len(re.findall(r"<script\b", html)) == 1
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "default-src &#x27;none&#x27;" in html  # the CSP, escaped in its attribute


def test_stack_order_oldest_topic_at_the_bottom():
    assert [TOPICS[i]["id"] for i in stack_order(YEARS, TOPICS)] == [7, 3, 9]


def test_nothing_dated_says_so():
    html = timeline_html([], [{"id": 0, "label": "x", "size": 1, "counts": [], "bursts": []}], undated=1)
    assert "nothing to draw" in html and "bands: 0" in html


def test_bursting_keywords_are_listed_under_their_topic_escaped_and_the_strongest_drawn():
    kws = {3: [{"label": "pp-wave <b>BMN</b>", "burst": {"start": 2001, "end": 2002, "strength": 9.0}},
               {"label": "tachyon", "burst": {"start": 2002, "end": 2002, "strength": 2.0}}],
           7: [{"label": XSS, "burst": {"start": 2000, "end": 2000, "strength": 1.0}}]}
    html = timeline_html(YEARS, TOPICS, keywords=kws)
    assert XSS not in html and "<b>BMN</b>" not in html
    lists = re.findall(r'<ul class="kws"[^>]*>(.*?)</ul>', html)
    assert len(lists) == 2 and "keyword_lists: 2" in html
    # topic 3 (newest band, listed first): strongest first, years shortened
    assert re.findall(r'<li class="kw">(.*?) <span', lists[0]) == ["pp-wave &lt;b&gt;BMN&lt;/b&gt;", "tachyon"]
    assert '<span class="y">2001–02</span>' in lists[0]
    # both bands are tall at their keyword's burst: the strongest keyword of each is written on it
    marks = re.findall(r'class="kwmark">([^<]*)</text>', html)
    assert len(marks) == 2 and marks[0].startswith("&lt;") and marks[0].endswith("… 2000")
    assert marks[1] == "pp-wave &lt;b&gt;BMN&lt;/b&gt; 2001–02" and "keyword_marks: 2" in html
    assert timeline_html(YEARS, TOPICS).count('class="kws"') == 0
