"""Feed discovery and parsing on hand-written RSS, Atom and JSON Feed fixtures."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.extract import feeds
from crawler.extract.feeds import FeedResult, discover_feeds, parse_feed, trim_xml_items

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "announcements"
FETCHED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str, feed_url: str, language: str | None = None, **kwargs: int) -> FeedResult:
    return parse_feed(fixture(name), feed_url, language=language, fetched_at=FETCHED_AT, **kwargs)


def rows(result: FeedResult) -> list[tuple[str, str | None, str | None]]:
    return [(a.title, a.url, a.published) for a in result.items]


# --------------------------------------------------------------------------- discovery


def test_discover_wordpress_feeds_skips_comments_rest_api_and_oembed() -> None:
    found = discover_feeds(fixture("wp_es_blog.html"), "https://fundacion-ejemplo.es/category/noticias/")
    assert found == [
        "https://fundacion-ejemplo.es/feed/",
        # relative href resolved, utm_* dropped
        "https://fundacion-ejemplo.es/category/noticias/feed/",
    ]


def test_discover_keeps_comment_feed_when_it_is_the_only_one() -> None:
    html = """<html><head>
      <link rel="alternate" type="application/rss+xml" title="Blog &raquo; Comments Feed" href="/comments/feed/">
    </head><body></body></html>"""
    assert discover_feeds(html, "https://blog.example.org/") == ["https://blog.example.org/comments/feed/"]


def test_discover_resolves_against_base_and_handles_all_feed_types() -> None:
    html = """<html><head>
      <base href="https://cdn.example.org/site/">
      <link rel="alternate" type="application/atom+xml" title="Atom" href="atom.xml">
      <link rel="Alternate" type="application/rss+xml; charset=utf-8" href="rss.xml">
      <link rel="alternate" type="application/feed+json" title="JSON Feed" href="feed.json">
      <link rel="alternate" type="application/json" title="JSON Feed (legacy type)" href="/feeds/all.json">
      <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/7">
      <link rel="alternate" type="text/xml" title="RSS 0.92" href="/rss-092.xml">
      <link rel="alternate" type="application/rss+xml" href="rss.xml?utm_source=x">
      <link rel="alternate" type="application/rss+xml" href="ftp://example.org/feed">
      <link rel="alternate" type="application/rss+xml" href="javascript:void(0)">
      <link rel="alternate" hreflang="fr" type="text/html" href="/fr/">
      <link rel="stylesheet" type="application/rss+xml" href="/not-alternate.xml">
    </head></html>"""
    assert discover_feeds(html, "https://www.example.org/news/") == [
        "https://cdn.example.org/site/atom.xml",
        "https://cdn.example.org/site/rss.xml",
        "https://cdn.example.org/site/feed.json",
        "https://cdn.example.org/feeds/all.json",
        "https://cdn.example.org/rss-092.xml",
    ]


@pytest.mark.parametrize("html", ["", b"", "<html></html>", b"\xff\xfe\x00garbage", "<link rel=alternate>"])
def test_discover_nothing(html: str | bytes) -> None:
    assert discover_feeds(html, "https://example.org/") == []


# --------------------------------------------------------------------------- RSS 2.0


def test_wordpress_rss_feed() -> None:
    result = parse("wp_es_feed.xml", "https://fundacion-ejemplo.es/feed/")
    assert result.warning is None
    assert result.title == "Fundación Ejemplo"
    assert rows(result) == [
        (
            "Jornada de puertas abiertas en nuestra sede de Valencia",
            "https://fundacion-ejemplo.es/2025/05/12/jornada-de-puertas-abiertas/",
            "2025-05-12T07:30:00Z",
        ),
        # pubDate localized to Spanish ("mar, 29 abr 2025 10:15:00 +0200"): feedparser gives up, dateparser not.
        (
            "Presentamos la memoria anual 2024",
            "https://fundacion-ejemplo.es/2025/04/29/memoria-anual-2024/",
            "2025-04-29T10:15:00+02:00",
        ),
        # The same post again with another utm_source is dropped.
        (
            "Campaña de empleo juvenil: “Tu primer contrato”",
            "https://fundacion-ejemplo.es/2025/04/15/campana-de-empleo-juvenil/",
            "2025-04-15T10:00:00Z",
        ),
        (
            "Felices fiestas a todo el equipo",
            "https://fundacion-ejemplo.es/2024/12/20/felices-fiestas/",
            "2024-12-20T18:00:00+01:00",
        ),
    ]
    first, second, third, _ = result.items
    assert first.guid == "https://fundacion-ejemplo.es/?p=418"
    assert first.source == "feed"
    assert first.summary.startswith(
        "El próximo sábado abrimos las puertas de la sede para que vecinos y voluntarios conozcan nuestros talleres. "
    )
    assert "<" not in first.summary
    assert second.summary.endswith("del año pasado. […]")
    # No <description>: the summary comes from content:encoded, HTML stripped.
    assert third.summary == "Abrimos inscripciones para el programa de acompañamiento a jóvenes de 18 a 25 años."


def test_rss_channel_language_is_used_when_none_given() -> None:
    body = fixture("wp_es_feed.xml")
    with_language = parse_feed(body, "https://fundacion-ejemplo.es/feed/", language="es", fetched_at=FETCHED_AT)
    without = parse_feed(body, "https://fundacion-ejemplo.es/feed/", language=None, fetched_at=FETCHED_AT)
    assert rows(with_language) == rows(without)


def test_rss_1_0_rdf_feed() -> None:
    body = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://old.example.org/"><title>Old site</title><link>https://old.example.org/</link>
    <items><rdf:Seq><rdf:li rdf:resource="https://old.example.org/a"/></rdf:Seq></items></channel>
  <item rdf:about="https://old.example.org/a"><title>Minutes of the spring meeting</title>
    <link>https://old.example.org/a</link><dc:date>2024-04-02T10:00:00+02:00</dc:date></item>
</rdf:RDF>"""
    result = parse_feed(body, "https://old.example.org/index.rdf", language=None, fetched_at=FETCHED_AT)
    assert result.warning is None
    assert rows(result) == [("Minutes of the spring meeting", "https://old.example.org/a", "2024-04-02T10:00:00+02:00")]


