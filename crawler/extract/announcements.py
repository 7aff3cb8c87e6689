"""Recent announcements (news, posts, events) found on an HTML page.

Sites say what they published in very different ways, so extraction goes through
tiers from most to least explicit and the first tier that yields items wins:

1. CSS selectors configured for the site (nothing else is tried: a broken
   configuration should show up as "no items", not be papered over by guesses);
2. schema.org JSON-LD;
3. schema.org microdata and ``<article>`` blocks with a heading link and a date;
4. a listing heuristic: at least three repeated sibling blocks, each with a
   headline-like link and a date.

Tiers 3 and 4 run on the page with navigation, footers, cookie banners,
breadcrumbs, pagination and share widgets removed, and require a date, so a page
that announces nothing yields ``[]`` rather than its menu.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import unicodedata
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.element import (
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)

from crawler.extract.dates import contains_date_pattern, find_date_in_text, parse_date
from crawler.extract.urls import canonicalize, is_web_url

log = logging.getLogger(__name__)

SOURCES = frozenset({"feed", "jsonld", "microdata", "article", "listing", "selectors"})
SUMMARY_MAX = 300
TITLE_MAX = 300


@dataclass(frozen=True)
class Announcement:
    """One announced item, as stored and compared across crawls."""

    title: str  # plain text, whitespace collapsed, non-empty
    url: str | None  # absolute canonical http(s) URL
    published: str | None  # "YYYY-MM-DDTHH:MM:SSZ"; None when the item carries no date
    summary: str  # plain text, at most SUMMARY_MAX characters, "" if none
    guid: str | None  # feed guid/id when known
    source: str  # one of SOURCES


# --------------------------------------------------------------------------- identity


def normalize_title(title: str) -> str:
    """Case, width and spacing variants of a title are the same announcement.

    >>> normalize_title("  Nieuw  JAARVERSLAG\\u00a02024 ")
    'nieuw jaarverslag 2024'
    """
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def announcement_key(a: Announcement) -> str:
    """Identity of an announcement across runs: URL, else feed guid, else title.

    >>> announcement_key(Announcement("T", "https://Ex.org/a?utm_source=x", None, "", "g", "feed"))
    'https://ex.org/a'
    >>> announcement_key(Announcement("Big  News", None, None, "", None, "listing"))
    'title:big news'
    """
    if a.url:
        try:
            return canonicalize(a.url)
        except ValueError:
            return a.url
    if a.guid:
        return "guid:" + a.guid.strip()
    return "title:" + normalize_title(a.title)


def finalize(items: Iterable[Announcement], max_items: int) -> list[Announcement]:
    """Drop repeats (first occurrence wins, so document order is kept) and cap the count."""
    seen: set[str] = set()
    result: list[Announcement] = []
    for item in items:
        if len(result) >= max_items:
            break
        key = announcement_key(item)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


# --------------------------------------------------------------------------- text helpers

# Zero-width characters, and the bidi embedding/override/isolate controls that could make
# scraped text display reversed or spill its direction into the report around it.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    None,
)

_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd details div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot "
    "th thead tr ul".split()
)
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "iframe", "object", "head"}
)
_SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_SPACE = object()


def parse_html(markup: str | bytes) -> BeautifulSoup:
    """BeautifulSoup with lxml, without its warning that a short text "looks like a URL":
    link texts, titles and feed summaries often do, and that is fine here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(markup, "lxml")


def collapse(text: str) -> str:
    """Whitespace runs to one space, invisible characters out.

    >>> collapse(" a\\n\\t b\\u00a0c\\u200b ")
    'a b c'
    """
    return " ".join(text.translate(_INVISIBLE).split())


def element_text(node: Tag, skip: Callable[[Tag], bool] | None = None) -> str:
    """Visible text of an element, with a space between block elements but not inside words.

    ``get_text(" ")`` would turn ``Hel<b>lo</b>`` into "Hel lo"; this does not.
    Descendant tags for which ``skip`` is true are left out. Iterative so that
    absurdly nested markup cannot exhaust the stack.
    """
    parts: list[str] = []
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if item is _SPACE:
            parts.append(" ")
        elif isinstance(item, NavigableString):
            if not isinstance(item, _SKIP_STRINGS):
                parts.append(str(item))
        elif isinstance(item, Tag) and item.name not in _SKIP_TAGS:
            if skip is not None and item is not node and skip(item):
                continue
            block = item.name in _BLOCK_TAGS
            if block:
                parts.append(" ")
                stack.append(_SPACE)
            stack.extend(reversed(item.contents))
    return collapse("".join(parts))


