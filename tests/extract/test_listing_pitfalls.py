"""Pitfalls of listing detection found on never-seen pages (issue 19, round 9): a person's
profile link taken for a title, a page of two dated link entries, links cited in prose taken
for a listing, one listing shown twice; round 10: teasers a stray end tag puts outside
their run, a content wrapper named for the sticky footer layout, pages of one card or one
note, and posts shown in full headed by a citation. Each is a small page
built like the kind, not a copy of any saved page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract.announcements import read_announcements

FETCHED_AT = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)


def test_a_person_s_profile_link_on_a_line_of_its_own_is_no_title() -> None:
    """Posts with no heading: a picture and the title's link, then a byline whose author
    portrait links the author's profile page in its own <div>, in longer words than the
    title. The title is the post's; the profile names a person (it won, being the only
    link on a line of its own)."""
    url = "https://lab.example.org/news/"
    posts = "".join(
        f"<div class='post-excerpt'><a href='/{day}/{slug}.html'><img src='/i.jpg' alt=''></a>"
        f"<div class='text'><a href='/{day}/{slug}.html'>{title}</a>"
        f"<div class='info'><div class='portrait'><a href='/members/{who}.html'>"
        f"<img src='/p.jpg' alt=''><span>Prof. Dr. {who.title()} Example</span><span>Chair</span></a></div>"
        f"<span>{date}</span></div><p>A few words on what happened in the group.</p></div></div>"
        for day, slug, title, who, date in [
            ("2025/08/19", "new-members", "New members", "miller", "August 19, 2025"),
            ("2024/08/26", "welcome", "Welcome", "jones", "August 26, 2024"),
            ("2024/07/03", "new-website", "Our new website", "miller", "July 03, 2024"),
        ]
    )
    html = f"<html lang='en'><body><main><h1>News</h1>{posts}</main></body></html>"
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [(a.title, a.url) for a in found.items] == [
        ("New members", "https://lab.example.org/2025/08/19/new-members.html"),
        ("Welcome", "https://lab.example.org/2024/08/26/welcome.html"),
        ("Our new website", "https://lab.example.org/2024/07/03/new-website.html"),
    ]


def test_a_list_of_two_links_each_ending_with_its_date_is_a_page_of_few_items() -> None:
    """A research group's news page: under a heading, two list entries that are each one
    link whose words end with the day ("Kick-off Meeting --- 14/10/2022"), and a footer
    of credits (licence, generator, theme) inside the main content. The two are the page's
    items, dated by their links' last words; the credits are no content they must cover
    (the page gave nothing)."""
    url = "https://group.example.org/pages/news.html"
    html = (
        "<html lang='en'><body><main><article><h1>News</h1><h3>Some news from our lab</h3><ul>"
        "<li><a href='/pages/kick-off.html'>Project Kick-off Meeting --- 14/10/2022</a></li>"
        "<li><a href='/pages/final.html'>Project Final Meeting --- 13/03/2023</a></li></ul></article>"
        "<footer><p>Licensed under <a href='https://licence.example/by-sa/'>a licence</a>. Built with"
        " <a href='https://generator.example/'>Generator</a> using <a href='https://theme.example/'>Theme</a>"
        "</p></footer></main></body></html>"
    )
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [(a.url, a.published) for a in found.items] == [
        ("https://group.example.org/pages/kick-off.html", "2022-10-14T00:00:00Z"),
        ("https://group.example.org/pages/final.html", "2023-03-13T00:00:00Z"),
    ]


def test_links_in_the_sentences_of_posts_shown_in_full_are_no_listing() -> None:
    """Short posts shown in full (a heading, its date, a paragraph): their paragraphs cite
    a product, a tool and a team's blog in running sentences. Those links, one after the
    other, are no listing: each of the 9 was an item. (A post still gives at most one, its
    paragraph's longest citation: left, see round 9's report.)"""
    url = "https://team.example.org/news/"
    posts = "".join(
        f"<div class='panel'><h4>{title}<small>{day} juillet 2018</small></h4>"
        f"<p>Le service <a href='/startups/{slug}'>{slug}</a> qui simplifie les démarches des usagers a dépassé"
        f" les deux cents dossiers ce mois-ci, grâce à <a href='https://tool{day}.example/'>un outil partagé</a>"
        f" et à <a href='https://blog.example/{slug}'>une équipe engagée</a> depuis le début de l'année.</p></div>"
        for title, day, slug in [("Plus de 200 demandes", 27, "work"), ("Notre défi lauréat", 20, "code"),
                                 ("Une nouvelle version", 12, "mjpm")]
    )
    html = f"<html lang='fr'><body><main><h1>Brèves</h1>{posts}</main></body></html>"
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    cited = {f"https://team.example.org/startups/{s}" for s in ("work", "code", "mjpm")}
    cited |= {f"https://tool{d}.example/" for d in (27, 20, 12)}
    assert len(found.items) <= 3
    assert not cited & {a.url for a in found.items}


def test_a_listing_shown_twice_in_the_same_order_gives_each_item_once() -> None:
    """An archive theme lists its two events under "Recently updated" and again under
    their year, in the same order: each page is linked by two of the four blocks, which
    made it a link the listing shares (like a category), and one event was lost."""
    url = "https://club.example.org/events/"
    entries = "".join(
        f"<article class='archive-item'><a href='/events/{slug}/'>{title}</a><span>Updated on 03-09</span></article>"
        for slug, title in [("air-day", "Aeronautics Day of the School"), ("conference", "Central Conference: Flying in 2030")]
    )
    html = (f"<html lang='en'><body><nav><a href='/'>Home</a> <a href='/about/'>About</a></nav>"
            f"<main><div class='archive'><h1>All events</h1><h2>Recently updated</h2>{entries}"
            f"<h2>0001</h2>{entries}</div></main></body></html>")
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [a.url for a in found.items] == [
        "https://club.example.org/events/air-day/",
        "https://club.example.org/events/conference/",
    ]


@pytest.mark.parametrize("wrapper", ["page-content sticky-footer", "page"])
def test_teasers_that_a_stray_end_tag_puts_outside_the_run_are_items(wrapper: str) -> None:
    """An "In the News" page of seven alike teasers (an unlinked heading, the outlet, a
    sentence, a "Read More" to the story) whose template closes a ``</div>`` too many in
    each: the parser closes the run's parents early, so the first three teasers are each
    left alone at a level of their own (the grid, its wrapper, the page's content), above
    the other four. All seven are items; and a wrapper named ``page-content sticky-footer`` (the sticky footer
    layout) is the content, not the footer (it was removed with both teasers in it)."""
    url = "https://foundation.example.org/news/"
    stories = [("Scholarship program for international students", "news.uni-a.example/scholarship"),
               ("The year's most generous donors", "chronicle.example/donors-50"),
               ("Inside a school's venture to end poverty", "magazine.example/venture"),
               ("Big bets and the aspiration gap", "roundtable.example/big-bets"),
               ("Couple gives to fight poverty", "times.example/2011/11/04/couple-gives.html"),
               ("Family funds scholarships", "news.college.example/2012/02/scholarships"),
               ("A gift to help youth flourish", "news.uni-b.example/gift-youth")]

    def teaser(title: str, where: str) -> str:
        return (f"<section class='news'><section class='grid center'><div class='col-3-12'></div>"
                f"<div class='col-9-12'><h2 class='text-left'>{title}</h2><p class='caption'>An outlet - 2017</p>"
                f"<p>The founders gave to a program that supports students from developing countries.</p>"
                f"<p class='button'><a href='https://{where}'>Read More</a></p></div></section></div></section>")

    html = (f"<html lang='en'><body><header><a href='/'>Home</a> <a href='/about/'>About</a></header>"
            f"<div class='{wrapper}'><div class='wrapper'><h1>In the News</h1><div class='grid'>"
            + "".join(teaser(t, w) for t, w in stories)
            + "<footer><a href='/contact/'>Contact</a></footer></body></html>")
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [a.url for a in found.items] == [f"https://{where}" for _, where in stories]


def test_an_events_page_of_one_card_titled_below_its_kicker_gives_it() -> None:
    """One event card: a kicker in a small heading ("Torneo"), the title in a larger one,
    the day, a sentence, and one link, to the rules on another site ("Descargar bases").
    The most prominent heading titles the card, as it does among linked headings; the
    kicker came first and, shorter than the link's words, lost to them (nothing was
    found)."""
    url = "http://localhost:4321/eventos/"
    html = (
        "<html lang='es'><body><nav><a href='/'>Inicio</a> <a href='/eventos/'>Eventos</a></nav>"
        "<div class='cards'><article class='card'><img src='/a.jpg' alt=''><div class='body'>"
        "<h5>Torneo</h5><h3>Torneo de ajedrez rápido de marzo</h3><span>11/3/2023</span>"
        "<p>Participe en nuestro torneo de nueve rondas, con premios para el podio.</p>"
        "<a href='https://docs.example.com/file/d/abc123/view'>Descargar bases</a></div></article></div>"
        "</body></html>"
    )
    found = read_announcements(html, url, language="es", fetched_at=FETCHED_AT)
    assert [(a.title, a.url, a.published) for a in found.items] == [
        ("Torneo de ajedrez rápido de marzo", "https://docs.example.com/file/d/abc123/view", "2023-03-11T00:00:00Z")
    ]


def test_a_note_ending_with_more_information_is_a_post_of_its_own() -> None:
    """A news page of short notes shown in full, each under its day (a Quarto listing links
    the day to nowhere, ``href=""``); one ends "Ver más información"
    (More information) to a post of the site, the other has no link. That label is a
    "Read more" like the others in the seed's languages, so the note is the page's one
    item, titled by its words without the label (nothing was found)."""
    url = "https://group.example.io/noticias/"
    html = (
        "<html lang='es'><head><title>Noticias – Grupo de Biología</title></head><body><main><h1>Noticias</h1>"
        "<ul class='list'>"
        "<li><a href='' class='listing-name'>8 abr 2024</a><br><span>¡Avanzamos con nuestro curso de Python en su"
        " versión 2024-1! <a href='../posts/2024/curso-python.html'>Ver más información</a>.</span></li>"
        "<li><a href='' class='listing-name'>25 mar 2024</a><br><span>¡Nuestro grupo tiene ahora un semillero de"
        " investigación!</span></li></ul></main></body></html>"
    )
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [(a.title, a.url, a.published) for a in found.items] == [
        ("¡Avanzamos con nuestro curso de Python en su versión 2024-1!",
         "https://group.example.io/posts/2024/curso-python.html", "2024-04-08T00:00:00Z")
    ]


def test_posts_shown_in_full_headed_by_a_citation_are_no_listing() -> None:
    """Brèves above the news cards: each a panel with an unlinked heading and its day, and
    a paragraph of lines that cite a service, an article elsewhere, a dashboard. A post's
    headline was its longest link, a few words of its sentences ("améliorer la relation
    avec les usagers"), and the posts a dated listing beside the three cards (a real page gave 9 items for 3). A run
    whose blocks are headed by links cited in prose is no listing, whatever the blocks are."""
    url = "https://incubator.example.org/actualites/"
    notes = "".join(
        f"<div class='row'><div class='panel'><div class='panel__header'><h4>{title}"
        f"<small class='extra'>{day} Juillet 2018</small></h4></div><p>Le service s'appuie sur"
        f" <a href='https://service{day}.example/'>les démarches simplifiées</a> pour gérer la téléprocédure,"
        f" ce qui a permis de réduire les délais et d'<a href='https://press.example/{slug}'>améliorer la"
        f" relation avec les usagers de {slug}</a> depuis le début de l'année. L'équipe remercie les agents des"
        f" préfectures qui ont testé chaque étape du parcours avant son ouverture.<br><br>"
        f"📊 <a href='https://{slug}.example/stats'>tableau de bord</a></p></div></div>"
        for title, day, slug in [("Plus de 200 demandes par jour", 27, "work"),
                                 ("Notre défi lauréat du programme", 20, "code"),
                                 ("Une nouvelle version publiée", 12, "mjpm"),
                                 ("Les questions les plus fréquentes", 10, "faq"),
                                 ("Un nouveau produit à l'incubateur", 6, "standup")]
    )
    cards = "".join(
        f"<div class='card'><div class='card__cover'><a href='/actus/{slug}/'><img src='/{slug}.jpg' alt=''></a></div>"
        f"<div class='card__content'><h3><a href='/actus/{slug}/'>{title}</a></h3><div class='card__meta'>"
        f"<time>Juin 2018</time></div><p>Le premier board de l'incubateur a eu lieu : les équipes présentent"
        f" l'avancement de leur produit.</p></div></div>"
        for slug, title in [("saison2", "Incubateur - saison 2"), ("cdtn", "Une problématique complexe"),
                            ("board", "Show must go on")]
    )
    html = (f"<html lang='fr'><head><title>Actualités</title></head><body><main><h1>Actualités</h1>"
            f"<h2>Brèves</h2><div class='notes'>{notes}</div><h2>A la une</h2><div class='row'>{cards}</div>"
            f"</main></body></html>")
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [a.url for a in found.items] == [
        "https://incubator.example.org/actus/saison2/", "https://incubator.example.org/actus/cdtn/",
        "https://incubator.example.org/actus/board/",
    ]


def test_two_undated_articles_titled_by_a_heading_s_link_are_a_page_of_two_posts() -> None:
    """A school's news page of two posts: each an ``<article>`` with a picture and an
    ``<h3>`` link to its page, no date, no excerpt. Three such articles were a listing by
    their markup alone; two gave nothing, since a page of few items wanted a date or an
    excerpt cut short besides. The markup says they are posts."""
    url = "https://school.example.sn/actualites/"
    posts = "".join(
        f"<article class='post'><a href='/{slug}/'><img src='/{slug}.jpg' alt=''></a>"
        f"<h3 class='title'><a href='/{slug}/'>{title}</a></h3></article>"
        for slug, title in [("visite-du-responsable", "Visite du responsable de la formation"),
                            ("rentree-amphi-2017", "Rentrée en amphi pour les premières années")]
    )
    html = (f"<html lang='fr'><head><title>Actualités – École</title></head><body><main><h2>Actualités</h2>"
            f"<div class='grid'>{posts}</div></main></body></html>")
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [a.url for a in found.items] == [
        "https://school.example.sn/visite-du-responsable/", "https://school.example.sn/rentree-amphi-2017/",
    ]


def test_two_related_articles_under_an_article_s_text_are_no_items() -> None:
    """The other side: an article page whose text is followed by two related posts, each
    an ``<article>`` titled by an ``<h3>`` link, announces nothing (it is one article)."""
    url = "https://school.example.sn/visite-du-responsable/"
    text = "".join(f"<p>{'La délégation a visité les ateliers et rencontré les étudiants de BTS. ' * 4}</p>"
                   for _ in range(4))
    related = "".join(
        f"<article class='post'><h3 class='title'><a href='/{slug}/'>{title}</a></h3></article>"
        for slug, title in [("rentree-amphi-2017", "Rentrée en amphi pour les premières années"),
                            ("journee-portes-ouvertes", "Journée portes ouvertes de l'école")]
    )
    html = (f"<html lang='fr'><head><title>Visite du responsable – École</title></head><body><main>"
            f"<h1>Visite du responsable</h1>{text}<h2>À lire aussi</h2><div class='related'>{related}</div>"
            f"</main></body></html>")
    assert read_announcements(html, url, language=None, fetched_at=FETCHED_AT).items == []


def test_a_teaser_built_like_its_dated_neighbour_is_a_post_too() -> None:
    """A firm's news page of two press stories, each a card that is one link (heading,
    picture, a paragraph) to the newspaper's article. One paragraph names its day ("Il 1°
    giugno"), the other no day at all: built the same way in the same run, both are posts
    (only the first was found)."""
    url = "https://studio.example.it/notizie"
    cards = "".join(
        f"<div class='news-container'><a class='news' href='https://{paper}'><h3>{title}</h3>"
        f"<img src='/images/{n}.jpg' alt=''><p>{text}</p></a></div>"
        for n, paper, title, text in [
            (1, "news.example.it/2024/05/studi-aperti.html", "Studi aperti: gli architetti si aprono alla città",
             "Il 1° giugno gli studi di architettura aprono le porte alla cittadinanza in tutta Italia."),
            (2, "press.example.it/attualita/restauro-cappella.html", "Partito il restauro della cappella rurale",
             "Dopo anni di abbandono sono iniziati i lavori di restauro della cappella rurale."),
        ]
    )
    html = (f"<html lang='it'><head><title>Notizie – Studio</title></head><body><nav><a href='/'>Home</a>"
            f" <a href='/notizie'>Notizie</a></nav><div class='content-section'><h1>Notizie</h1>{cards}</div>"
            f"</body></html>")
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [a.url for a in found.items] == [
        "https://news.example.it/2024/05/studi-aperti.html", "https://press.example.it/attualita/restauro-cappella.html",
    ]


def test_the_call_to_action_that_closes_a_page_of_teasers_is_no_item() -> None:
    """Press stories, each a section with a heading, the outlet, a sentence and a "Read
    More" to the story, then a closing section built otherwise (another class, its
    heading in a ``div.content``) that says who the foundation is and links "More about
    us" to /about: a call to action, not a story (it was the page's fifth item)."""
    url = "https://foundation.example.org/news/"
    stories = "".join(
        f"<section class='news'><div class='col'><h2>{title}</h2><p class='caption'>An outlet - 2017</p>"
        f"<p>The founders gave to a program that supports students from developing countries.</p>"
        f"<p class='button'><a href='https://{where}'>Read More</a></p></div></section>"
        for title, where in [("Scholarship program for international students", "news.uni-a.example/scholarship"),
                             ("Inside a school's venture to end poverty", "magazine.example/venture"),
                             ("Big bets and the aspiration gap", "roundtable.example/big-bets"),
                             ("Couple gives to fight poverty", "times.example/2011/11/04/couple-gives.html")]
    )
    closing = ("<section class='blue'><div class='grid'><div class='content'><h2>The foundation is inspired by"
               " the generous spirit of its founders</h2><p>Since 2009 it has worked against extreme poverty with"
               " partners on four continents.</p><p class='button'><a href='/about'>More about us</a></p>"
               "</div></div></section>")
    html = (f"<html lang='en'><head><title>In the News</title></head><body><h1>In the News</h1>{stories}{closing}"
            f"</body></html>")
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert "https://foundation.example.org/about" not in [a.url for a in found.items]
    assert len(found.items) == 4
