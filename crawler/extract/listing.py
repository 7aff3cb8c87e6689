"""The page's listings, found by how the page is built rather than how its classes are named.

A listing is a run of sibling blocks of the same kind (crawler.extract.runs), each
holding a headline link to its own detail page. Generic web-to-feed generators work
the same way (feedless, formerly rss-proxy, groups links by their DOM path and scores
the groups); this is our own take, measured on real pages (tests/fixtures/announcements).

How strong the evidence must be depends on what the blocks show (_judge):

* dated blocks (a ``<time>`` or a printed date) need a headline that is either a
  heading's link or several words of prose; a dated block built like two such items
  (same tag and first class) is one of them whatever its headline's length;
* undated blocks need structure instead: signs of an item that a menu entry or a
  service card lacks (a heading's link, a sentence, an item's own URL, a picture, a
  teaser), the more signs the fewer blocks. They are kept with ``published: None``;
* a long bare list that is the page's content is its archive;
* a page with no listing may be a page of few items (crawler.extract.fewitems), a
  page of press coverage, stories on other sites (crawler.extract.coverage), or posts
  written as sections under headings, each with its "Read more" (crawler.extract.sections);
* an ``<article>`` that stands alone, titled by a heading's link and dated, is a post
  (a featured post shown in full above the listing).

Listings above the page's title, when others follow it, are the site's masthead; the
one full teaser right above a listing is its lead story (crawler.extract.leads).

Teasers built like a listing's items but left alone outside its run, where a template's
stray end tag put them, are its items too (crawler.extract.strays).

Blocks that hold other listing blocks are containers (a year section, one big
``<article>`` around 28 press releases): their items are the inner blocks. A list
inside an item (its tags, its authors), or the parts of an item (its byline, its
teaser), are part of the item, not a listing.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.blocks import ItemContext, block_summary
from crawler.extract.candidates import Block, Group, read_block, shared_urls
from crawler.extract.coverage import coverage_items
from crawler.extract.fewitems import few_items
from crawler.extract.groupdates import context_dates
from crawler.extract.htmltext import BLOCK_TAGS, element_text
from crawler.extract.identity import Announcement, normalize_title
from crawler.extract.leads import lead_item
from crawler.extract.newsblocks import is_home, news_groups
from crawler.extract.noise import HEADINGS, signature
from crawler.extract.pagecontent import main_regions
from crawler.extract.runs import sibling_groups
from crawler.extract.sections import section_posts
from crawler.extract.strays import add_strays, headline_path, template_key
from crawler.extract.targets import same_site
from crawler.extract.titles import is_placeholder

MIN_DATED = 3  # dated blocks that make a listing
# Blocks read per run, at least: a 20,000-row table stays cheap. Runs are read up to
# twice the page's item limit (rows between items: spacers, day headers), so no item
# under the limit is lost to this cap.
MIN_BLOCKS_READ = 400


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


def _undated_items(blocks: list[Block]) -> list[Block]:
    """The blocks of an undated listing, or [] when the structure is too weak.

    Each block must show enough signs of an item (Block.evidence), the fewer blocks the
    more signs: three blocks with four signs (heading link, sentence, own URL, picture),
    four with three, five or more bare links whose URLs are items' own pages on the
    site (a press ticker), or three ``<article>`` elements each titled by a heading's
    link (the markup itself says they are posts: "Monatstreffen 2" needs no more). Links
    to other sites make a link collection, not news.
    """
    candidates = [b for b in blocks if b.headline is not None]
    best: list[Block] = []
    for minimum, needed in ((3, 4), (4, 3), (5, 2), (3, 0)):
        if needed:
            good = [b for b in candidates if b.marked and b.evidence >= needed and (needed > 2 or b.detail)]
        else:  # the markup says so: <article> elements, each titled by a heading's link
            good = [b for b in candidates if b.marked and b.el.name == "article"
                    and b.headline is not None and b.headline.linked_heading]
        urls = {b.headline.url for b in good if b.headline}
        if len(urls) >= minimum and 3 * len(good) >= 2 * len(candidates) and len(good) > len(best):
            best = good
    # A block built like the items (same tag, class and path to its headline) whose
    # headline is an item's own URL is one of them, however short its title
    # ("Veranstaltungshinweis Kleidertauschparty" among longer ones).
    builds = {template_key(b) for b in best}
    taken = {id(b.el) for b in best}
    return [b for b in candidates if id(b.el) in taken
            or (b.marked and b.detail and template_key(b) in builds)] if best else best


def _built_alike(blocks: list[Block]) -> list[Block]:
    """An undated listing without its first or last block when that one alone shares
    neither its tag and class nor its path to its headline with any other block: the
    call to action that closes a page of teasers ("More about us", to /about), not a
    teaser. Dates cannot tell it; the template can. At least three blocks stay."""
    builds = [template_key(b) for b in blocks]
    odd = [b for b, key in zip(blocks, builds, strict=True)
           if not any(k[0] == key[0] or k[1] == key[1] for k in builds if k is not key)]
    if len(odd) != 1 or odd[0] not in (blocks[0], blocks[-1]) or len(blocks) - 1 < MIN_DATED \
            or not all(key[1] for key in builds):
        return blocks
    return [b for b in blocks if b is not odd[0]]


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


# Words around a link, beyond its own, that make its paragraph a sentence that cites it.
_SENTENCE = 40


def _cited_in_prose(link: Tag) -> bool:
    """Is the link a few words of a paragraph's sentence ("le service <a>Work In France</a>
    qui dématérialise…"), not an entry of its own? Its paragraph says at least twice as
    much, and forty characters more, than all its links do."""
    line = link.parent
    while isinstance(line, Tag) and line.name not in BLOCK_TAGS:
        line = line.parent
    if not isinstance(line, Tag) or line.name != "p":
        return False
    linked = sum(len(a.get_text(strip=True)) for a in line.find_all("a"))
    outside = len(line.get_text(strip=True)) - linked
    return outside >= _SENTENCE and outside >= 2 * linked


def _one_label(blocks: list[Block]) -> bool:
    """Do most blocks' headlines read the same words ("Agenda" on every meeting row of a
    council's calendar, "Download" on every file)? Then each link names a document of a
    row, not the row: an item's headline tells it from its neighbours."""
    titles = Counter(normalize_title(b.headline.title) for b in blocks if b.headline is not None)
    most = max(titles.values(), default=0)
    return most >= MIN_DATED and 2 * most > len(blocks)


