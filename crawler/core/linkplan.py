"""Which URLs to request, and which pages to follow: one run's link plan.

Pure Python, no Scrapy. The spider (or, in distributed mode, the coordinator)
tells the plan what each response held (an *outcome*) and makes the requests
the plan answers with; the plan never waits on anything itself.

Two things are kept apart:

* **fetching** -- each URL is requested once per run, with GET when its body
  may be needed (a page some resource may follow, or a page whose ids decide
  ``#fragment`` links) and HEAD otherwise. A URL first requested with HEAD and
  needed whole later is *upgraded*: requested again with GET, and the HEAD
  answer, whenever it arrives, is dropped.
* **following** -- planning a page's links for a resource. Each resource walks
  its site breadth first, level by level: level 0 is the resource page; level
  d+1 is chosen only once every level-d candidate has been read, so it is
  exactly the set of same-site pages whose shortest link distance is d+1,
  whatever order responses arrive in. When ``max_pages`` cuts a level, the
  pages kept are the first in URL order. A page already read (for another
  resource, or as a link) is followed from what was read, never requested again.

A resource's walk moves through these states:

* waiting   -- for its own page, for the candidates of its current level, or
  for its sitemaps;
* following -- the level's pages are chosen and their links planned at once
  (all sightings of the level merged, so a URL linked plainly on one page and
  with ``#fragment`` on another is requested once, with GET);
* finished  -- ``depth`` levels are followed, or nothing is left to follow.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.core.items import LinkPageResult, LinkResult
from crawler.core.vocabulary import HEALTHY, LinkVerdict
from crawler.extract.links import url_allowed
from crawler.extract.urls import WEB_SCHEMES

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.core.config import Resource
    from crawler.extract.links import PageLinks

# Tags whose targets are documents a visitor navigates to: the only links followed.
FOLLOWABLE_TAGS = frozenset({"a", "area"})
PAGE_PRIORITY = 1  # candidate pages first: a level is chosen once they are all read


# -- what the plan asks for -------------------------------------------------------------


@dataclass(frozen=True)
class Fetch:
    """One request of a link URL.

    ``read``: the body's links are wanted (the URL may be a page to follow);
    ``anchors``: its ids are wanted (for #fragment verdicts); either means GET.
    ``seq`` numbers the requests of one URL: an answer to an older one is dropped.
    """

    url: str
    method: str  # "HEAD" or "GET"
    read: bool = False
    anchors: bool = False
    seq: int = 0
    priority: int = 0


@dataclass(frozen=True)
class SitemapFetch:
    """One request of a resource's robots.txt (to find its sitemaps) or sitemap."""

    resource: str  # slug
    url: str
    level: int = 0  # how many sitemap indexes led here


# -- what the caller tells the plan --------------------------------------------------------


@dataclass(frozen=True)
class ResourceRead:
    """A resource's own check: its result as a link (for the URL and, after
    redirects, its final URL) and the page, when it is a page we can read."""

    resource: str  # slug
    results: tuple[LinkResult, ...]
    page: PageLinks | None = None


@dataclass(frozen=True)
class LinkRead:
    """The answer to a Fetch: its result, and the page when the body was read as one
    (HTML, answered 2xx, or 304 with what an earlier run read)."""

    fetch: Fetch
    result: LinkResult
    page: PageLinks | None = None


@dataclass(frozen=True)
class SitemapRead:
    """What a SitemapFetch found: more sitemaps to read, and page URLs listed."""

    fetch: SitemapFetch
    sitemaps: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()


Outcome = ResourceRead | LinkRead | SitemapRead
Output = Fetch | SitemapFetch | LinkResult | LinkPageResult


# -- the scope of a resource ----------------------------------------------------------------


class Scope:
    """The same-site test of one resource, for URLs spelled as the link extractor
    spells them (lower-case host, no default port): same host and port, http and
    https alike, under the resource's directory (see scope_dir). ``www.`` is not
    folded: ``example.org`` and ``www.example.org`` are two sites.

    >>> scope = Scope("https://Ex.org/docs/index.html")
    >>> [scope.contains(u) for u in ("http://ex.org/docs/a", "https://ex.org/docs", "https://ex.org/blog/")]
    [True, True, False]
    """

    def __init__(self, root_url: str) -> None:
        spelled = link_spelling(root_url)
        self.netloc = netloc_of(spelled) or None
        path = spelled.split("://", 1)[-1].partition("/")[2]
        self.dir = scope_dir("/" + path.partition("?")[0])

    def contains(self, url: str) -> bool:
        if self.netloc is None:
            return False
        return _under(url, self.netloc, self.dir)


def scope_dir(path: str) -> str:
    """The directory a root URL stands for.

    A last segment with a dot is a file (its folder is the scope); without one it
    is taken as a folder even when the trailing slash is missing, because people
    write ``https://example.org/docs`` to mean the docs section.

    >>> scope_dir("/docs/index.html"), scope_dir("/docs"), scope_dir("")
    ('/docs/', '/docs/', '/')
    """
    if not path or path == "/":
        return "/"
    head, _, last = path.rpartition("/")
    if "." in last:
        return head + "/"
    return path if path.endswith("/") else path + "/"


def netloc_of(url: str) -> str:
    """The host[:port] of an extractor-spelled URL, userinfo dropped.

    >>> netloc_of("http://u@EX.org:81/a?b")
    'EX.org:81'
    """
    return url.split("/", 3)[2].rpartition("@")[2] if "://" in url else ""


def _under(url: str, netloc: str, directory: str) -> bool:
    scheme, _, rest = url.partition("://")
    if scheme not in WEB_SCHEMES:
        return False
    authority, slash, tail = rest.partition("/")
    if authority.rpartition("@")[2] != netloc:
        return False
    path = slash + tail.partition("?")[0] or "/"
    return path.startswith(directory) or path + "/" == directory


def link_spelling(url: str) -> str:
    """A URL spelled as the link extractor spells the links it finds, so a
    resource's own URL and links to it are one key.

    >>> link_spelling("HTTPS://Example.org")
    'https://example.org/'
    """
    from crawler.extract.urls import InvalidURL, resolve_url

    try:
        return resolve_url(url).partition("#")[0]
    except InvalidURL:
        return url


# -- the plan ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Fetched:
    """What the run knows of one URL: how it was (or is being) requested, and as
    much of its answer as planning needs (tens of thousands are held at once)."""

    method: str
    read: bool
    anchors: bool
    seq: int = 0
    done: bool = False
    sighted: bool = True  # linked from some page (a resource URL may only be checked)
    healthy: bool = False  # answered ok or redirected: a body that can be read again
    read_at: str = ""  # when it was answered
    result: LinkResult | None = None  # kept only until a resource URL is first linked
    page: PageLinks | None = None  # kept while a resource on its site may follow it
    final_url: str | None = None


@dataclass
class _Walk:
    resource: Resource
    scope: Scope
    level: int = -1  # the level last followed; -1 until the resource page is read
    followed: set[str] = field(default_factory=set)  # requested URLs of the pages followed
    finals: set[str] = field(default_factory=set)  # their final URLs (two links may redirect to one page)
    candidates: set[str] = field(default_factory=set)  # same-site pages sighted for the next level
    waiting: set[str] = field(default_factory=set)  # candidates not read yet
    sitemaps: int = 0  # sitemap requests not answered yet
    finished: bool = False


class LinkPlan:
    """One run's plan over all resources (see the module docstring)."""

    def __init__(self, resources: Iterable[Resource], *, keep_anchors: bool | None = None) -> None:
        self.resources = {resource.slug: resource for resource in resources}
        self._walks = {slug: _Walk(r, Scope(r.url)) for slug, r in self.resources.items()}
        self._urls: dict[str, _Fetched] = {}
        self._waiters: dict[str, list[_Walk]] = {}
        self._invalid: set[str] = set()
        # The link results this plan will yield, for a progress display to compare with
        # those stored: one per URL linked from a page (and one more when an answered URL
        # is requested again, upgraded to GET), and one per invalid href.
        self.links_planned = 0
        self._pages: dict[str, list[_Fetched]] = {}  # read pages by site, to let go of when its walks end
        # resources that follow pages, by host: a link there may be some resource's page
        self._followers: dict[str, list[_Walk]] = {}
        for walk in self._walks.values():
            if walk.resource.depth > 0 and walk.scope.netloc:
                self._followers.setdefault(walk.scope.netloc, []).append(walk)
        # every page read keeps its ids when any resource checks fragments, so a
        # #fragment verdict never depends on whether the plain link came first
        self.keep_anchors = (any(r.check_fragments for r in self.resources.values())
                             if keep_anchors is None else keep_anchors)
        self.read_assets = any(r.check_assets for r in self.resources.values())
        self._own = {slug: link_spelling(r.url) for slug, r in self.resources.items()}
        for url in self._own.values():  # checked by the resource's own request
            self._urls.setdefault(url, _Fetched("GET", read=True, anchors=True, sighted=False))

    # -- outcomes in, outputs out

    def apply(self, outcome: Outcome) -> list[Output]:
        if isinstance(outcome, LinkRead):
            return self.link_read(outcome)
        if isinstance(outcome, ResourceRead):
            return self.resource_read(outcome)
        return self.sitemap_read(outcome)

    def resource_read(self, outcome: ResourceRead) -> list[Output]:
        out: list[Output] = []
        walk = self._walks[outcome.resource]
        final_url = outcome.results[-1].final_url or outcome.results[0].url
        for result in outcome.results:
            state = self._urls.setdefault(result.url, _Fetched("GET", read=True, anchors=True, sighted=False))
            if not state.done and state.seq == 0 and state.method == "GET":
                self._answer(state, result, outcome.page, final_url, out)
        if outcome.page is None or walk.finished:
            self._finish(walk)
            return out
        walk.level = 0
        walk.followed.add(self._own[outcome.resource])
        walk.finals.add(final_url)
        wants: dict[str, list[bool]] = {}
        self._follow(walk, final_url, outcome.page, 0, outcome.results[0].checked_at, wants, out)
        if walk.resource.depth > 0 and walk.resource.sitemap:
            walk.sitemaps += 1
            out.append(SitemapFetch(walk.resource.slug, site_root(walk.resource.url) + "/robots.txt"))
        self._request(wants, out)
        self._await_candidates(walk)
        self._wait(walk, out)
        return out

    def link_read(self, outcome: LinkRead) -> list[Output]:
        fetch = outcome.fetch
        state = self._urls.get(fetch.url)
        if state is None or state.seq != fetch.seq or state.done:
            return []  # an answer to a request superseded by an upgrade
        out: list[Output] = []
        self._answer(state, outcome.result, outcome.page if fetch.read else None,
                     outcome.result.final_url or fetch.url, out)
        return out

    def sitemap_read(self, outcome: SitemapRead) -> list[Output]:
        fetch = outcome.fetch
        walk = self._walks[fetch.resource]
        out: list[Output] = []
        walk.sitemaps -= 1
        if not walk.finished:
            for url in outcome.sitemaps:
                walk.sitemaps += 1
                out.append(SitemapFetch(walk.resource.slug, url, fetch.level + 1))
            pages = [url for url in outcome.pages if walk.scope.contains(url)]
            if pages:
                wants: dict[str, list[bool]] = {}
                sources: list[tuple[str, str, str]] = []
                excluded = 0
                for url in pages:
                    if not url_allowed(url, walk.resource.include_patterns, walk.resource.exclude_patterns):
                        excluded += 1
                        continue
                    sources.append((url, "", ""))
                    if url not in walk.followed:
                        walk.candidates.add(url)
                    self._want(wants, url, read=True, anchors=False)
                out.append(LinkPageResult(walk.resource.slug, fetch.url, 0, sources,
                                          {"excluded": excluded} if excluded else {}))
                self._request(wants, out)
                self._await_candidates(walk)
        self._wait(walk, out)
        return out

    @property
    def finished(self) -> bool:
        return all(walk.finished for walk in self._walks.values())

    # -- inside

    def _answer(self, state: _Fetched, result: LinkResult, page: PageLinks | None, final_url: str,
                out: list[Output]) -> None:
        """Record the answer for a URL, emit its result once linked, wake its waiters."""
        state.done, state.page, state.final_url = True, page, final_url
        state.healthy, state.read_at = result.result in HEALTHY, result.checked_at
        if state.sighted:
            out.append(result)
        else:
            state.result = result  # emitted when a page links to it
        if page is not None:
            self._pages.setdefault(netloc_of(result.url), []).append(state)
        for walk in self._waiters.pop(result.url, ()):
            walk.waiting.discard(result.url)
            self._wait(walk, out)

    def _follow(self, walk: _Walk, page_url: str, page: PageLinks, depth: int, read_at: str,
                wants: dict[str, list[bool]], out: list[Output]) -> None:
        """Plan the links of one page of `walk` at `depth`: record where they are,
        gather the next level's candidates and what each URL must be fetched for."""
        resource = walk.resource
        include, exclude = resource.include_patterns, resource.exclude_patterns
        filtered = bool(include or exclude)
        may_follow = depth < resource.depth
        fragments = resource.check_fragments
        sources: list[tuple[str, str, str]] = []
        skipped = Counter(page.skipped)
        for link in page.links:
            tag = link.tag
            navigational = tag in FOLLOWABLE_TAGS
            if not navigational and not resource.check_assets:
                continue
            url = link.url
            if filtered and not url_allowed(url, include, exclude):
                skipped["excluded"] += 1
                continue
            sources.append((url, link.fragment or "", link.text))
            follow = may_follow and navigational and walk.scope.contains(url)
            if follow and url not in walk.followed:
                walk.candidates.add(url)
            read = follow or (navigational and self._may_be_page(url, walk))
            self._want(wants, url, read=read, anchors=fragments and bool(link.fragment))
        for invalid in page.invalid:
            if filtered and not url_allowed(invalid.href, include, exclude):
                skipped["excluded"] += 1
                continue
            sources.append((invalid.href, "", invalid.text))
            if invalid.href not in self._invalid:
                self._invalid.add(invalid.href)
                self.links_planned += 1
                out.append(LinkResult(invalid.href, LinkVerdict.INVALID, read_at, "none", error=invalid.reason))
        out.append(LinkPageResult(resource.slug, page_url, depth, sources,
                                  {k: v for k, v in skipped.items() if v}))

    def _may_be_page(self, url: str, walk: _Walk) -> bool:
        """Could another resource on this site still follow `url`? Then its body is
        read now, so it is never requested twice. (Resources on one site often
        overlap; a page of another site that its own resource reaches later is
        rare, and is upgraded to a GET then rather than read for every link.)"""
        netloc = netloc_of(url)
        if netloc != walk.scope.netloc:
            return False
        for other in self._followers.get(netloc, ()):
            if other is not walk and not other.finished and other.scope.contains(url):
                return True
        return False

    @staticmethod
    def _want(wants: dict[str, list[bool]], url: str, *, read: bool, anchors: bool) -> None:
        need = wants.get(url)
        if need is None:
            wants[url] = [read, anchors]
        else:
            need[0] |= read
            need[1] |= anchors

    def _request(self, wants: dict[str, list[bool]], out: list[Output]) -> None:
        """Turn the merged needs of a level into requests: new URLs, and upgrades of
        URLs requested with less than is now needed."""
        for url, (read, anchors) in wants.items():
            anchors = anchors or (self.keep_anchors and read)
            state = self._urls.get(url)
            if state is None:
                get = read or anchors
                state = self._urls[url] = _Fetched("GET" if get else "HEAD", read, anchors)
                self.links_planned += 1
                out.append(Fetch(url, state.method, read, anchors, 0, PAGE_PRIORITY if read else 0))
                continue
            if not state.sighted:  # a resource URL, now also a link
                state.sighted = True
                self.links_planned += 1
                if state.done and state.result is not None:
                    out.append(state.result)
                    state.result = None
            if (read and not state.read) or (anchors and not state.anchors and state.method == "HEAD"):
                if state.done and not state.healthy:
                    continue  # it failed already: its body is not there to read
                self.links_planned += state.done  # answered already: a second result will come
                state.method, state.read, state.anchors = "GET", state.read or read, state.anchors or anchors
                state.seq += 1
                state.done = False
                out.append(Fetch(url, "GET", state.read, state.anchors, state.seq,
                                 PAGE_PRIORITY if state.read else 0))

    def _wait(self, walk: _Walk, out: list[Output]) -> None:
        """Advance `walk` level by level while nothing it needs is outstanding."""
        while not walk.finished and walk.level >= 0 and not walk.waiting and not walk.sitemaps:
            if walk.level >= walk.resource.depth or not walk.candidates:
                self._finish(walk)
                return
            level = walk.level + 1
            room = walk.resource.max_pages - len(walk.followed)
            chosen: list[tuple[str, PageLinks, str, str]] = []  # url, page, final url, read at
            for url in sorted(walk.candidates):
                if len(chosen) >= room:
                    break
                state = self._urls[url]
                final_url = state.final_url or url
                if state.page is None or final_url in walk.finals or not walk.scope.contains(final_url):
                    continue
                walk.finals.add(final_url)
                chosen.append((url, state.page, final_url, state.read_at))
            walk.candidates = set()
            walk.level = level
            wants: dict[str, list[bool]] = {}
            for url, _, _, _ in chosen:
                walk.followed.add(url)
            for _, page, final_url, read_at in chosen:
                self._follow(walk, final_url, page, level, read_at, wants, out)
            self._request(wants, out)
            self._await_candidates(walk)

    def _await_candidates(self, walk: _Walk) -> None:
        """The next level is chosen once every candidate sighted so far is read."""
        walk.waiting = {url for url in walk.candidates if not self._urls[url].done}
        for url in walk.waiting:
            self._waiters.setdefault(url, []).append(walk)

    def _finish(self, walk: _Walk) -> None:
        walk.finished = True
        walk.candidates, walk.waiting = set(), set()
        # pages are followed only by walks of their own site: once all of those are
        # done, what was read there is no longer needed
        netloc = walk.scope.netloc
        if netloc is not None and all(w.finished for w in self._walks.values() if w.scope.netloc == netloc):
            for state in self._pages.pop(netloc, ()):
                state.page = None


def site_root(url: str) -> str:
    """
    >>> site_root("https://a.example:8443/x/y?z")
    'https://a.example:8443'
    """
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0].split('#', 1)[0]}"

