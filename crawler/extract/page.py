"""Title and description of an HTML page, decoded the way a browser would."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, FeatureNotFound
from w3lib.encoding import html_to_unicode

MAX_TEXT = 300
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class PageInfo:
    title: str | None
    description: str | None
    encoding: str | None


def clean_text(text: str | None, limit: int = MAX_TEXT) -> str | None:
    """Collapse whitespace, drop control characters, cut to `limit` characters.

    >>> clean_text("  Hello\\n\\t world  ")
    'Hello world'
    >>> clean_text("   ") is None
    True
    """
    if text is None:
        return None
    # Control characters, and bidi overrides/isolates that could reverse how text displays.
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]", "", text)
    text = " ".join(text.split())
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def is_html(content_type: str | None, body: bytes) -> bool:
    """HTML by header, or by a sniff of the first bytes when the header is missing."""
    if content_type:
        return content_type.split(";")[0].strip().lower() in HTML_TYPES
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<head" in head


def parse_page(body: bytes, content_type: str | None) -> PageInfo:
    """Decode with the header charset first, then the document's own declaration,
    then sniffing (BeautifulSoup's UnicodeDammit), and read title and description."""
    if not body or not is_html(content_type, body):
        return PageInfo(None, None, None)
    encoding, text = decode_html(body, content_type)
    try:
        soup = BeautifulSoup(text, "lxml")
    except FeatureNotFound:  # pragma: no cover - lxml is a dependency
        soup = BeautifulSoup(text, "html.parser")
    title = soup.title.get_text() if soup.title else None
    if not clean_text(title):
        title = _meta(soup, property_="og:title")
    description = _meta(soup, name="description") or _meta(soup, property_="og:description")
    return PageInfo(clean_text(title), clean_text(description), encoding)


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode as a browser does: header charset, BOM, <meta charset>, then UTF-8
    if the bytes are valid UTF-8, else Windows-1252 (what browsers assume for
    undeclared Western pages). Statistical sniffing guesses wrong on short pages.

    >>> decode_html("café".encode("latin-1"), "text/html")
    ('cp1252', 'café')
    >>> decode_html("café".encode("utf-8"), None)
    ('utf-8', 'café')
    """
    header = f"Content-Type: {content_type}" if content_type else None
    return html_to_unicode(header, body, auto_detect_fun=_utf8_or_cp1252)


def _utf8_or_cp1252(body: bytes) -> str:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _meta(soup: BeautifulSoup, *, name: str | None = None, property_: str | None = None) -> str | None:
    for tag in soup.find_all("meta"):
        key = (tag.get("name") if name else tag.get("property")) or ""
        if isinstance(key, str) and key.strip().lower() == (name or property_):
            content = tag.get("content")
            if isinstance(content, str) and content.strip():
                return content
    return None
