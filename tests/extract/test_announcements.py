"""Announcements from hand-written pages: every tier, and pages that must yield nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import announcements
from crawler.extract.announcements import Announcement, announcement_key, extract_announcements
from crawler.extract.dates import parse_date
from crawler.extract.feeds import discover_feeds, parse_feed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "announcements"
FETCHED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def extract(name: str, page_url: str, language: str | None, **kwargs: object) -> list[Announcement]:
    html = (FIXTURES / name).read_bytes()
    return extract_announcements(html, page_url, language=language, fetched_at=FETCHED_AT, **kwargs)


def rows(items: list[Announcement]) -> list[tuple[str, str | None, str | None]]:
    return [(a.title, a.url, a.published) for a in items]


# --------------------------------------------------------------------------- JSON-LD


def test_jsonld_item_list_of_news_articles() -> None:
    items = extract("jsonld_itemlist.html", "https://www.harbourcity.gov.example/newsroom", "en")
    assert rows(items) == [
        (
            "Ferry timetable changes from 1 June",
            "https://www.harbourcity.gov.example/newsroom/ferry-timetable-changes",
            "2025-05-20T08:00:00+02:00",
        ),
        (
            "Library renovation completed",
            "https://www.harbourcity.gov.example/newsroom/library-renovation",
            "2025-05-02T00:00:00Z",
        ),
        # url from mainEntityOfPage; no date in the markup, so none in the result
        (
            "Consultation on the new harbour walk",
            "https://www.harbourcity.gov.example/newsroom/harbour-walk-consultation",
            None,
        ),
    ]
    assert {a.source for a in items} == {"jsonld"}
    assert items[0].summary == "Weekend sailings move to a summer schedule."


def test_jsonld_graph_references_and_broken_json() -> None:
    items = extract("jsonld_graph.html", "https://atelier-velo.example.fr/blog/", "fr")
    assert rows(items) == [
        (
            "Bourse aux vélos du printemps",
            "https://atelier-velo.example.fr/blog/bourse-aux-velos/",
            "2024-06-03T09:00:00+02:00",
        ),
        (
            "Atelier réglage des freins & des dérailleurs",
            "https://atelier-velo.example.fr/blog/atelier-freins/",
            "2024-03-12T18:30:00+01:00",
        ),
        # only dateModified
        (
            "Nouveaux horaires d’ouverture",
            "https://atelier-velo.example.fr/blog/nouveaux-horaires/",
            "2024-02-01T10:00:00+01:00",
        ),
        # an Event in a CDATA-wrapped block with a trailing comma
        ("Vélorution du samedi", "https://atelier-velo.example.fr/agenda/velorution", "2024-05-18T14:00:00Z"),
    ]
    assert items[3].summary == "Balade festive à vélo dans le centre-ville."


def test_structured_data_that_describes_the_page_itself_makes_it_one_article() -> None:
    """custom_selectors.html's JSON-LD is an Article at the page's own address: the page says
    it is one article, and an article announces nothing itself (nor do the heuristics then)."""
    html = (FIXTURES / "custom_selectors.html").read_bytes()
    found = announcements.read_announcements(html, "https://saint-exemple.example.fr/presse/", language="fr",
                                             fetched_at=FETCHED_AT)
    assert found.items == [] and (found.reason or "").startswith("the page is one article")
    body = "<p>" + "Le texte de l'article, avec des liens vers <a href='/tag/voirie'>voirie</a>. " * 5 + "</p>"
    microdata = f"<article itemscope itemtype='http://schema.org/Article'><h1 itemprop='headline'>Un article</h1>{body}</article>"
    found = announcements.read_announcements(f"<html><body>{microdata}</body></html>", "https://e.fr/a",
                                             language="fr", fetched_at=FETCHED_AT)
    assert found.items == [] and (found.reason or "").startswith("the page is one article")


def test_jsonld_items_other_than_the_page_are_its_announcements() -> None:
    html = """<script type="application/ld+json">[
      {"@type": "CollectionPage", "url": "https://e.org/news/"},
      {"@type": "NewsArticle", "headline": "The page", "url": "https://e.org/news/"},
      {"@type": "NewsArticle", "headline": "A story", "url": "https://e.org/news/a-story", "datePublished": "2025-05-02"}
    ]</script>"""
    items = extract_announcements(html, "https://e.org/news/", language="en", fetched_at=FETCHED_AT)
    assert rows(items) == [("A story", "https://e.org/news/a-story", "2025-05-02T00:00:00Z")]


def test_jsonld_written_for_another_host_names_the_page_s_own_link() -> None:
    """A Docusaurus build whose config kept the template's placeholder host: the JSON-LD
    and the canonical name your-docusaurus-site.example.com, the page links /blog/welcome on
    the host it is served from. An item of another site keeps its address."""
    html = """<link rel="canonical" href="https://your-docusaurus-site.example.com/blog">
    <script type="application/ld+json">{"@type": "Blog", "blogPost": [
      {"@type": "BlogPosting", "headline": "welcome", "url": "https://your-docusaurus-site.example.com/blog/welcome"},
      {"@type": "BlogPosting", "headline": "elsewhere", "url": "https://other.example.net/post"}
    ]}</script><a href="/blog/welcome">welcome</a><a href="/post">Not the same host's post</a>"""
    items = extract_announcements(html, "https://cogs.example.org/blog", language="en", fetched_at=FETCHED_AT)
    assert [a.url for a in items] == ["https://cogs.example.org/blog/welcome", "https://other.example.net/post"]


