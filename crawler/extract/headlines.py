"""An item block's headline: its title, and the page of its own it leads to.

The headline is the block's most prominent link (docs/announcements.md, "Headlines"):
where a heading leads, else where its "Read more" leads, else the one page the whole
block leads to, else its longest link. Links that lead to no item (a file, a tag
archive, the page itself: crawler.extract.targets) are never a headline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4.element import Tag

from crawler.extract.blocks import ItemContext, enclosing_link, links
from crawler.extract.dates import is_date_only
from crawler.extract.htmltext import BLOCK_TAGS, lines
from crawler.extract.identity import normalize_title
from crawler.extract.noise import HEADINGS
from crawler.extract.partdates import find_day_month, names_a_period
from crawler.extract.targets import is_attachment, leads_to_item
from crawler.extract.titles import READ_MORE_ONLY, clean_title, is_more_link, label_text

# Link texts that name no item: "Read more", and an address written out ("http://q.bayern.de/x").
_NOT_A_TITLE = re.compile(READ_MORE_ONLY.pattern + r"|^(?:https?://|www\.)\S+$", re.IGNORECASE)


@dataclass(frozen=True)
class Headline:
    """An item's headline: its title, where it leads, and how it was recognised."""

    title: str
    url: str
    linked_heading: bool  # a heading holds the link or is held by it: the strongest sign
    plain_heading: bool = False  # a heading without a link, in a block that leads to one page
    by_more: bool = False  # the link the block's "Read more" leads to
    sole: bool = False  # the block leads to this page and no other
    card: bool = False  # titled by its first line: the whole card is a link, or its only link a picture
    anchor: Tag | None = field(default=None, compare=False, repr=False)  # the heading or link

    @property
    def by_heading(self) -> bool:
        return self.linked_heading or self.plain_heading

    @property
    def by_position(self) -> bool:
        """Its place says it is the block's headline: a heading names it, the block's
        "Read more" leads there, or it is the title of a card that leads there as a whole."""
        return self.linked_heading or self.plain_heading or self.by_more or self.card


def _names_something(text: str) -> bool:
    """Two letters or digits at least: one letter or a sign names no item (a calendar's
    "P" and "C" linking each race's preview and report)."""
    return sum(ch.isalnum() for ch in text) >= 2


def _is_title(text: str) -> bool:
    """A line that can name an item: words, not a date ("24. Dezember 2024", "04 JUIN")."""
    return any(ch.isalpha() for ch in text) and _names_something(text) and not is_date_only(text) and (
        find_day_month(text, language=None) is None or len(text.split()) > 3
    )


def first_title_line(el: Tag) -> str:
    """The first line of an element that names an item (see _is_title): the title of a
    card whose picture, title and date are all one link, or whose only link is its picture."""
    return next((clean for line in lines(el) if _is_title(clean := clean_title(line))), "")


def _link_title(link: Tag) -> str:
    """What a link says: its label, or its first line when it wraps a whole card."""
    if link.find(BLOCK_TAGS) is not None:
        return first_title_line(link)
    return label_text(link)


def heading_level(heading: Tag) -> int:
    """1 for an <h1>, 6 for an <h6>: the lower, the more prominent. An element that
    schema.org markup names the headline (_is_heading) ranks as an <h6>."""
    return int(heading.name[1]) if heading.name in HEADINGS else 6


def _is_heading(tag: Tag) -> bool:
    """An <h1>…<h6>, or the element microdata or RDFa names the item's headline
    (``itemprop="headline"``, ``property="headline"``: a theme's title in a <span>)."""
    return tag.name in HEADINGS or "headline" in (tag.get("itemprop"), tag.get("property"))


def _on_its_own_line(link: Tag, block: Tag) -> bool:
    """Is the link the whole text of the line it stands on (its nearest block element
    inside ``block``, or the block), not a part of a sentence?"""
    line: Tag = link
    while line is not block and line.name not in BLOCK_TAGS and isinstance(line.parent, Tag):
        line = line.parent
    if line is link:
        return True
    inside = {id(s) for s in link.find_all(string=True)}
    return not any(s.strip() and id(s) not in inside for s in line.find_all(string=True))


