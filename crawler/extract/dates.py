"""Announcement dates: one UTC ISO-8601 spelling for whatever a page or feed prints.

Pages print dates in their own language ("12 de mayo de 2025", "il y a 3 jours"),
so parsing goes through dateparser with the page language first and English as
fallback. dateparser is slow and eager (it turns "3" into a date), so obvious
junk is rejected before it gets there and implausible results after.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from dateparser.data.languages_info import language_order
from dateparser.date import DateDataParser

_KNOWN_LANGUAGES = frozenset(language_order)

ISO_UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# Longer strings are sentences, not dates; dateparser would hunt through them slowly.
MAX_DATE_TEXT = 80
# A publication date this far ahead of the fetch is a typo, an event date or a clock problem.
MAX_FUTURE = timedelta(days=1)
MIN_YEAR = 1900

# Words that make a digit-free text worth handing to dateparser ("yesterday", "hace dos días").
_RELATIVE_WORDS = {
    "en": r"ago|yesterday|today",
    "es": r"hace|ayer|anteayer|hoy",
    "fr": r"il y a|hier|avant-hier|aujourd['’]hui",
    "nl": r"geleden|gisteren|eergisteren|vandaag",
}
_ANY_RELATIVE_WORD = re.compile(
    r"(?<!\w)(?:" + "|".join(_RELATIVE_WORDS.values()) + r")(?!\w)", re.IGNORECASE
)

_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_TIME_ONLY = re.compile(r"\d{1,2}(?:[:h]\d{2}){1,2}\s*(?:[ap]\.?m\.?)?", re.IGNORECASE)

# Month names and abbreviations in the languages we meet, for finding dates in running text.
_MONTHS = {
    "en": "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec",
    "es": "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre"
    "|noviembre|diciembre|ene|abr|ago|dic",
    "fr": "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre"
    "|novembre|décembre|decembre|janv|févr|fevr|avr|juil|déc",
    "nl": "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november"
    "|december|mrt|okt",
}
_MONTH = "(?:" + "|".join(sorted({m for v in _MONTHS.values() for m in v.split("|")},
                                 key=len, reverse=True)) + r")\.?"
_DAY = r"\d{1,2}(?:er|st|nd|rd|th|º|°)?"
_YEAR = r"(?:19|20)\d{2}"

# Most specific first: an ISO timestamp beats the bare date inside it.
_DATE_PATTERNS = [
    re.compile(
        r"(?<!\d)\d{4}-\d{2}-\d{2}"
        r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
    ),
    re.compile(
        rf"(?<!\w){_DAY}\.?\s+(?:de\s+)?{_MONTH},?\s+(?:de\s+)?{_YEAR}(?!\d)", re.IGNORECASE
    ),
    re.compile(rf"(?<!\w){_MONTH}\s+{_DAY},?\s+{_YEAR}(?!\d)", re.IGNORECASE),
    re.compile(rf"(?<!\d)\d{{1,2}}[./-]\d{{1,2}}[./-]{_YEAR}(?!\d)"),
    re.compile(rf"(?<!\d){_YEAR}/\d{{1,2}}/\d{{1,2}}(?!\d)"),
    re.compile(
        r"(?<!\w)(?:"
        r"\d+\s+(?:minutes?|hours?|days?|weeks?|months?)\s+ago"
        r"|hace\s+\d+\s+(?:minutos?|horas?|d[ií]as?|semanas?|mes(?:es)?)"
        r"|il\s+y\s+a\s+\d+\s+(?:minutes?|heures?|jours?|semaines?|mois)"
        r"|\d+\s+(?:minuten|minuut|uur|dagen|dag|weken|week|maanden|maand)\s+geleden"
        r")(?!\w)",
        re.IGNORECASE,
    ),
]


def _language_code(language: str | None) -> str | None:
    """Primary subtag only: dateparser knows "es", not always "es-MX" or "ES_es".

    >>> _language_code("es-MX"), _language_code(" FR_fr "), _language_code(None)
    ('es', 'fr', None)
    """
    if not language:
        return None
    code = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    return code or None


def _naive_utc(moment: datetime) -> datetime:
    """dateparser wants RELATIVE_BASE naive; callers may hand us either kind."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@lru_cache(maxsize=64)
