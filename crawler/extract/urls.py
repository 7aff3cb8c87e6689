"""URL helpers shared by the extractors: which URLs we follow, one spelling per URL,
and URLs parsed as browsers parse them.

:func:`resolve_url` is the one place a URL meets the WHATWG URL Standard (through
``ada-url``): links, ``<base href>`` and the URLs of resources.yaml are all read by
it, so healthcrawl and a browser agree on what a URL means and which ones are
invalid. The standard's parser says only "failure"; :func:`url_problem` then looks
for the reason a person can act on (a space in the host, a port out of range...).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import ada_url

WEB_SCHEMES = frozenset({"http", "https"})

# Query parameters that identify a campaign or a click, never the resource itself.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "igshid",
        "yclid",
        "ref_src",
    }
)
TRACKING_PREFIXES = ("utm_",)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_web_url(url: str | None) -> bool:
    """True for absolute http(s) URLs: the only ones we request or turn into links.

    >>> is_web_url("https://example.org/a")
    True
    >>> is_web_url("javascript:alert(1)")
    False
    >>> is_web_url("/relative")
    False
    """
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalize(url: str, *, keep_fragment: bool = False) -> str:
    """One spelling per URL: lower-case scheme and host, no default port,
    no tracking parameters, no fragment (unless asked), "/" for an empty path.

    Query order is kept: some servers care about it.

    >>> canonicalize("HTTPS://Example.ORG:443/news?utm_source=x&id=3#top")
    'https://example.org/news?id=3'
    >>> canonicalize("http://example.org")
    'http://example.org/'
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(_is_tracking(name) for name, _ in pairs):
        # Re-encode only when something was removed, so other queries keep their spelling.
        query = urlencode([(k, v) for k, v in pairs if not _is_tracking(k)])
    path = parts.path or ("/" if scheme in WEB_SCHEMES else "")
    fragment = parts.fragment if keep_fragment else ""
    return urlunsplit((scheme, netloc, path, query, fragment))


# --- the WHATWG URL Standard ------------------------------------------------------------

# A scheme as the URL parser's scheme state reads it: ASCII letter, then letters,
# digits, "+", "-" or "." up to the first ":".
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_SPECIAL_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp", "file"})
_TAB_NL_RE = re.compile(r"[\t\n\r]")
C0_CONTROL_OR_SPACE = "".join(map(chr, range(0x21)))
# The standard's forbidden host code points, and forbidden domain code points (those,
# C0 controls, "%" and DEL): the first apply to any host, the second to http(s) ones.
_FORBIDDEN_HOST = frozenset("\x00\t\n\r #/:<>?@[\\]^|")
_FORBIDDEN_DOMAIN = _FORBIDDEN_HOST | frozenset(C0_CONTROL_OR_SPACE + "%\x7f")
_HEX_RE = re.compile(r"0[xX][0-9a-fA-F]*")
NOT_A_URL = "not a valid URL (WHATWG URL parser)"


def clean_url(raw: str) -> str:
    r"""What the URL parser does to its input first: C0 controls and spaces trimmed at
    both ends, tabs and newlines removed everywhere.

    >>> clean_url("\x00 /a\n/b\t ")
    '/a/b'
    """
    return _TAB_NL_RE.sub("", raw.strip(C0_CONTROL_OR_SPACE))


class InvalidURL(ValueError):
    """A URL the WHATWG URL Standard rejects; the message says why, as far as that
    can be told (see :func:`url_problem`)."""


def url_scheme(url: str) -> str:
    """The scheme the URL parser would find, lower-cased; "" for a relative URL.

    >>> url_scheme(" MailTo:x"), url_scheme("/a:b"), url_scheme("c++:x")
    ('mailto', '', 'c++')
    """
    match = _SCHEME_RE.match(url.strip(C0_CONTROL_OR_SPACE))
    return match.group(1).lower() if match else ""


def resolve_url(url: str, base: str | None = None) -> str:
    r"""``url`` parsed as a browser parses it, against ``base`` when given, and
    spelled as the standard serializes it; raises :class:`InvalidURL` with the reason.

    Done by the standard: tabs and newlines dropped, C0 controls and spaces trimmed,
    ``\`` read as ``/`` in http(s) paths, dot segments removed, scheme and host
    lower-cased, international hosts in punycode, IPv4 numbers in dotted decimal,
    default ports dropped, spaces and non-ASCII percent-encoded in path and query.

    >>> resolve_url("../c d?q=é#Top", "https://EX.org:443/a/b")
    'https://ex.org/c%20d?q=%C3%A9#Top'
    >>> resolve_url("http:/www.example.com/", "https://ex.org/"), resolve_url("http://0x7f.1/")
    ('http://www.example.com/', 'http://127.0.0.1/')
    >>> resolve_url("HTTP://Bücher.example\\x")
    'http://xn--bcher-kva.example/x'
    >>> resolve_url("http://localhost]")
    Traceback (most recent call last):
    ...
    crawler.extract.urls.InvalidURL: host contains a forbidden code point ']'
    """
    try:
        if base is None:
            return ada_url.parse_url(url, attributes=("href",))["href"]
        return ada_url.join_url(base, url)
    except ValueError:
        raise InvalidURL(url_problem(url, base)) from None


