"""The page's listings, found by how the page is built rather than how its classes are named.

A listing is a run of sibling blocks of the same kind (same tag), each holding a
headline link to its own detail page. Generic web-to-feed generators work the
same way (feedless, formerly rss-proxy, groups links by their DOM path and scores
the groups); this is our own take, tuned on real pages (tests/fixtures/announcements/real).

How strong the evidence must be depends on what the blocks show:

* dated blocks (a ``<time>`` or a printed date) need a headline that is either a
  heading's link or several words of prose, as before;
* undated blocks need structure instead: a heading's link plus something an item
  has and a menu entry does not (a teaser, a picture, more text than its title),
  and more of them. They are kept with ``published: None``.

Blocks that hold other listing blocks are containers (a year section, one big
``<article>`` around 28 press releases): their items are the inner blocks. A list
inside an item (its tags, its authors) is part of the item, not a listing.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.blocks import (
    Headline,
    ItemContext,
    block_date,
    block_summary,
    headline,
    is_detail_url,
    same_site,
)
from crawler.extract.dates import date_from_parts, find_day_month, year_of_heading
from crawler.extract.htmltext import element_text
from crawler.extract.identity import Announcement
from crawler.extract.noise import HEADINGS, signature
from crawler.extract.titles import looks_like_headline

MIN_DATED = 3  # dated blocks that make a listing (as before)
MIN_PAIR = 2  # a listing of two: the whole main content of a young site
MIN_UNDATED = 4  # undated blocks need more of them: three cards can be services
# Blocks read per run, at least: a 20,000-row table stays cheap. Runs are read up to
# twice the page's item limit (rows between items: spacers, day headers), so no item
# under the limit is lost to this cap.
MIN_BLOCKS_READ = 400
# More text than its title: a teaser, a place, a byline. A menu entry has none.
_EXTRA_TEXT = 25
_BLOCK_TAGS = frozenset({"article", "div", "li", "section", "tr", "dd", "dt", "p", "a", "figure", "span", "td"})


@dataclass
class Block:
    """One candidate item: its element and what was read from it."""

    el: Tag
    headline: Headline | None
    published: str | None = None
    extra: int = 0  # characters of text beyond the title
    picture: bool = False
    detail: bool = False  # the headline's URL looks like one item's page (blocks.is_detail_url)
    own_site: bool = False  # the headline's URL is on the page's site

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
            self.headline is not None and (self.picture or self.detail or self.extra >= _EXTRA_TEXT)
        )

    @property
    def evidence(self) -> int:
        """How many signs of an item an undated block shows: a heading's link, a headline
        of several words, an item's own URL, a picture, a teaser. A menu entry shows one."""
        if self.headline is None:
            return 0
        return (
            self.headline.by_heading
            + looks_like_headline(self.headline.title)
            + self.detail
            + self.picture
            + (self.extra >= _EXTRA_TEXT)
        )


@dataclass
class Group:
    """Sibling blocks of one kind under one parent, and what kind of listing they make."""

    parent: Tag
    blocks: list[Block]
    kind: str = ""  # "dated", "structured", or "" when they make no listing
    items: list[Block] = field(default_factory=list)


@dataclass
class Findings:
    """The listings of a page, and what was seen when there were none (for the reason)."""

    groups: list[Group]
    candidates: int = 0  # repeated blocks with a link, in groups that made no listing
    headlines: int = 0  # of those, blocks with a headline link
    dated: int = 0  # of those, blocks with a date

    def reason(self) -> str:
        """One line saying why the page gave no items (docs/announcements.md)."""
        if not self.candidates:
            return "no repeated blocks with headline links"
        if not self.headlines:
            return f"{self.candidates} repeated blocks with links, but none with a headline link"
        if not self.dated:
            return f"{self.headlines} candidate blocks, none dated and structure too weak"
        return (
            f"{self.headlines} candidate blocks, {self.dated} dated: too few, or their links "
            "are not headlines"
        )


def _link_holders(soup: BeautifulSoup | Tag) -> set[int]:
    """Ids of the elements that are or hold a link, in one pass up from each link: asking
    each element for a link inside would be quadratic on deeply nested markup."""
    holders: set[int] = set()
    for link in soup.find_all("a", href=True):
        holders.add(id(link))
        for parent in link.parents:
            if id(parent) in holders:
                break
            holders.add(id(parent))
    return holders


