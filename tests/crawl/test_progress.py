"""The live progress line: the real CLI on a pseudo-terminal shows it, prints log
lines above it, and ends it cleanly, also when a run is stopped with Ctrl-C; with
stderr a pipe (cron, CI) stderr stays empty on a healthy web."""

from __future__ import annotations

import fcntl
import itertools
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import ROOT, CliResult, run_cli, write_config

pytestmark = pytest.mark.crawl

LEAVES = 12  # links on each section page
ESCAPE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])")


class Witness:
    """What the tests wait for instead of guessing times: the paths the web was asked
    for, and a gate that holds one leaf until the terminal has shown a frame."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.hold_leaf = False
        self.frame_shown = threading.Event()


WITNESS = Witness()
HELD_LEAF = "/s0/leaf0"


def _page(request: Request) -> Response:
    time.sleep(0.03)
    path = request.path
    WITNESS.seen.add(path)
    if path == HELD_LEAF and WITNESS.hold_leaf:
        WITNESS.frame_shown.wait(timeout=60)  # so the line is drawn mid-run on a machine of any speed
    if path == "/stuck":
        time.sleep(15)  # longer than the shutdown grace (5 s)
        links = ""
    elif path == "/hangs/":
        links = '<a href="/stuck">stuck</a>'
    elif path in ("/", "/docs/"):
        links = "".join(f'<a href="{path}s{n}/">section {n}</a>' for n in range(3))
    elif path.endswith("/") and "/s" in path:
        links = "".join(f'<a href="{path}leaf{n}">leaf {n}</a>' for n in range(LEAVES))
    else:
        links = ""
    return Response(f"<html><head><title>{path}</title></head><body>{links}</body></html>",
                    content_type="text/html")


@pytest.fixture(scope="module")
def web():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/robots.txt").respond_with_response(Response("", status=404))
    server.expect_request(re.compile("/.*")).respond_with_handler(_page)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def paths(web: HTTPServer, tmp_path: Path) -> list[str]:
    config = write_config(tmp_path / "resources.yaml", [
        {"name": "Home", "url": web.url_for("/"), "depth": 1},
        {"name": "Docs", "url": web.url_for("/docs/"), "depth": 1},
    ])
    return ["--config", str(config), "--db", str(tmp_path / "health.db"), "--out", str(tmp_path / "out")]


def run_on_terminal(*args: str, columns: int = 120, timeout: float = 120,
                    interrupt_when: Callable[[], bool] | None = None,
                    on_output: Callable[[bytes], None] | None = None) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal, as in a shell (and
    press Ctrl-C once `interrupt_when()` is true; `on_output` sees all received so far
    after each read); return its exit code and everything the terminal received
    (escape codes included)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "COLUMNS": str(columns)}
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    received = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if interrupt_when is not None and interrupt_when():
                proc.send_signal(signal.SIGINT)
                interrupt_when = None
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the process and its children closed the terminal
                break
            if not chunk:
                break
            received += chunk
            if on_output is not None:
                on_output(bytes(received))
        returncode = proc.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        proc.kill()
        os.close(master)
    return returncode, received.decode("utf-8", errors="replace")


def screen_lines(raw: str) -> list[str]:
    """What the terminal showed, one entry per redraw: escape codes removed, split
    at carriage returns and newlines."""
    text = ESCAPE.sub("", raw)
    return [line.rstrip() for line in re.split(r"\r\n|\r|\n", text) if line.strip()]


FRAME = re.compile(r"resources (\d+)/(\d+) .*links (\d+)/(\d+)\s+pages (\d+)\s+(\d+:\d\d:\d\d)")


def frames(lines: list[str]) -> list[re.Match[str]]:
    return [m for m in map(FRAME.search, lines) if m]


def _release_on_first_frame(received: bytes) -> None:
    if FRAME.search(ESCAPE.sub("", received.decode("utf-8", errors="replace"))):
        WITNESS.frame_shown.set()


def test_a_terminal_sees_the_line_grow_and_end_above_the_summary(paths: list[str]) -> None:
    # one leaf is held until a frame is on the terminal: a frame mid-run, then the last
    WITNESS.hold_leaf, WITNESS.frame_shown = True, threading.Event()
    try:
        code, raw = run_on_terminal("run", *paths, on_output=_release_on_first_frame)
    finally:
        WITNESS.hold_leaf = False
        WITNESS.frame_shown.set()
    lines = screen_lines(raw)
    assert code == 0, raw
    shown = frames(lines)
    assert len(shown) >= 2, lines
    last = shown[-1]
    resources, resource_total, links, planned, pages = map(int, last.groups()[:5])
    # each resource page links 3 sections (followed: 2 + 6 pages read), each section 12 leaves
    assert (resources, resource_total) == (2, 2)
    assert links == planned == 2 * 3 + 2 * 3 * LEAVES
    assert pages == 2 + 6
    counts = [tuple(map(int, m.groups()[:5])) for m in shown]
    for earlier, later in itertools.pairwise(counts):
        assert all(a <= b for a, b in zip(earlier, later, strict=True)), "the counts only grow"
    # the final line stays, once, above the summary, and nothing follows the summary
    assert lines[-1].startswith("healthcrawl: 2 resources: 2 up")
    assert FRAME.search(lines[-2]) and lines[-2] == last.string
    summary_at = raw.rindex("healthcrawl: 2 resources")
    assert ESCAPE.search(raw[summary_at:]) is None, "escape codes after the summary line"
    assert raw.count("\x1b[?25l") == raw.count("\x1b[?25h") == 1  # the cursor, hidden while drawing, is back


def test_log_lines_are_printed_above_the_line_not_through_it(paths: list[str]) -> None:
    code, raw = run_on_terminal("run", "-v", *paths)
    lines = screen_lines(raw)
    assert code == 0, raw
    logged = [line for line in lines if " INFO: " in line]
    assert any("Spider opened" in line for line in logged)
    assert frames(lines)
    assert not [line for line in logged if "resources " in line and "links " in line]


def test_a_run_stopped_while_a_request_hangs_ends_the_line_too(web: HTTPServer, tmp_path: Path) -> None:
    # Ctrl-C once the crawl is waiting on /stuck; the shutdown guard gives up on the
    # hanging request after its grace and stops the reactor without spider_closed:
    # the line still ends, cursor shown
    config = write_config(tmp_path / "resources.yaml", [{"name": "Hangs", "url": web.url_for("/hangs/")}])
    WITNESS.seen.discard("/stuck")
    code, raw = run_on_terminal("run", "--config", str(config), "--db", str(tmp_path / "health.db"),
                                "--out", str(tmp_path / "out"), interrupt_when=lambda: "/stuck" in WITNESS.seen)
    lines = screen_lines(raw)
    assert code == 1, raw
    assert any("WARNING: stopped waiting for 1 in-flight request(s)" in line for line in lines)
    assert FRAME.search(lines[-2]) and lines[-1].startswith("healthcrawl: 1 resource:")
    assert "INCOMPLETE (shutdown)" in lines[-1]
    assert ESCAPE.search(raw[raw.rindex("healthcrawl: 1 resource:"):]) is None
    assert raw.count("\x1b[?25l") == raw.count("\x1b[?25h") == 1


def test_with_stderr_not_a_terminal_stderr_stays_empty(paths: list[str]) -> None:
    result: CliResult = run_cli("run", *paths)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("healthcrawl: 2 resources: 2 up") and result.stdout.count("\n") == 1
