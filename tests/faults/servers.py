"""Misbehaving servers on 127.0.0.1 for fault tests.

Real web servers (werkzeug, pytest-httpserver) are too well behaved to lie about
Content-Length, reset a connection mid-body or drip one byte a second, so these
speak HTTP/1.1 by hand over plain sockets. Each server runs in threads of the
test process, gives its URL, and stops cleanly (open connections are closed, so
no thread outlives the test).

    with HostileHTTPServer({"/drip": Drip()}) as server:
        url = server.url("/drip")
"""

from __future__ import annotations

import contextlib
import functools
import random
import select
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType

import brotli

MIB = 1 << 20
_ZERO_MIB = bytes(MIB)


class Exchange:
    """One request on one connection, as a handler sees it."""

    def __init__(self, sock: socket.socket, path: str, stopped: threading.Event):
        self.sock, self.path, self.stopped = sock, path, stopped

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_head(self, status: int, headers: Iterable[tuple[str, str]] = (), reason: str = "") -> None:
        lines = [f"HTTP/1.1 {status} {reason or _REASONS.get(status, 'Whatever')}"]
        lines += [f"{name}: {value}" for name, value in headers]
        lines.append("Connection: close")
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def reset(self) -> None:
        """Close with RST instead of FIN (SO_LINGER with a zero timeout)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


Handler = Callable[[Exchange], None]
_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found"}


class RawServer:
    """A threaded TCP listener: `serve(sock)` runs for each accepted connection."""

    scheme = "http"

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)  # so the accept loop notices stop()
        self.port: int = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def start(self) -> RawServer:
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        self.stopped.set()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> RawServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def serve(self, sock: socket.socket) -> None:
        raise NotImplementedError

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(10)  # a send to a client that stopped reading must not block forever
            with self._lock:
                self._conns.add(conn)
            self._spawn(self._serve_one, conn)

    def _serve_one(self, conn: socket.socket) -> None:
        try:
            self.serve(conn)
        except OSError:
            pass  # the client hung up or stop() closed us: both are expected here
        finally:
            with self._lock:
                self._conns.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()


class SilentServer(RawServer):
    """Accepts TCP and then says nothing, ever: with an https:// URL, this is a TLS
    handshake that never completes. `connections` logs (opened, closed) times."""

    scheme = "https"

    def __init__(self) -> None:
        super().__init__()
        self.connections = ConnectionLog()

    def serve(self, sock: socket.socket) -> None:
        with self.connections.track():
            _wait_for_hangup(sock, self.stopped)


class HostileHTTPServer(RawServer):
    """Reads one request head and hands it to the handler for its path. A route
    ending in "*" matches every path with that prefix."""

    def __init__(self, routes: dict[str, Handler]):
        super().__init__()
        self.routes = dict(routes)
        self.served: set[str] = set()  # routes whose handler has answered at least once

    def serve(self, sock: socket.socket) -> None:
        path = _read_request_path(sock)
        if path is None:
            return
        route, handler = self._handler_for(path)
        handler(Exchange(sock, path, self.stopped))
        self.served.add(route)

    def _handler_for(self, path: str) -> tuple[str, Handler]:
        if path in self.routes:
            return path, self.routes[path]
        for route, handler in self.routes.items():
            if route.endswith("*") and path.startswith(route[:-1]):
                return route, handler
        return "", respond(b"no such page", status=404, content_type="text/plain")


class ConnectionLog:
    """(opened, closed) monotonic times of each connection a handler served."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        opened = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self.spans.append((opened, time.monotonic()))

    @property
    def durations(self) -> list[float]:
        return sorted(closed - opened for opened, closed in self.spans)


