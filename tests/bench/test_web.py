"""The synthetic web (bench/web.py): its breadth-first truth, its seeded latency,
the per-host cap that queues what a client sends beyond c, and the request log."""

from __future__ import annotations

import asyncio
import http.client
import time
from collections import Counter

import pytest

from bench.web import WebProcess, WebSpec

# One host of 10 pages, a binary tree plus one extra page link each (seed 0):
#   tree   0 -> 1 2   1 -> 3 4   2 -> 5 6   3 -> 7 8   4 -> 9
#   extra  0 -> 5   1 -> 8   2 -> 1   3 -> 1   4 -> 3   5 -> 3   6 -> 2   7 -> 1   8 -> 4   9 -> 8
SMALL = WebSpec(hosts=1, pages=10, links=4, branching=2, extra_page_links=1, seed=0)
BASES = ["http://a.test"]


def test_extra_page_links_are_pinned_by_the_seed():
    extras = {page: SMALL.page_links(0, page)[len(SMALL.children(page)):] for page in range(10)}
    assert extras == {0: [5], 1: [8], 2: [1], 3: [1], 4: [3], 5: [3], 6: [2], 7: [1], 8: [4], 9: [8]}
    assert WebSpec(hosts=1, pages=10, links=4, branching=2, extra_page_links=1, seed=1).page_links(0, 0) != [1, 2, 5]


def test_distances_are_breadth_first():
    # 0 reaches 1, 2 and (extra) 5 in one hop; 1 reaches 3, 4 and (extra) 8 in two;
    # 2 reaches 6 in two; 7 and 9 hang off 3 and 4. In the tree alone 5 and 8 were deeper.
    assert SMALL.distances(0) == {0: 0, 1: 1, 2: 1, 5: 1, 3: 2, 4: 2, 6: 2, 8: 2, 7: 3, 9: 3}
    assert SMALL.height == 3
    assert WebSpec(hosts=1, pages=7, branching=2).distances(0) == {0: 0, 1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 2}


def test_expected_at_a_depth_reads_the_pages_within_it():
    truth = SMALL.expected(BASES, depth=1)
    assert truth["pages"] == ["http://a.test/", "http://a.test/p/1", "http://a.test/p/2", "http://a.test/p/5"]
    pages_linked = {url for url in truth["links"] if "/l/" not in url}
    assert pages_linked == {"http://a.test/", *(f"http://a.test/p/{n}" for n in (1, 2, 3, 4, 5, 6, 8))}
    # 4 links a page: pages 0, 1 and 2 link 3 pages and one leaf; page 5 links 1 page and 3 leaves.
    leaves = [url for url in truth["links"] if "/l/" in url]
    assert len(leaves) == 1 + 1 + 1 + 3
    assert set(truth["broken"]) <= set(leaves)

    root_only = SMALL.expected(BASES, depth=0)
    assert root_only["pages"] == ["http://a.test/"]
    assert len(root_only["links"]) == 1 + 3 + 1  # "/", pages 1 2 5, one leaf

    everything = SMALL.expected(BASES)
    assert everything == SMALL.expected(BASES, depth=SMALL.height)
    assert len(everything["pages"]) == 10
    assert len(everything["links"]) == 10 * (4 - 1) + 1  # each page adds L - extra new URLs; "/" is no one's child


def test_the_issues_web_is_expressible():
    """~10,000 URLs on 8 hosts, ~172 pages per host, 20 links a page, every page
    within 3 hops by the shortest path, and more than one way to almost every page."""
    spec = WebSpec(hosts=8, pages=172, links=20, branching=6, extra_page_links=13)
    truth = spec.expected([f"http://h{i}.test" for i in range(8)])
    assert 9_000 <= len(truth["links"]) <= 11_000
    assert spec.height == 3
    for host in range(8):
        assert all(len(spec.page_links(host, page)) + len(spec.leaves(host, page)) == 20 for page in range(172))
        linked = Counter(target for page in range(172) for target in spec.page_links(host, page))
        assert sum(linked[page] >= 2 for page in range(1, 172)) >= 0.9 * 171
        assert Counter(spec.distances(host).values())[1] < 172 / 4  # not one hop to everything


def test_jitter_is_seeded_per_url_and_uniform():
    spec = WebSpec(latency=0.01, jitter=0.08, seed=3)
    draws = [spec.latency_of(h, f"/p/{n}") for h in range(4) for n in range(500)]
    assert draws == [WebSpec(latency=0.01, jitter=0.08, seed=3).latency_of(h, f"/p/{n}")
                     for h in range(4) for n in range(500)]
    assert all(0.01 <= d < 0.09 for d in draws)
    assert sum(draws) / len(draws) == pytest.approx(spec.mean_latency, abs=0.003)
    assert spec.mean_latency == pytest.approx(0.05)
    assert draws != [WebSpec(latency=0.01, jitter=0.08, seed=4).latency_of(h, f"/p/{n}")
                     for h in range(4) for n in range(500)]
    assert WebSpec(latency=0.05).latency_of(0, "/") == 0.05  # the fixed mode


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def test_a_host_serves_c_at_once_and_queues_the_rest_in_order():
    c, latency = 2, 0.15
    with WebProcess(WebSpec(hosts=2, pages=3, latency=latency, max_concurrent_per_host=c)) as web:
        host, port = _address(web.bases[0])

        async def get(path: str) -> tuple[bytes, float]:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            answer = await reader.read()
            writer.close()
            return answer.split(b" ", 2)[1], time.monotonic()

        async def burst() -> tuple[float, list[tuple[bytes, float]]]:
            started = time.monotonic()
            return started, await asyncio.gather(*(get("/") for _ in range(3 * c)))

        started, answers = asyncio.run(burst())
        stats = web.stats()

    assert [status for status, _ in answers] == [b"200"] * (3 * c)
    assert stats["max_serving_per_host"] == c
    assert stats["max_serving_by_host"] == [c, 0]
    assert stats["max_queued_per_host"] >= 1 and stats["queued_requests"] >= 1
    assert stats["max_in_flight_per_host"] > c  # arrived and unanswered: the queue counts
    # Three rounds of c, each with its own full latency: queued time is not serving time.
    assert max(at for _, at in answers) - started >= 3 * latency * 0.95
    assert stats["mean_latency_ms"] == pytest.approx(latency * 1000)


def _request(base: str, method: str, path: str) -> int:
    host, port = _address(base)
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path)
        return conn.getresponse().status
    finally:
        conn.close()


def test_the_log_lists_every_request_since_the_last_reset():
    with WebProcess(WebSpec(hosts=2, pages=3, latency=0)) as web:
        _request(web.bases[0], "GET", "/robots.txt")
        web.reset()
        assert web.log() == []
        _request(web.bases[0], "GET", "/")
        _request(web.bases[1], "HEAD", "/p/2?x=1")
        _request(web.bases[1], "GET", "/nowhere")
        _request(web.bases[0], "GET", "/")
        log = web.log()
        stats = web.stats()

        assert log == [(0, "GET", "/", 200), (1, "HEAD", "/p/2", 200), (1, "GET", "/nowhere", 404),
                       (0, "GET", "/", 200)]
        assert stats["requests"] == 4 and stats["robots_requests"] == 0
        assert web.address(web.bases[1] + "/p/2") == (1, "/p/2")
        web.reset()
        assert web.log() == []
