"""Round 8's kinds of silent miss (issue 19), and round 11's (a bare list of posts named
by their day): list pages that gave nothing, each as a small page built like the kind
(not a copy of any saved page), beside the page of the same build that must still give
nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract.announcements import read_announcements

FETCHED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

ARTICLE_JSONLD = (
    "<script type='application/ld+json'>{{\"@context\": \"https://schema.org\", \"@type\": \"BlogPosting\","
    " \"headline\": \"{title}\", \"url\": \"{url}\", \"datePublished\": \"2025-01-29T00:00:00Z\"}}</script>"
)


def _page(url: str, title: str, main: str) -> str:
    head = f"<title>{title}</title>" + ARTICLE_JSONLD.format(title=title, url=url)
    return f"<html lang='en'><head>{head}</head><body><main><h1>{title}</h1>{main}</main></body></html>"


def _teasers(prefix: str, n: int) -> str:
    return "".join(
        f"<div class='card'><img src='/img/{i}.jpg' alt=''><h3><a href='{prefix}story-number-{i}/'>"
        f"Volunteers clean the river banks for the {i}th time</a></h3>"
        f"<p>Forty people came with gloves and bags on a rainy Saturday morning.</p></div>" for i in range(1, n + 1)
    )


def test_a_list_page_whose_theme_writes_an_article_json_ld_gives_its_teasers() -> None:
    """A theme that writes a BlogPosting JSON-LD on every page, list pages included: the
    teasers are the page's whole content, so they are its announcements."""
    url = "https://www.example.org/press/"
    found = read_announcements(_page(url, "Press", f"<div class='grid'>{_teasers('/', 3)}</div>"), url,
                               language=None, fetched_at=FETCHED_AT)
    assert [a.url for a in found.items] == [f"https://www.example.org/story-number-{i}/" for i in (1, 2, 3)]


def test_an_article_with_a_short_body_and_related_teasers_stays_one_article() -> None:
    """The same JSON-LD on an article: two short paragraphs (no body of prose) and three
    related teasers beside them. The teasers are not most of the page: one article."""
    url = "https://www.example.org/news/the-mayor-opens-the-new-bridge/"
    body = "".join(
        f"<p>The mayor opened the new bridge over the river on Tuesday, {i} hours after the last inspection "
        "of its cables, and said the city would now turn to the old ferry landing, the harbour walls, "
        "the cycle paths along the water and the market square that floods every spring.</p>" for i in (2, 3)
    )
    main = f"<article>{body}</article><section>{_teasers('/news/', 3)}</section>"
    found = read_announcements(_page(url, "The mayor opens the new bridge", main), url,
                               language=None, fetched_at=FETCHED_AT)
    assert found.items == [] and (found.reason or "").startswith("the page is one article")


def test_a_calendar_list_view_dates_every_event_by_the_day_row_above_it() -> None:
    """A calendar's list view: one table, a row per day ("May 1, 2025") and a row per
    event (its hours, its linked name), two events on the second day. The day
    rows are no items but head every event after them: the second event of a day was
    undated (and a calendar of short names, where dates are the evidence, gave nothing)."""
    url = "https://www.example.org/community/events-calendar"
    days = {
        "May 1, 2025": ["Foodie Fridays on the Square"],
        "May 2, 2025": ["Bee School for Young Children", "Yoga in the Park"],
        "May 4, 2025": ["Library Tales for Little Ones"],
    }
    rows = ""
    for day, events in days.items():
        rows += f"<tr class='day'><td colspan='2'><span>{day}</span><span>Day</span></td></tr>"
        rows += "".join(
            f"<tr class='event'><td>9:00am - 3:00pm</td><td><a href='/community/events-calendar/"
            f"{name.lower().replace(' ', '-')}'>{name}</a></td></tr>" for name in events
        )
    html = f"<html lang='en'><body><main><h1>Events calendar</h1><table>{rows}</table></main></body></html>"
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [(a.title, a.published and a.published[:10]) for a in found.items] == [
        ("Foodie Fridays on the Square", "2025-05-01"), ("Bee School for Young Children", "2025-05-02"),
        ("Yoga in the Park", "2025-05-02"),
        ("Library Tales for Little Ones", "2025-05-04"),
    ]


