"""The corpus map (GET /viz) in a real headless Chromium.

On the sample corpus and on citeseer (3,186 papers, built in seconds): every
paper drawn, at least one label per topic at the first zoom, no two label boxes
overlapping at any zoom (boxes measured in the page), ``?paper=`` and
``?community=`` open focused, a click opens the side panel, nothing fetched
from another origin. On the tiny graph: hostile titles stay text on the canvas
labels, in the side panel and in the search results.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from tests.browser import chromium
from tests.browser.conftest import DATASETS, build_store, serve
from tests.viz_support import A, B, XSS


def body(browser) -> dict:
    return browser.execute_script("return Object.assign({}, document.body.dataset)")


def open_map(browser, url: str) -> dict:
    state = chromium.open_page(browser, url)
    time.sleep(0.2)  # a broken <img onerror> or a late script would run now
    assert not chromium.alert_open(browser), url
    assert chromium.severe_logs(browser) == [], url
    hooks = body(browser)
    assert hooks["ready"] == "1" and int(hooks["readyMs"]) > 0
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    assert all(u.startswith(origin + "/") for u in chromium.resources(browser)), chromium.resources(browser)
    return state


def labels(browser) -> list[dict]:
    return browser.execute_script("return window.citegraphMap.labelBoxes()")


def overlaps(browser) -> list:
    return browser.execute_script("return window.citegraphMap.overlappingLabels()")


def check_map(browser, base: str, store, shot: Path, *, min_subs: int = 0) -> None:
    papers = store.counts()["papers"]
    topics = [c for c in store.communities() if getattr(c, "level", 0) == 0]
    open_map(browser, f"{base}/viz")
    hooks = body(browser)
    assert int(hooks["nodes"]) == papers
    boxes = labels(browser)
    assert int(hooks["labels"]) == len(boxes) > 0
    assert overlaps(browser) == []
    # every topic labelled at the first zoom: its label's first terms (as many as fit beside its papers)
    data = browser.execute_script("return window.citegraphMap.data.topics.map(function (t) { return t[2]; })")
    assert len(data) == len(topics)
    shown = {int(b["ref"][1:]): b["text"] for b in boxes if b["kind"] == "topic"}
    assert sorted(shown) == list(range(len(topics))), shown
    assert all((data[k] + ", ").startswith(text + ", ") for k, text in shown.items()), shown
    # subtopic labels already at the first zoom (as many as fit), each smaller than every topic label
    subs = [b for b in boxes if b["kind"] == "sub"]
    assert len(subs) >= min_subs, [b["text"] for b in subs]
    assert all(s["h"] < t["h"] for s in subs for t in boxes if t["kind"] == "topic")
    assert not [b for b in boxes if b["kind"] == "paper"]  # paper titles only zoomed in
    browser.save_screenshot(str(shot))
    for ratio in (0.5, 0.2, 0.06, 0.02):
        browser.execute_script("window.citegraphMap.zoom(arguments[0])", ratio)
        assert overlaps(browser) == [], ratio
        assert int(body(browser)["labels"]) == len(labels(browser))
        where = browser.execute_script("return document.getElementById('where').textContent")
        if ratio >= 0.35:
            assert where == "", (ratio, where)
        elif any(b["kind"] == "paper" for b in labels(browser)):  # papers in view: say where they are
            assert where.startswith("In view: "), (ratio, where)


def check_focus(browser, base: str, store) -> None:
    total, top = store.list_papers(sort="pagerank", limit=1, offset=5)
    target = top[0].paper.id
    open_map(browser, f"{base}/viz?paper={quote(target, safe='')}")
    hooks = body(browser)
    assert hooks["focus"] == target
    x, y = browser.execute_script("var p = window.citegraphMap.nodeViewport(arguments[0]); return [p.x, p.y];", target)
    size = browser.find_element(By.ID, "map").size
    assert abs(x - size["width"] / 2) < 2 and abs(y - size["height"] / 2) < 2  # centred
    title = browser.execute_script("return document.querySelector('#panel h2').textContent")
    assert title == " ".join((top[0].paper.title or top[0].paper.abstract).split())[:120].rstrip("…")[:len(title)]
    assert browser.find_element(By.ID, "panel").is_displayed()
    links = browser.execute_script("return Array.prototype.map.call(document.querySelectorAll('#panel a'), "
                                   "function (a) { return a.getAttribute('href'); })")
    assert f"/viz/papers/{quote(target, safe='')}" in links
    assert overlaps(browser) == [] and int(hooks["labels"]) > 0
    # the biggest topic, from the URL
    biggest = max(store.communities(), key=lambda c: (c.size, -c.id))
    open_map(browser, f"{base}/viz?community={biggest.id}")
    ratio = browser.execute_script("return window.citegraphMap.renderer.ratio()")
    assert ratio < 1.0
    assert overlaps(browser) == []


def test_seed_map(browser, seeds_store, seeds_api, screenshots):
    check_map(browser, seeds_api, seeds_store, screenshots / "seeds-map.png", min_subs=5)
    check_focus(browser, seeds_api, seeds_store)


def test_seed_map_search_click_and_colour_switch(browser, seeds_store, seeds_api):
    open_map(browser, f"{seeds_api}/viz")
    topic = seeds_store.communities()[0]
    found = chromium.search(browser, topic.label.split(",")[0])
    assert found["kind"] == "topic" and found["id"] == topic.id
    _, page = seeds_store.list_papers(sort="pagerank", limit=1, offset=3)
    paper = page[0].paper
    found = chromium.search(browser, paper.title[5:40])
    assert found == {"kind": "paper", "id": paper.id}
    assert body(browser)["focus"] == paper.id
    # a real click on another drawn paper (one alone on screen) opens its panel
    time.sleep(0.7)  # the camera glides to the found paper
    other = browser.execute_script(
        "var m = window.citegraphMap, d = m.data, dim = m.renderer.getDimensions(), pts = [];"
        "for (var i = 0; i < d.ids.length; i++) pts.push(m.renderer.graphToViewport({x: d.x[i], y: d.y[i]}));"
        "for (i = 0; i < d.ids.length; i++) { var p = pts[i];"
        "  if (d.ids[i] === arguments[0] || p.x < 380 || p.y < 80 || p.x > dim.width - 400 || p.y > dim.height - 80) continue;"
        "  var alone = pts.every(function (q, j) { return j === i || Math.hypot(q.x - p.x, q.y - p.y) > 14; });"
        "  if (alone) return d.ids[i]; }"
        "return null;", paper.id)
    assert other is not None
    x, y = browser.execute_script("var p = window.citegraphMap.nodeViewport(arguments[0]); return [p.x, p.y];", other)
    canvas = browser.find_element(By.ID, "map-canvas")
    ActionChains(browser).move_to_element_with_offset(canvas, int(x - canvas.size["width"] / 2),
                                                      int(y - canvas.size["height"] / 2)).click().perform()
    assert body(browser)["focus"] == other
    time.sleep(0.3)  # the authors and keywords come from GET /papers/{id}
    text = browser.find_element(By.ID, "panel").text
    assert "Keywords:" in text
    # colour by year and a year filter (the sample has no years: both controls hidden)
    years = [p.year for p in seeds_store.iter_papers() if p.year]
    assert browser.find_element(By.ID, "color-mode").is_displayed() == bool(years)
    if years:
        browser.find_element(By.CSS_SELECTOR, "#color-mode option[value=year]").click()
        lo = max(years)
        browser.execute_script("var f = document.getElementById('year-from'); f.value = arguments[0];"
                               "f.dispatchEvent(new Event('change'));", lo)
        assert int(body(browser)["nodes"]) == sum(1 for y in years if y >= lo)
    assert chromium.severe_logs(browser) == []


def test_hostile_titles_stay_text(browser, tiny_api):
    open_map(browser, f"{tiny_api}/viz?paper={B}")
    assert browser.execute_script("return document.querySelector('#panel h2').textContent") == XSS
    texts = [b["text"] for b in labels(browser)]
    assert XSS in texts  # the canvas label, as text
    found = chromium.search(browser, "<img src=x")
    assert found == {"kind": "paper", "id": B}
    browser.find_element(By.ID, "search-input").send_keys(" ")
    items = browser.execute_script("return Array.prototype.map.call(document.querySelectorAll('#search-results li'), "
                                   "function (l) { return l.textContent; })")
    assert any(XSS in t for t in items)
    time.sleep(0.3)
    assert not chromium.alert_open(browser)
    assert browser.execute_script("return document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert browser.execute_script("return document.scripts.length") == 3
    assert chromium.severe_logs(browser) == []
    # colour by year, then keep 2010 and later: a 2020, b 2021, doi 2010, f 2015
    browser.find_element(By.CSS_SELECTOR, "#color-mode option[value=year]").click()
    browser.execute_script("var f = document.getElementById('year-from'); f.value = 2010;"
                           "f.dispatchEvent(new Event('change'));")
    assert body(browser)["nodes"] == "4"
    assert chromium.severe_logs(browser) == []
    open_map(browser, f"{tiny_api}/viz?paper={A}")
    assert "Ada Lovelace" in browser.find_element(By.ID, "panel").text or time.sleep(0.5) or \
        "Ada Lovelace" in browser.find_element(By.ID, "panel").text


@pytest.mark.slow
def test_citeseer_map(browser, tmp_path_factory, screenshots):
    papers, citations = DATASETS["citeseer"]
    store = build_store(tmp_path_factory.mktemp("citeseer-map") / "citeseer.db", papers, citations)
    try:
        with serve(store) as base:
            check_map(browser, base, store, screenshots / "citeseer-map.png", min_subs=20)
            check_focus(browser, base, store)
    finally:
        store.close()
