"""A generated web for order-independence tests: bench.web's synthetic hosts, with
pages reachable by several paths of different lengths and a seeded random delay
of 0-80 ms per answer, so the order responses arrive in changes from run to run.
The breadth-first truth comes from the web's own spec (WebSpec.distances)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.web import WebProcess, WebSpec, page_url
from tests.conftest import write_config

DEPTH = 2  # the web's height is 3: some pages lie beyond the crawl
PER_HOST = 2
SPEC = WebSpec(hosts=3, pages=30, links=14, branching=3, extra_page_links=4, latency=0.0, jitter=0.08,
               seed=7, max_concurrent_per_host=PER_HOST)


def resources_yaml(path: Path, web: WebProcess) -> Path:
    resources = [{"name": f"host {i}", "url": f"{base}/", "depth": DEPTH, "max_pages": 1000}
                 for i, base in enumerate(web.bases)]
    return write_config(path, resources, retries=0, timeout=20, concurrency_per_host=PER_HOST,
                        block_private_addresses=False)


def pages_within(web: WebProcess, depth: int) -> set[tuple[int, str]]:
    """(host, path) of every host page at most `depth` hops from its "/"."""
    return {web.address(page_url(web.bases[host], page))
            for host in range(web.spec.hosts) for page, hops in web.spec.distances(host).items() if hops <= depth}


def leaves_of_pages_beyond(web: WebProcess, depth: int) -> set[tuple[int, str]]:
    """(host, path) of the leaves linked only from pages farther than `depth`: a
    crawl that does not follow those pages never requests them."""
    out = set()
    for host in range(web.spec.hosts):
        for page, hops in web.spec.distances(host).items():
            if hops > depth:
                for leaf, target, kind in web.spec.leaves(host, page):
                    out.add((target, f"/l/{kind}/{leaf}"))
    return out


def stored_sets(db: Path, bases: list[str]) -> dict[str, Any]:
    """What a run stored, with each host's address replaced by its index so runs on
    two webs (or two runs on one) compare."""
    def local(url: str) -> str:
        for index, base in enumerate(bases):
            if url.startswith(base):
                return f"h{index}{url[len(base):]}"
        return url

    with closing(sqlite3.connect(db)) as conn:
        run = conn.execute("SELECT max(id) FROM runs").fetchone()[0]
        pages = {(r, local(p), d) for r, p, d in conn.execute(
            "SELECT resource_id, page, depth FROM link_pages WHERE run_id = ?", [run])}
        sources = {(r, local(p), local(u), f) for r, p, u, f in conn.execute(
            "SELECT resource_id, page, url, fragment FROM link_sources WHERE last_seen_run = ?", [run])}
        checks = {(local(u), res, s) for u, res, s in conn.execute(
            "SELECT url, result, http_status FROM link_checks WHERE run_id = ?", [run])}
    return {"pages": pages, "sources": sources, "checks": checks}
