"""The docs keep up with the code, in the manner of sqlite-utils' tests/test_docs.py.

Everything is enumerated from the code, never from a list written here: the
commands and options from the argparse parser `crawler.cli.build_parser()` builds,
the keys of resources.yaml from the dataclasses `crawler.core.config` loads into
(and the loader's own sets of allowed keys), the HEALTH_ settings from the Scrapy
settings module, the tables from a database the migrations just built, and the
modules from the tree. Each must appear in its place in docs/: an option as a row of
its command's table in docs/cli.md, a key as a row of its block's table in
docs/configuration.md. A failure names what is missing and where it belongs.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawler import __version__
from crawler.cli import build_parser
from crawler.core import config as config_module
from crawler.core.config import (
    DURATION_SETTINGS,
    AnnouncementSelectors,
    CrawlSettings,
    Expectation,
    Notify,
    Resource,
)
from crawler.core.maintenance import MaintenanceWindow
from crawler.core.timeutil import parse_duration
from crawler.crawl import settings as scrapy_settings
from crawler.store.database import Store
from tests.conftest import ROOT

DOCS = ROOT / "docs"


# -- reading the docs ---------------------------------------------------------------------------


@cache
def doc(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


@cache
def sections(name: str) -> dict[str, str]:
    """Each heading of a Markdown file (text without '#' and backticks) -> its body,
    down to the next heading of the same or a higher level. Fenced code is not a heading."""
    found: dict[str, str] = {}
    open_: list[tuple[int, str, list[str]]] = []
    fenced = False
    for line in doc(name).splitlines():
        if line.startswith("```"):
            fenced = not fenced
        heading = None if fenced else re.match(r"(#+)\s+(.*)", line)
        if heading:
            level = len(heading[1])
            while open_ and open_[-1][0] >= level:
                _, title, body = open_.pop()
                found[title] = "\n".join(body)
            open_.append((level, heading[2].replace("`", "").strip(), []))
        for _, _, body in open_:
            body.append(line)
    for _, title, body in open_:
        found[title] = "\n".join(body)
    return found


def section(name: str, heading: str) -> str:
    body = sections(name).get(heading)
    assert body is not None, f"{name} has no heading {heading!r} (headings: {sorted(sections(name))})"
    return body


def table_row(body: str, term: str) -> str | None:
    """The table row whose first cell names `term` in backticks (`term` or `term ARG`)."""
    pattern = re.compile(rf"^\|[^|\n]*`{re.escape(term)}[` ][^\n]*$", re.MULTILINE)
    match = pattern.search(body)
    return match[0] if match else None


def cells(row: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip().strip("|"))]


# -- the command line ---------------------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return {name: sub for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name, sub in action.choices.items()}


def _options() -> list[tuple[str, str]]:
    """(heading in docs/cli.md, option string) for every option of the parser and of
    every command, short and long spellings alike."""
    parser = build_parser()
    found = [("healthcrawl", option) for action in parser._actions for option in action.option_strings]
    for name, sub in _subcommands(parser).items():
        found += [(f"healthcrawl {name}", option) for action in sub._actions for option in action.option_strings]
    return found


def _choices() -> list[tuple[str, str, str]]:
    """(heading, option, choice) for every option with fixed choices (--format json|csv)."""
    return [(f"healthcrawl {name}", action.option_strings[-1], str(choice))
            for name, sub in _subcommands(build_parser()).items()
            for action in sub._actions if action.option_strings and action.choices
            for choice in action.choices]


COMMANDS = sorted(_subcommands(build_parser()))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_section_in_cli_md(command):
    section("docs/cli.md", f"healthcrawl {command}")


@pytest.mark.parametrize(("heading", "option"), _options())
def test_every_option_is_documented(heading, option):
    row = table_row(section("docs/cli.md", heading), option)
    assert row is not None, f"docs/cli.md, {heading!r}: no table row for {option}"


@pytest.mark.parametrize(("heading", "option", "choice"), _choices())
def test_every_choice_is_documented(heading, option, choice):
    row = table_row(section("docs/cli.md", heading), option) or ""
    assert re.search(rf"\b{re.escape(choice)}\b", row), \
        f"docs/cli.md, {heading!r}: the {option} row does not name {choice!r}"


# -- resources.yaml -----------------------------------------------------------------------------


def _keys(cls: type) -> list[dataclasses.Field[Any]]:
    return list(dataclasses.fields(cls))


# heading in docs/configuration.md -> the dataclass its block is loaded into
BLOCKS: dict[str, type] = {
    "settings:": CrawlSettings,
    "resources:": Resource,
    "expect:": Expectation,
    "maintenance:": MaintenanceWindow,
    "announcements:": AnnouncementSelectors,
    "notify:": Notify,
}


def _config_keys() -> list[tuple[str, str]]:
    found = [("Top-level keys", key) for key in sorted(config_module._TOP_KEYS)]
    for heading, cls in BLOCKS.items():
        found += [(heading, field.name) for field in _keys(cls)]
    return found


def test_the_blocks_are_what_the_loader_accepts():
    """The dataclasses stand for what the loader allows: if it starts accepting a key
    that is not a field (or stops accepting a field), this enumeration must change."""
    assert config_module._RESOURCE_KEYS == {f.name for f in _keys(Resource)}
    assert set(config_module._SELECTOR_KEYS) == {f.name for f in _keys(AnnouncementSelectors)}
    assert set(config_module._SETTINGS_TYPES) == {f.name for f in _keys(CrawlSettings)}
    assert config_module._TOP_KEYS == {f.name for f in _keys(config_module.Config)} - {"path"}


@pytest.mark.parametrize(("heading", "key"), _config_keys())
def test_every_config_key_is_documented(heading, key):
    row = table_row(section("docs/configuration.md", heading), key)
    assert row is not None, f"docs/configuration.md, {heading!r}: no table row for {key}"


def _defaults() -> list[tuple[str, str, Any]]:
    """(heading, key, default) for every key whose default is a number or a boolean."""
    return [(heading, field.name, field.default) for heading, cls in BLOCKS.items() for field in _keys(cls)
            if isinstance(field.default, int | float) and field.default is not dataclasses.MISSING]


@pytest.mark.parametrize(("heading", "key", "default"), _defaults())
def test_documented_defaults_are_the_code_defaults(heading, key, default):
    row = table_row(section("docs/configuration.md", heading), key)
    assert row is not None, f"docs/configuration.md, {heading!r}: no table row for {key}"
    written = cells(row)[1].strip("`")
    if isinstance(default, bool):
        assert written == str(default).lower(), f"{key}: the docs say {written!r}, the code {default!r}"
    elif heading == "settings:" and key in DURATION_SETTINGS:  # a period, written with its unit
        assert parse_duration(written) / DURATION_SETTINGS[key] == default, \
            f"{key}: the docs say {written!r}, the code {default!r}"
    else:
        assert float(written) == default, f"{key}: the docs say {written!r}, the code {default!r}"


def test_the_documented_user_agent_is_the_default():
    row = table_row(section("docs/configuration.md", "settings:"), "user_agent")
    written = cells(row or "| | |")[1].strip("`")
    assert written.replace("VERSION", __version__) == CrawlSettings().user_agent


def _health_settings() -> list[str]:
    """Every HEALTH_ setting: those the settings module declares, and those any module
    reads or sets by name (some exist only at run time, e.g. a worker's run token)."""
    declared = {name for name in vars(scrapy_settings) if name.startswith("HEALTH_")}
    sources = [*ROOT.glob("crawler/**/*.py"), *ROOT.glob("spiders/*.py")]
    named = {name for path in sources for name in re.findall(r"[\"'](HEALTH_[A-Z_]+)[\"']", path.read_text())}
    return sorted(declared | named)


@pytest.mark.parametrize("name", _health_settings())
def test_every_health_setting_is_documented(name):
    row = table_row(section("docs/configuration.md", "Scrapy settings"), name)
    assert row is not None, f"docs/configuration.md, 'Scrapy settings': no table row for {name}"


# -- the database -------------------------------------------------------------------------------

FTS_SHADOW = re.compile(r"_fts_(data|idx|docsize|config)$")  # SQLite's own tables behind an FTS5 index


@cache
def _tables() -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "health.db") as store:
        names = store.db.table_names()
    return sorted(name for name in names if not FTS_SHADOW.search(name))


