"""A local imitation of sites that publish in different ways, crawled three times: feeds
are found and read, HTML listings in several languages are understood, navigation is
never an announcement, the second run marks only what is genuinely new, and the third,
with nothing changed, still shows it as new (new lasts `new_for` days, not one run)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import feedparser
import pytest
from bs4 import BeautifulSoup
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import by_name, load_status, run_cli, write_config

pytestmark = pytest.mark.crawl

NAV = """<header><nav class="menu"><ul><li><a href="/">Inicio</a></li><li><a href="/about">Quiénes somos</a></li>
<li><a href="/contact">Contacto y prensa internacional</a></li></ul></nav></header>"""
FOOTER = """<footer><p>© 2025 · <a href="/privacy">Privacy policy and legal notice</a> · 1 January 2025</p>
<div class="cookie-banner">We use cookies to improve your experience. <a href="/cookies">Cookie settings and preferences</a></div></footer>"""


def page(body: str, head: str = "", lang: str = "en") -> Response:
    html = f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>Site</title>{head}</head>" \
           f"<body>{NAV}<main>{body}</main>{FOOTER}</body></html>"
    return Response(html, content_type="text/html; charset=utf-8")


class Blog:
    """A Spanish WordPress-like blog whose RSS feed can gain an item between runs."""

    def __init__(self):
        self.items = [
            ("Ciudades inteligentes y movilidad urbana", "/blog/movilidad/", "Mon, 12 May 2025 10:00:00 +0000"),
            ("Vivienda asequible en América Latina", "/blog/vivienda/", "Fri, 02 May 2025 08:30:00 +0000"),
            ("Datos abiertos para la gestión municipal", "/blog/datos/", "Tue, 15 Apr 2025 12:00:00 +0000"),
        ]

    def feed(self, request: Request) -> Response:
        base = request.host_url.rstrip("/")
        entries = "".join(
            f"<item><title>{title}</title><link>{base}{path}?utm_source=rss</link><guid>{base}{path}</guid>"
            f"<pubDate>{date}</pubDate><description><![CDATA[<p>Resumen de <b>{title}</b></p>]]></description></item>"
            for title, path, date in self.items
        )
        rss = f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Blog</title>" \
              f"<link>{base}/blog/</link><description>d</description>{entries}</channel></rss>"
        return Response(rss, content_type="application/rss+xml; charset=UTF-8")


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Forum news</title><id>urn:x</id><updated>2025-05-03T00:00:00Z</updated>
<entry><title>Global council meets on cities of tomorrow</title><link href="/news/council-meets"/><id>urn:n1</id>
<updated>2025-05-03T09:00:00Z</updated><summary>Leaders gathered.</summary></entry>
<entry><title>Report: resilient urban infrastructure</title><link href="news/resilient-report"/><id>urn:n2</id>
<updated>2025-04-20T09:00:00Z</updated></entry></feed>"""

JSONLD = {
    "@context": "https://schema.org", "@type": "ItemList",
    "itemListElement": [
        {"@type": "ListItem", "position": 1, "item": {"@type": "NewsArticle", "headline": "Smart city partnership announces new grants",
                                                      "url": "/press/grants", "datePublished": "2025-05-20T14:00:00Z"}},
        {"@type": "ListItem", "position": 2, "item": {"@type": "NewsArticle", "headline": "Workshop on digital twins for municipalities",
                                                      "url": "/press/digital-twins", "datePublished": "2025-03-11"}},
    ],
}

FR_LISTING = """<h1>Actualités</h1><div class="news-list">
<div class="news-item"><h3><a href="/actu/mobilite">Nouvelle stratégie de mobilité pour la Région</a></h3><span class="date">3 juin 2024</span><p>La Région présente…</p></div>
<div class="news-item"><h3><a href="/actu/donnees">Ouverture des données de qualité de l'air</a></h3><span class="date">12 mars 2024</span><p>Les capteurs…</p></div>
<div class="news-item"><h3><a href="/actu/appel">Appel à projets pour les quartiers durables</a></h3><span class="date">28 février 2024</span><p>Les communes…</p></div>
</div>"""

NL_ARTICLES = """<h1>Nieuws</h1>
<article><h2><a href="/nieuws/slimme-verlichting">Slimme straatverlichting in Brussel uitgerold</a></h2><time datetime="2024-03-14">14 maart 2024</time></article>
<article><h2><a href="/nieuws/open-data">Nieuw open dataportaal voor burgers gelanceerd</a></h2><time datetime="2024-02-02">2 februari 2024</time></article>"""

