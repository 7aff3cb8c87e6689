"""The report database: the only module that knows SQL.

A run moves through three states:

* started  -- a `runs` row exists with `complete = 0` and no `finished_at`;
  every check is committed the moment it arrives, and link results in
  batches (`record_link_batch`, see crawler.record.recorder for when), so a run
  that is killed here keeps everything committed so far and stays marked
  incomplete;
* finished -- `finished_at` and the counts are set, `complete = 0` when the
  crawl stopped early (signal, error), `complete = 1` when every resource was
  checked;
* abandoned -- a started run whose process died: it is never touched again
  and reads as incomplete.

The connection runs in WAL mode with `synchronous = NORMAL`, set once when the
database is opened: a commit survives the process being killed, and the WAL
reaches the disk at each checkpoint (and close), so a power loss can roll back
the last commits but never corrupts the file.

A run is born incomplete: `start_run` commits `complete = 0` before any request,
and only `finish_run` can set `complete = 1`. So when the disk fills and even the
run's end cannot be written, the row already says what is true: not complete.

The file's schema version (``PRAGMA user_version``) is read before anything is
written: a database from a newer healthcrawl is refused (`NewerDatabase`) and left
byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from crawler.core.timeutil import iso, same_published, utcnow
from crawler.core.vocabulary import HEALTHY, RESOURCE_CHANGES, VERDICTS, EventKind, LinkVerdict
from crawler.store.schema import MIGRATIONS

if TYPE_CHECKING:
    from crawler.core.config import Config
    from crawler.core.items import LinkPageResult

JSON_COLUMNS = ("redirects", "reasons", "tags")


class StorageError(Exception):
    """The database cannot be opened or written: a clear message, no traceback."""


class NewerDatabase(StorageError):
    """A database written by a newer healthcrawl, whose schema this one does not know."""

    def __init__(self, path: Path, version: int, known: int):
        self.path, self.version, self.known = path, version, known
        super().__init__(f"{path}: database schema version {version} is newer than this healthcrawl "
                         f"knows ({known}); it was written by a newer healthcrawl: upgrade healthcrawl, "
                         f"or use another --db. The file was not changed")


# SQLite's result codes (extended ones share the prefix) in the words a person acts on.
_CAUSES = (
    ("SQLITE_FULL", "disk full"),
    ("SQLITE_IOERR", "I/O error"),
    ("SQLITE_READONLY", "read-only"),
    ("SQLITE_BUSY", "locked"),
    ("SQLITE_LOCKED", "locked"),
    ("SQLITE_CORRUPT", "damaged"),
    ("SQLITE_NOTADB", "not a database"),
    ("SQLITE_CANTOPEN", "cannot open the file"),
)


def storage_cause(exc: BaseException, path: Path | None = None) -> str | None:
    """Why a database operation failed, in a few words; None when `exc` is not a
    database or file-system failure (a bug, which deserves its traceback). SQLite
    reports a write refused for the process's file size limit (``ulimit -f``) as an
    I/O error: with the database's `path`, that case is named.

    >>> storage_cause(sqlite3.OperationalError("database or disk is full"))
    'disk full'
    >>> storage_cause(OSError(28, "No space left on device"))
    'No space left on device'
    >>> storage_cause(KeyError("x")) is None
    True
    """
    if isinstance(exc, StorageError):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        for prefix, cause in _CAUSES:
            if name.startswith(prefix):
                if cause == "I/O error" and path is not None and _at_size_limit(path):
                    return "I/O error: file size limit reached (ulimit -f)"
                return cause
        text = str(exc)
        return "disk full" if "disk is full" in text else text or type(exc).__name__
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return None


def _at_size_limit(path: Path) -> bool:
    """Whether the database or its write-ahead log has grown to within a few pages
    of the process's file size limit."""
    import resource

    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit == resource.RLIM_INFINITY:
        return False
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        with contextlib.suppress(OSError):
            if file.stat().st_size + 64 * 1024 > limit:
                return True
    return False


