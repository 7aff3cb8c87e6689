"""Listing detection, one rule per test, on small pages built like the real ones that
needed the rule (tests/fixtures/announcements/real/ measures them all together)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract.announcements import read_announcements
from crawler.extract.htmltext import element_text, parse_html
from crawler.extract.noise import noise_roots

FETCHED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PAGE = "https://www.example.org/news/"


def read(body: str, *, lang: str = "en", head: str = "") -> list[tuple[str, str | None, str | None]]:
    html = f"<html lang='{lang}'><head>{head}</head><body>{body}</body></html>"
    found = read_announcements(html, PAGE, language=None, fetched_at=FETCHED_AT)
    return [(a.title, a.url, a.published and a.published[:10]) for a in found.items]


def cards(n: int, *, date: bool = True, picture: bool = False, teaser: bool = False, cls: str = "card",
          section: str = "news") -> str:
    return "".join(
        f"<div class='{cls}'>{'<img src=/i.jpg alt=>' if picture else ''}"
        f"<h3><a href='/{section}/story-{i}'>Story number {i} of the week</a></h3>"
        f"{f'<span>{i + 1} May 2025</span>' if date else ''}"
        f"{'<p>A lead paragraph that says what the story is about.</p>' if teaser else ''}</div>"
        for i in range(n)
    )


def test_a_class_that_merely_contains_a_noise_word_does_not_hide_the_listing() -> None:
    """An Elementor grid whose class says where its pager sits, in a "paginated" wrapper."""
    body = f"<div class='paginated'><div class='wpr-grid wpr-grid-pagination-center'>{cards(4)}</div></div>"
    assert len(read(body)) == 4


def test_whole_class_names_and_landmarks_are_noise() -> None:
    soup = parse_html(
        "<div class='c-pagination'><a href='/p2'>2</a></div><ul class='menu-item'></ul>"
        "<div aria-label='Main menu'><a href='/a'>About</a></div><div class='comments-area'></div>"
        "<div class='paginated'>kept</div><footer>f</footer>"
    )
    assert [el.get("class") or el.name for el in noise_roots(soup)] == [
        ["c-pagination"], ["menu-item"], "div", ["comments-area"], "footer"]


def test_an_aside_inside_an_article_is_its_meta_line() -> None:
    """WordPress themes print a post's date in ``article > header > aside.entry-meta``; the
    page's own sidebar, beside the articles, is still furniture."""
    posts = "".join(
        f"<article><header><h2><a href='/p/{i}'>Post number {i} of the year</a></h2>"
        f"<aside class='entry-meta'><a href='/p/{i}'>May {i + 1}, 2025</a> | Filed under: "
        f"<a href='/news/'>News</a></aside></header><p>Spoke on 26. November 2015 about it.</p></article>"
        for i in range(3)
    )
    sidebar = "<aside><h3><a href='/other/a'>Recent posts on other things</a></h3></aside>"
    assert read(posts + sidebar) == [
        (f"Post number {i} of the year", f"https://www.example.org/p/{i}", f"2025-05-0{i + 1}") for i in range(3)]


def test_one_article_around_many_press_releases_is_a_listing_and_the_h2_is_the_headline() -> None:
    releases = "".join(
        f"<div class='release'><h6><a href='/companies/acme-{i}'>ACME Corp</a></h6>"
        f"<h2><a href='/press/release-{i}'>Release {i}</a></h2><time datetime='2025-05-0{i + 1}'>x</time></div>"
        for i in range(5)
    )
    assert read(f"<article class='uk-article'>{releases}</article>") == [
        (f"Release {i}", f"https://www.example.org/press/release-{i}", f"2025-05-0{i + 1}") for i in range(5)]


def test_a_kicker_heading_leads_to_the_page_and_the_title_is_the_longer_heading() -> None:
    body = "".join(
        f"<article><h1><a href='/item/show/63801{i}'>Mobilität</a></h1>"
        f"<h2><a href='/item/show/63801{i}'>Neue Radwege im Westen der Stadt {i}</a></h2>"
        f"<p>Die Stadt baut neue Radwege und informiert über die Pläne.</p><img src='/x.jpg'></article>"
        for i in range(4)
    )
    assert [title for title, _, _ in read(f"<div class='carousel'>{body}</div>", lang="de")] == [
        f"Neue Radwege im Westen der Stadt {i}" for i in range(4)]


def test_one_or_two_word_headlines_count_when_they_are_the_heading_link() -> None:
    body = "".join(f"<li><h3><a href='/nieuws/{w}'>{w}</a></h3><time>{d} oktober 2023</time></li>"
                   for w, d in [("Wensboom", 17), ("Vernieuwde website", 7), ("Jaarverslag", 3)])
    assert [t for t, _, _ in read(f"<ul>{body}</ul>", lang="nl")] == ["Wensboom", "Vernieuwde website", "Jaarverslag"]


def test_a_short_title_dated_like_its_siblings_is_an_item() -> None:
    """A press list of dated lines: one title of two words between longer ones. A list of
    dated short links with no longer title among them is still not a listing."""
    rows = [("6 octobre 2015", "/blog/repnumerique", "République Numérique"),
            ("28 avril 2015", "/blog/fonctionnement", "Comment fonctionne notre plateforme?"),
            ("22 avril 2015", "/blog/democratie", "En 2015, réinventons la démocratie")]
    body = "<ul>" + "".join(f"<li><p>{d} / <b><a href='{u}'><b>{t}</b></a></b></p></li>" for d, u, t in rows) + "</ul>"
    assert [(t, day) for t, _, day in read(body, lang="fr")] == [
        ("République Numérique", "2015-10-06"), ("Comment fonctionne notre plateforme?", "2015-04-28"),
        ("En 2015, réinventons la démocratie", "2015-04-22")]
    minutes = "<ul>" + "".join(f"<li>{d} <a href='/p{i}'>Protokoll</a></li>" for i, (d, _, _) in enumerate(rows)) + "</ul>"
    assert read(minutes, lang="de") == []


def test_undated_cards_of_a_clear_listing_are_kept_without_a_date() -> None:
    found = read(cards(4, date=False, picture=True, teaser=True))
    assert [(url, day) for _, url, day in found] == [(f"https://www.example.org/news/story-{i}", None) for i in range(4)]


