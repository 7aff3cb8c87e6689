"""The commands that read or tend the stored history: `report`, `export`, `prune`."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.common import (
    EXIT_LOCKED,
    EXIT_OK,
    PERIOD_HELP,
    add_command,
    db_option,
    fail,
    out_option,
    period_arg,
    since_arg,
)
from crawler.core.timeutil import format_duration, utcnow
from crawler.core.wording import counted
from crawler.store.database import StorageError, Store
from crawler.store.lock import LockHeld, RunLock

if TYPE_CHECKING:
    from crawler.record.retention import PrunePlan


def add_commands(commands: argparse._SubParsersAction) -> None:
    report = add_command(
        commands, "report", "rebuild the report from the database alone",
        "Rebuild index.html, status.json, the resource pages and the feeds from the database\n"
        "alone, for the latest run; no request is made. Prints one line (-v: every file).",
        "  healthcrawl report -d data/health.db -o reports/")
    db_option(report)
    out_option(report)
    report.add_argument("-v", "--verbose", action="store_true", help="list every file written")
    report.set_defaults(handler=cmd_report)

    from crawler.report.exports import WHAT

    export = add_command(
        commands, "export", "print the latest results, or announcements, links or checks, as JSON or CSV",
        "Print on stdout, as JSON or CSV:\n"
        "  status         the status document (= status.json); as CSV one row per resource (default)\n"
        "  resources      one row per resource, with reasons, link counts and uptime\n"
        "  announcements  one row per announcement ever seen, marked new within settings.new_for\n"
        "  links          one row per link and page of the latest run: url, result, status, error,\n"
        "                 text, found_on, resource\n"
        "  checks         one row per check of every resource",
        "  healthcrawl export --format csv > status.csv\n"
        "  healthcrawl export --what links --format csv > links.csv\n"
        "  healthcrawl export --what announcements --new-only --since 7d")
    db_option(export)
    export.add_argument("--what", choices=WHAT, default="status",
                        help="what to print: status (default), resources, announcements, links or checks")
    export.add_argument("--format", choices=("json", "csv"), default="json",
                        help="json (default): the document, or a list of objects; csv: a header and one row each")
    export.add_argument("--since", type=since_arg, metavar="PERIOD|DATE",
                        help="only announcements published (undated: first seen), or checks taken, within "
                        "PERIOD (7d, 12h, 2w) or on or after DATE (YYYY-MM-DD or ISO-8601); "
                        "for status, announcements and checks")
    export.add_argument("--new-only", action="store_true",
                        help="only announcements marked new: first seen within settings.new_for "
                        "(default 7 days); for status and announcements")
    export.set_defaults(handler=cmd_export)

    prune = add_command(
        commands, "prune", "delete old raw history, keeping daily rollups, incidents and announcements",
        "Roll raw checks older than --keep up into daily totals, delete them and the link results\n"
        "of runs that old, keep incidents, announcements, daily rollups and each link's current\n"
        "state, then VACUUM. A run prunes by itself after it completes (settings.retention); this\n"
        "is for doing it now, or with another period. It refuses to delete what the newest\n"
        "complete run's retention keeps, unless given --force.",
        "  healthcrawl prune --dry-run\n  healthcrawl prune --keep 12w")
    db_option(prune)
    prune.add_argument("--keep", type=period_arg, default=None, metavar="PERIOD",
                       help=f"how much raw history to keep, {PERIOD_HELP}; 0: none before today "
                       "(default: the retention the newest complete run used, else 90d)")
    prune.add_argument("--dry-run", action="store_true", help="print what would be deleted and delete nothing")
    prune.add_argument("--force", action="store_true",
                       help="delete even what the newest complete run's retention keeps")
    prune.set_defaults(handler=cmd_prune)


def _existing(db: Path) -> Path:
    if not db.exists():
        raise StorageError(f"no database at {db}: run `healthcrawl run` first")
    return db


def cmd_report(args: argparse.Namespace) -> int:
    from crawler.report.writer import write_reports

    with Store(_existing(args.db)) as store:
        run = store.latest_run()
        written = write_reports(store, args.out)
    if args.verbose:
        for path in written:
            print(f"healthcrawl: wrote {path}")
    about = f"run {run['id']}" if run else "no run yet"
    print(f"healthcrawl: wrote {counted(len(written), 'file')} for {about}; report: {args.out / 'index.html'}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from crawler.report.exports import Export, export

    request = Export(what=args.what, since=args.since, new_only=args.new_only)
    problem = request.unsupported()
    if problem:
        return fail(problem)
    with Store(_existing(args.db)) as store:
        sys.stdout.write(export(store, request, args.format))
    return EXIT_OK


# -- prune -----------------------------------------------------------------------------------

TABLE_WORDS = {  # the rows a prune deletes, as a person counts them
    "checks": ("check", "checks"),
    "link_checks": ("link check", "link checks"),
    "link_pages": ("crawled page", "crawled pages"),
    "announcement_fetches": ("announcement fetch", "announcement fetches"),
    "events": ("link-moved event", "link-moved events"),
    "link_sources": ("link source", "link sources"),
}


def cmd_prune(args: argparse.Namespace) -> int:
    from crawler.record.retention import apply_prune, default_keep, plan_prune, refusal

    db = _existing(args.db)
    try:
        with RunLock(db), Store(db) as store:
            keep, since, origin = (args.keep, utcnow(), "--keep") if args.keep is not None else default_keep(store)
            if keep is None:
                return fail("the newest complete run keeps raw history forever (retention: forever): "
                            "give --keep to prune")
            plan = plan_prune(store, keep, since)
            refused = refusal(store, plan)
            if args.dry_run:
                _print_plan(plan, origin, refused, db)
                return EXIT_OK
            if refused and not args.force:
                return fail(f"not pruned: {refused}: add --force to prune it anyway")
            before = _size(db)
            counts = apply_prune(store, plan)
            store.vacuum()
    except LockHeld as exc:
        return fail(f"{exc}; prune when it has finished", EXIT_LOCKED)
    except sqlite3.Error as exc:  # rolled back: nothing half-deleted
        return fail(f"cannot prune {db}: {exc}")
    deleted = ", ".join(counted(counts[table], *TABLE_WORDS[table]) for table in TABLE_WORDS if counts.get(table))
    print(f"healthcrawl: pruned {deleted or 'nothing'} from before {plan.cutoff_day.isoformat()} "
          f"(keeping {format_duration(keep)}; {counted(len(plan.days), 'resource-day')} rolled up); "
          f"{db} {before / 1e6:.1f} MB -> {_size(db) / 1e6:.1f} MB")
    return EXIT_OK


def _size(db: Path) -> int:
    return sum(path.stat().st_size for path in db.parent.glob(f"{db.name}*") if path.suffix != ".lock")


def _print_plan(plan: PrunePlan, origin: str, refused: str | None, db: Path) -> None:
    print(f"healthcrawl: prune --dry-run {db}: nothing is deleted")
    print(f"keeping {format_duration(plan.keep)} ({origin}), raw history from before "
          f"{plan.cutoff_day.isoformat()} would go:")
    width = max(len(f"{n:,}") for n in plan.counts.values()) + 2 if plan.counts else 3
    for table, (_, many) in TABLE_WORDS.items():
        print(f"  {plan.counts.get(table, 0):>{width},}  {many}")
    oldest = f", the oldest from {plan.oldest[:10]}" if plan.oldest and plan.counts.get("checks") else ""
    print(f"kept: daily totals ({counted(len(plan.days), 'resource-day')} rolled up first{oldest}), incidents, "
          "announcements, each link's current state")
    if refused:
        print(f"without --force, prune would refuse: {refused}")
