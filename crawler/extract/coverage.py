"""Press coverage pages ("in the news", "Prensa"): a page whose content is stories that
other sites published about the organisation.

A listing's blocks lead to pages of the site's own (crawler.extract.listing): links to
other sites there make a link collection (partners, resources, a blogroll), not news. A
coverage page is the exception, and only its whole content can show it: each story is a
headline of several words leading to one article on another site (a newspaper's page, a
university's daily, a video), held by a heading or followed by its source, and the
stories are most of what the main content links to (a list of bare links is a
collection still). Two shapes are read:

* a run of blocks that made no listing (a list of links, each with its source after it:
  "<li><a>Site shows that…</a>, Blog Direto da Ciência</li>");
* sections under headings of one level, as Markdown writes them, with no element around
  each story (crawler.extract.sections): the heading links to the story, or the short
  line right under it does (its source line, "Virginia Tech Daily, May 9, 2019"); a date
  in that line dates the story.

Most stories must show they are news (a day, or an address that is one article's own),
so a page of guides on other sites ("/docs/getting-started") is no coverage page; and few
may read like references (a DOI or arXiv address, "12(3): 45-67", "et al."), so a lab's
publications list is none either.

Tried only when the page has no other listing and no page of few items.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4.element import Tag

from crawler.extract.blocks import ItemContext
from crawler.extract.candidates import Block, Group, content_links
from crawler.extract.htmltext import element_text
from crawler.extract.sections import heading_runs, section_story, section_text
from crawler.extract.targets import is_detail_url, same_site
from crawler.extract.titles import looks_like_headline

MIN_STORIES = 3


def _deep(url: str) -> bool:
    """A page of a site, not its home page: a story, not a partner's address."""
    parts = urlsplit(url)
    return bool(parts.path.strip("/") or parts.query)


SOURCE = 5  # characters beyond the headline: a source's name (", Podcast UNESP.")


def _is_story(block: Block, ctx: ItemContext) -> bool:
    """A headline of several words leading to a page (not a home page), that a heading
    holds or that names more than itself (its source, its day): a bare link of a
    blogroll or a "Friends" page does neither."""
    head = block.headline
    return (
        head is not None and looks_like_headline(head.title) and _deep(head.url) and not ctx.is_page(head.url)
        and (head.by_heading or block.extra >= SOURCE)
    )


# A scholarly work's address (a DOI, arXiv) or a reference's parts (volume(issue): pages,
# "pp.", "et al."): a publications list cites papers, it does not report news.
_CITED_URL = re.compile(r"(?:^|[/.])10\.\d{4,9}/|//(?:www\.)?arxiv\.org/|//hdl\.handle\.net/", re.IGNORECASE)
_REFERENCE = re.compile(r"\b\d+\s*\(\d+\)\s*[:,]\s*\d+|\bpp?\.\s*\d+|\bet al\.|\bvol\.\s*\d+|\bdoi:", re.IGNORECASE)


def _cited(block: Block, text: str) -> bool:
    """Does the story read like a publication list's reference (see above)?"""
    head = block.headline
    return (head is not None and _CITED_URL.search(head.url) is not None) or _REFERENCE.search(text) is not None


def _news(block: Block) -> bool:
    """Does the story show it is one: its day, or an address that is one article's own
    (the title as a slug, a date or an id in the path: targets.is_detail_url)? A guide's
    ``/docs/getting-started`` is neither."""
    head = block.headline
    return block.published is not None or (head is not None and is_detail_url(head.url, head.title))


def _coverage(stories: list[Block], ctx: ItemContext, content: set[str], among: int, cited: int) -> bool:
    """Are these the stories of a coverage page: three or more, two thirds of the ``among``
    candidates at least, two thirds of them showing they are news (_news), no more than a
    third reading like references (``cited``: a publications list), half or more on other
    sites, holding half the content's links?"""
    urls = {b.headline.url for b in stories if b.headline}
    if len(urls) < MIN_STORIES or 3 * len(stories) < 2 * among or 3 * cited > len(stories):
        return False
    if 3 * sum(map(_news, stories)) < 2 * len(stories):
        return False
    if 2 * sum(not same_site(url, ctx.base) for url in urls) < len(urls):
        return False
    return 2 * len(urls & content) >= len(content)


def _sections(region: Tag, ctx: ItemContext, content: set[str]) -> Group | None:
    """Stories under sibling headings of one level (crawler.extract.sections)."""
    best: Group | None = None
    for parent, headings in heading_runs(region):
        stories = [b for h in headings if (b := section_story(h, ctx)) is not None and _is_story(b, ctx)]
        cited = sum(_cited(b, section_text(b.el)) for b in stories)
        if _coverage(stories, ctx, content, len(headings), cited) and (best is None or len(stories) > len(best.items)):
            best = Group(parent, stories, "coverage", stories)
    return best


def coverage_items(runs: list[Group], regions: list[Tag], ctx: ItemContext) -> Group | None:
    """The stories of a press coverage page, or None (see the module docstring).
    ``runs`` are the page's runs that made no listing; ``regions`` its main content."""
    content: set[str] = set()
    for region in regions:
        content |= content_links(region, ctx)
    if not content:
        return None
    best: Group | None = None
    for group in runs:
        candidates = [b for b in group.blocks if b.headline is not None]
        stories = [b for b in candidates if _is_story(b, ctx)]
        cited = sum(_cited(b, element_text(b.el)) for b in stories)
        if _coverage(stories, ctx, content, len(candidates), cited) and (best is None or len(stories) > len(best.items)):
            best = Group(group.parent, group.blocks, "coverage", stories)
    for region in regions:
        found = _sections(region, ctx, content)
        if found is not None and (best is None or len(found.items) > len(best.items)):
            best = found
    return best
