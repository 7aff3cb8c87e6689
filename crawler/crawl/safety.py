"""Downloader middlewares that keep a hostile server from misleading a run.

What Scrapy 2.19 already does, and is relied on here (see tests/faults):

* DOWNLOAD_TIMEOUT is one timer per attempt, from connect to last byte; data
  arriving does not reset it, so a server dripping a byte a second is cut off.
* DOWNLOAD_MAXSIZE stops a download both when Content-Length announces too much
  and when the bytes received pass it.
* HttpCompressionMiddleware decompresses in 64 KiB steps and stops once the
  output passes DOWNLOAD_MAXSIZE, so a gzip/deflate/brotli bomb never expands in
  memory.

What it does not do, and these middlewares add:

* RedirectGuardMiddleware: RedirectMiddleware silently declines a redirect to
  file:, ftp:, data:, ... and hands back the 3xx itself, which the check then
  reports as a puzzling "HTTP 302 Found". The guard refuses such a redirect (and
  one to a URL that cannot be parsed) with an error that says so.
* BoundedHttpCompressionMiddleware: the stock middleware reports a bomb as a
  generic IgnoreRequest naming a Scrapy setting, and a body that is not valid
  gzip/deflate/br/zstd as whatever the decoder raised; this subclass raises
  DecompressionLimitExceeded or UndecodableBody, reported in the user's terms.
* StatusGuardMiddleware: Twisted accepts any integer as a status code; one too
  big for SQLite crashed the storage pipeline and left the run incomplete.
  A status outside 100-599 (RFC 9110, section 15) is refused as a protocol error,
  except 999: LinkedIn and others answer crawlers with it, and a link behind it is
  "blocked" (crawler.core.linkstatus), not a protocol failure.
* PrivateAddressGuardMiddleware: a page can link to http://169.254.169.254/ or
  to a router on 192.168.0.1; checking it would let any page probe the network
  healthcrawl runs in. With block_private_addresses (on by default), every request
  to a host you did not list whose address is loopback, private, link-local,
  reserved or cloud-metadata is refused: a link, a redirect a link leads to, a
  feed a page advertises, and a redirect a listed resource answers with. The hosts
  of the URLs you list (resources and their `feed:`) are yours to point anywhere
  (an intranet site keeps its internal links checked); a resource with
  `allow_private_redirects: true` may also be sent, and its feed found, anywhere.
  A refused link is recorded as "blocked"; a refused redirect of a resource is its
  check's error ("redirect to a private address blocked: ...").
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from w3lib.url import safe_url_string

from crawler.core.classify import (
    describe_decompression_limit,
    describe_invalid_status,
    describe_refused_redirect,
    describe_undecodable_body,
)
from crawler.crawl.meta import HOPS_KEY, LINK_KEY
from crawler.crawl.reactor import running_reactor

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.core.config import Config

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
FOLLOWED_SCHEMES = frozenset({"http", "https"})  # what RedirectMiddleware will follow


class RefusedRedirect(IgnoreRequest):
    """A redirect the crawler will not follow; `target` is the Location as sent."""

    def __init__(self, target: str):
        self.target = target
        super().__init__(describe_refused_redirect(target))


class DecompressionLimitExceeded(IgnoreRequest):
    """A compressed body that expands past DOWNLOAD_MAXSIZE (a decompression bomb)."""

    def __init__(self, limit: int, compressed_bytes: int, encoding: str):
        self.limit, self.compressed_bytes, self.encoding = limit, compressed_bytes, encoding
        super().__init__(describe_decompression_limit(limit, compressed_bytes, encoding))


class UndecodableBody(IgnoreRequest):
    """A body its Content-Encoding cannot decode (truncated or not compressed at all)."""

    def __init__(self, encoding: str, detail: str):
        self.encoding, self.detail = encoding, detail
        super().__init__(describe_undecodable_body(encoding, detail))


class InvalidStatus(IgnoreRequest):
    """A status line whose code no HTTP server may send."""

    def __init__(self, status: int, url: str):
        self.status, self.url = status, url
        super().__init__(describe_invalid_status(status, url))


def redirect_target(request_url: str, location: bytes) -> str:
    """The absolute URL a Location header points to, resolved the way Scrapy's
    RedirectMiddleware resolves it; ValueError if it is not a usable URL.

    >>> redirect_target("https://a.example/x/y", b"../z")
    'https://a.example/z'
    >>> redirect_target("https://a.example/", b"//b.example/p")
    'https://b.example/p'
    >>> redirect_target("http://a.example/", b"file:///etc/passwd")
    'file:///etc/passwd'
    """
    text = safe_url_string(location)
    if location.startswith(b"//"):
        text = urlsplit(request_url).scheme + "://" + text.lstrip("/")
    target = urljoin(request_url, text)
    parts = urlsplit(target)
    if parts.scheme in FOLLOWED_SCHEMES:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
        if not parts.hostname:
            raise ValueError(f"no host in {target!r}")
    return target


class RedirectGuardMiddleware:
    """Refuses redirects RedirectMiddleware would not follow, with a reason.

    Sits between RedirectMiddleware (600) and HopRecorderMiddleware (700): the
    refused hop is still recorded in the check's redirect chain.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("REDIRECT_ENABLED"):
            raise NotConfigured("redirects are not followed, so none needs refusing")
        return cls()

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_STATUSES or location is None:
            return response
        if _handles_itself(request, response):
            return response
        text = location.decode("latin-1")
        try:
            target = redirect_target(request.url, location)
        except ValueError:
            raise RefusedRedirect(text) from None
        if urlsplit(target).scheme not in FOLLOWED_SCHEMES:
            raise RefusedRedirect(target)
        return response


