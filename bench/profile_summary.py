"""Summarise a py-spy profile in collapsed-stack form (`py-spy record --format raw`,
as `python -m bench.cpu --profile` writes it): the share of samples by the package of
the innermost frame, and the functions with the most samples, self and inclusive.

    python -m bench.profile_summary bench/results/cpu-<label>-<stamp>.pyspy.txt [--top 25]

Only stacks under Scrapy's reactor loop count (`run_forever` on Python's loop; under
uvloop, whose loop is C, `AsyncioSelectorReactor.run`: a sample with no frame below it
is time in uvloop itself, the selector and socket I/O, counted as "uvloop (C)"):
start-up (imports, settings, the link memory) and the report after the crawl are left
out, and said how many samples they had. Samples of other threads (the thread pool,
a writer thread) are counted apart, by the thread's outermost healthcrawl function.

Within the loop, healthcrawl's share is split by the innermost healthcrawl frame of
each stack (so a spider callback's call into the parser counts as parsing, and the
pipeline's call into the store as storage), see HEALTHCRAWL_PARTS.
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


# first match wins, from the innermost healthcrawl frame of a stack outwards
HEALTHCRAWL_PARTS = (
    ("storage (crawler/record, crawler/store, the pipeline)",
     ("crawler/record/", "crawler/store/", "crawler/crawl/pipelines.py")),
    ("page parsing (crawler/extract)", ("crawler/extract/",)),
    ("spider callbacks, items (spiders/, crawler/core)", ("spiders/", "crawler/core/")),
    ("crawl machinery (crawler/crawl)", ("crawler/crawl/",)),
)
LOOP_FRAMES = ("run_forever", "AsyncioSelectorReactor.run")


def part(frames: list[tuple[str, str]]) -> str | None:
    """The part of healthcrawl a stack's time is charged to, or None if no frame is ours.

    >>> part([("a", "scrapy/x.py"), ("cb", "spiders/availability.py"), ("x", "crawler/extract/links.py")])
    'page parsing (crawler/extract)'
    >>> part([("a", "scrapy/x.py")]) is None
    True
    """
    for _, file in reversed(frames):
        for name, prefixes in HEALTHCRAWL_PARTS:
            if any(file.startswith(p) or f"/{p}" in file for p in prefixes):
                return name
    return None


def package(file: str) -> str:
    """The package a frame's file belongs to.

    >>> package("scrapy/core/engine.py"), package("asyncio/base_events.py"), package("json/encoder.py")
    ('scrapy', 'asyncio', 'other')
    """
    for name, prefixes in PACKAGES:
        if any(file.startswith(p) or f"/{p}" in file for p in prefixes):
            return name
    return "other"


def parse(path: Path) -> tuple[list[tuple[list[tuple[str, str]], int]], int, Counter[str]]:
    """(stacks under the reactor loop as [(function, file)], outermost first, with their
    sample counts), the main thread's samples outside it, and other threads' samples by
    their outermost healthcrawl function."""
    stacks, outside, threads = [], 0, Counter()
    for line in path.read_text().splitlines():
        text, _, count = line.rpartition(" ")
        if not text or not count.isdigit():
            continue
        frames = []
        for part in text.split(";"):
            match = FRAME.match(part)
            frames.append((match["func"], match["file"]) if match else (part, ""))
        if frames and frames[0][0].startswith("Thread._bootstrap"):
            ours = next((f"{func} ({file})" for func, file in frames if file.startswith(("crawler/", "spiders/"))),
                        "idle or not ours")
            threads[ours] += int(count)
            continue
        loops = [i for i, (func, _) in enumerate(frames) if func.endswith(LOOP_FRAMES)]
        if not loops:
            outside += int(count)
            continue
        loop = loops[-1]
        stacks.append((frames[loop + 1:], int(count)))
    return stacks, outside, threads


def summarise(path: Path, top: int = 25) -> str:
    stacks, outside, threads = parse(path)
    total = sum(count for _, count in stacks) or 1
    by_package: Counter[str] = Counter()
    by_part: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        if not frames:
            by_package["uvloop (C)"] += count
            continue
        by_part[part(frames) or "not healthcrawl"] += count
        func, file = frames[-1]
        by_package[package(file)] += count
        self_time[f"{func} ({file})"] += count
        for name in {f"{f} ({p})" for f, p in frames}:
            inclusive[name] += count
    lines = [f"{total} samples in the reactor loop ({outside} outside it: start-up, report)", "",
             "by package of the innermost frame:"]
    lines += [f"  {share:6.1%}  {name}" for name, share in
              ((n, c / total) for n, c in by_package.most_common())]
    lines += ["", "by the innermost healthcrawl frame (inclusive of what it calls):"]
    lines += [f"  {c / total:6.1%}  {name}" for name, c in by_part.most_common()]
    lines += ["", "other threads' samples (as a share of the loop's), by their outermost healthcrawl function:"]
    lines += [f"  {c / total:6.1%}  {c:6d}  {name}" for name, c in threads.most_common(8)]
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
