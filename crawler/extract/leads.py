"""A listing's lead story: the one teaser a page shows above its grid of posts.

News and blog front pages put their newest or chosen post first, alone and larger (a
"featured article", a cover block), then the grid of the others. No run shows the lead:
it is one block, built unlike the grid's cards. What shows it is where it stands,
right above the listing, and that it is a complete teaser of one post.
"""

from __future__ import annotations

from bs4.element import Tag

from crawler.extract.blocks import ItemContext
from crawler.extract.candidates import Block, Group, read_block, urls_in
from crawler.extract.htmltext import element_text

# How far up from a listing's parent the block right above it is looked for: a grid sits
# in a few wrappers (a section, a module, a component) below the region the lead shares.
_LEVELS = 4
# A lead is a complete teaser: a heading that leads to the post, and three more signs
# of an item (a sentence, the post's own URL, a picture, a teaser: Block.evidence).
_LEAD_EVIDENCE = 4


def _shows_something(el: Tag) -> bool:
    return bool(element_text(el)) or el.find(("img", "picture")) is not None or "background-image" in str(
        el.get("style") or ""
    )


def _above(group: Group, stop: set[int]) -> Tag | None:
    """The element right above the listing: the nearest earlier sibling that shows
    something, of its parent or of one of the parent's few wrappers (not beyond the
    page's main content or body)."""
    el: Tag | None = group.parent
    for _ in range(_LEVELS):
        if el is None or id(el) in stop or el.name in ("body", "html", "[document]"):
            return None
        for sibling in el.previous_siblings:
            if isinstance(sibling, Tag) and _shows_something(sibling):
                return sibling
        el = el.parent if isinstance(el.parent, Tag) else None
    return None


def lead_item(group: Group, ctx: ItemContext, stop: set[int]) -> Block | None:
    """The teaser right above a listing when it is the listing's lead story, or None.

    It leads to one page, of the site, that no item of the listing leads to; its
    headline is a heading's; it shows as much of an item as a full teaser does; and
    above a dated listing it is dated too. ``stop`` are the ids of the page's main
    regions: the lead is inside them, never the content before them.
    """
    above = _above(group, stop)
    if above is None:
        return None
    pages = urls_in(above, ctx)
    if len(pages) != 1:
        return None
    block = read_block(above, ctx, frozenset())
    head = block.headline
    listed = {b.headline.url for b in group.items if b.headline}
    if head is None or head.url in listed or not head.by_heading or not block.own_site:
        return None
    if block.evidence < _LEAD_EVIDENCE or (group.kind == "dated" and not block.published):
        return None
    return block
