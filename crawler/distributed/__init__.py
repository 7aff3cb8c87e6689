"""Distributed mode: many worker processes share one Redis-backed frontier.

Built on scrapy-redis: its Scheduler and Redis connection, with a queue class of
ours plugged in through its SCHEDULER_QUEUE_CLASS setting, because scrapy-redis's
own queues drop a request the moment a worker pops it and a killed worker would
lose it. The pieces:

* ``frontier``  -- one run's shared state in Redis: the leased request queue,
  the results list, the run descriptor; every request's outputs are committed
  together with its acknowledgement (one MULTI/EXEC).
* ``queue``     -- the scrapy-redis queue class over the frontier.
* ``hostlimit`` -- a per-host concurrency limit shared by every worker.
* ``worker``    -- ``healthcrawl worker``: Scrapy with those components.
* ``coordinator`` -- ``healthcrawl run --distributed``: seeds, holds the run's
  one link plan (workers send it what each response held, it queues the
  requests the plan answers with), reaps expired leases, merges results into
  SQLite through the same RunRecorder as a single-process run, and writes the
  report.
"""

# Defaults of `healthcrawl run --distributed` and `healthcrawl worker`, in one place.
DEFAULT_PREFIX = "healthcrawl"  # Redis key prefix of a run (--redis-prefix)
DEFAULT_LEASE_SECONDS = 30.0  # a request a worker stopped renewing is queued again after this (--lease)
DEFAULT_MAX_IDLE_SECONDS = 600.0  # a run nobody serves this long ends incomplete (--max-idle)
