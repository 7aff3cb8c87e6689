"""Date vocabulary of every language dateparser reads, taken from dateparser's own data.

A page prints "21 ottobre 2022", "3. Dezember 2026" or "3 de dezembro de 2026";
finding such dates in running text needs the month names of the page's language.
A hand-kept list only ever covers the languages someone thought of, so the words
come from dateparser's translation data (one module per language), loaded on
first use: a crawl that only meets English never reads the other 200 modules.

Pure lookups: no parsing here (crawler.extract.dates does that).
"""

from __future__ import annotations

import functools
import importlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

_MONTH_KEYS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
_WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A month word of an undeclared language is read in the languages most used on the web
# (dateparser lists them by use): a Spanish post under lang="en" says "Agosto", and
# "Dal" (Maasai for January, Italian for "from") is a word, not a month. Any cutoff
# from 10 to 130 reads the development pages alike (docs/announcements.md).
WIDELY_USED = 40
# dateparser spells its regexes for the `regex` module; possessive quantifiers are
# also Python 3.11 `re`, but a plain group is all we need to find the phrase.
_DATEPARSER_NUMBER = re.compile(r"\(\\d\+\+\[\.,\]\?\\d\*\+\)")


@functools.cache
def _catalogue() -> tuple[tuple[str, ...], dict[str, list[str]]]:
    """dateparser's languages (most used first) and each language's regional locales.

    Imported here, not at module level: importing dateparser costs ~200 ms, which
    commands that never read a date (status, export) should not pay.
    """
    from dateparser.data.languages_info import language_locale_dict, language_order

    return tuple(language_order), dict(language_locale_dict)


@dataclass(frozen=True)
class Language:
    """A language as dateparser knows it, with the regional locale when one was named."""

    code: str  # dateparser's spelling: "pt", "zh-Hant"
    locale: str | None = None  # "en-GB", "pt-BR": only when dateparser has it

    @property
    def date_order(self) -> str:
        """"DMY", "MDY" or "YMD": how this language (or region) writes 03/05/2025."""
        info = _info(self.code)
        if self.locale:
            regional = (info.get("locale_specific") or {}).get(self.locale) or {}
            if regional.get("date_order"):
                return str(regional["date_order"])
        return str(info.get("date_order") or "DMY")


@functools.lru_cache(maxsize=256)
def resolve_language(code: str | None) -> Language | None:
    """The dateparser language behind a code as people write it, any case; None if unknown.

    Remembered: every date read on a page asks for the page's language again.

    >>> resolve_language("PT"), resolve_language("pt_pt"), resolve_language("zh-hant")
    (Language(code='pt', locale=None), Language(code='pt', locale='pt-PT'), Language(code='zh-Hant', locale=None))
    >>> resolve_language("en-XX"), resolve_language("klingon"), resolve_language("")
    (Language(code='en', locale=None), None, None)
    """
    if not isinstance(code, str) or not code.strip():
        return None
    wanted = code.strip().replace("_", "-").casefold()
    order, locales = _catalogue()
    by_folded = {c.casefold(): c for c in order}
    if wanted in by_folded:
        return Language(by_folded[wanted])
    primary = wanted.split("-", 1)[0]
    if primary not in by_folded:
        return None
    language = by_folded[primary]
    regional = {loc.casefold(): loc for loc in locales.get(language, [])}
    return Language(language, regional.get(wanted))


def known_language_codes() -> tuple[str, ...]:
    """Every language code dateparser reads, most used first (for messages and docs)."""
    return _catalogue()[0]


@functools.cache
def _info(code: str) -> dict[str, Any]:
    module = importlib.import_module(f"dateparser.data.date_translation_data.{code}")
    info: dict[str, Any] = module.info
    return info


