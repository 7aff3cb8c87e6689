"""The availability spider as a distributed worker runs it (`healthcrawl worker`).

Same callbacks; only where work comes from differs: requests arrive from the
shared Redis frontier (the coordinator seeds it), and links are planned against
the shared plan, so each URL is checked once across all workers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.linkplan import LinkPlanner
from spiders.availability import AvailabilitySpider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy.crawler import Crawler
    from typing_extensions import Self


class AvailabilityWorkerSpider(AvailabilitySpider):
    name = "availability-worker"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        from scrapy_redis.connection import get_redis_from_settings

        from crawler.distributed.planstate import RedisPlanState

        spider = super().from_crawler(crawler, *args, **kwargs)
        server = get_redis_from_settings(crawler.settings)
        spider.planner = LinkPlanner(RedisPlanState(server, crawler.settings.get("HEALTH_REDIS_PREFIX")))
        return spider

    async def start(self) -> AsyncIterator[Any]:
        """Nothing of its own: the coordinator seeded the frontier."""
        return
        yield
