"""The HTTP(S) download handler: Scrapy 2.19's aiohttp handler, with the URL sent as
written and the crawler's own DNS cache.

Why not Scrapy's default (Twisted's HTTP/1.1 client): aiohttp's HTTP parser is in C
and it runs on the asyncio loop the reactor already drives, with no Deferreds between
the socket and Scrapy. On the benchmark's web it takes 10.5% fewer instructions per
request (`python -m bench.cpu --links 2000 --callgrind`: 5.30 M -> 4.74 M) and 6% less
CPU (10k links, 4 runs in turns: 1.43 -> 1.34 ms median). What a check records does
not change: status, headers, body, the size cap (DOWNLOAD_MAXSIZE), one
timeout from connect to last byte (DOWNLOAD_TIMEOUT), a body cut short is an error,
the certificate of an HTTPS answer (DER bytes; crawler.crawl.tlsinfo reads them), and
the same exceptions Scrapy's handlers raise.

What this subclass changes in Scrapy's AiohttpDownloadHandler:

* the URL goes out exactly as Scrapy holds it (already escaped by safe_url_string);
  aiohttp would otherwise re-quote it (``%7E`` -> ``~``, ``%41`` -> ``A``), and a link
  check must request what the page linked;
* names are resolved by the reactor's resolver (Scrapy's DNS cache), the one
  block_private_addresses asks (crawler.crawl.safety): the address the guard let
  through is the address connected to, not a second answer from another lookup;
* it is built at the first request (``lazy``), inside the running loop that aiohttp's
  connector needs, and it is not announced as experimental on every run: healthcrawl
  is tested with it (tests/crawl, tests/faults);
* header lines up to MAX_HEADER_LINE and up to MAX_HEADERS headers are read, as
  browsers and Twisted's client did (aiohttp's defaults refused real sites);
* a GET or HEAD whose answer cannot be parsed is asked once more on a single-use
  connection (``_send``), and what is still not HTTP raises InvalidResponse.

The overridden ``__init__`` and ``_make_request`` are copies of Scrapy's private
methods with those changes; tests/test_scrapy_internals.py records the source of
each and fails when Scrapy's changes: then compare the copies with the new code.
"""

from __future__ import annotations

import re
import socket
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, ClassVar, cast

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult
from scrapy.core.downloader.handlers._aiohttp import AiohttpDownloadHandler, _ClientResponse
from scrapy.core.downloader.handlers._base_streaming import BaseStreamingDownloadHandler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    UnsupportedURLSchemeError,
)
from scrapy.http import Headers
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.ssl import _make_ssl_context

from crawler.crawl.reactor import running_reactor
from crawler.crawl.safety import InvalidStatus

if TYPE_CHECKING:
    import ssl
    from collections.abc import AsyncIterator, Awaitable

    from scrapy import Request
    from scrapy.crawler import Crawler


_QUOTED_BYTES = re.compile(r":?\s*b['\"]")


class InvalidResponse(DownloadFailedError):
    """An answer that is not valid HTTP (a bad status line, bytes after a closing answer,
    a malformed header), named in aiohttp's first line, without the bytes it dumps."""

    def __init__(self, error: aiohttp.ClientResponseError):
        first = str(error.message).strip().splitlines()[0] if error.message else "unreadable"
        self.detail = _QUOTED_BYTES.split(first)[0].rstrip(": ")  # aiohttp quotes what it read
        super().__init__(f"invalid HTTP response: {self.detail}")


class ReactorResolver(AbstractResolver):
    """aiohttp's resolver, answered by the reactor's (Scrapy's caching resolver: IPv4,
    DNS_TIMEOUT, DNSCACHE_SIZE), so every part of the crawler sees one address per host."""

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        try:
            address = await maybe_deferred_to_future(running_reactor().resolve(host))
        except Exception as exc:  # Twisted's DNSLookupError or TimeoutError
            raise OSError(f"could not resolve {host}: {exc}") from exc  # aiohttp: ClientConnectorDNSError
        return [ResolveResult(hostname=host, host=str(address), port=port, family=socket.AF_INET,
                              proto=0, flags=socket.AI_NUMERICHOST)]

    async def close(self) -> None:
        pass


# A header line (or a status line) as long as this is read: aiohttp stops at 8190 bytes,
# where browsers take tens of KB, and real sites send Content-Security-Policy and
# Set-Cookie lines longer than that (the link was reported down).
MAX_HEADER_LINE = 32768  # twice what Twisted's client read
MAX_HEADERS = 256  # aiohttp's 128 is short of pages that set a cookie per tracker


def _client_session(connector: aiohttp.BaseConnector) -> aiohttp.ClientSession:
    """A session as Scrapy's handler makes it (no cookies, bodies as sent, no headers of
    its own), reading header lines up to MAX_HEADER_LINE, and up to MAX_HEADERS of them."""
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        response_class=_ClientResponse,
        skip_auto_headers=("Accept", "Accept-Encoding", "Content-Type", "User-Agent"),
        max_line_size=MAX_HEADER_LINE,
        max_field_size=MAX_HEADER_LINE,
        max_headers=MAX_HEADERS,
    )


