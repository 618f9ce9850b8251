"""The author page (GET /viz/authors/{id}) in a real headless Chromium: it loads
nothing from elsewhere, logs no error, and its links open the co-author's page
and the paper's page."""

from __future__ import annotations

from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from graph.authors import authorship
from graph.models import AnalysisResult, Community, PaperScores
from graph.stores.sqlite import SQLiteStore
from tests.browser import chromium
from tests.browser.conftest import serve
from tests.test_authors import PAPERS


def test_author_page_links_open_the_coauthor_and_the_paper(browser, tmp_path):
    store = SQLiteStore(tmp_path / "authors.db")
    store.open()
    try:
        store.upsert_papers(PAPERS)
        store.replace_authorship(authorship(PAPERS))
        store.write_analysis(AnalysisResult(
            (Community(0, 2, "engines", ("engine",), 0.3, ("p1",)),),
            (PaperScores("p1", 0, 1.0, 0.3, 0.0, 0.0), PaperScores("p3", 0, 1.0, 0.2, 0.0, 0.0)), 0.3))
        with serve(store) as url:
            browser.get(f"{url}/viz/authors/name:charles%20babbage")
            WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "ul.papers li"))
            assert browser.find_element(By.TAG_NAME, "h1").text == "Charles Babbage"
            assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ul.papers a")] == [
                "Analytical engines", "Difference engines"]
            assert browser.find_element(By.CSS_SELECTOR, "ul.topics .bar").size["width"] > 50
            assert chromium.severe_logs(browser) == []
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
            assert all(u.startswith(origin + "/") for u in chromium.resources(browser))

            browser.find_element(By.LINK_TEXT, "Mary Somerville").click()
            WebDriverWait(browser, 30).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Mary Somerville")
            browser.find_element(By.LINK_TEXT, "Difference engines").click()
            WebDriverWait(browser, 60).until(lambda d: d.current_url.endswith("/viz/papers/p3"))
            assert chromium.severe_logs(browser) == []
    finally:
        store.close()
