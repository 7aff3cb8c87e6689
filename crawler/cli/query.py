"""For people who query: Datasette and full-text search."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.cli.common import EXIT_OK, add_command, count_arg, db_option, fail, since_arg
from crawler.core.extras import install_hint
from crawler.store.database import StorageError, Store


def add_commands(commands: argparse._SubParsersAction) -> None:
    search = add_command(
        commands, "search", "full-text search over every announcement ever seen",
        "Search the titles and summaries of every announcement ever seen, best match first\n"
        "and newest first among equals. Every word must appear; accents and case are ignored.\n"
        '"a phrase", prefix*, OR, NOT and parentheses work as in SQLite FTS5 (operators in capitals).',
        '  healthcrawl search "movilidad urbana" --since 30d\n'
        "  healthcrawl search 'velo OR fiets' --resource bruxelles-mobilite --format json")
    db_option(search)
    search.add_argument("query", help="what to look for, e.g. 'movilidad urbana' or '\"open data\" NOT covid'")
    search.add_argument("--since", type=since_arg, metavar="PERIOD|DATE",
                        help="only announcements published (undated: first seen) within PERIOD (30d, 12h, 2w) "
                        "or on or after DATE (YYYY-MM-DD or ISO-8601)")
    search.add_argument("--resource", metavar="SLUG", help="only the announcements of this resource")
    search.add_argument("--format", choices=("table", "json"), default="table",
                        help="table (default): date, resource, title, link; json: a list of objects")
    search.add_argument("--limit", type=count_arg, default=20, metavar="N",
                        help="at most N announcements (default 20)")
    search.set_defaults(handler=cmd_search)

    datasette = add_command(
        commands, "datasette", "write datasette.yml: table descriptions and canned queries for Datasette",
        "Write datasette.yml, Datasette's metadata for the report database: what each table\n"
        "and column holds, and canned queries (broken links now, new announcements, uptime over\n"
        "30 days, open incidents, moved links). Then print the command that serves it.",
        "  healthcrawl datasette -d data/health.db\n"
        "  datasette data/health.db -m data/datasette.yml")
    db_option(datasette)
    datasette.add_argument("-o", "--out", type=Path, default=None, metavar="DIR",
                           help="directory for datasette.yml (default: the database's directory)")
    datasette.set_defaults(handler=cmd_datasette)


def cmd_datasette(args: argparse.Namespace) -> int:
    import importlib.util

    from crawler.report.datasette import serve_command, write_metadata

    if not args.db.exists():
        raise StorageError(f"no database at {args.db}: run `healthcrawl run` first")
    Store(args.db).close()  # migrates an older database, so it holds what the metadata describes
    path = write_metadata(args.db, args.out or args.db.parent)
    print(f"healthcrawl: wrote {path}; browse the database with:\n  {serve_command(args.db, path)}")
    if importlib.util.find_spec("datasette") is None:
        print(f"healthcrawl: Datasette is not installed: run {install_hint('datasette')}", file=sys.stderr)
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from crawler.report.search import SearchError, search, to_json, to_table

    if not args.db.exists():
        raise StorageError(f"no database at {args.db}: run `healthcrawl run` first")
    try:
        with Store(args.db) as store:
            matches = search(store, args.query, since=args.since, resource=args.resource, limit=args.limit)
    except SearchError as exc:
        return fail(str(exc))
    if args.format == "json":
        sys.stdout.write(to_json(matches))
    elif matches:
        sys.stdout.write(to_table(matches))
    else:
        print(f"healthcrawl: no announcement matches {args.query!r}", file=sys.stderr)
    return EXIT_OK