class AiohttpHandler(AiohttpDownloadHandler):
    """A request moves through Scrapy's streaming states: connecting (resolve through
    the reactor, connect, send), headers received (DOWNLOAD_MAXSIZE checked against
    Content-Length), body streaming (checked again as it grows), answered."""

    lazy = True  # aiohttp's connector needs the running loop
    experimental: ClassVar[bool] = False

    def __init__(self, crawler: Crawler):
        # AiohttpDownloadHandler.__init__, with the resolver
        BaseStreamingDownloadHandler.__init__(self, crawler)
        self._ssl_context: ssl.SSLContext = _make_ssl_context(crawler.settings)
        connector = aiohttp.TCPConnector(
            local_addr=self._bind_address,
            limit=self._pool_size_total,
            limit_per_host=self._pool_size_per_host,
            resolver=ReactorResolver(),
        )
        self._session: aiohttp.ClientSession = _client_session(connector)
        self._single_use: aiohttp.ClientSession | None = None  # _unpooled

    @asynccontextmanager
    async def _make_request(self, request: Request, timeout: float) -> AsyncIterator[_ClientResponse]:
        # AiohttpDownloadHandler._make_request, with the URL always sent as it is and the
        # headers read without copying them first
        proxy = self._extract_proxy_url_with_creds(request)
        headers = request_header_pairs(request.headers)
        try:
            async with await self._send(request, headers, timeout, proxy) as response:
                yield cast("_ClientResponse", response)
        except TimeoutError as e:  # asyncio.TimeoutError is TimeoutError on 3.11
            raise DownloadTimeoutError(f"Getting {request.url} took longer than {timeout} seconds.") from e
        except (aiohttp.InvalidUrlClientError, aiohttp.NonHttpUrlClientError) as e:
            raise UnsupportedURLSchemeError(str(e)) from e
        except aiohttp.ClientConnectorDNSError as e:
            raise CannotResolveHostError(str(e)) from e
        except aiohttp.ClientConnectorError as e:
            raise DownloadConnectionRefusedError(str(e)) from e
        except aiohttp.ClientResponseError as e:
            status = invalid_status(e)
            if status is not None:
                raise InvalidStatus(status, request.url) from e
            raise InvalidResponse(e) from e
        except aiohttp.ClientError as e:
            raise DownloadFailedError(str(e)) from e

    async def _send(self, request: Request, headers: list[tuple[str, str]], timeout: float,
                    proxy: str | None) -> aiohttp.ClientResponse:
        """The request on a pooled connection; a GET or HEAD whose answer cannot be parsed
        is asked once more on a connection of its own. A server that sends a body after
        its answer to HEAD leaves those bytes on the connection, and aiohttp reads them
        as the status line of the next request on it: a false "broken" for a link that
        has nothing wrong (Twisted's client dropped such a connection)."""
        def send(session: aiohttp.ClientSession) -> Awaitable[aiohttp.ClientResponse]:
            return session.request(
                request.method, yarl.URL(request.url, encoded=True), data=request.body, headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout), ssl=self._ssl_context, allow_redirects=False,
                proxy=proxy)

        try:
            return await send(self._session)
        except aiohttp.ClientResponseError as e:
            if request.method not in ("GET", "HEAD") or invalid_status(e) is not None:
                raise
        return await send(self._unpooled())

    def _unpooled(self) -> aiohttp.ClientSession:
        """A session whose connections serve one request each (made when first needed)."""
        if self._single_use is None:
            self._single_use = _client_session(aiohttp.TCPConnector(
                local_addr=self._bind_address, force_close=True, resolver=ReactorResolver()))
        return self._single_use

    async def close(self) -> None:
        await super().close()
        if self._single_use is not None:
            await self._single_use.close()


    @staticmethod
    def _extract_headers(response: _ClientResponse) -> Headers:
        """The response's headers with the bytes the server sent. Scrapy's handler
        encoded aiohttp's decoded strings back as strict UTF-8, so a Latin-1 header
        value (or Location) failed the whole download; and it normalised each one
        twice over."""
        headers = Headers()
        for name, value in response.raw_headers:
            dict.setdefault(headers, name.title(), []).append(value)
        return headers


def request_header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """What Scrapy's handler sends (``_request_headers(request).to_tuple_list()``:
    every value of every header but Proxy-Authorization, which goes in the proxy URL),
    without copying the headers first.

    >>> request_header_pairs(Headers({"Accept": "*/*", "Proxy-Authorization": "Basic x", "X-Two": ["a", "b"]}))
    [('Accept', '*/*'), ('X-Two', 'a'), ('X-Two', 'b')]
    """
    encoding = headers.encoding
    return [(name.decode(encoding), value.decode(encoding))
            for name, values in dict.items(headers) if name != b"Proxy-Authorization" for value in values]


STATUS_LINE = re.compile(r"b'HTTP/\d(?:\.\d)? +(\d+)")


def invalid_status(error: BaseException) -> int | None:
    """The status code of a status line aiohttp's parser refused (it takes three digits,
    as RFC 9110 says, where Twisted's took any number), or None when the line was not
    HTTP at all. Scrapy's handler reported both as a failed connection; a code out of
    range is refused by crawler.crawl.safety.StatusGuardMiddleware's rule instead.

    >>> from aiohttp.http_exceptions import HttpProcessingError
    >>> invalid_status(HttpProcessingError(message="Bad status line: Invalid response status: b'HTTP/1.1 1000 X'"))
    1000
    >>> invalid_status(HttpProcessingError(message="Bad status line: Expected HTTP/: b'FOO'")) is None
    True
    """
    for item in (error, error.__cause__):
        match = STATUS_LINE.search(str(getattr(item, "message", "") or ""))
        if match:
            return int(match.group(1))
    return None
