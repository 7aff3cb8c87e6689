"""Load and validate resources.yaml into frozen dataclasses.

Validation happens before any request is made: a typo in the file must stop
the run with one clear message (file, resource, field), never a traceback or
a half-done crawl.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import logging
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import soupsieve
import yaml
from anyascii import anyascii

from crawler import __version__
from crawler.core.extras import install_hint
from crawler.core.maintenance import MaintenanceWindow, parse_maintenance
from crawler.core.timeutil import (
    DURATION_EXAMPLES,
    DURATION_UNITS,
    DurationError,
    format_duration,
    parse_duration,
)
from crawler.core.vocabulary import NotifyEvent
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
    # Periods are written with a unit (24h, 60d, 90d: crawler.core.timeutil.parse_duration)
    # and held in the unit of DURATION_SETTINGS, which runs.settings has always stored.
    recheck_after: float = 86400.0  # seconds: with --fast, links healthy this recently are not rechecked
    stale_after: float = 60.0  # days without a new announcement before a resource is "stale"
    new_for: float = 7.0  # days (written as a period, 7d) an announcement is marked new after first seen
    max_announcements: int = 200  # items kept per page or feed (the newest first in feeds, page order on pages)
    confirm_down: int = 0  # attempts that must all fail before "down"; 0 means 1 + retries
    retention: float | None = 90.0  # days of raw history kept, pruned after each complete run; None: forever
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
    # With block_private_addresses: follow this resource's redirects (and read its feed)
    # even on a private address of a host not listed (crawler.crawl.safety).
    allow_private_redirects: bool = False
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


EVENTS: tuple[str, ...] = tuple(e.value for e in NotifyEvent)  # one vocabulary: webhooks, Apprise, --notify-on
# A webhook that does not say gets what webhooks always sent, so a receiver written for
# those three never sees a payload it does not know; an Apprise channel gets everything.
WEBHOOK_EVENTS: tuple[str, ...] = (NotifyEvent.DOWN.value, NotifyEvent.RECOVERED.value, NotifyEvent.ANNOUNCEMENTS.value)


@dataclass(frozen=True)
class AppriseChannel:
    """One Apprise URL (mailto://, slack://, json://, ...) and the events it wants."""

    url: str
    on: tuple[str, ...] = EVENTS


@dataclass(frozen=True)
class Notify:
    """The `notify:` block: webhooks POSTed, and Apprise digests sent, after a run when
    something changed."""

    webhooks: tuple[str, ...] = ()
    on: tuple[str, ...] = WEBHOOK_EVENTS
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
    """A stable, URL-safe id for a resource name: it names the resource's history in
    the database, its page (resources/<slug>.html) and its feed (feeds/<slug>.xml).

    Latin letters lose their accents; every name that gives a slug that way keeps
    that slug, as it always has:

    >>> slugify('Blog BID "Ciudades Sostenibles"')
    'blog-bid-ciudades-sostenibles'
    >>> slugify("Región Metropolitana — Se Santiago")
    'region-metropolitana-se-santiago'

    A name with no Latin letter or digit is transliterated (anyascii, pinned: a new
    table would move history), CJK syllables apart:

    >>> slugify("東京都"), slugify("Москва"), slugify("Ελλάδα"), slugify("القاهرة"), slugify("🏙️🌆")
    ('dong-jing-dou', 'moskva', 'ellada', 'lqhrh', 'cityscape-city-dusk')

    and a name that not even that spells gets a short hash of itself:

    >>> slugify("★")
    'resource-26c57b08'
    """
    latin = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _dashes(latin)
    if slug:
        return slug
    slug = _dashes(re.sub(r"(?<=[a-z])(?=[A-Z])", "-", anyascii(unicodedata.normalize("NFC", text))))
    return slug or f"resource-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def _dashes(ascii_text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


_RESOURCE_KEYS = {f.name for f in fields(Resource)}
# The settings that are periods: the seconds in the unit each is held in.
DURATION_SETTINGS = {"recheck_after": 1, "stale_after": 86400, "new_for": 86400, "retention": 86400}
MIN_RETENTION_DAYS = 7  # the page's 7-day uptime and response times read raw checks
_SETTINGS_TYPES: dict[str, type | tuple[type, ...]] = {
    f.name: (int, float) if f.name in DURATION_SETTINGS or f.type in ("float", float)
    else {"int": int, "str": str, "bool": bool}[str(f.type)]
    for f in fields(CrawlSettings)
}
_TOP_KEYS = {"settings", "resources", "notify"}
_NOTIFY_KEYS = ("apprise", "on", "retries", "timeout", "webhooks")


def suggest(given: Any, allowed: Iterable[str]) -> str:
    """What to say after an unknown word: the closest allowed one, or the whole list.

    >>> suggest("langauge", ["language", "name", "url"]), suggest("URL", ["name", "url"])
    (": did you mean 'language'?", ": did you mean 'url'?")
    >>> suggest("colour", ["name", "url"])
    ' (allowed: name, url)'
    """
    close = closest(given, allowed)
    return f": did you mean {close!r}?" if close else f" (allowed: {', '.join(sorted(allowed))})"


def closest(given: Any, allowed: Iterable[str]) -> str | None:
    """The allowed word closest to `given` (case aside), if any is close."""
    if not isinstance(given, str):
        return None
    folded = {name.lower(): name for name in allowed}
    close = difflib.get_close_matches(given.strip().lower(), list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def _unknown_resource_field(key: Any) -> str:
    """What to say of a resource field that is not one: a close resource field, else the
    run-wide setting it names ("timout" under a resource is `settings: timeout`).

    >>> _unknown_resource_field("timout")
    ": 'timeout' is a setting of the whole run: put it under 'settings:'"
    >>> _unknown_resource_field("langauge")
    ": did you mean 'language'?"
    """
    if closest(key, _RESOURCE_KEYS) is None and (setting := closest(key, _SETTINGS_TYPES)) is not None:
        return f": {setting!r} is a setting of the whole run: put it under 'settings:'"
    return suggest(key, _RESOURCE_KEYS)


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
    loader = None
    try:
        loader = _Loader(text)
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: {_yaml_error(exc, text)}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid YAML: nested too deeply") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        # PyYAML's constructors raise plain errors for bad typed scalars (2024-02-30, !!int 3s).
        raise ConfigError(f"{path}: invalid YAML value: {type(exc).__name__}: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'resources:' list at the top level")
    problems: list[str] = list(loader.duplicates) if loader is not None else []
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(f"unknown top-level key {key!r}{suggest(key, _TOP_KEYS)}")
    settings = _parse_settings(data.get("settings"), problems)
    resources = _parse_resources(data.get("resources"), problems)
    notify = _parse_notify(data.get("notify"), problems)
    if problems:
        if len(problems) == 1:
            raise ConfigError(f"{path}: {problems[0]}")
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{path}: {len(problems)} problems:\n{listing}")
    return Config(path=path, settings=settings, resources=resources, notify=notify)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, noting each key a mapping repeats: YAML keeps the last one
    silently, so a second `url:` in a resource would replace the first unseen."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue  # a `<<:` merge may be overridden: that is what it is for
            try:
                key = self.construct_object(key_node)
                hash(key)
            except Exception:  # noqa: BLE001 - an odd key is the constructor's to report, below
                continue
            line = key_node.start_mark.line + 1
            if key not in seen:
                seen[key] = line
                continue
            where = f"twice on line {line}" if seen[key] == line else f"on lines {seen[key]} and {line}"
            self.duplicates.append(f"duplicate key {key!r} {where}: the second would silently replace the "
                                   "first; keep one")
        return super().construct_mapping(node, deep=deep)


# PyYAML's words for common mistakes, and what to do about them.
_YAML_HINTS = (
    ("found character '\\t'", "a tab: indent with spaces, not tabs"),
    ("expected <block end>", "this line's indentation does not line up with the lines above it"),
    ("mapping values are not allowed here",
     "a ':' where no key was expected: indent the line under its key, or quote a value that holds ': '"),
    ("could not find expected ':'", "a line that is not `key: value` (a missing ':' or a wrong indentation)"),
    ("found duplicate anchor", "an anchor (&name) defined twice"),
    ("found undefined alias", "an alias (*name) whose anchor (&name) is not defined above it"),
)


_UNCLOSED = (("flow sequence", "the [ list ]"), ("flow mapping", "the { mapping }"),
             ("quoted scalar", "the quoted text"))


def _yaml_error(exc: yaml.YAMLError, text: str) -> str:
    """`invalid YAML at line 4, column 3: what to do`, then the line with a caret.

    >>> text = "resources:\\n\\t- name: A\\n"
    >>> try:
    ...     yaml.safe_load(text)
    ... except yaml.YAMLError as exc:
    ...     print(_yaml_error(exc, text))
    invalid YAML at line 2, column 1: a tab: indent with spaces, not tabs
         2 | →- name: A
           | ^
    """
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    hint = next((words for marker, words in _YAML_HINTS if marker in problem), problem)
    context, opened = getattr(exc, "context", None) or "", getattr(exc, "context_mark", None)
    if opened is not None and ("<stream end>" in problem or "end of stream" in problem):
        what = next((words for marker, words in _UNCLOSED if marker in context), None)
        if what:  # the end of the file is the wrong place to point at: where it opened is
            mark, hint = opened, f"{what} that starts here is never closed"
    if mark is None:
        return f"invalid YAML: {hint}"
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    if "\t" in line[: len(line) - len(line.lstrip())] and "tab" not in hint:
        hint = f"{hint} (this line is indented with a tab: indent with spaces)"
    shown = line.replace("\t", "→")[:160]  # a tab made visible, one column wide like the caret counts it
    caret = " " * min(mark.column, len(shown))
    return (f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {hint}\n"
            f"  {mark.line + 1:>4} | {shown}\n       | {caret}^")


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
                problems.append(f"settings: field 'render': expected true, false or auto, got {value!r}"
                                f"{_render_hint(value)}")
            else:
                values[key] = mode
            continue
        if key in DURATION_SETTINGS:
            period = _parse_period(key, value, problems)
            if period is not _INVALID:
                values[key] = period
            continue
        expected = _SETTINGS_TYPES.get(key)
        where = f"settings: field {key!r}"
        if expected is None:
            problems.append(f"{where}: unknown setting{suggest(key, _SETTINGS_TYPES)}")
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


_INVALID = object()


def _parse_period(key: str, value: Any, problems: list[str]) -> Any:
    """A period setting in its held unit; `retention` may also be `forever` (None).
    A bare number is refused with the unit to add, as on the command line."""
    where = f"settings: field {key!r}"
    if key == "retention" and (value is False or (isinstance(value, str) and value.strip().lower() in
                                                   ("forever", "never", "off"))):
        return None
    forever = " (or forever)" if key == "retention" else ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < math.inf:
        unit, meant = ("s", "seconds") if DURATION_SETTINGS[key] == 1 else ("d", "days")
        literal = f"{value:g}{unit}"
        nicer = format_duration(value * DURATION_UNITS[unit])
        problems.append(f"{where}: {value!r} has no unit: write {literal} (a bare number meant {meant} here)"
                        + (f", or {nicer}" if nicer != literal else ""))
        return _INVALID
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        problems.append(f"{where}: expected a duration like {DURATION_EXAMPLES}{forever}, got {value!r}")
        return _INVALID
    try:
        seconds = parse_duration(str(value))
    except DurationError as exc:
        problems.append(f"{where}: {exc}{forever}")
        return _INVALID
    if key == "retention" and seconds < MIN_RETENTION_DAYS * 86400:
        problems.append(f"{where}: {value!r} is shorter than the {MIN_RETENTION_DAYS} days of raw checks the "
                        f"page's 7-day uptime reads: write {MIN_RETENTION_DAYS}d or more (or forever)")
        return _INVALID
    return seconds / DURATION_SETTINGS[key]


def _parse_resources(raw: Any, problems: list[str]) -> tuple[Resource, ...]:
    if raw is None:
        problems.append("missing 'resources:' list")
        return ()
    if not isinstance(raw, list):
        problems.append("'resources:' must be a list of resources")
        return ()
    resources: list[Resource] = []
    seen: dict[str, tuple[int, str]] = {}
    for index, entry in enumerate(raw, start=1):
        resource = _parse_resource(index, entry, problems)
        if resource is None:
            continue
        label = f'resource #{index} "{resource.name}"'
        if resource.slug in seen:
            other, other_name = seen[resource.slug]
            problems.append(
                f'{label}: field \'name\': duplicate of resource #{other} "{other_name}": both have the slug '
                f"{resource.slug!r} (names must be unique: the slug names the resource's history and files)"
            )
            continue
        seen[resource.slug] = (index, resource.name)
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
            problems.append(f"{label}: unknown field {key!r}{_unknown_resource_field(key)}")
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


def _render_hint(value: Any) -> str:
    hint = suggest(value, ("true", "false", "auto"))
    return hint if hint.startswith(":") else ""


def effective_render(resource: Resource, settings: CrawlSettings) -> str:
    """How a resource's page is read: its own `render:`, else the settings' default."""
    return resource.render or settings.render


def _parse_render(entry: dict[str, Any], label: str, problems: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "render" in entry:
        mode = render_mode(entry["render"])
        if mode is None:
            problems.append(f"{label}: field 'render': expected true, false or auto, got {entry['render']!r}"
                            f"{_render_hint(entry['render'])}")
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
    "allow_private_redirects": bool,  # not a link option, but read the same way
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
    problems += [f"notify: unknown key {key!r}{suggest(key, _NOTIFY_KEYS)}" for key in raw if key not in _NOTIFY_KEYS]
    hooks = raw.get("webhooks", [])
    hooks = [hooks] if isinstance(hooks, str) else hooks
    if not isinstance(hooks, list):
        problems.append("notify: field 'webhooks': expected a list of URLs")
        hooks = []
    for hook in hooks:
        _check_url(hook, "notify: field 'webhooks'", problems)
    events = raw.get("on", list(WEBHOOK_EVENTS))
    events = [events] if isinstance(events, str) else events
    problem = _events_problem(events, "notify: field 'on'")
    if problem:
        problems.append(problem)
        events = list(WEBHOOK_EVENTS)
    timeout, retries = raw.get("timeout", 10.0), raw.get("retries", 2)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        problems.append(f"notify: field 'timeout': expected a positive number, got {timeout!r}")
        timeout = 10.0
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        problems.append(f"notify: field 'retries': expected a whole number of 0 or more, got {retries!r}")
        retries = 2
    return Notify(webhooks=tuple(h.strip() for h in hooks if isinstance(h, str)), on=tuple(events),
                  timeout=float(timeout), retries=retries, apprise=_parse_apprise(raw.get("apprise"), problems))


def _events_problem(events: Any, where: str) -> str | None:
    """What is wrong with an `on:` list, in the one vocabulary of crawler.core.vocabulary.NotifyEvent."""
    if not isinstance(events, list):
        return f"{where}: expected a list of events ({', '.join(EVENTS)}), got {events!r}"
    for event in events:
        if event not in EVENTS:
            return f"{where}: unknown event {event!r}{suggest(event, EVENTS)}"
    return None


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
            problems += [f"{where}: unknown key {key!r}{suggest(key, ('on', 'url'))}"
                         for key in entry if key not in ("on", "url")]
            url, events = entry.get("url"), entry.get("on", list(EVENTS))
        else:
            url, events = entry, list(EVENTS)
        events = [events] if isinstance(events, str) else events
        problem = _events_problem(events, f"{where}: field 'on'") or (
            None if events else f"{where}: field 'on': expected at least one of {', '.join(EVENTS)}")
        if problem:
            problems.append(problem)
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
        return f"the apprise package is not installed: run {install_hint('notify')}"
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
    problems += [f"{label}: field 'expect': unknown key {str(key)!r}{suggest(key, ('final_url', 'status'))}"
                 for key in raw if key not in ("status", "final_url")]
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
            problems.append(f"{where}: unknown key {key!r}{suggest(key, _SELECTOR_KEYS)}")
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
# A host (a dotted name, or localhost), maybe a port, then a path or nothing: a URL without its scheme.
_HOST_LIKE = re.compile(r"(localhost|[\w-]+(?:\.[\w-]+)+)(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
_FILE_TYPES = {"xml", "rss", "atom", "json", "html", "htm", "php", "asp", "aspx"}  # feed.xml is a path, not a host


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
        host_like = _HOST_LIKE.match(text)
        if "://" not in text and host_like and host_like.group(1).rsplit(".", 1)[-1].lower() not in _FILE_TYPES:
            problems.append(f"{where}: {value!r} has no scheme: write 'https://{text}' (or http://)")
        elif not scheme:
            problems.append(f"{where}: {value!r} is not a full URL: write it with https:// and the host")
        else:
            problems.append(f"{where}: {value!r} has scheme {scheme!r}; only http and https are checked")
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
