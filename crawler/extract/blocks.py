"""Reading one item block (a card, a list entry, an ``<article>``): its headline link,
date and summary. Shared by every HTML tier, so an item reads the same whether its
block was found by microdata, by a listing or by configured selectors.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.dates import contains_date_pattern, find_date_in_text, is_date_only, parse_date
from crawler.extract.htmltext import element_text, truncate
from crawler.extract.identity import SUMMARY_MAX
from crawler.extract.noise import HEADINGS
from crawler.extract.titles import READ_MORE_ONLY, is_more_link, label_text
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
    it is (the address it declares canonical, its title): a page is not its own item."""

    base: str
    language: str | None
    fetched_at: datetime
    canonical: str | None = None
    title: str = ""
    _urls: dict[str, str | None] = field(default_factory=dict, repr=False)

    def date(self, text: Any) -> str | None:
        if not isinstance(text, str):
            return None
        return parse_date(text, language=self.language, fetched_at=self.fetched_at)

    def date_in(self, text: str) -> str | None:
        return find_date_in_text(text, language=self.language, fetched_at=self.fetched_at)

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
    """A date from the attributes made for machines first, then from the visible text."""
    for attr in ("datetime", "content", "data-date", "title"):
        parsed = ctx.date(el.get(attr))
        if parsed:
            return parsed
    text = element_text(el)
    return ctx.date(text) or ctx.date_in(text)


def block_date(block: Tag, ctx: ItemContext, title: str) -> str | None:
    """``<time>`` in the block, else a date printed in its text (outside the title if possible)."""
    for time_el in block.find_all("time"):
        parsed = date_of_element(time_el, ctx)
        if parsed:
            return parsed
    text = element_text(block)
    outside_title = text.replace(title, " ") if title else text
    return ctx.date_in(outside_title) or (ctx.date_in(text) if outside_title != text else None)


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


# A link whose text is longer than this is a teaser (date, lead, "Continue reading") wrapped
# in a link, not a title; a title link beside it wins even if shorter.
_HEADLINE_MAX = 160


# Link texts that name no item: "Read more", and an address written out ("http://q.bayern.de/x").
_NOT_A_TITLE = re.compile(READ_MORE_ONLY.pattern + r"|^(?:https?://|www\.)\S+$", re.IGNORECASE)


def _longer(text: str, than: str) -> bool:
    """Is ``text`` the better headline by length: the longer, among texts of title size."""
    if (len(text) <= _HEADLINE_MAX) != (len(than) <= _HEADLINE_MAX):
        return len(text) <= _HEADLINE_MAX
    return len(text) > len(than)


def _heading_level(heading: Tag) -> int:
    return int(heading.name[1])


@dataclass(frozen=True)
class Headline:
    """An item's headline: its title, where it leads, and how it was recognised."""

    title: str
    url: str
    linked_heading: bool  # a heading holds the link or is held by it: the strongest sign
    plain_heading: bool = False  # a heading without a link, paired with the block's link
    by_more: bool = False  # the link the block's "Read more" leads to
    anchor: Tag | None = field(default=None, compare=False, repr=False)  # the heading or link

    @property
    def by_heading(self) -> bool:
        return self.linked_heading or self.plain_heading