def _judge(group: Group, page_links: Callable[[], int]) -> None:
    """Sets the group's kind and items (see the module docstring)."""
    blocks = [b for b in group.blocks if b.headline is not None or b.el.get_text(strip=True)]
    with_headline = [b for b in blocks if b.headline is not None]
    if _one_label(with_headline):
        return
    # Links in the sentences of paragraphs cite pages (posts shown in full, each citing a
    # product, a release, another site): a run of them is no listing, nor a run of blocks
    # headed by them (the posts themselves, shown in full).
    cited = sum(_cited_in_prose(anchor) for b in with_headline
                if b.headline is not None and (anchor := b.headline.anchor) is not None and anchor.name == "a")
    if with_headline and 2 * cited > len(with_headline):
        return
    urls = {b.headline.url for b in with_headline if b.headline}
    # Blocks of a listing lead to pages of their own; blocks that lead two by two to the
    # same page are the parts of its items (a card's picture link and text link).
    if len(urls) < MIN_DATED or 2 * len(with_headline) < len(blocks) or 3 * len(urls) < 2 * len(with_headline):
        return
    strong = [b for b in with_headline if b.item_like]
    # A day and month printed without the year ("4月28日" in the <dt> before each <dd>)
    # ties an item to a day as a date does, though only null can be stored.
    kinds = {signature(b.el) for b in strong if b.published or b.day_month}
    # A dated block built like the dated items (same tag and first class) is one of them
    # even when its headline is short: "République Numérique" between two longer titles.
    # Two items must show it by themselves.
    alike = {id(b.el) for b in with_headline if (b.published or b.day_month) and signature(b.el) in kinds}
    dated = [b for b in with_headline if (b.published or b.day_month) and (b.item_like or id(b.el) in alike)]
    listed = [b for b in with_headline if b.item_like or id(b.el) in alike]
    if len(dated) >= MIN_DATED and sum(b.item_like for b in dated) >= 2 and 2 * len(dated) >= len(listed):
        # An undated block belongs if it is built like the dated ones (same first class):
        # a news item whose date is missing, not the service card after the news.
        group.kind, group.items = "dated", [b for b in listed if b.published or b.day_month or signature(b.el) in kinds]
        return
    undated = _undated_items(with_headline)
    if undated:
        group.kind, group.items = "structured", _built_alike(undated)
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
    * An outer block holds several inner blocks that look as much like items as it does
      (_standing), and its headline is one of theirs or they are most of its text: a
      container (a year section whose first linked heading is its first item's, a
      "Press releases" box around its list); the inner level wins.
    * Otherwise the inner blocks are parts of an item (its tags, its files; the byline,
      teaser and comment line every post repeats, which lead to the post but show less
      of an item than the post): the outer level wins.
    """
    ancestors = {
        id(block.el): {id(p) for p in block.el.parents} for group in groups for block in group.items
    }
    dropped: set[int] = set()
    for outer in groups:
        for inner in groups:
            if inner is outer or id(inner) in dropped or id(outer) in dropped:
                continue
            containers = parts = same = free = 0
            holders: set[int] = set()
            for block in outer.items:
                inside = [i for i in inner.items if id(block.el) in ancestors[id(i.el)]]
                if not inside:
                    free += 1
                    continue
                url = block.headline.url if block.headline else None
                if len(inside) == 1:
                    same += 1
                elif 3 * sum(_standing(i) >= _standing(block) for i in inside) >= 2 * len(inside) and (
                    any(i.headline is not None and i.headline.url == url for i in inside)
                    or 2 * sum(len(element_text(i.el)) for i in inside) >= len(element_text(block.el))
                ):
                    containers += 1
                    holders.add(id(block.el))
                else:
                    parts += 1
            if not (containers or parts or same):
                continue
            if same >= containers + parts:
                dropped.add(id(inner) if _distinct(outer) >= _distinct(inner) else id(outer))
            elif containers >= parts and not parts and not same and free >= MIN_DATED:
                # One block of a column wraps another listing (the site's own news box
                # beside its posts elsewhere): that block is a container, the others
                # stay items of their own.
                outer.items = [b for b in outer.items if id(b.el) not in holders]
            else:
                dropped.add(id(outer) if containers >= parts else id(inner))
    return [g for g in groups if id(g) not in dropped]


def _shape(block: Block) -> tuple[object, ...]:
    """The component a block is built from: the headline's tag and the tag and class of
    its three nearest containers inside the block (a card: ``h3`` in ``div.card-body``
    in ``div.card``). Empty when too shallow or without a class name to tell it by."""
    path = headline_path(block)[0][:4]
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


def _dated_pairs(rejected: list[Group]) -> list[Group]:
    """Two dated items side by side, on a page that has a listing: a home page's second
    block ("Events": the next two) is as much the page's news as its first. Each must be
    titled by a heading's link to a page of the site of its own, and the run hold nothing
    else."""
    found = []
    for group in rejected:
        blocks = [b for b in group.blocks if b.headline is not None or b.el.get_text(strip=True)]
        pair = [b for b in blocks if b.headline is not None and b.published and b.strong_headline
                and b.own_site and b.detail]
        if len(blocks) == 2 and len(pair) == 2 and pair[0].headline.url != pair[1].headline.url:  # type: ignore[union-attr]
            group.kind, group.items = "pair", pair
            found.append(group)
    return found


def _within(groups: list[Group], mains: list[Tag]) -> list[Group]:
    """The groups inside the page's main content, when it marks one (pagecontent.main_regions)."""
    if not mains:
        return groups
    inside = {id(m) for m in mains}
    return [g for g in groups if id(g.parent) in inside or any(id(p) in inside for p in g.parent.parents)]


