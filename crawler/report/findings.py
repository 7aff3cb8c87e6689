"""What a run found wrong, for the first place people read: the output of `run` in
the cron mail, and `check`.

Resources that are down or degraded, with the reason, and links that are broken
or invalid, with their status and the pages they are on. A failing link is `new`
when the previous complete run did not find it failing (with no earlier run,
every one is new), so a mail names what changed and counts what did not; the
digest's "newly broken links" are the same links.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from crawler.core.vocabulary import HEALTHY, LinkVerdict, Status
from crawler.extract.links import has_anchor

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.store.database import Store


@dataclass(frozen=True)
class ResourceFinding:
    status: str  # down or degraded
    name: str
    url: str
    reason: str


@dataclass(frozen=True)
class LinkFinding:
    result: str  # broken or invalid
    url: str
    detail: str  # "HTTP 404 Not Found", "connection refused by host:port", "invalid URL: ..."
    found_on: tuple[str, ...]
    resource: str  # the resource's name
    new: bool


@dataclass(frozen=True)
class Findings:
    resources: tuple[ResourceFinding, ...] = ()
    links: tuple[LinkFinding, ...] = ()  # new ones first, each group in resource and URL order
    cause: str | None = None  # what all failures share (status.json's `cause`), said before them

    @property
    def new_links(self) -> tuple[LinkFinding, ...]:
        return tuple(link for link in self.links if link.new)

    def as_dict(self) -> dict[str, Any]:
        return {"cause": self.cause, "resources": [asdict(r) for r in self.resources],
                "links": [{**asdict(link), "found_on": list(link.found_on)} for link in self.links]}


def resource_reason(entry: dict[str, Any]) -> str:
    """Why a resource (a status.json entry) is down or degraded, in one line.

    >>> resource_reason({"reasons": ["slow: 6200 ms (threshold 5000 ms)", "up after 1 retry"], "error": None})
    'slow: 6200 ms (threshold 5000 ms); up after 1 retry'
    >>> resource_reason({"reasons": [], "error": None, "http_status": 503})
    'HTTP 503'
    """
    reasons = [r for r in entry.get("reasons") or [] if r]
    if reasons:
        return "; ".join(reasons)
    if entry.get("error"):
        return str(entry["error"])
    return f"HTTP {entry['http_status']}" if entry.get("http_status") else "no reason recorded"


def link_detail(link: dict[str, Any]) -> str:
    """A failing link's status as a person reads it.

    >>> link_detail({"status": 404, "error": None}), link_detail({"status": None, "error": "timed out"})
    ('HTTP 404', 'timed out')
    """
    if link.get("error"):
        return str(link["error"])
    return f"HTTP {link['status']}" if link.get("status") else "failed"


def failing_links(store: Store, run_id: int, resources: Iterable[dict[str, Any]]) -> list[LinkFinding]:
    """The broken and invalid links of these resources (status.json entries, or
    link_report entries with `name`), each marked new or not."""
    candidates = [(entry["name"], kind, link) for entry in resources
                  for kind, key in ((LinkVerdict.BROKEN, "broken_links"), (LinkVerdict.INVALID, "invalid_links"))
                  for link in entry.get(key) or []]
    previous = store.previous_complete_run(run_id)
    before = store.link_verdicts(previous, list({link["url"].split("#", 1)[0] for _, _, link in candidates})) \
        if previous and candidates else {}
    found = [LinkFinding(str(kind), link["url"], link_detail(link), tuple(link.get("found_on") or ()), name,
                         previous is None or not failed_before(link["url"], kind, before))
             for name, kind, link in candidates]
    return sorted(found, key=lambda f: not f.new)  # stable: resource and URL order within each group


def failed_before(shown_url: str, kind: str, before: dict[str, tuple[str, str | None]]) -> bool:
    """Did the earlier run find this link failing the same way? A `url#fragment`
    link was broken before if its page was, or answered without that anchor."""
    url, _, fragment = shown_url.partition("#")
    if url not in before:
        return False
    result, anchors = before[url]
    if result == kind:
        return True
    return kind == LinkVerdict.BROKEN and bool(fragment) and result in HEALTHY and anchors is not None \
        and not has_anchor(fragment, frozenset(json.loads(anchors)))


def run_findings(store: Store, run_id: int, status: dict[str, Any]) -> Findings:
    """The findings of the run a status document (status.json) is about."""
    entries = status.get("resources") or []
    resources = tuple(ResourceFinding(entry["status"], entry["name"], entry["url"], resource_reason(entry))
                      for wanted in (Status.DOWN, Status.DEGRADED) for entry in entries
                      if entry["status"] == wanted)
    return Findings(resources, tuple(failing_links(store, run_id, entries)), status.get("cause"))
