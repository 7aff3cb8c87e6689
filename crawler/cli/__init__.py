"""The `healthcrawl` command: a thin layer over config, runner, storage and report.

One module per group of commands: crawl (run, check, worker), history (report,
export, prune), query (search, datasette), setup (check-config, notify test); what
they share is in common, and what run and check print in output.

Exit codes: 0 every resource up (or degraded), 1 something down, a broken or
invalid link (unless --fail-on resources), the run incomplete (interrupted, or a result
not stored) or the report not written, 2 usage, config or database error (a database
from a newer healthcrawl too), 3 another run holds the database.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from crawler import __version__
from crawler.cli import crawl, history, query, setup
from crawler.cli.common import EXIT_CODES, EXIT_DOWN, Parser, fail, warn
from crawler.core.config import ConfigError
from crawler.core.layout import DEFAULT_DB, LEGACY_DB, published_database_warning
from crawler.store.database import StorageError, storage_cause
from crawler.store.lock import LockHeld
from crawler.store.relocate import move_database

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="healthcrawl",
        description="Check that a list of web resources is alive, and report what changed.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  healthcrawl check https://example.org/\n  healthcrawl run -c resources.yaml\n\n"
        + EXIT_CODES,
    )
    parser.add_argument("-V", "--version", action="version", version=f"healthcrawl {__version__}",
                        help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser,
                                     help="what to do; `healthcrawl COMMAND --help` for its options and an example")
    crawl.add_commands(commands)
    history.add_commands(commands)
    query.add_commands(commands)
    setup.add_commands(commands)
    return parser


def _settle_database(args: argparse.Namespace) -> None:
    """The database out of the published folder: a setup from before data/ has it in
    reports/, and its first command under this layout moves it (said once, on stderr).
    If it cannot be moved now, it is used where it is, so no history is lost."""
    db: Path | None = getattr(args, "db", None)
    if db == DEFAULT_DB and not db.exists() and LEGACY_DB.exists():
        try:
            for line in move_database(LEGACY_DB, DEFAULT_DB):
                print(f"healthcrawl: moved out of the published folder: {line}", file=sys.stderr)
        except (LockHeld, OSError) as exc:
            warn(f"could not move {LEGACY_DB} to {DEFAULT_DB} ({exc}); using it where it is")
            args.db = LEGACY_DB
    db, out = getattr(args, "db", None), getattr(args, "out", None)
    if db is not None and out is not None and (warning := published_database_warning(db, out)):
        warn(warning)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _settle_database(args)
        return int(args.handler(args))
    except (ConfigError, StorageError) as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except Exception as exc:  # a report or a database that cannot be written or read: one line, no traceback
        from crawler.report.writer import ReportNotWritten  # loaded already if that is what failed

        if isinstance(exc, ReportNotWritten):
            return fail(f"report not written: {exc}", EXIT_DOWN)
        cause = storage_cause(exc)
        if cause is None or not hasattr(args, "db"):
            raise
        return fail(f"database {args.db}: {cause}")