def html_to_text(markup: str | None) -> str:
    """Plain text of an HTML fragment (feed summaries, JSON-LD descriptions).

    >>> html_to_text("<p>Hola &amp; <b>bienvenidos</b></p><p>al blog</p>")
    'Hola & bienvenidos al blog'
    """
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        return collapse(markup)
    try:
        return element_text(parse_html(markup))
    except Exception:  # lxml refuses some control characters; fall back to the raw text
        return collapse(re.sub(r"<[^>]*>", " ", markup))


def truncate(text: str, limit: int = SUMMARY_MAX) -> str:
    """At most ``limit`` characters, cut at a word boundary, ellipsis included.

    >>> truncate("uno dos tres cuatro", 12)
    'uno dos…'
    >>> truncate("short", 12)
    'short'
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


_READ_MORE = (
    r"read\s+more|continue\s+reading|learn\s+more|more\s+info|view\s+more|see\s+more|"
    r"lire\s+la\s+suite|lire\s+plus|en\s+savoir\s+plus|voir\s+plus|"
    r"leer\s+m[aá]s|seguir\s+leyendo|ver\s+m[aá]s|saber\s+m[aá]s|"
    r"lees\s+meer|meer\s+lezen|verder\s+lezen|meer\s+info"
)
_READ_MORE_ONLY = re.compile(
    rf"^[\s»›→>…\[(]*(?:{_READ_MORE})[\s»›→>….\])]*$", re.IGNORECASE
)
# Only strip a trailing "read more" that is visibly a link label (arrow, ellipsis, bracket,
# or punctuation before it): "Why you should read more" is a legitimate title.
_READ_MORE_TAIL_MARKED = re.compile(
    rf"\s*[\[(]?(?:{_READ_MORE})\s*(?:[»›→>…\])]|\.\.\.)+\s*$", re.IGNORECASE
)
_READ_MORE_TAIL_AFTER_STOP = re.compile(
    rf"(?<=[.…!?|–—])\s*[\[(]?(?:{_READ_MORE})[\])]?\s*$", re.IGNORECASE
)
_READ_MORE_START = re.compile(rf"(?:{_READ_MORE})\b", re.IGNORECASE)
# WordPress: 'Continue reading "Post title"'.
_READ_MORE_HEAD = re.compile(rf"^\s*(?:{_READ_MORE})\s*[:–-]?\s*(?=[\"“«'‘])", re.IGNORECASE)
_DECORATION = " \t»›→←‹«>|•·–—-:"
_QUOTES = "\"“”«»'‘’ "


def clean_title(text: str) -> str:
    """A title as plain text: no "Read more" label, no arrows, bounded length.

    >>> clean_title("  Nueva sede en Madrid  Leer más »")
    'Nueva sede en Madrid'
    >>> clean_title("Rapport annuel 2024… Lire la suite")
    'Rapport annuel 2024'
    >>> clean_title('Continue reading "Spring fair"')
    'Spring fair'
    >>> clean_title("Why you should read more")
    'Why you should read more'
    >>> clean_title("→ Read more")
    ''
    """
    text = collapse(text)
    if _READ_MORE_ONLY.match(text):
        return ""
    if _READ_MORE_HEAD.match(text):
        text = _READ_MORE_HEAD.sub("", text).strip(_QUOTES)
    text = _READ_MORE_TAIL_MARKED.sub("", text)
    text = _READ_MORE_TAIL_AFTER_STOP.sub("", text)
    return truncate(text.strip(_DECORATION + "…"), TITLE_MAX)


def looks_like_headline(text: str) -> bool:
    """Several words of prose: what a news link says, unlike "Contact" or "Next ›".

    >>> looks_like_headline("Assemblée générale du club")
    True
    >>> looks_like_headline("Contact")
    False
    """
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    return 3 <= len(words) <= 40 and 12 <= len(text) <= TITLE_MAX


# --------------------------------------------------------------------------- URLs


def resolve_url(href: Any, base: str) -> str | None:
    """Absolute canonical http(s) URL for an href, or None for anything we cannot follow.

    >>> resolve_url("../news/a?utm_medium=x", "https://ex.org/fr/page")
    'https://ex.org/news/a'
    >>> resolve_url("#top", "https://ex.org/") is None
    True
    """
    if not isinstance(href, str):
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        url = urljoin(base, href)
        return canonicalize(url) if is_web_url(url) else None
    except ValueError:
        return None


def page_base_url(soup: BeautifulSoup, page_url: str) -> str:
    """Where relative links point: ``<base href>`` (itself relative to the page) or the page."""
    base = soup.find("base", href=True)
    if isinstance(base, Tag):
        try:
            candidate = urljoin(page_url, str(base["href"]).strip())
        except ValueError:
            candidate = ""
        if is_web_url(candidate):
            return candidate
    return page_url


# --------------------------------------------------------------------------- noise

_NOISE_TAGS = frozenset({"nav", "aside", "menu", "dialog"})
_CHROME_TAGS = frozenset({"header", "footer"})
_NOISE_ROLES = frozenset(
    {
        "navigation", "menu", "menubar", "banner", "contentinfo", "complementary",
        "dialog", "alertdialog", "search",
    }
)
_NOISE_TOKENS = frozenset(
    {
        "nav", "navbar", "navigation", "subnav", "topnav", "menu", "menus", "submenu", "megamenu",
        "cookie", "cookies", "consent", "gdpr", "breadcrumb", "breadcrumbs", "pagination", "pager",
        "paging", "share", "sharing", "sharedaddy", "addtoany", "social", "socials", "skip",
    }
)
_NOISE_PREFIXES = ("cookie", "breadcrumb", "paginat", "navbar", "navigation")
_CHROME_TOKENS = frozenset({"footer", "header", "masthead", "colophon"})
# WordPress and friends put the post's categories and tags in its class list.
_TAXONOMY_CLASS = re.compile(r"^(?:category|tag|post_tag|format|type|status)-", re.IGNORECASE)
# Header/footer elements inside these are part of the content (an article's byline, a card's date).
_CONTENT_CONTAINERS = frozenset({"article", "main", "section", "li", "td"})


def _tokens(value: str) -> set[str]:
    """Words of an id or class: "mainNav" and "main-nav" both give {"main", "nav"}.

    >>> sorted(_tokens("CybotCookiebotDialog c-footer__inner"))
    ['c', 'cookiebot', 'cybot', 'dialog', 'footer', 'inner']
    """
    value = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", value)
    return {t for t in re.split(r"[^a-z0-9]+", value.lower()) if t}


def _classes(el: Tag) -> list[str]:
    """An element's class names (BeautifulSoup gives a list, or a string for odd markup)."""
    classes: Any = el.get("class") or []
    return classes.split() if isinstance(classes, str) else [str(c) for c in classes]


