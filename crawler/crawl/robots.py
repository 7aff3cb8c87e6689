"""robots.txt for discovered links: Scrapy's middleware (and its default Protego
parser) with one fix.

* While robots.txt of a host is being fetched, RobotsTxtMiddleware makes every
  other request to that host wait on one shared Deferred through asFuture(),
  whose callback returns None: only the first waiter gets the parser, the
  others get None and are let through unchecked. RobotsTxtMiddleware here
  gives each waiter its own Deferred, relayed from the shared one. To see that a
  fetch is under way it reads Scrapy's private ``_parsers`` (netloc -> parser,
  None, or the Deferred of a fetch in progress); tests/test_scrapy_internals.py
  fails when Scrapy's code that fills it changes: then check whether the bug is
  still there, and drop this override if not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from typing import Any

    from scrapy import Request
    from scrapy.robotstxt import RobotParser


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        mine: Deferred[Any] = Deferred()

        def relay(result: Any) -> Any:
            mine.callback(result)
            return result  # keep the result for the next waiter

        pending.addBoth(relay)
        return await maybe_deferred_to_future(mine)
