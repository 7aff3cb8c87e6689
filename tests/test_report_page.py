"""Tests for the static status page: content, order, and that scraped text can never run."""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import re
from datetime import datetime, timedelta
from typing import Any

import jinja2
import pytest
from bs4 import BeautifulSoup

from crawler.report.page import (
    HISTORY_SLOTS,
    build_sparkline,
    build_view,
    duration_ms,
    fmt_percent,
    fmt_span,
    fmt_time,
    make_environment,
    render_detail_pages,
    render_index,
    safe_href,
    tag_key,
)
from crawler.report.page.render import CLOCK_SCRIPT

XSS_TITLE = "<script>alert(1)</script>"
XSS_DESCRIPTION = '"><img src=x onerror=alert(1)>'
XSS_URL = "javascript:alert(1)"
XSS_ERROR = "<b>bold</b> connection reset"
XSS_TAG = '"]{}</style><script>alert(1)</script>'
XSS_SUMMARY = '+ "<img src=x onerror=alert(1)>" − "</style>"'
XSS_CHECK_ERROR = "</title><script>alert('tip')</script>"
XSS_LINK_TEXT = '<img src=x onerror=alert("text")> Annual report'

RTL_TAG = "مدينة"
RTL_NAME = "وزارة الإسكان والتنمية العمرانية"
RTL_TITLE = "الصفحة الرئيسية — وزارة الإسكان"

CSP = re.compile(
    r"default-src 'none'; script-src 'sha256-(?P<hash>[A-Za-z0-9+/]{43}=)'; style-src 'unsafe-inline'; "
    r"img-src data:; base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'"
)
"""Nothing loads; one inline script runs, the one whose hash the policy names."""