def test_undated_links_with_nothing_of_an_item_are_not_a_listing() -> None:
    menu = "<ul>" + "".join(f"<li><a href='/topics/t{i}'>Topic {i}</a></li>" for i in range(6)) + "</ul>"
    # three service cards: heading link and a line each, leading out of the news section
    services = cards(3, date=False, teaser=True, section="services")
    assert read(menu) == [] and read(services) == []


def test_a_press_ticker_of_bare_links_to_posts_is_a_listing() -> None:
    """No heading, no date: five links whose URLs spell their titles, on the site itself."""
    titles = ["Herrmann zeichnet verdiente Bergretter aus", "Ausbau weiterer barrierefreier Bahnhöfe",
              "Neue Wohnheimplätze für Studierende", "Projektverbund sucht Pflanzen von morgen",
              "Schülergericht in Passau eröffnet"]
    slug = {t: "-".join(t.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").split()) for t in titles}
    body = "<ul>" + "".join(f"<li><a href='/{slug[t]}/'>{t}</a></li>" for t in titles) + "</ul>"
    assert [t for t, _, _ in read(body, lang="de")] == titles
    elsewhere = body.replace("href='/", "href='https://other.example/")
    assert read(elsewhere, lang="de") == []


def test_a_ticker_above_the_pages_title_is_the_sites_masthead() -> None:
    """A newspaper theme's "Don't miss" ticker of bare links to posts, above the category's
    own title; the same ticker on a page without a title is a listing (the press ticker)."""
    titles = ["Rende consolidato il terzo posto", "Catanzaro si prepara alla rivoluzione",
              "De Angelis per ricostruire il Cosenza", "Crotone col Bologna è sconfitta",
              "Reggina il capitano vuole rimanere"]
    ticker = "<div id='ticker'><span>Don't Miss</span><ul>" + "".join(
        f"<li><a href='/{'-'.join(t.lower().split())}/'>{t}</a></li>" for t in titles) + "</ul></div>"
    page = f"{ticker}<div id='main'><h1>Notizie</h1>{cards(4, picture=True, teaser=True, date=False)}</div>"
    assert [url for _, url, _ in read(page, lang="it")] == [f"https://www.example.org/news/story-{i}" for i in range(4)]
    assert len(read(ticker, lang="it")) == 5
    # an <h1> without a link inside an item (a kicker) is that item's, not the page's title
    kicker = ticker.replace("<li><a href='/reggina", "<li><h1>Esclusiva</h1><a href='/reggina")
    assert len(read(f"{kicker}<div id='main'>{cards(4, picture=True, teaser=True, date=False)}</div>", lang="it")) == 9


def test_the_lead_story_above_a_grid_is_its_first_item() -> None:
    """A front page's featured post, alone and larger above the grid of the others; an
    introduction above the grid, or a lead leading off the site, is not an item."""
    lead = ("<div class='cover'><h2><a href='/news/the-lead-story-of-the-day'>The lead story of the day in full</a></h2>"
            "<p>What happened today, told in a sentence or two for the front page.</p>"
            "<a href='/news/the-lead-story-of-the-day'>Read more</a></div>")
    grid = f"<hr><div class='query'><ul class='posts'>{cards(4, date=False, picture=True, teaser=True).replace('div', 'li')}</ul></div>"
    found = read(f"<main><h1>Noticias</h1>{lead}{grid}</main>", lang="es")
    assert [url for _, url, _ in found] == ["https://www.example.org/news/the-lead-story-of-the-day"] + [
        f"https://www.example.org/news/story-{i}" for i in range(4)]
    intro = "<div><h2><a href='/about'>About us</a></h2><p>We are a club.</p></div>"
    assert len(read(f"<main><h1>Noticias</h1>{intro}{grid}</main>", lang="es")) == 4
    elsewhere = lead.replace("href='/news/", "href='https://other.example/news/")
    assert len(read(f"<main><h1>Noticias</h1>{elsewhere}{grid}</main>", lang="es")) == 4


def test_a_grid_split_into_rows_is_one_listing() -> None:
    row = "<div class='card-deck'>{}</div>"
    body = row.format(cards(3)) + row.format(cards(5)[len(cards(3)):] + "<div class='card'></div>")
    assert len(read(body)) == 5


def test_a_day_box_beside_the_card_and_the_year_in_the_group_heading() -> None:
    rows = "".join(
        f"<div class='row'><div class='col'><p>{d}</p><p>{m}</p></div><div class='col'>"
        + "".join(f"<div class='card'><h3><a href='/agenda/{d}-{k}'>Webinar {d} {k}</a></h3></div>" for k in range(n))
        + "</div></div>"
        for d, m, n in [("11", "set", 1), ("05", "set", 2), ("21", "set", 1)]
    )
    found = read(f"<div class='agenda'><h4>Settembre 2023</h4>{rows}</div>", lang="it")
    assert [(t, day) for t, _, day in found] == [
        ("Webinar 11 0", "2023-09-11"), ("Webinar 05 0", "2023-09-05"), ("Webinar 05 1", "2023-09-05"),
        ("Webinar 21 0", "2023-09-21")]


def test_a_list_inside_an_item_is_part_of_the_item() -> None:
    posts = "".join(
        f"<article class='post'><h2><a href='/2025/05/0{i + 1}/post-{i}/'>A post about the city {i}</a></h2>"
        f"<time datetime='2025-05-0{i + 1}'>x</time><ul class='tags'>"
        + "".join(f"<li><a href='/tag/t{i}{k}'>Topic {k} with words</a> 1 May 2025</li>" for k in range(3))
        + "</ul></article>"
        for i in range(3)
    )
    assert [url for _, url, _ in read(posts)] == [f"https://www.example.org/2025/05/0{i + 1}/post-{i}/" for i in range(3)]


def test_a_page_that_is_one_article_gives_none_of_its_teasers() -> None:
    prose = "".join(f"<p>{'A long paragraph of the article body, with sentences. ' * 6}</p>" for _ in range(5))
    html = f"<html><body><main><article><h1>The article</h1>{prose}</article>" \
           f"<section class='related'>{cards(3)}</section></main></body></html>"
    found = read_announcements(html, PAGE, language="en", fetched_at=FETCHED_AT)
    assert found.items == [] and found.reason.startswith("the page is one article")


def test_listings_outside_the_main_landmark_are_furniture() -> None:
    main = "<main><h1>About us</h1><p>" + "We are a foundation that works for the city. " * 8 + "</p></main>"
    below = f"<div class='content-below'>{cards(4)}</div>"
    assert read(main + below) == []
    assert len(read(f"<main>{cards(4)}</main>" + below)) == 4


def test_a_main_landmark_around_a_hero_only_is_not_the_content() -> None:
    """A theme's <main> that wraps nothing but a welcome line: the listing after it counts."""
    assert len(read("<main><div class='hero'>Welcome</div></main>" + f"<div class='news'>{cards(4)}</div>")) == 4


def test_a_long_bare_archive_that_is_the_page_is_a_listing() -> None:
    rows = "".join(f"<tr><td><a href='essay{i}.html'>The essay number {i}</a></td></tr><tr><td><img src=s.gif></td></tr>"
                   for i in range(12))
    assert len(read(f"<table>{rows}</table>")) == 12


def test_the_cards_of_a_dated_section_make_its_undated_sections_listings() -> None:
    def section(n: int, dated: bool, host: str) -> str:
        return "<div class='row'>" + "".join(
            f"<div class='col'><div class='card'><div class='card-body'><div><h3 class='title'>"
            f"<a href='{host}/posts/p{n}{i}'>Post {n}{i} about digital services</a></h3>"
            f"{'<span>3 May 2025</span>' if dated else ''}</div></div></div></div>" for i in range(3)) + "</div>"
    body = section(1, True, "") + section(2, True, "") + section(3, False, "https://medium.com")
    found = read(body)
    assert len(found) == 9 and [day for _, _, day in found[-3:]] == [None, None, None]


def test_the_parts_of_a_post_are_not_a_listing_and_a_date_link_is_no_title() -> None:
    """WordPress (Twenty Ten): each post's byline links its date to the post, its teaser
    links a picture, its footer links the comments. The posts are the items, not the
    bylines, teasers and footers that all posts repeat (and that all lead to the post)."""
    posts = "".join(
        f"<div class='post-{i} post hentry'><h2 class='entry-title'><a href='/2013/07/post-{i}/'>Post number {i}</a></h2>"
        f"<div class='entry-meta'>Publiziert am <a href='/2013/07/post-{i}/'>{i}. Juli 2013</a> von "
        f"<a href='/author/a{i % 3}/'>Autor {i % 3}</a></div><div class='entry-content'><p>Ein Text über "
        f"<a href='/wp-content/uploads/2013/07/bild-{i}.jpg'>ein Bild</a>.</p></div>"
        f"<div class='entry-utility'><a href='/category/c{i % 2}/'>Thema</a> <a href='/2013/07/post-{i}/#comments'>"
        f"{i} Kommentare</a></div></div>"
        for i in range(1, 11)
    )
    assert read(f"<div id='content'>{posts}</div>", lang="de") == [
        (f"Post number {i}", f"https://www.example.org/2013/07/post-{i}/", f"2013-07-{i:02d}") for i in range(1, 11)]


def test_a_date_that_links_to_the_post_is_not_its_title() -> None:
    titles = {2023: "Bilanz", 2024: "Umfrage", 2025: "Wahlen"}
    body = "<ul>" + "".join(f"<li><h3>{t}</h3><a href='/news/{y}'>3. Mai {y}</a></li>" for y, t in titles.items()) + "</ul>"
    assert read(body, lang="de") == [(t, f"https://www.example.org/news/{y}", f"{y}-05-03") for y, t in titles.items()]


def test_an_item_shown_twice_keeps_the_date_of_either_copy() -> None:
    """Featured cards (no dates) above the dated list that repeats them."""
    featured = cards(3, date=False, picture=True, teaser=True, cls="featured")
    listing = "<ul>" + "".join(f"<li><a href='/news/story-{i}'>Story number {i} of the week</a> "
                               f"<span>{i + 1} May 2025</span></li>" for i in range(5)) + "</ul>"
    found = read(f"<div class='top'>{featured}</div>{listing}")
    assert [(url, day) for _, url, day in found] == [(f"https://www.example.org/news/story-{i}", f"2025-05-0{i + 1}") for i in range(5)]


def test_the_read_more_link_names_the_items_own_page() -> None:
    """A post that embeds a preview card of another site: its "Read more" says which link is its own."""
    item = ("<li><a href='/nieuws/2025-05-22-artikel/'>Artikel over ons op een andere website</a>"
            "<div><sup>donderdag 22 mei 2025</sup></div><p>Een redacteur heeft met ons gesproken:</p>"
            "<div class='og-card'><a href='https://other.example/verhaal/digitale-speeltuin'><img src='/o.jpg'>"
            "<h4>Digitale speeltuin: kinderen duiken in computercode</h4></a></div>"
            "<a href='/nieuws/2025-05-22-artikel/'>meer…</a></li>")
    assert read(f"<main><h1>Nieuws</h1><ul class='pages'>{item}</ul></main>", lang="nl") == [
        ("Artikel over ons op een andere website", "https://www.example.org/nieuws/2025-05-22-artikel/", "2025-05-22")]


def test_a_page_of_one_dated_teaser_is_its_listing() -> None:
    """A young site's news page: one post, a pager, a sidebar; its date in a line whose
    class also names the comment count (a class names furniture only on a region)."""
    body = ("<header><nav><a href='/'>Start</a><a href='/aktuelles/'>Aktuelles</a></nav></header>"
            "<div id='content'><div class='col-md-9'><section class='post'><div class='row'>"
            "<div class='col-md-4'><a href='/aktuelles/dorfregion/'><img src='/p.png'></a></div>"
            "<div class='col-md-8'><h2><a href='/aktuelles/dorfregion/'>Große Chancen für fünf Ortschaften</a></h2>"
            "<p class='date-comments'><a href='/aktuelles/dorfregion/'>April 2, 2025</a></p>"
            "<p>Startschuss für die Dorfregion: die Gemeinden erhalten die Aufnahme in das Förderprogramm.</p>"
            "<p class='read-more'><a href='/aktuelles/dorfregion/'>Weiterlesen</a></p></div></div></section>"
            "<ul class='pager'><li><a href='#'>← Neuer</a></li></ul></div>"
            "<div class='col-md-3'><div class='sidebar-menu'><h3>Suche</h3><form></form></div></div></div>"
            "<footer><h4>Neue Beiträge</h4><h5><a href='/aktuelles/dorfregion/'>Große Chancen</a></h5></footer>")
    assert read(body, lang="de") == [
        ("Große Chancen für fünf Ortschaften", "https://www.example.org/aktuelles/dorfregion/", "2025-04-02")]


def test_a_page_of_one_undated_event_with_its_day_and_month_is_its_listing() -> None:
    body = ("<section><h1>Noticias</h1><p>Actividades de la fundación.</p></section><section><ul>"
            "<li class='mix'><a href='/noticias/taller-inclusion'><img src='/t.jpg'><div><h2>Taller de "
            "capacitación: cómo llevar a cabo un proceso inclusivo</h2><p>29 y 30 de Agosto</p></div></a></li>"
            "<li class='mix'><a href='#'></a></li></ul></section>"
            "<section><h2>¿Querés impulsar una actividad?</h2><a href='/contacto'>Contacto</a></section>")
    assert read(body, lang="es") == [
        ("Taller de capacitación: cómo llevar a cabo un proceso inclusivo",
         "https://www.example.org/noticias/taller-inclusion", None)]


def test_undated_cards_under_a_year_heading_are_the_pages_listing() -> None:
    """Three cards, no dates, no teasers: listed under "2024", they are news, not services."""
    card = ("<div class='card'><a href='/noticia0{i}/'><img src='/i.jpg'></a><a href='/noticia0{i}/'>"
            "<h1>Notícia número {i} sobre o mestrado em computação</h1></a>"
            "<div class='tags'><a href='/noticias/?tag=t{i}'>tag {i}</a></div></div>")
    body = f"<main><h1>Notícias</h1><h3>2024</h3><div class='cards'>{''.join(card.format(i=i) for i in (3, 2, 1))}</div></main>"
    assert [(url, day) for _, url, day in read(body, lang="pt")] == [
        (f"https://www.example.org/noticia0{i}/", None) for i in (3, 2, 1)]
    assert read(body.replace("<h3>2024</h3>", "<h3>Cursos</h3>"), lang="pt") == []


def test_undated_items_below_the_pages_own_address_are_its_items() -> None:
    """A section's items live under its address (/news/ lists /news/braderie/): three
    undated cards, one without a teaser, or two bare titles alone in main. The same
    cards leading elsewhere on the site show too little of an item."""
    teasers = ["Le club organise une journée de vol pour tous.", "", "Les pilotes se retrouvent au décollage."]
    menu = "<nav><a href='/'>Início</a><a href='/news/'>Notícias</a><a href='/contato/'>Contato</a></nav>"
    three = menu + "<main><h1>Noticias</h1><section>" + "".join(
        f"<div class='card'><span>Noticias</span><h2><a href='/news/convocacao-da-assembleia-numero-{i}/'>"
        f"Convocação da assembleia geral número {i}</a></h2><div>{t}</div></div>"
        for i, t in enumerate(teasers)) + "</section></main>"
    assert len(read(three, lang="pt")) == 3
    assert read(three.replace("/news/convocacao", "/about/convocacao"), lang="pt") == []
    two = menu + "<main><h1>Actualités</h1><h2>Pages</h2><ul>" + "".join(
        f"<li><a href='/news/{slug}/'><span>•</span><h3>{title}</h3></a></li>"
        for slug, title in [("2022-02-26-braderie", "Braderie de la bibliothèque"), ("2022-02-22-site", "Création du site !")]
    ) + "</ul></main>"
    assert [(t, day) for t, _, day in read(two, lang="fr")] == [
        ("Braderie de la bibliothèque", None), ("Création du site !", None)]
    assert read(two.replace("/news/2022", "/services/2022"), lang="fr") == []
    # a home (here: a menu that leads nowhere out of /news/) holds the whole site below it
    home = two.replace("href='/'", "href='/news/a-propos/'").replace("href='/contato/'", "href='/news/contact/'")
    assert read(home, lang="fr") == []


def test_two_undated_teasers_with_excerpts_cut_short_are_a_page_of_posts() -> None:
    """A post's excerpt ends in an ellipsis (there is more to read); a service card's text
    is whole."""
    posts = "<div class='row'>" + "".join(
        f"<div class='col'><div class='news'><h2><a href='/blog/{slug}/'>{title}</a></h2>"
        f"<p>Como ya sabréis, estamos en pleno proceso electoral y os contamos lo que...</p></div></div>"
        for slug, title in [("elecciones", "¿Qué ha pasado con la convocatoria de elecciones?"),
                            ("votar", "¡Elecciones el viernes 8 de mayo!")]) + "</div>"
    assert [url for _, url, _ in read(f"<h1>Últimas noticias</h1>{posts}", lang="es")] == [
        "https://www.example.org/blog/elecciones/", "https://www.example.org/blog/votar/"]
    services = posts.replace("os contamos lo que...", "os contamos cómo votar.")
    assert read(f"<h1>Últimas noticias</h1>{services}", lang="es") == []


def test_a_lone_teaser_beside_other_content_or_an_article_is_no_listing() -> None:
    teaser = "<div><h3><a href='/news/open-day'>Open day at the foundation</a></h3><p>3 May 2025</p></div>"
    services = "<ul>" + "".join(f"<li><a href='/{s}'>{s.title()}</a></li>" for s in ("about", "programmes", "donate", "contact")) + "</ul>"
    prose = "".join(f"<p>{'A paragraph of the article body, with several sentences in it. ' * 3}</p>" for _ in range(4))
    assert read(f"<main><h1>Welcome</h1>{teaser}{services}</main>") == []
    assert read(f"<main><article><h1>The article</h1>{prose}{teaser}</article></main>") == []
    service = teaser.replace("<p>3 May 2025</p>", "<p>Book a visit.</p>").replace("/news/", "/visits/")
    assert read(f"<main><h1>Our service</h1>{service}</main>") == []


def test_an_article_whose_heading_links_to_its_own_permalink_is_no_page_of_one_item() -> None:
    """Blogger: the post's heading links to its permalink (here under https, the page was
    fetched over http), and the post body is text between <br>s, not paragraphs."""
    post = ("<h2 class='date-header'><span>Friday, December 23, 2016</span></h2><h3 class='post-title'>"
            "<a href='https://blog.example.org/2016/12/python-360-is-now-available.html'>Python 3.6.0 is now available!</a></h3>"
            "<div class='post-body'>" + "Python 3.6.0 is the newest major release. <br>" * 30 + "</div>")
    page = "http://blog.example.org/2016/12/python-360-is-now-available.html"

    def items(head: str) -> list[str]:
        html = f"<html><head>{head}</head><body><div class='main'>{post}</div></body></html>"
        return [a.url or "" for a in read_announcements(html, page, language="en", fetched_at=FETCHED_AT).items]

    assert items("<link rel='canonical' href='https://blog.example.org/2016/12/python-360-is-now-available.html'>") == []
    assert items("<title>Python Insider: Python 3.6.0 is now available!</title>") == []


def test_two_complete_cards_alone_in_main_are_a_listing() -> None:
    body = "<main><h1>Nieuws</h1><div class='grid'>" + "".join(
        f"<div class='card'><a href='/nieuws/{w}/'><img src='/i.jpg'><h3>{w}</h3><time datetime='2023-1{k}-07'>x</time></a></div>"
        for k, w in enumerate(["Wensboom", "Nieuwe website"])) + "</div></main>"
    assert [t for t, _, _ in read(body, lang="nl")] == ["Wensboom", "Nieuwe website"]


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p><span>febrero 28, 2024</span><span>0 Comments</span></p>", "febrero 28, 2024 0 Comments"),
        ("<p><time>3 May 2025</time><a href='#c'>12 replies</a></p>", "3 May 2025 12 replies"),
        ("<p>Hel<b>lo</b> <a href='#'>world</a>, m<sup>2</sup>.</p>", "Hello world, m2."),
        ("<p>Posted<br>3 May</p>", "Posted 3 May"),
    ],
)
def test_text_keeps_the_word_boundaries_a_reader_sees(markup: str, text: str) -> None:
    assert element_text(parse_html(markup).p) == text


