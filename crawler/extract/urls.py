"""URL helpers shared by the extractors: which URLs we follow, and one spelling per URL."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
