"""The real-page corpus of issue 19: its integrity, and the extractor's score on it.

The "dev" set (folders real/ and dev2/ to dev12/: tuned on, the last eleven being earlier
rounds' acceptance sets, seen since) and, when one exists, a never-seen acceptance set (whoever
tunes the extractor does not read its pages or per-page scores, so its assertions name no page).
Every page is extracted once per module (a module-scoped fixture per set). The threshold tests
are the issue's "done when": the dev one must pass; an acceptance one stays a strict xfail until
the lead removes its mark.
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
    normalize_url,
    summarize,
)

LANGUAGES = {"en", "es", "fr", "nl", "de", "it", "pt"}  # every set has all seven (the issue's)
# further languages a page may be in (an acceptance set needs at least one beyond the seven)
KNOWN_LANGUAGES = LANGUAGES | {"ca", "cs", "da", "fi", "id", "ja", "nb", "pl", "ro", "sv"}
KINDS = {"news", "blog", "press", "events", "none"}
MIN_PAGES = {"dev": 362, "acceptance11": 25}
# sets that judge the extractor: never tuned on, no source shared with development
ACCEPTANCE_SETS = sorted(set(SETS) - {"dev"})


@pytest.fixture(scope="module")
def pages() -> dict[str, list[Page]]:
    return {set_name: load_pages(set_name) for set_name in SETS}


@pytest.fixture(scope="module")
def all_pages(pages: dict[str, list[Page]]) -> list[Page]:
    return [page for set_pages in pages.values() for page in set_pages]


# --------------------------------------------------------------------------- integrity


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_page_has_a_truth_and_every_truth_a_page(folder: Path) -> None:
    on_disk = {p.name for p in folder.iterdir() if p.name.endswith((".html", ".html.gz"))}
    assert on_disk == set(load_truth(folder)["pages"])


@pytest.mark.parametrize("set_name", sorted(SETS))
def test_every_set_has_its_minimum_of_pages(set_name: str, pages: dict[str, list[Page]]) -> None:
    assert len(pages[set_name]) >= MIN_PAGES[set_name]


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


def _sources(folder: Path) -> dict[str, str]:
    """Page name -> repository, from a folder's SOURCES.md."""
    rows = [line for line in (folder / "SOURCES.md").read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    cells = [[c.strip() for c in row.split("|")[1:-1]] for row in rows[2:]]
    return {c[0]: c[1] for c in cells}


def test_items_have_absolute_urls_and_valid_dates(all_pages: list[Page]) -> None:
    for page in all_pages:
        assert urlsplit(page.url).scheme in ("http", "https"), page.name
        assert page.language in KNOWN_LANGUAGES and page.kind in KINDS, page.name
        assert page.fetched_at.tzinfo is not None, page.name
        assert (page.kind == "none") == (not page.items), page.name
        for item in page.items:
            parts = urlsplit(item.url)
            assert parts.scheme in ("http", "https") and parts.netloc, (page.name, item.url)
            assert item.title.strip(), (page.name, item.url)
            if item.published is not None:
                day = date.fromisoformat(item.published)  # raises on a malformed date
                assert day <= page.fetched_at.date(), (page.name, item.url)
        # the scorer matches each URL once: two true items on one detail page could never both match
        urls = [normalize_url(item.url) for item in page.items]
        assert len(urls) == len(set(urls)), f"{page.name}: an item is listed twice"


def test_pages_parse_as_html(all_pages: list[Page]) -> None:
    for page in all_pages:
        head = page.html()[:4096].lower()
        assert b"<html" in head or b"<!doctype" in head or b"<head" in head, page.name


@pytest.mark.parametrize("set_name", sorted(SETS))
def test_every_set_meets_the_issue_minimums(set_name: str, pages: dict[str, list[Page]]) -> None:
    set_pages = pages[set_name]
    assert {p.language for p in set_pages} >= LANGUAGES
    families = Counter(p.family for p in set_pages)
    assert len(families) >= 8, families
    # precision is measured too: pages with nothing to announce; recall on listings without dates;
    # and the "no page with 3+ true items returns none" rule needs such pages
    least_none = 3 if set_name == "dev" else 4
    assert sum(p.kind == "none" for p in set_pages) >= least_none
    assert any(p.items and not any(i.published for i in p.items) for p in set_pages)
    assert sum(len(p.items) >= 3 for p in set_pages) >= len(set_pages) // 2
    names = [p.name for p in set_pages]
    assert len(names) == len(set(names)), "a page name is used in two folders"


@pytest.mark.parametrize("set_name", ACCEPTANCE_SETS)
def test_acceptance_set_is_varied(set_name: str, pages: dict[str, list[Page]]) -> None:
    """Round 2's acceptance set was half Hugo: a set that judges the extractor spreads its pages."""
    set_pages = pages[set_name]
    families = Counter(p.family for p in set_pages)
    assert len(families) >= 10, families
    assert max(families.values()) * 4 <= len(set_pages), f"a family holds over a quarter: {families}"
    assert len({p.language for p in set_pages}) >= 8
    assert sum(1 <= len(p.items) <= 2 for p in set_pages) >= 3  # pages of one or two items
    assert sum(p.kind == "none" for p in set_pages) >= 5


@pytest.mark.parametrize("set_name", ACCEPTANCE_SETS)
def test_acceptance_shares_no_source_with_dev(set_name: str, pages: dict[str, list[Page]]) -> None:
    """Acceptance pages come from repositories and sites that no other set (development or acceptance) used."""

    def site(url: str) -> str:
        return (urlsplit(url).hostname or "").removeprefix("www.")

    local = {"localhost", "127.0.0.1", "example.org"}
    others = [p for name, set_pages in pages.items() if name != set_name for p in set_pages]
    other_sites = {site(p.url) for p in others} | {site(i.url) for p in others for i in p.items}
    acceptance_sites = {site(p.url) for p in pages[set_name]} - local
    assert not (other_sites - local) & acceptance_sites, (
        "an acceptance page's site is another set's page's or item's site"
    )
    other_folders = [folder for name, folders in SETS.items() if name != set_name for folder in folders]
    other_repos = {repo.lower() for folder in other_folders for repo in _sources(folder).values()}
    acceptance_repos = {repo.lower() for folder in SETS[set_name] for repo in _sources(folder).values()}
    assert not other_repos & acceptance_repos, "an acceptance page comes from a repository another set uses"


# --------------------------------------------------------------------------- thresholds


@pytest.fixture(scope="module")
def rows(pages: dict[str, list[Page]]) -> dict[str, list[Row]]:
    return {set_name: evaluate(set_pages, extractor_items) for set_name, set_pages in pages.items()}


def _assert_meets_issue_19(
    summary: Summary, set_rows: list[Row], *, name_pages: bool, known_empty: tuple[str, ...] = ()
) -> None:
    """The issue's thresholds; on the acceptance set the message gives figures, never page names.

    ``known_empty``: pages of 3+ items known to give nothing, named so that every other
    figure still guards against regressions; a new empty page, or one of them fixed, fails."""
    errors = [r.page.name for r in set_rows if r.error]
    figures = (
        f"macro recall {summary.macro_recall:.3f}, macro precision {summary.macro_precision:.3f}, "
        f"exact day {summary.day_accuracy}, crashed {len(errors)}, empty pages {len(summary.empty_pages)}"
    )
    detail = f"{figures}; crashed {errors}; empty {list(summary.empty_pages)}" if name_pages else figures
    assert not errors, detail
    assert summary.macro_recall >= 0.90, detail
    assert summary.macro_precision >= 0.95, detail
    assert summary.day_accuracy is not None and summary.day_accuracy >= 0.97, detail
    assert summary.empty_pages == known_empty, detail


# issue 19 round 8: three undated event cards (an unlinked heading, a picture, a venue and a
# "Read more" each) that look like the page's service boxes; still a silent miss, named here.
# Round 11: dev11 (round 10's acceptance set) brought four more; one was fixed (a bare list
# of posts named by their day). Still silent: a press mirror whose links are bare URLs
# (selmableibt), press clippings each a picture and an outlet's name (gremioactivo), and a
# university home whose masthead swallows the page when parsed, four faculty tabs inside
# (sorbonne). Round 12: dev12 (round 11's acceptance set) brought no new one, and these
# three and Gdańsk's cards remain (each needs a kind of its own: links written as bare URLs
# after an outlet's name, in paragraphs the page reads as one article).
DEV_KNOWN_EMPTY = (
    "pl_openhousegdansk_wydarzenia.html.gz",
    "de_selmableibt_presse.html.gz",
    "es_gremioactivo_noticias.html.gz",
    "fr_sorbonne_home.html.gz",
)


def test_dev_set_meets_issue_19_thresholds(rows: dict[str, list[Row]]) -> None:
    _assert_meets_issue_19(summarize(rows["dev"]), rows["dev"], name_pages=True, known_empty=DEV_KNOWN_EMPTY)


@pytest.mark.parametrize("set_name", ACCEPTANCE_SETS)
@pytest.mark.xfail(strict=True, reason="issue 19: acceptance on never-seen pages; the lead removes this mark")
def test_acceptance_set_meets_issue_19_thresholds(set_name: str, rows: dict[str, list[Row]]) -> None:
    _assert_meets_issue_19(summarize(rows[set_name]), rows[set_name], name_pages=False)


def test_no_page_crashes_the_extractor(rows: dict[str, list[Row]]) -> None:
    """Whatever its score, the extractor returns a list for every saved page."""
    assert [r.page.name for r in rows["dev"] if r.error] == []
    for set_name in ACCEPTANCE_SETS:
        # acceptance pages are not named here: the lead runs bench.announcements --set <name>
        assert sum(1 for r in rows[set_name] if r.error) == 0, f"a page of {set_name} crashes the extractor"


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


def test_scorer_folds_blogger_country_domains_only() -> None:
    """The README's "mirrors" rule: name.blogspot.<cc> is name.blogspot.com; no other host is folded."""
    assert normalize_url("http://a.blogspot.de/p.html") == normalize_url("https://a.blogspot.com/p.html")
    assert normalize_url("http://a.blogspot.com.br/p.html") == normalize_url("http://a.blogspot.com/p.html")
    assert normalize_url("http://a.blogspot.de/p.html") != normalize_url("http://b.blogspot.com/p.html")
    assert normalize_url("http://www.ex.org/p") != normalize_url("http://ex.org/p")
    assert normalize_url("http://blogspot.de/p") != normalize_url("http://blogspot.com/p")


def test_corpus_stays_small() -> None:
    total = sum(p.stat().st_size for folder in FOLDERS for p in folder.iterdir())
    assert total < 15_000_000
