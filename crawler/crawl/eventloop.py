"""Which asyncio event loop drives the crawl: uvloop's where it is installed, else
Python's own.

Every request crosses the loop several times (the socket's reads and writes, the
selector, the callbacks that hand a response on), and uvloop does that part in C on
libuv. It is a dependency on Linux and macOS (pyproject.toml); elsewhere, or where it
cannot be imported, the crawl runs on Python's loop, with the same results, and says
so at -v. Twisted's asyncio reactor and aiohttp both take any asyncio loop.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

UVLOOP = "uvloop.Loop"  # Scrapy's ASYNCIO_EVENT_LOOP: the loop class its reactor runs on

logger = logging.getLogger(__name__)


def fastest_event_loop() -> str | None:
    """ASYNCIO_EVENT_LOOP's value: uvloop's loop when it can be imported, else None
    (Scrapy's default: Python's loop). Read by the crawl's settings module only."""
    try:
        import uvloop  # noqa: F401  (2 ms; the crawl imports it anyway)
    except ImportError:  # not installed, or built for another platform
        return None
    return UVLOOP


def log_event_loop(settings: BaseSettings) -> None:
    """Name the loop the crawl will run on (INFO: seen at -v). Scrapy installs it with
    the reactor when the crawl starts, and refuses to go on if another one is there."""
    if settings.get("ASYNCIO_EVENT_LOOP") == UVLOOP:
        logger.info("Event loop: uvloop")
    else:
        logger.info("Event loop: Python's asyncio loop (uvloop cannot be imported)")