@pytest.mark.parametrize("table", _tables())
def test_every_table_is_documented(table):
    row = table_row(section("docs/outputs.md", "The database"), table)
    assert row is not None, f"docs/outputs.md, 'The database': no table row for {table}"


# -- metrics.prom -------------------------------------------------------------------------------


def _metrics() -> list[str]:
    """The metric names metrics.prom can hold, from the collector itself (every family
    is written, with or without samples)."""
    from prometheus_client import generate_latest

    from crawler.report.metrics import build_registry

    empty = {"run": None, "summary": {}, "resources": []}
    text = generate_latest(build_registry(empty, [])).decode()
    return sorted(re.findall(r"^# TYPE (\S+) ", text, re.MULTILINE))


@pytest.mark.parametrize("metric", _metrics())
def test_every_metric_is_documented(metric):
    row = table_row(section("docs/metrics-and-progress.md", "metrics.prom: Prometheus metrics"), metric)
    assert row is not None, f"docs/metrics-and-progress.md: no table row for {metric}"


# -- the architecture ---------------------------------------------------------------------------


def _modules() -> list[str]:
    files = [*ROOT.glob("crawler/**/*.py"), *ROOT.glob("spiders/*.py")]
    return sorted(str(path.relative_to(ROOT)) for path in files if path.name != "__init__.py")