def test_a_date_glued_to_the_next_element_is_read() -> None:
    body = "<ul>" + "".join(
        f"<li><h2><a href='/blog/post-{i}'>Entrada número {i} del blog</a></h2>"
        f"<span class='date'>febrero {20 + i}, 2024</span><span class='comments'>0 Comments</span></li>"
        for i in range(3)) + "</ul>"
    assert [day for _, _, day in read(body, lang="es")] == ["2024-02-20", "2024-02-21", "2024-02-22"]


def test_links_named_by_a_month_are_an_archive_and_japanese_titles_have_words() -> None:
    """A city's news list in Japanese (titles without spaces, era dates) above its archive
    of month links ("1月", "2月"): the news are the items, the months are not."""
    news = "".join(
        f"<li><p><span class='date'>令和2年5月{i + 1}日</span></p>"
        f"<p class='link-arrow'><a href='/kurashi/item{i}.html'>新型コロナウイルス感染症への対応について{i}</a></p></li>"
        for i in range(4)
    )
    months = "".join(f"<li><a href='/news/2020{m:02d}.html'>{m}月</a></li>" for m in range(1, 6))
    found = read(f"<ul class='listBlock'>{news}</ul><h3>令和2年（2020年）</h3><ul>{months}</ul>", lang="ja")
    assert [(url, day) for _, url, day in found] == [
        (f"https://www.example.org/kurashi/item{i}.html", f"2020-05-0{i + 1}") for i in range(4)]