def _sibling_runs(soup: BeautifulSoup | Tag, holders: set[int]) -> list[tuple[Tag, list[Tag]]]:
    """(parent, blocks): same-tag siblings, one or more with a link.

    The tag is the structure: class names vary per item and per theme. A grid split
    into rows (``card-deck`` after ``card-deck``) is one run: blocks of the same tag
    under siblings of the same class count together.
    """
    runs: dict[tuple[object, ...], list[Tag]] = defaultdict(list)
    parents: dict[tuple[object, ...], Tag] = {}
    for parent in soup.find_all(True):
        # Only parents with a class name join: bare <div>s side by side are not rows.
        kind = signature(parent)
        key_base: tuple[object, ...] = (id(parent.parent), kind) if kind[1] else (id(parent),)
        for child in parent.children:
            if isinstance(child, Tag) and child.name in _BLOCK_TAGS:
                key = (*key_base, child.name)
                runs[key].append(child)
                parents.setdefault(key, parent)
    return [(parents[key], blocks) for key, blocks in runs.items() if any(id(b) in holders for b in blocks)]


def _cousin_keys(parent: Tag, tag: str, kinds: dict[int, tuple[str, str]]) -> Iterator[tuple[object, ...]]:
    """Where a short run of blocks may continue: runs whose parents sit at the same place
    in identical modules, up to four levels up (a "3 up" row of cards in each of two
    "article up" blocks). Only chains with a class name: bare ``div > div`` chains are
    everywhere and say nothing."""
    def kind(el: Tag) -> tuple[str, str]:
        if id(el) not in kinds:
            kinds[id(el)] = signature(el)
        return kinds[id(el)]

    chain: list[tuple[str, str]] = [kind(parent)]
    ancestor: Tag | None = parent
    for _ in range(3):
        ancestor = ancestor.parent if ancestor is not None and isinstance(ancestor.parent, Tag) else None
        if ancestor is None or ancestor.name in ("body", "html"):
            return
        chain.append(kind(ancestor))
        if any(cls for _, cls in chain) and isinstance(ancestor.parent, Tag):
            yield (id(ancestor.parent), tuple(chain), tag)


def _sibling_groups(soup: BeautifulSoup | Tag, limit: int) -> Iterator[tuple[Tag, list[Tag]]]:
    """(parent, blocks) for every run of three or more same-tag blocks with a link,
    short runs (rows of a grid, one per module) joined with their cousins; at most
    ``limit`` blocks of each."""
    holders = _link_holders(soup)
    runs = _sibling_runs(soup, holders)
    owner = list(range(len(runs)))

    def find(i: int) -> int:
        while owner[i] != i:
            owner[i] = owner[owner[i]]
            i = owner[i]
        return i

    first: dict[tuple[object, ...], int] = {}
    kinds: dict[int, tuple[str, str]] = {}  # signature() of elements met, by id
    for i, (parent, blocks) in enumerate(runs):
        if sum(1 for b in blocks if id(b) in holders) > 4:
            continue
        for key in _cousin_keys(parent, blocks[0].name, kinds):
            if key in first:
                owner[find(i)] = find(first[key])
            else:
                first[key] = i
    units: dict[int, tuple[Tag, list[Tag]]] = {}
    for i, (parent, blocks) in enumerate(runs):
        root = find(i)
        if root in units:
            units[root][1].extend(blocks)
        else:
            units[root] = (parent, list(blocks))
    for parent, blocks in units.values():
        with_link = sum(1 for b in blocks if id(b) in holders)
        if with_link >= MIN_PAIR and 2 * with_link >= len(blocks):
            yield parent, blocks[:limit]