def headline(block: Tag, ctx: ItemContext, shared: frozenset[str] = frozenset()) -> Headline | None:
    """The block's most prominent link (see docs/announcements.md, "Headlines").

    1. the highest-ranked heading that holds a link or is held by one (an ``<h2>``
       headline beats an ``<h6>`` company name before it); its title is the longest
       linked heading leading to the same page (a kicker above the title);
    2. else the link with the longest text (of title size: a whole teaser wrapped in a
       link is not a title), unless a heading without a link says more
       and the block leads to one page only (its picture, its "Read more"): then that
       heading, with that page.

    A "Read more" link exists only to lead to the item's own page, so when the block
    has one, the headline is a heading or link leading there if there is one (not the
    heading of a preview card of another site embedded in the teaser).

    Links in ``shared`` (URLs that several blocks of the same listing link to: a
    category, an author, the listing itself) are never a headline, nor is the page
    (an article's title links to its permalink, which the page may declare canonical).
    Neither is a link whose text is only a date (a theme's permalink on the date).
    A headline of one or two words counts: being the block's main link is the evidence.
    """
    def usable(url: str | None) -> bool:
        return url is not None and url not in shared and not ctx.is_page(url)

    counts: dict[str, int] = {}
    longest: dict[str, tuple[str, Tag]] = {}  # url -> the longest title-size link text leading there
    more: set[str] = set()  # where the block's "Read more" links lead
    for link in links(block):
        url = ctx.url(link.get("href"))
        if not usable(url):
            continue
        assert url is not None
        counts[url] = counts.get(url, 0) + 1
        text = label_text(link)
        if not text or _NOT_A_TITLE.match(text):
            if is_more_link(link):
                more.add(url)
            continue
        if not is_date_only(text) and (url not in longest or _longer(text, longest[url][0])):
            longest[url] = (text, link)
    target = next(iter(more)) if len(more) == 1 else None

    best: tuple[int, str, Tag] | None = None  # level, url and element of the best linked heading
    titles: dict[str, str] = {}  # url -> the longest linked heading text leading there
    plain_headings: list[Tag] = []
    for heading in block.find_all(HEADINGS):
        inner = heading.find("a", href=True)
        linked = inner if isinstance(inner, Tag) else enclosing_link(heading, block)
        url = ctx.url(linked.get("href")) if linked is not None else None
        if not usable(url):
            if linked is None:
                plain_headings.append(heading)
            continue
        assert url is not None
        title = (label_text(inner) if isinstance(inner, Tag) else "") or label_text(heading)
        if not title or is_date_only(title):
            continue
        if len(title) > len(titles.get(url, "")):
            titles[url] = title
        level = _heading_level(heading)
        if best is None or (url == target) > (best[1] == target) or (
            (url == target) == (best[1] == target) and level < best[0]
        ):
            best = (level, url, heading)
    if best is not None and (target is None or best[1] == target or target not in longest):
        # A kicker ("Elektromobilität" in an <h1>) and the title (<h2>) leading to the same
        # page: the page is the headline's, the longer text its title.
        return Headline(titles[best[1]], best[1], True, by_more=best[1] == target, anchor=best[2])
    if target is not None and target in longest:
        text, link = longest[target]
        return Headline(text, target, False, by_more=True, anchor=link)
    top: tuple[str, str, Tag] | None = None
    for url, (text, link) in longest.items():
        if top is None or _longer(text, top[0]):
            top = (text, url, link)
    plain, plain_el = next(((t, h) for h in plain_headings if (t := label_text(h)) and not is_date_only(t)), ("", None))
    # A heading without a link names the block when the block leads to one page only
    # (its picture, its "continue reading"); a heading over a list of links is a label.
    if plain and len(counts) == 1 and (top is None or len(plain) >= len(top[0])):
        url = next(iter(counts))
        return Headline(plain, url, False, plain_heading=True, anchor=plain_el)
    if top is not None:
        return Headline(top[0], top[1], False, anchor=top[2])
    return None


_DATE_IN_PATH = re.compile(r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])/|/(?:19|20)\d{2}(?:0[1-9]|1[0-2])[0-3]\d")
# An id of five digits or more ("/item/show/638010", "-4960288.html"), or ?p=12 and kin.
_NUMBER_ID = re.compile(r"(?<![a-z0-9])\d{5,}(?![a-z0-9])")
_ID_QUERY = re.compile(r"(?:^|&)(?:p|id|nid|item|article|news)=\d+(?:&|$)", re.IGNORECASE)
_SLUG_SPLIT = re.compile(r"[^a-z0-9]+")
_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _folded_words(text: str, *, german: bool = False) -> list[str]:
    """Lower-case ASCII words, accents dropped ("Bahnhöfe" -> "bahnhofe", or "bahnhoefe")."""
    text = text.casefold()
    if german:
        text = text.translate(_GERMAN)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return [w for w in _SLUG_SPLIT.split(ascii_text) if w]


def is_detail_url(url: str, title: str) -> bool:
    """Does the URL look like one item's own page rather than a section of the site?

    CMSs give posts permalinks: the title spelled as a slug
    (``/herrmann-zeichnet-verdiente-bergretter-aus/``), a date in the path
    (``/2024/10/14/nobel/``) or a number (``/item/show/638010``, ``-4960288.html``).
    A menu's ``/about-us/staff`` has none of these.

    >>> is_detail_url("https://bayern.de/ausbau-weiterer-barrierefreier-bahnhoefe/", "Ausbau weiterer barrierefreier Bahnhöfe")
    True
    >>> is_detail_url("https://e.org/2024/10/14/nobel/", "Premio Nobel"), is_detail_url("https://e.org/item/show/638010", "x")
    (True, True)
    >>> is_detail_url("https://e.org/services/youth-mentoring", "Youth mentoring programme for teenagers")
    False
    """
    parts = urlsplit(url)
    path = unquote(parts.path)
    if _DATE_IN_PATH.search(path) or _NUMBER_ID.search(path.lower()) or _ID_QUERY.search(parts.query):
        return True
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    slug = _folded_words(_EXTENSION.sub("", segments[-1].lower()))
    if len(slug) < 3:
        return False
    words = set(_folded_words(title)) | set(_folded_words(title, german=True))
    hits = sum(1 for w in slug if w in words or any(t.startswith(w) for t in words if len(w) >= 4))
    return hits >= 3 and hits * 3 >= len(slug)


def same_site(url: str, page: str) -> bool:
    """Same host as the page, "www." aside: a site's own items, not its partners' pages.

    >>> same_site("https://www.stuttgart.de/item/1", "http://stuttgart.de/"), same_site("https://flickr.com/x", "https://stuttgart.de/")
    (True, False)
    """
    def host(u: str) -> str:
        name = (urlsplit(u).hostname or "").lower()
        return name[4:] if name.startswith("www.") else name

    return host(url) == host(page)
