"""A database written by a newer healthcrawl (a higher PRAGMA user_version) is refused
by every command that opens one, with exit code 2, a message naming the file and both
versions, and not a byte changed: no migration, no journal-mode switch, no -wal or
-shm file beside it."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from crawler.store.database import Store
from crawler.store.schema import MIGRATIONS
from tests.conftest import refused_port, run_cli, write_config

NEWER = 9999


@pytest.fixture(scope="module")
def newer_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("newer")
    path = folder / "health.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {NEWER}")
    conn.close()
    assert sorted(p.name for p in folder.iterdir()) == ["health.db"]
    return path


def _fingerprint(path):
    return hashlib.sha256(path.read_bytes()).hexdigest(), sorted(p.name for p in path.parent.iterdir())


@pytest.mark.parametrize("command", [
    ("run", "--config", "{config}"),
    ("report", "--out", "{out}"),
    ("export", "--format", "json"),
    ("export", "--format", "csv"),
    ("search", "movilidad"),
    ("prune", "--keep", "1d"),
    ("datasette", "--out", "{out}"),
])
def test_every_command_refuses_a_newer_database_and_leaves_it_as_it_was(newer_db, tmp_path, command):
    config = write_config(tmp_path / "r.yaml", [{"name": "x", "url": f"http://127.0.0.1:{refused_port()}/"}])
    args = [part.format(config=config, out=tmp_path / "out") for part in command]
    before = _fingerprint(newer_db)
    result = run_cli(*args, "--db", str(newer_db))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"healthcrawl: error: {newer_db}: database schema version {NEWER} is newer than this healthcrawl knows "
        f"({len(MIGRATIONS)}); it was written by a newer healthcrawl: upgrade healthcrawl, or use another --db. "
        "The file was not changed"]
    assert result.stdout == ""
    assert _fingerprint(newer_db) == before, "byte-identical, and nothing created beside it"
    assert not (tmp_path / "out").exists(), "nothing written from it"
