"""Dates a listing prints in parts: a day and a month without the year ("11 set",
"29/05", "Oct 23"), a day name and a day number without the month ("Venerdì 29"), and
the group heading above that gives the rest ("Settembre 2023", "2024").

Each part is read here; crawler.extract.groupdates puts an item's parts together.
"""

from __future__ import annotations

import re

from crawler.extract.dates import (
    CONNECTOR,
    DAY,
    MAX_DATE_TEXT,
    MONTH_WORD,
    RANGE_TO,
    SEP,
    after_published_label,
    preferred_languages,
)
from crawler.extract.datewords import fold, month_number, weekday_words

# A day and a month word: "11 set", "05 giu", "3 de junho", "Oct 23". With and without a
# connector: "01 MAY By" is May, "3 de junho" June.
_DAY_MONTH = re.compile(rf"(?<![\w.]){DAY}{SEP}\s?{MONTH_WORD}(?![\w.]*\s*\d)")
_DAY_OF_MONTH = re.compile(rf"(?<![\w.]){DAY}{SEP}\s?{CONNECTOR}{MONTH_WORD}(?![\w.]*\s*\d)")
# A range of days and their month, without the year: "de 25 a 27 de janeiro", "29 y 30 de
# agosto", "19-20 March". Its first day is the one read (an event's start), as in a full date.
_RANGE_DAY_MONTH = re.compile(
    rf"(?<![\w.]){DAY}{RANGE_TO}\d{{1,2}}(?:[^\W\d_]{{1,2}}(?![^\W\d_])|[º°ª])?\.?{SEP}\s?{CONNECTOR}{MONTH_WORD}"
    rf"(?![\w.]*\s*\d)"
)
_MONTH_DAY = re.compile(rf"(?<!\w){MONTH_WORD}[\s,/-]+(\d{{1,2}})(?:[^\W\d_]{{1,2}})?\.?(?![\d\w]|\s*[,/.-]?\s*\d)")
# Numbers: "29/05" (a slash), "17.05." (a dot after each number): the language says which
# comes first.
_NUMERIC = re.compile(r"(?<![\d/.,:-])(\d{1,2})(?:/(\d{1,2})(?![\d/])|\.(\d{1,2})\.(?!\d))")
# A day name and a day number: "Venerdì 29", "Samstag, 3.", "Friday 29th".
_WEEKDAY_DAY = re.compile(r"(?<!\w)([^\W\d_]{2,})\.?,?\s+(\d{1,2})(?:[^\W\d_]{1,2}(?![^\W\d_])|\.)?(?![\d:/.,]\d|\w)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# Month and day marked by their signs, in Japanese, Chinese and Korean: "4月28日", "4월 28일".
_ISO_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})(?![\d-])")  # after a "Published on" label only
_MARKED_MONTH_DAY = re.compile(r"(?<![\d年년])(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")


def find_day_month(text: str | None, *, language: str | None) -> tuple[int, int] | None:
    """(day, month) of a date printed without its year, the first in the text, or None.

    >>> find_day_month("11 set Ore 11:30", language="it"), find_day_month("Oct 23", language=None)
    ((11, 9), (23, 10))
    >>> find_day_month("Dal 29/05 al 31/05", language="it"), find_day_month("05/29 - 05/31", language="en-US")
    ((29, 5), (29, 5))
    >>> find_day_month("o evento ocorrerá de 25 a 27 de janeiro", language="pt")
    (25, 1)
    >>> find_day_month("4月28日", language="ja")
    (28, 4)
    >>> find_day_month("3 offices", language="en") is None, find_day_month("Open 9.30 to 17.00", language="de") is None
    (True, True)
    """
    if not isinstance(text, str) or not text:
        return None
    text = " ".join(text.split())
    resolved, preferred = preferred_languages(language)
    found: list[tuple[int, int, int]] = []
    for pattern in (_RANGE_DAY_MONTH, _DAY_MONTH, _DAY_OF_MONTH):
        found += [(m.start(), int(m.group(1)), word[0]) for m in pattern.finditer(text)
                  if (word := month_number(m.group(2), preferred))]
    found += [(m.start(), int(m.group(2)), word[0]) for m in _MONTH_DAY.finditer(text)
              if (word := month_number(m.group(1), preferred))]
    found += [(m.start(), int(m.group(2)), int(m.group(1))) for m in _MARKED_MONTH_DAY.finditer(text)]
    month_first = resolved is not None and resolved.date_order == "MDY"
    # "Published on 09-20": a theme's month and day (Go's "01-02"), under a year heading
    labelled = after_published_label(text)
    if labelled and (iso := _ISO_MONTH_DAY.match(labelled)):
        found.append((text.index(labelled), int(iso.group(2)), int(iso.group(1))))
    for m in _NUMERIC.finditer(text):
        first, second = int(m.group(1)), int(m.group(2) or m.group(3))
        found.append((m.start(), *((second, first) if month_first and m.group(2) else (first, second))))
    return next(((day, month) for _, day, month in sorted(found) if 1 <= day <= 31 and 1 <= month <= 12), None)


