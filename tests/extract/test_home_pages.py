"""Home pages (issue 19, round 11): an organisation's home page repeats many blocks built
like teasers (services, topics, campaigns) beside its news; the announcements are the
blocks that say they are news (crawler.extract.newsblocks). Each page is small and built
like the kind, not a copy of any saved page."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract.announcements import read_announcements

FETCHED_AT = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)


def _cards(rows: list[tuple[str, str]], text: str) -> str:
    return "".join(
        f"<div class='card'><img src='/i/{n}.jpg' alt=''><h3><a href='{href}'>{title}</a></h3><p>{text}</p></div>"
        for n, (href, title) in enumerate(rows)
    )


SERVICES = [
    ("/services/pay-council-tax", "Pay your council tax"),
    ("/services/report-a-pothole", "Report a pothole in the road"),
    ("/services/apply-for-a-parking-permit", "Apply for a parking permit"),
    ("/services/book-a-waste-collection", "Book a bulky waste collection"),
]
TOPICS = [
    ("/environnement-et-dechets", "Environnement et déchets"),
    ("/education-et-jeunesse", "Éducation et jeunesse"),
    ("/sport-et-loisirs", "Sport et loisirs"),
    ("/urbanisme-et-logement", "Urbanisme et logement"),
]


def test_a_home_page_gives_its_news_block_not_its_services() -> None:
    """A council's home page: four service cards (a picture, a heading's link, a
    sentence) under "Popular services", then three news cards under "Latest news"
    leading below /news/. Both runs look like listings; only the news are announcements
    (every service card was an item)."""
    news = [("/news/article/bridge-reopens-after-repairs", "Bridge reopens after repairs"),
            ("/news/article/libraries-extend-opening-hours", "Libraries extend their opening hours"),
            ("/news/article/new-cycle-lanes-for-the-town-centre", "New cycle lanes for the town centre")]
    html = (
        "<html lang='en'><head><title>County Council</title></head><body><main>"
        "<section class='services'><h2>Popular services</h2><div class='row'>"
        f"{_cards(SERVICES, 'Do it online, any time of day, in a few minutes.')}</div></section>"
        "<section class='latest'><h2>Latest news</h2><div class='row'>"
        f"{_cards(news, 'What the council did this week for the people of the county.')}</div></section>"
        "</main></body></html>"
    )
    found = read_announcements(html, "https://council.example.gov/", language=None, fetched_at=FETCHED_AT)
    assert [a.url for a in found.items] == [f"https://council.example.gov{href}" for href, _ in news]


def test_a_news_block_named_only_by_its_all_news_link_is_the_news() -> None:
    """A city's home page in French: topic cards, then a carousel of stories with no
    heading above it, whose items lead into a dated folder (no news word in it) and which
    the page closes with "Toutes les actualités". The link names the block."""
    stories = [("/a-la-une/2020/10/la-fete-de-la-science", "La fête de la science revient"),
               ("/a-la-une/2020/10/un-nouveau-marche", "Un nouveau marché place de la mairie"),
               ("/a-la-une/2020/10/travaux-rue-principale", "Travaux dans la rue principale")]
    html = (
        "<html lang='fr'><head><title>Ville</title></head><body><main>"
        "<div class='topics'><h2>Vos démarches par thème</h2><div class='row'>"
        f"{_cards(TOPICS, 'Toutes les informations et les démarches utiles du thème.')}</div></div>"
        "<div class='stories'><div class='carousel'>"
        f"{_cards(stories, 'Ce qui se passe en ville cette semaine, en quelques mots.')}</div>"
        "<p><a href='/a-la-une/'>Toutes les actualités</a></p></div>"
        "</main></body></html>"
    )
    found = read_announcements(html, "https://ville.example.fr/", language=None, fetched_at=FETCHED_AT)
    assert [a.url for a in found.items] == [f"https://ville.example.fr{href}" for href, _ in stories]


def test_a_run_joined_across_two_blocks_keeps_only_the_block_under_a_news_heading() -> None:
    """A charity's home page: "Get involved" and "Latest stories" are two grids of the
    same cards side by side, so one run holds both. Each story card carries a "News and
    updates" category link; that tag names its card, not the campaigns beside it. The
    stories are the announcements (the campaigns were items too)."""
    campaigns = [("/get-involved/remembrance", "Remembrance"), ("/get-involved/poppy-appeal", "Poppy Appeal"),
                 ("/get-involved/our-partners", "Our partners")]
    stories = [("/stories/a-friendship-during-lockdown", "A friendship during lockdown"),
               ("/stories/playing-a-part-in-the-pandemic", "Playing a part in the pandemic"),
               ("/stories/veterans-on-the-virus", "Veterans on the virus")]
    tag = "<a class='tag' href='/cards?category=news-and-updates'>News and updates</a>"
    html = (
        "<html lang='en'><head><title>Legion</title></head><body><main><div class='page'>"
        "<h2>Get involved</h2><div class='grid'>"
        f"{_cards(campaigns, 'Join thousands of people who support the armed forces community.')}</div>"
        "<h2>Latest stories from the Legion</h2><div class='grid'>"
        f"{_cards(stories, 'What our members did this month. ' + tag)}</div>"
        "</div></main></body></html>"
    )
    found = read_announcements(html, "https://legion.example.org/", language=None, fetched_at=FETCHED_AT)
    assert [a.url for a in found.items] == [f"https://legion.example.org{href}" for href, _ in stories]


def test_a_home_page_whose_only_listing_names_no_news_keeps_it() -> None:
    """A home page of one listing, with no heading naming news: nothing tells it from
    another block, because there is none; it stays the page's listing."""
    posts = [("/2025/08/a-summer-of-field-work", "A summer of field work"),
             ("/2025/07/our-new-laboratory-opens", "Our new laboratory opens"),
             ("/2025/06/three-grants-for-young-researchers", "Three grants for young researchers")]
    html = (
        "<html lang='en'><head><title>Lab</title></head><body><main><h2>What we do</h2><div class='row'>"
        f"{_cards(posts, 'A short account of what the group did and why it matters.')}</div></main></body></html>"
    )
    found = read_announcements(html, "https://lab.example.org/", language=None, fetched_at=FETCHED_AT)
    assert len(found.items) == 3