CUSTOM = """<table id="calls"><tr class="call"><td class="when">5 May 2025</td><td><span class="name">Call for city pilots 2025</span>
<a class="go" href="/calls/pilots">details</a></td></tr>
<tr class="call"><td class="when">1 April 2025</td><td><span class="name">Challenge kickoff webinar</span><a class="go" href="/calls/webinar">details</a></td></tr></table>"""

# A city portal's teasers: no dates at all, but each a card with a linked heading, a
# picture and a lead, leading to its own page.
PORTAL = "<h1>Aktuelles</h1><div class='teaser-list'>" + "".join(
    f"<div class='teaser'><img src='/img/{n}.jpg' alt=''><h3><a href='/aktuelles/meldung-{n}'>{title}</a></h3>"
    f"<p>Die Stadt informiert über {title.lower()} und die nächsten Schritte.</p></div>"
    for n, title in enumerate(["Neue Radwege im Westen", "Bürgerbüro mit längeren Öffnungszeiten",
                               "Sanierung der Stadtbibliothek beginnt", "Wochenmarkt zieht um"], 1)
) + "</div>"

PT_LISTING = "<h1>Notícias</h1><ul class='noticias'>" + "".join(
    f"<li><h2><a href='/noticias/{slug}'>{title}</a></h2><span>{day}</span></li>"
    for slug, title, day in [("edital", "Edital de bolsas de extensão publicado", "3 de dezembro de 2024"),
                             ("vestibular", "Resultado do vestibular de inverno", "21 de novembro de 2024"),
                             ("obras", "Obras no campus começam em janeiro", "2 de outubro de 2024")]
) + "</ul>"

# More items than the silent cap of old (50): an archive, read up to max_announcements.
ARCHIVE = "<h1>Archive</h1><ul class='archive'>" + "".join(
    f"<li><a href='/archive/post-{n}'>Monthly council report number {n}</a> {1 + n % 28} March 2024</li>"
    for n in range(60)
) + "</ul>"

EMPTY = """<section class="hero"><h1>Welcome to the Smart City portal</h1><p>Our mission is to make the city better for everyone.</p>
<a class="button" href="/about">Learn more about us</a></section>"""


@pytest.fixture(scope="module")
def site():
    blog = Blog()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    feed_link = '<link rel="alternate" type="application/rss+xml" title="Blog feed" href="/blog/feed/">'
    server.expect_request("/blog/").respond_with_response(page("<p>Blog</p>", feed_link, "es"))
    server.expect_request("/blog/feed/").respond_with_handler(blog.feed)
    server.expect_request("/forum/").respond_with_response(
        page("<p>Forum</p>", '<link rel="alternate" type="application/atom+xml" href="/forum/atom.xml">'))
    server.expect_request("/forum/atom.xml").respond_with_response(
        Response(ATOM, content_type="application/atom+xml"))
    server.expect_request("/press/").respond_with_response(
        page("<h1>Press</h1>", f'<script type="application/ld+json">{json.dumps(JSONLD)}</script>'))
    server.expect_request("/fr/").respond_with_response(page(FR_LISTING, lang="fr"))
    server.expect_request("/fr-undeclared/").respond_with_response(page(FR_LISTING, lang="fr"))
    server.expect_request("/nl/").respond_with_response(page(NL_ARTICLES, lang="nl"))
    server.expect_request("/calls/").respond_with_response(page(CUSTOM))
    server.expect_request("/empty/").respond_with_response(page(EMPTY))
    server.expect_request("/portal/").respond_with_response(page(PORTAL, lang="de"))
    server.expect_request("/pt/").respond_with_response(page(PT_LISTING, lang="pt-BR"))
    server.expect_request("/archive/").respond_with_response(page(ARCHIVE))
    server.expect_request("/broken/").respond_with_response(
        page(NL_ARTICLES, '<link rel="alternate" type="application/rss+xml" href="/broken/feed.xml">', "nl"))
    server.expect_request("/broken/feed.xml").respond_with_response(
        Response("<rss><channel><item><title>x</item></rss", content_type="application/rss+xml"))
    server.start()
    yield server, blog
    server.clear()
    server.stop()


