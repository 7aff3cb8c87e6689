"""Days a listing shows in a way that was not read (issue 19, round 11): an event card
that shows its event's day and its own "pubblicato il" day, an archive that prints
"Published on 09-20" under a year heading, an event card whose only day is in its title;
round 12: a notice whose hearing's day is a line of its own above "Posted 08/09/2017".
Small pages built like the kind."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract.announcements import read_announcements
from crawler.extract.dates import after_published_label

FETCHED_AT = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)


def test_an_event_card_is_dated_by_its_labelled_publication_day() -> None:
    """Each card: "Evento del 24-02-2024 · pubblicato il 19-02-2024", a heading, a
    sentence, "Continua" to the event. The item's day is its publication day (it was the
    event's, the first date of the line)."""
    cards = "".join(
        f"<div class='card'><img src='/i.jpg' alt=''><div class='meta'>Evento del {event} · pubblicato il {posted}</div>"
        f"<h3>{title}</h3><p>Una serata per parlare di software libero con chi lo scrive.</p>"
        f"<a href='/eventi/{slug}/'>Continua</a></div>"
        for event, posted, title, slug in [
            ("24-02-2024", "19-02-2024", "Software libero a scuola", "software-libero"),
            ("13-01-2024", "06-12-2023", "Una serata sul web aperto", "web-aperto"),
            ("28-10-2023", "29-09-2023", "Linux Day 2023", "linux-day-2023"),
        ]
    )
    html = f"<html lang='it'><head><title>Eventi</title></head><body><main><h1>Eventi</h1>{cards}</main></body></html>"
    found = read_announcements(html, "https://lug.example.it/eventi/", language=None, fetched_at=FETCHED_AT)
    assert [(a.url, (a.published or "")[:10]) for a in found.items] == [
        ("https://lug.example.it/eventi/software-libero/", "2024-02-19"),
        ("https://lug.example.it/eventi/web-aperto/", "2023-12-06"),
        ("https://lug.example.it/eventi/linux-day-2023/", "2023-09-29"),
    ]


def test_a_month_and_day_after_published_on_takes_its_year_heading() -> None:
    """A Hugo archive: "2021" in a group heading, then each post's link and "Published
    on 09-20" (the theme's month-day). Each item is dated in that year (all were null)."""
    rows = "".join(
        f"<div class='timeline'><div class='item'><a href='/posts/{slug}/'>{title}</a></div>"
        f"<div class='item'><span class='item-date'>Published on {md}</span></div></div>"
        for slug, title, md in [
            ("acuerdos-salariales", "Acuerdos salariales del año", "09-20"),
            ("afiliate", "Afiliate al sindicato", "09-01"),
            ("asamblea-general", "Asamblea general de marzo", "03-16"),
        ]
    )
    html = (f"<html lang='es'><head><title>Artículos</title></head><body><main><div class='archive'>"
            f"<h2>Todos los artículos</h2><h3 class='group-title'>2021</h3>{rows}</div></main></body></html>")
    found = read_announcements(html, "https://sindicato.example.uy/posts/", language=None, fetched_at=FETCHED_AT)
    assert [(a.published or "")[:10] for a in found.items] == ["2021-09-20", "2021-09-01", "2021-03-16"]


def test_an_event_card_without_a_day_is_dated_by_the_day_its_title_names() -> None:
    """A club's outings, each a card: a picture, the title's link to the event's page in
    /eventi/, a sentence. Two titles name the day ("Sabato 15 Dicembre 2018 Cena di
    Natale"; "dal 31 marzo al 14 aprile 2019", its first day); one names none. Those two
    are dated by it (all three were null); a title's date on a news item stays no day."""
    cards = "".join(
        f"<div class='evento'><img src='/i.jpg' alt=''><h3><a href='/eventi/{slug}/'>{title}</a></h3>"
        f"<p>Ritrovo dei soci e partenza in carovana verso la meta del viaggio.</p></div>"
        for slug, title in [
            ("sabato-15-dicembre-2018-cena-di-natale", "Sabato 15 Dicembre 2018 Cena di Natale"),
            ("in-inghilterra-dal-31-marzo-al-14-aprile-2019", "In Inghilterra dal 31 marzo al 14 aprile 2019"),
            ("raduno-di-primavera", "Raduno di primavera sul lago"),
        ]
    )
    html = f"<html lang='it'><head><title>Eventi</title></head><body><main><h1>Eventi</h1>{cards}</main></body></html>"
    found = read_announcements(html, "https://club.example.it/eventi/", language=None, fetched_at=FETCHED_AT)
    assert [(a.published or "")[:10] for a in found.items] == ["2018-12-15", "2019-03-31", ""]
    news = html.replace("/eventi/", "/notizie/")
    found = read_announcements(news, "https://club.example.it/notizie/", language=None, fetched_at=FETCHED_AT)
    assert [a.published for a in found.items] == [None, None, None]


def test_a_notice_is_dated_by_its_posting_day_not_its_hearing_day() -> None:
    """Round 12: a city's public notices, each a title link, a sentence, then a list of
    labelled rows: "When" with the hearing's day alone on its line, "Where", and "Posted
    08/09/2017 - 4:11pm". The posting day dates the notice (the hearing's day line was read
    first, before the label)."""
    rows = "".join(
        f"<div class='notice'><div class='t'><a href='/public-notices/{slug}'>{title}</a></div>"
        f"<div class='a'>The public can offer testimony.</div><ul class='dl'>"
        f"<li><span>When</span><span><span>{when}</span> - 9:30am</span></li>"
        f"<li><span>Where</span><span>City Hall, Room 801</span></li>"
        f"<li><span>Posted</span><span>{posted} - 4:11pm</span></li></ul></div>"
        for slug, title, when, posted in [
            ("29886", "Zoning Board of Appeal Hearing", "August 15, 2017", "08/09/2017"),
            ("29896", "Licensing Board Hearing", "August 16, 2017", "08/10/2017"),
            ("30001", "Board of Election Meeting", "August 17, 2017", "08/02/2017"),
        ]
    )
    html = f"<html lang='en'><head><title>Notices</title></head><body><main><h1>Public notices</h1>{rows}</main></body></html>"
    found = read_announcements(html, "https://city.example.gov/public-notices", language=None, fetched_at=FETCHED_AT)
    assert [(a.url, (a.published or "")[:10]) for a in found.items] == [
        ("https://city.example.gov/public-notices/29886", "2017-08-09"),
        ("https://city.example.gov/public-notices/29896", "2017-08-10"),
        ("https://city.example.gov/public-notices/30001", "2017-08-02"),
    ]


@pytest.mark.parametrize(
    ("label", "day"),
    [
        ("Posted", "08/09/2017 - 4:11pm"),
        ("Mis en ligne le", "9 août 2017"),
        ("Postado em", "09/08/2017"),
        ("Veröffentlicht am", "09.08.2017"),
        ("Publicerad den", "2017-08-09"),
        ("Dodano:", "09.08.2017"),
        ("Fecha de publicación:", "09/08/2017"),
        ("掲載日：", "2017年8月9日"),
    ],
)
def test_the_publication_label_is_known_in_the_corpus_languages(label: str, day: str) -> None:
    """The words a card puts before its own day, beyond "published": what follows the
    label is the day, whatever other day the card shows first."""
    assert after_published_label(f"Evento del 15-08-2017 · {label} {day}") == day
