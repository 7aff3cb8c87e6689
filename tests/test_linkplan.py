"""The link plan on its own: outcomes answered in many random orders over graphs
with paths of different lengths give the same followed pages, the same sources and
one request per URL. The truth is computed here by a plain breadth-first search."""

from __future__ import annotations

import random
from collections import deque
from urllib.parse import urlsplit

import pytest

from crawler.core.config import Resource
from crawler.core.items import LinkPageResult, LinkResult
from crawler.core.linkplan import (
    Fetch,
    LinkPlan,
    LinkRead,
    ResourceRead,
    Scope,
    SitemapFetch,
    SitemapRead,
    link_spelling,
)
from crawler.extract.links import InvalidLink, Link, PageLinks

SITE = "http://a.test"


def page(*hrefs: str, ids: tuple[str, ...] = (), invalid: tuple[str, ...] = ()) -> PageLinks:
    links = []
    for href in hrefs:
        url, _, fragment = href.partition("#")
        links.append(Link(url if "://" in url else SITE + url, fragment or None, "a", f"to {href}"))
    return PageLinks(tuple(links), anchors=frozenset(ids),
                     invalid=tuple(InvalidLink(h, "not a valid URL", "a", f"to {h}") for h in invalid))


class Web:
    """URL -> PageLinks for pages, or an HTTP status for anything else (404s, files)."""

    def __init__(self, pages: dict[str, PageLinks], statuses: dict[str, int] | None = None):
        self.pages = {(SITE + p if p.startswith("/") else p): v for p, v in pages.items()}
        self.statuses = statuses or {}

    def answer(self, url: str) -> tuple[int, PageLinks | None]:
        if url in self.pages:
            return 200, self.pages[url]
        return self.statuses.get(url, 200), None


def result(url: str, status: int, method: str, page: PageLinks | None) -> LinkResult:
    return LinkResult(url, "ok" if status < 400 else "broken", "2026-12-03T00:00:00Z", method,
                      http_status=status, final_url=url,
                      anchors=sorted(page.anchors) if page is not None else None)


class Driver:
    """Plays the spider: answers whichever outstanding request `rng` picks next."""

    def __init__(self, resources: list[Resource], web: Web, rng: random.Random):
        self.plan = LinkPlan(resources)
        self.web, self.rng = web, rng
        self.pending: list[object] = list(resources)
        self.fetches: list[Fetch] = []
        self.items: list[object] = []

    def run(self) -> Driver:
        while self.pending:
            job = self.pending.pop(self.rng.randrange(len(self.pending)))
            if isinstance(job, Resource):
                status, body = self.web.answer(job.url)
                outcome = ResourceRead(job.slug, (result(job.url, status, "GET", body),), body)
            elif isinstance(job, SitemapFetch):
                outcome = SitemapRead(job)
            else:
                status, body = self.web.answer(job.url)
                readable = body if job.method == "GET" and status < 400 else None
                outcome = LinkRead(job, result(job.url, status, job.method, readable), readable)
            for output in self.plan.apply(outcome):
                if isinstance(output, (Fetch, SitemapFetch)):
                    self.pending.append(output)
                    if isinstance(output, Fetch):
                        self.fetches.append(output)
                else:
                    self.items.append(output)
        assert self.plan.finished
        return self

    def followed(self) -> set[tuple[str, str, int]]:
        return {(i.resource_id, i.page, i.depth) for i in self.items if isinstance(i, LinkPageResult)}

    def results(self) -> dict[str, LinkResult]:
        """The stored result of each URL: a later answer (an upgrade to GET) replaces
        an earlier one, as in the link_checks table."""
        out: dict[str, LinkResult] = {}
        for item in self.items:
            if isinstance(item, LinkResult):
                out[item.url] = item
        return out


def in_folder(url: str, root: str) -> bool:
    """The reference's own scope rule, written apart from crawler's Scope: same host and
    port, path at or under the root's folder (the root here always ends in "/")."""
    here, there = urlsplit(url), urlsplit(root)
    return here.netloc == there.netloc and (here.path.rstrip("/") + "/").startswith(there.path)


