"""One spelling for times: UTC, ISO-8601, second precision, trailing Z."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def iso(moment: datetime) -> str: ...
@overload
def iso(moment: None) -> None: ...
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


def parse_stored(value: str | datetime) -> datetime:
    """A time the database must have (when a run started, an incident opened): as
    parse_iso, but an empty one is an error, not None.

    >>> parse_stored("2026-11-25T07:00:00Z").hour
    7
    """
    moment = parse_iso(value)
    if moment is None:
        raise ValueError("a stored time is missing")
    return moment


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; naive input is taken to be UTC already.

    >>> from datetime import timedelta, timezone
    >>> as_utc(datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))).isoformat()
    '2025-12-31T23:00:00+00:00'
    >>> as_utc(datetime(2026, 1, 1)).tzinfo is UTC
    True
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_iso(value: str | datetime | None) -> datetime | None:
    """An ISO-8601 time (trailing ``Z`` allowed, naive read as UTC) as aware UTC; None
    for nothing; ValueError for text that is not one. The one parser of stored and
    configured times.

    >>> parse_iso("2025-05-03T10:00:07Z").isoformat()
    '2025-05-03T10:00:07+00:00'
    >>> parse_iso("2025-05-03T12:00:07+02:00").isoformat(), parse_iso("2025-05-03"), parse_iso("")
    ('2025-05-03T10:00:07+00:00', datetime.datetime(2025, 5, 3, 0, 0, tzinfo=datetime.timezone.utc), None)
    """
    if isinstance(value, datetime):
        return as_utc(value)
    if not value or not value.strip():
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    return as_utc(datetime.fromisoformat(text))