def _csp_allows_only_its_script(page: BeautifulSoup) -> None:
    """The policy is strict, and its hash is the hash of the page's one script."""
    policy = CSP.fullmatch(page.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"])
    assert policy is not None
    (script,) = page.find_all("script")
    assert not script.attrs, "no src, no type: an inline classic script"
    digest = base64.b64encode(hashlib.sha256(script.string.encode("utf-8")).digest()).decode()
    assert policy["hash"] == digest
    assert script.string == CLOCK_SCRIPT


def _without_clock(raw: str) -> str:
    """The page's HTML without the clock script, which is ours and the only script."""
    assert raw.count(f"<script>{CLOCK_SCRIPT}</script>") == 1
    return raw.replace(f"<script>{CLOCK_SCRIPT}</script>", "")


def _resource(name: str, status: str | None, **fields: Any) -> dict[str, Any]:
    """A resource with every documented key null, overridden by ``fields``."""
    base: dict[str, Any] = {
        "name": name,
        "slug": re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"),
        "url": None,
        "organization": None,
        "language": None,
        "tags": [],
        "status": status,
        "http_status": None,
        "final_url": None,
        "error": None,
        "response_ms": None,
        "title": None,
        "description": None,
        "checked_at": None,
        "redirects": [],
        "tls_expires_at": None,
        "retries": 0,
        "content_type": None,
        "body_bytes": None,
        "reasons": [],
    }
    base.update(fields)
    return base


GENERATED_AT = "2026-11-25T07:00:00Z"
MIRROR_DNS = "DNS lookup failed: could not resolve host www.iadb.org"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def history(pattern: str, *, base_ms: int = 400, spread: int = 180, every_min: int = 30,
            end: str = "2026-11-25T06:59:45Z", error: str = "connection timed out",
            detail: bool = False) -> list[dict[str, Any]]:
    """Checks oldest first, one every ``every_min`` minutes up to ``end``.

    Pattern letters: ``u`` up, ``g`` degraded, ``d`` down, ``m`` maintenance. Response
    times wobble deterministically so sparklines have a shape; down checks have none.
    ``detail`` adds the detail-page fields (HTTP status, title).
    """
    last = datetime.fromisoformat(end.replace("Z", "+00:00"))
    states = {"u": "up", "g": "degraded", "d": "down", "m": "maintenance"}
    items = []
    for index, letter in enumerate(pattern):
        status = states[letter]
        wobble = (index * 53) % spread
        ms = {"up": base_ms + wobble, "degraded": base_ms * 6 + wobble, "maintenance": None, "down": None}[status]
        item: dict[str, Any] = {
            "checked_at": _iso(last - timedelta(minutes=every_min * (len(pattern) - 1 - index))),
            "status": status,
            "response_ms": ms,
            "error": error if status == "down" else None,
        }
        if detail:
            item["http_status"] = None if status == "down" else 200
            item["title"] = None if status == "down" else "Home"
        items.append(item)
    return items


def _uptime(d24: float | None, d7: float | None, d30: float | None, d90: float | None) -> dict[str, Any]:
    return {"24h": d24, "7d": d7, "30d": d30, "90d": d90}


def sample_status() -> dict[str, Any]:
    """A realistic document with every status, redirects, nulls, RTL text and an XSS resource.

    Shared with the browser tests so both look at the same page.
    """
    resources = [
        _resource(
            "IADB Housing and Urban Development Division",
            "up",
            url="https://www.iadb.org/en/who-we-are/topics/urban-development-and-housing",
            organization="Inter-American Development Bank",
            language="en",
            tags=["urban", "latin-america"],
            http_status=200,
            final_url="https://www.iadb.org/en/who-we-are/topics/urban-development-and-housing",
            response_ms=412,
            title="Urban Development and Housing | IDB",
            description="The IDB supports cities in Latin America and the Caribbean.",
            checked_at="2026-11-25T06:59:45Z",
            tls_expires_at="2027-01-02T00:00:00Z",
            content_type="text/html",
            body_bytes=48213,
            uptime=_uptime(0.998, 0.991, 0.97, None),
            response={"median_ms": 412, "p95_ms": 980, "samples": 96},
            history=history("uuuuuuuuuuuuuuguuuuuuuuuuuuuuu", base_ms=380),
            checks=history("u" * 40 + "uuddduuuuuuuuuuuuuuguuuuuuuuuuuuuuu", base_ms=380, detail=True)[::-1],
            incident=None,
            incidents=[
                {"started_at": "2026-11-23T10:00:00Z", "ended_at": "2026-11-23T11:30:00Z",
                 "first_error": "connection timed out", "checks_failed": 3},
            ],
            last_change={"at": "2026-11-23T07:00:03Z", "kind": "content",
                         "summary": '+ "New call for projects" − "Old headline"'},
            freshness={"state": "fresh", "last_new_announcement": "2026-11-21T07:00:03Z", "reason": None},
            maintenance=False,
            announcements=[
                {"title": "New call for projects: housing 2027", "url": "https://www.iadb.org/en/news/call",
                 "published": "2026-11-20T00:00:00Z", "first_seen": "2026-11-21T07:00:03Z", "new": True},
                {"title": "Urban resilience report", "url": "https://www.iadb.org/en/news/report",
                 "published": "2026-10-02T00:00:00Z", "first_seen": "2026-10-03T07:00:03Z", "new": False},
            ],
            links={"checked": 57, "broken": 1, "invalid": 1, "blocked": 2, "skipped": 3, "robots": 0},
            broken_links=[{"url": "https://www.iadb.org/old-page", "status": 404, "error": "HTTP 404 Not Found",
                           "text": "Urban plan 2019",
                           "found_on": ["https://www.iadb.org/en/who-we-are/topics/urban-development-and-housing"]}],
            invalid_links=[{"url": "http://localhost]", "error": "invalid URL: host contains a forbidden code point ']'",
                            "found_on": ["https://www.iadb.org/en/who-we-are/topics/urban-development-and-housing"]}],
        ),
        _resource(
            "UN-Habitat",
            "up",
            url="http://unhabitat.org",
            organization="United Nations Human Settlements Programme",
            language="en",
            http_status=200,
            final_url="https://unhabitat.org/en/home",
            redirects=[
                {"url": "http://unhabitat.org", "status": 301},
                {"url": "https://unhabitat.org/", "status": 302},
                {"url": "https://unhabitat.org/en/", "status": 200, "via": "meta refresh"},
            ],
            response_ms=880,
            title="UN-Habitat – A better urban future",
            checked_at="2026-11-25T06:59:47Z",
            tls_expires_at="2027-03-10T12:00:00Z",
            tags=["urban", "global"],
            uptime=_uptime(1.0, 0.9995, 0.9981, 0.9962),
            response={"median_ms": 870, "p95_ms": 1400, "samples": 336},
            history=history("uuuuuuuuuuuuummmuuuuuuuuuuuuuu", base_ms=760, spread=420),
            incident=None,
            incidents=[],
            last_change=None,
            freshness={"state": "stale", "last_new_announcement": "2026-09-12T07:00:00Z",
                       "reason": "no new announcement in 74 days"},
            maintenance=False,
        ),
        _resource(
            "Cities Alliance",
            "degraded",
            url="https://www.citiesalliance.org/",
            organization="Cities Alliance",
            http_status=200,
            final_url="https://www.citiesalliance.org/",
            response_ms=3200,
            title="Cities Alliance",
            checked_at="2026-11-25T06:59:50Z",
            tls_expires_at="2026-12-04T00:00:00Z",
            reasons=["slow: 3200 ms > 2000 ms", "TLS certificate expires in 8 days"],
            retries=1,
            tags=["global"],
            uptime=_uptime(1.0, 0.97, 0.93, None),
            response={"median_ms": 2900, "p95_ms": 3600, "samples": 90},
            history=history("uuuuuuuuuuuuuuuuuuuuuuuggggggg", base_ms=520),
            incident=None,
            incidents=[],
            last_change={"at": "2026-11-25T06:59:50Z", "kind": "title",
                         "summary": '"Cities Alliance – Home" → "Cities Alliance"'},
            freshness={"state": "unknown", "last_new_announcement": None, "reason": "no announcements found"},
        ),
        _resource(
            "IADB Mirror",
            "down",
            url="https://www.iadb.org/es",
            organization="Inter-American Development Bank",
            error=MIRROR_DNS,
            checked_at="2026-11-25T06:59:52Z",
            reasons=["DNS lookup failed"],
            retries=2,
            tags=["latin-america"],
            uptime=_uptime(0.875, 0.982, 0.995, 0.998),
            response={"median_ms": 450, "p95_ms": 700, "samples": 80},
            history=history("u" * 23 + "ddddddd", base_ms=430, error=MIRROR_DNS),
            incident={"started_at": "2026-11-25T03:48:00Z", "first_error": MIRROR_DNS, "checks_failed": 7},
            incidents=[
                {"started_at": "2026-11-25T03:48:00Z", "ended_at": None, "first_error": MIRROR_DNS,
                 "checks_failed": 7},
                {"started_at": "2026-11-20T22:10:00Z", "ended_at": "2026-11-21T01:40:00Z",
                 "first_error": "connection refused", "checks_failed": 4},
            ],
            last_change=None,
            freshness={"state": "unknown", "last_new_announcement": None, "reason": "not read in this run"},
        ),
        _resource(
            RTL_NAME,
            "up",
            url="https://example.gov.eg/ar/",
            organization="جمهورية مصر العربية",
            language="ar",
            http_status=200,
            response_ms=1290,
            title=RTL_TITLE,
            description="موقع رسمي — Ünïcødé ✓ 住宅",
            checked_at="2026-11-25T06:59:53Z",
            tags=[RTL_TAG],
            uptime=_uptime(1.0, 1.0, None, None),
            history=history("mmuuuuuuuuuu", base_ms=1200, spread=300),
            maintenance=True,
        ),
        _resource(
            "Evil Resource",
            "down",
            url=XSS_URL,
            organization="<i>Org</i>",
            http_status=500,
            final_url="javascript:alert(2)",
            title=XSS_TITLE,
            description=XSS_DESCRIPTION,
            error=XSS_ERROR,
            checked_at="2026-11-25T06:59:54Z",
            redirects=[{"url": "javascript:alert(3)", "status": 302}],
            reasons=["HTTP 500 <u>server error</u>"],
            tags=[XSS_TAG, "a b", "ok-tag"],
            uptime={"24h": "100%", "7d": 7, "30d": -0.5, "90d": float("nan")},
            response={"median_ms": "fast", "p95_ms": None},
            history=history("uuuuuudd", error=XSS_CHECK_ERROR) + ["junk", {"status": "<b>"}],
            incident={"started_at": "2026-11-25T06:30:00Z", "first_error": XSS_ERROR, "checks_failed": 2},
            last_change={"at": "2026-11-25T06:59:54Z", "kind": "<script>", "summary": XSS_SUMMARY},
            freshness={"state": "<i>stale</i>", "reason": "<b>why</b>"},
            broken_links=[{"url": "https://evil.example/report.pdf", "status": 404, "error": "HTTP 404",
                           "text": XSS_LINK_TEXT, "found_on": ["https://evil.example/"]}],
        ),
        _resource("Pending Portal", "unchecked", url="https://pending.example.org/"),
        _resource(
            "All Nulls",
            None,
            slug=None,
            url=None,
            tags=None,
            redirects=None,
            reasons=None,
            retries=None,
        ),
    ]
    return {
        "generated_at": GENERATED_AT,
        "run": {
            "id": 3,
            "started_at": "2026-11-25T06:59:40Z",
            "finished_at": "2026-11-25T06:59:58Z",
            "complete": True,
        },
        "summary": {"total": 8, "up": 3, "degraded": 1, "down": 2, "unchecked": 2},
        "resources": resources,
    }


def _soup(status: dict[str, Any]) -> BeautifulSoup:
    return BeautifulSoup(render_index(status), "lxml")


def _text(element: Any) -> str:
    return re.sub(r"\s+", " ", element.get_text(" ", strip=True)).strip()


def _flat(element: Any) -> str:
    """Text as rendered inline: no space added between adjacent elements."""
    return re.sub(r"\s+", " ", element.get_text()).strip()


def _by_name(soup: BeautifulSoup, name: str) -> Any:
    for card in soup.select(".resource"):
        if _text(card.select_one(".res-name")) == name:
            return card
    raise AssertionError(f"no card named {name!r}")


@pytest.fixture(scope="module")
def soup() -> BeautifulSoup:
    return _soup(sample_status())


# ----------------------------------------------------------------- structure and content


def test_head_has_charset_viewport_and_strict_csp(soup: BeautifulSoup) -> None:
    assert soup.find("meta", charset=True)["charset"].lower() == "utf-8"
    assert "width=device-width" in soup.find("meta", attrs={"name": "viewport"})["content"]
    _csp_allows_only_its_script(soup)


def test_header_and_summary_counts(soup: BeautifulSoup) -> None:
    assert _text(soup.find("h1")) == "healthcrawl status"
    assert _text(soup.select_one("#summary")) == "3 up · 1 degraded · 2 down · 2 unchecked"
    # the headline counts what the exit code counts: resources down, and broken or invalid links
    assert _text(soup.select_one("#overall-text")) == "2 of 8 resources down · 2 broken links, 1 invalid on 2 resources"
    assert soup.select_one("#overall")["data-status"] == "down"


def test_run_line_shows_start_duration_and_completion(soup: BeautifulSoup) -> None:
    run = _text(soup.select_one("#run"))
    assert "Run #3" in run
    assert "2026-11-25 06:59 UTC" in run
    assert "took 18 s" in run
    assert "complete" in run
    assert soup.select_one("#incomplete") is None


def test_incomplete_run_warns() -> None:
    status = sample_status()
    status["run"]["complete"] = False
    soup = _soup(status)
    assert "Incomplete run" in _text(soup.select_one("#incomplete"))


def test_one_card_per_resource_in_status_order(soup: BeautifulSoup) -> None:
    cards = soup.select(".resource")
    assert len(cards) == len(sample_status()["resources"])
    order = [card["data-status"] for card in cards]
    rank = {"down": 0, "degraded": 1, "up": 2, "unchecked": 3}
    assert order == sorted(order, key=rank.__getitem__)
    assert order[:3] == ["down", "down", "degraded"]
    # Within a status, alphabetical by name (case-insensitive).
    down_names = [_text(c.select_one(".res-name")) for c in cards if c["data-status"] == "down"]
    assert down_names == ["Evil Resource", "IADB Mirror"]


@pytest.mark.parametrize(
    ("status", "label", "symbol"),
    [("up", "Up", "✓"), ("degraded", "Degraded", "!"), ("down", "Down", "✕"), ("unchecked", "Unchecked", "?")],
)
def test_badges_carry_text_label_and_symbol(soup: BeautifulSoup, status: str, label: str, symbol: str) -> None:
    cards = [c for c in soup.select(".resource") if c["data-status"] == status]
    assert cards
    for card in cards:
        badge = card.select_one(".badge")
        assert badge["data-status"] == status
        assert _text(badge) == f"{symbol} {label}"
        assert badge.select_one(".sym")["aria-hidden"] == "true"


def test_null_status_is_shown_as_unchecked(soup: BeautifulSoup) -> None:
    card = _by_name(soup, "All Nulls")
    assert card["data-status"] == "unchecked"
    assert card.select_one(".res-name a") is None
    assert _text(card.select_one(".not-checked")) == "Not checked yet"
    assert card.select_one(".checked") is None


@pytest.mark.parametrize(
    ("name", "final_shown"),
    [
        ("UN-Habitat", True),  # redirected
        ("IADB Housing and Urban Development Division", False),  # final_url == url
        ("Cities Alliance", False),
        ("IADB Mirror", False),  # final_url null
    ],
)
def test_final_url_only_when_redirected(soup: BeautifulSoup, name: str, final_shown: bool) -> None:
    card = _by_name(soup, name)
    final = card.select_one(".final-url")
    assert (final is not None) == final_shown
    if final_shown:
        assert _text(final) == "→ https://unhabitat.org/en/home"
        assert final.find("a")["href"] == "https://unhabitat.org/en/home"


def test_redirect_chain_in_details(soup: BeautifulSoup) -> None:
    details = _by_name(soup, "UN-Habitat").select_one("details.redirects")
    assert _text(details.find("summary")) == "3 redirects"
    hops = [_text(li) for li in details.select("li.hop")]
    assert hops == [
        "301 http://unhabitat.org",
        "302 https://unhabitat.org/",
        "200 https://unhabitat.org/en/ (meta refresh)",
        "200 https://unhabitat.org/en/home",
    ]
    assert _by_name(soup, "Cities Alliance").select_one("details") is None


def test_card_details(soup: BeautifulSoup) -> None:
    card = _by_name(soup, "IADB Housing and Urban Development Division")
    link = card.select_one(".res-name a")
    assert link["href"] == "https://www.iadb.org/en/who-we-are/topics/urban-development-and-housing"
    assert "Inter-American Development Bank" in _text(card.select_one(".org"))
    assert _text(card.select_one(".title-text")) == "Urban Development and Housing | IDB"
    assert _text(card.select_one(".http")) == "200"
    assert _text(card.select_one(".response")) == "412 ms"
    assert _text(card.select_one(".tls")) == "2027-01-02 (37 days left)"
    assert _text(card.select_one(".checked")) == "2026-11-25 06:59 UTC"

    degraded = _by_name(soup, "Cities Alliance")
    assert [_text(li) for li in degraded.select(".reasons li")] == [
        "slow: 3200 ms > 2000 ms",
        "TLS certificate expires in 8 days",
    ]
    assert "warn" in degraded.select_one(".tls")["class"]
    assert _text(degraded.select_one(".response")) == "3.2 s"

    down = _by_name(soup, "IADB Mirror")
    assert _text(down.select_one(".error-text")) == (
        "DNS lookup failed: could not resolve host www.iadb.org"
    )


def test_invalid_links_are_listed_with_the_reason(soup: BeautifulSoup) -> None:
    card = _by_name(soup, "IADB Housing and Urban Development Division")
    assert "1 invalid" in _text(card.select_one(".links-line"))
    (item,) = card.select('.plink[data-kind="invalid"]')
    assert _text(item.select_one(".pkind")) == "invalid"
    assert "http://localhost]" in _text(item)
    assert item.find("a", href="http://localhost]") is None  # shown as text: no browser could open it
    assert _text(item.select_one(".pdetail")) == "invalid URL: host contains a forbidden code point ']'"


def test_unicode_and_rtl_text_survive(soup: BeautifulSoup) -> None:
    card = _by_name(soup, RTL_NAME)
    assert card.select_one(".res-name")["dir"] == "auto"
    title = card.select_one(".title-text")
    assert _text(title) == RTL_TITLE
    assert title["lang"] == "ar"
    assert "住宅" in _text(card.select_one(".desc"))


# ----------------------------------------------------------------- untrusted input


def test_no_script_but_the_clock_anywhere(soup: BeautifulSoup) -> None:
    assert [script.string for script in soup.find_all("script")] == [CLOCK_SCRIPT]
    assert soup.find_all("img") == []
    assert soup.find_all(["iframe", "object", "embed", "form", "base"]) == []


def test_no_event_handler_attributes(soup: BeautifulSoup) -> None:
    offenders = [
        (tag.name, attr)
        for tag in soup.find_all(True)
        for attr in tag.attrs
        if attr.lower().startswith("on")
    ]
    assert offenders == []


def test_xss_payloads_are_literal_text(soup: BeautifulSoup) -> None:
    card = _by_name(soup, "Evil Resource")
    assert _text(card.select_one(".title-text")) == XSS_TITLE
    assert _text(card.select_one(".desc")) == XSS_DESCRIPTION
    assert _text(card.select_one(".error-text")) == XSS_ERROR
    assert card.select_one(".error b") is None
    assert card.select_one(".org i") is None
    assert card.select_one(".reasons u") is None
    raw = _without_clock(render_index(sample_status()))
    assert "<script" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


def test_xss_in_tags_check_errors_and_summaries_is_text(soup: BeautifulSoup) -> None:
    card = _by_name(soup, "Evil Resource")
    assert [_text(chip) for chip in card.select(".chip.tag")] == [XSS_TAG, "a b", "ok-tag"]
    assert _flat(card.select_one(".change")) == f"Changed 2026-11-25 06:59 UTC: {XSS_SUMMARY}"
    assert _flat(card.select_one(".fresh")) == "Freshness unknown: <b>why</b>"  # unknown state, reason as text
    tips = [cell["title"] for cell in card.select("li.cell")]
    assert sum(XSS_CHECK_ERROR in tip for tip in tips) == 2
    assert card.select_one(".cell title, .cell script, .change img, .fresh b") is None
    raw = _without_clock(render_index(sample_status()))
    assert "<script" not in raw and "<img" not in raw
    assert raw.count("</style>") == 1  # a tag's "</style>" never closes the style element
    assert "&lt;/title&gt;&lt;script&gt;alert(&#39;tip&#39;)&lt;/script&gt;" in raw


def test_javascript_url_is_never_a_link(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(href=True):
        assert not tag["href"].strip().lower().startswith(("javascript:", "data:text", "vbscript:"))
    card = _by_name(soup, "Evil Resource")
    assert card.select_one(".res-name a") is None
    # The only links left on the card are to its own detail page and the http(s) links it checked.
    assert [a["href"] for a in card.find_all("a") if not a.find_parent(class_="plinks")] == [
        "resources/evil-resource.html"]
    # Still shown, as text, so a human can see what is wrong.
    assert XSS_URL in _text(card.select_one(".urls"))


INTERNAL_LINK = re.compile(r"(#r-[a-z0-9-]+|resources/[a-z0-9-]+\.html|\.\./index\.html(#r-[a-z0-9-]+)?"
                           r"|(\.\./)?(announcements\.(xml|json)|status\.json|feeds/[a-z0-9-]+\.(xml|json)))")


def _check_links(soup: BeautifulSoup) -> None:
    """External links are http(s) and opened without referrer; internal ones are ours."""
    links = soup.find_all("a")
    assert links
    for link in links:
        href = link["href"]
        if INTERNAL_LINK.fullmatch(href):
            assert not link.get("rel")
            continue
        assert href.startswith(("http://", "https://")), href
        assert "noopener" in link["rel"]


def test_every_link_is_http_https_or_internal(soup: BeautifulSoup) -> None:
    _check_links(soup)
    for html in render_detail_pages(sample_status()).values():
        _check_links(BeautifulSoup(html, "lxml"))


def test_no_external_assets(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(["link", "script", "img", "iframe", "source", "video", "audio"]):
        for attr in ("src", "href", "srcset"):
            value = tag.get(attr)
            if value:
                assert not re.match(r"\s*(https?:)?//", value), (tag.name, value)
    styles = " ".join(style.get_text() for style in soup.find_all("style"))
    assert "@import" not in styles
    assert not re.search(r"url\(", styles)
    assert soup.find_all("link", rel="stylesheet") == []


# ----------------------------------------------------------------- degenerate documents


def test_no_run_yet_page() -> None:
    status = {"generated_at": "2026-11-25T07:00:00Z", "run": None, "summary": None, "resources": []}
    soup = _soup(status)
    assert _text(soup.select_one("#no-run h2")) == "Waiting for the first crawl"
    assert "No check has run yet" in _text(soup.select_one("#no-run"))
    assert _text(soup.select_one("#overall-text")) == "No run yet"
    assert _text(soup.select_one("#summary")) == "0 up · 0 degraded · 0 down"
    assert soup.select_one("#run") is None
    assert soup.select(".resource") == []


def test_no_run_yet_still_lists_known_resources() -> None:
    soup = _soup({"generated_at": None, "run": None, "summary": None,
                  "resources": [_resource("Pending Portal", "unchecked", url="https://p.example/")]})
    assert soup.select_one("#no-run") is not None
    assert [c["data-status"] for c in soup.select(".resource")] == ["unchecked"]
    assert _text(soup.select_one("#summary")) == "0 up · 0 degraded · 0 down · 1 unchecked"


def test_minimal_document_with_missing_keys() -> None:
    soup = _soup({"resources": [{"name": "Bare", "status": "up"}]})
    assert _text(soup.select_one("#summary")) == "1 up · 0 degraded · 0 down"
    assert len(soup.select(".resource")) == 1


def test_all_up_says_operational() -> None:
    status = sample_status()
    status["resources"] = [{**r, "broken_links": [], "invalid_links": []}
                           for r in status["resources"] if r["status"] == "up"]
    status["summary"] = None
    soup = _soup(status)
    assert _text(soup.select_one("#overall-text")) == "All resources operational"
    assert soup.select_one("#overall")["data-status"] == "up"
    assert _text(soup.select_one("#summary")) == "3 up · 0 degraded · 0 down"


def test_unknown_extra_keys_are_ignored() -> None:
    plain = sample_status()
    extended = copy.deepcopy(plain)
    extended["announcements"] = [{"title": "<script>x</script>", "url": "https://x.example"}]
    extended["uptime"] = {"30d": 99.9}
    extended["run"]["host"] = "runner-1"
    extended["summary"]["flapping"] = 4
    for resource in extended["resources"]:
        resource["link_samples"] = [{"url": "https://a.example", "status": 404}]
        resource["uptime_v0"] = {"7d": 0.5}
        resource["items"] = "collides with dict.items"
        resource["keys"] = "collides with dict.keys"
    assert render_index(extended) == render_index(plain)


# ----------------------------------------------------------------- environment and filters


def test_environment_autoescapes_j2_and_is_strict() -> None:
    env = make_environment()
    assert env.autoescape("index.html.j2") is True
    assert env.autoescape("anything.j2") is True
    assert env.undefined is jinja2.StrictUndefined
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    for name in ("duration_ms", "safe_href", "fmt_time"):
        assert name in env.filters


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1#c", "https://example.org/a?b=1#c"),
        ("HTTP://EXAMPLE.ORG", "HTTP://EXAMPLE.ORG"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        (" https://example.org", None),
        ("https://exa\nmple.org", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:msgbox", None),
        ("//example.org/", None),
        ("/relative", None),
        ("https://", None),
        ("ftp://example.org", None),
        (None, None),
        (42, None),
    ],
)
def test_safe_href(url: Any, expected: str | None) -> None:
    assert safe_href(url) == expected


@pytest.mark.parametrize(
    ("ms", "text"),
    [(None, "—"), (0, "0 ms"), (412, "412 ms"), (3200, "3.2 s"), (18000, "18 s"), (125000, "2 min 5 s")],
)
def test_duration_ms(ms: Any, text: str) -> None:
    assert duration_ms(ms) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2026-11-25T06:59:45Z", "2026-11-25 06:59 UTC"),
        ("2026-11-25T08:59:45+02:00", "2026-11-25 06:59 UTC"),
        (None, "—"),
        ("not a time", "not a time"),
    ],
)
def test_fmt_time(value: Any, text: str) -> None:
    assert fmt_time(value) == text


# ----------------------------------------------------------------- history: uptime, sparkline, strip

IADB = "IADB Housing and Urban Development Division"
POINT = re.compile(r"\d+(\.\d)?,\d+(\.\d)?")


def _points(polyline: Any) -> list[tuple[float, float]]:
    pairs = polyline["points"].split()
    assert all(POINT.fullmatch(pair) for pair in pairs), pairs
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in pairs)]


