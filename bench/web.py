"""A synthetic web on loopback: H hosts x P pages with L links each.

Each host is its own loopback address (127.0.0.2, 127.0.0.3, ...), so every tool
(and Scrapy's per-domain slots) sees H distinct hosts. A host's pages form a tree:
``/`` is page 0 and page k links to its children ``/p/{k*b+1}`` .. ``/p/{k*b+b}``,
so every page is reached within ``height`` hops. The rest of a page's L links
are leaves ``/l/{kind}/{id}`` on any host (chosen by hash), each linked from one
page only; a share of them is broken (404, 410, 500) or redirects (301 to a page
that answers 200, or 302 to one that answers 404). Every answer is delayed by
``latency`` seconds; pages and leaves have configurable body sizes; 200 answers
carry an ETag and Last-Modified and honour If-None-Match / If-Modified-Since.

Everything is deterministic (the same spec gives the same web), so each tool's
broken links can be compared with the truth (:meth:`WebSpec.expected`).

The server counts what it received: requests (by method and status), bytes sent
(status line, headers and body), the most requests in flight at once per host,
the time of the first and last request, and which link URLs were requested.

    python -m bench.web --serve --spec '{"hosts": 4, ...}'   # prints one JSON line, serves

The harness starts that in a subprocess and reads the counters over a control
port on 127.0.0.1 (``GET /stats``, ``GET /reset``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import signal
import socket
import sys
import time
import zlib
from dataclasses import asdict, dataclass
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
    links: int = 25  # per page (children pages + leaves)
    branching: int = 5  # child pages per page
    latency: float = 0.05  # seconds before each answer
    page_bytes: int = 16384  # body size of a page (links + filler)
    leaf_bytes: int = 2048  # body size of a leaf that answers 200
    kinds: tuple[tuple[str, float], ...] = tuple(DEFAULT_KINDS.items())
    linkchecker_header: bool = True  # lets LinkChecker lift its 10 req/s per host cap
    first_address: int = 2  # hosts are 127.0.0.{first_address + i}

    @classmethod
    def for_links(cls, links_total: int, **kwargs: Any) -> WebSpec:
        """A spec with about `links_total` unique link URLs (pages + leaves)."""
        hosts, per_page = kwargs.get("hosts", cls.hosts), kwargs.get("links", cls.links)
        pages = max(1, round(links_total / (hosts * per_page)))
        return cls(pages=pages, **kwargs)

    # -- the shape -------------------------------------------------------------------

    def children(self, page: int) -> range:
        first = page * self.branching + 1
        return range(min(first, self.pages), min(first + self.branching, self.pages))

    def level(self, page: int) -> int:
        level = 0
        while page > 0:
            page = (page - 1) // self.branching
            level += 1
        return level

    @property
    def height(self) -> int:
        """Hops from a host's root to its deepest page."""
        return self.level(self.pages - 1)

    def leaves(self, host: int, page: int) -> list[tuple[str, int, str]]:
        """(leaf id, target host, kind) of each leaf on a page."""
        out = []
        for j in range(max(0, self.links - len(self.children(page)))):
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

    def expected(self, bases: list[str]) -> dict[str, Any]:
        """The truth: every link URL (pages and leaves) and the broken ones."""
        links: list[str] = []
        broken: list[str] = []
        for host in range(self.hosts):
            for page in range(self.pages):
                links.append(page_url(bases[host], page))
                for leaf, target, kind in self.leaves(host, page):
                    url = f"{bases[target]}/l/{kind}/{leaf}"
                    links.append(url)
                    if kind in BROKEN_KINDS:
                        broken.append(url)
        return {"links": links, "broken": broken}

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
        self.in_flight = [0] * self.hosts
        self.max_in_flight = [0] * self.hosts
        self.per_host = [0] * self.hosts
        self.first: float | None = None
        self.last: float | None = None
        self.paths: set[tuple[int, str]] = set()

    def as_dict(self, expected_paths: set[tuple[int, str]] | None = None) -> dict[str, Any]:
        window = (self.last - self.first) if self.first is not None and self.last is not None else 0.0
        out: dict[str, Any] = {
            "requests": self.requests, "methods": self.methods, "statuses": self.statuses,
            "bytes_sent": self.bytes_sent, "body_bytes": self.body_bytes, "robots_requests": self.robots,
            "conditional_requests": self.conditional, "not_modified": self.not_modified,
            "connections": self.connections, "max_in_flight_per_host": max(self.max_in_flight, default=0),
            "max_in_flight_by_host": self.max_in_flight, "requests_by_host": self.per_host,
            "active_window_s": round(window, 3), "distinct_paths": len(self.paths),
        }
        if expected_paths is not None:
            missing = expected_paths - self.paths
            out["links_requested"] = len(expected_paths) - len(missing)
            out["links_missed"] = len(missing)
            out["links_missed_examples"] = sorted(f"{h}:{p}" for h, p in missing)[:10]
        return out