@pytest.fixture(scope="module")
def runs(site, tmp_path_factory):
    server, blog = site
    folder = tmp_path_factory.mktemp("ann")
    url = server.url_for
    config = write_config(folder / "resources.yaml", [
        {"name": "Blog", "url": url("/blog/"), "language": "es"},
        {"name": "Forum", "url": url("/forum/")},
        {"name": "Press", "url": url("/press/")},
        {"name": "Region", "url": url("/fr/"), "language": "fr"},
        {"name": "Region, language not declared", "url": url("/fr-undeclared/")},
        {"name": "Stad", "url": url("/nl/"), "language": "nl"},
        {"name": "Calls", "url": url("/calls/"),
         "announcements": {"item": "tr.call", "title": ".name", "link": "a.go", "date": ".when"}},
        {"name": "Empty", "url": url("/empty/")},
        {"name": "Broken feed", "url": url("/broken/"), "language": "nl"},
        {"name": "Stadtportal", "url": url("/portal/"), "language": "de"},
        {"name": "Universidade", "url": url("/pt/"), "language": "PT"},
        {"name": "Archive", "url": url("/archive/")},
        {"name": "Redesigned", "url": url("/fr/"), "announcements": {"item": "div.teaser-card"}},
    ], retries=0, max_announcements=55)
    out = folder / "out"
    # The imitation pages link to paths this server does not serve: judge resources only.
    args = ("run", "--config", str(config), "--db", str(out / "health.db"), "--out", str(out),
            "--fail-on", "resources")
    first = run_cli(*args)
    status_1 = load_status(out)
    atom_1 = (out / "announcements.xml").read_text(encoding="utf-8")
    # Between runs: one new post, and an existing post is retitled.
    # Published an hour ago, so `--since 7d` finds it and none of the older posts.
    an_hour_ago = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    blog.items.insert(0, ("Nuevo informe sobre ciudades sostenibles", "/blog/informe/", an_hour_ago))
    blog.items[2] = ("Vivienda asequible en América Latina (actualizado)", "/blog/vivienda/", blog.items[2][2])
    second = run_cli(*args)
    status_2, atom_2 = load_status(out), (out / "announcements.xml").read_text(encoding="utf-8")
    third = run_cli(*args)  # nothing changed: a reader the next day
    return {"first": first, "second": second, "third": third, "status_1": status_1, "status_2": status_2,
            "status_3": load_status(out), "atom_1": atom_1, "atom_2": atom_2,
            "atom_3": (out / "announcements.xml").read_text(encoding="utf-8"),
            "out": out, "base": url("/").rstrip("/")}


def titles(entry: dict) -> list[str]:
    return [a["title"] for a in entry["announcements"]]


def test_every_run_succeeds(runs):
    assert runs["first"].returncode == 0, runs["first"].stderr
    assert runs["second"].returncode == 0, runs["second"].stderr
    assert runs["third"].returncode == 0, runs["third"].stderr


def test_rss_feed_is_discovered_and_read(runs):
    blog = by_name(runs["status_1"])["Blog"]
    base = runs["base"]
    assert blog["announcements_source"] == "feed"
    assert titles(blog) == ["Ciudades inteligentes y movilidad urbana", "Vivienda asequible en América Latina",
                            "Datos abiertos para la gestión municipal"]
    first = blog["announcements"][0]
    assert first["url"] == f"{base}/blog/movilidad/", "utm_* tracking parameters are removed"
    assert first["published"] == "2025-05-12T10:00:00Z"
    assert first["new"] is False, "the first run is a baseline"


def test_atom_feed_relative_links_are_resolved(runs):
    forum = by_name(runs["status_1"])["Forum"]
    base = runs["base"]
    assert forum["announcements_source"] == "feed"
    assert [(a["title"], a["url"]) for a in forum["announcements"]] == [
        ("Global council meets on cities of tomorrow", f"{base}/news/council-meets"),
        ("Report: resilient urban infrastructure", f"{base}/forum/news/resilient-report"),
    ]


def test_json_ld_news(runs):
    press = by_name(runs["status_1"])["Press"]
    assert press["announcements_source"] == "html"
    assert [(a["title"], a["published"]) for a in press["announcements"]] == [
        ("Smart city partnership announces new grants", "2025-05-20T14:00:00Z"),
        ("Workshop on digital twins for municipalities", "2025-03-11T00:00:00Z"),
    ]


