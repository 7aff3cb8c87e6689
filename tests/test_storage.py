"""The report database: schema, migrations, per-check commits, link batches, run bookkeeping."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.core.config import parse_config
from crawler.store.database import NewerDatabase, StorageError, Store, storage_cause
from crawler.store.schema import MIGRATIONS

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


# -- link results: written in batches --------------------------------------------------

LINK_STATE = ("last_result", "last_status", "last_final_url", "last_checked", "last_ok",
              "consecutive_failures", "first_failed", "etag", "last_modified")


def link(url: str, result: str = "ok", at: str = "2026-01-01T00:00:00Z", **extra) -> dict:
    return {"url": url, "result": result, "checked_at": at, "method": "HEAD", "http_status": 200,
            "final_url": url, "redirects": 0, "error": None, "evidence": None, "response_ms": 5,
            "not_modified": False, "anchors": None, "etag": None, "last_modified": None, **extra}


def link_state(store: Store, url: str) -> dict:
    return dict(zip(LINK_STATE, store.db.execute(
        f"SELECT {', '.join(LINK_STATE)} FROM links WHERE url = ?", [url]).fetchone(), strict=True))


def expected_state(results: list[dict]) -> dict:
    """The running state of one URL after `results`, by the rules as written down
    one by one (what Store.record_link_check did before batches)."""
    state: dict = {}
    for r in results:
        state.update(last_result=r["result"], last_status=r["http_status"], last_checked=r["checked_at"])
        if r["final_url"]:
            state["last_final_url"] = r["final_url"]
        if r["result"] == "broken":
            state["consecutive_failures"] = state.get("consecutive_failures", 0) + 1
            state["first_failed"] = state.get("first_failed") or r["checked_at"]
        else:
            state["consecutive_failures"], state["first_failed"] = 0, None
            if r["result"] in ("ok", "redirected"):
                state["last_ok"] = r["checked_at"]
        if r["etag"] is not None or r["last_modified"] is not None:
            state["etag"], state["last_modified"] = r["etag"], r["last_modified"]
    return {key: state.get(key) for key in LINK_STATE}


def test_the_connection_is_wal_and_synchronous_normal_from_the_start(store):
    """Set once per connection: no write flips it (that was two statements per link)."""
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_a_link_batch_is_one_transaction_of_prepared_statements(store):
    run_id = store.start_run(CONFIG)
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    store.record_link_batch(run_id, [link(f"http://l/{i}", anchors=["top"]) for i in range(300)],
                             [{"kind": "link-moved", "url": "http://l/1", "old": "http://x/", "new": "http://l/1"}])
    store.db.conn.set_trace_callback(None)
    # SQLite traces every row an executemany runs; what matters is one BEGIN, one COMMIT,
    # no read and no PRAGMA.
    assert [s for s in statements if not s.lstrip().startswith("INSERT")] == ["BEGIN ", "COMMIT"]
    other = sqlite3.connect(store.path)
    assert other.execute("SELECT count(*), min(anchors) FROM link_checks").fetchone() == (300, '["top"]')
    assert other.execute("SELECT count(*) FROM links").fetchone()[0] == 300
    assert other.execute("SELECT run_id, kind, url, old, new FROM events").fetchall() == [
        (run_id, "link-moved", "http://l/1", "http://x/", "http://l/1")]


def test_a_link_keeps_its_failure_streak_validators_and_last_success_across_runs(store):
    u = "http://l/x"
    results = [
        link(u, at="2026-01-01T00:00:00Z", final_url="http://l/y", etag='"1"'),
        link(u, "broken", at="2026-01-02T00:00:00Z", http_status=404, final_url=None),
        link(u, "broken", at="2026-01-03T00:00:00Z", http_status=404, final_url=""),
        link(u, "blocked", at="2026-01-04T00:00:00Z", http_status=999, final_url=None, last_modified="Mon"),
        link(u, "broken", at="2026-01-05T00:00:00Z", http_status=None, final_url=None),
    ]
    for n, result in enumerate(results, start=1):
        store.record_link_batch(store.start_run(CONFIG), [result])
        assert link_state(store, u) == expected_state(results[:n]), f"after result {n}"
    assert link_state(store, u) == {
        "last_result": "broken", "last_status": None, "last_final_url": "http://l/y",
        "last_checked": "2026-01-05T00:00:00Z", "last_ok": "2026-01-01T00:00:00Z",
        "consecutive_failures": 1, "first_failed": "2026-01-05T00:00:00Z", "etag": None, "last_modified": "Mon"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(
    st.sampled_from(["http://l/a", "http://l/b", "http://l/c"]),
    st.sampled_from(["ok", "redirected", "broken", "blocked", "robots"]),
    st.sampled_from([None, "", "http://l/a", "http://l/z"]),
    st.sampled_from([None, '"e1"', '"e2"']),
    st.sampled_from([None, "Mon"]),
    st.integers(min_value=1, max_value=3),
), min_size=1, max_size=25))
def test_batches_of_any_size_leave_the_state_the_rules_give(tmp_path_factory, rows):
    """However results are cut into batches (a URL may repeat within one), each URL's
    state is what the rules give applied one result after another."""
    store = Store(tmp_path_factory.mktemp("batches") / "h.db")
    run_id = store.start_run(CONFIG)
    results = [link(url, result, at=f"2026-01-01T00:00:{i:02d}Z", final_url=final, etag=etag, last_modified=lm,
                    http_status=None if result == "robots" else 200)
               for i, (url, result, final, etag, lm, _) in enumerate(rows)]
    batch: list[dict] = []
    for result, (*_, cut) in zip(results, rows, strict=True):
        batch.append(result)
        if cut == 1:
            store.record_link_batch(run_id, batch)
            batch = []
    store.record_link_batch(run_id, batch)
    for url in {r["url"] for r in results}:
        assert link_state(store, url) == expected_state([r for r in results if r["url"] == url])
    stored = dict(store.db.execute("SELECT url, checked_at FROM link_checks WHERE run_id = ?", [run_id]).fetchall())
    assert stored == {r["url"]: r["checked_at"] for r in results}  # the later result of a URL replaces
    store.close()


def test_where_links_ended_last_is_read_in_one_query(store):
    run_id = store.start_run(CONFIG)
    store.record_link_batch(run_id, [link("http://l/a", final_url="http://l/a2"), link("http://l/b", final_url=None),
                                      link("http://l/c")])
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    found = store.last_final_urls(["http://l/a", "http://l/b", "http://l/c", "http://l/new", "it's"])
    store.db.conn.set_trace_callback(None)
    assert found == {"http://l/a": "http://l/a2", "http://l/c": "http://l/c"}
    assert len(statements) == 1


# -- what pages held: kept with the validators of the body they came from ----------------


def test_a_read_page_keeps_its_links_only_beside_its_validators(store):
    u = "http://l/page"
    links = {"links": [["http://l/a", "", "a"]], "skipped": {}, "invalid": []}
    store.record_link_batch(store.start_run(CONFIG), [link(u, method="GET", etag='"1"', page_links=links)])
    assert store.link_memory()[u]["page_links"] == links
    # a HEAD (no body read) with the same validators, or with none, keeps them
    store.record_link_batch(store.start_run(CONFIG), [link(u, method="HEAD", etag='"1"')])
    store.record_link_batch(store.start_run(CONFIG), [link(u, method="HEAD")])
    assert store.link_memory()[u]["page_links"] == links
    # a HEAD that brings a new ETag means the body changed: its old links must not
    # stand in for it when the next conditional GET answers 304
    store.record_link_batch(store.start_run(CONFIG), [link(u, method="HEAD", etag='"2"')])
    assert "page_links" not in store.link_memory()[u]
    assert "page_links" not in [c[0] for c in store.db.execute("SELECT * FROM link_checks LIMIT 0").description]


def test_memory_of_a_database_from_before_migration_6_comes_from_followed_pages(store):
    run_id = store.start_run(CONFIG)
    store.record_link_batch(run_id, [link("http://l/page", etag='"1"')])
    store.db.execute("UPDATE links SET page_links = NULL")
    store.db.execute("INSERT INTO link_pages (run_id, resource_id, page, depth, links, skipped, outlinks) "
                     "VALUES (?, 'alpha', 'http://l/page', 1, 0, '{}', '{\"links\": []}')", [run_id])
    assert store.link_memory()["http://l/page"]["page_links"] == {"links": []}


def test_a_check_is_committed_synced_to_disk_and_links_are_not(store):
    """A resource check survives power loss (and so do the link batches before it,
    in the same write-ahead log); link batches alone are not synced."""
    run_id = store.start_run(CONFIG)
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    store.record_check(run_id, check("alpha"))
    store.db.conn.set_trace_callback(None)
    assert statements[0] == "PRAGMA synchronous = FULL" and statements[-1] == "PRAGMA synchronous = NORMAL"
    assert "COMMIT" in statements
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 1


def test_a_database_from_a_newer_version_is_refused_without_a_write(tmp_path):
    path = tmp_path / "newer.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NewerDatabase) as refused:
        Store(path)
    assert (refused.value.version, refused.value.known) == (len(MIGRATIONS) + 1, len(MIGRATIONS))
    assert str(path) in str(refused.value)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["newer.db"]


def test_a_write_the_database_refuses_is_named_in_a_few_words(store):
    """A real SQLite failure: another connection holds the write lock, and the store
    does not wait for it."""
    run_id = store.start_run(CONFIG)
    store.db.execute("PRAGMA busy_timeout = 0")
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError) as refused:
        store.record_check(run_id, check("alpha"))
    other.execute("ROLLBACK")
    other.close()
    assert storage_cause(refused.value, store.path) == "locked"
    damaged = store.path.with_name("damaged.db")
    damaged.write_bytes(b"not a database at all, " * 200)
    with pytest.raises(StorageError, match="cannot open database .*damaged.db: file is not a database"):
        Store(damaged)
