"""The kinds of page round 2's extractor failed on, each as a small page built like the
kind (not a copy of any saved page): a listing whose titles are no links, items that
lead to other sites, a news page of one post, pages with nothing to announce whose
files, tags or own markup were read as items, and dates split between an item and its
group heading."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract.announcements import read_announcements

FETCHED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PAGE = "https://www.example.org/news/"


def read(body: str, *, lang: str = "en", head: str = "", page: str = PAGE) -> list[tuple[str, str | None, str | None]]:
    html = f"<html lang='{lang}'><head>{head}</head><body>{body}</body></html>"
    found = read_announcements(html, page, language=None, fetched_at=FETCHED_AT)
    return [(a.title, a.url, a.published and a.published[:10]) for a in found.items]


# --------------------------------------------------------------------------- listings read as nothing


def test_cards_whose_only_link_is_their_picture_are_titled_by_their_first_line() -> None:
    """A theme's card: the picture links to the post, the title is a <p>, the day a badge."""
    cards = "".join(
        f"<div class='column'><div class='card'><figure><a href='/news/2025-05-0{i}-post-{i}/'><img src='/t.jpg'></a>"
        f"</figure><div class='card-content'><p class='title'>Meeting of the members {i}</p>"
        f"<div class='meta'><span>0{i} MAY</span><div>By the board</div></div></div></div></div>"
        for i in range(1, 6)
    )
    assert read(f"<section><div class='columns'>{cards}</div></section>") == [
        (f"Meeting of the members {i}", f"https://www.example.org/news/2025-05-0{i}-post-{i}/", None)
        for i in range(1, 6)]


def test_items_that_lead_to_other_sites_count_when_each_says_read_more() -> None:
    """News of a community: a heading, a line of teaser and a "Read more" button, each to
    wherever the news is (a video, a newsletter, a partner's blog)."""
    targets = ["https://video.example.com/watch?v=1", "https://bit.example/2xY", "https://blog.example.net/2025/05/survey",
               "https://www.example.org/press/20250404.php", "https://events.example.com/day-2025/"]
    items = "".join(
        f"<div class='grid-item'><div class='row'><h3>News number {i} of the community</h3>"
        f"<div><p>What happened, in a sentence or two for the reader.</p></div>"
        f"<a href='{url}' class='btn' role='button'>Read more…</a></div></div>"
        for i, url in enumerate(targets)
    )
    assert [url for _, url, _ in read(f"<main><h1>News</h1><div class='grid'>{items}</div></main>")] == targets
    links = "<ul>" + "".join(f"<li><a href='{url}'>A friendly site number {i}</a></li>" for i, url in enumerate(targets)) + "</ul>"
    assert read(f"<main><h1>Friends</h1>{links}</main>") == []


# --------------------------------------------------------------------------- a news page of one post


def test_a_news_page_whose_one_post_is_one_big_link() -> None:
    body = ("<header><nav><a href='/'>Home</a><a href='/news/'>News</a></nav></header><main><header><h1>News</h1>"
            "</header><section><a class='article' href='/news/1735221360532-merry-christmas/'>"
            "<div class='thumbnail' style='background-image:url(/x.jpg)'></div><div><div><div>Merry Christmas</div></div>"
            "<div><time datetime='2024-12-24T00:00:00+00:00'>24 December 2024</time></div></div></a></section></main>")
    assert read(body) == [("Merry Christmas", "https://www.example.org/news/1735221360532-merry-christmas/", "2024-12-24")]


def test_a_news_page_whose_one_post_is_filed_under_tags() -> None:
    """The post's tag links lead to the site's taxonomy, not to other content: the page
    still holds one post and nothing else."""
    tags = ", ".join(f"<a href='/tags/{t}/'>{t}</a>" for t in ("strike", "budget", "pensions", "wages"))
    body = ("<main><aside><nav><a href='/news/'>News</a></nav></aside><div class='page'><article class='post'>"
            "<h2><a href='/news/2025/strike-day/'>Strike day</a></h2><div><span>May 11, 2025</span>"
            f"<div>{tags}</div><div><p>The unions call for a day of strikes against the budget.</p></div>"
            "</div></article></div></main>")
    assert read(body) == [("Strike day", "https://www.example.org/news/2025/strike-day/", "2025-05-11")]