def test_articles_titled_by_a_linked_heading_are_posts_without_dates() -> None:
    """A Pelican theme's event list: four <article>s, each an <h2> link of two words and a
    "more ..." button, nothing else. The markup says they are posts; four <div>s built the
    same way are not (a box of links to the site's services)."""
    def posts(tag: str) -> str:
        return "".join(f"<{tag}><h2><a href='//www.example.org/treffen-{i}/'>Monatstreffen {i}</a></h2>"
                       f"<div class='summary'><a href='/treffen-{i}/'>more ...</a></div></{tag}>" for i in range(4))
    assert [url for _, url, _ in read(posts("article"))] == [
        f"https://www.example.org/treffen-{i}/" for i in range(4)]
    assert read(posts("div")) == []


def test_an_unlinked_heading_titles_the_page_its_read_more_leads_to() -> None:
    """A Jekyll timeline: each entry's <h1> is plain text, its teaser links to a venue or a
    sponsor, and its "Read More >" leads to the post. The post is the item."""
    entries = "".join(
        f"<div class='entry'><label>Fri Jul {i + 1} 2014</label><h1>Hack night number {i}</h1>"
        f"<div><p>Meet us at <a href='https://venue{i}.example.com/about'>the venue of the night</a> "
        f"for talks.</p></div><a href='./2014/07/0{i + 1}/hack-night-{i}.html'>Read More &gt;</a></div>"
        for i in range(4)
    )
    assert read(f"<div class='timeline'>{entries}</div>") == [
        (f"Hack night number {i}", f"https://www.example.org/news/2014/07/0{i + 1}/hack-night-{i}.html",
         f"2014-07-0{i + 1}") for i in range(4)]


