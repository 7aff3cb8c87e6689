"""The publisher's calendar day (issue 19, item 6): every consumer of a stored `published`
(the store, search --since, export --since, Atom, digests) agrees on the day the page showed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.core.config import parse_config
from crawler.report.atom import atom_published
from crawler.report.digest import _when
from crawler.report.exports import filter_announcements
from crawler.report.search import search
from crawler.store.database import Store

CONFIG = parse_config("resources:\n  - name: Tokyo\n    url: http://tokyo.example/\n", Path("resources.yaml"))
# Shown on the page on the 15th; as UTC instants the first is on the 14th, the last on the 16th.
ON_THE_15TH = {
    "midnight-plus-two": "2020-05-15T00:00:00Z",  # stored from 2020-05-15T00:00:00+02:00
    "morning-in-tokyo": "2020-05-15T07:00:00+09:00",
    "evening-in-chicago": "2020-05-15T22:30:00-05:00",
}
ON_THE_14TH = {"late-in-lima": "2020-05-14T23:30:00-05:00"}


def item(key: str, published: str | None) -> dict:
    return {"key": key, "title": f"Parade {key}", "url": f"http://tokyo.example/{key}", "published": published,
            "summary": "parade"}


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "health.db") as store:
        run = store.start_run(CONFIG)
        store.record_announcements(run, "tokyo", [item(k, v) for k, v in (ON_THE_15TH | ON_THE_14TH).items()],
                                   source="html", feed_url=None, warning=None)
        yield store


def test_search_since_a_day_keeps_what_the_page_showed_on_that_day(store: Store) -> None:
    found = search(store, "parade", since=datetime(2020, 5, 15, tzinfo=UTC))
    assert sorted(m.url.rsplit("/", 1)[1] for m in found) == sorted(ON_THE_15TH)


def test_export_since_a_day_agrees_with_search() -> None:
    status = {"resources": [{"announcements": [{"published": v, "key": k} for k, v in (ON_THE_15TH | ON_THE_14TH).items()]}],
              "new_announcements": []}
    kept = filter_announcements(status, since=datetime(2020, 5, 15, tzinfo=UTC))["resources"][0]["announcements"]
    assert sorted(a["key"] for a in kept) == sorted(ON_THE_15TH)


def test_atom_and_digest_show_the_same_day() -> None:
    for value in ON_THE_15TH.values():
        assert _when(value).startswith("2020-05-15")
        # Atom: a moment keeps its offset (a reader converts it); a day is noon UTC of that day.
        assert atom_published(value)[:10] == "2020-05-15"
    assert atom_published("2020-05-15T00:00:00Z") == "2020-05-15T12:00:00Z"


def test_an_older_utc_spelling_of_the_same_moment_is_not_a_change(tmp_path: Path) -> None:
    """A database written before the offset was kept holds 08:00Z for 10:00+02:00: reading
    the page again must not move updated_at (feed readers would show the item as edited)."""
    with Store(tmp_path / "health.db") as store:
        run = store.start_run(CONFIG)
        store.record_announcements(run, "tokyo", [item("a", "2025-05-03T08:00:00Z"), item("b", "2020-05-14T22:00:00Z")],
                                   source="feed", feed_url=None, warning=None)
        store.db.execute("UPDATE announcements SET updated_at = '2000-01-01T00:00:00Z'")
        store.record_announcements(run, "tokyo", [item("a", "2025-05-03T10:00:00+02:00"), item("b", "2020-05-15T00:00:00Z")],
                                   source="feed", feed_url=None, warning=None)
        rows = {r["key"]: r for r in store.db.query("SELECT key, published, updated_at FROM announcements")}
    assert rows["a"]["published"] == "2025-05-03T10:00:00+02:00" and rows["a"]["updated_at"] == "2000-01-01T00:00:00Z"
    # A day that was wrong (the midnight +02:00 read as the 14th in UTC) is corrected, and that is a change.
    assert rows["b"]["published"] == "2020-05-15T00:00:00Z" and rows["b"]["updated_at"] != "2000-01-01T00:00:00Z"


def test_an_undated_item_is_fresh_from_its_first_sighting(tmp_path: Path) -> None:
    """A listing without dates: its items count for freshness from when they were first
    seen, beside the dated ones, not only when nothing at all is dated."""
    with Store(tmp_path / "health.db") as store:
        run = store.start_run(CONFIG)
        store.record_announcements(run, "tokyo", [item("old", "2020-05-15T00:00:00Z"), item("undated", None)],
                                   source="html", feed_url=None, warning=None)
        first_seen = next(store.db.query("SELECT first_seen_at FROM announcements WHERE key = 'undated'"))
        assert store.last_new_announcement("tokyo") == first_seen["first_seen_at"]