def test_items_whose_id_is_a_plugin_s_query_field_are_items_of_their_own() -> None:
    """An old municipal portal's news box: a list of teasers, each a thumbnail and a
    linked title, undated, each leading to the same script with the item's id as a
    plugin's query field (RedDot's ``publish[id]=306873``, TYPO3's
    ``tx_news_pi1[news]=17``, written raw or escaped). That id is an item's own page,
    so the list is news; it was read as links to one page and gave nothing."""
    url = "https://www.example.org/2346_DEU_WWW.php"
    titles = ["Holiday programme", "Adult education courses", "New address book", "Council meeting",
              "Building plots extended"]
    for field in ("publish[id]", "tx_news_pi1%5Bnews%5D"):
        rows = "".join(
            f"<li><img src='/pic/{i}.jpg' alt=''><a href='/2346_DEU_WWW.php?&amp;{field}=30{i}636&amp;start=0'>"
            f"{title}</a></li>" for i, title in enumerate(titles)
        )
        html = (f"<html lang='de'><body><table><tr><td><h1>Aktuelles</h1><ul>{rows}</ul></td>"
                "<td><ul><li><a href='/2345_DEU_WWW.php'>Verwaltung</a></li><li><a href='/2342_DEU_WWW.php'>"
                "Gemeinderat</a></li></ul></td></tr></table></body></html>")
        found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
        assert [a.title for a in found.items] == titles, field


def test_an_item_s_title_link_on_its_own_line_beats_a_longer_link_in_its_teaser() -> None:
    """Posts with no heading: a date line, the title's link on a line of its own, a teaser
    whose sentence links a sign-up page in longer words. The title is the post's, not the
    sign-up page's (the longest link text won)."""
    url = "https://www.example.org/nieuws/"
    posts = "".join(
        f"<li><article><div class='when'>Gepubliceerd op {d} september 2018.</div>"
        f"<div class='title'><a href='/nieuws/2018/9/{d}/{slug}/'>{title}</a></div>"
        f"<div class='body'><p>Inschrijven kan via <a href='/inschrijven/{slug}'>onze inschrijvingspagina</a> of via mail.</p>"
        f"</div></article></li>"
        for d, slug, title in [(21, "cursus", "Cursus 2019"), (8, "wow", "Wow Park"), (2, "feest", "Feestweekend")]
    )
    html = f"<html lang='nl'><body><main><h1>Nieuws</h1><ul>{posts}</ul></main></body></html>"
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [(a.title, a.url) for a in found.items] == [
        ("Cursus 2019", "https://www.example.org/nieuws/2018/9/21/cursus/"),
        ("Wow Park", "https://www.example.org/nieuws/2018/9/8/wow/"),
        ("Feestweekend", "https://www.example.org/nieuws/2018/9/2/feest/"),
    ]


def test_an_article_with_a_body_of_prose_stays_one_article_by_its_json_ld() -> None:
    """The same JSON-LD on an article with a body (three paragraphs and more): one
    article, said by its JSON-LD, without reading its teasers as a listing."""
    url = "https://www.example.org/news/the-mayor-opens-the-new-bridge/"
    body = "".join(
        f"<p>The mayor opened the new bridge over the river on Tuesday, {i} hours after the last inspection "
        "of its cables, and said the city would now turn to the old ferry landing, the harbour walls, "
        "the cycle paths along the water and the market square that floods every spring.</p>" for i in range(5)
    )
    main = f"<article>{body}</article><section>{_teasers('/news/', 6)}</section>"
    found = read_announcements(_page(url, "The mayor opens the new bridge", main), url,
                               language=None, fetched_at=FETCHED_AT)
    assert found.items == [] and found.reason is not None and "its JSON-LD describes the page" in found.reason