def test_future_and_missing_dates_are_not_invented() -> None:
    body = b"""<rss version="2.0"><channel><title>T</title>
      <item><title>Scheduled post for next year</title><link>https://e.org/a</link>
        <pubDate>Mon, 01 Jun 2026 10:00:00 +0000</pubDate></item>
      <item><title>Post without any date</title><link>https://e.org/b</link></item>
    </channel></rss>"""
    result = parse_feed(body, "https://e.org/feed", language="en", fetched_at=FETCHED_AT)
    assert [a.published for a in result.items] == [None, None]


# --------------------------------------------------------------------------- Atom


def test_atom_with_xml_base() -> None:
    result = parse("atom_xml_base.xml", "https://www.stichting-voorbeeld.nl/nieuws/feed.atom")
    assert result.warning is None
    assert result.title == "Stichting Voorbeeld – Nieuws"
    assert rows(result) == [
        (
            "Jaarverslag 2023 gepubliceerd",
            "https://www.stichting-voorbeeld.nl/nieuws/2024/jaarverslag-2023?page=1",
            "2024-03-14T10:00:00+01:00",
        ),
        # only <updated>
        ("Open dag op zaterdag", "https://www.stichting-voorbeeld.nl/agenda/open-dag", "2024-02-02T09:00:00Z"),
        # entry-level xml:base
        (
            "Nieuwe vrijwilligers gezocht",
            "https://blog.stichting-voorbeeld.nl/posts/vrijwilligers-gezocht.html",
            "2024-01-10T12:00:00Z",
        ),
    ]
    assert result.items[0].guid == "tag:stichting-voorbeeld.nl,2024-03-14:/nieuws/2024/jaarverslag-2023"
    assert result.items[0].summary == "Het jaarverslag over 2023 staat online."
    assert result.items[1].summary == "Kom kijken in onze werkplaats."


