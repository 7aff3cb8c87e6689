"""Sitemaps: where robots.txt says they are, and the page URLs they list."""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass

from lxml import etree

from crawler.extract.urls import is_web_url

MAX_SITEMAP_BYTES = 10_000_000  # uncompressed; the sitemaps.org limit is 50 MB, we need far less
MAX_LOCS = 50_000


@dataclass(frozen=True)
class Sitemap:
    kind: str  # "urlset", "sitemapindex", or "invalid"
    locs: list[str]


def sitemaps_in_robots(text: str) -> list[str]:
    """The `Sitemap:` lines of a robots.txt, in order.

    >>> sitemaps_in_robots("User-agent: *\\nDisallow: /x\\nsitemap: https://a.example/s.xml\\n")
    ['https://a.example/s.xml']
    """
    found = []
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "sitemap" and is_web_url(value.strip()):
            found.append(value.strip())
    return list(dict.fromkeys(found))


def parse_sitemap(body: bytes) -> Sitemap:
    """A urlset or sitemap index, gzipped or not; entities are never resolved.

    >>> parse_sitemap(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    ...               b'<url><loc> https://a.example/p </loc></url></urlset>')
    Sitemap(kind='urlset', locs=['https://a.example/p'])
    >>> parse_sitemap(b"not xml").kind
    'invalid'
    """
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
                body = stream.read(MAX_SITEMAP_BYTES + 1)
        except (OSError, EOFError):
            return Sitemap("invalid", [])
    if len(body) > MAX_SITEMAP_BYTES:
        return Sitemap("invalid", [])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return Sitemap("invalid", [])
    if root is None:
        return Sitemap("invalid", [])
    kind = etree.QName(root).localname.lower()
    if kind not in ("urlset", "sitemapindex"):
        return Sitemap("invalid", [])
    locs = []
    for element in root.iter("{*}loc"):
        text = (element.text or "").strip()
        if is_web_url(text):
            locs.append(text)
        if len(locs) >= MAX_LOCS:
            break
    return Sitemap(kind, locs)