def test_jsonld_reference_cycles_terminate() -> None:
    html = """<script type="application/ld+json">{"@graph": [
      {"@type": "WebPage", "@id": "https://e.org/#p", "hasPart": {"@id": "https://e.org/#s"}},
      {"@type": "WebPageElement", "@id": "https://e.org/#s", "isPartOf": {"@id": "https://e.org/#p"}},
      {"@type": "NewsArticle", "headline": "Cycle-safe", "url": "https://e.org/n", "isPartOf": {"@id": "https://e.org/#p"}}
    ]}</script>"""
    items = extract_announcements(html, "https://e.org/", language="en", fetched_at=FETCHED_AT)
    assert rows(items) == [("Cycle-safe", "https://e.org/n", None)]


# --------------------------------------------------------------------------- microdata and <article>


def test_microdata_events_and_posting() -> None:
    items = extract("microdata_agenda.html", "https://laribera.example.es/agenda", None)
    assert rows(items) == [
        # The nested Place's itemprop=name is not the event's name.
        (
            "Concierto de primavera de la banda municipal",
            "https://laribera.example.es/agenda/concierto-primavera",
            "2025-04-26T20:00:00+02:00",
        ),
        # Starts after the fetch: no publication date rather than a made-up one.
        ("Festival de verano en el patio", "https://laribera.example.es/agenda/festival-verano", None),
        ("Nuevo horario de la biblioteca", "https://laribera.example.es/noticias/nuevo-horario", "2025-05-05T00:00:00Z"),
    ]
    assert {a.source for a in items} == {"microdata"}
    assert items[0].summary == "La banda municipal abre la temporada con obras de Falla y Albéniz."


def test_a_microdata_item_without_a_date_property_is_dated_by_the_day_it_shows() -> None:
    event = ("<div itemscope itemtype='http://data-vocabulary.org/Event'><h4><a itemprop='name' "
             "href='https://meetup.example/events/werkstatt'>Werkstatt Transparenz</a></h4><span>19:00 Uhr</span>"
             "<div class='event-date'>Samstag <span>27</span> Mai 2017</div></div>")
    found = announcements.read_announcements(f"<html lang='de'><body><h3>Termine</h3>{event}</body></html>",
                                             "https://e.de/termine", language=None, fetched_at=FETCHED_AT)
    assert rows(found.items) == [("Werkstatt Transparenz", "https://meetup.example/events/werkstatt", "2017-05-27T00:00:00Z")]