def headline(block: Tag, ctx: ItemContext, shared: frozenset[str] = frozenset()) -> Headline | None:
    """The block's most prominent link (see docs/announcements.md, "Headlines").

    1. the highest-ranked heading that holds a link or is held by one (an ``<h2>``
       headline beats an ``<h6>`` company name before it); its title is the longest
       linked heading leading to the same page (a kicker above the title). When the
       block has a "Read more", a heading leading where it leads wins (not the heading
       of another site's preview card quoted in the teaser);
    2. else the link the "Read more" leads to, titled by the block's heading without a
       link when it has one;
    3. else, when the whole block leads to one page (its picture, its title, its
       "Read more"), that page, titled by a heading, the link's own words or the
       block's first line;
    4. else the link with the longest text.

    Links in ``shared`` (URLs that several blocks of the same listing link to), links
    that lead to no item (crawler.extract.targets) and the page itself are never a
    headline, nor is a link text of one letter or sign. One or two words are a headline
    when they are the block's headline link.
    """
    def usable(url: str | None) -> bool:
        return url is not None and url not in shared and not ctx.is_page(url) and leads_to_item(url)

    counts: dict[str, int] = {}
    first: dict[str, Tag] = {}  # url -> the first link leading there
    longest: dict[str, tuple[str, Tag]] = {}  # url -> the longest link text leading there
    more: set[str] = set()  # where the block's "Read more" links lead
    said: set[str] = set()  # pages a link names in words that are no title (an address, a date)
    files: set[str] = set()  # files a "See the communiqué" leads to (usable() refuses files)
    for link in links(block):
        url = ctx.url(link.get("href"))
        if not usable(url):
            if url is not None and url not in shared and is_attachment(url) and is_more_link(link):
                files.add(url)  # "Ver comunicado" to a PDF: the file is the item's page
            continue
        assert url is not None
        counts[url] = counts.get(url, 0) + 1
        first.setdefault(url, link)
        text = _link_title(link)
        if not _names_something(text):
            text = ""
        if not text or _NOT_A_TITLE.match(text) or is_date_only(text) or names_a_period(text, language=ctx.language):
            if is_more_link(link):
                more.add(url)
            elif text:
                said.add(url)
            continue
        if url not in longest or len(text) > len(longest[url][0]):
            longest[url] = (text, link)
    target = next(iter(more)) if len(more) == 1 else None
    file_target = next(iter(files)) if len(files) == 1 and not more and not counts else None

    best: tuple[int, str, Tag] | None = None  # level, url and element of the best linked heading
    titles: dict[str, str] = {}  # url -> the longest linked heading text leading there
    plain: tuple[str, Tag] | None = None  # the first heading without a link
    for heading in block.find_all(_is_heading):
        inner = heading.find("a", href=True)
        linked = inner if isinstance(inner, Tag) else enclosing_link(heading, block)
        url = ctx.url(linked.get("href")) if linked is not None else None
        if not usable(url):
            if linked is None and (plain is None or heading_level(heading) < heading_level(plain[1])) \
                    and (text := label_text(heading)) and not is_date_only(text) \
                    and not (heading.name == "h1" and normalize_title(text) in normalize_title(ctx.title)):
                plain = (text, heading)  # the page's own <h1> ("Notícias") names no item
            continue
        assert url is not None
        title = (label_text(inner) if isinstance(inner, Tag) else "") or label_text(heading)
        if not title or is_date_only(title):
            continue
        if len(title) > len(titles.get(url, "")):
            titles[url] = title
        level = heading_level(heading)
        if best is None or (url == target) > (best[1] == target) or (
            (url == target) == (best[1] == target) and level < best[0]
        ):
            best = (level, url, heading)
    sole = len(counts) == 1
    if file_target is not None and best is None and plain is not None:
        # A card of a heading without a link and one "See the communiqué" to its file
        # (a bulletin in PDF): the file is the item, titled by the heading.
        return Headline(plain[0], file_target, False, plain_heading=True, by_more=True, sole=True, anchor=plain[1])
    if best is not None and (target is None or best[1] == target or target not in longest):
        # A kicker ("Elektromobilität" in an <h1>) and the title (<h2>) leading to the same
        # page: the page is the headline's, the longer text its title.
        return Headline(titles[best[1]], best[1], True, by_more=best[1] == target, sole=sole, anchor=best[2])
    if target is not None and target in longest:
        text, link = longest[target]
        return Headline(text, target, False, by_more=True, sole=sole, anchor=link)
    if target is not None and plain is not None:
        # A heading without a link and a "Read more": the heading names the page the
        # "Read more" leads to, whatever the teaser links to besides (a venue, a sponsor).
        return Headline(plain[0], target, False, plain_heading=True, by_more=True, sole=sole, anchor=plain[1])
    if sole:
        url = next(iter(counts))
        if plain is not None and (url not in longest or len(plain[0]) >= len(longest[url][0])):
            return Headline(plain[0], url, False, plain_heading=True, by_more=url == target, sole=True,
                            anchor=plain[1])
        if url in longest:
            text, link = longest[url]
            return Headline(text, url, False, by_more=url == target, sole=True, card=link.find(BLOCK_TAGS) is not None,
                            anchor=link)
        # Its only links are a picture or a "Read more": the first line names it.
        line = first_title_line(block) if url not in said else ""
        return Headline(line, url, False, by_more=url == target, sole=True, card=True, anchor=first[url]) if line else None
    # A link on a line of its own is a title; one inside a sentence of the teaser cites
    # something ("via onze inschrijvingspagina"), however long its words.
    alone = {url: found for url, found in longest.items() if _on_its_own_line(found[1], block)} if len(longest) > 1 else {}
    top = max((alone or longest).items(), key=lambda pair: len(pair[1][0]), default=None)
    if top is not None:
        url, (text, link) = top
        return Headline(text, url, False, anchor=link)
    return None
