"""Runs that are killed, interrupted or started through `scrapy crawl` keep the promises
of the availability crawl: nothing checked is lost, and the run says whether it completed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.conftest import ROOT, by_name, load_status, run_cli, write_config

pytestmark = pytest.mark.crawl


@pytest.fixture
def web():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/fast").respond_with_response(
        Response("<title>Fast</title>", content_type="text/html"))

    def hang(request):
        time.sleep(40)
        return Response("<title>Late</title>", content_type="text/html")

    server.expect_request("/hang").respond_with_handler(hang)
    server.start()
    yield server
    server.clear()
    server.stop()


def start_cli(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_checks(db: Path, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    if conn.execute("SELECT count(*) FROM checks").fetchone()[0] >= count:
                        return
            except sqlite3.OperationalError:
                pass  # schema not created yet
        time.sleep(0.1)
    raise AssertionError(f"{db} never had {count} checks")


def two_resources(cli_paths, web) -> Path:
    return write_config(cli_paths["config"], [
        {"name": "fast", "url": web.url_for("/fast")},
        {"name": "hang", "url": web.url_for("/hang")},
    ], timeout=60, retries=0)


def test_sigkill_keeps_committed_checks_and_marks_the_run_incomplete(cli_paths, web):
    config, db, out = two_resources(cli_paths, web), cli_paths["db"], cli_paths["out"]
    proc = start_cli("run", "--config", str(config), "--db", str(db), "--out", str(out))
    wait_for_checks(db, 1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT complete, finished_at FROM runs").fetchall() == [(0, None)]
    assert conn.execute("SELECT resource_id, status FROM checks").fetchall() == [("fast", "up")]
    conn.close()

    # The report can be rebuilt from what was saved, and shows the run as incomplete.
    rebuilt = run_cli("report", "--db", str(db), "--out", str(out))
    assert rebuilt.returncode == 0, rebuilt.stderr
    status = load_status(out)
    assert status["run"]["complete"] is False
    assert by_name(status)["hang"]["status"] == "unchecked"

    # The next run completes normally beside the abandoned one.
    write_config(config, [{"name": "fast", "url": web.url_for("/fast")}])
    again = run_cli("run", "--config", str(config), "--db", str(db), "--out", str(out))
    assert again.returncode == 0, again.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT id, complete FROM runs ORDER BY id").fetchall() == [(1, 0), (2, 1)]
    assert load_status(out)["run"] == {**load_status(out)["run"], "id": 2, "complete": True}


def test_sigterm_finishes_writes_and_reports_what_was_checked(cli_paths, web):
    config, db, out = two_resources(cli_paths, web), cli_paths["db"], cli_paths["out"]
    proc = start_cli("run", "--config", str(config), "--db", str(db), "--out", str(out))
    wait_for_checks(db, 1)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - started < 25, "a graceful stop must not wait 40 s for the slow server"
    assert proc.returncode == 1
    assert "Traceback" not in stderr
    assert "INCOMPLETE (shutdown)" in stdout
    status = load_status(out)
    assert status["run"]["complete"] is False and status["run"]["finished_at"]
    assert by_name(status)["fast"]["status"] == "up"


def test_scrapy_crawl_from_the_project_root_writes_the_same_outputs(cli_paths, web):
    config = write_config(cli_paths["config"], [{"name": "fast", "url": web.url_for("/fast")}])
    db, out = cli_paths["db"], cli_paths["out"]
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "availability",
         "-s", f"HEALTH_CONFIG={config}", "-s", f"HEALTH_DB_PATH={db}", "-s", f"HEALTH_REPORT_DIR={out}"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    status = load_status(out)
    assert status["run"]["complete"] is True
    assert by_name(status)["fast"]["title"] == "Fast"
    assert (out / "index.html").exists()


def test_scrapy_crawl_with_a_bad_config_prints_the_problem(cli_paths):
    bad = cli_paths["config"]
    bad.write_text("resources:\n  - name: x\n")
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "availability", "-s", f"HEALTH_CONFIG={bad}"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "field 'url': missing" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unwritable_database_directory_is_a_clear_error(cli_paths, web, tmp_path):
    if os.geteuid() == 0:
        target = Path("/proc/healthcrawl/health.db")  # root can write anywhere but here
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "health.db"
    config = write_config(cli_paths["config"], [{"name": "fast", "url": web.url_for("/fast")}])
    result = run_cli("run", "--config", str(config), "--db", str(target), "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"healthcrawl: error: cannot open database {target}")
    assert "Traceback" not in result.stderr


def test_report_without_a_database_says_what_to_do(tmp_path):
    result = run_cli("report", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "run `healthcrawl run` first" in result.stderr


def test_a_second_run_on_the_same_database_exits_3_until_the_first_is_gone(cli_paths, web):
    config, db, out = two_resources(cli_paths, web), cli_paths["db"], cli_paths["out"]
    first = start_cli("run", "--config", str(config), "--db", str(db), "--out", str(out))
    wait_for_checks(db, 1)
    second = run_cli("run", "--config", str(config), "--db", str(db), "--out", str(out))
    assert second.returncode == 3
    assert second.stderr.startswith("healthcrawl: error: another healthcrawl run (pid ")
    assert f"is using {db}" in second.stderr
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    write_config(config, [{"name": "fast", "url": web.url_for("/fast")}])
    third = run_cli("run", "--config", str(config), "--db", str(db), "--out", str(out))
    assert third.returncode == 0, third.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT id, complete FROM runs ORDER BY id").fetchall() == [(1, 0), (2, 1)]
