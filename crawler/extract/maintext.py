"""Content-change detection: a page's main text, stripped of what changes on every load.

A status page wants to say "this page changed" only when its content changed, not
because the cookie banner was reworded, the ad rotated, the footer shows today's
date or a form carries a fresh CSRF token. So:

1. :func:`main_text` keeps the page's main content (``<main>``, ``role=main`` or the
   dominant ``<article>``) without scripts, navigation, banners, ads, sidebars and
   footers, one line per block;
2. :func:`normalize_volatile` masks dates, times, "3 hours ago", session-like tokens
   and view/comment counters;
3. :func:`fingerprint` hashes the result, and :func:`change_summary` says in one
   line what changed between two texts.

Pure: HTML text or bytes in, strings out; never raises on malformed HTML.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import warnings
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from bs4.element import (
    NavigableString,
    PageElement,
    PreformattedString,
    Script,
    Stylesheet,
    TemplateString,
)

from crawler.extract.page import decode_html

__all__ = ["change_summary", "fingerprint", "main_text", "normalize_volatile"]

# Tags whose text is never content (code, styling, widgets, form chrome, media fallbacks).
NOISE_TAGS = (
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "video", "audio", "select", "button", "textarea", "head",
)
# Page furniture by element name. <header> inside an <article> or <main> is that
# section's heading (title, byline) and is kept; <footer> is dropped everywhere,
# because an article's footer holds tags, share links and "last updated" lines.
FURNITURE_TAGS = ("nav", "aside", "header", "footer")
# ARIA landmark roles that mean furniture: banner = site header, contentinfo = site footer.
FURNITURE_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "menu", "menubar", "search"}
)
# id/class words that mark furniture, in English, Spanish and French. Long words
# match anywhere in a class name ("cookiebanner", "site-footer"); short, ambiguous
# ones must be a whole word between - _ or space ("ad" must not hit "header").
# Deliberately not here: "social" alone (social-housing is content on an urban
# development site), "pub" (publication lists), "widget" (Elementor wraps every
# content block in "elementor-widget").
_ANYWHERE = (
    "cookie", "consent", "gdpr", "rgpd", "advert", "adsbygoogle", "sidebar", "breadcrumb",
    "footer", "banner", "sharing", "newsletter", "publicidad", "publicite", "anuncio",
    "ariane", "navbar", "navigation", "menu", "pie-de-pagina", "pied-de-page",
    "socialmedia", "social-media", "social-links", "social-icons", "social-share",
    "social-follow", "redes-sociales", "reseaux-sociaux", "follow-us",
)
_WHOLE_WORD = (
    "nav", "ad", "ads", "advertisement", "share", "partage", "compartir", "sponsor",
    "sponsored", "promo", "migas", "related", "popup", "modal", "toolbar", "skip",
)
# State classes on layout wrappers ("has-sidebar", "no-banner", "is-menu-open") say
# nothing about the element itself.
_STATE_PREFIX = re.compile(r"^(?:has|no|with|without|is|show|hide|js)[-_]")
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_WHOLE_WORD_SET = frozenset(_WHOLE_WORD)

BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details",
        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav", "ol",
        "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    }
)
_BREAK = "\u2029"  # paragraph separator: marks block boundaries while the text is joined
# Strings that are not page text: comments, doctype, CDATA, processing instructions
# (all PreformattedString) and the insides of script, style and template.
_NOT_TEXT = (PreformattedString, Script, Stylesheet, TemplateString)


def _furniture_name(name: str) -> bool:
    """Does one id or class value name page furniture?

    >>> [_furniture_name(n) for n in ["cookie-banner", "site-header", "ad-slot", "has-sidebar",
    ...                               "mainMenu", "bandeau-cookies", "download", "topnav"]]
    [True, False, True, False, True, True, False, True]
    """
    name = name.lower()
    if _STATE_PREFIX.match(name):
        return False
    if any(word in name for word in _ANYWHERE):
        return True
    # "nav" as a whole word or a suffix (topnav, mainnav), never a prefix (navy).
    return any(word in _WHOLE_WORD_SET or word.endswith("nav") for word in _WORD_SPLIT.split(name))


def _attr_values(tag: Tag, attr: str) -> list[str]:
    value = tag.attrs.get(attr) if tag.attrs else None
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value]


def _parse(html: str | bytes) -> BeautifulSoup:
    if isinstance(html, bytes):
        _, html = decode_html(html, None)
    # NUL and other C0 controls are not allowed in HTML; lxml may truncate at them.
    html = re.sub(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", " ", html)
    with warnings.catch_warnings():
        # Pages that look like XML or like a file name are still parsed as HTML, quietly.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        try:
            return BeautifulSoup(html, "lxml")
        except Exception:  # pragma: no cover - lxml refuses very little; be safe anyway
            return BeautifulSoup(html, "html.parser")


def _is_main(tag: Tag) -> bool:
    return tag.name == "main" or "main" in (v.lower() for v in _attr_values(tag, "role"))


def _is_text(node: PageElement) -> bool:
    """Visible text; comments, doctype, CDATA and script/style/template strings are not."""
    return isinstance(node, NavigableString) and not isinstance(node, _NOT_TEXT)


def _is_furniture(tag: Tag, in_section: bool, holds_content: set[int]) -> bool:
    """Should ``tag`` and everything below it be left out?

    ``in_section``: an ancestor is an ``<article>`` or the main content, where a
    ``<header>`` is a heading. A class or role never removes a container that holds
    the main content (``<div class="layout has-sidebar">`` around ``<main>``).
    """
    if tag.name in FURNITURE_TAGS:
        return not (tag.name == "header" and in_section)
    roles = {v.lower() for v in _attr_values(tag, "role")}
    names = _attr_values(tag, "id") + _attr_values(tag, "class")
    if not (roles & FURNITURE_ROLES) and not any(_furniture_name(n) for n in names):
        return False
    structural = tag.name in ("html", "body") or id(tag) in holds_content
    return not structural


@dataclass
class _Survey:
    """What one pass over the tree learns: text sizes and where the content is."""

    text_len: dict[int, int] = field(default_factory=dict)  # id(tag) -> visible letters below it
    holds_content: set[int] = field(default_factory=set)  # ids of tags that are/hold main, article
    mains: list[Tag] = field(default_factory=list)  # <main> and role=main
    articles: list[Tag] = field(default_factory=list)  # <article> not inside another


def _survey(soup: BeautifulSoup) -> _Survey:
    """Walk the tree once, iteratively: pages can nest elements thousands deep, and
    bs4's own search and mutation helpers get quadratic on such trees."""
    survey = _Survey()
    counts = [0]
    flags = [False]
    article_depth = 0
    stack: list[tuple[PageElement, bool]] = [(soup, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            assert isinstance(node, Tag)
            letters, holds = counts.pop(), flags.pop()
            survey.text_len[id(node)] = letters
            if holds:
                survey.holds_content.add(id(node))
            counts[-1] += letters
            flags[-1] = flags[-1] or holds
            article_depth -= node.name == "article"
        elif isinstance(node, Tag):
            if node.name in NOISE_TAGS:
                continue
            is_main = _is_main(node)
            if is_main:
                survey.mains.append(node)
            if node.name == "article":
                if not article_depth:
                    survey.articles.append(node)
                article_depth += 1
            counts.append(0)
            flags.append(is_main or node.name == "article")
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
        elif _is_text(node):
            counts[-1] += len("".join(str(node).split()))
    return survey


def _choose_root(soup: BeautifulSoup, survey: _Survey) -> Tag:
    """``<main>``/``role=main`` with the most text, else the dominant top-level
    ``<article>``, else ``<body>``.

    An ``<article>`` is dominant when it holds at least half of all top-level article
    text: on a listing page of similar teasers, taking one would miss the new ones.
    """
    size = survey.text_len.get
    if survey.mains:
        return max(survey.mains, key=lambda tag: size(id(tag), 0))
    if survey.articles:
        best = max(survey.articles, key=lambda tag: size(id(tag), 0))
        total = sum(size(id(tag), 0) for tag in survey.articles)
        if size(id(best), 0) * 2 >= total > 0:
            return best
    return soup.body or soup


def _in_section(tag: Tag) -> bool:
    return any(t.name == "article" or _is_main(t) for t in (tag, *tag.parents))


def _block_text(root: Tag, survey: _Survey) -> str:
    """Text below ``root`` without noise and furniture, one line per block element,
    whitespace collapsed. Iterative, read-only."""
    pieces: list[str] = []
    stack: list[tuple[PageElement | None, bool]] = [(root, _in_section(root))]
    while stack:
        node, in_section = stack.pop()
        if node is None:  # end of a block element
            pieces.append(_BREAK)
        elif isinstance(node, Tag):
            if node.name in NOISE_TAGS:
                continue
            if node is not root and _is_furniture(node, in_section, survey.holds_content):
                continue
            if node.name in BLOCK_TAGS:
                pieces.append(_BREAK)
                stack.append((None, in_section))
            inner = in_section or node.name == "article" or _is_main(node)
            stack.extend((child, inner) for child in reversed(node.contents))
        elif _is_text(node):
            pieces.append(str(node))
    lines = (" ".join(part.split()) for part in "".join(pieces).split(_BREAK))
    return "\n".join(line for line in lines if line)


def main_text(html: str | bytes) -> str:
    """The page's main text: boilerplate stripped, one line per block, whitespace collapsed.

    >>> main_text('''<body><nav>Home | News</nav><div class="cookie-banner">We use cookies
    ...   <button>OK</button></div><main><h1>Budget  2027</h1><p>The council
    ...   approved it.</p></main><footer>© 2026</footer></body>''')
    'Budget 2027\\nThe council approved it.'
    >>> main_text(b"")
    ''
    """
    soup = _parse(html)
    survey = _survey(soup)
    return _block_text(_choose_root(soup, survey), survey)


# --- volatile parts -------------------------------------------------------------------------

_MONTHS = (
    # English
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|"
    # Spanish
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    "noviembre|diciembre|ene|abr|ago|dic|"
    # French
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    "novembre|décembre|decembre|janv|févr|fevr|avr|juil|déc"
)
_WEEKDAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri|"
    "sat|sun|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo|"
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
)
_ORDINAL = r"(?:st|nd|rd|th|er|º|°|ᵉʳ)?"
_WD = rf"(?:(?:{_WEEKDAYS})\.?,?\s+)?"
_NUMBER = r"\d{1,3}(?:[.,\s\u00a0\u202f]\d{3})+|\d+(?:[.,]\d+)?"
_COUNTED = (
    "views|view|reads|visits|comments|comment|likes|like|shares|share|followers|"
    "visitas|visita|lecturas|lectura|comentarios|comentario|compartidos|me gusta|seguidores|"
    "vues|vue|lectures|lecture|commentaires|commentaire|partages|abonnés|j'aime"
)
_UNITS = (
    "seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|"
    "segundos?|minutos?|horas?|días?|dias?|semanas?|meses|mes|"
    "secondes?|heures?|jours?|semaines?|mois|h|min|s|d"
)

# (pattern, replacement), applied in this order: longer shapes before the pieces they contain.
_VOLATILE: list[tuple[re.Pattern[str], str]] = [
    # ISO-8601 date with optional time and zone: 2026-11-25, 2026-11-25T12:03:07.5+01:00
    (re.compile(r"\b\d{4}-\d{2}-\d{2}"
                r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b", re.I),
     "<date>"),
    # UUIDs, then long hex runs (session ids, hashes, cache busters)
    (re.compile(r"\b[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}\b", re.I), "<token>"),
    (re.compile(r"\b[0-9a-f]{16,}\b", re.I), "<token>"),
    # bare 10+ digit numbers: Unix timestamps in seconds or milliseconds, request ids
    (re.compile(r"\b\d{10,}\b"), "<token>"),
    # base64/url-safe tokens: 20+ characters with both a digit and a letter, no spaces
    (re.compile(r"(?<![\w+/-])(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[A-Za-z])"
                r"[A-Za-z0-9+/_-]{20,}={0,2}(?![\w+/=-])"), "<token>"),
    # 25 Nov 2026, 25 de noviembre de 2026, mardi 25 novembre 2026, 1er déc. 2026, 25 Nov
    (re.compile(rf"\b{_WD}\d{{1,2}}{_ORDINAL}\s+(?:de\s+)?(?:{_MONTHS})\b\.?"
                rf"(?:,?\s+(?:de\s+)?\d{{4}})?", re.I),
     "<date>"),
    # November 25, 2026, Nov. 25 2026, Tuesday, November 25
    (re.compile(rf"\b{_WD}(?:{_MONTHS})\.?\s+\d{{1,2}}{_ORDINAL}\b(?:,?\s+\d{{4}}\b)?", re.I),
     "<date>"),
    # November 2026, noviembre de 2026
    (re.compile(rf"\b(?:{_MONTHS})\.?\s+(?:de\s+)?\d{{4}}\b", re.I), "<date>"),
    # 25/11/2026, 25.11.26, 11-25-2026
    (re.compile(rf"\b{_WD}\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})\b", re.I), "<date>"),
    # 12:03, 12:03:07, 9:05 pm, 12h03, 12 h 03
    (re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?\s?m\b\.?)?"
                r"|\b\d{1,2}\s?h\s?\d{2}\b", re.I),
     "<time>"),
    # 3 hours ago, hace 3 horas, il y a 3 heures
    (re.compile(rf"\b\d+\s*(?:{_UNITS})\.?\s+ago\b|\bhace\s+\d+\s*(?:{_UNITS})\b|"
                rf"\bil y a\s+\d+\s*(?:{_UNITS})\b", re.I), "<ago>"),
    # 1,234 views, 1.234 visitas, 1 234 vues, 12k likes
    (re.compile(rf"(?<![\w.,])(?:{_NUMBER})\s?[km]?\s+(?=(?:{_COUNTED})\b)", re.I), "<n> "),
    # views: 1,234 / visitas: 1234
    (re.compile(rf"\b((?:{_COUNTED})\s*:\s*)(?:{_NUMBER})\s?[km]?(?![\w])", re.I), r"\1<n>"),
    # © 2026, (c) 2019-2026
    (re.compile(r"(©|\(c\)|copyright)\s*\d{4}(?:\s*[-–]\s*\d{4})?", re.I), r"\1 <year>"),
]