def _handles_itself(request: Request, response: Response) -> bool:
    """The same opt-outs RedirectMiddleware honours: the request wants the 3xx."""
    meta = request.meta
    return bool(
        meta.get("dont_redirect")
        or meta.get("handle_httpstatus_all")
        or response.status in meta.get("handle_httpstatus_list", ())
    )


class BoundedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's HttpCompressionMiddleware (its size cap does the protecting); only
    its errors are made specific: a bomb, or a body that does not decode."""

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            # scrapy.utils._compression._DecompressionMaxSizeExceeded carries the limit
            limit = getattr(exc.__cause__, "max_size", None)
            if limit is None:
                raise
            compressed = len(response.body)
            raise DecompressionLimitExceeded(limit, compressed, _encoding(response)) from exc
        except Exception as exc:  # gzip, zlib, brotli and zstd each raise their own errors
            detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise UndecodableBody(_encoding(response), detail) from exc


def _encoding(response: Response) -> str:
    return b", ".join(response.headers.getlist(b"Content-Encoding")).decode("latin-1")


# Out-of-range codes real sites send on purpose: 999 is a bot wall (LinkedIn-style).
BOT_WALL_STATUSES = frozenset({999})


class StatusGuardMiddleware:
    """Refuses a response whose status is not a valid HTTP status code (other than
    a known bot-wall code). Sits nearest the downloader so no other component sees
    the bogus number."""

    def process_response(self, request: Request, response: Response) -> Response:
        if not 100 <= response.status <= 599 and response.status not in BOT_WALL_STATUSES:
            raise InvalidStatus(response.status, response.url)
        return response


class PrivateAddress(IgnoreRequest):
    """A request whose host resolves to an address on the crawler's own networks;
    `redirect` is the URL when a redirect led there."""

    def __init__(self, host: str, address: str, redirect: str | None = None):
        self.host, self.address, self.redirect = host, address, redirect
        if redirect is None:
            message = f"refused: {host} resolves to {address}, a private or local address (block_private_addresses)"
        else:
            message = (f"redirect to a private address blocked: {redirect} ({host} resolves to {address}; "
                       f"block_private_addresses: list that host, or set allow_private_redirects: true "
                       f"on the resource, to follow it)")
        super().__init__(message)


def is_private_address(address: str) -> bool:
    """Loopback, private, link-local (cloud metadata lives there), reserved, unspecified.

    >>> [is_private_address(a) for a in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "93.184.216.34")]
    [True, True, True, True, False]
    """
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
            or ip.is_unspecified or ip.is_multicast)


def listed_hosts(config: Config | None) -> frozenset[str]:
    """The hosts of the URLs in the config (resources and their feeds), spelt as
    requests spell them (IDNA): whoever lists a URL there may reach it, private
    address or not."""
    if config is None:
        return frozenset()
    urls = [url for r in config.resources for url in (r.url, r.feed) if url]
    return frozenset(urlsplit(safe_url_string(url)).hostname or "" for url in urls)


class PrivateAddressGuardMiddleware:
    """Resolves the host of each request to a host not listed (a link, a redirect,
    a discovered feed) with the crawler's own caching resolver before it is fetched.

    The rule, in order: a listed host is fetched; a request made for a resource
    with allow_private_redirects (its check, the redirects it takes, its feed) is
    fetched; any other request whose host is, or resolves to, a private address
    is refused with PrivateAddress."""

    def __init__(self, listed_hosts: frozenset[str]):
        self.listed_hosts = listed_hosts

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("HEALTH_BLOCK_PRIVATE_ADDRESSES"):
            raise NotConfigured
        return cls(listed_hosts(crawler.settings.get("HEALTH_LOADED_CONFIG")))

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        if host in self.listed_hosts:
            return  # you listed a URL on this host: its pages are yours to check
        resource = request.meta.get("resource")
        if LINK_KEY not in request.meta and getattr(resource, "allow_private_redirects", False):
            return  # the resource's own requests, sent where you allowed them to go
        redirect = request.url if request.meta.get(HOPS_KEY) and LINK_KEY not in request.meta else None
        if is_private_address(host):
            raise PrivateAddress(host, host, redirect)
        reactor = running_reactor()

        try:
            address = await maybe_deferred_to_future(reactor.resolve(host))
        except Exception:
            return  # resolution failures are the check's own to report
        if is_private_address(str(address)):
            raise PrivateAddress(host, str(address), redirect)
