"""python -m bench.render [--pages 10] [--concurrency 2]

What reading pages in headless Chromium costs, on a local app: N single-page apps
(an empty <div id="app"> whose script fetches a JSON API and builds the title, a
news list dated in Spanish, and links) read with `render: true`, against the peer
measured in the same run: the same N pages served as plain HTML, read without a
browser. Prints render time per page (from status.json), wall and CPU time of both
runs, and the peak resident memory of the browser and all its processes (sampled
from /proc every 50 ms). Every figure is checked against what the pages hold: a
run that missed an announcement or a link is reported as wrong, not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from crawler.crawl.render import browser_memory

ROOT = Path(__file__).resolve().parent.parent
ITEMS = [("Movilidad urbana en Medellín", "2 de diciembre de 2026"),
         ("Agua para Lima", "28 de noviembre de 2026"),
         ("Vivienda asequible en Quito", "20 de noviembre de 2026")]
SHELL = ('<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Vite App</title></head>'
         '<body><div id="app"></div><script src="app.js"></script></body></html>')
SCRIPT = """fetch("/api/{n}.json").then(r => r.json()).then(data => {{
  document.title = data.title;
  const app = document.getElementById("app");
  for (const item of data.items) {{
    const a = document.createElement("article");
    a.innerHTML = `<h2><a href="${{item.url}}">${{item.title}}</a></h2><time>${{item.date}}</time>`;
    app.appendChild(a);
  }}
}});"""


def _api(n: int) -> dict:
    return {"title": f"Ciudad {n}", "items": [{"title": title, "date": date, "url": f"/news/{n}/{i}.html"}
                                              for i, (title, date) in enumerate(ITEMS)]}


def _plain(n: int) -> str:
    articles = "".join(f'<article><h2><a href="{item["url"]}">{item["title"]}</a></h2><time>{item["date"]}</time>'
                       "</article>" for item in _api(n)["items"])
    return f'<!doctype html><html lang="es"><head><title>Ciudad {n}</title></head><body>{articles}</body></html>'


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's name
        self._answer(head=True)

    def _answer(self, *, head: bool) -> None:
        parts = self.path.strip("/").split("/")
        body, kind = b"", "text/html; charset=utf-8"
        if parts[0] == "app" and len(parts) == 2:
            body = SHELL.encode()
        elif parts[0] == "app" and parts[-1] == "app.js":
            body, kind = SCRIPT.format(n=int(parts[1])).encode(), "text/javascript"
        elif parts[0] == "api":
            body, kind = json.dumps(_api(int(parts[1].split(".")[0]))).encode(), "application/json"
        elif parts[0] == "plain":
            body = _plain(int(parts[1])).encode()
        elif parts[0] == "news":
            body = b"<title>news</title><p>ok</p>"
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _run(folder: Path, name: str, resources: list[dict], concurrency: int) -> dict:
    config = folder / f"{name}.yaml"
    config.write_text(yaml.safe_dump({"settings": {"render_concurrency": concurrency, "retries": 0},
                                      "resources": resources}))
    out = folder / name
    peak = peak_rss = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_rss
        while not stop.is_set():
            peak = max(peak, browser_memory("--healthcrawl-render="))
            peak_rss = max(peak_rss, browser_memory("--healthcrawl-render=", "Rss"))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    before = os.times()
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "crawler", "run", "--config", str(config),
                           "--db", str(out / "h.db"), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - started
    after = os.times()
    stop.set()
    sampler.join()
    status = json.loads((out / "status.json").read_text())
    found = all(len(r["announcements"]) == len(ITEMS) and r["links"]["checked"] == len(ITEMS)
                for r in status["resources"])
    return {"wall": wall, "cpu": (after.children_user + after.children_system)
            - (before.children_user + before.children_system),
            "peak_pss": peak, "peak_rss": peak_rss, "render_ms": [r["render_ms"] for r in status["resources"] if r["rendered"]],
            "correct": found and proc.returncode == 0, "stderr": f"exit {proc.returncode}: {proc.stdout[-500:]}{proc.stderr[-1500:]}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.render", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10, help="apps to read (default 10)")
    parser.add_argument("--concurrency", type=int, default=2, help="render_concurrency (default 2)")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain = _run(folder, "plain", [{"name": f"Plain {n}", "url": f"{base}/plain/{n}/"}
                                       for n in range(args.pages)], args.concurrency)
        rendered = _run(folder, "rendered", [{"name": f"App {n}", "url": f"{base}/app/{n}/", "render": True}
                                             for n in range(args.pages)], args.concurrency)
    server.shutdown()
    print(f"{args.pages} pages, render_concurrency {args.concurrency}, on {os.cpu_count()} cores")
    print(f"{'run':<22}{'correct':>8}{'wall s':>9}{'CPU s':>8}{'CPU ms/page':>13}{'browser peak PSS':>18}"
          f"{'(sum of RSS)':>14}")
    for name, result in (("plain HTML (peer)", plain), ("rendered (render: true)", rendered)):
        pss = f"{result['peak_pss'] / 2**20:.0f} MB" if result["peak_pss"] else "-"
        rss = f"{result['peak_rss'] / 2**20:.0f} MB" if result["peak_rss"] else "-"
        print(f"{name:<22}{'yes' if result['correct'] else 'NO':>8}{result['wall']:>9.2f}{result['cpu']:>8.2f}"
              f"{result['cpu'] * 1000 / args.pages:>13.0f}{pss:>18}{rss:>14}")
    times = sorted(rendered["render_ms"])
    if times:
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"render time per page: median {statistics.median(times):.0f} ms, p95 {p95} ms, "
              f"max {times[-1]} ms ({len(times)} pages)")
    print(f"rendered / plain: wall {rendered['wall'] / plain['wall']:.2f}x, CPU {rendered['cpu'] / plain['cpu']:.2f}x")
    for name, result in (("plain", plain), ("rendered", rendered)):
        if not result["correct"]:
            print(f"{name} run missed announcements or links:\n{result['stderr']}", file=sys.stderr)
    return 0 if plain["correct"] and rendered["correct"] else 1


if __name__ == "__main__":
    sys.exit(main())
