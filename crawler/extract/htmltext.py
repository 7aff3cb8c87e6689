"""Visible text of HTML elements, with the word boundaries a reader sees.

Listings print a date and the next thing side by side in separate elements
(``<span>febrero 28, 2024</span><span>0 Comments</span>``); gluing their text
gives "20240Comments", and no date is read. Inside a word, formatting tags
(``Hel<b>lo</b>``) must not add a space either. So: block elements always
separate, formatting tags never do, and every other element separates only
where two letters or digits would otherwise touch.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.element import (
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)

# Zero-width characters, and the bidi embedding/override/isolate controls that could make
# scraped text display reversed or spill its direction into the report around it.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    None,
)

BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd details div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot "
    "th thead tr ul".split()
)
# Formatting that can sit inside a word ("Hel<b>lo</b>", "m<sup>2</sup>").
GLUE_TAGS = frozenset(
    "abbr b bdi bdo big code del dfn em font i ins kbd mark q s samp small strong sub sup tt u var wbr".split()
)
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object", "head"})
_SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_HARD = object()  # a space, always
_SOFT = object()  # a space only between two letters or digits


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


def _join(parts: list[Any], hard: str = " ") -> str:
    """Text pieces and boundary markers to one string (see the module docstring); block
    boundaries become ``hard``."""
    out: list[str] = []
    pending: Any = None
    last = ""
    for part in parts:
        if part is _HARD:
            pending = _HARD
        elif part is _SOFT:
            pending = pending or _SOFT
        elif part:
            if pending is _HARD:
                out.append(hard)
            elif pending is _SOFT and last.isalnum() and part[0].isalnum():
                out.append(" ")
            out.append(part)
            last = part[-1]
            pending = None
    return "".join(out)


def element_text(node: Tag, skip: Callable[[Tag], bool] | None = None) -> str:
    """Visible text of an element, with the word boundaries a reader sees.

    >>> from bs4 import BeautifulSoup as B
    >>> element_text(B("<p><span>febrero 28, 2024</span><span>0 Comments</span></p>", "lxml").p)
    'febrero 28, 2024 0 Comments'
    >>> element_text(B("<p>Hel<b>lo</b> <a>world</a>.</p>", "lxml").p)
    'Hello world.'

    Descendant tags for which ``skip`` is true are left out. Iterative so that
    absurdly nested markup cannot exhaust the stack.
    """
    return collapse(_join(_parts(node, skip)))


def lines(node: Tag) -> list[str]:
    """The element's text as a reader sees it laid out: one string per line (block).

    >>> from bs4 import BeautifulSoup as B
    >>> lines(B("<a><div><img></div><div><b>Frohe</b> Weihnachten</div><time>24. Dezember</time></a>", "lxml").a)
    ['Frohe Weihnachten', '24. Dezember']

    A line break in the source is a space, as a browser shows it (a template that writes
    "21", "Dicembre" and "2021" on lines of their own prints one date): only elements break
    lines.

    >>> lines(B("<a><div>21\\n\\nDicembre\\n2021</div><div>Bollette</div></a>", "lxml").a)
    ['21 Dicembre 2021', 'Bollette']
    """
    parts = [part.replace("\n", " ").replace("\r", " ") if isinstance(part, str) else part
             for part in _parts(node, None)]
    return [line for raw in _join(parts, hard="\n").split("\n") if (line := collapse(raw))]


def _parts(node: Tag, skip: Callable[[Tag], bool] | None) -> list[Any]:
    """Text pieces and boundary markers of an element, in reading order."""
    parts: list[Any] = []
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if item is _HARD or item is _SOFT:
            parts.append(item)
        elif isinstance(item, NavigableString):
            if not isinstance(item, _SKIP_STRINGS):
                parts.append(str(item))
        elif isinstance(item, Tag) and item.name not in SKIP_TAGS:
            if skip is not None and item is not node and skip(item):
                continue
            if item.name in GLUE_TAGS:
                stack.extend(reversed(item.contents))
                continue
            boundary = _HARD if item.name in BLOCK_TAGS else _SOFT
            parts.append(boundary)
            stack.append(boundary)
            stack.extend(reversed(item.contents))
    return parts


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


def truncate(text: str, limit: int) -> str:
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
