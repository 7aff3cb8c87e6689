"""Posts written as sections under headings, with no element around each one: what
Markdown gives ("## Title", a date line, a teaser, "[Read more](/news/post/)").

A run of blocks (crawler.extract.runs) cannot show such a listing: the blocks are the
headings, paragraphs and links themselves. Here a section is a heading and the siblings
after it up to the next heading of its level or higher. Its link is the heading's own,
else the short line right under it (a source line: "Virginia Tech Daily, May 9, 2019"),
else its "Read more"; its date the heading's, else the first short line's that holds one.

Press coverage pages (crawler.extract.coverage) read their stories this way; a page of
the site's own posts does when every section's heading links to a page of its own, or its
"Read more" does (the markup says they are items to read more about), and most sections
are dated. Tried only when the page has no other listing.
"""

from __future__ import annotations

from collections.abc import Iterator

from bs4.element import Tag

from crawler.extract.blocks import ItemContext, block_date, enclosing_link
from crawler.extract.candidates import Block, Group
from crawler.extract.headlines import Headline, heading_level
from crawler.extract.htmltext import element_text
from crawler.extract.noise import HEADINGS
from crawler.extract.targets import leads_to_item, same_site
from crawler.extract.titles import is_more_link, label_text

MIN_SECTIONS = 3
SHORT_LINE = 120  # characters: a source or a date line under a heading, not a paragraph of prose
_SECTION_PARTS = 12  # siblings read per section: a teaser, a date line, a picture, a button


def heading_runs(region: Tag) -> Iterator[tuple[Tag, list[Tag]]]:
    """(parent, headings): three or more headings of one level that are children of one
    element, as Markdown writes a page's sections."""
    parents = {id(h.parent): h.parent for h in region.find_all(HEADINGS) if isinstance(h.parent, Tag)}
    for parent in parents.values():
        for level in HEADINGS:
            headings = parent.find_all(level, recursive=False)
            if len(headings) >= MIN_SECTIONS:
                yield parent, headings


def _parts(heading: Tag) -> list[Tag]:
    """The elements of a heading's section: its next siblings up to a heading of its
    level or higher."""
    level = heading_level(heading)
    found = []
    for sibling in heading.find_next_siblings(True, limit=_SECTION_PARTS):
        if sibling.name in HEADINGS and heading_level(sibling) <= level:
            break
        found.append(sibling)
    return found


def section_text(heading: Tag) -> str:
    """The text of a heading's section, the heading's own aside."""
    return " ".join(element_text(p) for p in _parts(heading))


def _more_link(parts: list[Tag]) -> Tag | None:
    for part in parts:
        for a in [part] if part.name == "a" else part.find_all("a", href=True):
            if a.has_attr("href") and is_more_link(a):
                return a
    return None


def section_story(heading: Tag, ctx: ItemContext) -> Block | None:
    """The story of a heading's section (see the module docstring), or None when it
    leads to no item."""
    title = label_text(heading)
    if not title:
        return None
    parts = _parts(heading)
    short = [p for p in parts if p.name not in HEADINGS and len(element_text(p)) <= SHORT_LINE]
    link = heading.find("a", href=True) or enclosing_link(heading, heading.parent or heading)
    linked = isinstance(link, Tag)
    more = _more_link(parts)
    if not linked:
        first = parts[0] if parts and short and parts[0] is short[0] else None
        source = first.find("a", href=True) if first is not None else None
        link = source if isinstance(source, Tag) and not is_more_link(source) else more
    url = ctx.url(link.get("href")) if isinstance(link, Tag) else None
    if url is None or ctx.is_page(url) or not leads_to_item(url):
        return None
    by_more = more is not None and ctx.url(more.get("href")) == url
    published = block_date(heading, ctx, title) or next(
        (day for p in short if (day := block_date(p, ctx, title))), None)
    head = Headline(title, url, linked, plain_heading=not linked, by_more=by_more, anchor=heading)
    return Block(heading, head, published, own_site=same_site(url, ctx.base))


def section_posts(regions: list[Tag], ctx: ItemContext) -> Group | None:
    """The site's own posts written as sections, each titled by its heading's link or
    with a "Read more" to its page, or None: three or more, with distinct pages, two thirds of the level's headings, two
    thirds of them dated (a product page's features each have a "Learn more" too)."""
    best: Group | None = None
    for region in regions:
        for parent, headings in heading_runs(region):
            posts = [b for h in headings if (b := section_story(h, ctx)) is not None
                     and b.headline is not None and (b.headline.by_more or b.headline.linked_heading) and b.own_site]
            urls = {b.headline.url for b in posts if b.headline}
            dated = sum(b.published is not None for b in posts)
            if len(urls) >= MIN_SECTIONS and 3 * len(posts) >= 2 * len(headings) and 3 * dated >= 2 * len(posts) and (
                    best is None or len(posts) > len(best.items)):
                best = Group(parent, posts, "sections", posts)
    return best