def test_uptime_percentages(soup: BeautifulSoup) -> None:
    tiles = _by_name(soup, IADB).select(".uptime > div")
    assert [_text(t.dt) for t in tiles] == ["Uptime, last 24h", "Uptime, last 7d", "Uptime, last 30d", "Uptime, last 90d"]
    assert [_text(t.dd) for t in tiles] == ["99.8%", "99.1%", "97%", "— (no data)"]
    assert [t["data-level"] for t in tiles] == ["good", "good", "fair", "none"]
    assert [_text(dd) for dd in _by_name(soup, "UN-Habitat").select(".uptime dd")] == [
        "100%", "99.95%", "99.81%", "99.62%"]


def test_uptime_garbage_is_no_data_and_missing_uptime_shows_nothing(soup: BeautifulSoup) -> None:
    # "100%", 7, -0.5 and NaN are not ratios in [0, 1].
    assert [_text(dd) for dd in _by_name(soup, "Evil Resource").select(".uptime dd")] == ["— (no data)"] * 4
    assert _by_name(soup, "Pending Portal").select_one(".uptime") is None
    assert _by_name(soup, "All Nulls").select_one(".history") is None


def test_sparkline_points_line_up_with_the_strip(soup: BeautifulSoup) -> None:
    svg = _by_name(soup, IADB).select_one("svg.spark")
    assert svg["role"] == "img"
    assert svg["aria-label"] == "Response time, last 30 checks: min 380 ms, max 2.3 s"
    assert svg["viewbox"] == "0 0 300 40"
    (line,) = svg.select("polyline.line")
    points = _points(line)
    assert len(points) == 30
    assert [x for x, _ in points] == [i * 10 + 5 for i in range(30)]  # centre of each strip cell
    assert all(4 <= y <= 36 for _, y in points)
    tallest = min(points, key=lambda p: p[1])
    assert tallest == (145, 4)  # the degraded check (2.3 s) is the peak, at cell 15
    assert svg.select("polygon.area") and svg.select_one("polyline.last") is not None