def test_french_listing_with_text_dates(runs):
    region = by_name(runs["status_1"])["Region"]
    base = runs["base"]
    assert [(a["title"], a["url"], a["published"][:10]) for a in region["announcements"]] == [
        ("Nouvelle stratégie de mobilité pour la Région", f"{base}/actu/mobilite", "2024-06-03"),
        ("Ouverture des données de qualité de l'air", f"{base}/actu/donnees", "2024-03-12"),
        ("Appel à projets pour les quartiers durables", f"{base}/actu/appel", "2024-02-28"),
    ]


def test_an_undeclared_language_is_read_from_the_page(runs):
    """No `language:` in resources.yaml: the page's <html lang="fr"> reads "3 juin 2024".
    A fixed English default used to drop every one of these items without a word."""
    region = by_name(runs["status_1"])["Region"]
    undeclared = by_name(runs["status_1"])["Region, language not declared"]
    assert undeclared["language"] is None
    assert [(a["title"], a["published"]) for a in undeclared["announcements"]] == [
        (a["title"], a["published"]) for a in region["announcements"]]
    assert len(undeclared["announcements"]) == 3


def test_dutch_articles_with_time_tags(runs):
    stad = by_name(runs["status_1"])["Stad"]
    assert [(a["title"], a["published"][:10]) for a in stad["announcements"]] == [
        ("Slimme straatverlichting in Brussel uitgerold", "2024-03-14"),
        ("Nieuw open dataportaal voor burgers gelanceerd", "2024-02-02"),
    ]


def test_configured_selectors(runs):
    calls = by_name(runs["status_1"])["Calls"]
    base = runs["base"]
    assert [(a["title"], a["url"], a["published"][:10]) for a in calls["announcements"]] == [
        ("Call for city pilots 2025", f"{base}/calls/pilots", "2025-05-05"),
        ("Challenge kickoff webinar", f"{base}/calls/webinar", "2025-04-01"),
    ]


def test_navigation_footer_and_cookie_banner_are_not_announcements(runs):
    status = runs["status_1"]
    assert by_name(status)["Empty"]["announcements"] == []
    every_title = {a["title"] for r in status["resources"] for a in r["announcements"]}
    assert not every_title & {"Inicio", "Quiénes somos", "Contacto y prensa internacional",
                              "Privacy policy and legal notice", "Cookie settings and preferences",
                              "Learn more about us"}


def test_undated_teasers_of_a_clear_listing_are_kept_with_published_null(runs):
    """A city portal prints no dates: its teaser cards are announcements all the same;
    their first sighting stands for the date in the Atom feed and in "new"."""
    portal = by_name(runs["status_1"])["Stadtportal"]
    base = runs["base"]
    assert [(a["title"], a["url"], a["published"]) for a in portal["announcements"]] == [
        ("Neue Radwege im Westen", f"{base}/aktuelles/meldung-1", None),
        ("Bürgerbüro mit längeren Öffnungszeiten", f"{base}/aktuelles/meldung-2", None),
        ("Sanierung der Stadtbibliothek beginnt", f"{base}/aktuelles/meldung-3", None),
        ("Wochenmarkt zieht um", f"{base}/aktuelles/meldung-4", None),
    ]
    assert all(a["first_seen"] for a in portal["announcements"])
    assert portal["announcements_reason"] is None
    feed = feedparser.parse((runs["out"] / "feeds" / "stadtportal.xml").read_bytes())
    assert len(feed.entries) == 4 and all(e.updated for e in feed.entries)
    assert not any("published" in e for e in feed.entries)


def test_any_dateparser_language_in_any_case(runs):
    """`language: PT` is accepted (it was an error), and Portuguese months are read."""
    uni = by_name(runs["status_1"])["Universidade"]
    assert uni["language"] == "pt"
    assert [(a["title"], a["published"]) for a in uni["announcements"]] == [
        ("Edital de bolsas de extensão publicado", "2024-12-03T00:00:00Z"),
        ("Resultado do vestibular de inverno", "2024-11-21T00:00:00Z"),
        ("Obras no campus começam em janeiro", "2024-10-02T00:00:00Z"),
    ]


