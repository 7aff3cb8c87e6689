"""What a person reads after a run with failures, from real runs of the CLI against a
local web: the page's headline counts what the exit code counts, a resource with
broken links is not all green, each broken link is listed with its text, the exports
give one row per link verdict, announcement or check, and "new" lasts its window."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from bs4 import BeautifulSoup
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import by_name, load_status, refused_port, run_cli, write_config

pytestmark = pytest.mark.crawl

# resource slug -> its links as (href, text); /gone/* answers 404, /err/* 500
SITES = {
    "city": [("/city/ok", "Parking permits"), ("/gone/1", "Council minutes 2024"),
             ("/gone/2", "Budget report"), ("http://[bad", "Old intranet")],
    "transit": [("/transit/ok", "Timetables"), ("/err/500", "Service alerts")],
    "housing": [("/gone/3", "Rent calculator"), ("/gone/4", ""), ("/housing/ok", "Apply")],
    "library": [("/library/ok", "Catalogue")],
}
# the housing page's second broken link is an image: its words are the alt text
IMAGE_LINK = '<a href="/gone/4"><img src="data:," alt="Annual report (PDF)"></a>'


def handle(request: Request) -> Response:
    path = request.path
    if path.startswith("/gone/"):
        return Response("gone", status=404)
    if path.startswith("/err/"):
        return Response("boom", status=500)
    site = path.strip("/").split("/")[0]
    if site in SITES and path == f"/{site}/":
        links = "".join(IMAGE_LINK if href == "/gone/4" else f'<a href="{href}">{text}</a> '
                        for href, text in SITES[site])
        news = ("<article><h2><a href='/library/news/1'>Reading club returns this autumn</a></h2>"
                "<time datetime='2026-01-10'>10 January 2026</time></article>"
                "<article><h2><a href='/library/news/2'>New opening hours for the summer</a></h2>"
                "<time datetime='2025-06-01'>1 June 2025</time></article>" if site == "library" else "")
        return Response(f"<html lang='en'><title>{site}</title><body>{links}{news}</body></html>",
                        content_type="text/html; charset=utf-8")
    return Response("<title>ok</title><p>ok</p>", content_type="text/html")


@pytest.fixture(scope="module")
def web():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(re.compile(".*")).respond_with_handler(handle)
    server.start()
    yield server
    server.clear()
    server.stop()


def configure(folder, server) -> tuple:
    resources = [{"name": slug.capitalize(), "url": server.url_for(f"/{slug}/")} for slug in SITES]
    resources.append({"name": "Tourism", "url": f"http://127.0.0.1:{refused_port()}/"})  # nothing listens
    config = write_config(folder / "resources.yaml", resources, retries=0, timeout=5)
    out = folder / "out"
    return ("run", "--config", str(config), "--db", str(out / "health.db"), "--out", str(out)), out


@pytest.fixture(scope="module")
def runs(web, tmp_path_factory):
    """Two runs with nothing changed between them: the second is what a person who
    looks the next day sees."""
    args, out = configure(tmp_path_factory.mktemp("page"), web)
    first = run_cli(*args)
    second = run_cli(*args)
    return {"first": first, "second": second, "out": out, "db": str(out / "health.db"),
            "status": load_status(out), "html": (out / "index.html").read_text(encoding="utf-8")}


def export(runs, *args: str):
    return run_cli("export", "--db", runs["db"], *args)


def test_the_run_fails_on_the_down_resource_and_the_broken_links(runs):
    assert runs["second"].returncode == 1, runs["second"].stderr
    assert "5 broken links, 1 invalid" in runs["second"].stdout


def test_status_json_counts_the_links_and_keeps_their_text(runs):
    status = runs["status"]
    assert status["summary"]["broken_links"] == 5 and status["summary"]["invalid_links"] == 1
    assert status["summary"]["resources_with_link_problems"] == 3
    broken = {link["text"]: link["status"] for r in status["resources"] for link in r["broken_links"]}
    assert broken == {"Council minutes 2024": 404, "Budget report": 404, "Service alerts": 500,
                      "Rent calculator": 404, "Annual report (PDF)": 404}
    (invalid,) = by_name(status)["City"]["invalid_links"]
    assert (invalid["url"], invalid["text"]) == ("http://[bad", "Old intranet")


def test_the_page_headline_counts_what_the_exit_code_counts(runs):
    page = BeautifulSoup(runs["html"], "lxml")
    assert " ".join(page.select_one("#overall-text").get_text(" ", strip=True).split()) == (
        "1 of 5 resources down · 5 broken links, 1 invalid on 3 resources")
    cards = page.select(".resource")
    names = [card.select_one(".res-name").get_text(strip=True) for card in cards]
    assert names == ["Tourism", "City", "Housing", "Transit", "Library"], "broken links first among the up"
    badges = {card.select_one(".res-name").get_text(strip=True): card.select_one(".links-badge")
              for card in cards}
    assert badges["City"].get_text(" ", strip=True) == "✕ 2 broken links, 1 invalid"
    assert badges["Library"] is None and badges["Tourism"] is None
    assert page.select_one('label[for="f-links-problems"]').get_text(" ", strip=True) == "✕ Broken links 3"
    texts = [t.get_text(strip=True) for t in page.select('#r-housing .plink[data-kind="broken"] .ptext')]
    assert texts == ["Rent calculator", "Annual report (PDF)"]


def test_the_page_links_its_feeds_and_status_json(runs):
    page = BeautifulSoup(runs["html"], "lxml")
    assert page.select_one('head link[rel="alternate"][type="application/atom+xml"]')["href"] == "announcements.xml"
    out = runs["out"]
    for href in {a["href"] for a in page.select("#feeds a, footer a")}:
        assert (out / href).is_file(), href
    feed = json.loads((out / "feeds" / "library.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [item["title"] for item in feed["items"]] == ["Reading club returns this autumn",
                                                         "New opening hours for the summer"]


def _csv(result) -> list[dict[str, str]]:
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_the_links_export_has_one_row_per_link_verdict(runs):
    rows = _csv(export(runs, "--what", "links", "--format", "csv"))
    assert list(rows[0]) == ["url", "result", "status", "error", "text", "found_on", "resource"]
    base = runs["status"]["resources"][0]["url"].split("/")[2]
    by_text = {row["text"]: row for row in rows}
    rent = by_text["Rent calculator"]
    assert (rent["url"], rent["result"], rent["status"], rent["error"], rent["found_on"], rent["resource"]) == (
        f"http://{base}/gone/3", "broken", "404", "HTTP 404 Not Found", f"http://{base}/housing/", "housing")
    assert by_text["Old intranet"]["result"] == "invalid" and by_text["Old intranet"]["status"] == ""
    assert by_text["Timetables"]["result"] == "ok"
    as_json = json.loads(export(runs, "--what", "links").stdout)
    assert len(as_json) == len(rows) and {row["text"] for row in as_json} == set(by_text)


def test_the_checks_and_resources_exports(runs):
    checks = _csv(export(runs, "--what", "checks", "--format", "csv", "--since", "12h"))
    assert len(checks) == 10, "5 resources, 2 runs"
    assert {row["status"] for row in checks if row["resource"] == "tourism"} == {"down"}
    assert _csv(export(runs, "--what", "checks", "--format", "csv", "--since", "2000-01-01")) == checks
    resources = {row["resource"]: row for row in _csv(export(runs, "--what", "resources", "--format", "csv"))}
    assert (resources["city"]["broken_links"], resources["city"]["invalid_links"]) == ("2", "1")
    assert resources["tourism"]["status"] == "down" and resources["tourism"]["error"].startswith("connection refused")


def test_a_filter_that_does_not_apply_is_an_error(runs):
    for what, flag in (("links", "--new-only"), ("links", "--since"), ("resources", "--since"),
                       ("checks", "--new-only")):
        args = [flag, "7d"] if flag == "--since" else [flag]
        result = export(runs, "--what", what, *args)
        assert result.returncode == 2 and f"--{flag.lstrip('-')} applies to" in result.stderr, (what, flag)


def test_the_default_export_is_what_it_was(runs):
    status = json.loads(export(runs).stdout)
    assert status["resources"] == runs["status"]["resources"]
    rows = _csv(export(runs, "--format", "csv"))
    assert list(rows[0]) == ["name", "url", "status", "http_status", "final_url", "response_ms", "error", "title",
                             "checked_at", "tls_expires_at", "redirects"]
    assert len(rows) == 5
