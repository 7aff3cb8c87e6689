"""Write the report files atomically: a reader never sees half a page."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.report.atom import build_feed
from crawler.report.exports import to_json
from crawler.report.jsonfeed import build_json_feed
from crawler.report.metrics import write_metrics
from crawler.report.page import render_index
from crawler.report.status import build_status

if TYPE_CHECKING:
    from crawler.store.database import Store


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target, then rename over it; readable like any new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a status page is for reading
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


FEED_SIZE = 100
DETAIL_CHECKS = 500  # checks listed on each resource's detail page


def write_reports(store: Store, out_dir: str | Path, run_id: int | None = None) -> list[Path]:
    """index.html, status.json, resources/<slug>.html, the announcement feeds and
    metrics.prom (crawler.report.metrics) for the latest (or given) run."""
    out = Path(out_dir)
    detailed = build_status(store, run_id, detail_checks=DETAIL_CHECKS)
    status = {**detailed, "resources": [{k: v for k, v in r.items() if k != "checks"}
                                        for r in detailed["resources"]]}
    written = [out / "status.json", out / "index.html"]
    write_atomic(written[0], to_json(status))
    write_atomic(written[1], render_index(status))
    written += write_detail_pages(detailed, out)
    written += write_feeds(store, out, status["generated_at"], status["new_since"])
    written.append(write_metrics(store, status, out))
    return written


def write_feeds(store: Store, out: Path, updated: str, new_since: str | None = None) -> list[Path]:
    """announcements.xml and .json (JSON Feed) across resources, and feeds/<slug>.xml and
    .json for each resource; items first seen at or after `new_since` are marked new."""
    resources = {r["id"]: r for r in store.active_resources()}
    new_ids = {a["id"] for a in store.new_announcements(new_since)} if new_since else set()
    written = []
    feeds = [(out / "announcements", "urn:healthcrawl:announcements", "healthcrawl: latest announcements",
              None, None)]
    feeds += [(out / "feeds" / resource_id, f"urn:healthcrawl:announcements:{resource_id}",
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
    return written


def write_detail_pages(status: dict, out: Path) -> list[Path]:
    """resources/<slug>.html for every resource in the status document, beside index.html.

    Takes the same document as index.html (build it with ``detail_checks`` for the full
    history table), so the links on the index and the file names always agree. Pages of
    resources no longer in the document are removed: a stale page would keep showing
    an old status to anyone who bookmarked it.
    """
    from crawler.report.page import DETAIL_DIR, render_detail_pages

    folder = Path(out) / DETAIL_DIR
    written = []
    for slug, html in render_detail_pages(status).items():
        path = folder / f"{slug}.html"
        write_atomic(path, html)
        written.append(path)
    if folder.is_dir():
        keep = {path.name for path in written}
        for old in folder.glob("*.html"):
            if old.name not in keep and old.is_file():
                old.unlink(missing_ok=True)
    return written
