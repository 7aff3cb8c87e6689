"""status.json carries the limits the run's verdicts used, so readers (the page,
other tools) highlight what the verdict saw; what is new within the `new_for` window;
how often runs come; and the links the exit code counts, with their text."""

from __future__ import annotations

from pathlib import Path

from crawler.core.config import parse_config
from crawler.core.items import LinkPageResult
from crawler.report.status import build_status
from crawler.store.database import Store


def test_the_document_carries_the_runs_thresholds(tmp_path: Path) -> None:
    config = parse_config("settings:\n  tls_warning_days: 30\n  slow_ms: 900\nresources:\n"
                          "  - name: Alpha\n    url: http://a.example/\n", Path("r.yaml"))
    with Store(tmp_path / "h.db") as store:
        store.start_run(config)
        document = build_status(store)
    assert document["thresholds"] == {"slow_ms": 900, "tls_warning_days": 30, "stale_after_days": 60.0,
                                      "new_for_days": 7.0}


def test_a_run_that_recorded_no_settings_gets_the_defaults(tmp_path: Path) -> None:
    config = parse_config("resources:\n  - name: Alpha\n    url: http://a.example/\n", Path("r.yaml"))
    with Store(tmp_path / "h.db") as store:
        run_id = store.start_run(config)
        store.db.execute("UPDATE runs SET settings = NULL WHERE id = ?", [run_id])
        document = build_status(store)
    assert document["thresholds"]["tls_warning_days"] == 14


def _item(n: int, published: str | None = "2026-01-02T00:00:00Z") -> dict:
    return {"key": f"https://a.example/news/{n}", "title": f"News {n}", "url": f"https://a.example/news/{n}",
            "published": published, "summary": "", "guid": None, "source": "html"}


def _run(store: Store, config, items: list[dict]) -> int:
    run_id = store.start_run(config)
    store.record_announcements(run_id, "alpha", items, source="html", feed_url=None, warning=None)
    store.finish_run(run_id, complete=True, reason="finished")
    return run_id


def _announcements(document: dict) -> dict[str, tuple[bool, bool]]:
    (alpha,) = document["resources"]
    return {a["title"]: (a["new"], a["new_this_run"]) for a in alpha["announcements"]}


def test_new_lasts_the_window_from_first_sighting_not_one_run(tmp_path: Path) -> None:
    config = parse_config("settings:\n  new_for: 7d\nresources:\n  - name: Alpha\n    url: http://a.example/\n",
                          Path("r.yaml"))
    with Store(tmp_path / "h.db") as store:
        _run(store, config, [_item(1), _item(2)])  # the first reading is the baseline: nothing new
        assert _announcements(build_status(store)) == {"News 1": (False, False), "News 2": (False, False)}
        _run(store, config, [_item(1), _item(2), _item(3, published=None)])
        assert _announcements(build_status(store))["News 3"] == (True, True)
        _run(store, config, [_item(1), _item(2), _item(3, published=None)])  # nothing changed
        document = build_status(store)
        assert _announcements(document)["News 3"] == (True, False), "still new, but sent already"
        assert [(a["resource"], a["title"], a["published"]) for a in document["new_announcements"]] == [
            ("Alpha", "News 3", None)]
        # An item first seen 8 days ago is past the window; it also counts once gone from the site.
        store.db.execute("UPDATE announcements SET first_seen_at = '2020-01-01T00:00:00Z' WHERE title = 'News 3'")
        _run(store, config, [_item(1), _item(4)])
        document = build_status(store)
        assert _announcements(document) == {"News 1": (False, False), "News 4": (True, True)}
        assert [a["title"] for a in document["new_announcements"]] == ["News 4"]
        store.db.execute("UPDATE announcements SET first_seen_at = '2020-01-01T00:00:00Z' WHERE title = 'News 4'")
        _run(store, config, [_item(1)])
        assert build_status(store)["new_announcements"] == []


def test_the_report_knows_how_often_runs_come_and_when_it_is_overdue(tmp_path: Path) -> None:
    config = parse_config("resources:\n  - name: Alpha\n    url: http://a.example/\n", Path("r.yaml"))
    with Store(tmp_path / "h.db") as store:
        for hour in range(4):
            run_id = _run(store, config, [])
            store.db.execute("UPDATE runs SET started_at = ?, finished_at = ? WHERE id = ?",
                             [f"2026-01-01T0{hour}:00:00Z", f"2026-01-01T0{hour}:00:30Z", run_id])
            run = build_status(store)["run"]
            if hour < 3:  # two gaps are not a habit yet
                assert (run["usual_interval_seconds"], run["overdue_at"]) == (None, None)
        assert run["usual_interval_seconds"] == 3600.0
        assert run["overdue_at"] == "2026-01-01T05:00:30Z"  # two intervals after the data was gathered


def test_the_summary_counts_resources_with_broken_or_invalid_links(tmp_path: Path) -> None:
    config = parse_config("resources:\n  - name: Alpha\n    url: http://a.example/\n"
                          "  - name: Beta\n    url: http://b.example/\n", Path("r.yaml"))
    with Store(tmp_path / "h.db") as store:
        run_id = store.start_run(config)
        store.record_link_batch(
            run_id, [{"url": "http://a.example/gone", "result": "broken", "checked_at": "2026-01-01T00:00:00Z",
                      "method": "HEAD", "http_status": 404, "error": "HTTP 404 Not Found"}],
            pages=[LinkPageResult("alpha", "http://a.example/", 0,
                                  [("http://a.example/gone", "", "Annual report 2019")], {})])
        document = build_status(store)
    assert document["summary"]["broken_links"] == 1 and document["summary"]["resources_with_link_problems"] == 1
    (broken,) = document["resources"][0]["broken_links"]
    assert broken["text"] == "Annual report 2019" and broken["found_on"] == ["http://a.example/"]
