"""Moving a database out of the published folder, whole and once.

A setup from before ``data/`` keeps ``reports/health.db`` (see crawler.core.layout).
Its next run moves it: the WAL is folded into the file first, so the move is one
rename of one file, under the old location's run lock so no run writes it meanwhile.
Nothing is moved when the new place already holds a database: two histories are
never merged or overwritten.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from crawler.store.lock import RunLock

COMPANIONS = ("datasette.yml",)  # files healthcrawl wrote beside the database, moved with it


def move_database(old: Path, new: Path) -> list[str]:
    """Move the database at `old` (and its companions) to `new`; return one line per
    file moved. Raises LockHeld when a run holds the old database, and OSError when the
    move cannot be made (then nothing has moved)."""
    if new.exists():
        raise FileExistsError(f"{new} already exists; {old} was left where it is")
    new.parent.mkdir(parents=True, exist_ok=True)
    with RunLock(old):
        conn = sqlite3.connect(old)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        os.replace(old, new)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{old}{suffix}")
        moved = [f"{old} -> {new}"]
        for name in COMPANIONS:
            companion, target = old.parent / name, new.parent / name
            if companion.exists() and not target.exists():
                os.replace(companion, target)
                moved.append(f"{companion} -> {target}")
    return moved  # the lock file went with the lock's release
