"""One spelling for times: UTC, ISO-8601, second precision, trailing Z."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """
    >>> iso(datetime(2025, 5, 3, 10, 0, 7, 123, tzinfo=UTC))
    '2025-05-03T10:00:07Z'
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str | None) -> datetime | None:
    """
    >>> parse_iso("2025-05-03T10:00:07Z").isoformat()
    '2025-05-03T10:00:07+00:00'
    """
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
