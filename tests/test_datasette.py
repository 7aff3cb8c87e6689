"""Datasette's metadata: in step with the schema, canned queries that run read-only on
any database, and `healthcrawl datasette` writing it where it belongs.
(tests/crawl/test_datasette.py serves a crawled database with a real Datasette.)"""

from __future__ import annotations

import sqlite3
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from crawler.cli import main
from crawler.core.config import parse_config
from crawler.core.timeutil import iso, utcnow
from crawler.report.datasette import metadata
from crawler.store.database import CANNED_QUERIES, Store
from tests.conftest import ROOT


@pytest.fixture
def db_path(tmp_path) -> Path:
    path = tmp_path / "reports" / "health.db"
    Store(path).close()
    return path


def described_tables() -> dict[str, dict]:
    return metadata("health")["databases"]["health"]["tables"]


def queried_tables(path: Path) -> dict[str, set[str]]:
    """Every table of the database and its columns, less the FTS index's own storage
    (announcements_fts_data and the like, which Datasette hides too)."""
    with Store(path) as store:
        shadow = tuple(f"{name}_" for name in store.db.table_names(fts5=True))
        return {table.name: {column.name for column in table.columns}
                for table in store.db.tables if not table.name.startswith(shadow)}


def test_every_table_of_a_new_database_is_described_and_no_other(db_path):
    tables, described = queried_tables(db_path), described_tables()
    assert sorted(set(tables) - set(described)) == [], "tables without a description in crawler/report/datasette.yml"
    assert sorted(set(described) - set(tables)) == [], "described in crawler/report/datasette.yml, not in the schema"
    assert {"runs", "resources", "checks", "announcements", "links", "link_sources", "link_checks", "link_pages",
            "events", "incidents", "daily", "deliveries"} <= set(described)


@pytest.mark.parametrize("table", sorted(described_tables()))
def test_every_column_is_described_and_every_described_column_exists(db_path, table):
    columns, described = queried_tables(db_path)[table], described_tables()[table]
    assert described["description"]
    assert sorted(columns - set(described["columns"])) == [], f"columns of {table} without a description"
    assert sorted(set(described["columns"]) - columns) == [], f"described columns {table} does not have"
    assert all(described["columns"].values())


@pytest.mark.parametrize("name", sorted(CANNED_QUERIES))
def test_every_canned_query_has_a_title_and_runs_read_only_without_parameters(db_path, name):
    query = metadata("health")["databases"]["health"]["queries"][name]
    assert query["title"] and query["description"] and "write" not in query
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        conn.execute(query["sql"]).fetchall()  # a :parameter would be an error here


def test_every_described_query_has_its_sql():
    described = yaml.safe_load((ROOT / "crawler" / "report" / "datasette.yml").read_text(encoding="utf-8"))
    assert set(described["queries"]) == set(CANNED_QUERIES)


def test_the_metadata_ships_with_the_package():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "report/datasette.yml" in package_data["crawler"]


# -- the queries' arithmetic, on rows written through the store -------------------------------


def test_uptime_counts_degraded_as_up_leaves_maintenance_out_and_keeps_30_days(db_path):
    config = parse_config("resources:\n  - name: A\n    url: http://a.example/\n"
                          "  - name: Gone\n    url: http://g.example/\n", Path("r.yaml"))
    today = utcnow().date()
    with Store(db_path) as store:
        store.start_run(config)
        store.save_daily([
            {"resource_id": "a", "day": today.isoformat(), "checks": 10, "up": 6, "degraded": 1, "down": 1,
             "maintenance": 2},
            {"resource_id": "a", "day": (today - timedelta(days=29)).isoformat(), "checks": 4, "up": 4,
             "degraded": 0, "down": 0, "maintenance": 0},
            {"resource_id": "a", "day": (today - timedelta(days=30)).isoformat(), "checks": 9, "up": 0,
             "degraded": 0, "down": 9, "maintenance": 0},
            {"resource_id": "gone", "day": today.isoformat(), "checks": 1, "up": 0, "degraded": 0, "down": 1,
             "maintenance": 0},
        ])
        store.db.execute("UPDATE resources SET active = 0 WHERE id = 'gone'")
        rows = list(store.db.query(CANNED_QUERIES["uptime_30_days"]))
    assert rows == [{"resource": "A", "uptime_percent": round(100 * 11 / 12, 2), "checks": 14, "up": 10,
                     "degraded": 1, "down": 1, "maintenance": 2,
                     "first_day": (today - timedelta(days=29)).isoformat(), "last_day": today.isoformat()}]


def test_an_open_incident_says_how_long_it_has_lasted(db_path):
    config = parse_config("resources:\n  - name: A\n    url: http://a.example/\n", Path("r.yaml"))
    started = utcnow() - timedelta(days=2, hours=3, minutes=5, seconds=30)
    with Store(db_path) as store:
        store.start_run(config)
        store.save_incident({"resource_id": "a", "started_at": iso(started), "checks_failed": 3,
                             "first_error": "HTTP 503 Service Unavailable", "last_error": "timeout"})
        store.save_incident({"resource_id": "a", "started_at": "2026-01-01T00:00:00Z",
                             "ended_at": "2026-01-01T01:00:00Z", "checks_failed": 1})
        (row,) = store.db.query(CANNED_QUERIES["open_incidents"])
    assert (row["resource"], row["open_for"], row["open_minutes"]) == ("A", "2 d 3 h 5 min", 2 * 1440 + 3 * 60 + 5)
    assert (row["checks_failed"], row["first_error"], row["last_error"]) == (3, "HTTP 503 Service Unavailable",
                                                                             "timeout")


# -- the command -------------------------------------------------------------------------------


def test_the_command_writes_datasette_yml_beside_the_database_and_says_how_to_serve_it(db_path, capsys):
    assert main(["datasette", "--db", str(db_path)]) == 0
    written = db_path.parent / "datasette.yml"
    assert f"datasette {db_path} -m {written}" in capsys.readouterr().out
    assert yaml.safe_load(written.read_text(encoding="utf-8")) == metadata("health")


def test_out_puts_it_elsewhere_and_the_database_is_named_after_its_file(tmp_path, capsys):
    db = tmp_path / "city-health.db"
    Store(db).close()
    assert main(["datasette", "--db", str(db), "--out", str(tmp_path / "meta")]) == 0
    assert f"-m {tmp_path / 'meta' / 'datasette.yml'}" in capsys.readouterr().out
    written = yaml.safe_load((tmp_path / "meta" / "datasette.yml").read_text(encoding="utf-8"))
    assert list(written["databases"]) == ["city-health"]


def test_no_database_is_a_clear_error(tmp_path, capsys):
    assert main(["datasette", "--db", str(tmp_path / "none.db")]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "datasette.yml").exists()
