"""The report database: the only module that knows SQL.

A run moves through three states:

* started  -- a `runs` row exists with `complete = 0` and no `finished_at`;
  every check is committed the moment it arrives, so a run that is killed
  here keeps everything checked so far and stays marked incomplete;
* finished -- `finished_at` and the counts are set, `complete = 0` when the
  crawl stopped early (signal, error), `complete = 1` when every resource was
  checked;
* abandoned -- a started run whose process died: it is never touched again
  and reads as incomplete.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from crawler.timeutil import iso, utcnow

if TYPE_CHECKING:
    from crawler.config import Config

STATUSES = ("up", "degraded", "down")
JSON_COLUMNS = ("redirects", "reasons", "tags")


class StorageError(Exception):
    """The database cannot be opened or written: a clear message, no traceback."""


def _migration_1(db: sqlite_utils.Database) -> None:
    db["runs"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "complete": int,
            "finish_reason": str,
            "config_path": str,
            "total": int,
            "up": int,
            "degraded": int,
            "down": int,
        },
        pk="id",
        not_null={"started_at", "complete"},
        defaults={"complete": 0},
    )
    db["resources"].create(
        {
            "id": str,
            "name": str,
            "url": str,
            "organization": str,
            "language": str,
            "tags": str,
            "feed": str,
            "active": int,
            "first_seen_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"name", "url"},
    )
    db["checks"].create(
        {
            "id": int,
            "run_id": int,
            "resource_id": str,
            "checked_at": str,
            "url": str,
            "final_url": str,
            "status": str,
            "http_status": int,
            "error": str,
            "error_kind": str,
            "response_ms": int,
            "content_type": str,
            "body_bytes": int,
            "title": str,
            "description": str,
            "tls_expires_at": str,
            "redirects": str,
            "retries": int,
            "reasons": str,
        },
        pk="id",
        not_null={"run_id", "resource_id", "checked_at", "status"},
        foreign_keys=[("run_id", "runs", "id"), ("resource_id", "resources", "id")],
    )
    db["checks"].create_index(["run_id", "resource_id"], unique=True)
    db["checks"].create_index(["resource_id", "checked_at"])


def _migration_2(db: sqlite_utils.Database) -> None:
    """Announcements: one row per item ever seen, and one row per resource per run
    saying where announcements came from (feed or HTML) and what went wrong."""
    db["announcements"].create(
        {
            "id": int,
            "resource_id": str,
            "key": str,
            "title": str,
            "url": str,
            "published": str,
            "summary": str,
            "guid": str,
            "source": str,
            "first_seen_run": int,
            "last_seen_run": int,
            "first_seen_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"resource_id", "key", "title", "first_seen_run", "last_seen_run"},
        foreign_keys=[
            ("resource_id", "resources", "id"),
            ("first_seen_run", "runs", "id"),
            ("last_seen_run", "runs", "id"),
        ],
    )
    db["announcements"].create_index(["resource_id", "key"], unique=True)
    db["announcements"].create_index(["last_seen_run"])
    db["announcement_fetches"].create(
        {
            "run_id": int,
            "resource_id": str,
            "source": str,
            "feed_url": str,
            "items": int,
            "warning": str,
        },
        pk=("run_id", "resource_id"),
        foreign_keys=[("run_id", "runs", "id"), ("resource_id", "resources", "id")],
    )


# Applied in order, each once; PRAGMA user_version records how many ran.
# Never edit a released migration: append a new one.
MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (_migration_1, _migration_2)


class Store:
    """Opens (and migrates) one report database."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=30)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.enable_wal()
            self.migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open database {self.path}: {exc}") from None

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        version = self.schema_version
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.db.conn:
                migration(self.db)
                self.db.execute(f"PRAGMA user_version = {int(number)}")

    def close(self) -> None:
        self.db.close()

    # -- runs -------------------------------------------------------------

    def start_run(self, config: Config) -> int:
        """Upsert the configured resources and open a new run."""
        now = iso(utcnow())
        with self.db.conn:
            self.db.execute("UPDATE resources SET active = 0")
            for resource in config.resources:
                self.db["resources"].upsert(
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
            run = self.db["runs"].insert(
                {
                    "started_at": now,
                    "complete": 0,
                    "config_path": str(config.path),
                    "total": len(config.resources),
                }
            )
        return int(run.last_pk)

    def record_check(self, run_id: int, check: dict[str, Any]) -> None:
        """Store one check and commit at once, so a killed run keeps it."""
        row = {key: _to_column(key, value) for key, value in check.items()}
        row["run_id"] = run_id
        with self.db.conn:
            # The (run_id, resource_id) unique index makes a re-check replace, not duplicate.
            self.db["checks"].insert(row, replace=True)

    def finish_run(self, run_id: int, *, complete: bool, reason: str) -> dict[str, int]:
        counts = self.run_counts(run_id)
        with self.db.conn:
            self.db["runs"].update(
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
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.db.query(
            "SELECT status, count(*) AS n FROM checks WHERE run_id = ? GROUP BY status", [run_id]
        ):
            counts[row["status"]] = row["n"]
        return counts

    def latest_run(self) -> dict[str, Any] | None:
        rows = list(self.db["runs"].rows_where(order_by="id DESC", limit=1))
        return rows[0] if rows else None

    def run(self, run_id: int) -> dict[str, Any] | None:
        rows = list(self.db["runs"].rows_where("id = ?", [run_id]))
        return rows[0] if rows else None

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
    ) -> None:
        """Upsert a resource's items by identity key; an item seen again keeps its
        first_seen_run, and only a real change of title, date, link or summary
        moves its updated_at (feed readers then update it in place)."""
        now = iso(utcnow())
        table = self.db["announcements"]
        with self.db.conn:
            self.db["announcement_fetches"].insert(
                {"run_id": run_id, "resource_id": resource_id, "source": source,
                 "feed_url": feed_url, "items": len(items), "warning": warning},
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
                changed = any(row[k] != fields[k] for k in ("title", "url", "published", "summary"))
                update = {**fields, "last_seen_run": run_id}
                if changed:
                    update["updated_at"] = now
                table.update(row["id"], update)

    def previous_complete_run(self, run_id: int) -> int | None:
        row = self.db.execute(
            "SELECT max(id) FROM runs WHERE complete = 1 AND id < ?", [run_id]
        ).fetchone()
        return row[0]

    def announcement_fetches(self, run_id: int) -> dict[str, dict[str, Any]]:
        return {r["resource_id"]: r for r in self.db["announcement_fetches"].rows_where("run_id = ?", [run_id])}

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
        return [_from_row(r) for r in self.db["resources"].rows_where("active = 1", order_by="name")]

    def checks_for_run(self, run_id: int) -> dict[str, dict[str, Any]]:
        """The run's checks keyed by resource id."""
        return {
            row["resource_id"]: _from_row(row)
            for row in self.db["checks"].rows_where("run_id = ?", [run_id])
        }

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


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