@pytest.mark.parametrize("module", _modules())
def test_every_module_has_a_line_in_the_architecture(module):
    assert table_row(doc("docs/architecture.md"), module) is not None, \
        f"docs/architecture.md: no table row for {module}"


def test_the_diagram_follows_the_import_contract():
    """The Mermaid diagram names the layers of [tool.importlinter] in their order."""
    contract = tomllib.loads(doc("pyproject.toml"))["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contract if c["type"] == "layers")
    diagram = re.search(r"```mermaid\n(.*?)```", doc("docs/architecture.md"), re.DOTALL)
    assert diagram is not None, "docs/architecture.md has no mermaid diagram"
    nodes = re.findall(r'^\s*\w+\["([\w.]+)', diagram[1], re.MULTILINE)
    expected = [name.strip() for layer in layers for name in layer.split("|")]
    assert sorted(nodes) == sorted(expected), "the diagram's boxes are not the contract's layers"
    rank = {name.strip(): index for index, layer in enumerate(layers) for name in layer.split("|")}
    assert [rank[node] for node in nodes] == sorted(rank[node] for node in nodes), \
        f"the diagram lists the layers out of the contract's order: {nodes}"


# -- links and paths ----------------------------------------------------------------------------

PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in DOCS.glob("*.md"))]
_PATH = re.compile(r"`((?:crawler|spiders|tests|bench|scripts|docs)/[\w./-]*)`")


def _links() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        text = re.sub(r"```.*?```", "", doc(page), flags=re.DOTALL)
        found += [(page, target) for target in re.findall(r"\]\(([^)\s]+)\)", text)
                  if not re.match(r"[a-z]+:", target)]
    return found


@pytest.mark.parametrize(("page", "target"), _links())
def test_links_between_the_docs_resolve(page, target):
    path, _, anchor = target.partition("#")
    file = (ROOT / page).parent / path if path else ROOT / page
    assert file.exists(), f"{page}: link to {target}, and there is no {file.relative_to(ROOT)}"
    if anchor and file.suffix == ".md":
        slugs = {_slug(title) for title in sections(str(file.resolve().relative_to(ROOT)))}
        assert anchor in slugs, f"{page}: link to {target}, and {path or page} has no heading #{anchor}"


def _slug(title: str) -> str:
    """GitHub's anchor for a heading.

    >>> _slug("status.json"), _slug("healthcrawl check-config"), _slug("Tests")
    ('statusjson', 'healthcrawl-check-config', 'tests')
    """
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _paths() -> list[tuple[str, str]]:
    return sorted({(page, path.rstrip("/.")) for page in PAGES for path in _PATH.findall(doc(page))
                   if "<" not in path and "*" not in path})


@pytest.mark.parametrize(("page", "path"), _paths())
def test_paths_named_in_the_docs_exist(page, path):
    assert (ROOT / path).exists(), f"{page} names {path}, which does not exist"


def test_the_readme_stays_short():
    assert len(doc("README.md").splitlines()) < 200, "the reference belongs in docs/"