# --------------------------------------------------------------------------- nothing to announce


def test_the_files_attached_to_a_meeting_page_are_not_announcements() -> None:
    """A council meeting's page: its agenda and minutes are files named after the day."""
    files = "".join(
        f"<div class='field'><div class='label'>{label}</div><div class='items'>"
        + "".join(f"<div class='item'><span class='file'><a href='/files/2025-05/{name}' type='application/pdf'>{name}</a>"
                  f"</span></div>" for name in names) + "</div></div>"
        for label, names in [("Agendas", ["May 15, 2025 agenda.pdf"]),
                             ("Documents", ["Hearing 2025-05-15 5PM.pdf", "Hearing 2025-05-15 6PM.docx"])]
    )
    body = (f"<main><h1>Planning Commission meeting</h1><p>Thursday, May 15, 2025, 5:00 pm</p>"
            f"<section class='documents'>{files}</section></main>")
    assert read(body) == []


def test_an_article_that_says_so_in_its_markup_announces_nothing() -> None:
    """A newspaper article: its microdata Article has no address of its own (it is the
    page), its text links a tag page, its comments are dated."""
    comments = "".join(
        f"<li><article class='comment'><a href='https://people.example.org/page/user{i}'>user{i}</a>"
        f"<p>I think this is a good idea, whatever the minister says.</p><span>Le 0{i}/05/2025 à 10:00</span>"
        f"<a href='/article/slug-20250405/comments/{i}'>Répondre</a></article></li>" for i in range(1, 6))
    body = ("<article itemscope itemtype='http://schema.org/Article' itemprop='mainContentOfPage'>"
            "<h1 itemprop='headline'>Le ministre envisage de céder des participations</h1>"
            "<time itemprop='datePublished' datetime='2025-05-01T17:08:23+02:00'>le 01/05/2025</time>"
            "<div itemprop='articleBody'><p>Une petite phrase d'<a href='https://people.example.org/tag/le-ministre'>"
            "un ministre</a>, dans un entretien.</p></div></article>"
            f"<section class='conversation'><ul class='article-comments'>{comments}</ul></section>")
    found = read_announcements(f"<html lang='fr'><body>{body}</body></html>", "https://www.example.org/article/slug-20250405",
                               language=None, fetched_at=FETCHED_AT)
    assert found.items == [] and (found.reason or "").startswith("the page is one article")


# --------------------------------------------------------------------------- dates in groups


def test_a_day_name_and_number_take_the_month_and_year_of_their_group() -> None:
    """An events page grouped by month: each event says only "Venerdì 29"."""
    events = "".join(
        f"<li><h3><a href='/eventi/{slug}/'>{title}</a></h3><p>{day} dalle 18:00, in palestra</p></li>"
        for slug, title, day in [("allenamento", "Allenamento aperto", "Venerdì 29"),
                                 ("roda", "Roda di capoeira", "Sabato 30"), ("festa", "Festa di fine anno", "Domenica 31")]
    )
    body = f"<main><h1>Eventi</h1><h2>Maggio 2025</h2><ul>{events}</ul></main>"
    assert [day for _, _, day in read(body, lang="it")] == ["2025-05-29", "2025-05-30", "2025-05-31"]


def test_a_day_and_month_take_the_one_year_their_item_prints() -> None:
    """No group heading: the event's own title and teaser give its year, in the
    language's order ("29/05" is the 29th of May in Italian)."""
    events = "".join(
        f"<div class='event'><span>Eventi</span><h1><a href='/eventi/raduno_{y}/'>Raduno {y}</a></h1>"
        f"<div>Il raduno {y}. Dal 29/05 al 31/05, un fine settimana di musica.</div></div>" for y in (2025, 2024, 2023))
    assert [day for _, _, day in read(f"<main><section>{events}</section></main>", lang="it")] == [
        "2025-05-29", "2024-05-29", "2023-05-29"]
