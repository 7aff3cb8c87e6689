"""Distributed runs end to end: a real redis-server, three `healthcrawl worker`
processes and the coordinator (`healthcrawl run --distributed`), against a local
web of 1,000 to 1,500 links on four loopback hosts that counts what it is asked."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli, write_config
from tests.distributed.site import CountingSite, SiteShape

pytestmark = pytest.mark.crawl
PER_HOST = 2


def _config(tmp_path: Path, site: CountingSite) -> Path:
    resources = [{"name": f"Host {i}", "url": f"{base}/", "depth": 1, "max_pages": 100}
                 for i, base in enumerate(site.bases)]
    return write_config(tmp_path / "resources.yaml", resources, retries=0, timeout=20,
                        concurrency_per_host=PER_HOST, block_private_addresses=False)


def _workers(redis_url: str, count: int, folder: Path, first: int = 0) -> list[subprocess.Popen]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return [subprocess.Popen([sys.executable, "-m", "crawler", "worker", "--redis", redis_url, "--once",
                              "--wait", "60"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=open(folder / f"worker-{i}.log", "w"))
            for i in range(first, first + count)]


def _wait_until(condition, failure: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.02)


def _wait_all(procs: list[subprocess.Popen], timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    codes = []
    for proc in procs:
        try:
            codes.append(proc.wait(max(0.1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            proc.kill()
            codes.append(proc.wait())
    return codes


def _link_rows(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        run_id = conn.execute("SELECT max(id) FROM runs").fetchone()[0]
        return conn.execute("SELECT url, result, http_status, final_url, redirects FROM link_checks "
                            "WHERE run_id = ? ORDER BY url", [run_id]).fetchall()
    finally:
        conn.close()


VOLATILE = {"checked_at", "response_ms", "first_seen", "at", "response"}  # times and timings


def _comparable(status: dict[str, Any]) -> dict[str, Any]:
    """status.json without times and timings, which no two runs share."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {"summary": status["summary"], "resources": strip(status["resources"])}


@pytest.fixture(scope="module")
def site() -> CountingSite:
    with CountingSite(SiteShape(sections=12)) as running:  # 1,500 links: every path of the protocol, in less time
        yield running


def test_three_workers_check_every_url_once_within_the_host_limit_and_match_one_process(
        tmp_path: Path, redis_url: str, server, site: CountingSite) -> None:
    config = _config(tmp_path, site)
    expected = site.shape.expected_paths()
    site.reset()
    workers = _workers(redis_url, 3, tmp_path)
    result = run_cli("run", "--config", str(config), "--db", str(tmp_path / "dist.db"), "--out",
                     str(tmp_path / "dist"), "--distributed", redis_url, "--fail-on", "resources", timeout=240)
    codes = _wait_all(workers)
    assert result.returncode == 0, result.stderr
    assert codes == [0, 0, 0], [(tmp_path / f"worker-{i}.log").read_text()[-2000:] for i in range(3)]
    assert f"4 up, 0 degraded, 0 down; {len(site.shape.broken_paths())} broken links; run 1 complete" in result.stdout

    # server side: every URL asked exactly once across the three workers, and never
    # more than PER_HOST requests at once to one host
    requested = site.requested_paths()
    assert set(requested) == expected
    assert site.repeated() == {}
    assert max(site.max_in_flight) <= PER_HOST
    logs = [(tmp_path / f"worker-{i}.log").read_text() for i in range(3)]
    assert all("processing run" in log and "Warning" not in log and "Traceback" not in log for log in logs), logs

    distributed_links = _link_rows(tmp_path / "dist.db")
    assert len(distributed_links) == site.shape.link_count()
    assert len({row[0] for row in distributed_links}) == len(distributed_links)  # one result per URL

    # the same web checked by one process gives the same report
    site.reset()
    single = run_cli("run", "--config", str(config), "--db", str(tmp_path / "one.db"), "--out",
                     str(tmp_path / "one"), "--fail-on", "resources", timeout=240)
    assert single.returncode == 0, single.stderr
    assert site.repeated() == {}
    assert _link_rows(tmp_path / "one.db") == distributed_links
    one = json.loads((tmp_path / "one" / "status.json").read_text())
    dist = json.loads((tmp_path / "dist" / "status.json").read_text())
    assert _comparable(dist) == _comparable(one)
    assert dist["run"]["complete"] is True
    assert (tmp_path / "dist" / "index.html").exists()
    assert server.keys("healthcrawl:queue") == []  # the coordinator cleaned up after itself


