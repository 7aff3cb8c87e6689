"""The status pages as a person sees them: real layout at desktop and phone widths,
CSS-only filters that respond to clicks with script turned off, the one hashed script
making times relative when it runs, no console errors (a CSP refusal is one), no
network requests, and no serious accessibility violations (axe-core) in the light or
the dark theme."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.report.page import render_index
from crawler.report.page.render import CLOCK_SCRIPT
from crawler.report.writer import write_detail_pages
from tests.test_report_page import MIRROR_DNS, XSS_TITLE, sample_status

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".cache" / "node_modules" / "axe-core" / "axe.min.js"

VIEWPORTS = {
    "desktop": (1280, 900),
    "phone": (390, 844),
}
SCREENSHOT_COPIES = {
    "desktop": Path("/tmp/healthcrawl-v2-desktop.png"),
    "phone": Path("/tmp/healthcrawl-v2-phone.png"),
}
DETAIL_SCREENSHOT = Path("/tmp/healthcrawl-v2-detail.png")
PHONE_DETAIL_SCREENSHOT = Path("/tmp/healthcrawl-v2-detail-phone.png")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """index.html plus resources/<slug>.html, exactly as the writer lays them out."""
    out = tmp_path_factory.mktemp("site")
    status = sample_status()
    (out / "index.html").write_text(render_index(status), encoding="utf-8")
    write_detail_pages(status, out)
    return out


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(
            f"{AXE} is missing; the accessibility test needs axe-core. "
            "Install it with: bash scripts/js-tools.sh (npm install of axe-core into .cache/)",
            pytrace=False,
        )
    return AXE.read_text(encoding="utf-8")


def _set_viewport(driver: Any, width: int, height: int) -> None:
    """Size the *viewport* (not the window) so media queries see exactly this width."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def _color_scheme(driver: Any, scheme: str) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    )


def _open(driver: Any, path: Path) -> None:
    """Load a page with fresh logs, so each test sees only its own errors and requests."""
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(path.as_uri())


def _full_page_screenshot(driver: Any, path: Path, width: int, height: int) -> None:
    """Capture the whole page height so the screenshot shows every card."""
    full = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    _set_viewport(driver, width, max(height, int(full["height"]) + 1))
    try:
        path.write_bytes(driver.get_screenshot_as_png())
    finally:
        _set_viewport(driver, width, height)


