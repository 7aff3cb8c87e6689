"""parse_config on random input: it returns a Config or raises ConfigError, nothing else.

A traceback from `healthcrawl run` or `check-config` on a typo is a bug: every
problem in resources.yaml must come back as one readable ConfigError. Crashes
already found (and not yet fixed in crawler/config.py) are listed in
KNOWN_CRASHES: the fuzzers skip inputs that hit them, and each one has a strict
xfail below that turns into a failure, asking for its entry to be removed, once
it is fixed.
"""

from __future__ import annotations

import math
import traceback
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from crawler.config import Config, ConfigError, CrawlSettings, Resource, parse_config

PATH = Path("fuzz.yaml")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (exception type, function the exception escapes from, an input that shows it)
KNOWN_CRASHES: list[tuple[type[BaseException], str, str]] = [
    # parse_config catches only yaml.YAMLError, but PyYAML's constructors raise plain
    # ValueError / IndexError / KeyError / AttributeError for bad scalars, and the
    # composer recurses once per nesting level. A date typo is enough:
    (ValueError, "get_single_data", "resources:\n- name: a\n  url: http://a.example/\n  tags: [2024-02-30]\n"),
    (ValueError, "get_single_data", "settings:\n  timeout: !!int 3s\n"),
    (IndexError, "get_single_data", "settings:\n  timeout: !!float\n"),
    (KeyError, "get_single_data", "settings:\n  verify_tls: !!bool maybe\n"),
    (AttributeError, "get_single_data", "resources: !!timestamp soon\n"),
    (RecursionError, "get_single_data", "[" * 5000 + "]" * 5000),
    # sorted() on the unknown keys of `expect:` when they mix numbers and text
    (TypeError, "_parse_expect", "resources:\n- name: a\n  url: http://a.example/\n  expect: {1: x, b: y}\n"),
    # re.compile raises OverflowError, not re.error, for a huge repeat count ...
    (OverflowError, "_parse_link_options",
     "resources:\n- name: a\n  url: http://a.example/\n  include: ['a{4294967296}']\n"),
    # ... and recurses once per nested group
    (RecursionError, "_parse_link_options",
     "resources:\n- name: a\n  url: http://a.example/\n  include: ['" + "(" * 3000 + ")" * 3000 + "']\n"),
]


def is_known_crash(exc: BaseException) -> bool:
    frames = {frame.name for frame in traceback.extract_tb(exc.__traceback__)}
    return any(isinstance(exc, kind) and where in frames for kind, where, _ in KNOWN_CRASHES)


def parse_or_config_error(text: str) -> Config | None:
    """The property itself: None for a ConfigError, the Config otherwise."""
    try:
        return parse_config(text, PATH)
    except ConfigError as exc:
        assert str(exc).startswith(f"{PATH}: "), "every message names the file"
        return None
    except Exception as exc:
        if is_known_crash(exc):
            reject()
        raise


def check_accepted(config: Config) -> None:
    """What a Config promises the rest of the crawler."""
    assert config.resources, "an empty list is refused"
    assert len({r.slug for r in config.resources}) == len(config.resources)
    for resource in config.resources:
        assert isinstance(resource, Resource)
        assert resource.url.split(":", 1)[0].lower() in ("http", "https")
        assert resource.name and resource.name == resource.name.strip()
    assert isinstance(config.settings, CrawlSettings)


# -- strategies ------------------------------------------------------------------------

SETTING_KEYS = ["timeout", "concurrency", "concurrency_per_host", "user_agent", "retries", "retry_backoff",
                "retry_after_max", "max_redirects", "slow_ms", "tls_warning_days", "verify_tls",
                "max_body_bytes", "delay", "recheck_after", "speed"]
RESOURCE_KEYS = ["name", "url", "organization", "language", "tags", "feed", "announcements", "depth",
                 "max_pages", "check_assets", "check_fragments", "include", "exclude", "sitemap", "expect",
                 "colour"]
