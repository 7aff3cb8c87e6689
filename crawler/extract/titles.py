"""Titles as a reader sees them: no "Read more" label, badge, icon or hidden helper text.

Teaser links say "Read more" in the site's language, headings carry "New" badges
and screen-reader-only text; none of that is the title of the announcement.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

from bs4.element import Tag

from crawler.extract.htmltext import collapse, element_text, truncate
from crawler.extract.identity import TITLE_MAX

_READ_MORE = (
    r"read\s+more|continue\s+reading|keep\s+reading|learn\s+more|more\s+info|view\s+more|see\s+more|"
    r"find\s+out\s+more|view\s+details|more\s+information|"
    # "More information", as a whole label, in the seed's languages
    r"(?:ver\s+)?m[aá]s\s+informaci[oó]n|plus\s+d['’]informations?|mehr\s+informationen|meer\s+informatie|"
    r"maggiori\s+informazioni|mais\s+informa[cç][oõ]es|"
    r"lire\s+la\s+suite|lire\s+plus|en\s+savoir\s+plus|voir\s+plus|"
    r"leer\s+m[aá]s|seguir\s+leyendo|ver\s+m[aá]s|saber\s+m[aá]s|"
    r"lees\s+meer|meer\s+lezen|verder\s+lezen|meer\s+info|"
    r"weiterlesen|mehr\s+lesen|mehr\s+erfahren|zum\s+artikel|"
    r"leggi\s+tutto|leggi\s+di\s+pi[uù]|continua\s+a\s+leggere|scopri\s+di\s+pi[uù]|(?:per\s+)?saperne\s+di\s+pi[uù]|"
    r"leia\s+mais|ler\s+mais|saiba\s+mais|continuar\s+lendo|veja\s+mais|ver\s+mais|"
    # "See the communiqué": a verb of reading and the kind of item, in the seed's languages
    r"(?:ver|leer|read|view|see|voir|lire|lees|bekijk|lesen|leggi|vedi|ler|veja)\s+(?:(?:el|la|le|l['’]|il|lo|o|a|the|de|het|den|das|die)\s*)?"
    r"(?:comunicado|comunicato|communiqu[eé]|noticia|not[ií]cia|notizia|nota|art[ií]culo|articolo|artigo|article|artikel"
    r"|release|story|bericht|nieuwsbericht|post|entrada|evento|event|[eé]v[eé]nement|veranstaltung|circular|circolare)|"
    # beyond the seven: Catalan, Polish, Swedish, Danish, Norwegian, Finnish, Czech,
    # Romanian, Indonesian, Japanese, Chinese, Korean
    r"llegir\s+m[eé]s|llegeix\s+m[eé]s|(?:prze)?czytaj\s+(?:wi[eę]cej|dalej)|zobacz\s+wi[eę]cej|l[aä]s\s+mer|l[aæ]s\s+mere|"
    r"lue\s+lis[aä][aä]|[cč]ti\s+v[ií]ce|[cč][ií]st\s+d[aá]l|cite[sș]te\s+mai\s+mult|"
    r"baca\s+selengkapnya|selengkapnya|続きを読む|もっと見る|詳しくはこちら|阅读更多|閱讀更多|더\s*보기|자세히\s*보기"
)
# Single words that are a label only when they are the whole label ("More »", "Suite").
_MORE_WORDS = r"more|continue|continuar|continua|suite|mehr|leggi|meer|m[aá]s|mais|plus|ver|view|bekijk|ansehen|m[eé]s|wi[eę]cej|mer|mere|lis[aä][aä]|v[ií]ce|続き|更多"
READ_MORE_ONLY = re.compile(
    rf"^[\s»›→>…\[(+]*(?:{_READ_MORE}|{_MORE_WORDS})[\s»›→>….\])+]*$", re.IGNORECASE
)
# Only strip a trailing "read more" that is visibly a link label (arrow, ellipsis, bracket,
# or punctuation before it): "Why you should read more" is a legitimate title.
_READ_MORE_TAIL_MARKED = re.compile(
    rf"\s*[\[(]?(?:{_READ_MORE})\s*(?:[»›→>…\])]|\.\.\.)+\s*$", re.IGNORECASE
)
_READ_MORE_TAIL_AFTER_STOP = re.compile(
    rf"(?<=[.…!?|–—])\s*[\[(]?(?:{_READ_MORE})[\])]?\.?\s*$", re.IGNORECASE
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
    >>> clean_title("→ Read more"), clean_title("Weiterlesen »"), clean_title("Leggi tutto")
    ('', '', '')
    """
    text = collapse(text)
    if READ_MORE_ONLY.match(text):
        return ""
    if _READ_MORE_HEAD.match(text):
        text = _READ_MORE_HEAD.sub("", text).strip(_QUOTES)
    text = _READ_MORE_TAIL_MARKED.sub("", text)
    text = _READ_MORE_TAIL_AFTER_STOP.sub("", text)
    return truncate(text.strip(_DECORATION + "…"), TITLE_MAX)


