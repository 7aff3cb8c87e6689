"""Announcements that pages state in schema.org markup: JSON-LD and microdata.

The most explicit evidence a page can give short of a feed: a ``NewsArticle``,
``BlogPosting`` or ``Event`` with its headline, URL and date. JSON-LD is read
through ``@graph``, ``ItemList`` and ``@id`` references, leniently (comments,
trailing commas, several objects in one script), and never fails the page.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.blocks import ItemContext, block_date, date_of_element
from crawler.extract.headlines import headline
from crawler.extract.htmltext import element_text, html_to_text, truncate
from crawler.extract.identity import SUMMARY_MAX, Announcement
from crawler.extract.titles import clean_title

_MAX_LD_NODES = 20_000


def schema_names(value: Any) -> set[str]:
    """Local schema.org type names, whatever the spelling of the vocabulary.

    >>> sorted(schema_names(["https://schema.org/NewsArticle", "schema:Event"]))
    ['event', 'newsarticle']
    """
    values = value if isinstance(value, list) else [value]
    names = set()
    for v in values:
        if isinstance(v, str) and v.strip():
            names.add(re.split(r"[/:#]", v.strip())[-1].lower())
    return names


def is_announcement_type(names: set[str]) -> bool:
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
        if is_announcement_type(schema_names(node.get("@type"))):
            yield node
            continue
        stack.extend(reversed([v for v in node.values() if isinstance(v, (dict, list))]))


def _jsonld_item(node: dict, ctx: ItemContext) -> Announcement | None:
    title = clean_title(_ld_text(node.get("headline")) or _ld_text(node.get("name")))
    if not title:
        return None
    url = None
    for key in ("url", "mainEntityOfPage", "@id"):
        url = ctx.url(_ld_url(node.get(key)))
        if url:
            break
    keys = ["datePublished", "dateCreated"]
    if any(n.endswith("event") for n in schema_names(node.get("@type"))):
        keys.append("startDate")
    keys.append("dateModified")
    published = next((p for p in (ctx.date(_ld_text(node.get(k))) for k in keys) if p), None)
    summary = truncate(_ld_text(node.get("description")) or _ld_text(node.get("abstract")), SUMMARY_MAX)
    return Announcement(title, url, published, summary, None, "jsonld")


def jsonld_items(soup: BeautifulSoup, ctx: ItemContext) -> Iterator[Announcement]:
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


def _microdata_value(el: Tag, ctx: ItemContext, *, url: bool = False) -> str:
    for attr in ("content", "datetime", "value") + (("href", "src") if url else ()):
        value = el.get(attr)
        if isinstance(value, str) and value.strip():
            return value.strip()
    if url:
        return ""
    return element_text(el)


def microdata_item(scope: Tag, ctx: ItemContext) -> Announcement | None:
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
        # Its address is where its heading leads; an item with neither is the page itself
        # (an article's own markup around its body).
        found = headline(scope, ctx)
        url = found.url if found is not None and (found.linked_heading or found.sole) else None
    date_names = ["datePublished", "dateCreated"]
    if any(n.endswith("event") for n in schema_names(str(scope.get("itemtype") or "").split())):
        date_names.append("startDate")
    date_names.append("dateModified")
    # No date property: the day the item shows, as a listing's block would give it
    # (an event's "Samstag 27 Mai 2017" beside its name).
    published = first(date_names, lambda el: date_of_element(el, ctx)) or block_date(scope, ctx, title)
    summary = first(("description", "abstract"), lambda el: truncate(_microdata_value(el, ctx), SUMMARY_MAX))
    return Announcement(title, url, published, summary or "", None, "microdata")


def microdata_scopes(soup: BeautifulSoup | Tag) -> Iterator[Tag]:
    """Microdata items of an announcement type (Article and its kinds, BlogPosting, Event)."""
    for el in soup.find_all(itemscope=True):
        itemtype = el.get("itemtype")
        if isinstance(itemtype, str) and is_announcement_type(schema_names(itemtype.split())):
            yield el
