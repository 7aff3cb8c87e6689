"""A page whose title, description, announcements and links (their URLs and their
text) are XSS payloads is crawled for real; the status page, the Atom feed and the
JSON Feed built from it stay inert."""

from __future__ import annotations

import json

import feedparser
import pytest
from pytest_httpserver import HTTPServer
from selenium.common.exceptions import NoAlertPresentException
from werkzeug import Response

from crawler.report.page.render import CLOCK_SCRIPT
from tests.conftest import by_name, load_status, run_cli, write_config

pytestmark = [pytest.mark.crawl, pytest.mark.browser]

TITLE = '"><script>alert("title")</script><img src=x onerror=alert(1)>'
HEADLINE = '<img src=x onerror=alert("ann")> \u202eevil\u202c </title><script>alert(2)</script>'
JSONLD = {"@context": "https://schema.org", "@type": "ItemList", "itemListElement": [
    {"@type": "ListItem", "item": {"@type": "NewsArticle", "headline": HEADLINE,
                                   "url": "javascript:alert('url')", "datePublished": "2026-11-01"}},
    {"@type": "ListItem", "item": {"@type": "NewsArticle", "headline": "Plain <b>news</b> & more",
                                   "url": "/news/plain?x=1&y=\"2\"", "datePublished": "2026-11-02"}},
]}


LINK_TEXT = "<script>alert(5)</script> annual report"
LINK_TEXT_HTML = LINK_TEXT.replace("<", "&lt;").replace(">", "&gt;")  # the page shows it as text

# As a CMS embeds it: "</" escaped, so the headline cannot close the script element early.
LDJSON = json.dumps(JSONLD).replace("</", "<\\/")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    html = (f"<html><head><title>{TITLE}</title>"
            f"<meta name=description content='x\" onmouseover=\"alert(3)'>"
            f"<script type=application/ld+json>{LDJSON}</script></head>"
            f"<body><a href='javascript:alert(4)'>js</a><a href='/news/plain'>n</a>"
            f"<a href='/gone'>{LINK_TEXT_HTML}</a></body></html>")
    server.expect_request("/evil").respond_with_response(Response(html, content_type="text/html"))
    server.expect_request("/news/plain").respond_with_response(Response("ok", content_type="text/html"))
    server.expect_request("/gone").respond_with_response(Response("gone", status=404))
    server.start()
    folder = tmp_path_factory.mktemp("xss")
    config = write_config(folder / "r.yaml", [{"name": "Evil <b>site</b>", "url": server.url_for("/evil")}])
    out = folder / "out"
    result = run_cli("run", "--config", str(config), "--db", str(out / "h.db"), "--out", str(out),
                     "--fail-on", "resources")
    yield out, result
    server.clear()
    server.stop()


def test_the_crawl_stored_the_payloads_as_text(crawled):
    out, result = crawled
    assert result.returncode == 0, result.stderr
    entry = by_name(load_status(out))["Evil <b>site</b>"]
    assert entry["title"] == TITLE, "a <title> is text: kept verbatim, escaped on output"
    # Headlines in JSON-LD are HTML: read as text, markup dropped, bidi overrides removed.
    assert [a["title"] for a in entry["announcements"]] == ["Plain news & more", "evil"]
    evil = entry["announcements"][1]
    assert evil["url"] is None, "a javascript: URL never becomes an announcement link"


def test_status_page_renders_the_payloads_inert(crawled, browser):
    out, _ = crawled
    browser.get((out / "index.html").as_uri())
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 - raises when no dialog is open
    text = browser.find_element("tag name", "body").text
    assert '<script>alert("title")</script>' in text, "the title shows as literal text"
    assert browser.find_element("css selector", ".plink[data-kind='broken'] .ptext").text == LINK_TEXT
    # one script: the page's clock, allowed by hash; no markup from the crawl became one
    assert browser.execute_script("return [...document.scripts].map(s => s.text)") == [CLOCK_SCRIPT]
    hrefs = browser.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    assert not [h for h in hrefs if not h.startswith(("http://", "https://", "file:"))]
    onattrs = browser.execute_script(
        "return [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
        ".filter(a => a.name.startsWith('on')).map(a => a.name))")
    assert onattrs == []


def test_atom_feed_carries_the_payloads_as_text(crawled):
    out, _ = crawled
    raw = (out / "announcements.xml").read_text(encoding="utf-8")
    assert "<script" not in raw and "\u202e" not in raw
    feed = feedparser.parse(raw.encode("utf-8"))
    assert not feed.bozo
    assert sorted(entry.title for entry in feed.entries) == ["Plain news & more", "evil"]
    assert feed.entries[0].author == "Evil <b>site</b>", "names are text, not markup"
    for entry in feed.entries:
        assert all(not link.href.startswith("javascript:") for link in entry.get("links", []))


def test_json_feed_carries_the_payloads_as_text(crawled):
    out, _ = crawled
    feed = json.loads((out / "announcements.json").read_text(encoding="utf-8"))
    assert sorted(item["title"] for item in feed["items"]) == ["Plain news & more", "evil"]
    assert all(item.get("url", "https://").startswith(("http://", "https://")) for item in feed["items"])
    assert all(set(item) <= {"id", "title", "url", "content_text", "summary", "date_published", "date_modified",
                             "authors", "tags"} for item in feed["items"]), "no content_html: text only"
    assert feed["items"][0]["authors"] == [{"name": "Evil <b>site</b>"}]
