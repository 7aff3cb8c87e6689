"""Title and description extraction on saved pages in several encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract.page import clean_text, is_html, parse_page

PAGES = Path(__file__).parent / "fixtures" / "pages"


@pytest.mark.parametrize(
    "fixture, content_type, title, description",
    [
        ("latin1-meta.html", "text/html", "Région de Bruxelles-Capitale · Ville intelligente",
         "Données ouvertes et services numériques"),
        ("latin1-undeclared.html", "text/html", "Café à Liège", None),
        ("latin1-undeclared.html", "text/html; charset=ISO-8859-1", "Café à Liège", None),
        ("utf8-og.html", "text/html", "Slimme stad Brussel", "Nieuws én projecten"),
        ("utf8-og.html", None, "Slimme stad Brussel", "Nieuws én projecten"),
        ("utf8-bom.html", "text/html; charset=windows-1252", "Se Santiago — Ciudad inteligente", None),
        ("og-title-only.html", "text/html", "Only OG title", None),
    ],
)
def test_parse_page(fixture, content_type, title, description):
    info = parse_page((PAGES / fixture).read_bytes(), content_type)
    assert (info.title, info.description) == (title, description)


def test_header_charset_wins_over_guessing():
    body = "<title>Ñandú</title>".encode()
    assert parse_page(body, "text/html; charset=utf-8").title == "Ñandú"
    # Declared wrongly as Latin-1: decoded as the server said, like a browser would.
    assert parse_page(body, "text/html; charset=iso-8859-1").title.startswith("Ã")


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "application/json"])
def test_non_html_yields_nothing(content_type):
    assert parse_page(b"<title>not a page</title>", content_type).title is None


def test_broken_and_empty_pages_do_not_raise():
    # <title> is raw text, as in browsers: markup inside it is shown, not parsed.
    assert parse_page((PAGES / "truncated.html").read_bytes(), "text/html").title == "Unclosed <b>title"
    assert parse_page(b"", "text/html").title is None
    assert parse_page(b"\x00\xff\xfe garbage", "text/html").title is None


def test_long_titles_are_cut_and_control_characters_dropped():
    info = parse_page(("<title>" + "a\x07b " * 200 + "</title>").encode(), "text/html")
    assert len(info.title) == 300 and info.title.endswith("…") and "\x07" not in info.title


def test_sniffing_without_content_type():
    assert is_html(None, b"  <!DOCTYPE html><html>")
    assert not is_html(None, b"%PDF-1.7")
    assert clean_text("\n") is None