def test_a_worker_killed_mid_run_loses_nothing(tmp_path: Path, redis_url: str, server) -> None:
    shape = SiteShape(latency=0.05, first=70, sections=8)
    with CountingSite(shape) as site:
        config = _config(tmp_path, site)
        expected = shape.expected_paths()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        coordinator = subprocess.Popen(
            [sys.executable, "-m", "crawler", "run", "--config", str(config), "--db", str(tmp_path / "health.db"),
             "--out", str(tmp_path / "out"), "--distributed", redis_url, "--lease", "2", "--fail-on", "resources"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The victim works alone at first. Once it is well under way, the site stops
        # answering: the requests it then holds unanswered are its leases, and it dies
        # holding them, on a machine of any speed. The other two finish the run.
        (victim,) = _workers(redis_url, 1, tmp_path)
        _wait_until(lambda: sum(site.requested_paths().values()) >= len(expected) // 10, "the run did not get going")
        site.hold()
        _wait_until(lambda: site.held > 0, "the victim sent nothing more")
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=10) == -signal.SIGKILL
        site.release()
        survivors = _workers(redis_url, 2, tmp_path, first=1)
        out, err = coordinator.communicate(timeout=240)
        codes = _wait_all(survivors)
        assert coordinator.returncode == 0, err
        assert codes == [0, 0]
        assert f"4 up, 0 degraded, 0 down; {len(shape.broken_paths())} broken links" in out and "complete" in out
        assert "queued again" in err  # the victim held leases when it died; others took them over
        assert set(site.requested_paths()) == expected  # every URL reached, whoever held it
        assert max(site.max_in_flight) <= PER_HOST
        rows = _link_rows(tmp_path / "health.db")
        assert len(rows) == shape.link_count()
        assert len({row[0] for row in rows}) == len(rows)  # a redone request is stored once
        broken = {row[0] for row in rows if row[1] == "broken"}
        assert len(broken) == len(shape.broken_paths())


def test_no_redis_is_one_clear_error(tmp_path: Path) -> None:
    from tests.conftest import refused_port

    config = write_config(tmp_path / "resources.yaml", [{"name": "A", "url": "http://127.0.0.1:9/"}])
    url = f"redis://127.0.0.1:{refused_port()}/0"
    result = run_cli("run", "--config", str(config), "--db", str(tmp_path / "h.db"), "--distributed", url)
    assert result.returncode == 2
    assert f"cannot use Redis at {url}" in result.stderr and "Traceback" not in result.stderr
    worker = run_cli("worker", "--redis", url, "--once")
    assert worker.returncode == 2
    assert f"cannot use Redis at {url}" in worker.stderr and "Traceback" not in worker.stderr


def test_a_run_with_no_worker_ends_incomplete_with_a_clear_message(tmp_path: Path, redis_url: str, server) -> None:
    config = write_config(tmp_path / "resources.yaml", [{"name": "A", "url": "http://127.0.0.1:9/"}])
    result = run_cli("run", "--config", str(config), "--db", str(tmp_path / "h.db"), "--out", str(tmp_path / "out"),
                     "--distributed", redis_url, "--max-idle", "1.5")
    assert result.returncode == 1
    assert "no worker took a request for 1.5 s" in result.stderr and "Traceback" not in result.stderr
    assert "INCOMPLETE (no workers)" in result.stdout
    status = json.loads((tmp_path / "out" / "status.json").read_text())
    assert status["run"]["complete"] is False and status["resources"][0]["status"] == "unchecked"
    assert server.hget("healthcrawl:run", "state") == b"cancelled"  # a late worker will not start on it
