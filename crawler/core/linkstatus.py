"""The rules that pick a link's verdict (crawler.core.vocabulary.LinkVerdict).

Pure functions over what a fetch returned (status, headers, first bytes of the
body), so the spider, the report and the tests agree on one meaning per word.

The key distinction is *blocked* versus *broken*: a site that refuses crawlers
(bot walls, rate limits, challenge pages) is not a dead link, and reporting it as
one would send people chasing working pages. A blocked result always carries a
short evidence string saying why we think so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crawler.core.vocabulary import LinkVerdict

__all__ = ["bot_block_evidence", "classify_link", "should_fallback_to_get"]

OK, REDIRECTED, BROKEN = LinkVerdict.OK, LinkVerdict.REDIRECTED, LinkVerdict.BROKEN
BLOCKED, ROBOTS = LinkVerdict.BLOCKED, LinkVerdict.ROBOTS

# Statuses bot walls answer with; a vendor signature only counts on one of these,
# since CDNs put their headers on every response, 200s and real 404s included.
_WALL_STATUSES = frozenset({403, 503})

# Headers that only appear when a challenge or block was served: any status.
# (header, value substring or "" for any value, evidence)
_CHALLENGE_HEADERS: tuple[tuple[str, str, str], ...] = (
    ("cf-mitigated", "challenge", "Cloudflare challenge (cf-mitigated: challenge)"),
    ("x-vercel-mitigated", "challenge", "Vercel challenge (x-vercel-mitigated: challenge)"),
    ("x-vercel-mitigated", "deny", "Vercel firewall deny (x-vercel-mitigated: deny)"),
    ("x-amzn-waf-action", "captcha", "AWS WAF captcha (x-amzn-waf-action)"),
    ("x-amzn-waf-action", "challenge", "AWS WAF challenge (x-amzn-waf-action)"),
    ("x-sucuri-block", "", "Sucuri firewall block (x-sucuri-block)"),
)

# Vendor presence: (vendor, header, value substring or "" for any value).
_VENDOR_HEADERS: tuple[tuple[str, str, str], ...] = (
    ("Cloudflare", "server", "cloudflare"),
    ("Cloudflare", "cf-ray", ""),
    ("Akamai", "server", "akamaighost"),
    ("Akamai", "set-cookie", "_abck="),
    ("Akamai", "set-cookie", "ak_bmsc="),
    ("Imperva", "x-iinfo", ""),
    ("Imperva", "x-cdn", "imperva"),
    ("Imperva", "x-cdn", "incapsula"),
    ("Imperva", "set-cookie", "incap_ses_"),
    ("DataDome", "x-datadome", ""),
    ("DataDome", "x-dd-b", ""),
    ("DataDome", "server", "datadome"),
    ("DataDome", "set-cookie", "datadome="),
    ("Sucuri", "server", "sucuri"),
    ("Sucuri", "x-sucuri-id", ""),
    ("DDoS-Guard", "server", "ddos-guard"),
    ("PerimeterX", "set-cookie", "_pxhd="),
    ("PerimeterX", "set-cookie", "_px3="),
)
# Vendors whose mere presence on a 403 is a block. Cloudflare is not one: it
# fronts so many sites that a 403 behind it is often the origin's own.
_BLOCKING_VENDORS = frozenset({"Akamai", "Imperva", "DataDome", "Sucuri", "DDoS-Guard"})

# Body markers of challenge and block pages, lower-case: (vendor, marker, kind).
# Only looked for on 403/503, and kept narrow even there: Cloudflare injects
# "/cdn-cgi/challenge-platform/scripts/jsd/..." into ordinary pages (error pages
# included), and a maintenance page may well say "back in just a moment...".
# The challenge page itself has that exact title and loads ".../challenge-platform/h/...".
_BODY_MARKERS: tuple[tuple[str, str, str], ...] = (
    ("Cloudflare", "<title>just a moment...</title>", "challenge page"),
    ("Cloudflare", "cf-browser-verification", "challenge page"),
    ("Cloudflare", "_cf_chl_opt", "challenge page"),
    ("Cloudflare", "/cdn-cgi/challenge-platform/h/", "challenge page"),
    ("Cloudflare", "attention required! | cloudflare", "block page"),
    ("Cloudflare", "used cloudflare to restrict access", "block page"),
    ("Imperva", "incapsula incident id", "block page"),
    ("Imperva", "_incapsula_resource", "challenge page"),
    ("DataDome", "captcha-delivery.com", "captcha page"),
    ("Akamai", "errors.edgesuite.net", "block page"),
    ("Sucuri", "sucuri website firewall", "block page"),
    ("PerimeterX", "px-captcha", "captcha page"),
    ("DDoS-Guard", "ddos-guard", "challenge page"),
    ("", "g-recaptcha", "captcha page"),
    ("", "hcaptcha.com", "captcha page"),
    ("", "cf-turnstile", "captcha page"),
    ("", "captcha", "captcha page"),
)

_BODY_LIMIT = 32_768


def _text(value: Any) -> str:
    """One header value as lower-case text, whatever shape the client gave it."""
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1").lower()
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, Iterable):
        return ", ".join(_text(item) for item in value)
    return str(value).lower()


def _header_map(headers: Mapping[Any, Any] | Iterable[tuple[Any, Any]] | None) -> dict[str, str]:
    """Headers as ``{lower-case name: lower-case value}``; repeated headers are joined.

    Accepts plain dicts, Scrapy ``Headers`` (bytes keys, lists of bytes),
    ``http.client`` messages and lists of pairs, so callers need no conversion.

    >>> _header_map({b"Server": [b"cloudflare"], "CF-Mitigated": "challenge"})
    {'server': 'cloudflare', 'cf-mitigated': 'challenge'}
    """
    if not headers:
        return {}
    try:
        items = headers.items() if hasattr(headers, "items") else headers
        result: dict[str, str] = {}
        for name, value in items:
            key = _text(name).strip()
            text = _text(value).strip()
            result[key] = f"{result[key]}, {text}" if key in result else text
        return result
    except (TypeError, ValueError):
        return {}


def _has(headers: dict[str, str], name: str, needle: str) -> bool:
    value = headers.get(name)
    return value is not None and needle in value


def _body_text(body_head: bytes | str | None) -> str:
    if not body_head:
        return ""
    if isinstance(body_head, (bytes, bytearray)):
        return bytes(body_head[:_BODY_LIMIT]).decode("utf-8", "replace").lower()
    return str(body_head[:_BODY_LIMIT]).lower()


def bot_block_evidence(
    status: int | None,
    headers: Mapping[Any, Any] | Iterable[tuple[Any, Any]] | None,
    body_head: bytes | str | None,
) -> str | None:
    """Why this response looks like bot protection rather than a dead link, or None.

    Rules, first match wins:

    * 999 (LinkedIn and a few others answer crawlers with it) and 429 are always
      evidence: the resource exists, we were refused.
    * A challenge-only header (``cf-mitigated: challenge``, Vercel, AWS WAF,
      Sucuri) is evidence on any status.
    * On 403/503, a challenge or block page in the body, or on 403 a bot-wall
      vendor header (Akamai, Imperva, DataDome, Sucuri, DDoS-Guard).
    * A plain 403 is evidence too, worded as such: crawlers get 403 far more often
      than people do, and the link usually works in a browser. Callers that want a
      stricter report can tell it apart by its wording.
    * Everything else (404, 410, 500, a bare 503, 200...) is not: those are the
      site's own answer.

    >>> bot_block_evidence(429, {}, None)
    'rate limited (429)'
    >>> bot_block_evidence(403, {"Server": "cloudflare"}, b"<title>Just a moment...</title>")
    "Cloudflare challenge page (403): '<title>just a moment...</title>'"
    >>> bot_block_evidence(404, {"Server": "cloudflare"}, b"Not found") is None
    True
    """
    if status == 999:
        return "bot wall status 999 (LinkedIn-style)"
    if status == 429:
        return "rate limited (429)"
    found = _header_map(headers)
    for name, needle, evidence in _CHALLENGE_HEADERS:
        if _has(found, name, needle):
            return evidence if status is None else f"{evidence}, status {status}"
    if status not in _WALL_STATUSES:
        return None

    vendor = next(
        (vendor for vendor, name, needle in _VENDOR_HEADERS if _has(found, name, needle)), ""
    )
    body = _body_text(body_head)
    if body:
        for marker_vendor, marker, kind in _BODY_MARKERS:
            if marker in body:
                who = marker_vendor or vendor
                return f"{who + ' ' if who else ''}{kind} ({status}): {marker!r}"
    if status == 403:
        if vendor in _BLOCKING_VENDORS:
            return f"{vendor} bot protection (403)"
        if vendor:
            return f"forbidden (403) behind {vendor}, no challenge page"
        return "forbidden (403), no bot-protection signature"
    return None  # a bare 503 is an outage, not a wall


def classify_link(
    status: int | None,
    error: str | None,
    evidence: str | None,
    *,
    redirected: bool,
) -> LinkVerdict:
    """The one word for a fetched link.

    Order matters: a robots.txt refusal is not a fetch at all; bot-wall evidence
    beats the status code (a challenge may come with any status); a network error
    (DNS, refused, timeout, TLS) or a missing status is broken; then 2xx and 304
    are ok (or redirected when a redirect led there); any other status, including
    an unfollowed 3xx, is broken.

    >>> print(classify_link(200, None, None, redirected=True))
    redirected
    >>> print(classify_link(403, None, "rate limited (429)", redirected=False))
    blocked
    >>> print(classify_link(None, "DNS lookup failed", None, redirected=False))
    broken
    >>> print(classify_link(None, "Forbidden by robots.txt", None, redirected=False))
    robots
    """
    if error and "robots.txt" in error.lower():
        return ROBOTS
    if evidence:
        return BLOCKED
    if error or status is None:
        return BROKEN
    if 200 <= status < 300 or status == 304:
        return REDIRECTED if redirected else OK
    return BROKEN


def should_fallback_to_get(
    head_status: int | None,
    headers: Mapping[Any, Any] | Iterable[tuple[Any, Any]] | None = None,
) -> bool:
    """Should a failed HEAD be confirmed with a GET before we believe it?

    HEAD is only a shortcut, and servers get it wrong a lot (405/501 for HEAD,
    403 from signed storage URLs, 404 from GET-only routes, 400 from picky
    frameworks), so any status >= 400 is confirmed with GET. A GET also returns a
    body, which is what challenge pages are recognised by. Exceptions:

    * 429 and 999: asking again right away only deepens a rate limit.
    * a 405 whose ``Allow`` header lists methods without GET: GET is refused too.
    * no status (DNS, refused, timeout, TLS): those fail the same way for GET.

    >>> should_fallback_to_get(405), should_fallback_to_get(404), should_fallback_to_get(200)
    (True, True, False)
    >>> should_fallback_to_get(429), should_fallback_to_get(405, {"Allow": "POST, OPTIONS"})
    (False, False)
    """
    if head_status is None or head_status < 400:
        return False
    if head_status in (429, 999):
        return False
    if head_status == 405:
        allow = _header_map(headers).get("allow", "")
        methods = {method.strip() for method in allow.upper().split(",") if method.strip()}
        if methods and "GET" not in methods:
            return False
    return True
