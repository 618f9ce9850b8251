"""Drive Debian's headless Chromium from the browser tests (and bench/viz_pages.py).

Nothing is downloaded: the driver is /usr/bin/chromedriver (Selenium Manager
never runs), the browser /usr/bin/chromium with networking features off and a
fresh profile. ``scripts/setup_test_env.py`` installs both packages.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", "--window-size=1400,900")


def start(profile_dir: str | Path | None = None) -> webdriver.Chrome:
    """A headless Chromium with a fresh profile (in ``profile_dir`` or a temp dir)."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        raise RuntimeError(f"{', '.join(missing)} missing: run scripts/setup_test_env.py "
                           "(apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ARGS:
        options.add_argument(arg)
    profile = Path(profile_dir) if profile_dir else Path(tempfile.mkdtemp(prefix="citegraph-chromium-"))
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(60)
    driver._citegraph_profile = profile  # removed by stop()
    return driver


def stop(driver: webdriver.Chrome) -> None:
    profile = getattr(driver, "_citegraph_profile", None)
    try:
        driver.quit()
    finally:
        if profile is not None:
            shutil.rmtree(profile, ignore_errors=True)


def open_page(driver: webdriver.Chrome, url: str, *, timeout: float = 60.0) -> dict[str, Any]:
    """Load ``url`` and wait until the page says its network is drawn and still
    (``window.citegraph.ready``). Returns ``window.citegraph`` plus ``seconds``
    (wall time from navigation to ready)."""
    t0 = time.perf_counter()
    driver.get(url)
    WebDriverWait(driver, timeout, poll_frequency=0.02).until(
        lambda d: d.execute_script("return !!(window.citegraph && window.citegraph.ready)"))
    state = driver.execute_script("return window.citegraph")
    state["seconds"] = time.perf_counter() - t0
    return state


def severe_logs(driver: webdriver.Chrome) -> list[dict]:
    """Browser console errors since the last call (JS errors, CSP violations, 404s)."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def alert_open(driver: webdriver.Chrome) -> bool:
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return False
    return True


def search(driver: webdriver.Chrome, text: str) -> dict | None:
    """Type ``text`` in the page's search box and press Enter; what it found."""
    box = driver.find_element(By.ID, "search-input")
    box.clear()
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    return driver.execute_script("return window.citegraph.found")


def node_screen_position(driver: webdriver.Chrome, node_id: str) -> tuple[float, float]:
    """Where a node is drawn, relative to the network's top-left corner."""
    return tuple(driver.execute_script(
        "var n = window.citegraphNetwork; var p = n.getPositions([arguments[0]])[arguments[0]];"
        "var d = n.canvasToDOM(p); return [d.x, d.y];", node_id))


def _pointer_on(driver: webdriver.Chrome, node_id: str) -> ActionChains:
    """Focus the node (so it is on screen) and move the mouse onto it."""
    driver.execute_script("window.citegraphNetwork.focus(arguments[0], {scale: 1.5, animation: false});", node_id)
    x, y = node_screen_position(driver, node_id)
    canvas = driver.find_element(By.CSS_SELECTOR, "#network canvas")
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(canvas, 0, 0).perform()  # leave any previous hover
    return ActionChains(driver).move_to_element_with_offset(canvas, int(x - size["width"] / 2),
                                                            int(y - size["height"] / 2))


def click_node(driver: webdriver.Chrome, node_id: str, *, double: bool = False) -> None:
    """A real mouse click on a drawn node."""
    actions = _pointer_on(driver, node_id)
    (actions.double_click() if double else actions.click()).perform()


def hover_node(driver: webdriver.Chrome, node_id: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """Rest the mouse on a node; the hover card's text and what elements it holds."""
    _pointer_on(driver, node_id).perform()
    WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        lambda d: d.execute_script("return document.getElementById('hover-card').style.display === 'block'"))
    return driver.execute_script(
        "var c = document.getElementById('hover-card');"
        "return {title: c.firstChild.textContent, text: c.textContent,"
        "        tags: Array.prototype.map.call(c.querySelectorAll('*'), function (e) { return e.tagName; })};")


def resources(driver: webdriver.Chrome) -> list[str]:
    """URLs of every resource the page loaded (scripts, styles, images, fetches)."""
    return driver.execute_script("return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
