"""The links part of the report: per resource, what its pages link to and which of
those links need attention, with the pages each was found on.

A #fragment link whose target answered is judged here, against the ids the target
page had: found, or broken with "fragment #x not found on the page".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from crawler.core.vocabulary import HEALTHY, NOT_REQUESTED, LinkVerdict
from crawler.extract.links import has_anchor

if TYPE_CHECKING:
    from crawler.store.database import Store


def link_rows(store: Store, run_id: int) -> Iterator[dict[str, Any]]:
    """Every link the run found, once per (resource, link, page it is on), judged:
    dicts of resource, url, result, status, error, evidence, text (the link's words
    on that page, '' when it has none) and found_on (the page). Ordered by resource,
    URL and page."""
    seen: set[tuple[str, str, str]] = set()
    for resource_id, url, fragment, page, result, http_status, error, evidence, anchors, text \
            in store.link_source_results(run_id):
        shown_url = url
        if fragment and anchors and result in HEALTHY \
                and not has_anchor(fragment, frozenset(json.loads(anchors))):
            result, error = LinkVerdict.BROKEN, f"fragment #{fragment} not found on the page"
            shown_url = f"{url}#{fragment}"
        key = (resource_id, shown_url, page)
        if key in seen:  # the same URL with several fragments that all landed
            continue
        seen.add(key)
        yield {"resource": resource_id, "url": shown_url, "result": result, "status": http_status,
               "error": error, "evidence": evidence, "text": text or "", "found_on": page}


def link_report(store: Store, run_id: int) -> dict[str, dict[str, Any]]:
    """Per resource: link counts and the broken, invalid (hrefs no browser could
    follow), blocked and robots-forbidden links with the pages they were found on
    and their text (the first page's that has any)."""
    report: dict[str, dict[str, Any]] = {}

    def entry_for(resource_id: str) -> dict[str, Any]:
        entry = report.get(resource_id)
        if entry is None:
            entry = report[resource_id] = _empty_link_entry()
        return entry

    for resource_id, skipped in store.link_page_skips(run_id):
        entry = entry_for(resource_id)
        entry["pages"] += 1
        if skipped and skipped != "{}":
            entry["links"]["skipped"] += sum(json.loads(skipped).values())
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for row in link_rows(store, run_id):
        resource_id, shown_url = row["resource"], row["url"]
        entry = entry_for(resource_id)
        key = (resource_id, shown_url)
        link = grouped.get(key)
        if link is None:
            link = grouped[key] = {"result": row["result"], "url": shown_url, "status": row["status"],
                                   "error": row["error"], "evidence": row["evidence"], "text": "",
                                   "found_on": []}
            entry["_urls"].setdefault(shown_url, row["result"])
        link["text"] = link["text"] or row["text"]
        if row["found_on"] not in link["found_on"]:
            link["found_on"].append(row["found_on"])
    for (resource_id, _), link in grouped.items():
        entry = report[resource_id]
        result = link.pop("result")
        if result == LinkVerdict.BROKEN:
            entry["broken_links"].append({k: link[k] for k in ("url", "status", "error", "text", "found_on")})
        elif result == LinkVerdict.BLOCKED:
            entry["blocked_links"].append({k: link[k] for k in ("url", "status", "evidence", "text", "found_on")})
        elif result == LinkVerdict.ROBOTS:
            entry["robots_links"].append({k: link[k] for k in ("url", "text", "found_on")})
        elif result == LinkVerdict.INVALID:
            entry["invalid_links"].append({k: link[k] for k in ("url", "error", "text", "found_on")})
    for entry in report.values():
        urls = entry.pop("_urls")
        results = list(urls.values())
        entry["links"]["checked"] = sum(r not in NOT_REQUESTED for r in results)
        entry["links"]["broken"] = results.count("broken")
        entry["links"]["invalid"] = results.count("invalid")
        entry["links"]["blocked"] = results.count("blocked")
        entry["links"]["robots"] = results.count("robots")
    return report


def problem_counts(store: Store, run_id: int) -> dict[str, int]:
    """Broken and invalid links of a run, each counted once per resource that has it."""
    report = link_report(store, run_id).values()
    return {"broken": sum(len(entry["broken_links"]) for entry in report),
            "invalid": sum(len(entry["invalid_links"]) for entry in report)}


def _empty_link_entry() -> dict[str, Any]:
    return {"links": {"checked": 0, "broken": 0, "invalid": 0, "blocked": 0, "skipped": 0, "robots": 0},
            "pages": 0, "broken_links": [], "invalid_links": [], "blocked_links": [], "robots_links": [],
            "_urls": {}}