def _parser(language: str | None, relative_base: datetime) -> DateDataParser:
    """One DateDataParser per (language, fetch time): building them loads locale data.

    Numeric dates follow the language: "03/05/2025" is 3 May in Spanish, French and
    Dutch, 5 March in (US) English.
    """
    settings = {
        "RELATIVE_BASE": relative_base,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
    }
    # dateparser only notices an unknown language when parsing, and then raises.
    if language and language != "en" and language in _KNOWN_LANGUAGES:
        settings.update({"DATE_ORDER": "DMY", "PREFER_LOCALE_DATE_ORDER": False})
        return DateDataParser(languages=[language, "en"], settings=settings)
    return DateDataParser(languages=["en"], settings=settings)


def format_utc(moment: datetime | None, *, fetched_at: datetime) -> str | None:
    """The one spelling we store, or None for dates no announcement can have.

    >>> from datetime import datetime, timezone
    >>> now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    >>> format_utc(datetime(2025, 5, 3, 10, 0), fetched_at=now)
    '2025-05-03T10:00:00Z'
    >>> format_utc(datetime(2026, 1, 1, tzinfo=UTC), fetched_at=now) is None
    True
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    base = _naive_utc(fetched_at).replace(tzinfo=UTC)
    if moment.year < MIN_YEAR or moment > base + MAX_FUTURE:
        return None
    return moment.strftime(ISO_UTC_FORMAT)


def _worth_parsing(text: str) -> bool:
    """Cheap filter: dateparser turns "3" or "2024" into dates, and is slow on prose."""
    if not text or len(text) > MAX_DATE_TEXT:
        return False
    if _PLAIN_NUMBER.fullmatch(text) or _TIME_ONLY.fullmatch(text):
        return False
    return any(ch.isdigit() for ch in text) or bool(_ANY_RELATIVE_WORD.search(text))


def parse_date(text: str | None, *, language: str | None, fetched_at: datetime) -> str | None:
    """Parse one date string as printed by a page or feed into UTC ISO-8601.

    Returns None rather than guessing: junk, bare numbers, prose and dates in the
    future of the fetch all give None.
    """
    if not isinstance(text, str):
        return None
    text = " ".join(text.split())
    if not _worth_parsing(text):
        return None
    return _parse_cached(text, _language_code(language), _naive_utc(fetched_at))


@lru_cache(maxsize=4096)
def _parse_cached(text: str, language: str | None, relative_base: datetime) -> str | None:
    """Listings repeat the same few date strings; dateparser needs ~1 ms for each."""
    try:
        data = _parser(language, relative_base).get_date_data(text)
    except Exception:  # dateparser raises assorted errors on odd input; a date is optional
        return None
    if data is None or data.date_obj is None or data.period == "year":
        return None
    try:
        return format_utc(data.date_obj, fetched_at=relative_base)
    except (ValueError, OverflowError):
        return None


def find_date_in_text(
    text: str | None, *, language: str | None, fetched_at: datetime
) -> str | None:
    """First parseable date-like substring of a longer text (a listing block, a byline).

    >>> from datetime import datetime, timezone
    >>> now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    >>> find_date_in_text("Publié le 3 juin 2024 par l'équipe", language="fr", fetched_at=now)
    '2024-06-03T00:00:00Z'
    >>> find_date_in_text("Since 1990, 3 offices", language="en", fetched_at=now) is None
    True
    """
    if not isinstance(text, str) or not text:
        return None
    text = " ".join(text.split())
    matches = []
    for order, pattern in enumerate(_DATE_PATTERNS):
        for match in pattern.finditer(text):
            matches.append((match.start(), order, match.group(0)))
    # Earliest in the text wins; at the same position the more specific pattern does.
    for _, _, candidate in sorted(matches):
        parsed = parse_date(candidate, language=language, fetched_at=fetched_at)
        if parsed:
            return parsed
    return None


def contains_date_pattern(text: str | None) -> bool:
    """Cheap check (regexes only) for a date-like substring: tells a byline from prose.

    >>> contains_date_pattern("Publié le 3 juin 2024"), contains_date_pattern("Bonjour")
    (True, False)
    """
    return isinstance(text, str) and any(p.search(text) for p in _DATE_PATTERNS)
