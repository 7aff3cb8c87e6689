"""Summarise a py-spy profile in collapsed-stack form (`py-spy record --format raw`,
as `python -m bench.cpu --profile` writes it): the share of samples by the package of
the innermost frame, and the functions with the most samples, self and inclusive.

    python -m bench.profile_summary bench/results/cpu-<label>-<stamp>.pyspy.txt [--top 25]

Only stacks under Scrapy's reactor loop (`run_forever`) count: start-up (imports,
settings, the link memory) and the report after the crawl are left out, and said how
many samples they had.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
PACKAGES = (  # first match wins: the file of a frame -> the package it is counted under
    ("healthcrawl", ("crawler/", "spiders/")),
    ("scrapy", ("scrapy/", "scrapy_redis/")),
    ("twisted", ("twisted/",)),
    ("asyncio", ("asyncio/", "selectors.py")),
    ("pydispatch", ("pydispatch/",)),
    ("lxml, parsel, w3lib", ("lxml", "parsel/", "w3lib/", "html5", "cssselect")),
    ("sqlite3", ("sqlite3/",)),
    ("logging", ("logging/",)),
)


def package(file: str) -> str:
    """The package a frame's file belongs to.

    >>> package("scrapy/core/engine.py"), package("asyncio/base_events.py"), package("json/encoder.py")
    ('scrapy', 'asyncio', 'other')
    """
    for name, prefixes in PACKAGES:
        if any(file.startswith(p) or f"/{p}" in file for p in prefixes):
            return name
    return "other"


def parse(path: Path) -> tuple[list[tuple[list[tuple[str, str]], int]], int]:
    """(stacks under the reactor loop as [(function, file)], outermost first, with their
    sample counts), and the samples outside it."""
    stacks, outside = [], 0
    for line in path.read_text().splitlines():
        text, _, count = line.rpartition(" ")
        if not text or not count.isdigit():
            continue
        frames = []
        for part in text.split(";"):
            match = FRAME.match(part)
            frames.append((match["func"], match["file"]) if match else (part, ""))
        loop = next((i for i, (func, _) in enumerate(frames) if func.endswith("run_forever")), None)
        if loop is None:
            outside += int(count)
            continue
        stacks.append((frames[loop + 1:], int(count)))
    return stacks, outside


def summarise(path: Path, top: int = 25) -> str:
    stacks, outside = parse(path)
    total = sum(count for _, count in stacks) or 1
    by_package: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        if not frames:
            continue
        func, file = frames[-1]
        by_package[package(file)] += count
        self_time[f"{func} ({file})"] += count
        for name in {f"{f} ({p})" for f, p in frames}:
            inclusive[name] += count
    lines = [f"{total} samples in the reactor loop ({outside} outside it: start-up, report)", "",
             "by package of the innermost frame:"]
    lines += [f"  {share:6.1%}  {name}" for name, share in
              ((n, c / total) for n, c in by_package.most_common())]
    lines += ["", f"top {top} self:"]
    lines += [f"  {c / total:6.1%}  {name}" for name, c in self_time.most_common(top)]
    lines += ["", f"top {top} inclusive:"]
    lines += [f"  {c / total:6.1%}  {name}" for name, c in inclusive.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_summary", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    print(summarise(args.profile, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
