"""A synthetic web on loopback: H hosts x P pages with L links each.

Each host is its own loopback address (127.0.0.2, 127.0.0.3, ...), so every tool
(and Scrapy's per-domain slots) sees H distinct hosts.

The page graph. ``/`` is page 0 and page k links to its children
``/p/{k*b+1}`` .. ``/p/{k*b+b}`` (a tree of branching b), and to
``extra_page_links`` more pages of its own host, chosen by a seeded hash, half
among the pages numbered below it (as shallow or shallower) and half above it (as
deep or deeper). So most pages are reachable by paths of different lengths, and
which path a crawler finds first depends on timing. :meth:`WebSpec.distances`
is the breadth-first truth (hops from ``/``); ``height`` is the largest.

The rest of a page's L links are leaves ``/l/{kind}/{id}`` on any host (chosen
by hash), each linked from one page only; a share of them is broken (404, 410,
500) or redirects (301 to a page that answers 200, or 302 to one that answers
404). Every page also links ``/`` (its nav). Pages and leaves have configurable
body sizes; 200 answers carry an ETag and Last-Modified and honour
If-None-Match / If-Modified-Since.

Latency. Every answer waits ``latency`` seconds, plus, with ``jitter``, a share
of ``jitter`` seconds drawn from the seed for each URL (uniform): the same URL
always takes the same time, whichever tool asks and in whatever order.

Politeness, on the server's side. With ``max_concurrent_per_host`` = c, a host
serves at most c requests at once and queues the others in arrival order, as a
rate-limited server would, so a client gains nothing by sending more. A request
moves through three states: *queued* (arrived, waiting for one of the c slots),
*served* (holds a slot; its latency runs from here, so queued time is not
serving time) and *answered*.

Everything is deterministic (the same spec gives the same web), so each tool's
broken links can be compared with the truth (:meth:`WebSpec.expected`).

The server counts what it received: requests (by method and status), bytes sent
(status line, headers and body), per host the most requests arrived and not yet
answered, the most served at once and the most queued, the time of the first and
last request, which link URLs were requested, and a log of every request.

    python -m bench.web --serve --spec '{"hosts": 4, ...}'   # prints one JSON line, serves

The harness (and tests, through :class:`WebProcess`) starts that in a subprocess
and reads the counters over a control port on 127.0.0.1: ``GET /stats``,
``GET /log`` (a JSON list of ``[host_index, method, path, status]``, one per
request in arrival order) and ``GET /reset`` (clears both).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import signal
import socket
import sys
import time
import zlib
from collections import deque
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

# Share of leaves per kind; the rest answer 200.
DEFAULT_KINDS = {"404": 0.05, "410": 0.02, "500": 0.02, "redirect": 0.05, "redirect404": 0.01}
BROKEN_KINDS = frozenset({"404", "410", "500", "redirect404"})
LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"
FILLER = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
          "incididunt ut labore et dolore magna aliqua. ")


@dataclass(frozen=True)
class WebSpec:
    hosts: int = 8
    pages: int = 5  # per host
    links: int = 25  # per page (page links + leaves; the nav link to "/" is extra)
    branching: int = 5  # child pages per page (the tree)
    extra_page_links: int = 0  # more same-host page links per page, besides its children
    latency: float = 0.05  # seconds before each answer (the least, with jitter)
    jitter: float = 0.0  # each URL waits latency + uniform(0, jitter) seconds, drawn from the seed
    seed: int = 0  # for extra page links and jitter
    max_concurrent_per_host: int = 0  # c: requests a host serves at once, the rest queue (0: no cap)
    page_bytes: int = 16384  # body size of a page (links + filler)
    leaf_bytes: int = 2048  # body size of a leaf that answers 200
    kinds: tuple[tuple[str, float], ...] = tuple(DEFAULT_KINDS.items())
    linkchecker_header: bool = True  # lets LinkChecker lift its 10 req/s per host cap
    first_address: int = 2  # hosts are 127.0.0.{first_address + i}

    @classmethod
    def for_links(cls, links_total: int, **kwargs: Any) -> WebSpec:
        """A spec with about `links_total` unique link URLs (pages + leaves).

        A host of P pages has P * (L - extra_page_links) + 1 of them: each page but
        ``/`` is some page's child, and the other page links lead to pages counted already.

        >>> spec = WebSpec.for_links(10_000, hosts=8, links=20, branching=6, extra_page_links=13)
        >>> spec.pages, len(spec.expected([f"http://h{i}" for i in range(8)])["links"])
        (178, 9976)
        """
        hosts = kwargs.get("hosts", cls.hosts)
        new_per_page = max(1, kwargs.get("links", cls.links) - kwargs.get("extra_page_links", cls.extra_page_links))
        pages = max(1, round((links_total / hosts - 1) / new_per_page))
        return cls(pages=pages, **kwargs)

    # -- the shape -------------------------------------------------------------------

    def children(self, page: int) -> range:
        first = page * self.branching + 1
        return range(min(first, self.pages), min(first + self.branching, self.pages))

    def extra_pages(self, host: int, page: int) -> list[int]:
        """The page's other same-host page links: the j-th among pages 1..page-1 for
        even j, page+1..P-1 for odd j (the other side when that fails); never "/",
        the page itself, a child or one twice. Fewer when the host has too few pages."""
        if self.extra_page_links <= 0:
            return []
        taken = {0, page, *self.children(page)}
        below, above = range(1, page), range(page + 1, self.pages)
        out: list[int] = []
        for j in range(self.extra_page_links):
            target = self._pick(host, page, j, below if j % 2 == 0 else above, taken)
            if target is None:
                target = self._pick(host, page, j, above if j % 2 == 0 else below, taken)
            if target is not None:
                taken.add(target)
                out.append(target)
        return out

    def _pick(self, host: int, page: int, j: int, pool: range, taken: set[int]) -> int | None:
        for attempt in range(8 if pool else 0):
            target = pool[_hash(f"{self.seed}:{host}:{page}:{j}:{attempt}") % len(pool)]
            if target not in taken:
                return target
        return None

    def page_links(self, host: int, page: int) -> list[int]:
        """The pages a page links (besides "/"): its children, then its extra page links."""
        return self._graph[host][page]

    @cached_property
    def _graph(self) -> list[list[list[int]]]:
        return [[[*self.children(page), *self.extra_pages(host, page)] for page in range(self.pages)]
                for host in range(self.hosts)]

    def distances(self, host: int) -> dict[int, int]:
        """Hops from a host's "/" to each page, by breadth-first search.

        >>> WebSpec(hosts=1, pages=7, branching=2).distances(0)
        {0: 0, 1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 2}
        """
        seen = {0: 0}
        frontier = [0]
        while frontier:
            following = []
            for page in frontier:
                for target in self.page_links(host, page):
                    if target not in seen:
                        seen[target] = seen[page] + 1
                        following.append(target)
            frontier = following
        return seen

    @cached_property
    def height(self) -> int:
        """The most hops from a host's "/" to one of its pages, by the shortest path."""
        return max(max(self.distances(host).values()) for host in range(self.hosts))

    @property
    def mean_latency(self) -> float:
        """Seconds an answer waits on average, once it is served."""
        return self.latency + self.jitter / 2

    def latency_of(self, host: int, path: str) -> float:
        """Seconds the answer to `path` on `host` waits once it is served."""
        if self.jitter <= 0:
            return self.latency
        digest = hashlib.blake2b(f"{self.seed}:{host}:{path}".encode(), digest_size=8).digest()
        return self.latency + self.jitter * int.from_bytes(digest, "big") / 2**64

    def leaves(self, host: int, page: int) -> list[tuple[str, int, str]]:
        """(leaf id, target host, kind) of each leaf on a page."""
        out = []
        for j in range(max(0, self.links - len(self.page_links(host, page)))):
            leaf = f"{host}.{page}.{j}"
            out.append((leaf, _hash(leaf + "@") % self.hosts, self.kind(leaf)))
        return out

    def kind(self, leaf: str) -> str:
        roll, edge = _hash(leaf) / 2**32, 0.0
        for kind, share in self.kinds:
            edge += share
            if roll < edge:
                return kind
        return "ok"

    def expected(self, bases: list[str], depth: int | None = None) -> dict[str, Any]:
        """The truth for a checker that reads the pages within `depth` hops of each "/"
        (None: all of them) and checks every link on them: ``pages`` read, ``links``
        to check (each URL once) and the ``broken`` ones among them."""
        pages: list[str] = []
        links: dict[str, None] = {}
        broken: list[str] = []
        for host in range(self.hosts):
            hops = self.distances(host)
            read = sorted(page for page, d in hops.items() if depth is None or d <= depth)
            for page in read:
                pages.append(page_url(bases[host], page))
                links[page_url(bases[host], 0)] = None
                for target in self.page_links(host, page):
                    links[page_url(bases[host], target)] = None
                for leaf, target, kind in self.leaves(host, page):
                    url = f"{bases[target]}/l/{kind}/{leaf}"
                    links[url] = None
                    if kind in BROKEN_KINDS:
                        broken.append(url)
        return {"pages": pages, "links": list(links), "broken": broken}

    def as_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> WebSpec:
        data = json.loads(text)
        data["kinds"] = tuple(tuple(k) for k in data.get("kinds", DEFAULT_KINDS.items()))
        return cls(**data)


