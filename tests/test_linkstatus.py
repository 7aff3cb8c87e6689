"""Link result vocabulary: bot-wall evidence, classification and the HEAD->GET rule."""

from __future__ import annotations

import email
import http.client

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http.headers import Headers

from crawler.core.linkstatus import bot_block_evidence, classify_link, should_fallback_to_get
from crawler.core.vocabulary import LinkVerdict

OK, REDIRECTED, BROKEN = LinkVerdict.OK, LinkVerdict.REDIRECTED, LinkVerdict.BROKEN
BLOCKED, ROBOTS = LinkVerdict.BLOCKED, LinkVerdict.ROBOTS

CF_CHALLENGE_BODY = b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"><script>window._cf_chl_opt={cvId: '3'};</script>
</head><body><div id="challenge-body-text">Checking if the site connection is secure</div>
<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>"""

CF_BLOCK_BODY = b"""<!DOCTYPE html><html><head>
<title>Attention Required! | Cloudflare</title></head>
<body><div id="cf-error-details">Sorry, you have been blocked</div></body></html>"""

# What Cloudflare injects into ordinary pages: must never count as a wall on a 200.
CF_NORMAL_PAGE = b"""<html><head><title>Welcome</title></head><body>Just a moment... we are
hiring!<script>(function(){var a=document.createElement('script');
a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';})();</script></body></html>"""


def test_vocabulary_is_small_and_fixed() -> None:
    assert [str(v) for v in LinkVerdict] == ["ok", "redirected", "broken", "invalid", "blocked", "robots", "skipped"]


# --- bot_block_evidence ----------------------------------------------------------------


@pytest.mark.parametrize("status", [403, 503])
def test_cloudflare_challenge_page(status: int) -> None:
    headers = {"Server": "cloudflare", "CF-RAY": "8a1b2c3d4e5f-FRA", "Content-Type": "text/html"}
    evidence = bot_block_evidence(status, headers, CF_CHALLENGE_BODY)
    assert evidence == f"Cloudflare challenge page ({status}): '<title>just a moment...</title>'"


def test_cloudflare_block_page() -> None:
    evidence = bot_block_evidence(403, {"server": "cloudflare"}, CF_BLOCK_BODY)
    assert evidence == "Cloudflare block page (403): 'attention required! | cloudflare'"


def test_cloudflare_challenge_script_marker() -> None:
    body = b'<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=1"></script>'
    assert bot_block_evidence(403, {"server": "cloudflare"}, body) == (
        "Cloudflare challenge page (403): '/cdn-cgi/challenge-platform/h/'"
    )


def test_cloudflare_challenge_body_as_text_without_server_header() -> None:
    body = '<div class="cf-browser-verification">please wait</div>'
    assert bot_block_evidence(503, {}, body) == (
        "Cloudflare challenge page (503): 'cf-browser-verification'"
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"cf-mitigated": "challenge"},
        {"CF-Mitigated": "Challenge"},
        {b"Cf-Mitigated": [b"challenge"]},  # Scrapy's Headers shape
        [("cf-mitigated", "challenge")],  # a list of pairs
    ],
)
def test_cf_mitigated_header_alone(headers: object) -> None:
    evidence = bot_block_evidence(403, headers, None)  # type: ignore[arg-type]
    assert evidence == "Cloudflare challenge (cf-mitigated: challenge), status 403"


def test_cf_mitigated_header_counts_on_any_status() -> None:
    assert bot_block_evidence(200, {"cf-mitigated": "challenge"}, b"") is not None
    assert bot_block_evidence(None, {"cf-mitigated": "challenge"}, None) == (
        "Cloudflare challenge (cf-mitigated: challenge)"
    )


def test_scrapy_headers_object() -> None:
    headers = Headers({"Server": "cloudflare", "Cf-Mitigated": "challenge"})
    assert bot_block_evidence(403, headers, None) == (
        "Cloudflare challenge (cf-mitigated: challenge), status 403"
    )


def test_http_client_message_headers() -> None:
    message = email.message_from_string(
        "Server: AkamaiGHost\r\nContent-Type: text/html\r\n\r\n", _class=http.client.HTTPMessage
    )
    assert bot_block_evidence(403, message, None) == "Akamai bot protection (403)"


