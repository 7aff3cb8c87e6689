"""Which of a page's listings are its news: on an organisation's home page, the news and
events blocks, not every repeated block of links beside them.

A home page repeats many blocks built like teasers: its services ("Apply", "Pay"), its
topics, its campaigns, its partners, its publications, a tweet widget. Each can look as
much like a listing as the news does (a heading's link, a picture, a sentence). What a
person reads as the news block says so in words, in the page's language: a heading above
it ("News", "Actualités", "Press releases", "Agenda"), an "all news" link beside it
("All Stories", "Toutes les actualités"), or items that all lead below one news section
of the site (``/news/article/…``, ``/que-fem/noticies/…``); a listing whose items lead
into the same folder as a news block's (``/item/show/…`` twice) is news too. A link
inside an item that is not its headline (a card's "News and updates" category tag) names
that item, not a block. One run that a theme's grid joins across two blocks ("Get
involved", then "Latest stories") is judged per heading its items sit under. When some
listing (or part) of a home page shows one of these signs, those that show none are left
out; when none does, all stay. A page that heads a section of its site (``/news/``) is a
listing page: all its listings stay, so its only listing is never dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.blocks import ItemContext
from crawler.extract.candidates import Block, Group
from crawler.extract.htmltext import element_text
from crawler.extract.noise import HEADINGS
from crawler.extract.targets import folded_words, same_site

# Words that name a news, events or press section, folded to ASCII (targets.folded_words),
# in the seed's languages and those of the corpus. Not "latest", "media" or
# "publications": "Latest publications" and "In the media" head other blocks.
NEWS_WORDS = frozenset({
    # en
    "news", "newsroom", "stories", "press", "releases", "events", "blog", "posts", "updates",
    "announcements", "whats",
    # es, pt, ca, gl
    "noticias", "noticia", "novedades", "eventos", "agenda", "prensa", "comunicados", "actualidad",
    "novidades", "imprensa", "noticies", "actualitat", "premsa", "esdeveniments", "comunicats",
    # fr
    "actualites", "actualite", "actus", "actu", "evenements", "presse", "communiques", "nouvelles",
    "breves",
    # de
    "aktuelles", "aktuell", "neuigkeiten", "nachrichten", "meldungen", "pressemitteilungen",
    "pressemeldungen", "mitteilungen", "termine", "veranstaltungen",
    # nl
    "nieuws", "actueel", "actualiteiten", "evenementen", "persberichten", "pers", "berichten",
    # it
    "notizie", "eventi", "comunicati", "stampa", "novita", "avvisi", "appuntamenti",
    # pl, nb/sv/da, fi, id, cs, ro
    "aktualnosci", "wydarzenia", "nyheter", "nyheder", "uutiset", "berita", "aktuality", "stiri",
})
_LEVELS = 4  # how far above a listing its heading or its "all news" link may sit
_LABEL_WORDS = 5  # an "all news" link is a few words ("Voir toutes les actualités")
_HEADED_ITEMS = frozenset({"sections", "coverage"})  # kinds whose items are a heading's section


def names_news(text: str) -> bool:
    """Does the text name a news, events or press section?

    >>> names_news("Actualités"), names_news("Press Releases"), names_news("Our services")
    (True, True, False)
    """
    return any(w in NEWS_WORDS for w in folded_words(text))


def _leads_below_news(url: str, base: str) -> bool:
    """Is the URL a page of the site inside a folder that names news (``/news/x``)?"""
    if not same_site(url, base):
        return False
    folders = [unquote(s) for s in urlsplit(url).path.split("/") if s][:-1]
    return any(names_news(folder) for folder in folders)


def _is_label_link(a: Tag) -> bool:
    """A short link that names news ("All Stories", "Plus d'actualités")."""
    text = element_text(a)
    return bool(text) and len(text.split()) <= _LABEL_WORDS and names_news(text)


class _Page:
    """Document positions of the page's elements and of its listings' items, computed
    once for every listing."""

    def __init__(self, soup: BeautifulSoup | Tag, groups: list[Group]) -> None:
        elements = soup.find_all(True)
        self.order = {id(el): i for i, el in enumerate(elements)}
        self.elements = elements
        self.blocks = {id(b.el): b for g in groups for b in g.items}
        # (start, end, item id) of every item: an item's descendants follow it in order
        self.spans = sorted(
            (self.order[key], self.order[key] + len(b.el.find_all(True)), key)
            for key, b in self.blocks.items() if key in self.order
        )

    def headings_above(self) -> dict[int, int | None]:
        """Each item's nearest earlier heading that is no item's own (its id), in one pass."""
        ends = {start: (end, key) for start, end, key in self.spans}
        above: dict[int, int | None] = {}
        last: int | None = None
        inside_until = -1
        for at, el in enumerate(self.elements):
            if at in ends:
                end, key = ends[at]
                above[key] = last
                inside_until = max(inside_until, end)
            elif at > inside_until and el.name in HEADINGS:
                last = id(el)
        return above

    def tags_an_item(self, link: Tag) -> bool:
        """Is the link part of an item other than its headline (a card's "News and
        updates" category tag)? Then it names that item's category, not a block."""
        for parent in link.parents:
            block = self.blocks.get(id(parent))
            if block is not None:
                return block.headline is None or block.headline.anchor is not link
        return False

    def between(self, start: int, end: int, own: set[int], skip: int = -1) -> bool:
        """Does an item other than the listing's ``own`` start between two positions
        (not the item at ``skip``, the position of a label link's own block)?"""
        return any(start < s < end and key not in own and not (s <= skip <= e) for s, e, key in self.spans)


def _region(group: Group) -> Tag:
    region = group.parent
    for _ in range(_LEVELS):
        if not isinstance(region.parent, Tag) or region.parent.name in ("body", "html", "[document]"):
            break
        region = region.parent
    return region


def _labelled(group: Group, page: _Page) -> bool:
    """Is the listing headed by a heading that names news, or flanked by an "all news"
    link, with no other listing's item in between (within a few levels above it)?"""
    own = {id(b.el) for b in group.items}
    spans = [(page.order[id(b.el)], page.order[id(b.el)] + len(b.el.find_all(True)))
             for b in group.items if id(b.el) in page.order]
    if not spans:
        return False
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    region = _region(group)
    low = page.order.get(id(region), first)
    high = low + len(region.find_all(True))
    heading = next((el for el in reversed(page.elements[low:first]) if el.name in HEADINGS
                    and not any(s <= page.order[id(el)] <= e for s, e in spans)), None)
    if heading is not None and names_news(element_text(heading)) and \
            not page.between(page.order[id(heading)], first, own):
        return True
    for at in (*range(low, first), *range(last + 1, high + 1)):
        if at >= len(page.elements):
            break
        el = page.elements[at]
        if el.name == "a" and el.has_attr("href") and not page.tags_an_item(el) and _is_label_link(el):
            if at < first and not page.between(at, first, own, at):
                return True
            if at > last and not page.between(last, at, own, at):
                return True
    return False


def _folder(url: str) -> str:
    """The URL's host and path without its last segment (``stuttgart.de/item/show``)."""
    parts = urlsplit(url)
    return (parts.hostname or "") + parts.path.rstrip("/").rpartition("/")[0]


def _mostly(items: list[Block], test: Callable[[str], bool]) -> bool:
    """Do most of the listing's headlines lead to URLs that pass the test?"""
    urls = [b.headline.url for b in items if b.headline is not None]
    return bool(urls) and 2 * sum(test(url) for url in urls) > len(urls)


def is_home(ctx: ItemContext) -> bool:
    """Is the page its site's home: it heads no section (targets.page_section), or it is
    served at the site's root whatever address it declares (``/`` declaring
    ``/unodc/en/index.html``)?"""
    return not ctx.section or not urlsplit(ctx.base).path.strip("/")


def _parts(group: Group, above: dict[int, int | None]) -> list[Group]:
    """A listing split by the headings its items sit under (``above``: each item's, by
    _Page.headings_above): a run joined across two blocks ("Get involved", then "Latest
    stories") is two blocks to a reader, judged apart. One part when every item sits under
    the same heading, and for posts written as sections, each titled by the heading above it."""
    if group.kind in _HEADED_ITEMS:
        return [group]
    by_heading: dict[int | None, Group] = {}
    for block in group.items:
        by_heading.setdefault(above.get(id(block.el)), Group(group.parent, [], group.kind)).items.append(block)
    parts = list(by_heading.values())
    if len(parts) == 1:
        return [group]
    for part in parts:  # each part's own parent: the row that holds its first item
        first = part.items[0].el.parent
        part.parent = first if isinstance(first, Tag) else group.parent
    return parts


def news_groups(groups: list[Group], soup: BeautifulSoup | Tag, base: str, *, home: bool) -> list[Group]:
    """The listings (or parts of a listing under their own headings) of a home page that
    show a sign of news, when some do; else all."""
    if not home or not groups:
        return groups
    page = _Page(soup, groups)
    above = page.headings_above()
    parts = {id(g): _parts(g, above) for g in groups}
    every = [part for g in groups for part in parts[id(g)]]
    if len(every) < 2:
        return groups
    news = [p for p in every if _mostly(p.items, lambda url: _leads_below_news(url, base)) or _labelled(p, page)]
    if not news:
        return groups
    folders = {_folder(b.headline.url) for p in news for b in p.items if b.headline is not None}
    shown = {id(p) for p in news}  # by identity: Group compares its Tags by markup, costly and position-blind
    kept = {id(p) for p in every if id(p) in shown or _mostly(p.items, lambda url: _folder(url) in folders)}
    for group in groups:
        group.items = [b for part in parts[id(group)] if id(part) in kept for b in part.items]
    return [g for g in groups if g.items]
