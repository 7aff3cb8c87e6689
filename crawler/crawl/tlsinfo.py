"""Facts about the TLS certificate a response came with."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from crawler.core.timeutil import iso


def certificate_expiry(certificate: Any) -> str | None:
    """notAfter of a response's certificate as ISO-8601 UTC, or None: DER bytes (the
    aiohttp handler, crawler.crawl.handler) or a Twisted/pyOpenSSL certificate (Scrapy's
    HTTP/1.1 handler, which a rendering run still uses for plain requests)."""
    if isinstance(certificate, bytes | bytearray):
        try:
            return iso(x509.load_der_x509_certificate(bytes(certificate)).not_valid_after_utc)
        except ValueError:
            return None
    x509_cert = getattr(certificate, "original", certificate)
    get_not_after = getattr(x509_cert, "get_notAfter", None)
    if get_not_after is None:
        return None
    raw = get_not_after()
    if not raw:
        return None
    return asn1_time_to_iso(raw)


def asn1_time_to_iso(raw: bytes | str) -> str | None:
    """
    >>> asn1_time_to_iso(b"20270102030405Z")
    '2027-01-02T03:04:05Z'
    """
    text = raw.decode("ascii") if isinstance(raw, bytes) else raw
    try:
        moment = datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return iso(moment)
