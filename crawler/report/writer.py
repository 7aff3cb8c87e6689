"""Write the report files atomically: a reader never sees half a page.

Each file is written beside its target under a temporary name and renamed over
it. A writer killed in between leaves that temporary file behind; the next
`write_reports` removes such leftovers, recognised by name (`is_leftover`), while
it holds the folder's lock, so no live writer's file is taken. A file that cannot
be written (a read-only folder, a full disk) is a `ReportNotWritten` naming it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.report.atom import build_feed
from crawler.report.exports import to_json
from crawler.report.jsonfeed import build_json_feed
from crawler.report.metrics import METRICS_FILE, write_metrics
from crawler.report.page import DETAIL_DIR, render_index
from crawler.report.status import build_status
from crawler.store.database import storage_cause

if TYPE_CHECKING:
    from collections.abc import Iterator

    from crawler.store.database import Store

FEEDS_DIR = "feeds"
_TEMP_PREFIX = "healthcrawl-"


class ReportNotWritten(Exception):
    """A report file or folder that could not be written: its path and why, in one line."""

    def __init__(self, path: Path, exc: OSError):
        self.path = path
        reason = exc.strerror or str(exc)
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            reason = "a file is in the way of a folder there"
        super().__init__(f"cannot write {path}: {reason}")


def report_failure(exc: BaseException, db_path: str | Path) -> str | None:
    """Why a report could not be written, in one line; None for a bug (which
    deserves its traceback)."""
    if isinstance(exc, ReportNotWritten):
        return str(exc)
    cause = storage_cause(exc)
    return None if cause is None else f"database {db_path}: {cause}"


# A temporary file of write_atomic (".index.html.healthcrawl-k3j9x0_q.tmp", and
# ".index.html.k3j9x0_q.tmp" from before the marker), or of prometheus_client's
# write_to_textfile ("metrics.prom.4242.139871").
_LEFTOVER = re.compile(
    r"\.[^/]+\.(?:html|json|xml|prom)\.(?:healthcrawl-)?[a-z0-9_]{8}\.tmp"
    rf"|{re.escape(METRICS_FILE)}\.\d+\.\d+"
)


def is_leftover(name: str) -> bool:
    """A temporary file that a healthcrawl report writer leaves only when it is killed.

    >>> [is_leftover(n) for n in (".index.html.healthcrawl-k3j9x0_q.tmp", ".status.json.a1b2c3d4.tmp",
    ...                           "metrics.prom.4242.139871", "index.html", ".notes.txt.a1b2c3d4.tmp")]
    [True, True, True, False, False]
    """
    return _LEFTOVER.fullmatch(name) is not None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _folder(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportNotWritten(path, exc) from exc


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target, then rename over it; readable like any new file."""
    _folder(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{_TEMP_PREFIX}", suffix=".tmp")
    except OSError as exc:
        raise ReportNotWritten(path, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a status page is for reading
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ReportNotWritten(path, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _report_lock(out: Path) -> Iterator[None]:
    """One report writer in `out` at a time (a run's, `healthcrawl report`'s): an
    `flock` of the folder itself, so no lock file is published with the report, and
    the kernel releases it however the holder exits."""
    _folder(out)
    try:
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise ReportNotWritten(out, exc) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def remove_leftovers(out: Path) -> list[Path]:
    """Delete the temporary files killed writers left in the report folders."""
    removed = []
    for folder in (out, out / DETAIL_DIR, out / FEEDS_DIR):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if is_leftover(path.name) and path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


FEED_SIZE = 100
DETAIL_CHECKS = 500  # checks listed on each resource's detail page


def write_reports(store: Store, out_dir: str | Path, run_id: int | None = None) -> list[Path]:
    """index.html, status.json, resources/<slug>.html, the announcement feeds and
    metrics.prom (crawler.report.metrics) for the latest (or given) run; first the
    leftovers of writers that were killed. ReportNotWritten when a file cannot be."""
    out = Path(out_dir)
    detailed = build_status(store, run_id, detail_checks=DETAIL_CHECKS)
    status = {**detailed, "resources": [{k: v for k, v in r.items() if k != "checks"}
                                        for r in detailed["resources"]]}
    with _report_lock(out):
        remove_leftovers(out)
        written = [out / "status.json", out / "index.html"]
        write_atomic(written[0], to_json(status))
        write_atomic(written[1], render_index(status))
        written += write_detail_pages(detailed, out)
        written += write_feeds(store, out, status["generated_at"], status["new_since"])
        try:
            written.append(write_metrics(store, status, out))
        except OSError as exc:
            raise ReportNotWritten(out / METRICS_FILE, exc) from exc
    return written


def write_feeds(store: Store, out: Path, updated: str, new_since: str | None = None) -> list[Path]:
    """announcements.xml and .json (JSON Feed) across resources, and feeds/<slug>.xml and
    .json for each resource; items first seen at or after `new_since` are marked new. The
    feeds of resources no longer configured are removed, with their pages."""
    resources = {r["id"]: r for r in store.active_resources()}
    new_ids = {a["id"] for a in store.new_announcements(new_since)} if new_since else set()
    written = []
    feeds = [(out / "announcements", "urn:healthcrawl:announcements", "healthcrawl: latest announcements",
              None, None)]
    feeds += [(out / FEEDS_DIR / resource_id, f"urn:healthcrawl:announcements:{resource_id}",
               f"{resource['name']}: announcements (via healthcrawl)", resource_id, resource["url"])
              for resource_id, resource in resources.items()]
    for base, feed_id, title, resource_id, link in feeds:
        entries = store.latest_announcements(FEED_SIZE, resource_id)
        atom, jsonfeed = base.with_suffix(".xml"), base.with_suffix(".json")
        write_atomic(atom, build_feed(feed_id=feed_id, title=title, updated=updated, entries=entries,
                                      resources=resources, link=link, new_ids=new_ids))
        write_atomic(jsonfeed, build_json_feed(title=title, entries=entries, resources=resources,
                                               home_page_url=link, new_ids=new_ids))
        written += [atom, jsonfeed]
    for pattern in ("*.xml", "*.json"):
        _remove_others(out / FEEDS_DIR, pattern, written)
    return written


def _remove_others(folder: Path, pattern: str, keep: list[Path]) -> None:
    """Files of `folder` matching `pattern` that this report did not write: those of
    resources no longer configured (a stale page or feed would go on showing them)."""
    if not folder.is_dir():
        return
    names = {path.name for path in keep}
    for old in folder.glob(pattern):
        if old.name not in names and old.is_file():
            old.unlink(missing_ok=True)


def write_detail_pages(status: dict, out: Path) -> list[Path]:
    """resources/<slug>.html for every resource in the status document, beside index.html.

    Takes the same document as index.html (build it with ``detail_checks`` for the full
    history table), so the links on the index and the file names always agree. Pages of
    resources no longer in the document are removed: a stale page would keep showing
    an old status to anyone who bookmarked it.
    """
    from crawler.report.page import render_detail_pages

    folder = Path(out) / DETAIL_DIR
    written = []
    for slug, html in render_detail_pages(status).items():
        path = folder / f"{slug}.html"
        write_atomic(path, html)
        written.append(path)
    _remove_others(folder, "*.html", written)
    return written
