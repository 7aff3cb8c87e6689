"""Which discovered links to request, and how: the per-run link frontier.

A URL moves through these states within one run:

* unseen    -- never discovered;
* planned   -- discovered once and scheduled, with HEAD (is it alive?) or GET
  (a same-site page to follow, or a page whose ids are needed to check
  #fragments);
* upgraded  -- first planned with HEAD, then found again as a #fragment link:
  scheduled once more with GET so its anchors can be read.

Every later sighting of a planned URL only adds a source (the page it is on), so
each unique URL is requested once per run however many pages link to it.
Pure Python, no Scrapy: the spider asks, the planner answers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.extract.links import same_site, url_allowed

if TYPE_CHECKING:
    from crawler.config import Resource
    from crawler.extract.links import PageLinks

FOLLOWABLE_TAGS = frozenset({"a", "area"})


@dataclass(frozen=True)
class LinkTask:
    url: str
    method: str  # "HEAD" or "GET"
    resource: Resource  # the resource whose page linked here first
    depth: int  # depth of the page the link was found on (the resource page is 0)
    follow: bool = False  # read the body as a page of `resource` and plan its links
    anchors: bool = False  # read the body's ids to check #fragments


@dataclass(frozen=True)
class PagePlan:
    sources: list[tuple[str, str]]  # (url, fragment or "")
    skipped: dict[str, int]
    tasks: list[LinkTask]


class LinkPlanner:
    def __init__(self) -> None:
        self._planned: dict[str, str] = {}  # url -> method it was planned with
        self._pages: Counter[str] = Counter()  # pages fetched per resource

    def count_page(self, resource: Resource) -> None:
        """The resource page itself counts towards its max_pages."""
        self._pages[resource.slug] += 1

    def plan(self, resource: Resource, links: PageLinks, depth: int) -> PagePlan:
        sources: list[tuple[str, str]] = []
        skipped = Counter(links.skipped)
        tasks: list[LinkTask] = []
        include, exclude = resource.include_patterns, resource.exclude_patterns
        for link in links.links:
            if not url_allowed(link.url, include, exclude):
                skipped["excluded"] += 1
                continue
            sources.append((link.url, link.fragment or ""))
            task = self._task_for(resource, link.url, link.tag, bool(link.fragment), depth)
            if task is not None:
                tasks.append(task)
        return PagePlan(sources, {k: v for k, v in skipped.items() if v}, tasks)

    def plan_urls(self, resource: Resource, urls: list[str], depth: int) -> PagePlan:
        """Page URLs from elsewhere than a page (a sitemap), planned like links."""
        sources: list[tuple[str, str]] = []
        tasks: list[LinkTask] = []
        excluded = 0
        for url in urls:
            if not url_allowed(url, resource.include_patterns, resource.exclude_patterns):
                excluded += 1
                continue
            sources.append((url, ""))
            task = self._task_for(resource, url, "a", False, depth)
            if task is not None:
                tasks.append(task)
        return PagePlan(sources, {"excluded": excluded} if excluded else {}, tasks)

    def _task_for(self, resource: Resource, url: str, tag: str, has_fragment: bool,
                  depth: int) -> LinkTask | None:
        wants_anchors = resource.check_fragments and has_fragment
        planned = self._planned.get(url)
        if planned is not None:
            if wants_anchors and planned == "HEAD":
                self._planned[url] = "GET"
                return LinkTask(url, "GET", resource, depth, anchors=True)
            return None
        follow = (
            tag in FOLLOWABLE_TAGS
            and depth < resource.depth
            and self._pages[resource.slug] < resource.max_pages
            and same_site(url, resource.url)
        )
        if follow:
            self._pages[resource.slug] += 1
        method = "GET" if follow or wants_anchors else "HEAD"
        self._planned[url] = method
        return LinkTask(url, method, resource, depth, follow=follow, anchors=wants_anchors or follow)
