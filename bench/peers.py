"""The link checkers users would pick instead: install, locate, run, read results.

* LinkChecker (PyPI ``linkchecker``), installed into its own venv at
  ``bench/.venv-peers/venv`` so it never touches the project's ``.venv``.
* linkinator (npm ``linkinator``), installed under ``bench/.node``.

Both folders hold a ``.gitignore`` of ``*``, so nothing installed is committed.
``python -m bench install-peers`` installs both; ``BENCH_LINKCHECKER`` and
``BENCH_LINKINATOR`` name other executables. A peer that is not installed is
skipped by the harness (with a note), never fatal.

What each tool runs with. The synthetic web enforces politeness itself: a host
serves at most c requests at once and queues the rest in arrival order (as a
rate-limited server would), so sending more than c to a host gains nothing, and
each tool can run with its own defaults wherever those do not hold it below the
bound H*c / mean latency that every tool faces.

* healthcrawl: ``concurrency_per_host: c`` (its own hard cap per host) and its
  default ``concurrency`` (64) overall, ``depth`` = the web's height.
* LinkChecker: ``--threads H*c`` overall, not its default 10: with 10 threads
  it could keep at most 10 of the H*c slots busy. Its per-host politeness is a
  *rate* (``maxrequestspersecond``, default 10, with a random wait of 1..6 times
  its inverse between two requests to a host, taken under a lock every thread
  shares); values over 10 only apply when the server answers with a
  ``LinkChecker`` header, which the synthetic web sends. Its default would hold it
  to about 3 requests per second per host, where a host serves 100 (c = 4, 40 ms
  mean latency), so we set it to
  ``6 * c / mean latency``: its longest wait between two requests to a host is
  then ``mean latency / c``, the spacing c requests in flight give.
  ``--recursion-level`` = height + 1 (its start URL is level 0).
* linkinator: its defaults: ``--concurrency`` 100 overall (there is no per-host
  option) and unbounded recursion within each start URL. What it sends beyond c
  to a host waits in the server's queue.

Every tool gets the same ``--timeout`` per request (queued time included, as on
a real server). The server counts, per host, the most requests arrived and not
yet answered and the most queued, so the table shows how far each tool went past c.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

HERE = Path(__file__).resolve().parent
PEERS_VENV = HERE / ".venv-peers"
NODE_DIR = HERE / ".node"


def _self_ignoring(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")


def install(*, quiet: bool = False) -> dict[str, str | None]:
    """Install LinkChecker (pip, own venv) and linkinator (npm); return where they are."""
    out = None if not quiet else subprocess.DEVNULL
    _self_ignoring(PEERS_VENV)
    env_dir = PEERS_VENV / "venv"
    if not (env_dir / "bin" / "python").exists():
        venv.EnvBuilder(with_pip=True).create(env_dir)
    subprocess.run([str(env_dir / "bin" / "pip"), "install", "--quiet", "linkchecker"], check=True,
                   stdout=out, stderr=out)
    if shutil.which("npm"):
        _self_ignoring(NODE_DIR)
        package = NODE_DIR / "package.json"
        if not package.exists():
            package.write_text('{"name": "healthcrawl-bench-peers", "private": true}\n')
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR), "linkinator"],
                       check=True, stdout=out, stderr=out)
    elif not quiet:
        print("npm not found: linkinator not installed (apt-get install nodejs npm)", file=sys.stderr)
    return {"linkchecker": linkchecker_path(), "linkinator": linkinator_path()}


def linkchecker_path() -> str | None:
    candidates = [os.environ.get("BENCH_LINKCHECKER"), str(PEERS_VENV / "venv" / "bin" / "linkchecker"),
                  shutil.which("linkchecker")]
    return next((c for c in candidates if c and Path(c).exists()), None)


def linkinator_path() -> str | None:
    candidates = [os.environ.get("BENCH_LINKINATOR"), str(NODE_DIR / "node_modules" / ".bin" / "linkinator"),
                  shutil.which("linkinator")]
    if not shutil.which("node"):
        return None
    return next((c for c in candidates if c and Path(c).exists()), None)


def version(tool: str) -> str | None:
    path = linkchecker_path() if tool == "linkchecker" else linkinator_path()
    if path is None:
        return None
    proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    text = (proc.stdout or proc.stderr).strip().splitlines()
    lines = [line for line in text if "LinkChecker" in line or line[:1].isdigit()]
    return (lines or text or [""])[0].strip()


@dataclass
class Invocation:
    tool: str
    command: list[str]
    politeness: str  # what the per-host concurrency maps to for this tool
    stdout_is_result: bool = True


# -- LinkChecker ---------------------------------------------------------------------------


def linkchecker_invocation(start_urls: list[str], *, hosts: int, per_host: int, mean_latency: float,
                           recursion_level: int, timeout: int, folder: Path) -> Invocation:
    path = linkchecker_path()
    assert path is not None
    # LinkChecker drops root privileges to `nobody`: its config must be world-readable.
    rc_dir = Path(tempfile.mkdtemp(prefix="bench-linkcheckerrc-"))
    rc_dir.chmod(0o755)
    rc = rc_dir / "linkcheckerrc"
    rate = max(1.0, 6 * per_host / max(mean_latency, 1e-3))
    rc.write_text(f"[checking]\nmaxrequestspersecond={rate:g}\nthreads={hosts * per_host}\n"
                  f"timeout={timeout}\nrecursionlevel={recursion_level}\n[output]\nstatus=0\n")
    rc.chmod(0o644)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "linkcheckerrc").write_text(rc.read_text())
    command = [path, "-f", str(rc), "--threads", str(hosts * per_host), "--recursion-level", str(recursion_level),
               "--timeout", str(timeout), "--no-status", "--no-warnings", "-o", "csv", *start_urls]
    return Invocation("linkchecker", command,
                      f"--threads {hosts * per_host} overall (no per-host concurrency option); "
                      f"maxrequestspersecond={rate:g} per host")


def linkchecker_broken(stdout: str) -> set[str]:
    """Links LinkChecker found invalid, from its CSV output (errors only, no warnings).

    A link is named as written on its page (``urlname``, resolved against the page):
    ``url`` is where a redirect chain ended, not the link.

    >>> rows = ["urlname;parentname;base;valid;url", "/l/x;http://h/;;False;http://h/gone/x",
    ...         "/ok;http://h/;;True;http://h/ok"]
    >>> sorted(linkchecker_broken(chr(10).join(rows)))
    ['http://h/l/x']
    """
    lines = [line for line in stdout.splitlines() if line and not line.startswith("#")]
    broken: set[str] = set()
    if not lines:
        return broken
    for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"):
        if row.get("valid", "").strip().lower() in ("false", "0"):
            name = row.get("urlname") or row.get("url") or ""
            broken.add(urljoin(row.get("base") or row.get("parentname") or "", name))
    broken.discard("")
    return broken


# -- linkinator ----------------------------------------------------------------------------


def linkinator_invocation(start_urls: list[str], *, timeout: int) -> Invocation:
    path = linkinator_path()
    assert path is not None
    command = [path, *start_urls, "--recurse", "--format", "json", "--timeout", str(timeout * 1000),
               "--verbosity", "error"]  # "none" drops the links from the JSON
    return Invocation("linkinator", command,
                      "its default --concurrency 100 overall (no per-host option); recursion unbounded "
                      "within each start URL")


def linkinator_broken(stdout: str) -> set[str]:
    start = stdout.find("{")
    if start < 0:
        return set()
    data: dict[str, Any] = json.loads(stdout[start:])
    return {link["url"] for link in data.get("links", []) if link.get("state") == "BROKEN"}