def test_dutch_article_blocks_with_time() -> None:
    items = extract("nl_articles.html", "https://www.stichting-voorbeeld.nl/over-ons/nieuws/", "nl")
    assert rows(items) == [
        (
            "Jaarverslag 2023 gepubliceerd",
            "https://www.stichting-voorbeeld.nl/nieuws/jaarverslag-2023",
            "2024-03-14T10:00:00+01:00",
        ),
        # <time> without datetime: its text "2 februari 2024"; the "Nieuw" badge is not part of the title
        (
            "Nieuwe locatie in Utrecht",
            "https://www.stichting-voorbeeld.nl/nieuws/nieuwe-locatie-utrecht",
            "2024-02-02T00:00:00Z",
        ),
        # the whole card is the link
        (
            "Vacature: coördinator vrijwilligers",
            "https://www.stichting-voorbeeld.nl/nieuws/vacature-coordinator",
            "2024-01-08T00:00:00Z",
        ),
    ]
    assert {a.source for a in items} == {"article"}
    assert items[0].summary == "Ons jaarverslag over 2023 is klaar. Lees hoe we 1.200 gezinnen hebben geholpen."
    assert items[2].summary == ""  # "Geplaatst op 8 januari 2024" is a date line, not a summary


def test_wordpress_spanish_blog_page() -> None:
    items = extract("wp_es_blog.html", "https://fundacion-ejemplo.es/category/noticias/", "es")
    assert rows(items) == [
        (
            "Jornada de puertas abiertas en nuestra sede de Valencia",
            "https://fundacion-ejemplo.es/2025/05/12/jornada-de-puertas-abiertas/",
            "2025-05-12T09:30:00+02:00",
        ),
        (
            "Presentamos la memoria anual 2024",
            "https://fundacion-ejemplo.es/2025/04/29/memoria-anual-2024/",
            "2025-04-29T10:15:00+02:00",
        ),
        (
            "Campaña de empleo juvenil: “Tu primer contrato”",
            "https://fundacion-ejemplo.es/2025/04/15/campana-de-empleo-juvenil/",
            "2025-04-15T12:00:00+02:00",
        ),
    ]
    # "Seguir leyendo …" is cut from the teaser.
    assert items[0].summary == (
        "El próximo sábado abrimos las puertas de la sede para que vecinos y voluntarios conozcan nuestros talleres."
    )


# --------------------------------------------------------------------------- listing heuristic


def test_french_listing_with_text_dates_and_base_href() -> None:
    items = extract("fr_listing.html", "https://jardins-croix-rousse.example.fr/site/index.html", "fr")
    base = "https://jardins-croix-rousse.example.fr"
    assert rows(items) == [
        (
            "Assemblée générale annuelle : le compte rendu",
            f"{base}/site/actualites/assemblee-generale-2024.html",
            "2024-06-03T00:00:00Z",
        ),
        (
            "Nouvel atelier compost au jardin des Chartreux",
            f"{base}/site/actualites/atelier-compost.html",
            "2024-05-21T00:00:00Z",
        ),
        # The date in the title is not the publication date.
        ("Fermeture exceptionnelle du 15 avril 2024", f"{base}/site/actualites/fermeture.html", "2024-04-02T00:00:00Z"),
        ("Bilan du troc de graines du printemps", f"{base}/archives/bilan-troc-graines.html", "2024-03-12T00:00:00Z"),
    ]
    assert {a.source for a in items} == {"listing"}
    assert items[0].summary == "Merci aux quarante adhérents présents samedi. Voici le compte rendu et le nouveau bureau."


def test_page_language_comes_from_html_lang() -> None:
    with_language = extract("fr_listing.html", "https://jardins-croix-rousse.example.fr/site/index.html", "fr")
    without = extract("fr_listing.html", "https://jardins-croix-rousse.example.fr/site/index.html", None)
    assert without == with_language