def bfs(web: Web, root: str, depth: int, max_pages: int) -> set[tuple[str, int]]:
    """Pages within `depth` hops of `root`, closest first, ties in URL order, at most `max_pages`."""
    distance = {root: 0}
    queue = deque([root])
    while queue:
        url = queue.popleft()
        if distance[url] == depth:
            continue
        for link in web.pages[url].links:
            if link.url in web.pages and link.url not in distance and in_folder(link.url, root):
                distance[link.url] = distance[url] + 1
                queue.append(link.url)
    ranked = sorted(distance, key=lambda u: (distance[u], u))[:max_pages]
    return {(url, distance[url]) for url in ranked}


def generated_web(seed: int, pages: int = 60, links: int = 6, folder: str = "") -> Web:
    """A site whose pages link forward and back, so most pages have paths of several lengths.
    With a `folder`, the site's pages live under it, and pages outside it (one in a
    look-alike folder, "/docs-old" beside "/docs") link in and are linked to: reachable,
    but out of the resource's scope."""
    rng = random.Random(seed)
    site = {}
    outside = [f"/elsewhere/{k}" for k in range(3)] + [f"{folder}-old/{k}" for k in range(3)] if folder else []
    for number in range(pages):
        hrefs = [f"{folder}/p/{rng.randrange(pages)}" for _ in range(links)]
        hrefs += [f"{folder}/leaf/{number}-{k}" for k in range(3)] + [f"{folder}/missing"]
        if number + 1 < pages:
            hrefs.append(f"{folder}/p/{number + 1}")
        if outside:
            hrefs.append(rng.choice(outside))
        site[f"{folder}/" if number == 0 else f"{folder}/p/{number}"] = page(*hrefs)
    for path in outside:
        site[path] = page(*(f"{folder}/p/{rng.randrange(pages)}" for _ in range(3)))
    return Web(site, {SITE + f"{folder}/missing": 404})


@pytest.mark.parametrize("folder", ["", "/docs"])
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("depth,max_pages", [(1, 100), (2, 100), (3, 100), (3, 12)])
def test_followed_pages_are_the_breadth_first_set_whatever_the_order(seed, depth, max_pages, folder):
    web = generated_web(seed, folder=folder)
    root = SITE + folder + "/"
    resource = Resource("site", root, depth=depth, max_pages=max_pages)
    truth = {("site", url, d) for url, d in bfs(web, root, depth, max_pages)}
    if folder:
        assert any(not in_folder(url, root) for url in web.pages), "the web has pages out of scope"
    seen = []
    for order in range(5):
        driver = Driver([resource], web, random.Random(seed * 100 + order)).run()
        assert driver.followed() == truth
        urls = [f.url for f in driver.fetches]
        assert len(urls) == len(set(urls)), "a URL was requested twice"
        seen.append((driver.followed(), sorted(driver.results())))
    assert all(s == seen[0] for s in seen)


def test_a_page_reached_late_by_a_short_path_is_followed():
    # "/deep" is 3 hops away through a chain and 1 hop away directly; whichever
    # answer comes first, it is followed at depth 1 and its link is checked.
    web = Web({"/": page("/a", "/deep"), "/a": page("/b"), "/b": page("/deep"), "/deep": page("/only-from-deep")})
    resource = Resource("site", SITE + "/", depth=1)
    for seed in range(20):
        driver = Driver([resource], web, random.Random(seed)).run()
        assert ("site", SITE + "/deep", 1) in driver.followed()
        assert SITE + "/only-from-deep" in driver.results()


def test_max_pages_keeps_the_closest_pages_in_url_order():
    web = Web({"/": page("/z", "/y", "/x"), "/z": page("/a"), "/y": page(), "/x": page(), "/a": page()})
    resource = Resource("site", SITE + "/", depth=2, max_pages=3)
    driver = Driver([resource], web, random.Random(1)).run()
    assert driver.followed() == {("site", SITE + "/", 0), ("site", SITE + "/x", 1), ("site", SITE + "/y", 1)}


