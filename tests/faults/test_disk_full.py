"""A database that cannot be written (a full disk, a file size limit) during a real
crawl: one clear line naming the database and the cause, no traceback, the run
recorded as incomplete with what was lost, the crawl stopped, earlier runs intact,
and the next run normal once there is room again.

The fault is real: the crawl's process runs under RLIMIT_FSIZE with SIGXFSZ ignored,
so SQLite's writes past the limit fail as on a full disk (SQLite reports them as an
I/O error, or "database or disk is full" for a write cut short). What fails is decided
by sizes, never by time: the test waits for states (a server log, a stored row, a
line on stderr), not for seconds.
"""

from __future__ import annotations

import html
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import ROOT, run_cli, write_config

pytestmark = pytest.mark.crawl

LINKS = 600  # on the home page: their results need far more than LIMIT of write-ahead log
LIMIT = 120 * 1024  # bytes any one file may grow to: room for the run's start, not for its links
CAUSE = r"(?:disk full|I/O error: file size limit reached \(ulimit -f\))"
GATED = 40  # links of /gated in each group
CONCURRENCY = 8  # requests the downloader holds at once: what may still go out once the spider closes


@pytest.fixture(scope="module")
def web():
    """Three servers, one per loopback address, so each group of links has its own
    per-host slots: /gated on 127.0.0.1 links to a/ there (answered at once), to b/ on
    127.0.0.2 and to c/ on 127.0.0.3 (each held until its gate opens)."""
    requested: list[str] = []  # "host/path", as requests arrive
    gates = {"b": threading.Event(), "c": threading.Event()}
    lock = threading.Lock()
    servers = {group: HTTPServer(host=f"127.0.0.{n}", port=0, threaded=True)
               for n, group in enumerate(("a", "b", "c"), start=1)}

    def handle(request: Request) -> Response:
        with lock:
            requested.append(request.path)
        group = request.path.strip("/").split("/")[0]
        if request.path == "/":
            body = "<title>Home</title>" + "".join(f'<a href="/l/{i}">link {i}</a>' for i in range(LINKS))
            return Response(body, content_type="text/html")
        if request.path == "/gated":
            body = "<title>Gated</title>" + "".join(
                f'<a href="{servers[g].url_for(f"/{g}/{i}")}">{g}{i}</a>' for g in servers
                for i in range(GATED * (3 if g == "c" else 1)))
            return Response(body, content_type="text/html")
        if group in gates:
            gates[group].wait(60)
        return Response("ok", content_type="text/plain")

    for server in servers.values():
        server.expect_request("").respond_with_handler(handle)
        server.start()
    servers["a"].requested, servers["a"].gates = requested, gates
    yield servers["a"]
    for gate in gates.values():
        gate.set()
    for server in servers.values():
        server.clear()
        server.stop()


def _no_file_bigger_than(limit: int):
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    return preexec


def _ignore_sigxfsz() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


RUN_TABLES = ("checks", "link_checks", "link_pages", "announcement_fetches", "events", "deliveries")