def _hash(text: str) -> int:
    return zlib.crc32(text.encode())


def page_url(base: str, page: int) -> str:
    return f"{base}/" if page == 0 else f"{base}/p/{page}"


# -- the server --------------------------------------------------------------------------


class Counters:
    """What the server received since the last reset."""

    def __init__(self, hosts: int):
        self.hosts = hosts
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.methods: dict[str, int] = {}
        self.statuses: dict[str, int] = {}
        self.bytes_sent = 0
        self.body_bytes = 0
        self.robots = 0
        self.not_modified = 0
        self.conditional = 0
        self.connections = 0
        self.max_in_flight = [0] * self.hosts  # arrived and not yet answered
        self.max_serving = [0] * self.hosts  # holding one of the c slots
        self.max_queued = [0] * self.hosts  # waiting for a slot
        self.queued = 0  # requests that had to wait for a slot
        self.queue_wait = 0.0  # seconds they waited, in all
        self.latency = 0.0  # seconds of latency served, in all
        self.served = 0
        self.abandoned = 0  # the client went away while its request waited
        # Turnaround: a slot freed by an answer with no request waiting stays idle until
        # the client's next request arrives. One gap per such slot, in seconds (a slot
        # still idle at the end, or never used, counts none).
        self.idle_gaps: list[float] = []
        self.per_host = [0] * self.hosts
        self.first: float | None = None
        self.last: float | None = None
        self.paths: set[tuple[int, str]] = set()
        self.log: list[tuple[int, str, str, int]] = []

    def as_dict(self, expected_paths: set[tuple[int, str]] | None = None) -> dict[str, Any]:
        window = (self.last - self.first) if self.first is not None and self.last is not None else 0.0
        out: dict[str, Any] = {
            "requests": self.requests, "methods": self.methods, "statuses": self.statuses,
            "bytes_sent": self.bytes_sent, "body_bytes": self.body_bytes, "robots_requests": self.robots,
            "conditional_requests": self.conditional, "not_modified": self.not_modified,
            "connections": self.connections,
            "max_in_flight_per_host": max(self.max_in_flight, default=0), "max_in_flight_by_host": self.max_in_flight,
            "max_serving_per_host": max(self.max_serving, default=0), "max_serving_by_host": self.max_serving,
            "max_queued_per_host": max(self.max_queued, default=0), "max_queued_by_host": self.max_queued,
            "queued_requests": self.queued, "queue_wait_s": round(self.queue_wait, 3),
            "mean_latency_ms": round(self.latency / self.served * 1000, 2) if self.served else None,
            "abandoned_requests": self.abandoned, "requests_by_host": self.per_host,
            "active_window_s": round(window, 3), "distinct_paths": len(self.paths),
            **_gap_figures(self.idle_gaps),
        }
        if expected_paths is not None:
            missing = expected_paths - self.paths
            out["links_requested"] = len(expected_paths) - len(missing)
            out["links_missed"] = len(missing)
            out["links_missed_examples"] = sorted(f"{h}:{p}" for h, p in missing)[:10]
        return out