def test_the_resource_page_is_not_requested_again_for_links_to_itself():
    web = Web({"/": page("/", "/#missing", "/#present", ids=("present",))})
    resource = Resource("site", SITE + "/", check_fragments=True)
    driver = Driver([resource], web, random.Random(0)).run()
    assert driver.fetches == []
    own = driver.results()[SITE + "/"]
    assert own.anchors == ["present"]  # the #fragment verdicts are decided on these
    (sources,) = [i.sources for i in driver.items if isinstance(i, LinkPageResult)]
    assert sorted(sources) == [(SITE + "/", "", "to /"), (SITE + "/", "missing", "to /#missing"),
                               (SITE + "/", "present", "to /#present")]  # each with its link text


@pytest.mark.parametrize("seed", range(10))
def test_a_fragment_link_gets_the_target_ids_whatever_came_first(seed):
    # /doc is linked plainly on one page and with #frag on another; /other-site/doc
    # (not a page this resource follows) too. One request each, with GET.
    other = "http://b.test/doc"
    web = Web({"/": page("/one", "/two"), "/one": page("/doc", other), "/two": page("/doc#frag", other + "#x"),
               "/doc": page(ids=("frag",)), other: page(ids=("x",))})
    resource = Resource("site", SITE + "/", depth=1, check_fragments=True)
    driver = Driver([resource], web, random.Random(seed)).run()
    by_url = {f.url: f for f in driver.fetches}
    assert by_url[SITE + "/doc"].method == "GET" and by_url[other].method == "GET"
    assert len(driver.fetches) == len(by_url)
    results = driver.results()
    assert results[SITE + "/doc"].anchors == ["frag"] and results[other].anchors == ["x"]


@pytest.mark.parametrize("seed", range(10))
def test_a_fragment_link_one_level_down_upgrades_a_plain_check_once(seed):
    other = "http://b.test/doc"
    web = Web({"/": page("/one", other), "/one": page(other + "#x", other + "#y"), other: page(ids=("x",))})
    driver = Driver([Resource("site", SITE + "/", depth=1, check_fragments=True)], web, random.Random(seed)).run()
    assert sorted((f.method, f.seq) for f in driver.fetches if f.url == other) == [("GET", 1), ("HEAD", 0)]
    assert driver.results()[other].anchors == ["x"]


def test_a_head_answer_arriving_after_its_upgrade_is_dropped():
    # `plain` links /x plainly (HEAD); `frags` then wants its ids: upgraded to GET;
    # the HEAD answer comes last and must not replace the GET's result.
    x = "http://b.test/x"
    web = Web({"/": page(x), "/f/": page(x + "#s"), x: page(ids=("s",))})
    plan = LinkPlan([Resource("plain", SITE + "/"), Resource("frags", SITE + "/f/", check_fragments=True)])
    root, frags = web.pages[SITE + "/"], web.pages[SITE + "/f/"]
    (head,) = [o for o in plan.apply(ResourceRead("plain", (result(SITE + "/", 200, "GET", root),), root))
               if isinstance(o, Fetch)]
    assert (head.url, head.method) == (x, "HEAD")
    (upgrade,) = [o for o in plan.apply(ResourceRead("frags", (result(SITE + "/f/", 200, "GET", frags),), frags))
                  if isinstance(o, Fetch)]
    assert (upgrade.url, upgrade.method, upgrade.seq) == (x, "GET", 1)
    answered = plan.apply(LinkRead(upgrade, result(x, 200, "GET", web.pages[x]), web.pages[x]))
    assert [r.anchors for r in answered if isinstance(r, LinkResult)] == [["s"]]
    assert plan.apply(LinkRead(head, result(x, 200, "HEAD", None))) == []
    assert plan.finished


def test_a_url_two_resources_reach_is_listed_under_both_and_requested_once():
    web = Web({"/": page("/shared/page"), "/b/": page("/shared/page", "/b/1"), "/b/1": page("/shared/page"),
               "/shared/page": page("/shared/leaf")})
    one = Resource("one", SITE + "/", depth=1)
    two = Resource("two", SITE + "/b/", depth=2)
    for seed in range(10):
        driver = Driver([one, two], web, random.Random(seed)).run()
        sources = {(i.resource_id, url) for i in driver.items if isinstance(i, LinkPageResult) for url, _, _ in i.sources}
        assert ("one", SITE + "/shared/page") in sources and ("two", SITE + "/shared/page") in sources
        assert [f.url for f in driver.fetches].count(SITE + "/shared/page") == 1
        # followed for `one` (in scope, 1 hop); not for `two` (outside /b/)
        assert ("one", SITE + "/shared/page", 1) in driver.followed()
        assert ("one", SITE + "/shared/leaf") in sources


