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


# Applied in order, each once; PRAGMA user_version records how many ran.
# Never edit a released migration: append a new one.
MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (_migration_1,)


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

