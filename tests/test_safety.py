"""crawler.crawl.safety middlewares on hand-made requests and responses (no network)."""

from __future__ import annotations

import gzip

import brotli
import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.conf import build_component_list
from scrapy.utils.test import get_crawler

from crawler.core.classify import describe_failure
from crawler.crawl import settings as project_settings
from crawler.crawl.safety import (
    BoundedHttpCompressionMiddleware,
    DecompressionLimitExceeded,
    InvalidStatus,
    RedirectGuardMiddleware,
    RefusedRedirect,
    StatusGuardMiddleware,
    UndecodableBody,
    redirect_target,
)
from tests.faults.servers import MIB, gzip_bomb, zlib_bomb

PAGE = "https://ssl-and-tls.example/handshake"  # the TLS words must not make these "tls" errors


def describe(exc: BaseException, url: str = PAGE) -> tuple[str, str]:
    return describe_failure(exc, url, timeout=30, max_redirects=10, max_body_bytes=1000)


def redirect_response(location: bytes, status: int = 302, url: str = PAGE) -> Response:
    return Response(url, status=status, headers={"Location": location})


# -- redirect_target -------------------------------------------------------------------


@pytest.mark.parametrize("location, target", [
    (b"/b", "https://ssl-and-tls.example/b"),
    (b"//other.example/x", "https://other.example/x"),
    (b"http://other.example:8080/", "http://other.example:8080/"),
    (b"FILE:///etc/passwd", "file:///etc/passwd"),
    (b"data:text/html,hi", "data:text/html,hi"),
])
def test_redirect_target_resolves_like_scrapy(location, target):
    assert redirect_target(PAGE, location) == target


@pytest.mark.parametrize("location", [b"http://[::1", b"http://a.example:99999/", b"http:///no-host"])
def test_redirect_target_rejects_unusable_urls(location):
    with pytest.raises(ValueError):
        redirect_target(PAGE, location)


# -- RedirectGuardMiddleware -----------------------------------------------------------


@pytest.fixture
def guard() -> RedirectGuardMiddleware:
    return RedirectGuardMiddleware.from_crawler(get_crawler())


@pytest.mark.parametrize("location, scheme", [
    (b"file:///etc/passwd", "file"), (b"ftp://ftp.example/x", "ftp"), (b"data:,x", "data"),
    (b"javascript:alert(1)", "javascript"), (b"mailto:a@b.example", "mailto"),
])
def test_guard_refuses_redirects_to_other_schemes(guard, location, scheme):
    with pytest.raises(RefusedRedirect) as caught:
        guard.process_response(Request(PAGE), redirect_response(location))
    assert describe(caught.value) == ("redirect-refused", f"redirect to unsupported scheme {scheme}: refused")


def test_guard_refuses_an_unparsable_location(guard):
    with pytest.raises(RefusedRedirect) as caught:
        guard.process_response(Request(PAGE), redirect_response(b"http://[::1"))
    assert describe(caught.value) == ("redirect-refused", "redirect to an invalid URL 'http://[::1': refused")


@pytest.mark.parametrize("response", [
    redirect_response(b"https://elsewhere.example/"),
    redirect_response(b"/relative", status=308),
    redirect_response(b"file:///etc/passwd", status=200),  # not a redirect status
    redirect_response(b"file:///etc/passwd", status=304),
    Response(PAGE, status=302),  # no Location: RedirectMiddleware ignores it too
])
def test_guard_lets_everything_else_through(guard, response):
    assert guard.process_response(Request(PAGE), response) is response


@pytest.mark.parametrize("meta", [
    {"dont_redirect": True}, {"handle_httpstatus_all": True}, {"handle_httpstatus_list": [302]},
])
def test_guard_leaves_3xx_to_requests_that_handle_them(guard, meta):
    response = redirect_response(b"file:///etc/passwd")
    assert guard.process_response(Request(PAGE, meta=meta), response) is response


def test_guard_is_off_when_redirects_are(guard):
    with pytest.raises(NotConfigured):
        RedirectGuardMiddleware.from_crawler(get_crawler(settings_dict={"REDIRECT_ENABLED": False}))


# -- BoundedHttpCompressionMiddleware --------------------------------------------------


