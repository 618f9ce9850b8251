"""The timeline page (GET /viz/timeline) in a real headless Chromium: drawn,
every dated topic a band, nothing fetched from elsewhere, a click on a band
opens the topic's page."""

from __future__ import annotations

from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import chromium


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
