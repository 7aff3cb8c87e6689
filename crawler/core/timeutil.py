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


# A stored `published` (crawler.extract.dates) is a day, "YYYY-MM-DDT00:00:00Z", or a
# moment with the publisher's offset; its first ten characters are the publisher's day.
PUBLISHED_DAY_SUFFIX = "T00:00:00Z"


def is_published_day(value: str | None) -> bool:
    """True for a `published` that is a day without a time of day.

    >>> is_published_day("2020-05-15T00:00:00Z"), is_published_day("2020-05-15T09:30:00+02:00")
    (True, False)
    """
    return bool(value) and len(value or "") == 20 and (value or "").endswith(PUBLISHED_DAY_SUFFIX)


def publisher_clock(value: str | None) -> datetime | None:
    """A `published` on its publisher's own clock, labelled UTC: the day and hour the page
    printed. Compared with a UTC bound it compares calendars, so an item the status page
    shows on the 15th is "on or after the 15th" wherever it is read. None for nothing or
    for text that is not a time.

    >>> publisher_clock("2020-05-15T07:00:00+09:00").isoformat()
    '2020-05-15T07:00:00+00:00'
    >>> publisher_clock(None), publisher_clock("soon")
    (None, None)
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1]
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def same_published(old: str | None, new: str | None) -> bool:
    """Whether two `published` spellings are the same date: one instant spelled with
    another offset (what an older version stored in UTC) is not a change.

    >>> same_published("2025-05-03T08:00:00Z", "2025-05-03T10:00:00+02:00"), same_published(None, None)
    (True, True)
    >>> same_published("2020-05-14T22:00:00Z", "2020-05-15T00:00:00Z")
    False
    """
    if old == new:
        return True
    try:
        return parse_iso(old) == parse_iso(new) and None not in (old, new)
    except ValueError:
        return False
