"""Recent announcements (news, posts, events) found on an HTML page.

Sites say what they published in very different ways, so extraction goes through
tiers from most to least explicit and the first tier that yields items wins:

1. CSS selectors configured for the site (nothing else is tried: a broken
   configuration should show up as "no items", not be papered over by guesses);
2. schema.org JSON-LD (crawler.extract.structured);
3. schema.org microdata;
4. the page's listings, found by their structure (crawler.extract.listing), and
   ``<article>`` blocks that stand alone with a linked heading and a date.

Tiers 3 and 4 run on the page without its furniture (crawler.extract.noise). When
nothing is found, :func:`read_announcements` says why in one line, so a status page
can tell "this site announces nothing" from "healthcrawl cannot read this page".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.blocks import (
    ItemContext,
    block_summary,
    date_of_element,
    enclosing_link,
    links,
    page_base_url,
    resolve_url,
)
from crawler.extract.dates import numeric_order, short_order
from crawler.extract.htmltext import collapse, element_text, html_to_text, parse_html, truncate
from crawler.extract.identity import (
    DEFAULT_MAX_ITEMS,
    SOURCES,
    SUMMARY_MAX,
    TITLE_MAX,
    Announcement,
    announcement_key,
    finalize,
    normalize_title,
)
from crawler.extract.listing import Findings, find_listings, listing_items, listing_text
from crawler.extract.noise import HEADINGS, strip_noise
from crawler.extract.pagecontent import article_text, main_regions
from crawler.extract.structured import jsonld_items, microdata_item, microdata_scopes
from crawler.extract.targets import page_section
from crawler.extract.titles import clean_title, label_text, looks_like_headline

__all__ = [
    "DEFAULT_MAX_ITEMS", "SOURCES", "SUMMARY_MAX", "TITLE_MAX", "Announcement", "PageAnnouncements",
    "announcement_key", "clean_title", "collapse", "element_text", "extract_announcements", "finalize",
    "html_to_text", "label_text", "normalize_title", "page_base_url", "parse_html", "read_announcements",
    "resolve_url", "truncate",
]

log = logging.getLogger(__name__)

MIN_LISTED = 3  # items of a listing that overrules the page's JSON-LD claim to be one article


@dataclass(frozen=True)
class PageAnnouncements:
    """A page's announcements, and when there are none, why (one line for a person)."""

    items: list[Announcement]
    reason: str | None = None


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
    return inner if isinstance(inner, Tag) else enclosing_link(el, block)


def _selector_blocks(soup: BeautifulSoup, selectors: dict) -> list[Tag] | str:
    """The elements the item selector matches, or why there are none."""
    item_selector = selectors.get("item")
    if not isinstance(item_selector, str) or not item_selector.strip():
        return "no item selector configured"
    try:
        blocks = [b for b in soup.select(item_selector) if isinstance(b, Tag)]
    except Exception as exc:  # soupsieve: invalid selector in the site configuration
        log.warning("invalid announcement item selector %r: %s", item_selector, exc)
        return f"the item selector {item_selector!r} is not valid CSS"
    return blocks or f"the item selector {item_selector!r} matched nothing"


def _selector_items(blocks: list[Tag], selectors: dict, ctx: ItemContext) -> Iterator[Announcement]:
    for block in blocks:
        title_el = _select_one(block, selectors.get("title"))
        if selectors.get("title") and title_el is None:
            continue
        if title_el is None:
            title_el = block.find(HEADINGS) or next(
                (a for a in links(block) if looks_like_headline(label_text(a))), None
            )
        title = label_text(title_el if title_el is not None else block)
        if not title:
            continue
        if selectors.get("link"):
            link = _link_of(_select_one(block, selectors.get("link")), block)
        else:
            link = _link_of(title_el, block) or next(iter(links(block)), None)
        url = ctx.url(link.get("href")) if link is not None else None
        date_el = _select_one(block, selectors.get("date"))
        if selectors.get("date"):
            published = date_of_element(date_el, ctx) if date_el is not None else None
        else:
            time_el = block.find("time")
            published = date_of_element(time_el, ctx) if isinstance(time_el, Tag) else None
        summary = block_summary(block, title)
        yield Announcement(title, url, published, summary, None, "selectors")


