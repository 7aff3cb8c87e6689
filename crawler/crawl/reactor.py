"""The running Twisted reactor, for the few calls healthcrawl makes on it directly
(timers and shutdown triggers). Typed as Any on purpose: Twisted declares the
reactor's methods with zope interfaces, which mypy reads only through a plugin."""

from __future__ import annotations

from typing import Any


def running_reactor() -> Any:
    """The installed reactor (the asyncio one Scrapy starts)."""
    from twisted.internet import reactor

    return reactor
