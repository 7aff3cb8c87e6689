"""Link extraction on fixture pages: resolution, invalid links, skipping, assets, speed and robustness."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract.links import (
    ASSET_ATTRS,
    LINK_ATTRS,
    MAX_TEXT,
    SKIP_REASONS,
    InvalidLink,
    Link,
    PageLinks,
    _Resolver,
    extract_links,
    has_anchor,
    page_anchors,
    parse_srcset,
    url_allowed,
)
from crawler.extract.urls import InvalidURL, is_web_url, resolve_url, url_scheme

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "links"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def urls(page: PageLinks) -> list[str]:
    return [link.url for link in page.links]


def invalid(page: PageLinks) -> list[tuple[str, str]]:
    return [(bad.href, bad.reason) for bad in page.invalid]


# --- <base href> and resolution --------------------------------------------------------


class TestBase:
    PAGE = "https://example.org/docs/index.html"

    @pytest.fixture(scope="class")
    @classmethod
    def page(cls) -> PageLinks:
        return extract_links(fixture("base.html"), cls.PAGE)

    def test_first_base_wins_and_is_resolved_against_the_page(self, page: PageLinks) -> None:
        assert page.base_url == "https://example.org/docs/v2/"
        assert not any("ignored.example" in url for url in urls(page))

    def test_relative_forms(self, page: PageLinks) -> None:
        assert [(link.url, link.fragment, link.text) for link in page.links] == [
            ("https://example.org/docs/v2/intro.html", None, "Intro"),
            ("https://example.org/docs/v1/old.html", None, "Old version"),
            ("https://example.org/docs/v2/a/c.html", None, "Dotted"),
            ("https://example.org/about", None, "About"),
            ("https://example.org/docs/v2/?page=2", None, "Next page"),
            # Like a browser: "#install" goes to the *base*, not to the page.
            ("https://example.org/docs/v2/", "install", "Install"),
            ("https://cdn.example.net/lib.js", None, "CDN"),
            # Scheme, host and default port normalized; query kept as written,
            # tracking parameter included, because that is what gets requested.
            ("https://other.example.com/Path?B=1&a=2&utm_source=mail", "Top", "Other"),
            # Browsers read "\" as "/" in http(s) URLs.
            ("https://evil.example/path", None, "Backslashes"),
        ]
        assert page.skipped == {}
        assert page.anchors == frozenset({"install"})

    def test_unusable_first_base_falls_back_to_page(self) -> None:
        page = extract_links(fixture("base_unusable.html"), "https://example.org/dir/index.html")
        # <base target> has no href and does not count; the first <base href> is
        # javascript:, so the page URL is the base and the later base is ignored.
        assert page.base_url == "https://example.org/dir/index.html"
        assert urls(page) == ["https://example.org/dir/page.html"]

    def test_base_url_is_normalized_page_url_without_base(self) -> None:
        page = extract_links("<a href='x'>x</a>", "HTTPS://Example.ORG:443/a/b")
        assert page.base_url == "https://example.org/a/b"
        assert urls(page) == ["https://example.org/a/x"]

    def test_non_web_page_url_yields_no_relative_links(self) -> None:
        page = extract_links("<a href='x'>x</a><a href='https://ok.example/'>ok</a>", "not a url")
        assert urls(page) == ["https://ok.example/"]
        assert page.skipped == {}
        assert invalid(page) == [("x", "invalid URL: relative URL and no base URL to resolve it against")]

    def test_base_href_is_parsed_by_the_standard(self) -> None:
        page = extract_links('<base href="//B\u00fccher.example\\v2\\"><a href="x">x</a>', "https://ex.org/")
        assert page.base_url == "https://xn--bcher-kva.example/v2/"
        assert urls(page) == ["https://xn--bcher-kva.example/v2/x"]
        # A base the standard rejects is no base: the page URL is used, as browsers do.
        page = extract_links('<base href="http://exa mple/"><a href="x">x</a>', "https://ex.org/d/")
        assert (page.base_url, urls(page)) == ("https://ex.org/d/", ["https://ex.org/d/x"])


# --- the mixed fixture -----------------------------------------------------------------


class TestMixed:
    PAGE = "https://example.org/mixed"

    @pytest.fixture(scope="class")
    @classmethod
    def page(cls) -> PageLinks:
        return extract_links(fixture("mixed.html"), cls.PAGE)

    @pytest.fixture(scope="class")
    @classmethod
    def with_assets(cls) -> PageLinks:
        return extract_links(fixture("mixed.html"), cls.PAGE, include_assets=True)

    def test_navigation_links_in_document_order(self, page: PageLinks) -> None:
        assert [(link.url, link.fragment, link.tag) for link in page.links] == [
            ("https://example.org/news/", None, "a"),
            ("https://example.org/news/", "latest", "a"),
            ("https://example.org/news/", "archive", "a"),
            ("https://example.org/contact", None, "a"),
            ("https://example.org/split", None, "a"),
            ("https://example.org/with%20space/?q=a%20b", None, "a"),
            ("http://[2001:db8::1]:8080/status", None, "a"),
            ("https://example.org/image-link", None, "a"),
            ("https://example.org/map/region", None, "area"),
            ("https://example.org/long", None, "a"),
        ]

    def test_duplicates_keep_the_first_occurrence(self, page: PageLinks) -> None:
        keys = [(link.url, link.fragment) for link in page.links]
        assert len(keys) == len(set(keys))
        news = [link for link in page.links if link.url.endswith("/news/")]
        assert [link.text for link in news] == ["News", "Latest news", "Archive"]

    def test_skipped_are_counted_per_occurrence(self, page: PageLinks) -> None:
        assert page.skipped == {
            "mailto": 2,  # case-insensitive scheme
            "tel": 1,
            "javascript": 2,  # leading space stripped first
            "data": 1,
            "other-scheme": 1,  # ftp:
        }
        assert set(page.skipped) <= set(SKIP_REASONS)

    def test_invalid_links_are_reported_not_skipped(self, page: PageLinks) -> None:
        assert page.invalid == (
            InvalidLink("http://exa mple.org/", "invalid URL: host contains a forbidden code point ' ' (U+0020)",
                        "a", "Bad host"),
            InvalidLink("http://example.org:99999/", "invalid URL: port 99999 is out of range (0 to 65535)",
                        "a", "Bad port"),
        )

    def test_anchor_text(self, page: PageLinks) -> None:
        text = {link.url: link.text for link in page.links if link.fragment is None}
        assert text["https://example.org/contact"] == "Contact us"  # whitespace collapsed
        assert text["https://example.org/image-link"] == "Logo image"  # from <img alt>
        assert text["https://example.org/map/region"] == "Region"  # <area alt>
        long = text["https://example.org/long"]
        assert len(long) == MAX_TEXT and long.endswith("…")

    def test_anchors(self, page: PageLinks) -> None:
        assert page.anchors == frozenset({"legacy", "main", "footer"})
        assert page_anchors(fixture("mixed.html")) == page.anchors

    def test_assets_off_by_default(self, page: PageLinks) -> None:
        assert {link.tag for link in page.links} == {"a", "area"}

    def test_assets_on(self, with_assets: PageLinks) -> None:
        assets = [(link.url, link.tag) for link in with_assets.links if link.tag in ASSET_ATTRS]
        assert assets == [
            ("https://example.org/css/site.css", "link"),
            ("https://example.org/favicon.ico", "link"),  # rel="shortcut icon"
            ("https://example.org/js/app.js", "script"),
            ("https://example.org/img/logo.png", "img"),
            ("https://example.org/img/a.png", "img"),
            ("https://example.org/img/a-1x.png", "img"),
            ("https://example.org/img/a-2x.png", "img"),
            ("https://example.org/img/b.webp", "source"),
            ("https://cdn.example.net/w_200,h_100/b.webp", "source"),
            ("https://example.org/img/b.png", "img"),
            ("https://example.org/media/v.mp4", "video"),
            ("https://example.org/media/poster.jpg", "video"),
            ("https://example.org/media/subs.vtt", "track"),
            ("https://example.org/media/a.mp3", "audio"),
            ("https://player.example.com/embed/1", "iframe"),
        ]
        assert all(link.text == "" for link in with_assets.links if link.tag in ASSET_ATTRS)
        # The navigation links are the same ones, in the same order.
        nav = [link for link in with_assets.links if link.tag in LINK_ATTRS]
        assert nav == list(extract_links(fixture("mixed.html"), self.PAGE).links)
        assert with_assets.skipped["data"] == 2  # the data: image too

    def test_link_rels_that_are_not_resources(self, with_assets: PageLinks) -> None:
        found = set(urls(with_assets))
        for url in (
            "https://example.org/mixed",  # canonical
            "https://example.org/feed.xml",  # alternate
            "https://fonts.example.net/",  # preconnect
            "https://example.org/not-a-link",  # text inside <script>
        ):
            assert url not in found


# --- smaller cases ---------------------------------------------------------------------


def test_malformed_html_is_recovered() -> None:
    page = extract_links(fixture("malformed.html"), "https://example.org/m/")
    found = urls(page)
    for path in ("/two", "/three", "/four", "/five"):
        assert f"https://example.org{path}" in found
    assert "https://example.org/commented" not in found
    assert page.skipped == {}
    assert invalid(page) == [
        ("http://[::1/", "invalid URL: IPv6 address '[::1' has no closing ']'"),
        ("http://%zz:x/", "invalid URL: port 'x' is not a number"),
    ]


@pytest.mark.parametrize("html", ["", b"", "   ", "\x00", b"\xff\xfe", "<", "<html>", "<!-- x"])
def test_empty_or_degenerate_documents(html: str | bytes) -> None:
    page = extract_links(html, "https://example.org/")
    assert page.links == ()
    assert page.base_url == "https://example.org/"


def test_uppercase_and_unquoted_attributes() -> None:
    page = extract_links("<A HREF=/X>x</A><AREA HREF='/y'>", "http://ex.org/")
    assert urls(page) == ["http://ex.org/X", "http://ex.org/y"]
    assert [link.tag for link in page.links] == ["a", "area"]


def test_whitespace_inside_href() -> None:
    html = '<a href="\n\t https://ex.org/a\n/b?c=\td  \n">x</a>'
    assert urls(extract_links(html, "https://ex.org/")) == ["https://ex.org/a/b?c=d"]


def test_ipv6_hosts() -> None:
    html = (
        '<a href="http://[::1]/">a</a><a href="https://[2001:DB8::1]:443/x">b</a>'
        '<a href="http://[fe80::zz]/">bad</a>'
    )
    page = extract_links(html, "http://[::1]:8000/p")
    assert urls(page) == ["http://[::1]/", "https://[2001:db8::1]/x"]
    assert invalid(page) == [("http://[fe80::zz]/", "invalid URL: invalid IPv6 address '[fe80::zz]'")]
    relative = extract_links("<a href='/q'>q</a>", "http://[::1]:8000/p")
    assert urls(relative) == ["http://[::1]:8000/q"]


def test_fragments() -> None:
    html = '<a href="#a">1</a><a href="#a">2</a><a href="/p#">3</a><a href="/p#b%20c">4</a>'
    page = extract_links(html, "https://ex.org/p?x=1")
    assert [(link.url, link.fragment) for link in page.links] == [
        ("https://ex.org/p?x=1", "a"),  # same-page fragment keeps the page's query
        ("https://ex.org/p", None),  # an empty fragment is no fragment
        ("https://ex.org/p", "b%20c"),  # kept as written; has_anchor() decodes
    ]


def test_has_anchor() -> None:
    anchors = frozenset({"intro", "b c"})
    assert has_anchor(None, anchors) and has_anchor("", anchors) and has_anchor("TOP", anchors)
    assert has_anchor("intro", anchors) and has_anchor("b%20c", anchors)
    assert not has_anchor("Intro", anchors)  # ids are case-sensitive


def test_srcset_parsing() -> None:
    assert parse_srcset("a.png") == ["a.png"]
    assert parse_srcset("a.png 1x,b.png 2x") == ["a.png", "b.png"]
    assert parse_srcset("a.png, b.png,") == ["a.png", "b.png"]  # trailing comma ends a URL
    # Like browsers: a URL runs to whitespace, so this is one URL with a comma in it.
    assert parse_srcset("a.png,b.png") == ["a.png,b.png"]
    assert parse_srcset("a.png (max-width: 1px, 2px) 1x, b.png") == ["a.png", "b.png"]
    assert parse_srcset("data:image/png;base64,AAA= 1x, c.png 2x") == [
        "data:image/png;base64,AAA=",
        "c.png",
    ]
    page = extract_links(
        '<img srcset="data:image/gif;base64,R0l= 1x, /c.png 2x">',
        "https://ex.org/",
        include_assets=True,
    )
    assert urls(page) == ["https://ex.org/c.png"]
    assert page.skipped == {"data": 1}


def test_bytes_input_and_encodings() -> None:
    utf8 = '<a href="/caf\u00e9">Caf\u00e9</a>'.encode("utf-8")
    latin1 = (
        b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        b'<a href="/caf\xe9">Caf\xe9</a>'
    )
    for html in (utf8, latin1):
        (link,) = extract_links(html, "https://ex.org/").links
        # The text is decoded right; the path is UTF-8, percent-encoded, as the standard spells it.
        assert (link.url, link.text) == ("https://ex.org/caf%C3%A9", "Caf\u00e9")
    # Decoded text that still declares an encoding must not trip lxml.
    declared = '<?xml version="1.0" encoding="iso-8859-1"?><a href="/\u00fc">\u00fc</a>'
    assert urls(extract_links(declared, "https://ex.org/")) == ["https://ex.org/%C3%BC"]


def test_max_links_counts_the_rest() -> None:
    html = "".join(f'<a href="/{i}">{i}</a>' for i in range(10)) + '<a href="/0">again</a>'
    page = extract_links(html, "https://ex.org/", max_links=3)
    assert urls(page) == ["https://ex.org/0", "https://ex.org/1", "https://ex.org/2"]
    assert page.skipped == {"limit": 7}  # the repeat of /0 is a duplicate, not over the limit


def test_link_is_frozen_and_hashable() -> None:
    link = Link("https://ex.org/", None, "a", "x")
    with pytest.raises(AttributeError):
        link.url = "x"  # type: ignore[misc]
    assert len({link, Link("https://ex.org/", None, "a", "x")}) == 1
    bad = InvalidLink("http://", "invalid URL: empty host", "a")
    with pytest.raises(AttributeError):
        bad.href = "x"  # type: ignore[misc]
    assert len({bad, InvalidLink("http://", "invalid URL: empty host", "a")}) == 1


# --- hrefs as browsers read them (issue 11) ----------------------------------------------


def test_the_issue_cases() -> None:
    html = ('<a href="http://">empty host</a><a href="http://localhost]">bracket</a>'
            '<a href="http:/www.example.com/">one slash</a>')
    page = extract_links(html, "https://ex.org/p")
    assert invalid(page) == [
        ("http://", "invalid URL: empty host"),
        ("http://localhost]", "invalid URL: host contains a forbidden code point ']'"),
    ]
    assert [bad.text for bad in page.invalid] == ["empty host", "bracket"]
    assert urls(page) == ["http://www.example.com/"]  # urljoin made it https://ex.org/www.example.com/
    assert page.skipped == {}


def test_one_slash_on_a_same_scheme_page_is_a_path() -> None:
    # The standard (and so browsers): "http:/x" on an http: page is relative to that page.
    page = extract_links('<a href="http:/www.example.com/">x</a>', "http://ex.org/dir/p")
    assert urls(page) == ["http://ex.org/www.example.com/"]


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("\\\\cdn.example\\a\\b?q=\\", "https://cdn.example/a/b?q=\\"),  # "\" is "/" before the query only
        ("/a\n/b\t/c\r", "https://ex.org/a/b/c"),  # tabs and newlines removed anywhere
        ("\x0c /a ", "https://ex.org/a"),  # form feed and spaces trimmed at both ends
        ("HTTP://B\u00dcCHER.example/", "http://xn--bcher-kva.example/"),  # IDNA: punycode
        ("http://\u0440\u0444.example/", "http://xn--p1ai.example/"),
        ("http://0x7f.1/", "http://127.0.0.1/"),  # IPv4 numbers in any base, as browsers read them
        ("http://2130706433/", "http://127.0.0.1/"),
        ("http://0177.0.0.01/", "http://127.0.0.1/"),
        ("/a b/\u00e9?q=a b&r=\u00e9", "https://ex.org/a%20b/%C3%A9?q=a%20b&r=%C3%A9"),
        ("/a/./b/../c/%2e%2E/d", "https://ex.org/a/d"),  # dot segments, encoded ones too
        ("?", "https://ex.org/dir/p?"),  # an empty query is kept, as the standard serializes it
        ("https://ex.org:443/x?utm_source=a&b=1", "https://ex.org/x?utm_source=a&b=1"),  # tracking kept
        ("//user:pw@ex.org:8080/", "https://user:pw@ex.org:8080/"),
    ],
)
def test_browser_rules(href: str, expected: str) -> None:
    page = extract_links(f'<a href="{href}">x</a>', "https://ex.org/dir/p?x=1")
    assert urls(page) == [expected]


def test_fragments_are_split_out_as_the_standard_encodes_them() -> None:
    html = '<a href="/p#a b">1</a><a href="#caf\u00e9">2</a><a href="/p#a%20b">3</a>'
    page = extract_links(html, "https://ex.org/p")
    assert [(link.url, link.fragment) for link in page.links] == [
        ("https://ex.org/p", "a%20b"),
        ("https://ex.org/p", "caf%C3%A9"),
    ]  # the third is the first again
    assert has_anchor("caf%C3%A9", {"caf\u00e9"}) and has_anchor("a%20b", {"a b"})


def test_invalid_links_are_unique_by_href_and_keep_the_first_tag_and_text() -> None:
    html = ('<a href=" http://a b/ ">first</a><a href="http://a\tb/">tab</a>'
            '<img src="http://a b/"><a href="http://a b/">again</a>')
    page = extract_links(html, "https://ex.org/", include_assets=True)
    # Trimmed before it is compared; the <img> and the last <a> are the same href again.
    assert [(bad.href, bad.tag, bad.text) for bad in page.invalid] == [("http://a b/", "a", "first")]
    assert urls(page) == ["http://ab/"]  # a tab is removed, not refused: "http://ab/" is a fine URL


def test_max_links_counts_invalid_links_too() -> None:
    html = '<a href="http://">0</a><a href="/1">1</a><a href="http://a b">2</a><a href="/3">3</a>'
    page = extract_links(html, "https://ex.org/", max_links=2)
    assert urls(page) == ["https://ex.org/1"] and invalid(page) == [("http://", "invalid URL: empty host")]
    assert page.skipped == {"limit": 2}


def test_other_schemes_are_skipped_even_when_malformed() -> None:
    page = extract_links('<a href="ftp://a b/">f</a><a href="mailto:a b">m</a>', "https://ex.org/")
    assert page.skipped == {"other-scheme": 1, "mailto": 1} and page.invalid == ()


def test_page_record_round_trip() -> None:
    page = extract_links('<a href="/x#t">x</a><a href="mailto:a@b">m</a><img src="http://">', "https://ex.org/",
                         include_assets=True)
    record = page.as_record()
    assert record == {"links": [["https://ex.org/x", "t", "a", "x"]], "skipped": {"mailto": 1},
                      "invalid": [["http://", "invalid URL: empty host", "img", ""]]}
    again = PageLinks.remembered(record, ["t"])
    assert (again.links, again.skipped, again.anchors) == (
        (Link("https://ex.org/x", "t", "a", "x"),), {"mailto": 1}, frozenset({"t"}))
    assert again.invalid == (InvalidLink("http://", "invalid URL: empty host", "img"),)


def test_a_record_from_before_invalid_links_still_loads() -> None:
    old = {"links": [["https://ex.org/x", "", "a"]], "skipped": {"invalid": 2}}
    page = PageLinks.remembered(old, [])
    assert page.links == (Link("https://ex.org/x", None, "a"),) and page.invalid == ()
    assert page.skipped == {"invalid": 2}  # its hrefs were not kept; the count is all there is


def test_five_thousand_links_in_document_order() -> None:
    # Their speed is measured by the bench (python -m bench), not asserted here.
    html = "<html><body><ul>" + "".join(
        f'<li><a href="/item/{i}?ref=list#c{i % 3}">Item <b>{i}</b></a>'
        f' <a href="https://partner{i % 40}.example.com/p/{i}">partner</a></li>'
        for i in range(2500)
    ) + "</ul></body></html>"
    page = extract_links(html, "https://example.org/list")
    assert len(page.links) == 5000
    assert page.links[0] == Link("https://example.org/item/0?ref=list", "c0", "a", "Item 0")
    assert page.links[-1] == Link("https://partner19.example.com/p/2499", None, "a", "partner")


def test_url_allowed() -> None:
    include = [re.compile(r"^https://ex\.org/")]
    exclude = (re.compile(r"\.pdf$"), re.compile(r"/private/"))
    assert url_allowed("https://ex.org/a", [], [])
    assert url_allowed("https://other.org/a", (), exclude)  # empty include allows all
    assert url_allowed("https://ex.org/a", include, exclude)
    assert not url_allowed("https://other.org/a", include, exclude)
    assert not url_allowed("https://ex.org/x.pdf", include, exclude)  # exclude wins
    assert not url_allowed("https://ex.org/private/a", include, exclude)
    assert url_allowed("https://ex.org/a", [r"ex\.org"], [r"zzz"])  # plain strings too
    assert url_allowed("https://ex.org/a", iter([r"ex\.org"]), iter([]))  # any iterable


# --- robustness and consistency ---------------------------------------------------------

_HREF_PIECES = st.sampled_from(
    [
        "", "#", "#x", "/", "//", "///", "?", "a", "..", ".", "/..", "\\", " ", "\n", "\t",
        "http:", "https:", "HTTP://", "mailto:", "javascript:", "data:,", "ftp://",
        "[", "]", "::1", "@", ":", ":80", ":99999", "%", "%zz", "ex.org", "\u00e9", "\x00",
        "\ud800", ",", " 2x", "(", ")", '"', "'", "<", ">", "&amp;",
    ]
)
_HREFS = st.one_of(st.text(max_size=30), st.lists(_HREF_PIECES, max_size=8).map("".join))
_TAGS = st.sampled_from(sorted({**LINK_ATTRS, **ASSET_ATTRS, "base": ()}) + ["div", "A", "IMG"])
_ATTRS = st.sampled_from(["href", "src", "srcset", "poster", "id", "name", "rel", "HREF"])


@st.composite
def _html_documents(draw: st.DrawFn) -> str | bytes:
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        tag = draw(_TAGS)
        attrs = " ".join(
            f'{draw(_ATTRS)}="{draw(_HREFS)}"' for _ in range(draw(st.integers(0, 3)))
        )
        if tag == "link":
            attrs += ' rel="stylesheet"'
        parts.append(f"<{tag} {attrs}>{draw(st.text(max_size=5))}")
        if draw(st.booleans()):
            parts.append(f"</{tag}>")
    html = "".join(parts)
    return html.encode("utf-8", "replace") if draw(st.booleans()) else html


_PAGE_URLS = st.one_of(
    st.sampled_from(
        [
            "https://ex.org/a/b",
            "http://[::1]:8080/",
            "HTTP://EX.ORG",
            "",
            "file:///x",
            "http://[::1",
        ]
    ),
    st.text(max_size=20),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    html=st.one_of(_html_documents(), st.text(max_size=200), st.binary(max_size=200)),
    page_url=_PAGE_URLS,
    include_assets=st.booleans(),
)
def test_extract_links_never_raises(html: str | bytes, page_url: str, include_assets: bool) -> None:
    page = extract_links(html, page_url, include_assets=include_assets, max_links=5)
    assert len(page.links) <= 5
    keys = [(link.url, link.fragment) for link in page.links]
    assert len(keys) == len(set(keys))
    assert len(page.links) + len(page.invalid) <= 5
    for link in page.links:
        assert is_web_url(link.url), link
        assert "#" not in link.url and " " not in link.url
        assert resolve_url(link.url) == link.url  # the standard's own spelling
        assert link.fragment is None or link.fragment
        assert len(link.text) <= MAX_TEXT
        assert link.text == "" or link.tag in LINK_ATTRS
    hrefs = [bad.href for bad in page.invalid]
    assert len(hrefs) == len(set(hrefs))
    for bad in page.invalid:
        assert bad.href and bad.reason.startswith("invalid URL: ")
        assert bad.text == "" or bad.tag in LINK_ATTRS
        with pytest.raises(InvalidURL):
            resolve_url(bad.href, page.base_url)
    assert set(page.skipped) <= set(SKIP_REASONS)
    assert all(count > 0 for count in page.skipped.values())
    assert isinstance(page.base_url, str)


_RELATIVE = st.lists(
    st.sampled_from(["a", "b", "/", "\\", ".", "..", "?", "=", "#", "c.html", " ", "%", "\u00e9", ":", "@"]),
    max_size=7,
)


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(
        ["https://ex.org/", "https://ex.org/a/b/c.html", "https://ex.org/a/?q=1", "http://ex.org"]
    ),
    pieces=_RELATIVE,
)
def test_memoized_resolution_is_the_standard(base: str, pieces: list[str]) -> None:
    """The resolver adds only the memo and the fragment split to the standard's parser."""
    href = "".join(pieces)
    resolve = _Resolver(base)
    got = resolve(href)
    assert resolve(href) is got  # memoized
    url, fragment, reason, problem = got
    if url_scheme(href) not in ("", "http", "https"):
        assert (url, problem, reason) == (None, None, "other-scheme")  # "a:b" is not a relative URL
        return
    assert reason is None
    try:
        expected = resolve_url(href, base)
    except InvalidURL as exc:
        assert (url, problem) == (None, f"invalid URL: {exc}")
    else:
        assert problem is None
        assert url == expected.partition("#")[0] and fragment == (expected.partition("#")[2] or None)