def _attr_tokens(el: Tag) -> set[str]:
    classes = _classes(el)
    values = [c for c in classes if not _TAXONOMY_CLASS.match(c)]
    values.append(str(el.get("id") or ""))
    tokens: set[str] = set()
    for value in values:
        tokens |= _tokens(value)
    return tokens


def _signature(el: Tag) -> tuple[str, str]:
    """Tag and first stable class: what repeated blocks of one listing share.

    Later classes vary per item (ids, categories, "featured"), and so do classes with digits.
    """
    classes = _classes(el)
    stable = [
        c for c in classes if not any(ch.isdigit() for ch in c) and not _TAXONOMY_CLASS.match(c)
    ]
    return el.name, (stable[0] if stable else "")


def _repeated(el: Tag | None, minimum: int = 3) -> bool:
    """True when ``el`` is one of ``minimum`` or more same-signature siblings (a card in a grid)."""
    if el is None or not isinstance(el.parent, Tag):
        return False
    sig = _signature(el)
    siblings = (sib for sib in el.parent.children if isinstance(sib, Tag))
    return sum(1 for sib in siblings if _signature(sib) == sig) >= minimum


def _is_content_chrome(el: Tag) -> bool:
    """A header/footer that belongs to an article or card rather than to the page."""
    for ancestor in el.parents:
        if not isinstance(ancestor, Tag) or ancestor.name in ("body", "html", "[document]"):
            break
        if ancestor.name in _CONTENT_CONTAINERS or ancestor.has_attr("itemscope"):
            return True
    return _repeated(el.parent) or _repeated(el.parent.parent if el.parent else None)


