"""SIGKILL at a random point of a run, 20 times: the database always passes
integrity_check, keeps every check it committed, marks the run incomplete, and
the next run completes normally."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import ROOT, run_cli, write_config

pytestmark = pytest.mark.crawl

ITERATIONS = 20
RESOURCES = 12


@pytest.fixture(scope="module")
def web():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)

    def page(request: Request) -> Response:
        time.sleep(0.05)
        n = request.path.strip("/").split("/")[-1]
        links = "".join(f'<a href="/link/{n}-{i}">l{i}</a>' for i in range(8))
        body = (f"<title>Page {n}</title><main><article><h2><a href='/news/{n}'>News item number {n}"
                f"</a></h2><time datetime='2026-11-0{int(n) % 9 + 1}'>x</time></article>{links}</main>")
        return Response(body, content_type="text/html")

    server.expect_request("").respond_with_handler(page)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_kill_at_random_points(web, tmp_path):
    rng = random.Random(20261125)  # fixed seed: a failure can be replayed
    config = write_config(tmp_path / "r.yaml", [
        {"name": f"r{i}", "url": web.url_for(f"/page/{i}")} for i in range(RESOURCES)
    ], retries=0, concurrency_per_host=2)
    db, out = tmp_path / "out" / "h.db", tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outcomes = []
    for iteration in range(ITERATIONS):
        before = _committed_checks(db)
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "run", "--config", str(config), "--db", str(db), "--out", str(out),
             "--fail-on", "resources"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.05, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        conn = sqlite3.connect(db) if db.exists() else None
        if conn is None:
            outcomes.append("before-db")
            continue
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"iteration {iteration}"
        checks = conn.execute("SELECT count(*) FROM checks").fetchone()[0]
        assert checks >= before, f"iteration {iteration}: committed checks were lost"
        last = conn.execute("SELECT complete, finished_at FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        if last is not None and last[0] == 0:
            assert last[1] is None, "a killed run must not look finished"
        outcomes.append("complete" if last and last[0] else "incomplete")
        conn.close()
    assert outcomes.count("incomplete") >= ITERATIONS // 2, outcomes  # the kills really landed mid-run
    final = run_cli("run", "--config", str(config), "--db", str(db), "--out", str(out), "--fail-on", "resources")
    assert final.returncode == 0, final.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT complete FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM checks WHERE run_id = (SELECT max(id) FROM runs)").fetchone()[0] == RESOURCES
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _committed_checks(db) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT count(*) FROM checks").fetchone()[0]
        except sqlite3.OperationalError:
            return 0