@pytest.fixture
def compression() -> BoundedHttpCompressionMiddleware:
    return BoundedHttpCompressionMiddleware.from_crawler(get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 100_000}))


def encoded(body: bytes, encoding: str) -> Response:
    return Response(PAGE, body=body, headers={"Content-Encoding": encoding, "Content-Type": "text/html"})


@pytest.mark.parametrize("encoding, body", [
    ("gzip", b"".join(gzip_bomb(8 * MIB))),
    ("deflate", b"".join(zlib_bomb(8 * MIB))),
    ("br", brotli.compress(bytes(8 * MIB), quality=1)),
])
def test_bomb_stops_at_the_limit_with_a_specific_error(compression, encoding, body):
    with pytest.raises(DecompressionLimitExceeded) as caught:
        compression.process_response(Request(PAGE), encoded(body, encoding))
    exc = caught.value
    assert (exc.limit, exc.compressed_bytes, exc.encoding) == (100_000, len(body), encoding)
    assert describe(exc) == ("decompression", f"compressed response ({encoding}, {len(body)} bytes) "
                             "expands past max_body_bytes (100000 bytes); decompression stopped")


def test_per_request_maxsize_is_honoured(compression):
    body = gzip.compress(bytes(50_000))
    request = Request(PAGE, meta={"download_maxsize": 10_000})
    with pytest.raises(DecompressionLimitExceeded) as caught:
        compression.process_response(request, encoded(body, "gzip"))
    assert caught.value.limit == 10_000


def test_normal_compressed_page_is_decoded(compression):
    page = b"<title>Small</title>" + b" " * 50_000
    response = compression.process_response(Request(PAGE), encoded(gzip.compress(page), "gzip"))
    assert isinstance(response, HtmlResponse) and response.body == page
    assert b"Content-Encoding" not in response.headers


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_body_that_does_not_decode_is_a_specific_error(compression, encoding):
    with pytest.raises(UndecodableBody) as caught:
        compression.process_response(Request(PAGE), encoded(b"plain text, not compressed", encoding))
    kind, message = describe(caught.value)
    assert kind == "decoding"
    assert message.startswith(f"response body is not valid {encoding} as declared by Content-Encoding: ")


def test_unknown_encoding_is_left_alone(compression):
    response = encoded(b"whatever", "x-custom")
    assert compression.process_response(Request(PAGE), response).body == b"whatever"


# -- StatusGuardMiddleware -------------------------------------------------------------


@pytest.mark.parametrize("status", [100, 200, 302, 404, 599])
def test_valid_statuses_pass(status):
    response = Response(PAGE, status=status)
    assert StatusGuardMiddleware().process_response(Request(PAGE), response) is response


@pytest.mark.parametrize("status, shown", [
    (0, "0"), (-1, "-1"), (600, "600"), (10**19, "10000000000000000000"), (10**40, "10000000000000000000…"),
])
def test_invalid_statuses_are_refused(status, shown):
    with pytest.raises(InvalidStatus) as caught:
        StatusGuardMiddleware().process_response(Request(PAGE), Response(PAGE, status=status))
    assert describe(caught.value) == (
        "protocol", f"invalid HTTP status {shown} from ssl-and-tls.example (valid codes are 100-599)")


# -- registration ------------------------------------------------------------------------


def test_project_settings_put_the_guards_in_the_right_places():
    crawler = get_crawler(settings_dict={"DOWNLOADER_MIDDLEWARES": project_settings.DOWNLOADER_MIDDLEWARES})
    order = build_component_list(crawler.settings.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES"))
    names = [getattr(c, "__name__", c) if not isinstance(c, str) else c.rsplit(".", 1)[-1] for c in order]
    assert "HttpCompressionMiddleware" not in names
    assert "BoundedHttpCompressionMiddleware" in names
    # process_response runs from the end of this list to the start:
    # StatusGuard first, HopRecorder records the hop, then the guard refuses, before the redirect is built
    # (by Scrapy's RedirectMiddleware, with the chain's cookies: crawler.crawl.middlewares.ChainCookies).
    assert "RedirectMiddleware" not in names
    assert names.index("CookieRedirectMiddleware") < names.index("RedirectGuardMiddleware") \
        < names.index("HopRecorderMiddleware") < names.index("StatusGuardMiddleware")
    assert names[-1] == "StatusGuardMiddleware"