def _is_noise(el: Tag) -> bool:
    """Navigation, menus, page header/footer, cookie banners, breadcrumbs, pagination, sharing."""
    if el.name in ("html", "body", "main", "[document]"):
        return False
    if el.name in _NOISE_TAGS:
        return True
    role = str(el.get("role") or "").lower().split()
    if _NOISE_ROLES.intersection(role):
        return True
    tokens = set() if el.name == "article" or el.has_attr("itemscope") else _attr_tokens(el)
    if tokens & _NOISE_TOKENS or any(t.startswith(_NOISE_PREFIXES) for t in tokens):
        return True
    if el.name in _CHROME_TAGS or tokens & _CHROME_TOKENS:
        return not _is_content_chrome(el)
    return False


def strip_noise(soup: BeautifulSoup) -> None:
    """Remove everything that is page furniture, so no heuristic can mistake it for news.

    Walks top-down and does not look inside what it removes.
    """
    doomed: list[Tag] = []
    stack = [c for c in reversed(soup.contents) if isinstance(c, Tag)]
    while stack:
        el = stack.pop()
        if _is_noise(el):
            doomed.append(el)
        else:
            stack.extend(c for c in reversed(el.contents) if isinstance(c, Tag))
    for el in doomed:
        el.decompose()


# --------------------------------------------------------------------------- shared block reading

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@dataclass
class _Context:
    base: str
    language: str | None
    fetched_at: datetime

    def date(self, text: Any) -> str | None:
        if not isinstance(text, str):
            return None
        return parse_date(text, language=self.language, fetched_at=self.fetched_at)

    def date_in(self, text: str) -> str | None:
        return find_date_in_text(text, language=self.language, fetched_at=self.fetched_at)

    def url(self, href: Any) -> str | None:
        return resolve_url(href, self.base)


def _date_of_element(el: Tag, ctx: _Context) -> str | None:
    """A date from the attributes made for machines first, then from the visible text."""
    for attr in ("datetime", "content", "data-date", "title"):
        parsed = ctx.date(el.get(attr))
        if parsed:
            return parsed
    text = element_text(el)
    return ctx.date(text) or ctx.date_in(text)


def _block_date(block: Tag, ctx: _Context, title: str) -> str | None:
    """``<time>`` in the block, else a date printed in its text (outside the title if possible)."""
    for time_el in block.find_all("time"):
        parsed = _date_of_element(time_el, ctx)
        if parsed:
            return parsed
    text = element_text(block)
    outside_title = text.replace(title, " ") if title else text
    return ctx.date_in(outside_title) or (ctx.date_in(text) if outside_title != text else None)


def _block_summary(block: Tag, title: str) -> str:
    """First paragraph that is neither the title, a date line nor a "read more" link."""
    for p in block.find_all("p"):
        text = element_text(p, skip=_is_more_link)
        if not text or len(text.split()) < 4:
            continue
        if title and title in text and len(text) < len(title) + 20:
            continue
        if len(text) <= 60 and contains_date_pattern(text):
            continue
        return truncate(text)
    return ""


def _links(block: Tag) -> list[Tag]:
    own = [block] if block.name == "a" and block.has_attr("href") else []
    return own + list(block.find_all("a", href=True))


def _is_read_more(el: Tag) -> bool:
    """A "Read more" label. Labels are small, so big subtrees are not even read."""
    if next(islice(el.descendants, 12, None), None) is not None:
        return False
    return bool(_READ_MORE_ONLY.match(element_text(el)))