def schema_version_of(path: Path) -> int | None:
    """The file's ``PRAGMA user_version``, read without writing a byte (None: no file).

    Opened read-only; and, when no write-ahead log lies beside it (everything is in
    the file itself), as immutable, so SQLite creates no -wal or -shm file either."""
    if not path.is_file():
        return None
    wal = path.with_name(path.name + "-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()

@contextlib.contextmanager
def _scripts_in_transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """sqlite-utils' scripts (full-text index, its triggers) run one statement at a time
    in the open transaction, where sqlite3's executescript would commit it first."""
    def run_script(script: str) -> None:
        statement = ""
        for piece in script.split(";"):  # a ";" ends a statement unless quoted or in a trigger
            statement += piece + ";"
            if sqlite3.complete_statement(statement):
                if statement.strip("; \n\t"):
                    db.conn.execute(statement)
                statement = ""

    db.executescript = run_script  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        del db.executescript


JSON_COLUMNS_LINKS = ("anchors", "skipped")
LINK_STATE_ONLY = ("etag", "last_modified", "page_links")  # kept per URL (links), not per run (link_checks)


class Store:
    """Opens (and migrates) one report database."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            version = schema_version_of(self.path)
            if version is not None and version > len(MIGRATIONS):
                raise NewerDatabase(self.path, version, len(MIGRATIONS))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=30)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")  # per connection; see the module docstring
            self.migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open database {self.path}: {exc}") from None

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        """Each migration commits with its version number, or not at all: a process
        killed mid-migration (a first run creating the schema, an upgrade) leaves the
        file as it was, and the next one migrates again. Python's sqlite3 runs DDL in
        autocommit unless a transaction is open, and sqlite-utils runs some of it as
        scripts (which commit first), so the transaction is explicit and scripts run
        inside it statement by statement. The version is read under the write lock: two
        processes that open a new file at once migrate it once."""
        conn = self.db.conn
        while True:
            conn.execute("BEGIN IMMEDIATE")
            try:
                number = self.schema_version + 1
                if number > len(MIGRATIONS):
                    conn.rollback()
                    return
                with _scripts_in_transaction(self.db):
                    MIGRATIONS[number - 1](self.db)
                self.db.execute(f"PRAGMA user_version = {int(number)}")
                conn.commit()
            except BaseException:
                conn.rollback()
                raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- runs -------------------------------------------------------------

    def start_run(self, config: Config) -> int:
        """Upsert the configured resources and open a new run."""
        now = iso(utcnow())
        with self.db.conn:
            self.db.execute("UPDATE resources SET active = 0")
            for resource in config.resources:
                self.db.table("resources").upsert(
                    {
                        "id": resource.slug,
                        "name": resource.name,
                        "url": resource.url,
                        "organization": resource.organization,
                        "language": resource.language,
                        "tags": json.dumps(list(resource.tags)),
                        "feed": resource.feed,
                        "active": 1,
                        "updated_at": now,
                    },
                    pk="id",
                )
                self.db.execute(
                    "UPDATE resources SET first_seen_at = ? WHERE id = ? AND first_seen_at IS NULL",
                    [now, resource.slug],
                )
            run = self.db.table("runs").insert(
                {
                    "started_at": now,
                    "complete": 0,
                    "config_path": str(config.path),
                    "total": len(config.resources),
                    "settings": json.dumps(dataclasses.asdict(config.settings)),
                }
            )
        assert run.last_pk is not None  # an insert always has one
        return int(run.last_pk)

    def record_check(self, run_id: int, check: dict[str, Any]) -> None:
        """Store one check and commit it at once, synced to disk: a killed run or a
        machine that loses power keeps it, and with it every link batch committed
        before (one write-ahead log). Link batches alone are not synced (NORMAL)."""
        row = {key: _to_column(key, value) for key, value in check.items()}
        row["run_id"] = run_id
        self.db.conn.execute("PRAGMA synchronous = FULL")
        try:
            with self.db.conn:
                # The (run_id, resource_id) unique index makes a re-check replace, not duplicate.
                self.db.table("checks").insert(row, replace=True)
        finally:
            self.db.conn.execute("PRAGMA synchronous = NORMAL")

    def finish_run(self, run_id: int, *, complete: bool, reason: str) -> dict[str, int]:
        counts = self.run_counts(run_id)
        with self.db.conn:
            self.db.table("runs").update(
                run_id,
                {
                    "finished_at": iso(utcnow()),
                    "complete": int(complete),
                    "finish_reason": reason,
                    **counts,
                },
            )
        return counts

    def run_counts(self, run_id: int) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
        for row in self.db.query(
            "SELECT status, count(*) AS n FROM checks WHERE run_id = ? GROUP BY status", [run_id]
        ):
            counts[row["status"]] = row["n"]
        return counts

    def latest_run(self) -> dict[str, Any] | None:
        rows = list(self.db.table("runs").rows_where(order_by="id DESC", limit=1))
        return rows[0] if rows else None

    def run(self, run_id: int) -> dict[str, Any] | None:
        rows = list(self.db.table("runs").rows_where("id = ?", [run_id]))
        return rows[0] if rows else None

    def run_starts(self, up_to: int, limit: int = 11) -> list[str]:
        """When the latest `limit` runs up to run `up_to` started, newest first."""
        return [row[0] for row in self.db.execute(
            "SELECT started_at FROM runs WHERE id <= ? ORDER BY id DESC LIMIT ?", [up_to, limit])]

    # -- announcements ------------------------------------------------------

    def record_announcements(
        self,
        run_id: int,
        resource_id: str,
        items: list[dict[str, Any]],
        *,
        source: str,
        feed_url: str | None,
        warning: str | None,
        reason: str | None = None,
    ) -> None:
        """Upsert a resource's items by identity key (`reason`: why there are none); an item seen again keeps its
        first_seen_run, and only a real change of title, date, link or summary
        moves its updated_at (feed readers then update it in place)."""
        now = iso(utcnow())
        table = self.db.table("announcements")
        with self.db.conn:
            self.db.table("announcement_fetches").insert(
                {"run_id": run_id, "resource_id": resource_id, "source": source,
                 "feed_url": feed_url, "items": len(items), "warning": warning,
                 "reason": None if items else reason},
                replace=True,
            )
            for item in items:
                existing = list(table.rows_where("resource_id = ? AND key = ?", [resource_id, item["key"]]))
                fields = {k: item.get(k) for k in ("title", "url", "published", "summary", "guid", "source")}
                if not existing:
                    table.insert({**fields, "resource_id": resource_id, "key": item["key"],
                                  "first_seen_run": run_id, "last_seen_run": run_id,
                                  "first_seen_at": now, "updated_at": now})
                    continue
                row = existing[0]
                # An older version stored dates in UTC; the same instant with the publisher's
                # offset is the same date, and must not look like an edit to feed readers.
                changed = any(row[k] != fields[k] for k in ("title", "url", "summary")) or not same_published(
                    row["published"], fields["published"])
                update = {**fields, "last_seen_run": run_id}
                if changed:
                    update["updated_at"] = now
                table.update(row["id"], update)

    # -- links ------------------------------------------------------------------

    def link_memory(self) -> dict[str, dict[str, Any]]:
        """What the last runs learnt about each URL: validators and last result; for
        pages that were read, their latest ids ("anchors") and own links
        ("page_links": {"links": [[url, fragment, tag], ...], "skipped": {reason: count}})."""
        memory = {
            row["url"]: row
            for row in self.db.query(
                "SELECT url, etag, last_modified, last_result, last_ok, last_final_url, page_links FROM links"
            )
        }
        for row in memory.values():
            page_links = row.pop("page_links")
            if page_links is not None:
                row["page_links"] = json.loads(page_links)
        # One row per URL, its latest (SQLite takes bare columns from the max() row),
        # not every run of history.
        for url, anchors, _ in self.db.conn.execute(
                "SELECT url, anchors, max(run_id) FROM link_checks WHERE anchors IS NOT NULL GROUP BY url"):
            if url in memory:
                memory[url]["anchors"] = json.loads(anchors)
        # databases from before migration 6 kept the links of followed pages only
        for page, outlinks, _ in self.db.conn.execute(
                "SELECT page, outlinks, max(run_id) FROM link_pages WHERE outlinks IS NOT NULL GROUP BY page"):
            if page in memory and "page_links" not in memory[page]:
                memory[page]["page_links"] = json.loads(outlinks)
        return memory

    def last_final_urls(self, urls: list[str]) -> dict[str, str]:
        """Where each of these URLs last ended up (after redirects), for those
        known to have one: one query however many URLs."""
        return dict(self.db.conn.execute(
            "SELECT url, last_final_url FROM links"
            " WHERE url IN (SELECT value FROM json_each(?)) AND last_final_url IS NOT NULL",
            [json.dumps(urls)],
        ))

    def record_link_batch(self, run_id: int, checks: Sequence[dict[str, Any]],
                          events: Sequence[dict[str, Any]] = (), pages: Sequence[LinkPageResult] = ()) -> None:
        """Store a batch of link results, advance each URL's running state, add
        `events` (record_event's keywords) and the crawled `pages` with every
        (url, fragment) each links to, all in one transaction.

        Called once per batch of hundreds of links: three prepared statements run
        with executemany, and the running state (failure streak, first failure,
        last success, validators) is advanced by the upsert itself, so nothing is
        read back per link. Rows apply in order: a URL twice in a batch ends as
        its later result, as if recorded one by one."""
        rows = [{k: (json.dumps(v) if k in JSON_COLUMNS_LINKS and v is not None else v)
                 for k, v in check.items() if k not in LINK_STATE_ONLY} | {"run_id": run_id}
                for check in checks]
        states = [_link_state(check) for check in checks]
        now = iso(utcnow())
        conn = self.db.conn
        with conn:
            # One statement per column set (every LinkResult has the same one).
            for columns, group in itertools.groupby(rows, key=tuple):
                conn.executemany(_insert_sql("link_checks", columns, replace=True),
                                 [tuple(row.values()) for row in group])
            conn.executemany(_LINK_STATE_UPSERT, states)
            conn.executemany(_insert_sql("events", _EVENT_COLUMNS),
                             [(run_id, e.get("resource_id"), e["kind"], e["url"], e.get("old"), e.get("new"),
                               e.get("detail"), now) for e in events])
            conn.executemany(_insert_sql("link_pages", _PAGE_COLUMNS, replace=True),
                             [(run_id, p.resource_id, p.page, p.depth, len(p.sources), json.dumps(p.skipped))
                              for p in pages])
            conn.executemany(_SOURCE_UPSERT, [(url, fragment, p.resource_id, p.page, text, run_id, run_id)
                                              for p in pages for url, fragment, text in p.sources])

    def record_event(self, run_id: int, *, resource_id: str | None, kind: str, url: str,
                     old: str | None, new: str | None, detail: str | None = None) -> None:
        with self.db.conn:
            self.db.table("events").insert({"run_id": run_id, "resource_id": resource_id, "kind": kind,
                                      "url": url, "old": old, "new": new, "detail": detail,
                                      "at": iso(utcnow())})

    # -- notifications ------------------------------------------------------------

    def record_delivery(self, run_id: int, *, channel: str, kind: str, events: Sequence[str], ok: bool,
                        attempts: int, error: str | None) -> None:
        """One message to one channel after a run; `channel` must already be masked."""
        with self.db.conn:
            self.db.table("deliveries").insert({
                "run_id": run_id, "channel": channel, "kind": kind, "events": json.dumps(list(events)),
                "sent_at": iso(utcnow()), "ok": int(ok), "attempts": attempts, "error": error})

    def deliveries(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.db.table("deliveries").rows_where("run_id = ?", [run_id], order_by="id")
        return [{**row, "events": json.loads(row["events"] or "[]"), "ok": bool(row["ok"])} for row in rows]

    # -- history: content, incidents, daily rollups ------------------------------

    def resource_memory(self, resource_id: str) -> dict[str, Any]:
        """The last main text, fingerprint and title seen for a resource."""
        row = self.db.execute(
            "SELECT last_text, last_fingerprint, last_title FROM resources WHERE id = ?", [resource_id]
        ).fetchone()
        return dict(zip(("last_text", "last_fingerprint", "last_title"), row or (None, None, None), strict=True))

    def remember_content(self, resource_id: str, *, text: str | None, fingerprint: str | None,
                         title: str | None) -> None:
        with self.db.conn:
            self.db.table("resources").update(resource_id, {"last_text": text, "last_fingerprint": fingerprint,
                                                      "last_title": title})

    def open_incident(self, resource_id: str) -> dict[str, Any] | None:
        return next(iter(self.db.table("incidents").rows_where(
            "resource_id = ? AND ended_at IS NULL", [resource_id], order_by="id DESC", limit=1)), None)

    def save_incident(self, incident: dict[str, Any]) -> None:
        """Insert a new incident (no id yet) or update an existing one."""
        with self.db.conn:
            if incident.get("id"):
                self.db.table("incidents").update(incident["id"], incident)
            else:
                self.db.table("incidents").insert(incident)

    def incidents(self, resource_id: str, limit: int = 20) -> list[dict[str, Any]]:
        return list(self.db.table("incidents").rows_where("resource_id = ?", [resource_id],
                                                     order_by="started_at DESC", limit=limit))

    def incidents_in_run(self, run_id: int) -> list[dict[str, Any]]:
        """Incidents opened or closed by this run (what notifications are about)."""
        return list(self.db.table("incidents").rows_where("opened_run = ? OR closed_run = ?", [run_id, run_id],
                                                     order_by="id"))

    def checks_since(self, since: str | None = None) -> list[dict[str, Any]]:
        """Every stored check (of every resource, active or not) taken at or after `since`
        (ISO-8601, UTC; None for all), oldest first."""
        return [dict(row) for row in self.db.query(
            """SELECT c.resource_id, r.name AS resource_name, c.run_id, c.checked_at, c.status, c.maintenance,
                      c.http_status, c.response_ms, c.error, c.final_url, c.title
               FROM checks c JOIN resources r ON r.id = c.resource_id
               WHERE :since IS NULL OR c.checked_at >= :since
               ORDER BY c.checked_at, c.resource_id""", {"since": since})]

    def check_points(self, resource_id: str, since: str | None = None,
                     limit: int | None = None) -> list[dict[str, Any]]:
        """Raw checks of a resource, newest first."""
        where, params = "resource_id = ?", [resource_id]
        if since:
            where, params = where + " AND checked_at >= ?", [*params, since]
        return list(self.db.table("checks").rows_where(
            where, params, order_by="checked_at DESC, id DESC", limit=limit,
            select="checked_at, status, response_ms, error, maintenance, http_status, title"))

    def day_checks(self, resource_id: str, day: str) -> list[dict[str, Any]]:
        return list(self.db.table("checks").rows_where(
            "resource_id = ? AND substr(checked_at, 1, 10) = ?", [resource_id, day],
            select="checked_at, status, response_ms, error, maintenance"))

    def save_daily(self, rows: list[dict[str, Any]]) -> None:
        with self.db.conn:
            self.db.table("daily").upsert_all(rows, pk=("resource_id", "day"))

    def daily(self, resource_id: str, since_day: str) -> list[dict[str, Any]]:
        return list(self.db.table("daily").rows_where("resource_id = ? AND day >= ?", [resource_id, since_day],
                                                 order_by="day"))

    def last_change(self, resource_id: str) -> dict[str, Any] | None:
        return next(iter(self.db.table("events").rows_where(
            f"resource_id = ? AND kind IN ({', '.join('?' * len(RESOURCE_CHANGES))})",
            [resource_id, *RESOURCE_CHANGES],
            order_by="id DESC", limit=1)), None)

    def last_new_announcement(self, resource_id: str) -> str | None:
        """When the resource last published something: each item's date, or when an
        undated item (a listing without dates) was first seen, the newest of them."""
        row = self.db.execute(
            "SELECT max(coalesce(published, first_seen_at)) FROM announcements WHERE resource_id = ?",
            [resource_id],
        ).fetchone()
        return row[0]

    # -- retention -----------------------------------------------------------------

    def days_with_checks_before(self, cutoff: str) -> list[tuple[str, str]]:
        return [tuple(r) for r in self.db.execute(
            "SELECT DISTINCT resource_id, substr(checked_at, 1, 10) FROM checks WHERE checked_at < ?",
            [cutoff],
        ).fetchall()]

    # What a prune deletes: (table, the rows older than :cutoff), in deletion order.
    _PRUNED = (
        ("checks", "checked_at < :cutoff"),
        ("link_checks", "run_id IN (SELECT id FROM runs WHERE started_at < :cutoff)"),
        ("link_pages", "run_id IN (SELECT id FROM runs WHERE started_at < :cutoff)"),
        ("announcement_fetches", "run_id IN (SELECT id FROM runs WHERE started_at < :cutoff)"),
        ("events", f"at < :cutoff AND kind = '{EventKind.LINK_MOVED}'"),
        ("link_sources", "last_seen_run IN (SELECT id FROM runs WHERE started_at < :cutoff)"),
    )

    def prune(self, cutoff: str, *, dry_run: bool = False) -> dict[str, int]:
        """Delete raw rows older than `cutoff` (callers roll them up first); incidents,
        announcements, daily rollups and links' current state are kept. With
        `dry_run`, count what would go and delete nothing."""
        counts = {}
        with self.db.conn:
            for table, where in self._PRUNED:
                if dry_run:
                    sql = f"SELECT count(*) FROM {table} WHERE {where}"
                    counts[table] = self.db.execute(sql, {"cutoff": cutoff}).fetchone()[0]
                else:
                    sql = f"DELETE FROM {table} WHERE {where}"
                    counts[table] = self.db.execute(sql, {"cutoff": cutoff}).rowcount
        return counts

    def latest_complete_run(self) -> dict[str, Any] | None:
        rows = list(self.db.table("runs").rows_where("complete = 1", order_by="id DESC", limit=1))
        return rows[0] if rows else None

    def oldest_check(self) -> str | None:
        return self.db.execute("SELECT min(checked_at) FROM checks").fetchone()[0]

    def vacuum(self) -> None:
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.vacuum()

    def events_for_run(self, run_id: int) -> list[dict[str, Any]]:
        return list(self.db.table("events").rows_where("run_id = ?", [run_id], order_by="id"))

    def previous_final_url(self, resource_id: str, run_id: int) -> str | None:
        row = self.db.execute(
            """SELECT final_url FROM checks WHERE resource_id = ? AND run_id < ? AND final_url IS NOT NULL
               ORDER BY run_id DESC LIMIT 1""",
            [resource_id, run_id],
        ).fetchone()
        return row[0] if row else None

    def link_page_skips(self, run_id: int) -> list[tuple[str, str | None]]:
        """(resource_id, skipped counts as JSON) of every page crawled in the run."""
        return self.db.conn.execute(
            "SELECT resource_id, skipped FROM link_pages WHERE run_id = ?", [run_id]).fetchall()

    def link_source_results(self, run_id: int) -> sqlite3.Cursor:
        """Every link the run found, with its result: rows of (resource_id, url, fragment,
        page, result, http_status, error, evidence, anchors as JSON, link text), ordered by
        resource, URL, fragment and page. The text is None for links stored before it was kept."""
        return self.db.conn.execute(
            """SELECT s.resource_id, s.url, s.fragment, s.page, c.result, c.http_status, c.error,
                      c.evidence, c.anchors, s.text
               FROM link_sources s JOIN link_checks c ON c.url = s.url AND c.run_id = :run
               WHERE s.last_seen_run = :run
               ORDER BY s.resource_id, s.url, s.fragment, s.page""",
            {"run": run_id},
        )

    def link_verdicts(self, run_id: int, urls: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """(result, anchors as JSON) of each of these URLs as that run checked it. Works for
        any run, unlike link_source_results, whose pages are the latest run's only."""
        rows = self.db.conn.execute(
            """SELECT url, result, anchors FROM link_checks
               WHERE run_id = ? AND url IN (SELECT value FROM json_each(?))""",
            [run_id, json.dumps(list(urls))])
        return {url: (result, anchors) for url, result, anchors in rows}

    def previous_complete_run(self, run_id: int) -> int | None:
        row = self.db.execute(
            "SELECT max(id) FROM runs WHERE complete = 1 AND id < ?", [run_id]
        ).fetchone()
        return row[0]

    def announcement_fetches(self, run_id: int) -> dict[str, dict[str, Any]]:
        return {r["resource_id"]: r for r in self.db.table("announcement_fetches").rows_where("run_id = ?", [run_id])}

    def announcements_seen_in(self, run_id: int) -> list[dict[str, Any]]:
        """Items the run saw, each with `new`: first seen after the previous
        complete run, for a resource that already had a baseline then (the
        first run of a resource records a baseline and marks nothing new)."""
        previous = self.previous_complete_run(run_id)
        rows = self.db.query(
            """
            SELECT a.*,
                   CASE WHEN :previous IS NOT NULL
                             AND a.first_seen_run > :previous
                             AND EXISTS (SELECT 1 FROM announcement_fetches f
                                         WHERE f.resource_id = a.resource_id AND f.run_id <= :previous)
                        THEN 1 ELSE 0 END AS new
            FROM announcements a
            WHERE a.last_seen_run = :run
            ORDER BY a.published IS NULL, a.published DESC, a.first_seen_run DESC, a.id
            """,
            {"previous": previous, "run": run_id},
        )
        return [dict(r) for r in rows]

    def new_announcements(self, since: str) -> list[dict[str, Any]]:
        """Announcements first seen at or after `since` (ISO-8601, UTC), whether or not the
        site still lists them, newest sighting first. A resource's first reading is its
        baseline, not news, so its items are left out (see NOT_BASELINE)."""
        rows = self.db.query(
            f"""SELECT a.* FROM announcements a
                WHERE a.first_seen_at >= :since AND {NOT_BASELINE}
                ORDER BY a.first_seen_at DESC, a.published IS NULL, a.published DESC, a.id DESC""",
            {"since": since},
        )
        return [dict(r) for r in rows]

    def announcements_since(self, since: str | None = None) -> list[dict[str, Any]]:
        """Every announcement ever seen of the configured resources, with the resource's
        name; `since` keeps those published, or undated and first seen, at or after it.
        Newest first (published, else first seen)."""
        return [dict(row) for row in self.db.query(
            """SELECT a.*, r.name AS resource_name FROM announcements a
               JOIN resources r ON r.id = a.resource_id AND r.active = 1
               WHERE :since IS NULL OR coalesce(a.published, a.first_seen_at) >= :since
               ORDER BY coalesce(a.published, a.first_seen_at) DESC, a.id DESC""", {"since": since})]

    def latest_announcements(self, limit: int = 100, resource_id: str | None = None) -> list[dict[str, Any]]:
        """Newest items ever seen (for feeds), newest published first, undated by first sighting."""
        where, params = ("WHERE resource_id = ?", [resource_id]) if resource_id else ("", [])
        rows = self.db.query(
            f"""SELECT * FROM announcements {where}
                ORDER BY coalesce(published, first_seen_at) DESC, id DESC LIMIT ?""",
            [*params, limit],
        )
        return [dict(r) for r in rows]

    # -- reading ------------------------------------------------------------

    def active_resources(self) -> list[dict[str, Any]]:
        return [_from_row(r) for r in self.db.table("resources").rows_where("active = 1", order_by="name")]

    def checks_for_run(self, run_id: int) -> dict[str, dict[str, Any]]:
        """The run's checks keyed by resource id."""
        return {
            row["resource_id"]: _from_row(row)
            for row in self.db.table("checks").rows_where("run_id = ?", [run_id])
        }

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # -- search ---------------------------------------------------------------------

    def search_announcements(self, match: str, *, since: str | None = None, resource_id: str | None = None,
                             limit: int = 20) -> list[dict[str, Any]]:
        """Announcements whose title or summary match `match`, an FTS5 query
        (crawler.report.search writes one from what a person typed), each with its
        resource's name and a `score`: bm25, higher is better, a word in the title
        weighing five times one in the summary. Best first, then newest first (published, else
        first seen); `since` (ISO-8601, UTC) keeps the items dated, or undated and
        first seen, at or after it, a date on its publisher's calendar (the day and hour
        the page printed, as crawler.core.timeutil.publisher_clock). A query FTS5 cannot parse is a ValueError with
        SQLite's message."""
        try:
            return [dict(row) for row in self.db.query(
                """SELECT a.resource_id, r.name AS resource_name, a.title, a.url, a.published,
                          a.first_seen_at, a.summary, -bm25(announcements_fts, 5.0, 1.0) AS score
                   FROM announcements_fts
                   JOIN announcements a ON a.id = announcements_fts.rowid
                   JOIN resources r ON r.id = a.resource_id
                   WHERE announcements_fts MATCH :match
                     AND (:since IS NULL
                          OR substr(coalesce(a.published, a.first_seen_at), 1, 19) >= substr(:since, 1, 19))
                     AND (:resource IS NULL OR a.resource_id = :resource)
                   ORDER BY score DESC, coalesce(a.published, a.first_seen_at) DESC, a.id DESC
                   LIMIT :limit""",
                {"match": match, "since": since, "resource": resource_id, "limit": limit})]
        except sqlite3.OperationalError as exc:
            if str(exc).startswith("fts5:"):
                raise ValueError(str(exc)) from None
            raise

    def resource_ids(self) -> list[str]:
        """The slug of every resource ever configured, active or not."""
        return [row[0] for row in self.db.execute("SELECT id FROM resources ORDER BY id")]


def read_link_memory(path: str | Path) -> dict[str, dict[str, Any]]:
    """What earlier runs learnt about each link URL (Store.link_memory), for a crawl
    about to start; nothing when there is no database yet."""
    if not Path(path).exists():
        return {}
    with Store(path) as store:
        return store.link_memory()


@functools.lru_cache(maxsize=64)
def _insert_sql(table: str, columns: tuple[str, ...], *, replace: bool = False) -> str:
    """One INSERT for a fixed table and column set (names from our own code, never data).

    >>> _insert_sql("t", ("a", "b"), replace=True)
    'INSERT OR REPLACE INTO [t] ([a], [b]) VALUES (?, ?)'
    """
    names = ", ".join(f"[{c}]" for c in columns)
    return f"INSERT{' OR REPLACE' if replace else ''} INTO [{table}] ({names}) VALUES ({', '.join('?' * len(columns))})"


_EVENT_COLUMNS = ("run_id", "resource_id", "kind", "url", "old", "new", "detail", "at")
# A link's running state. The bound values describe this result alone (a streak
# of 1 or 0, first failure and last success at this check when they apply); on a
# known URL the upsert carries on from the stored row: a failure extends the
# streak and keeps when it began, a success ends it, a result without a final URL
# or without validators keeps the stored ones, and last_ok stays until a success.
_PAGE_COLUMNS = ("run_id", "resource_id", "page", "depth", "links", "skipped")
_SOURCE_UPSERT = """
INSERT INTO link_sources (url, fragment, resource_id, page, text, first_seen_run, last_seen_run)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (url, fragment, resource_id, page) DO UPDATE SET last_seen_run = excluded.last_seen_run,
                                                             text = excluded.text
"""
_LINK_STATE_UPSERT = """
INSERT INTO links (url, last_result, last_status, last_checked, last_final_url,
                   consecutive_failures, first_failed, last_ok, etag, last_modified, page_links)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (url) DO UPDATE SET
    last_result = excluded.last_result,
    last_status = excluded.last_status,
    last_checked = excluded.last_checked,
    last_final_url = coalesce(excluded.last_final_url, links.last_final_url),
    consecutive_failures = CASE WHEN excluded.consecutive_failures = 0 THEN 0
                                ELSE coalesce(links.consecutive_failures, 0) + 1 END,
    first_failed = CASE WHEN excluded.consecutive_failures = 0 THEN NULL
                        ELSE coalesce(links.first_failed, excluded.first_failed) END,
    last_ok = coalesce(excluded.last_ok, links.last_ok),
    etag = CASE WHEN excluded.etag IS NULL AND excluded.last_modified IS NULL
                THEN links.etag ELSE excluded.etag END,
    last_modified = CASE WHEN excluded.etag IS NULL AND excluded.last_modified IS NULL
                         THEN links.last_modified ELSE excluded.last_modified END,
    -- a page's links stand only beside the validators of the body they came from
    page_links = CASE WHEN excluded.page_links IS NOT NULL THEN excluded.page_links
                      WHEN (excluded.etag IS NULL AND excluded.last_modified IS NULL)
                           OR (excluded.etag IS links.etag AND excluded.last_modified IS links.last_modified)
                      THEN links.page_links END
"""


def _link_state(check: dict[str, Any]) -> tuple[Any, ...]:
    """The values _LINK_STATE_UPSERT binds for one link result.

    >>> _link_state({"url": "u", "result": "broken", "http_status": 404, "checked_at": "t"})
    ('u', 'broken', 404, 't', None, 1, 't', None, None, None, None)
    >>> _link_state({"url": "u", "result": "ok", "checked_at": "t", "final_url": "v", "etag": '"e"',
    ...              "page_links": {"links": []}})
    ('u', 'ok', None, 't', 'v', 0, None, 't', '"e"', None, '{"links": []}')
    """
    result, at = check["result"], check["checked_at"]
    failed = result == LinkVerdict.BROKEN
    return (check["url"], result, check.get("http_status"), at, check.get("final_url") or None,
            int(failed), at if failed else None, at if result in HEALTHY else None,
            check.get("etag"), check.get("last_modified"),
            json.dumps(check["page_links"]) if check.get("page_links") is not None else None)


def _to_column(key: str, value: Any) -> Any:
    if key in JSON_COLUMNS and value is not None and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return value


def _from_row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in JSON_COLUMNS:
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out


# An announcement `a` is news, not part of its resource's baseline, when it was first seen
# after the resource's first reading (that reading records what the site already had).
NOT_BASELINE = """a.first_seen_run > (SELECT min(f.run_id) FROM announcement_fetches f
                              WHERE f.resource_id = a.resource_id)"""

# Questions people ask of the whole database, by name: read-only and without
# parameters, so Datasette serves each as a canned query (crawler.report.datasette
# gives them titles). Times are compared as stored: ISO-8601 text in UTC with a Z.
CANNED_QUERIES = {
    "broken_links": f"""
WITH latest AS (SELECT max(id) AS run_id FROM runs WHERE complete = 1)
SELECT r.name AS resource,
       s.url || CASE WHEN s.fragment != '' THEN '#' || s.fragment ELSE '' END AS link,
       c.result, c.http_status, c.error,
       count(DISTINCT s.page) AS pages, group_concat(DISTINCT s.page) AS found_on,
       latest.run_id AS run
FROM latest
JOIN link_checks c ON c.run_id = latest.run_id
JOIN link_sources s ON s.url = c.url
                   AND s.first_seen_run <= latest.run_id AND s.last_seen_run >= latest.run_id
JOIN resources r ON r.id = s.resource_id
WHERE c.result IN ('{LinkVerdict.BROKEN}', '{LinkVerdict.INVALID}')
GROUP BY s.resource_id, s.url, s.fragment
ORDER BY r.name, link
""",
    "new_announcements": f"""
SELECT a.first_seen_at, r.name AS resource, a.title, a.url, a.published, a.source
FROM announcements a
JOIN resources r ON r.id = a.resource_id
WHERE a.first_seen_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-7 days')
  AND {NOT_BASELINE}
ORDER BY a.first_seen_at DESC, a.published DESC, a.id DESC
""",
    "uptime_30_days": """
SELECT r.name AS resource,
       round(100.0 * sum(d.up + d.degraded) / nullif(sum(d.checks - d.maintenance), 0), 2) AS uptime_percent,
       sum(d.checks) AS checks, sum(d.up) AS up, sum(d.degraded) AS degraded, sum(d.down) AS down,
       sum(d.maintenance) AS maintenance, min(d.day) AS first_day, max(d.day) AS last_day
FROM daily d
JOIN resources r ON r.id = d.resource_id
WHERE d.day > date('now', '-30 days') AND r.active = 1
GROUP BY d.resource_id
ORDER BY uptime_percent IS NULL, uptime_percent, r.name
""",
    "open_incidents": """
SELECT r.name AS resource, i.started_at,
       CASE WHEN i.minutes >= 1440 THEN (i.minutes / 1440) || ' d ' ELSE '' END
           || (i.minutes % 1440 / 60) || ' h ' || (i.minutes % 60) || ' min' AS open_for,
       i.minutes AS open_minutes, i.checks_failed, i.first_error, i.last_error, r.url
FROM (SELECT *, CAST((julianday('now') - julianday(started_at)) * 1440 AS INTEGER) AS minutes
      FROM incidents WHERE ended_at IS NULL) i
JOIN resources r ON r.id = i.resource_id
ORDER BY i.started_at, r.name
""",
    "moved_links": f"""
SELECT e.at, e.url AS link, e.old AS previous_target, e.new AS new_target,
       (SELECT group_concat(DISTINCT r.name) FROM link_sources s JOIN resources r ON r.id = s.resource_id
        WHERE s.url = e.url) AS linked_from
FROM events e
WHERE e.kind = '{EventKind.LINK_MOVED}'
ORDER BY e.at DESC, e.id DESC
""",
}
