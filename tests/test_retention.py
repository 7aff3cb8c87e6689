"""Retention: one unit everywhere, `prune --dry-run`, the guard on the newest complete
run's window, and `retention:` applied at the end of each complete run.

The databases hold months of history written by the real recorder (the code a run
stores its checks with): one run a day, each started on its day, so raw rows age
as they would. Every command under test runs in a subprocess of the real CLI."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from pytest_httpserver import HTTPServer

from crawler.core.config import load_config
from crawler.core.items import CheckResult, LinkPageResult, LinkResult
from crawler.core.timeutil import iso, utcnow
from crawler.record.recorder import RunRecorder
from crawler.store import database
from crawler.store.database import Store
from tests.conftest import run_cli, write_config

DAYS = 150  # five months of daily runs
TODAY = utcnow().replace(hour=6, minute=0, second=0, microsecond=0)


@contextmanager
def clock_at(moment: datetime):
    """Runs, checks and incidents stamped `moment`: the recorder and the store read the
    time through crawler.core.timeutil.utcnow, as each module imported it."""
    with mock.patch.object(database, "utcnow", lambda: moment), \
            mock.patch("crawler.record.recorder.utcnow", lambda: moment):
        yield


def record_days(db: Path, config_path: Path, days: range) -> None:
    """One complete run per day `days` ago (largest first), through RunRecorder: a check
    per resource (one down day in ten for the first), and three links per page."""
    config = load_config(config_path)
    with Store(db) as store:
        for ago in days:
            moment = TODAY - timedelta(days=ago)
            at = iso(moment)
            with clock_at(moment):
                recorder = RunRecorder(store, config)
                for number, resource in enumerate(config.resources):
                    down = number == 0 and ago % 10 == 0
                    recorder.record(CheckResult(
                        resource_id=resource.slug, url=resource.url, checked_at=at,
                        final_url=None if down else resource.url, http_status=None if down else 200,
                        response_ms=None if down else 100 + ago, error="timed out after 30 s" if down else None,
                        error_kind="timeout" if down else None, title=resource.name,
                        main_text=None if down else f"{resource.name} week {ago // 7}"))
                    urls = [f"{resource.url}page/{k}" for k in range(3)]
                    recorder.record(LinkPageResult(resource.slug, resource.url, 0, [(u, "", "") for u in urls], {}))
                    for url in urls:
                        recorder.record(LinkResult(url, "ok", at, "HEAD", http_status=200, final_url=url))
                recorder.finish("finished")


@pytest.fixture(scope="module")
def months(tmp_path_factory) -> dict[str, Path]:
    """A database with DAYS days of history, built once; tests work on copies."""
    folder = tmp_path_factory.mktemp("months")
    config = write_config(folder / "resources.yaml", [
        {"name": "Alpha", "url": "https://alpha.example/"}, {"name": "Beta", "url": "https://beta.example/"}])
    db = folder / "health.db"
    record_days(db, config, range(DAYS, 0, -1))
    return {"db": db, "config": config}


@pytest.fixture
def copy(months, tmp_path) -> Path:
    target = tmp_path / "health.db"
    source = sqlite3.connect(months["db"])
    source.execute(f"VACUUM INTO '{target}'")
    source.close()
    return target


def table_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("checks", "link_checks", "link_pages", "daily", "incidents", "runs")}
    finally:
        conn.close()


def oldest_check(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT min(checked_at) FROM checks").fetchone()[0]
    finally:
        conn.close()


def day(ago: int) -> str:
    return (TODAY - timedelta(days=ago)).date().isoformat()


# -- one unit everywhere -------------------------------------------------------------------


@pytest.mark.parametrize("args", [("prune", "--keep", "90"), ("search", "x", "--since", "90"),
                                  ("export", "--since", "90")])
def test_a_bare_number_is_refused_with_the_unit_to_add_on_every_command(args, tmp_path):
    result = run_cli(*args, "--db", str(tmp_path / "none.db"))
    assert result.returncode == 2
    assert "'90' has no unit: write 90d for days (or 90w, 90h, 90m, 90s)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bare_number_in_the_config_is_refused_the_same_way(tmp_path):
    path = write_config(tmp_path / "r.yaml", [{"name": "A", "url": "https://a.example/"}], retention=90)
    result = run_cli("check-config", "--config", str(path))
    assert result.returncode == 2
    assert "settings: field 'retention': 90 has no unit: write 90d (a bare number meant days here)" in result.stderr
    path = write_config(tmp_path / "r.yaml", [{"name": "A", "url": "https://a.example/"}], retention="12w",
                        stale_after="30d", recheck_after="36h")
    assert run_cli("check-config", "--config", str(path)).returncode == 0
    settings = load_config(path).settings
    assert (settings.retention, settings.stale_after, settings.recheck_after) == (84.0, 30.0, 129600.0)


# -- prune -----------------------------------------------------------------------------------


def test_dry_run_says_what_would_go_and_deletes_nothing(copy):
    before = table_counts(copy)
    result = run_cli("prune", "--db", str(copy), "--dry-run")
    assert result.returncode == 0, result.stderr
    print(result.stdout)
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"healthcrawl: prune --dry-run {copy}: nothing is deleted",
                         f"keeping 90d (settings.retention of run {DAYS}, the newest complete run, from its start), "
                         f"raw history from before {day(91)} would go:"]
    # the newest run started a day ago: days 150..92 ago go, 59 days of 2 checks, 6 link checks and 2 pages
    assert "    118  checks" in lines and "    354  link checks" in lines and "    118  crawled pages" in lines
    assert lines[-1] == (f"kept: daily totals (118 resource-days rolled up first, the oldest from {day(DAYS)}), "
                         "incidents, announcements, each link's current state")
    assert table_counts(copy) == before


def test_prune_keeps_the_runs_retention_and_the_rollups(copy):
    before = table_counts(copy)
    result = run_cli("prune", "--db", str(copy))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"healthcrawl: pruned 118 checks, 354 link checks, 118 crawled pages from "
                                    f"before {day(91)} (keeping 90d; 118 resource-days rolled up)")
    after = table_counts(copy)
    assert after["checks"] == before["checks"] - 118 and after["link_checks"] == before["link_checks"] - 354
    assert after["daily"] == before["daily"] and after["incidents"] == before["incidents"]
    assert oldest_check(copy)[:10] == day(91)
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT sum(checks), sum(down) FROM daily WHERE resource_id = 'alpha'").fetchone() == \
        (DAYS, DAYS // 10)  # every day still counted, down days included
    conn.close()


def test_a_shorter_keep_is_refused_unless_forced_and_1w_works(copy):
    before = table_counts(copy)
    refused = run_cli("prune", "--db", str(copy), "--keep", "1w")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"healthcrawl: error: not pruned: the newest complete run (run {DAYS}, {day(1)}) keeps raw history from "
        f"{day(91)} (retention 90d); --keep 1w would delete it from {day(91)} to {day(8)}: "
        "add --force to prune it anyway")
    assert table_counts(copy) == before
    forced = run_cli("prune", "--db", str(copy), "--keep", "1w", "--force")
    assert forced.returncode == 0, forced.stderr
    assert oldest_check(copy)[:10] == day(7)


def test_keep_0_means_no_raw_history_before_today(copy):
    assert run_cli("prune", "--db", str(copy), "--keep", "0").returncode == 2  # the run's retention says 90d
    result = run_cli("prune", "--db", str(copy), "--keep", "0", "--force")
    assert result.returncode == 0, result.stderr
    counts = table_counts(copy)
    assert counts["checks"] == 0 and counts["link_checks"] == 0 and counts["daily"] == 2 * DAYS


def test_a_database_whose_runs_stopped_keeps_its_last_window(months, tmp_path):
    """Runs stopped 120 days ago: `--keep 90d` today would delete all of the last run's
    window; the guard anchors the window at that run, not at today."""
    db = tmp_path / "stopped.db"
    record_days(db, months["config"], range(DAYS, 120, -1))
    result = run_cli("prune", "--db", str(db), "--keep", "90d", "--dry-run")
    assert result.returncode == 0
    assert f"without --force, prune would refuse: the newest complete run (run 30, {day(121)}) keeps raw " \
           f"history from {day(211)}" in result.stdout
    assert run_cli("prune", "--db", str(db), "--keep", "90d").returncode == 2


# -- retention at the end of each complete run ------------------------------------------------


@pytest.fixture(scope="module")
def site():
    with HTTPServer(host="127.0.0.1", port=0) as server:
        server.expect_request("/").respond_with_data("<title>Alpha</title><p>hello</p>", content_type="text/html")
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        yield server


def test_a_complete_run_prunes_what_its_retention_no_longer_keeps(copy, site, tmp_path):
    config = write_config(tmp_path / "resources.yaml", [{"name": "Alpha", "url": site.url_for("/")}],
                          retention="30d", retries=0)
    before = table_counts(copy)
    result = run_cli("run", "--config", str(config), "--db", str(copy), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    # days 150..31 ago: 120 days of 2 checks and 6 link checks
    assert f"pruned: 240 checks and 720 link checks from before {day(30)} (retention 30d; daily totals kept)" \
        in result.stdout.splitlines()
    assert oldest_check(copy)[:10] == day(30)
    assert table_counts(copy)["daily"] == before["daily"] + 1  # today's rollup added, none lost
    quiet = run_cli("run", "-q", "--config", str(config), "--db", str(copy), "--out", str(tmp_path / "out"))
    assert quiet.returncode == 0 and quiet.stdout.count("\n") == 1  # nothing left to prune, and -q says nothing


def test_retention_forever_keeps_everything_and_prune_asks_for_keep(copy, site, tmp_path):
    config = write_config(tmp_path / "resources.yaml", [{"name": "Alpha", "url": site.url_for("/")}],
                          retention="forever", retries=0)
    before = table_counts(copy)
    result = run_cli("run", "--config", str(config), "--db", str(copy), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pruned:" not in result.stdout and oldest_check(copy)[:10] == day(DAYS)
    assert table_counts(copy)["checks"] == before["checks"] + 1
    asked = run_cli("prune", "--db", str(copy))
    assert asked.returncode == 2 and "keeps raw history forever (retention: forever): give --keep" in asked.stderr


def test_an_incomplete_run_prunes_nothing(copy, tmp_path):
    """A run stopped early (one of two resources checked) leaves history alone."""
    config = load_config(write_config(tmp_path / "r.yaml", [{"name": "Alpha", "url": "https://alpha.example/"},
                                                            {"name": "Beta", "url": "https://beta.example/"}],
                                      retention="7d"))
    from crawler.record.retention import retain

    before = table_counts(copy)
    with Store(copy) as store:
        recorder = RunRecorder(store, config)
        recorder.record(CheckResult(resource_id="alpha", url="https://alpha.example/", checked_at=iso(utcnow()),
                                    http_status=200, final_url="https://alpha.example/"))
        recorder.finish("shutdown")
        assert retain(store, recorder.run_id) is None
    assert table_counts(copy)["checks"] == before["checks"] + 1 and oldest_check(copy)[:10] == day(DAYS)


def test_prune_waits_for_no_run(copy):
    """prune takes the run lock: it never vacuums under a running crawl."""
    from crawler.store.lock import RunLock

    with RunLock(copy):
        result = run_cli("prune", "--db", str(copy))
    assert result.returncode == 3 and "prune when it has finished" in result.stderr
