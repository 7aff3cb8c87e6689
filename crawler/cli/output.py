"""What `run` and `check` print on stdout: one summary line, then one line per
problem, bounded, in formats stable enough to grep (docs/cli.md, "Output"); or the
same facts as one JSON document.

    cause: WHAT EVERY FAILURE SHARES
    down: NAME <URL>: REASON
    degraded: NAME <URL>: REASON
    broken: URL: STATUS, on PAGE [and N other pages]
    invalid: URL: REASON, on PAGE [and N other pages]
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from crawler.core.wording import counted

if TYPE_CHECKING:
    from crawler.report.findings import Findings, LinkFinding, ResourceFinding

LIMIT = 20  # problem lines before "and N more"


def counts_text(noun: str, summary: dict[str, Any]) -> str:
    """`3 resources: 1 up, 1 degraded, 1 down; 2 broken links, 1 invalid`

    >>> counts_text("resource", {"total": 1, "up": 1, "degraded": 0, "down": 0, "broken_links": 1,
    ...                          "invalid_links": 0})
    '1 resource: 1 up, 0 degraded, 0 down; 1 broken link'
    """
    invalid = f", {summary['invalid_links']:,} invalid" if summary.get("invalid_links") else ""
    unchecked = f", {summary['unchecked']:,} unchecked" if summary.get("unchecked") else ""
    return (f"{counted(summary['total'], noun)}: {summary['up']:,} up, {summary['degraded']:,} degraded, "
            f"{summary['down']:,} down{unchecked}; {counted(summary['broken_links'], 'broken link')}{invalid}")


def resource_line(finding: ResourceFinding) -> str:
    return f"{finding.status}: {finding.name} <{finding.url}>: {finding.reason}"


def link_line(finding: LinkFinding) -> str:
    """
    >>> from crawler.report.findings import LinkFinding
    >>> link_line(LinkFinding("broken", "http://a/x", "HTTP 404", ("http://a/", "http://a/b", "http://a/c"), "A", True))
    'broken: http://a/x: HTTP 404, on http://a/ and 2 other pages'
    """
    pages = ""
    if finding.found_on:
        others = len(finding.found_on) - 1
        pages = f", on {finding.found_on[0]}" + (f" and {counted(others, 'other page')}" if others else "")
    return f"{finding.result}: {finding.url}: {finding.detail}{pages}"


def problem_lines(findings: Findings, *, more: str, only_new: bool = True, limit: int = LIMIT) -> list[str]:
    """The cause the failures share (if any), then resources down, then degraded, then
    failing links (only the new ones with `only_new`: the others are counted), at most
    `limit` problem lines, then where the rest is."""
    links = findings.new_links if only_new else findings.links
    lines = [resource_line(r) for r in findings.resources] + [link_line(link) for link in links]
    shown = [f"cause: {findings.cause}"] if findings.cause else []
    shown += lines[:limit]
    if len(lines) > limit:
        shown.append(f"and {len(lines) - limit:,} more: {more}")
    old = len(findings.links) - len(findings.new_links) if only_new else 0
    if old:
        shown.append(f"{counted(old, 'link')} failing since an earlier run: {more}")
    return shown


def as_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