def rows_of_run(db: Path, run_id: int) -> dict[str, list[tuple]]:
    """Every row that belongs to one run, table by table."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = {"runs": conn.execute("SELECT * FROM runs WHERE id = ?", [run_id]).fetchall()}
        for table in RUN_TABLES:
            rows[table] = sorted(conn.execute(f"SELECT * FROM {table} WHERE run_id = ?", [run_id]).fetchall(),
                                 key=repr)
        return rows


def query(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def test_a_full_disk_is_one_line_an_incomplete_run_and_the_earlier_run_intact(web, tmp_path):
    config = write_config(tmp_path / "r.yaml", [{"name": "home", "url": web.url_for("/")}],
                          retries=0, block_private_addresses=False)
    out = tmp_path / "out"
    db = tmp_path / "data" / "health.db"  # out of the published folder, as by default
    args = ("run", "--config", str(config), "--db", str(db), "--out", str(out))
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    before = rows_of_run(db, 1)
    assert len(before["link_checks"]) == LINKS
    assert query(db, "SELECT complete FROM runs WHERE id = 1") == [(1,)]

    full = subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=_no_file_bigger_than(LIMIT),
                          timeout=120)

    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    lines = [line for line in full.stderr.splitlines() if str(db) in line]
    assert len(lines) == 1, full.stderr
    assert re.search(rf"ERROR: database {re.escape(str(db))}: .+ not stored: {CAUSE}; "
                     r"the run will be recorded as incomplete$", lines[0]), lines[0]
    summary = re.search(rf"; run 2 INCOMPLETE \((.+ not stored: {CAUSE})\) in [\d.]+ s; report: ", full.stdout)
    assert summary, full.stdout
    assert "None" not in full.stdout
    (complete, reason), = query(db, "SELECT complete, finish_reason FROM runs WHERE id = 2")
    assert complete == 0
    assert reason in (summary.group(1), None), "the loss, or no finish at all when not even that fitted"
    page = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    assert f"Incomplete run: {summary.group(1)}" in page or reason is None

    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert rows_of_run(db, 1) == before, "the earlier complete run is untouched"

    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert "run 3 complete" in again.stdout
    assert query(db, "SELECT complete FROM runs WHERE id = 3") == [(1,)]
    assert query(db, "SELECT count(*) FROM link_checks WHERE run_id = 3") == [(LINKS,)]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


def test_the_disk_fills_during_a_run_then_space_comes_back(web, tmp_path):
    """/gated links to a/ (answered), b/ and c/ (held by their servers). Once every a/
    result is stored, the process may grow no file; b/ is let go, and its batch
    fails; then the limit is lifted and c/ let go, so every later write succeeds. The
    run must still end incomplete, saying what was lost; and of the 120 c/ links only
    those the downloader already held when storage failed may be requested (Scrapy
    lets them finish when the spider closes): at most `concurrency`."""
    config = write_config(tmp_path / "r.yaml", [{"name": "gated", "url": web.url_for("/gated")}],
                          retries=0, block_private_addresses=False, concurrency=CONCURRENCY)
    out = tmp_path / "out"
    db = tmp_path / "data" / "health.db"  # out of the published folder, as by default
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "run", "--config", str(config), "--db", str(db), "--out", str(out)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=_ignore_sigxfsz,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stderr: list[str] = []
    failed = threading.Event()

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            stderr.append(line)
            if "not stored" in line:
                failed.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        _wait_for(lambda: db.exists() and _stored(db, "/a/") == GATED, "every a/ result stored")
        wal = db.with_name(db.name + "-wal")
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (max(wal.stat().st_size, 1), resource.RLIM_INFINITY))
        web.gates["b"].set()
        assert failed.wait(60), "".join(stderr)
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        web.gates["c"].set()
        proc.wait(timeout=60)  # stdout is one line: its pipe cannot fill; stderr is the reader's
        assert proc.stdout is not None
        stdout = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
        reader.join(10)
    assert proc.returncode == 1, "".join(stderr)
    assert "Traceback" not in "".join(stderr)
    assert len([line for line in stderr if " ERROR: " in line]) == 1, "".join(stderr)
    c_requested = sum(path.startswith("/c/") for path in web.requested)
    assert c_requested <= CONCURRENCY, "the crawl stopped: only what the downloader held went out"
    (complete, reason), = query(db, "SELECT complete, finish_reason FROM runs")
    lost = re.fullmatch(rf"(\d+) link results? not stored: {CAUSE}", reason or "")
    assert complete == 0 and lost, reason
    assert f"run 1 INCOMPLETE ({reason}) in " in stdout
    b_answered = sum(path.startswith("/b/") for path in web.requested)
    assert _stored(db, "/b/") + int(lost.group(1)) == b_answered, "what is missing is what the run says it lost"
    assert _stored(db, "/c/") == c_requested, "writes after the space came back are stored"
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


def _stored(db: Path, part: str) -> int:
    """Link results stored with `part` in their URL (-1 while the database is being created)."""
    try:
        return query(db, "SELECT count(*) FROM link_checks WHERE url LIKE ?", f"%{part}%")[0][0]
    except sqlite3.Error:
        return -1


def _wait_for(condition, what: str, timeout: float = 60) -> None:
    """Poll a state (never a guessed delay): the deadline only stops a hang."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.05)
