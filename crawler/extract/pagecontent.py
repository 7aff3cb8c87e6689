"""The page as a whole: where it says its main content is, and whether it is one article.

Both decide which listings count: listings outside the main content are furniture, and
the "related" and "latest" teasers beside an article are not the page's announcements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.htmltext import element_text

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


_PARAGRAPH = 80  # characters: a paragraph of prose, not a caption or a date line
_ARTICLE_PARAGRAPHS = 3
_ARTICLE_TEXT = 1000


def prose(root: BeautifulSoup | Tag, skip: Collection[int] = ()) -> int:
    """Characters of the longest body of prose under ``root``: three or more paragraphs
    of at least 80 characters under one parent, outside the elements whose ids are in
    ``skip``; 0 when there is none. A teaser has a paragraph or two; an article has more."""
    text: dict[int, int] = defaultdict(int)
    count: dict[int, int] = defaultdict(int)
    for p in root.find_all("p"):
        if skip and any(id(parent) in skip for parent in p.parents):
            continue
        size = len(element_text(p))
        if size >= _PARAGRAPH:
            text[id(p.parent)] += size
            count[id(p.parent)] += 1
    return max((size for key, size in text.items() if count[key] >= _ARTICLE_PARAGRAPHS), default=0)


def article_text(soup: BeautifulSoup | Tag, listed: Collection[int]) -> int:
    """Characters of the page's article body outside its listings (``listed``: ids of
    their item blocks), or 0 when it has none: prose (see above) of 1,000 characters or
    more. An article page lists "related" and "latest" teasers beside its text; those
    are not its announcements (docs/announcements.md)."""
    body = prose(soup, listed)
    return body if body >= _ARTICLE_TEXT else 0
