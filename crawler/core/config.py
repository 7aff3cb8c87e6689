"""Load and validate resources.yaml into frozen dataclasses.

Validation happens before any request is made: a typo in the file must stop
the run with one clear message (file, resource, field), never a traceback or
a half-done crawl.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import soupsieve
import yaml

from crawler import __version__
from crawler.core.maintenance import MaintenanceWindow, parse_maintenance
from crawler.extract.datewords import resolve_language
from crawler.extract.urls import WEB_SCHEMES, InvalidURL, clean_url, resolve_url, url_scheme

DEFAULT_USER_AGENT = (
    f"healthcrawl/{__version__} (+https://github.com/healthcrawl/healthcrawl; link health checker)"
)


class ConfigError(Exception):
    """A resources.yaml problem, phrased for the person who wrote the file."""


@dataclass(frozen=True)
class CrawlSettings:
    """The `settings:` block: how politely and patiently to check."""

    timeout: float = 30.0  # seconds for one request, connect to last byte
    concurrency: int = 64  # requests in flight overall
    concurrency_per_host: int = 4  # requests in flight per host
    user_agent: str = DEFAULT_USER_AGENT
    retries: int = 2  # extra attempts for transient failures
    retry_backoff: float = 1.0  # seconds before the first retry, doubled each time
    retry_after_max: float = 120.0  # longest Retry-After we are willing to wait
    max_redirects: int = 10
    slow_ms: int = 5000  # slower than this counts as degraded
    tls_warning_days: int = 14  # certificate expiring sooner counts as degraded
    verify_tls: bool = True
    max_body_bytes: int = 5_000_000
    delay: float = 0.0  # seconds between two requests to one host
    recheck_after: float = 86400.0  # with --fast, links healthy this recently are not rechecked
    stale_after: float = 60.0  # days without a new announcement before a resource is "stale"
    max_announcements: int = 200  # items kept per page or feed (the newest first in feeds, page order on pages)
    confirm_down: int = 0  # attempts that must all fail before "down"; 0 means 1 + retries
    retention: float = 90.0  # days of raw checks `healthcrawl prune` keeps by default
    block_private_addresses: bool = True  # links (not listed resources) to private/local hosts are refused
    # Reading pages in headless Chromium (docs/rendering.md): the default for resources that
    # do not say; "off", "on" (true) or "auto" (only pages that look like an app shell).
    render: str = "off"
    render_concurrency: int = 2  # browser pages open at once
    render_timeout: float = 30.0  # seconds for one page to load and settle, then it is an error
    render_memory_mb: int = 1500  # a browser whose processes grow past this is restarted

    @classmethod
    def from_stored(cls, values: dict[str, Any]) -> CrawlSettings:
        """The settings a run recorded (runs.settings), defaults for what it did not
        record (a run of an older version), and nothing it no longer knows.

        >>> CrawlSettings.from_stored({"tls_warning_days": 30, "gone": 1}).tls_warning_days
        30
        """
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})

    @property
    def confirm_attempts(self) -> int:
        """Attempts that must all fail before a resource is down (no flapping)."""
        return self.confirm_down or max(1, self.retries)


@dataclass(frozen=True)
class AnnouncementSelectors:
    """CSS selectors for a site the announcement heuristics miss; title, link and
    date are looked up inside each `item`."""

    item: str
    title: str | None = None
    link: str | None = None
    date: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("item", self.item), ("title", self.title),
                                   ("link", self.link), ("date", self.date)) if v}


@dataclass(frozen=True)
class Expectation:
    """What a resource must answer; anything else is `down`, so a silent move is noticed."""

    status: int | None = None
    final_url: str | None = None


@dataclass(frozen=True)
class Resource:
    """One thing to check: an organization's page or link."""

    name: str
    url: str
    organization: str = ""
    # A hint for reading dates; None lets the page's <html lang> (or the feed's own
    # language) decide, with English as the fallback. A fixed "en" here made every
    # undeclared French or Spanish site lose its dated announcements.
    language: str | None = None
    tags: tuple[str, ...] = ()
    feed: str | None = None
    announcements: AnnouncementSelectors | None = None
    # Link health (see README "Link health").
    depth: int = 0  # 0: the page's own links; N: also follow same-site pages N hops deep
    max_pages: int = 100  # pages followed per resource when depth > 0 (closest first, then URL order)
    check_assets: bool = False  # also img/script/stylesheet URLs
    check_fragments: bool = False  # check #fragments against the target page's ids
    include: tuple[str, ...] = ()  # regexes; when given, only matching links are checked
    exclude: tuple[str, ...] = ()  # regexes; matching links are not checked (wins over include)
    sitemap: bool = False  # with depth > 0, also crawl the pages sitemap.xml lists
    expect: Expectation | None = None
    maintenance: tuple[MaintenanceWindow, ...] = ()  # planned outages: excluded from uptime and alerts
    # Reading the page in a browser: None follows settings.render; "on", "off" or "auto".
    render: str | None = None
    render_wait_for: str | None = None  # a CSS selector to wait for (within render_timeout)

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def include_patterns(self) -> tuple[re.Pattern[str], ...]:
        return _compiled(self.include)

    @property
    def exclude_patterns(self) -> tuple[re.Pattern[str], ...]:
        return _compiled(self.exclude)


