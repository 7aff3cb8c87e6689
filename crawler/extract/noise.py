"""Page furniture that must never be read as announcements: menus, page header and
footer, cookie banners, breadcrumbs, pagination, share widgets, comment sections.

What HTML says is furniture (``nav``, an ``aside`` outside any article that features no
post, landmark roles,
a page-level ``header``/``footer``) is removed outright. Class names are weaker evidence, so
they are read as whole names, not substrings: ``c-pagination`` and ``menu-item``
are furniture, ``wpr-grid-pagination-center`` (a grid whose pager is centred) and
``paginated`` are not. And a class never removes what holds content: furniture
has no headings with links, no ``<article>``, no ``<main>``; an element that
does is the page's content, whatever it is called.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.htmltext import element_text
from crawler.extract.titles import classes, word_count

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

_NOISE_TAGS = frozenset({"nav", "aside", "menu", "dialog"})
_CHROME_TAGS = frozenset({"header", "footer"})
_NOISE_ROLES = frozenset(
    {
        "navigation", "menu", "menubar", "banner", "contentinfo", "complementary",
        "dialog", "alertdialog", "search",
    }
)
# A class or id whose first or last word is one of these names furniture.
_NOISE_WORDS = frozenset(
    {
        "nav", "navbar", "navigation", "subnav", "topnav", "menu", "menus", "submenu", "megamenu",
        "menubar", "cookie", "cookies", "cookiebar", "consent", "gdpr", "breadcrumb", "breadcrumbs",
        "pagination", "pager", "paging", "share", "sharing", "sharedaddy", "addtoany", "social",
        "socials", "skip", "comment", "comments", "commentlist", "disqus", "sidebar", "offcanvas",
    }
)
_CHROME_WORDS = frozenset({"footer", "header", "masthead", "colophon"})
# Namespace prefixes of CSS methodologies ("c-pagination", "js-menu"): not words.
_NAMESPACES = frozenset({"c", "o", "l", "u", "m", "t", "g", "js", "wp", "ui"})
# State classes ("has-sidebar", "is-menu-open", "no-js") describe the page, not the element.
_STATE_WORDS = frozenset({"has", "no", "with", "without", "is", "show", "hide"})
# Words that say which copy or which box of a thing an element is ("main-menu-mobile",
# "footer-wrapper"), not what it is: the word before them names it.
_VARIANT_WORDS = frozenset({"mobile", "desktop", "wrapper", "wrap", "container", "inner", "outer", "holder"})
# WordPress and friends put the post's categories and tags in its class list.
_TAXONOMY_CLASS = re.compile(r"^(?:category|tag|post_tag|format|type|status)-", re.IGNORECASE)
# aria-label of a menu or a pager, in the languages that write it with these letters.
_ARIA_NOISE = ("menu", "menú", "menü", "navig", "breadcrumb", "paginat", "pagina ", "fil d")
# Class names only name furniture on elements that make a region of the page. A line
# (``<p class="date-comments">``, ``<span class="comments-link">``) is part of its item:
# the date beside the comment count is the item's date.
_REGION_TAGS = frozenset({"div", "section", "ul", "ol", "dl", "li", "form", "table"})
# Header/footer elements inside these are part of the content (an article's byline, a card's date).
_CONTENT_CONTAINERS = frozenset({"article", "main", "section", "li", "td"})


def name_words(name: str) -> list[str]:
    """The words of one class or id, BEM element and modifier and namespace left out.

    >>> name_words("c-footer__inner"), name_words("wpr-grid-pagination-center"), name_words("mainNav")
    (['footer'], ['wpr', 'grid', 'pagination', 'center'], ['main', 'nav'])
    """
    block = re.split(r"__|--", name, maxsplit=1)[0]
    block = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", block)
    words = [w for w in re.split(r"[^a-z0-9]+", block.lower()) if w]
    while len(words) > 1 and words[0] in _NAMESPACES:
        words = words[1:]
    return words


# A class that names the page's main content ("page-content", "main-content", "site-content").
_MAIN_CONTENT = frozenset({"page", "main", "site", "primary"})


def _names_main_content(el: Tag) -> bool:
    """One of the element's classes says it is the page's content, whatever another
    says about its layout: ``page-content sticky-footer`` is the content that pushes the
    footer down (the sticky footer layout), not the footer.

    >>> from bs4 import BeautifulSoup as B
    >>> [_names_main_content(B(f'<div class="{c}"></div>', "lxml").div) for c in
    ...  ["page-content sticky-footer", "sticky-footer", "footer-content", "content sidebar"]]
    [True, False, False, False]
    """
    for name in classes(el):
        words = name_words(name)
        if len(words) == 2 and words[0] in _MAIN_CONTENT and words[1] == "content":
            return True
    return False


def _named_as(el: Tag, vocabulary: frozenset[str]) -> bool:
    """A class or the id whose first or last word is in ``vocabulary`` (see module
    docstring); a last word that names a copy or a box ("mobile", "wrapper") is skipped.

    >>> from bs4 import BeautifulSoup as B
    >>> [_named_as(B(f'<div class="{c}"></div>', "lxml").div, _NOISE_WORDS) for c in
    ...  ["c-pagination", "wpr-grid-pagination-center", "paginated", "menu-item", "has-navigation"]]
    [True, False, False, True, False]
    >>> [_named_as(B(f'<div id="{c}"></div>', "lxml").div, _NOISE_WORDS) for c in
    ...  ["main-menu-mobile", "sidebar-wrapper", "post-list-wrapper", "mobile"]]
    [True, True, False, False]
    """
    names = [c for c in classes(el) if not _TAXONOMY_CLASS.match(c)]
    ident = el.get("id")
    if isinstance(ident, str):
        names.append(ident)
    for name in names:
        words = name_words(name)
        while len(words) > 1 and words[-1] in _VARIANT_WORDS:
            words = words[:-1]
        if not words or words[0] in _STATE_WORDS:
            continue
        if words[0] in vocabulary or words[-1] in vocabulary:
            return True
    return False


def signature(el: Tag) -> tuple[str, str]:
    """Tag and first stable class: what repeated blocks of one listing share."""
    stable = [c for c in classes(el) if not any(ch.isdigit() for ch in c) and not _TAXONOMY_CLASS.match(c)]
    return el.name, (stable[0] if stable else "")


def _repeated(el: Tag | None, minimum: int = 3) -> bool:
    """True when ``el`` is one of ``minimum`` or more same-signature siblings (a card in a grid)."""
    if el is None or not isinstance(el.parent, Tag):
        return False
    sig = signature(el)
    siblings = (sib for sib in el.parent.children if isinstance(sib, Tag))
    return sum(1 for sib in siblings if signature(sib) == sig) >= minimum


def _is_content_chrome(el: Tag) -> bool:
    """A header/footer that belongs to an article or card rather than to the page."""
    for ancestor in el.parents:
        if not isinstance(ancestor, Tag) or ancestor.name in ("body", "html", "[document]"):
            break
        if ancestor.name in _CONTENT_CONTAINERS or ancestor.has_attr("itemscope"):
            return True
    return _repeated(el.parent) or _repeated(el.parent.parent if el.parent else None)


def _in_item(el: Tag) -> bool:
    """Inside an ``<article>`` or a schema.org item, an ``<aside>`` is the item's own (its
    date and categories line, a pull quote): WordPress themes print a post's date in
    ``article > header > aside.entry-meta``. The page's sidebar sits beside its articles."""
    return any(
        isinstance(ancestor, Tag) and (ancestor.name == "article" or ancestor.has_attr("itemscope"))
        for ancestor in el.parents
    )


