"""SIGTERM while link results wait in their batch: the run ends with all of them
stored and in the report written for the abandoned run."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import ROOT, by_name, load_status, write_config

pytestmark = pytest.mark.crawl

LINKS = 30


@pytest.fixture
def web():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    served = threading.Semaphore(0)
    server.expect_request("/fast").respond_with_response(Response(
        "<title>Fast</title>" + "".join(f'<a href="/ok/{i}">{i}</a>' for i in range(LINKS)),
        content_type="text/html"))

    def ok(request: Request) -> Response:
        served.release()
        return Response("ok", content_type="text/plain")

    def hang(request: Request) -> Response:
        time.sleep(40)
        return Response("<title>Late</title>", content_type="text/html")

    server.expect_request(re.compile("/ok/.*")).respond_with_handler(ok)
    server.expect_request("/hang").respond_with_handler(hang)
    server.start()
    server.served = served
    yield server
    server.clear()
    server.stop()


def test_sigterm_keeps_the_pending_link_results_and_reports_them(web, tmp_path):
    """The signal comes as soon as the last link was answered, so most results are
    still pending then (the batch is written each second): the pipeline writes
    them while Scrapy waits for the hanging request, before crawler.crawl.shutdown gives
    up on it, closes the run and writes the report."""
    config = write_config(tmp_path / "r.yaml", [
        {"name": "fast", "url": web.url_for("/fast")},
        {"name": "hang", "url": web.url_for("/hang")},
    ], timeout=60, retries=0, block_private_addresses=False)
    db, out = tmp_path / "out" / "h.db", tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "run", "--config", str(config), "--db", str(db), "--out", str(out)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        for _ in range(LINKS):
            assert web.served.acquire(timeout=30), "the links were never checked"
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, stderr
    assert "INCOMPLETE (shutdown)" in stdout
    assert "Traceback" not in stderr
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM link_checks WHERE url LIKE '%/ok/%' AND result = 'ok'")
        assert stored.fetchone()[0] == LINKS
    status = load_status(out)
    assert status["run"]["complete"] is False
    assert by_name(status)["fast"]["links"]["checked"] == LINKS


def test_a_grace_shorter_than_the_batch_timer_still_reports_every_result(web, tmp_path):
    """The shutdown grace runs out while link results wait in their batch (held for
    30 s here): the guard must ask the pipeline (run_abandoned) to write them and
    close the run before the report is built."""
    config = write_config(tmp_path / "r.yaml", [
        {"name": "fast", "url": web.url_for("/fast")},
        {"name": "hang", "url": web.url_for("/hang")},
    ], timeout=60, retries=0, block_private_addresses=False)
    db, out = tmp_path / "out" / "h.db", tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "availability", "-s", f"HEALTH_CONFIG={config}",
         "-s", f"HEALTH_DB_PATH={db}", "-s", f"HEALTH_REPORT_DIR={out}", "-s", "HEALTH_SHUTDOWN_GRACE=0.5",
         "-s", "HEALTH_LINK_BATCH_SECONDS=30", "-s", "LOG_LEVEL=DEBUG"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    # Scrapy logs "Scraped from <... /ok/N>" once an item has passed the pipeline: the
    # witness that every answer waits in the batch (read, not guessed from the clock).
    lines: list[str] = []
    in_batch = threading.Event()

    def read_log() -> None:
        scraped = 0
        for line in proc.stderr:
            lines.append(line)
            if line.startswith(" ") or "Scraped from <" not in line or "/ok/" not in line:
                continue
            scraped += 1
            if scraped == LINKS:
                in_batch.set()

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    try:
        assert in_batch.wait(timeout=60), "the link results never reached the pipeline"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        reader.join(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = "".join(lines)
    assert "Traceback" not in stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT complete, finish_reason FROM runs").fetchall() == [(0, "shutdown")]
        stored = conn.execute("SELECT count(*) FROM link_checks WHERE url LIKE '%/ok/%' AND result = 'ok'")
        assert stored.fetchone()[0] == LINKS
    assert by_name(load_status(out))["fast"]["links"]["checked"] == LINKS