class Web:
    def __init__(self, spec: WebSpec):
        self.spec = spec
        self.counters = Counters(spec.hosts)
        self.bases: list[str] = []
        self.pages: dict[tuple[int, int], bytes] = {}
        self.expected_paths: set[tuple[int, str]] = set()
        self._filler_leaf = (FILLER * (spec.leaf_bytes // len(FILLER) + 1)).encode()

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

    # -- content ------------------------------------------------------------------------

    def page(self, host: int, number: int) -> bytes:
        cached = self.pages.get((host, number))
        if cached is not None:
            return cached
        spec = self.spec
        parts = [f"<!doctype html><html><head><title>Host {host} page {number}</title>"
                 f"<meta name=description content='synthetic page'></head><body>"
                 f"<nav><a href=\"/\">home</a></nav><main><h1 id=top>Page {number}</h1><ul>"]
        for child in spec.children(number):
            parts.append(f'<li><a href="/p/{child}">page {child}</a></li>')
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
        counters = self.web.counters
        now = time.monotonic()
        counters.first = now if counters.first is None else counters.first
        counters.last = now
        counters.requests += 1
        counters.per_host[self.host] += 1
        counters.methods[method] = counters.methods.get(method, 0) + 1
        counters.in_flight[self.host] += 1
        counters.max_in_flight[self.host] = max(counters.max_in_flight[self.host], counters.in_flight[self.host])
        path = target.split("?", 1)[0]
        counters.paths.add((self.host, path))
        self.busy = True
        status, extra, body = self.web.answer(self.host, method, path, headers)
        asyncio.get_running_loop().call_later(self.web.spec.latency, self._respond, method, status, extra,
                                              body, close)

    def _respond(self, method: str, status: int, extra: list[str], body: bytes, close: bool) -> None:
        counters = self.web.counters
        counters.in_flight[self.host] -= 1
        counters.last = time.monotonic()
        counters.statuses[str(status)] = counters.statuses.get(str(status), 0) + 1
        self.busy = False
        if self.transport is None or self.transport.is_closing():
            return
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'X')}", *extra]
        if status != 304:
            lines.append(f"Content-Length: {len(body)}")
        if self.web.spec.linkchecker_header:
            lines.append("LinkChecker: bench")
        if close:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        payload = b"" if method == "HEAD" or status == 304 else body
        counters.bytes_sent += len(head) + len(payload)
        counters.body_bytes += len(payload)
        self.transport.write(head + payload)
        if close:
            self.transport.close()
        else:
            self._next()

    def _control(self, target: str) -> None:
        if target.startswith("/reset"):
            self.web.counters.reset()
            body = b"{}"
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
    """The synthetic web in its own process, so its CPU is not the tool's."""

    def __init__(self, spec: WebSpec):
        import subprocess

        self.spec = spec
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.web", "--serve", "--spec", spec.as_json()],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     cwd=_root())
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the synthetic web did not start")
        info = json.loads(line)
        self.bases: list[str] = info["bases"]
        self.control: int = info["control"]
        self.height: int = info["height"]
        self.expected = spec.expected(self.bases)

    def _get(self, path: str) -> dict[str, Any]:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.control, timeout=30)
        try:
            conn.request("GET", path)
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def stats(self) -> dict[str, Any]:
        return self._get("/stats")

    def reset(self) -> None:
        self._get("/reset")

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
