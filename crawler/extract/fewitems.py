"""A page whose content is one, two or a few items: a young site's news page, a blog
with one post so far, an event page with one event.

Repeated structure cannot show such a listing, so the page itself must: its items are
all its main content holds. Tried only when the page has no listing and is no article.
"""

from __future__ import annotations

import re

from bs4.element import Tag

from crawler.extract.blocks import ItemContext, block_date, ends_with_date
from crawler.extract.candidates import Block, Group, content_links, read_block, urls_in
from crawler.extract.dates import is_date_only
from crawler.extract.groupdates import is_timed
from crawler.extract.headlines import headline
from crawler.extract.htmltext import element_text
from crawler.extract.identity import normalize_title
from crawler.extract.pagecontent import prose
from crawler.extract.strays import template_key
from crawler.extract.targets import is_below, same_site


def _teaser_headline(block: Block) -> bool:
    """A headline by position (headlines.Headline.by_position): a heading's link, the title
    a "Read more" leads to, the page the whole teaser leads to; or by where it leads:
    below the section the page heads (``/news`` → ``/news/first-post``); or a dated entry
    that is one link and nothing else ("<li><a>Final Meeting --- 13/03/2023</a></li>")."""
    return block.headline is not None and (
        block.headline.by_position or block.below
        or (block.headline.sole and block.extra == 0 and ends_with_date(block.headline.title))
    )


# An excerpt cut short: CMSs end a post's teaser with an ellipsis ("…", "...", "[…]").
_CUT = re.compile(r"(?:\.\.\.|…)\s*\]?\s*$")


def _excerpt_cut_short(block: Block) -> bool:
    """Does the block show a post's excerpt cut short (a paragraph of four words or more
    ending in an ellipsis)? A post has more to read; a service card says all it has."""
    assert block.headline is not None
    for p in block.el.find_all("p"):
        text = element_text(p)
        if len(text.split()) >= 4 and block.headline.title not in text and _CUT.search(text):
            return True
    return False


def _lone_item(region: Tag, ctx: ItemContext) -> Block | None:
    """The region's headline (blocks.headline) as an item when it is a teaser's: its
    block is the largest element around it that leads to no other page of the site
    (its picture, its date and its "Read more" may link, and so may a citation of
    another site), and its date the one nearest to the headline. Not when the page
    is titled like it: an article whose heading links to its own permalink."""
    found = headline(region, ctx)
    if found is None or found.anchor is None or not (found.by_position or is_below(found.url, ctx.section, ctx.base)):
        return None
    if normalize_title(found.title) in normalize_title(ctx.title):
        return None  # the page is titled like its one teaser: it is that item's own page
    block: Tag = found.anchor
    published = block_date(block, ctx, found.title)  # a card that is one link holds its date
    for parent in found.anchor.parents:
        if parent is region or not isinstance(parent, Tag):
            published = published or _date_line_after(block, ctx)
            break
        others = [c for c in parent.children if isinstance(c, Tag) and c is not block]
        if any(url != found.url and same_site(url, ctx.base) for c in others for url in urls_in(c, ctx)):
            published = published or _date_line_after(block, ctx)
            break
        # Each level adds only its other children: linear however deep the headline sits.
        published = published or next((d for c in others if (d := block_date(c, ctx, found.title))), None)
        block = parent
    item = read_block(block, ctx, frozenset())
    if item.headline is not None:
        item.published = published
        if item.headline.url == found.url and not item.headline.by_position:
            # the block is the heading itself ("<h2><a>…</a></h2>" beside prose that links
            # elsewhere): read alone, its link is merely sole; in the page it is a heading's
            item.headline = found
    return item


def _date_line_after(el: Tag, ctx: ItemContext) -> str | None:
    """The day of the line right under the headline when that line is a date and nothing
    else ("<h2><a>…</a></h2><p>2021-09-10</p>"): the teaser's, even where its prose
    beside links to another page of the site (the site's home, a form)."""
    line = el.find_next_sibling()
    if not isinstance(line, Tag):
        return None
    text = element_text(line)
    return ctx.date(text) if 6 <= len(text) <= 40 and is_date_only(text) else None


def few_items(runs: list[Group], regions: list[Tag], ctx: ItemContext) -> Group | None:
    """The items of a page of few items, or None.

    Candidates are the page's runs that made no listing (two teasers side by side) and
    the block of the main content's headline (one teaser). Each item needs a headline
    by position (_teaser_headline), a day it belongs to (groupdates.is_timed: a date, a
    day and month, a year heading) or another sign of a post's teaser (_of_a_post), or
    to be built like such an item of its run (strays.build), and no article inside it;
    together the items must hold at least half of the pages the main content links to,
    so a teaser beside other content (a home page's latest post among its services) is
    no listing.
    """
    content: set[str] = set()
    for region in regions:
        content |= content_links(region, ctx)
    if not content:
        return None
    candidates = list(runs)
    for region in regions:
        lone = _lone_item(region, ctx)
        if lone is not None:
            candidates.append(Group(region, [lone]))
    best: Group | None = None
    for group in candidates:
        links = {id(b.el): urls_in(b.el, ctx) & content for b in group.blocks if _teaser_headline(b)}
        if 2 * len(set().union(*links.values())) < len(content):
            continue  # the cheap test first: is_timed looks back through the page
        inside = {id(b.el) for b in group.blocks}
        items = [b for b in group.blocks if id(b.el) in links and _of_a_post(b, inside, ctx) and not prose(b.el)]
        # A teaser built like a post's, in the same run, is one: a day in one teaser's text
        # ("Il 1° giugno") vouches for its neighbour built the same way.
        alike = {key for b in items if (key := template_key(b))[1]}
        taken = {id(b.el) for b in items}
        items = [b for b in group.blocks if id(b.el) in taken or (
            id(b.el) in links and template_key(b) in alike and not prose(b.el))]
        held = set().union(*(links[id(b.el)] for b in items))
        if items and 2 * len(held) >= len(content) and (best is None or _distinct(items) > _distinct(best.items)):
            group.kind, group.items = "few", items
            best = group
    return best


def _of_a_post(block: Block, inside: set[int], ctx: ItemContext) -> bool:
    """A teaser of a post, not a service card: an ``<article>`` titled by a heading's link
    (the markup says so, as three of them make an undated listing), tied to a day
    (groupdates.is_timed), leading below the section the page heads
    (targets.page_section), or showing an excerpt cut short."""
    if block.el.name == "article" and block.headline is not None and block.headline.linked_heading:
        return True
    return block.below or is_timed(block, inside, ctx) or _excerpt_cut_short(block)


def _distinct(blocks: list[Block]) -> int:
    return len({b.headline.url for b in blocks if b.headline})
