"""Send a digest to Apprise channels (mailto://, slack://, json://, ...) in bounded time.

Every channel is sent to in its own thread, all at once, and waited for until one
deadline: a server that hangs or refuses is recorded as failed and never holds the
run longer than that. Socket timeouts (Apprise's `cto`/`rto`) are set on every URL
that does not set its own, so most hangs end before the deadline does.

URLs hold passwords and tokens: only `masked()` forms leave this module, in
deliveries, errors and logs. A failure is said in one plain sentence, the same for
webhooks and Apprise ("connection refused by 127.0.0.1:9"), never an exception's repr.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
import threading
import time
import urllib.error
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.core.classify import http_reason
from crawler.report.digest import render

if TYPE_CHECKING:
    from crawler.core.config import AppriseChannel
    from crawler.report.digest import Digest

_APPRISE_LOG = logging.getLogger("apprise")


@dataclass(frozen=True)
class Delivery:
    """How one message to one channel went; `channel` is already masked."""

    channel: str
    kind: str  # "apprise" or "webhook"
    events: tuple[str, ...]
    ok: bool
    attempts: int
    error: str | None = None


def masked(url: str) -> str:
    """The URL as Apprise prints it in privacy mode: passwords and tokens starred.

    Falls back to scheme and host only when Apprise cannot read the URL.
    """
    plugin = _plugin(url)
    if plugin is not None:  # without the query: Apprise spells out every default there
        return urlunsplit(urlsplit(str(plugin.url(privacy=True)))._replace(query=""))
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '…'}/…"


def with_timeouts(url: str, seconds: float) -> str:
    """The URL with Apprise's connect and read timeouts, unless it sets them itself.

    >>> with_timeouts("json://localhost:8000/hook", 5)
    'json://localhost:8000/hook?cto=5&rto=5'
    >>> with_timeouts("mailto://h/?to=a@b.org&cto=2", 5)
    'mailto://h/?to=a%40b.org&cto=2&rto=5'
    """
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    value = f"{seconds:g}"
    query.setdefault("cto", value)
    query.setdefault("rto", value)
    return urlunsplit(parts._replace(query=urlencode(query)))


def send_digest(channels: tuple[AppriseChannel, ...], digest: Digest, *, timeout: float,
                retries: int) -> list[Delivery]:
    """Send each channel its share of the digest (nothing when its share is empty).

    Channels are sent to in parallel; the whole call returns within about
    `timeout × (retries + 1)` seconds whatever the servers do.
    """
    jobs = [(channel, digest.only(channel.on)) for channel in channels]
    jobs = [(channel, share) for channel, share in jobs if not share.empty]
    if not jobs:
        return []
    results: dict[int, Delivery] = {}
    # read every URL before any thread sends: reading silences Apprise's log for a moment
    # one Apprise object per attempt: a used one waits out its service's rate limit (5.5 s) first
    plugins = [[_plugin(with_timeouts(channel.url, timeout)) for _ in range(retries + 1)] for channel, _ in jobs]
    names = [masked(channel.url) for channel, _ in jobs]
    capture = _ThreadLog()
    _APPRISE_LOG.addHandler(capture)
    # Apprise's messages quote URLs half masked: they go to the deliveries, scrubbed, not to stderr
    propagate, _APPRISE_LOG.propagate = _APPRISE_LOG.propagate, False
    level, _APPRISE_LOG.level = _APPRISE_LOG.level, logging.DEBUG  # its reasons are logged at debug level
    try:
        threads = []
        for index, ((channel, share), plugin) in enumerate(zip(jobs, plugins, strict=True)):
            thread = threading.Thread(target=_send_one, args=(index, channel.url, names[index], plugin, share,
                                                              timeout, retries, results, capture),
                                      daemon=True, name=f"notify-{index}")
            thread.start()
            threads.append(thread)
        deadline = time.monotonic() + timeout * (retries + 1) + 1.0
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    finally:
        _APPRISE_LOG.removeHandler(capture)
        _APPRISE_LOG.propagate = propagate
        _APPRISE_LOG.setLevel(level)
    deliveries = []
    for index, (_, share) in enumerate(jobs):
        delivery = results.get(index)
        if delivery is None:  # still waiting on the server: abandoned (a daemon thread)
            delivery = Delivery(names[index], "apprise", share.events, False, retries + 1,
                                f"no answer within {timeout * (retries + 1) + 1.0:g} s")
        deliveries.append(delivery)
    return deliveries


def _send_one(index: int, url: str, name: str, plugins: list[Any], share: Digest, timeout: float, retries: int,
              results: dict[int, Delivery], capture: _ThreadLog) -> None:
    if plugins[0] is None:
        results[index] = Delivery(name, "apprise", share.events, False, 0, "Apprise cannot read this URL")
        return
    text, html = render(share)
    use_html = _prefers_html(plugins[0])
    error = None
    for attempt, plugin in enumerate(plugins, start=1):
        capture.start()
        try:
            ok = bool(plugin.notify(title=share.title, body=html if use_html else text,
                                    body_format="html" if use_html else "text"))
        except Exception as exc:  # noqa: BLE001 - a notifier must never fail the run
            ok, error = False, plain_error(exc, url, timeout=timeout)
        else:
            error = None if ok else plain_apprise_error(capture.last(), url, timeout=timeout)
        if ok:
            results[index] = Delivery(name, "apprise", share.events, True, attempt)
            return
        if attempt <= retries:
            time.sleep(min(1.0 * 2 ** (attempt - 1), timeout))
    results[index] = Delivery(name, "apprise", share.events, False, retries + 1,
                              _scrub(error or "failed", url, name))


def _where(url: str) -> str:
    """Host and explicit port, never the user or password: what an error names.

    >>> _where("json://bot:secret@127.0.0.1:9/hook"), _where("https://hooks.example.org/x")
    ('127.0.0.1:9', 'hooks.example.org')
    """
    try:
        parts = urlsplit(url)
        return f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname or "the server"
    except ValueError:
        return "the server"


def plain_error(exc: BaseException, url: str, *, timeout: float) -> str:
    """One sentence for a delivery that raised (urllib for webhooks, anything from a
    plugin), in the words the crawl uses for the same failures.

    >>> plain_error(urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")),
    ...             "http://127.0.0.1:9/hook", timeout=10)
    'connection refused by 127.0.0.1:9'
    >>> plain_error(urllib.error.HTTPError("u", 500, "x", None, None), "https://h.example/x", timeout=10)
    'HTTP 500 Internal Server Error from h.example'
    """
    where = _where(url)
    if isinstance(exc, urllib.error.HTTPError):
        return f"{http_reason(exc.code)} from {where}"
    reason: Any = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, str):
        return f"cannot reach {where}: {reason}"
    if isinstance(reason, socket.gaierror):
        return f"DNS lookup failed: could not resolve host {where.rsplit(':', 1)[0]}"
    if isinstance(reason, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout:g} s waiting for {where}"
    if isinstance(reason, (ssl.SSLError, ssl.CertificateError)):
        detail = getattr(reason, "verify_message", None) or getattr(reason, "reason", None) or str(reason)
        return f"TLS error with {where}: {detail}"
    if isinstance(reason, ConnectionResetError):
        return f"connection to {where} was reset"
    if isinstance(reason, OSError):
        return f"connection to {where} failed: {reason.strerror or reason}"
    return f"{type(reason).__name__}: {reason}"


# Apprise schemes whose URL names the server it connects to (the others name a service).
_HOST_SCHEMES = {"json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos", "ntfy", "ntfys", "gotify",
                 "gotifys", "matrix", "matrixs", "mqtt", "mqtts", "apprise", "apprises", "rocket", "rockets",
                 "mmost", "mmosts", "nctalk", "nctalks", "ncloud", "nclouds"}
_RESOLVE_FAILED = re.compile(r"Name or service not known|nodename nor servname|name resolution|"
                             r"No address associated|getaddrinfo failed", re.IGNORECASE)


def plain_apprise_error(logged: str | None, url: str, *, timeout: float) -> str:
    """What Apprise logged about a failed send (crawler.report.channels._ThreadLog),
    in the same plain sentences as plain_error; a service's own words are kept.

    >>> plain_apprise_error("A Connection error occurred sending JSON notification to 127.0.0.1: "
    ...                     "Connection refused", "json://127.0.0.1:9/x", timeout=10)
    'connection refused by 127.0.0.1:9'
    >>> plain_apprise_error("Failed to send JSON POST notification: Internal Server Error, error=500.",
    ...                     "json://h.example/x", timeout=10)
    'HTTP 500 Internal Server Error from h.example'
    >>> plain_apprise_error("... [Errno 111] Connection refused", "slack://T1/B2/C3", timeout=10)
    'connection refused by the slack:// service'
    """
    if not logged:
        return "the service did not accept the message"
    scheme = url.split("://", 1)[0].lower()
    # most services' URLs hold tokens where a host would be: name the service instead
    where = _where(url) if scheme in _HOST_SCHEMES else f"the {scheme}:// service"
    status = re.search(r"error=(\d{3})\b", logged)
    if status:
        return f"{http_reason(int(status.group(1)))} from {where}"
    if "Connection refused" in logged:
        return f"connection refused by {where}"
    if _RESOLVE_FAILED.search(logged):
        return f"DNS lookup failed: could not resolve host {where.rsplit(':', 1)[0]}"
    if re.search(r"timed out|timeout", logged, re.IGNORECASE):
        return f"timed out after {timeout:g} s waiting for {where}"
    if "Connection reset" in logged:
        return f"connection to {where} was reset"
    return logged


def _plugin(url: str) -> Any:
    import apprise  # an optional dependency: only loaded when a channel is configured

    level, _APPRISE_LOG.level = _APPRISE_LOG.level, logging.CRITICAL
    try:
        return apprise.Apprise.instantiate(url, suppress_exceptions=True)
    finally:
        _APPRISE_LOG.setLevel(level)


def _prefers_html(plugin: Any) -> bool:
    """Send HTML where the service shows HTML by default (email, Telegram), else text.
    Apprise 1.x names one format; 2.x a tuple, the default first."""
    formats = plugin.notify_format
    first = formats[0] if isinstance(formats, (tuple, list)) else formats
    return getattr(first, "value", first) == "html"


def _scrub(text: str, url: str, shown: str) -> str:
    """Remove from an error message every part of the URL that its masked form hides."""
    for secret in sorted(set(re.split(r"[/:@?&=#]+", url)), key=len, reverse=True):
        if len(secret) >= 3 and secret not in shown:
            text = text.replace(secret, "****")
    return text


def _reason(detail: str) -> str:
    """The root cause of a logged exception, short: urllib3 nests it several levels deep.

    >>> _reason("Max retries exceeded (Caused by NewConnectionError('<conn>: Failed to establish "
    ...         "a new connection: [Errno 111] Connection refused'))")
    'Connection refused'
    >>> _reason(" SMTP AUTH extension not supported by server.")
    'SMTP AUTH extension not supported by server.'
    """
    errno = re.search(r"\[Errno -?\d+\] ([^'\"()]+)", detail)
    text = errno.group(1) if errno else detail
    return " ".join(text.split())[:200]


class _ThreadLog(logging.Handler):
    """Apprise says why a send failed only in its log: keep each thread's last warning,
    and the exception it logs at debug level just after ("SMTP AUTH extension not
    supported by server", "Connection refused")."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self._last: dict[int, list[str]] = {}

    def start(self) -> None:
        self._last.pop(threading.get_ident(), None)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            self._last[record.thread or 0] = [message]
        elif "Exception" in message and record.thread in self._last:
            self._last[record.thread or 0][1:] = [_reason(message.split(":", 1)[-1])]

    def last(self) -> str | None:
        lines = self._last.get(threading.get_ident())
        return ": ".join(line.rstrip(".") for line in lines) if lines else None
