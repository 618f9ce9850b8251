"""Every kind of viz page in a real headless Chromium.

For each page: no JavaScript error or CSP violation in the console, the number
of nodes and edges vis-network holds equals what :mod:`viz.data` says, nothing
is fetched from the network, no dialog opens, and a screenshot goes to
``artifacts/screenshots/``. Plus: search, neighbour highlighting on click,
double-click to the paper page, and the XSS title shown as text.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.browser import chromium
from tests.browser.conftest import DATASETS, build_store, serve
from tests.viz_support import A, B, D, F, H, XSS
from viz.data import GraphSnapshot, community_data, overview_data, paper_data
from viz.page_model import PageData
from viz.pages import write_site


def check_page(browser, url: str, page: PageData, shot: Path, *, offline_files: bool = False) -> dict:
    """Open ``url``, wait until drawn, and check it against ``page``."""
    state = chromium.open_page(browser, url)
    time.sleep(0.2)  # give a broken <img onerror> or a late script the chance to run
    assert not chromium.alert_open(browser), f"a dialog opened on {url}"
    assert chromium.severe_logs(browser) == [], url
    assert state["errors"] == []
    assert state["kind"] == page.kind
    assert (state["nodes"], state["edges"]) == (len(page.nodes), len(page.edges)), url
    assert state["expected"] == {"nodes": len(page.nodes), "edges": len(page.edges)}
    loaded = chromium.resources(browser)
    if offline_files:
        assert all(u.startswith("file://") for u in loaded), loaded
    else:
        assert loaded == [], loaded  # everything is inline: nothing fetched at all
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    return state


# --- the tiny hand-made graph --------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_sites(tiny_store, tmp_path_factory):
    """The tiny graph written as two static sites: papers one by one, and (budget 3)
    a community map."""
    out = tmp_path_factory.mktemp("tiny-sites")
    write_site(tiny_store, out / "papers")
    write_site(tiny_store, out / "map", node_budget=3)
    return out, GraphSnapshot.load(tiny_store)


def site_paper(out: Path, paper_id: str, site: str = "papers") -> str:
    """The static site's one paper page, showing ``paper_id``."""
    return (out / site / "paper.html").as_uri() + "?id=" + quote(paper_id, safe="")


@pytest.mark.parametrize("name, path, make", [
    ("overview", "papers/index.html", lambda s: overview_data(s)),
    ("map", "map/index.html", lambda s: overview_data(s, node_budget=3)),
    ("community", "papers/communities/0.html", lambda s: community_data(s, 0)),
    ("paper", H, lambda s: paper_data(s, H)),
    ("paper-isolated", "g", lambda s: paper_data(s, "g")),
])
def test_static_site_pages(browser, tiny_sites, screenshots, name, path, make):
    out, snap = tiny_sites
    url = site_paper(out, path) if name.startswith("paper") else (out / path).as_uri()
    check_page(browser, url, make(snap), screenshots / f"tiny-site-{name}.png", offline_files=True)


def _hooks(browser) -> dict:
    return browser.execute_script(
        "var o = {}; for (var a of document.body.attributes) { o[a.name] = a.value; } return o;")


def test_pages_report_their_state_on_body(browser, tiny_api, tiny_sites, tiny_store):
    snap = GraphSnapshot.load(tiny_store)
    out, _ = tiny_sites
    for url, page in ((f"{tiny_api}/viz/communities/0", community_data(snap, 0)),
                      (f"{tiny_api}/viz/papers/{B}", paper_data(snap, B)),
                      (site_paper(out, B), paper_data(snap, B))):
        chromium.open_page(browser, url)
        hooks = _hooks(browser)
        assert hooks["data-ready"] == "1", url
        assert (int(hooks["data-nodes"]), int(hooks["data-edges"])) == (len(page.nodes), len(page.edges)), url
        assert hooks["data-kinds"] == ",".join(sorted({e.kind for e in page.edges})), url
        assert hooks["data-focus"] == (page.focus or ""), url
        assert int(hooks["data-labels"]) == sum(1 for n in page.nodes if n.id in set(page.labelled or ())), url
        assert float(hooks["data-ready-ms"]) >= 0
    # the static paper page lists related papers, prior and derivative works, as text
    chromium.open_page(browser, site_paper(out, B))
    related = browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('#list-related li a'), "
        "function (a) { return [a.textContent, a.getAttribute('href')]; })")
    assert related == [["Graph neural networks for citation graphs", "paper.html?id=a"],
                       ["Ünïcode — “quotes” & ampersands", "paper.html?id=f"]]


