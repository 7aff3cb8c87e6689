"""The link planner's state in Redis, so each URL is planned once across workers.

``planned`` maps a URL to "METHOD OWNER" (the lease token of the request whose
callback planned it); ``pages:<slug>`` holds the page URLs a resource followed.
One script makes each decision atomically, with the same rule as one process
(crawler.linkplan.decide). A redelivered request (its first worker died before
committing) is the same owner and gets its plan back, so nothing it planned is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.linkplan import Claim

if TYPE_CHECKING:
    import redis

CLAIM = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local owner, wants_anchors, may_follow, max_pages = ARGV[2], ARGV[3] == '1', ARGV[4] == '1', tonumber(ARGV[5])
local mine = false
if cur then
  local method, by = string.match(cur, '^(%S+) (.*)$')
  if by == owner and owner ~= '' then
    mine = true
  elseif wants_anchors and method == 'HEAD' then
    redis.call('HSET', KEYS[1], ARGV[1], 'GET ' .. owner)
    return 'GET 0 1'
  else
    return false
  end
end
local follow = false
if may_follow then
  if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
    follow = true
  elseif (not mine) and redis.call('SCARD', KEYS[2]) < max_pages then
    redis.call('SADD', KEYS[2], ARGV[1])
    follow = true
  end
end
local method = 'HEAD'
if follow or wants_anchors then method = 'GET' end
if mine and cur then method = string.match(cur, '^(%S+)') end
redis.call('HSET', KEYS[1], ARGV[1], method .. ' ' .. owner)
local anchors = '0'
if follow or wants_anchors then anchors = '1' end
return method .. ' ' .. (follow and '1' or '0') .. ' ' .. anchors
"""


class RedisPlanState:
    def __init__(self, server: redis.Redis, prefix: str = "healthcrawl"):
        self.server = server
        self.planned_key = f"{prefix}:planned"
        self.pages_prefix = f"{prefix}:pages:"
        self._claim = server.register_script(CLAIM)

    def count_page(self, slug: str, url: str) -> None:
        self.server.sadd(self.pages_prefix + slug, url)

    def claim(self, url: str, *, slug: str, wants_anchors: bool, may_follow: bool, max_pages: int,
              owner: str) -> Claim | None:
        answer = self._claim(keys=[self.planned_key, self.pages_prefix + slug],
                             args=[url, owner, int(wants_anchors), int(may_follow), max_pages])
        if not answer:
            return None
        method, follow, anchors = answer.decode().split()
        return Claim(method, follow=follow == "1", anchors=anchors == "1")
