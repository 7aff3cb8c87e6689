"""What `run` and `check` print, from real runs of the CLI against a local site: the
cron output names each failing URL (resources down or degraded with their reason,
links newly broken or invalid with their status and page), bounded; `-q` is the
summary line alone; `--format json` holds the same facts. `check` needs no config
and keeps nothing."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import refused_port, run_cli, write_config

pytestmark = pytest.mark.crawl

FEED = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Demo</title><link>{base}</link>'
        '<item><title>Budget participatif : les projets retenus</title><link>{base}news/1</link>'
        '<pubDate>Tue, 01 Dec 2026 09:00:00 GMT</pubDate></item>'
        '<item><title>New bike lanes downtown</title><link>{base}news/2</link>'
        '<pubDate>Mon, 23 Nov 2026 09:00:00 GMT</pubDate></item></channel></rss>')


class Site:
    def __init__(self, dead: int):
        self.dead = dead
        self.flaky_calls = 0

    def home(self, request: Request) -> Response:
        """With a link to a port nobody listens on (a few seconds of retries: once is
        enough); /plain/ has instead a page of its own to follow with --depth."""
        own = '<a href="more">more</a>' if request.path == "/plain/" \
            else f'<a href="http://127.0.0.1:{self.dead}/refused">refused</a>'
        return Response(
            '<html lang="en"><head><title>Demo city</title>'
            '<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>'
            '<a href="/ok">ok</a> <a href="/missing">missing</a> <a href="/gone">gone</a> '
            f'<a href="http://exa mple/">bad</a> {own}</body></html>', content_type="text/html")

    def flaky(self, request: Request) -> Response:
        """Fails every first request of a run and answers the retry: degraded, "up after 1 retry"."""
        self.flaky_calls += 1
        if self.flaky_calls % 2:
            return Response("busy", status=503)
        return Response("<title>Flaky</title><p>fine</p>", content_type="text/html")

    def many(self, request: Request) -> Response:
        return Response("<title>Many</title>" + "".join(f'<a href="/lost/{n}">{n}</a>' for n in range(25)),
                        content_type="text/html")


@pytest.fixture(scope="module")
def site():
    dead = refused_port()
    pages = Site(dead)
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/").respond_with_handler(pages.home)
    server.expect_request("/plain/").respond_with_handler(pages.home)
    server.expect_request("/plain/more").respond_with_data('<title>More</title><a href="deep">deeper</a>',
                                                           content_type="text/html")
    server.expect_request("/feed.xml").respond_with_handler(
        lambda request: Response(FEED.format(base=server.url_for("/")), content_type="application/rss+xml"))
    server.expect_request("/ok").respond_with_data("<title>ok</title>", content_type="text/html")
    server.expect_request("/hello").respond_with_data("<title>Hello</title>", content_type="text/html")
    server.expect_request("/gone").respond_with_data("gone", status=410)
    server.expect_request("/broken-site").respond_with_data("oops", status=500)
    server.expect_request("/flaky").respond_with_handler(pages.flaky)
    server.expect_request("/many").respond_with_handler(pages.many)
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request(re.compile(".*")).respond_with_data("not found", status=404)
    server.start()
    yield {"url": server.url_for, "dead": dead}
    server.clear()
    server.stop()


@pytest.fixture(scope="module")
def runs(site, tmp_path_factory):
    folder = tmp_path_factory.mktemp("output")
    config = write_config(folder / "resources.yaml", [
        {"name": "Demo city", "url": site["url"]("/")},
        {"name": "Broken site", "url": site["url"]("/broken-site")},
        {"name": "Flaky", "url": site["url"]("/flaky")},
        {"name": "Dead port", "url": f"http://127.0.0.1:{site['dead']}/"},
    ], retries=1, retry_backoff=0.1)
    out = folder / "out"
    args = ("run", "-c", str(config), "-d", str(out / "health.db"), "-o", str(out))
    return {"first": run_cli(*args), "quiet": run_cli(*args, "-q"), "third": run_cli(*args),
            "json": run_cli(*args, "--format", "json"), "out": out}


def test_the_cron_output_names_each_failing_url(runs, site):
    first = runs["first"]
    assert first.returncode == 1, first.stderr
    print(first.stdout)
    report = runs["out"] / "index.html"
    home = site["url"]("/")
    assert first.stdout.splitlines() == [
        f"healthcrawl: 4 resources: 1 up, 1 degraded, 2 down; 3 broken links, 1 invalid; "
        f"run 1 complete in {first.stdout.split(' in ', 1)[1].split(' s;')[0]} s; report: {report}",
        f"down: Broken site <{site['url']('/broken-site')}>: HTTP 500 Internal Server Error",
        f"down: Dead port <http://127.0.0.1:{site['dead']}/>: connection refused by 127.0.0.1:{site['dead']}",
        f"degraded: Flaky <{site['url']('/flaky')}>: up after 1 retry",
        # broken links in URL order (the dead port may sort before or after the site's)
        *sorted([f"broken: {site['url']('/gone')}: HTTP 410 Gone, on {home}",
                 f"broken: {site['url']('/missing')}: HTTP 404 Not Found, on {home}",
                 f"broken: http://127.0.0.1:{site['dead']}/refused: connection refused by "
                 f"127.0.0.1:{site['dead']}, on {home}"], key=lambda line: line.split()[1]),
        f"invalid: http://exa mple/: invalid URL: host contains a forbidden code point ' ' (U+0020), on {home}",
    ]


def test_quiet_prints_the_summary_line_alone(runs):
    quiet = runs["quiet"]
    assert quiet.returncode == 1
    [line] = quiet.stdout.splitlines()
    assert line.startswith("healthcrawl: 4 resources: 1 up, 1 degraded, 2 down; 3 broken links, 1 invalid; run 2 ")


def test_a_later_run_names_resources_again_and_only_new_links(runs):
    third = runs["third"].stdout.splitlines()
    assert [line.split(":", 1)[0] for line in third[1:]] == ["down", "down", "degraded", "4 links failing since an earlier run"]
    assert third[-1] == f"4 links failing since an earlier run: see {runs['out'] / 'index.html'}"


def test_json_holds_the_same_facts(runs, site):
    result = runs["json"]
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["run"]["id"] == 4 and document["run"]["complete"] is True and document["exit_code"] == 1
    assert document["summary"] == {"resources": 4, "up": 1, "degraded": 1, "down": 2, "broken_links": 3,
                                   "invalid_links": 1}
    assert [(r["status"], r["name"]) for r in document["resources"]] == [
        ("down", "Broken site"), ("down", "Dead port"), ("degraded", "Flaky")]
    links = {link["url"]: link for link in document["links"]}
    assert links[site["url"]("/missing")] == {"result": "broken", "url": site["url"]("/missing"),
                                              "detail": "HTTP 404 Not Found", "found_on": [site["url"]("/")],
                                              "resource": "Demo city", "new": False}
    assert len(links) == 4 and not any(link["new"] for link in links.values())


def test_the_output_is_bounded(site, tmp_path):
    config = write_config(tmp_path / "resources.yaml", [{"name": "Many", "url": site["url"]("/many")}], retries=0)
    result = run_cli("run", "-c", str(config), "-d", str(tmp_path / "health.db"), "-o", str(tmp_path))
    lines = result.stdout.splitlines()
    assert lines[0].startswith("healthcrawl: 1 resource: 1 up, 0 degraded, 0 down; 25 broken links; run 1 complete")
    assert len(lines) == 22 and all(line.startswith("broken: ") for line in lines[1:21])
    assert lines[21] == f"and 5 more: see {tmp_path / 'index.html'}"


def test_when_no_server_answers_every_output_names_this_machine_once(tmp_path):
    """No resource on three hosts got an answer (two names do not resolve, a port refuses):
    each is still down with its reason, and the output, status.json, the page, the
    webhooks and the digest first say where to look."""
    dead = refused_port()
    hooked, posted = [], []
    receiver = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    receiver.expect_request("/hook", method="POST").respond_with_handler(
        lambda request: (hooked.append(json.loads(request.get_data())), Response("ok"))[1])
    receiver.expect_request("/digest", method="POST").respond_with_handler(
        lambda request: (posted.append(json.loads(request.get_data())), Response("ok"))[1])
    receiver.start()
    config = tmp_path / "resources.yaml"
    config.write_text(yaml.safe_dump({
        "settings": {"retries": 0},
        "notify": {"retries": 0, "webhooks": [receiver.url_for("/hook")],
                   "apprise": [f"json://127.0.0.1:{receiver.port}/digest"]},
        "resources": [{"name": "A", "url": "http://city-a.invalid/"},
                      {"name": "B", "url": "https://city-b.invalid/news"},
                      {"name": "C", "url": f"http://127.0.0.1:{dead}/"}]}))
    try:
        result = run_cli("run", "-c", str(config), "-d", str(tmp_path / "health.db"), "-o", str(tmp_path))
    finally:
        receiver.clear()
        receiver.stop()
    cause = ("no server answered (DNS lookup failed 2, connection refused 1, on 3 hosts): most likely this "
             "machine's network, DNS resolver or proxy, not the sites")
    lines = result.stdout.splitlines()
    assert result.returncode == 1 and lines[0].startswith("healthcrawl: 3 resources: 0 up, 0 degraded, 3 down")
    assert lines[1] == f"cause: {cause}"
    assert [line.split(":", 1)[0] for line in lines[2:]] == ["down", "down", "down"]
    assert json.loads((tmp_path / "status.json").read_text(encoding="utf-8"))["cause"] == cause
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<p class="cause" id="cause">⚠ No server answered (DNS lookup failed 2' in page
    assert sorted(payload["resource"]["name"] for payload in hooked if payload["event"] == "down") == ["A", "B", "C"]
    assert {payload["run"]["cause"] for payload in hooked} == {cause}
    [digest] = posted
    assert digest["title"] == "healthcrawl: 3 resources down (no server answered: this machine's network?)"
    assert "No server answered (DNS lookup failed 2, connection refused 1, on 3 hosts)" in digest["message"]
    checked = run_cli("check", "http://city-a.invalid/", "http://city-b.invalid/", "http://city-c.invalid/",
                      "--format", "json", env={"TMPDIR": str(tmp_path)})
    assert json.loads(checked.stdout)["cause"].startswith("no server answered (DNS lookup failed for all 3 resources")


# -- check -------------------------------------------------------------------------------------


def test_check_a_site_with_no_config(site, tmp_path):
    page, home = site["url"]("/plain/"), site["url"]("/")
    result = run_cli("check", page, f"127.0.0.1:{site['dead']}", env={"TMPDIR": str(tmp_path)})
    print(result.stdout, result.stderr)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert re.fullmatch(rf"{re.escape(page)}: up \(HTTP 200, \d+ ms\)", lines[0])
    assert lines[1:] == [
        "  title: Demo city",
        f"  announcements: 2, from the feed {site['url']('/feed.xml')}",
        f"    2026-12-01  Budget participatif : les projets retenus <{home}news/1>",
        f"    2026-11-23  New bike lanes downtown <{home}news/2>",
        "  links: 4 checked, 2 broken, 1 invalid",
        f"    broken: {site['url']('/gone')}: HTTP 410 Gone, on {page}",
        f"    broken: {site['url']('/missing')}: HTTP 404 Not Found, on {page}",
        f"    invalid: http://exa mple/: invalid URL: host contains a forbidden code point ' ' (U+0020), on {page}",
        f"https://127.0.0.1:{site['dead']}: down: connection refused by 127.0.0.1:{site['dead']}",
        lines[-1],
    ]
    assert re.fullmatch(r"healthcrawl: 2 URLs: 1 up, 0 degraded, 1 down; 2 broken links, 1 invalid; "
                        r"checked in \d+\.\d s", lines[-1])
    assert f"'127.0.0.1:{site['dead']}' has no scheme: checking https://127.0.0.1:{site['dead']}" in result.stderr
    assert list(tmp_path.iterdir()) == [], "check keeps no config, database or report"


def test_check_a_healthy_page_exits_0_and_speaks_json(site):
    ok = run_cli("check", site["url"]("/hello"), "-q")
    assert ok.returncode == 0 and ok.stdout.count("\n") == 1
    assert ok.stdout.startswith("healthcrawl: 1 URL: 1 up, 0 degraded, 0 down; 0 broken links; checked in ")
    said = run_cli("check", site["url"]("/hello")).stdout.splitlines()
    assert "  announcements: none found: no repeated blocks with headline links" in said, said  # why, as the page says
    page = site["url"]("/plain/")
    document = json.loads(run_cli("check", page, "--format", "json", "--depth", "1").stdout)
    [entry] = document["urls"]
    assert entry["title"] == "Demo city" and entry["announcements"]["source"] == "feed"
    assert [item["title"] for item in entry["announcements"]["items"]] == [
        "Budget participatif : les projets retenus", "New bike lanes downtown"]
    assert {(link["result"], link["url"], link["found_on"][0]) for link in entry["failing_links"]} == {
        ("broken", site["url"]("/missing"), page), ("broken", site["url"]("/gone"), page),
        ("invalid", "http://exa mple/", page),
        ("broken", site["url"]("/plain/deep"), site["url"]("/plain/more"))}  # --depth 1: the next page's links
    assert document["exit_code"] == 1


def test_check_refuses_what_is_not_a_web_url():
    result = run_cli("check", "ftp://files.example/")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == ("healthcrawl: error: URL #1 \"ftp://files.example/\": field 'url': "
                                     "'ftp://files.example/' has scheme 'ftp'; only http and https are checked")