def test_status_999() -> None:
    assert bot_block_evidence(999, {}, None) == "bot wall status 999 (LinkedIn-style)"
    assert bot_block_evidence(999, None, b"<html></html>") is not None


def test_429_is_always_rate_limited() -> None:
    assert bot_block_evidence(429, {}, None) == "rate limited (429)"
    assert bot_block_evidence(429, {"Retry-After": "120"}, b"Too many requests") == (
        "rate limited (429)"
    )
    assert bot_block_evidence(429, {"cf-mitigated": "challenge"}, CF_CHALLENGE_BODY) == (
        "rate limited (429)"
    )


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        (
            {"Server": "AkamaiGHost"},
            b"<H1>Access Denied</H1> Reference&#32;&#35;18.1 https://errors.edgesuite.net/18.1",
            "Akamai block page (403): 'errors.edgesuite.net'",
        ),
        ({"Server": "AkamaiGHost"}, None, "Akamai bot protection (403)"),
        (
            {"X-Iinfo": "10-1234-0 0NNN RT(1 0) q(0 -1 -1 -1) r(0 -1)", "X-CDN": "Imperva"},
            b"<html>Request unsuccessful. Incapsula incident ID: 123-456</html>",
            "Imperva block page (403): 'incapsula incident id'",
        ),
        (
            {"Set-Cookie": ["visid_incap_1=x", "incap_ses_1_2=y"]},
            b"",
            "Imperva bot protection (403)",
        ),
        (
            {"X-DataDome": "protected", "Server": "DataDome"},
            b"<script src='https://ct.captcha-delivery.com/c.js'></script>",
            "DataDome captcha page (403): 'captcha-delivery.com'",
        ),
        ({"x-datadome": "protected"}, b"", "DataDome bot protection (403)"),
        (
            {"Server": "Sucuri/Cloudproxy", "X-Sucuri-ID": "11005"},
            b"<title>Sucuri WebSite Firewall - Access Denied</title>",
            "Sucuri block page (403): 'sucuri website firewall'",
        ),
        ({"X-Sucuri-Block": "BNP005"}, None, "Sucuri firewall block (x-sucuri-block), status 403"),
        (
            {"Server": "nginx"},
            b'<form><div class="g-recaptcha" data-sitekey="x"></div></form>',
            "captcha page (403): 'g-recaptcha'",
        ),
        (
            {"Server": "nginx"},
            b"<p>Please solve the CAPTCHA to continue</p>",
            "captcha page (403): 'captcha'",
        ),
    ],
)
def test_vendor_signatures(headers: dict, body: bytes | None, expected: str) -> None:
    assert bot_block_evidence(403, headers, body) == expected


def test_plain_403_is_reported_as_such() -> None:
    # Decision: a 403 to a crawler is "blocked", but the evidence says there was no signature.
    assert bot_block_evidence(403, {"Server": "Apache"}, b"<h1>Forbidden</h1>") == (
        "forbidden (403), no bot-protection signature"
    )
    assert bot_block_evidence(403, {"Server": "cloudflare"}, b"<h1>Forbidden</h1>") == (
        "forbidden (403) behind Cloudflare, no challenge page"
    )


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (404, {}, b"<h1>Not Found</h1>"),
        (404, {"Server": "cloudflare", "CF-RAY": "x"}, b"<h1>Not Found</h1>"),
        (410, {"X-Iinfo": "1"}, b"Gone"),
        (500, {"Server": "AkamaiGHost"}, b"Internal error"),
        (503, {"Server": "cloudflare"}, b"<h1>Service Unavailable</h1>"),  # a bare outage
        (200, {}, b"<html>hello</html>"),
        (200, {"Server": "cloudflare", "CF-RAY": "x"}, CF_NORMAL_PAGE),
        (503, {"Server": "cloudflare", "CF-RAY": "x"}, CF_NORMAL_PAGE),  # outage + injected JS
        (200, {"X-DataDome": "protected"}, b"captcha-delivery.com"),
        (301, {"Location": "/x"}, b""),
        (None, {}, None),
        (None, None, None),
    ],
)
def test_not_blocked(status: int | None, headers: dict | None, body: bytes | None) -> None:
    assert bot_block_evidence(status, headers, body) is None