def test_atom_relative_links_resolve_against_feed_url() -> None:
    result = parse("atom_relative.xml", "https://labs.example.org/blog/atom.xml")
    assert result.warning is None
    assert rows(result) == [
        ("Release 2.0 is out", "https://labs.example.org/blog/posts/release-2-0/", "2025-05-20T16:00:00Z"),
        ("Meet us at the Open Source Summit", "https://labs.example.org/events/oss-summit", "2025-04-02T09:15:00-04:00"),
    ]


# --------------------------------------------------------------------------- JSON Feed


def test_json_feed_1_1() -> None:
    result = parse("jsonfeed_11.json", "https://riverside-trust.org.uk/updates/feed.json")
    assert result.warning is None
    assert result.title == "Riverside Trust updates"
    assert rows(result) == [
        (
            "Summer fair 2025: stalls now open for booking",
            "https://riverside-trust.org.uk/updates/summer-fair-2025",
            "2025-05-28T09:00:00+01:00",
        ),
        ("New food bank opening hours", "https://riverside-trust.org.uk/updates/food-bank-hours", "2025-05-20T14:30:00Z"),
        # No title: named after its text.
        (
            "Thank you to the 40 volunteers who helped clear the riverbank this weekend!",
            None,
            "2025-05-12T18:00:00Z",
        ),
        # external_url and date_modified only
        (
            "Riverside Trust wins community award",
            "https://www.localnews.example.com/riverside-trust-award",
            "2025-04-30T10:00:00Z",
        ),
    ]
    assert [a.guid for a in result.items] == [
        "https://riverside-trust.org.uk/updates/summer-fair-2025",
        "2025-05-20-food-bank",
        "note-2025-05-12",
        "ext-1",
    ]
    assert result.items[0].summary == "Stall bookings for the summer fair are open until 30 June."
    assert result.items[1].summary == "From 2 June the food bank opens on Tuesdays and Thursdays."


def test_json_feed_version_1_and_html_content() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1",
            "title": "Old JSON",
            "items": [{"id": 7, "url": "https://e.org/p/7", "title": "Seven", "content_html": "<p>A <b>bold</b> post</p>"}],
        }
    ).encode()
    result = parse_feed(body, "https://e.org/feed.json", language=None, fetched_at=FETCHED_AT)
    assert result.warning is None
    assert [(a.title, a.url, a.guid, a.summary) for a in result.items] == [
        ("Seven", "https://e.org/p/7", "7", "A bold post")
    ]


@pytest.mark.parametrize(
    ("body", "warning"),
    [
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "feed is not valid JSON (line 1)"),
        (b'{"name": "not a feed"}', "JSON document is not a JSON Feed"),
        (b"[1, 2, 3]", "JSON document is not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": "nope"}', "JSON Feed has no items list"),
    ],
)
def test_bad_json_feeds(body: bytes, warning: str) -> None:
    result = parse_feed(body, "https://e.org/feed.json", language=None, fetched_at=FETCHED_AT)
    assert result.items == []
    assert result.warning is not None and result.warning.startswith(warning)


# --------------------------------------------------------------------------- broken feeds


def test_malformed_feed_with_entries_keeps_items_and_warns() -> None:
    result = parse("malformed_feed.xml", "https://club-nautique.example.fr/feed")
    assert result.warning == "feed is not well-formed XML (line 4): not well-formed (invalid token)"
    assert rows(result) == [
        ("Régate de printemps : résultats", "https://club-nautique.example.fr/actus/regate-printemps", "2024-04-14T17:00:00+02:00"),
        ("Stage d'été pour les 8-12 ans", "https://club-nautique.example.fr/actus/stage-ete", "2024-05-06T09:00:00+02:00"),
    ]


