"""Announcement dates: whatever a page or feed prints, as the day and time its publisher meant.

Pages print dates in their own language ("12 de mayo de 2025", "21 ottobre 2022",
"3. Dezember 2026", "hace 3 días"). The common shapes (ISO-8601, RFC 822, a day,
a month word and a year, numeric dates) are read here directly, with the month
words of every language dateparser knows (crawler.extract.datewords); anything
else goes to dateparser with the page's language first and English after it.
dateparser is slow and eager (it turns "3" into a date), so obvious junk is
rejected before it gets there and implausible results after.

The stored spelling keeps the publisher's calendar day (docs/announcements.md):

* ``YYYY-MM-DDT00:00:00Z``: a day. A date without a time, and a midnight time
  with any offset (how CMSs write a date-only value), are the day the page shows;
  converting ``2020-05-15T00:00:00+02:00`` to UTC would make it the 14th.
* ``YYYY-MM-DDTHH:MM:SS+HH:MM``: a moment, with the offset the publisher gave
  (``Z`` for UTC, or when no offset was given).

So the first ten characters are always the day the publisher meant, wherever the
report is read.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

from crawler.extract.datewords import Language, month_number, relative_pattern, resolve_language

# Longer strings are sentences, not dates; dateparser would hunt through them slowly.
MAX_DATE_TEXT = 80
# A publication date this far ahead of the fetch is a typo, an event date or a clock problem.
MAX_FUTURE = timedelta(days=1)
MIN_YEAR = 1900
DAY_SUFFIX = "T00:00:00Z"

_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_TIME_ONLY = re.compile(r"\d{1,2}(?:[:h]\d{2}){1,2}\s*(?:[ap]\.?m\.?)?", re.IGNORECASE)

YEAR = r"((?:19|20)\d{2})(?!\d)"
# A day number, with an ordinal mark in any language ("16th", "1er", "1º", "3.").
DAY = r"(\d{1,2})(?:[^\W\d_]{1,2}(?![^\W\d_])|[º°ª])?\.?"
# A word that may be a month ("mayo", "Dez.", "ottobre"); the lexicon decides.
MONTH_WORD = r"([^\W\d_]{2,})\.?"
# One short connector between the parts: "3 de dezembro de 2026", "3 of May", "d'octubre".
CONNECTOR = r"(?:[^\W\d_]{1,3}(?:\s+|['’]\s*))?"
SEP = r"[\s.,/-]*"

_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?(?!\d)",
    re.IGNORECASE,
)
_RFC822 = re.compile(
    r"(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"\s*(?:[+-]\d{4}|GMT|UTC?|Z|[ECMP][SD]T)?"
)
# Day, month word, year: "3. Dezember 2026", "16th mayo 2025", "3 de dezembro de 2026".
_DAY_MONTH_YEAR = re.compile(
    rf"(?<![\w.]){DAY}{SEP}\s{CONNECTOR}{MONTH_WORD}{SEP}{CONNECTOR}{YEAR}"
    rf"|(?<![\w.]){DAY}[.-]{MONTH_WORD}[.-]{YEAR}",
    re.IGNORECASE,
)
# Month word, day, year: "May 3, 2025", "febrero 28, 2024".
_MONTH_DAY_YEAR = re.compile(rf"(?<!\w){MONTH_WORD}[\s,/-]+{DAY}(?:,\s*|[\s/-]+){CONNECTOR}{YEAR}")
# Year, month word, day: "2024. május 3.", "2025 May 3".
_YEAR_MONTH_DAY = re.compile(rf"(?<![\w.]){YEAR}\.?[\s,/-]+{MONTH_WORD}[\s,/-]*(\d{{1,2}})(?![\d\w])")
# A range of days, read as its first day (an event's start, the only day a listing of
# events gives): "19-20 March 2016", "30 March – 2 April 2016", "March 19 - 20, 2016",
# "March 30 - April 2, 2016", and in words: "du 11 au 24 août 2025", "del 11 al 24 de
# agosto", "vom 11. bis 24. August", "dal 29 al 31 maggio". Groups: the first day, its
# month word when it has one, the last day's month word, the year.
# The word between the days means "to": a short list, since a word joining a day to its
# month ("1 of 3 May", "3 de mayo") must not read as one.
_TO_WORDS = r"to|till|until|au|à|a|al|ao|até|bis|tot|t/m|do|fins"
# Two days joined by "and" are an event's two days, read as the first too: "27 e 28 maggio
# 2017", "29 y 30 de agosto", "27. und 28. Mai" (Italian and Portuguese e, Spanish y,
# French et, German und, Dutch en, Catalan and Polish i).
_AND_WORDS = r"and|e|y|et|und|en|i"
_TO_WORDS += "|" + _AND_WORDS
RANGE_TO = _TO = rf"(?:\s*[-–—]\s*|\s+(?:{_TO_WORDS})\s+)"
# "Published on", the label before a post's own day, in the corpus' languages: a card
# that shows an event's day and its publication day ("Evento del 01-02-2025 · pubblicato
# il 26-01-2025", a notice's "Posted 08/09/2017 - 4:11pm") is published on the labelled one.
# The verbs (published, posted, put online), then the nouns ("Date de publication :").
PUBLISHED_LABEL = re.compile(
    r"(?<!\w)(?:published|posted|publi[ée]e?|mis en ligne|pubblicat[oa]|postat[oa]|publicad[oa]|postad[oa]"
    r"|ver[öo]ffentlicht|gepubliceerd|geplaatst|publicat|opublikowano|dodano|publikov[áa]no"
    r"|publicerad|publisert|publiceret|julkaistu|diterbitkan|diposting"
    r"|publication date|date de publication|fecha de publicaci[óo]n|data de publica[çc][ãa]o"
    r"|data di pubblicazione|publicatiedatum|ver[öo]ffentlichungsdatum|publikationsdatum)(?!\w)"
    r"(?:\s+(?:on|le|il|el|em|am|op|el d[ií]a|den|dnia|pada))?\s*:?\s*"
    r"|(?:公開日|掲載日|投稿日)\s*[:：]?\s*",
    re.IGNORECASE,
)


def after_published_label(text: str) -> str | None:
    """The text after a "Published on" label (at most a date's length), or None.

    >>> after_published_label("Evento del 24-02-2024 · pubblicato il 19-02-2024")
    '19-02-2024'
    >>> after_published_label("Published on 09-20"), after_published_label("Evento del 24-02-2024") is None
    ('09-20', True)
    """
    match = PUBLISHED_LABEL.search(text)
    return text[match.end():match.end() + 40].strip() or None if match else None


_RANGE_DMY = re.compile(
    rf"(?<![\w.]){DAY}(?:{SEP}\s{CONNECTOR}{MONTH_WORD})?{_TO}\d{{1,2}}(?:[^\W\d_]{{1,2}}(?![^\W\d_])|[º°ª])?\.?"
    rf"{SEP}\s{CONNECTOR}{MONTH_WORD}{SEP}{CONNECTOR}{YEAR}",
    re.IGNORECASE,
)
_RANGE_MDY = re.compile(
    rf"(?<!\w){MONTH_WORD}[\s,/-]+{DAY}{_TO}(?:{MONTH_WORD}[\s,/-]+)?\d{{1,2}}(?:[^\W\d_]{{1,2}})?\.?"
    rf"(?:,\s*|[\s/-]+){CONNECTOR}{YEAR}"
)
# Day, month word, two-digit year: "14 Agu 25", "15-Jul-25" (a card's corner). The month
# word must be one (the lexicon decides) and nothing numeric follows the two digits:
# "July 12. July 11, 2017" and "12 December 12:00" are other dates. Read only as a whole
# line (a date line), never in running text ("on 3 May 25 people came").
_DAY_MONTH_YY = re.compile(
    r"(?<![\w.])(\d{1,2})\.?[\s-]+([^\W\d_]{3,})\.?[\s-]+['’]?(\d{2})(?!\w)(?!\s*[,.:/-]?\s*\d)"
)
# Year, month and day marked by their signs, in Japanese, Chinese and Korean: "2020年5月2日",
# "2020년 5월 2일", and a Japanese era year: "令和2年5月2日" (令和元年 is its first year).
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_MARKED_YMD = re.compile(
    r"(?:(令和|平成|昭和)\s*(\d{1,2}|元)|((?:19|20)\d{2}))\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]"
)
# A month and day marked by their signs, with no year: no full date.
_MARKED_MONTH_DAY = re.compile(r"\d{1,2}\s*[月월]\s*\d{1,2}\s*[日일]")
# Three numbers of two digits ("24-05-21"): year first or day first, which only the page
# can tell (short_order); read only when it has.
_NUMERIC_SHORT = re.compile(r"(?<![\d.,/:-])(\d{2})([./-])(\d{2})\2(\d{2})(?![\d:]|[.,/-]\d)")
# Numbers only: "03/05/2025", "14.03.2024", "2025/05/03".
_NUMERIC_DMY = re.compile(r"(?<![\d.,/-])(\d{1,2})([./-])(\d{1,2})\2((?:19|20)\d{2})(?![\d])")
_NUMERIC_YMD = re.compile(r"(?<![\d.,/-])((?:19|20)\d{2})([./])(\d{1,2})\2(\d{1,2})(?![\d.,/])")

# Most specific first: at one position, an ISO timestamp beats the bare date inside it.
_KINDS = ("iso", "range_dmy", "range_mdy", "dmy", "mdy", "ymd", "dmyy", "marked", "numeric", "numeric_ymd")
_PATTERNS = {
    "iso": _ISO,
    "range_dmy": _RANGE_DMY,
    "range_mdy": _RANGE_MDY,
    "dmy": _DAY_MONTH_YEAR,
    "mdy": _MONTH_DAY_YEAR,
    "ymd": _YEAR_MONTH_DAY,
    "dmyy": _DAY_MONTH_YY,
    "marked": _MARKED_YMD,
    "numeric": _NUMERIC_DMY,
    "numeric_ymd": _NUMERIC_YMD,
}


def _naive_utc(moment: datetime) -> datetime:
    """dateparser wants RELATIVE_BASE naive; callers may hand us either kind."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def preferred_languages(language: str | None) -> tuple[Language | None, tuple[str, ...]]:
    """The page's language as dateparser knows it, and the languages to read words in.

    >>> preferred_languages("pt-BR")[1], preferred_languages(None)[1], preferred_languages("zz")[1]
    (('pt', 'en'), ('en',), ('en',))
    """
    resolved = resolve_language(language)
    if resolved is None or resolved.code == "en":
        return resolved, ("en",)
    return resolved, (resolved.code, "en")


def format_published(
    moment: datetime | None, *, fetched_at: datetime, day_only: bool = False
) -> str | None:
    """The one spelling we store (see the module docstring), or None for dates no
    announcement can have (before 1900, or more than a day after the fetch).

    >>> from datetime import timezone, timedelta
    >>> now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    >>> format_published(datetime(2025, 5, 3, 10, 0), fetched_at=now)
    '2025-05-03T10:00:00Z'
    >>> format_published(datetime(2025, 5, 3, 10, 0, tzinfo=timezone(timedelta(hours=2))), fetched_at=now)
    '2025-05-03T10:00:00+02:00'
    >>> format_published(datetime(2020, 5, 15, 0, 0, tzinfo=timezone(timedelta(hours=2))), fetched_at=now)
    '2020-05-15T00:00:00Z'
    >>> format_published(datetime(2026, 1, 1, tzinfo=UTC), fetched_at=now) is None
    True
    """
    if moment is None:
        return None
    instant = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    base = _naive_utc(fetched_at).replace(tzinfo=UTC)
    try:
        if instant.year < MIN_YEAR or instant.astimezone(UTC) > base + MAX_FUTURE:
            return None
    except (OverflowError, ValueError):
        return None
    if day_only or (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.strftime("%Y-%m-%d") + DAY_SUFFIX
    offset = moment.utcoffset()
    if not offset:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    total = int(offset.total_seconds()) // 60
    sign, total = ("-", -total) if total < 0 else ("+", total)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{total // 60:02d}:{total % 60:02d}"


# --------------------------------------------------------------------------- shapes read directly


def _day(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day)
    except ValueError:
        return None


def _iso_moment(match: re.Match[str]) -> datetime | None:
    """An ISO-8601 match as a datetime: naive without an offset, aware with one."""
    year, month, day, hour, minute, second, zone = match.groups()
    moment = _day(int(year), int(month), int(day))
    if moment is None or hour is None:
        return moment
    try:
        moment = moment.replace(hour=int(hour), minute=int(minute), second=int(second or 0))
    except ValueError:
        return None
    if zone:
        zone = "+00:00" if zone.upper() == "Z" else zone
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        try:
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            moment = moment.replace(tzinfo=timezone(sign * offset))
        except ValueError:
            return None
    return moment


def _numeric(first: int, second: int, year: int, separator: str, order: str) -> datetime | None:
    """03/05/2025: which number is the day follows the language, unless one is over 12.
    Dots are a day-first habit everywhere."""
    if first > 12 or separator == "." or (order != "MDY" and second <= 12):
        day, month = first, second
    else:
        day, month = second, first
    return _day(year, month, day)


def _shape_moment(kind: str, match: re.Match[str], language: Language | None,
                  preferred: tuple[str, ...], order: str | None = None) -> tuple[datetime | None, bool]:
    """(datetime, day_only) for one pattern match, or (None, _) when the words are not a date.
    ``order`` is the page's own order of numeric dates (numeric_order), over the language's."""
    if kind.startswith("range"):
        if kind == "range_dmy":
            day, first_word, last_word, year = match.groups()
        else:
            first_word, day, last_word, year = match.groups()
        found = month_number(first_word or last_word, preferred)
        if found is None or (first_word and last_word and month_number(last_word, preferred) is None):
            return None, True
        return _day(int(year), found[0], int(day)), True
    if kind.startswith("short_"):
        return _short_day(kind, match), True
    if kind == "marked":
        era, era_year, year, month, day = match.groups()
        if era:
            year = str(_ERAS[era] + (1 if era_year == "元" else int(era_year)))
        return _day(int(year), int(month), int(day)), True
    groups = [g for g in match.groups() if g is not None]
    if kind == "iso":
        moment = _iso_moment(match)
        return moment, match.group(4) is None
    if kind in ("dmy", "mdy", "ymd"):
        if kind == "dmy":
            day, word, year = groups
        elif kind == "mdy":
            word, day, year = groups
        else:
            year, word, day = groups
        found = month_number(word, preferred)
        if found is None:
            return None, True
        return _day(int(year), found[0], int(day)), True
    if kind == "dmyy":
        day, word, short_year = groups
        found = month_number(word, preferred)
        if found is None:
            return None, True
        # a two-digit year is this century's, unless that is far ahead (then the last's)
        year = 2000 + int(short_year) if int(short_year) < 70 else 1900 + int(short_year)
        return _day(year, found[0], int(day)), True
    if kind == "numeric":
        first, separator, second, year = groups
        order = order or (language.date_order if language else "MDY")
        return _numeric(int(first), int(second), int(year), separator, order), True
    year, _, month, day = groups
    return _day(int(year), int(month), int(day)), True


def _candidates(text: str, short: str | None = None) -> Iterator[tuple[int, int, str, re.Match[str]]]:
    for order, kind in enumerate(_KINDS):
        for match in _PATTERNS[kind].finditer(text):
            yield match.start(), order, kind, match
    if short:
        for match in _NUMERIC_SHORT.finditer(text):
            yield match.start(), len(_KINDS), "short_" + short, match


def _short_day(kind: str, match: re.Match[str]) -> datetime | None:
    """A two-digit-year numeric date in the order the page showed (short_order)."""
    first, _, middle, last = match.groups()
    if kind == "short_YMD":
        year, day = first, last
    else:
        day, year = first, last
    return _day(2000 + int(year), int(middle), int(day))


def short_order(text: str, *, fetched_at: datetime) -> str | None:
    """The order of a page's two-digit-year dates ("24-05-21"), when only one reading
    makes every one of them a day on or before the fetch: "YMD" (year first), "DMY", or
    None. One date says little; a list of them (23-10-25, 23-06-27: in 2025 and 2027
    they would lie ahead) tells.

    >>> now = datetime(2024, 6, 1)
    >>> short_order("24-05-21 a 23-10-25 b 23-06-27", fetched_at=now), short_order("01-02-03", fetched_at=now)
    ('YMD', None)
    """
    matches = list(_NUMERIC_SHORT.finditer(text))
    if len(matches) < 2:
        return None
    base = _naive_utc(fetched_at) + MAX_FUTURE
    fits = []
    for kind in ("short_YMD", "short_DMY"):
        days = [_short_day(kind, m) for m in matches]
        fits.append(all(d is not None and d <= base for d in days))
    if fits[0] != fits[1]:
        return "YMD" if fits[0] else "DMY"
    return None


# --------------------------------------------------------------------------- dateparser


@lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...], day_first: bool, relative_base: datetime) -> object:
    """One DateDataParser per (languages, fetch time): building them loads locale data.

    No TIMEZONE settings: dateparser would convert a printed offset to UTC (moving the
    day) and localise a naive time to this machine's zone. Naive stays naive.
    """
    from dateparser.date import DateDataParser

    settings: dict[str, object] = {
        "RELATIVE_BASE": relative_base,
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
    }
    if day_first:
        settings.update({"DATE_ORDER": "DMY", "PREFER_LOCALE_DATE_ORDER": False})
    return DateDataParser(languages=list(languages), settings=settings)


@lru_cache(maxsize=4096)
def _dateparser(text: str, languages: tuple[str, ...], day_first: bool,
                relative_base: datetime) -> str | None:
    """Listings repeat the same few date strings; dateparser needs ~1 ms for each."""
    try:
        data = _parser(languages, day_first, relative_base).get_date_data(text)  # type: ignore[attr-defined]
    except Exception:  # dateparser raises assorted errors on odd input; a date is optional
        return None
    if data is None or data.date_obj is None or data.period == "year":
        return None
    return format_published(data.date_obj, fetched_at=relative_base)


def _relative(text: str, preferred: tuple[str, ...], *, words: bool) -> Iterator[re.Match[str]]:
    """"3 days ago" in the preferred languages; with ``words`` also "yesterday", "today"
    (not in running text, where "Register today" is no date)."""
    for code in preferred:
        pattern = relative_pattern(code, words=words)
        if pattern is not None:
            yield from pattern.finditer(text)


def _worth_parsing(text: str, preferred: tuple[str, ...]) -> bool:
    """Cheap filter: dateparser turns "3" or "2024" into dates, and is slow on prose."""
    if not text or len(text) > MAX_DATE_TEXT:
        return False
    if _PLAIN_NUMBER.fullmatch(text) or _TIME_ONLY.fullmatch(text):
        return False
    return any(ch.isdigit() for ch in text) or next(_relative(text, preferred, words=True), None) is not None


# --------------------------------------------------------------------------- entry points


def _other_order(kind: str, match: re.Match[str], resolved: Language | None, preferred: tuple[str, ...],
                 order: str | None, base: datetime) -> str | None:
    """A numeric date that the assumed order puts after the fetch, read the other way
    round: a page declared English whose French posts print 08/01/2020 in January 2020
    means the 8th of January (nothing is published in the future)."""
    if kind != "numeric" or order:  # a page that showed its order keeps it
        return None
    assumed = resolved.date_order if resolved else "MDY"
    other = "DMY" if assumed == "MDY" else "MDY"
    moment, day_only = _shape_moment(kind, match, resolved, preferred, other)
    return format_published(moment, fetched_at=base, day_only=day_only)


def _day_first(resolved: Language | None, order: str | None) -> bool:
    if order:
        return order != "MDY"
    return resolved is not None and resolved.date_order != "MDY"


def numeric_order(text: str) -> str | None:
    """The order a page writes its numeric dates in, when the page itself shows it:
    "DMY" when some date reads only day first (15/04/2016) and none only month first
    (04/15/2016), "MDY" the other way round, else None (the language decides). A page
    keeps one order, and its language is no guide to it: an English site made in France
    writes 01/03/2015 for the 1st of March.

    >>> numeric_order("on 15/04/2016 ... on 01/03/2015"), numeric_order("04/15/2016, 03/01/2015")
    ('DMY', 'MDY')
    >>> numeric_order("01/03/2015") is None, numeric_order("15/04/2016 and 04/15/2016") is None
    (True, True)
    """
    day_first = month_first = False
    for match in _NUMERIC_DMY.finditer(text):
        first, separator, second = int(match.group(1)), match.group(2), int(match.group(3))
        if separator == ".":
            continue
        day_first |= 12 < first <= 31 and second <= 12
        month_first |= 12 < second <= 31 and first <= 12
    if day_first != month_first:
        return "DMY" if day_first else "MDY"
    return None



def parse_date(text: str | None, *, language: str | None, fetched_at: datetime,
               order: str | None = None, short: str | None = None) -> str | None:
    """Parse one date string as printed by a page or feed (see the module docstring).

    Returns None rather than guessing: junk, bare numbers, prose and dates in the
    future of the fetch all give None.

    >>> now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    >>> parse_date("3. Dezember 2024", language="de", fetched_at=now)
    '2024-12-03T00:00:00Z'
    >>> parse_date("Tue, 15 Apr 2025 10:00:00 +0200", language=None, fetched_at=now)
    '2025-04-15T10:00:00+02:00'
    >>> parse_date("4月28日", language="ja", fetched_at=now) is None  # no year: no full date
    True
    """
    if not isinstance(text, str):
        return None
    text = " ".join(text.split())
    resolved, preferred = preferred_languages(language)
    if not _worth_parsing(text, preferred):
        return None
    base = _naive_utc(fetched_at)
    iso = _ISO.fullmatch(text)
    if iso:
        return format_published(_iso_moment(iso), fetched_at=base, day_only=iso.group(4) is None)
    if _RFC822.fullmatch(text):
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            moment = None
        if moment is not None:
            return format_published(moment, fetched_at=base)
    bare = text.strip(" ,.;:|()[]–—-")
    for _, _, kind, match in _candidates(bare, short):
        if match.span() == (0, len(bare)):
            moment, day_only = _shape_moment(kind, match, resolved, preferred, order)
            if moment is not None:
                return format_published(moment, fetched_at=base, day_only=day_only) or _other_order(
                    kind, match, resolved, preferred, order, base)
    if _MARKED_MONTH_DAY.fullmatch(bare):
        return None  # "4月28日": a day and month without the year (dateparser made it 1928)
    day_first = _day_first(resolved, order)
    return _dateparser(text, preferred, day_first, base)


def find_date_in_text(
    text: str | None, *, language: str | None, fetched_at: datetime, order: str | None = None,
    short: str | None = None,
) -> str | None:
    """First date printed in a longer text (a listing block, a byline).

    >>> now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    >>> find_date_in_text("Publié le 3 juin 2024 par l'équipe", language="fr", fetched_at=now)
    '2024-06-03T00:00:00Z'
    >>> find_date_in_text("Pubblicato il 21 ottobre 2022", language=None, fetched_at=now)
    '2022-10-21T00:00:00Z'
    >>> find_date_in_text("Since 1990, 3 offices", language="en", fetched_at=now) is None
    True
    """
    if not isinstance(text, str) or not text:
        return None
    text = " ".join(text.split())
    resolved, preferred = preferred_languages(language)
    base = _naive_utc(fetched_at)
    found: list[tuple[int, int, str, re.Match[str]]] = list(_candidates(text, short))
    found.extend((m.start(), len(_KINDS), "relative", m) for m in _relative(text, preferred, words=False))
    # Earliest in the text wins; at the same position the more specific pattern does.
    for _, _, kind, match in sorted(found, key=lambda c: (c[0], c[1])):
        if kind == "dmyy" and match.span() != (0, len(text)):
            continue  # in running text, "on 3 May 25 people came" is no date: only a date line
        if kind == "relative":
            parsed = _dateparser(match.group(0), preferred, _day_first(resolved, order), base)
        else:
            moment, day_only = _shape_moment(kind, match, resolved, preferred, order)
            parsed = format_published(moment, fetched_at=base, day_only=day_only) or _other_order(
                kind, match, resolved, preferred, order, base)
        if parsed:
            return parsed
    return None


def contains_date_pattern(text: str | None) -> bool:
    """Cheap check (no dateparser) for a printed date: tells a byline from prose.

    >>> contains_date_pattern("Publié le 3 juin 2024"), contains_date_pattern("Bonjour")
    (True, False)
    """
    if not isinstance(text, str) or not any(ch.isdigit() for ch in text):
        return False
    for _, _, kind, match in _candidates(" ".join(text.split())):
        if _shape_moment(kind, match, None, ("en",))[0] is not None:
            return True
    return False


_BYLINE_SEPARATOR = re.compile(r"\s*(?:[|·•:–—-]|$)")
# A machine date opening a title ("2025-08-22 Official release…", a post named like its
# file) is its day whatever follows: prose does not open with one.
_ISO_OPENING = re.compile(r"(?:19|20)\d{2}-[01]\d-[0-3]\d(?=\s)")


def starts_with_date(text: str, short: str | None = None) -> bool:
    """Does the text open with a printed date set apart from what follows (a separator, or
    nothing), as a byline is? A date that runs into the sentence is what it is about.

    >>> starts_with_date("May 20, 2022 | Last Friday"), starts_with_date("Meeting of 07/02/2024")
    (True, False)
    >>> starts_with_date("令和2年4月17日に帯広空港で発生した事故")
    False
    >>> starts_with_date("2025-08-22 Official Release and Rollout")
    True
    """
    text = " ".join(text.split())[:MAX_DATE_TEXT]
    if _ISO_OPENING.match(text):
        return True
    return any(match.start() == 0 and _BYLINE_SEPARATOR.match(text, match.end()) is not None
               and _shape_moment(kind, match, None, ("en",))[0] is not None
               for _, _, kind, match in _candidates(text, short))


def is_date_only(text: str | None) -> bool:
    """Is the text a printed date and nothing else (no dateparser)? Such a link is the
    item's metadata, not its title: WordPress themes link the date to the post
    ("Posted on <a>13. Januar 2014</a>").

    >>> is_date_only("13. Januar 2014"), is_date_only("2024-05-03"), is_date_only("May 3, 2025 ·")
    (True, True, True)
    >>> is_date_only("Bilanz 13. Januar 2014"), is_date_only("Hacking Heritage Talk 17 September")
    (False, False)
    """
    if not isinstance(text, str) or not any(ch.isdigit() for ch in text) or len(text) > MAX_DATE_TEXT:
        return False
    text = " ".join(text.split())
    for _, _, kind, match in _candidates(text):
        rest = text[: match.start()] + text[match.end():]
        if not any(ch.isalnum() for ch in rest) and _shape_moment(kind, match, None, ("en",))[0] is not None:
            return True
    return False


def date_from_parts(year: int, month: int, day: int, *, fetched_at: datetime) -> str | None:
    """A day put together from a listing's parts (crawler.extract.partdates), or None if
    it is no date or lies in the future."""
    return format_published(_day(year, month, day), fetched_at=_naive_utc(fetched_at), day_only=True)