def test_english_listing_dedupes_and_strips_tracking() -> None:
    items = extract("en_listing.html", "https://northfield-coop.example.org/about/", "en")
    assert rows(items) == [
        # listed twice (featured + regular, once with utm_*): kept once
        (
            "Annual general meeting: agenda and papers",
            "https://northfield-coop.example.org/about/news/annual-general-meeting-2025",
            "2025-05-03T00:00:00Z",
        ),
        (
            "Boiler replacement programme starts in June",
            "https://northfield-coop.example.org/news/boiler-replacement-programme",
            "2025-05-30T12:00:00Z",
        ),
        (
            "Community garden day — volunteers wanted",
            "https://northfield-coop.example.org/news/garden-day",
            "2025-04-28T00:00:00Z",
        ),
        (
            "Rent review 2025 consultation results",
            "https://northfield-coop.example.org/news/rent-review-2025",
            "2025-03-31T00:00:00Z",
        ),
    ]


def test_max_items_caps_after_dedupe() -> None:
    items = extract("en_listing.html", "https://northfield-coop.example.org/about/", "en", max_items=2)
    assert [a.title for a in items] == [
        "Annual general meeting: agenda and papers",
        "Boiler replacement programme starts in June",
    ]
    assert extract("en_listing.html", "https://northfield-coop.example.org/about/", "en", max_items=0) == []


def test_nested_listings_take_the_inner_blocks() -> None:
    """Three year sections of three items each: nine items, not three "sections"."""
    html = "".join(
        f'<section class="year"><h2>{year}</h2>'
        + "".join(
            f'<div class="item"><h3><a href="/n/{year}-{m}">News story number {m} of {year}</a></h3>'
            f"<span>{m} May {year}</span></div>"
            for m in range(1, 4)
        )
        + "</section>"
        for year in (2024, 2023, 2022)
    )
    items = extract_announcements(f"<main>{html}</main>", "https://e.org/", language="en", fetched_at=FETCHED_AT)
    assert len(items) == 9
    assert rows(items)[:2] == [
        ("News story number 1 of 2024", "https://e.org/n/2024-1", "2024-05-01T00:00:00Z"),
        ("News story number 2 of 2024", "https://e.org/n/2024-2", "2024-05-02T00:00:00Z"),
    ]


# --------------------------------------------------------------------------- pages without announcements


def test_page_without_announcements_yields_nothing() -> None:
    """Menus, a hero, service cards, a cookie banner, contact details and a footer with news links."""
    assert extract("no_announcements.html", "https://riverside-trust.org.uk/", "en") == []


@pytest.mark.parametrize(
    "html",
    [
        "",
        b"",
        "<html><body><p>Hello</p></body></html>",
        # a menu that is a perfect listing, but a menu
        "<nav>" + "".join(f'<li><a href="/n{i}">A nice long menu entry {i}</a> 3 May 2025</li>' for i in range(5)) + "</nav>",
        "<ul class='breadcrumbs'>" + "".join(f'<li><a href="/n{i}">Home to section number {i}</a> 3 May 2025</li>' for i in range(5)) + "</ul>",
        "<div id='cookieConsent'>" + "".join(f'<p><a href="/c{i}">Our cookie policy version {i}</a> 3 May 2025</p>' for i in range(5)) + "</div>",
        "<div class='c-pagination'>" + "".join(f'<span><a href="/p{i}">Go to results page {i}</a> 3 May 2025</span>' for i in range(5)) + "</div>",
        "<div class='share-buttons'>" + "".join(f'<span><a href="/s{i}">Share this on network {i}</a> 3 May 2025</span>' for i in range(5)) + "</div>",
        "<footer>" + "".join(f'<div class="col"><a href="/f{i}">Footer link number {i} here</a> 3 May 2025</div>' for i in range(5)) + "</footer>",
        # repeated blocks with dates but links that are not headlines
        "<ul>" + "".join(f'<li><a href="/d{i}">PDF</a> 3 May 2025</li>' for i in range(5)) + "</ul>",
        # headline links without any date
        "<ul>" + "".join(f'<li><a href="/x{i}">Our programme for young people {i}</a></li>' for i in range(5)) + "</ul>",
    ],
)
def test_noise_never_comes_out(html: str | bytes) -> None:
    assert extract_announcements(html, "https://e.org/", language="en", fetched_at=FETCHED_AT) == []


