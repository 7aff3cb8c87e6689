"""Throughput of distributed mode with 1, 2 and 4 workers, against a single
process, on the same synthetic loopback web (bench.web) and a real redis-server.

    python -m bench.distributed [--links 5000] [--workers 1,2,4] [--hosts 8] [--per-host 4]

Each row is one whole run, timed from the coordinator's start to its exit (the
workers are started first and wait). Prints a table and writes
bench/results/distributed-<timestamp>.json. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench.run import ROOT, BenchConfig, healthcrawl_config, politeness_bound
from bench.web import WebProcess, WebSpec


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis(folder: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found (apt-get install redis-server)")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc, f"redis://127.0.0.1:{port}/0"


def _links_checked(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM link_checks WHERE run_id = (SELECT max(id) FROM runs)").fetchone()[0]
    finally:
        conn.close()


def one_run(web: WebProcess, config: Path, folder: Path, workers: int, redis_url: str) -> dict[str, Any]:
    """workers == 0: the single-process run."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "crawler"]
    procs = [subprocess.Popen([*base, "worker", "--redis", redis_url, "--once", "--wait", "120"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=open(folder / f"worker-{i}.log", "w"))
             for i in range(workers)]
    time.sleep(2.0 if workers else 0)  # let the workers import Scrapy before the clock starts
    web.reset()
    command = [*base, "run", "--config", str(config), "--db", str(folder / "health.db"), "--out", str(folder / "out"),
               "--fail-on", "resources"]
    if workers:
        command += ["--distributed", redis_url]
    started = time.monotonic()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    for p in procs:
        p.wait(60)
    stats = web.stats()
    links = _links_checked(folder / "health.db")
    return {"workers": workers, "wall_s": round(wall, 2), "exit_code": proc.returncode, "links_checked": links,
            "links_per_s": round(links / wall, 1), "requests": stats["requests"],
            "max_in_flight_per_host": stats["max_in_flight_per_host"], "summary": proc.stdout.strip()[-200:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.distributed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links", type=int, default=5000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    counts = [0, *(int(n) for n in args.workers.split(","))]
    cfg = BenchConfig(hosts=args.hosts, per_host=args.per_host, latency=args.latency)
    spec = WebSpec.for_links(args.links, hosts=args.hosts, latency=args.latency, first_address=120,
                             max_concurrent_per_host=args.per_host)
    bound = politeness_bound(spec, args.per_host)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as tmp, WebProcess(spec) as web:
        folder = Path(tmp)
        redis_proc, redis_url = _redis(folder)
        try:
            config = folder / "resources.yaml"
            config.write_text(yaml.safe_dump(healthcrawl_config(web, cfg), sort_keys=False))
            for workers in counts:
                row = one_run(web, config, folder / f"run-{workers}", workers, redis_url)
                row["efficiency"] = round(row["requests"] / row["wall_s"] / bound, 2)
                rows.append(row)
                print(f"  {'single process' if not workers else f'{workers} worker(s)'}: {row['wall_s']} s, "
                      f"{row['links_per_s']} links/s", flush=True)
        finally:
            redis_proc.terminate()
    header = f"{'mode':>16} {'wall s':>7} {'links':>6} {'links/s':>8} {'requests':>8} {'max/host':>8} {'of bound':>8}"
    lines = [header, "-" * len(header)]
    for row in rows:
        mode = "single process" if not row["workers"] else f"{row['workers']} worker(s)"
        lines.append(f"{mode:>16} {row['wall_s']:>7.1f} {row['links_checked']:>6} {row['links_per_s']:>8.0f} "
                     f"{row['requests']:>8} {row['max_in_flight_per_host']:>8} {row['efficiency'] * 100:>7.0f}%")
    lines.append(f"\n{spec.hosts} hosts x c={args.per_host} / {spec.latency * 1000:g} ms latency: politeness bound "
                 f"{bound:g} req/s; {os.cpu_count()} CPUs")
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"distributed-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"rows": rows, "bound_rps": bound, "spec": spec.as_json(), "table": table}, indent=2))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