def _features_a_post(el: Tag) -> bool:
    """An ``<aside>`` that opens with an ``<article>`` titled by an ``<h1>`` link is the
    page's featured post, not a sidebar: Pelican's default theme shows a listing's newest
    post in full in ``aside#featured``. A sidebar's boxes are titled lower down."""
    article = next((child for child in el.children if isinstance(child, Tag)), None)
    if article is None or article.name != "article":
        return False
    heading = article.find(HEADINGS)
    return isinstance(heading, Tag) and heading.name == "h1" and (
        heading.find("a", href=True) is not None or heading.find_parent("a", href=True) is not None
    )


def holds_content(el: Tag) -> bool:
    """Articles, the main element, or headlines (linked headings of several words): what
    furniture never holds. A menu's linked headings are labels ("About us", "Programs").

    Bounded: stops at the second headline.
    """
    if el.find(("main", "article")) is not None:
        return True
    linked = 0
    for heading in el.find_all(HEADINGS):
        link = heading.find("a", href=True) or heading.find_parent("a", href=True)
        if link is not None and word_count(element_text(heading)) >= 3:
            linked += 1
            if linked >= 2:
                return True
    return False


def noise_reason(el: Tag) -> str | None:
    """Why ``el`` is furniture ("landmark", "class"), or None when it is not."""
    if el.name in ("html", "body", "main", "[document]"):
        return None
    if el.name == "aside" and (_in_item(el) or _features_a_post(el)):
        return None
    if el.name in _NOISE_TAGS:
        return "landmark"
    if not el.attrs and el.name not in _CHROME_TAGS:  # most elements: nothing to read
        return None
    role = str(el.get("role") or "").lower().split()
    if _NOISE_ROLES.intersection(role):
        return None if holds_content(el) else "landmark"
    explicit = el.name == "article" or el.has_attr("itemscope")
    if el.name in _CHROME_TAGS:
        return None if _is_content_chrome(el) else "landmark"
    if explicit:
        return None
    aria = str(el.get("aria-label") or "").casefold()
    if aria and any(word in aria for word in _ARIA_NOISE) and el.name in ("ul", "ol", "div", "section"):
        return None if holds_content(el) else "aria"
    if el.name not in _REGION_TAGS:
        return None
    if _names_main_content(el):
        return None
    if _named_as(el, _NOISE_WORDS):
        return None if holds_content(el) else "class"
    if _named_as(el, _CHROME_WORDS) and not _is_content_chrome(el):
        return None if holds_content(el) else "class"
    return None


def noise_roots(soup: BeautifulSoup | Tag) -> list[Tag]:
    """The outermost furniture elements, top-down; nothing inside them is looked at."""
    found: list[Tag] = []
    stack = [c for c in reversed(soup.contents) if isinstance(c, Tag)]
    while stack:
        el = stack.pop()
        if noise_reason(el):
            found.append(el)
        else:
            stack.extend(c for c in reversed(el.contents) if isinstance(c, Tag))
    return found


def strip_noise(soup: BeautifulSoup) -> None:
    """Remove everything that is page furniture, so no heuristic can mistake it for news."""
    for el in noise_roots(soup):
        el.decompose()
