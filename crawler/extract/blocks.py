"""Reading one item block (a card, a list entry, an ``<article>``): its links, date and
summary, and the page context they are read in. Shared by every HTML tier, so an item
reads the same whether its block was found by microdata, by a listing or by configured
selectors (its headline: crawler.extract.headlines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

from crawler.extract.dates import (
    after_published_label,
    contains_date_pattern,
    find_date_in_text,
    is_date_only,
    parse_date,
    starts_with_date,
)
from crawler.extract.htmltext import element_text, truncate
from crawler.extract.identity import SUMMARY_MAX
from crawler.extract.titles import is_more_link
from crawler.extract.urls import canonicalize, is_web_url


def resolve_url(href: Any, base: str) -> str | None:
    """Absolute canonical http(s) URL for an href, or None for anything we cannot follow.

    >>> resolve_url("../news/a?utm_medium=x", "https://ex.org/fr/page")
    'https://ex.org/news/a'
    >>> resolve_url("#top", "https://ex.org/") is None
    True
    """
    if not isinstance(href, str):
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        url = urljoin(base, href)
        return canonicalize(url) if is_web_url(url) else None
    except ValueError:
        return None


def page_base_url(soup: BeautifulSoup, page_url: str) -> str:
    """Where relative links point: ``<base href>`` (itself relative to the page) or the page."""
    base = soup.find("base", href=True)
    if isinstance(base, Tag):
        try:
            candidate = urljoin(page_url, str(base["href"]).strip())
        except ValueError:
            candidate = ""
        if is_web_url(candidate):
            return candidate
    return page_url


@dataclass
class ItemContext:
    """What reading an item needs to know about its page: where links point, the
    language dates are printed in, when the page was fetched, and what the page says
    it is (the address it declares canonical, its title, the section it heads): a page
    is not its own item."""

    base: str
    language: str | None
    fetched_at: datetime
    canonical: str | None = None
    title: str = ""
    section: str = ""  # the page's address as a section whose items live below it (targets.page_section)
    order: str | None = None  # the page's order of numeric dates, when it shows one (dates.numeric_order)
    short: str | None = None  # the order of its two-digit-year dates, when it shows one (dates.short_order)
    _urls: dict[str, str | None] = field(default_factory=dict, repr=False)

    def date(self, text: Any) -> str | None:
        if not isinstance(text, str):
            return None
        return parse_date(text, language=self.language, fetched_at=self.fetched_at, order=self.order,
                          short=self.short)

    def date_in(self, text: str) -> str | None:
        return find_date_in_text(text, language=self.language, fetched_at=self.fetched_at, order=self.order,
                                 short=self.short)

    def url(self, href: Any) -> str | None:
        """resolve_url, remembered: a listing links each item two or three times."""
        if not isinstance(href, str):
            return None
        if href not in self._urls:
            self._urls[href] = resolve_url(href, self.base)
        return self._urls[href]

    @property
    def page(self) -> str | None:
        return self.url(self.base)

    def is_page(self, url: str | None) -> bool:
        """The page itself, under the address it was fetched at or the one it declares."""
        return url is not None and (url == self.page or url == self.canonical)


def date_of_element(el: Tag, ctx: ItemContext) -> str | None:
    """A date from the attributes made for machines first, then from the visible text.

    The day the element shows wins over a machine instant one day off: a site that
    prints "January 21, 2024" with ``datetime="2024-01-22T00:00:00.000Z"`` wrote its
    local midnight in UTC, and its readers' day is the one they see."""
    text = element_text(el)
    for attr in ("datetime", "content", "data-date", "title"):
        raw = el.get(attr)
        parsed = ctx.date(raw)
        if parsed:
            shown = ctx.date(text) if text and is_date_only(text) else None
            if shown and _one_day_apart(parsed, shown) and ":" in str(raw):
                return shown
            return parsed
    return ctx.date(text) or ctx.date_in(text)