def _wait_for_hangup(sock: socket.socket, stopped: threading.Event, timeout: float | None = None) -> bool:
    """Block until the peer closes (True), `timeout` passes or the server stops (False)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while not stopped.is_set():
        wait = 0.2 if deadline is None else min(0.2, deadline - time.monotonic())
        if wait <= 0:
            return False
        readable, _, _ = select.select([sock], [], [], wait)
        if readable:
            try:
                if not sock.recv(4096):
                    return True
            except OSError:
                return True
    return False


def _read_request_path(sock: socket.socket, limit: int = 65536) -> str | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > limit:
            return None
        data += chunk
    parts = data.split(b"\r\n", 1)[0].split()
    return parts[1].decode("latin-1") if len(parts) >= 2 else None


# -- handlers --------------------------------------------------------------------------


def respond(body: bytes, *, status: int = 200, content_type: str = "text/html",
            headers: Iterable[tuple[str, str]] = ()) -> Handler:
    """A well-framed answer (the body itself may be as hostile as you like)."""

    def handler(ex: Exchange) -> None:
        ex.send_head(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                              *headers])
        ex.send(body)

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    return respond(b"", status=status, headers=[("Location", location)])


class RedirectChain:
    """`prefix` + "1" -> "2" -> ... -> str(hops), which answers with `final`.
    Route it as prefix + "*"; `steps` lists the hops requested, in order."""

    def __init__(self, prefix: str, hops: int, final: Handler):
        self.prefix, self.hops, self.final = prefix, hops, final
        self.steps: list[int] = []

    def __call__(self, ex: Exchange) -> None:
        step = int(ex.path[len(self.prefix):] or 1)
        self.steps.append(step)
        if step >= self.hops:
            self.final(ex)
        else:
            redirect(f"{self.prefix}{step + 1}", status=302)(ex)


def oversized(total: int, *, declare_length: bool, chunk: int = 64 * 1024) -> Handler:
    """`total` bytes of HTML-ish filler, streamed; with or without Content-Length
    (without it, only counting what arrives can stop the download)."""

    def handler(ex: Exchange) -> None:
        headers = [("Content-Type", "text/html")]
        if declare_length:
            headers.append(("Content-Length", str(total)))
        ex.send_head(200, headers)
        block = (b"<p>" + b"x" * (chunk - 7) + b"</p>\n")[:chunk]
        sent = 0
        while sent < total and not ex.stopped.is_set():
            piece = block[: total - sent]
            ex.send(piece)
            sent += len(piece)

    return handler


class Drip:
    """Headers at once, then one byte every `interval` seconds until the client
    hangs up: a download that is always active and never done. `connections`
    says when each client gave up."""

    def __init__(self, interval: float = 1.0, *, declared: int = 1_000_000):
        self.interval, self.declared = interval, declared
        self.connections = ConnectionLog()

    def __call__(self, ex: Exchange) -> None:
        with self.connections.track():
            ex.send_head(200, [("Content-Type", "text/html"), ("Content-Length", str(self.declared))])
            while not _wait_for_hangup(ex.sock, ex.stopped, self.interval):
                if ex.stopped.is_set():
                    return
                ex.send(b"x")


def after(done: Callable[[], bool], handler: Handler, *, patience: float = 90) -> Handler:
    """`handler`, once `done()` holds (polled), keeping the client waiting until then:
    an answer that must come after others, on a machine of any speed."""

    def wrapper(ex: Exchange) -> None:
        deadline = time.monotonic() + patience
        while not done() and time.monotonic() < deadline:
            if ex.stopped.wait(0.05):
                return
        handler(ex)

    return wrapper


def raw(data: bytes) -> Handler:
    """Exactly these bytes, whatever they are, then close."""

    def handler(ex: Exchange) -> None:
        ex.send(data)

    return handler


def cut_off(*, declared: int, body: bytes, rst: bool) -> Handler:
    """Promise `declared` bytes, send fewer, then hang up: RST (reset) or FIN."""

    def handler(ex: Exchange) -> None:
        ex.send_head(200, [("Content-Type", "text/html"), ("Content-Length", str(declared))])
        ex.send(body)
        if rst:
            ex.reset()
        else:
            ex.sock.shutdown(socket.SHUT_RDWR)

    return handler


def compression_bomb(encoding: str, expanded: int = 1024 * MIB) -> Handler:
    """A small compressed body that inflates to `expanded` bytes of zeros.
    gzip and deflate are streamed block by block; brotli (about 1.6 kB for
    1 GiB) is built once and cached. Nothing of `expanded` size is ever in memory."""
    if encoding not in ("gzip", "deflate", "br"):
        raise ValueError(f"unknown encoding {encoding!r}")
    # Built now, before any client waits: compressing 1 GiB takes seconds, and inside the
    # handler it ran against the client's download timeout (lru_cache keys brotli_bomb()
    # and brotli_bomb(1 GiB) apart, so a warm-up without the argument did not help).
    brotli_body = brotli_bomb(expanded) if encoding == "br" else b""

    def handler(ex: Exchange) -> None:
        ex.send_head(200, [("Content-Type", "text/html"), ("Content-Encoding", encoding)])
        if encoding == "br":
            ex.send(brotli_body)
            return
        for piece in (gzip_bomb(expanded) if encoding == "gzip" else zlib_bomb(expanded)):
            if ex.stopped.is_set():
                return
            ex.send(piece)

    return handler


# -- compression bombs -----------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _deflated_zero_mib() -> bytes:
    """Raw deflate of one MiB of zeros ending in a full flush: it refers to nothing
    before itself, so repeating it N times is a valid stream of N MiB (~1 kB each)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return comp.compress(_ZERO_MIB) + comp.flush(zlib.Z_FULL_FLUSH)


