"""Candidate items: what a block of a run (or a page's lone teaser) shows of an item.

Read once per block, judged by crawler.extract.listing and crawler.extract.fewitems.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bs4.element import Tag

from crawler.extract.blocks import ItemContext, block_date
from crawler.extract.headlines import Headline, headline
from crawler.extract.htmltext import element_text
from crawler.extract.noise import HEADINGS
from crawler.extract.partdates import find_day_month
from crawler.extract.targets import is_below, is_detail_url, is_event_url, leads_to_item, same_site
from crawler.extract.titles import looks_like_headline

# More text than its title: a teaser, a place, a byline. A menu entry has none.
EXTRA_TEXT = 25


@dataclass
class Block:
    """One candidate item: its element and what was read from it."""

    el: Tag
    headline: Headline | None
    published: str | None = None
    extra: int = 0  # characters of text beyond the title
    picture: bool = False
    detail: bool = False  # the headline's URL looks like one item's page (targets.is_detail_url)
    own_site: bool = False  # the headline's URL is on the page's site
    day_month: bool = False  # a day and month without the year ("04 JUIN", "29 y 30 de Agosto")
    below: bool = False  # the headline leads below the page's section (targets.page_section)

    @property
    def strong_headline(self) -> bool:
        """A headline by position (a heading's link) or by its words (a sentence)."""
        return self.headline is not None and (
            self.headline.by_heading or looks_like_headline(self.headline.title)
        )

    @property
    def item_like(self) -> bool:
        """Enough to be an item of a dated listing: a strong headline, or a short one with
        a picture, a teaser or an item's own URL (a card titled "SPH opens")."""
        return self.strong_headline or (
            self.headline is not None and (self.picture or self.detail or self.extra >= EXTRA_TEXT)
        )

    @property
    def marked(self) -> bool:
        """Its page is an item of this site, or the block says it is an item to read more
        about (its "Read more" leads there, on this site or another)."""
        return self.own_site or (self.headline is not None and self.headline.by_more)

    @property
    def evidence(self) -> int:
        """How many signs of an item an undated block shows: a heading, a headline of
        several words, an item's own URL, a picture, a teaser, a day and month, a URL
        below the section the page heads, an ``<article>`` element. A menu entry shows one, a service box two (a
        picture and its name)."""
        if self.headline is None:
            return 0
        return (
            self.headline.by_heading
            + looks_like_headline(self.headline.title)
            + self.detail
            + self.picture
            + (self.extra >= EXTRA_TEXT)
            + self.day_month
            + self.below
            + (self.el.name == "article")
        )


@dataclass
class Group:
    """Sibling blocks of one kind under one parent, and what kind of listing they make."""

    parent: Tag
    blocks: list[Block]
    kind: str = ""  # how it makes a listing (listing._judge, fewitems), "" when it makes none
    items: list[Block] = field(default_factory=list)


def shared_urls(blocks: list[Tag], ctx: ItemContext) -> frozenset[str]:
    """URLs that several blocks link to: a category, an author, the listing itself."""
    counts: dict[str, int] = defaultdict(int)
    anchors_to: dict[str, list[tuple[Tag, Tag]]] = defaultdict(list)  # url -> (block, link)
    for block in blocks:
        anchors = [block] if block.name == "a" else block.find_all("a", href=True)
        seen: set[str] = set()
        for a in anchors:
            url = ctx.url(a.get("href"))
            if url:
                anchors_to[url].append((block, a))
                if url not in seen:
                    seen.add(url)
                    counts[url] += 1
    threshold = max(2, (len(blocks) + 1) // 2) if len(blocks) > 3 else 2
    repeated = _shown_twice(blocks, ctx)
    # Two items whose headings lead to one page (an event card copied and not relinked)
    # are items still: a heading's link is shared when most blocks' headings have it.
    return frozenset(
        url for url, n in counts.items()
        if n >= threshold and url not in repeated and not (
            len(blocks) > 3 and 2 * n <= len(blocks) and all(_in_heading(a, b) for b, a in anchors_to[url])
        )
    )


def _shown_twice(blocks: list[Tag], ctx: ItemContext) -> frozenset[str]:
    """The pages of a run that lists the same items twice in the same order ("Recently
    updated", then the same posts under their year): each is linked by two blocks, and is
    an item shown twice, not a link the listing shares. Empty for any other run."""
    half = len(blocks) // 2
    if len(blocks) < 4 or len(blocks) % 2:
        return frozenset()
    heads: list[str | None] = []
    for block in blocks:
        link = block if block.name == "a" else block.find("a", href=True)
        heads.append(ctx.url(link.get("href")) if isinstance(link, Tag) else None)
    if None in heads or heads[:half] != heads[half:] or len(set(heads)) != half:
        return frozenset()
    return frozenset(h for h in heads if h is not None)


def _in_heading(link: Tag, block: Tag) -> bool:
    """Is the link inside a heading of its block (or the block's own heading)?"""
    for el in (link, *link.parents):
        if el.name in HEADINGS:
            return True
        if el is block:
            return False
    return False


def has_picture(el: Tag) -> bool:
    """An image, or a CSS background image (cards often paint their picture)."""
    if el.find(("img", "picture")) is not None:
        return True
    return any("background-image" in str(tag.get("style") or "") for tag in [el, *el.find_all(style=True)])


def read_block(el: Tag, ctx: ItemContext, shared: frozenset[str]) -> Block:
    """What a candidate block shows; ``shared`` are its run's shared links (shared_urls)."""
    found = headline(el, ctx, shared)
    if found is None:
        return Block(el, None)
    text = element_text(el)
    extra = max(0, len(text) - len(found.title))
    published = block_date(el, ctx, found.title)
    if published is None and is_event_url(found.url):
        # An event's card that shows no day of its own is dated by the day its title
        # names ("Sabato 15 Dicembre 2018 Cena di Natale": the event's first day).
        published = ctx.date_in(found.title)
    day_month = published is None and find_day_month(text.replace(found.title, " "), language=ctx.language) is not None
    return Block(el, found, published, extra, has_picture(el), is_detail_url(found.url, found.title),
                 same_site(found.url, ctx.base), day_month, is_below(found.url, ctx.section, ctx.base))


def urls_in(el: Tag, ctx: ItemContext) -> set[str]:
    """Distinct pages an element links to (itself included when it is a link), not the page."""
    anchors = ([el] if el.name == "a" and el.has_attr("href") else []) + el.find_all("a", href=True)
    return {url for a in anchors if (url := ctx.url(a.get("href"))) and not ctx.is_page(url) and leads_to_item(url)}


_UNSEEN_OR_CREDITS = ("footer", "noscript")


def content_links(region: Tag, ctx: ItemContext) -> set[str]:
    """Pages the region links to in its text: not its footer's credits (a theme's author,
    its repository), nor a ``<noscript>`` counter no reader with scripts on sees."""
    found = set()
    for a in region.find_all("a", href=True):
        if a.find_parent(_UNSEEN_OR_CREDITS) is None:
            found |= urls_in(a, ctx)
    return found
