"""Links and resource URLs of one HTML page, ready to be health-checked.

Pure: HTML text or bytes in, plain data out. Parsing goes through lxml directly
(one tree, one ``iter()`` over the tags we care about) and URLs are resolved by
string operations on a base split once, because a page can carry thousands of
links: 5,000 take about 30 ms.

URL spelling for link checking differs from :func:`crawler.extract.urls.canonicalize`
on purpose: a link checker must request the URL *as written*, so tracking
parameters and query order are kept. We only do what a browser does before the
request: resolve against the base, drop tabs/newlines, trim spaces, treat ``\\``
as ``/`` before the query, remove dot segments, lower-case scheme and host, drop
the default port and move the ``#fragment`` out into :attr:`Link.fragment`.
Spaces left inside are written ``%20`` so a URL is one token in logs and reports;
other characters (non-ASCII included) are left for the HTTP client to encode.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from crawler.extract.urls import WEB_SCHEMES, canonicalize

__all__ = [
    "ASSET_ATTRS",
    "ASSET_LINK_RELS",
    "LINK_ATTRS",
    "MAX_TEXT",
    "SKIP_REASONS",
    "Link",
    "PageLinks",
    "extract_links",
    "has_anchor",
    "page_anchors",
    "parse_srcset",
    "same_site",
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

# Reasons counted in PageLinks.skipped. "tel" also covers callto: and sms:;
# "limit" counts links past max_links.
SKIP_REASONS = ("mailto", "tel", "javascript", "data", "other-scheme", "invalid", "limit")

MAX_TEXT = 120

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_TAB_NL_RE = re.compile(r"[\t\n\r]")
_WS_RE = re.compile(r"\s+")
# Characters a browser refuses in a host name (plus controls and spaces).
_BAD_HOST_RE = re.compile(r"[\x00-\x20\x7f<>\[\]\\^|\"`{}]")
_HTML_WS = " \t\n\r\f"
_IPV6_RE = re.compile(r"[0-9a-f:.]+")


@dataclass(frozen=True)
class Link:
    """One URL to check.

    ``url`` is absolute http(s), fragment removed, query kept as written;
    ``fragment`` is kept apart so the checker can look it up in the target's anchors.
    """

    url: str
    fragment: str | None
    tag: str
    text: str = ""


@dataclass(frozen=True)
class PageLinks:
    """Everything a link checker needs from one page.

    ``skipped`` counts occurrences (not unique URLs) by reason, see SKIP_REASONS.
    """

    links: tuple[Link, ...]
    skipped: dict[str, int] = field(default_factory=dict)
    anchors: frozenset[str] = frozenset()
    base_url: str = ""

    def as_record(self) -> dict[str, Any]:
        """The page as stored for the next run: its links as [url, fragment, tag] and
        what was skipped while reading it."""
        return {"links": [[link.url, link.fragment or "", link.tag] for link in self.links],
                "skipped": dict(self.skipped)}

    @classmethod
    def remembered(cls, record: dict[str, Any], anchors: list[str]) -> PageLinks:
        """A page as an earlier run read it (an unchanged page answers 304, no body).

        >>> page = PageLinks(links=(Link("http://a/x", "top", "a"),), skipped={"mailto": 1})
        >>> again = PageLinks.remembered(page.as_record(), ["top"])
        >>> again.links == page.links, again.skipped, sorted(again.anchors)
        (True, {'mailto': 1}, ['top'])
        """
        links = tuple(Link(url, fragment or None, tag) for url, fragment, tag in record.get("links", []))
        return cls(links, dict(record.get("skipped", {})), frozenset(anchors))


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
    return frozenset(str(v) for v in values if v)


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


def _clean_href(raw: str) -> str:
    """What a browser does to an attribute value before parsing it as a URL.

    >>> _clean_href("  /a\\n/b\\t ")
    '/a/b'
    """
    return _TAB_NL_RE.sub("", raw).strip(_HTML_WS)


def _scheme_reason(scheme: str) -> str:
    """Skip reason for a non-web scheme."""
    if scheme in ("mailto", "tel", "javascript", "data"):
        return scheme
    if scheme in ("callto", "sms"):
        return "tel"
    return "other-scheme"


@functools.lru_cache(maxsize=4096)
def _netloc(scheme: str, netloc: str) -> str | None:
    """Normalized authority, or None when a browser would refuse it.

    Spelled by canonicalize() so link URLs and page URLs agree on host and port.

    >>> _netloc("https", "EX.org:443"), _netloc("http", "[::1]:8080"), _netloc("http", "ex.org:x")
    ('ex.org', '[::1]:8080', None)
    """
    try:
        parts = urlsplit(f"{scheme}://{netloc}/")
        host = parts.hostname
        _ = parts.port  # ValueError on a non-numeric or out-of-range port
    except ValueError:
        return None
    if not host or parts.netloc != netloc:
        return None
    if ":" in host:
        if not _IPV6_RE.fullmatch(host):
            return None
    elif _BAD_HOST_RE.search(host):
        return None
    return canonicalize(f"{scheme}://{netloc}/")[len(scheme) + 3 : -1]


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal for an absolute path.

    >>> [_remove_dot_segments(p) for p in ("/a/b/../c/./d", "/../x/..", "/a/..b")]
    ['/a/c/d', '/', '/a/..b']
    """
    segments = path.split("/")
    out: list[str] = []
    for segment in segments:
        if segment == "..":
            if len(out) > 1:
                out.pop()
        elif segment != ".":
            out.append(segment)
    if segments[-1] in (".", ".."):
        out.append("")
    return "/".join(out) or "/"