def test_a_lone_post_below_the_section_the_page_heads_is_its_item() -> None:
    """A young Hugo news page: one entry, a plain link in a list, leading below /news/."""
    body = ("<nav><a href='/'>Home</a> <a href='/news/'>News</a> <a href='/shows/'>Shows</a> "
            "<a href='/contact/'>Contact</a></nav><main><h1>News</h1><ul id='list'><li><a href='/news/first-show-2019/'>Dossier des spectacles "
            "2019</a><div class='meta'>8 January 2020</div></li></ul></main>")
    assert read(body) == [("Dossier des spectacles 2019", "https://www.example.org/news/first-show-2019/",
                           "2020-01-08")]


def test_the_page_s_own_h1_never_titles_its_one_post() -> None:
    """A Hugo theme: the page's <h1> "Notícias", then one post whose <h2> is plain text and
    whose link is an empty <a> laid over the card."""
    body = ("<nav><a href='/'>Início</a> <a href='/news/'>Notícias</a> <a href='/sobre/'>Sobre</a></nav>"
            "<main><h1>Notícias</h1><article class='post-entry'><h2>Lançamento do artigo sobre avaliação</h2>"
            "<p>Publicamos o artigo...</p><footer>abril 10, 2025</footer>"
            "<a class='entry-link' href='/news/lancamento-artigo/'></a></article></main>")
    assert read(body, lang="pt", head="<title>Notícias | Gamificação</title>") == [
        ("Lançamento do artigo sobre avaliação", "https://www.example.org/news/lancamento-artigo/", "2025-04-10")]


