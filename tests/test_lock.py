"""RunLock: one run per database, a clear refusal for the second, no stale locks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.store.lock import LockHeld, LockInfo, RunLock, lock_path_for
from tests.conftest import ROOT

# Holds the lock, says so on stdout, then waits for stdin to close (or for a signal).
HOLDER = """
import sys
from crawler.store.lock import RunLock
with RunLock(sys.argv[1]) as lock:
    print("locked", flush=True)
    sys.stdin.read()
"""
# Tries once; exit 0 if it got the lock, 3 with the message on stderr if refused.
CONTENDER = """
import sys
from crawler.store.lock import LockHeld, RunLock
try:
    with RunLock(sys.argv[1]):
        pass
except LockHeld as exc:
    print(exc, file=sys.stderr)
    sys.exit(3)
"""


def python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            **kwargs)


@pytest.fixture
def holder(tmp_path: Path):
    """A separate process that holds the lock on tmp_path/health.db until told to stop."""
    db = tmp_path / "reports" / "health.db"
    proc = python(HOLDER, str(db))
    assert proc.stdout.readline().strip() == "locked", proc.stderr.read()
    yield db, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        stream.close()


def test_lock_file_sits_beside_the_database_and_names_its_holder(tmp_path: Path):
    db = tmp_path / "health.db"
    with RunLock(db) as lock:
        assert lock.path == tmp_path / "health.db.lock" == lock_path_for(db)
        info = json.loads(lock.path.read_text())
        assert info["pid"] == os.getpid()
        assert info["started_at"].endswith("Z") and info["host"]
        assert lock.held
    assert not lock.held
    assert not lock.path.exists(), "a clean release leaves nothing behind"


def test_second_lock_in_the_same_process_is_refused(tmp_path: Path):
    db = tmp_path / "health.db"
    with RunLock(db), pytest.raises(LockHeld, match=f"pid {os.getpid()}"):
        RunLock(db).acquire()
    with RunLock(db):  # free again afterwards
        pass


def test_another_process_is_refused_with_pid_start_time_and_database(holder):
    db, proc = holder
    with pytest.raises(LockHeld) as caught:
        RunLock(db).acquire()
    message = str(caught.value)
    assert message.startswith(f"another healthcrawl run (pid {proc.pid}, started 20")
    assert message.endswith(f") is using {db}")
    assert caught.value.holder.pid == proc.pid


def test_two_processes_contend_and_only_one_wins(holder):
    db, proc = holder
    refused = python(CONTENDER, str(db))
    _, err = refused.communicate(timeout=20)
    assert refused.returncode == 3, err
    assert f"pid {proc.pid}" in err and str(db) in err

    proc.stdin.close()  # the holder finishes its run and releases
    assert proc.wait(timeout=10) == 0
    after = python(CONTENDER, str(db))
    _, err = after.communicate(timeout=20)
    assert after.returncode == 0, err


# Starts, says "ready", waits for "go" on stdin, then tries once: "won" and holds the
# lock until stdin closes, or "refused" and exit 3.
RACER = """
import sys
from crawler.store.lock import LockHeld, RunLock
print("ready", flush=True)
sys.stdin.readline()
try:
    with RunLock(sys.argv[1]):
        print("won", flush=True)
        sys.stdin.read()
except LockHeld as exc:
    print("refused", flush=True)
    print(exc, file=sys.stderr)
    sys.exit(3)
"""


def test_simultaneous_starts_let_exactly_one_run(tmp_path: Path):
    """Four processes, all started and waiting, are told to go at once; the winner
    holds the lock until every one has answered, so no start time can matter."""
    db = tmp_path / "health.db"
    racers = [python(RACER, str(db)) for _ in range(4)]
    for proc in racers:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    for proc in racers:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    answers = [proc.stdout.readline().strip() for proc in racers]
    assert sorted(answers) == ["refused", "refused", "refused", "won"], answers
    for proc in racers:
        proc.stdin.close()
    codes = sorted(proc.wait(timeout=20) for proc in racers)
    assert codes == [0, 3, 3, 3]
    for proc in racers:
        proc.stdout.close()
        proc.stderr.close()
    assert not lock_path_for(db).exists()


def test_lock_of_a_killed_run_is_taken_over(holder):
    db, proc = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert lock_path_for(db).exists(), "SIGKILL gives no chance to clean up"

    with RunLock(db) as lock:
        assert lock.taken_over_from is not None
        assert lock.taken_over_from.pid == proc.pid
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()


def test_leftover_lock_file_without_a_live_holder_is_taken_over(tmp_path: Path):
    db = tmp_path / "health.db"
    lock_path_for(db).write_text(LockInfo(pid=999_999_999, host="old", started_at="2020-01-01T00:00:00Z").dump())
    with RunLock(db) as lock:
        assert lock.taken_over_from == LockInfo(999_999_999, "old", "2020-01-01T00:00:00Z")


def test_unreadable_lock_file_does_not_stop_a_run(tmp_path: Path):
    db = tmp_path / "health.db"
    lock_path_for(db).write_bytes(b"\xff\x00 not json")
    with RunLock(db) as lock:
        assert lock.taken_over_from == LockInfo()


def test_lock_is_released_when_the_run_raises(tmp_path: Path):
    db = tmp_path / "health.db"
    with pytest.raises(ValueError), RunLock(db):
        raise ValueError("crawl failed")
    with RunLock(db):
        pass


def test_creates_the_reports_folder(tmp_path: Path):
    db = tmp_path / "new" / "reports" / "health.db"
    with RunLock(db) as lock:
        assert lock.path.parent.is_dir()
