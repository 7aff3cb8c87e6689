"""One headless Chromium per test session, driven by the system chromedriver.

Missing Chromium is a failure, not a skip: a silently skipped browser suite would
let a broken page ship while CI stays green.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("HEALTHCRAWL_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("HEALTHCRAWL_CHROMEDRIVER", "/usr/bin/chromedriver"))

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


def _require_executable(path: Path, package: str) -> None:
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"{path} not found or not executable; browser tests need it. "
            f"Install it with: apt-get install -y {package}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium WebDriver with browser console logging enabled."""
    _require_executable(CHROMIUM, "chromium")
    _require_executable(CHROMEDRIVER, "chromium-driver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:  # pragma: no cover - environment problem
        pytest.fail(f"selenium is not installed ({exc}); pip install -e '.[test]'", pytrace=False)

    profile = tempfile.mkdtemp(prefix="healthcrawl-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1280,900")
    # "performance" records every network request, so tests can prove nothing leaves the page.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})

    # Selenium Manager must not try to download a driver: there may be no network.
    service = Service(executable_path=str(CHROMEDRIVER))
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except Exception as exc:  # noqa: BLE001 - any startup failure means the suite cannot run
        shutil.rmtree(profile, ignore_errors=True)
        pytest.fail(f"could not start headless Chromium: {exc}", pytrace=False)
    driver.set_page_load_timeout(15)
    driver.set_script_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