_LABEL_TOKENS = frozenset({"badge", "label", "pill", "chip", "tag", "tags", "icon"})
_INLINE_TAGS = frozenset({"span", "small", "em", "i", "b", "strong", "sup", "mark"})
_HIDDEN_CLASSES = frozenset({"sr-only", "screen-reader-text", "visually-hidden", "visuallyhidden"})


def _not_title_text(el: Tag) -> bool:
    """Parts of a heading or link that are not its title: badges, icons, hidden helper
    text, "Read more"."""
    if str(el.get("aria-hidden") or "").lower() == "true":
        return True
    classes = _classes(el)
    if _HIDDEN_CLASSES.intersection(c.lower() for c in classes):
        return True
    if el.name in _INLINE_TAGS and _attr_tokens(el) & _LABEL_TOKENS:
        return True
    return _is_read_more(el)


def _is_more_link(el: Tag) -> bool:
    """A "Read more"/"Seguir leyendo …" link inside a teaser paragraph."""
    if el.name != "a" or next(islice(el.descendants, 12, None), None) is not None:
        return False
    text = element_text(el)
    return bool(_READ_MORE_ONLY.match(text) or _READ_MORE_START.match(text))


def label_text(el: Tag) -> str:
    """Title text of a heading or link, without nested badges, icons or "Read more" labels.

    >>> label_text(BeautifulSoup('<a href="/x">Open day <span>Read more</span></a>', "lxml").a)
    'Open day'
    >>> label_text(BeautifulSoup('<h2>Fair <span class="badge">New</span></h2>', "lxml").h2)
    'Fair'
    """
    return clean_title(element_text(el, skip=_not_title_text)) or clean_title(element_text(el))


def _enclosing_link(el: Tag, block: Tag) -> Tag | None:
    """A link wrapping ``el`` inside the block (a card that is one big link)."""
    outer = el.find_parent("a", href=True)
    if outer is not None and (outer is block or block in outer.parents):
        return outer
    return None


def _headline_link(block: Tag, ctx: _Context) -> tuple[str, str] | None:
    """(title, url) of a block, from the most telling link first.

    1. a heading holding (or held by) a link; 2. a link whose text reads like a headline;
    3. a heading without link, paired with the block's first followable link ("Read more").
    """
    headings = block.find_all(_HEADINGS)
    for heading in headings:
        inner = heading.find("a", href=True)
        link = inner if isinstance(inner, Tag) else _enclosing_link(heading, block)
        url = ctx.url(link.get("href")) if link is not None else None
        if url:
            title = (label_text(inner) if isinstance(inner, Tag) else "") or label_text(heading)
            if title:
                return title, url
    for link in _links(block):
        title = label_text(link)
        url = ctx.url(link.get("href"))
        if url and looks_like_headline(title):
            return title, url
    for heading in headings:
        title = label_text(heading)
        if not title:
            continue
        url = next((u for u in (ctx.url(a.get("href")) for a in _links(block)) if u), None)
        return (title, url) if url else None
    return None


# --------------------------------------------------------------------------- tier 1: selectors


def _select_one(block: Tag, selector: Any) -> Tag | None:
    if not isinstance(selector, str) or not selector.strip():
        return None
    try:
        found = block.select_one(selector)
    except Exception as exc:  # soupsieve: invalid selector in the site configuration
        log.warning("invalid announcement selector %r: %s", selector, exc)
        return None
    return found if isinstance(found, Tag) else None


def _link_of(el: Tag | None, block: Tag) -> Tag | None:
    """The link an element stands for: itself, one inside it, or one around it within the block."""
    if el is None:
        return None
    if el.name == "a" and el.has_attr("href"):
        return el
    inner = el.find("a", href=True)
    return inner if isinstance(inner, Tag) else _enclosing_link(el, block)