def test_static_paper_page_names_a_missing_paper(browser, tiny_sites):
    out, _ = tiny_sites
    browser.get(site_paper(out, "no such paper"))
    deadline = time.monotonic() + 20
    while not browser.execute_script("return document.body.getAttribute('data-error')") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert browser.execute_script("return document.body.getAttribute('data-error')") == (
        "No paper with id no such paper in this site.")


def test_served_pages(browser, tiny_api, tiny_store, screenshots):
    snap = GraphSnapshot.load(tiny_store)
    check_page(browser, f"{tiny_api}/viz/overview", overview_data(snap), screenshots / "tiny-api-overview.png")
    check_page(browser, f"{tiny_api}/viz/communities/1", community_data(snap, 1),
               screenshots / "tiny-api-community.png")
    check_page(browser, f"{tiny_api}/viz/papers/{quote(D, safe='')}", paper_data(snap, D),
               screenshots / "tiny-api-paper.png")
    check_page(browser, f"{tiny_api}/viz/papers/{quote(D, safe='')}?hops=1", paper_data(snap, D),
               screenshots / "tiny-api-paper-1hop.png")


def test_xss_title_renders_as_text(browser, tiny_api, tiny_sites, tiny_store, screenshots):
    snap = GraphSnapshot.load(tiny_store)
    out, _ = tiny_sites
    pages = [
        (f"{tiny_api}/viz/papers/{B}", paper_data(snap, B), False),
        (f"{tiny_api}/viz/overview", overview_data(snap), False),
        (f"{tiny_api}/viz/communities/0", community_data(snap, 0), False),
        (site_paper(out, B), paper_data(snap, B), True),
    ]
    for i, (url, page, files) in enumerate(pages):
        check_page(browser, url, page, screenshots / f"xss-{i}.png", offline_files=files)
        assert browser.execute_script("return document.images.length") == 0  # no <img> was created
        # the hover card shows the title verbatim, as text: no element but the card's own divs
        card = chromium.hover_node(browser, B)
        assert card["title"] == XSS and set(card["tags"]) == {"DIV"}
        assert "Year: 2021" in card["text"] and "Community 0: graph · neural" in card["text"]
        chromium.search(browser, XSS)
        assert browser.execute_script("return window.citegraph.found.node") == B
        info = browser.execute_script("return document.getElementById('info').textContent")
        assert XSS in info
        assert not chromium.alert_open(browser)
    heading = browser.execute_script("return document.getElementById('heading').textContent")
    assert heading == f"Paper: {XSS}"


