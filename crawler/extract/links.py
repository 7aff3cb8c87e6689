"""Links and resource URLs of one HTML page, ready to be health-checked.

Pure: HTML text or bytes in, plain data out. Parsing goes through lxml directly
(one tree, one ``iter()`` over the tags we care about) and each distinct href is
resolved once per page, because a page can carry thousands of links.

Every href is read as a browser reads it, by the WHATWG URL Standard's parser
(:func:`crawler.extract.urls.resolve_url`): resolved against the page's base, and
spelled as the standard serializes it (punycode hosts, dotted IPv4, no default
port, spaces and non-ASCII percent-encoded). An href the standard rejects is not
silently dropped: it becomes an :class:`InvalidLink` with the reason, because a
browser cannot follow it either.

URL spelling for link checking differs from :func:`crawler.extract.urls.canonicalize`
on purpose: a link checker must request the URL *as written*, so tracking
parameters and query order are kept. The only thing we add to the standard is to
move the ``#fragment`` out into :attr:`Link.fragment`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from lxml import etree

from crawler.extract.urls import WEB_SCHEMES, InvalidURL, clean_url, resolve_url, url_scheme

__all__ = [
    "ASSET_ATTRS",
    "ASSET_LINK_RELS",
    "LINK_ATTRS",
    "MAX_TEXT",
    "SKIP_REASONS",
    "InvalidLink",
    "Link",
    "PageLinks",
    "extract_links",
    "has_anchor",
    "page_anchors",
    "parse_srcset",
    "url_allowed",
]

# --- the declarative table -------------------------------------------------------------
# Navigation: always extracted; these carry anchor text.
LINK_ATTRS: dict[str, tuple[str, ...]] = {
    "a": ("href",),
    "area": ("href",),
}
# Resources the page needs to render: only with include_assets=True.
# Attributes named "srcset" hold a candidate list, see parse_srcset().
ASSET_ATTRS: dict[str, tuple[str, ...]] = {
    "img": ("src", "srcset"),
    "script": ("src",),
    "link": ("href",),  # only for the rel values in ASSET_LINK_RELS
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
}
# <link> is a resource only when the page loads it. Left out on purpose:
# canonical/alternate/next/prev/author point at *pages* (other documents, often in
# other languages or feeds), preconnect/dns-prefetch name origins rather than URLs,
# and prefetch/prerender are speculative: a dead one does not break this page.
ASSET_LINK_RELS = frozenset(
    {
        "stylesheet",
        "icon",
        "apple-touch-icon",
        "apple-touch-icon-precomposed",
        "mask-icon",
        "manifest",
        "preload",
        "modulepreload",
    }
)

# Reasons counted in PageLinks.skipped: links we do not check. "tel" also covers
# callto: and sms:; "limit" counts links past max_links. Invalid URLs are not
# skipped: they are reported, see InvalidLink.
SKIP_REASONS = ("mailto", "tel", "javascript", "data", "other-scheme", "limit")

MAX_TEXT = 120

_WS_RE = re.compile(r"\s+")
_HTML_WS = " \t\n\r\f"


@dataclass(frozen=True)
class Link:
    """One URL to check.

    ``url`` is absolute http(s), spelled as the URL standard serializes it, with the
    query as written (tracking parameters and order kept) and no fragment;
    ``fragment`` (as the standard encodes it) is kept apart so the checker can look
    it up in the target's anchors.
    """

    url: str
    fragment: str | None
    tag: str
    text: str = ""


@dataclass(frozen=True)
class InvalidLink:
    """An href the WHATWG URL Standard rejects: a browser cannot follow it either.

    ``href`` is as written, with tabs and newlines removed and the ends trimmed;
    ``reason`` says what is wrong, as precisely as can be told, e.g.
    ``invalid URL: host contains a forbidden code point ']'``.
    """

    href: str
    reason: str
    tag: str
    text: str = ""


@dataclass(frozen=True)
class PageLinks:
    """Everything a link checker needs from one page.

    ``links`` are the URLs to check and ``invalid`` the hrefs no browser could
    follow, each unique and in document order; ``skipped`` counts occurrences (not
    unique URLs) of links not checked, by reason, see SKIP_REASONS.
    """

    links: tuple[Link, ...]
    skipped: dict[str, int] = field(default_factory=dict)
    anchors: frozenset[str] = frozenset()
    base_url: str = ""
    invalid: tuple[InvalidLink, ...] = ()

    def as_record(self) -> dict[str, Any]:
        """The page as stored for the next run: its links as [url, fragment, tag, text], its
        invalid links as [href, reason, tag, text] and what was skipped while reading it."""
        return {"links": [[link.url, link.fragment or "", link.tag, link.text] for link in self.links],
                "skipped": dict(self.skipped),
                "invalid": [[bad.href, bad.reason, bad.tag, bad.text] for bad in self.invalid]}

    @classmethod
    def remembered(cls, record: dict[str, Any], anchors: list[str]) -> PageLinks:
        """A page as an earlier run read it (an unchanged page answers 304, no body).
        Records written before invalid links were kept have none; records written
        before link text was kept have links without text.

        >>> page = PageLinks(links=(Link("http://a/x", "top", "a", "Back to top"),), skipped={"mailto": 1},
        ...                  invalid=(InvalidLink("http://", "invalid URL: empty host", "a", "Home"),))
        >>> again = PageLinks.remembered(page.as_record(), ["top"])
        >>> again.links == page.links, again.invalid == page.invalid, again.skipped, sorted(again.anchors)
        (True, True, {'mailto': 1}, ['top'])
        >>> PageLinks.remembered({"links": [["http://a/x", "", "a"]]}, []).links[0].text
        ''
        """
        links = tuple(Link(url, fragment or None, tag, _text_of(rest))
                      for url, fragment, tag, *rest in record.get("links", []))
        invalid = tuple(InvalidLink(href, reason, tag, _text_of(rest))
                        for href, reason, tag, *rest in record.get("invalid", []))
        return cls(links, dict(record.get("skipped", {})), frozenset(anchors), invalid=invalid)


def _text_of(rest: list[Any]) -> str:
    """The link text of a stored link entry, '' for entries stored before it was kept."""
    return rest[0] if rest and isinstance(rest[0], str) else ""


# --- parsing ---------------------------------------------------------------------------


def _parse(html: str | bytes | None) -> etree._Element | None:
    """Parse leniently; None when there is nothing to parse.

    Text is re-encoded as UTF-8 and parsed with that encoding forced, so a stale
    ``<meta charset>`` or ``<?xml encoding?>`` in already-decoded text cannot
    garble it. Bytes that are valid UTF-8 are taken as UTF-8 (lxml would otherwise
    fall back to Latin-1 when there is no meta charset); other bytes are left to
    lxml's own sniffing.
    """
    if not html:
        return None
    try:
        if isinstance(html, str):
            data = html.encode("utf-8", "replace")
            parser = etree.HTMLParser(encoding="utf-8", recover=True, no_network=True)
        else:
            data = bytes(html)
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                parser = etree.HTMLParser(recover=True, no_network=True)
            else:
                parser = etree.HTMLParser(encoding="utf-8", recover=True, no_network=True)
        return etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError, TypeError):
        return None


def _anchors(root: etree._Element | None) -> frozenset[str]:
    if root is None:
        return frozenset()
    try:
        values = root.xpath("//@id | //a/@name")
    except etree.LxmlError:
        return frozenset()
    return frozenset(str(v) for v in values if v) if isinstance(values, list) else frozenset()


def page_anchors(html: str | bytes) -> frozenset[str]:
    """Fragment targets of a page: every ``id`` and every ``<a name>``.

    >>> sorted(page_anchors('<h2 id="intro">x</h2><A NAME="old">y</A><p id="">'))
    ['intro', 'old']
    """
    return _anchors(_parse(html))


def has_anchor(fragment: str | None, anchors: frozenset[str] | set[str]) -> bool:
    """Does ``#fragment`` land somewhere on a page with these anchors?

    Follows the browser rule: an empty fragment and ``top`` always scroll to the
    top, and a percent-encoded fragment is tried decoded too.

    >>> has_anchor("caf%C3%A9", {"café"})
    True
    >>> has_anchor("Top", set())
    True
    >>> has_anchor("missing", {"intro"})
    False
    """
    if not fragment or fragment.lower() == "top":
        return True
    if fragment in anchors:
        return True
    decoded = unquote(fragment)
    return decoded != fragment and decoded in anchors


# --- URL helpers -----------------------------------------------------------------------


def parse_srcset(value: str) -> list[str]:
    """URLs of a ``srcset`` candidate list, descriptors dropped.

    A URL runs up to whitespace, so commas inside it survive (image CDNs use them);
    a comma right after the URL ends the candidate.

    >>> parse_srcset("a.jpg 1x, b.jpg 2x")
    ['a.jpg', 'b.jpg']
    >>> parse_srcset("https://cdn.test/w_100,h_50/a.jpg 100w,b.jpg")
    ['https://cdn.test/w_100,h_50/a.jpg', 'b.jpg']
    >>> parse_srcset(" , ")
    []
    """
    urls: list[str] = []
    pos, end = 0, len(value)
    while pos < end:
        while pos < end and (value[pos] in _HTML_WS or value[pos] == ","):
            pos += 1
        if pos >= end:
            break
        start = pos
        while pos < end and value[pos] not in _HTML_WS:
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip descriptors up to the next comma outside parentheses
            depth = 0
            while pos < end:
                char = value[pos]
                pos += 1
                if char == "(":
                    depth += 1
                elif char == ")":
                    depth = max(0, depth - 1)
                elif char == "," and depth == 0:
                    break
        if url:
            urls.append(url)
    return urls


def _scheme_reason(scheme: str) -> str:
    """Skip reason for a non-web scheme."""
    if scheme in ("mailto", "tel", "javascript", "data"):
        return scheme
    if scheme in ("callto", "sms"):
        return "tel"
    return "other-scheme"


# What one href comes to: (url, fragment, skip reason, invalid reason), one of url,
# skip reason or invalid reason set.
_Resolved = tuple[str | None, str | None, str | None, str | None]


class _Resolver:
    r"""Resolves cleaned hrefs against one base URL with the WHATWG URL parser.

    Results are memoized per href because menus and footers repeat the same links;
    a scheme we do not check is recognised without parsing. Never raises. A base the
    standard rejects resolves nothing relative; absolute hrefs still resolve.

    >>> r = _Resolver("https://EX.org/a/b.html?x=1")
    >>> r("../c?utm_source=n#Top"), r("#s")
    (('https://ex.org/c?utm_source=n', 'Top', None, None), ('https://ex.org/a/b.html?x=1', 's', None, None))
    >>> r("HTTP://[2001:DB8::1]:80"), r("\\\\evil.test\\p")
    (('http://[2001:db8::1]/', None, None, None), ('https://evil.test/p', None, None, None))
    >>> r("http://exa mple.org/")
    (None, None, None, "invalid URL: host contains a forbidden code point ' ' (U+0020)")
    >>> r("mailto:a@b"), r("ftp://ex.org/"), r("http://:80/")
    ((None, None, 'mailto', None), (None, None, 'other-scheme', None), (None, None, None, 'invalid URL: empty host'))
    """

    def __init__(self, base: str) -> None:
        try:
            resolve_url(base)
        except InvalidURL:
            self.base: str | None = None
        else:
            self.base = base
        self.cache: dict[str, _Resolved] = {}

    def __call__(self, href: str) -> _Resolved:
        hit = self.cache.get(href)
        if hit is None:
            hit = self.cache[href] = self._resolve(href)
        return hit

    def _resolve(self, href: str) -> _Resolved:
        scheme = url_scheme(href)
        if scheme and scheme not in WEB_SCHEMES:
            return None, None, _scheme_reason(scheme), None
        try:
            url = resolve_url(href, self.base)
        except InvalidURL as exc:
            return None, None, None, f"invalid URL: {exc}"
        if not url.startswith(("http://", "https://")):  # relative to a base that is not http(s)
            return None, None, _scheme_reason(url_scheme(url)), None
        # The serialization has no "#" outside the fragment: the standard encodes it.
        url, _, fragment = url.partition("#")
        return url, (fragment or None), None, None


def _effective_base(root: etree._Element | None, page_url: str) -> str:
    """The first ``<base href>``, resolved against the page, if it is http(s);
    otherwise the page URL itself (as the standard spells it when it is a web URL)."""
    page = _Resolver("")(clean_url(page_url or ""))[0] or page_url
    if root is not None:
        for base in root.iter("base"):
            href = base.get("href")
            if href is None:
                continue
            href = clean_url(href)
            if href:
                url = _Resolver(page)(href)[0]
                if url:
                    return url
            break  # only the first <base href> counts, even when it is unusable
    return page


def _anchor_text(element: etree._Element) -> str:
    """Visible text of a link, else the alt of an image inside it, else its title."""
    try:
        text = "".join(str(part) for part in element.itertext())
    except (ValueError, etree.LxmlError):
        text = ""
    text = _WS_RE.sub(" ", text).strip()
    if not text:
        text = element.get("alt") or ""
        if not text:
            for img in element.iter("img"):
                text = img.get("alt") or ""
                if text:
                    break
        text = text or element.get("aria-label") or element.get("title") or ""
        text = _WS_RE.sub(" ", text).strip()
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1].rstrip() + "…"
    return text


def _candidates(element: etree._Element, attrs: tuple[str, ...]) -> Iterator[str]:
    for attr in attrs:
        value = element.get(attr)
        if value is None:
            continue
        if attr == "srcset":
            yield from parse_srcset(value)
        else:
            yield value


def _is_asset_link(element: etree._Element) -> bool:
    rels = (element.get("rel") or "").lower().split()
    return any(rel in ASSET_LINK_RELS for rel in rels)


def extract_links(
    html: str | bytes,
    page_url: str,
    *,
    include_assets: bool = False,
    max_links: int = 10000,
) -> PageLinks:
    """Unique links of a page, in document order, with what was skipped and why.

    Empty hrefs and a lone ``#`` point at the page itself and are ignored, not
    counted. Hrefs the URL standard rejects are in ``invalid``, once per href.
    Together, ``links`` and ``invalid`` hold at most ``max_links``; the rest are
    counted under ``skipped["limit"]`` so a truncated page is visible in the report.

    >>> page = extract_links('<base href="/d/"><a href="x#s">X</a><a href="mailto:a@b">m</a>'
    ...                      '<a href="http://localhost]">L</a>', "https://EX.org/p")
    >>> page.links
    (Link(url='https://ex.org/d/x', fragment='s', tag='a', text='X'),)
    >>> page.invalid
    (InvalidLink(href='http://localhost]', reason="invalid URL: host contains a forbidden code point ']'", \
tag='a', text='L'),)
    >>> page.skipped, page.base_url
    ({'mailto': 1}, 'https://ex.org/d/')
    """
    root = _parse(html)
    base = _effective_base(root, page_url)
    resolve = _Resolver(base)
    anchors = _anchors(root)
    skipped: dict[str, int] = {}
    if root is None:
        return PageLinks(links=(), skipped=skipped, anchors=anchors, base_url=base)

    table = dict(LINK_ATTRS)
    if include_assets:
        table.update(ASSET_ATTRS)
    seen: set[tuple[str, str | None]] = set()
    links: list[Link] = []
    invalid: dict[str, InvalidLink] = {}

    for element in root.iter(*table):
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag == "link" and not _is_asset_link(element):
            continue
        for raw in _candidates(element, table[tag]):
            href = clean_url(raw)
            if not href or href == "#":
                continue
            url, fragment, reason, problem = resolve(href)
            if reason is not None:
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            if url is None:
                if href in invalid:
                    continue
            elif (url, fragment) in seen:
                continue
            if len(links) + len(invalid) >= max_links:
                skipped["limit"] = skipped.get("limit", 0) + 1
                continue
            text = _anchor_text(element) if tag in LINK_ATTRS else ""
            if url is None:
                invalid[href] = InvalidLink(href=href, reason=problem or "invalid URL", tag=tag, text=text)
            else:
                seen.add((url, fragment))
                links.append(Link(url=url, fragment=fragment, tag=tag, text=text))

    return PageLinks(links=tuple(links), skipped=skipped, anchors=anchors, base_url=base,
                     invalid=tuple(invalid.values()))


def url_allowed(
    url: str,
    include: Iterable[re.Pattern[str] | str] = (),
    exclude: Iterable[re.Pattern[str] | str] = (),
) -> bool:
    """Include/exclude filter with ``re.search`` semantics.

    No include pattern means everything is included; an exclude match always wins.

    >>> url_allowed("https://ex.org/a.pdf", [], [re.compile(r"\\.pdf$")])
    False
    >>> url_allowed("https://ex.org/news/1", [r"/news/"], [])
    True
    >>> url_allowed("https://ex.org/about", [r"/news/"], [])
    False
    """
    if any(re.search(pattern, url) for pattern in exclude):
        return False
    include = tuple(include)
    return not include or any(re.search(pattern, url) for pattern in include)