def find_weekday_day(text: str | None, *, language: str | None) -> int | None:
    """The day number after a day name ("Venerdì 29"), whose month is elsewhere, or None.

    >>> find_weekday_day("Venerdì 29 dalle 18:00", language="it"), find_weekday_day("Samstag, 3. Mai", language="de")
    (29, 3)
    >>> find_weekday_day("Friday 10:30", language="en") is None, find_weekday_day("Lot 29", language="en") is None
    (True, True)
    """
    if not isinstance(text, str) or not text:
        return None
    _, preferred = preferred_languages(language)
    for m in _WEEKDAY_DAY.finditer(" ".join(text.split())):
        if any(fold(m.group(1)) in weekday_words(code) for code in preferred) and 1 <= int(m.group(2)) <= 31:
            return int(m.group(2))
    return None


def the_year(text: str | None) -> int | None:
    """The year a text prints, when it prints one year only ("Batizado 2020").

    >>> the_year("Batizado di Capoeira 2020. Dal 29/05"), the_year("2019 and 2020"), the_year("no year")
    (2020, None, None)
    """
    years = {int(y) for y in _YEAR.findall(text or "")}
    return years.pop() if len(years) == 1 else None


def year_of_heading(text: str | None, *, language: str | None) -> tuple[int, int | None] | None:
    """(year, month or None) that a group heading gives its items ("Settembre 2023", "2024").

    >>> year_of_heading("Settembre 2023", language="it"), year_of_heading("Archive 2019", language="en")
    ((2023, 9), (2019, None))
    """
    if not isinstance(text, str) or len(text) > MAX_DATE_TEXT:
        return None
    match = _YEAR.search(text)
    if not match:
        return None
    _, preferred = preferred_languages(language)
    month = next(
        (found[0] for word in re.findall(r"[^\W\d_]{3,}", text) if (found := month_number(word, preferred))),
        None,
    )
    return int(match.group(1)), month


def is_period(text: str | None, *, language: str | None) -> bool:
    """Is the text a year, or a month and a year, and nothing else: the heading a
    chronological listing groups its items under ("2024", "Settembre 2023")?

    >>> is_period("2024", language=None), is_period("Settembre 2023", language="it")
    (True, True)
    >>> is_period("Annual report 2024", language="en"), is_period("Our 2024 programme", language="en")
    (False, False)
    """
    if year_of_heading(text, language=language) is None:
        return False
    assert isinstance(text, str)
    _, preferred = preferred_languages(language)
    words = re.findall(r"[^\W\d_]+", text)
    return all(month_number(word, preferred) is not None for word in words) and len(words) <= 1


_CJK_PERIOD = re.compile(r"(?:(?:19|20)\d{2}\s*[年년]\s*)?(?:\d{1,2}\s*[月월])?|(?:19|20)\d{2}\s*[年년]")


def names_a_period(text: str | None, *, language: str | None) -> bool:
    """Does a link's text name a month or a year and nothing else ("1月", "March",
    "2020年", "Dezember 2019")? Such a link leads to an archive of that period, not to
    an item.

    >>> [names_a_period(t, language="en") for t in ("1月", "March", "2020", "Dezember 2019", "March news")]
    [True, True, True, True, False]
    """
    if not isinstance(text, str) or len(text) > MAX_DATE_TEXT // 3:
        return False
    text = " ".join(text.split()).strip(" .,:;()[]|-–")
    if not text:
        return False
    if _CJK_PERIOD.fullmatch(text) or _YEAR.fullmatch(text):
        return True
    words = re.findall(r"[^\W\d_]+", text)
    numbers = re.findall(r"\d+", text)
    if not words or len(words) > 2 or any(not _YEAR.fullmatch(n) for n in numbers):
        return False
    _, preferred = preferred_languages(language)
    return all(month_number(word, preferred) is not None for word in words)
