"""The shared frontier's guarantees, against a real redis-server."""

from __future__ import annotations

import time

import pytest

from crawler.distributed.frontier import Frontier, LeaseLost


@pytest.fixture
def frontier(server) -> Frontier:
    return Frontier(server, "t")


def test_requests_come_out_by_priority_then_first_in_first_out(frontier: Frontier) -> None:
    for name, priority in [(b"a", 0), (b"b", 0), (b"urgent", 5), (b"c", 0)]:
        frontier.push(name, -priority)
    order = [frontier.lease(30)[1] for _ in range(4)]
    assert order == [b"urgent", b"a", b"b", b"c"]
    assert frontier.lease(30) is None
    assert frontier.counts() == {"queued": 0, "leased": 4, "items": 0}


def test_commit_queues_outputs_and_ends_the_lease_together(frontier: Frontier) -> None:
    frontier.push(b"page", 0)
    token, _ = frontier.lease(30)
    frontier.commit(token, [(b"link-1", 0), (b"link-2", 0)], [b"item-1", b"item-2"])
    assert frontier.counts() == {"queued": 2, "leased": 0, "items": 2}
    assert frontier.take_items() == [b"item-1", b"item-2"]
    assert frontier.server.hlen(frontier.payload_key) == 2  # the page's payload is gone with its lease


def test_an_expired_lease_goes_back_to_the_front_and_its_late_commit_is_refused(frontier: Frontier) -> None:
    frontier.push(b"later", 0)
    frontier.push(b"page", -10)
    token, data = frontier.lease(0.2)
    assert data == b"page"
    time.sleep(0.3)
    assert frontier.reap() == 1
    with pytest.raises(LeaseLost):
        frontier.commit(token, [(b"link", 0)], [b"item"])
    assert frontier.counts() == {"queued": 2, "leased": 0, "items": 0}  # nothing of the late commit
    again, data = frontier.lease(30)
    assert (again, data) == (token, b"page")  # redelivered first, same token


def test_a_live_workers_heartbeat_keeps_its_lease(frontier: Frontier) -> None:
    frontier.push(b"slow", 0)
    token, _ = frontier.lease(0.3)
    for _ in range(4):
        time.sleep(0.15)
        assert frontier.extend([token], 0.3) == 1
        assert frontier.reap() == 0
    frontier.commit(token, [], [])
    assert frontier.extend([token], 0.3) == 0  # a finished lease is not revived


def test_one_coordinator_per_prefix(frontier: Frontier) -> None:
    assert frontier.claim_coordinator("one", 5)
    assert not frontier.claim_coordinator("two", 5)
    frontier.release_coordinator("two")  # not its key: stays
    assert not frontier.claim_coordinator("two", 5)
    frontier.release_coordinator("one")
    assert frontier.claim_coordinator("two", 5)


def test_open_run_clears_what_a_previous_run_left(frontier: Frontier) -> None:
    frontier.push(b"old", 0)
    frontier.server.hset("t:planned", "http://x/", "HEAD t1")
    frontier.server.set("other:key", 1)
    frontier.open_run({"token": "abc", "config": b"resources: []"})
    assert frontier.counts() == {"queued": 0, "leased": 0, "items": 0}
    assert not frontier.server.exists("t:planned")
    assert frontier.server.exists("other:key")  # another prefix is left alone
    assert frontier.run()["state"] == b"running"
