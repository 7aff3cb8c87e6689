"""A small multi-host web on loopback that counts what it is asked, for the
distributed tests: how often each URL was requested, and the most requests in
flight at once per host (the politeness limit, seen from the server side).

Host h is 127.0.0.{first + h}. Its root links to `sections` pages; each section
links to `leaves` leaf URLs on the same host, every 10th of which answers 404 and
every 15th redirects (301) to a page that answers 200; every root also links to
a few URLs on host 0 that all other hosts share (never host 0 itself: which
resource reaches a URL first decides whether it is followed as a page, and that
order is not the same from run to run). Every answer waits `latency` seconds.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class SiteShape:
    hosts: int = 4
    sections: int = 20
    leaves: int = 30
    shared: int = 5
    latency: float = 0.02
    first: int = 60

    def expected_paths(self) -> set[tuple[int, str]]:
        """Every (host, path) a full check must request, redirect targets included."""
        paths = set()
        for host in range(self.hosts):
            paths.add((host, "/"))
            for s in range(self.sections):
                paths.add((host, f"/s/{s}"))
                for leaf in range(self.leaves):
                    paths.add((host, f"/s/{s}/l/{leaf}"))
                    if _redirects(leaf):
                        paths.add((host, f"/t/{s}/{leaf}"))
        paths.update((0, f"/shared/{k}") for k in range(self.shared))
        return paths

    def link_count(self) -> int:
        """Links a full check stores: all but the resources' roots and the redirect targets."""
        return sum(1 for _host, path in self.expected_paths() if path != "/" and not path.startswith("/t/"))

    def broken_paths(self) -> set[tuple[int, str]]:
        return {(h, f"/s/{s}/l/{leaf}") for h in range(self.hosts) for s in range(self.sections)
                for leaf in range(self.leaves) if leaf % 10 == 9}


class CountingSite:
    def __init__(self, shape: SiteShape):
        self.shape = shape
        self.requests: Counter[tuple[int, str, str]] = Counter()  # (host, method, path)
        self.in_flight = [0] * shape.hosts
        self.max_in_flight = [0] * shape.hosts
        self.bases: list[str] = []
        self.held = 0  # requests waiting at the gate now
        self._gate: asyncio.Event | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> CountingSite:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            for server in self._servers:
                server.close()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> None:
        self._servers = []
        for host in range(self.shape.hosts):
            address = f"127.0.0.{self.shape.first + host}"
            server = await asyncio.start_server(lambda r, w, h=host: self._serve(h, r, w), address, 0)
            self._servers.append(server)
            self.bases.append(f"http://{address}:{server.sockets[0].getsockname()[1]}")

    def hold(self) -> None:
        """From now on every request waits unanswered until `release`: whoever sent
        it keeps it in flight (in distributed mode: leased, not committed)."""
        async def close() -> None:
            self._gate = asyncio.Event()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)

    def release(self) -> None:
        async def open_() -> None:
            if self._gate is not None:
                self._gate.set()
                self._gate = None

        asyncio.run_coroutine_threadsafe(open_(), self._loop).result(10)

    def reset(self) -> None:
        self.requests.clear()
        self.max_in_flight = [0] * self.shape.hosts

    def repeated(self) -> dict[tuple[int, str, str], int]:
        """(host, method, path) asked more than once (HEAD then GET after a HEAD
        error is one check: healthcrawl retries a failed HEAD with GET)."""
        return {key: n for key, n in dict(self.requests).items() if n > 1 and key[2] != "/robots.txt"}

    def requested_paths(self) -> Counter[tuple[int, str]]:
        """Requests per (host, path), any method, robots.txt left out."""
        counts: Counter[tuple[int, str]] = Counter()
        # dict() copies in one step: the server's thread adds requests meanwhile
        for (host, _method, path), n in dict(self.requests).items():
            if path != "/robots.txt":
                counts[(host, path)] += n
        return counts

    # -- HTTP/1.1 with keep-alive ----------------------------------------------------

    async def _serve(self, host: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
                path = target.split("?", 1)[0]
                self.requests[(host, method, path)] += 1
                self.in_flight[host] += 1
                self.max_in_flight[host] = max(self.max_in_flight[host], self.in_flight[host])
                try:
                    if (gate := self._gate) is not None:
                        self.held += 1
                        try:
                            await gate.wait()
                        finally:
                            self.held -= 1
                    await asyncio.sleep(self.shape.latency)
                    status, headers, body = self._answer(host, path)
                finally:
                    self.in_flight[host] -= 1
                lines = [f"HTTP/1.1 {status} X", *headers, f"Content-Length: {len(body)}"]
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (b"" if method == "HEAD" else body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()

    def _answer(self, host: int, path: str) -> tuple[int, list[str], bytes]:
        shape, html = self.shape, ["Content-Type: text/html; charset=utf-8"]
        parts = path.strip("/").split("/")
        if path == "/robots.txt":
            return 200, ["Content-Type: text/plain"], b"User-agent: *\nDisallow:\n"
        if path == "/":
            links = [f"/s/{s}" for s in range(shape.sections)]
            if host:
                links += [f"{self.bases[0]}/shared/{k}" for k in range(shape.shared)]
            return 200, html, _page(f"Host {host}", links)
        if parts[0] == "s" and len(parts) == 2 and int(parts[1]) < shape.sections:
            links = [f"/s/{parts[1]}/l/{leaf}" for leaf in range(shape.leaves)]
            return 200, html, _page(f"Host {host} section {parts[1]}", links)
        if parts[0] == "s" and len(parts) == 4:
            leaf = int(parts[3])
            if leaf % 10 == 9:
                return 404, html, _page("Not found", [])
            if _redirects(leaf):
                return 301, [f"Location: /t/{parts[1]}/{leaf}"], b""
            return 200, html, _page(f"Leaf {path}", [])
        if parts[0] in ("t", "shared"):
            return 200, html, _page(f"Page {path}", [])
        return 404, html, _page("Not found", [])


def _redirects(leaf: int) -> bool:
    return leaf % 15 == 14 and leaf % 10 != 9


def _page(title: str, links: list[str]) -> bytes:
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return f"<!doctype html><html><head><title>{title}</title></head><body><ul>{items}</ul></body></html>".encode()