_FINAL_BLOCK = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # last, empty block


def _raw_deflate_bomb(mebibytes: int) -> Iterator[bytes]:
    block = _deflated_zero_mib()
    for _ in range(mebibytes):
        yield block
    yield _FINAL_BLOCK


@functools.lru_cache(maxsize=4)
def _zero_checksums(mebibytes: int) -> tuple[int, int]:
    crc, adler = 0, 1
    for _ in range(mebibytes):
        crc, adler = zlib.crc32(_ZERO_MIB, crc), zlib.adler32(_ZERO_MIB, adler)
    return crc, adler


def gzip_bomb(expanded: int = 1024 * MIB) -> Iterator[bytes]:
    """A well-formed gzip member (right CRC and size) of `expanded` zero bytes."""
    mebibytes = expanded // MIB
    yield b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # magic, deflate, no flags, mtime 0, unix
    yield from _raw_deflate_bomb(mebibytes)
    crc, _ = _zero_checksums(mebibytes)
    yield struct.pack("<II", crc, (mebibytes * MIB) & 0xFFFFFFFF)


def zlib_bomb(expanded: int = 1024 * MIB) -> Iterator[bytes]:
    """HTTP "deflate" is the zlib format (RFC 1950): header, deflate, Adler-32."""
    mebibytes = expanded // MIB
    yield b"\x78\xda"  # deflate, 32 KiB window, best compression; (0x78da % 31 == 0)
    yield from _raw_deflate_bomb(mebibytes)
    _, adler = _zero_checksums(mebibytes)
    yield struct.pack(">I", adler)


@functools.lru_cache(maxsize=2)
def brotli_bomb(expanded: int = 1024 * MIB) -> bytes:
    comp = brotli.Compressor(quality=5)
    parts = [comp.process(_ZERO_MIB) for _ in range(expanded // MIB)]
    return b"".join(parts) + comp.finish()


# -- hostile bodies --------------------------------------------------------------------


def random_bytes(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def fake_png(size: int = 200_000) -> bytes:
    """A PNG signature and IHDR chunk followed by noise: binary that sniffs as an image."""
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", 640, 480, 8, 6, 0, 0, 0)
    chunk = struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk + random_bytes(size)


def deeply_nested_html(depth: int = 100_000, title: str = "Deep") -> bytes:
    head = f"<!doctype html><html><head><title>{title}</title></head><body>"
    return (head + "<div>" * depth + "bottom" + "</div>" * depth + "</body></html>").encode()


def truncated_html(title: str = "Cut short") -> bytes:
    """Well framed over HTTP, but the document stops inside a tag."""
    return (f'<!doctype html><html><head><title>{title}</title><meta name="description" '
            'content="never clos').encode()


def mixed_encoding_html() -> bytes:
    """Declares UTF-8 twice, then mixes UTF-8, Latin-1, a stray UTF-16 BOM, lone
    surrogate bytes and NULs."""
    return (
        b"<html><head><meta charset='utf-8'><title>Caf\xc3\xa9 and caf\xe9 \xed\xa0\x80 \xff\xfe"
        b"\x00x</title><meta name=description content='na\xefve \xe2\x82'></head>"
        b"<body>\x80\x81\x82</body></html>"
    )