@contextlib.contextmanager
def _without_script(driver: Any) -> Iterator[None]:
    """Pages opened inside run no script at all, as in a browser with JavaScript off."""
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def _only_the_clock_script(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    scripts = driver.find_elements(By.TAG_NAME, "script")
    assert [driver.execute_script("return arguments[0].text", s) for s in scripts] == [CLOCK_SCRIPT]


def _console_errors(driver: Any) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def _requested_urls(driver: Any) -> list[str]:
    """Every URL the page asked for since the last _open (from Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _assert_offline(urls: list[str]) -> None:
    assert urls, "the performance log recorded no request at all; is Network logging on?"
    external = [url for url in urls if not url.startswith(("file:", "data:"))]
    assert external == [], external


def _visible_cards(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        card.get_attribute("data-status")
        for card in driver.find_elements(By.CSS_SELECTOR, ".resource")
        if card.is_displayed()
    ]


def _click_filter(driver: Any, group: str, text: str) -> None:
    """Click the filter label (a person clicks the label; the radio itself is hidden)."""
    from selenium.webdriver.common.by import By

    for label in driver.find_elements(By.CSS_SELECTOR, f".filters fieldset[data-group='{group}'] label"):
        if label.find_element(By.CSS_SELECTOR, ".name").text == text:
            label.click()
            return
    raise AssertionError(f"no {group} filter labelled {text!r}")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_page_renders_in_chromium(browser: Any, site: Path, tmp_path: Path, viewport: str) -> None:

    width, height = VIEWPORTS[viewport]
    _set_viewport(browser, width, height)
    _color_scheme(browser, "light")
    with _without_script(browser):  # the page as written: absolute times, nothing rewritten
        _open(browser, site / "index.html")
        _check_the_page(browser, width)
    assert _console_errors(browser) == []
    _assert_offline(_requested_urls(browser))

    shot = tmp_path / f"status-{viewport}.png"
    _full_page_screenshot(browser, shot, width, height)
    assert shot.stat().st_size > 10_000
    shutil.copyfile(shot, SCREENSHOT_COPIES[viewport])


def _check_the_page(browser: Any, width: int) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    summary = browser.find_element(By.ID, "summary")
    assert summary.is_displayed()
    assert summary.text == "3 up · 1 degraded · 2 down · 2 unchecked"

    incident = browser.find_element(By.CSS_SELECTOR, "#r-iadb-mirror .incident")
    assert incident.is_displayed()
    assert "Down for 3 h 12 min, since 2026-11-25 03:48 UTC · 7 failed checks" in incident.text
    banner = browser.find_element(By.ID, "active-incidents")
    assert "IADB Mirror — down for 3 h 12 min" in banner.text

    cards = browser.find_elements(By.CSS_SELECTOR, ".resource")
    assert len(cards) == len(sample_status()["resources"])
    assert cards[0].get_attribute("data-status") == "down"
    assert all(card.is_displayed() for card in cards)

    mirror = browser.find_element(By.CSS_SELECTOR, "#r-iadb-mirror .error-text")
    assert mirror.is_displayed()
    assert mirror.text == MIRROR_DNS

    strip = browser.find_element(By.CSS_SELECTOR, "#r-iadb-mirror .strip")
    cells = strip.find_elements(By.CSS_SELECTOR, ".cell")
    assert len(cells) == 30
    assert all(cell.size["width"] >= 3 and cell.size["height"] >= 16 for cell in cells)
    spark = browser.find_element(By.CSS_SELECTOR, "#r-iadb-mirror svg.spark")
    assert spark.is_displayed() and spark.size["height"] > 20
    uptime = browser.find_element(By.CSS_SELECTOR, "#r-iadb-housing-and-urban-development-division .uptime")
    figures = [" ".join(dd.text.split()) for dd in uptime.find_elements(By.TAG_NAME, "dd")]
    assert figures == ["99.8%", "99.1%", "97%", "— (no data)"]  # the hidden text is for screen readers
    assert all(dd.is_displayed() for dd in uptime.find_elements(By.TAG_NAME, "dd"))

    xss = browser.find_element(By.CSS_SELECTOR, "#r-evil-resource .title-text")
    assert xss.text == XSS_TITLE
    _only_the_clock_script(browser)
    assert browser.find_elements(By.TAG_NAME, "img") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - accessing it is the check

    # Nothing overflows sideways: a phone must never need horizontal scrolling.
    scroll_width = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll_width <= width

    badge = browser.find_element(By.CSS_SELECTOR, "#r-iadb-mirror .badge")
    assert " ".join(badge.text.split()) == "✕ DOWN"  # CSS uppercases the label; the symbol stays.


def test_filters_work_by_clicking_labels_without_javascript(browser: Any, site: Path) -> None:
    with _without_script(browser):
        _filters_work(browser, site)


def _filters_work(browser: Any, site: Path) -> None:
    from selenium.webdriver.common.by import By

    _set_viewport(browser, *VIEWPORTS["desktop"])
    _open(browser, site / "index.html")
    everything = _visible_cards(browser)
    assert len(everything) == 8
    no_match = browser.find_element(By.ID, "no-match")
    assert not no_match.is_displayed()

    _click_filter(browser, "status", "Down")
    assert _visible_cards(browser) == ["down", "down"]
    assert browser.find_element(By.ID, "f-status-down").is_selected()

    # Both filters combine: down AND tagged latin-america is the mirror alone.
    _click_filter(browser, "tag", "latin-america")
    visible = [c.get_attribute("id") for c in browser.find_elements(By.CSS_SELECTOR, ".resource") if c.is_displayed()]
    assert visible == ["r-iadb-mirror"]
    _click_filter(browser, "tag", "urban")
    assert _visible_cards(browser) == []
    assert no_match.is_displayed()

    # The links filter combines too: down AND with broken links is the evil resource alone.
    _click_filter(browser, "tag", "All")
    _click_filter(browser, "links", "Broken links")
    visible = [c.get_attribute("id") for c in browser.find_elements(By.CSS_SELECTOR, ".resource") if c.is_displayed()]
    assert visible == ["r-evil-resource"]
    _click_filter(browser, "status", "Up")
    visible = [c.get_attribute("id") for c in browser.find_elements(By.CSS_SELECTOR, ".resource") if c.is_displayed()]
    assert visible == ["r-iadb-housing-and-urban-development-division"]
    _click_filter(browser, "links", "All")
    _click_filter(browser, "status", "All")
    assert _visible_cards(browser) == everything
    assert not no_match.is_displayed()
    assert _console_errors(browser) == []


def test_filter_is_reachable_by_keyboard(browser: Any, site: Path) -> None:
    """Arrow keys move between radios like any radio group; the label shows the focus."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _set_viewport(browser, *VIEWPORTS["desktop"])
    _open(browser, site / "index.html")
    first = browser.find_element(By.ID, "f-status-any")
    browser.execute_script("arguments[0].focus()", first)
    first.send_keys(Keys.ARROW_RIGHT)
    assert browser.find_element(By.ID, "f-status-down").is_selected()
    label = browser.find_element(By.CSS_SELECTOR, "label[for='f-status-down']")
    outline = browser.execute_script("return getComputedStyle(arguments[0]).outlineStyle", label)
    assert outline == "solid"
    assert _visible_cards(browser) == ["down", "down"]


def test_redirect_details_open_without_javascript(browser: Any, site: Path) -> None:
    """<details> needs no script either."""
    from selenium.webdriver.common.by import By

    _set_viewport(browser, *VIEWPORTS["desktop"])
    _open(browser, site / "index.html")
    details = browser.find_element(By.CSS_SELECTOR, "#r-un-habitat details.redirects")
    hop = details.find_element(By.CSS_SELECTOR, "li.hop")
    assert not hop.is_displayed()
    details.find_element(By.TAG_NAME, "summary").click()
    assert hop.is_displayed()
    assert hop.text == "301 http://unhabitat.org"


def test_detail_page_from_index_and_back(browser: Any, site: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    width, height = VIEWPORTS["desktop"]
    _set_viewport(browser, width, height)
    _open(browser, site / "index.html")
    browser.find_element(By.CSS_SELECTOR, "#r-iadb-housing-and-urban-development-division a.res-detail").click()
    assert browser.current_url.endswith("/resources/iadb-housing-and-urban-development-division.html")
    assert browser.find_element(By.TAG_NAME, "h1").text == "IADB Housing and Urban Development Division"
    rows = browser.find_elements(By.CSS_SELECTOR, "table.checks tbody tr")
    assert len(rows) == 75
    assert rows[0].find_elements(By.TAG_NAME, "td")[0].text == "2026-11-25 06:59 UTC"
    incidents = browser.find_element(By.CSS_SELECTOR, "table.incidents tbody tr")
    assert "1 h 30 min" in incidents.text
    assert browser.find_element(By.CSS_SELECTOR, "#response-time svg.spark").is_displayed()
    assert _console_errors(browser) == []
    _assert_offline(_requested_urls(browser))
    shot = tmp_path / "detail.png"
    _full_page_screenshot(browser, shot, width, height)
    shutil.copyfile(shot, DETAIL_SCREENSHOT)

    browser.find_element(By.ID, "back").click()
    assert browser.current_url.endswith("/index.html")
    assert browser.find_element(By.ID, "summary").is_displayed()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(browser: Any, site: Path, axe_source: str, scheme: str) -> None:
    """axe-core on the index and a detail page, in both themes (contrast differs per theme)."""
    _set_viewport(browser, *VIEWPORTS["desktop"])
    _color_scheme(browser, scheme)
    try:
        report = {}
        for page in (site / "index.html", site / "resources" / "iadb-mirror.html"):
            _open(browser, page)
            browser.execute_script(axe_source)
            result = browser.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {resultTypes: ['violations']})"
                ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
                ".catch(e => done({error: String(e)}));"
            )
            assert not isinstance(result, dict), result
            report[page.name] = [v for v in result if v["impact"] in ("serious", "critical")]
        assert report == {"index.html": [], "iadb-mirror.html": []}, json.dumps(report, indent=1)
    finally:
        _color_scheme(browser, "light")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _written_hours_ago(tmp_path: Path, *, overdue_in: timedelta) -> Path:
    """The sample page as if written 3 h 10 min ago by a run that usually comes hourly,
    with an incident open for 50 h 30 min; `overdue_in` from now the report is overdue."""
    now = datetime.now(UTC)
    status = sample_status()
    written = now - timedelta(hours=3, minutes=10)
    status["generated_at"] = _iso(written)
    status["run"] = {**status["run"], "started_at": _iso(written), "finished_at": _iso(written),
                     "usual_interval_seconds": 3600, "overdue_at": _iso(now + overdue_in)}
    mirror = next(r for r in status["resources"] if r["name"] == "IADB Mirror")
    mirror["incident"] = {**mirror["incident"], "started_at": _iso(now - timedelta(hours=50, minutes=30))}
    (tmp_path / "index.html").write_text(render_index(status), encoding="utf-8")
    return tmp_path / "index.html"


