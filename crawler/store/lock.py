"""One healthcrawl run per database at a time.

Two runs writing the same SQLite file would interleave their checks and both
rewrite the report. `RunLock` takes an exclusive `flock` on `<db>.lock`: the
kernel drops it when the holder exits, however it exits (even SIGKILL or a
power cut), so a lock can never go stale. The file also records who holds
it (pid, host, start time) so the refusal can say which run is in the way.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from crawler.core.timeutil import iso, utcnow

_MAX_ATTEMPTS = 20  # re-tries when the lock file is replaced under us


@dataclass(frozen=True)
class LockInfo:
    """Who holds (or last held) the lock, as written in the lock file."""

    pid: int | None = None
    host: str | None = None
    started_at: str | None = None

    @classmethod
    def parse(cls, text: str) -> LockInfo:
        """Read what `dump` wrote; anything unreadable means "unknown holder".

        >>> LockInfo.parse('{"pid": 12, "host": "a", "started_at": "2026-01-01T00:00:00Z"}').pid
        12
        >>> LockInfo.parse("garbage")
        LockInfo(pid=None, host=None, started_at=None)
        """
        try:
            data: Any = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        pid, host, started = data.get("pid"), data.get("host"), data.get("started_at")
        return cls(
            pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
            host=host if isinstance(host, str) else None,
            started_at=started if isinstance(started, str) else None,
        )

    def dump(self) -> str:
        fields = {"pid": self.pid, "host": self.host, "started_at": self.started_at}
        return json.dumps(fields) + "\n"

    def describe(self) -> str:
        """The parenthesised part of the refusal message.

        >>> LockInfo(1234, socket.gethostname(), "2026-05-01T07:00:00Z").describe()
        'pid 1234, started 2026-05-01T07:00:00Z'
        >>> LockInfo(99, "elsewhere.invalid", None).describe()
        'pid 99 on elsewhere.invalid'
        >>> LockInfo().describe()
        'pid unknown'
        """
        who = f"pid {self.pid}" if self.pid is not None else "pid unknown"
        if self.host and self.host != socket.gethostname():
            who += f" on {self.host}"
        return f"{who}, started {self.started_at}" if self.started_at else who


class LockHeld(RuntimeError):
    """Another live run holds the database's lock."""

    def __init__(self, db_path: Path, holder: LockInfo):
        self.db_path, self.holder = db_path, holder
        super().__init__(f"another healthcrawl run ({holder.describe()}) is using {db_path}")


def lock_path_for(db_path: str | os.PathLike[str]) -> Path:
    """`data/health.db` -> `data/health.db.lock`, beside the database."""
    path = Path(db_path)
    return path.with_name(path.name + ".lock")


class RunLock:
    """Context manager: hold `<db>.lock` for the duration of a run.

    Raises `LockHeld` on entry if a live process holds it. A lock file left by a
    dead process is not locked any more, so it is simply taken over;
    `taken_over_from` then says whose it was.
    """

    def __init__(self, db_path: str | os.PathLike[str]):
        self.db_path = Path(db_path)
        self.path = lock_path_for(db_path)
        self.taken_over_from: LockInfo | None = None
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this RunLock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(_MAX_ATTEMPTS):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                if not _try_flock(fd):
                    raise LockHeld(self.db_path, LockInfo.parse(_read(fd)))
                if _same_file(fd, self.path):
                    self._claim(fd)
                    return
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # the file was unlinked by a releasing holder: lock the new one
        raise LockHeld(self.db_path, LockInfo())

    def release(self) -> None:
        """Unlink the file while still holding it, then unlock: a waiter that
        opened the old file notices it is gone and retries on the new one."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if _same_file(fd, self.path):
                self.path.unlink()
        except OSError:
            pass  # the lock itself goes with the descriptor
        finally:
            os.close(fd)

    def _claim(self, fd: int) -> None:
        previous = _read(fd)
        if previous.strip():
            self.taken_over_from = LockInfo.parse(previous)
        mine = LockInfo(pid=os.getpid(), host=socket.gethostname(), started_at=iso(utcnow()))
        os.ftruncate(fd, 0)
        os.pwrite(fd, mine.dump().encode("utf-8"), 0)
        self._fd = fd


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _same_file(fd: int, path: Path) -> bool:
    """True if `path` still names the file open on `fd` (not unlinked or replaced)."""
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)


def _read(fd: int, limit: int = 4096) -> str:
    return os.pread(fd, limit, 0).decode("utf-8", "replace")