class _Resolver:
    r"""Resolves cleaned hrefs against one base URL into ``(url, fragment, reason)``.

    The common shapes (absolute http(s), ``//host``, ``/path``, ``?query``,
    ``relative/path``) are resolved by string operations on a base split once;
    anything else goes through ``urljoin``. Results are memoized per href because
    menus and footers repeat the same links. Never raises.

    >>> r = _Resolver("https://EX.org/a/b.html?x=1")
    >>> r("../c?utm_source=n#Top"), r("#s")
    (('https://ex.org/c?utm_source=n', 'Top', None), ('https://ex.org/a/b.html?x=1', 's', None))
    >>> r("HTTP://[2001:DB8::1]:80"), r("\\\\evil.test\\p")
    (('http://[2001:db8::1]/', None, None), ('https://evil.test/p', None, None))
    >>> r("http://exa mple.org/")
    (None, None, 'invalid')
    >>> r("mailto:a@b"), r("ftp://ex.org/"), r("http://:80/")
    ((None, None, 'mailto'), (None, None, 'other-scheme'), (None, None, 'invalid'))
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.cache: dict[str, tuple[str | None, str | None, str | None]] = {}
        self.scheme: str | None = None
        try:
            parts = urlsplit(base)
        except ValueError:
            return
        scheme = parts.scheme.lower()
        netloc = _netloc(scheme, parts.netloc) if scheme in WEB_SCHEMES else None
        if netloc is None:
            return  # not a usable web base: every href takes the urljoin path
        self.scheme = scheme
        self.origin = f"{scheme}://{netloc}"
        self.path = _remove_dot_segments(parts.path) if parts.path else "/"
        self.query = parts.query
        self.dir = self.path[: self.path.rfind("/") + 1]

    def __call__(self, href: str) -> tuple[str | None, str | None, str | None]:
        hit = self.cache.get(href)
        if hit is None:
            try:
                hit = self._resolve(href)
            except (ValueError, TypeError, UnicodeError):
                hit = (None, None, "invalid")
            self.cache[href] = hit
        return hit

    def _resolve(self, href: str) -> tuple[str | None, str | None, str | None]:
        match = _SCHEME_RE.match(href)
        scheme = match.group(1).lower() if match else ""
        if scheme and scheme not in WEB_SCHEMES:
            return None, None, _scheme_reason(scheme)
        href, _, fragment = href.partition("#")
        # Browsers treat "\\" as "/" in http(s) URLs, before the query only.
        head, mark, query = href.partition("?")
        if "\\" in head:
            href = head.replace("\\", "/") + mark + query
        if scheme:
            rest = href[len(scheme) + 1 :]
            if rest.startswith("//"):
                return self._authority(scheme, rest[2:], fragment)
            return self._slow(href, fragment)  # "http:path", relative to a same-scheme base
        if self.scheme is None:
            return self._slow(href, fragment)
        if href.startswith("//"):
            return self._authority(self.scheme, href[2:], fragment)
        if href.startswith("/"):
            path_query = href
        elif href.startswith("?"):
            path_query = self.path + href
        elif not href:
            path_query = self.path + ("?" + self.query if self.query else "")
        else:
            path_query = self.dir + href
        return self._finish(self.origin, path_query, fragment)

    @staticmethod
    def _authority(
        scheme: str, rest: str, fragment: str
    ) -> tuple[str | None, str | None, str | None]:
        cut = len(rest)
        for char in "/?":
            index = rest.find(char)
            if 0 <= index < cut:
                cut = index
        netloc = _netloc(scheme, rest[:cut])
        if netloc is None:
            return None, None, "invalid"
        path_query = rest[cut:]
        if not path_query.startswith("/"):
            path_query = "/" + path_query
        return _Resolver._finish(f"{scheme}://{netloc}", path_query, fragment)

    @staticmethod
    def _finish(origin: str, path_query: str, fragment: str) -> tuple[str, str | None, None]:
        path, _, query = path_query.partition("?")
        if "/." in path:
            path = _remove_dot_segments(path)
        url = origin + path + ("?" + query if query else "")
        if " " in url:
            url = url.replace(" ", "%20")
        return url, (fragment or None), None

    def _slow(self, href: str, fragment: str) -> tuple[str | None, str | None, str | None]:
        parts = urlsplit(urljoin(self.base, href))
        scheme = parts.scheme.lower()
        if scheme not in WEB_SCHEMES:
            return None, None, (_scheme_reason(scheme) if scheme else "invalid")
        netloc = _netloc(scheme, parts.netloc)
        if netloc is None:
            return None, None, "invalid"
        path_query = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        if not path_query.startswith("/"):
            path_query = "/" + path_query
        return self._finish(f"{scheme}://{netloc}", path_query, fragment)


def _effective_base(root: etree._Element | None, page_url: str) -> str:
    """The first ``<base href>``, resolved against the page, if it is http(s);
    otherwise the page URL itself (normalized when it is a web URL)."""
    if root is not None:
        for base in root.iter("base"):
            href = base.get("href")
            if href is None:
                continue
            href = _clean_href(href)
            if href:
                url, _, reason = _Resolver(page_url)(href)
                if reason is None and url:
                    return url
            break  # only the first <base href> counts, even when it is unusable
    url, _, reason = _Resolver("")(_clean_href(page_url or ""))
    return url if reason is None and url else page_url


def _anchor_text(element: etree._Element) -> str:
    """Visible text of a link, else the alt of an image inside it, else its title."""
    try:
        text = "".join(element.itertext())
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
    counted. Links past ``max_links`` are counted under ``skipped["limit"]`` so a
    truncated page is visible in the report.

    >>> page = extract_links('<base href="/d/"><a href="x#s">X</a><a href="mailto:a@b">m</a>',
    ...                      "https://EX.org/p")
    >>> page.links
    (Link(url='https://ex.org/d/x', fragment='s', tag='a', text='X'),)
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

    for element in root.iter(*table):
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag == "link" and not _is_asset_link(element):
            continue
        for raw in _candidates(element, table[tag]):
            href = _clean_href(raw)
            if not href or href == "#":
                continue
            url, fragment, reason = resolve(href)
            if url is None:
                reason = reason or "invalid"
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            key = (url, fragment)
            if key in seen:
                continue
            if len(links) >= max_links:
                skipped["limit"] = skipped.get("limit", 0) + 1
                continue
            seen.add(key)
            text = _anchor_text(element) if tag in LINK_ATTRS else ""
            links.append(Link(url=url, fragment=fragment, tag=tag, text=text))

    return PageLinks(links=tuple(links), skipped=skipped, anchors=anchors, base_url=base)


# --- scope -----------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_port(url: str) -> tuple[str, int | None] | None:
    """Host and non-default port of a web URL; http and https deliberately alike."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if not host or parts.scheme.lower() not in WEB_SCHEMES:
        return None
    if port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        port = None
    return host, port


