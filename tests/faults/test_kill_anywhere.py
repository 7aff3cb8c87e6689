"""SIGKILL at random points: the database always passes integrity_check, keeps
every check it committed, marks the run incomplete, and the next run completes
normally. Link results are written in batches (crawler.record.recorder): a kill loses at
most the pending batch, never a result that came before a committed check, and a
batch once written stays."""

from __future__ import annotations

import contextlib
import os
import random
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

from crawler.record.recorder import LINK_BATCH_SECONDS, LINK_BATCH_SIZE
from crawler.store.schema import MIGRATIONS
from tests.conftest import ROOT, run_cli, write_config
from tests.faults import recording
from tests.faults.test_kill_migration import schema_after

pytestmark = pytest.mark.crawl

ITERATIONS = 12  # each stage three times
RESOURCES = 12
PAGE_OF_LINK = re.compile(r"/(?:page|news|link)/(\d+)(?:-\d+)?$")


class Gate:
    """Holds every request for the last resource's page until released, so a run
    cannot finish before the test has killed it, however fast or slow the machine."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def hold(self) -> None:
        self._event.wait(timeout=120)

    def renew(self) -> None:
        """Release whoever waits (their client is dead by now) and hold the next run."""
        self._event.set()
        self._event = threading.Event()

    def open(self) -> None:
        """Let every request through from now on."""
        self._event.set()


@pytest.fixture(scope="module")
def web():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.gate = Gate()

    def page(request: Request) -> Response:
        time.sleep(0.05)
        n = request.path.strip("/").split("/")[-1]
        if request.path == f"/page/{RESOURCES - 1}":
            server.gate.hold()
        links = "".join(f'<a href="/link/{n}-{i}">l{i}</a>' for i in range(8))
        body = (f"<title>Page {n}</title><main><article><h2><a href='/news/{n}'>News item number {n}"
                f"</a></h2><time datetime='2026-11-0{int(n) % 9 + 1}'>x</time></article>{links}</main>")
        return Response(body, content_type="text/html")

    server.expect_request("").respond_with_handler(page)
    server.start()
    yield server
    server.gate.renew()
    server.clear()
    server.stop()


# What a kill waits for before it lands, in the order a run reaches them. Each is read
# from the database (or the process's existence), never guessed from the clock.
STAGES = ("spawned", "run row", "a check", "link results")
STAGE_SQL = {
    "run row": "SELECT count(*) FROM runs WHERE id > ?",
    "a check": "SELECT count(*) FROM checks WHERE run_id > ?",
    "link results": "SELECT count(*) FROM link_checks WHERE run_id > ?",
}
STAGE_DEADLINE = 90  # seconds; only a broken run takes this long to reach a stage


def _reached(db, stage: str, before_run: int) -> bool:
    if stage == "spawned":
        return True
    return _count(db, STAGE_SQL[stage], [before_run]) > 0


def _wait_for(db, stage: str, before_run: int, proc: subprocess.Popen, stderr) -> None:
    deadline = time.monotonic() + STAGE_DEADLINE
    while not _reached(db, stage, before_run):
        if proc.poll() is not None:
            raise AssertionError(f"the run exited ({proc.returncode}) before reaching {stage!r}: "
                                 f"{stderr.read_text(errors='replace')[-2000:]}")
        assert time.monotonic() < deadline, f"the run did not reach {stage!r} in {STAGE_DEADLINE} s"
        time.sleep(0.02)


def _count(db, sql: str, args: list) -> int:
    """A read-only count that never creates the file and reads 0 while the schema is missing."""
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute(sql, args).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_kill_at_random_points(web, tmp_path):
    """Each kill waits until the run has reached a stage (spawned, run row written,
    a check committed, link results committed: read from the database), then lands
    at a random moment after it, while the gated page holds the run open. So every
    run is killed mid-run on any machine, and each stage is hit three times.

    Besides what every kill must leave, each link result stored for the killed run
    belongs to a page whose check is stored too. True by design: a page's links are
    requested only after its check went through the pipeline, and a check is
    committed at once while link results wait for their batch. It fails if link
    results reach the database ahead of the check they follow (a check held back,
    or written in a later transaction than links recorded after it)."""
    rng = random.Random(20261125)  # fixed seed: a failure can be replayed
    config = write_config(tmp_path / "r.yaml", [
        {"name": f"r{i}", "url": web.url_for(f"/page/{i}")} for i in range(RESOURCES)
    ], retries=0, concurrency_per_host=2, timeout=150)
    db, out = tmp_path / "out" / "h.db", tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outcomes = []
    for iteration in range(ITERATIONS):
        stage = STAGES[iteration % len(STAGES)]
        before = _committed_checks(db)
        before_run = _count(db, "SELECT coalesce(max(id), 0) FROM runs", [])
        stderr = tmp_path / f"stderr-{iteration}.txt"
        with stderr.open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "crawler", "run", "--config", str(config), "--db", str(db), "--out", str(out),
                 "--fail-on", "resources"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
            try:
                _wait_for(db, stage, before_run, proc, stderr)
                time.sleep(rng.uniform(0, 0.3))  # a random point after the stage, before the gated page answers
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)
                web.gate.renew()
        where = f"iteration {iteration} (killed after {stage})"
        conn = sqlite3.connect(db) if db.exists() else None
        if conn is None:
            assert stage == "spawned", f"{where}: no database"
            outcomes.append("before-db")
            continue
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", where
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version < len(MIGRATIONS):  # killed while the first run built the schema
            assert stage == "spawned", f"{where}: schema version {version}"
            found = set(conn.execute("SELECT type, name FROM sqlite_master").fetchall())
            assert found == schema_after(version), f"{where}: part of a migration: {sorted(found)}"
            outcomes.append("before-schema")
            conn.close()
            continue
        checks = conn.execute("SELECT count(*) FROM checks").fetchone()[0]
        assert checks >= before, f"{where}: committed checks were lost"
        last = conn.execute("SELECT id, complete, finished_at FROM runs WHERE id > ? ORDER BY id DESC LIMIT 1",
                            [before_run]).fetchone()
        if last is None:
            assert stage == "spawned", f"{where}: no run row"
            outcomes.append("before-run")
            conn.close()
            continue
        run_id, complete, finished_at = last
        # The gated page keeps every run open until after its kill.
        assert not complete and finished_at is None, f"{where}: a killed run must not look finished"
        checked = {row[0] for row in conn.execute("SELECT resource_id FROM checks WHERE run_id = ?", [run_id])}
        links = [row[0] for row in conn.execute("SELECT url FROM link_checks WHERE run_id = ?", [run_id])]
        for url in links:
            found_on = PAGE_OF_LINK.search(url)  # /page/N itself, /news/N and /link/N-i are on page N
            assert found_on and f"r{found_on.group(1)}" in checked, f"{where}: {url} before its check"
        if stage == "link results":
            assert links, f"{where}: the link results it waited for are gone"
        outcomes.append(f"{stage}: incomplete" + (" with links" if links else ""))
        conn.close()
    assert {o.split(":")[0] for o in outcomes} >= set(STAGES[1:]), outcomes
    web.gate.open()
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


RECORDER_ITERATIONS = 10


def test_kill_a_recorder_at_random_points(tmp_path):
    """A RunRecorder fed a known stream (tests/faults/recording.py) is killed once it
    has reported a randomly chosen step (read from its output, not guessed from the
    clock); what the database holds for that run must then be:

    * checks r0..rc and link results 0..m-1: each a prefix of the stream's, as a
      check commits at once and a batch commits whole, in order;
    * every link result recorded before check rc (the barrier: a check commits the
      pending batch first) and none recorded after check rc+1 (it would have been
      committed before them);
    * at most LINK_BATCH_SIZE - 1 fewer than the link steps the recorder returned
      from, and every link result whose batch had aged LINK_BATCH_SECONDS by the
      start of the last step returned from (times read from the recorder's clock
      by the driver, not guessed here).

    Each is true by design and fails if a batch is lost after it was due, written
    in pieces or out of order, or held back by a check."""
    rng = random.Random(20261203)
    steps = recording.stream()
    check_steps = [i for i, (kind, _) in enumerate(steps) if kind == "check"]
    links_before = [sum(kind == "link" for kind, _ in steps[:i]) for i in check_steps]
    total_links = sum(kind == "link" for kind, _ in steps)
    committed_from = next(step for step, before in zip(check_steps, links_before, strict=True) if before)
    db = tmp_path / "h.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    kept: dict[int, int] = {}  # link results stored by earlier (killed) runs
    outcomes = []
    for iteration in range(RECORDER_ITERATIONS + 1):
        last = iteration == RECORDER_ITERATIONS  # the last run is not killed
        proc = subprocess.Popen([sys.executable, "-m", "tests.faults.recording", str(db)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if last:
            printed, errors = proc.communicate(timeout=60)
            assert proc.returncode == 0, errors
        else:
            # Kill once the driver has reported a random step: anywhere in the stream on
            # even iterations, after a check has committed link results on odd ones.
            # Read from its output, so the kill lands mid-run on a machine of any speed.
            first = 0 if iteration % 2 == 0 else committed_from
            target = rng.randrange(first, len(steps) - 50)
            seen = []
            for line in proc.stdout:
                seen.append(line)
                step = line.split()[0]
                if step.isdigit() and int(step) >= target:
                    break
            proc.send_signal(signal.SIGKILL)
            rest, errors = proc.communicate(timeout=10)
            printed = "".join(seen) + rest
            assert "done" not in printed.split("\n"), f"iteration {iteration}: finished before step {target}"
        lines = printed.split("\n")[:-1]  # the last one may be cut short
        if not lines:
            outcomes.append("before-run")
            continue
        run_id = int(lines[0].split()[1])
        done = [(int(step), float(now)) for step, now in (line.split() for line in lines[1:] if line != "done")]
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"iteration {iteration}"
        checks = sorted(int(r[0][1:]) for r in conn.execute("SELECT resource_id FROM checks WHERE run_id = ?",
                                                            [run_id]))
        links = sorted(int(r[0].rsplit("/", 1)[1]) for r in conn.execute(
            "SELECT url FROM link_checks WHERE run_id = ?", [run_id]))
        for earlier, count in kept.items():
            assert conn.execute("SELECT count(*) FROM link_checks WHERE run_id = ?", [earlier]).fetchone()[0] == count
        conn.close()
        kept[run_id] = len(links)
        where = f"iteration {iteration}: {len(done)} steps done, checks {checks}, {len(links)} links"
        assert checks == list(range(len(checks))), where
        assert links == list(range(len(links))), where
        if checks:
            assert len(links) >= links_before[len(checks) - 1], where
        if len(checks) < len(check_steps):
            assert len(links) <= links_before[len(checks)], where
        link_steps_done = sum(steps[step][0] == "link" for step, _ in done)
        assert len(links) >= link_steps_done - (LINK_BATCH_SIZE - 1), where
        if done:
            last_start = done[-1][1]
            starts = dict(done)
            due = [n for step, (kind, n) in enumerate(steps[:-1])
                   if kind == "link" and step + 1 in starts and starts[step + 1] + LINK_BATCH_SECONDS <= last_start]
            if due:
                assert len(links) > max(due), f"{where}: link {max(due)} was due"
        outcomes.append("finished" if "done" in lines else f"killed with {len(links)} of {total_links} links")
    assert outcomes[-1] == "finished" and kept[max(kept)] == total_links, outcomes
    killed_mid_links = [o for o in outcomes[:-1] if o.startswith("killed with") and not o.startswith("killed with 0 ")]
    assert len(killed_mid_links) >= RECORDER_ITERATIONS // 2, outcomes  # the odd iterations, at least


def test_link_results_written_while_nothing_else_arrives_survive_sigkill(tmp_path):
    """A page's links are checked, then the crawl waits on a resource that hangs: no
    item arrives, so only the pipeline's timer can write the pending batch. Once the
    rows are there, SIGKILL keeps them."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    links = 20
    server.expect_request("/fast").respond_with_response(Response(
        "<title>Fast</title>" + "".join(f'<a href="/ok/{i}">{i}</a>' for i in range(links)),
        content_type="text/html"))
    server.expect_request(re.compile("/ok/.*")).respond_with_response(Response("ok", content_type="text/plain"))

    def hang(request: Request) -> Response:
        time.sleep(40)
        return Response("<title>Late</title>", content_type="text/html")

    server.expect_request("/hang").respond_with_handler(hang)
    server.start()
    try:
        config = write_config(tmp_path / "r.yaml", [
            {"name": "fast", "url": server.url_for("/fast")},
            {"name": "hang", "url": server.url_for("/hang")},
        ], timeout=60, retries=0, block_private_addresses=False)
        db = tmp_path / "out" / "h.db"
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "run", "--config", str(config), "--db", str(db),
             "--out", str(tmp_path / "out")],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while _stored_ok_links(db) < links:
                assert time.monotonic() < deadline, f"only {_stored_ok_links(db)} of {links} link results stored"
                assert proc.poll() is None, "the crawl ended before the hanging resource answered"
                time.sleep(0.1)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert _stored_ok_links(db) == links
        assert conn.execute("SELECT complete, finished_at FROM runs").fetchall() == [(0, None)]
        assert conn.execute("SELECT resource_id FROM checks").fetchall() == [("fast",)]
        conn.close()
    finally:
        server.clear()
        server.stop()


def _stored_ok_links(db) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT count(*) FROM link_checks WHERE url LIKE '%/ok/%' AND result = 'ok'"
                                ).fetchone()[0]
        except sqlite3.OperationalError:
            return 0
