"""Turn raw facts into verdicts: failure descriptions and up / degraded / down.

Pure functions: the spider records what happened, these decide what it means.
"""

from __future__ import annotations

import re
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.core.timeutil import parse_iso
from crawler.core.vocabulary import Status

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.core.config import CrawlSettings, Expectation
    from crawler.core.items import CheckResult

UP, DEGRADED, DOWN = Status.UP, Status.DEGRADED, Status.DOWN


def http_reason(status: int) -> str:
    """
    >>> http_reason(404)
    'HTTP 404 Not Found'
    >>> http_reason(599)
    'HTTP 599'
    """
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


# Exception class names (Scrapy 2.15+ and the Twisted ones they replace) by kind.
_KIND_BY_CLASS = {
    "CannotResolveHostError": "dns",
    "DNSLookupError": "dns",
    "DownloadConnectionRefusedError": "refused",
    "ConnectionRefusedError": "refused",
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "UserTimeout": "timeout",
    "ResponseDataLossError": "incomplete",
    "ResponseFailed": "connection",
    "ConnectionLost": "connection",
    "ConnectionDone": "connection",
    "ConnectionResetError": "connection",
    "DownloadFailedError": "connection",
    "NoRouteError": "connection",
    "DownloadCancelledError": "size",
    "UnsupportedURLSchemeError": "scheme",
    "NotSupported": "scheme",
    "RefusedRedirect": "redirect-refused",  # crawler.crawl.safety.RedirectGuardMiddleware
    "DecompressionLimitExceeded": "decompression",  # crawler.crawl.safety, a decompression bomb
    "UndecodableBody": "decoding",  # crawler.crawl.safety, body not in its Content-Encoding
    "InvalidStatus": "protocol",  # crawler.crawl.safety.StatusGuardMiddleware
    "InvalidResponse": "invalid-response",  # crawler.crawl.handler: not valid HTTP
    "PrivateAddress": "private-address",  # crawler.crawl.safety.PrivateAddressGuardMiddleware
}


def describe_redirects(hop_urls: list[str], max_redirects: int) -> str:
    """Name a redirect loop when a URL comes back, else the hop limit.

    >>> describe_redirects(["http://a/1", "http://a/2", "http://a/1", "http://a/2"], 10)
    'redirect loop: http://a/1 -> http://a/2 -> http://a/1'
    >>> describe_redirects(["http://a/1", "http://a/2"], 1)
    'too many redirects (more than 1)'
    """
    seen: dict[str, int] = {}
    for index, url in enumerate(hop_urls):
        if url in seen:
            return "redirect loop: " + " -> ".join(hop_urls[seen[url] : index + 1])
        seen[url] = index
    return f"too many redirects (more than {max_redirects})"


def describe_refused_redirect(target: str) -> str:
    """Why a redirect was not followed: a scheme we do not fetch, or no usable URL.

    >>> describe_refused_redirect("file:///etc/passwd")
    'redirect to unsupported scheme file: refused'
    >>> describe_refused_redirect("DATA:text/html,<b>x</b>")
    'redirect to unsupported scheme data: refused'
    >>> describe_refused_redirect("http://[::1")
    "redirect to an invalid URL 'http://[::1': refused"
    """
    try:
        scheme = urlsplit(target).scheme
    except ValueError:
        scheme = ""
    if scheme and scheme not in ("http", "https"):
        return f"redirect to unsupported scheme {scheme}: refused"
    shown = target if len(target) <= 200 else target[:199] + "…"
    return f"redirect to an invalid URL {shown!r}: refused"


def describe_decompression_limit(limit: int, compressed_bytes: int, encoding: str) -> str:
    """A decompression bomb, in the terms of resources.yaml.

    >>> describe_decompression_limit(1000, 20, "gzip")  # doctest: +NORMALIZE_WHITESPACE
    'compressed response (gzip, 20 bytes) expands past max_body_bytes (1000 bytes);
     decompression stopped'
    """
    return (f"compressed response ({encoding}, {compressed_bytes} bytes) expands past "
            f"max_body_bytes ({limit} bytes); decompression stopped")


def describe_undecodable_body(encoding: str, detail: str) -> str:
    """A body that its Content-Encoding does not decode (a browser shows an error page).

    >>> describe_undecodable_body("gzip", "Not a gzipped file (b'01')")
    "response body is not valid gzip as declared by Content-Encoding: Not a gzipped file (b'01')"
    """
    return f"response body is not valid {encoding} as declared by Content-Encoding: {detail}"


def describe_invalid_status(status: int, url: str) -> str:
    """A status code outside 100-599; an absurd one is shortened.

    >>> describe_invalid_status(10**30, "http://a.example/")
    'invalid HTTP status 10000000000000000000… from a.example (valid codes are 100-599)'
    """
    shown = str(status) if len(str(status)) <= 20 else str(status)[:20] + "…"
    return f"invalid HTTP status {shown} from {_host(url)} (valid codes are 100-599)"