# Scripts written without spaces between words (Japanese kana, Chinese and Japanese
# ideographs): a run of them is several words, about one for every two characters.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def word_count(text: str) -> int:
    """Words with a letter in them ("2024" and "–" are not words of a headline); in a
    script without spaces, two characters make a word.

    >>> word_count("Vernieuwde website 2024"), word_count("お知らせ"), word_count("新型コロナウイルス感染症への対応")
    (2, 2, 8)
    """
    count = 0
    for word in text.split():
        if any(ch.isalpha() for ch in word):
            unspaced = len(_UNSPACED.findall(word))
            count += max(1, unspaced // 2)
    return count


def looks_like_headline(text: str) -> bool:
    """Several words of prose: what a news link says, unlike "Contact" or "Next ›".

    Used where a link has nothing but its text to show it is a headline; a link that
    is its item's headline by position (crawler.extract.blocks) may be one word.

    >>> looks_like_headline("Assemblée générale du club")
    True
    >>> looks_like_headline("Contact")
    False
    """
    return 3 <= word_count(text) <= 40 and 12 <= len(text) <= TITLE_MAX


def classes(el: Tag) -> list[str]:
    """An element's class names (BeautifulSoup gives a list, or a string for odd markup)."""
    value: Any = el.get("class") or []
    return value.split() if isinstance(value, str) else [str(c) for c in value]


def class_words(value: str) -> set[str]:
    """Words of an id or class: "mainNav" and "main-nav" both give {"main", "nav"}.

    >>> sorted(class_words("CybotCookiebotDialog c-footer__inner"))
    ['c', 'cookiebot', 'cybot', 'dialog', 'footer', 'inner']
    """
    value = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", value)
    return {t for t in re.split(r"[^a-z0-9]+", value.lower()) if t}


def _is_read_more(el: Tag) -> bool:
    """A "Read more" label. Labels are small, so big subtrees are not even read."""
    if next(islice(el.descendants, 12, None), None) is not None:
        return False
    return bool(READ_MORE_ONLY.match(element_text(el)))


_LABEL_WORDS = frozenset({"badge", "label", "pill", "chip", "tag", "tags", "icon"})
_LABEL_TAGS = frozenset({"span", "small", "em", "i", "b", "strong", "sup", "mark"})
_HIDDEN_CLASSES = frozenset(
    {"sr-only", "screen-reader-text", "visually-hidden", "visuallyhidden", "screen-reader-only"}
)


def _not_title_text(el: Tag) -> bool:
    """Parts of a heading or link that are not its title: badges, icons, hidden helper
    text, "Read more"."""
    if str(el.get("aria-hidden") or "").lower() == "true":
        return True
    names = classes(el)
    if _HIDDEN_CLASSES.intersection(c.lower() for c in names):
        return True
    if el.name in _LABEL_TAGS:
        words: set[str] = set()
        for name in names:
            words |= class_words(name)
        if words & _LABEL_WORDS:
            return True
    return _is_read_more(el)


def is_more_link(el: Tag) -> bool:
    """A "Read more"/"Seguir leyendo …" link inside a teaser paragraph."""
    if el.name != "a" or next(islice(el.descendants, 12, None), None) is not None:
        return False
    text = element_text(el)
    return bool(READ_MORE_ONLY.match(text) or _READ_MORE_START.match(text))


def label_text(el: Tag) -> str:
    """Title text of a heading or link, without nested badges, icons or "Read more" labels.

    >>> from bs4 import BeautifulSoup as B
    >>> label_text(B('<a href="/x">Open day <span>Read more</span></a>', "lxml").a)
    'Open day'
    >>> label_text(B('<h2>Fair <span class="badge">New</span></h2>', "lxml").h2)
    'Fair'
    """
    return clean_title(element_text(el, skip=_not_title_text)) or clean_title(element_text(el))


_PLACEHOLDER = re.compile(r"\bplace-?holder\b|\blorem\s+ipsum\b|\bdolor\s+sit\s+amet\b", re.IGNORECASE)


def is_placeholder(title: str, summary: str = "") -> bool:
    """Is this a template's placeholder item ("2025-08-23 Placeholder Announcement", a
    teaser of "Lorem ipsum dolor sit amet")? A theme ships one to show its layout; it
    announces nothing.

    >>> is_placeholder("2025-08-23 Placeholder Announcement"), is_placeholder("News", "Lorem ipsum dolor sit amet")
    (True, True)
    >>> is_placeholder("Official release of the model on September 30")
    False
    """
    return bool(_PLACEHOLDER.search(title) or _PLACEHOLDER.search(summary[:200]))

