"""The page of a real run with a down resource and broken links on three resources, in
headless Chromium: the headline counts the broken links, and the first card with
broken links shows its badge, both in the first screenful. The screenshot is kept."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import run_cli
from tests.crawl.test_page_and_exports import configure, handle

pytestmark = pytest.mark.browser

SCREENSHOT_COPY = Path("/tmp/healthcrawl-headline.png")
WIDTH, HEIGHT = 1280, 900


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(re.compile(".*")).respond_with_handler(handle)
    server.start()
    try:
        args, out = configure(tmp_path_factory.mktemp("headline"), server)
        result = run_cli(*args)
    finally:
        server.clear()
        server.stop()
    assert result.returncode == 1, result.stderr
    return out


def test_headline_and_broken_links_badge_on_screen(browser: Any, crawled: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    browser.get_log("browser")
    browser.get((crawled / "index.html").as_uri())
    headline = browser.find_element(By.ID, "overall-text")
    assert headline.text == "1 of 5 resources down · 5 broken links, 1 invalid on 3 resources"
    card = browser.find_element(By.CSS_SELECTOR, ".resource[data-links='problems']")
    assert card.get_attribute("id") == "r-city"  # the first card after the down one
    badge = card.find_element(By.CSS_SELECTOR, ".res-head .links-badge")
    assert " ".join(badge.text.split()) == "✕ 2 broken links, 1 invalid"  # flex items: one line on screen
    for element in (headline, badge):  # both in the first screenful, with no scrolling
        box = element.rect
        assert element.is_displayed() and 0 <= box["y"] and box["y"] + box["height"] <= HEIGHT, box
    style = browser.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.color, s.backgroundColor, s.borderLeftColor];", badge)
    assert style[1] not in ("rgba(0, 0, 0, 0)", "transparent") and style[0] != style[1]
    edge = browser.execute_script("return getComputedStyle(arguments[0]).borderLeftColor", card)
    green = browser.execute_script(
        "return getComputedStyle(document.querySelector('.resource[data-status=\"up\"]:not([data-links])'))"
        ".borderLeftColor")
    assert edge != green, "a card with broken links is not all green"
    assert [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"] == []
    shot = tmp_path / "headline.png"
    shot.write_bytes(browser.get_screenshot_as_png())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    shutil.copyfile(shot, SCREENSHOT_COPY)
