"""Load under faults: one run over many resources and links on a local web with
mixed faults; every discovered URL must be accounted for exactly once, and the
run's peak memory is reported.

    python -m bench.faultload [--resources 2000] [--links 25] [--hosts 8]

Traffic goes only to 127.0.0.1 (one port per simulated host). Prints the
figures; it asserts nothing about time (this machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# Share of links per behaviour; the rest answer 200.
FAULTS = {"404": 0.08, "500": 0.04, "redirect": 0.08, "reset": 0.02, "slow": 0.02, "blocked": 0.02}


def link_kind(n: int) -> str:
    rng = random.Random(n)
    roll, edge = rng.random(), 0.0
    for kind, share in FAULTS.items():
        edge += share
        if roll < edge:
            return kind
    return "ok"


class Web:
    """A minimal asyncio HTTP/1.1 server per port; paths encode the behaviour."""

    def __init__(self, hosts: int, links_per_page: int, link_space: int):
        self.hosts, self.links_per_page, self.link_space = hosts, links_per_page, link_space
        self.ports: list[int] = []
        self.requests = 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        servers = [self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=512))
                   for _ in range(self.hosts)]
        self.ports = [s.sockets[0].getsockname()[1] for s in servers]
        self.ready.set()
        self.loop.run_forever()

    def page(self, number: int) -> bytes:
        rng = random.Random(number)
        links = []
        for _ in range(self.links_per_page):
            n = rng.randrange(self.link_space)
            port = self.ports[n % self.hosts]
            links.append(f'<a href="http://127.0.0.1:{port}/l/{link_kind(n)}/{n}">link {n}</a>')
        links.append('<a href="mailto:x@example.org">mail</a>')
        return (f"<html><head><title>Resource {number}</title></head><body><main>"
                f"{''.join(links)}</main></body></html>").encode()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests += 1
                method, path, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
                if not await self._answer(method, path, writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def _answer(self, method: str, path: str, writer: asyncio.StreamWriter) -> bool:
        parts = path.strip("/").split("/")
        status, body, headers = 200, b"<html><title>ok</title></html>", {}
        if parts[0] == "r":
            body = self.page(int(parts[1]))
        elif parts[0] == "robots.txt":
            body = b"User-agent: *\nDisallow:\n"
        elif parts[0] == "l":
            kind = parts[1]
            if kind == "reset":
                return False
            if kind == "slow":
                await asyncio.sleep(0.5)
            status = {"404": 404, "500": 500, "redirect": 301, "blocked": 429}.get(kind, 200)
            if kind == "redirect":
                headers["Location"] = f"/l/ok/{parts[2]}-moved"
        out = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Content-Type: text/html"]
        out += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + (b"" if method == "HEAD" else body))
        await writer.drain()
        return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--links", type=int, default=25, help="links per resource page")
    parser.add_argument("--hosts", type=int, default=8)
    args = parser.parse_args()
    link_space = args.resources * args.links  # unique link URLs are drawn from this many
    web = Web(args.hosts, args.links, link_space)
    web.start()
    folder = Path(tempfile.mkdtemp(prefix="healthcrawl-faultload-"))
    config = {
        "settings": {"timeout": 5, "retries": 0, "concurrency": 64, "concurrency_per_host": 8,
                     "block_private_addresses": False},
        "resources": [{"name": f"r{i}", "url": f"http://127.0.0.1:{web.ports[i % args.hosts]}/r/{i}"}
                      for i in range(args.resources)],
    }
    (folder / "resources.yaml").write_text(yaml.safe_dump(config))
    db = folder / "health.db"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "run", "--config", str(folder / "resources.yaml"), "--db", str(db),
         "--out", str(folder), "--fail-on", "resources"], cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    conn = sqlite3.connect(db)
    run_id = conn.execute("SELECT max(id) FROM runs").fetchone()[0]
    discovered = {r[0] for r in conn.execute("SELECT DISTINCT url FROM link_sources WHERE last_seen_run = ?",
                                             [run_id])}
    accounted = [r[0] for r in conn.execute("SELECT url FROM link_checks WHERE run_id = ?", [run_id])]
    results = dict(conn.execute("SELECT result, count(*) FROM link_checks WHERE run_id = ? GROUP BY result",
                                [run_id]).fetchall())
    skipped = sum(sum(json.loads(s or "{}").values())
                  for (s,) in conn.execute("SELECT skipped FROM link_pages WHERE run_id = ?", [run_id]))
    checks = conn.execute("SELECT count(*) FROM checks WHERE run_id = ?", [run_id]).fetchone()[0]
    missing = discovered - set(accounted)
    figures = {
        "resources": args.resources, "resources_checked": checks, "links_discovered": len(discovered),
        "links_accounted": len(accounted), "links_accounted_unique": len(set(accounted)),
        "missing": len(missing), "results": results, "skipped": skipped,
        "server_requests": web.requests, "wall_s": round(wall, 1), "peak_rss_mb": round(peak_mb),
        "exit_code": proc.returncode, "summary": proc.stdout.strip(),
    }
    print(json.dumps(figures, indent=2))
    ok = checks == args.resources and not missing and len(accounted) == len(set(accounted)) == len(discovered)
    print("every URL accounted for exactly once" if ok else "ACCOUNTING MISMATCH")
    if proc.returncode not in (0, 1):
        print(proc.stderr[-2000:], file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
