"""One distributed run's shared state in Redis.

A request moves through these states:

* queued -- in the ``queue`` sorted set (score: minus its priority; members are
  tokens that sort in push order), its serialized form in ``payload``;
* leased -- popped by a worker, now in ``leases`` with a deadline that the live
  worker keeps pushing forward (``extend``);
* done   -- its worker committed it: the requests and items its callback produced
  and its removal from ``leases`` happen in one atomic script, so a worker killed
  at any point either committed all of a request's outputs or none;
* back to queued -- its lease expired (its worker died or stalled): ``reap``
  queues it again at the front, and a stale commit for it is refused.

A run is over when nothing is queued or leased; items wait in the ``items``
list until the coordinator stores them. Scripts read Redis's own clock, so
workers' clocks never need to agree.
"""

from __future__ import annotations

import pickle
import time
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import redis
from scrapy.utils.request import request_from_dict

from crawler.distributed import DEFAULT_PREFIX

if TYPE_CHECKING:
    from scrapy import Request, Spider

LEASE = """
local t = redis.call('ZRANGE', KEYS[1], 0, 0)
if #t == 0 then return false end
redis.call('ZREM', KEYS[1], t[1])
local now = redis.call('TIME')
redis.call('ZADD', KEYS[2], tonumber(now[1]) + tonumber(now[2]) / 1e6 + tonumber(ARGV[1]), t[1])
return {t[1], redis.call('HGET', KEYS[3], t[1])}
"""

EXTEND = """
local now = redis.call('TIME')
local deadline = tonumber(now[1]) + tonumber(now[2]) / 1e6 + tonumber(ARGV[1])
local n = 0
for i = 2, #ARGV do n = n + redis.call('ZADD', KEYS[1], 'XX', 'CH', deadline, ARGV[i]) end
return n
"""

# KEYS: queue, payload, leases, items. ARGV: parent token ('' for none), request count,
# then token, score, data for each request, then the items.
COMMIT = """
local parent = ARGV[1]
if parent ~= '' then
  if not redis.call('ZSCORE', KEYS[3], parent) then return 0 end
  redis.call('ZREM', KEYS[3], parent)
  redis.call('HDEL', KEYS[2], parent)
end
local n = tonumber(ARGV[2])
local i = 3
for _ = 1, n do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
  redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
  i = i + 3
end
if i <= #ARGV then redis.call('RPUSH', KEYS[4], unpack(ARGV, i)) end
return 1
"""

REAP = """
local now = redis.call('TIME')
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', tonumber(now[1]) + tonumber(now[2]) / 1e6)
for _, t in ipairs(expired) do
  redis.call('ZREM', KEYS[2], t)
  redis.call('ZADD', KEYS[1], ARGV[1], t)
end
return #expired
"""

REAPED_SCORE = -1e9  # a reaped request goes to the front of the queue


def encode_request(request: Request, spider: Spider) -> bytes:
    """A request as the frontier stores it: Scrapy's own dict form, pickled; callbacks
    are named, and found again on the spider that decodes it."""
    return pickle.dumps(request.to_dict(spider=spider), protocol=pickle.HIGHEST_PROTOCOL)


def decode_request(data: bytes, spider: Spider) -> Request:
    return request_from_dict(pickle.loads(data), spider=spider)


class LeaseLost(Exception):
    """A commit came after its lease expired: another worker redoes the request."""


def new_token() -> str:
    """Tokens sort in creation order, so equal priorities are served first in, first out."""
    return f"{time.time_ns():020d}-{uuid.uuid4().hex[:10]}"