def test_search_highlight_and_click_through(browser, tiny_api, tiny_store, screenshots):
    chromium.open_page(browser, f"{tiny_api}/viz/overview")
    found = chromium.search(browser, "topic models for")
    assert found["node"] == D and found["text"] == "Topic models for the rest of us"
    assert browser.execute_script("return window.citegraphNetwork.getSelectedNodes()") == [D]
    assert chromium.search(browser, "no such paper at all") is None
    assert browser.execute_script("return document.getElementById('search-status').textContent") == "No match"

    chromium.click_node(browser, A)
    state = browser.execute_script("return window.citegraph")
    assert state["selected"] == A and state["neighbours"] == 3  # b, hep-th/9901001, f
    dimmed = browser.execute_script(
        "var ds = window.citegraphNetwork.body.data.nodes;"
        "return ds.get().filter(function (n) { return String(n.color).indexOf('rgba(200') === 0; })"
        ".map(function (n) { return n.id; }).sort();")
    assert dimmed == sorted([D, "e", "g"])
    browser.save_screenshot(str(screenshots / "tiny-highlight.png"))
    assert browser.execute_script("return document.getElementById('info-link').getAttribute('href')") == "/viz/papers/a"

    chromium.click_node(browser, F, double=True)
    deadline = time.monotonic() + 30
    while urlsplit(browser.current_url).path != "/viz/papers/f" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert urlsplit(browser.current_url).path == "/viz/papers/f"
    state = chromium.open_page(browser, browser.current_url)
    expected = paper_data(GraphSnapshot.load(tiny_store), F)
    assert state["kind"] == "paper" and (state["nodes"], state["edges"]) == (len(expected.nodes), len(expected.edges))
    assert chromium.severe_logs(browser) == []


def test_map_search_focuses_the_community_of_a_paper(browser, tiny_sites):
    out, _ = tiny_sites
    chromium.open_page(browser, (out / "map" / "index.html").as_uri())
    found = chromium.search(browser, "Strings & branes")
    assert found["node"] == "community:0"
    link = browser.execute_script(
        "var a = document.querySelectorAll('#info a'); return a[a.length - 1].getAttribute('href');")
    assert link == "paper.html?id=hep-th%2F9901001"
    chromium.click_node(browser, "community:1", double=True)
    deadline = time.monotonic() + 30
    while not browser.current_url.endswith("/communities/1.html") and time.monotonic() < deadline:
        time.sleep(0.05)
    state = chromium.open_page(browser, browser.current_url)
    assert state["kind"] == "community" and state["nodes"] == 3


# --- real corpora ------------------------------------------------------------------------


def check_corpus(browser, base: str, store, name: str, screenshots: Path) -> None:
    """Overview, the largest community and the top paper of a served corpus."""
    snap = GraphSnapshot.load(store)
    overview = overview_data(snap)
    check_page(browser, f"{base}/viz/overview", overview, screenshots / f"{name}-overview.png")
    biggest = max(snap.communities, key=lambda c: (c.size, -c.id))
    check_page(browser, f"{base}/viz/communities/{biggest.id}", community_data(snap, biggest.id),
               screenshots / f"{name}-community-{biggest.id}.png")
    top = snap.papers[0].paper.id
    check_page(browser, f"{base}/viz/papers/{quote(top, safe='')}", paper_data(snap, top),
               screenshots / f"{name}-paper.png")
    # search: a paper drawn on the overview (papers) or listed for a community (map)
    chromium.open_page(browser, f"{base}/viz/overview")
    if overview.kind == "overview":
        target = overview.nodes[len(overview.nodes) // 2]
        found = chromium.search(browser, target.title)
        assert found["node"] == target.id
        assert browser.execute_script("return window.citegraphNetwork.getSelectedNodes()") == [target.id]
    else:
        entry = overview.search[len(overview.search) // 2]
        found = chromium.search(browser, entry.text)
        assert found["text"] == entry.text and found["node"] == entry.node
    browser.save_screenshot(str(screenshots / f"{name}-search.png"))
    assert chromium.severe_logs(browser) == []


def test_seed_pages(browser, seeds_store, seeds_api, screenshots):
    check_corpus(browser, seeds_api, seeds_store, "seeds", screenshots)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["citeseer", "hepth"])
def test_dataset_pages(browser, tmp_path_factory, screenshots, name):
    papers, citations = DATASETS[name]
    store = build_store(tmp_path_factory.mktemp(name) / f"{name}.db", papers, citations)
    try:
        with serve(store) as base:
            check_corpus(browser, base, store, name, screenshots)
    finally:
        store.close()