def _gap_figures(gaps: list[float]) -> dict[str, Any]:
    """The idle gaps of the slots: how many, their sum and their median and 90th
    percentile in ms.

    >>> _gap_figures([0.001, 0.002, 0.003, 0.010])
    {'idle_gaps': 4, 'idle_slot_s': 0.016, 'idle_gap_median_ms': 2.5, 'idle_gap_p90_ms': 10.0}
    """
    if not gaps:
        return {"idle_gaps": 0, "idle_slot_s": 0.0, "idle_gap_median_ms": None, "idle_gap_p90_ms": None}
    ordered = sorted(gaps)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return {"idle_gaps": len(gaps), "idle_slot_s": round(sum(gaps), 3), "idle_gap_median_ms": round(median * 1000, 2),
            "idle_gap_p90_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))] * 1000, 2)}


@dataclass(slots=True)
class _Job:
    """One request, from its arrival to its answer."""

    conn: _Http
    method: str
    status: int
    extra: list[str]
    body: bytes
    close: bool
    latency: float
    arrived: float


class Web:
    def __init__(self, spec: WebSpec):
        self.spec = spec
        self.counters = Counters(spec.hosts)
        self.bases: list[str] = []
        self.pages: dict[tuple[int, int], bytes] = {}
        self.expected_paths: set[tuple[int, str]] = set()
        self._filler_leaf = (FILLER * (spec.leaf_bytes // len(FILLER) + 1)).encode()
        self.unanswered = [0] * spec.hosts
        self.serving = [0] * spec.hosts
        self.waiting: list[deque[_Job]] = [deque() for _ in range(spec.hosts)]
        self.idle_since: list[deque[float]] = [deque() for _ in range(spec.hosts)]  # freed slots, when

    async def start(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        self.servers = []
        for host in range(self.spec.hosts):
            address = f"127.0.0.{self.spec.first_address + host}"
            server = await loop.create_server(lambda h=host: _Http(self, h), address, 0, backlog=1024)
            port = server.sockets[0].getsockname()[1]
            self.servers.append(server)
            self.bases.append(f"http://{address}:{port}")
        control = await loop.create_server(lambda: _Http(self, -1), "127.0.0.1", 0)
        self.servers.append(control)
        expected = self.spec.expected(self.bases)
        index = {base: i for i, base in enumerate(self.bases)}
        for url in expected["links"]:
            base, path = _split(url)
            self.expected_paths.add((index[base], path))
        return {"bases": self.bases, "control": control.sockets[0].getsockname()[1],
                "links": len(expected["links"]), "broken": len(expected["broken"]), "height": self.spec.height}

    # -- politeness: at most c served at once per host, the rest queue in arrival order ------

    def admit(self, host: int, job: _Job) -> None:
        counters = self.counters
        self.unanswered[host] += 1
        counters.max_in_flight[host] = max(counters.max_in_flight[host], self.unanswered[host])
        cap = self.spec.max_concurrent_per_host
        if cap and self.serving[host] >= cap:
            queue = self.waiting[host]
            queue.append(job)
            counters.queued += 1
            counters.max_queued[host] = max(counters.max_queued[host], len(queue))
        else:
            self._serve(host, job)

    def _serve(self, host: int, job: _Job) -> None:
        counters = self.counters
        idle = self.idle_since[host]
        if idle:  # this request takes a slot that an answer left empty
            counters.idle_gaps.append(time.monotonic() - idle.popleft())
        self.serving[host] += 1
        counters.max_serving[host] = max(counters.max_serving[host], self.serving[host])
        counters.queue_wait += time.monotonic() - job.arrived
        counters.latency += job.latency
        counters.served += 1
        asyncio.get_running_loop().call_later(job.latency, self._done, host, job)

    def _done(self, host: int, job: _Job) -> None:
        self.serving[host] -= 1
        self.unanswered[host] -= 1
        # The freed slot goes to the longest-waiting request before the answer lets
        # this connection send its next one.
        cap, queue = self.spec.max_concurrent_per_host, self.waiting[host]
        while queue and (not cap or self.serving[host] < cap):
            waiting = queue.popleft()
            if waiting.conn.transport is None:
                self.unanswered[host] -= 1
                self.counters.abandoned += 1
                continue
            self._serve(host, waiting)
        if cap and self.serving[host] < cap:
            self.idle_since[host].append(time.monotonic())
        job.conn.respond(job)

    # -- content ------------------------------------------------------------------------

    def page(self, host: int, number: int) -> bytes:
        cached = self.pages.get((host, number))
        if cached is not None:
            return cached
        spec = self.spec
        parts = [f"<!doctype html><html><head><title>Host {host} page {number}</title>"
                 f"<meta name=description content='synthetic page'></head><body>"
                 f"<nav><a href=\"/\">home</a></nav><main><h1 id=top>Page {number}</h1><ul>"]
        for target in spec.page_links(host, number):
            parts.append(f'<li><a href="/p/{target}">page {target}</a></li>')
        for leaf, target, kind in spec.leaves(host, number):
            href = f"/l/{kind}/{leaf}" if target == host else f"{self.bases[target]}/l/{kind}/{leaf}"
            parts.append(f'<li><a href="{href}">resource {leaf}</a></li>')
        parts.append('</ul><p><a href="mailto:web@example.org">mail</a></p>')
        html = "".join(parts)
        room = spec.page_bytes - len(html) - len("</main></body></html>") - 7
        if room > 0:
            html += "<p>" + (FILLER * (room // len(FILLER) + 1))[:room] + "</p>"
        body = (html + "</main></body></html>").encode()
        self.pages[(host, number)] = body
        return body

    def answer(self, host: int, method: str, path: str, headers: dict[str, str]) -> tuple[int, list[str], bytes]:
        """(status, extra header lines, body) for one request."""
        if path == "/robots.txt":
            self.counters.robots += 1
            return 200, ["Content-Type: text/plain"], b"User-agent: *\nDisallow:\n"
        parts = path.split("/")
        if path == "/" or (len(parts) == 3 and parts[1] == "p" and parts[2].isdigit()):
            number = 0 if path == "/" else int(parts[2])
            if number < self.spec.pages:
                return self._ok(path, headers, self.page(host, number))
        elif len(parts) == 4 and parts[1] == "l":
            kind = parts[2]
            if kind in ("404", "410", "500"):
                return int(kind), ["Content-Type: text/html"], _error_body(int(kind))
            if kind == "redirect":
                return 301, [f"Location: /t/{parts[3]}", "Content-Type: text/html"], b""
            if kind == "redirect404":
                return 302, [f"Location: /gone/{parts[3]}", "Content-Type: text/html"], b""
            if kind == "ok":
                return self._ok(path, headers, self._leaf(parts[3]))
        elif len(parts) == 3 and parts[1] == "t":
            return self._ok(path, headers, self._leaf(parts[2]))
        return 404, ["Content-Type: text/html"], _error_body(404)

    def _leaf(self, leaf: str) -> bytes:
        head = f"<!doctype html><html><head><title>Resource {leaf}</title></head><body><p>".encode()
        room = max(0, self.spec.leaf_bytes - len(head) - 18)
        return head + self._filler_leaf[:room] + b"</p></body></html>"

    def _ok(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list[str], bytes]:
        etag = f'"{zlib.crc32(body):08x}"'
        validators = [f"ETag: {etag}", f"Last-Modified: {LAST_MODIFIED}"]
        inm, ims = headers.get("if-none-match"), headers.get("if-modified-since")
        if inm is not None or ims is not None:
            self.counters.conditional += 1
            if (inm is not None and etag in inm) or (inm is None and ims == LAST_MODIFIED):
                self.counters.not_modified += 1
                return 304, validators, b""
        return 200, ["Content-Type: text/html; charset=utf-8", *validators], body

    def stats(self) -> dict[str, Any]:
        return self.counters.as_dict(self.expected_paths)


def _error_body(status: int) -> bytes:
    return (f"<!doctype html><html><head><title>{status}</title></head>"
            f"<body><h1>Error {status}</h1><p>Synthetic error page.</p></body></html>").encode()


REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 404: "Not Found",
           410: "Gone", 500: "Internal Server Error"}


def _split(url: str) -> tuple[str, str]:
    scheme_host, _, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    return f"{scheme_host}://{netloc}", slash + path


class _Http(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; one request at a time per connection (pipelined
    requests wait their turn). Host -1 is the control port."""

    def __init__(self, web: Web, host: int):
        self.web, self.host = web, host
        self.buffer = b""
        self.busy = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if self.host >= 0:
            self.web.counters.connections += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > 65536 and b"\r\n\r\n" not in self.buffer:
            self.transport.close()
            return
        self._next()

    def _next(self) -> None:
        if self.busy or self.transport is None or self.transport.is_closing():
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
        lines = head.split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            self.transport.close()
            return
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        if self.host < 0:
            self._control(target)
            return
        web, counters = self.web, self.web.counters
        now = time.monotonic()
        counters.first = now if counters.first is None else counters.first
        counters.last = now
        counters.requests += 1
        counters.per_host[self.host] += 1
        counters.methods[method] = counters.methods.get(method, 0) + 1
        path = target.split("?", 1)[0]
        counters.paths.add((self.host, path))
        self.busy = True
        status, extra, body = web.answer(self.host, method, path, headers)
        counters.log.append((self.host, method, path, status))
        web.admit(self.host, _Job(self, method, status, extra, body, close, web.spec.latency_of(self.host, path), now))

    def respond(self, job: _Job) -> None:
        counters = self.web.counters
        counters.last = time.monotonic()
        counters.statuses[str(job.status)] = counters.statuses.get(str(job.status), 0) + 1
        self.busy = False
        if self.transport is None or self.transport.is_closing():
            return
        lines = [f"HTTP/1.1 {job.status} {REASONS.get(job.status, 'X')}", *job.extra]
        if job.status != 304:
            lines.append(f"Content-Length: {len(job.body)}")
        if self.web.spec.linkchecker_header:
            lines.append("LinkChecker: bench")
        if job.close:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        payload = b"" if job.method == "HEAD" or job.status == 304 else job.body
        counters.bytes_sent += len(head) + len(payload)
        counters.body_bytes += len(payload)
        self.transport.write(head + payload)
        if job.close:
            self.transport.close()
        else:
            self._next()

    def _control(self, target: str) -> None:
        if target.startswith("/reset"):
            self.web.counters.reset()
            for idle in self.web.idle_since:
                idle.clear()
            body = b"{}"
        elif target.startswith("/log"):
            body = json.dumps(self.web.counters.log).encode()
        else:
            body = json.dumps(self.web.stats()).encode()
        self.transport.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
                             f"\r\nConnection: close\r\n\r\n".encode() + body)
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def _serve(spec: WebSpec) -> None:
    web = Web(spec)
    info = await web.start()
    print(json.dumps(info), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.buffer.read1(4096) else None)
    await stop.wait()


# -- the harness side --------------------------------------------------------------------


class WebProcess:
    """The synthetic web in its own process (so its CPU is not the tool's), for the
    harness and for tests. It serves from construction until :meth:`stop` (or the
    end of a ``with`` block); closing its stdin also stops it.

        with WebProcess(WebSpec(hosts=2, pages=20, extra_page_links=3, jitter=0.02)) as web:
            ...  # crawl web.bases[i] + "/"
            gets = Counter((h, p) for h, m, p, _ in web.log() if m == "GET")
            for url in web.spec.expected(web.bases, depth=2)["pages"]:
                assert gets[web.address(url)] == 1
    """

    def __init__(self, spec: WebSpec):
        import subprocess

        self.spec = spec
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.web", "--serve", "--spec", spec.as_json()],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     cwd=_root())
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(10)
            raise RuntimeError("the synthetic web did not start")
        info = json.loads(line)
        self.bases: list[str] = info["bases"]
        self.control: int = info["control"]
        self.height: int = info["height"]
        self.expected = spec.expected(self.bases)

    def _get(self, path: str) -> Any:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.control, timeout=30)
        try:
            conn.request("GET", path)
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def stats(self) -> dict[str, Any]:
        return self._get("/stats")

    def log(self) -> list[tuple[int, str, str, int]]:
        """(host index, method, path, status) of every request since the last reset, in arrival order."""
        return [tuple(entry) for entry in self._get("/log")]  # type: ignore[misc]

    def reset(self) -> None:
        """Clear the counters and the log."""
        self._get("/reset")

    def address(self, url: str) -> tuple[int, str]:
        """(host index, path) of a URL of this web, as the log names it."""
        base, path = _split(url)
        return self.bases.index(base), path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except Exception:
                self.proc.terminate()
                self.proc.wait(10)

    def __enter__(self) -> WebProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _root() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent)


def free_loopback(count: int, first: int = 2) -> bool:
    """Can we bind 127.0.0.{first}..{first+count-1}? (Linux routes all of 127/8 to lo.)"""
    for i in range(count):
        with socket.socket() as s:
            try:
                s.bind((f"127.0.0.{first + i}", 0))
            except OSError:
                return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--spec", default="{}")
    args = parser.parse_args()
    spec = WebSpec.from_json(args.spec)
    if spec.hosts + spec.first_address > 255 or math.isnan(spec.latency):
        parser.error("too many hosts")
    asyncio.run(_serve(spec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