def describe_failure(
    exc: BaseException,
    url: str,
    *,
    timeout: float,
    max_redirects: int,
    max_body_bytes: int,
    hop_urls: list[str] | None = None,
) -> tuple[str, str]:
    """(kind, human-readable message) for a failed download; `hop_urls` is the
    redirect chain so far, ending with `url`.

    >>> describe_failure(TimeoutError(), "https://example.org/x", timeout=30, max_redirects=10,
    ...                  max_body_bytes=10)
    ('timeout', 'timed out after 30 s waiting for example.org')
    """
    name = type(exc).__name__
    text = _exception_text(exc)
    host = _host(url)
    if name == "IgnoreRequest" and "redirect" in text.lower():
        return "redirects", describe_redirects(hop_urls or [url], max_redirects)
    if _KIND_BY_CLASS.get(name) == "redirect-refused":  # before the TLS markers: URLs hold any text
        return "redirect-refused", describe_refused_redirect(getattr(exc, "target", url))
    if _KIND_BY_CLASS.get(name) == "decompression":
        return "decompression", describe_decompression_limit(
            getattr(exc, "limit", max_body_bytes), getattr(exc, "compressed_bytes", 0),
            getattr(exc, "encoding", "?"))
    if _KIND_BY_CLASS.get(name) == "decoding":
        return "decoding", describe_undecodable_body(getattr(exc, "encoding", "?"),
                                                     getattr(exc, "detail", text))
    if _KIND_BY_CLASS.get(name) == "protocol":
        return "protocol", describe_invalid_status(getattr(exc, "status", 0), url)
    if _KIND_BY_CLASS.get(name) == "private-address":  # its own words name the URL and the address
        return "private-address", text
    if _is_tls_failure(exc):
        return "tls", f"TLS error with {host}: {_tls_detail(text)}"
    kind = _KIND_BY_CLASS.get(name)
    if kind == "dns":
        return kind, f"DNS lookup failed: could not resolve host {urlsplit(url).hostname}"
    if kind == "refused":
        return kind, f"connection refused by {host}"
    if kind == "timeout":
        return kind, f"timed out after {timeout:g} s waiting for {host}"
    if kind == "size":
        return kind, f"response larger than max_body_bytes ({max_body_bytes} bytes); download stopped"
    if kind == "incomplete":
        return kind, f"connection to {host} closed before the whole response arrived"
    if kind == "scheme":
        return kind, f"unsupported URL scheme: {url}"
    if kind == "connection":
        return kind, f"connection to {host} failed: {text or name}"
    if kind == "invalid-response":
        return kind, f"invalid HTTP response from {host}: {getattr(exc, 'detail', text)}"
    return "error", f"{name}: {text}" if text else name


# Failures where no server answered: what the checker's own network (DNS resolver, route,
# proxy, firewall) also causes, when it is down.
NETWORK_KINDS = {"dns": "DNS lookup failed", "timeout": "timed out", "refused": "connection refused",
                 "connection": "connection failed"}
LOCAL_FAULT_HOSTS = 3  # different hosts that must all fail so before the run blames this machine


def local_network_fault(checks: Iterable[tuple[str, str | None, int | None]]) -> str | None:
    """One line that names this machine's network when it is the likely fault, else None.

    `checks` are (url, error kind, HTTP status) of every resource the run checked. When
    no server answered any of them and they are on at least LOCAL_FAULT_HOSTS hosts,
    the sites did not all fail at once: the checker is offline, its DNS resolver or
    proxy is down, or a firewall drops its traffic. Each resource is still reported down
    with its own reason; this line says, once, where to look first.

    >>> local_network_fault([("https://a.org/", "dns", None), ("https://b.org/x", "dns", None),
    ...                      ("https://c.org/", "dns", None)])
    "no server answered (DNS lookup failed for all 3 resources, on 3 hosts): most likely this machine's network, DNS resolver or proxy, not the sites"
    >>> local_network_fault([("https://a.org/", "dns", None), ("https://b.org/", "timeout", None),
    ...                      ("https://c.org/", "timeout", None)])
    "no server answered (DNS lookup failed 1, timed out 2, on 3 hosts): most likely this machine's network, DNS resolver or proxy, not the sites"
    >>> local_network_fault([("https://a.org/", "dns", None), ("https://b.org/", "dns", None),
    ...                      ("https://c.org/", None, 200)]) is None
    True
    >>> local_network_fault([("https://a.org/", "dns", None), ("https://a.org/b", "dns", None)]) is None
    True
    """
    checks = list(checks)
    if not checks or any(status is not None or kind not in NETWORK_KINDS for _, kind, status in checks):
        return None
    hosts = {urlsplit(url).hostname for url, _, _ in checks}
    if len(hosts) < LOCAL_FAULT_HOSTS:
        return None
    kinds = [kind for _, kind, _ in checks if kind is not None]
    counts = {NETWORK_KINDS[kind]: kinds.count(kind) for kind in NETWORK_KINDS if kind in kinds}
    failed = (f"{next(iter(counts))} for all {len(checks)} resources" if len(counts) == 1
              else ", ".join(f"{text} {count}" for text, count in counts.items()))
    return (f"no server answered ({failed}, on {len(hosts)} hosts): most likely this machine's network, "
            "DNS resolver or proxy, not the sites")


