"""The `healthcrawl` command: a thin layer over config, runner, storage and report.

One module per group of commands: crawl (run, check, worker), history (report,
export, prune), query (search, datasette), setup (check-config, notify test); what
they share is in common, and what run and check print in output.

Exit codes: 0 every resource up (or degraded), 1 something down, a broken or
invalid link (unless --fail-on resources) or the run incomplete, 2 usage, config or
database error, 3 another run holds the database.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from crawler import __version__
from crawler.cli import crawl, history, query, setup
from crawler.cli.common import EXIT_CODES, Parser, fail
from crawler.core.config import ConfigError
from crawler.store.database import StorageError

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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (ConfigError, StorageError) as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail("interrupted", 130)
