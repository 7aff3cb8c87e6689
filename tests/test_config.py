"""resources.yaml validation: every problem is one clear line naming file, resource and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.core.config import ConfigError, CrawlSettings, load_config, parse_config
from tests.conftest import ROOT, run_cli

VALID = """
settings:
  timeout: 5
  concurrency_per_host: 2
  user_agent: test-agent
  retries: 1
resources:
  - name: Alpha
    url: https://alpha.example/
    organization: Org
    language: es
    tags: [a, b]
    feed: https://alpha.example/feed/
  - name: Beta
    url: http://beta.example/x
"""


def test_valid_file_loads_into_frozen_dataclasses():
    config = parse_config(VALID, Path("r.yaml"))
    alpha, beta = config.resources
    assert alpha.slug == "alpha" and alpha.language == "es" and alpha.tags == ("a", "b")
    assert alpha.feed == "https://alpha.example/feed/"
    assert beta.language is None and beta.tags == () and beta.feed is None
    assert config.settings.timeout == 5 and config.settings.concurrency_per_host == 2
    assert config.settings.user_agent == "test-agent" and config.settings.retries == 1
    assert config.settings.slow_ms == CrawlSettings().slow_ms
    with pytest.raises(AttributeError):
        alpha.url = "x"  # type: ignore[misc]


def test_bundled_resources_file_is_valid_and_has_the_eight_links():
    config = load_config(ROOT / "resources.yaml")
    assert len(config.resources) == 8
    assert all(r.url.startswith("https://") and r.organization and r.tags for r in config.resources)
    assert {r.language for r in config.resources} <= {"en", "es", "fr", "nl", None}


@pytest.mark.parametrize(
    "written, stored",
    [("pt", "pt"), ("PT", "pt"), ("de", "de"), ("It", "it"), ("de-AT", "de-AT"), ("en_gb", "en-GB"),
     ("zh-hant", "zh-Hant"), ("pt-XX", "pt"), ("es", "es")],
)
def test_any_language_dateparser_reads_in_any_case(written, stored):
    config = parse_config(f"resources:\n  - name: A\n    url: http://x\n    language: {written}\n", Path("r.yaml"))
    assert config.resources[0].language == stored


@pytest.mark.parametrize(
    "text, message",
    [
        ("resources:\n  - name: A\n", 'r.yaml: resource #1 "A": field \'url\': missing'),
        ("resources:\n  - name: A\n    url: ftp://x.example/\n",
         "r.yaml: resource #1 \"A\": field 'url': 'ftp://x.example/' has scheme 'ftp'; only http and https are checked"),
        ("resources:\n  - name: A\n    url: http://x\n    colour: red\n",
         "r.yaml: resource #1 \"A\": unknown field 'colour'"),
        ("resources:\n  - name: A\n    url: http://x\n    timout: 10\n",
         "r.yaml: resource #1 \"A\": unknown field 'timout': 'timeout' is a setting of the whole run: "
         "put it under 'settings:'"),
        ("resources:\n  - name: A\n    url: http://x\n  - name: a\n    url: http://y\n",
         "r.yaml: resource #2 \"a\": field 'name': duplicate of resource #1"),
        ("resources: [\n  - name: A\n", "r.yaml: invalid YAML at line 2"),
        ("resources:\n  - url: http://x\n", "r.yaml: resource #1: field 'name': missing or empty"),
        ("resources:\n  - name: A\n    url: http://x\n    language: klingon\n",
         "r.yaml: resource #1 \"A\": field 'language': 'klingon' is not a language code dateparser reads"),
        ("resources:\n  - name: A\n    url: http://x\n    language: 7\n",
         "r.yaml: resource #1 \"A\": field 'language': 7 is not a language code dateparser reads"),
        ("resources:\n  - name: A\n    url: http://x\n    feed: feed.xml\n",
         "r.yaml: resource #1 \"A\": field 'feed': 'feed.xml' is not a full URL: write it with https:// and the host"),
        ("resources:\n  - name: A\n    url: example.org/news\n",
         "r.yaml: resource #1 \"A\": field 'url': 'example.org/news' has no scheme: write 'https://example.org/news'"),
        ("settings:\n  timeout: soon\nresources:\n  - name: A\n    url: http://x\n",
         "r.yaml: settings: field 'timeout': expected a number, got 'soon'"),
        ("settings:\n  speed: 3\nresources:\n  - name: A\n    url: http://x\n",
         "r.yaml: settings: field 'speed': unknown setting"),
        ("settings:\n  retries: -1\nresources:\n  - name: A\n    url: http://x\n",
         "r.yaml: settings: field 'retries': must not be negative"),
        ("settings:\n  verify_tls: 1\nresources:\n  - name: A\n    url: http://x\n",
         "r.yaml: settings: field 'verify_tls': expected true or false"),
        ("resources: []\n", "r.yaml: 'resources:' is empty"),
        ("- just\n- a list\n", "r.yaml: expected a mapping with a 'resources:' list"),
        ("resources:\n  - name: A\n    url: http://x\nextra: 1\n", "r.yaml: unknown top-level key 'extra'"),
        ("resources:\n  - name: A\n    url: 'http://['\n", "r.yaml: resource #1 \"A\": field 'url': 'http://[' is not a valid URL"),
    ],
)
def test_errors_name_the_file_resource_and_field(text, message):
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("r.yaml"))
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    "entry, message",
    [
        ('url: "http://www.exa mple.org/some page"',
         "field 'url': 'http://www.exa mple.org/some page' is not a valid URL: "
         "host contains a forbidden code point ' ' (U+0020)"),
        ('url: "http://"', "field 'url': 'http://' is not a valid URL: empty host"),
        ('url: "https://localhost]/"',
         "field 'url': 'https://localhost]/' is not a valid URL: host contains a forbidden code point ']'"),
        ('url: "http://ex.org:99999/"',
         "field 'url': 'http://ex.org:99999/' is not a valid URL: port 99999 is out of range (0 to 65535)"),
        ('url: http://x\n    feed: "http://[::1/feed"',
         "field 'feed': 'http://[::1/feed' is not a valid URL: IPv6 address '[::1' has no closing ']'"),
        ('url: http://x\n    expect: {final_url: "https://1.2.3.256/"}',
         "field 'expect.final_url': 'https://1.2.3.256/' is not a valid URL: invalid IPv4 address '1.2.3.256'"),
        ('url: "http://ex.org/a\\tb"', "field 'url': 'http://ex.org/a\\tb' contains a tab, newline or control character"),
        ('url: "\\x01http://ex.org/"',
         "field 'url': '\\x01http://ex.org/' contains a tab, newline or control character"),
        ('url: "http:example.org/x"',
         "field 'url': 'http:example.org/x' has no host after '//'; a browser reads it as 'http://example.org/x', "
         "write that"),
        ('url: "https:///\\\\example.org"',
         "field 'url': 'https:///\\\\example.org' has no host after '//'; a browser reads it as 'https://example.org/', "
         "write that"),
    ],
)
def test_urls_are_validated_as_browsers_parse_them(entry, message):
    with pytest.raises(ConfigError) as info:
        parse_config(f"resources:\n  - name: Name\n    {entry}\n", Path("r.yaml"))
    assert str(info.value) == f'r.yaml: resource #1 "Name": {message}'


def test_webhook_urls_are_validated_too():
    text = "notify:\n  webhooks: ['https://hooks.exa mple/x']\nresources:\n  - name: A\n    url: http://x\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("r.yaml"))
    assert str(info.value) == ("r.yaml: notify: field 'webhooks': 'https://hooks.exa mple/x' is not a valid URL: "
                               "host contains a forbidden code point ' ' (U+0020)")


def test_what_the_standard_accepts_is_accepted_and_kept_as_written():
    text = ("resources:\n  - name: A\n    url: 'http://www.example.org/some page'\n"
            "    feed: 'https://B\u00fccher.example/feed'\n    expect: {final_url: 'http://0x7f.1/'}\n")
    (resource,) = parse_config(text, Path("r.yaml")).resources
    assert resource.url == "http://www.example.org/some page"  # a space in the path is percent-encoded
    assert resource.feed == "https://B\u00fccher.example/feed"
    assert resource.expect.final_url == "http://0x7f.1/"


def test_several_problems_are_listed_together():
    text = "resources:\n  - name: A\n  - name: B\n    url: gopher://x\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("r.yaml"))
    lines = str(info.value).splitlines()
    assert lines[0] == "r.yaml: 2 problems:"
    assert lines[1].startswith('  - resource #1 "A"') and lines[2].startswith('  - resource #2 "B"')


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize("command", ["run", "check-config"])
def test_cli_exits_2_with_one_message_and_no_traceback(tmp_path, command):
    bad = tmp_path / "bad.yaml"
    bad.write_text("resources:\n  - name: A\n    url: mailto:someone@example.org\n")
    result = run_cli(command, "--config", str(bad), *(["--db", str(tmp_path / "h.db")] if command == "run" else []))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"healthcrawl: error: {bad}: resource #1 \"A\": field 'url'")
    assert not (tmp_path / "h.db").exists(), "a bad config must stop the run before anything is written"


@pytest.mark.parametrize("command", ["run", "check-config"])
def test_cli_exits_2_on_a_url_no_browser_can_parse(tmp_path, command):
    bad = tmp_path / "bad.yaml"
    bad.write_text('resources:\n  - name: Name\n    url: "http://www.exa mple.org/some page"\n')
    result = run_cli(command, "--config", str(bad), *(["--db", str(tmp_path / "h.db")] if command == "run" else []))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"healthcrawl: error: {bad}: resource #1 \"Name\": field 'url': "
        "'http://www.exa mple.org/some page' is not a valid URL: host contains a forbidden code point ' ' (U+0020)")
    assert not (tmp_path / "h.db").exists()


def test_check_config_ok(tmp_path):
    result = run_cli("check-config", "--config", str(ROOT / "resources.yaml"))
    assert result.returncode == 0 and "OK, 8 resources" in result.stdout


def test_announcement_selectors_are_parsed():
    text = ("resources:\n  - name: A\n    url: http://x\n    announcements:\n"
            "      item: 'ul.news > li'\n      title: h3\n      link: 'h3 a'\n      date: time\n")
    (resource,) = parse_config(text, Path("r.yaml")).resources
    assert resource.announcements.as_dict() == {"item": "ul.news > li", "title": "h3", "link": "h3 a",
                                                "date": "time"}


@pytest.mark.parametrize("block, message", [
    ("{title: h3}", "field 'announcements': 'item' selector is required"),
    ("{item: li, colour: red}", "field 'announcements': unknown key 'colour'"),
    ("{item: 'h3['}", "field 'announcements.item': invalid CSS selector 'h3['"),
    ("[li]", "field 'announcements': expected a mapping"),
])
def test_bad_announcement_selectors(block, message):
    with pytest.raises(ConfigError) as info:
        parse_config(f"resources:\n  - name: A\n    url: http://x\n    announcements: {block}\n", Path("r.yaml"))
    assert message in str(info.value)
