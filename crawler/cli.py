"""The `healthcrawl` command: a thin layer over config, runner, storage and report.

Exit codes: 0 every resource up (or degraded), 1 something down, a broken or
invalid link (unless --fail-on resources), the run incomplete (interrupted, or a result
not stored) or the report not written, 2 usage, config or database error (a database
from a newer healthcrawl too), 3 another run holds the database.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler import __version__
from crawler.core.config import (
    DIGEST_EVENTS,
    Config,
    ConfigError,
    CrawlSettings,
    effective_render,
    load_config,
    parse_duration,
)
from crawler.core.timeutil import parse_iso
from crawler.distributed import DEFAULT_LEASE_SECONDS, DEFAULT_MAX_IDLE_SECONDS, DEFAULT_PREFIX
from crawler.store.database import StorageError, Store, storage_cause
from crawler.store.lock import LockHeld, RunLock

EXIT_OK, EXIT_DOWN, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3


def _paths(parser: argparse.ArgumentParser, *, config: bool = False, out: bool = False) -> None:
    if config:
        parser.add_argument("--config", type=Path, default=Path("resources.yaml"),
                            help="resources file to check (default: resources.yaml)")
    parser.add_argument("--db", type=Path, default=Path("reports/health.db"),
                        help="report database (default: reports/health.db)")
    if out:
        parser.add_argument("--out", type=Path, default=Path("reports"),
                            help="directory for index.html and status.json (default: reports/)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="healthcrawl",
        description="Check that a list of web resources is alive, and report what changed.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  healthcrawl run --config resources.yaml\n\n"
        "Exit codes: 0 all up, 1 something down or run incomplete, 2 usage or config error, "
        "3 another run is using the database.",
    )
    parser.add_argument("--version", action="version", version=f"healthcrawl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run", help="check every resource, store the results, write the report",
        description="Check every resource, store the results, write the report.\n\n"
        "Example:\n  healthcrawl run --config resources.yaml --db reports/health.db --out reports/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _paths(run, config=True, out=True)
    run.add_argument("-v", "--verbose", action="count", default=0,
                     help="more log output (-v info, -vv debug); default is warnings only")
    run.add_argument("--fast", action="store_true",
                     help="do not recheck links found healthy within recheck_after (default 24 h)")
    run.add_argument("--fail-on", choices=("links", "resources"), default="links",
                     help="exit 1 when a resource is down, and also (links, the default) when a link is broken")
    run.add_argument("--notify-on", type=_events_arg, metavar="EVENTS",
                     help="events to notify in this run, comma-separated: down, recovered, announcements, "
                     "broken_links, tls_expiring (default: each channel's on: list in resources.yaml)")
    run.add_argument("--distributed", metavar="REDIS_URL",
                     help="coordinate a distributed run: seed a Redis frontier (redis://HOST:PORT/DB) that "
                     "`healthcrawl worker` processes take requests from, then merge their results here")
    run.add_argument("--lease", type=float, default=DEFAULT_LEASE_SECONDS, metavar="SECONDS",
                     help="with --distributed: a request whose worker stops answering for this long goes "
                     "back to the queue (default 30)")
    run.add_argument("--max-idle", type=float, default=DEFAULT_MAX_IDLE_SECONDS, metavar="SECONDS",
                     help="with --distributed: close the run as incomplete when no worker has taken a request "
                     "for this long (default 600)")
    _redis_prefix(run)
    run.set_defaults(handler=cmd_run)

    worker = commands.add_parser(
        "worker", help="process the requests of distributed runs (see run --distributed)",
        description="Wait for `healthcrawl run --distributed` to start a run on this Redis, process its\n"
        "requests with the other workers, and wait for the next run. Start as many as you like,\n"
        "on any machine that reaches Redis and the sites.\n\n"
        "Example:\n  healthcrawl worker --redis redis://10.0.0.5:6379/0",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    worker.add_argument("--redis", required=True, metavar="REDIS_URL", help="the Redis of the runs (redis://HOST:PORT/DB)")
    _redis_prefix(worker)
    worker.add_argument("--once", action="store_true", help="exit after one run instead of waiting for the next")
    worker.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                        help="with --once: give up (exit 1) if no run starts within SECONDS")
    worker.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-v info, -vv debug); default is warnings only")
    worker.set_defaults(handler=cmd_worker)

    report = commands.add_parser(
        "report", help="rebuild index.html and status.json from the database alone",
        description="Rebuild index.html and status.json from the database alone.\n\n"
        "Example:\n  healthcrawl report --db reports/health.db --out reports/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _paths(report, out=True)
    report.set_defaults(handler=cmd_report)

    export = commands.add_parser(
        "export", help="print the latest results as JSON or CSV on stdout",
        description="Print the latest results as JSON (same as status.json) or CSV.\n\n"
        "Example:\n  healthcrawl export --format csv > status.csv\n"
        "  healthcrawl export --format json --new-only --since 2026-11-01",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _paths(export)
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("--since", type=_date_arg, metavar="DATE",
                        help="only announcements published (undated: first seen) on or after DATE "
                        "(YYYY-MM-DD or ISO-8601)")
    export.add_argument("--new-only", action="store_true",
                        help="only announcements new since the previous complete run")
    export.set_defaults(handler=cmd_export)

    prune = commands.add_parser(
        "prune", help="delete raw history older than a period, keeping rollups, incidents and announcements",
        description="Delete raw checks older than --keep (after rolling them up into daily totals),\n"
        "keep incidents, announcements and daily rollups, then VACUUM.\n\n"
        "Example:\n  healthcrawl prune --keep 90d",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _paths(prune)
    prune.add_argument("--keep", type=_duration_arg, default=None, metavar="PERIOD",
                       help="how much raw history to keep, e.g. 90d (default: settings.retention, 90 days)")
    prune.set_defaults(handler=cmd_prune)

    check = commands.add_parser(
        "check-config", help="validate the resources file and exit",
        description="Validate the resources file without making any request.\n\n"
        "Example:\n  healthcrawl check-config --config resources.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("--config", type=Path, default=Path("resources.yaml"),
                       help="resources file to validate (default: resources.yaml)")
    check.set_defaults(handler=cmd_check_config)

    notify = commands.add_parser(
        "notify", help="send a sample digest to every notification channel, to check the setup",
        description="Send a sample digest to every Apprise channel of notify.apprise, and a `test`\n"
        "payload to every webhook, and say which were delivered. Nothing is stored.\n"
        "Exit code 0: all delivered; 1: some failed; 2: no channel configured.\n\n"
        "Example:\n  healthcrawl notify --test --config resources.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    notify.add_argument("--config", type=Path, default=Path("resources.yaml"),
                        help="resources file whose notify: block to use (default: resources.yaml)")
    notify.add_argument("--test", action="store_true", required=True,
                        help="send the sample digest (required: notify sends nothing else on its own)")
    notify.set_defaults(handler=cmd_notify)
    _query_commands(commands)
    return parser


def _redis_prefix(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--redis-prefix", default=DEFAULT_PREFIX, metavar="PREFIX",
                        help="Redis key prefix, so several projects can share one Redis (default healthcrawl)")


def _date_arg(text: str) -> datetime:
    try:
        moment = parse_iso(text)
    except ValueError:
        moment = None
    if moment is None:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)")
    return moment


def _events_arg(text: str) -> tuple[str, ...]:
    events = tuple(e.strip() for e in text.split(",") if e.strip())
    unknown = [e for e in events if e not in DIGEST_EVENTS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown event {unknown[0]!r} (use {', '.join(DIGEST_EVENTS)})")
    return events


def _duration_arg(text: str) -> float:
    seconds = parse_duration(text)
    if seconds is None or seconds <= 0:
        raise argparse.ArgumentTypeError(f"not a period: {text!r} (use e.g. 90d, 12h)")
    return seconds


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"healthcrawl: error: {message}", file=sys.stderr)
    return code


def cmd_check_config(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not _browser_ready(config):
        return EXIT_USAGE
    print(f"{args.config}: OK, {len(config.resources)} resources")
    return EXIT_OK


def _browser_ready(config: Config) -> bool:
    """A resource with render: true needs Chromium here (an error); one with render: auto
    is read without it (a warning)."""
    if all(effective_render(r, config.settings) == "off" for r in config.resources):
        return True  # and Scrapy stays unimported for check-config
    from crawler.crawl.render import render_problems

    errors, warnings = render_problems(config)
    for warning in warnings:
        print(f"healthcrawl: warning: {warning}", file=sys.stderr)
    for error in errors:
        fail(error)
    return not errors


def cmd_run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not _browser_ready(config):
        return EXIT_USAGE
    Store(args.db).close()  # fail early and clearly on an unusable database path
    try:
        with RunLock(args.db):
            return _run_locked(args, config)
    except LockHeld as exc:
        return fail(str(exc), EXIT_LOCKED)


def _run_locked(args: argparse.Namespace, config: Config) -> int:
    started = time.monotonic()
    run_id: int | None
    loss = report_error = None  # what the crawl could not store, and why the report is missing
    if args.distributed:
        import redis

        from crawler.distributed.coordinator import CoordinatorBusy

        try:
            run_id = _coordinate(args, config)
        except CoordinatorBusy as exc:
            return fail(str(exc), EXIT_LOCKED)
        except (redis.RedisError, ValueError) as exc:
            return fail(f"cannot use Redis at {args.distributed}: {exc}")
    else:
        from crawler.crawl.runner import crawl, project_settings  # Scrapy import only when crawling

        settings = project_settings(config=args.config, db=args.db, out=args.out,
                                    verbosity=args.verbose, fast=args.fast)
        # the live progress line (crawler.crawl.progress) for a person at a terminal, not for cron
        settings.set("HEALTH_PROGRESS", sys.stderr.isatty(), priority="cmdline")
        outcome = crawl(settings)
        run_id, loss, report_error = outcome.run_id, outcome.loss, outcome.report_error
    with Store(args.db) as store:
        run = store.run(run_id) if run_id is not None else None
        problems = _link_problems(args.out, run, store) if run is not None else {"broken": 0, "invalid": 0}
        counts = store.run_counts(run["id"]) if run is not None else {}
    if run is None:
        return fail(loss or "the crawl stopped before it could record a run (see the log above)", EXIT_DOWN)
    elapsed = time.monotonic() - started
    complete = bool(run["complete"]) and loss is None
    # the crawl's own account first: a run whose end could not be stored has no reason in the database
    reason = (run["finish_reason"] if run["finished_at"] else loss) or "the end of the run was not recorded"
    state = "complete" if complete else f"INCOMPLETE ({reason})"
    _notify(args, config, run["id"])
    invalid = f", {problems['invalid']} invalid" if problems["invalid"] else ""
    report = "report NOT written (see the error above)" if report_error else f"report: {args.out / 'index.html'}"
    print(
        f"healthcrawl: {len(config.resources)} resources: {counts['up']} up, {counts['degraded']} degraded, "
        f"{counts['down']} down; {problems['broken']} broken links{invalid}; run {run['id']} {state} "
        f"in {elapsed:.1f} s; {report}"
    )
    failing_links = problems["broken"] + problems["invalid"]
    if counts["down"] or not complete or report_error or (failing_links and args.fail_on == "links"):
        return EXIT_DOWN
    return EXIT_OK


def _link_problems(out: Path, run: dict[str, Any], store: Store) -> dict[str, int]:
    """Broken and invalid links of the run, as the report just written counts them
    (counting them again would rebuild the whole link report), else from the database."""
    try:
        status = json.loads((out / "status.json").read_text(encoding="utf-8"))
        if status["run"]["id"] == run["id"]:
            return {"broken": int(status["summary"]["broken_links"]),
                    "invalid": int(status["summary"]["invalid_links"])}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from crawler.report.links import problem_counts

    return problem_counts(store, run["id"])


def _coordinate(args: argparse.Namespace, config: Config) -> int:
    import logging

    from crawler.distributed.coordinator import coordinate

    logging.basicConfig(level=("WARNING", "INFO", "DEBUG")[min(args.verbose, 2)],
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    return coordinate(config, redis_url=args.distributed, prefix=args.redis_prefix, db=args.db,
                      out=args.out, fast=args.fast, lease_seconds=args.lease, idle_timeout=args.max_idle)


def cmd_worker(args: argparse.Namespace) -> int:
    import redis

    from crawler.distributed.worker import work

    try:
        return work(args.redis, prefix=args.redis_prefix, once=args.once, wait=args.wait, verbosity=args.verbose)
    except (redis.RedisError, ValueError) as exc:
        return fail(f"cannot use Redis at {args.redis}: {exc}")


def _notify(args: argparse.Namespace, config: Config, run_id: int) -> None:
    """Webhooks and Apprise digests for what changed in the run; a failure is a warning,
    never fatal. With -v every delivery is listed."""
    if not (config.notify.webhooks or config.notify.apprise):
        return
    from crawler.report.notify import notify_run

    try:
        with Store(args.db) as store:
            deliveries = notify_run(store, config, run_id, args.notify_on)
    except Exception as exc:  # the database failing here must not hide the run's summary
        cause = storage_cause(exc, args.db)
        if cause is None:
            raise
        print(f"healthcrawl: warning: notifications: database {args.db}: {cause}", file=sys.stderr)
        return
    _print_deliveries(deliveries, verbose=args.verbose > 0)


def _print_deliveries(deliveries: Sequence[Any], *, verbose: bool) -> None:
    """One line per delivery that failed (or per delivery, verbose); channels are masked."""
    for delivery in deliveries:
        events = ", ".join(delivery.events)
        if not delivery.ok:
            print(f"healthcrawl: warning: {delivery.kind} {delivery.channel} ({events}) failed after "
                  f"{delivery.attempts} attempts: {delivery.error}", file=sys.stderr)
        elif verbose:
            print(f"healthcrawl: notified {delivery.kind} {delivery.channel} ({events})", file=sys.stderr)


def cmd_notify(args: argparse.Namespace) -> int:
    from crawler.report.notify import notify_test

    config = load_config(args.config)
    if not (config.notify.webhooks or config.notify.apprise):
        return fail(f"{args.config}: no notify.apprise channels or notify.webhooks to send to")
    deliveries = notify_test(config)
    _print_deliveries(deliveries, verbose=True)
    failed = sum(not d.ok for d in deliveries)
    print(f"healthcrawl: test sent to {len(deliveries)} channels, {len(deliveries) - failed} delivered, "
          f"{failed} failed")
    return EXIT_DOWN if failed else EXIT_OK


def cmd_prune(args: argparse.Namespace) -> int:
    from crawler.record.timeline import refresh_daily

    if not args.db.exists():
        raise StorageError(f"no database at {args.db}: nothing to prune")
    keep_days = (args.keep or CrawlSettings().retention * 86400) / 86400
    cutoff_day = (datetime.now(UTC) - timedelta(days=keep_days)).date()
    cutoff = f"{cutoff_day.isoformat()}T00:00:00Z"  # whole days, so rollups and raw never overlap
    before = args.db.stat().st_size
    with Store(args.db) as store:
        days = store.days_with_checks_before(cutoff)
        for resource_id, day in days:
            refresh_daily(store, resource_id, day)
        counts = store.prune(cutoff)
        store.vacuum()
    after = args.db.stat().st_size
    print(f"healthcrawl: pruned {counts['checks']} checks and {counts['link_checks']} link checks "
          f"before {cutoff_day} ({len(days)} resource-days rolled up); "
          f"{args.db} {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")
    return EXIT_OK


def _status(db: Path) -> dict:
    from crawler.report.status import build_status

    if not db.exists():
        raise StorageError(f"no database at {db}: run `healthcrawl run` first")
    with Store(db) as store:
        return build_status(store)


def cmd_report(args: argparse.Namespace) -> int:
    from crawler.report.writer import write_reports

    if not args.db.exists():
        raise StorageError(f"no database at {args.db}: run `healthcrawl run` first")
    with Store(args.db) as store:
        written = write_reports(store, args.out)
    print("healthcrawl: wrote " + ", ".join(str(p) for p in written))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from crawler.report.exports import filter_announcements, to_csv, to_json

    status = filter_announcements(_status(args.db), since=args.since, new_only=args.new_only)
    sys.stdout.write(to_json(status) if args.format == "json" else to_csv(status))
    return EXIT_OK


# -- for people who query: Datasette and full-text search ---------------------------------


def _query_commands(commands: argparse._SubParsersAction) -> None:
    datasette = commands.add_parser(
        "datasette", help="write datasette.yml: table descriptions and canned queries for Datasette",
        description="Write datasette.yml, Datasette's metadata for the report database: what each table\n"
        "and column holds, and canned queries (broken links now, new announcements, uptime over\n"
        "30 days, open incidents, moved links). Then print the command that serves it.\n\n"
        "Example:\n  healthcrawl datasette --db reports/health.db\n"
        "  datasette reports/health.db -m reports/datasette.yml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _paths(datasette)
    datasette.add_argument("--out", type=Path, default=None, metavar="DIR",
                           help="directory for datasette.yml (default: the database's directory)")
    datasette.set_defaults(handler=cmd_datasette)

    search = commands.add_parser(
        "search", help="full-text search over every announcement ever seen",
        description="Search the titles and summaries of every announcement ever seen, best match first\n"
        "and newest first among equals. Every word must appear; accents and case are ignored.\n"
        '"a phrase", prefix*, OR, NOT and parentheses work as in SQLite FTS5 (operators in capitals).\n\n'
        'Example:\n  healthcrawl search "movilidad urbana" --since 30d\n'
        "  healthcrawl search 'velo OR fiets' --resource bruxelles-mobilite --format json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _paths(search)
    search.add_argument("query", help="what to look for, e.g. 'movilidad urbana' or '\"open data\" NOT covid'")
    search.add_argument("--since", type=_since_arg, metavar="PERIOD|DATE",
                        help="only announcements published (undated: first seen) within PERIOD (30d, 12h) "
                        "or on or after DATE (YYYY-MM-DD or ISO-8601)")
    search.add_argument("--resource", metavar="SLUG", help="only the announcements of this resource")
    search.add_argument("--format", choices=("table", "json"), default="table",
                        help="table (default): date, resource, title, link; json: a list of objects")
    search.add_argument("--limit", type=_count_arg, default=20, metavar="N",
                        help="at most N announcements (default 20)")
    search.set_defaults(handler=cmd_search)


def _since_arg(text: str) -> datetime:
    seconds = parse_duration(text)
    if seconds is not None:
        return datetime.now(UTC) - timedelta(seconds=seconds)
    return _date_arg(text)


def _count_arg(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def cmd_datasette(args: argparse.Namespace) -> int:
    import importlib.util

    from crawler.report.datasette import serve_command, write_metadata

    if not args.db.exists():
        raise StorageError(f"no database at {args.db}: run `healthcrawl run` first")
    Store(args.db).close()  # migrates an older database, so it holds what the metadata describes
    path = write_metadata(args.db, args.out or args.db.parent)
    print(f"healthcrawl: wrote {path}; browse the database with:\n  {serve_command(args.db, path)}")
    if importlib.util.find_spec("datasette") is None:
        print("healthcrawl: Datasette is not installed: pip install 'healthcrawl[datasette]'", file=sys.stderr)
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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
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


if __name__ == "__main__":
    sys.exit(main())