def test_body_classes_do_not_hide_the_page() -> None:
    """WordPress puts "cookies-not-set" on <body>; that must not count as a cookie banner."""
    html = '<body class="cookies-not-set has-navigation"><main>' + "".join(
        f'<div class="post"><h2><a href="/p{i}">A perfectly normal post {i}</a></h2><time datetime="2025-05-0{i}">x</time></div>'
        for i in range(1, 4)
    ) + "</main></body>"
    items = extract_announcements(html, "https://e.org/", language="en", fetched_at=FETCHED_AT)
    assert [a.url for a in items] == ["https://e.org/p1", "https://e.org/p2", "https://e.org/p3"]


# --------------------------------------------------------------------------- custom selectors


SELECTORS = {"item": ".x-row", "title": ".x-t", "link": ".x-go", "date": ".x-d"}


def test_custom_selectors_only() -> None:
    items = extract("custom_selectors.html", "https://saint-exemple.example.fr/presse/", "fr", selectors=SELECTORS)
    assert rows(items) == [
        # 14/03/2024 read day-first in French
        ("Travaux de voirie avenue Jean-Jaurès", "https://saint-exemple.example.fr/presse/2024/travaux-voirie", "2024-03-14T00:00:00Z"),
        # data-date attribute beats the abbreviated text
        (
            "Inscriptions scolaires pour la rentrée",
            "https://saint-exemple.example.fr/presse/2024/inscriptions-scolaires",
            "2024-02-05T00:00:00Z",
        ),
        (
            "Conseil municipal : ordre du jour",
            "https://saint-exemple.example.fr/presse/conseil-municipal-ordre-du-jour",
            "2025-05-29T12:00:00Z",
        ),
        # a row without title is skipped; one without link or date is kept as it is
        ("Message sans lien ni date", None, None),
    ]
    assert {a.source for a in items} == {"selectors"}


def test_selectors_with_only_item() -> None:
    items = extract("nl_articles.html", "https://www.stichting-voorbeeld.nl/", "nl", selectors={"item": "article.nieuws-item"})
    assert rows(items)[:2] == [
        ("Jaarverslag 2023 gepubliceerd", "https://www.stichting-voorbeeld.nl/nieuws/jaarverslag-2023", "2024-03-14T10:00:00+01:00"),
        ("Nieuwe locatie in Utrecht", "https://www.stichting-voorbeeld.nl/nieuws/nieuwe-locatie-utrecht", "2024-02-02T00:00:00Z"),
    ]


@pytest.mark.parametrize(
    "selectors",
    [{"item": "div[["}, {"item": ".x-row", "title": ":::"}, {"item": ".nothing-matches"}, {"title": ".x-t"}],
)
def test_broken_or_empty_selectors_do_not_fall_back(selectors: dict) -> None:
    """A configured site whose selectors no longer match reports nothing, not heuristic guesses."""
    items = extract("custom_selectors.html", "https://saint-exemple.example.fr/presse/", "fr", selectors=selectors)
    assert items == []


# --------------------------------------------------------------------------- identity


def test_announcement_key() -> None:
    with_utm = Announcement("T", "https://Example.org/a?utm_source=x&id=3", None, "", "g1", "feed")
    plain = Announcement("Other title", "https://example.org/a?id=3", "2025-01-01T00:00:00Z", "s", None, "listing")
    assert announcement_key(with_utm) == announcement_key(plain) == "https://example.org/a?id=3"
    assert announcement_key(Announcement("T", None, None, "", " urn:x ", "feed")) == "guid:urn:x"
    assert announcement_key(Announcement("  Grande  NOUVELLE ", None, None, "", None, "listing")) == "title:grande nouvelle"
    assert announcement_key(Announcement("Grande nouvelle", None, None, "", None, "listing")) == "title:grande nouvelle"


def test_same_item_from_feed_and_page_has_the_same_key() -> None:
    page = extract("wp_es_blog.html", "https://fundacion-ejemplo.es/category/noticias/", "es")
    feed = parse_feed(
        (FIXTURES / "wp_es_feed.xml").read_bytes(), "https://fundacion-ejemplo.es/feed/", language="es", fetched_at=FETCHED_AT
    )
    assert [announcement_key(a) for a in page] == [announcement_key(a) for a in feed.items[:3]]