def test_a_card_s_date_line_beats_a_date_in_its_teaser() -> None:
    """A Quarto grid: the teaser says "El 27 de enero de 2025 el equipo…", the card's date
    line says "28 ene 2025"; a date in a comment is nothing a person reads."""
    card = ("<div class='g-col-1'><a href='/noticias/{i}/'><h5>Jornada número {i} del observatorio</h5>"
            "<div class='listing-description'>El 27 de enero de 2025 el equipo se reunió…</div><!-- 3 de enero de 2025 -->"
            "<div class='listing-date'>2{i} ene 2025</div></a></div>")
    found = read("<div class='grid'>" + "".join(card.format(i=i) for i in range(3)) + "</div>", lang="es")
    assert [day for _, _, day in found] == ["2025-01-20", "2025-01-21", "2025-01-22"]


def test_a_date_written_over_source_lines_is_one_line_of_the_card() -> None:
    """A Jekyll card that is one link around its picture, its date and its title, the date's
    day, month and year each on a line of the template's own: the browser shows one line,
    "21 Dicembre 2021", which is a date, not the card's title."""
    card = ("<article class='col'><a class='item' href='/it/notizie/2021-12-2{i}-post-{i}.html'>"
            "<div class='img'><img src='/p{i}.png' alt=''></div><div class='date'>2{i}\n\n\nDicembre\n\n\n2021\n</div>"
            "<div class='title'>Le bollette numero {i} su pagoPA</div></a>"
            "<a class='read-more' href='/it/notizie/2021-12-2{i}-post-{i}.html'>Leggi di più &rarr;</a></article>")
    found = read("<div class='row'>" + "".join(card.format(i=i) for i in range(3)) + "</div>", lang="it")
    assert found == [(f"Le bollette numero {i} su pagoPA", f"https://www.example.org/it/notizie/2021-12-2{i}-post-{i}.html",
                      f"2021-12-2{i}") for i in range(3)]


STORIES = [
    ("https://news.example.com/2019/05/09/team-wins-water-award.html", "Team wins a national award for water research"),
    ("https://daily.example.edu/articles/2019/04/smart-reservoir-launch", "Testing the water: a new forecasting system launches"),
    ("https://www.example.net/articles/2017/10/forecast-water-quality", "Researchers to forecast water quality with support"),
]


def test_a_press_coverage_list_links_its_stories_on_other_sites() -> None:
    """An "in the news" page: a list of headlines, each leading to the story on the
    newspaper's site, its source after it. A list of partners' home pages, or a few
    stories beside the page's other links, is a link collection and gives nothing."""
    coverage = "<ul>" + "".join(f"<li><a href='{u}'>{t}</a>, The Daily Paper</li>" for u, t in STORIES) + "</ul>"
    assert read(f"<main><h1>News</h1>{coverage}</main>") == [(t, u, None) for u, t in STORIES]
    partners = "<ul>" + "".join(f"<li><a href='https://partner{i}.example.org/'>Partner organisation number {i}</a></li>"
                                for i in range(4)) + "</ul>"
    assert read(f"<main><h1>Partners</h1>{partners}</main>") == []
    services = "<ul>" + "".join(f"<li><a href='/{s}/'>{s.title()} of the foundation</a></li>"
                                for s in ("about", "programmes", "donate", "contact", "team", "reports", "jobs")) + "</ul>"
    assert read(f"<main><h1>Links</h1>{coverage}{services}</main>") == []
    # Guides on other sites, each with a line about it: neither dated nor an article's address.
    guides = "<ul>" + "".join(f"<li><a href='https://tool{i}.example.com/docs/getting-started'>Getting started with "
                              f"the tool number {i}</a> – a guide to its setup</li>" for i in range(4)) + "</ul>"
    assert read(f"<main><h1>Resources</h1>{guides}</main>") == []
    # A lab's publications: papers on journals' sites, each with its reference. Cited, not news.
    papers = [("https://doi.org/10.1016/j.jhydrol.2023.129876", "Forecasting reservoir water quality with models"),
              ("https://www.nature.com/articles/s41586-022-04567-8", "Deep-sea mapping with autonomous vehicles"),
              ("https://arxiv.org/abs/2101.01234", "Scalable inference for lake temperature models")]
    refs = "<ul>" + "".join(f"<li>Smith, J. et al. (2023). <a href='{u}'>{t}</a>. Water Research, 12(3), 45-67.</li>"
                            for u, t in papers) + "</ul>"
    assert read(f"<main><h1>Publications</h1>{refs}</main>") == []


