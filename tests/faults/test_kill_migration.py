"""SIGKILL in the middle of a migration: the first run creating the schema, or an
upgrade (the full-text index is built by scripts). The file must be left at the last
migration that finished, with exactly that migration's schema, and the next open must
migrate it to the end. Before migrations were one transaction each, a kill there left
tables without their version number, and every later run failed with "table runs
already exists"."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from crawler.store.database import Store
from crawler.store.schema import MIGRATIONS
from tests.conftest import ROOT

# Runs migrations up to `kill_at`, which does its work and is then killed before it
# can commit: the real Store, the real file, a real SIGKILL.
KILLED_MIGRATION = """
import os, signal, sys
from crawler.store import database
kill_at = int(sys.argv[2])
real = database.MIGRATIONS[kill_at - 1]

def killed(db):
    real(db)
    os.kill(os.getpid(), signal.SIGKILL)

database.MIGRATIONS = (*database.MIGRATIONS[:kill_at - 1], killed, *database.MIGRATIONS[kill_at:])
database.Store(sys.argv[1])
"""


def schema_after(version: int) -> set[tuple[str, str]]:
    """The objects (type, name) that the first `version` migrations create, built on a
    database in memory, migration by migration, independently of Store.migrate."""
    db = sqlite_utils.Database(memory=True)
    for migration in MIGRATIONS[:version]:
        migration(db)
    return set(db.execute("SELECT type, name FROM sqlite_master").fetchall())


def objects(path: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return set(conn.execute("SELECT type, name FROM sqlite_master").fetchall())


@pytest.mark.parametrize("kill_at", [1, 3, 8, len(MIGRATIONS)])
def test_a_kill_mid_migration_leaves_the_last_finished_one(tmp_path, kill_at):
    db = tmp_path / "health.db"
    killed = subprocess.run([sys.executable, "-c", KILLED_MIGRATION, str(db), str(kill_at)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert killed.returncode == -9, killed.stderr  # it died in the migration, not before

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == kill_at - 1
    assert objects(db) == schema_after(kill_at - 1), "the killed migration left part of its work"

    Store(db).close()  # the next run migrates to the end
    assert objects(db) == schema_after(len(MIGRATIONS))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
