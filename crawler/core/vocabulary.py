"""The words healthcrawl's outputs are made of, each defined once.

They are ``StrEnum`` members: equal to, stored, serialized and rendered as their
plain spelling ("up", "broken", "link-moved"), so the database, status.json, the
page and the templates all read the same words, and a misspelling is a NameError.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A resource's state.

    A check's verdict is UP, DEGRADED or DOWN (crawler.core.classify). In history a
    check taken inside a maintenance window counts as MAINTENANCE (neither up nor
    down). A resource the latest run did not check is UNCHECKED in the report.
    """

    UP = "up"  # answered, fast enough, certificate not expiring soon
    DEGRADED = "degraded"  # answered, but slowly, after retries, or with a certificate about to expire
    DOWN = "down"  # did not answer as it should: see the check's error
    MAINTENANCE = "maintenance"  # in a planned maintenance window: not counted in uptime or alerts
    UNCHECKED = "unchecked"  # not checked in the run the report is about


VERDICTS = (Status.UP, Status.DEGRADED, Status.DOWN)  # what one check can conclude
WORST_FIRST = (Status.DOWN, Status.DEGRADED, Status.UP, Status.UNCHECKED)  # the report's order
AVAILABLE = frozenset({Status.UP, Status.DEGRADED})  # counted as up in uptime


class LinkVerdict(StrEnum):
    """What one link URL turned out to be (crawler.core.linkstatus decides)."""

    OK = "ok"  # 2xx or 304 on the first request
    REDIRECTED = "redirected"  # 2xx/304 reached through one or more redirects
    BROKEN = "broken"  # network error, or a 3xx/4xx/5xx without bot-wall evidence, or a missing #fragment
    INVALID = "invalid"  # an href the URL Standard rejects: no browser could follow it, never requested
    BLOCKED = "blocked"  # refused to crawlers; see the stored evidence
    ROBOTS = "robots"  # not requested because robots.txt forbids it
    SKIPPED = "skipped"  # not requested: excluded scheme, out of scope, over a limit


HEALTHY = frozenset({LinkVerdict.OK, LinkVerdict.REDIRECTED})  # answered: a body that could be read
FAILING = frozenset({LinkVerdict.BROKEN, LinkVerdict.INVALID})  # what --fail-on links fails on
NOT_REQUESTED = frozenset({LinkVerdict.ROBOTS, LinkVerdict.SKIPPED, LinkVerdict.INVALID})


class EventKind(StrEnum):
    """Something that changed since an earlier run (the events table)."""

    MOVED = "moved"  # a resource's final URL changed
    LINK_MOVED = "link-moved"  # a link's final URL changed
    CONTENT = "content"  # a resource page's main text changed
    TITLE = "title"  # a resource page's title changed


RESOURCE_CHANGES = (EventKind.CONTENT, EventKind.TITLE, EventKind.MOVED)  # "last changed" on the page


class NotifyEvent(StrEnum):
    """What a notification can be about: the words of `on:` lists (webhooks and Apprise
    channels alike) and of `run --notify-on`."""

    DOWN = "down"  # an incident opened
    RECOVERED = "recovered"  # an incident closed
    ANNOUNCEMENTS = "announcements"  # a resource announced something first seen in this run
    BROKEN_LINKS = "broken_links"  # links broken now that the previous complete run did not find broken
    TLS_EXPIRING = "tls_expiring"  # a certificate entered the tls_warning_days window