def test_odd_header_shapes_do_not_raise() -> None:
    assert bot_block_evidence(403, {"X-Count": 3, "Y": None}, None) is not None
    malformed = [("only-one-item",)]
    assert bot_block_evidence(403, malformed, None) is not None  # type: ignore[arg-type]
    assert bot_block_evidence(404, "not headers", None) is None  # type: ignore[arg-type]


# --- classify_link ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "evidence", "redirected", "expected"),
    [
        (200, None, None, False, OK),
        (204, None, None, False, OK),
        (304, None, None, False, OK),
        (200, None, None, True, REDIRECTED),
        (304, None, None, True, REDIRECTED),
        (404, None, None, False, BROKEN),
        (410, None, None, True, BROKEN),
        (500, None, None, False, BROKEN),
        (503, None, None, False, BROKEN),
        (301, None, None, True, BROKEN),  # redirect that could not be followed
        (None, "DNS lookup failed: no such host", None, False, BROKEN),
        (None, "Connection refused", None, False, BROKEN),
        (None, "User timeout caused connection failure", None, False, BROKEN),
        (None, "SSL: CERTIFICATE_VERIFY_FAILED", None, False, BROKEN),
        (None, None, None, False, BROKEN),  # no answer and no reason: still not ok
        (403, None, "forbidden (403), no bot-protection signature", False, BLOCKED),
        (429, None, "rate limited (429)", False, BLOCKED),
        (999, None, "bot wall status 999 (LinkedIn-style)", True, BLOCKED),
        (200, None, "Cloudflare challenge (cf-mitigated: challenge), status 200", False, BLOCKED),
        (None, "Forbidden by robots.txt", None, False, ROBOTS),
    ],
)
def test_classify_link(
    status: int | None, error: str | None, evidence: str | None, redirected: bool, expected: str
) -> None:
    assert classify_link(status, error, evidence, redirected=redirected) == expected


def test_classify_uses_evidence_from_bot_block_evidence() -> None:
    def result(status: int, headers: dict, body: bytes | None) -> str:
        evidence = bot_block_evidence(status, headers, body)
        return classify_link(status, None, evidence, redirected=False)

    assert result(403, {"server": "cloudflare"}, CF_CHALLENGE_BODY) == BLOCKED
    assert result(404, {"server": "cloudflare"}, b"Not found") == BROKEN
    assert result(200, {"server": "cloudflare"}, CF_NORMAL_PAGE) == OK


# --- should_fallback_to_get ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (200, None, False),
        (204, None, False),
        (301, {"Location": "/x"}, False),
        (304, None, False),
        (None, None, False),  # DNS/refused/timeout: GET fails the same way
        (400, None, True),
        (403, None, True),  # signed storage URLs; and GET brings a body to look for walls in
        (404, None, True),  # GET-only routes
        (405, None, True),
        (405, {"Allow": "GET, HEAD"}, True),
        (405, {"Allow": "POST, OPTIONS"}, False),
        (405, {b"allow": [b"get"]}, True),
        (410, None, True),
        (500, None, True),
        (501, None, True),
        (503, None, True),
        (429, {"Retry-After": "60"}, False),
        (999, None, False),
    ],
)
def test_should_fallback_to_get(status: int | None, headers: dict | None, expected: bool) -> None:
    assert should_fallback_to_get(status, headers) is expected


# --- robustness ------------------------------------------------------------------------

_VALUES = st.one_of(st.text(max_size=20), st.binary(max_size=20), st.lists(st.binary(max_size=8)))


@settings(max_examples=300, deadline=None)
@given(
    status=st.one_of(st.none(), st.integers(-1, 1000)),
    headers=st.dictionaries(
        st.sampled_from(["server", "cf-mitigated", "set-cookie", "x"]), _VALUES
    ),
    body=st.one_of(st.none(), st.binary(max_size=100), st.text(max_size=100)),
    error=st.one_of(st.none(), st.text(max_size=20)),
    redirected=st.booleans(),
)
def test_random_responses(
    status: int | None,
    headers: dict,
    body: bytes | str | None,
    error: str | None,
    redirected: bool,
) -> None:
    evidence = bot_block_evidence(status, headers, body)
    assert evidence is None or (isinstance(evidence, str) and evidence)
    assert classify_link(status, error, evidence, redirected=redirected) in set(LinkVerdict)
    assert isinstance(should_fallback_to_get(status, headers), bool)