YAML_TOKENS = [
    "resources:", "settings:", "\n", "\n  ", "\n    ", "- ", "name: ", "url: ", "feed: ", "tags: ",
    "expect: ", "include: ", "timeout: ", "http://a.example/", "https://b.example/x", "ftp://c/",
    "{", "}", "[", "]", ", ", ": ", "&a ", "*a", "<<: *a", "!!str ", "!!int ", "!!float ", "!!binary ",
    "!!python/object:os.system ", "? ", "| ", "> ", "'", '"', "# c", "%YAML 1.1\n", "---\n", "...\n",
    "~", "null", "true", "no", ".nan", "-.inf", "0x1F", "0o17", "1e999", "-1", "2001-12-14", "\t", "\\",
    "@", "`", "\x00", "\ufeff", "é",
]

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=20) | st.sampled_from(["http://a.example/", "https://b.example/p", "ftp://x/",
                                                      "http://[::1", "  ", "en", "fr", "24h", "(", "a{2,1}"]))
keys = st.text(max_size=8) | st.integers() | st.sampled_from(SETTING_KEYS + RESOURCE_KEYS + ["item", "status"])
structures = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)
resource_entries = st.dictionaries(st.sampled_from(RESOURCE_KEYS), structures, max_size=8) | structures
config_shaped = st.fixed_dictionaries(
    {},
    optional={
        "settings": st.dictionaries(st.sampled_from(SETTING_KEYS), structures, max_size=5) | structures,
        "resources": st.lists(resource_entries, max_size=4) | structures,
        "extra": structures,
    },
)


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# -- properties ------------------------------------------------------------------------


@FUZZ
@given(st.text())
def test_any_text(text):
    config = parse_or_config_error(text)
    if config is not None:
        check_accepted(config)


@FUZZ
@given(st.lists(st.sampled_from(YAML_TOKENS) | st.text(max_size=4), max_size=40).map("".join))
def test_yaml_like_text(text):
    config = parse_or_config_error(text)
    if config is not None:
        check_accepted(config)


@FUZZ
@given(structures)
def test_any_structure_dumped_to_yaml(data):
    config = parse_or_config_error(dump(data))
    if config is not None:
        check_accepted(config)


@FUZZ
@given(config_shaped)
def test_config_shaped_structure(data):
    config = parse_or_config_error(dump(data))
    if config is not None:
        check_accepted(config)


@FUZZ
@given(st.lists(st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=12), "url": st.sampled_from(["http://a.example/", "https://b.example/x"])},
    optional={"language": st.sampled_from(["en", "es", "fr", "nl", "de"]), "tags": st.lists(st.text(max_size=5)),
              "expect": st.fixed_dictionaries({}, optional={"status": st.integers(0, 700)})},
), min_size=1, max_size=5))
def test_nearly_valid_files_load_or_name_the_problem(resources):
    """Mostly valid input must mostly load; when it does not, the message says why."""
    text = dump({"resources": resources})
    config = parse_or_config_error(text)
    if config is not None:
        check_accepted(config)
        as_loaded = yaml.safe_load(text)["resources"]  # YAML itself folds some line breaks
        assert [r.name for r in config.resources] == [r["name"].strip() for r in as_loaded]


# -- known crashes: each fails (xfail) until fixed in crawler/config.py ----------------


@pytest.mark.parametrize(
    "kind, where, text",
    [pytest.param(*crash, id=f"{crash[0].__name__}-in-{crash[1]}-{index}",
                  marks=pytest.mark.xfail(raises=crash[0], strict=True,
                                          reason="crash in crawler/config.py; remove from KNOWN_CRASHES "
                                                 "once this passes"))
     for index, crash in enumerate(KNOWN_CRASHES)],
)
def test_known_crash_is_still_a_crash(kind, where, text):
    with pytest.raises(ConfigError):
        parse_config(text, PATH)
    # Reached only once fixed: the strict xfail then fails, asking for the entry to go.


@pytest.mark.xfail(strict=True, reason="config.py accepts .nan and .inf for numeric settings")
@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_non_finite_numbers_are_refused(value):
    text = f"settings:\n  timeout: {value}\nresources:\n- name: a\n  url: http://a.example/\n"
    config = parse_or_config_error(text)
    assert config is None or math.isfinite(config.settings.timeout)