def _scope_dir(path: str) -> str:
    """The directory a root URL stands for.

    A last segment with a dot is a file (its folder is the scope); without one it
    is taken as a folder even when the trailing slash is missing, because people
    write ``https://example.org/docs`` to mean the docs section.

    >>> _scope_dir("/docs/index.html"), _scope_dir("/docs"), _scope_dir("")
    ('/docs/', '/docs/', '/')
    """
    if not path or path == "/":
        return "/"
    head, _, last = path.rpartition("/")
    if "." in last:
        return head + "/"
    return path if path.endswith("/") else path + "/"


def same_site(url: str, root_url: str, *, path_prefix: bool = True) -> bool:
    """Is ``url`` inside the crawl scope of ``root_url``?

    Same host and same non-default port, http and https alike; with
    ``path_prefix``, also under the root's directory (see :func:`_scope_dir`).
    ``www.`` is not folded: ``example.org`` and ``www.example.org`` are two sites.

    >>> same_site("https://ex.org/docs/a", "http://EX.org/docs/index.html")
    True
    >>> same_site("https://ex.org/blog/", "https://ex.org/docs")
    False
    >>> same_site("https://ex.org/docs", "https://ex.org/docs/")
    True
    >>> same_site("https://ex.org:8080/", "https://ex.org/", path_prefix=False)
    False
    """
    here, root = _host_port(url), _host_port(root_url)
    if here is None or root is None or here != root:
        return False
    if not path_prefix:
        return True
    try:
        path = urlsplit(url.strip()).path or "/"
        scope = _scope_dir(urlsplit(root_url.strip()).path)
    except ValueError:
        return False
    return path.startswith(scope) or path + "/" == scope


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