def test_two_cards_whose_headings_lead_to_one_page_are_one_item_not_none() -> None:
    """An events page of four cards, each a linked heading with a date line; the first
    card was copied from the last and never relinked, so two headings lead to one page.
    That page is one item (at the first card), not a link every card shares (a category)
    that no card may be titled by; a category kicker on every card stays one."""
    url = "https://www.example.org/eventi/"
    cards = [("/arduinoday", "Raspberry Pi Day", "14 marzo 2025"), ("/makerfaire", "Mini Maker Faire", "27 maggio 2025"),
             ("/belfagor", "Belfagor", "21 marzo 2025"), ("/arduinoday", "Arduino Day", "1 aprile 2025")]
    html = "".join(
        f"<div class='col'><div class='panel'><h4><a href='/categoria/eventi'>Eventi</a></h4>"
        f"<h2><a href='{href}'>{title}</a><br><small>{day}</small></h2><img src='/img{href}.jpg'></div></div>"
        for href, title, day in cards
    )
    page = f"<html lang='it'><body><main><h1>Eventi</h1><div class='row'>{html}</div></main></body></html>"
    found = read_announcements(page, url, language=None, fetched_at=FETCHED_AT)
    assert [(a.title, a.url) for a in found.items] == [
        ("Raspberry Pi Day", "https://www.example.org/arduinoday"),
        ("Mini Maker Faire", "https://www.example.org/makerfaire"),
        ("Belfagor", "https://www.example.org/belfagor"),
    ]


def test_a_bare_list_of_posts_named_by_their_day_is_a_listing() -> None:
    """A club's "Aktuelles": a plain list of six links to ``/news/2025-04-12_slug`` (a
    post named like its file), no date shown, no teaser; one title is two words. The day
    in each slug says each link is a post of its own: all six are items (none were: the
    page gave nothing)."""
    posts = [("2025-04-12_Kleidertauschparty", "Veranstaltungshinweis Kleidertauschparty"),
             ("2024-12-20_Neuer_Pachtvertrag", "Neuer Erbpachtvertrag für den Hof"),
             ("2024-12-22_Filmabend", "Veranstaltungshinweis Filmabend im Saal"),
             ("2023-05-15_flohmarkt", "Veranstaltungshinweis Flohmarkt im Hof"),
             ("2023-03-17_wochen-gegen-rassismus", "Internationale Wochen gegen Rassismus"),
             ("2022-07-02_hoffest", "Das Festival im Hof, zum zehnten Mal")]
    items = "".join(f"<li><a href='../news/{slug}'>{title}</a></li>" for slug, title in posts)
    html = ("<html lang='de'><head><title>Aktuelles</title></head><body><nav><a href='/'>Start</a>"
            "<a href='/aktuelles/'>Aktuelles</a><a href='/kontakt/'>Kontakt</a></nav><main><h1>Aktuelles</h1>"
            f"<p>Was im Hof los ist.</p><ul>{items}</ul></main></body></html>")
    found = read_announcements(html, "https://hof.example.de/aktuelles/", language=None, fetched_at=datetime(2025, 9, 1, 12, 0, tzinfo=UTC))
    assert [a.url for a in found.items] == [f"https://hof.example.de/news/{slug}" for slug, _ in posts]


def test_a_news_page_of_one_post_whose_teaser_links_home() -> None:
    """Round 12: a young site's news page holds one post: its heading's link (to a dated
    permalink), a line with its day and nothing else, a paragraph that links to the site's
    home and an e-mail address. It gave nothing (the heading read alone was no teaser's,
    and its day line was not taken once the prose beside it linked elsewhere). The same
    page whose only heading is the page's own title stays empty."""
    html = (
        "<html lang='sv'><head><title>Nyheter</title></head><body><div class='header'><ul>"
        "<li><a href='/'>Hem</a></li><li><a href='/nyheter/'>Nyheter</a></li><li><a href='/faq/'>Frågor</a></li>"
        "</ul></div><div class='content'><h1>Nyheter</h1>"
        "<h2><a href='/2021/09/10/ny-webbsida.html'>Olympiaden har en ny webbsida!</a></h2><p>2021-09-10</p>"
        "<p>Vi har haft flera webbsidor sedan starten. Den nya finns på <a href='https://olympiad.example.se'>"
        "olympiad.example.se</a>; kontakta <a href='mailto:info@olympiad.example.se'>info@olympiad.example.se</a>"
        " om något saknas.</p></div></body></html>"
    )
    found = read_announcements(html, "https://olympiad.example.se/nyheter/", language=None, fetched_at=FETCHED_AT)
    assert [(a.url, (a.published or "")[:10]) for a in found.items] == [
        ("https://olympiad.example.se/2021/09/10/ny-webbsida.html", "2021-09-10")
    ]
    own = html.replace("<h2><a href='/2021/09/10/ny-webbsida.html'>Olympiaden har en ny webbsida!</a></h2>", "")
    found = read_announcements(own, "https://olympiad.example.se/nyheter/", language=None, fetched_at=FETCHED_AT)
    assert found.items == []


