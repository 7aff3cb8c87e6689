"""The report database's schema: migrations, applied in order, each once.

``PRAGMA user_version`` records how many ran, so opening a database of any earlier
version upgrades it in place (crawler.store.database.Store.migrate). Never edit a
released migration: append a new one.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils


def _migration_1(db: sqlite_utils.Database) -> None:
    db.table("runs").create(
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
    db.table("resources").create(
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
    db.table("checks").create(
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
    db.table("checks").create_index(["run_id", "resource_id"], unique=True)
    db.table("checks").create_index(["resource_id", "checked_at"])


def _migration_2(db: sqlite_utils.Database) -> None:
    """Announcements: one row per item ever seen, and one row per resource per run
    saying where announcements came from (feed or HTML) and what went wrong."""
    db.table("announcements").create(
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
    db.table("announcements").create_index(["resource_id", "key"], unique=True)
    db.table("announcements").create_index(["last_seen_run"])
    db.table("announcement_fetches").create(
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


def _migration_3(db: sqlite_utils.Database) -> None:
    """Link health: the latest state per URL (with validators for conditional
    requests), where each link was found, one result per URL per run, the pages
    crawled per resource, and drift events (a resource or link that moved)."""
    db.table("links").create(
        {
            "url": str,
            "last_result": str,
            "last_status": int,
            "last_final_url": str,
            "last_checked": str,
            "last_ok": str,
            "consecutive_failures": int,
            "first_failed": str,
            "etag": str,
            "last_modified": str,
        },
        pk="url",
        defaults={"consecutive_failures": 0},
    )
    db.table("link_sources").create(
        {
            "url": str,
            "fragment": str,
            "resource_id": str,
            "page": str,
            "first_seen_run": int,
            "last_seen_run": int,
        },
        pk=("url", "fragment", "resource_id", "page"),
        not_null={"url", "fragment", "resource_id", "page"},
        foreign_keys=[("resource_id", "resources", "id"), ("last_seen_run", "runs", "id")],
    )
    db.table("link_sources").create_index(["resource_id", "last_seen_run"])
    db.table("link_checks").create(
        {
            "run_id": int,
            "url": str,
            "result": str,
            "http_status": int,
            "final_url": str,
            "redirects": int,
            "error": str,
            "evidence": str,
            "response_ms": int,
            "method": str,
            "not_modified": int,
            "anchors": str,
            "checked_at": str,
        },
        pk=("run_id", "url"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("link_pages").create(
        {
            "run_id": int,
            "resource_id": str,
            "page": str,
            "depth": int,
            "links": int,
            "skipped": str,
        },
        pk=("run_id", "resource_id", "page"),
        foreign_keys=[("run_id", "runs", "id"), ("resource_id", "resources", "id")],
    )
    db.table("events").create(
        {
            "id": int,
            "run_id": int,
            "resource_id": str,
            "kind": str,
            "url": str,
            "old": str,
            "new": str,
            "at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("events").create_index(["run_id"])


def _migration_4(db: sqlite_utils.Database) -> None:
    """History: incidents, daily rollups (long windows stay cheap after raw checks
    are pruned), content fingerprints and maintenance flags, change details."""
    db.table("checks").add_column("fingerprint", str)
    db.table("checks").add_column("maintenance", int, not_null_default=0)
    db.table("resources").add_column("last_text", str)
    db.table("resources").add_column("last_fingerprint", str)
    db.table("resources").add_column("last_title", str)
    db.table("events").add_column("detail", str)
    db.table("runs").add_column("settings", str)  # the crawl settings in force, for reports built later
    db.table("events").create_index(["resource_id", "kind"])
    db.table("incidents").create(
        {
            "id": int,
            "resource_id": str,
            "started_at": str,
            "ended_at": str,
            "first_error": str,
            "last_error": str,
            "checks_failed": int,
            "opened_run": int,
            "closed_run": int,
        },
        pk="id",
        not_null={"resource_id", "started_at", "checks_failed"},
        foreign_keys=[("resource_id", "resources", "id")],
    )
    db.table("incidents").create_index(["resource_id", "ended_at"])
    db.table("daily").create(
        {
            "resource_id": str,
            "day": str,
            "checks": int,
            "up": int,
            "degraded": int,
            "down": int,
            "maintenance": int,
            "median_ms": float,
            "p95_ms": float,
        },
        pk=("resource_id", "day"),
        foreign_keys=[("resource_id", "resources", "id")],
    )


def _migration_5(db: sqlite_utils.Database) -> None:
    """Incremental pages: each crawled page's own links as read (PageLinks.as_record),
    so an unchanged page (304 to a conditional GET) is re-planned without its body."""
    db.table("link_pages").add_column("outlinks", str)


def _migration_6(db: sqlite_utils.Database) -> None:
    """Every page read, followed or not, keeps its own links as the URL's state (with
    the validators they came with), so an unchanged page answers 304 next time."""
    db.table("links").add_column("page_links", str)


def _migration_7(db: sqlite_utils.Database) -> None:
    """Notifications: one row per message sent to a channel after a run (an Apprise URL,
    masked, or a webhook), with the events it carried and how delivery went."""
    db.table("deliveries").create(
        {
            "id": int,
            "run_id": int,
            "channel": str,  # the service URL with passwords and tokens masked
            "kind": str,  # "apprise" or "webhook"
            "events": str,  # JSON list of the events the message carried
            "sent_at": str,
            "ok": int,
            "attempts": int,
            "error": str,
        },
        pk="id",
        not_null={"run_id", "channel", "kind", "sent_at", "ok"},
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("deliveries").create_index(["run_id"])


def _migration_8(db: sqlite_utils.Database) -> None:
    """Full-text search over every announcement ever seen (titles and summaries), kept
    current by triggers; accents are folded so 'movilidad' finds 'movilidád' and
    'velo' finds 'vélo'. Existing announcements are indexed as the table is upgraded."""
    db.table("announcements").enable_fts(
        ["title", "summary"], fts_version="FTS5", create_triggers=True,
        tokenize="unicode61 remove_diacritics 2",
    )


def _migration_9(db: sqlite_utils.Database) -> None:
    """Pages read in headless Chromium: whether a check's page was rendered, how long
    the browser took, and why it could not when it failed."""
    db.table("checks").add_column("rendered", int)
    db.table("checks").add_column("render_ms", int)
    db.table("checks").add_column("render_error", str)


def _migration_10(db: sqlite_utils.Database) -> None:
    """The words of each link as its page shows them (the anchor's text, else an image's
    alt), so a broken link is reported as a reader sees it, as LinkChecker does. Links
    found before this migration have none until their page is read again."""
    db.table("link_sources").add_column("text", str)


def _migration_11(db: sqlite_utils.Database) -> None:
    """Why a resource gave no announcements in a run, in one line ("no repeated blocks
    with headline links"), so a status page can tell a quiet site from one healthcrawl
    cannot read."""
    db.table("announcement_fetches").add_column("reason", str)


MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _migration_1,
    _migration_2,
    _migration_3,
    _migration_4,
    _migration_5,
    _migration_6,
    _migration_7,
    _migration_8,
    _migration_9,
    _migration_10,
    _migration_11,
)
