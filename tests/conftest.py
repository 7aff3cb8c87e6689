"""Shared fixtures: running the real CLI in a subprocess, and local web servers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> CliResult:
    """Run `python -m crawler ARGS` in a fresh process (Scrapy's reactor cannot restart)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        cwd=cwd or ROOT, env=full_env, capture_output=True, text=True, timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def write_config(path: Path, resources: list[dict[str, Any]], **settings: Any) -> Path:
    doc: dict[str, Any] = {"resources": resources}
    if settings:
        doc["settings"] = settings
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load_status(out_dir: Path) -> dict[str, Any]:
    return json.loads((out_dir / "status.json").read_text(encoding="utf-8"))


def by_name(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in status["resources"]}


def free_port() -> int:
    """A loopback port for a server of the test's own to listen on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_REFUSING: list[socket.socket] = []  # held for the whole session


def refused_port() -> int:
    """A loopback port where every connection is refused, for as long as the tests run:
    bound and never listening, so no other process on the machine can take it meanwhile
    (a released port can be, and then a 'dead' resource answers)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    _REFUSING.append(sock)
    return sock.getsockname()[1]


@pytest.fixture
def cli_paths(tmp_path: Path) -> dict[str, Path]:
    return {"config": tmp_path / "resources.yaml", "db": tmp_path / "data" / "health.db",
            "out": tmp_path / "out"}
