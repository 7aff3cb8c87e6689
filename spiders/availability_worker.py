"""The availability spider as a distributed worker runs it (`healthcrawl worker`).

Same callbacks; only where work comes from and where it goes differ: requests
arrive from the shared Redis frontier (the coordinator seeds it), and each
callback's outcome goes back to the coordinator, which holds the one link plan
of the run (crawler.core.linkplan) and queues the requests it answers with. So a run
on many workers follows the same pages, and checks each URL once, as one process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spiders.availability import AvailabilitySpider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


class AvailabilityWorkerSpider(AvailabilitySpider):
    name = "availability-worker"
    remote_plan = True

    async def start(self) -> AsyncIterator[Any]:
        """Nothing of its own: the coordinator seeded the frontier."""
        return
        yield
