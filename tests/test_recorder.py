"""RunRecorder: link results wait in a batch, and when each batch is written."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import pytest

from crawler.core.config import parse_config
from crawler.core.items import CheckResult, LinkPageResult, LinkResult
from crawler.extract.maintext import fingerprint
from crawler.record.recorder import RunRecorder
from crawler.store.database import Store

CONFIG = parse_config("resources:\n  - name: Alpha\n    url: http://a.example/\n", Path("r.yaml"))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "health.db")
    yield store
    store.close()


@pytest.fixture
def clock():
    return Clock()


def recorder(store: Store, clock: Clock, **batch) -> RunRecorder:
    return RunRecorder(store, CONFIG, clock=clock, **batch)


def result(n: int | str, final_url: str | None = None, result: str = "ok", method: str = "HEAD") -> LinkResult:
    url = n if isinstance(n, str) else f"http://l.example/{n}"
    return LinkResult(url, result, "2026-01-01T00:00:00Z", method, http_status=200, final_url=final_url or url)


def stored_links(store: Store) -> int:
    """What another process would find (a killed run leaves exactly this)."""
    with sqlite3.connect(store.path) as other:
        return other.execute("SELECT count(*) FROM link_checks").fetchone()[0]


def test_link_results_wait_until_the_batch_is_full(store, clock):
    rec = recorder(store, clock, batch_size=3)
    rec.record(result(1))
    rec.record(result(2))
    assert stored_links(store) == 0
    rec.record(result(3))
    assert stored_links(store) == 3
    assert rec.counters == {"links/ok": 3}


def test_a_batch_as_old_as_batch_seconds_is_written_with_the_next_result(store, clock):
    rec = recorder(store, clock, batch_seconds=1.0)
    rec.record(result(1))
    clock.now += 0.99
    rec.record(result(2))
    assert stored_links(store) == 0
    clock.now += 0.01
    rec.record(result(3))
    assert stored_links(store) == 3


def test_flush_if_due_writes_an_old_batch_when_no_result_arrives(store, clock):
    rec = recorder(store, clock, batch_seconds=1.0)
    rec.record(result(1))
    rec.flush_if_due()
    assert stored_links(store) == 0
    clock.now += 1.0
    rec.flush_if_due()
    assert stored_links(store) == 1
    clock.now += 5.0
    rec.record(result(2))  # a new batch starts its own clock
    assert stored_links(store) == 1


def test_a_check_commits_the_link_results_before_it_first(store, clock):
    rec = recorder(store, clock)
    for n in range(5):
        rec.record(result(n))
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    rec.record(CheckResult("alpha", "http://a.example/", "2026-01-01T00:00:00Z", http_status=200))
    store.db.conn.set_trace_callback(None)
    assert stored_links(store) == 5
    written = [_written_table(s) or s.strip() for s in statements]
    # the batch's own transaction, committed before the check's begins
    assert written.index("link_checks") < written.index("COMMIT") < written.index("checks")


def _written_table(statement: str) -> str | None:
    match = re.match(r'\s*INSERT (?:OR REPLACE )?INTO [\["]?(\w+)', statement)
    return match and match.group(1)


def test_finishing_the_run_writes_the_last_batch(store, clock):
    rec = recorder(store, clock)
    rec.record(result(1, result="broken"))
    rec.finish("finished")
    assert stored_links(store) == 1
    assert rec.counters["links/broken"] == 1


def test_a_link_that_ends_elsewhere_than_last_run_is_a_link_moved_event(store, clock):
    first = recorder(store, clock)
    for n in range(3):
        first.record(result(n))
    first.finish("finished")

    second = recorder(store, clock)
    second.record(result(0, final_url="http://new.example/0"))  # moved
    second.record(result(1, final_url="http://new.example/1", method="memory"))  # not rechecked: no news
    second.record(result(2))  # same place
    second.record(result(9, final_url="http://new.example/9"))  # never seen before
    second.record(result(0, final_url="http://newer.example/0"))  # again in the same batch: moved again
    second.finish("finished")
    events = store.db.execute("SELECT run_id, url, old, new FROM events WHERE kind = 'link-moved' ORDER BY id")
    assert events.fetchall() == [
        (second.run_id, "http://l.example/0", "http://l.example/0", "http://new.example/0"),
        (second.run_id, "http://l.example/0", "http://new.example/0", "http://newer.example/0"),
    ]


def test_a_batch_reads_where_its_links_ended_before_in_one_query(store, clock):
    rec = recorder(store, clock, batch_size=200)
    for n in range(200):
        rec.record(result(n))
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    for n in range(200):
        rec.record(result(n, final_url=f"http://moved.example/{n}"))
    store.db.conn.set_trace_callback(None)
    assert [s for s in statements if s.lstrip().startswith(("SELECT", "PRAGMA"))] == [
        "SELECT url, last_final_url FROM links WHERE url IN (SELECT value FROM json_each(?))"
        " AND last_final_url IS NOT NULL".replace("?", f"'{_json_urls(200)}'")]
    assert store.db.execute("SELECT count(*) FROM events WHERE kind = 'link-moved'").fetchone()[0] == 200


def _json_urls(n: int) -> str:
    return "[" + ", ".join(f'"http://l.example/{i}"' for i in range(n)) + "]"


class WriteLock:
    """Another connection holding the database's write lock: a real SQLite failure
    (SQLITE_BUSY) for the store, whose wait for it is cut to nothing."""

    def __init__(self, store: Store):
        store.db.execute("PRAGMA busy_timeout = 0")
        self.conn = sqlite3.connect(store.path, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def test_a_batch_that_cannot_be_written_is_one_line_and_holds_nothing_back(store, clock, caplog):
    rec = recorder(store, clock)
    rec.record(result(1))
    lock = WriteLock(store)
    with caplog.at_level(logging.INFO, logger="crawler.record.recorder"):
        rec.flush()
    assert [r.getMessage() for r in caplog.records] == [
        f"database {store.path}: 1 link result not stored: locked; the run will be recorded as incomplete"]
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a database fault"
    assert rec.counters["links/unstored"] == 1
    lock.release()
    rec.record(result(2))
    assert rec.finish("finished") == {"up": 0, "degraded": 0, "down": 0}
    assert [r[0] for r in store.db.execute("SELECT url FROM link_checks")] == ["http://l.example/2"]


def test_a_run_that_lost_a_result_is_never_complete_even_when_later_writes_succeed(store, clock):
    """The disk filled, then space came back: the finish is written, and says what was lost."""
    rec = recorder(store, clock)
    losses: list[str | None] = []
    rec.on_loss = lambda: losses.append(rec.loss)
    rec.record(result(1))
    lock = WriteLock(store)
    rec.record(CheckResult("alpha", "http://a.example/", "2026-01-01T00:00:00Z", http_status=200))
    assert losses == ["1 link result not stored: locked"], "on_loss is called once, at the first loss"
    lock.release()
    rec.record(CheckResult("alpha", "http://a.example/", "2026-01-01T00:00:00Z", http_status=200))
    rec.record(result(2))
    rec.finish("finished")
    run = store.run(rec.run_id)
    assert (run["complete"], run["finish_reason"]) == (0, "1 check, 1 link result not stored: locked")
    assert run["up"] == 1, "every resource was checked in the end; the run is still not complete"


def test_when_not_even_the_end_of_the_run_can_be_written_it_stays_incomplete(store, clock):
    rec = recorder(store, clock)
    rec.record(CheckResult("alpha", "http://a.example/", "2026-01-01T00:00:00Z", http_status=200))
    lock = WriteLock(store)
    assert rec.finish("finished") == {}
    lock.release()
    assert not rec.end_recorded and rec.loss == "the end of the run not stored: locked"
    run = store.run(rec.run_id)
    assert (run["complete"], run["finished_at"], run["finish_reason"]) == (0, None, None)


def test_crawled_pages_wait_in_the_batch_with_link_results_and_a_check_writes_them(store, clock):
    rec = recorder(store, clock)
    rec.record(LinkPageResult("alpha", "http://a.example/", 0, [("http://l.example/1", "", "")], {"mailto": 1}))
    rec.record(result(1))
    assert store.db.execute("SELECT count(*) FROM link_pages").fetchone()[0] == 0  # pending
    rec.record(CheckResult("alpha", "http://a.example/", "2026-01-01T00:00:00Z", http_status=200))
    assert store.db.execute("SELECT page, depth, links, skipped FROM link_pages").fetchall() == [
        ("http://a.example/", 0, 1, '{"mailto": 1}')]
    assert store.db.execute("SELECT url, resource_id, page FROM link_sources").fetchall() == [
        ("http://l.example/1", "alpha", "http://a.example/")]
    assert rec.counters["link_pages"] == 1


def test_a_check_keeps_the_fingerprint_worked_out_where_its_page_was_read(store, clock):
    rec = recorder(store, clock)
    check = CheckResult("alpha", "http://a.example/", "2026-01-01T00:00:00Z", http_status=200,
                        main_text="News of the day", main_text_fingerprint="f" * 64)
    rec.record(check)
    assert [r[0] for r in store.db.execute("SELECT fingerprint FROM checks")] == ["f" * 64]
    rec.finish("finished")
    again = recorder(store, clock)
    again.record(CheckResult("alpha", "http://a.example/", "2026-01-02T00:00:00Z", http_status=200,
                             main_text="News of the day"))  # none given: worked out here
    assert store.db.execute("SELECT fingerprint FROM checks WHERE run_id = ?", [again.run_id]).fetchone()[0] == (
        fingerprint("News of the day"))
