"""Where healthcrawl keeps its files: what it publishes apart from what it must not.

The report folder (``reports/``) is meant to be served as a web root, so it holds
only what a visitor may read: the status page and its detail pages, feeds,
status.json and metrics. The database (the whole history, and the notification
channels' URLs, which can hold tokens), its lock, datasette.yml and the cron log
live in ``data/``. Before this layout the database sat in ``reports/``;
`LEGACY_DB` is where an existing setup has it, to be moved on its next run.
"""

from __future__ import annotations

from pathlib import Path

REPORT_DIR = Path("reports")  # published: index.html, resources/, feeds/, status.json, metrics.prom
DATA_DIR = Path("data")  # private: the database, its lock, datasette.yml, logs
DEFAULT_DB = DATA_DIR / "health.db"
LEGACY_DB = REPORT_DIR / "health.db"  # the default before data/ existed


def is_inside(path: Path, folder: Path) -> bool:
    """Whether `path` lies in `folder` (or below), however either is spelled.

    >>> is_inside(Path("reports/health.db"), Path("reports/")), is_inside(Path("data/h.db"), Path("reports"))
    (True, False)
    >>> is_inside(Path("reports/../data/h.db"), Path("reports"))
    False
    """
    return path.resolve().is_relative_to(folder.resolve())


def published_database_warning(db: Path, out: Path) -> str | None:
    """The warning for a database inside the folder the report is published from.

    >>> published_database_warning(Path("data/health.db"), Path("reports")) is None
    True
    >>> published_database_warning(Path("reports/h.db"), Path("reports")).split(":")[0]
    'the database reports/h.db is inside the published folder reports/'
    """
    if not is_inside(db, out):
        return None
    return (f"the database {db} is inside the published folder {out}/: anyone who can read the report can "
            f"download the whole history and the notification channels' URLs; keep it out (--db {DEFAULT_DB}, "
            "the default)")