def _selector_items(soup: BeautifulSoup, selectors: dict, ctx: _Context) -> Iterator[Announcement]:
    item_selector = selectors.get("item")
    if not isinstance(item_selector, str) or not item_selector.strip():
        return
    try:
        blocks = soup.select(item_selector)
    except Exception as exc:  # soupsieve: invalid selector in the site configuration
        log.warning("invalid announcement item selector %r: %s", item_selector, exc)
        return
    for block in blocks:
        title_el = _select_one(block, selectors.get("title"))
        if selectors.get("title") and title_el is None:
            continue
        if title_el is None:
            title_el = block.find(_HEADINGS) or next(
                (a for a in _links(block) if looks_like_headline(label_text(a))), None
            )
        title = label_text(title_el if title_el is not None else block)
        if not title:
            continue
        if selectors.get("link"):
            link = _link_of(_select_one(block, selectors.get("link")), block)
        else:
            link = _link_of(title_el, block) or next(iter(_links(block)), None)
        url = ctx.url(link.get("href")) if link is not None else None
        date_el = _select_one(block, selectors.get("date"))
        if selectors.get("date"):
            published = _date_of_element(date_el, ctx) if date_el is not None else None
        else:
            time_el = block.find("time")
            published = _date_of_element(time_el, ctx) if isinstance(time_el, Tag) else None
        summary = _block_summary(block, title)
        yield Announcement(title, url, published, summary, None, "selectors")


# --------------------------------------------------------------------------- tier 2: JSON-LD

_MAX_LD_NODES = 20_000


def _schema_names(value: Any) -> set[str]:
    """Local schema.org type names, whatever the spelling of the vocabulary.

    >>> sorted(_schema_names(["https://schema.org/NewsArticle", "schema:Event"]))
    ['event', 'newsarticle']
    """
    values = value if isinstance(value, list) else [value]
    names = set()
    for v in values:
        if isinstance(v, str) and v.strip():
            names.add(re.split(r"[/:#]", v.strip())[-1].lower())
    return names


def _is_announcement_type(names: set[str]) -> bool:
    """Article and its subtypes, blog posts, events: the things a site announces."""
    return any(
        n.endswith(("article", "event")) or n in ("blogposting", "liveblogposting") for n in names
    )


def loads_lenient(text: str) -> Any:
    """JSON as found in the wild: HTML comments, CDATA wrappers, trailing commas, several objects.

    >>> loads_lenient('<!-- {"a": [1, 2,],} -->')
    {'a': [1, 2]}
    >>> loads_lenient("not json") is None
    True
    """
    text = text.strip()
    text = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", text)
    text = re.sub(r"^\s*<!--|-->\s*$", "", text).strip().rstrip(";")
    for candidate in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            return json.loads(candidate, strict=False)
        except ValueError:
            pass
    # Several JSON values one after the other.
    decoder, values, pos = json.JSONDecoder(strict=False), [], 0
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n,;":
            pos += 1
        if pos >= len(text):
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except ValueError:
            break
        values.append(value)
    return values or None


def _ld_text(value: Any) -> str:
    """Text of a JSON-LD value that may be a string, a language-tagged object or a list."""
    if isinstance(value, list):
        return next((t for t in map(_ld_text, value) if t), "")
    if isinstance(value, dict):
        return _ld_text(value.get("@value") or value.get("name") or "")
    if isinstance(value, str):
        return html_to_text(value)
    return ""


def _ld_url(value: Any) -> Any:
    if isinstance(value, list):
        return next((u for u in map(_ld_url, value) if u), None)
    if isinstance(value, dict):
        return value.get("url") or value.get("@id")
    return value if isinstance(value, str) else None


def _walk_jsonld(roots: list[Any]) -> Iterator[dict]:
    """Announcement-typed nodes in document order, through @graph, ItemList and any nesting.

    Nodes that are only {"@id": ...} references are looked up among the others.
    """
    by_id: dict[str, dict] = {}
    budget = _MAX_LD_NODES
    stack: list[Any] = list(reversed(roots))
    while stack and budget:  # first pass: index nodes by @id
        node = stack.pop()
        budget -= 1
        if isinstance(node, dict):
            if isinstance(node.get("@id"), str) and len(node) > 1:
                by_id.setdefault(node["@id"], node)
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    budget = _MAX_LD_NODES
    visited: set[int] = set()  # references can make cycles
    stack = list(reversed(roots))
    while stack and budget:
        node = stack.pop()
        budget -= 1
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        if set(node) == {"@id"} and isinstance(node["@id"], str):
            node = by_id.get(node["@id"], node)
        if id(node) in visited:
            continue
        visited.add(id(node))
        if _is_announcement_type(_schema_names(node.get("@type"))):
            yield node
            continue
        stack.extend(reversed([v for v in node.values() if isinstance(v, (dict, list))]))