def test_titles_are_clean_everywhere() -> None:
    pages = {
        "wp_es_blog.html": "https://fundacion-ejemplo.es/",
        "fr_listing.html": "https://jardins-croix-rousse.example.fr/",
        "nl_articles.html": "https://www.stichting-voorbeeld.nl/",
        "en_listing.html": "https://northfield-coop.example.org/",
        "microdata_agenda.html": "https://laribera.example.es/",
    }
    for name, url in pages.items():
        for item in extract(name, url, None):
            assert item.title and item.title == " ".join(item.title.split())
            lowered = item.title.lower()
            assert not any(word in lowered for word in ("read more", "lire la suite", "leer más", "lees meer", "»", "→"))
            assert len(item.summary) <= announcements.SUMMARY_MAX


def test_summaries_are_truncated() -> None:
    long_text = "palabra " * 200
    html = f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "H", "description": "{long_text}"}}</script>'
    (item,) = extract_announcements(html, "https://e.org/", language="es", fetched_at=FETCHED_AT)
    assert len(item.summary) <= announcements.SUMMARY_MAX
    assert item.summary.endswith("palabra…")


def test_extract_survives_a_failing_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(announcements, "jsonld_items", explode)
    items = extract("fr_listing.html", "https://jardins-croix-rousse.example.fr/site/index.html", "fr")
    assert len(items) == 4




# --------------------------------------------------------------------------- never raise

_TAGS = ["a", "div", "li", "ul", "article", "time", "h2", "nav", "footer", "script", "base", "link", "p", "span"]
_ATTRS = ['href="/x"', 'href="javascript:x"', 'class="menu"', 'datetime="2024-02-30"', 'type="application/ld+json"',
          'itemscope itemtype="https://schema.org/Event"', 'itemprop="name"', 'rel="alternate"', 'href="http://[::1"']
_html_fragments = st.recursive(
    st.text(max_size=30) | st.sampled_from(["3 juin 2024", "May 3, 2025", "{", '{"@type": "Article"', "&amp;", "]]>"]),
    lambda inner: st.builds(
        lambda tag, attr, body: f"<{tag} {attr}>{body}</{tag}>",
        st.sampled_from(_TAGS),
        st.sampled_from(_ATTRS),
        st.lists(inner, max_size=4).map("".join),
    ),
    max_leaves=12,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=st.one_of(st.text(max_size=300), st.binary(max_size=300), _html_fragments),
    language=st.sampled_from([None, "en", "fr", "nl", "es-ES", "zz", ""]),
    url=st.sampled_from(["https://example.org/a/", "", "not a url", "http://[::1"]),
)
def test_nothing_raises_on_arbitrary_input(document: str | bytes, language: str | None, url: str) -> None:
    extract_announcements(document, url, language=language, fetched_at=FETCHED_AT)
    extract_announcements(document, url, language=language, fetched_at=FETCHED_AT, selectors={"item": "li", "date": "time"})
    discover_feeds(document, url)
    body = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    result = parse_feed(body, url, language=language, fetched_at=FETCHED_AT)
    assert result.warning is None or isinstance(result.warning, str)
    text = document.decode("latin-1") if isinstance(document, bytes) else document
    parsed = parse_date(text[:90], language=language, fetched_at=FETCHED_AT)
    assert parsed is None or len(parsed) in (20, 25)  # Z, or the publisher's +HH:MM


# --------------------------------------------------------------------------- no silent cap


def test_the_default_limit_is_200_and_reached_in_page_order() -> None:
    html = "<main><ul>" + "".join(
        f'<li><a href="/n/{i}">Council meeting minutes number {i}</a> {1 + i % 28} May 2024</li>' for i in range(250)
    ) + "</ul></main>"
    items = extract_announcements(html, "https://e.org/", language="en", fetched_at=FETCHED_AT)
    assert len(items) == announcements.DEFAULT_MAX_ITEMS == 200
    assert items[0].url == "https://e.org/n/0" and items[-1].url == "https://e.org/n/199"