def test_two_undated_posts_titled_by_their_schema_org_headline() -> None:
    """Round 12: a blog theme's category page of two posts, each an ``<article>`` whose
    link wraps a ``<header>`` holding ``<span property="headline">`` (RDFa: the markup
    names the title; no <h2>), then an excerpt citing other sites; the day slot is empty
    (a script fills it). It gave nothing: no heading, so no headline by position."""
    posts = "".join(
        f"<article class='item' vocab='https://schema.org/' typeof='Article'>"
        f"<a href='/posts/{slug}.html'><header><span property='headline'>{title}</span></header></a>"
        f"<div class='excerpt'><p>{text} <a href='https://{cited}/'>en su web</a>.</p></div>"
        f"<div class='info'><span class='date'></span><span>Evento</span></div></article>"
        for slug, title, text, cited in [
            ("hackfest-cadiz", "Hackfest del DNI electrónico en Cádiz", "Los días 26 y 27 de mayo se celebra", "hackfest.example.es"),
            ("ponencia-marketing", "Ponencia en el Marketing Hackfest", "El pasado día 7 de mayo presentamos", "wiki.example.org"),
        ]
    )
    html = (
        "<html lang='es'><head><title>Evento</title></head><body><main>"
        "<ul class='categories'><li><a href='/category/seguridad/'>Seguridad</a></li>"
        "<li><a href='/category/evento/'>Evento</a></li></ul>"
        f"<div class='list'>{posts}</div></main></body></html>"
    )
    found = read_announcements(html, "https://blog.example.es/category/evento/", language=None, fetched_at=FETCHED_AT)
    assert [a.url for a in found.items] == [
        "https://blog.example.es/posts/hackfest-cadiz.html",
        "https://blog.example.es/posts/ponencia-marketing.html",
    ]


def test_communiques_each_a_heading_and_a_see_the_communique_link_to_its_file() -> None:
    """Round 12: a council's communiqués, each card a heading without a link, a reference
    line and "Ver comunicado" to the bulletin's PDF (one card leads to a page instead).
    Only that one card was an item (files are never a headline); a "See the communiqué"
    link makes the file the card's item, titled by the heading. A page of documents, each
    a heading and "Descargar" to its PDF, still gives nothing."""
    cards = "".join(
        f"<div class='card'><h2>{title}</h2><h4>Boletín CPC/{n:02d}/2023-24</h4>"
        f"<a href='{href}'>Ver comunicado</a></div>"
        for n, title, href in [
            (10, "Boletín CPC 10", "/img/Boletín 10 CPC 2023.pdf"),
            (9, "Boletín CPC 09", "/img/Boletín 09 CPC 2023.pdf"),
            (8, "Capacitación a municipios sobre la política anticorrupción", "comunicados/capacitaciones"),
            (7, "Boletín CPC 07", "/img/Boletín 07 CPC 2023.pdf"),
        ]
    )
    html = (
        "<html lang='es'><head><title>Comunicados</title><base href='/'></head><body><main><h1>Comunicados</h1>"
        f"<div class='list'>{cards}</div></main></body></html>"
    )
    found = read_announcements(html, "https://cpc.example.mx/comunicados/", language=None, fetched_at=FETCHED_AT)
    assert [a.title for a in found.items] == [
        "Boletín CPC 10", "Boletín CPC 09", "Capacitación a municipios sobre la política anticorrupción", "Boletín CPC 07",
    ]
    documents = html.replace("Ver comunicado", "Descargar").replace("comunicados/capacitaciones", "/img/Informe.pdf")
    found = read_announcements(documents, "https://cpc.example.mx/comunicados/", language=None, fetched_at=FETCHED_AT)
    assert found.items == []
