"""How big the report database grows: N simulated daily runs of R resources, each
check stored through the same RunRecorder a real run uses (classification,
incidents, content fingerprints, daily rollups), then `healthcrawl prune`.

    python -m bench.history_size [--days 365] [--resources 100] [--links 0]

Prints the database size after the runs and after pruning to the default
retention (90 days), and how long reading 365-day uptime from the rollups takes.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import yaml

from crawler.core.config import load_config
from crawler.core.items import CheckResult, LinkPageResult, LinkResult
from crawler.core.timeutil import iso, utcnow
from crawler.record.recorder import RunRecorder
from crawler.store.database import Store

ROOT = Path(__file__).resolve().parent.parent


def simulate(db: Path, config_path: Path, days: int, links: int) -> None:
    config = load_config(config_path)
    rng = random.Random(7)
    today = utcnow().replace(hour=6, minute=0, second=0, microsecond=0)
    store = Store(db)
    try:
        for day in range(days, 0, -1):
            recorder = RunRecorder(store, config)
            at = iso(today - timedelta(days=day))
            for resource in config.resources:
                roll = rng.random()
                down = roll < 0.02
                page = f"{resource.url}"
                recorder.record(CheckResult(
                    resource_id=resource.slug, url=resource.url, checked_at=at, final_url=None if down else page,
                    http_status=None if down else 200, response_ms=None if down else rng.randint(80, 900),
                    content_type=None if down else "text/html", body_bytes=None if down else 40_000,
                    title=None if down else f"{resource.name}", error="timed out after 30 s" if down else None,
                    error_kind="timeout" if down else None,
                    main_text=None if down else f"{resource.name} news of week {day // 7}",
                ))
                if links and not down:
                    urls = [f"{resource.url}page/{k}" for k in range(links)]
                    recorder.record(LinkPageResult(resource.slug, page, 0, [(u, "", "") for u in urls], {}))
                    for url in urls:
                        recorder.record(LinkResult(url, "ok", at, "HEAD", http_status=200, final_url=url,
                                                   response_ms=rng.randint(20, 300)))
            recorder.finish("finished")
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.history_size", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--resources", type=int, default=100)
    parser.add_argument("--links", type=int, default=0, help="links checked per resource page per run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        folder = Path(tmp)
        config = folder / "resources.yaml"
        config.write_text(yaml.safe_dump({"resources": [
            {"name": f"Site {i}", "url": f"https://site{i}.example/"} for i in range(args.resources)]}))
        db = folder / "health.db"
        started = time.monotonic()
        simulate(db, config, args.days, args.links)
        took = time.monotonic() - started
        size = sum(p.stat().st_size for p in folder.glob("health.db*"))
        checks = args.days * args.resources
        print(f"{args.days} daily runs x {args.resources} resources ({checks} checks, {args.links} links each): "
              f"{size / 1e6:.1f} MB ({size / checks:.0f} bytes per check); simulated in {took:.0f} s")
        cli = [sys.executable, "-m", "crawler"]
        subprocess.run([*cli, "prune", "--db", str(db), "--keep", "90d"], check=True, cwd=ROOT)
        size = sum(p.stat().st_size for p in folder.glob("health.db*"))
        print(f"after `healthcrawl prune --keep 90d`: {size / 1e6:.1f} MB")
        started = time.monotonic()
        subprocess.run([*cli, "report", "--db", str(db), "--out", str(folder / "out")], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        print(f"`healthcrawl report` (uptime over 24 h..365 d from rollups, page, JSON, feeds): "
              f"{time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