@pytest.mark.parametrize(
    ("html", "selectors", "reason"),
    [
        ("", None, "the page is empty"),
        ("<main><p>Welcome. We are a small club.</p></main>", None, "no repeated blocks with headline links"),
        ("<main><ul>" + "".join(f'<li><a href="/s{i}">Service</a></li>' for i in range(5)) + "</ul></main>", None,
         "5 candidate blocks, none dated and structure too weak"),
        ("<main><ul>" + "".join(f'<li><a href="/x{i}">Our programme for young people {i}</a></li>' for i in range(5))
         + "</ul></main>", None, "5 candidate blocks, none dated and structure too weak"),
        ("<main><ul><li>x</li></ul></main>", {"item": "div.news"}, "the item selector 'div.news' matched nothing"),
        ("<main><div class='news'>3 May 2025</div></main>", {"item": "div.news", "title": "h3"},
         "the item selector matched 1 elements, none with a title selector"),
    ],
)
def test_no_announcements_comes_with_a_reason(html: str, selectors: dict | None, reason: str) -> None:
    found = announcements.read_announcements(html, "https://e.org/", language="en", fetched_at=FETCHED_AT,
                                             selectors=selectors)
    assert found.items == [] and found.reason == reason


def test_the_day_a_time_element_shows_wins_over_a_utc_instant_one_day_off() -> None:
    """A site that prints its local day and writes the attribute as UTC ("January 21" in
    the text, 2024-01-22T00:00Z in datetime) published on the day its readers see; an
    attribute without a time of day, or a day the text does not contradict, stands."""
    posts = [("2024-01-22T00:00:00.000Z", "January 21, 2024"), ("2024-01-15", "January 14, 2024"),
             ("2024-01-08T09:30:00Z", "January 8, 2024"), ("2024-01-02T00:00:00Z", "Tuesday")]
    html = "<main>" + "".join(
        f'<article><time datetime="{machine}">{shown}</time><h2><a href="/news/{i}">News item number {i}</a></h2>'
        f"<p>What happened, told in a sentence or two.</p></article>" for i, (machine, shown) in enumerate(posts)
    ) + "</main>"
    found = extract_announcements(html, "https://city.example/news/", language="en", fetched_at=FETCHED_AT)
    assert [(a.url, (a.published or "")[:10]) for a in found] == [
        ("https://city.example/news/0", "2024-01-21"), ("https://city.example/news/1", "2024-01-15"),
        ("https://city.example/news/2", "2024-01-08"), ("https://city.example/news/3", "2024-01-02")]


def test_a_list_of_lines_broken_by_br_dates_each_line_s_link() -> None:
    """An old site's news page is one paragraph of lines: the date before the link (or
    after it, in brackets) on the same line is that item's day, not its neighbour's."""
    lines = [("23/10/2015 - ", "Stapelkorting in de salon", ""), ("06/08/2015 - ", "Te zien op televisie", ""),
             ("", "Nieuwe openingstijden in mei", " (04/05/2015)"), ("01/04/2015 - ", "Salonmanager gezocht", "")]
    html = ("<main><h1>Nieuws</h1><p>" + "<br />".join(
        f'{before}<a href="/nieuws/{i}/">{title}</a>{after}' for i, (before, title, after) in enumerate(lines))
        + "</p></main>")
    found = extract_announcements(html, "https://salon.example/nieuws/", language="nl", fetched_at=FETCHED_AT)
    assert [(a.title, (a.published or "")[:10]) for a in found] == [
        ("Stapelkorting in de salon", "2015-10-23"), ("Te zien op televisie", "2015-08-06"),
        ("Nieuwe openingstijden in mei", "2015-05-04"), ("Salonmanager gezocht", "2015-04-01")]


