"""Reading pages in headless Chromium, through scrapy-playwright.

Only pages are rendered, never link checks: a resource whose `render` is on (or
auto, and its plain HTML looks like an application shell) is first fetched plainly,
which gives its availability facts, then opened in the browser to read the DOM the
scripts built. This module and the handler in `render_handler` hold everything the browser
needs, so the spider only asks for `render_meta()`:

* the system Chromium, found once, never downloaded (`find_chromium`);
* one browser per run, `render_concurrency` pages at once, images, media and fonts
  blocked, and `block_private_addresses` applied to every request the page makes
  (`RenderHandler.abort`), as it is to links;
* a hard deadline per page: a script that loops forever blocks the page's main
  thread, so Playwright's own timeouts may never fire; the handler cancels the
  render after `render_timeout` and closes the page itself;
* a browser whose processes outgrow `render_memory_mb` (proportional set size) is
  restarted between pages.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.core.config import effective_render
from crawler.core.extras import install_hint
from crawler.extract.page import is_html
from crawler.extract.shell import looks_like_app_shell

if TYPE_CHECKING:
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

    from crawler.core.config import Config, CrawlSettings

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ENV = "HEALTHCRAWL_CHROMIUM"  # a path, when Chromium is not on PATH under these names
INSTALL_HINT = ("install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or set "
                f"{CHROMIUM_ENV} to its path")
BLOCKED_TYPES = frozenset({"image", "media", "font"})  # never needed to read a page's text and links
# Chromium without these opens connections of its own at start; on a closed network
# they are refused many at a time. --healthcrawl-render marks our browser in /proc.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage")
RENDERED_KEY = "health_rendered"  # request meta: this request is the browser's reading of a page
PAGE_KEY = "playwright_page"  # scrapy-playwright's meta key for the page it opened


class RenderLimit(Exception):
    """The page went past one of the limits of a render: render_timeout, max_body_bytes."""


def find_chromium() -> str | None:
    """The system Chromium: $HEALTHCRAWL_CHROMIUM, else the usual names on PATH."""
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return explicit if Path(explicit).is_file() and os.access(explicit, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def playwright_missing() -> bool:
    return importlib.util.find_spec("scrapy_playwright") is None


def browser_unavailable() -> str | None:
    """Why this machine cannot render pages, in words a user can act on; None when it can."""
    missing = []
    if playwright_missing():
        missing.append(f"scrapy-playwright is not installed: run {install_hint('render')}")
    if find_chromium() is None:
        missing.append(f"Chromium was not found: {INSTALL_HINT}")
    return "; ".join(missing) or None


def render_problems(config: Config) -> tuple[list[str], list[str]]:
    """(errors, warnings) about this machine for the resources that render: a resource
    with `render: true` cannot be read without Chromium (an error, exit 2); one with
    `render: auto` is read plainly instead (a warning)."""
    modes = {r.name: effective_render(r, config.settings) for r in config.resources}
    wanting = [name for name, mode in modes.items() if mode != "off"]
    if not wanting:
        return [], []
    why = browser_unavailable()
    if why is None:
        return [], []
    errors = [f'{config.path}: resource "{name}": render: true needs a browser, but {why}'
              for name, mode in modes.items() if mode == "on"]
    warnings = [f'resource "{name}": render: auto reads the page without a browser: {why}'
                for name, mode in modes.items() if mode == "auto"]
    return errors, warnings


def browser_settings(crawl: CrawlSettings, chromium: str) -> dict[str, Any]:
    """The Scrapy settings that put scrapy-playwright behind http(s) for this run."""
    timeout_ms = int(crawl.render_timeout * 1000)
    return {
        "DOWNLOAD_HANDLERS": {"http": "crawler.crawl.render_handler.RenderHandler",
                              "https": "crawler.crawl.render_handler.RenderHandler"},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": chromium, "headless": True,
                                      "args": [*CHROMIUM_ARGS, f"--healthcrawl-render={os.getpid()}"],
                                      "timeout": max(timeout_ms, 30_000)},
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": crawl.render_concurrency,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
        "HEALTH_RENDER_TIMEOUT": crawl.render_timeout,
        "HEALTH_RENDER_MEMORY_MB": crawl.render_memory_mb,
    }


def apply_render_settings(settings: BaseSettings, config: Config) -> None:
    """Put the browser behind http(s) when a resource may be rendered and this machine
    can (render_problems has said what it cannot); HEALTH_RENDERING tells the spider."""
    modes = {effective_render(r, config.settings) for r in config.resources}
    chromium = find_chromium()
    if modes == {"off"} or chromium is None or playwright_missing():
        settings.set("HEALTH_RENDERING", False, priority="spider")
        # what a page that wanted the browser says instead (render: auto; true is refused earlier)
        settings.set("HEALTH_RENDER_UNAVAILABLE", None if modes == {"off"} else browser_unavailable(),
                     priority="spider")
        return
    settings.setdict(browser_settings(config.settings, chromium), priority="spider")
    settings.set("HEALTH_RENDERING", True, priority="spider")


def wants_render(mode: str, content_type: str | None, body: bytes) -> bool:
    """Whether a plainly fetched resource page is to be read again in the browser.

    >>> wants_render("on", "text/html", b"<p>hi</p>"), wants_render("off", "text/html", b"")
    (True, False)
    >>> wants_render("auto", "text/html", b'<title>App</title><div id="app"></div><script src=a.js></script>')
    True
    >>> wants_render("on", "application/pdf", b"%PDF-1.7")
    False
    """
    if mode == "off" or not is_html(content_type, body):
        return False
    return mode == "on" or looks_like_app_shell(body)


def render_meta(wait_for: str | None, timeout: float) -> dict[str, Any]:
    """Request meta that has a page read by the browser: loaded, then given until the
    network is idle (or `render_wait_for` shows), within the time limit."""
    from scrapy_playwright.page import PageMethod

    return {
        "playwright": True,
        "playwright_context": "render",
        "playwright_include_page": True,  # so the handler can close it whatever happens
        "playwright_page_goto_kwargs": {"wait_until": "load"},
        "playwright_page_methods": [PageMethod(_settle, wait_for, timeout)],
        RENDERED_KEY: True,
        "dont_retry": True,  # a page that will not settle would not settle twice
        "dont_obey_robotstxt": True,
    }


async def _settle(page: Any, wait_for: str | None, timeout: float) -> None:
    """Give the scripts time to build the page: until the network is idle, and the
    selector shows when one was given; a page that never settles is read as it is."""
    from playwright.async_api import Error as PlaywrightError

    budget_ms = max(1000, int(timeout * 1000 * 0.6))
    with suppress(PlaywrightError):
        await page.wait_for_load_state("networkidle", timeout=budget_ms)
    if wait_for:
        with suppress(PlaywrightError):
            await page.wait_for_selector(wait_for, timeout=budget_ms)


def render_seconds(response: Response) -> float | None:
    """How long the browser took to open and read the page."""
    latency = response.meta.get("download_latency")
    return float(latency) if latency is not None else None


def describe_render_failure(exc: BaseException) -> str:
    """One line a reader can act on, for why the browser could not read a page.

    >>> describe_render_failure(RenderLimit("the page did not finish loading within 5 s (render_timeout)"))
    'the page did not finish loading within 5 s (render_timeout)'
    """
    if isinstance(exc, RenderLimit):
        return str(exc)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    name = type(exc).__name__
    if name == "TimeoutError" and "Timeout" in message:
        return f"the page did not load in time: {message}"
    if name == "TargetClosedError" or "has been closed" in message or "crashed" in message.lower():
        return f"the browser tab or the browser crashed: {message}"
    return f"{name}: {message}"


def browser_memory(marker: str | None = None, measure: str = "Pss") -> int:
    """Bytes of memory this run's Chromium holds: by default the proportional set size
    (shared pages split between the processes that share them, so nothing is counted
    twice; "Rss" counts them in each) of its browser process, found by the
    --healthcrawl-render flag, and of every process below it. 0 when none runs."""
    marker_bytes = (marker or f"--healthcrawl-render={os.getpid()}").encode()
    parents: dict[int, int] = {}
    roots = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        if marker_bytes in cmdline and b"--type=" not in cmdline:
            roots.append(pid)
    total, seen, stack = 0, set(), list(roots)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _smaps_total(pid, measure)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def _smaps_total(pid: int, measure: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(f"{measure}:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