class Frontier:
    def __init__(self, server: redis.Redis, prefix: str = DEFAULT_PREFIX):
        self.server = server
        self.prefix = prefix
        self.queue_key = f"{prefix}:queue"
        self.payload_key = f"{prefix}:payload"
        self.lease_key = f"{prefix}:leases"
        self.items_key = f"{prefix}:items"
        self.run_key = f"{prefix}:run"
        self.coordinator_key = f"{prefix}:coordinator"
        self._lease = server.register_script(LEASE)
        self._extend = server.register_script(EXTEND)
        self._commit = server.register_script(COMMIT)
        self._reap = server.register_script(REAP)

    @classmethod
    def from_url(cls, url: str, prefix: str = DEFAULT_PREFIX) -> Frontier:
        return cls(redis.Redis.from_url(url, socket_connect_timeout=10, health_check_interval=30), prefix)

    # -- the run ------------------------------------------------------------------

    def open_run(self, descriptor: dict[str, Any]) -> None:
        """Clear what an earlier run left under this prefix and announce a new run."""
        self.clear_work()
        self.server.delete(self.run_key)
        mapping: dict[str | bytes, Any] = dict(descriptor.items())
        mapping["state"] = "running"
        self.server.hset(self.run_key, mapping=mapping)

    def clear_work(self) -> None:
        """Drop a finished run's working keys (queue, plan, slots); its descriptor stays."""
        keep = {self.run_key.encode(), self.coordinator_key.encode()}
        stale = [key for key in self.server.scan_iter(f"{self.prefix}:*") if key not in keep]
        if stale:
            self.server.delete(*stale)

    def run(self) -> dict[str, bytes] | None:
        data = self.server.hgetall(self.run_key)
        return {key.decode(): value for key, value in data.items()} if data else None

    def set_state(self, state: str) -> None:
        self.server.hset(self.run_key, "state", state)

    def claim_coordinator(self, owner: str, ttl: float) -> bool:
        """One coordinator per prefix: a key that lives while its owner keeps renewing it."""
        return bool(self.server.set(self.coordinator_key, owner, nx=True, px=int(ttl * 1000)))

    def renew_coordinator(self, owner: str, ttl: float) -> None:
        if self.server.get(self.coordinator_key) in (None, owner.encode()):
            self.server.set(self.coordinator_key, owner, px=int(ttl * 1000))

    def release_coordinator(self, owner: str) -> None:
        if self.server.get(self.coordinator_key) == owner.encode():
            self.server.delete(self.coordinator_key)

    # -- requests -------------------------------------------------------------------

    def push(self, data: bytes, score: float) -> str:
        token = new_token()
        self._commit(keys=self._keys(), args=["", 1, token, score, data])
        return token

    def lease(self, seconds: float) -> tuple[str, bytes] | None:
        leased = self._lease(keys=[self.queue_key, self.lease_key, self.payload_key], args=[seconds])
        if not leased:
            return None
        token, data = leased
        return token.decode(), data

    def extend(self, tokens: Iterable[str], seconds: float) -> int:
        tokens = list(tokens)
        if not tokens:
            return 0
        return int(self._extend(keys=[self.lease_key], args=[seconds, *tokens]))

    def commit(self, parent: str, requests: list[tuple[bytes, float]], items: list[bytes]) -> list[str]:
        """Queue `requests`, append `items` and finish the lease `parent`, all or
        nothing; raise LeaseLost (and change nothing) if the lease has expired."""
        args: list[Any] = [parent, len(requests)]
        tokens = []
        for data, score in requests:
            token = new_token()
            tokens.append(token)
            args += [token, score, data]
        args += items
        if not self._commit(keys=self._keys(), args=args):
            raise LeaseLost(parent)
        return tokens

    def reap(self) -> int:
        """Queue again every request whose lease has expired; how many there were."""
        return int(self._reap(keys=[self.queue_key, self.lease_key], args=[REAPED_SCORE]))

    def counts(self) -> dict[str, int]:
        """Queued, leased and uncollected items, read in one transaction."""
        pipe = self.server.pipeline(transaction=True)
        pipe.zcard(self.queue_key).zcard(self.lease_key).llen(self.items_key)
        queued, leased, items = pipe.execute()
        return {"queued": queued, "leased": leased, "items": items}

    def take_items(self, count: int = 500) -> list[bytes]:
        return self.server.lpop(self.items_key, count) or []

    def _keys(self) -> list[str]:
        return [self.queue_key, self.payload_key, self.lease_key, self.items_key]