def _one_day_apart(first: str, second: str) -> bool:
    """Two published values ("2024-01-22T00:00:00Z", "2024-01-21") one calendar day apart.

    >>> _one_day_apart("2024-01-22T00:00:00Z", "2024-01-21"), _one_day_apart("2024-01-22", "2024-01-22")
    (True, False)
    """
    try:
        days = (date.fromisoformat(first[:10]) - date.fromisoformat(second[:10])).days
    except ValueError:
        return False
    return abs(days) == 1


_UNSEEN = frozenset({"script", "style", "template", "noscript"})


def block_date(block: Tag, ctx: ItemContext, title: str) -> str | None:
    """``<time>`` in the block (or the block itself: a headline's sibling), else a date
    printed in its text outside the title."""
    for time_el in [block, *block.find_all("time")] if block.name == "time" else block.find_all("time"):
        parsed = date_of_element(time_el, ctx)
        if parsed:
            return parsed
    # A card that shows an event's day and its own ("Evento del 24-02-2024 · pubblicato
    # il 19-02-2024"; a notice's "When: August 15, 2017" above "Posted 08/09/2017 - 4:11pm")
    # is published on the day its label names, even when the event's day is a line of its own.
    text = element_text(block)
    outside_title = text.replace(title, " ") if title else text
    labelled = after_published_label(outside_title)
    if labelled and (found := ctx.date_in(labelled)):
        return found
    # A line that is a date and nothing else is the block's date line; a date in its
    # teaser's prose ("El 27 de enero de 2025 el equipo…") is what the post is about.
    for string in block.find_all(string=True):
        if type(string) is not NavigableString or (string.parent is not None and string.parent.name in _UNSEEN):
            continue  # a comment, a script: nothing a person reads
        line = str(string).strip()
        if 6 <= len(line) <= 40 and any(ch.isdigit() for ch in line) and is_date_only(line):
            parsed = ctx.date(line)
            if parsed:
                return parsed
    # A date written in a title is what the item is about ("Meeting of 07/02/2024",
    # "…（令和2年5月6日更新）"), not its day; one that opens the title is a byline that the
    # title's link swallowed ("May 20, 2022 | Last Friday…").
    # One that closes the title after a dash or a bar ("Kick-off Meeting --- 14/10/2022") is
    # the item's day printed beside its title, inside the same link.
    return ctx.date_in(outside_title) or (
        ctx.date_in(title) if title and (starts_with_date(title, ctx.short) or ends_with_date(title)) else None
    )


# A dash, a run of dashes or a bar between a title and the date printed after it.
_TRAILING_PART = re.compile(r"\s(?:-{1,3}|–|—|\||·|•)\s+([^-–—|·•]{6,40})$")


def ends_with_date(title: str) -> bool:
    """Does the title end with a date set apart by a dash or a bar ("Final Meeting --- 13/03/2023")?"""
    match = _TRAILING_PART.search(title)
    return match is not None and is_date_only(match.group(1).strip())


def block_summary(block: Tag, title: str) -> str:
    """First paragraph that is neither the title, a date line nor a "read more" link."""
    for p in block.find_all("p"):
        text = element_text(p, skip=is_more_link)
        if not text or len(text.split()) < 4:
            continue
        if title and title in text and len(text) < len(title) + 20:
            continue
        if len(text) <= 60 and contains_date_pattern(text):
            continue
        return truncate(text, SUMMARY_MAX)
    return ""


def links(block: Tag) -> list[Tag]:
    """The block's links, the block itself first when it is one (a card that is a link)."""
    own = [block] if block.name == "a" and block.has_attr("href") else []
    return own + list(block.find_all("a", href=True))


def enclosing_link(el: Tag, block: Tag) -> Tag | None:
    """A link wrapping ``el`` inside the block (a card that is one big link)."""
    outer = el.find_parent("a", href=True)
    if outer is not None and (outer is block or block in outer.parents):
        return outer
    return None