def test_coverage_sections_under_headings_are_stories() -> None:
    """Markdown coverage pages have no element per story: a heading, then the story. The
    heading links to it, or the short source line under it does and dates it; the story's
    text below it is no article of the page's own."""
    prose = "<p>" + "The story goes on in full, copied from the paper with its quotes. " * 8 + "</p>"
    linked = "".join(f"<h2><a href='{u}'>{t}</a></h2><pre><code>embed</code></pre><hr>" for u, t in STORIES)
    assert read(f"<main><h1>Prensa</h1><div class='post'>{linked}</div></main>", lang="es") == [
        (t, u, None) for u, t in STORIES]
    days = ["May 9, 2019", "April 2, 2019", "October 18, 2017"]
    dated = "".join(f"<h3><a href='{u}'>{t}</a></h3><p>{d} — The Daily Paper</p>{prose}"
                    for (u, t), d in zip(STORIES, days, strict=True))
    assert [day for _, _, day in read(f"<main><article><h1>Media</h1>{dated}</article></main>")] == [
        "2019-05-09", "2019-04-02", "2017-10-18"]
    sourced = "".join(f"<h1>{t}</h1><p><em><a href='{u}'>The Daily Paper, {d}</a></em></p>{prose}{prose}"
                      for (u, t), d in zip(STORIES, days, strict=True))
    assert read(f"<div role='main'><h1>In the News</h1><section>{sourced}</section></div>") == [
        (t, u, day) for (u, t), day in zip(STORIES, ["2019-05-09", "2019-04-02", "2017-10-18"], strict=True)]
    # An article whose sections each open with a long paragraph holding a link is no coverage page.
    article = "".join(f"<h2>{t}</h2><p>{'Some context for this part of the essay, and more. ' * 3}"
                      f"<a href='{u}'>a source</a></p>{prose}" for u, t in STORIES)
    assert read(f"<main><h1>An essay</h1><section>{article}</section></main>") == []


def test_a_date_line_under_each_heading_dates_its_own_item() -> None:
    """A Jekyll news page written in Markdown: each post a linked <h2>, a teaser and an
    italic date line below, with no element around a post. The date before an item is its
    predecessor's; a listing that prints each date above its item keeps reading it there."""
    days = ["March 22, 2021", "February 19, 2021", "February 2, 2021", "January 1, 2021"]
    below = "".join(f"<h2><a href='/posts/post-number-{i}'>Post number {i} of the project</a></h2>"
                    f"<p>What the post says, in a sentence or two for the reader.</p><p><em>{d}</em></p>"
                    for i, d in enumerate(days))
    expected = ["2021-03-22", "2021-02-19", "2021-02-02", "2021-01-01"]
    assert [day for _, _, day in read(f"<main class='prose'><h1>News</h1>{below}</main>")] == expected
    above = "".join(f"<p><em>{d}</em></p><h2><a href='/posts/post-number-{i}'>Post number {i} of the project</a></h2>"
                    f"<p>What the post says, in a sentence or two for the reader.</p>" for i, d in enumerate(days))
    assert [day for _, _, day in read(f"<main class='prose'><h1>News</h1>{above}</main>")] == expected


@pytest.mark.parametrize(("lang", "more"), [("ja", "続きを読む"), ("pl", "Więcej..."), ("ca", "Llegir més"),
                                            ("sv", "Läs mer"), ("id", "Selengkapnya"),
                                            ("pl", "Przeczytaj więcej"), ("pl", "Zobacz więcej")])
def test_read_more_in_languages_beyond_the_seven_names_the_item_s_page(lang: str, more: str) -> None:
    """A section per post: a heading without a link, a teaser that cites another site, and
    the post's "Read more" in the page's language. The heading titles the page the
    "Read more" leads to, not the cited site."""
    posts = "".join(
        f"<section><h2><time>2025-0{i + 1}-1{i}</time> | Award number {i} for the group</h2>"
        f"<p>He won the poster award at <a href='https://conference{i}.example.com/awards'>the conference</a>.</p>"
        f"<a href='/news/awards/post-{i}/'>{more}</a></section>"
        for i in range(3)
    )
    found = read(f"<main class='global'><h1>News</h1><article>{posts}</article></main>", lang=lang)
    assert [(url, day) for _, url, day in found] == [
        (f"https://www.example.org/news/awards/post-{i}/", f"2025-0{i + 1}-1{i}") for i in range(3)]


def test_a_template_s_placeholder_item_is_none_and_an_iso_date_opening_a_title_is_its_day() -> None:
    """A Hugo theme's card grid: a real announcement beside the placeholder the template
    shipped, each titled like its file ("2025-05-22 Official release…"), a "read more"
    button each. The placeholder announces nothing; the machine date is the item's day."""
    cards = "".join(
        f"<div class='w-third'><div class='pa4'><span>Announcements</span><h1><a href='/announcements/{slug}/'>{title}</a></h1>"
        f"<div><p>{teaser}</p></div><a href='/announcements/{slug}/'>read more</a></div></div>"
        for slug, title, teaser in [
            ("2025-05-23-placeholder", "2025-05-23 Placeholder Announcement", "Some words to fill the card."),
            ("2025-05-22-rollout", "2025-05-22 Official Release and Rollout of the Model", "The model is released."),
            ("2025-05-01-webinar", "2025-05-01 Webinar on the Model for Planners", "Join the webinar."),
            ("2025-04-01-demo", "Our first news item", "Lorem ipsum dolor sit amet, consectetur adipiscing elit."),
        ]
    )
    page = f"<main class='pb7'><div class='flex flex-wrap'>{cards}</div></main>"
    assert read(page) == [
        ("2025-05-22 Official Release and Rollout of the Model", "https://www.example.org/announcements/2025-05-22-rollout/",
         "2025-05-22"),
        ("2025-05-01 Webinar on the Model for Planners", "https://www.example.org/announcements/2025-05-01-webinar/",
         "2025-05-01")]


def test_a_column_of_posts_elsewhere_keeps_them_beside_the_column_of_the_site_s_own_news() -> None:
    """A government design site's news page in two columns of one grid: its posts on
    another platform (a picture, a date, a heading's link and "per saperne di più" each,
    the newest undated), and the site's own dated news in a grid of their own. The
    second column's grid sits among the first column's posts (the same run: two cells of
    one grid); it is a container, not a reason to drop the posts beside it."""
    days = ["", "<time datetime='2021-03-01'>1 Marzo 2021</time>", "<time datetime='2021-03-02'>2 Marzo 2021</time>",
            "<time datetime='2021-03-03'>3 Marzo 2021</time>"]
    elsewhere = "".join(
        f"<div class='ext'><div class='card'><div class='pic'><a href='https://medium.com/team/post-numero-{i}-abc{i}'>"
        f"<img src='/p{i}.png' alt=''></a></div><div class='body'>{days[i]}"
        f"<h3><a href='https://medium.com/team/post-numero-{i}-abc{i}'>Il post numero {i} della squadra</a></h3>"
        f"<p><a href='https://medium.com/team/post-numero-{i}-abc{i}'>per saperne di più</a></p></div></div></div>"
        for i in range(4)
    )
    own = "".join(f"<div class='post Grid-cell'><div class='in'><time datetime='2021-04-2{i}'>2{i} Aprile 2021</time>"
                  f"<h3><a href='/notizie/notizia-numero-{i}/'>Notizia numero {i} del sito</a></h3></div></div>"
                  for i in range(3))
    page = (f"<main><h1>Notizie</h1><div class='Grid'><div class='Grid-cell'><div class='head'><h2>Dal blog</h2></div>"
            f"{elsewhere}</div><div class='Grid-cell'><div class='head'><h2>Notizie</h2></div>"
            f"<div class='Grid inner'>{own}</div></div></div></main>")
    found = read(page, lang="it")
    assert sorted(url for _, url, _ in found) == sorted(
        [f"https://www.example.org/notizie/notizia-numero-{i}/" for i in range(3)]
        + [f"https://medium.com/team/post-numero-{i}-abc{i}" for i in range(4)])