def _from_selectors(soup: BeautifulSoup, selectors: dict, ctx: ItemContext) -> PageAnnouncements:
    blocks = _selector_blocks(soup, selectors)
    if isinstance(blocks, str):
        return PageAnnouncements([], blocks)
    items = list(_selector_items(blocks, selectors, ctx))
    if items:
        return PageAnnouncements(items)
    where = "title selector" if selectors.get("title") else "heading or headline link"
    return PageAnnouncements([], f"the item selector matched {len(blocks)} elements, none with a {where}")


# --------------------------------------------------------------------------- entry point


def _page_language(soup: BeautifulSoup) -> str | None:
    html = soup.find("html")
    lang = html.get("lang") if isinstance(html, Tag) else None
    return lang.strip() if isinstance(lang, str) and lang.strip() else None


def _canonical(soup: BeautifulSoup, page_url: str) -> str | None:
    """The address the page declares as its own (``<link rel="canonical">``, else ``og:url``)."""
    for el in soup.find_all(("link", "meta"), limit=200):
        rel: Any = el.get("rel") or []
        rels = rel.split() if isinstance(rel, str) else [str(r) for r in rel]
        if el.name == "link" and "canonical" in (r.lower() for r in rels):
            return resolve_url(el.get("href"), page_url)
    og = soup.find("meta", attrs={"property": "og:url"})
    return resolve_url(og.get("content"), page_url) if isinstance(og, Tag) else None


def _run_tier(name: str, produce: Callable[[], Iterable[Announcement]], page_url: str) -> list[Announcement]:
    """One tier's items; a bug or a hostile page in one tier must not cost the crawl its page."""
    try:
        return list(produce())
    except Exception:
        log.warning("announcement extraction (%s) failed on %s", name, page_url, exc_info=True)
        return []


def _one_article(what: str) -> PageAnnouncements:
    return PageAnnouncements([], f"the page is one article ({what}): its related and latest teasers are not "
                                 "announcements of this page")


def _not_the_page(items: list[Announcement], ctx: ItemContext) -> list[Announcement] | None:
    """The items that are not the page itself, or None when the page's markup describes the
    page and nothing else (one item, with the page's address or none of its own): an
    article page, which announces nothing itself."""
    if len(items) == 1 and (items[0].url is None or ctx.is_page(items[0].url)):
        return None
    return [item for item in items if not ctx.is_page(item.url)]


def _listing_is_the_page(soup: BeautifulSoup, findings: Findings) -> bool:
    """The page's listing is its content: three or more items leading to distinct pages,
    whose text is most of the page's main content (a list page, whatever its JSON-LD
    says). An article's related teasers sit beside its text, however short."""
    items = [b for g in findings.groups for b in g.items]
    if len({b.headline.url for b in items if b.headline}) < MIN_LISTED:
        return False
    ids = {id(b.el) for b in items}
    outer = [b for b in items if not any(id(p) in ids for p in b.el.parents)]
    listed = sum(len(element_text(b.el)) for b in {id(b.el): b for b in outer}.values())
    content = sum(len(element_text(m)) for m in main_regions(soup) or [soup])
    return 3 * listed >= 2 * content


def _from_structure(
    soup: BeautifulSoup, ctx: ItemContext, max_items: int, *, claimed: str | None = None
) -> PageAnnouncements:
    """Tiers 3 and 4 on the page without its furniture. ``claimed`` says what marks the
    page as one article (its JSON-LD): its listing then counts only when it is the page's
    content (a theme that writes an Article JSON-LD on its list pages too)."""
    strip_noise(soup)
    if claimed and article_text(soup, ()):
        return _one_article(claimed)  # a body of prose: no list page, and no listing to read
    items = _not_the_page([item for scope in microdata_scopes(soup) if (item := microdata_item(scope, ctx))], ctx)
    if items is None:
        return _one_article("its schema.org markup describes the page")
    if items:
        return PageAnnouncements(items)
    findings = find_listings(soup, ctx, max_items)
    body = article_text(soup, {id(block.el) for group in findings.groups for block in group.items})
    # Sections hold their text under their headings, outside the item (the heading): that
    # is no article of the page's own.
    if body and body > listing_text(findings) and not any(g.kind in ("coverage", "sections") for g in findings.groups):
        return _one_article(f"{body} characters of text")
    if claimed and (body or not _listing_is_the_page(soup, findings)):
        return _one_article(claimed)
    order = {id(el): i for i, el in enumerate(soup.find_all(True))}
    items = [item for _, item in sorted(listing_items(findings, order), key=lambda pair: pair[0])]
    return PageAnnouncements(items, None if items else _reason(findings))


