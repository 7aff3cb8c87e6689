"""Link health end to end: a generated local web of dozens of pages and hundreds of
links on four loopback hosts, crawled by the real CLI, then a second run (conditional
requests) and a third (`--fast --fail-on resources`) on a copy of its database.
Every assertion is on what the servers saw, the stored rows or status.json."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import CliResult, by_name, load_status, refused_port, run_cli, write_config

pytestmark = pytest.mark.crawl

PAGES = 30  # /site/p/0 .. /site/p/29, all linked from /site/
MAX_PAGES = 25  # the resource page + 24 followed pages
# All 30 pages are one hop away: max_pages keeps the first 24 in URL order, whatever answers first.
FOLLOWED = sorted(range(PAGES), key=lambda i: f"/site/p/{i}")[: MAX_PAGES - 1]
NOT_FOLLOWED = sorted(set(range(PAGES)) - set(FOLLOWED))
LEAVES = 8  # unique links per site page
SHARED = 5  # /shared/0 .. /shared/4: on every site page
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"


class Seen(NamedTuple):
    method: str
    path: str
    if_none_match: str | None
    status: int
    at: float


class Host:
    """One loopback host of the test web: answers through `route` after `delay`
    seconds, logs every request and counts how many were in flight at once."""

    def __init__(self, address: str, route: Callable[[Request], Response], delay: float = 0.0):
        self.route, self.delay = route, delay
        self.log: list[Seen] = []
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        self.server = HTTPServer(host=address, port=0, threaded=True)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._handle)
        self.server.start()

    def _handle(self, request: Request) -> Response:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            response = self.route(request)
        finally:
            with self.lock:
                self.in_flight -= 1
        with self.lock:
            self.log.append(Seen(request.method, request.path, request.headers.get("If-None-Match"),
                                 response.status_code, time.monotonic()))
        return response

    def url(self, path: str) -> str:
        return f"http://{self.server.host}:{self.server.port}{path}"

    def requests(self, path: str, log: list[Seen] | None = None) -> list[Seen]:
        return [seen for seen in (self.log if log is None else log) if seen.path == path]

    def stop(self) -> None:
        self.server.clear()
        self.server.stop()


def html(body: str, status: int = 200, **headers: str) -> Response:
    return Response(f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>",
                    status=status, content_type="text/html; charset=utf-8", headers=headers)


def cacheable(request: Request, tag: str) -> Response:
    """200 with an ETag; 304 and no body when the client already has it."""
    etag = f'"{tag}"'
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers={"ETag": etag})
    return html(f"<p>{tag}</p>", ETag=etag)


def links(*hrefs: str) -> str:
    return "".join(f'<a href="{href}">{href}</a> ' for href in hrefs)


class Web:
    """The generated web. `main` (127.0.0.1) carries the resources and most links;
    `hostile` answers HEAD with 405/403 and GET with 200; `walls` refuses crawlers
    (429 with Retry-After, 999, a Cloudflare challenge); `other` is another host the
    depth-1 crawl must not follow."""

    def __init__(self) -> None:
        self.main = Host("127.0.0.1", self._main, delay=0.01)
        self.hostile = Host("127.0.0.2", self._hostile, delay=0.01)
        self.walls = Host("127.0.0.3", self._walls)
        self.other = Host("127.0.0.4", self._other)
        self.closed = f"http://127.0.0.1:{refused_port()}/nothing-listens"

    def hosts(self) -> list[Host]:
        return [self.main, self.hostile, self.walls, self.other]

    # -- pages ------------------------------------------------------------------

    def site_index(self) -> str:
        return links(*(f"/site/p/{i}" for i in range(PAGES)), self.other.url("/site/elsewhere"),
                     *(f"/shared/{k}" for k in range(SHARED)))

    @staticmethod
    def site_page(i: int) -> str:
        hrefs = [f"/leaf/{i}-{j}" for j in range(LEAVES)] + [f"/shared/{k}" for k in range(SHARED)]
        hrefs += ["/shared/missing", f"/site/p/{(i + 1) % PAGES}"]
        if i % 6 == 0:
            hrefs.append("/private/secret")
        return links(*hrefs)

    def errors_page(self) -> str:
        return links("/gone/404", "/gone/410", "/gone/500", "/shared/missing", "/shared/0", self.closed,
                     "mailto:someone@example.org", "tel:+3225550100", "javascript:void(0)")

    def hosts_page(self) -> str:
        return links(self.hostile.url("/h405/doc"), self.hostile.url("/h403/doc"),
                     self.walls.url("/ratelimited"), self.walls.url("/linkedin"), self.walls.url("/challenge"),
                     "/chain/start", "/private/secret", "/shared/0")

    # -- routes -----------------------------------------------------------------

    def _main(self, request: Request) -> Response:
        path = request.path
        page = re.fullmatch(r"/site/p/(\d+)", path)
        fixed = {
            "/site/": self.site_index,
            "/errors/": self.errors_page,
            "/hosts/": self.hosts_page,
            "/anchors/": lambda: links("/doc/target#present", "/doc/target#missing", "/shared/1"),
            "/based/page.html": lambda: '<base href="/basedir/sub/">' + links("rel.html", "../up.html"),
            "/doc/target": lambda: '<h2 id="present">Here</h2><p>text</p>',
            "/basedir/sub/rel.html": lambda: "<p>relative to base</p>",
            "/basedir/up.html": lambda: "<p>one level up from base</p>",
            "/chain/end": lambda: "<p>end of the chain</p>",
        }
        if path == "/robots.txt":
            return Response(ROBOTS_TXT, content_type="text/plain")
        if page and int(page.group(1)) < PAGES:  # pages carry an ETag too: a 304 has no links to read
            number = int(page.group(1))
            if request.headers.get("If-None-Match") == f'"page-{number}"':
                return Response(status=304, headers={"ETag": f'"page-{number}"'})
            return html(self.site_page(number), ETag=f'"page-{number}"')
        if path in fixed:
            return html(fixed[path]())
        if re.fullmatch(r"/leaf/\d+-\d+|/shared/\d+", path):
            return cacheable(request, path.strip("/").replace("/", "-"))
        if path == "/chain/start":
            return Response(status=301, headers={"Location": "/chain/mid"})
        if path == "/chain/mid":
            return Response(status=302, headers={"Location": "/chain/end"})
        if path == "/gone/410":
            return html("gone", status=410)
        if path == "/gone/500":
            return html("oops", status=500)
        return html("not found", status=404)

    @staticmethod
    def _hostile(request: Request) -> Response:
        if request.method == "HEAD":
            return html("no HEAD here", status=405 if request.path.startswith("/h405/") else 403)
        return html("<p>fine with GET</p>") if request.path != "/robots.txt" else html("", status=404)

    @staticmethod
    def _walls(request: Request) -> Response:
        if request.path == "/ratelimited":
            return html("slow down", status=429, **{"Retry-After": "1"})
        if request.path == "/linkedin":
            return Response("", status=999)
        if request.path == "/challenge":
            return html("<p>checking your browser</p>", status=403, **{"cf-mitigated": "challenge"})
        return html("", status=404)

    @staticmethod
    def _other(request: Request) -> Response:
        if request.path == "/site/elsewhere":
            return html(links("/other-leaf"))
        return html("", status=404)


def _snapshot(hosts: list[Host]) -> dict[str, list[Seen]]:
    return {host.server.host: list(host.log) for host in hosts}


def _run(folder: Path, *extra: str) -> tuple[CliResult, Path]:
    out = folder / "out"
    result = run_cli("run", "--config", str(folder / "resources.yaml"), "--db", str(out / "health.db"),
                     "--out", str(out), *extra)
    return result, out


@pytest.fixture(scope="module")
def web():
    site = Web()
    yield site
    for host in site.hosts():
        host.stop()


@pytest.fixture(scope="module")
def crawl(web: Web, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("links")
    main = web.main.url
    write_config(folder / "resources.yaml", [
        {"name": "site", "url": main("/site/"), "depth": 1, "max_pages": MAX_PAGES},
        {"name": "errors", "url": main("/errors/")},
        {"name": "hosts", "url": main("/hosts/")},
        {"name": "anchors", "url": main("/anchors/"), "check_fragments": True},
        {"name": "based", "url": main("/based/page.html")},
    ], block_private_addresses=False, concurrency_per_host=2, retries=1, retry_backoff=0.05, timeout=5)
    result, out = _run(folder)
    status = load_status(out) if (out / "status.json").exists() else None
    return {"result": result, "out": out, "status": status, "folder": folder,
            "seen": _snapshot(web.hosts()), "max_in_flight": {h.server.host: h.max_in_flight for h in web.hosts()}}


@pytest.fixture(scope="module")
def resources(crawl) -> dict[str, dict]:
    assert crawl["status"] is not None, crawl["result"].stderr
    return by_name(crawl["status"])


@pytest.fixture(scope="module")
def db(crawl):
    conn = sqlite3.connect(crawl["out"] / "health.db")
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def checks(db) -> dict[str, sqlite3.Row]:
    return {row["url"]: row for row in db.execute("SELECT * FROM link_checks WHERE run_id = 1")}


@pytest.fixture(scope="module")
def later_runs(crawl, web: Web, tmp_path_factory: pytest.TempPathFactory):
    """Run 2 (plain) and run 3 (--fast --fail-on resources) on a copy of run 1's
    database, with what the servers saw during each."""
    folder = tmp_path_factory.mktemp("links-again")
    (folder / "resources.yaml").write_text((crawl["folder"] / "resources.yaml").read_text())
    (folder / "out").mkdir()
    with closing(sqlite3.connect(crawl["out"] / "health.db")) as source, \
            closing(sqlite3.connect(folder / "out" / "health.db")) as copy:
        source.backup(copy)
    runs = {}
    for name, extra in (("second", ()), ("fast", ("--fast", "--fail-on", "resources"))):
        before = {host.server.host: len(host.log) for host in web.hosts()}
        result, out = _run(folder, *extra)
        runs[name] = {"result": result, "status": load_status(out),
                      "seen": {host.server.host: host.log[before[host.server.host]:] for host in web.hosts()}}
    conn = sqlite3.connect(folder / "out" / "health.db")
    conn.row_factory = sqlite3.Row
    runs["db"] = conn
    yield runs
    conn.close()


def seen(crawl, host: Host, path: str) -> list[Seen]:
    return host.requests(path, crawl["seen"][host.server.host])


# -- the run as a whole ---------------------------------------------------------


def test_run_completes_with_every_resource_up_and_exit_code_1_for_broken_links(crawl, resources):
    result = crawl["result"]
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    assert "5 resources: 5 up, 0 degraded, 0 down; 7 broken links; run 1 complete" in result.stdout
    assert {r["status"] for r in resources.values()} == {"up"}


def test_the_web_is_big_enough_to_mean_something(crawl, db, checks):
    pages = db.execute("SELECT count(*) FROM link_pages WHERE run_id = 1").fetchone()[0]
    sources = db.execute("SELECT count(*) FROM link_sources").fetchone()[0]
    assert pages == MAX_PAGES + 4  # the site's 25 pages and the four other resource pages
    assert sources >= 400 and len(checks) >= 240


def test_each_unique_url_is_requested_once_per_run(crawl, web, checks):
    main_log = crawl["seen"]["127.0.0.1"]
    for i in FOLLOWED:
        for j in range(LEAVES):
            assert [s.method for s in web.main.requests(f"/leaf/{i}-{j}", main_log)] == ["HEAD"]
    for k in range(SHARED):  # on 25 site pages and two other resources
        assert [s.method for s in web.main.requests(f"/shared/{k}", main_log)] == ["HEAD"], k
    # the shared broken link: one check, its HEAD confirmed by one GET
    assert [s.method for s in web.main.requests("/shared/missing", main_log)] == ["HEAD", "GET"]
    # over the whole web: no URL asked twice the same way, but for retries of 500 and 429
    asked = Counter((host, s.method, s.path) for host, log in crawl["seen"].items() for s in log)
    again = {key: n for key, n in asked.items() if n > 1}
    assert again == {("127.0.0.1", "HEAD", "/gone/500"): 2, ("127.0.0.1", "GET", "/gone/500"): 2,
                     ("127.0.0.3", "HEAD", "/ratelimited"): 2}
    assert sum(asked.values()) < len(checks) + 40  # a few GET confirmations, robots.txt, resource pages


def test_a_shared_link_remembers_every_page_it_is_on(db, web):
    rows = db.execute("SELECT resource_id, page FROM link_sources WHERE url = ?", [web.main.url("/shared/0")])
    found = {(row["resource_id"], row["page"]) for row in rows}
    expected = {("site", web.main.url("/site/"))} | {("site", web.main.url(f"/site/p/{i}")) for i in FOLLOWED}
    expected |= {("errors", web.main.url("/errors/")), ("hosts", web.main.url("/hosts/"))}
    assert found == expected


def test_a_shared_broken_link_is_attributed_to_every_page_of_each_resource(resources, web):
    site_broken = {link["url"]: link for link in resources["site"]["broken_links"]}
    missing = web.main.url("/shared/missing")
    assert list(site_broken) == [missing]
    assert site_broken[missing]["status"] == 404 and site_broken[missing]["error"] == "HTTP 404 Not Found"
    assert sorted(site_broken[missing]["found_on"]) == sorted(web.main.url(f"/site/p/{i}") for i in FOLLOWED)
    errors_broken = {link["url"]: link for link in resources["errors"]["broken_links"]}
    assert errors_broken[missing]["found_on"] == [web.main.url("/errors/")]


def test_site_link_counts(resources):
    site = resources["site"]
    unique = PAGES + 1 + SHARED + len(FOLLOWED) * LEAVES + 1  # pages, elsewhere, shared, leaves, missing
    assert site["links"] == {"checked": unique, "broken": 1, "invalid": 0, "blocked": 0, "skipped": 0, "robots": 1}
    assert site["pages_crawled"] == MAX_PAGES


@pytest.mark.parametrize("path, status, error", [
    ("/gone/404", 404, "HTTP 404 Not Found"),
    ("/gone/410", 410, "HTTP 410 Gone"),
    ("/gone/500", 500, "HTTP 500 Internal Server Error"),
])
def test_http_error_links_are_broken_and_attributed(resources, web, path, status, error):
    broken = {link["url"]: link for link in resources["errors"]["broken_links"]}
    entry = broken[web.main.url(path)]
    assert (entry["status"], entry["error"]) == (status, error)
    assert entry["found_on"] == [web.main.url("/errors/")]


def test_errors_resource_counts_and_skipped_schemes(resources, db):
    errors = resources["errors"]
    assert errors["links"] == {"checked": 6, "broken": 5, "invalid": 0, "blocked": 0, "skipped": 3, "robots": 0}
    (skipped,) = db.execute("SELECT skipped FROM link_pages WHERE resource_id = 'errors'").fetchone()
    assert skipped == '{"mailto": 1, "tel": 1, "javascript": 1}'


def test_closed_port_is_broken_with_a_readable_connection_error(resources, web, checks):
    broken = {link["url"]: link for link in resources["errors"]["broken_links"]}
    entry = broken[web.closed]
    assert entry["status"] is None
    assert "connection refused" in entry["error"].lower()
    assert "Traceback" not in entry["error"] and "twisted" not in entry["error"].lower()
    assert checks[web.closed]["result"] == "broken"


def test_redirect_chain_is_redirected_with_final_url_and_hop_count(checks, web, resources):
    row = checks[web.main.url("/chain/start")]
    assert row["result"] == "redirected"
    assert row["final_url"] == web.main.url("/chain/end")
    assert row["redirects"] == 2 and row["http_status"] == 200
    assert resources["hosts"]["broken_links"] == []


@pytest.mark.parametrize("path, head_status", [("/h405/doc", 405), ("/h403/doc", 403)])
def test_head_hostile_server_is_checked_with_get_and_not_broken(crawl, web, checks, path, head_status):
    assert [(s.method, s.status) for s in seen(crawl, web.hostile, path)] == [("HEAD", head_status), ("GET", 200)]
    row = checks[web.hostile.url(path)]
    assert (row["result"], row["method"], row["http_status"]) == ("ok", "GET", 200)


@pytest.mark.parametrize("path, status, evidence", [
    ("/ratelimited", 429, "rate limited (429)"),
    ("/linkedin", 999, "bot wall status 999 (LinkedIn-style)"),
    ("/challenge", 403, "Cloudflare challenge (cf-mitigated: challenge), status 403"),
])
def test_bot_walls_are_blocked_with_evidence_never_broken(resources, web, checks, path, status, evidence):
    hosts = resources["hosts"]
    blocked = {link["url"]: link for link in hosts["blocked_links"]}
    entry = blocked[web.walls.url(path)]
    assert (entry["status"], entry["evidence"]) == (status, evidence)
    assert entry["found_on"] == [web.main.url("/hosts/")]
    assert checks[web.walls.url(path)]["result"] == "blocked"
    assert hosts["links"] == {"checked": 7, "broken": 0, "invalid": 0, "blocked": 3, "skipped": 0, "robots": 1}


def test_429_is_retried_only_after_retry_after_and_not_with_get(crawl, web):
    answers = seen(crawl, web.walls, "/ratelimited")
    assert [(s.method, s.status) for s in answers] == [("HEAD", 429), ("HEAD", 429)]
    assert answers[1].at - answers[0].at >= 0.95, "the retry came before Retry-After: 1 had passed"


def test_robots_txt_forbidden_link_is_reported_and_never_requested(crawl, web, resources, checks):
    private = web.main.url("/private/secret")
    assert seen(crawl, web.main, "/private/secret") == []
    assert [s.method for s in seen(crawl, web.main, "/robots.txt")] == ["GET"]
    assert resources["hosts"]["robots_links"] == [{"url": private, "text": "/private/secret",
                                                   "found_on": [web.main.url("/hosts/")]}]
    (site_robots,) = resources["site"]["robots_links"]
    assert sorted(site_robots["found_on"]) == sorted(web.main.url(f"/site/p/{i}") for i in FOLLOWED if i % 6 == 0)
    assert checks[private]["result"] == "robots" and checks[private]["http_status"] is None


def test_fragments_present_is_ok_and_missing_is_broken(resources, web, checks, crawl):
    anchors = resources["anchors"]
    target = web.main.url("/doc/target")
    assert anchors["broken_links"] == [{"url": f"{target}#missing", "status": 200,
                                        "error": "fragment #missing not found on the page",
                                        "text": "/doc/target#missing", "found_on": [web.main.url("/anchors/")]}]
    assert anchors["links"] == {"checked": 3, "broken": 1, "invalid": 0, "blocked": 0, "skipped": 0, "robots": 0}
    assert checks[target]["result"] == "ok" and "present" in checks[target]["anchors"]
    assert [s.method for s in seen(crawl, web.main, "/doc/target")] == ["GET"]  # one GET serves both


def test_relative_links_resolve_against_base_href(db, web, resources):
    rows = db.execute("SELECT url FROM link_sources WHERE resource_id = 'based'").fetchall()
    assert {row["url"] for row in rows} == {web.main.url("/basedir/sub/rel.html"), web.main.url("/basedir/up.html")}
    assert resources["based"]["links"] == {"checked": 2, "broken": 0, "invalid": 0, "blocked": 0, "skipped": 0, "robots": 0}


def test_depth_1_follows_same_site_pages_within_max_pages(crawl, web):
    for i in FOLLOWED:
        assert [s.method for s in seen(crawl, web.main, f"/site/p/{i}")] == ["GET"], i
    for i in NOT_FOLLOWED:  # over max_pages: requested once (a candidate is read), not followed
        assert [s.method for s in seen(crawl, web.main, f"/site/p/{i}")] == ["GET"], i
        assert not [s for s in crawl["seen"]["127.0.0.1"] if s.path.startswith(f"/leaf/{i}-")]


def test_depth_1_does_not_follow_other_hosts(crawl, web):
    other = [(s.method, s.path) for s in crawl["seen"]["127.0.0.4"] if s.path != "/robots.txt"]
    assert other == [("HEAD", "/site/elsewhere")]


def test_no_host_ever_had_more_requests_in_flight_than_its_limit(crawl):
    assert crawl["max_in_flight"]["127.0.0.1"] == 2, crawl["max_in_flight"]  # used, never exceeded
    assert all(count <= 2 for count in crawl["max_in_flight"].values()), crawl["max_in_flight"]


def test_link_state_rows(db, web):
    rows = {row["url"]: row for row in db.execute("SELECT * FROM links")}
    leaf = rows[web.main.url("/leaf/0-0")]
    assert (leaf["last_result"], leaf["last_status"], leaf["etag"]) == ("ok", 200, '"leaf-0-0"')
    assert leaf["consecutive_failures"] == 0 and leaf["last_ok"] == leaf["last_checked"]
    gone = rows[web.main.url("/gone/404")]
    assert (gone["last_result"], gone["consecutive_failures"]) == ("broken", 1)
    assert gone["first_failed"] == gone["last_checked"]


# -- the next runs --------------------------------------------------------------


def test_second_run_sends_conditional_requests_and_304_counts_as_ok(later_runs, web):
    second = later_runs["second"]
    assert second["result"].returncode == 1  # the broken links are still broken
    answers = web.main.requests("/leaf/0-0", second["seen"]["127.0.0.1"])
    assert [(s.method, s.if_none_match, s.status) for s in answers] == [("HEAD", '"leaf-0-0"', 304)]
    not_modified = [s for s in second["seen"]["127.0.0.1"] if s.status == 304]
    # leaves, shared links and every site page (followed ones by GET, the rest by HEAD)
    assert len(not_modified) == len(FOLLOWED) * LEAVES + SHARED + PAGES
    row = later_runs["db"].execute("SELECT * FROM link_checks WHERE run_id = 2 AND url = ?",
                                   [web.main.url("/leaf/0-0")]).fetchone()
    assert (row["result"], row["http_status"], row["not_modified"]) == ("ok", 304, 1)


def test_an_unchanged_followed_page_answers_304_and_its_links_are_still_checked(later_runs, web):
    """The page's body is not sent again; the links an earlier run read on it are
    planned instead, so the second run transfers only what changed."""
    seen = later_runs["second"]["seen"]["127.0.0.1"]
    for number in FOLLOWED:
        page = web.main.requests(f"/site/p/{number}", seen)
        assert [(s.method, s.if_none_match, s.status) for s in page] == [("GET", f'"page-{number}"', 304)]
        assert [s.method for s in web.main.requests(f"/leaf/{number}-0", seen)] == ["HEAD"]
    db = later_runs["db"]
    pages = db.execute("SELECT count(*) FROM link_pages WHERE run_id = 2 AND page LIKE '%/site/p/%'").fetchone()[0]
    assert pages == len(FOLLOWED)
    row = db.execute("SELECT not_modified, anchors FROM link_checks WHERE run_id = 2 AND url = ?",
                     [web.main.url("/site/p/1")]).fetchone()
    assert row["not_modified"] == 1 and row["anchors"] is not None  # ids remembered for #fragment checks


def test_second_run_reports_the_same_links(later_runs, resources):
    again = by_name(later_runs["second"]["status"])
    for name, entry in resources.items():
        assert again[name]["links"] == entry["links"], name
        assert again[name]["broken_links"] == entry["broken_links"], name


def test_fast_run_does_not_request_healthy_links(later_runs, web):
    fast = later_runs["fast"]
    main_seen = fast["seen"]["127.0.0.1"]
    assert not [s for s in main_seen if s.path.startswith(("/leaf/", "/shared/")) and s.path != "/shared/missing"]
    assert not web.main.requests("/chain/start", main_seen)
    assert not web.hostile.requests("/h405/doc", fast["seen"]["127.0.0.2"])
    assert [s.method for s in web.main.requests("/gone/404", main_seen)] == ["HEAD", "GET"]  # broken: rechecked
    row = later_runs["db"].execute("SELECT * FROM link_checks WHERE run_id = 3 AND url = ?",
                                   [web.main.url("/leaf/0-0")]).fetchone()
    assert (row["result"], row["method"]) == ("ok", "memory")
    remembered, checked = by_name(fast["status"]), by_name(later_runs["second"]["status"])
    for name, entry in checked.items():  # answered from memory, reported the same
        assert remembered[name]["links"] == entry["links"], name
        assert remembered[name]["broken_links"] == entry["broken_links"], name


def test_fail_on_resources_exits_0_when_every_resource_is_up(later_runs):
    fast = later_runs["fast"]
    assert fast["result"].returncode == 0, fast["result"].stdout + fast["result"].stderr
    assert "5 up, 0 degraded, 0 down; 7 broken links" in fast["result"].stdout