def test_a_page_one_resource_read_deep_is_followed_shallow_for_another_without_a_request():
    # `deep` reaches /s/p at depth 2, `near` at depth 1; the page is read once and
    # followed for both, at each one's own depth.
    web = Web({"/": page("/s/"), "/s/": page("/s/p"), "/s/p": page("/s/leaf"), "/n/": page(SITE + "/s/p")})
    deep = Resource("deep", SITE + "/", depth=2)
    near = Resource("near", SITE + "/n/", depth=1)
    for seed in range(10):
        driver = Driver([deep, near], web, random.Random(seed)).run()
        assert ("deep", SITE + "/s/p", 2) in driver.followed()
        assert [f.url for f in driver.fetches].count(SITE + "/s/p") == 1
        near_sources = {url for i in driver.items if isinstance(i, LinkPageResult) and i.resource_id == "near"
                        for url, _, _ in i.sources}
        assert SITE + "/s/p" in near_sources
        assert not any(p == SITE + "/s/p" and r == "near" for r, p, _ in driver.followed())  # outside /n/


def test_invalid_hrefs_are_links_with_result_invalid_once():
    web = Web({"/": page("/a", invalid=("http://",)), "/a": page(invalid=("http://",))})
    driver = Driver([Resource("site", SITE + "/", depth=1)], web, random.Random(0)).run()
    invalid = driver.results()["http://"]
    assert (invalid.result, invalid.error) == ("invalid", "not a valid URL")
    pages_listing_it = {i.page for i in driver.items if isinstance(i, LinkPageResult) if ("http://", "", "to http://") in i.sources}
    assert pages_listing_it == {SITE + "/", SITE + "/a"}


def test_a_redirect_to_another_site_is_not_followed():
    web = Web({"/": page("/moved"), "/moved": page("/x")})
    plan = LinkPlan([Resource("site", SITE + "/", depth=2)])
    root = web.pages[SITE + "/"]
    (fetch,) = [o for o in plan.apply(ResourceRead("site", (result(SITE + "/", 200, "GET", root),), root))
                if isinstance(o, Fetch)]
    moved = LinkResult(fetch.url, "redirected", "t", "GET", http_status=200, final_url="http://elsewhere.test/")
    outputs = plan.apply(LinkRead(fetch, moved, web.pages[SITE + "/moved"]))
    assert not any(isinstance(o, LinkPageResult) for o in outputs)
    assert plan.finished


@pytest.mark.parametrize(
    ("url", "root", "expected"),
    [
        ("https://ex.org/docs/a", "https://ex.org/docs/", True),
        ("http://EX.org/docs/a", "https://ex.org/docs/", True),  # scheme-agnostic
        ("https://ex.org:443/docs/", "http://ex.org/docs/", True),  # default ports
        ("https://ex.org/docs", "https://ex.org/docs/", True),  # the folder itself
        ("https://ex.org/docs/x", "https://ex.org/docs/index.html", True),
        ("https://ex.org/docs/x", "https://ex.org/docs", True),  # no slash: folder
        ("https://ex.org/docsearch", "https://ex.org/docs", False),
        ("https://ex.org/blog/", "https://ex.org/docs/", False),
        ("https://ex.org/", "https://ex.org", True),
        ("https://www.ex.org/", "https://ex.org/", False),  # www is another host
        ("https://sub.ex.org/", "https://ex.org/", False),
        ("http://ex.org:8080/", "http://ex.org/", False),
        ("http://[::1]:8080/a", "http://[::1]:8080/", True),
        ("mailto:a@ex.org", "https://ex.org/", False),
        ("ftp://ex.org/", "https://ex.org/", False),
        ("http://[::1/", "https://ex.org/", False),
        ("", "https://ex.org/", False),
    ],
)
def test_scope(url: str, root: str, expected: bool) -> None:
    """The rule a resource's depth follows (links arrive spelled by the extractor)."""
    assert Scope(root).contains(link_spelling(url)) is expected