def test_links_of_one_letter_name_no_item() -> None:
    """A blog's sidebar calendar links each race's preview and report as "P" and "C",
    dated by the race's day: a letter is no headline, so only the posts are items."""
    posts = "".join(
        f'<div class="post"><h3><a href="/2007/0{i}/01/post-{i}/">Post number {i} of the season</a></h3>'
        f"<small>Publicado el {i} de junio de 2007</small><p>What happened, told in a sentence or two.</p></div>"
        for i in range(1, 4)
    )
    races = "".join(
        f'<tr><td>{day}/{month}</td><td>Race {day}</td><td><a href="/2007/0{month}/{day}/previo-{day}/">P</a> '
        f'<a href="/2007/0{month}/{day}/cronica-{day}/">C</a></td></tr>'
        for day, month in ((18, 3), (8, 4), (15, 4), (13, 5), (27, 5))
    )
    html = f'<div id="page"><div id="content">{posts}</div><div id="side"><table>{races}</table></div></div>'
    found = extract_announcements(html, "https://f1.example/category/news/", language="es", fetched_at=FETCHED_AT)
    assert [(a.title, (a.published or "")[:10]) for a in found] == [
        (f"Post number {i} of the season", f"2007-06-0{i}") for i in range(1, 4)]


def _pelican_page(featured: str, others: list[str]) -> str:
    """Pelican's default theme: the newest post in full in aside#featured, the rest below."""
    def post(slug: str, day: int, tag: str) -> str:
        return (f'<article><{tag} class="entry-title"><a href="/{slug}.html">The post called {slug}</a></{tag}>'
                f'<footer class="post-info"><abbr class="published" title="2025-05-{day:02d}T00:00:00-05:00">'
                f'Published: {day:02d} May 2025</abbr> By <a href="/author/ann.html">ann</a>'
                f'<p>In <a href="/category/news.html">news</a>.</p></footer>'
                f'<p>The whole post, with <a href="https://elsewhere.example/">a link</a> in its text.</p></article>')
    listing = "".join(f"<li>{post(slug, 10 - i, 'h1')}</li>" for i, slug in enumerate(others))
    return (f'<header id="banner"><h1><a href="/">The Blog</a></h1></header>'
            f'<aside id="featured" class="body">{post(featured, 20, "h1")}</aside>'
            + (f'<section id="content"><h1>Other articles</h1><ol id="posts-list">{listing}</ol></section>'
               if others else "")
            + '<section id="extras"><div class="blogroll"><h2>links</h2><ul><li><a href="https://tf.example/">TF</a>'
              '</li></ul></div></section>')


def test_a_featured_post_shown_in_full_is_an_item() -> None:
    """A post that stands alone in its own <article>, titled by a heading's link and dated,
    is an item even beside a listing it is not part of (or with no listing at all), and
    the <aside> that features it is no sidebar."""
    page = "https://blog.example/category/news.html"
    found = extract_announcements(_pelican_page("newest", ["older", "oldest", "first"]), page, language="en",
                                  fetched_at=FETCHED_AT)
    assert [(a.url, (a.published or "")[:10]) for a in found] == [
        ("https://blog.example/newest.html", "2025-05-20"), ("https://blog.example/older.html", "2025-05-10"),
        ("https://blog.example/oldest.html", "2025-05-09"), ("https://blog.example/first.html", "2025-05-08")]
    alone = extract_announcements(_pelican_page("hello", []), page, language="en", fetched_at=FETCHED_AT)
    assert [(a.title, a.url) for a in alone] == [("The post called hello", "https://blog.example/hello.html")]


def test_a_lone_post_is_dated_by_the_time_element_beside_its_link() -> None:
    """A news page of one post: its link, then a <time> that shows "14 Nov" and says the
    whole day in its datetime. The element beside the headline is itself the date."""
    html = ('<nav><a href="/">Home</a> <a href="/news/">News</a> <a href="/about/">About</a></nav>'
            '<main><h1>News</h1><h2>2020</h2><ul class="related-posts"><li><a href="/news/2020-11-14-site/">'
            '<span>The new website is online!</span></a> <time datetime="2020-11-14T00:00:00+01:00">14 Nov</time>'
            "</li></ul></main>")
    found = extract_announcements(html, "https://project.example/news/", language="en", fetched_at=FETCHED_AT)
    assert [(a.url, (a.published or "")[:10]) for a in found] == [("https://project.example/news/2020-11-14-site/", "2020-11-14")]
