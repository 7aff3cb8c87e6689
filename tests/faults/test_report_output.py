"""The report folder under faults: a report that cannot be written is one line naming
the path and exit code 1, the checks are stored all the same, and the summary never
claims the report; leftovers of killed writers are removed by the next report, and a
resource's feed goes when the resource goes, with its page."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.conftest import ROOT, run_cli, write_config

pytestmark = pytest.mark.crawl


@pytest.fixture(scope="module")
def web():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("").respond_with_response(
        Response('<title>Home</title><a href="/a">a</a>', content_type="text/html"))
    server.start()
    yield server
    server.clear()
    server.stop()


def _can_mount_read_only() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o ro tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


def read_only(folder: Path, argv: list[str]) -> list[str]:
    """`argv` run with `folder` read-only for every user, root included: a read-only
    tmpfs mounted over it in a private mount namespace (unshare), or, for a user
    other than root where namespaces are not allowed, the folder's write bits off."""
    folder.mkdir(parents=True, exist_ok=True)
    if _can_mount_read_only():
        return ["unshare", "-rm", "sh", "-c", 'mount -t tmpfs -o ro tmpfs "$0" && exec "$@"', str(folder), *argv]
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return argv
    pytest.fail("root without mount namespaces: no way to make a folder read-only for this test")


def crawl_argv(config: Path, db: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "crawler", "run", "--config", str(config), "--db", str(db), "--out", str(out)]


@pytest.mark.parametrize("fault", ["read-only folder", "a file where the folder should be"])
def test_an_unwritable_out_is_one_line_exit_1_and_the_checks_are_stored(web, tmp_path, fault):
    config = write_config(tmp_path / "r.yaml", [{"name": "home", "url": web.url_for("/")}],
                          retries=0, block_private_addresses=False)
    db = tmp_path / "db" / "health.db"
    out = tmp_path / "out"
    argv = crawl_argv(config, db, out)
    if fault == "read-only folder":
        argv, reason = read_only(out, argv), "Read-only file system|Permission denied"
    else:
        out.write_text("not a folder")
        reason = "a file is in the way of a folder there"
    proc = subprocess.run(argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120)
    if out.is_dir():
        out.chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    problems = [line for line in proc.stderr.splitlines() if str(out) in line]
    assert len(problems) == 1, proc.stderr
    assert re.search(rf"ERROR: report not written: cannot write {re.escape(str(out))}(?:/status.json)?: (?:{reason})$", problems[0])
    assert re.fullmatch(r"healthcrawl: 1 resource: 1 up, 0 degraded, 0 down; 0 broken links; run 1 complete "
                        r"in [\d.]+ s; report NOT written \(see the error above\)\n", proc.stdout), proc.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT complete FROM runs").fetchall() == [(1,)]
        assert conn.execute("SELECT resource_id, status FROM checks").fetchall() == [("home", "up")]

    rebuilt = run_cli("report", "--db", str(db), "--out", str(tmp_path / "elsewhere"))
    assert rebuilt.returncode == 0 and (tmp_path / "elsewhere" / "index.html").is_file()


def test_report_into_an_unwritable_out_is_exit_1_and_one_line(web, tmp_path):
    config = write_config(tmp_path / "r.yaml", [{"name": "home", "url": web.url_for("/")}],
                          retries=0, block_private_addresses=False)
    out = tmp_path / "out"
    assert run_cli("run", "--config", str(config), "--db", str(out / "h.db"), "--out", str(out)).returncode == 0
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_cli("report", "--db", str(out / "h.db"), "--out", str(blocker / "reports"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"healthcrawl: error: report not written: cannot write {blocker / 'reports'}: "
        "a file is in the way of a folder there"]
    assert result.stdout == ""


LEFTOVERS = (".index.html.healthcrawl-k3j9x0_q.tmp", ".status.json.a1b2c3d4.tmp", "metrics.prom.4242.139871",
             "resources/.home.html.healthcrawl-0a1b2c3d.tmp", "feeds/.home.xml.zz_9y8x7.tmp")
NOT_OURS = ("notes.tmp", ".index.html.tmp", ".draft.txt.a1b2c3d4.tmp", "resources/.keep", "feeds/README")


def test_leftovers_of_killed_writers_go_at_the_next_report_and_nothing_else(web, tmp_path):
    config = write_config(tmp_path / "r.yaml", [{"name": "home", "url": web.url_for("/")}],
                          retries=0, block_private_addresses=False)
    out = tmp_path / "out"
    assert run_cli("run", "--config", str(config), "--db", str(out / "h.db"), "--out", str(out)).returncode == 0
    for name in LEFTOVERS + NOT_OURS:
        (out / name).write_text("half a file")
    result = run_cli("report", "--db", str(out / "h.db"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert [name for name in LEFTOVERS if (out / name).exists()] == []
    assert [name for name in NOT_OURS if (out / name).exists()] == list(NOT_OURS)


def test_a_removed_resource_loses_its_feed_with_its_page(web, tmp_path):
    out = tmp_path / "out"
    both = write_config(tmp_path / "both.yaml", [{"name": "home", "url": web.url_for("/")},
                                                 {"name": "Old News", "url": web.url_for("/old")}],
                        retries=0, block_private_addresses=False)
    assert run_cli("run", "--config", str(both), "--db", str(out / "h.db"), "--out", str(out)).returncode == 0
    assert (out / "feeds" / "old-news.xml").is_file() and (out / "resources" / "old-news.html").is_file()
    one = write_config(tmp_path / "one.yaml", [{"name": "home", "url": web.url_for("/")}],
                       retries=0, block_private_addresses=False)
    assert run_cli("run", "--config", str(one), "--db", str(out / "h.db"), "--out", str(out)).returncode == 0
    assert sorted(p.name for p in (out / "feeds").iterdir()) == ["home.json", "home.xml"]
    assert sorted(p.name for p in (out / "resources").iterdir()) == ["home.html"]