@functools.lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


NOTIFY_EVENTS = ("down", "recovered", "announcements")  # what a webhook payload can be about
# What an Apprise digest can carry: the webhook events, plus links newly broken since the
# last run and certificates that entered the tls_warning_days window.
DIGEST_EVENTS = (*NOTIFY_EVENTS, "broken_links", "tls_expiring")


@dataclass(frozen=True)
class AppriseChannel:
    """One Apprise URL (mailto://, slack://, json://, ...) and the events it wants."""

    url: str
    on: tuple[str, ...] = DIGEST_EVENTS


@dataclass(frozen=True)
class Notify:
    """The `notify:` block: webhooks POSTed, and Apprise digests sent, after a run when
    something changed."""

    webhooks: tuple[str, ...] = ()
    on: tuple[str, ...] = NOTIFY_EVENTS
    timeout: float = 10.0
    retries: int = 2
    apprise: tuple[AppriseChannel, ...] = ()


@dataclass(frozen=True)
class Config:
    path: Path
    settings: CrawlSettings = field(default_factory=CrawlSettings)
    resources: tuple[Resource, ...] = ()
    notify: Notify = field(default_factory=Notify)


def slugify(text: str) -> str:
    """A stable, URL-safe id for a resource name.

    >>> slugify('Blog BID "Ciudades Sostenibles"')
    'blog-bid-ciudades-sostenibles'
    >>> slugify("Región Metropolitana — Se Santiago")
    'region-metropolitana-se-santiago'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "resource"


_RESOURCE_KEYS = {f.name for f in fields(Resource)}
_SETTINGS_TYPES: dict[str, type | tuple[type, ...]] = {
    f.name: (int, float) if f.type in ("float", float) else {"int": int, "str": str, "bool": bool}[str(f.type)]
    for f in fields(CrawlSettings)
}
_TOP_KEYS = {"settings", "resources", "notify"}
_DURATION_SETTINGS = {"recheck_after"}
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float | None:
    """Seconds in '90s', '30m', '24h', '2d' (or a bare number of seconds).

    >>> parse_duration("24h"), parse_duration("90m"), parse_duration("15"), parse_duration("soon")
    (86400.0, 5400.0, 15.0, None)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not match:
        return None
    return float(match.group(1)) * _DURATION_UNITS[match.group(2) or "s"]