def normalize_volatile(text: str) -> str:
    """Mask the parts of a text that change on every load but are not content.

    Deterministic and idempotent: normalising twice gives the same text.

    >>> normalize_volatile("Publicado el 25 de noviembre de 2026 a las 12:03 · 1.234 visitas")
    'Publicado el <date> a las <time> · <n> visitas'
    >>> normalize_volatile("Updated November 25, 2026 09:41 (session 3f2a9c0e7b1d4e5fa6b7)")
    'Updated <date> <time> (session <token>)'
    >>> normalize_volatile("Mis à jour le 25/11/2026 à 12h03, il y a 3 heures")
    'Mis à jour le <date> à <time>, <ago>'
    """
    text = _collapse(text)  # first, so patterns see one spelling of every gap
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return _collapse(text)


def _collapse(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


def fingerprint(text: str) -> str:
    """sha256 hex of a page's main text (see :func:`main_text`) with volatile bits
    (dates, tokens, counters) masked: equal fingerprints, same content.

    >>> fingerprint("Updated 2026-11-25. News") == fingerprint("Updated 2026-12-03. News")
    True
    """
    return hashlib.sha256(normalize_volatile(text).encode("utf-8")).hexdigest()


# --- summaries ------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")


def _units(text: str) -> list[str]:
    """Lines split further into sentences: a diff of whole paragraphs says too little.

    >>> _units("One. Two!\\nThree")
    ['One.', 'Two!', 'Three']
    """
    units: list[str] = []
    for line in text.splitlines():
        units.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return units


def _clip(text: str, limit: int) -> str:
    """
    >>> _clip("abcdef", 4)
    'abc…'
    """
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def _most_telling(units: list[str], others: list[str], *, limit: int = 40) -> str | None:
    """The first unit with no close counterpart on the other side, else the first unit.

    A brand-new sentence says more than the edited version of an old one, which the
    other side of the summary shows anyway.

    >>> _most_telling(["Works start in March.", "A new call opens."], ["Works start in May."])
    'A new call opens.'
    """
    if not units:
        return None
    for unit in units[:limit]:
        if not any(_similar(unit, other) for other in others[:limit]):
            return unit
    return units[0]


def _similar(a: str, b: str, *, prefix: int = 300) -> bool:
    """Roughly the same sentence? Only the start is compared: a diff of two long
    strings costs quadratic time."""
    matcher = difflib.SequenceMatcher(None, a[:prefix], b[:prefix], autojunk=False)
    # Cheap upper bounds first; ratio() is the expensive one.
    checks = (matcher.real_quick_ratio, matcher.quick_ratio, matcher.ratio)
    return all(ratio() >= 0.6 for ratio in checks)


def change_summary(old_text: str, new_text: str, *, max_chars: int = 280) -> str:
    """One short line saying what changed, for the status page and notifications.

    Texts are compared sentence by sentence with volatile parts masked (so a new date
    alone is "no change", as for :func:`fingerprint`); the first added and first
    removed sentence are quoted as written.

    >>> change_summary("Call open. Deadline soon.", "Call closed. Deadline soon. Results in May.")
    '+ "Results in May." − "Call open." (2 sentences changed)'
    >>> change_summary("Updated 25 Nov 2026.", "Updated 26 Nov 2026.")
    'no change'
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be positive, got {max_chars}")
    old_units, new_units = _units(old_text), _units(new_text)
    # autojunk ignores very frequent sentences as anchors: slightly coarser diffs, but
    # it keeps long, repetitive pages from going quadratic. Small texts diff exactly.
    matcher = difflib.SequenceMatcher(
        None,
        [normalize_volatile(u) for u in old_units],
        [normalize_volatile(u) for u in new_units],
        autojunk=len(old_units) + len(new_units) > 2000,
    )
    added: list[str] = []
    removed: list[str] = []
    changed = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        removed.extend(old_units[i1:i2])
        added.extend(new_units[j1:j2])
        changed += max(i2 - i1, j2 - j1)
    if not changed:
        return _clip("no change", max_chars)
    tail = f"({changed} sentence{'s' if changed != 1 else ''} changed)"
    shown = {"+": _most_telling(added, removed), "−": _most_telling(removed, added)}
    quotes = [(sign, text) for sign, text in shown.items() if text is not None]
    # Share what is left after the tail and the ' + "…"' punctuation between the quotes.
    overhead = len(tail) + sum(len(sign) + 4 for sign, _ in quotes)
    budget = max((max_chars - overhead) // len(quotes), 8)
    parts = [f'{sign} "{_clip(text, budget)}"' for sign, text in quotes]
    return _clip(" ".join([*parts, tail]), max_chars)