def test_a_section_page_keeps_every_listing() -> None:
    """The rule is a home page's: a page that heads a section (``/services/``, its menu
    leading elsewhere) keeps its listings though none names news."""
    html = (
        "<html lang='en'><head><title>Services</title></head><body><nav><a href='/'>Home</a>"
        "<a href='/news/'>News</a></nav><main><h1>Services</h1><div class='row'>"
        f"{_cards(SERVICES, 'Do it online, any time of day, in a few minutes.')}</div>"
        "<h2>Latest news</h2><ul class='latest'>"
        "<li><a href='/news/article/bridge-reopens'>Bridge reopens after repairs</a></li>"
        "<li><a href='/news/article/libraries-open'>Libraries extend their opening hours</a></li></ul>"
        "</main></body></html>"
    )
    found = read_announcements(html, "https://council.example.gov/services/", language=None, fetched_at=FETCHED_AT)
    assert len([a for a in found.items if "/services/" in (a.url or "")]) == 4


def test_a_box_of_embedded_tweets_is_no_news_block() -> None:
    """Round 12: a lab's home page presents its programmes ("Ir a Impacta") and embeds a
    "Comentarios en Twitter" box: four <article> tweets of other accounts, each a
    sentence with an @account link, a pic.twitter.com short link, and the tweet's day.
    The tweets gave four dated items (account pages and t.co links); they are the
    network's posts, not the site's announcements, so the page has none."""
    tweets = "".join(
        f"<article class='tweet'><blockquote class='twitter-tweet'><p>{text} "
        f"<a href='https://twitter.com/{account}'>@{account}</a> "
        f"<a href='http://t.co/{short}'>pic.twitter.com/{short}</a></p>&mdash; {account} "
        f"<a href='https://twitter.com/{account}/status/{status}'>{day}</a></blockquote></article>"
        for text, account, short, status, day in [
            ("Conoce el laboratorio que potenciará la innovación en el Estado", "corfo", "KWw6CQHK", 596671705, "May 8, 2015"),
            ("Pasamos de construir servicios para los ciudadanos a hacer con ellos", "meconomia", "qKPOYkrT", 596303311, "May 7, 2015"),
            ("Tenemos que sumar al carro de la innovación al sector privado", "innovacioncl", "8h1ZmuEa", 596304613, "May 7, 2015"),
            ("Un laboratorio para innovar en los servicios públicos del país", "labcdmx", "yfEfppHt", 596304999, "May 7, 2015"),
        ]
    )
    html = (
        "<html lang='es'><head><title>Laboratorio</title></head><body><main>"
        "<section><h2>Qué hacemos</h2><p>Innovación pública centrada en las personas.</p>"
        "<a href='/impacta/'>Ir a Impacta</a> <a href='/aulab/'>Ir a AULAB</a></section>"
        f"<section><h2>Comentarios en Twitter</h2>{tweets}</section></main></body></html>"
    )
    found = read_announcements(html, "https://lab.example.cl/", language=None, fetched_at=FETCHED_AT)
    assert [a.url for a in found.items] == []