def _jsonld_item(node: dict, ctx: _Context) -> Announcement | None:
    title = clean_title(_ld_text(node.get("headline")) or _ld_text(node.get("name")))
    if not title:
        return None
    url = None
    for key in ("url", "mainEntityOfPage", "@id"):
        url = ctx.url(_ld_url(node.get(key)))
        if url:
            break
    keys = ["datePublished", "dateCreated"]
    if any(n.endswith("event") for n in _schema_names(node.get("@type"))):
        keys.append("startDate")
    keys.append("dateModified")
    published = next((p for p in (ctx.date(_ld_text(node.get(k))) for k in keys) if p), None)
    summary = truncate(_ld_text(node.get("description")) or _ld_text(node.get("abstract")))
    return Announcement(title, url, published, summary, None, "jsonld")


def _jsonld_items(soup: BeautifulSoup, ctx: _Context) -> Iterator[Announcement]:
    roots = []
    for script in soup.find_all("script"):
        kind = str(script.get("type") or "").split(";")[0].strip().lower()
        if kind == "application/ld+json":
            data = loads_lenient(script.string or script.get_text() or "")
            if data is not None:
                roots.append(data)
    for node in _walk_jsonld(roots):
        item = _jsonld_item(node, ctx)
        if item:
            yield item


# ------------------------------------------------------------- tier 3: microdata and <article>


def _microdata_props(scope: Tag) -> dict[str, list[Tag]]:
    """itemprop elements of one item, not those of items nested inside it (an author, a place)."""
    props: dict[str, list[Tag]] = defaultdict(list)
    stack = list(reversed([c for c in scope.children if isinstance(c, Tag)]))
    while stack:
        el = stack.pop()
        for name in str(el.get("itemprop") or "").split():
            props[name].append(el)
        if not el.has_attr("itemscope"):
            stack.extend(reversed([c for c in el.children if isinstance(c, Tag)]))
    return props


def _microdata_value(el: Tag, ctx: _Context, *, url: bool = False) -> str:
    for attr in ("content", "datetime", "value") + (("href", "src") if url else ()):
        value = el.get(attr)
        if isinstance(value, str) and value.strip():
            return value.strip()
    if url:
        return ""
    return element_text(el)


def _microdata_item(scope: Tag, ctx: _Context) -> Announcement | None:
    props = _microdata_props(scope)

    def first(names: Iterable[str], convert: Callable[[Tag], Any]) -> Any:
        for name in names:
            for el in props.get(name, []):
                value = convert(el)
                if value:
                    return value
        return None

    title = first(("headline", "name"), lambda el: clean_title(_microdata_value(el, ctx)))
    if not title:
        return None
    url = first(
        ("url", "mainEntityOfPage"), lambda el: ctx.url(_microdata_value(el, ctx, url=True))
    )
    if url is None:
        found = _headline_link(scope, ctx)
        url = found[1] if found else None
    date_names = ["datePublished", "dateCreated"]
    if any(n.endswith("event") for n in _schema_names(str(scope.get("itemtype") or "").split())):
        date_names.append("startDate")
    date_names.append("dateModified")
    published = first(date_names, lambda el: _date_of_element(el, ctx))
    summary = first(("description", "abstract"), lambda el: truncate(_microdata_value(el, ctx)))
    return Announcement(title, url, published, summary or "", None, "microdata")


def _article_item(article: Tag, ctx: _Context) -> Announcement | None:
    found = _headline_link(article, ctx)
    if not found:
        return None
    title, url = found
    published = _block_date(article, ctx, title)
    if published is None:  # an <article> without a date is as likely a card about a service
        return None
    return Announcement(title, url, published, _block_summary(article, title), None, "article")


def _structured_items(soup: BeautifulSoup, ctx: _Context) -> Iterator[Announcement]:
    for el in soup.find_all(True):
        item = None
        itemtype = el.get("itemtype")
        if el.has_attr("itemscope") and isinstance(itemtype, str):
            if _is_announcement_type(_schema_names(itemtype.split())):
                item = _microdata_item(el, ctx)
        if item is None and el.name == "article":
            item = _article_item(el, ctx)
        if item is not None:
            yield item


