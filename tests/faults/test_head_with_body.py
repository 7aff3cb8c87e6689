"""Answers that browsers read and aiohttp's defaults did not: a body after a HEAD
answer, long header lines, many headers.

A server that answers HEAD with a body, as naive handlers do (`do_HEAD = do_GET`).

Browsers never notice, so its links are fine. aiohttp reads the stray bytes as the
start of the next answer on that connection (HTTP/1.1), or refuses them after a
closing answer (HTTP/1.0): before the handler asked such a request again on a
connection of its own, and a failed HEAD again with GET, most of the site's links were
reported broken with a dump of the bytes. A server whose every answer is garbage is
still broken, and said in a few words."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import run_cli

PAGES = 12


def head_with_body_server(protocol: str) -> tuple[ThreadingHTTPServer, Counter[str]]:
    requests: Counter[str] = Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = protocol

        def do_GET(self) -> None:  # noqa: N802 (http.server's spelling)
            requests[f"{self.command} {self.path}"] += 1
            if self.path == "/":
                body = b"<title>Home</title>" + b"".join(b'<a href="/p/%d">page %d</a>' % (i, i) for i in range(PAGES))
            else:
                body = b"<title>A page</title>" + b"words " * 200
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)  # also for HEAD: the server's bug under test

        do_HEAD = do_GET  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, requests


@pytest.mark.parametrize("protocol", ["HTTP/1.1", "HTTP/1.0"])
def test_links_of_a_server_that_answers_head_with_a_body_are_fine(protocol):
    server, requests = head_with_body_server(protocol)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        result = run_cli("check", url, "--format", "json")
    finally:
        server.shutdown()
        server.server_close()
    document = json.loads(result.stdout)
    [entry] = document["urls"]
    assert entry["links"]["checked"] == PAGES
    assert entry["failing_links"] == [], entry["failing_links"]
    assert result.returncode == 0, result.stderr
    assert all(requests[f"HEAD /p/{i}"] + requests[f"GET /p/{i}"] >= 1 for i in range(PAGES)), requests


def test_a_server_that_never_speaks_http_is_broken_in_a_few_words():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\nnot http at all\r\n")

    threading.Thread(target=serve, daemon=True).start()
    port = listener.getsockname()[1]
    home = HomePage(f"http://127.0.0.1:{port}/x")
    try:
        result = run_cli("check", home.url, "--format", "json")
    finally:
        stop.set()
        listener.close()
        home.stop()
    [entry] = json.loads(result.stdout)["urls"]
    [link] = entry["failing_links"]
    assert link["url"] == f"http://127.0.0.1:{port}/x"
    assert link["detail"].startswith(f"invalid HTTP response from 127.0.0.1:{port}: "), link["detail"]
    assert "SSH" not in link["detail"] and "\n" not in link["detail"], "the bytes are not dumped"
    assert result.returncode == 1


class HomePage:
    """A well-behaved page that links to one URL."""

    def __init__(self, target: str):
        body = f'<title>Home</title><a href="{target}">elsewhere</a>'.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def long_headers_server() -> ThreadingHTTPServer:
    """/: links to /csp (a 20 KB Content-Security-Policy line), /cookies (200
    Set-Cookie headers) and /huge (a 100 KB header line). Browsers read the first two."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            body = (b'<title>Home</title><a href="/csp">csp</a><a href="/cookies">cookies</a>'
                    b'<a href="/huge">huge</a>') if self.path == "/" else b"fine"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            if self.path == "/csp":
                self.send_header("Content-Security-Policy",
                                 "default-src 'self' " + " ".join(f"https://cdn{i}.example.com" for i in range(800)))
            if self.path == "/cookies":
                for i in range(200):
                    self.send_header("Set-Cookie", f"tracker{i}=1; Path=/")
            if self.path == "/huge":
                self.send_header("X-Padding", "x" * 100_000)
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)

        do_HEAD = do_GET  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_long_header_lines_and_many_headers_are_read_as_a_browser_would():
    server = long_headers_server()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        result = run_cli("check", base + "/", "--format", "json")
    finally:
        server.shutdown()
        server.server_close()
    [entry] = json.loads(result.stdout)["urls"]
    assert entry["links"]["checked"] == 3
    [huge] = entry["failing_links"]  # only the 100 KB line is refused, in a few words
    assert huge["url"] == base + "/huge"
    assert huge["detail"] == f"invalid HTTP response from 127.0.0.1:{server.server_address[1]}: " \
                             "Got more than 32768 bytes when reading", huge["detail"]