def url_problem(url: str, base: str | None = None) -> str:
    """Why the standard's parser rejects ``url`` (resolved against ``base``), in words.

    The parser itself reports only failure, so this re-reads the authority the way
    the standard does and names what it finds; anything else is :data:`NOT_A_URL`.

    >>> url_problem("http://exa mple.org/")
    "host contains a forbidden code point ' ' (U+0020)"
    >>> url_problem("//ex.org:99999/", "https://ex.org/"), url_problem("http://")
    ('port 99999 is out of range (0 to 65535)', 'empty host')
    >>> url_problem("http://[fe80::zz]/"), url_problem("http://1.2.3.256/")
    ("invalid IPv6 address '[fe80::zz]'", "invalid IPv4 address '1.2.3.256'")
    >>> url_problem("page.html")
    'relative URL and no base URL to resolve it against'
    """
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate, which is not a character"
    text = clean_url(url)
    scheme = url_scheme(text)
    rest = text[len(scheme) + 1 :] if scheme else text
    if scheme:
        # "http:x" on an http: base is a path on that base; on any other base, or
        # none, any number of slashes (even none) leads to the host.
        relative = base is not None and url_scheme(base) == scheme
    elif base is None:
        return "relative URL and no base URL to resolve it against"
    elif not ada_url.check_url(base):
        return f"relative URL and the base URL {base!r} is not valid"
    else:
        scheme, relative = url_scheme(base), True
    if scheme == "file":
        return NOT_A_URL
    special = scheme in _SPECIAL_SCHEMES
    if special:
        slashes = len(rest) - len(rest.lstrip("/\\"))
        if relative and slashes < 2:
            return NOT_A_URL
        rest = rest[slashes:]
    elif rest.startswith("//"):
        rest = rest[2:]
    else:
        return NOT_A_URL
    end = min((i for i in map(rest.find, "/?#" + ("\\" if special else "")) if i >= 0), default=len(rest))
    return _authority_problem(rest[:end], special) or NOT_A_URL


def _authority_problem(authority: str, special: bool) -> str | None:
    userinfo, at, host_port = authority.rpartition("@")
    if at and not host_port:
        return "user name or password but no host"
    if host_port.startswith("["):
        close = host_port.find("]")
        if close < 0:
            return f"IPv6 address {host_port!r} has no closing ']'"
        host, after = host_port[: close + 1], host_port[close + 1 :]
        if after and not after.startswith(":"):
            return f"unexpected {after!r} after the IPv6 address"
        port = after[1:]
    else:
        host, _, port = host_port.partition(":")
    if port and not (port.isascii() and port.isdigit()):
        return f"port {port!r} is not a number"
    if port and int(port) > 65535:
        return f"port {port} is out of range (0 to 65535)"
    if not host:
        return "empty host" if special else None
    if host.startswith("["):
        return None if ada_url.check_url(f"http://{host}/") else f"invalid IPv6 address {host!r}"
    if not special:
        bad = next((char for char in host if char in _FORBIDDEN_HOST), None)
        return None if bad is None else f"host contains a forbidden code point {_show(bad)}"
    return _domain_problem(host)


def _domain_problem(host: str) -> str | None:
    decoded = unquote(host, errors="replace")
    for char in decoded:
        if char in _FORBIDDEN_DOMAIN:
            return f"host contains a forbidden code point {_show(char)}"
    ascii_host = ada_url.idna.encode(decoded).decode("ascii", "replace")
    if not ascii_host:
        return f"host {host!r} is not a valid international domain name (IDNA)"
    for char in ascii_host:
        if char in _FORBIDDEN_DOMAIN:
            return f"host {host!r} contains a forbidden code point {_show(char)} once mapped (IDNA)"
    labels = ascii_host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    last = labels[-1]
    if (last.isascii() and last.isdigit()) or _HEX_RE.fullmatch(last):
        return f"invalid IPv4 address {host!r}"
    return None


def _show(char: str) -> str:
    r"""A code point as a person can read it in a message.

    >>> _show("]"), _show(" "), _show("\x00")
    ("']'", "' ' (U+0020)", 'U+0000')
    """
    if char.isprintable() and not char.isspace():
        return repr(char)
    name = unicodedata.name(char, "")
    return f"{char!r} (U+{ord(char):04X})" if name else f"U+{ord(char):04X}"
