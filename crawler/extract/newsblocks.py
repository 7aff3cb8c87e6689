"""Which of a page's listings are its news: on an organisation's home page, the news and
events blocks, not every repeated block of links beside them.

A home page repeats many blocks built like teasers: its services ("Apply", "Pay"), its
topics, its campaigns, its partners, its publications, a tweet widget. Each can look as
much like a listing as the news does (a heading's link, a picture, a sentence). What a
person reads as the news block says so in words, in the page's language: a heading above
it ("News", "Actualités", "Press releases", "Agenda"), an "all news" link beside it
("All Stories", "Toutes les actualités"), or items that all lead below one news section
of the site (``/news/article/…``, ``/que-fem/noticies/…``); a listing whose items lead
into the same folder as a news block's (``/item/show/…`` twice) is news too. When some
listing of a home page shows one of these signs, the listings that show none are left
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
    """Document positions of the page's elements, computed once for every listing."""

    def __init__(self, soup: BeautifulSoup | Tag, groups: list[Group]) -> None:
        elements = soup.find_all(True)
        self.order = {id(el): i for i, el in enumerate(elements)}
        self.elements = elements
        # (start, end, group) of every item: an item's descendants follow it in order
        self.spans = sorted(
            (self.order[id(b.el)], self.order[id(b.el)] + len(b.el.find_all(True)), id(g))
            for g in groups for b in g.items if id(b.el) in self.order
        )

    def between(self, start: int, end: int, group: Group, skip: int = -1) -> bool:
        """Does an item of another listing than ``group`` start between two positions
        (not the item at ``skip``, the position of a label link's own block)?"""
        return any(start < s < end and gid != id(group) and not (s <= skip <= e) for s, e, gid in self.spans)


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
            not page.between(page.order[id(heading)], first, group):
        return True
    for at in (*range(low, first), *range(last + 1, high + 1)):
        if at >= len(page.elements):
            break
        el = page.elements[at]
        if el.name == "a" and el.has_attr("href") and _is_label_link(el):
            if at < first and not page.between(at, first, group, at):
                return True
            if at > last and not page.between(last, at, group, at):
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


def news_groups(groups: list[Group], soup: BeautifulSoup | Tag, base: str, *, home: bool) -> list[Group]:
    """The listings of a home page that show a sign of news, when some do; else all."""
    if not home or len(groups) < 2:
        return groups
    page = _Page(soup, groups)
    news = [g for g in groups if _mostly(g.items, lambda url: _leads_below_news(url, base)) or _labelled(g, page)]
    if not news:
        return groups
    folders = {_folder(b.headline.url) for g in news for b in g.items if b.headline is not None}
    return [g for g in groups if g in news or _mostly(g.items, lambda url: _folder(url) in folders)]
