"""robots.txt for discovered links: Scrapy's middleware with one fix, and a Protego parser.

* ProtegoParser calls Protego.can_fetch with named arguments (url, user_agent).
  It was added because Scrapy's ProtegoRobotParser was thought to pass them in the
  wrong order, reading every URL as allowed. With the pinned Scrapy 2.19.0 and
  Protego 0.7.0, Scrapy's parser passes them in the right order
  (``self.rp.can_fetch(url, user_agent)``), so ProtegoParser is a harmless
  duplicate until ROBOTSTXT_PARSER in crawler/crawl/settings.py is switched back.
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

from protego import Protego
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from typing import Any, Self

    from scrapy import Request
    from scrapy.crawler import Crawler


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class ProtegoParser(RobotParser):
    def __init__(self, robotstxt_body: bytes | str):
        self.rp = Protego.parse(_text(robotstxt_body))

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> Self:
        return cls(robotstxt_body)

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        """
        >>> ProtegoParser(b"User-agent: *\\nDisallow: /private/\\n").allowed("http://a/private/x", "bot/1.0")
        False
        >>> ProtegoParser(b"User-agent: *\\nDisallow: /private/\\n").allowed("http://a/public", "bot/1.0")
        True
        """
        return bool(self.rp.can_fetch(url=_text(url), user_agent=_text(user_agent)))

    def crawl_delay(self, user_agent: str | bytes) -> float | None:
        return self.rp.crawl_delay(user_agent=_text(user_agent))


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
