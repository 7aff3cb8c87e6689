"""The report database: schema, migrations, per-check commits, run bookkeeping."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.config import parse_config
from crawler.storage import MIGRATIONS, StorageError, Store

CONFIG = parse_config(
    "resources:\n  - name: Alpha\n    url: http://a.example/\n    tags: [x]\n"
    "  - name: Beta\n    url: http://b.example/\n",
    Path("r.yaml"),
)


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "sub" / "health.db")
    yield store
    store.close()


def check(resource: str, status: str = "up", **extra) -> dict:
    return {"resource_id": resource, "url": f"http://{resource}/", "checked_at": "2026-01-01T00:00:00Z",
            "status": status, **extra}


def test_new_database_is_migrated_to_the_latest_schema(store):
    assert store.schema_version == len(MIGRATIONS)
    assert {"runs", "resources", "checks"} <= set(store.db.table_names())
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    fks = {(fk.column, fk.other_table) for fk in store.db["checks"].foreign_keys}
    assert fks == {("run_id", "runs"), ("resource_id", "resources")}


def test_reopening_does_not_migrate_twice(tmp_path):
    Store(tmp_path / "h.db").close()
    again = Store(tmp_path / "h.db")
    assert again.schema_version == len(MIGRATIONS)
    again.close()


def test_run_lifecycle_and_counts(store):
    run_id = store.start_run(CONFIG)
    assert store.latest_run()["complete"] == 0 and store.latest_run()["finished_at"] is None
    store.record_check(run_id, check("alpha", redirects=[{"url": "http://x/", "status": 301}]))
    store.record_check(run_id, check("beta", "down", error="DNS lookup failed"))
    counts = store.finish_run(run_id, complete=True, reason="finished")
    assert counts == {"up": 1, "degraded": 0, "down": 1}
    run = store.run(run_id)
    assert run["complete"] == 1 and run["finished_at"] and run["down"] == 1
    checks = store.checks_for_run(run_id)
    assert checks["alpha"]["redirects"] == [{"url": "http://x/", "status": 301}]
    assert checks["beta"]["error"] == "DNS lookup failed"


def test_a_check_is_visible_to_another_connection_at_once(store):
    """What a killed run leaves behind: every check recorded so far."""
    run_id = store.start_run(CONFIG)
    store.record_check(run_id, check("alpha"))
    other = sqlite3.connect(store.path)
    assert other.execute("SELECT count(*) FROM checks").fetchone()[0] == 1
    assert other.execute("SELECT complete FROM runs").fetchone()[0] == 0


def test_rechecking_a_resource_in_the_same_run_replaces_the_row(store):
    run_id = store.start_run(CONFIG)
    store.record_check(run_id, check("alpha", "down"))
    store.record_check(run_id, check("alpha", "up"))
    assert store.run_counts(run_id) == {"up": 1, "degraded": 0, "down": 0}


def test_resources_are_upserted_and_deactivated_when_removed(store):
    store.start_run(CONFIG)
    assert [r["id"] for r in store.active_resources()] == ["alpha", "beta"]
    smaller = parse_config("resources:\n  - name: Beta\n    url: http://b2.example/\n", Path("r.yaml"))
    store.start_run(smaller)
    active = store.active_resources()
    assert [(r["id"], r["url"]) for r in active] == [("beta", "http://b2.example/")]
    assert store.db["resources"].count == 2, "history of removed resources is kept"


def test_check_for_unknown_resource_is_refused(store):
    run_id = store.start_run(CONFIG)
    with pytest.raises(sqlite3.IntegrityError):
        store.record_check(run_id, check("ghost"))


def test_unusable_path_is_a_storage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StorageError, match="cannot open database"):
        Store(blocker / "health.db")


def test_a_database_from_an_older_version_is_upgraded_in_place(tmp_path):
    """Build a version-1 database by hand (as the first release wrote it), then open it."""
    import sqlite_utils

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    MIGRATIONS[0](old)
    old.execute("PRAGMA user_version = 1")
    old["resources"].insert({"id": "alpha", "name": "Alpha", "url": "http://a.example/", "active": 1})
    old["runs"].insert({"id": 1, "started_at": "2025-01-01T00:00:00Z", "complete": 1})
    old["checks"].insert({"run_id": 1, "resource_id": "alpha", "checked_at": "2025-01-01T00:00:01Z",
                          "status": "up", "http_status": 200})
    old.conn.commit()
    old.close()

    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert {"announcements", "links", "incidents", "daily"} <= set(store.db.table_names())
    (row,) = store.db["checks"].rows
    assert (row["resource_id"], row["status"], row["http_status"], row["maintenance"]) == ("alpha", "up", 200, 0)
    assert store.run(1)["complete"] == 1
    assert store.integrity_ok()
    store.close()
