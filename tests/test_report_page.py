"""Tests for the static status page: content, order, and that scraped text can never run."""

from __future__ import annotations

import copy
import re
from typing import Any

import jinja2
import pytest
from bs4 import BeautifulSoup

from crawler.report.page import (
    duration_ms,
    fmt_time,
    make_environment,
    reltime,
    render_index,
    safe_href,
)

XSS_TITLE = "<script>alert(1)</script>"
XSS_DESCRIPTION = '"><img src=x onerror=alert(1)>'
XSS_URL = "javascript:alert(1)"
XSS_ERROR = "<b>bold</b> connection reset"
RTL_NAME = "وزارة الإسكان والتنمية العمرانية"
RTL_TITLE = "الصفحة الرئيسية — وزارة الإسكان"

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


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
            ],
            response_ms=880,
            title="UN-Habitat – A better urban future",
            checked_at="2026-11-25T06:59:47Z",
            tls_expires_at="2027-03-10T12:00:00Z",
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
        ),
        _resource(
            "IADB Mirror",
            "down",
            url="https://www.iadb.org/es",
            organization="Inter-American Development Bank",
            error="DNS lookup failed: could not resolve host www.iadb.org",
            checked_at="2026-11-25T06:59:52Z",
            reasons=["DNS lookup failed"],
            retries=2,
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
        "generated_at": "2026-11-25T07:00:00Z",
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
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert csp is not None
    assert csp["content"] == CSP
    assert "script-src" not in csp["content"]


def test_header_and_summary_counts(soup: BeautifulSoup) -> None:
    assert _text(soup.find("h1")) == "healthcrawl status"
    assert _text(soup.select_one("#summary")) == "3 up · 1 degraded · 2 down · 2 unchecked"
    assert _text(soup.select_one("#overall-text")) == "2 of 8 resources down"
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
    assert _text(details.find("summary")) == "2 redirects"
    hops = [_text(li) for li in details.select("li.hop")]
    assert hops == [
        "301 http://unhabitat.org",
        "302 https://unhabitat.org/",
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


def test_unicode_and_rtl_text_survive(soup: BeautifulSoup) -> None:
    card = _by_name(soup, RTL_NAME)
    assert card.select_one(".res-name")["dir"] == "auto"
    title = card.select_one(".title-text")
    assert _text(title) == RTL_TITLE
    assert title["lang"] == "ar"
    assert "住宅" in _text(card.select_one(".desc"))


# ----------------------------------------------------------------- untrusted input


def test_no_script_elements_anywhere(soup: BeautifulSoup) -> None:
    assert soup.find_all("script") == []
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
    raw = render_index(sample_status())
    assert "<script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


def test_javascript_url_is_never_a_link(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(href=True):
        assert not tag["href"].strip().lower().startswith(("javascript:", "data:text", "vbscript:"))
    card = _by_name(soup, "Evil Resource")
    assert card.select_one(".res-name a") is None
    assert card.find("a") is None
    # Still shown, as text, so a human can see what is wrong.
    assert XSS_URL in _text(card.select_one(".urls"))


def test_every_link_is_http_or_https(soup: BeautifulSoup) -> None:
    links = soup.find_all("a")
    assert links
    for link in links:
        assert link["href"].startswith(("http://", "https://"))
        assert "noopener" in link["rel"]


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
    status["resources"] = [r for r in status["resources"] if r["status"] == "up"]
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
        resource["links"] = [{"url": "https://a.example", "status": 404}]
        resource["uptime"] = {"7d": 0.5}
        resource["items"] = "collides with dict.items"
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
    for name in ("duration_ms", "reltime", "safe_href", "fmt_time"):
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


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2026-11-25T07:00:30Z", "in 30 s"),
        ("2026-11-25T06:55:00Z", "5 min ago"),
        ("2026-11-25T10:00:00Z", "in 3 h"),
        ("2027-01-02T00:00:00Z", "in 37 days"),
        (None, ""),
    ],
)
def test_reltime(value: Any, text: str) -> None:
    assert reltime(value, "2026-11-25T07:00:00Z") == text
