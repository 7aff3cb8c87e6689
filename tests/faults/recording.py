"""A fixed stream of items fed to a RunRecorder at a known pace, for the kill tests.

`python -m tests.faults.recording DB` opens a run in DB, prints ``run ID``, and
records `stream()` step by step with the recorder's own batch rules. Before each
step it reads the monotonic clock (the recorder's clock); once the step has
returned it prints ``STEP NOW`` (the step's index and that reading) and flushes
stdout. Whoever kills it knows which steps had completed and when each began.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from crawler.core.config import parse_config
from crawler.core.items import CheckResult, LinkResult
from crawler.record.recorder import RunRecorder
from crawler.store.database import Store

RESOURCES = 12
CONFIG = parse_config(
    "resources:\n" + "".join(f"  - name: r{k}\n    url: http://r{k}.example/\n" for k in range(RESOURCES)),
    Path("resources.yaml"),
)
AT = "2026-01-01T00:00:00Z"


def stream() -> list[tuple[str, int]]:
    """("check", k): resource r{k}'s check; ("link", n): the n-th link result;
    ("tick", 0): 0.1 s with nothing to record, then the recorder's timer call
    (what the crawl's timer and the coordinator's loop do). Blocks of 0 to 700
    links follow each check, so batches fill up (500), are cut by a check, or wait
    through 1.3 s without results."""
    rng = random.Random(11)
    steps: list[tuple[str, int]] = []
    n = 0
    for k in range(RESOURCES):
        steps.append(("check", k))
        for _ in range(rng.choice([0, 40, 150, 700])):
            steps.append(("link", n))
            n += 1
        if k in (3, 8):
            steps.extend([("tick", 0)] * 13)
    return steps


def link_url(n: int) -> str:
    return f"http://l.example/{n}"


def main(db: str) -> None:
    store = Store(db)
    recorder = RunRecorder(store, CONFIG)
    print(f"run {recorder.run_id}", flush=True)
    for step, (kind, n) in enumerate(stream()):
        if kind == "tick":
            time.sleep(0.1)
        elif kind == "link" and n % 25 == 0:
            time.sleep(0.01)  # about 2,500 results a second
        now = time.monotonic()
        if kind == "check":
            recorder.record(CheckResult(f"r{n}", f"http://r{n}.example/", AT, http_status=200))
        elif kind == "link":
            recorder.record(LinkResult(link_url(n), "ok", AT, "HEAD", http_status=200, final_url=link_url(n)))
        else:
            recorder.flush_if_due()
        sys.stdout.write(f"{step} {now:.6f}\n")
        sys.stdout.flush()
    recorder.finish("finished")
    store.close()
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