def _reason(findings: Findings) -> str:
    return findings.reason()


def _as_linked(items: list[Announcement], page_links: list[str], ctx: ItemContext) -> list[Announcement]:
    """Structured data written for the host the page declares its own, when the page is
    served from another (a template's placeholder canonical, ``your-site.example.com``, a
    staging host), names an item at the path the page links to on the host it is served
    from: the address a person follows is the page's link."""
    host, declared = urlsplit(ctx.base).netloc, urlsplit(ctx.canonical or "").netloc
    if not declared or declared == host:
        return items
    own = {(parts.path.rstrip("/"), parts.query): url for url in page_links if (parts := urlsplit(url)).netloc == host}
    moved = []
    for item in items:
        parts = urlsplit(item.url or "")
        linked = own.get((parts.path.rstrip("/"), parts.query)) if parts.netloc == declared else None
        moved.append(replace(item, url=linked) if linked else item)
    return moved


def read_announcements(
    html: str | bytes,
    page_url: str,
    *,
    language: str | None,
    fetched_at: datetime,
    selectors: dict | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> PageAnnouncements:
    """Announcements on a page, from the most explicit markup available (see module
    docstring), at most ``max_items`` of them, and why there are none when there are none.

    ``language`` defaults to the page's ``<html lang>``; ``fetched_at`` anchors relative
    dates ("2 days ago") and rejects future ones.
    """
    if not html:
        return PageAnnouncements([], "the page is empty")
    try:
        soup = parse_html(html)
    except Exception:
        log.warning("unparseable HTML at %s", page_url, exc_info=True)
        return PageAnnouncements([], "the page could not be parsed as HTML")
    ctx = ItemContext(page_base_url(soup, page_url), language or _page_language(soup), fetched_at,
                      _canonical(soup, page_url), collapse(soup.title.get_text()) if soup.title else "")
    text = soup.get_text(" ")
    ctx.order, ctx.short = numeric_order(text), short_order(text, fetched_at=fetched_at)
    # Before furniture goes: the menu says whether the page heads a section or the site.
    page_links = [url for a in soup.find_all("a", href=True) if (url := ctx.url(a.get("href")))]
    ctx.section = page_section(ctx.canonical or page_url, page_links)
    if selectors:
        try:
            found = _from_selectors(soup, selectors, ctx)
        except Exception:
            log.warning("announcement extraction (selectors) failed on %s", page_url, exc_info=True)
            found = PageAnnouncements([], "the configured selectors could not be applied")
        return PageAnnouncements(finalize(found.items, max_items), found.reason)
    described = _run_tier("jsonld", lambda: jsonld_items(soup, ctx), page_url)
    items = [item for item in described if not ctx.is_page(item.url)]
    if items:
        return PageAnnouncements(finalize(_as_linked(items, page_links, ctx), max_items))
    claimed = "its JSON-LD describes the page" if described else None
    try:
        found = _from_structure(soup, ctx, max_items, claimed=claimed)
    except Exception:
        log.warning("announcement extraction (structure) failed on %s", page_url, exc_info=True)
        found = PageAnnouncements([], "the page's structure could not be read")
    return PageAnnouncements(finalize(found.items, max_items), found.reason)


def extract_announcements(
    html: str | bytes,
    page_url: str,
    *,
    language: str | None,
    fetched_at: datetime,
    selectors: dict | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> list[Announcement]:
    """The items of :func:`read_announcements`, for callers that need no reason."""
    if max_items <= 0:
        return []
    return read_announcements(html, page_url, language=language, fetched_at=fetched_at,
                              selectors=selectors, max_items=max_items).items