def _page_title(soup: BeautifulSoup | Tag) -> Tag | None:
    """The heading that names the page: its first ``<h1>`` with text that leads nowhere
    (an ``<h1>`` that links is an item's headline, a slide's or a card's)."""
    for h1 in soup.find_all("h1"):
        if h1.find("a", href=True) is None and h1.find_parent("a", href=True) is None and element_text(h1):
            return h1
    return None


def _below_title(groups: list[Group], soup: BeautifulSoup | Tag) -> list[Group]:
    """The listings from the page's title on, when some follow it: a listing above the
    title is the site's masthead (a "Don't miss" ticker every page shows above its own
    title), not what the page lists."""
    title = _page_title(soup) if len(groups) > 1 else None
    if title is None:
        return groups
    holders = {id(p) for p in title.parents}
    if any(id(b.el) in holders for g in groups for b in g.items):
        return groups  # an item's own heading, not the page's title
    after = {id(el) for el in title.next_elements if isinstance(el, Tag)}
    below = [g for g in groups if any(id(b.el) in after for b in g.items)]
    return below or groups


def _lone_articles(soup: BeautifulSoup | Tag, ctx: ItemContext, groups: list[Group], mains: list[Tag]) -> Group | None:
    """``<article>`` elements of the main content outside every listing, each titled by a
    heading's link to a page of the site and dated: posts by their own markup (a featured
    post shown in full above the others). Not articles side by side (a run: _judge has
    weighed them), nor one that holds others, nor one whose first heading is not its
    title link, nor one titled like the page (its own)."""
    taken = {id(b.el) for g in groups for b in g.items}
    found = []
    for article in [a for m in mains for a in m.find_all("article")] if mains else soup.find_all("article"):
        parent, title = article.parent, article.find(HEADINGS)
        if parent is None or len(parent.find_all("article", recursive=False)) > 1 or title is None:
            continue
        if article.find("article") is not None:
            continue
        if id(article) in taken or any(id(p) in taken for p in article.parents):
            continue
        if any(id(el) in taken for el in article.find_all(True)):
            continue
        block = read_block(article, ctx, frozenset())
        head = block.headline
        if head is None or head.anchor is not title or not (head.linked_heading and block.published and block.own_site):
            continue  # its title is its first heading: a link in an article's body titles nothing
        if normalize_title(head.title) not in normalize_title(ctx.title):
            found.append(block)
    if not found:
        return None
    return Group(mains[0] if mains else soup, found, "article", list(found))


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

    for parent, elements in sibling_groups(soup, max(MIN_BLOCKS_READ, 2 * max_items)):
        shared = shared_urls(elements, ctx)
        group = Group(parent, [read_block(el, ctx, shared) for el in elements])
        context_dates(group, ctx)
        _judge(group, page_links)
        if group.kind:
            groups.append(group)
        else:
            rejected.append(group)
    groups.extend(_same_component(rejected, groups))
    if groups:
        groups.extend(_dated_pairs(rejected))
    mains = main_regions(soup)
    groups[:] = _below_title(_within(groups, mains), soup)
    if not groups:
        few = few_items(_within(rejected, mains), mains or [soup], ctx)
        if few is None:
            few = coverage_items(_within(rejected, mains), mains or [soup], ctx)
        if few is None:
            few = section_posts(mains or [soup], ctx)
        if few is not None:
            groups.append(few)
    for group in rejected:
        if not group.kind:
            findings.candidates += len(group.blocks)
            findings.headlines += sum(1 for b in group.blocks if b.headline is not None)
            findings.dated += sum(1 for b in group.blocks if b.published)
    findings.groups = news_groups(_resolve_nesting(groups), soup, ctx.base, home=is_home(ctx))
    for region in mains or [soup]:
        add_strays(findings.groups, region, ctx)
    stop = {id(m) for m in mains}
    for group in findings.groups:
        lead = lead_item(group, ctx, stop)
        if lead is not None:
            group.items.insert(0, lead)
    lone = _lone_articles(soup, ctx, findings.groups, mains)
    if lone is not None:
        findings.groups.append(lone)
    return findings


def listing_text(findings: Findings) -> int:
    """Characters of text in the listings' items (to weigh them against an article body)."""
    return sum(len(element_text(b.el)) for g in findings.groups for b in g.items)


def listing_items(findings: Findings, order: dict[int, int]) -> list[tuple[int, Announcement]]:
    """The items of every listing, each with its position in ``order`` (document order);
    a template's placeholder item is none (titles.is_placeholder)."""
    kept: list[tuple[int, Announcement]] = []
    for group in findings.groups:
        for block in group.items:
            assert block.headline is not None
            title = block.headline.title
            source = "article" if block.el.name == "article" else "listing"
            item = Announcement(title, block.headline.url, block.published, block_summary(block.el, title),
                                None, source)
            if not is_placeholder(item.title, item.summary):
                kept.append((order.get(id(block.el), 0), item))
    return kept