def test_sparkline_breaks_at_failed_checks_and_pads_short_history(soup: BeautifulSoup) -> None:
    mirror = _by_name(soup, "IADB Mirror").select_one("svg.spark")
    (line,) = mirror.select("polyline.line")
    assert len(_points(line)) == 23  # 7 down checks have no response time
    assert mirror.select_one("polyline.last") is None  # the latest check failed
    short = _by_name(soup, RTL_NAME)
    first = _points(short.select_one("svg.spark polyline.line"))[0]
    assert first[0] == (30 - 12 + 2) * 10 + 5  # 18 empty slots, then 2 maintenance checks
    assert len(short.select(".strip .pad")) == 18


def test_strip_has_one_cell_per_check_with_text_alternative(soup: BeautifulSoup) -> None:
    expected = {IADB: 30, "UN-Habitat": 30, "Cities Alliance": 30, "IADB Mirror": 30, RTL_NAME: 12,
                "Evil Resource": 9}
    for name, count in expected.items():
        card = _by_name(soup, name)
        strip = card.select_one("ol.strip")
        cells = strip.select("li.cell")
        assert len(cells) == count, name
        assert len(strip.select("li.pad")) == HISTORY_SLOTS - count
        assert all(pad["aria-hidden"] == "true" for pad in strip.select("li.pad"))
        for cell in cells:
            assert cell["data-s"] in ("up", "degraded", "down", "maintenance", "unknown")
            assert cell["title"] and _text(cell.select_one(".vh")) == cell["title"]
        assert strip["aria-label"] == f"Last {count} checks, oldest first"
    cells = _by_name(soup, "IADB Mirror").select("li.cell")
    assert [c["data-s"] for c in cells[-8:]] == ["up"] + ["down"] * 7
    assert cells[-1]["title"] == f"2026-11-25 06:59 UTC · Down · {MIRROR_DNS}"
    assert cells[0]["title"].startswith("2026-11-24 16:29 UTC · Up · ")
    assert _text(_by_name(soup, "IADB Mirror").select_one(".axis")) == "30 checks ago 7 down now"
    sums = {name: _flat(_by_name(soup, name).select_one(".hist-sum")) for name in expected}
    assert sums == {IADB: "1 degraded", "UN-Habitat": "3 maintenance", "Cities Alliance": "7 degraded",
                    "IADB Mirror": "7 down", RTL_NAME: "2 maintenance", "Evil Resource": "2 down · 1 unknown"}
    assert _flat(_soup({"run": {"id": 1}, "resources": [{"name": "Fine", "status": "up", "history": history("uuu")}]})
                 .select_one(".hist-sum")) == "all up"


