"""The status page as a person sees it: real layout at desktop and phone widths, no dialogs, no console errors."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from crawler.report.page import render_index
from tests.test_report_page import XSS_TITLE, sample_status

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "desktop": (1280, 900),
    "phone": (390, 844),
}
SCREENSHOT_COPIES = {
    "desktop": Path("/tmp/healthcrawl-page-desktop.png"),
    "phone": Path("/tmp/healthcrawl-page-phone.png"),
}


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("site") / "index.html"
    path.write_text(render_index(sample_status()), encoding="utf-8")
    return path


def _set_viewport(driver: Any, width: int, height: int) -> None:
    """Size the *viewport* (not the window) so media queries see exactly this width."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def _full_page_screenshot(driver: Any, path: Path, width: int, height: int) -> None:
    """Capture the whole page height so the screenshot shows every card."""
    full = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    _set_viewport(driver, width, max(height, int(full["height"]) + 1))
    try:
        path.write_bytes(driver.get_screenshot_as_png())
    finally:
        _set_viewport(driver, width, height)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_page_renders_in_chromium(browser: Any, page_file: Path, tmp_path: Path, viewport: str) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    width, height = VIEWPORTS[viewport]
    _set_viewport(browser, width, height)
    browser.get_log("browser")  # drop anything from earlier pages
    browser.get(page_file.as_uri())

    summary = browser.find_element(By.ID, "summary")
    assert summary.is_displayed()
    assert summary.text == "3 up · 1 degraded · 2 down · 2 unchecked"

    cards = browser.find_elements(By.CSS_SELECTOR, ".resource")
    assert len(cards) == len(sample_status()["resources"])
    assert cards[0].get_attribute("data-status") == "down"

    mirror = browser.find_element(By.CSS_SELECTOR, "#r-iadb-mirror .error-text")
    assert mirror.is_displayed()
    assert mirror.text == "DNS lookup failed: could not resolve host www.iadb.org"

    xss = browser.find_element(By.CSS_SELECTOR, "#r-evil-resource .title-text")
    assert xss.text == XSS_TITLE
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_elements(By.TAG_NAME, "img") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - accessing it is the check

    # Nothing overflows sideways: a phone must never need horizontal scrolling.
    scroll_width = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll_width <= width

    badge = browser.find_element(By.CSS_SELECTOR, "#r-iadb-mirror .badge")
    assert " ".join(badge.text.split()) == "✕ DOWN"  # CSS uppercases the label; the symbol stays.

    errors = [entry for entry in browser.get_log("browser") if entry.get("level") == "SEVERE"]
    assert errors == [], errors

    shot = tmp_path / f"status-{viewport}.png"
    _full_page_screenshot(browser, shot, width, height)
    assert shot.stat().st_size > 10_000
    shutil.copyfile(shot, SCREENSHOT_COPIES[viewport])


def test_redirect_details_open_without_javascript(browser: Any, page_file: Path) -> None:
    """<details> is the only interaction on the page; it must work with scripts off."""
    from selenium.webdriver.common.by import By

    _set_viewport(browser, *VIEWPORTS["desktop"])
    browser.get(page_file.as_uri())
    details = browser.find_element(By.CSS_SELECTOR, "#r-un-habitat details.redirects")
    hop = details.find_element(By.CSS_SELECTOR, "li.hop")
    assert not hop.is_displayed()
    details.find_element(By.TAG_NAME, "summary").click()
    assert hop.is_displayed()
    assert hop.text == "301 http://unhabitat.org"
