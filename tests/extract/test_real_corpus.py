"""The real-page corpus of issue 19: its integrity, and the extractor's score on it.

Every page is extracted once per module (a module-scoped fixture per set). The threshold tests
are the issue's "done when"; they are strict xfails until the rebuilt extractor meets them.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.announcements import (
    FOLDERS,
    SETS,
    Page,
    Row,
    Summary,
    evaluate,
    extractor_items,
    load_pages,
    load_truth,
    summarize,
)

LANGUAGES = {"en", "es", "fr", "nl", "de", "it", "pt"}
KINDS = {"news", "blog", "press", "events", "none"}
MIN_PAGES = {"dev": 56}


@pytest.fixture(scope="module")
def dev_pages() -> list[Page]:
    return load_pages("dev")


@pytest.fixture(scope="module")
def all_pages(dev_pages: list[Page]) -> list[Page]:
    return dev_pages


# --------------------------------------------------------------------------- integrity


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_page_has_a_truth_and_every_truth_a_page(folder: Path) -> None:
    on_disk = {p.name for p in folder.iterdir() if p.name.endswith((".html", ".html.gz"))}
    assert on_disk == set(load_truth(folder)["pages"])


@pytest.mark.parametrize("set_name", sorted(SETS))
def test_every_set_has_its_minimum_of_pages(set_name: str) -> None:
    assert len(load_pages(set_name)) >= MIN_PAGES[set_name]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_page_is_listed_in_sources(folder: Path) -> None:
    rows = [line for line in (folder / "SOURCES.md").read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    listed = {row.split("|")[1].strip() for row in rows}
    for name in load_truth(folder)["pages"]:
        assert name in listed, f"{name} missing from {folder.name}/SOURCES.md"
    for row in rows[1:]:
        cells = [c.strip() for c in row.split("|")[1:-1]]
        if cells[0] in listed and cells[0] != "page" and not set(cells[0]) <= {"-"}:
            repo, path, commit, licence = cells[1:5]
            assert re.fullmatch(r"[\w.-]+/[\w.-]+", repo) and path and licence, row
            assert re.fullmatch(r"[0-9a-f]{40}", commit), row


def test_items_have_absolute_urls_and_valid_dates(all_pages: list[Page]) -> None:
    for page in all_pages:
        assert urlsplit(page.url).scheme in ("http", "https"), page.name
        assert page.language in LANGUAGES and page.kind in KINDS, page.name
        assert page.fetched_at.tzinfo is not None, page.name
        assert (page.kind == "none") == (not page.items), page.name
        for item in page.items:
            parts = urlsplit(item.url)
            assert parts.scheme in ("http", "https") and parts.netloc, (page.name, item.url)
            assert item.title.strip(), (page.name, item.url)
            if item.published is not None:
                day = date.fromisoformat(item.published)  # raises on a malformed date
                assert day <= page.fetched_at.date(), (page.name, item.url)
        urls = [item.url for item in page.items]
        assert len(urls) == len(set(urls)), f"{page.name}: an item is listed twice"


def test_pages_parse_as_html(all_pages: list[Page]) -> None:
    for page in all_pages:
        head = page.html()[:4096].lower()
        assert b"<html" in head or b"<!doctype" in head or b"<head" in head, page.name


def test_corpus_meets_the_issue_minimums(dev_pages: list[Page]) -> None:
    assert {p.language for p in dev_pages} >= LANGUAGES
    families = Counter(p.family for p in dev_pages)
    assert len(families) >= 8, families
    # precision is measured too: pages with nothing to announce, and listings without dates
    assert sum(p.kind == "none" for p in dev_pages) >= 3
    assert any(p.items and not any(i.published for i in p.items) for p in dev_pages)
    names = [p.name for p in dev_pages]
    assert len(names) == len(set(names)), "a page name is used in two folders"


# --------------------------------------------------------------------------- thresholds


@pytest.fixture(scope="module")
def dev_rows(dev_pages: list[Page]) -> list[Row]:
    return evaluate(dev_pages, extractor_items)


def _assert_meets_issue_19(summary: Summary, rows: list[Row]) -> None:
    errors = [f"{r.page.name}: {r.error}" for r in rows if r.error]
    assert not errors, errors
    assert summary.macro_recall >= 0.90, summary
    assert summary.macro_precision >= 0.95, summary
    assert summary.day_accuracy is not None and summary.day_accuracy >= 0.97, summary
    assert summary.empty_pages == (), summary


@pytest.mark.xfail(strict=True, reason="issue 19: the extractor is being rebuilt")
def test_dev_set_meets_issue_19_thresholds(dev_rows: list[Row]) -> None:
    _assert_meets_issue_19(summarize(dev_rows), dev_rows)


def test_no_page_crashes_the_extractor(dev_rows: list[Row]) -> None:
    """Whatever its score, the extractor returns a list for every saved page."""
    assert [r.page.name for r in dev_rows if r.error] == []


def test_scorer_matches_by_normalised_url_once() -> None:
    from bench.announcements import TrueItem, score

    truth = [TrueItem("A", "https://ex.org/a/", "2024-02-28"), TrueItem("B", "https://ex.org/b%c3%a9", None)]
    result = score(
        truth,
        [
            ("http://ex.org:80/a#x", "2024-02-28T00:00:00+01:00"),
            ("https://ex.org/a", None),
            ("https://EX.org/b%C3%A9", None),
        ],
    )
    assert (result.true, result.found, result.matched, result.dated, result.day_ok) == (2, 3, 2, 1, 1)
    assert result.extra == [("https://ex.org/a", None)]
    assert score([], []).precision == 1.0 and score([], [("https://ex.org/", None)]).precision == 0.0
    assert score(truth, []).precision == 0.0 and score(truth, []).recall == 0.0


def test_corpus_stays_small() -> None:
    total = sum(p.stat().st_size for folder in FOLDERS for p in folder.iterdir())
    assert total < 15_000_000
