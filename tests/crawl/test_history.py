"""Several runs against a local site that goes down and comes back: incidents open
and close, uptime follows, content and title changes are events, webhooks fire once
per change (and a broken webhook never fails the run), and prune keeps the rollups."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import by_name, load_status, refused_port, run_cli

pytestmark = pytest.mark.crawl


class Site:
    """A page whose state the test changes between runs."""

    def __init__(self):
        self.state = "up"
        self.headline = "Nueva convocatoria de proyectos urbanos"
        self.title = "Ciudad"

    def __call__(self, request: Request) -> Response:
        if self.state == "down":
            return Response("maintenance", status=503)
        body = (f"<html><head><title>{self.title}</title></head><body><nav><a href='/x'>Inicio</a></nav>"
                f"<main><h1>{self.headline}</h1><p>Publicado el 25 de noviembre de 2026 a las 10:{self.state == 'up' and '01' or '02'}</p>"
                "<p>La ciudad abre una convocatoria para proyectos de movilidad sostenible.</p></main>"
                "<footer>© 2026</footer></body></html>")
        return Response(body, content_type="text/html; charset=utf-8")


class Receiver:
    def __init__(self):
        self.payloads: list[dict] = []
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.payloads.append(json.loads(request.get_data()))
        return Response("ok")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    site, receiver = Site(), Receiver()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/city/").respond_with_handler(site)
    server.expect_request("/steady/").respond_with_response(
        Response("<title>Steady</title><main><p>Nothing changes here.</p></main>", content_type="text/html"))
    server.expect_request("/hook").respond_with_handler(receiver)
    server.start()
    folder = tmp_path_factory.mktemp("history")
    config = folder / "resources.yaml"
    config.write_text(json.dumps({
        "settings": {"retries": 1, "retry_backoff": 0.05},
        "notify": {"webhooks": [server.url_for("/hook"), f"http://127.0.0.1:{refused_port()}/dead-hook"],
                   "on": ["down", "recovered"], "retries": 1, "timeout": 2},
        "resources": [{"name": "City", "url": server.url_for("/city/"), "language": "es"},
                      {"name": "Steady", "url": server.url_for("/steady/")}],
    }))
    out = folder / "out"
    args = ("run", "--config", str(config), "--db", str(out / "health.db"), "--out", str(out),
            "--fail-on", "resources")  # the page's nav link goes nowhere: judge the resources
    runs = []
    for state in ("up", "down", "down", "up"):
        site.state = state
        if len(runs) == 3:
            site.headline, site.title = "Resultados de la convocatoria publicados", "Ciudad inteligente"
        runs.append(run_cli(*args))
    yield {"runs": runs, "status": load_status(out), "receiver": receiver, "out": out, "site": site}
    server.clear()
    server.stop()


def test_exit_codes_follow_the_state(history):
    assert [r.returncode for r in history["runs"]] == [0, 1, 1, 0]


def test_one_incident_with_start_end_and_failed_checks(history):
    db = sqlite3.connect(history["out"] / "health.db")
    rows = db.execute("SELECT resource_id, started_at, ended_at, first_error, checks_failed, opened_run, closed_run "
                      "FROM incidents").fetchall()
    assert len(rows) == 1
    resource, started, ended, error, failed, opened, closed = rows[0]
    assert (resource, failed, opened, closed) == ("city", 2, 2, 4)
    assert error == "HTTP 503 Service Unavailable"
    assert started < ended


def test_status_document_carries_uptime_history_and_incidents(history):
    city = by_name(history["status"])["City"]
    assert city["status"] == "up"
    assert city["uptime"]["24h"] == pytest.approx(0.5)
    assert city["uptime"]["7d"] == pytest.approx(0.5)
    assert [h["status"] for h in city["history"]] == ["up", "down", "down", "up"]
    assert city["incident"] is None
    assert len(city["incidents"]) == 1 and city["incidents"][0]["ended_at"]
    assert city["response"]["samples"] == 2
    steady = by_name(history["status"])["Steady"]
    assert steady["uptime"]["24h"] == 1.0 and steady["incidents"] == []


def test_webhooks_got_one_down_and_one_recovered(history):
    events = [(p["event"], p["resource"]["slug"]) for p in history["receiver"].payloads]
    assert events == [("down", "city"), ("recovered", "city")]
    recovered = history["receiver"].payloads[1]
    assert recovered["downtime_seconds"] >= 0 and recovered["incident"]["checks_failed"] == 2


def test_a_dead_webhook_is_reported_and_never_fails_the_run(history):
    second = history["runs"][1]
    assert "webhook http://127.0.0.1:" in second.stderr and "/dead-hook (down) failed after 2 attempts" in second.stderr
    assert "Traceback" not in second.stderr


def test_every_webhook_delivery_is_stored(history):
    db = sqlite3.connect(history["out"] / "health.db")
    rows = db.execute("SELECT run_id, kind, channel, events, ok, attempts FROM deliveries ORDER BY id").fetchall()
    db.close()
    assert [(run, kind, channel.rsplit("/", 1)[1], events, ok, attempts)
            for run, kind, channel, events, ok, attempts in rows] == [
        (2, "webhook", "hook", '["down"]', 1, 1), (2, "webhook", "dead-hook", '["down"]', 0, 2),
        (4, "webhook", "hook", '["recovered"]', 1, 1), (4, "webhook", "dead-hook", '["recovered"]', 0, 2),
    ]


def test_content_and_title_changes_are_events_but_dates_are_not(history):
    db = sqlite3.connect(history["out"] / "health.db")
    events = db.execute("SELECT run_id, kind, old, new, detail FROM events WHERE resource_id = 'city' "
                        "ORDER BY id").fetchall()
    kinds = [(run, kind) for run, kind, *_ in events]
    # Run 1 -> 4: the time in the page changed too (10:01 vs 10:02) but is masked as volatile.
    assert kinds == [(4, "content"), (4, "title")]
    assert "Resultados de la convocatoria publicados" in events[0][4]
    assert events[1][2:4] == ("Ciudad", "Ciudad inteligente")
    city = by_name(history["status"])["City"]
    assert city["last_change"]["kind"] in ("content", "title")


def test_daily_rollup_and_prune_keep_long_uptime(history, tmp_path):
    db_path = history["out"] / "health.db"
    copy = tmp_path / "copy.db"
    source = sqlite3.connect(db_path)
    source.execute(f"VACUUM INTO '{copy}'")
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT checks, up, down FROM daily WHERE resource_id = 'city'").fetchall() == [(4, 2, 2)]
    # Pretend the checks are 200 days old, then prune to 90 days.
    conn.execute("UPDATE checks SET checked_at = '2026-01-01T00:00:00Z'")
    conn.execute("UPDATE daily SET day = '2025-12-30'")
    conn.commit()
    conn.close()
    result = run_cli("prune", "--db", str(copy), "--keep", "90d")
    assert result.returncode == 0, result.stderr
    assert "pruned 8 checks" in result.stdout
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT count(*) FROM checks").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 1
    days = conn.execute("SELECT day, checks, up, down FROM daily WHERE resource_id = 'city' ORDER BY day").fetchall()
    assert ("2026-01-01", 4, 2, 2) in days
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