def test_history_order_and_bad_entries_are_tolerated() -> None:
    status = sample_status()
    mirror = next(r for r in status["resources"] if r["name"] == "IADB Mirror")
    mirror["history"] = list(reversed(mirror["history"])) + [None, 5, {"checked_at": "nonsense"}]
    cells = _by_name(_soup(status), "IADB Mirror").select("li.cell")
    assert len(cells) == 30  # sorted oldest first, then capped to the last 30
    assert [c["data-s"] for c in cells[-8:]] == ["down"] * 7 + ["unknown"]


def test_incident_duration_and_active_incidents(soup: BeautifulSoup) -> None:
    mirror = _by_name(soup, "IADB Mirror").select_one(".incident")
    assert _flat(mirror) == "Down for 3 h 12 min, since 2026-11-25 03:48 UTC · 7 failed checks"
    assert mirror.select_one(".first-error") is None  # same as the error shown below it
    assert _by_name(soup, IADB).select_one(".incident") is None
    items = [_text(li).replace(" ,", ",") for li in soup.select("#active-incidents li")]
    assert items == [
        f"Evil Resource — down for 30 min, since 2026-11-25 06:30 UTC {XSS_ERROR}",
        f"IADB Mirror — down for 3 h 12 min, since 2026-11-25 03:48 UTC {MIRROR_DNS}",
    ]
    assert [a["href"] for a in soup.select("#active-incidents a")] == ["#r-evil-resource", "#r-iadb-mirror"]


def test_incident_first_error_shown_when_it_differs() -> None:
    status = sample_status()
    mirror = next(r for r in status["resources"] if r["name"] == "IADB Mirror")
    mirror["incident"]["first_error"] = "connection timed out"
    mirror["incident"]["started_at"] = "not a time"
    box = _by_name(_soup(status), "IADB Mirror").select_one(".incident")
    assert _flat(box) == "Down, since not a time · 7 failed checks First error: connection timed out"


def test_a_content_event_is_the_change_line_not_an_empty_old_to_new_line() -> None:
    status = sample_status()
    iadb = next(r for r in status["resources"] if r["name"] == IADB)
    iadb["events"] = [{"kind": "content", "url": iadb["url"], "old": None, "new": None, "at": "2026-11-25T07:00:00Z"},
                      {"kind": "title", "url": iadb["url"], "old": "Urban", "new": "Urban Development",
                       "at": "2026-11-25T07:00:00Z"}]
    card = _by_name(_soup(status), IADB)
    assert [_flat(p) for p in card.select(".event")] == ["Title changed: Urban → Urban Development"]
    assert card.select_one(".change") is not None


def test_last_change_freshness_tls_and_maintenance(soup: BeautifulSoup) -> None:
    card = _by_name(soup, IADB)
    # Absolute UTC without script; clock.js makes them relative (tests/browser/).
    change = card.select_one(".change")
    assert _flat(change) == 'Content changed 2026-11-23 07:00 UTC: + "New call for projects" − "Old headline"'
    assert change.time.has_attr("data-ago") and change.time["datetime"] == "2026-11-23T07:00:03Z"
    assert _text(card.select_one(".fresh")) == "Fresh: last new announcement 2026-11-21 07:00 UTC"
    stale = _by_name(soup, "UN-Habitat").select_one(".fresh")
    assert stale["data-state"] == "stale"
    assert _text(stale).endswith("Stale: no new announcement in 74 days")
    assert _text(_by_name(soup, "Cities Alliance").select_one(".tls")) == "2026-12-04 (8 days left)"
    assert _text(_by_name(soup, RTL_NAME).select_one(".maint-chip")) == "◷ Maintenance"
    assert _by_name(soup, IADB).select_one(".maint-chip") is None
    stats = _by_name(soup, IADB).select_one(".response-stats")
    assert _text(stats) == "412 ms · 980 ms"


def test_card_links_to_its_detail_page(soup: BeautifulSoup) -> None:
    hrefs = [card.select_one("a.res-detail")["href"] for card in soup.select(".resource")]
    assert len(set(hrefs)) == len(hrefs) == 8
    assert "resources/iadb-mirror.html" in hrefs
    assert "resources/resource-5.html" in hrefs  # no slug and no ASCII in the name: its position
    assert _text(_by_name(soup, "IADB Mirror").select_one("a.res-detail")) == "Details for IADB Mirror →"


# ----------------------------------------------------------------- filters without JavaScript

