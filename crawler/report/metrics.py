"""reports/metrics.prom: the status document in Prometheus' text format, for
node_exporter's textfile collector (docs/metrics-and-progress.md lists every metric).

Built from the same status document as index.html and status.json (so `healthcrawl
run`, `healthcrawl report`, the shutdown guard and the distributed coordinator all
write it), in a CollectorRegistry of its own: nothing of the process's global
registry (Python's GC and process metrics) leaks into the file.

Every per-resource metric is labelled with ``resource``, the resource's slug: stable
across renames and free of spaces. Its name and URL are on one series,
``healthcrawl_resource_info``, to join on. So each configured resource adds a fixed
number of series (``healthcrawl_resource_state`` one per state), and nothing taken
from the sites (titles, link URLs, errors) ever becomes a label.

All metrics are gauges: each file describes one run and is replaced whole by the
next, so none of its numbers only ever grows (no ``_total`` counters). A value the
run does not know (the response time of a resource that did not answer, the
certificate of a plain-HTTP site) is left out rather than written as 0.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, write_to_textfile
from prometheus_client.metrics_core import GaugeMetricFamily, InfoMetricFamily

from crawler.core.timeutil import parse_iso
from crawler.core.vocabulary import WORST_FIRST, LinkVerdict

if TYPE_CHECKING:
    from collections.abc import Iterator

    from prometheus_client.metrics_core import Metric

    from crawler.store.database import Store

METRICS_FILE = "metrics.prom"  # node_exporter's textfile collector reads only *.prom
PREFIX = "healthcrawl"
STATES = WORST_FIRST  # down, degraded, up, unchecked: one series each per resource
LINK_RESULTS = (LinkVerdict.BROKEN, LinkVerdict.INVALID, LinkVerdict.BLOCKED)


def write_metrics(store: Store, status: dict[str, Any], out: str | Path) -> Path:
    """Write `out`/metrics.prom for `status` (a build_status document).

    prometheus_client's write_to_textfile writes a temporary file beside the target
    (``metrics.prom.<pid>.<thread>``, which the collector ignores) and renames it over
    metrics.prom, so a scrape sees the previous file or this one, never half of one.
    """
    path = Path(out) / METRICS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    run = status["run"]
    seen = store.announcements_seen_in(run["id"]) if run else []
    write_to_textfile(str(path), build_registry(status, seen))
    return path


def build_registry(status: dict[str, Any], announcements: list[dict[str, Any]]) -> CollectorRegistry:
    """A registry holding only `status`'s metrics; `announcements` are the run's
    (Store.announcements_seen_in), counted per resource: the document lists only the
    latest few of each."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StatusCollector(status, announcements))
    return registry


class StatusCollector:
    """A custom collector (prometheus_client's pattern for numbers kept elsewhere):
    it reads the document each time the registry is collected, and keeps no state."""

    def __init__(self, status: dict[str, Any], announcements: list[dict[str, Any]]):
        self.status = status
        self.seen = Counter(a["resource_id"] for a in announcements)
        self.new = Counter(a["resource_id"] for a in announcements if a["new"])

    def collect(self) -> Iterator[Metric]:
        yield from self._run()
        yield from self._resources()

    def _run(self) -> Iterator[Metric]:
        run = self.status["run"] or {}
        started, finished = _timestamp(run.get("started_at")), _timestamp(run.get("finished_at"))
        yield _gauge("run_started_timestamp_seconds", "When the run the report is about started (unix time).",
                     started)
        yield _gauge("run_finished_timestamp_seconds", "When the run the report is about finished (unix time); "
                     "absent while it has not.", finished)
        yield _gauge("run_duration_seconds", "How long the run took, start to finish, in whole seconds (as the times are stored).",
                     finished - started if started is not None and finished is not None else None)
        yield _gauge("run_complete", "1 if the run finished and checked every resource, else 0.",
                     int(run["complete"]) if run else None)
        by_state = GaugeMetricFamily(f"{PREFIX}_resources", "Configured resources in each state.", labels=["state"])
        for state in STATES:
            by_state.add_metric([state], self.status["summary"].get(state, 0))
        yield by_state

    def _resources(self) -> Iterator[Metric]:
        resources = self.status["resources"]
        info = InfoMetricFamily(f"{PREFIX}_resource", "A configured resource's name and URL, by slug.",
                                labels=["resource"])
        state = _family("resource_state", "1 for the resource's state in the run, 0 for the others.", "state")
        maintenance = _family("resource_maintenance", "1 if the resource's latest check fell in a maintenance window.")
        response = _family("resource_response_time_seconds", "Time to the resource's response, redirects included.")
        tls = _family("resource_tls_expiry_timestamp_seconds",
                      "When the resource's TLS certificate expires (unix time).")
        links = _family("resource_links", "Links found on the resource's pages, by result (each URL once).", "result")
        seen = _family("resource_announcements", "Announcements the run found for the resource.")
        new = _family("resource_new_announcements", "Of those, the ones new since the previous complete run.")
        for entry in resources:
            slug = entry["slug"]
            info.add_metric([slug], {"name": entry["name"], "url": entry["url"] or ""})
            for name in STATES:
                state.add_metric([slug, name], int(entry["status"] == name))
            maintenance.add_metric([slug], int(bool(entry.get("maintenance"))))
            if entry["response_ms"] is not None:
                response.add_metric([slug], entry["response_ms"] / 1000)
            expires = _timestamp(entry["tls_expires_at"])
            if expires is not None:
                tls.add_metric([slug], expires)
            for result in LINK_RESULTS:
                links.add_metric([slug, result], entry["links"].get(result, 0))
            seen.add_metric([slug], self.seen[slug])
            new.add_metric([slug], self.new[slug])
        yield from (info, state, maintenance, response, tls, links, seen, new)


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(f"{PREFIX}_{name}", documentation, labels=[])
    if value is not None:
        family.add_metric([], value)
    return family


def _family(name: str, documentation: str, *labels: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, labels=["resource", *labels])


def _timestamp(value: str | None) -> float | None:
    """
    >>> _timestamp("2026-12-03T07:00:00Z"), _timestamp(None)
    (1796281200.0, None)
    """
    moment = parse_iso(value)
    return moment.timestamp() if moment is not None else None