def load_config(path: str | Path) -> Config:
    """Read and validate a resources file; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML{_yaml_position(exc)}: {_yaml_problem(exc)}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid YAML: nested too deeply") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        # PyYAML's constructors raise plain errors for bad typed scalars (2024-02-30, !!int 3s).
        raise ConfigError(f"{path}: invalid YAML value: {type(exc).__name__}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'resources:' list at the top level")
    problems: list[str] = []
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(f"unknown top-level key {key!r} (allowed: {', '.join(sorted(_TOP_KEYS))})")
    settings = _parse_settings(data.get("settings"), problems)
    resources = _parse_resources(data.get("resources"), problems)
    notify = _parse_notify(data.get("notify"), problems)
    if problems:
        if len(problems) == 1:
            raise ConfigError(f"{path}: {problems[0]}")
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{path}: {len(problems)} problems:\n{listing}")
    return Config(path=path, settings=settings, resources=resources, notify=notify)


def _yaml_position(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _yaml_problem(exc: yaml.YAMLError) -> str:
    return getattr(exc, "problem", None) or str(exc).splitlines()[0]


def _parse_settings(raw: Any, problems: list[str]) -> CrawlSettings:
    if raw is None:
        return CrawlSettings()
    if not isinstance(raw, dict):
        problems.append("settings: expected a mapping of setting: value")
        return CrawlSettings()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "render":
            mode = render_mode(value)
            if mode is None:
                problems.append(f"settings: field 'render': expected true, false or auto, got {value!r}")
            else:
                values[key] = mode
            continue
        if key in _DURATION_SETTINGS and isinstance(value, str):
            seconds = parse_duration(value)
            if seconds is None:
                problems.append(f"settings: field {key!r}: expected a duration like 24h, 90m or 2d, got {value!r}")
                continue
            value = seconds
        expected = _SETTINGS_TYPES.get(key)
        where = f"settings: field {key!r}"
        if expected is None:
            problems.append(f"{where}: unknown setting (allowed: {', '.join(sorted(_SETTINGS_TYPES))})")
        elif isinstance(value, bool) and expected is not bool:
            problems.append(f"{where}: expected a number, got {value!r}")
        elif not isinstance(value, expected):
            kind = "text" if expected is str else "true or false" if expected is bool else "a number"
            problems.append(f"{where}: expected {kind}, got {value!r}")
        elif isinstance(value, (int, float)) and expected is not bool and not math.isfinite(value):
            problems.append(f"{where}: expected a finite number, got {value!r}")
        elif isinstance(value, (int, float)) and expected is not bool and value < 0:
            problems.append(f"{where}: must not be negative, got {value!r}")
        else:
            values[key] = value
    for key in ("concurrency", "concurrency_per_host", "timeout", "render_concurrency", "render_timeout",
                "max_announcements"):
        if key in values and values[key] == 0:
            problems.append(f"settings: field {key!r}: must be greater than 0")
            values.pop(key)
    return CrawlSettings(**values)


def _parse_resources(raw: Any, problems: list[str]) -> tuple[Resource, ...]:
    if raw is None:
        problems.append("missing 'resources:' list")
        return ()
    if not isinstance(raw, list):
        problems.append("'resources:' must be a list of resources")
        return ()
    resources: list[Resource] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw, start=1):
        resource = _parse_resource(index, entry, problems)
        if resource is None:
            continue
        label = f'resource #{index} "{resource.name}"'
        if resource.slug in seen:
            problems.append(
                f"{label}: field 'name': duplicate of resource #{seen[resource.slug]} (names must be unique)"
            )
            continue
        seen[resource.slug] = index
        resources.append(resource)
    if not raw:
        problems.append("'resources:' is empty: list at least one resource to check")
    return tuple(resources)


def _parse_resource(index: int, entry: Any, problems: list[str]) -> Resource | None:
    if not isinstance(entry, dict):
        problems.append(f"resource #{index}: expected a mapping with at least 'name' and 'url'")
        return None
    name = entry.get("name")
    label = f'resource #{index} "{name}"' if isinstance(name, str) and name.strip() else f"resource #{index}"
    start = len(problems)
    for key in entry:
        if key not in _RESOURCE_KEYS:
            problems.append(f"{label}: unknown field {key!r} (allowed: {', '.join(sorted(_RESOURCE_KEYS))})")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{label}: field 'name': missing or empty")
    url = entry.get("url")
    if url is None:
        problems.append(f"{label}: field 'url': missing")
    else:
        _check_url(url, f"{label}: field 'url'", problems)
    feed = entry.get("feed")
    if feed is not None:
        _check_url(feed, f"{label}: field 'feed'", problems)
    language = _parse_language(entry.get("language"), label, problems)
    organization = entry.get("organization", "")
    if not isinstance(organization, str):
        problems.append(f"{label}: field 'organization': expected text")
    tags = entry.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.append(f"{label}: field 'tags': expected a list of words")
    selectors = _parse_selectors(entry.get("announcements"), label, problems)
    links = _parse_link_options(entry, label, problems)
    expect = _parse_expect(entry.get("expect"), label, problems)
    maintenance = _parse_maintenance(entry.get("maintenance"), label, problems)
    render = _parse_render(entry, label, problems)
    if len(problems) > start:
        return None
    assert isinstance(name, str) and isinstance(url, str)  # checked above, else a problem was listed
    return Resource(
        name=name.strip(),
        url=url.strip(),
        organization=organization.strip(),
        language=language,
        tags=tuple(tags),
        feed=feed.strip() if feed else None,
        announcements=selectors,
        expect=expect,
        maintenance=maintenance,
        **links,
        **render,
    )


RENDER_MODES = ("off", "auto", "on")  # from least to most rendering


def render_mode(value: Any) -> str | None:
    """`render:` as written (true, false, "auto", or a mode's name) as a mode; None
    when it is none of these.

    >>> render_mode(True), render_mode(False), render_mode("auto"), render_mode("sometimes")
    ('on', 'off', 'auto', None)
    """
    if isinstance(value, bool):
        return "on" if value else "off"
    return value if value in RENDER_MODES else None


def effective_render(resource: Resource, settings: CrawlSettings) -> str:
    """How a resource's page is read: its own `render:`, else the settings' default."""
    return resource.render or settings.render


def _parse_render(entry: dict[str, Any], label: str, problems: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "render" in entry:
        mode = render_mode(entry["render"])
        if mode is None:
            problems.append(f"{label}: field 'render': expected true, false or auto, got {entry['render']!r}")
        else:
            values["render"] = mode
    selector = entry.get("render_wait_for")
    if selector is not None:
        if not isinstance(selector, str) or not selector.strip():
            problems.append(f"{label}: field 'render_wait_for': expected a CSS selector")
        else:
            try:
                soupsieve.compile(selector)
            except (soupsieve.SelectorSyntaxError, ValueError) as exc:
                problems.append(f"{label}: field 'render_wait_for': invalid CSS selector {selector!r}: "
                                f"{str(exc).splitlines()[0]}")
            else:
                values["render_wait_for"] = selector.strip()
    return values


_LINK_OPTIONS: dict[str, type] = {
    "depth": int,
    "max_pages": int,
    "check_assets": bool,
    "check_fragments": bool,
    "sitemap": bool,
}


def _parse_link_options(entry: dict[str, Any], label: str, problems: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, kind in _LINK_OPTIONS.items():
        if key not in entry:
            continue
        value = entry[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            problems.append(f"{label}: field {key!r}: expected a whole number of 0 or more, got {value!r}")
        elif kind is bool and not isinstance(value, bool):
            problems.append(f"{label}: field {key!r}: expected true or false, got {value!r}")
        else:
            values[key] = value
    for key in ("include", "exclude"):
        patterns = entry.get(key, [])
        if isinstance(patterns, str):
            patterns = [patterns]
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            problems.append(f"{label}: field {key!r}: expected a list of regular expressions")
            continue
        for pattern in patterns:
            try:
                re.compile(pattern)
            except (re.error, OverflowError, RecursionError) as exc:
                problems.append(f"{label}: field {key!r}: invalid regular expression {pattern!r}: "
                                f"{exc or type(exc).__name__}")
        values[key] = tuple(patterns)
    return values


def _parse_maintenance(raw: Any, label: str, problems: list[str]) -> tuple[MaintenanceWindow, ...]:
    if raw is None:
        return ()
    entries = raw if isinstance(raw, list) else [raw]
    windows = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(f"{label}: field 'maintenance' #{number}: expected start/end or weekly")
            continue
        try:
            windows.append(parse_maintenance(entry))
        except ValueError as exc:
            problems.append(f"{label}: field 'maintenance' #{number}: {exc}")
    return tuple(windows)


def _parse_notify(raw: Any, problems: list[str]) -> Notify:
    if raw is None:
        return Notify()
    if not isinstance(raw, dict):
        problems.append("notify: expected a mapping with 'webhooks'")
        return Notify()
    raw = {("on" if key is True else key): value for key, value in raw.items()}  # YAML 1.1 reads `on:` as true
    unknown = set(raw) - {"webhooks", "on", "timeout", "retries", "apprise"}
    if unknown:
        problems.append(
            f"notify: unknown key {sorted(unknown)[0]!r} (allowed: apprise, on, retries, timeout, webhooks)")
    hooks = raw.get("webhooks", [])
    hooks = [hooks] if isinstance(hooks, str) else hooks
    if not isinstance(hooks, list):
        problems.append("notify: field 'webhooks': expected a list of URLs")
        hooks = []
    for hook in hooks:
        _check_url(hook, "notify: field 'webhooks'", problems)
    events = raw.get("on", list(NOTIFY_EVENTS))
    events = [events] if isinstance(events, str) else events
    if not isinstance(events, list) or any(e not in NOTIFY_EVENTS for e in events):
        problems.append(f"notify: field 'on': expected some of {', '.join(NOTIFY_EVENTS)}, got {events!r}")
        events = list(NOTIFY_EVENTS)
    timeout, retries = raw.get("timeout", 10.0), raw.get("retries", 2)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        problems.append(f"notify: field 'timeout': expected a positive number, got {timeout!r}")
        timeout = 10.0
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        problems.append(f"notify: field 'retries': expected a whole number of 0 or more, got {retries!r}")
        retries = 2
    return Notify(webhooks=tuple(h.strip() for h in hooks if isinstance(h, str)), on=tuple(events),
                  timeout=float(timeout), retries=retries, apprise=_parse_apprise(raw.get("apprise"), problems))


def _parse_apprise(raw: Any, problems: list[str]) -> tuple[AppriseChannel, ...]:
    """`apprise:` is a list of Apprise URLs, each a string or `{url: ..., on: [...]}`.

    Each URL is read by Apprise itself, so a typo stops the run here rather than
    failing silently after it; problems never quote the URL, which holds secrets.
    """
    if raw is None:
        return ()
    entries = [raw] if isinstance(raw, (str, dict)) else raw
    if not isinstance(entries, list):
        problems.append("notify: field 'apprise': expected a list of Apprise URLs")
        return ()
    channels = []
    for number, entry in enumerate(entries, start=1):
        where = f"notify: field 'apprise' #{number}"
        if isinstance(entry, dict):
            entry = {("on" if key is True else key): value for key, value in entry.items()}
            unknown = set(entry) - {"url", "on"}
            if unknown:
                problems.append(f"{where}: unknown key {sorted(unknown)[0]!r} (allowed: on, url)")
            url, events = entry.get("url"), entry.get("on", list(DIGEST_EVENTS))
        else:
            url, events = entry, list(DIGEST_EVENTS)
        events = [events] if isinstance(events, str) else events
        if not isinstance(events, list) or not events or any(e not in DIGEST_EVENTS for e in events):
            problems.append(f"{where}: field 'on': expected some of {', '.join(DIGEST_EVENTS)}, got {events!r}")
            continue
        if not isinstance(url, str) or "://" not in url:
            problems.append(f"{where}: expected an Apprise URL such as mailto://… or slack://…")
            continue
        problem = _apprise_problem(url.strip())
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        channels.append(AppriseChannel(url=url.strip(), on=tuple(dict.fromkeys(events))))
    return tuple(channels)


def _apprise_problem(url: str) -> str | None:
    """Why Apprise cannot use this URL, without repeating it (it holds secrets)."""
    try:
        import apprise
    except ImportError:
        return ("the apprise package is not installed; install it with "
                ".venv/bin/pip install -e '.[notify]'")
    quiet = logging.getLogger("apprise")  # its own message quotes the URL, half masked
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    finally:
        quiet.setLevel(level)
    if plugin is None:
        scheme = url.split("://", 1)[0]
        return (f"Apprise cannot read this {scheme}:// URL (an unknown service, or a missing "
                "or malformed part; see https://github.com/caronc/apprise/wiki)")
    return None


def _parse_expect(raw: Any, label: str, problems: list[str]) -> Expectation | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(f"{label}: field 'expect': expected a mapping with status and/or final_url")
        return None
    unknown = set(raw) - {"status", "final_url"}
    if unknown:
        first = sorted(map(str, unknown))[0]
        problems.append(f"{label}: field 'expect': unknown key {first!r} (allowed: final_url, status)")
    status = raw.get("status")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599):
        problems.append(f"{label}: field 'expect.status': expected an HTTP status code, got {status!r}")
    final_url = raw.get("final_url")
    if final_url is not None:
        _check_url(final_url, f"{label}: field 'expect.final_url'", problems)
    return Expectation(status=status if isinstance(status, int) else None,
                       final_url=final_url.strip() if isinstance(final_url, str) else None)


_SELECTOR_KEYS = ("item", "title", "link", "date")


def _parse_language(value: Any, label: str, problems: list[str]) -> str | None:
    """Any language code dateparser reads, in any case ("pt", "PT", "de-AT", "zh-Hant"),
    spelled the way dateparser does; a region it does not know falls back to the language."""
    if value is None:
        return None
    resolved = resolve_language(value) if isinstance(value, str) else None
    if resolved is None:
        problems.append(
            f"{label}: field 'language': {value!r} is not a language code dateparser reads "
            "(for example en, es, fr, nl, de, it, pt, pt-PT, en-GB; see docs/configuration.md)"
        )
        return None
    return resolved.locale or resolved.code


def _parse_selectors(raw: Any, label: str, problems: list[str]) -> AnnouncementSelectors | None:
    where = f"{label}: field 'announcements'"
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping of item/title/link/date CSS selectors")
        return None
    for key in raw:
        if key not in _SELECTOR_KEYS:
            problems.append(f"{where}: unknown key {key!r} (allowed: {', '.join(_SELECTOR_KEYS)})")
    if "item" not in raw:
        problems.append(f"{where}: 'item' selector is required")
    for key in _SELECTOR_KEYS:
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{label}: field 'announcements.{key}': expected a CSS selector, got {value!r}")
            continue
        try:
            soupsieve.compile(value)
        except Exception as exc:  # soupsieve raises several error types for bad selectors
            problems.append(
                f"{label}: field 'announcements.{key}': invalid CSS selector {value!r}: "
                f"{str(exc).splitlines()[0]}"
            )
    if not isinstance(raw.get("item"), str):
        return None
    return AnnouncementSelectors(**{k: raw[k].strip() for k in _SELECTOR_KEYS if isinstance(raw.get(k), str)})


_WRITTEN_WITH_HOST = re.compile(r"https?://[^/\\?#]", re.IGNORECASE)


def _check_url(value: Any, where: str, problems: list[str]) -> None:
    """An http(s) URL as a browser reads it (the WHATWG URL Standard, like page links).

    >>> problems = []
    >>> _check_url("http://www.exa mple.org/some page", "field 'url'", problems)
    >>> _check_url("http://www.example.org/some page", "field 'url'", problems)
    >>> problems
    ["field 'url': 'http://www.exa mple.org/some page' is not a valid URL: host contains a forbidden code point ' ' (U+0020)"]
    """
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: expected a URL, got {value!r}")
        return
    text = value.strip()
    scheme = url_scheme(text)
    if scheme not in WEB_SCHEMES:
        problems.append(f"{where}: {value!r} has scheme {scheme or 'none'!r}; only http and https are checked")
        return
    if clean_url(text) != text:  # a browser would drop them; the URL is kept as written, so they must go
        problems.append(f"{where}: {value!r} contains a tab, newline or control character")
        return
    try:
        url = resolve_url(text)
    except InvalidURL as exc:
        problems.append(f"{where}: {value!r} is not a valid URL: {exc}")
        return
    if not _WRITTEN_WITH_HOST.match(text):  # "http:x", "http:///x": a browser guesses, the crawler would not
        problems.append(f"{where}: {value!r} has no host after '//'; a browser reads it as {url!r}, write that")