SAFE_RULE = re.compile(
    r'\.board(:has\(#f-(status|links|tags?x?)-[a-z0-9-]+:checked\))+ '
    r'(\.resource:not\((\[data-status="[a-z]+"\]|\[data-links="problems"\]|\.tagx?-[a-z0-9-]+)\)|\.no-match)'
    r' \{ display: (none|block); \}'
)


def _filter_rules(soup: BeautifulSoup) -> list[str]:
    style = soup.find("style").get_text()
    block = style.split("/* filters (generated)", 1)[1].split("*/", 1)[1]
    return [line for line in block.splitlines() if line.strip()]


def test_filter_inputs_per_status_and_tag(soup: BeautifulSoup) -> None:
    status_inputs = soup.select('input[name="status-filter"]')
    assert [i["id"] for i in status_inputs] == [
        "f-status-any", "f-status-down", "f-status-degraded", "f-status-up", "f-status-unchecked"]
    assert [i["type"] for i in status_inputs] == ["radio"] * 5
    assert [i.has_attr("checked") for i in status_inputs] == [True, False, False, False, False]
    labels = [_text(soup.select_one(f'label[for="{i["id"]}"]')) for i in status_inputs]
    assert labels == ["All 8", "✕ Down 2", "! Degraded 1", "✓ Up 3", "? Unchecked 2"]
    assert _text(soup.select_one('fieldset[data-group="status"] legend')) == "Status"

    tag_inputs = soup.select('input[name="tag-filter"]')
    tag_labels = [_text(soup.select_one(f'label[for="{i["id"]}"] .name')) for i in tag_inputs]
    assert tag_labels == ["All", XSS_TAG, "a b", "global", "latin-america", "ok-tag", "urban", RTL_TAG]
    ids = [i["id"] for i in tag_inputs]
    assert ids[0] == "f-tags-any" and tag_inputs[0].has_attr("checked")
    assert "f-tag-latin-america" in ids and "f-tag-urban" in ids
    assert ids[1] == f"f-{tag_key(XSS_TAG)}" and ids[1].startswith("f-tagx-")
    assert len(set(ids)) == len(ids)
    # Each card carries the classes its tags filter on.
    assert "tag-latin-america" in _by_name(soup, "IADB Mirror")["class"]
    assert tag_key(RTL_TAG) in _by_name(soup, RTL_NAME)["class"]


def test_filter_rules_are_generated_from_safe_keys_only(soup: BeautifulSoup) -> None:
    rules = _filter_rules(soup)
    assert rules, "no filter CSS generated"
    for rule in rules:
        assert SAFE_RULE.fullmatch(rule), rule
    assert '.board:has(#f-status-down:checked) .resource:not([data-status="down"]) { display: none; }' in rules
    assert ".board:has(#f-tag-urban:checked) .resource:not(.tag-urban) { display: none; }" in rules
    key = tag_key(XSS_TAG)
    assert f".board:has(#f-{key}:checked) .resource:not(.{key}) {{ display: none; }}" in rules
    # No combination that has cards gets the "no match" note; the empty ones all do.
    assert '.board:has(#f-links-problems:checked) .resource:not([data-links="problems"]) { display: none; }' in rules
    assert (".board:has(#f-status-down:checked):has(#f-links-any:checked):has(#f-tag-urban:checked)"
            " .no-match { display: block; }") in rules
    assert (".board:has(#f-status-degraded:checked):has(#f-links-problems:checked):has(#f-tags-any:checked)"
            " .no-match { display: block; }") in rules
    assert not any("#f-status-down:checked):has(#f-links-any:checked):has(#f-tag-latin-america" in r for r in rules)
    assert not any("f-status-any:checked):has(#f-links-any:checked):has(#f-tags-any" in r for r in rules)
    assert not any("f-status-up:checked):has(#f-links-problems:checked):has(#f-tags-any" in r for r in rules)
    style = soup.find("style").get_text()
    for needle in ("<script", "</style", "alert", RTL_TAG, '"]{}', "a b"):
        assert needle not in style


@pytest.mark.parametrize(
    ("tag", "safe"),
    [("europe", True), ("latin-america", True), ("2024", True), ("Europe", False), ("a b", False),
     ("x{}", False), ('"]', False), ("é", False), ("a" * 65, False), ("europe\n", False)],
)
def test_tag_key_is_css_safe(tag: str, safe: bool) -> None:
    key = tag_key(tag)
    assert re.fullmatch(r"tag-[a-z0-9-]+|tagx-[0-9a-f]{12}", key)
    assert (key == f"tag-{tag}") is safe
    assert tag_key(tag) == key  # stable across renders


def test_no_filters_without_resources_and_no_tag_group_without_tags() -> None:
    soup = _soup({"run": None, "resources": []})
    assert soup.select("input") == [] and "filters (generated)" not in soup.find("style").get_text()
    soup = _soup({"run": {"id": 1}, "resources": [{"name": "Only", "status": "up"}]})
    assert [i["id"] for i in soup.select("input")] == ["f-status-any", "f-status-down", "f-status-degraded", "f-status-up"]
    assert soup.select_one('fieldset[data-group="tag"]') is None


# ----------------------------------------------------------------- formatting helpers


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), (5, "under 1 min"), (60, "1 min"), (11520, "3 h 12 min"), (7200, "2 h"),
     (47 * 3600 + 59 * 60, "47 h 59 min"), (2 * 86400, "2 days"), (4 * 86400 + 7200 + 59, "4 days 2 h")],
)
def test_fmt_span(seconds: Any, text: str) -> None:
    assert fmt_span(seconds) == text


@pytest.mark.parametrize(
    ("ratio", "text"),
    [(1, "100%"), (1.0, "100%"), (0.99996, "99.99%"), (0.998, "99.8%"), (0.97, "97%"), (0.57, "57%"),
     (0.0, "0%"), (None, "—"), (True, "—"), (float("nan"), "—")],
)
def test_fmt_percent(ratio: Any, text: str) -> None:
    assert fmt_percent(ratio) == text


def test_build_sparkline_edge_cases() -> None:
    assert build_sparkline([]) is None
    assert build_sparkline([None, None]) is None
    single = build_sparkline([250])
    assert single is not None and single.lines == [] and single.dots == ["150,4 150,4"]
    assert single.label == "Response time, last check: min 250 ms, max 250 ms"
    flat = build_sparkline([0, 0, 0], width=30, height=10, pad=0)
    assert flat is not None and flat.lines == ["5,10 15,10 25,10"]
    gaps = build_sparkline([100, None, 200, 300, None], width=50, height=10, pad=0)
    assert gaps is not None
    assert gaps.dots == ["5,6.7 5,6.7"] and gaps.lines == ["25,3.3 35,0"]
    assert gaps.last is None


# ----------------------------------------------------------------- detail pages


@pytest.fixture(scope="module")
def details() -> dict[str, BeautifulSoup]:
    return {slug: BeautifulSoup(html, "lxml") for slug, html in render_detail_pages(sample_status()).items()}


def test_one_detail_page_per_resource_with_index_slugs(details: dict[str, BeautifulSoup], soup: BeautifulSoup) -> None:
    hrefs = {card.select_one("a.res-detail")["href"] for card in soup.select(".resource")}
    assert {f"resources/{slug}.html" for slug in details} == hrefs
    assert all(re.fullmatch(r"[a-z0-9-]+", slug) for slug in details)


def test_detail_page_same_head_and_only_the_clock_script(details: dict[str, BeautifulSoup]) -> None:
    for page in details.values():
        _csp_allows_only_its_script(page)
        assert page.find_all("img") == []
        assert page.select_one("a#back")["href"] == "../index.html"
        assert page.find(re.compile(r"^h[1-6]$")).name == "h1"
        assert len(page.find_all("h1")) == 1


