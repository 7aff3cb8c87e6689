"""Date parsing: every phrase the sites we crawl print, and the junk they also print."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.extract import dates, partdates
from crawler.extract.dates import contains_date_pattern, find_date_in_text, format_published, parse_date

FETCHED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # Month words come from dateparser's data, so every language it reads is read here.
        ("3. Dezember 2024", "de", "2024-12-03T00:00:00Z"),
        ("21 ottobre 2022", "it", "2022-10-21T00:00:00Z"),
        ("3 de dezembro de 2024", "pt", "2024-12-03T00:00:00Z"),
        ("3 de dezembro de 2024", "PT", "2024-12-03T00:00:00Z"),
        ("12. März 2025", "de-AT", "2025-03-12T00:00:00Z"),
        ("vor 3 Tagen", "de", "2025-05-29T12:00:00Z"),
        ("3 giorni fa", "it", "2025-05-29T12:00:00Z"),
        ("há 2 dias", "pt", "2025-05-30T12:00:00Z"),
        # Mixed forms: an English ordinal on a Spanish month, a Spanish month in US order.
        ("16th mayo 2025", "es", "2025-05-16T00:00:00Z"),
        ("16th mayo 2025", None, "2025-05-16T00:00:00Z"),
        ("febrero 28, 2024", "es", "2024-02-28T00:00:00Z"),
        # No language, or a wrong one: a month word that only one language has still reads.
        ("21 ottobre 2022", None, "2022-10-21T00:00:00Z"),
        ("3. Dezember 2024", "en", "2024-12-03T00:00:00Z"),
        ("3 czerwca 2024", None, "2024-06-03T00:00:00Z"),
        ("03-Mar-2025", "en", "2025-03-03T00:00:00Z"),
        ("2024. május 3.", "hu", "2024-05-03T00:00:00Z"),
        # Numbers follow the region: en-GB writes the day first, en-US the month.
        ("03/05/2025", "en-GB", "2025-05-03T00:00:00Z"),
        ("03/05/2025", "en-US", "2025-03-05T00:00:00Z"),
        ("03.05.2025", "de", "2025-05-03T00:00:00Z"),
        ("13/05/2025", "en", "2025-05-13T00:00:00Z"),
    ],
)
def test_dates_in_any_language_dateparser_reads(text: str, language: str | None, expected: str) -> None:
    assert parse_date(text, language=language, fetched_at=FETCHED_AT) == expected
    assert find_date_in_text(f"Posted · {text} · 0 Comments", language=language, fetched_at=FETCHED_AT) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A date-only value, and a midnight written with an offset, are the day the page shows.
        ("2020-05-15", "2020-05-15T00:00:00Z"),
        ("2020-05-15T00:00:00+02:00", "2020-05-15T00:00:00Z"),
        ("2020-05-15T00:00:00-07:00", "2020-05-15T00:00:00Z"),
        ("2020-05-15 00:00:00 +0900", "2020-05-15T00:00:00Z"),
        # A moment keeps the publisher's offset, so its day is still the page's day.
        ("2020-05-15T23:30:00-05:00", "2020-05-15T23:30:00-05:00"),
        ("2020-05-15T07:00:00+09:00", "2020-05-15T07:00:00+09:00"),
        ("2020-05-15T07:00:00Z", "2020-05-15T07:00:00Z"),
        ("2020-05-15T07:00:00", "2020-05-15T07:00:00Z"),
        ("Fri, 15 May 2020 00:00:00 +0200", "2020-05-15T00:00:00Z"),
    ],
)
def test_the_publishers_day_is_kept(text: str, expected: str) -> None:
    assert parse_date(text, language=None, fetched_at=FETCHED_AT) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("12 de mayo de 2025", "es", "2025-05-12T00:00:00Z"),
        ("3 juin 2024", "fr", "2024-06-03T00:00:00Z"),
        ("14 maart 2024", "nl", "2024-03-14T00:00:00Z"),
        ("May 3, 2025", "en", "2025-05-03T00:00:00Z"),
        ("hace 2 días", "es", "2025-05-30T12:00:00Z"),
        ("2 days ago", "en", "2025-05-30T12:00:00Z"),
        ("il y a 3 jours", "fr", "2025-05-29T12:00:00Z"),
        ("2 dagen geleden", "nl", "2025-05-30T12:00:00Z"),
        ("2025-05-03", None, "2025-05-03T00:00:00Z"),
        # The publisher's offset is kept: the day and hour stay those the page printed.
        ("2025-05-03T10:00:00+02:00", None, "2025-05-03T10:00:00+02:00"),
        # Variants met in the fixtures and in the wild.
        ("2025-05-03T10:00:00Z", "fr", "2025-05-03T10:00:00Z"),
        ("mar, 29 abr 2025 10:15:00 +0200", "es", "2025-04-29T10:15:00+02:00"),
        ("Tue, 15 Apr 2025 10:00:00 +0000", "es", "2025-04-15T10:00:00Z"),
        ("Tue, 15 Apr 2025 23:30:00 -0500", None, "2025-04-15T23:30:00-05:00"),
        ("1er juin 2024", "fr", "2024-06-01T00:00:00Z"),
        ("March 31st, 2025", "en", "2025-03-31T00:00:00Z"),
        ("hier", "fr", "2025-05-31T12:00:00Z"),
        ("ieri", "it", "2025-05-31T12:00:00Z"),
        ("gestern", "de", "2025-05-31T12:00:00Z"),
        ("  12   de mayo\nde 2025 ", "es", "2025-05-12T00:00:00Z"),
        ("3 juin 2024", "fr-FR", "2024-06-03T00:00:00Z"),
        ("12 de mayo de 2025", "ES_es", "2025-05-12T00:00:00Z"),
        # A language dateparser does not know falls back to English.
        ("May 3, 2025", "zz", "2025-05-03T00:00:00Z"),
        # The page language is tried first, English after it.
        ("May 3, 2025", "nl", "2025-05-03T00:00:00Z"),
    ],
)
def test_parse_date_phrases(text: str, language: str | None, expected: str) -> None:
    assert parse_date(text, language=language, fetched_at=FETCHED_AT) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("03/05/2025", "fr", "2025-05-03T00:00:00Z"),
        ("03/05/2025", "es", "2025-05-03T00:00:00Z"),
        ("14.03.2024", "nl", "2024-03-14T00:00:00Z"),
        ("03/05/2025", "en", "2025-03-05T00:00:00Z"),
    ],
)
def test_numeric_dates_follow_the_language(text: str, language: str, expected: str) -> None:
    assert parse_date(text, language=language, fetched_at=FETCHED_AT) == expected


def test_a_page_that_shows_its_numeric_order_overrides_the_language() -> None:
    """An English page made in France: "15/04/2016" says the page writes day first, so its
    "01/03/2015" is the 1st of March; a page that shows nothing leaves it to the language."""
    order = dates.numeric_order("Written on 15/04/2016. Written on 01/03/2015.")
    assert order == "DMY"
    assert find_date_in_text("Written on 01/03/2015.", language="en", fetched_at=FETCHED_AT, order=order) == (
        "2015-03-01T00:00:00Z")
    assert dates.numeric_order("04/15/2016 and 01/03/2015") == "MDY"
    assert dates.numeric_order("01/03/2015, 15/04/2016 and 04/15/2016") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 Jul 25", "2025-07-15T00:00:00Z"),
        ("14 Agu 25", "2025-08-14T00:00:00Z"),
        ("3-Mar-99", "1999-03-03T00:00:00Z"),
        ("On July 12. July 11, 2017 / 2", "2017-07-11T00:00:00Z"),  # a day, not a two-digit year
        ("12 December 12:00", None),
        ("On 3 May 25 people came", None),  # running text: only a date line has a two-digit year
    ],
)
def test_two_digit_years_after_a_month_word(text: str, expected: str | None) -> None:
    assert find_date_in_text(text, language="id", fetched_at=FETCHED_AT + timedelta(days=100)) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "2024",
        "3",
        "42.5",
        "12:30",
        "Contact us",
        "mayo",
        "x" * 81,
        "Posted on 3 June 2024 " + "by the communications team of the association " * 2,
        "2025-06-03",  # two days after the fetch
        "31/12/2099",
        "0001-01-01",
    ],
)
def test_parse_date_rejects_junk(text: str | None) -> None:
    assert parse_date(text, language="en", fetched_at=FETCHED_AT) is None


def test_dates_up_to_one_day_ahead_are_kept() -> None:
    """Time zones put honest dates slightly ahead of a UTC fetch time."""
    assert parse_date("2025-06-02", language="en", fetched_at=FETCHED_AT) == "2025-06-02T00:00:00Z"


def test_naive_and_aware_fetch_times_agree() -> None:
    naive = datetime(2025, 6, 1, 12, 0)
    paris = FETCHED_AT.astimezone(timezone(timedelta(hours=2)))
    for fetched_at in (naive, paris):
        assert parse_date("2 days ago", language="en", fetched_at=fetched_at) == "2025-05-30T12:00:00Z"
        assert parse_date("2025-05-03", language="en", fetched_at=fetched_at) == "2025-05-03T00:00:00Z"


def test_no_dateparser_call_without_digit_or_relative_word(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("dateparser should not be consulted")

    monkeypatch.setattr(dates, "_parser", refuse)
    dates._dateparser.cache_clear()
    assert parse_date("Nous contacter par courriel", language="fr", fetched_at=FETCHED_AT) is None
    assert parse_date("Lees meer over ons werk", language="nl", fetched_at=FETCHED_AT) is None
    dates._dateparser.cache_clear()


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Publié le 3 juin 2024 par l'équipe", "fr", "2024-06-03T00:00:00Z"),
        ("Conférence — mardi 12 mars 2024, Lyon", "fr", "2024-03-12T00:00:00Z"),
        ("Publicado el 12 de mayo de 2025 en Noticias", "es", "2025-05-12T00:00:00Z"),
        ("Geplaatst op 14 maart 2024 door de redactie", "nl", "2024-03-14T00:00:00Z"),
        ("Posted May 3, 2025 by admin", "en", "2025-05-03T00:00:00Z"),
        ("Updated 2025-05-03T10:00:00+02:00 (edited)", "en", "2025-05-03T10:00:00+02:00"),
        ("Le 03/05/2025 à la mairie", "fr", "2025-05-03T00:00:00Z"),
        ("Geplaatst 2 dagen geleden", "nl", "2025-05-30T12:00:00Z"),
        ("Publicado hace 2 días", "es", "2025-05-30T12:00:00Z"),
        ("Mis en ligne il y a 3 jours", "fr", "2025-05-29T12:00:00Z"),
        ("Posted 2 days ago", "en", "2025-05-30T12:00:00Z"),
        # The first parseable date wins; a future one is skipped.
        ("Event on 12 July 2025, announced 3 May 2025", "en", "2025-05-03T00:00:00Z"),
    ],
)
def test_find_date_in_text(text: str, language: str, expected: str) -> None:
    assert find_date_in_text(text, language=language, fetched_at=FETCHED_AT) == expected


@pytest.mark.parametrize(
    "text",
    [None, "", "Since 1990, 3 offices and 120 volunteers", "Open 9:00–17:00", "Tel. 0117 496 0123", "Room 12"],
)
def test_find_date_in_text_without_dates(text: str | None) -> None:
    assert find_date_in_text(text, language="en", fetched_at=FETCHED_AT) is None


def test_contains_date_pattern() -> None:
    assert contains_date_pattern("Publié le 3 juin 2024")
    assert contains_date_pattern("2025-05-03")
    assert not contains_date_pattern("Lire la suite")
    assert not contains_date_pattern(None)


def test_format_published() -> None:
    assert format_published(None, fetched_at=FETCHED_AT) is None
    plus_two = timezone(timedelta(hours=2))
    assert format_published(datetime(2025, 5, 3, 10, 0, tzinfo=plus_two), fetched_at=FETCHED_AT) == "2025-05-03T10:00:00+02:00"
    minus_five = timezone(timedelta(hours=-5, minutes=-30))
    assert format_published(datetime(2025, 5, 3, 23, 0, tzinfo=minus_five), fetched_at=FETCHED_AT) == "2025-05-03T23:00:00-05:30"
    # A day stays a day, whatever the reader's zone: no moment in UTC on another day.
    assert format_published(datetime(2025, 5, 3, 0, 0, tzinfo=plus_two), fetched_at=FETCHED_AT) == "2025-05-03T00:00:00Z"
    assert format_published(datetime(2025, 5, 3, 17, 0), fetched_at=FETCHED_AT, day_only=True) == "2025-05-03T00:00:00Z"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # An event listing's range of days: the first day is the only day it gives.
        ("March 19 - 20, 2016", "en", "2016-03-19T00:00:00Z"),
        ("March 30 – April 2, 2016", "en", "2016-03-30T00:00:00Z"),
        ("19-20 March 2016", "en", "2016-03-19T00:00:00Z"),
        ("30 mars – 2 avril 2016", "fr", "2016-03-30T00:00:00Z"),
        ("15-16 de mayo de 2024", "es", "2024-05-15T00:00:00Z"),
        ("3. – 5. Dezember 2024", "de", "2024-12-03T00:00:00Z"),
        # ... and in words: "from the 11th to the 24th"
        ("11 au 24 août 2024", "fr", "2024-08-11T00:00:00Z"),
        ("11 al 24 de agosto de 2024", "es", "2024-08-11T00:00:00Z"),
        ("11. bis 24. August 2024", "de", "2024-08-11T00:00:00Z"),
        ("29 al 31 maggio 2020", "it", "2020-05-29T00:00:00Z"),
        ("3 tot 5 mei 2024", "nl", "2024-05-03T00:00:00Z"),
        ("3 a 5 de maio de 2024", "pt", "2024-05-03T00:00:00Z"),
        ("May 3 to 5, 2024", "en", "2024-05-03T00:00:00Z"),
        # two days joined by "and": the event's first day, not its second (a silent wrong day)
        ("27 e 28 maggio 2017", "it", "2017-05-27T00:00:00Z"),
        ("29 y 30 de agosto de 2024", "es", "2024-08-29T00:00:00Z"),
        ("27 et 28 mai 2024", "fr", "2024-05-27T00:00:00Z"),
        ("27. und 28. Mai 2024", "de", "2024-05-27T00:00:00Z"),
        ("27 en 28 mei 2024", "nl", "2024-05-27T00:00:00Z"),
        ("May 27 and 28, 2024", "en", "2024-05-27T00:00:00Z"),
    ],
)
def test_a_range_of_days_is_its_first_day(text: str, language: str, expected: str) -> None:
    assert parse_date(text, language=language, fetched_at=FETCHED_AT) == expected
    assert find_date_in_text(f"Festival, {text}, Dulles Expo Center", language=language, fetched_at=FETCHED_AT) == expected


def test_a_word_joining_a_day_to_its_month_is_no_range() -> None:
    assert find_date_in_text("Page 1 of 3 May 2025", language="en", fetched_at=FETCHED_AT) == "2025-05-03T00:00:00Z"


def test_a_text_that_is_only_a_date_is_told_from_a_title() -> None:
    assert dates.is_date_only("13. Januar 2014") and dates.is_date_only("  March 19 - 20, 2016 ")
    assert not dates.is_date_only("Hacking Heritage Talk 17 September 2015")
    assert not dates.is_date_only("Bericht aus der Kabinettssitzung vom 12. September 2017")


def test_a_period_heading_is_a_year_or_a_month_and_a_year() -> None:
    assert partdates.is_period("2024", language=None) and partdates.is_period("Settembre 2023", language="it")
    assert not partdates.is_period("Jahresbericht 2023", language="de") and not partdates.is_period("Since 1990", language="en")


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("11 set Ore 11:30", "it", (11, 9)),
        ("01 MAY By the board", "en", (1, 5)),  # a three-letter month is no connector ("3 de junho")
        ("3 de junho", "pt", (3, 6)),
        ("Dal 29/05 al 31/05", "it", (29, 5)),
        ("05/29 - 05/31", "en-US", (29, 5)),
        ("am 17.05. um 19 Uhr", "de", (17, 5)),
        ("Open 9.30 to 17.00", "de", None),
        ("2020. Dal 29", "it", None),  # "Dal" is Maasai for January, not a month of a widely used language
    ],
)
def test_a_day_and_month_without_the_year(text: str, language: str, expected: tuple[int, int] | None) -> None:
    assert partdates.find_day_month(text, language=language) == expected


def test_a_day_name_and_number_without_the_month() -> None:
    assert partdates.find_weekday_day("Venerdì 29 dalle 18:00", language="it") == 29
    assert partdates.find_weekday_day("Friday 10:30", language="en") is None
    assert find_date_in_text("Batizado di Capoeira 2020. Dal 29/05", language="it", fetched_at=datetime(2025, 1, 1)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和2年5月2日", "2020-05-02T00:00:00Z"),
        ("令和元年5月1日", "2019-05-01T00:00:00Z"),
        ("平成30年12月1日 更新", "2018-12-01T00:00:00Z"),
        ("2020年05月02日", "2020-05-02T00:00:00Z"),
        ("2020년 5월 2일", "2020-05-02T00:00:00Z"),
    ],
)
def test_dates_marked_by_year_month_and_day_signs(text: str, expected: str) -> None:
    """Japanese, Chinese and Korean print 年月日 (년월일), Japanese often with an era year."""
    assert find_date_in_text(text, language="ja", fetched_at=FETCHED_AT) == expected


def test_two_digit_year_numbers_follow_the_order_the_page_shows() -> None:
    """"24-05-21" may be year or day first; a page whose list holds 23-10-25 and 23-06-27
    (the 23rd of a month in 2025 or 2027 would lie ahead of the fetch) writes the year first."""
    fetched = datetime(2024, 5, 24, tzinfo=UTC)
    page = "24-05-21 - New interface. 23-10-25 - Whisper. 23-06-27 - ISO 27001."
    short = dates.short_order(page, fetched_at=fetched)
    assert short == "YMD"
    assert find_date_in_text("24-05-21 - New interface", language="en", fetched_at=fetched, short=short) == (
        "2024-05-21T00:00:00Z")
    assert find_date_in_text("24-05-21 - New interface", language="en", fetched_at=fetched) is None
    assert dates.short_order("01-02-03 and 04-05-06", fetched_at=fetched) is None


def test_a_numeric_date_the_language_puts_in_the_future_is_read_the_other_way() -> None:
    """A page declared English whose French posts print 08/01/2020, fetched in January 2020."""
    fetched = datetime(2020, 1, 11, tzinfo=UTC)
    assert find_date_in_text("Publié 08/01/2020", language="en", fetched_at=fetched) == "2020-01-08T00:00:00Z"
    assert parse_date("08/01/2020", language="en", fetched_at=fetched) == "2020-01-08T00:00:00Z"
    assert parse_date("08/01/2020", language="en", fetched_at=datetime(2020, 9, 1, tzinfo=UTC)) == (
        "2020-08-01T00:00:00Z")


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Em 2019 o evento ocorrerá de 25 a 27 de janeiro.", "pt", (25, 1)),
        ("29 y 30 de agosto", "es", (29, 8)),
        ("dal 29 al 31 maggio", "it", (29, 5)),
        ("19-20 March", "en", (19, 3)),
        ("27 e 28 maggio, ore 10", "it", (27, 5)),
    ],
)
def test_a_range_of_days_without_its_year_is_its_first_day(text: str, language: str, expected: tuple[int, int]) -> None:
    """An event's days and month, the year elsewhere ("Em 2019 ... de 25 a 27 de janeiro"):
    its first day, as a range with its year gives; the last day was read (a wrong day)."""
    assert partdates.find_day_month(text, language=language) == expected