def _causes(exc: BaseException, depth: int = 0) -> list[BaseException]:
    """The exception, what it was raised from, and Twisted's wrapped reasons, in order."""
    if depth > 6:
        return []
    found = [exc]
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc:
        found += _causes(cause, depth + 1)
    for reason in getattr(exc, "reasons", None) or []:
        inner = getattr(reason, "value", reason)
        if isinstance(inner, BaseException):
            found += _causes(inner, depth + 1)
    return found


def _is_tls_failure(exc: BaseException) -> bool:
    """By the exception types involved, never by the message: a URL may say "ssl"."""
    for item in _causes(exc):
        kind = type(item)
        if "SSL" in kind.__module__ or "ssl" in kind.__module__.split(".") or kind.__name__ in (
            "SSLError", "VerificationError", "CertificateError", "TLSError"
        ):
            return True
    return False


def _exception_text(exc: BaseException) -> str:
    """One readable line: the innermost Twisted reasons when there are any."""
    parts: list[str] = []
    for item in _causes(exc)[1:]:
        if getattr(item, "reasons", None):
            continue  # a wrapper list; its reasons follow in the chain
        text = str(item).strip()
        if text and not text.startswith("[<twisted.python.failure.Failure"):
            parts.append(f"{type(item).__name__}: {text}" if item is not exc else text)
    text = "; ".join(dict.fromkeys(parts)) or str(exc)
    return " ".join(text.split())[:300]


def _tls_detail(text: str) -> str:
    match = re.search(r"certificate verify failed[^'\")\]]*", text)
    if match:
        return match.group(0).strip()
    match = re.search(r"'([^']*(?:certificate|handshake|alert|wrong version)[^']*)'", text, re.I)
    return match.group(1) if match else text[:160]


def unmet_expectations(result: CheckResult, expect: Expectation | None) -> list[str]:
    """What the `expect:` block asked for and did not get.

    >>> from crawler.core.config import Expectation
    >>> from crawler.core.items import CheckResult
    >>> r = CheckResult("r", "http://a/", "t", final_url="http://b/", http_status=200)
    >>> unmet_expectations(r, Expectation(final_url="http://a/"))
    ['expected final URL http://a/, got http://b/']
    """
    if expect is None:
        return []
    problems = []
    if expect.status is not None and result.http_status != expect.status:
        problems.append(f"expected HTTP {expect.status}, got {result.http_status or 'no response'}")
    if expect.final_url is not None and result.final_url is not None and result.final_url != expect.final_url:
        problems.append(f"expected final URL {expect.final_url}, got {result.final_url}")
    return problems


def classify(
    result: CheckResult, settings: CrawlSettings, now: datetime, expect: Expectation | None = None
) -> tuple[str, list[str]]:
    """up, degraded or down, with the reasons a reader needs to act on it."""
    unmet = unmet_expectations(result, expect)
    if unmet and result.error is None:
        return DOWN, unmet
    if result.error is not None or result.http_status is None:
        return DOWN, [result.error or "no response"]
    if result.http_status >= 400:
        return DOWN, [result.error or http_reason(result.http_status)]
    reasons: list[str] = []
    if result.response_ms is not None and result.response_ms > settings.slow_ms:
        reasons.append(f"slow: {result.response_ms} ms (threshold {settings.slow_ms} ms)")
    if result.retries:
        plural = "y" if result.retries == 1 else "ies"
        reasons.append(f"up after {result.retries} retr{plural}")
    if result.render_error:  # it answers, but what its scripts show could not be read
        reasons.append(f"not rendered: {result.render_error}")
    expires = parse_iso(result.tls_expires_at)
    if expires is not None:
        days = (expires - now).total_seconds() / 86400
        if days < 0:
            return DOWN, [f"TLS certificate expired on {expires.date().isoformat()}"]
        if days < settings.tls_warning_days:
            reasons.append(f"TLS certificate expires in {int(days)} days ({expires.date().isoformat()})")
    return (DEGRADED if reasons else UP), reasons