def test_detail_page_full_history_table(details: dict[str, BeautifulSoup]) -> None:
    page = details["iadb-housing-and-urban-development-division"]
    assert _text(page.find("h1")) == IADB
    rows = page.select("table.checks tbody tr")
    assert len(rows) == 75
    assert [_text(td) for td in rows[0].find_all("td")] == ["2026-11-25 06:59 UTC", "✓ Up", "200", "522 ms", ""]
    downs = [r for r in rows if r["data-s"] == "down"]
    assert len(downs) == 3
    # the error has its column, and a copy under the state that only a narrow screen shows
    assert [_text(td) for td in downs[0].find_all("td")][1:] == [
        "✕ Down connection timed out", "—", "—", "connection timed out"]
    headers = [_text(th) for th in page.select("table.checks thead th")]
    assert headers == ["Time", "Status", "HTTP", "Response", "Error"]
    chart = page.select_one("#response-time svg.spark")
    assert chart["aria-label"].startswith("Response time, last 75 checks: min 380 ms, max ")
    assert len(chart.select("polyline.line")) == 2  # the 3 down checks split the line
    assert [_text(dd) for dd in page.select("#availability .uptime dd")] == ["99.8%", "99.1%", "97%", "— (no data)"]
    assert _text(page.select_one(".median")) == "412 ms" and _text(page.select_one(".p95")) == "980 ms"
    assert "1 broken" in _text(page.select_one("#links"))
    assert "New call for projects: housing 2027" in _text(page.select_one("#announcements"))


def test_detail_page_incidents_with_durations(details: dict[str, BeautifulSoup]) -> None:
    page = details["iadb-mirror"]
    rows = [[_text(td) for td in tr.find_all("td")] for tr in page.select("table.incidents tbody tr")]
    assert rows == [
        ["2026-11-25 03:48 UTC", "✕ ongoing", f"3 h 12 min {MIRROR_DNS}", "7", MIRROR_DNS],
        ["2026-11-20 22:10 UTC", "2026-11-21 01:40 UTC", "3 h 30 min connection refused", "4", "connection refused"],
    ]
    # No "checks" key: the table falls back to the 30-check history, newest first.
    times = [_text(tr.td) for tr in page.select("table.checks tbody tr")]
    assert len(times) == 30 and times[0] == "2026-11-25 06:59 UTC" and times == sorted(times, reverse=True)
    assert _text(page.select_one(".incident")).startswith("Down for 3 h 12 min")


def test_detail_pages_escape_everything(details: dict[str, BeautifulSoup]) -> None:
    raw = _without_clock(render_detail_pages(sample_status())["evil-resource"])
    assert "<script" not in raw and "<img" not in raw
    page = details["evil-resource"]
    assert _text(page.find("h1")) == "Evil Resource"
    errors = [_text(td) for td in page.select("table.checks td.err")]
    assert XSS_CHECK_ERROR in errors
    assert XSS_SUMMARY in _text(page.select_one(".change"))
    assert XSS_TAG in [_text(chip) for chip in page.select(".chip.tag")]
    assert page.select_one("p.no-spark") is None or page.select_one("svg.spark") is not None