# --------------------------------------------------------------- tier 4: listing heuristic

_MIN_REPEATS = 3
# Judging a listing by its first blocks is enough, and keeps a 20,000-row table cheap.
_MAX_BLOCKS_PER_GROUP = 200


def _listing_block(block: Tag, ctx: _Context) -> Announcement | None:
    found = _headline_link(block, ctx)
    if not found or not looks_like_headline(found[0]):
        return None
    title, url = found
    published = _block_date(block, ctx, title)
    if published is None:
        return None
    return Announcement(title, url, published, _block_summary(block, title), None, "listing")


def _listing_items(soup: BeautifulSoup, ctx: _Context) -> list[Announcement]:
    """Items of repeated sibling blocks; when listings nest, the innermost one wins."""
    groups: list[list[tuple[Tag, Announcement]]] = []
    for parent in soup.find_all(True):
        by_signature: dict[tuple[str, str], list[Tag]] = defaultdict(list)
        for child in parent.children:
            if isinstance(child, Tag):
                by_signature[_signature(child)].append(child)
        for blocks in by_signature.values():
            if len(blocks) < _MIN_REPEATS:
                continue
            blocks = blocks[:_MAX_BLOCKS_PER_GROUP]
            found = [(b, item) for b in blocks if (item := _listing_block(b, ctx)) is not None]
            if len(found) >= _MIN_REPEATS and 2 * len(found) >= len(blocks):
                groups.append(found)
    # Drop a group whose blocks contain another group's blocks (a section per year holding items).
    holders: set[int] = set()
    for group in groups:
        for block, _ in group:
            holders.update(id(p) for p in block.parents)
    order = {id(el): i for i, el in enumerate(soup.find_all(True))}
    kept = [
        (order.get(id(block), 0), item)
        for group in groups
        if not any(id(block) in holders for block, _ in group)
        for block, item in group
    ]
    return [item for _, item in sorted(kept, key=lambda pair: pair[0])]


# --------------------------------------------------------------------------- entry point


def _page_language(soup: BeautifulSoup) -> str | None:
    html = soup.find("html")
    lang = html.get("lang") if isinstance(html, Tag) else None
    return lang.strip() if isinstance(lang, str) and lang.strip() else None


def _stripped(soup: BeautifulSoup) -> list[Announcement]:
    """strip_noise as a tier: it yields nothing, it only prepares the page for the next."""
    strip_noise(soup)
    return []


def _run_tier(
    name: str, produce: Callable[[], Iterable[Announcement]], page_url: str
) -> list[Announcement]:
    """One tier's items; a bug or a hostile page in one tier must not cost the crawl its page."""
    try:
        return list(produce())
    except Exception:
        log.warning("announcement extraction (%s) failed on %s", name, page_url, exc_info=True)
        return []


def extract_announcements(
    html: str | bytes,
    page_url: str,
    *,
    language: str | None,
    fetched_at: datetime,
    selectors: dict | None = None,
    max_items: int = 50,
) -> list[Announcement]:
    """Announcements on a page, from the most explicit markup available (see module docstring).

    ``language`` defaults to the page's ``<html lang>``; ``fetched_at`` anchors relative
    dates ("2 days ago") and rejects future ones.
    """
    if not html or max_items <= 0:
        return []
    try:
        soup = parse_html(html)
    except Exception:
        log.warning("unparseable HTML at %s", page_url, exc_info=True)
        return []
    ctx = _Context(page_base_url(soup, page_url), language or _page_language(soup), fetched_at)
    if selectors:
        items = _run_tier("selectors", lambda: _selector_items(soup, selectors, ctx), page_url)
        return finalize(items, max_items)
    items = _run_tier("jsonld", lambda: _jsonld_items(soup, ctx), page_url)
    if items:
        return finalize(items, max_items)
    _run_tier("noise", lambda: _stripped(soup), page_url)
    for name, tier in (("structured", _structured_items), ("listing", _listing_items)):
        items = _run_tier(name, functools.partial(tier, soup, ctx), page_url)
        if items:
            return finalize(items, max_items)
    return []