def test_the_item_limit_is_the_configured_one(runs):
    """60 archive entries, max_announcements: 55: 55 stored (the old silent cap was 50)."""
    db = sqlite3.connect(runs["out"] / "health.db")
    count, = db.execute("SELECT count(*) FROM announcements WHERE resource_id = 'archive'").fetchone()
    fetched, = db.execute("SELECT items FROM announcement_fetches WHERE resource_id = 'archive' AND run_id = 1").fetchone()
    assert count == fetched == 55


def test_a_page_without_announcements_says_why(runs):
    status = runs["status_1"]
    empty, redesigned = by_name(status)["Empty"], by_name(status)["Redesigned"]
    assert empty["announcements_reason"] == "no repeated blocks with headline links"
    assert redesigned["announcements_reason"] == "the item selector 'div.teaser-card' matched nothing"
    assert redesigned["freshness"]["reason"] == (
        "the configured selectors matched nothing: the item selector 'div.teaser-card' matched nothing")
    html = (runs["out"] / "index.html").read_text(encoding="utf-8")
    # said once on the card: the freshness line carries the reason, no second line repeats it
    assert html.count("no repeated blocks with headline links") == 1
    assert "Freshness unknown:</span> no announcements found: no repeated blocks with headline links" in html
    resource_page = (runs["out"] / "resources" / "empty.html").read_text(encoding="utf-8")
    assert "No announcements found: no repeated blocks with headline links." in resource_page


def test_malformed_feed_is_a_warning_and_the_page_is_read_instead(runs):
    broken = by_name(runs["status_1"])["Broken feed"]
    assert broken["status"] == "up"
    assert broken["announcements_source"] == "html"
    assert broken["announcements_warning"].startswith(f"feed {runs['base']}/broken/feed.xml: ")
    assert titles(broken) == ["Slimme straatverlichting in Brussel uitgerold",
                              "Nieuw open dataportaal voor burgers gelanceerd"]


def test_second_run_marks_exactly_the_new_item(runs):
    status = runs["status_2"]
    assert [(a["resource"], a["title"]) for a in status["new_announcements"]] == [
        ("Blog", "Nuevo informe sobre ciudades sostenibles")]
    blog = by_name(status)["Blog"]
    assert [a["title"] for a in blog["announcements"] if a["new"]] == ["Nuevo informe sobre ciudades sostenibles"]
    assert blog["announcements"][0]["title"] == "Nuevo informe sobre ciudades sostenibles", "newest first"


def test_items_are_stored_once_with_first_and_last_seen_runs(runs):
    db = sqlite3.connect(runs["out"] / "health.db")
    rows = db.execute("SELECT title, first_seen_run, last_seen_run FROM announcements "
                      "WHERE resource_id = 'blog' ORDER BY title").fetchall()
    assert rows == [
        ("Ciudades inteligentes y movilidad urbana", 1, 3),
        ("Datos abiertos para la gestión municipal", 1, 3),
        ("Nuevo informe sobre ciudades sostenibles", 2, 3),
        ("Vivienda asequible en América Latina (actualizado)", 1, 3),
    ]


def test_atom_feed_parses_with_stable_ids_and_updates_in_place(runs):
    first, second = feedparser.parse(runs["atom_1"]), feedparser.parse(runs["atom_2"])
    assert not first.bozo and not second.bozo
    ids_1 = {e.id: e for e in first.entries}
    ids_2 = {e.id: e for e in second.entries}
    assert len(ids_2) == len(ids_1) + 1, "one new item, none duplicated"
    assert set(ids_1) < set(ids_2)
    assert all(i.startswith("tag:127.0.0.1,2026:healthcrawl/") for i in ids_2)
    retitled = [e for e in second.entries if e.title.endswith("(actualizado)")]
    assert len(retitled) == 1 and retitled[0].id in ids_1
    assert ids_1[retitled[0].id].title == "Vivienda asequible en América Latina"
    assert retitled[0].updated >= ids_1[retitled[0].id].updated


def test_every_resource_gets_its_own_feed(runs):
    feeds = sorted(p.name for p in (runs["out"] / "feeds").iterdir())
    slugs = ["archive", "blog", "broken-feed", "calls", "empty", "forum", "press", "redesigned",
             "region-language-not-declared", "region", "stad", "stadtportal", "universidade"]
    assert feeds == sorted(f"{slug}.{kind}" for slug in slugs for kind in ("json", "xml"))
    region = feedparser.parse((runs["out"] / "feeds" / "region.xml").read_bytes())
    assert not region.bozo and len(region.entries) == 3


