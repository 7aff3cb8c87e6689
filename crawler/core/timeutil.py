"""One spelling for times: UTC, ISO-8601, second precision, trailing Z; and one for
periods: a number with its unit (90d, 12w, 36h), read the same by every command and key."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
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


# -- durations: one rule for every period a user writes ------------------------------------

DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_UNIT_WORDS = {
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d",
    "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
}
_DURATION = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*")
DURATION_EXAMPLES = "90d, 12w, 36h, 30m or 90s"
_LONGEST = 100 * 365.25 * 86400  # no period anyone means is longer; and dates stay in range


class DurationError(ValueError):
    """A period written without a unit, or not at all; the message says what to write."""


def parse_duration(text: str | float) -> float:
    """Seconds in a period written with its unit: s, m (minutes), h, d, w.

    A bare number is refused, because the same number meant seconds in one place
    and days in another: the message says which unit to add. Zero needs none.

    >>> parse_duration("90d"), parse_duration("12w"), parse_duration("36 hours"), parse_duration("0")
    (7776000.0, 7257600.0, 129600.0, 0.0)
    >>> parse_duration("90")
    Traceback (most recent call last):
    ...
    crawler.core.timeutil.DurationError: '90' has no unit: write 90d for days (or 90w, 90h, 90m, 90s)
    >>> parse_duration("3 months")
    Traceback (most recent call last):
    ...
    crawler.core.timeutil.DurationError: '3 months': months differ in length: write 13w or 91d
    """
    written = str(text).strip()
    match = _DURATION.fullmatch(written)
    if isinstance(text, bool) or not match:
        raise DurationError(f"{written!r} is not a duration: write e.g. {DURATION_EXAMPLES}")
    number, unit = match.group(1), match.group(2).lower()
    value = float(number)
    if value < 0:
        raise DurationError(f"{written!r}: a duration cannot be negative")
    if not unit:
        if value == 0:
            return 0.0
        raise DurationError(f"{written!r} has no unit: write {number}d for days "
                            f"(or {number}w, {number}h, {number}m, {number}s)")
    if unit in ("mo", "mon", "month", "months", "y", "yr", "year", "years"):
        weeks, days = (4.348, 30.44) if unit.startswith("m") else (52.18, 365.25)
        length = "months" if unit.startswith("m") else "years"
        raise DurationError(f"{written!r}: {length} differ in length: write {round(value * weeks)}w "
                            f"or {round(value * days)}d")
    if unit not in _UNIT_WORDS:
        raise DurationError(f"{written!r}: unknown unit {match.group(2)!r}: use s, m, h, d or w "
                            f"(e.g. {DURATION_EXAMPLES})")
    seconds = value * DURATION_UNITS[_UNIT_WORDS[unit]]
    if seconds > _LONGEST:
        raise DurationError(f"{written!r} is longer than 100 years")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest exact spelling of a period, in the units parse_duration reads.

    >>> format_duration(7776000), format_duration(604800), format_duration(129600), format_duration(0)
    ('90d', '1w', '36h', '0d')
    """
    if seconds == 0:
        return "0d"
    for unit in ("w", "d", "h", "m"):
        size = DURATION_UNITS[unit]
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def parse_since(text: str, now: datetime) -> datetime:
    """A `--since` value: a period back from `now` (7d, 12h, 2w), or a date or
    ISO-8601 time. ValueError says both forms.

    >>> now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    >>> parse_since("7d", now).isoformat(), parse_since("2026-11-01", now).isoformat()
    ('2026-11-26T12:00:00+00:00', '2026-11-01T00:00:00+00:00')
    """
    try:
        return now - timedelta(seconds=parse_duration(text))
    except DurationError as exc:
        problem = exc
    try:
        moment = parse_iso(text)
    except ValueError:
        moment = None
    if moment is None:
        if _DURATION.fullmatch(text.strip()):  # a number with a unit problem: say that one
            raise problem
        raise ValueError(f"{text.strip()!r} is neither a period (7d, 12h, 2w) nor a date (YYYY-MM-DD)")
    return moment


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