def test_the_clock_makes_times_relative_when_the_page_is_read(browser: Any, tmp_path: Path) -> None:
    """The hashed script runs under the page's CSP (a refusal would be a console error)
    and counts from the reader's now, not from when the page was written."""
    from selenium.webdriver.common.by import By

    _set_viewport(browser, *VIEWPORTS["desktop"])
    _open(browser, _written_hours_ago(tmp_path, overdue_in=timedelta(hours=1)))
    assert browser.find_element(By.CSS_SELECTOR, ".generated").text == "Updated 3 h ago"
    updated = browser.find_element(By.CSS_SELECTOR, ".generated time")
    assert updated.get_attribute("title").endswith(" UTC")  # the exact time stays on hover
    assert browser.find_element(By.CSS_SELECTOR, "#run time").text == "3 h ago"
    incident = browser.find_element(By.CSS_SELECTOR, "#r-iadb-mirror .incident .lead")
    assert incident.text == "Down for 2 days 2 h"
    assert not browser.find_element(By.ID, "overdue").is_displayed()
    assert _console_errors(browser) == []


def test_an_overdue_report_says_so_when_read(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    _set_viewport(browser, *VIEWPORTS["desktop"])
    page = _written_hours_ago(tmp_path, overdue_in=-timedelta(hours=1))
    _open(browser, page)
    warning = browser.find_element(By.ID, "overdue")
    assert warning.is_displayed()
    assert warning.text.startswith("⚠ This report may be out of date.")
    assert "Runs usually come every 1 h" in warning.text
    with _without_script(browser):  # written before it was due: only the clock can tell
        _open(browser, page)
        assert not browser.find_element(By.ID, "overdue").is_displayed()
        assert browser.find_element(By.CSS_SELECTOR, ".generated").text.endswith(" UTC")


def test_a_detail_page_fits_a_phone(browser: Any, site: Path, tmp_path: Path) -> None:
    """390 px: the check history and incident tables fit without scrolling sideways,
    and the error of a failed check is still there, under its state."""
    from selenium.webdriver.common.by import By

    width, height = VIEWPORTS["phone"]
    _set_viewport(browser, width, height)
    try:
        for slug in ("iadb-mirror", "iadb-housing-and-urban-development-division", "evil-resource"):
            _open(browser, site / "resources" / f"{slug}.html")
            assert browser.execute_script("return document.documentElement.scrollWidth") <= width
            wraps = browser.execute_script(
                "return [...document.querySelectorAll('.table-wrap')].map(w => [w.scrollWidth, w.clientWidth])")
            assert wraps and all(scroll <= client for scroll, client in wraps), (slug, wraps)
        _open(browser, site / "resources" / "iadb-mirror.html")
        down = browser.find_element(By.CSS_SELECTOR, "table.checks tbody tr[data-s='down']")
        assert down.find_element(By.CSS_SELECTOR, ".err-inline").text == MIRROR_DNS
        assert not down.find_element(By.CSS_SELECTOR, "td.err").is_displayed()
        shot = tmp_path / "detail-phone.png"
        _full_page_screenshot(browser, shot, width, height)
        assert shot.stat().st_size > 10_000
        shutil.copyfile(shot, PHONE_DETAIL_SCREENSHOT)
    finally:
        _set_viewport(browser, *VIEWPORTS["desktop"])