def test_malformed_feed_without_entries() -> None:
    result = parse("broken_feed.xml", "https://club-nautique.example.fr/feed")
    assert result == FeedResult([], "feed is not well-formed XML (line 7): mismatched tag", None)


def test_line_number_counts_from_the_body_without_xml_declaration() -> None:
    body = b"<rss version='2.0'>\n<channel>\n<title>x</b>\n</channel></rss>"
    result = parse_feed(body, "https://e.org/feed", language=None, fetched_at=FETCHED_AT)
    assert result.warning == "feed is not well-formed XML (line 3): mismatched tag"


@pytest.mark.parametrize(
    ("body", "warning"),
    [
        (b"", "feed is empty"),
        (b"  \n ", "feed is empty"),
        (b"<!DOCTYPE html><html><body><p>Not found</p></body></html>", "not an RSS or Atom feed"),
        # A body that happens to be a path must never be opened as a file by feedparser.
        (b"/etc/passwd", "feed is not well-formed XML"),
    ],
)
def test_not_a_feed(body: bytes, warning: str) -> None:
    result = parse_feed(body, "https://e.org/feed", language=None, fetched_at=FETCHED_AT)
    assert result.items == []
    assert result.warning is not None and result.warning.startswith(warning)


def test_unexpected_errors_become_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(feeds.feedparser, "parse", explode)
    result = parse("wp_es_feed.xml", "https://fundacion-ejemplo.es/feed/")
    assert result == FeedResult([], "feed could not be parsed: RuntimeError: boom", None)


# --------------------------------------------------------------------------- size limits


def big_rss(count: int) -> bytes:
    items = "".join(
        f"<item><title>Item {i}</title><link>https://e.org/n/{i}</link><guid>g{i}</guid>"
        f"<pubDate>Tue, 13 May 2025 09:30:00 +0000</pubDate><description>Text of item {i}</description></item>"
        for i in range(count)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()


def test_max_items() -> None:
    result = parse("wp_es_feed.xml", "https://fundacion-ejemplo.es/feed/", max_items=2)
    assert [a.title for a in result.items] == [
        "Jornada de puertas abiertas en nuestra sede de Valencia",
        "Presentamos la memoria anual 2024",
    ]
    assert parse("jsonfeed_11.json", "https://riverside-trust.org.uk/updates/feed.json", max_items=1).items[0].guid == (
        "https://riverside-trust.org.uk/updates/summer-fair-2025"
    )


def test_huge_feed_is_cut_before_parsing() -> None:
    body = big_rss(100_000)
    started = time.perf_counter()
    result = parse_feed(body, "https://e.org/feed", language="en", fetched_at=FETCHED_AT)
    elapsed = time.perf_counter() - started
    assert len(result.items) == 200
    assert result.items[-1].title == "Item 199"
    assert result.warning is None
    assert elapsed < 3, f"parsing a 100,000-item feed took {elapsed:.1f}s"


def test_trim_keeps_documents_it_cannot_cut_safely() -> None:
    small = big_rss(300)
    assert trim_xml_items(small, 200) == small  # below the size threshold
    big = big_rss(5_000)
    trimmed = trim_xml_items(big, 200)
    assert trimmed.endswith(b"<description>Text of item 199</description></item></channel></rss>")
    unparsable_prefix = big.replace(b"<title>Big</title>", b"<title>Big &undefined;</title>")
    assert trim_xml_items(unparsable_prefix, 200) == unparsable_prefix
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        + "".join(f"<entry><title>E{i}</title><id>urn:{i}</id></entry>" for i in range(20_000))
        + "</feed>"
    ).encode()
    assert trim_xml_items(atom, 3).endswith(b"<title>E2</title><id>urn:2</id></entry></feed>")
