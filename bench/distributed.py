"""Throughput and cost of distributed mode with 1, 2 and 4 workers, against a single
process, on the same synthetic loopback web (bench.web) and a real redis-server.

    python -m bench.distributed [--links 5000] [--workers 1,2,4] [--hosts 8] [--per-host 4]

Each row is one whole run, timed from the coordinator's start to its exit (the
workers are started first and wait). Besides links/s it measures what each link
costs: the CPU of the coordinator and of the workers (user + sys, from the kernel's
accounting of each process), and Redis's side, from INFO before and after the run:
its CPU (used_cpu_user + used_cpu_sys), the commands clients sent
(total_commands_processed), the commands run inside them (the sum of
commandstats' calls, Lua scripts' own commands included) and the bytes in and out.
Prints a table and the commands of the last run, and writes
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


def redis_counters(redis_url: str) -> dict[str, Any]:
    """What Redis has done so far: CPU seconds, client commands, commands run (scripts'
    inner ones included, by name), bytes in and out."""
    import redis

    server = redis.Redis.from_url(redis_url)
    try:
        info = server.info("all")
    finally:
        server.close()
    calls = {name.removeprefix("cmdstat_"): value["calls"] for name, value in info.items()
             if name.startswith("cmdstat_") and isinstance(value, dict)}
    return {"cpu_s": info["used_cpu_user"] + info["used_cpu_sys"], "client_commands": info["total_commands_processed"],
            "commands": calls, "bytes_in": info["total_net_input_bytes"], "bytes_out": info["total_net_output_bytes"]}


def _cpu_s(usage: Any) -> float:
    return usage.ru_utime + usage.ru_stime


class RedisWatch:
    """While a run goes on: Redis's peak memory (INFO used_memory, every 0.2 s) and,
    with `monitor`, every command it runs from MONITOR, by whether a client sent it
    (a network round trip) or a Lua script ran it. MONITOR costs Redis CPU of its own:
    the CPU figures of a monitored run are not the ones to quote."""

    def __init__(self, redis_url: str, monitor: bool):
        import threading

        import redis

        self.redis_url, self.monitor = redis_url, monitor
        self.peak_memory = 0
        self.client_commands: dict[str, int] = {}
        self.script_commands: dict[str, int] = {}
        self._stop = threading.Event()
        self._client = redis.Redis.from_url(redis_url)
        self._threads = [threading.Thread(target=self._sample, daemon=True)]
        if monitor:
            self._threads.append(threading.Thread(target=self._watch, daemon=True))

    def __enter__(self) -> RedisWatch:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.monitor:
            self._client.ping()  # wakes MONITOR's reader
        for thread in self._threads:
            thread.join(5)

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak_memory = max(self.peak_memory, self._client.info("memory")["used_memory"])

    def _watch(self) -> None:
        import redis

        with redis.Redis.from_url(self.redis_url).monitor() as monitor:
            for event in monitor.listen():
                if self._stop.is_set():
                    return
                name = event["command"].split(" ", 1)[0].strip('"').lower()
                table = self.script_commands if event.get("client_type") == "lua" else self.client_commands
                table[name] = table.get(name, 0) + 1


def one_run(web: WebProcess, config: Path, folder: Path, workers: int, redis_url: str,
            monitor: bool = False) -> dict[str, Any]:
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
    before = redis_counters(redis_url)
    started = time.monotonic()
    with RedisWatch(redis_url, monitor and workers > 0) as watch, open(folder / "coordinator.out", "w") as out, \
            open(folder / "coordinator.err", "w") as err:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    worker_cpu = 0.0
    for p in procs:
        try:
            _, _, worker_usage = os.wait4(p.pid, 0)
            worker_cpu += _cpu_s(worker_usage)
        except ChildProcessError:
            pass
    after = redis_counters(redis_url)
    stats = web.stats()
    links = _links_checked(folder / "health.db")
    commands = {name: after["commands"].get(name, 0) - before["commands"].get(name, 0) for name in after["commands"]}
    commands = {name: calls for name, calls in sorted(commands.items(), key=lambda kv: -kv[1]) if calls}
    per_link = (lambda value: round(value / links, 3)) if links else (lambda value: None)
    return {"workers": workers, "wall_s": round(wall, 2), "exit_code": os.waitstatus_to_exitcode(status),
            "links_checked": links, "links_per_s": round(links / wall, 1), "requests": stats["requests"],
            "max_in_flight_per_host": stats["max_in_flight_per_host"],
            "summary": (folder / "coordinator.out").read_text().strip()[-200:],
            # a single-process run's "coordinator" is the crawl itself
            "coordinator_cpu_s": round(_cpu_s(usage), 2), "workers_cpu_s": round(worker_cpu, 2),
            "coordinator_cpu_ms_per_link": per_link(_cpu_s(usage) * 1000),
            "workers_cpu_ms_per_link": per_link(worker_cpu * 1000),
            "redis_cpu_ms_per_link": per_link((after["cpu_s"] - before["cpu_s"]) * 1000),
            "redis_client_commands_per_link": per_link(after["client_commands"] - before["client_commands"]),
            "redis_commands_per_link": per_link(sum(commands.values())),
            "redis_bytes_in_per_link": per_link(after["bytes_in"] - before["bytes_in"]),
            "redis_bytes_out_per_link": per_link(after["bytes_out"] - before["bytes_out"]),
            "redis_commands": commands, "redis_peak_memory_mb": round(watch.peak_memory / 1e6, 1),
            "monitored": watch.monitor,
            "redis_client_round_trips_per_link": per_link(sum(watch.client_commands.values())) if watch.monitor else None,
            "redis_client_commands": dict(sorted(watch.client_commands.items(), key=lambda kv: -kv[1])),
            "redis_script_commands": dict(sorted(watch.script_commands.items(), key=lambda kv: -kv[1]))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.distributed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links", type=int, default=5000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--monitor", action="store_true",
                        help="count Redis round trips with MONITOR (costs Redis CPU: do not quote its CPU figures)")
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
                row = one_run(web, config, folder / f"run-{workers}", workers, redis_url, monitor=args.monitor)
                row["efficiency"] = round(row["requests"] / row["wall_s"] / bound, 2)
                rows.append(row)
                print(f"  {'single process' if not workers else f'{workers} worker(s)'}: {row['wall_s']} s, "
                      f"{row['links_per_s']} links/s", flush=True)
        finally:
            redis_proc.terminate()
    header = (f"{'mode':>16} {'wall s':>7} {'links':>6} {'links/s':>8} {'requests':>8} {'max/host':>8} "
              f"{'of bound':>8} {'coord CPU':>9} {'workers CPU':>11} {'Redis CPU':>9} {'Redis cmds':>10} "
              f"{'(inner)':>7} {'bytes in':>8} {'bytes out':>9}")
    lines = [header, "-" * len(header)]
    for row in rows:
        mode = "single process" if not row["workers"] else f"{row['workers']} worker(s)"
        per = [row["coordinator_cpu_ms_per_link"], row["workers_cpu_ms_per_link"], row["redis_cpu_ms_per_link"],
               row["redis_client_commands_per_link"], row["redis_commands_per_link"], row["redis_bytes_in_per_link"],
               row["redis_bytes_out_per_link"]]
        shown = ["-" if value is None or (not row["workers"] and i > 0) else f"{value:g}" for i, value in enumerate(per)]
        lines.append(f"{mode:>16} {row['wall_s']:>7.1f} {row['links_checked']:>6} {row['links_per_s']:>8.0f} "
                     f"{row['requests']:>8} {row['max_in_flight_per_host']:>8} {row['efficiency'] * 100:>7.0f}% "
                     f"{shown[0]:>9} {shown[1]:>11} {shown[2]:>9} {shown[3]:>10} {shown[4]:>7} {shown[5]:>8} "
                     f"{shown[6]:>9}")
    lines.append("per link checked: CPU in ms (coordinator: the single process itself in its row), Redis commands "
                 "sent by clients and (inner) run including those of Lua scripts, bytes into and out of Redis")
    for row in rows:
        if not row["workers"] or not row["links_checked"]:
            continue
        links = row["links_checked"]
        top = ", ".join(f"{name} {calls / links:.2f}" for name, calls in list(row["redis_commands"].items())[:12])
        lines.append(f"{row['workers']} worker(s): Redis peak memory {row['redis_peak_memory_mb']} MB; commands run "
                     f"per link: {top}")
        if row["monitored"]:
            sent = ", ".join(f"{name} {calls / links:.2f}" for name, calls in
                             list(row["redis_client_commands"].items())[:10])
            lines.append(f"  round trips per link (MONITOR): {row['redis_client_round_trips_per_link']}: {sent}")
    lines.append(f"\n{spec.hosts} hosts x c={args.per_host} / {spec.latency * 1000:g} ms latency: politeness bound "
                 f"{bound:g} req/s; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"distributed-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"rows": rows, "bound_rps": bound, "spec": spec.as_json(), "table": table}, indent=2))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