def test_write_detail_pages(tmp_path: Any) -> None:
    from crawler.report.writer import write_detail_pages

    stale = tmp_path / "resources" / "gone.html"
    stale.parent.mkdir()
    stale.write_text("old")
    keep = tmp_path / "resources" / "notes.txt"
    keep.write_text("not ours")
    written = write_detail_pages(sample_status(), tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{slug}.html" for slug in render_detail_pages(sample_status()))
    assert all(p.parent == tmp_path / "resources" and p.is_file() for p in written)
    assert not stale.exists() and keep.exists()
    assert "IADB Mirror" in (tmp_path / "resources" / "iadb-mirror.html").read_text(encoding="utf-8")


def test_slugs_are_unique_and_file_safe() -> None:
    status = {"run": {"id": 1}, "resources": [
        {"name": "A", "slug": "same", "status": "up"},
        {"name": "B", "slug": "same", "status": "down"},
        {"name": "C", "slug": "../../etc/passwd", "status": "up"},
        {"name": "Ünïcødé only ✓", "status": "up"},
        {"name": "وزارة", "status": "up"},
    ]}
    view = build_view(status)
    assert sorted(r.slug for r in view.resources) == sorted(["same", "same-2", "etc-passwd", "n-c-d-only", "resource-5"])
    assert sorted(render_detail_pages(status)) == sorted(r.slug for r in view.resources)
    assert len({r.anchor for r in view.resources}) == 5


def test_headings_in_order_and_every_input_labelled(soup: BeautifulSoup, details: dict[str, BeautifulSoup]) -> None:
    for page in (soup, *details.values()):
        levels = [int(h.name[1]) for h in page.find_all(re.compile(r"^h[1-6]$"))]
        assert levels[0] == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
        for field in page.find_all("input"):
            assert page.select_one(f'label[for="{field["id"]}"]') is not None
        assert page.find("main") and page.find("header") and page.find("footer")


@pytest.mark.parametrize(("thresholds", "warned"), [(None, False), ({"tls_warning_days": 14}, False),
                                                     ({"tls_warning_days": 30}, True)])
def test_the_tls_highlight_follows_the_runs_tls_warning_days(thresholds: dict | None, warned: bool) -> None:
    """A certificate 20 days from expiry is highlighted only where the run's own
    tls_warning_days (status.json thresholds) would call it expiring: the page and
    the verdict never disagree."""
    expiring = _resource("Expiring", "degraded" if warned else "up", url="https://e.example/",
                         checked_at="2026-11-25T07:00:00Z", tls_expires_at="2026-12-15T07:00:00Z")
    document = {"generated_at": GENERATED_AT, "run": None, "summary": {"total": 1}, "resources": [expiring]}
    if thresholds is not None:
        document["thresholds"] = thresholds
    tls = _by_name(_soup(document), "Expiring").select_one(".tls")
    assert "20 days left" in _text(tls)
    assert ("warn" in (tls.get("class") or [])) is warned


# ----------------------------------------------------------------- what the exit code counts: links


def test_up_with_broken_links_is_not_all_green() -> None:
    status = sample_status()
    status["resources"] = [r for r in status["resources"] if r["status"] == "up"]
    status["summary"] = None
    soup = _soup(status)
    headline = "All 3 resources up · 1 broken link, 1 invalid on 1 resource"
    assert _text(soup.select_one("#overall-text")) == headline
    assert soup.select_one("#overall")["data-status"] == "degraded"
    assert soup.title.string == f"{headline} · healthcrawl status"
    first, *rest = soup.select(".resource")  # among the up ones, the one with broken links comes first
    assert _text(first.select_one(".res-name")) == IADB and first["data-links"] == "problems"
    assert _text(first.select_one(".res-head .links-badge")) == "✕ 1 broken link, 1 invalid"
    assert all(card.select_one(".links-badge") is None and not card.has_attr("data-links") for card in rest)


def test_headline_link_counts_come_from_the_documents_summary(soup: BeautifulSoup) -> None:
    status = sample_status()
    status["summary"] = {**status["summary"], "broken_links": 8, "invalid_links": 0,
                         "resources_with_link_problems": 3}
    assert _text(_soup(status).select_one("#overall-text")) == "2 of 8 resources down · 8 broken links on 3 resources"


def test_a_broken_link_is_listed_with_its_text(soup: BeautifulSoup) -> None:
    (broken,) = _by_name(soup, IADB).select('.plink[data-kind="broken"]')
    assert _text(broken.select_one(".ptext")) == "Urban plan 2019"
    assert broken.select_one(".purl a")["href"] == "https://www.iadb.org/old-page"
    (invalid,) = _by_name(soup, IADB).select('.plink[data-kind="invalid"]')
    assert invalid.select_one(".ptext") is None  # no text recorded: the URL alone, as before
    evil = _by_name(soup, "Evil Resource").select_one('.plink[data-kind="broken"] .ptext')
    assert _text(evil) == XSS_LINK_TEXT and evil.find("img") is None


def test_links_filter_keeps_the_resources_with_broken_links(soup: BeautifulSoup) -> None:
    group = soup.select_one('fieldset[data-group="links"]')
    assert [i["id"] for i in group.select("input")] == ["f-links-any", "f-links-problems"]
    assert group.select_one("input")["name"] == "links-filter" and group.select_one("input").has_attr("checked")
    assert _text(group.select_one('label[for="f-links-problems"]')) == "✕ Broken links 2"
    kept = [_text(c.select_one(".res-name")) for c in soup.select('.resource[data-links="problems"]')]
    assert kept == ["Evil Resource", IADB]


def test_no_links_filter_when_no_link_is_broken_or_invalid() -> None:
    status = sample_status()
    status["resources"] = [{**r, "broken_links": [], "invalid_links": []} for r in status["resources"]]
    soup = _soup(status)
    assert soup.select_one('fieldset[data-group="links"]') is None
    assert not any("f-links" in rule for rule in _filter_rules(soup))


def test_a_down_card_shows_its_error_once(soup: BeautifulSoup, details: dict[str, BeautifulSoup]) -> None:
    status = sample_status()
    mirror = next(r for r in status["resources"] if r["name"] == "IADB Mirror")
    mirror["reasons"] = [MIRROR_DNS]  # as the classifier writes it: a down check's reason is its error
    card = _by_name(_soup(status), "IADB Mirror")
    shown = " ".join(_text(part) for part in card.select(".incident, .res-main"))
    assert shown.count(MIRROR_DNS) == 1 and card.select_one(".reasons") is None
    page = BeautifulSoup(render_detail_pages(status)["iadb-mirror"], "lxml")
    shown = " ".join(_text(part) for part in page.select(".detail-head, #latest"))
    assert shown.count(MIRROR_DNS) == 1


# ----------------------------------------------------------------- new announcements, feeds, times


def _new(count: int) -> list[dict[str, Any]]:
    return [{"resource": "IADB", "title": f"Item {n}", "url": f"https://www.iadb.org/n/{n}",
             "published": None, "first_seen": "2026-11-24T07:00:00Z", "new": True} for n in range(count)]


@pytest.mark.parametrize(("days", "window"), [(7, "7 days"), (1, "day"), (1.5, "36 hours"), (0.5, "12 hours")])
def test_new_announcements_are_new_for_the_configured_window(days: float, window: str) -> None:
    status = sample_status()
    status["thresholds"] = {"new_for_days": days}
    status["new_announcements"] = _new(3)
    soup = _soup(status)
    section = soup.select_one("#new-announcements")
    assert _text(section.select_one("h2")) == f"New in the last {window} 3"
    assert [_text(li.select_one(".new-tag")) for li in section.select("li")] == ["New"] * 3
    assert section.select_one(".new-tag")["title"] == "first seen 2026-11-24 07:00 UTC"
    assert "undated" in _text(section)  # published: null reads as undated, never as an error


def test_a_long_new_list_is_cut_with_a_pointer_to_the_rest() -> None:
    status = sample_status()
    status["new_announcements"] = _new(60)
    section = _soup(status).select_one("#new-announcements")
    assert _text(section.select_one("h2")) == "New in the last 7 days 60"
    assert len(section.select("li")) == 50
    assert _text(section.select_one(".more")) == "and 10 more in status.json"


def test_the_feeds_and_status_json_are_linked(soup: BeautifulSoup, details: dict[str, BeautifulSoup]) -> None:
    atom = soup.select('head link[rel="alternate"][type="application/atom+xml"]')
    assert [link["href"] for link in atom] == ["announcements.xml"]
    assert soup.select_one('head link[rel="alternate"][type="application/feed+json"]')["href"] == "announcements.json"
    hrefs = [a["href"] for a in soup.select("#feeds a")]
    assert hrefs[:3] == ["announcements.xml", "announcements.json", "status.json"]
    slugs = [card["id"].removeprefix("r-") for card in soup.select(".resource")]
    assert hrefs[3:] == [f"feeds/{slug}.{kind}" for slug in slugs for kind in ("xml", "json")]
    page = details["iadb-mirror"]
    assert [link["href"] for link in page.select('head link[type="application/atom+xml"]')] == [
        "../announcements.xml", "../feeds/iadb-mirror.xml"]
    assert {a["href"] for a in page.select("footer a")} == {
        "../announcements.xml", "../announcements.json", "../status.json",
        "../feeds/iadb-mirror.xml", "../feeds/iadb-mirror.json"}


def test_times_are_absolute_utc_marked_for_the_clock(soup: BeautifulSoup) -> None:
    updated = soup.select_one(".generated time")
    assert updated.has_attr("data-ago") and _text(updated) == "2026-11-25 07:00 UTC"
    assert updated["title"] == "2026-11-25 07:00:00 UTC"
    ongoing = _by_name(soup, "IADB Mirror").select_one(".incident [data-since]")
    assert ongoing["data-since"] == "2026-11-25T03:48:00Z" and _text(ongoing) == "3 h 12 min"


def _with_habit(generated_at: str) -> dict[str, Any]:
    status = sample_status()
    status["generated_at"] = generated_at
    status["run"] = {**status["run"], "usual_interval_seconds": 3600, "overdue_at": "2026-11-25T08:59:58Z"}
    return status


def test_the_overdue_warning_waits_for_the_clock() -> None:
    warning = _soup(_with_habit("2026-11-25T07:00:00Z")).select_one("#overdue")
    assert warning.has_attr("hidden") and warning["data-overdue-at"] == "2026-11-25T08:59:58Z"
    assert _flat(warning) == (
        "⚠ This report may be out of date. It shows the run that started 2026-11-25 06:59 UTC. Runs usually "
        "come every 1 h, so a newer one was due before 2026-11-25 08:59 UTC: check that the scheduled run "
        "still works.")


def test_a_report_written_after_it_was_due_warns_without_script() -> None:
    status = _with_habit("2026-11-26T07:00:00Z")  # `healthcrawl report` on a database nobody updates
    assert not _soup(status).select_one("#overdue").has_attr("hidden")
    page = BeautifulSoup(render_detail_pages(status)["iadb-mirror"], "lxml")
    assert not page.select_one("#overdue").has_attr("hidden")


def test_no_overdue_warning_before_runs_have_a_habit(soup: BeautifulSoup) -> None:
    assert soup.select_one("#overdue") is None


def _cached_render(folder: str) -> str:
    from crawler.report.page.render import TemplateCodeCache

    env = jinja2.Environment(loader=jinja2.DictLoader({"t.j2": "{{ x }} of {{ y|upper }}"}),
                             bytecode_cache=TemplateCodeCache(folder))
    return env.get_template("t.j2").render(x=3, y="four")


def test_template_code_cache_is_used_and_a_damaged_one_costs_only_a_compilation(tmp_path):
    assert _cached_render(str(tmp_path)) == "3 of FOUR"
    cached = list(tmp_path.iterdir())
    assert len(cached) == 1  # the compiled template, kept for the next run
    assert _cached_render(str(tmp_path)) == "3 of FOUR"  # read back
    whole = cached[0].read_bytes()
    for damaged in (b"not a cache file", whole[:len(whole) // 2], whole[:-8] + bytes(8)):  # cut short, overwritten
        cached[0].write_bytes(damaged)
        assert _cached_render(str(tmp_path)) == "3 of FOUR"


def test_template_code_cache_that_cannot_be_written_does_not_stop_the_report(tmp_path):
    assert _cached_render(str(tmp_path / "not-there")) == "3 of FOUR"