def fold(word: str) -> str:
    """How month words are compared: case, accents kept apart from base letters, width.

    >>> fold("März."), fold("DÉCEMBRE")
    ('märz', 'décembre')
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFKC", word).casefold()).rstrip(".")


@functools.cache
def month_words(code: str) -> dict[str, int]:
    """Month names and abbreviations of one language (regional variants included) -> 1..12.

    Multi-word forms ("de maig" in Catalan) are reduced to their last word: the
    connector is read by the date pattern, not the lexicon.

    >>> month_words("it")["ottobre"], month_words("de")["dezember"], month_words("pt")["dez"]
    (10, 12, 12)
    """
    info = _info(code)
    sources = [info, *(info.get("locale_specific") or {}).values()]
    words: dict[str, int] = {}
    for source in sources:
        for number, key in enumerate(_MONTH_KEYS, start=1):
            for form in source.get(key) or []:
                word = fold(str(form).split()[-1]) if str(form).strip() else ""
                if len(word) >= 2 and not any(ch.isdigit() for ch in word):
                    words.setdefault(word, number)
    return words


@functools.cache
def weekday_words(code: str) -> frozenset[str]:
    """Day names and abbreviations of one language ("venerdì", "ven", "Samstag").

    >>> "venerdì" in weekday_words("it"), "samstag" in weekday_words("de")
    (True, True)
    """
    info = _info(code)
    sources = [info, *(info.get("locale_specific") or {}).values()]
    return frozenset(
        word for source in sources for key in _WEEKDAY_KEYS for form in source.get(key) or []
        if len(word := fold(str(form))) >= 2
    )


@functools.cache
def _all_month_words() -> dict[str, tuple[tuple[str, int], ...]]:
    """The month words of the widely used languages -> ((language, month), ...) in
    dateparser's usage order."""
    index: dict[str, list[tuple[str, int]]] = {}
    for code in _catalogue()[0][:WIDELY_USED]:
        for word, number in month_words(code).items():
            index.setdefault(word, []).append((code, number))
    return {word: tuple(pairs) for word, pairs in index.items()}


def month_number(word: str, preferred: tuple[str, ...]) -> tuple[int, str] | None:
    """(month, language) for a word, trying the preferred languages first, then the widely
    used ones (WIDELY_USED).

    Other languages too, because pages often declare the wrong one (a WordPress theme's
    ``lang="en-US"`` over Spanish posts); the caller only asks about a word that
    sits between a day and a year, where a false month is unlikely.

    >>> month_number("ottobre", ("en",)), month_number("mar", ("es", "en")), month_number("offices", ("en",))
    ((10, 'it'), (3, 'es'), None)
    >>> month_number("Dal", ("it", "en"))
    """
    folded = fold(word)
    for code in preferred:
        number = month_words(code).get(folded)
        if number:
            return number, code
    # Elsewhere only words of three letters or more: two-letter month abbreviations
    # ("de", "no", "se") are everyday words in other languages.
    pairs = _all_month_words().get(folded) if len(folded) >= 3 else None
    return (pairs[0][1], pairs[0][0]) if pairs else None


@functools.cache
def relative_pattern(code: str, *, words: bool) -> re.Pattern[str] | None:
    """Phrases like "3 days ago", "hace 2 días", "vor 3 Tagen" in one language, and with
    ``words`` also "yesterday", "ieri", "today".

    Built from dateparser's ``relative-type-regex`` phrases and ``relative-type``
    words, past ones only: an announcement is not dated "in 3 days".

    >>> bool(relative_pattern("de", words=False).search("Veröffentlicht vor 3 Tagen"))
    True
    >>> bool(relative_pattern("it", words=True).search("ieri")), relative_pattern("it", words=False).search("ieri")
    (True, None)
    """
    info = _info(code)
    phrases: list[str] = []
    for key, values in (info.get("relative-type-regex") or {}).items():
        if "ago" in key:
            phrases.extend(_DATEPARSER_NUMBER.sub(r"\\d+", v) for v in values)
    for key, values in (info.get("relative-type") or {}).items() if words else ():
        if key in ("0 day ago", "1 day ago", "2 day ago"):
            phrases.extend(re.escape(v) for v in values)
    if not phrases:
        return None
    # Longest first, so "3 days ago" is read whole and not as "3 d".
    phrases.sort(key=len, reverse=True)
    try:
        return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE)
    except re.error:  # a phrase this simple reading cannot compile: no relative dates then
        return None
