"""parse_config on random input: it returns a Config or raises ConfigError, nothing else.

A traceback from `healthcrawl run` or `check-config` on a typo is a bug: every
problem in resources.yaml must come back as one readable ConfigError. Inputs that
once crashed are kept in ONCE_CRASHING, each a test of its own; a new crash found
by the fuzzers is fixed in crawler/core/config.py and its input added there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.core.config import Config, ConfigError, CrawlSettings, Resource, parse_config

PATH = Path("fuzz.yaml")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

def parse_or_config_error(text: str) -> Config | None:
    """The property itself: None for a ConfigError, the Config otherwise."""
    try:
        return parse_config(text, PATH)
    except ConfigError as exc:
        assert str(exc).startswith(f"{PATH}: "), "every message names the file"
        return None


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


# -- inputs that once crashed the loader: now each is one clear ConfigError --------------

ONCE_CRASHING = [
    ("resources:\n- name: a\n  url: http://a.example/\n  tags: [2024-02-30]\n", "invalid YAML value"),
    ("settings:\n  timeout: !!int 3s\n", "invalid YAML value"),
    ("settings:\n  timeout: !!float\n", "invalid YAML value"),
    ("settings:\n  verify_tls: !!bool maybe\n", "invalid YAML value"),
    ("resources: !!timestamp soon\n", "invalid YAML value"),
    ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ("resources:\n- name: a\n  url: http://a.example/\n  expect: {1: x, b: y}\n", "unknown key '1'"),
    ("resources:\n- name: a\n  url: http://a.example/\n  include: ['a{4294967296}']\n",
     "invalid regular expression"),
    ("resources:\n- name: a\n  url: http://a.example/\n  include: ['" + "(" * 3000 + ")" * 3000 + "']\n",
     "invalid regular expression"),
]


@pytest.mark.parametrize("text, message", ONCE_CRASHING, ids=range(len(ONCE_CRASHING)))
def test_once_crashing_inputs_are_config_errors(text, message):
    with pytest.raises(ConfigError) as info:
        parse_config(text, PATH)
    assert str(info.value).startswith(f"{PATH}: ") and message in str(info.value)


@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_non_finite_numbers_are_refused(value):
    text = f"settings:\n  timeout: {value}\nresources:\n- name: a\n  url: http://a.example/\n"
    assert parse_or_config_error(text) is None