def test_new_lasts_past_the_next_run(runs):
    """Run 3 changed nothing: the item is still new (first seen within new_for), but it
    is no longer new in this run, which is what digests and webhooks send."""
    status = runs["status_3"]
    assert [(a["resource"], a["title"], a["new_this_run"]) for a in status["new_announcements"]] == [
        ("Blog", "Nuevo informe sobre ciudades sostenibles", False)]
    blog = by_name(status)["Blog"]
    assert [a["title"] for a in blog["announcements"] if a["new"]] == ["Nuevo informe sobre ciudades sostenibles"]
    assert status["thresholds"]["new_for_days"] == 7.0


def test_page_shows_the_new_item_the_day_after_and_latest_announcements(runs):
    html = (runs["out"] / "index.html").read_text(encoding="utf-8")
    page = BeautifulSoup(html, "lxml")
    section = page.select_one("#new-announcements")
    assert section.select_one("h2").get_text(" ", strip=True) == "New in the last 7 days 1"
    assert "Nuevo informe sobre ciudades sostenibles" in section.get_text()
    assert "Slimme straatverlichting in Brussel uitgerold" in html
    assert page.select_one('head link[rel="alternate"][type="application/atom+xml"]')["href"] == "announcements.xml"


def test_the_feeds_mark_the_new_item(runs):
    atom = feedparser.parse(runs["atom_3"])
    marked = [e.title for e in atom.entries if any(t.term == "new" for t in e.get("tags", []))]
    assert marked == ["Nuevo informe sobre ciudades sostenibles"]
    feed = json.loads((runs["out"] / "announcements.json").read_text(encoding="utf-8"))
    assert [item["title"] for item in feed["items"] if "new" in item["tags"]] == marked
    assert {item["id"] for item in feed["items"]} == {e.id for e in atom.entries}, "the same ids as Atom"


def test_export_new_only_and_since(runs):
    db = str(runs["out"] / "health.db")
    new_only = json.loads(run_cli("export", "--db", db, "--new-only").stdout)
    assert [a["title"] for r in new_only["resources"] for a in r["announcements"]] == [
        "Nuevo informe sobre ciudades sostenibles"], "still new the run after it was first seen"
    since = json.loads(run_cli("export", "--db", db, "--since", "2025-05-01").stdout)
    recent = {a["title"] for r in since["resources"] for a in r["announcements"]}
    assert "Smart city partnership announces new grants" in recent
    assert "Nouvelle stratégie de mobilité pour la Région" not in recent
    week = json.loads(run_cli("export", "--db", db, "--since", "7d").stdout)
    within = [(a["title"], a["published"]) for r in week["resources"] for a in r["announcements"]]
    # the one dated this week, and the undated ones, first seen by these runs
    assert [title for title, published in within if published] == ["Nuevo informe sobre ciudades sostenibles"]
    undated = {a["title"] for r in runs["status_3"]["resources"] for a in r["announcements"] if not a["published"]}
    assert undated and {title for title, published in within if not published} == undated
    bad = run_cli("export", "--db", db, "--since", "last week")
    assert bad.returncode == 2 and "is neither a period (7d, 12h, 2w) nor a date (YYYY-MM-DD)" in bad.stderr


def test_export_announcements_as_rows(runs):
    db = str(runs["out"] / "health.db")
    rows = json.loads(run_cli("export", "--db", db, "--what", "announcements", "--new-only").stdout)
    assert [(r["resource"], r["title"], r["new"]) for r in rows] == [
        ("blog", "Nuevo informe sobre ciudades sostenibles", True)]
    every = run_cli("export", "--db", db, "--what", "announcements", "--format", "csv").stdout
    assert every.startswith("resource,resource_name,title,url,published,first_seen,new,summary,source\n")
    rows = list(csv.DictReader(io.StringIO(every)))
    with sqlite3.connect(db) as conn:  # every item ever seen, the retitled one once
        stored = conn.execute("SELECT count(*) FROM announcements").fetchone()[0]
    assert len(rows) == stored and len({(row["resource"], row["url"]) for row in rows}) == stored
    assert [row["title"] for row in rows if row["new"] == "true"] == ["Nuevo informe sobre ciudades sostenibles"]
