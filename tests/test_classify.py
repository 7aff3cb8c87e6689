"""Verdicts from raw facts: up / degraded / down and readable failure messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)

from crawler.core.classify import classify, describe_failure
from crawler.core.config import CrawlSettings
from crawler.core.items import CheckResult

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SETTINGS = CrawlSettings(slow_ms=1000, tls_warning_days=14)


def result(**fields) -> CheckResult:
    base = {"resource_id": "r", "url": "https://r.example/", "checked_at": "2026-01-01T00:00:00Z",
            "http_status": 200, "response_ms": 100}
    return CheckResult(**{**base, **fields})


@pytest.mark.parametrize(
    "fields, status, reasons",
    [
        ({}, "up", []),
        ({"http_status": 204}, "up", []),
        ({"response_ms": 1500}, "degraded", ["slow: 1500 ms (threshold 1000 ms)"]),
        ({"retries": 2}, "degraded", ["up after 2 retries"]),
        ({"tls_expires_at": "2026-01-10T00:00:00Z"}, "degraded",
         ["TLS certificate expires in 9 days (2026-01-10)"]),
        ({"tls_expires_at": "2026-06-01T00:00:00Z"}, "up", []),
        ({"tls_expires_at": "2025-12-01T00:00:00Z"}, "down", ["TLS certificate expired on 2025-12-01"]),
        ({"http_status": 404, "error": "HTTP 404 Not Found"}, "down", ["HTTP 404 Not Found"]),
        ({"http_status": 503}, "down", ["HTTP 503 Service Unavailable"]),
        ({"http_status": None, "error": "DNS lookup failed"}, "down", ["DNS lookup failed"]),
    ],
)
def test_classify(fields, status, reasons):
    assert classify(result(**fields), SETTINGS, NOW) == (status, reasons)


@pytest.mark.parametrize(
    "exc, kind, message",
    [
        (CannotResolveHostError("x"), "dns", "DNS lookup failed: could not resolve host a.invalid"),
        (DownloadConnectionRefusedError(), "refused", "connection refused by a.invalid:8080"),
        (DownloadTimeoutError("took too long"), "timeout", "timed out after 7 s waiting for a.invalid:8080"),
        (IgnoreRequest("max redirections reached"), "redirects", "too many redirects (more than 3)"),
        (ValueError("odd"), "error", "ValueError: odd"),
    ],
)
def test_describe_failure(exc, kind, message):
    got = describe_failure(exc, "http://a.invalid:8080/p", timeout=7, max_redirects=3, max_body_bytes=10)
    assert got == (kind, message)
