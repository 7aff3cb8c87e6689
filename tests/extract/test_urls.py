"""URLs as browsers read them: the WHATWG URL Standard's results, and the reasons we
give when it rejects a URL. Expected values are the standard's (url.spec.whatwg.org)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract.urls import NOT_A_URL, InvalidURL, clean_url, resolve_url, url_problem, url_scheme

PAGE = "https://ex.org/dir/page?x=1"


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        # one slash after the scheme: the host on another scheme's page (or none)...
        (PAGE, "http:/www.example.com/", "http://www.example.com/"),
        (None, "http:www.example.com", "http://www.example.com/"),
        # ...but a path on a page of the same scheme
        ("http://ex.org/dir/page", "http:/www.example.com/", "http://ex.org/www.example.com/"),
        ("http://ex.org/dir/page", "http:x", "http://ex.org/dir/x"),
        # backslashes are slashes in http(s) URLs, before the query
        (PAGE, "\\\\cdn.example\\a\\..\\b?q=\\", "https://cdn.example/b?q=\\"),
        (PAGE, "/\\cdn.example/", "https://cdn.example/"),
        # tabs and newlines anywhere, C0 controls and spaces at the ends
        (PAGE, "\t/a\n/b\r", "https://ex.org/a/b"),
        (PAGE, "\x00\x1f /a \x0c", "https://ex.org/a"),
        (None, "ht\ttp://ex\n.org/", "http://ex.org/"),
        # hosts: lower case, IDNA (non-transitional: ß stays ß), trailing dot kept
        (None, "HTTPS://EX.ORG", "https://ex.org/"),
        (None, "http://B\u00fccher.example/", "http://xn--bcher-kva.example/"),
        (None, "http://fa\u00df.de/", "http://xn--fa-hia.de/"),
        (None, "http://ex.org./", "http://ex.org./"),
        (None, "http://ex%2Eorg/", "http://ex.org/"),
        # IPv4 numbers as browsers read them
        (None, "http://0x7f.1/", "http://127.0.0.1/"),
        (None, "http://2130706433/", "http://127.0.0.1/"),
        (None, "http://0177.0.0.01/", "http://127.0.0.1/"),
        (None, "http://192.168.257/", "http://192.168.1.1/"),
        (None, "http://[0:0::127.0.0.1]:8080/", "http://[::7f00:1]:8080/"),
        # default ports dropped, others kept
        (None, "http://ex.org:80/", "http://ex.org/"),
        (None, "https://ex.org:80/", "https://ex.org:80/"),
        (None, "http://ex.org:/", "http://ex.org/"),
        # percent-encoding: spaces and non-ASCII in path, query and fragment; ' in a special query
        (None, "http://ex.org/a b/\u00e9?q=a b&r=\u00e9#f \u00e9", "http://ex.org/a%20b/%C3%A9?q=a%20b&r=%C3%A9#f%20%C3%A9"),
        (None, "https://ex.org/?q='\"<>", "https://ex.org/?q=%27%22%3C%3E"),
        (None, "https://ex.org/%7Efoo%zz", "https://ex.org/%7Efoo%zz"),  # existing escapes left alone
        # dot segments, encoded ones too; empty segments kept
        (None, "http://ex.org/a/./b/../c/%2e%2E/d//e", "http://ex.org/a/d//e"),
        # relative forms
        (PAGE, "//other.example", "https://other.example/"),
        (PAGE, "", "https://ex.org/dir/page?x=1"),
        (PAGE, "?", "https://ex.org/dir/page?"),
        (PAGE, "#top", "https://ex.org/dir/page?x=1#top"),
        (PAGE, "../up", "https://ex.org/up"),
        (PAGE, "///three", "https://three/"),
        (None, "https://user:pw@ex.org/", "https://user:pw@ex.org/"),
    ],
)
def test_resolve_url_is_the_standard(base: str | None, url: str, expected: str) -> None:
    assert resolve_url(url, base) == expected


@pytest.mark.parametrize(
    ("url", "base", "reason"),
    [
        ("http://", None, "empty host"),
        ("http://localhost]", None, "host contains a forbidden code point ']'"),
        ("http://www.exa mple.org/some page", None, "host contains a forbidden code point ' ' (U+0020)"),
        ("http://ex%20ample.org/", None, "host contains a forbidden code point ' ' (U+0020)"),
        ("http://a%zz.b/", None, "host contains a forbidden code point '%'"),
        ("http://a|b/", None, "host contains a forbidden code point '|'"),
        ("http://ex\uff03.org/", None, "host 'ex\uff03.org' contains a forbidden code point '#' once mapped (IDNA)"),
        ("http://\u00ad/", None, "host '\\xad' is not a valid international domain name (IDNA)"),  # soft hyphen
        ("http://ex.org:65536/", None, "port 65536 is out of range (0 to 65535)"),
        ("http://ex.org:8o/", None, "port '8o' is not a number"),
        ("http://[::1", None, "IPv6 address '[::1' has no closing ']'"),
        ("http://[::1]x/", None, "unexpected 'x' after the IPv6 address"),
        ("http://[1:2:3]/", None, "invalid IPv6 address '[1:2:3]'"),
        ("http://1.2.3.4.5/", None, "invalid IPv4 address '1.2.3.4.5'"),
        ("http://1.2.3.256/", None, "invalid IPv4 address '1.2.3.256'"),
        ("http://999999999999/", None, "invalid IPv4 address '999999999999'"),
        ("http://ex.0x/", None, "invalid IPv4 address 'ex.0x'"),
        ("http://user@/", None, "user name or password but no host"),
        ("//ex.org:99999/", PAGE, "port 99999 is out of range (0 to 65535)"),
        ("\\\\", PAGE, "empty host"),
        ("page.html", None, "relative URL and no base URL to resolve it against"),
        ("page.html", "not a url", "relative URL and the base URL 'not a url' is not valid"),
        ("\ud800", PAGE, "contains a lone surrogate, which is not a character"),
    ],
)
def test_invalid_urls_say_why(url: str, base: str | None, reason: str) -> None:
    with pytest.raises(InvalidURL) as info:
        resolve_url(url, base)
    assert str(info.value) == reason
    assert isinstance(info.value, ValueError)


def test_a_space_in_the_path_is_not_a_problem() -> None:
    assert resolve_url("http://www.example.org/some page") == "http://www.example.org/some%20page"


def test_clean_url_and_url_scheme() -> None:
    assert clean_url("\x01 \thttp://a/\nb \x1f") == "http://a/b"
    assert clean_url("/a\x0cb") == "/a\x0cb"  # a form feed inside stays (the parser encodes it)
    assert [url_scheme(u) for u in ("HTTP://x", " tel:1", "/p:q", "1a:b", "a+b-c.d:", "")] == [
        "http", "tel", "", "", "a+b-c.d", ""]


_PIECES = st.sampled_from(
    ["http:", "https:", "//", "/", "\\", "[", "]", "::1", "@", ":", ":80", ":99999", "%", "%zz", "%20",
     "ex.org", "0x", "1.", "\u00e9", "\u00ad", "\x00", " ", "\t", "#", "?", "xn--", "|", "a"]
)


@settings(max_examples=500, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=8), base=st.sampled_from([None, PAGE, "http://ex.org/", "not a url"]))
def test_never_raises_anything_but_invalid_url(pieces: list[str], base: str | None) -> None:
    url = "".join(pieces)
    try:
        resolved = resolve_url(url, base)
    except InvalidURL as exc:
        assert str(exc) and str(exc) == url_problem(url, base)
    else:
        assert resolve_url(resolved) == resolved  # the standard's spelling is stable


def test_the_generic_reason_is_rare() -> None:
    """Most rejected http(s) URLs get a specific reason; NOT_A_URL is the fallback."""
    assert url_problem("http://[") != NOT_A_URL
    assert url_problem("foo://a b/") == "host contains a forbidden code point ' ' (U+0020)"
