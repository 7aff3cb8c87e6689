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
from typing import TYPE_CHECKING, Protocol

from crawler.extract.links import same_site, url_allowed

if TYPE_CHECKING:
    from crawler.config import Resource
    from crawler.extract.links import PageLinks

FOLLOWABLE_TAGS = frozenset({"a", "area"})
# Request meta naming who plans the links of a response (see PlanState.claim).
PLAN_OWNER_KEY = "healthcrawl_plan_owner"


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


@dataclass(frozen=True)
class Claim:
    """How a newly planned (or upgraded) URL is to be requested."""

    method: str  # "HEAD" or "GET"
    follow: bool = False
    anchors: bool = False


class PlanState(Protocol):
    """Where the planner keeps what it has planned in this run: in memory for one
    process, in Redis when many workers share one frontier
    (crawler.distributed.planstate). Each call is one atomic decision."""

    def count_page(self, slug: str, url: str) -> None:
        """The resource page itself counts towards its max_pages."""

    def claim(self, url: str, *, slug: str, wants_anchors: bool, may_follow: bool, max_pages: int,
              owner: str) -> Claim | None:
        """Plan `url` unless it is planned already (then None, or a GET upgrade when
        `wants_anchors` and it was planned with HEAD). A new URL is followed when
        `may_follow` and `slug` has followed fewer than `max_pages` pages. `owner`
        names the request planning it: the same owner asking again (a redelivered
        request whose first try died) gets the same answer instead of None."""


def decide(previous: str | None, *, wants_anchors: bool, may_follow: bool, pages: int,
           max_pages: int) -> Claim | None:
    """The planner's rule, shared by every PlanState.

    >>> decide(None, wants_anchors=False, may_follow=True, pages=1, max_pages=5)
    Claim(method='GET', follow=True, anchors=True)
    >>> decide(None, wants_anchors=False, may_follow=True, pages=5, max_pages=5)
    Claim(method='HEAD', follow=False, anchors=False)
    >>> decide("HEAD", wants_anchors=True, may_follow=False, pages=0, max_pages=5)
    Claim(method='GET', follow=False, anchors=True)
    >>> decide("GET", wants_anchors=True, may_follow=False, pages=0, max_pages=5) is None
    True
    """
    if previous is not None:
        return Claim("GET", anchors=True) if wants_anchors and previous == "HEAD" else None
    follow = may_follow and pages < max_pages
    return Claim("GET" if follow or wants_anchors else "HEAD", follow=follow, anchors=wants_anchors or follow)


class MemoryPlanState:
    """One process's plan: a dict of URL -> method and the pages followed per resource."""

    def __init__(self) -> None:
        self._planned: dict[str, tuple[str, str]] = {}  # url -> (method, owner)
        self._pages: dict[str, set[str]] = {}  # resource slug -> page URLs fetched

    def count_page(self, slug: str, url: str) -> None:
        self._pages.setdefault(slug, set()).add(url)

    def claim(self, url: str, *, slug: str, wants_anchors: bool, may_follow: bool, max_pages: int,
              owner: str) -> Claim | None:
        previous = self._planned.get(url)
        pages = self._pages.setdefault(slug, set())
        claim = decide(previous[0] if previous else None, wants_anchors=wants_anchors,
                       may_follow=may_follow, pages=len(pages), max_pages=max_pages)
        if claim is not None:
            self._planned[url] = (claim.method, owner)
            if claim.follow:
                pages.add(url)
        return claim


class LinkPlanner:
    def __init__(self, state: PlanState | None = None) -> None:
        self.state: PlanState = state if state is not None else MemoryPlanState()

    def count_page(self, resource: Resource) -> None:
        """The resource page itself counts towards its max_pages."""
        self.state.count_page(resource.slug, resource.url)

    def plan(self, resource: Resource, links: PageLinks, depth: int, owner: str = "") -> PagePlan:
        sources: list[tuple[str, str]] = []
        skipped = Counter(links.skipped)
        tasks: list[LinkTask] = []
        include, exclude = resource.include_patterns, resource.exclude_patterns
        for link in links.links:
            if not url_allowed(link.url, include, exclude):
                skipped["excluded"] += 1
                continue
            sources.append((link.url, link.fragment or ""))
            task = self._task_for(resource, link.url, link.tag, bool(link.fragment), depth, owner)
            if task is not None:
                tasks.append(task)
        return PagePlan(sources, {k: v for k, v in skipped.items() if v}, tasks)

    def plan_urls(self, resource: Resource, urls: list[str], depth: int, owner: str = "") -> PagePlan:
        """Page URLs from elsewhere than a page (a sitemap), planned like links."""
        sources: list[tuple[str, str]] = []
        tasks: list[LinkTask] = []
        excluded = 0
        for url in urls:
            if not url_allowed(url, resource.include_patterns, resource.exclude_patterns):
                excluded += 1
                continue
            sources.append((url, ""))
            task = self._task_for(resource, url, "a", False, depth, owner)
            if task is not None:
                tasks.append(task)
        return PagePlan(sources, {"excluded": excluded} if excluded else {}, tasks)

    def _task_for(self, resource: Resource, url: str, tag: str, has_fragment: bool,
                  depth: int, owner: str) -> LinkTask | None:
        may_follow = tag in FOLLOWABLE_TAGS and depth < resource.depth and same_site(url, resource.url)
        claim = self.state.claim(url, slug=resource.slug, wants_anchors=resource.check_fragments and has_fragment,
                                 may_follow=may_follow, max_pages=resource.max_pages, owner=owner)
        if claim is None:
            return None
        return LinkTask(url, claim.method, resource, depth, follow=claim.follow, anchors=claim.anchors)
