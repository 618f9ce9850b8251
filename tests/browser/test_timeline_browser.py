"""The timeline page (GET /viz/timeline) in a real headless Chromium: drawn,
every dated topic a band, nothing fetched from elsewhere, a click on a band
opens the topic's page; a topic's bursting keywords listed under it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import chromium
from tests.browser.conftest import serve


def test_timeline_page_draws_every_topic_and_a_band_opens_its_topic(browser, tiny_api, tiny_store):
    state = chromium.open_page(browser, f"{tiny_api}/viz/timeline")
    assert not chromium.alert_open(browser)
    assert chromium.severe_logs(browser) == []
    topics = tiny_store.communities(level=0)
    assert state["topics"] == len(topics) and state["bands"] == len(topics)
    bands = browser.find_elements(By.CSS_SELECTOR, "a.band polygon")
    assert len(bands) == len(topics)
    box = browser.execute_script("return document.querySelector('a.band polygon').getBBox().height")
    assert box > 5  # a band with height, not a line
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(tiny_api))
    assert all(u.startswith(origin + "/") for u in chromium.resources(browser))
    target = browser.find_element(By.CSS_SELECTOR, "a.band").get_attribute("data-id")
    browser.execute_script("document.querySelector('a.band').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    WebDriverWait(browser, 30).until(lambda d: d.current_url.endswith(f"/viz/communities/{target}"))
    assert chromium.severe_logs(browser) == []


@pytest.fixture(scope="module")
def bursting_api(tmp_path_factory):
    """The tiny graph plus six 2021 papers holding "graph" (topic 0's keyword):
    "graph" bursts in 2021."""
    from graph.models import DerivedGraph, Keyword, KeywordScore, Paper
    from graph.stores.sqlite import SQLiteStore
    from tests.viz_support import load_tiny_graph

    store = SQLiteStore(tmp_path_factory.mktemp("bursting") / "tiny.db")
    store.open()
    load_tiny_graph(store)
    extra = [Paper(id=f"burst{i}", title=f"Graph paper {i}", year=2021) for i in range(6)]
    store.upsert_papers(extra)
    store.add_derived(DerivedGraph(
        keywords=(Keyword("graph", 8),),
        has_keyword=tuple(KeywordScore(p.id, "graph", 0.5) for p in extra), similar=(), shares_keywords=(),
        cites=()))
    try:
        with serve(store) as url:
            yield url, store
    finally:
        store.close()


def test_timeline_lists_a_topics_bursting_keywords(browser, bursting_api):
    from api.timeline import load_timeline, topic_keywords

    url, store = bursting_api
    expected = topic_keywords(load_timeline(store))
    assert [k["label"] for k in expected[0]] == ["graph"]  # the fixture's burst, or this test proves nothing
    state = chromium.open_page(browser, f"{url}/viz/timeline")
    assert chromium.severe_logs(browser) == []
    assert state["keyword_lists"] == len(expected) == 1
    item = browser.find_element(By.CSS_SELECTOR, "ul.kws li.kw")
    assert item.is_displayed() and item.text.startswith("graph ")
    burst = expected[0][0]["burst"]
    assert str(burst["start"]) in item.text
    owner = item.find_element(By.XPATH, "ancestor::li[1]/a").get_attribute("href")
    assert owner.endswith("/viz/communities/0")
