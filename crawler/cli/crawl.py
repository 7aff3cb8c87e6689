"""The commands that crawl: `run` (the scheduled job), `check` (one-off URLs, no
config, no database kept) and `worker` (distributed runs)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from crawler.cli.common import (
    EXIT_DOWN,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    add_command,
    browser_ready,
    config_option,
    db_option,
    depth_arg,
    events_arg,
    fail,
    out_option,
    output_options,
    verbose_option,
    warn,
)
from crawler.cli.output import LIMIT, as_json, counts_text, link_line, problem_lines
from crawler.core.config import EVENTS, RENDER_MODES, Config, ConfigError, load_config, slugify
from crawler.core.timeutil import format_duration
from crawler.core.wording import counted
from crawler.distributed import DEFAULT_LEASE_SECONDS, DEFAULT_MAX_IDLE_SECONDS, DEFAULT_PREFIX
from crawler.extract.urls import WEB_SCHEMES, url_scheme
from crawler.store.database import Store, storage_cause
from crawler.store.lock import LockHeld, RunLock

if TYPE_CHECKING:
    from crawler.record.retention import PrunePlan
    from crawler.report.findings import Findings, LinkFinding


def add_commands(commands: argparse._SubParsersAction) -> None:
    run = add_command(
        commands, "run", "check every resource, store the results, write the report",
        "Check every resource, store the results, write the report, send notifications, and\n"
        "prune raw history older than settings.retention. Prints one summary line, then each\n"
        "resource down or degraded and each newly broken or invalid link (docs/cli.md).",
        "  healthcrawl run -c resources.yaml -d data/health.db -o reports/")
    config_option(run)
    db_option(run)
    out_option(run)
    verbose_option(run)
    output_options(run)
    run.add_argument("--fast", action="store_true",
                     help="do not recheck links found healthy within recheck_after (default 24h)")
    run.add_argument("--fail-on", choices=("links", "resources"), default="links",
                     help="exit 1 when a resource is down, and also (links, the default) when a link is broken")
    run.add_argument("--notify-on", type=events_arg, metavar="EVENTS",
                     help=f"events to notify in this run, comma-separated: {', '.join(EVENTS)} "
                     "(default: each channel's on: list in resources.yaml)")
    run.add_argument("--distributed", metavar="REDIS_URL",
                     help="coordinate a distributed run: seed a Redis frontier (redis://HOST:PORT/DB) that "
                     "`healthcrawl worker` processes take requests from, then merge their results here")
    run.add_argument("--lease", type=float, default=DEFAULT_LEASE_SECONDS, metavar="SECONDS",
                     help="with --distributed: a request whose worker stops answering for this long goes "
                     "back to the queue (default 30)")
    run.add_argument("--max-idle", type=float, default=DEFAULT_MAX_IDLE_SECONDS, metavar="SECONDS",
                     help="with --distributed: close the run as incomplete when no worker has taken a request "
                     "for this long (default 600)")
    redis_prefix_option(run)
    run.set_defaults(handler=cmd_run)

    check = add_command(
        commands, "check", "check some URLs now: no config, no database kept",
        "Check these URLs as `run` checks resources, with nothing to set up and nothing kept:\n"
        "availability, title, the announcements found and where they came from, and the broken\n"
        "links. Exit codes as for `run`. A URL without a scheme is taken as https://.",
        "  healthcrawl check https://example.org/ https://example.net/news --depth 1")
    check.add_argument("urls", nargs="+", metavar="URL", help="the pages to check (http or https)")
    check.add_argument("--depth", type=depth_arg, default=0, metavar="N",
                       help="also check the links of same-site pages up to N links away (default 0: "
                       "the page's own links)")
    check.add_argument("--render", choices=RENDER_MODES, default="off",
                       help="read the pages in headless Chromium: on, auto (only pages that look like an "
                       "empty app shell) or off (default)")
    verbose_option(check)
    output_options(check)
    check.set_defaults(handler=cmd_check)

    worker = add_command(
        commands, "worker", "process the requests of distributed runs (see run --distributed)",
        "Wait for `healthcrawl run --distributed` to start a run on this Redis, process its\n"
        "requests with the other workers, and wait for the next run. Start as many as you like,\n"
        "on any machine that reaches Redis and the sites.",
        "  healthcrawl worker --redis redis://10.0.0.5:6379/0")
    worker.add_argument("--redis", required=True, metavar="REDIS_URL", help="the Redis of the runs (redis://HOST:PORT/DB)")
    redis_prefix_option(worker)
    worker.add_argument("--once", action="store_true", help="exit after one run instead of waiting for the next")
    worker.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                        help="with --once: give up (exit 1) if no run starts within SECONDS")
    verbose_option(worker)
    worker.set_defaults(handler=cmd_worker)


def redis_prefix_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--redis-prefix", default=DEFAULT_PREFIX, metavar="PREFIX",
                        help="Redis key prefix, so several projects can share one Redis (default healthcrawl)")


# -- run -----------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not browser_ready(config):
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
        if run is None:
            return fail(loss or "the crawl stopped before it could record a run (see the log above)", EXIT_DOWN)
        status = _status_of_run(args.out, run["id"], store)
        findings = None if args.quiet and args.format == "text" else _findings(store, run["id"], status)
    elapsed = time.monotonic() - started
    complete = bool(run["complete"]) and loss is None
    # the crawl's own account first: a run whose end could not be stored has no reason in the database
    reason = (run["finish_reason"] if run["finished_at"] else loss) or "the end of the run was not recorded"
    run = {**run, "complete": complete, "finish_reason": "finished" if complete else reason}
    deliveries = _notify(args, config, run["id"])
    pruned = _retain(args.db, run["id"]) if complete else None
    summary = status["summary"]
    failing_links = summary["broken_links"] + summary["invalid_links"]
    down = summary["down"] or not complete or report_error or (failing_links and args.fail_on == "links")
    code = EXIT_DOWN if down else EXIT_OK
    report = args.out / "index.html"
    if args.format == "json":
        document = _run_document(run, summary, elapsed, report, code, findings, pruned, deliveries)
        if report_error:
            document["report"], document["report_error"] = None, report_error
        sys.stdout.write(as_json(document))
        return code
    state = "complete" if complete else f"INCOMPLETE ({reason})"
    written = "report NOT written (see the error above)" if report_error else f"report: {report}"
    print(f"healthcrawl: {counts_text('resource', summary)}; run {run['id']} {state} in {elapsed:.1f} s; {written}")
    if findings is not None:
        for line in problem_lines(findings, more=f"see {report}"):
            print(line)
        if pruned is not None:
            print(f"pruned: {_pruned_text(pruned)}")
    return code


def _status_of_run(out: Path, run_id: int, store: Store) -> dict[str, Any]:
    """The status document of the run: the status.json just written (building it again
    reads the whole link report), else built from the database."""
    try:
        status = json.loads((out / "status.json").read_text(encoding="utf-8"))
        if status["run"]["id"] == run_id:
            return status
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from crawler.report.status import build_status

    return build_status(store, run_id)


def _findings(store: Store, run_id: int, status: dict[str, Any]) -> Findings:
    from crawler.report.findings import run_findings

    return run_findings(store, run_id, status)


def _retain(db: Path, run_id: int) -> PrunePlan | None:
    """settings.retention, after a complete run (crawler.record.retention). A failure
    is a warning: the run and its report are already stored, and the next run retries."""
    import sqlite3

    from crawler.record.retention import retain

    try:
        with Store(db) as store:
            return retain(store, run_id)
    except (sqlite3.Error, OSError) as exc:
        warn(f"retention not applied to {db}: {exc}")
        return None


def _pruned_text(plan: PrunePlan) -> str:
    counts = plan.counts
    return (f"{counted(counts.get('checks', 0), 'check')} and {counted(counts.get('link_checks', 0), 'link check')} "
            f"from before {plan.cutoff_day.isoformat()} (retention {format_duration(plan.keep)}; "
            "daily totals kept)")


def _run_document(run: dict[str, Any], summary: dict[str, Any], elapsed: float, report: Path, code: int,
                  findings: Findings | None, pruned: PrunePlan | None, deliveries: Sequence[Any]) -> dict[str, Any]:
    return {
        "run": {"id": run["id"], "complete": bool(run["complete"]), "finish_reason": run["finish_reason"],
                "seconds": round(elapsed, 1)},
        "summary": {"resources": summary["total"], **{k: summary[k] for k in ("up", "degraded", "down")},
                    "broken_links": summary["broken_links"], "invalid_links": summary["invalid_links"]},
        "exit_code": code,
        "report": str(report),
        **(findings.as_dict() if findings is not None else {"resources": [], "links": []}),
        "pruned": None if pruned is None else {"before": pruned.cutoff_day.isoformat(),
                                               "retention": format_duration(pruned.keep), "rows": pruned.counts},
        "notifications": [{"kind": d.kind, "channel": d.channel, "events": list(d.events), "ok": d.ok,
                           "attempts": d.attempts, "error": d.error} for d in deliveries],
    }


def _coordinate(args: argparse.Namespace, config: Config) -> int:
    import logging

    from crawler.distributed.coordinator import coordinate

    logging.basicConfig(level=("WARNING", "INFO", "DEBUG")[min(args.verbose, 2)],
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    return coordinate(config, redis_url=args.distributed, prefix=args.redis_prefix, db=args.db,
                      out=args.out, fast=args.fast, lease_seconds=args.lease, idle_timeout=args.max_idle)


def _notify(args: argparse.Namespace, config: Config, run_id: int) -> list[Any]:
    """Webhooks and Apprise digests for what changed in the run; a failure is a warning,
    never fatal. With -v every delivery is listed."""
    if not (config.notify.webhooks or config.notify.apprise):
        return []
    from crawler.report.notify import notify_run

    try:
        with Store(args.db) as store:
            deliveries = notify_run(store, config, run_id, args.notify_on)
    except Exception as exc:  # the database failing here must not hide the run's summary
        cause = storage_cause(exc, args.db)
        if cause is None:
            raise
        warn(f"notifications: database {args.db}: {cause}")
        return []
    print_deliveries(deliveries, verbose=args.verbose > 0)
    return deliveries


def print_deliveries(deliveries: Sequence[Any], *, verbose: bool) -> None:
    """One line per delivery that failed (or per delivery, verbose); channels are masked."""
    for delivery in deliveries:
        events = ", ".join(delivery.events)
        if not delivery.ok:
            warn(f"{delivery.kind} {delivery.channel} ({events}) failed after "
                 f"{counted(delivery.attempts, 'attempt')}: {delivery.error}")
        elif verbose:
            print(f"healthcrawl: notified {delivery.kind} {delivery.channel} ({events})", file=sys.stderr)


def cmd_worker(args: argparse.Namespace) -> int:
    import redis

    from crawler.distributed.worker import work

    try:
        return work(args.redis, prefix=args.redis_prefix, once=args.once, wait=args.wait, verbosity=args.verbose)
    except (redis.RedisError, ValueError) as exc:
        return fail(f"cannot use Redis at {args.redis}: {exc}")


# -- check ---------------------------------------------------------------------------------

ANNOUNCEMENTS_SHOWN = 5


def check_urls(texts: Sequence[str]) -> list[str]:
    """The URLs as given, https:// added where there is no scheme, each once.

    >>> check_urls(["example.org", "http://a.example/x", "example.org", "localhost:8000/x"])
    ['https://example.org', 'http://a.example/x', 'https://localhost:8000/x']
    """
    urls = []
    for text in texts:
        url = text.strip()
        if "://" not in url and url_scheme(url) not in WEB_SCHEMES:  # localhost:8000 has "scheme" localhost
            url = f"https://{url}"
        if url not in urls:
            urls.append(url)
    return urls


# A person waits for `check`: one retry, soon, rather than run's two with 1 s and 2 s
# of backoff (a dead link host cost its robots.txt and its link 3 s each).
CHECK_SETTINGS = {"retries": 1, "retry_backoff": 0.5}


def _check_config(urls: list[str], depth: int, render: str) -> dict[str, Any]:
    """A resources file for the URLs: each named by itself, unique by slug."""
    resources, slugs = [], set()
    for url in urls:
        name, number = url, 1
        while slugify(name) in slugs:
            number += 1
            name = f"{url} #{number}"
        slugs.add(slugify(name))
        resources.append({"name": name, "url": url, "depth": depth})
    return {"settings": {**CHECK_SETTINGS, "render": render}, "resources": resources}


def cmd_check(args: argparse.Namespace) -> int:
    started = time.monotonic()
    urls = check_urls(args.urls)
    for given in args.urls:
        if check_urls([given])[0] != given.strip():
            print(f"healthcrawl: {given!r} has no scheme: checking https://{given.strip()}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="healthcrawl-check-") as folder:
        work = Path(folder)
        config_path = work / "check.yaml"
        config_path.write_text(yaml.safe_dump(_check_config(urls, args.depth, args.render), allow_unicode=True),
                               encoding="utf-8")
        try:
            config = load_config(config_path)
        except ConfigError as exc:  # a URL no browser could follow: say it without the temporary file
            return fail(str(exc).replace(f"{config_path}: ", "").replace("resource #", "URL #"))
        if not browser_ready(config):
            return EXIT_USAGE
        from crawler.crawl.runner import crawl, project_settings
        from crawler.report.page.render import keep_compiled_templates

        keep_compiled_templates(False)  # nothing left behind, not even Jinja's cache
        db, out = work / "health.db", work / "report"
        settings = project_settings(config=config_path, db=db, out=out, verbosity=args.verbose)
        settings.set("HEALTH_PROGRESS", sys.stderr.isatty(), priority="cmdline")
        run_id = crawl(settings).run_id
        with Store(db) as store:
            run = store.run(run_id) if run_id is not None else None
            if run is None:
                return fail("the crawl stopped before it could record a run (see the log above)", EXIT_DOWN)
            status = _status_of_run(out, run["id"], store)
            findings = _findings(store, run["id"], status)
            fetches = store.announcement_fetches(run["id"])
    elapsed = time.monotonic() - started
    summary = status["summary"]
    failing = summary["broken_links"] + summary["invalid_links"]
    code = EXIT_DOWN if run["down"] or not run["complete"] or failing else EXIT_OK
    links = {entry["name"]: [f for f in findings.links if f.resource == entry["name"]] for entry in status["resources"]}
    entries = [_checked(entry, fetches.get(entry["slug"]), links[entry["name"]]) for entry in status["resources"]]
    if args.format == "json":
        sys.stdout.write(as_json({"summary": {"urls": summary["total"],
                                              **{k: summary[k] for k in ("up", "degraded", "down")},
                                              "broken_links": summary["broken_links"],
                                              "invalid_links": summary["invalid_links"]},
                                  "complete": bool(run["complete"]), "exit_code": code,
                                  "cause": status.get("cause"), "urls": entries}))
        return code
    if not args.quiet:
        for entry, resource in zip(entries, status["resources"], strict=True):
            print("\n".join(_check_lines(entry, links[resource["name"]])))
    state = "" if run["complete"] else f" INCOMPLETE ({run['finish_reason']})"
    print(f"healthcrawl: {counts_text('URL', summary)}; checked{state} in {elapsed:.1f} s")
    if status.get("cause"):
        print(f"cause: {status['cause']}")
    return code


def _checked(entry: dict[str, Any], fetch: dict[str, Any] | None, failing: list[LinkFinding]) -> dict[str, Any]:
    """What `check` tells about one URL (its JSON form; the text is made from it)."""
    from crawler.report.findings import resource_reason

    source = fetch["source"] if fetch else None
    return {
        "url": entry["url"],
        "status": entry["status"],
        "http_status": entry["http_status"],
        "response_ms": entry["response_ms"],
        "final_url": entry["final_url"],
        "title": entry["title"],
        "reason": resource_reason(entry) if entry["status"] in ("down", "degraded") else None,
        "tls_expires_at": entry["tls_expires_at"],
        "announcements": {
            "source": source,  # feed, html (read from the page) or None (not read)
            "feed_url": fetch["feed_url"] if fetch else None,
            "warning": fetch["warning"] if fetch else None,
            "reason": fetch.get("reason") if fetch else None,  # why none were found
            "found": fetch["items"] if fetch else 0,  # how many; `items` holds the newest ten
            "items": [{k: a[k] for k in ("title", "url", "published")} for a in entry["announcements"]],
        },
        "links": {**entry["links"], "pages_crawled": entry["pages_crawled"]},
        "failing_links": [{"result": f.result, "url": f.url, "detail": f.detail, "found_on": list(f.found_on)}
                          for f in failing],
    }


def _check_lines(entry: dict[str, Any], failing: list[LinkFinding]) -> list[str]:
    answer = ", ".join(part for part in (
        f"HTTP {entry['http_status']}" if entry["http_status"] else "",
        f"{entry['response_ms']} ms" if entry["response_ms"] is not None else "") if part)
    head = f"{entry['url']}: {entry['status']}" + (f" ({answer})" if answer else "")
    lines = [head + (f": {entry['reason']}" if entry["reason"] else "")]
    if entry["final_url"] and entry["final_url"] != entry["url"]:
        lines.append(f"  final URL: {entry['final_url']}")
    if entry["title"]:
        lines.append(f"  title: {entry['title']}")
    if entry["tls_expires_at"]:
        lines.append(f"  TLS certificate expires {entry['tls_expires_at'][:10]}")
    news = entry["announcements"]
    if news["source"] is not None:
        where = {"feed": f"from the feed {news['feed_url']}", "selectors": "read with the configured selectors"}
        origin = where.get(news["source"], "read from the page")
        lines.append(f"  announcements: {news['found']}, {origin}" if news["found"]
                     else "  announcements: none found" + (f": {news['reason']}" if news["reason"] else ""))
        if news["warning"]:
            lines.append(f"    ({news['warning']})")
        for item in news["items"][:ANNOUNCEMENTS_SHOWN]:
            when = (item["published"] or "undated")[:10]
            lines.append(f"    {when}  {item['title']}" + (f" <{item['url']}>" if item["url"] else ""))
        if news["found"] > ANNOUNCEMENTS_SHOWN:
            lines.append(f"    and {news['found'] - ANNOUNCEMENTS_SHOWN} more")
    links = entry["links"]
    if entry["status"] != "down":
        extra = f" on {counted(links['pages_crawled'], 'page')}" if links["pages_crawled"] > 1 else ""
        lines.append(f"  links: {links['checked']:,} checked{extra}, {links['broken']:,} broken, "
                     f"{links['invalid']:,} invalid")
    lines += ["    " + link_line(link) for link in failing[:LIMIT]]
    if len(failing) > LIMIT:
        lines.append(f"    and {len(failing) - LIMIT:,} more (--format json lists them)")
    return lines