def test_posts_written_as_sections_under_headings_are_items() -> None:
    """A Markdown news page: each post a plain <h2>, its date line, a teaser and a "Read
    more" to its page, nothing around a post; or each a linked <h2> and its date line. A product page whose feature sections each
    end in "Learn more" shows no dates, and gives nothing."""
    titles = ["Open day at the lab this spring", "New grant for the reef project", "Workshop on ocean data"]
    days = ["May 3, 2025", "April 12, 2025", "March 20, 2025"]
    posts = "".join(f"<h2>{t}</h2><p><em>{d}</em></p><p>{'What happened, told for the reader. ' * 3}</p>"
                    f"<p><a href='/news/post-{i}/'>Read more</a></p>" for i, (t, d) in enumerate(zip(titles, days, strict=True)))
    assert read(f"<main class='c'><h1>News</h1>{posts}</main>") == [
        (t, f"https://www.example.org/news/post-{i}/", day)
        for i, (t, day) in enumerate(zip(titles, ["2025-05-03", "2025-04-12", "2025-03-20"], strict=True))]
    linked = "".join(f"<h2><a href='/news/post-{i}/'>{t}</a></h2><p>{d}</p>"
                     for i, (t, d) in enumerate(zip(titles, days, strict=True)))
    assert [day for _, _, day in read(f"<main><h1>News</h1>{linked}</main>")] == ["2025-05-03", "2025-04-12", "2025-03-20"]
    features = "".join(f"<h2>Feature number {i} of the tool</h2><p>{'What it does for you, in brief. ' * 3}</p>"
                       f"<p><a href='/features/feature-number-{i}/'>Learn more</a></p>" for i in range(3))
    assert read(f"<main class='c'><h1>Features</h1>{features}</main>") == []


def test_a_home_page_s_second_block_of_two_dated_items_is_read_too() -> None:
    """A home page with its news (four posts) and its events (the next two): both blocks
    are the page's announcements. Two dated links alone on a page are no listing."""
    news = cards(4)
    events = "".join(f"<li><a href='/events/{slug}/'>{title}</a> <span>{day}</span></li>" for slug, title, day in [
        ("open-day-at-the-lab", "Open day at the lab", "20 May 2025"), ("reef-walk-for-families", "Reef walk for families",
                                                                        "22 May 2025")])
    found = read(f"<main><h1>Welcome</h1><section><h2>News</h2>{news}</section><section><h2>Events</h2><ul>{events}</ul>"
                 "</section></main>")
    assert [url for _, url, _ in found][-2:] == ["https://www.example.org/events/open-day-at-the-lab/",
                                                 "https://www.example.org/events/reef-walk-for-families/"]
    assert len(found) == 6
    assert read(f"<main><h1>Welcome</h1><section><h2>Events</h2><ul>{events}</ul></section>"
                f"<p>{'About the foundation and its work for the reef. ' * 2}</p></main>") == []


def test_a_day_and_month_without_the_year_ties_items_to_a_day_but_gives_none() -> None:
    """A Japanese ministry's news: each <dd> headed by a <dt> day and month, "4月28日",
    no year anywhere. The items are a listing (each tied to a day) and stay undated:
    dateparser read "4月28日" as 1928."""
    rows = "".join(f"<dl class='clearfix'><dt>4月2{i}日</dt><dd><a href='/kaiken/kaiken2020042{i}.html'>"
                   f"委員長記者会見資料掲載その{i}</a></dd></dl>" for i in range(4))
    found = read(f"<main><section class='news'><h1>新着情報</h1>{rows}</section></main>", lang="ja")
    assert [(url, day) for _, url, day in found] == [
        (f"https://www.example.org/kaiken/kaiken2020042{i}.html", None) for i in range(4)]


def test_a_date_heading_dates_the_links_under_it_not_the_ones_above() -> None:
    """A Markdown list of news by date: "## May 3, 2025" then a paragraph with the post's
    link. The first post's day is its heading's, not the next heading's."""
    days = ["May 3, 2025", "April 12, 2025", "March 20, 2025"]
    body = "".join(f"<h2>{d}</h2><p><a href='/news/post-number-{i}/'>Post number {i} of the project</a></p>"
                   for i, d in enumerate(days))
    assert [day for _, _, day in read(f"<main class='c'><h1>News</h1>{body}</main>")] == [
        "2025-05-03", "2025-04-12", "2025-03-20"]


def test_a_see_link_names_no_item() -> None:
    """A government table of news: the date, the title as text, a PDF and a "Ver" link to
    the item's page. "Ver" (see) names nothing; the row's title does."""
    rows = "".join(f"<tr><td>1{i}/05/2025</td><td>Convocatoria de ayudas número {i}</td><td>"
                   f"<a href='/noticias/nota-{i}.pdf'>PDF</a> <a href='/noticias/nota-{i}'>Ver</a></td></tr>" for i in range(3))
    found = read(f"<main><h1>Noticias</h1><table>{rows}</table></main>", lang="es")
    assert found == [(f"Convocatoria de ayudas número {i}", f"https://www.example.org/noticias/nota-{i}", f"2025-05-1{i}")
                     for i in range(3)]