def _shared_urls(blocks: list[Tag], ctx: ItemContext) -> frozenset[str]:
    """URLs that several blocks link to: a category, an author, the listing itself."""
    counts: dict[str, int] = defaultdict(int)
    for block in blocks:
        anchors = [block] if block.name == "a" else block.find_all("a", href=True)
        for url in {ctx.url(a.get("href")) for a in anchors}:
            if url:
                counts[url] += 1
    threshold = max(2, (len(blocks) + 1) // 2) if len(blocks) > 3 else 2
    return frozenset(url for url, n in counts.items() if n >= threshold)


def _has_picture(el: Tag) -> bool:
    """An image, or a CSS background image (cards often paint their picture)."""
    if el.find(("img", "picture")) is not None:
        return True
    return any("background-image" in str(tag.get("style") or "") for tag in [el, *el.find_all(style=True)])


def _read_block(el: Tag, ctx: ItemContext, shared: frozenset[str]) -> Block:
    found = headline(el, ctx, shared)
    if found is None:
        return Block(el, None)
    text = element_text(el)
    extra = max(0, len(text) - len(found.title))
    return Block(el, found, block_date(el, ctx, found.title), extra, _has_picture(el),
                 is_detail_url(found.url, found.title), same_site(found.url, ctx.base))


def _undated_items(blocks: list[Block]) -> list[Block]:
    """The blocks of an undated listing, or [] when the structure is too weak.

    Each block must show enough signs of an item (Block.evidence), the fewer blocks the
    more signs: three blocks with four signs (heading link, sentence, own URL, picture),
    four with three, five or more bare links whose URLs are items' own pages on the
    site (a press ticker). Links to other sites make a link collection, not news.
    """
    candidates = [b for b in blocks if b.headline is not None]
    best: list[Block] = []
    for minimum, needed in ((3, 4), (4, 3), (5, 2)):
        good = [b for b in candidates if b.own_site and b.evidence >= needed and (needed > 2 or b.detail)]
        urls = {b.headline.url for b in good if b.headline}
        if len(urls) >= minimum and 3 * len(good) >= 2 * len(candidates) and len(good) > len(best):
            best = good
    return best


def _date_before(block: Block, inside: set[int], ctx: ItemContext) -> str | None:
    """A date printed just before the block, for the items it heads: a day box beside
    a card (``<div>11 set</div><div class="card">``), a ``<dt>`` before its ``<dd>``.
    Looks at the nearest earlier siblings of the block and of its two parents that hold
    no item themselves."""
    el: Tag | None = block.el
    for _ in range(3):
        if el is None:
            return None
        for sibling in el.find_previous_siblings(True, limit=3):
            if id(sibling) in inside or any(id(d) in inside for d in sibling.find_all(True)):
                break
            text = element_text(sibling)
            if text and len(text) <= 80:
                found = block_date(sibling, ctx, "") or _with_group_year(sibling, text, inside, ctx)
                if found:
                    return found
        el = el.parent if isinstance(el.parent, Tag) else None
    return None


def _with_group_year(el: Tag, text: str, inside: set[int], ctx: ItemContext) -> str | None:
    """A day and month ("11 set") completed by the nearest heading above with a year
    ("Settembre 2023"), that is not an item's own title."""
    parts = find_day_month(text, language=ctx.language)
    if parts is None:
        return None
    for heading in el.find_all_previous(HEADINGS, limit=12):
        if id(heading) in inside or any(id(p) in inside for p in heading.parents):
            continue
        found = year_of_heading(element_text(heading), language=ctx.language)
        if found is None:
            continue
        year, month = found
        if month in (None, parts[1]):
            return date_from_parts(year, parts[1], parts[0], fetched_at=ctx.fetched_at)
        return None
    return None


def _context_dates(group: Group, ctx: ItemContext) -> None:
    """Dates an item shows only in part, or outside its block: a day and month whose year
    is in a group heading, or a date box before the item (see the two helpers)."""
    inside = {id(b.el) for b in group.blocks}
    for block in group.blocks:
        if block.published or block.headline is None:
            continue
        text = element_text(block.el).replace(block.headline.title, " ")
        block.published = _with_group_year(block.el, text, inside, ctx) or _date_before(block, inside, ctx)


MIN_ARCHIVE = 10  # links in a bare archive list that is the page's content


def _archive_items(blocks: list[Block], page_links: Callable[[], int]) -> list[Block]:
    """An archive page: a long list of titled links and nothing else (an essay index with
    no dates, no teasers, no pictures). Its only evidence is that it is the page: ten
    blocks or more, each leading to its own page of the site, titled mostly in more than
    one word, together holding most of the page's links."""
    good = [b for b in blocks if b.headline is not None and b.own_site]
    urls = {b.headline.url for b in good if b.headline}
    if len(urls) < MIN_ARCHIVE or 4 * len(good) < 3 * len(blocks) or 2 * len(urls) < page_links():
        return []
    words = sorted(len(b.headline.title.split()) for b in good if b.headline)
    return good if words[len(words) // 2] >= 2 else []


def _complete_pair(group: Group, blocks: list[Block]) -> bool:
    """Two items make a listing only when they are all the main content shows: inside
    ``<main>``, alone under their parent, each a card with a linked heading, a date and
    a picture or teaser (a news page of a site that has published twice)."""
    if len(blocks) != MIN_PAIR or not all(
        b.headline and b.headline.linked_heading and b.published and (b.picture or b.extra >= _EXTRA_TEXT)
        for b in blocks
    ):
        return False
    parent = blocks[0].el.parent
    if not isinstance(parent, Tag) or blocks[1].el.parent is not parent:
        return False
    if len(parent.find_all(True, recursive=False)) != MIN_PAIR:
        return False
    return any(p.name == "main" or "main" in str(p.get("role") or "").split() for p in group.parent.parents) or (
        group.parent.name == "main"
    )


def _judge(group: Group, page_links: Callable[[], int]) -> None:
    """Sets the group's kind and items (see the module docstring)."""
    blocks = [b for b in group.blocks if b.headline is not None or b.el.get_text(strip=True)]
    with_headline = [b for b in blocks if b.headline is not None]
    urls = {b.headline.url for b in with_headline if b.headline}
    # Blocks of a listing lead to pages of their own; blocks that lead two by two to the
    # same page are the parts of its items (a card's picture link and text link).
    if len(urls) < MIN_PAIR or 2 * len(with_headline) < len(blocks) or 3 * len(urls) < 2 * len(with_headline):
        return
    if len(urls) < MIN_DATED:
        if _complete_pair(group, with_headline):
            group.kind, group.items = "pair", with_headline
        return
    strong = [b for b in with_headline if b.item_like]
    dated = [b for b in strong if b.published]
    if len(dated) >= MIN_DATED and 2 * len(dated) >= len(strong):
        # An undated block belongs if it is built like the dated ones (same first class):
        # a news item whose date is missing, not the service card after the news.
        kinds = {signature(b.el) for b in dated}
        group.kind, group.items = "dated", [b for b in strong if b.published or signature(b.el) in kinds]
        return
    undated = _undated_items(with_headline)
    if undated:
        group.kind, group.items = "structured", undated
        return
    archive = _archive_items(with_headline, page_links)
    if archive:
        group.kind, group.items = "archive", archive


def _distinct(group: Group) -> int:
    """Items of a group by distinct detail page (a card's picture and text may be two links)."""
    return len({b.headline.url for b in group.items if b.headline})


def _standing(block: Block) -> int:
    """How much a block looks like an item of its own: a heading's link, an item's URL,
    a date. A post outranks its tags; a "Press releases" box does not outrank its items."""
    head = block.headline
    return (head is not None and head.by_heading) + block.detail + (block.published is not None)


def _resolve_nesting(groups: list[Group]) -> list[Group]:
    """Where listing blocks hold other listing blocks, keep the level that holds the items.

    * Each outer block holds one inner block: the same items at two levels (a card and
      its body); the level with more items wins, the outer one on a tie (it has the
      picture and the date).
    * An outer block holds several inner blocks, and its headline is one of theirs, or
      they are most of its text and look as much like items as it does (_standing): a
      container (a year section whose first linked heading is its first item's, a
      "Press releases" box around its list); the inner level wins.
    * Otherwise the inner blocks are parts of an item (its tags, its files): the outer
      level wins.
    """
    ancestors = {
        id(block.el): {id(p) for p in block.el.parents} for group in groups for block in group.items
    }
    dropped: set[int] = set()
    for outer in groups:
        for inner in groups:
            if inner is outer or id(inner) in dropped or id(outer) in dropped:
                continue
            containers = parts = same = 0
            for block in outer.items:
                inside = [i for i in inner.items if id(block.el) in ancestors[id(i.el)]]
                if not inside:
                    continue
                url = block.headline.url if block.headline else None
                if len(inside) == 1:
                    same += 1
                elif any(i.headline is not None and i.headline.url == url for i in inside) or (
                    2 * sum(len(element_text(i.el)) for i in inside) >= len(element_text(block.el))
                    and sum(map(_standing, inside)) >= _standing(block) * len(inside)
                ):
                    containers += 1
                else:
                    parts += 1
            if not (containers or parts or same):
                continue
            if same >= containers + parts:
                dropped.add(id(inner) if _distinct(outer) >= _distinct(inner) else id(outer))
            else:
                dropped.add(id(outer) if containers >= parts else id(inner))
    return [g for g in groups if id(g) not in dropped]


def _shape(block: Block) -> tuple[object, ...]:
    """The component a block is built from: the headline's tag and the tag and class of
    its three nearest containers inside the block (a card: ``h3`` in ``div.card-body``
    in ``div.card``). Empty when too shallow or without a class name to tell it by."""
    anchor = block.headline.anchor if block.headline is not None else None
    if anchor is None:
        return ()
    path: list[object] = [anchor.name]
    for parent in anchor.parents:
        if parent is block.el or len(path) > 3:
            break
        path.append(signature(parent))
    if len(path) < 4 or not any(isinstance(p, tuple) and p[1] for p in path):
        return ()
    return tuple(path)


def _same_component(rejected: list[Group], accepted: list[Group]) -> list[Group]:
    """Groups built from the same card as a listing of the page are listings too: a page
    of sections whose last section links to posts elsewhere and prints no dates uses the
    component its dated sections established as an item."""
    shapes = {shape for g in accepted for b in g.items if (shape := _shape(b))}
    found = []
    for group in rejected:
        reused = [b for b in group.blocks if b.headline is not None and _shape(b) in shapes]
        if len({b.headline.url for b in reused if b.headline}) >= 2:
            group.kind, group.items = "component", reused
            found.append(group)
    return found


# A main landmark with less text than this is a theme's wrapper around a hero, not the
# page's content: listings are then looked for on the whole page.
_MAIN_TEXT = 200


def main_regions(soup: BeautifulSoup | Tag) -> list[Tag]:
    """The page's main content as it marks it (``<main>``, ``role="main"``), outermost
    first; [] when it marks none, or marks one with next to no text.

    Listings outside it are the page's furniture (a "related news" box under a static
    page, a footer's "latest posts"): every saved page of the corpus that marks its main
    content keeps all its announcements inside it."""
    found = [
        el for el in soup.find_all(True)
        if el.name == "main" or "main" in str(el.get("role") or "").lower().split()
    ]
    ids = {id(el) for el in found}
    outer = [el for el in found if not any(id(p) in ids for p in el.parents)]
    if sum(len(element_text(el)) for el in outer) < _MAIN_TEXT:
        return []
    return outer


def find_listings(soup: BeautifulSoup | Tag, ctx: ItemContext, max_items: int = 200) -> Findings:
    """Every listing on the (noise-stripped) page, and what was seen if there is none;
    ``max_items`` is the page's item limit (runs are read far enough to fill it)."""
    groups: list[Group] = []
    rejected: list[Group] = []
    findings = Findings(groups)

    @functools.cache
    def page_links() -> int:
        """Distinct links to the page's own site (only an archive candidate asks)."""
        return len({
            url for a in soup.find_all("a", href=True) if (url := ctx.url(a.get("href"))) and same_site(url, ctx.base)
        })

    for parent, elements in _sibling_groups(soup, max(MIN_BLOCKS_READ, 2 * max_items)):
        shared = _shared_urls(elements, ctx)
        group = Group(parent, [_read_block(el, ctx, shared) for el in elements])
        _context_dates(group, ctx)
        _judge(group, page_links)
        if group.kind:
            groups.append(group)
        else:
            rejected.append(group)
    groups.extend(_same_component(rejected, groups))
    mains = main_regions(soup)
    if mains:
        inside = {id(m) for m in mains}
        groups[:] = [g for g in groups if id(g.parent) in inside or any(id(p) in inside for p in g.parent.parents)]
    for group in rejected:
        if not group.kind:
            findings.candidates += len(group.blocks)
            findings.headlines += sum(1 for b in group.blocks if b.headline is not None)
            findings.dated += sum(1 for b in group.blocks if b.published)
    findings.groups = _resolve_nesting(groups)
    return findings


_PARAGRAPH = 80  # characters: a paragraph of prose, not a caption or a date line
_ARTICLE_PARAGRAPHS = 3
_ARTICLE_TEXT = 1000


def article_text(soup: BeautifulSoup | Tag, findings: Findings) -> int:
    """Characters of the page's article body, or 0 when it has none: the paragraphs of
    prose under one parent, outside every listing, when there are three or more of at
    least 80 characters and 1,000 in all. An article page lists "related" and "latest"
    teasers beside its text; those are not its announcements (docs/announcements.md)."""
    inside = {id(b.el) for g in findings.groups for b in g.items}
    text: dict[int, int] = defaultdict(int)
    count: dict[int, int] = defaultdict(int)
    for p in soup.find_all("p"):
        if any(id(parent) in inside for parent in p.parents):
            continue
        size = len(element_text(p))
        if size >= _PARAGRAPH:
            text[id(p.parent)] += size
            count[id(p.parent)] += 1
    best = max((size for key, size in text.items() if count[key] >= _ARTICLE_PARAGRAPHS), default=0)
    return best if best >= _ARTICLE_TEXT else 0


def listing_text(findings: Findings) -> int:
    return sum(len(element_text(b.el)) for g in findings.groups for b in g.items)


def listing_items(findings: Findings, order: dict[int, int]) -> list[tuple[int, Announcement]]:
    """The items of every listing, each with its position in ``order`` (document order)."""
    kept: list[tuple[int, Announcement]] = []
    for group in findings.groups:
        for block in group.items:
            assert block.headline is not None
            title = block.headline.title
            source = "article" if block.el.name == "article" else "listing"
            item = Announcement(title, block.headline.url, block.published, block_summary(block.el, title),
                                None, source)
            kept.append((order.get(id(block.el), 0), item))
    return kept
