"""Score announcement extraction on saved real pages against their hand-written truth.

    .venv/bin/python -m bench.announcements [--set dev|all] [--page NAME] [--verbose]
        [--by family|language|kind ...]
    python bench/announcements.py --set dev          # also runs as a plain script

The corpus lives in tests/fixtures/announcements/: the development set is the folders real/,
dev2/ to dev12/ (the acceptance sets of rounds 1 to 11, seen since and folded in). A never-seen
acceptance set, when one exists, is its own set, written from repositories and sites no
development folder uses: its scores are for the lead, not for whoever tunes the extractor.
Folders are found relative to this file, so another checkout's extractor (its own venv) can be
scored on this corpus. Each page is scored by ``crawler.extract.announcements.extract_announcements``
and by a naive baseline written here (every link in or around a heading outside nav, header
and footer), so a reader can tell a hard page from a weak extractor.

Matching: a found item matches a true item when their URLs are equal after light
normalisation (http/https, default port, trailing slash, fragment, percent-encoding case,
``utm_*`` campaign tags, and Blogger's country domains as blogspot.com: the README's
"mirrors" rule);
each true item matches at most once. Per page: recall = matched / true, precision = matched /
found, exact day = matched dated items whose day equals the truth / matched dated items.
Macro figures are the mean over pages. A page with no true items scores recall 1.0 (nothing
to miss) and precision 1.0 only if nothing was found, else 0.0; a page with true items that
returns nothing scores precision 0.0. Exit code is always 0: this prints figures, it does not
assert (tests/extract/test_real_corpus.py holds the thresholds).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "announcements"
# a set is one or more folders, each with its own truth.json and SOURCES.md
SETS: dict[str, tuple[Path, ...]] = {
    "dev": (CORPUS / "real", *(CORPUS / f"dev{n}" for n in range(2, 13))),
    "acceptance11": (CORPUS / "acceptance11",),  # round 12's never-seen set (its README)
}
FOLDERS: tuple[Path, ...] = tuple(folder for folders in SETS.values() for folder in folders)
MAX_ITEMS = 1000  # generous: the corpus measures what is found, not a display cap
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_CHROME = ("nav", "header", "footer")


# --------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class TrueItem:
    title: str
    url: str
    published: str | None  # YYYY-MM-DD


@dataclass(frozen=True)
class Page:
    set: str
    name: str
    path: Path
    url: str
    language: str
    family: str
    kind: str
    fetched_at: datetime
    items: tuple[TrueItem, ...]

    def html(self) -> bytes:
        data = self.path.read_bytes()
        return gzip.decompress(data) if self.path.name.endswith(".gz") else data


def load_truth(folder: Path) -> dict:
    return json.loads((folder / "truth.json").read_text(encoding="utf-8"))


def load_pages(which: str = "dev") -> list[Page]:
    """Pages of one set (see SETS) or of every set ("all"), in name order within a folder."""
    names = list(SETS) if which == "all" else [which]
    pages: list[Page] = []
    for set_name in names:
        for folder in SETS[set_name]:
            pages.extend(_folder_pages(set_name, folder))
    return pages


def _folder_pages(set_name: str, folder: Path) -> list[Page]:
    return [
        Page(
            set=set_name,
            name=name,
            path=folder / name,
            url=entry["url"],
            language=entry["language"],
            family=entry["family"],
            kind=entry["kind"],
            fetched_at=datetime.fromisoformat(entry["fetched_at"]),
            items=tuple(TrueItem(i["title"], i["url"], i["published"]) for i in entry["items"]),
        )
        for name, entry in sorted(load_truth(folder)["pages"].items())
    ]


# --------------------------------------------------------------------------- matching


# Blogger serves every blog on each country domain (name.blogspot.de, .com.br, .co.uk, ...) and
# marks name.blogspot.com canonical: one blog, so one host for matching.
_BLOGGER_MIRROR = re.compile(r"(?P<blog>[^.]+)\.blogspot\.(?:[a-z]{2}|com?\.[a-z]{2})")


def normalize_url(url: str) -> str:
    """The same detail page however the link spells it.

    >>> normalize_url("HTTPS://Example.org:443/a%c3%a9/b/?x=1#top")
    'http://example.org/a%C3%A9/b?x=1'
    >>> normalize_url("http://example.org/")
    'http://example.org'
    >>> normalize_url("http://someone.blogspot.de/2011/03/post.html")
    'http://someone.blogspot.com/2011/03/post.html'

    Spaces and non-ASCII letters are one URL whether written raw or escaped, as a
    browser reads them (the WHATWG parser's spelling):

    >>> normalize_url("http://ex.org/news/UB, BITRI commit") == normalize_url("http://ex.org/news/UB,%20BITRI%20commit")
    True
    >>> normalize_url("http://ex.org/medienscouts-führen") == normalize_url("http://ex.org/medienscouts-f%C3%BChren")
    True

    Campaign tags (``utm_*``) name no other page: an announcement is identified by its
    URL without them (docs/announcements.md, "New announcements"), as a feed reader does.

    >>> normalize_url("https://ex.org/a.html?utm_source=mail&id=3&utm_medium=x")
    'http://ex.org/a.html?id=3'
    """
    from crawler.extract.urls import InvalidURL, resolve_url  # the checkout being scored (see main)

    try:
        url = resolve_url(url.strip())
    except InvalidURL:
        pass
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    mirror = _BLOGGER_MIRROR.fullmatch(host)
    if mirror:
        host = f"{mirror['blog']}.blogspot.com"
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group(0).upper(), parts.path).rstrip("/")
    query = "&".join(pair for pair in parts.query.split("&") if pair and not pair.lower().startswith("utm_"))
    return urlunsplit(("http", host, path, query, ""))


def day_of(published: str | None) -> str | None:
    """YYYY-MM-DD as written: the extractor's day, not a conversion to another zone."""
    return published[:10] if published else None


@dataclass
class Score:
    true: int = 0
    found: int = 0
    matched: int = 0
    dated: int = 0  # matched items whose truth has a date
    day_ok: int = 0
    missed: list[TrueItem] = field(default_factory=list)
    extra: list[tuple[str, str | None]] = field(default_factory=list)
    wrong_day: list[tuple[TrueItem, str | None]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched / self.true if self.true else 1.0

    @property
    def precision(self) -> float:
        if self.found:
            return self.matched / self.found
        return 1.0 if self.true == 0 else 0.0

    @property
    def day_accuracy(self) -> float | None:
        return self.day_ok / self.dated if self.dated else None


def score(truth: Iterable[TrueItem], found: Iterable[tuple[str, str | None]]) -> Score:
    """Match found (url, published) pairs to the true items by normalised URL."""
    truth = list(truth)
    result = Score(true=len(truth))
    open_items: dict[str, list[TrueItem]] = {}
    for item in truth:
        open_items.setdefault(normalize_url(item.url), []).append(item)
    for url, published in found:
        result.found += 1
        candidates = open_items.get(normalize_url(url))
        if not candidates:
            result.extra.append((url, published))
            continue
        item = candidates.pop(0)
        result.matched += 1
        if item.published:
            result.dated += 1
            if day_of(published) == item.published:
                result.day_ok += 1
            else:
                result.wrong_day.append((item, published))
    result.missed = [i for items in open_items.values() for i in items]
    return result


# --------------------------------------------------------------------------- extractors


def extractor_items(page: Page) -> list[tuple[str, str | None]]:
    from crawler.extract.announcements import extract_announcements

    items = extract_announcements(page.html(), page.url, language=None, fetched_at=page.fetched_at, max_items=MAX_ITEMS)
    return [(a.url or "", a.published) for a in items]


def baseline_items(page: Page) -> list[tuple[str, str | None]]:
    """Every link in or around a heading outside nav/header/footer; no dates."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.html(), "lxml")
    base_tag = soup.find("base", href=True)
    base = urljoin(page.url, str(base_tag["href"])) if base_tag else page.url
    seen: set[str] = set()
    found: list[tuple[str, str | None]] = []
    for heading in soup.find_all(_HEADINGS):
        if heading.find_parent(_CHROME):
            continue
        link = heading.find("a", href=True) or heading.find_parent("a", href=True)
        if link is None:
            continue
        href = str(link["href"]).strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = urljoin(base, href)
        if url not in seen:
            seen.add(url)
            found.append((url, None))
    return found


# --------------------------------------------------------------------------- report


@dataclass
class Row:
    page: Page
    score: Score
    seconds: float
    error: str | None = None


def evaluate(pages: list[Page], extract: Callable[[Page], list[tuple[str, str | None]]]) -> list[Row]:
    rows = []
    for page in pages:
        started = time.perf_counter()
        try:
            found, error = extract(page), None
        except Exception as exc:  # a crash on one page is a figure, not the end of the run
            found, error = [], f"{type(exc).__name__}: {exc}"
        rows.append(Row(page, score(page.items, found), time.perf_counter() - started, error))
    return rows


@dataclass(frozen=True)
class Summary:
    pages: int
    macro_recall: float
    macro_precision: float
    micro_recall: float
    micro_precision: float
    day_accuracy: float | None
    empty_pages: tuple[str, ...]  # pages with >= 3 true items that returned none


def summarize(rows: list[Row]) -> Summary:
    n = len(rows) or 1
    true = sum(r.score.true for r in rows)
    found = sum(r.score.found for r in rows)
    matched = sum(r.score.matched for r in rows)
    dated = sum(r.score.dated for r in rows)
    return Summary(
        pages=len(rows),
        macro_recall=sum(r.score.recall for r in rows) / n,
        macro_precision=sum(r.score.precision for r in rows) / n,
        micro_recall=matched / true if true else 1.0,
        micro_precision=matched / found if found else (1.0 if true == 0 else 0.0),
        day_accuracy=sum(r.score.day_ok for r in rows) / dated if dated else None,
        empty_pages=tuple(r.page.name for r in rows if r.score.true >= 3 and r.score.found == 0),
    )


def _pct(value: float | None) -> str:
    return "   -" if value is None else f"{value:4.2f}"


def print_table(title: str, rows: list[Row], verbose: bool, out=sys.stdout) -> Summary:
    print(f"\n== {title}", file=out)
    print(f"{'page':44} {'true':>4} {'found':>5} {'match':>5} {'recall':>6} {'prec':>5} {'day':>5}", file=out)
    for r in rows:
        s = r.score
        note = f"  ERROR {r.error}" if r.error else ""
        print(
            f"{r.page.name:44} {s.true:4d} {s.found:5d} {s.matched:5d} {_pct(s.recall):>6} "
            f"{_pct(s.precision):>5} {_pct(s.day_accuracy):>5}{note}",
            file=out,
        )
        if verbose:
            for item in s.missed:
                print(f"      missed  {item.published or '-':10} {item.title[:60]!r} {item.url}", file=out)
            for url, published in s.extra:
                print(f"      extra   {day_of(published) or '-':10} {url}", file=out)
            for item, published in s.wrong_day:
                print(f"      day     {item.published} != {day_of(published)} {item.url}", file=out)
    summary = summarize(rows)
    print(
        f"OVERALL {title}: pages {summary.pages}  macro recall {summary.macro_recall:.3f}  "
        f"macro precision {summary.macro_precision:.3f}  micro recall {summary.micro_recall:.3f}  "
        f"micro precision {summary.micro_precision:.3f}  exact day {_pct(summary.day_accuracy)}  "
        f"empty pages (>=3 true, none found) {len(summary.empty_pages)}: {', '.join(summary.empty_pages) or '-'}",
        file=out,
    )
    return summary


GROUP_KEYS = ("family", "language", "kind")


def group_rows(rows: list[Row], key: str) -> dict[str, list[Row]]:
    """Rows by one truth field of their page (family, language or kind), largest group first."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(getattr(row.page, key)), []).append(row)
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def print_groups(key: str, scored: dict[str, list[Row]], out=sys.stdout) -> None:
    """Macro figures per group, one column block per scored extractor (rows in the same page order)."""
    names = list(scored)
    first = scored[names[0]]
    print(f"\n== by {key}", file=out)
    header = f"{key:24} {'pages':>5} {'true':>5}"
    for name in names:
        header += f"  {name + ' recall':>16} {'prec':>5} {'day':>5}"
    print(header, file=out)
    by_name = {name: group_rows(rows, key) for name, rows in scored.items()}
    for group, group_first in group_rows(first, key).items():
        line = f"{group:24} {len(group_first):5d} {sum(r.score.true for r in group_first):5d}"
        for name in names:
            summary = summarize(by_name[name][group])
            line += f"  {summary.macro_recall:16.3f} {summary.macro_precision:5.3f} {_pct(summary.day_accuracy):>5}"
        print(line, file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*SETS, "all"], default="dev")
    parser.add_argument("--page", help="score one page (file name, with or without extension)")
    parser.add_argument("--verbose", action="store_true", help="list missed and extra items per page")
    parser.add_argument(
        "--by",
        action="append",
        choices=GROUP_KEYS,
        default=[],
        help="after the overall lines, macro figures per family, language or kind (repeatable)",
    )
    args = parser.parse_args(argv)
    pages = load_pages(args.set)
    if args.page:
        pages = [p for p in pages if p.name == args.page or p.name.split(".")[0] == args.page]
        if not pages:
            print(f"no page named {args.page!r} in set {args.set}")
            return 0
    started, started_cpu = time.perf_counter(), time.process_time()
    extractor_rows = evaluate(pages, extractor_items)
    extractor_seconds = time.perf_counter() - started
    # CPU as well as wall time: on a machine shared with other jobs, wall time says more
    # about the neighbours than about the extractor.
    extractor_cpu = time.process_time() - started_cpu
    print_table(f"extractor ({args.set})", extractor_rows, args.verbose)
    baseline_rows = evaluate(pages, baseline_items)
    print_table(f"naive baseline ({args.set})", baseline_rows, args.verbose)
    for key in args.by:
        print_groups(key, {"extractor": extractor_rows, "baseline": baseline_rows})
    print(f"\nextractor time on {len(pages)} pages: {extractor_seconds:.2f} s (CPU {extractor_cpu:.2f} s)")
    return 0


if __name__ == "__main__":
    if __package__ in (None, ""):
        # run as a plain script: import the crawler of the interpreter's checkout, else this one
        try:
            import crawler  # noqa: F401
        except ImportError:
            sys.path.insert(0, str(ROOT))
    try:
        sys.exit(main())
    except BrokenPipeError:  # piped into head or awk: the reader has what it wanted
        sys.stdout = None
        sys.exit(0)
