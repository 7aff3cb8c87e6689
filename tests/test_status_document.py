"""status.json carries the limits the run's verdicts used, so readers (the page,
other tools) highlight what the verdict saw."""

from __future__ import annotations

from pathlib import Path

from crawler.core.config import parse_config
from crawler.report.status import build_status
from crawler.store.database import Store


def test_the_document_carries_the_runs_thresholds(tmp_path: Path) -> None:
    config = parse_config("settings:\n  tls_warning_days: 30\n  slow_ms: 900\nresources:\n"
                          "  - name: Alpha\n    url: http://a.example/\n", Path("r.yaml"))
    with Store(tmp_path / "h.db") as store:
        store.start_run(config)
        document = build_status(store)
    assert document["thresholds"] == {"slow_ms": 900, "tls_warning_days": 30, "stale_after_days": 60.0}


def test_a_run_that_recorded_no_settings_gets_the_defaults(tmp_path: Path) -> None:
    config = parse_config("resources:\n  - name: Alpha\n    url: http://a.example/\n", Path("r.yaml"))
    with Store(tmp_path / "h.db") as store:
        run_id = store.start_run(config)
        store.db.execute("UPDATE runs SET settings = NULL WHERE id = ?", [run_id])
        document = build_status(store)
    assert document["thresholds"]["tls_warning_days"] == 14
