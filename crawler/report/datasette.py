"""Datasette metadata for the report database (`healthcrawl datasette`).

The descriptions of every table and column, and the titles of the canned
queries, are package data (datasette.yml beside this module); the queries' SQL
is the store's (crawler.store.database.CANNED_QUERIES). Datasette names a
database after its file, so the metadata is written for one database path:
``data/health.db`` is served as ``health``.
"""

from __future__ import annotations

import shlex
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from crawler import __version__
from crawler.store.database import CANNED_QUERIES

FILE_NAME = "datasette.yml"


def metadata(database: str) -> dict[str, Any]:
    """Datasette's metadata for a report database served as `database`: title,
    description, each table's and column's description, the canned queries."""
    described = yaml.safe_load(resources.files("crawler.report").joinpath(FILE_NAME).read_text(encoding="utf-8"))
    queries = {name: {**described["queries"][name], "sql": sql.strip() + "\n"}
               for name, sql in CANNED_QUERIES.items()}
    return {
        "title": described["title"],
        "description": f"{described['description'].strip()} (metadata of healthcrawl {__version__})",
        "databases": {database: {"tables": described["tables"], "queries": queries}},
    }


def write_metadata(db_path: Path, out_dir: Path) -> Path:
    """Write `out_dir`/datasette.yml for the database at `db_path`; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    text = yaml.dump(metadata(db_path.stem), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(text, encoding="utf-8")
    return path


def serve_command(db_path: Path, metadata_path: Path) -> str:
    """
    >>> serve_command(Path("data/health.db"), Path("data/datasette.yml"))
    'datasette data/health.db -m data/datasette.yml'
    """
    return f"datasette {shlex.quote(str(db_path))} -m {shlex.quote(str(metadata_path))}"


class _Dumper(yaml.SafeDumper):
    """Safe YAML, with text of several lines (the queries' SQL) as literal blocks."""


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _text)
